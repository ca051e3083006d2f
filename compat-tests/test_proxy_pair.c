/* zmq_proxy_steerable and zmq_proxy over PAIR sockets: forwarding both ways, STATISTICS,
 * TERMINATE (returns 0), and the end of the context (-1, ETERM). */
#include "testutil.h"

#include <stdint.h>

static void *ctx;
static void *front, *back, *ctl;
static int proxy_rc, proxy_errno;

static void *pair_socket (void)
{
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT (s != NULL);
    int timeout = 2000, linger = 0;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger));
    return s;
}

static void run_steerable (void *arg)
{
    (void) arg;
    proxy_rc = zmq_proxy_steerable (front, back, NULL, ctl);
    proxy_errno = zmq_errno ();
}

static void run_plain (void *arg)
{
    (void) arg;
    proxy_rc = zmq_proxy (front, back, NULL);
    proxy_errno = zmq_errno ();
}

static void recv_str (void *s, const char *expected)
{
    char buf[64];
    int n = TEST_ASSERT_SUCCESS (zmq_recv (s, buf, sizeof buf - 1, 0));
    buf[n] = 0;
    TEST_ASSERT_STR (expected, buf);
}

static void steerable (void)
{
    front = pair_socket ();
    back = pair_socket ();
    ctl = pair_socket ();
    TEST_ASSERT_SUCCESS (zmq_bind (front, "inproc://front"));
    TEST_ASSERT_SUCCESS (zmq_bind (back, "inproc://back"));
    TEST_ASSERT_SUCCESS (zmq_bind (ctl, "inproc://ctl"));
    void *a = pair_socket (), *b = pair_socket (), *c = pair_socket ();
    TEST_ASSERT_SUCCESS (zmq_connect (a, "inproc://front"));
    TEST_ASSERT_SUCCESS (zmq_connect (b, "inproc://back"));
    TEST_ASSERT_SUCCESS (zmq_connect (c, "inproc://ctl"));
    void *thread = zmq_threadstart (run_steerable, NULL);

    TEST_ASSERT_EQ (5, zmq_send (a, "hello", 5, 0));
    recv_str (b, "hello");
    TEST_ASSERT_EQ (3, zmq_send (b, "one", 3, ZMQ_SNDMORE));
    TEST_ASSERT_EQ (3, zmq_send (b, "two", 3, 0));
    recv_str (a, "one");
    recv_str (a, "two");

    TEST_ASSERT_EQ (10, zmq_send (c, "STATISTICS", 10, 0));
    /* Counts are of whole messages, bytes of all their parts. */
    const uint64_t expected[8] = {1, 5, 1, 6, 1, 6, 1, 5};
    for (int i = 0; i < 8; i++) {
        uint64_t v;
        TEST_ASSERT_EQ (8, zmq_recv (c, &v, sizeof v, 0));
        TEST_ASSERT_EQ (expected[i], v);
        int more;
        size_t len = sizeof more;
        TEST_ASSERT_SUCCESS (zmq_getsockopt (c, ZMQ_RCVMORE, &more, &len));
        TEST_ASSERT_EQ (i < 7, more);
    }

    TEST_ASSERT_EQ (9, zmq_send (c, "TERMINATE", 9, 0));
    zmq_threadclose (thread);
    TEST_ASSERT_EQ (0, proxy_rc);

    zmq_close (a);
    zmq_close (b);
    zmq_close (c);
    zmq_close (front);
    zmq_close (back);
    zmq_close (ctl);
}

static void ends_with_the_context (void)
{
    void *own = zmq_ctx_new ();
    void *saved = ctx;
    ctx = own;
    front = pair_socket ();
    back = pair_socket ();
    TEST_ASSERT_SUCCESS (zmq_bind (front, "inproc://front2"));
    TEST_ASSERT_SUCCESS (zmq_bind (back, "inproc://back2"));
    void *thread = zmq_threadstart (run_plain, NULL);
    usleep (100 * 1000);
    TEST_ASSERT_SUCCESS (zmq_ctx_shutdown (own));
    zmq_threadclose (thread);
    TEST_ASSERT_EQ (-1, proxy_rc);
    TEST_ASSERT_EQ (ETERM, proxy_errno);
    zmq_close (front);
    zmq_close (back);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (own));
    ctx = saved;
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT_FAILURE (zmq_proxy (NULL, NULL, NULL), EFAULT);
    steerable ();
    ends_with_the_context ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

/* zmq_proxy between an XSUB (towards the publisher) and an XPUB (towards the subscribers):
 * subscriptions travel up through the proxy, messages come down, unsubscriptions of a
 * departed subscriber too; the proxy ends with ETERM when the context shuts down. */
#include "testutil.h"

#include <pthread.h>

static void *ctx;
static void *front, *back;
static int proxy_rc, proxy_errno;

static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    TEST_ASSERT (s != NULL);
    int timeout = 2000, linger = 0;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_SNDTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger));
    return s;
}

static void *run_proxy (void *arg)
{
    (void) arg;
    proxy_rc = zmq_proxy (front, back, NULL);
    proxy_errno = zmq_errno ();
    TEST_ASSERT_SUCCESS (zmq_close (front));
    TEST_ASSERT_SUCCESS (zmq_close (back));
    return NULL;
}

static void recv_str (void *s, const char *expected, size_t size)
{
    char buf[64];
    int n = TEST_ASSERT_SUCCESS (zmq_recv (s, buf, sizeof buf, 0));
    TEST_ASSERT_EQ ((int) size, n);
    TEST_ASSERT (memcmp (buf, expected, size) == 0);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    /* The publisher side is an XPUB so that the test sees the subscriptions arrive. */
    void *pub = make (ZMQ_XPUB);
    TEST_ASSERT_SUCCESS (zmq_bind (pub, "inproc://pp-pub"));
    front = make (ZMQ_XSUB);
    back = make (ZMQ_XPUB);
    TEST_ASSERT_SUCCESS (zmq_connect (front, "inproc://pp-pub"));
    TEST_ASSERT_SUCCESS (zmq_bind (back, "inproc://pp-subs"));
    pthread_t thread;
    TEST_ASSERT_EQ (0, pthread_create (&thread, NULL, run_proxy, NULL));

    void *s1 = make (ZMQ_SUB), *s2 = make (ZMQ_SUB);
    TEST_ASSERT_SUCCESS (zmq_connect (s1, "inproc://pp-subs"));
    TEST_ASSERT_SUCCESS (zmq_connect (s2, "inproc://pp-subs"));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s1, ZMQ_SUBSCRIBE, "a", 1));
    recv_str (pub, "\1a", 2);
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s2, ZMQ_SUBSCRIBE, "b", 1));
    recv_str (pub, "\1b", 2);

    TEST_ASSERT_EQ (2, zmq_send (pub, "a1", 2, 0));
    TEST_ASSERT_EQ (2, zmq_send (pub, "b1", 2, ZMQ_SNDMORE));
    TEST_ASSERT_EQ (4, zmq_send (pub, "tail", 4, 0));
    TEST_ASSERT_EQ (2, zmq_send (pub, "c1", 2, 0));
    recv_str (s1, "a1", 2);
    recv_str (s2, "b1", 2);
    recv_str (s2, "tail", 4);

    TEST_ASSERT_SUCCESS (zmq_close (s1));
    recv_str (pub, "\0a", 2);

    TEST_ASSERT_SUCCESS (zmq_ctx_shutdown (ctx));
    TEST_ASSERT_EQ (0, pthread_join (thread, NULL));
    TEST_ASSERT_EQ (-1, proxy_rc);
    TEST_ASSERT_EQ (ETERM, proxy_errno);
    TEST_ASSERT_SUCCESS (zmq_close (s2));
    TEST_ASSERT_SUCCESS (zmq_close (pub));
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

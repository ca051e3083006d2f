/* compat: ours-only (ZMQ_TOPICS_COUNT and ZMQ_XSUB_VERBOSE_UNSUBSCRIBE are libzmq 4.3.5 draft options; 4.3.4 lacks them) */
/* compat: draft */
/* ZMQ_TOPICS_COUNT on SUB, XSUB and XPUB (distinct topics), and XSUB_VERBOSE_UNSUBSCRIBE:
 * every unsubscription goes upstream, and XPUB passes up one for a topic the pipe never
 * had (libzmq passes up any removal that did not leave other subscribers). */
#include "testutil.h"

static void *ctx;

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

static int topics (void *s)
{
    int n;
    size_t len = sizeof n;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_TOPICS_COUNT, &n, &len));
    return n;
}

static void send_bytes (void *s, const char *data, size_t size, int flags)
{
    TEST_ASSERT_EQ ((int) size, zmq_send (s, data, size, flags));
}

static void recv_bytes (void *s, const char *expected, size_t size)
{
    char buf[256];
    int n = TEST_ASSERT_SUCCESS (zmq_recv (s, buf, sizeof buf, 0));
    TEST_ASSERT_EQ ((int) size, n);
    TEST_ASSERT (memcmp (buf, expected, size) == 0);
}

#define SEND(s, lit) send_bytes (s, lit, sizeof lit - 1, 0)
#define RECV(s, lit) recv_bytes (s, lit, sizeof lit - 1)

static void nothing (void *s)
{
    char buf[16];
    TEST_ASSERT_FAILURE (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
}

static void topics_count (void)
{
    void *x = make (ZMQ_XPUB), *s = make (ZMQ_SUB), *xs = make (ZMQ_XSUB);
    TEST_ASSERT_SUCCESS (zmq_bind (x, "inproc://psd-count"));
    TEST_ASSERT_SUCCESS (zmq_connect (s, "inproc://psd-count"));
    TEST_ASSERT_SUCCESS (zmq_connect (xs, "inproc://psd-count"));
    TEST_ASSERT_EQ (0, topics (s));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "a", 1));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "a", 1));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "ab", 2));
    TEST_ASSERT_EQ (2, topics (s));
    SEND (xs, "\1a");
    SEND (xs, "\1c");
    TEST_ASSERT_EQ (2, topics (xs));
    RECV (x, "\1a");
    RECV (x, "\1ab");
    RECV (x, "\1c");
    TEST_ASSERT_EQ (3, topics (x));
    TEST_ASSERT_SUCCESS (zmq_close (s));
    RECV (x, "\0ab");
    TEST_ASSERT_EQ (2, topics (x));
    TEST_ASSERT_SUCCESS (zmq_close (x));
    TEST_ASSERT_SUCCESS (zmq_close (xs));
}

static void verbose_unsubscribe (void)
{
    void *x = make (ZMQ_XPUB), *xs = make (ZMQ_XSUB);
    int on = 1;
    TEST_ASSERT_SUCCESS (
      zmq_setsockopt (xs, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, &on, sizeof on));
    TEST_ASSERT_SUCCESS (zmq_bind (x, "inproc://psd-verbose"));
    TEST_ASSERT_SUCCESS (zmq_connect (xs, "inproc://psd-verbose"));
    SEND (xs, "\1A");
    SEND (xs, "\1A");
    RECV (x, "\1A");
    SEND (xs, "\0A");
    /* Forwarded although the XSUB still counts one; the XPUB removes the pipe's only
     * subscription to A and passes that up. */
    RECV (x, "\0A");
    SEND (xs, "\0A");
    RECV (x, "\0A");
    TEST_ASSERT_EQ (0, topics (xs));
    TEST_ASSERT_EQ (0, topics (x));
    nothing (x);
    TEST_ASSERT_SUCCESS (zmq_close (x));
    TEST_ASSERT_SUCCESS (zmq_close (xs));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    topics_count ();
    verbose_unsubscribe ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

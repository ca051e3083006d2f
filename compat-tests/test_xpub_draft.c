/* compat: draft */
/* XPUB options declared in the draft block of zmq.h 4.3.4 but implemented by it:
 * ZMQ_ONLY_FIRST_SUBSCRIBE (on XPUB and XSUB). Also ZMQ_XPUB_MANUAL_LAST_VALUE. */
#include "testutil.h"

static void *ctx;

#define SEND(s, lit, flags) test_send_bytes (s, lit, sizeof lit - 1, flags)
#define RECV(s, lit, more) test_recv_bytes (s, lit, sizeof lit - 1, more)

static void only_first_subscribe (int on)
{
    void *x = test_socket (ctx, ZMQ_XPUB), *xs = test_socket (ctx, ZMQ_XSUB);
    test_set_int (x, ZMQ_ONLY_FIRST_SUBSCRIBE, on);
    test_set_int (xs, ZMQ_ONLY_FIRST_SUBSCRIBE, on);
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://xpd-first-%d", on);
    TEST_ASSERT_SUCCESS (zmq_bind (x, endpoint));
    TEST_ASSERT_SUCCESS (zmq_connect (xs, endpoint));
    SEND (xs, "data", ZMQ_SNDMORE);
    SEND (xs, "\1B", 0);
    /* Either way both parts come up; without the option the second one was a
     * subscription, passed up as a notice that ends the message. */
    RECV (x, "data", 1);
    RECV (x, "\1B", 0);
    SEND (x, "B1", 0);
    if (on) {
        test_settle ();
        test_nothing (xs);
    } else
        RECV (xs, "B1", 0);
    /* A subscription first makes every part one. */
    SEND (xs, "\1C", ZMQ_SNDMORE);
    SEND (xs, "\1D", 0);
    RECV (x, "\1C", 0);
    RECV (x, "\1D", 0);
    TEST_ASSERT_SUCCESS (zmq_close (x));
    TEST_ASSERT_SUCCESS (zmq_close (xs));
}

static void manual_last_value (void)
{
    void *x = test_socket (ctx, ZMQ_XPUB), *s1 = test_socket (ctx, ZMQ_SUB), *s2 = test_socket (ctx, ZMQ_SUB);
    test_set_int (x, ZMQ_XPUB_MANUAL_LAST_VALUE, 1);
    TEST_ASSERT_SUCCESS (zmq_bind (x, "inproc://xpd-last"));
    TEST_ASSERT_SUCCESS (zmq_connect (s1, "inproc://xpd-last"));
    TEST_ASSERT_SUCCESS (zmq_connect (s2, "inproc://xpd-last"));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s1, ZMQ_SUBSCRIBE, "A", 1));
    RECV (x, "\1A", 0);
    TEST_ASSERT_SUCCESS (zmq_setsockopt (x, ZMQ_SUBSCRIBE, "A", 1));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s2, ZMQ_SUBSCRIBE, "A", 1));
    RECV (x, "\1A", 0);
    TEST_ASSERT_SUCCESS (zmq_setsockopt (x, ZMQ_SUBSCRIBE, "A", 1));
    /* The first message after reading a subscription goes to its subscriber only. */
    SEND (x, "A1", 0);
    SEND (x, "A2", 0);
    RECV (s1, "A2", 0);
    RECV (s2, "A1", 0);
    RECV (s2, "A2", 0);
    TEST_ASSERT_SUCCESS (zmq_close (x));
    TEST_ASSERT_SUCCESS (zmq_close (s1));
    TEST_ASSERT_SUCCESS (zmq_close (s2));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    only_first_subscribe (0);
    only_first_subscribe (1);
    manual_last_value ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

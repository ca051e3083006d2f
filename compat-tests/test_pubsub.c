/* PUB/SUB over inproc: prefix matching, the empty subscription, counted subscriptions,
 * multipart messages delivered whole, local filtering, invert matching, and the errors of
 * the one-way types. */
#include "testutil.h"

static void *ctx;

static void sub (void *s, const char *topic)
{
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_SUBSCRIBE, topic, strlen (topic)));
}

static void unsub (void *s, const char *topic)
{
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_UNSUBSCRIBE, topic, strlen (topic)));
}

static void prefix_matching (void)
{
    void *p = test_socket (ctx, ZMQ_PUB), *s = test_socket (ctx, ZMQ_SUB);
    TEST_ASSERT_SUCCESS (zmq_bind (p, "inproc://ps-prefix"));
    TEST_ASSERT_SUCCESS (zmq_connect (s, "inproc://ps-prefix"));
    sub (s, "ab");
    test_settle ();
    test_send_str (p, "b", 0);
    test_send_str (p, "a", 0);
    test_send_str (p, "abc", ZMQ_SNDMORE);
    test_send_str (p, "x", ZMQ_SNDMORE);
    test_send_str (p, "", 0);
    test_send_str (p, "ab", 0);
    test_recv_str (s, "abc", 1);
    test_recv_str (s, "x", 1);
    test_recv_str (s, "", 0);
    test_recv_str (s, "ab", 0);
    test_nothing (s);
    TEST_ASSERT_SUCCESS (zmq_close (p));
    TEST_ASSERT_SUCCESS (zmq_close (s));
}

static void empty_subscription (void)
{
    void *p = test_socket (ctx, ZMQ_PUB), *s = test_socket (ctx, ZMQ_SUB);
    sub (s, "");
    TEST_ASSERT_SUCCESS (zmq_connect (s, "inproc://ps-empty"));
    TEST_ASSERT_SUCCESS (zmq_bind (p, "inproc://ps-empty"));
    test_settle ();
    test_send_str (p, "", 0);
    test_send_str (p, "anything", 0);
    test_recv_str (s, "", 0);
    test_recv_str (s, "anything", 0);
    TEST_ASSERT_SUCCESS (zmq_close (p));
    TEST_ASSERT_SUCCESS (zmq_close (s));
}

static void counted_subscriptions (void)
{
    void *p = test_socket (ctx, ZMQ_PUB), *s = test_socket (ctx, ZMQ_SUB);
    TEST_ASSERT_SUCCESS (zmq_bind (p, "inproc://ps-counted"));
    TEST_ASSERT_SUCCESS (zmq_connect (s, "inproc://ps-counted"));
    sub (s, "A");
    sub (s, "A");
    unsub (s, "A");
    test_settle ();
    test_send_str (p, "A1", 0);
    test_recv_str (s, "A1", 0);
    unsub (s, "A");
    test_settle ();
    test_send_str (p, "A2", 0);
    test_settle ();
    test_nothing (s);
    /* Unsubscribing from nothing is fine. */
    unsub (s, "never");
    TEST_ASSERT_SUCCESS (zmq_close (p));
    TEST_ASSERT_SUCCESS (zmq_close (s));
}

static void local_filter (void)
{
    void *p = test_socket (ctx, ZMQ_PUB), *s = test_socket (ctx, ZMQ_SUB);
    TEST_ASSERT_SUCCESS (zmq_bind (p, "inproc://ps-local"));
    TEST_ASSERT_SUCCESS (zmq_connect (s, "inproc://ps-local"));
    sub (s, "A");
    sub (s, "B");
    test_settle ();
    test_send_str (p, "A1", ZMQ_SNDMORE);
    test_send_str (p, "B-part", 0);
    test_send_str (p, "B1", ZMQ_SNDMORE);
    test_send_str (p, "A-part", 0);
    /* Both are queued at the SUB; its own filter drops the first one now. */
    unsub (s, "A");
    test_recv_str (s, "B1", 1);
    test_recv_str (s, "A-part", 0);
    test_nothing (s);
    TEST_ASSERT_SUCCESS (zmq_close (p));
    TEST_ASSERT_SUCCESS (zmq_close (s));
}

static void two_subscribers (void)
{
    void *p = test_socket (ctx, ZMQ_PUB), *s1 = test_socket (ctx, ZMQ_SUB), *s2 = test_socket (ctx, ZMQ_SUB);
    TEST_ASSERT_SUCCESS (zmq_bind (p, "inproc://ps-two"));
    TEST_ASSERT_SUCCESS (zmq_connect (s1, "inproc://ps-two"));
    TEST_ASSERT_SUCCESS (zmq_connect (s2, "inproc://ps-two"));
    sub (s1, "x");
    sub (s2, "y");
    sub (s2, "");
    test_settle ();
    test_send_str (p, "x1", 0);
    test_send_str (p, "y1", 0);
    test_recv_str (s1, "x1", 0);
    test_nothing (s1);
    test_recv_str (s2, "x1", 0);
    test_recv_str (s2, "y1", 0);
    test_nothing (s2);
    TEST_ASSERT_SUCCESS (zmq_close (p));
    TEST_ASSERT_SUCCESS (zmq_close (s1));
    TEST_ASSERT_SUCCESS (zmq_close (s2));
}

static void invert_matching (void)
{
    void *p = test_socket (ctx, ZMQ_PUB), *s = test_socket (ctx, ZMQ_SUB);
    int on = 1;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (p, ZMQ_INVERT_MATCHING, &on, sizeof on));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_INVERT_MATCHING, &on, sizeof on));
    TEST_ASSERT_SUCCESS (zmq_bind (p, "inproc://ps-invert"));
    TEST_ASSERT_SUCCESS (zmq_connect (s, "inproc://ps-invert"));
    sub (s, "prefix");
    test_settle ();
    test_send_str (p, "prefix-match", 0);
    test_send_str (p, "other", 0);
    test_recv_str (s, "other", 0);
    test_nothing (s);
    TEST_ASSERT_SUCCESS (zmq_close (p));
    TEST_ASSERT_SUCCESS (zmq_close (s));
}

static void errors (void)
{
    void *p = test_socket (ctx, ZMQ_PUB), *s = test_socket (ctx, ZMQ_SUB), *xs = test_socket (ctx, ZMQ_XSUB);
    char buf[8];
    TEST_ASSERT_FAILURE (zmq_recv (p, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
    TEST_ASSERT_FAILURE (zmq_send (s, "x", 1, ZMQ_DONTWAIT), ENOTSUP);
    /* Subscriptions are options of SUB only (and of XPUB/PUB in manual mode). */
    TEST_ASSERT_FAILURE (zmq_setsockopt (p, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    TEST_ASSERT_FAILURE (zmq_setsockopt (xs, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    int events;
    size_t len = sizeof events;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (p, ZMQ_EVENTS, &events, &len));
    TEST_ASSERT_EQ (ZMQ_POLLOUT, events);
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_EVENTS, &events, &len));
    TEST_ASSERT_EQ (0, events);
    TEST_ASSERT_SUCCESS (zmq_getsockopt (xs, ZMQ_EVENTS, &events, &len));
    TEST_ASSERT_EQ (ZMQ_POLLOUT, events);
    /* With no subscriber the message is dropped, not queued. */
    test_send_str (p, "dropped", 0);
    TEST_ASSERT_SUCCESS (zmq_close (p));
    TEST_ASSERT_SUCCESS (zmq_close (s));
    TEST_ASSERT_SUCCESS (zmq_close (xs));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    prefix_matching ();
    empty_subscription ();
    counted_subscriptions ();
    local_filter ();
    two_subscribers ();
    invert_matching ();
    errors ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

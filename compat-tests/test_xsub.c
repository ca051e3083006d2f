/* XSUB over inproc: (un)subscriptions sent as messages update the counted local set and go
 * upstream, data goes upstream to every publisher, nothing is filtered on the way in, and
 * each new publisher gets the subscriptions once. */
#include "testutil.h"

static void *ctx;

#define SEND(s, lit, flags) test_send_bytes (s, lit, sizeof lit - 1, flags)
#define RECV(s, lit, more) test_recv_bytes (s, lit, sizeof lit - 1, more)

static void forwarding (void)
{
    void *x = test_socket (ctx, ZMQ_XPUB), *xs = test_socket (ctx, ZMQ_XSUB);
    test_set_int (x, ZMQ_XPUB_VERBOSE, 1);
    TEST_ASSERT_SUCCESS (zmq_bind (x, "inproc://xs-fwd"));
    TEST_ASSERT_SUCCESS (zmq_connect (xs, "inproc://xs-fwd"));
    /* Every subscription goes upstream, duplicates too. */
    SEND (xs, "\1A", 0);
    SEND (xs, "\1A", 0);
    RECV (x, "\1A", 0);
    RECV (x, "\1A", 0);
    SEND (x, "A1", ZMQ_SNDMORE);
    SEND (x, "more", 0);
    SEND (x, "B1", 0);
    /* Counted: only the last unsubscription goes upstream. */
    SEND (xs, "\0A", 0);
    test_settle ();
    test_nothing (x);
    SEND (xs, "\0A", 0);
    RECV (x, "\0A", 0);
    /* No local filter: what the XPUB sent while subscribed arrives. */
    RECV (xs, "A1", 1);
    RECV (xs, "more", 0);
    test_settle ();
    test_nothing (xs);
    /* Data goes upstream whole. */
    SEND (xs, "up", ZMQ_SNDMORE);
    SEND (xs, "\2x", 0);
    RECV (x, "up", 1);
    RECV (x, "\2x", 0);
    TEST_ASSERT_SUCCESS (zmq_close (x));
    TEST_ASSERT_SUCCESS (zmq_close (xs));
}

static void resend_on_attach (void)
{
    void *xs = test_socket (ctx, ZMQ_XSUB);
    SEND (xs, "\1T", 0);
    SEND (xs, "\1T", 0);
    SEND (xs, "\1S", 0);
    TEST_ASSERT_SUCCESS (zmq_connect (xs, "inproc://xs-late"));
    void *x = test_socket (ctx, ZMQ_XPUB);
    test_set_int (x, ZMQ_XPUB_VERBOSE, 1);
    TEST_ASSERT_SUCCESS (zmq_bind (x, "inproc://xs-late"));
    /* Each distinct subscription once. */
    RECV (x, "\1S", 0);
    RECV (x, "\1T", 0);
    test_settle ();
    test_nothing (x);
    SEND (x, "T1", 0);
    SEND (x, "U1", 0);
    RECV (xs, "T1", 0);
    test_settle ();
    test_nothing (xs);
    TEST_ASSERT_SUCCESS (zmq_close (x));
    TEST_ASSERT_SUCCESS (zmq_close (xs));
}

static void two_publishers (void)
{
    void *p1 = test_socket (ctx, ZMQ_PUB), *p2 = test_socket (ctx, ZMQ_XPUB), *xs = test_socket (ctx, ZMQ_XSUB);
    TEST_ASSERT_SUCCESS (zmq_bind (p1, "inproc://xs-p1"));
    TEST_ASSERT_SUCCESS (zmq_bind (p2, "inproc://xs-p2"));
    TEST_ASSERT_SUCCESS (zmq_connect (xs, "inproc://xs-p1"));
    TEST_ASSERT_SUCCESS (zmq_connect (xs, "inproc://xs-p2"));
    SEND (xs, "\1", 0);
    SEND (xs, "data", 0);
    RECV (p2, "\1", 0);
    RECV (p2, "data", 0);
    SEND (p1, "one", 0);
    SEND (p2, "two", 0);
    /* Fair queueing: one from each. */
    RECV (xs, "one", 0);
    RECV (xs, "two", 0);
    TEST_ASSERT_SUCCESS (zmq_close (p1));
    TEST_ASSERT_SUCCESS (zmq_close (p2));
    TEST_ASSERT_SUCCESS (zmq_close (xs));
}

static void sub_to_xpub_through_xsub (void)
{
    /* A forwarder's halves by hand: XPUB front for SUBs, XSUB back to a PUB. */
    void *p = test_socket (ctx, ZMQ_PUB), *back = test_socket (ctx, ZMQ_XSUB), *front = test_socket (ctx, ZMQ_XPUB);
    void *s = test_socket (ctx, ZMQ_SUB);
    TEST_ASSERT_SUCCESS (zmq_bind (p, "inproc://xs-pub"));
    TEST_ASSERT_SUCCESS (zmq_connect (back, "inproc://xs-pub"));
    TEST_ASSERT_SUCCESS (zmq_bind (front, "inproc://xs-front"));
    TEST_ASSERT_SUCCESS (zmq_connect (s, "inproc://xs-front"));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "news", 4));
    char buf[64];
    int n = TEST_ASSERT_SUCCESS (zmq_recv (front, buf, sizeof buf, 0));
    TEST_ASSERT_EQ (5, n);
    TEST_ASSERT_EQ (n, zmq_send (back, buf, n, 0));
    test_settle ();
    SEND (p, "news!", 0);
    SEND (p, "olds!", 0);
    n = TEST_ASSERT_SUCCESS (zmq_recv (back, buf, sizeof buf, 0));
    TEST_ASSERT_EQ (n, zmq_send (front, buf, n, 0));
    RECV (s, "news!", 0);
    test_settle ();
    test_nothing (back);
    TEST_ASSERT_SUCCESS (zmq_close (p));
    TEST_ASSERT_SUCCESS (zmq_close (back));
    TEST_ASSERT_SUCCESS (zmq_close (front));
    TEST_ASSERT_SUCCESS (zmq_close (s));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    forwarding ();
    resend_on_attach ();
    two_publishers ();
    sub_to_xpub_through_xsub ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

/* XPUB over inproc: subscriptions passed up when they change the set (first subscriber,
 * last one leaving), XPUB_VERBOSE/VERBOSER, XPUB_MANUAL, XPUB_WELCOME_MSG, XPUB_NODROP,
 * unsubscriptions for departed subscribers, and data from XSUB peers. */
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

#define SEND(s, lit, flags) test_send_bytes (s, lit, sizeof lit - 1, flags)
#define RECV(s, lit, more) test_recv_bytes (s, lit, sizeof lit - 1, more)

static void first_and_last (void)
{
    void *x = test_socket (ctx, ZMQ_XPUB), *s1 = test_socket (ctx, ZMQ_SUB), *s2 = test_socket (ctx, ZMQ_SUB);
    TEST_ASSERT_SUCCESS (zmq_bind (x, "inproc://xp-first"));
    TEST_ASSERT_SUCCESS (zmq_connect (s1, "inproc://xp-first"));
    TEST_ASSERT_SUCCESS (zmq_connect (s2, "inproc://xp-first"));
    sub (s1, "A");
    sub (s1, "A");
    sub (s2, "A");
    RECV (x, "\1A", 0);
    test_settle ();
    test_nothing (x);
    unsub (s1, "A");
    unsub (s1, "A");
    test_settle ();
    test_nothing (x);
    unsub (s2, "A");
    RECV (x, "\0A", 0);
    TEST_ASSERT_SUCCESS (zmq_close (x));
    TEST_ASSERT_SUCCESS (zmq_close (s1));
    TEST_ASSERT_SUCCESS (zmq_close (s2));
}

static void verbose (int option, int unsubs_too)
{
    void *x = test_socket (ctx, ZMQ_XPUB), *s1 = test_socket (ctx, ZMQ_SUB), *s2 = test_socket (ctx, ZMQ_SUB);
    test_set_int (x, option, 1);
    /* A closed socket's inproc name stays taken until it is reaped: one name each. */
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://xp-verbose-%d", option);
    TEST_ASSERT_SUCCESS (zmq_bind (x, endpoint));
    TEST_ASSERT_SUCCESS (zmq_connect (s1, endpoint));
    TEST_ASSERT_SUCCESS (zmq_connect (s2, endpoint));
    sub (s1, "A");
    sub (s2, "A");
    RECV (x, "\1A", 0);
    RECV (x, "\1A", 0);
    unsub (s1, "A");
    if (unsubs_too)
        RECV (x, "\0A", 0);
    test_settle ();
    test_nothing (x);
    unsub (s2, "A");
    RECV (x, "\0A", 0);
    TEST_ASSERT_SUCCESS (zmq_close (x));
    TEST_ASSERT_SUCCESS (zmq_close (s1));
    TEST_ASSERT_SUCCESS (zmq_close (s2));
}

static void departed_subscriber (void)
{
    void *x = test_socket (ctx, ZMQ_XPUB), *s1 = test_socket (ctx, ZMQ_SUB), *s2 = test_socket (ctx, ZMQ_SUB);
    TEST_ASSERT_SUCCESS (zmq_bind (x, "inproc://xp-departed"));
    TEST_ASSERT_SUCCESS (zmq_connect (s1, "inproc://xp-departed"));
    TEST_ASSERT_SUCCESS (zmq_connect (s2, "inproc://xp-departed"));
    sub (s1, "B");
    sub (s1, "A");
    test_settle ();
    sub (s2, "A");
    RECV (x, "\1B", 0);
    RECV (x, "\1A", 0);
    TEST_ASSERT_SUCCESS (zmq_close (s1));
    /* Only B is wanted by nobody now. */
    RECV (x, "\0B", 0);
    test_settle ();
    test_nothing (x);
    TEST_ASSERT_SUCCESS (zmq_close (s2));
    RECV (x, "\0A", 0);
    TEST_ASSERT_SUCCESS (zmq_close (x));
}

static void welcome (void)
{
    void *x = test_socket (ctx, ZMQ_XPUB), *s = test_socket (ctx, ZMQ_SUB);
    TEST_ASSERT_SUCCESS (zmq_setsockopt (x, ZMQ_XPUB_WELCOME_MSG, "W", 1));
    TEST_ASSERT_SUCCESS (zmq_bind (x, "inproc://xp-welcome"));
    sub (s, "W");
    TEST_ASSERT_SUCCESS (zmq_connect (s, "inproc://xp-welcome"));
    RECV (x, "\1W", 0);
    RECV (s, "W", 0);
    TEST_ASSERT_SUCCESS (zmq_close (x));
    TEST_ASSERT_SUCCESS (zmq_close (s));
}

static void nodrop (int on)
{
    void *x = test_socket (ctx, ZMQ_XPUB), *s = test_socket (ctx, ZMQ_SUB);
    test_set_int (x, ZMQ_SNDHWM, 1);
    test_set_int (x, ZMQ_XPUB_NODROP, on);
    test_set_int (s, ZMQ_RCVHWM, 1);
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://xp-nodrop-%d", on);
    TEST_ASSERT_SUCCESS (zmq_bind (x, endpoint));
    TEST_ASSERT_SUCCESS (zmq_connect (s, endpoint));
    sub (s, "");
    RECV (x, "\1", 0);
    /* inproc: the pipe holds SNDHWM + RCVHWM messages. */
    int sent = 0;
    while (sent < 10 && zmq_send (x, "m", 1, ZMQ_DONTWAIT) == 1)
        sent++;
    if (on) {
        TEST_ASSERT_EQ (2, sent);
        TEST_ASSERT_EQ (EAGAIN, zmq_errno ());
        test_set_int (x, ZMQ_SNDTIMEO, 50);
        TEST_ASSERT_FAILURE (zmq_send (x, "m", 1, 0), EAGAIN);
    } else
        TEST_ASSERT_EQ (10, sent);
    RECV (s, "m", 0);
    RECV (s, "m", 0);
    test_nothing (s);
    TEST_ASSERT_SUCCESS (zmq_close (x));
    TEST_ASSERT_SUCCESS (zmq_close (s));
}

static void manual (void)
{
    void *x = test_socket (ctx, ZMQ_XPUB), *xs = test_socket (ctx, ZMQ_XSUB);
    /* Refused until manual mode is on. */
    TEST_ASSERT_FAILURE (zmq_setsockopt (x, ZMQ_SUBSCRIBE, "B", 1), EINVAL);
    test_set_int (x, ZMQ_XPUB_MANUAL, 1);
    TEST_ASSERT_SUCCESS (zmq_bind (x, "inproc://xp-manual"));
    TEST_ASSERT_SUCCESS (zmq_connect (xs, "inproc://xp-manual"));
    SEND (xs, "\1A", 0);
    RECV (x, "\1A", 0);
    /* The subscription goes to the pipe of the message just read, instead of A. */
    sub (x, "B");
    SEND (x, "A", 0);
    SEND (x, "B", 0);
    RECV (xs, "B", 0);
    test_settle ();
    test_nothing (xs);
    /* Everything is passed up, duplicates too. */
    SEND (xs, "\1A", 0);
    RECV (x, "\1A", 0);
    /* The XSUB counted A twice: only the second unsubscription leaves it. */
    SEND (xs, "\0A", 0);
    SEND (xs, "\0A", 0);
    RECV (x, "\0A", 0);
    SEND (xs, "\1C", 0);
    RECV (x, "\1C", 0);
    TEST_ASSERT_SUCCESS (zmq_close (xs));
    /* The departed pipe's manual topics are unsubscribed. */
    RECV (x, "\0C", 0);
    test_settle ();
    test_nothing (x);
    TEST_ASSERT_SUCCESS (zmq_close (x));
}

static void data_from_xsub (void)
{
    void *x = test_socket (ctx, ZMQ_XPUB), *xs = test_socket (ctx, ZMQ_XSUB);
    TEST_ASSERT_SUCCESS (zmq_bind (x, "inproc://xp-data"));
    TEST_ASSERT_SUCCESS (zmq_connect (xs, "inproc://xp-data"));
    SEND (xs, "hello", ZMQ_SNDMORE);
    SEND (xs, "\2world", 0);
    SEND (xs, "\1T", 0);
    SEND (xs, "", 0);
    RECV (x, "hello", 1);
    RECV (x, "\2world", 0);
    RECV (x, "\1T", 0);
    RECV (x, "", 0);
    SEND (x, "T1", 0);
    SEND (x, "U1", 0);
    RECV (xs, "T1", 0);
    test_settle ();
    test_nothing (xs);
    TEST_ASSERT_SUCCESS (zmq_close (x));
    TEST_ASSERT_SUCCESS (zmq_close (xs));
}

static void pub_drops_data (void)
{
    void *p = test_socket (ctx, ZMQ_PUB), *xs = test_socket (ctx, ZMQ_XSUB);
    TEST_ASSERT_SUCCESS (zmq_bind (p, "inproc://xp-pub"));
    TEST_ASSERT_SUCCESS (zmq_connect (xs, "inproc://xp-pub"));
    SEND (xs, "hello", 0);
    SEND (xs, "\1h", 0);
    test_settle ();
    SEND (p, "hi", 0);
    SEND (p, "no", 0);
    RECV (xs, "hi", 0);
    TEST_ASSERT_SUCCESS (zmq_close (p));
    TEST_ASSERT_SUCCESS (zmq_close (xs));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    first_and_last ();
    verbose (ZMQ_XPUB_VERBOSE, 0);
    verbose (ZMQ_XPUB_VERBOSER, 1);
    departed_subscriber ();
    welcome ();
    nodrop (0);
    nodrop (1);
    manual ();
    data_from_xsub ();
    pub_drops_data ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

/* compat: draft */
/* XPUB options declared in the draft block of zmq.h 4.3.4 but implemented by it:
 * ZMQ_ONLY_FIRST_SUBSCRIBE (on XPUB and XSUB). Also ZMQ_XPUB_MANUAL_LAST_VALUE. */
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

static void set_int (void *s, int option, int value)
{
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, option, &value, sizeof value));
}

/* Lets the other side see what was sent (libzmq reads commands at most every ~1 ms on send). */
static void settle (void)
{
    usleep (50 * 1000);
}

static void send_bytes (void *s, const char *data, size_t size, int flags)
{
    TEST_ASSERT_EQ ((int) size, zmq_send (s, data, size, flags));
}

static void recv_bytes (void *s, const char *expected, size_t size, int more)
{
    char buf[256];
    int n = TEST_ASSERT_SUCCESS (zmq_recv (s, buf, sizeof buf, 0));
    TEST_ASSERT_EQ ((int) size, n);
    TEST_ASSERT (memcmp (buf, expected, size) == 0);
    int rcvmore;
    size_t len = sizeof rcvmore;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &len));
    TEST_ASSERT_EQ (more, rcvmore);
}

#define SEND(s, lit, flags) send_bytes (s, lit, sizeof lit - 1, flags)
#define RECV(s, lit, more) recv_bytes (s, lit, sizeof lit - 1, more)

static void nothing (void *s)
{
    char buf[16];
    TEST_ASSERT_FAILURE (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
}

static void only_first_subscribe (int on)
{
    void *x = make (ZMQ_XPUB), *xs = make (ZMQ_XSUB);
    set_int (x, ZMQ_ONLY_FIRST_SUBSCRIBE, on);
    set_int (xs, ZMQ_ONLY_FIRST_SUBSCRIBE, on);
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
        settle ();
        nothing (xs);
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
    void *x = make (ZMQ_XPUB), *s1 = make (ZMQ_SUB), *s2 = make (ZMQ_SUB);
    set_int (x, ZMQ_XPUB_MANUAL_LAST_VALUE, 1);
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

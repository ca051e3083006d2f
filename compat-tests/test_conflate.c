/* ZMQ_CONFLATE: the receiving pipe keeps only the newest message (tcp and inproc, PULL and
 * SUB), multipart messages keep only their last part, the HWM is ignored, types other than
 * PUSH/PULL/PUB/SUB/DEALER ignore the option, and on inproc only the connecter's option
 * counts. */
#include "testutil.h"

static void *ctx;

/* Binds `s` to `base` (a tcp wildcard or an inproc name) and returns the endpoint to
 * connect to. */
static const char *bind_to (void *s, const char *base)
{
    static char ep[256];
    TEST_ASSERT_SUCCESS (zmq_bind (s, base));
    size_t len = sizeof ep;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len));
    return ep;
}

static void send_int (void *s, int v, int flags)
{
    test_send_bytes (s, &v, sizeof v, flags);
}

static void recv_int (void *s, int expected, int more)
{
    test_recv_bytes (s, &expected, sizeof expected, more);
}

/* Long enough for 20 small messages to cross a loopback connection. */
static void settle_long (void)
{
    usleep (300 * 1000);
}

static void *conflating (int type)
{
    void *s = test_socket (ctx, type);
    test_set_int (s, ZMQ_CONFLATE, 1);
    return s;
}

/* PUSH bound, PULL with CONFLATE connected: 20 messages, only the last arrives. */
static void push_to_conflating_pull (const char *base)
{
    void *push = test_socket (ctx, ZMQ_PUSH);
    const char *ep = bind_to (push, base);
    void *pull = conflating (ZMQ_PULL);
    TEST_ASSERT_SUCCESS (zmq_connect (pull, ep));
    /* The first send waits (SNDTIMEO) until the connection is up. */
    for (int i = 0; i < 20; i++)
        send_int (push, i, 0);
    settle_long ();
    recv_int (pull, 19, 0);
    test_nothing (pull);

    /* A multipart message: each part replaced the one before, the last part is left. */
    send_int (push, 100, ZMQ_SNDMORE);
    send_int (push, 101, ZMQ_SNDMORE);
    send_int (push, 102, 0);
    settle_long ();
    recv_int (pull, 102, 0);
    test_nothing (pull);

    zmq_close (pull);
    zmq_close (push);
}

/* The libzmq test_conflate pattern: PULL with CONFLATE bound on tcp, PUSH connected. */
static void conflating_pull_bound_on_tcp (void)
{
    void *pull = conflating (ZMQ_PULL);
    const char *ep = bind_to (pull, "tcp://127.0.0.1:*");
    void *push = test_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT_SUCCESS (zmq_connect (push, ep));
    for (int i = 0; i < 20; i++)
        send_int (push, i, 0);
    settle_long ();
    recv_int (pull, 19, 0);
    test_nothing (pull);
    zmq_close (push);
    zmq_close (pull);
}

static void conflating_sub (const char *base)
{
    void *pub = test_socket (ctx, ZMQ_PUB);
    const char *ep = bind_to (pub, base);
    void *sub = conflating (ZMQ_SUB);
    TEST_ASSERT_SUCCESS (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    TEST_ASSERT_SUCCESS (zmq_connect (sub, ep));
    settle_long ();
    for (int i = 0; i < 20; i++)
        send_int (pub, i, 0);
    settle_long ();
    recv_int (sub, 19, 0);
    test_nothing (sub);
    zmq_close (sub);
    zmq_close (pub);
}

/* A conflating pipe has no HWM: a PUSH with CONFLATE and SNDHWM 1 never blocks. */
static void conflate_ignores_hwm (void)
{
    void *pull = test_socket (ctx, ZMQ_PULL);
    test_set_int (pull, ZMQ_RCVHWM, 1);
    TEST_ASSERT_SUCCESS (zmq_bind (pull, "inproc://nohwm"));
    void *push = conflating (ZMQ_PUSH);
    test_set_int (push, ZMQ_SNDHWM, 1);
    TEST_ASSERT_SUCCESS (zmq_connect (push, "inproc://nohwm"));
    for (int i = 0; i < 50; i++)
        send_int (push, i, ZMQ_DONTWAIT);
    recv_int (pull, 49, 0);
    test_nothing (pull);
    zmq_close (push);
    zmq_close (pull);
}

/* Connected before the bind: the connecter's CONFLATE still applies. */
static void conflating_connect_before_bind (void)
{
    void *pull = conflating (ZMQ_PULL);
    TEST_ASSERT_SUCCESS (zmq_connect (pull, "inproc://late"));
    void *push = test_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT_SUCCESS (zmq_bind (push, "inproc://late"));
    for (int i = 0; i < 5; i++)
        send_int (push, i, 0);
    recv_int (pull, 4, 0);
    test_nothing (pull);
    zmq_close (push);
    zmq_close (pull);
}

/* Messages all arrive, in order, when CONFLATE does not apply: on a PAIR (not a
 * conflating type), and on inproc when only the binder set it. */
static void conflate_not_effective (void)
{
    void *a = test_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_bind (a, "inproc://pair"));
    void *b = conflating (ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_connect (b, "inproc://pair"));
    for (int i = 0; i < 5; i++)
        send_int (a, i, 0);
    for (int i = 0; i < 5; i++)
        recv_int (b, i, 0);
    zmq_close (b);
    zmq_close (a);

    void *pull = conflating (ZMQ_PULL);
    TEST_ASSERT_SUCCESS (zmq_bind (pull, "inproc://binder"));
    void *push = test_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT_SUCCESS (zmq_connect (push, "inproc://binder"));
    for (int i = 0; i < 5; i++)
        send_int (push, i, 0);
    for (int i = 0; i < 5; i++)
        recv_int (pull, i, 0);
    test_nothing (pull);
    zmq_close (push);
    zmq_close (pull);
}

static void option_is_readable (void)
{
    void *s = test_socket (ctx, ZMQ_DEALER);
    int v = -1;
    size_t len = sizeof v;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_CONFLATE, &v, &len));
    TEST_ASSERT_EQ (0, v);
    test_set_int (s, ZMQ_CONFLATE, 1);
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_CONFLATE, &v, &len));
    TEST_ASSERT_EQ (1, v);
    zmq_close (s);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    push_to_conflating_pull ("tcp://127.0.0.1:*");
    push_to_conflating_pull ("inproc://conflate");
    conflating_pull_bound_on_tcp ();
    conflating_sub ("tcp://127.0.0.1:*");
    conflating_sub ("inproc://sub");
    conflate_ignores_hwm ();
    conflating_connect_before_bind ();
    conflate_not_effective ();
    option_is_readable ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

/* PUSH/PULL and DEALER over inproc: round robin out, fair queueing in, whole multipart
 * messages, full pipes skipped, and the ENOTSUP errors. */
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

static void send_str (void *s, const char *data, int flags)
{
    TEST_ASSERT_EQ ((int) strlen (data), zmq_send (s, data, strlen (data), flags));
}

static void recv_str (void *s, const char *expected, int more)
{
    char buf[64];
    int n = TEST_ASSERT_SUCCESS (zmq_recv (s, buf, sizeof buf - 1, 0));
    TEST_ASSERT (n < (int) sizeof buf);
    buf[n] = 0;
    TEST_ASSERT_STR (expected, buf);
    int rcvmore;
    size_t len = sizeof rcvmore;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &len));
    TEST_ASSERT_EQ (more, rcvmore);
}

static int events (void *s)
{
    int ev;
    size_t len = sizeof ev;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_EVENTS, &ev, &len));
    return ev;
}

static void round_robin (void)
{
    void *push = make (ZMQ_PUSH);
    TEST_ASSERT_SUCCESS (zmq_bind (push, "inproc://rr"));
    void *pull[3];
    for (int i = 0; i < 3; i++) {
        pull[i] = make (ZMQ_PULL);
        TEST_ASSERT_SUCCESS (zmq_connect (pull[i], "inproc://rr"));
    }
    const char *names[6] = {"m0", "m1", "m2", "m3", "m4", "m5"};
    for (int i = 0; i < 6; i++) {
        send_str (push, names[i], ZMQ_SNDMORE);
        send_str (push, "tail", 0);
    }
    for (int i = 0; i < 3; i++) {
        recv_str (pull[i], names[i], 1);
        recv_str (pull[i], "tail", 0);
        recv_str (pull[i], names[i + 3], 1);
        recv_str (pull[i], "tail", 0);
        char buf[8];
        TEST_ASSERT_FAILURE (zmq_recv (pull[i], buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
        zmq_close (pull[i]);
    }
    zmq_close (push);
}

static void fair_queue (void)
{
    void *pull = make (ZMQ_PULL);
    TEST_ASSERT_SUCCESS (zmq_bind (pull, "inproc://fq"));
    void *push[3];
    const char *names[3][2] = {{"a1", "a2"}, {"b1", "b2"}, {"c1", "c2"}};
    for (int i = 0; i < 3; i++) {
        push[i] = make (ZMQ_PUSH);
        TEST_ASSERT_SUCCESS (zmq_connect (push[i], "inproc://fq"));
        for (int j = 0; j < 2; j++) {
            send_str (push[i], names[i][j], ZMQ_SNDMORE);
            send_str (push[i], "more", ZMQ_SNDMORE);
            send_str (push[i], "end", 0);
        }
    }
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 3; i++) {
            recv_str (pull, names[i][j], 1);
            recv_str (pull, "more", 1);
            recv_str (pull, "end", 0);
        }
    TEST_ASSERT_EQ (0, events (pull) & ZMQ_POLLIN);
    for (int i = 0; i < 3; i++)
        zmq_close (push[i]);
    zmq_close (pull);
}

static void errors (void)
{
    void *push = make (ZMQ_PUSH), *pull = make (ZMQ_PULL);
    char buf[8];
    TEST_ASSERT_FAILURE (zmq_recv (push, buf, sizeof buf, 0), ENOTSUP);
    TEST_ASSERT_FAILURE (zmq_recv (push, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
    TEST_ASSERT_FAILURE (zmq_send (pull, "x", 1, 0), ENOTSUP);
    TEST_ASSERT_FAILURE (zmq_send (pull, "x", 1, ZMQ_DONTWAIT), ENOTSUP);
    /* No peer: nowhere to send. */
    TEST_ASSERT_FAILURE (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    set_int (push, ZMQ_SNDTIMEO, 50);
    TEST_ASSERT_FAILURE (zmq_send (push, "x", 1, 0), EAGAIN);
    TEST_ASSERT_EQ (0, events (push));
    set_int (pull, ZMQ_RCVTIMEO, 50);
    TEST_ASSERT_FAILURE (zmq_recv (pull, buf, sizeof buf, 0), EAGAIN);
    zmq_close (push);
    zmq_close (pull);
}

static void full_pipe_skipped (void)
{
    void *push = make (ZMQ_PUSH);
    set_int (push, ZMQ_SNDHWM, 1);
    TEST_ASSERT_SUCCESS (zmq_bind (push, "inproc://full"));
    void *a = make (ZMQ_PULL), *b = make (ZMQ_PULL);
    set_int (a, ZMQ_RCVHWM, 1);
    set_int (b, ZMQ_RCVHWM, 1);
    TEST_ASSERT_SUCCESS (zmq_connect (a, "inproc://full"));
    TEST_ASSERT_SUCCESS (zmq_connect (b, "inproc://full"));
    /* inproc: each pipe holds SNDHWM + RCVHWM = 2 messages. */
    send_str (push, "0", ZMQ_DONTWAIT);
    send_str (push, "1", ZMQ_DONTWAIT);
    send_str (push, "2", ZMQ_DONTWAIT);
    send_str (push, "3", ZMQ_DONTWAIT);
    TEST_ASSERT_FAILURE (zmq_send (push, "4", 1, ZMQ_DONTWAIT), EAGAIN);
    TEST_ASSERT_EQ (0, events (push) & ZMQ_POLLOUT);
    recv_str (a, "0", 0);
    recv_str (a, "2", 0);
    recv_str (b, "1", 0);
    recv_str (b, "3", 0);
    zmq_close (a);
    zmq_close (b);
    zmq_close (push);
}

static void connect_before_bind (void)
{
    void *push = make (ZMQ_PUSH);
    TEST_ASSERT_SUCCESS (zmq_connect (push, "inproc://later"));
    send_str (push, "early", 0);
    void *pull = make (ZMQ_PULL);
    TEST_ASSERT_SUCCESS (zmq_bind (pull, "inproc://later"));
    recv_str (pull, "early", 0);
    zmq_close (push);
    zmq_close (pull);
}

static void dealer_both_ways (void)
{
    void *dealer = make (ZMQ_DEALER);
    TEST_ASSERT_SUCCESS (zmq_bind (dealer, "inproc://dealer"));
    void *p[2];
    for (int i = 0; i < 2; i++) {
        p[i] = make (ZMQ_DEALER);
        TEST_ASSERT_SUCCESS (zmq_connect (p[i], "inproc://dealer"));
    }
    send_str (dealer, "0", ZMQ_SNDMORE);
    send_str (dealer, "", 0);
    send_str (dealer, "1", 0);
    send_str (dealer, "2", 0);
    recv_str (p[0], "0", 1);
    recv_str (p[0], "", 0);
    recv_str (p[1], "1", 0);
    recv_str (p[0], "2", 0);
    send_str (p[1], "b1", 0);
    send_str (p[1], "b2", 0);
    send_str (p[0], "a1", ZMQ_SNDMORE);
    send_str (p[0], "a1+", 0);
    recv_str (dealer, "a1", 1);
    recv_str (dealer, "a1+", 0);
    recv_str (dealer, "b1", 0);
    recv_str (dealer, "b2", 0);
    zmq_close (p[0]);
    zmq_close (p[1]);
    zmq_close (dealer);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    round_robin ();
    fair_queue ();
    errors ();
    full_pipe_skipped ();
    connect_before_bind ();
    dealer_both_ways ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

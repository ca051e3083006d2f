/* PUSH/PULL and DEALER over inproc: round robin out, fair queueing in, whole multipart
 * messages, full pipes skipped, and the ENOTSUP errors. */
#include "testutil.h"

static void *ctx;

static void round_robin (void)
{
    void *push = test_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT_SUCCESS (zmq_bind (push, "inproc://rr"));
    void *pull[3];
    for (int i = 0; i < 3; i++) {
        pull[i] = test_socket (ctx, ZMQ_PULL);
        TEST_ASSERT_SUCCESS (zmq_connect (pull[i], "inproc://rr"));
    }
    const char *names[6] = {"m0", "m1", "m2", "m3", "m4", "m5"};
    for (int i = 0; i < 6; i++) {
        test_send_str (push, names[i], ZMQ_SNDMORE);
        test_send_str (push, "tail", 0);
    }
    for (int i = 0; i < 3; i++) {
        test_recv_str (pull[i], names[i], 1);
        test_recv_str (pull[i], "tail", 0);
        test_recv_str (pull[i], names[i + 3], 1);
        test_recv_str (pull[i], "tail", 0);
        char buf[8];
        TEST_ASSERT_FAILURE (zmq_recv (pull[i], buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
        zmq_close (pull[i]);
    }
    zmq_close (push);
}

static void fair_queue (void)
{
    void *pull = test_socket (ctx, ZMQ_PULL);
    TEST_ASSERT_SUCCESS (zmq_bind (pull, "inproc://fq"));
    void *push[3];
    const char *names[3][2] = {{"a1", "a2"}, {"b1", "b2"}, {"c1", "c2"}};
    for (int i = 0; i < 3; i++) {
        push[i] = test_socket (ctx, ZMQ_PUSH);
        TEST_ASSERT_SUCCESS (zmq_connect (push[i], "inproc://fq"));
        for (int j = 0; j < 2; j++) {
            test_send_str (push[i], names[i][j], ZMQ_SNDMORE);
            test_send_str (push[i], "more", ZMQ_SNDMORE);
            test_send_str (push[i], "end", 0);
        }
    }
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 3; i++) {
            test_recv_str (pull, names[i][j], 1);
            test_recv_str (pull, "more", 1);
            test_recv_str (pull, "end", 0);
        }
    TEST_ASSERT_EQ (0, test_events (pull) & ZMQ_POLLIN);
    for (int i = 0; i < 3; i++)
        zmq_close (push[i]);
    zmq_close (pull);
}

static void errors (void)
{
    void *push = test_socket (ctx, ZMQ_PUSH), *pull = test_socket (ctx, ZMQ_PULL);
    char buf[8];
    TEST_ASSERT_FAILURE (zmq_recv (push, buf, sizeof buf, 0), ENOTSUP);
    TEST_ASSERT_FAILURE (zmq_recv (push, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
    TEST_ASSERT_FAILURE (zmq_send (pull, "x", 1, 0), ENOTSUP);
    TEST_ASSERT_FAILURE (zmq_send (pull, "x", 1, ZMQ_DONTWAIT), ENOTSUP);
    /* No peer: nowhere to send. */
    TEST_ASSERT_FAILURE (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    test_set_int (push, ZMQ_SNDTIMEO, 50);
    TEST_ASSERT_FAILURE (zmq_send (push, "x", 1, 0), EAGAIN);
    TEST_ASSERT_EQ (0, test_events (push));
    test_set_int (pull, ZMQ_RCVTIMEO, 50);
    TEST_ASSERT_FAILURE (zmq_recv (pull, buf, sizeof buf, 0), EAGAIN);
    zmq_close (push);
    zmq_close (pull);
}

static void full_pipe_skipped (void)
{
    void *push = test_socket (ctx, ZMQ_PUSH);
    test_set_int (push, ZMQ_SNDHWM, 1);
    TEST_ASSERT_SUCCESS (zmq_bind (push, "inproc://full"));
    void *a = test_socket (ctx, ZMQ_PULL), *b = test_socket (ctx, ZMQ_PULL);
    test_set_int (a, ZMQ_RCVHWM, 1);
    test_set_int (b, ZMQ_RCVHWM, 1);
    TEST_ASSERT_SUCCESS (zmq_connect (a, "inproc://full"));
    TEST_ASSERT_SUCCESS (zmq_connect (b, "inproc://full"));
    /* inproc: each pipe holds SNDHWM + RCVHWM = 2 messages. */
    test_send_str (push, "0", ZMQ_DONTWAIT);
    test_send_str (push, "1", ZMQ_DONTWAIT);
    test_send_str (push, "2", ZMQ_DONTWAIT);
    test_send_str (push, "3", ZMQ_DONTWAIT);
    TEST_ASSERT_FAILURE (zmq_send (push, "4", 1, ZMQ_DONTWAIT), EAGAIN);
    TEST_ASSERT_EQ (0, test_events (push) & ZMQ_POLLOUT);
    test_recv_str (a, "0", 0);
    test_recv_str (a, "2", 0);
    test_recv_str (b, "1", 0);
    test_recv_str (b, "3", 0);
    zmq_close (a);
    zmq_close (b);
    zmq_close (push);
}

static void connect_before_bind (void)
{
    void *push = test_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT_SUCCESS (zmq_connect (push, "inproc://later"));
    test_send_str (push, "early", 0);
    void *pull = test_socket (ctx, ZMQ_PULL);
    TEST_ASSERT_SUCCESS (zmq_bind (pull, "inproc://later"));
    test_recv_str (pull, "early", 0);
    zmq_close (push);
    zmq_close (pull);
}

static void dealer_both_ways (void)
{
    void *dealer = test_socket (ctx, ZMQ_DEALER);
    TEST_ASSERT_SUCCESS (zmq_bind (dealer, "inproc://dealer"));
    void *p[2];
    for (int i = 0; i < 2; i++) {
        p[i] = test_socket (ctx, ZMQ_DEALER);
        TEST_ASSERT_SUCCESS (zmq_connect (p[i], "inproc://dealer"));
    }
    test_send_str (dealer, "0", ZMQ_SNDMORE);
    test_send_str (dealer, "", 0);
    test_send_str (dealer, "1", 0);
    test_send_str (dealer, "2", 0);
    test_recv_str (p[0], "0", 1);
    test_recv_str (p[0], "", 0);
    test_recv_str (p[1], "1", 0);
    test_recv_str (p[0], "2", 0);
    test_send_str (p[1], "b1", 0);
    test_send_str (p[1], "b2", 0);
    test_send_str (p[0], "a1", ZMQ_SNDMORE);
    test_send_str (p[0], "a1+", 0);
    test_recv_str (dealer, "a1", 1);
    test_recv_str (dealer, "a1+", 0);
    test_recv_str (dealer, "b1", 0);
    test_recv_str (dealer, "b2", 0);
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

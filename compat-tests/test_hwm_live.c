/* ZMQ_SNDHWM / ZMQ_RCVHWM set after the pipes exist change those pipes, as libzmq 4.3
 * does (socket_base_t::update_pipe_options): the socket's own end at once, the peer's end
 * by a command. Counted by how many messages a PUSH sends with ZMQ_DONTWAIT before EAGAIN.
 *
 * libzmq's rules, all checked below:
 * - tcp/ipc: the socket's pipe to its session takes the new SNDHWM as is (0: unlimited).
 * - inproc: each end remembers the other socket's HWMs from when the pipe was made (its
 *   "boost") and adds them to the new value: PUSH SNDHWM s and PULL RCVHWM r at connect,
 *   then PUSH SNDHWM s' gives s' + r; PULL RCVHWM r' gives r' + r (the old r, not s).
 *   A new value of 0, or a boost of 0, means unlimited.
 * - A bound inproc socket has not taken in a pipe that a connect just made until it reads
 *   its commands (send, recv, ZMQ_EVENTS, bind, connect); setsockopt does not read them, so
 *   an HWM set right after the peer's connect does not reach that pipe.
 * - A writer stopped at the HWM stays stopped when the HWM is raised, until the reader's
 *   progress report. */
#include "testutil.h"

static void *ctx;

/* Messages sent with ZMQ_DONTWAIT before EAGAIN (5000: unlimited). */
static int count_sends (void *s)
{
    int n = 0, v = 0;
    while (n < 5000 && zmq_send (s, &v, sizeof v, ZMQ_DONTWAIT) == (int) sizeof v)
        n++;
    TEST_ASSERT (n == 5000 || zmq_errno () == EAGAIN);
    return n;
}

/* Lets `s` read its commands (and so take in pipes handed to it). */
static void read_commands (void *s)
{
    (void) test_events (s);
}

/* A PUSH connected over tcp to a port nobody listens on: its pipe to the session exists
 * and fills up to SNDHWM. */
static void *unconnected_push (int sndhwm)
{
    void *push = test_socket (ctx, ZMQ_PUSH);
    test_set_int (push, ZMQ_SNDHWM, sndhwm);
    /* Port 1 on loopback: refused, so the session keeps retrying. */
    TEST_ASSERT_SUCCESS (zmq_connect (push, "tcp://127.0.0.1:1"));
    return push;
}

static void session_pipe (void)
{
    const int values[] = {5, 1, 0};
    for (int i = 0; i < 3; i++) {
        void *push = unconnected_push (3);
        test_set_int (push, ZMQ_SNDHWM, values[i]);
        TEST_ASSERT_EQ (values[i] ? values[i] : 5000, count_sends (push));
        zmq_close (push);
    }

    /* Stopped at the HWM: raising it does not reopen the pipe. */
    void *push = unconnected_push (3);
    TEST_ASSERT_EQ (3, count_sends (push));
    test_set_int (push, ZMQ_SNDHWM, 10);
    TEST_ASSERT_EQ (0, count_sends (push));
    zmq_close (push);

    /* Lowered below what is queued: full at once. */
    push = unconnected_push (1000);
    int v = 0;
    for (int i = 0; i < 5; i++)
        test_send_bytes (push, &v, sizeof v, 0);
    test_set_int (push, ZMQ_SNDHWM, 3);
    TEST_ASSERT_EQ (0, count_sends (push));
    zmq_close (push);
}

/* One inproc PUSH/PULL pair with PUSH SNDHWM 3 and PULL RCVHWM 4 at connect time; then
 * the options given (-1: untouched); returns what the PUSH can send. */
static int inproc_case (int push_binds, int push_snd, int pull_rcv, int pull_snd)
{
    static int n;
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://hwm%d", n++);
    void *push = test_socket (ctx, ZMQ_PUSH);
    void *pull = test_socket (ctx, ZMQ_PULL);
    test_set_int (push, ZMQ_SNDHWM, 3);
    test_set_int (pull, ZMQ_RCVHWM, 4);
    if (push_binds) {
        TEST_ASSERT_SUCCESS (zmq_bind (push, ep));
        TEST_ASSERT_SUCCESS (zmq_connect (pull, ep));
    } else {
        TEST_ASSERT_SUCCESS (zmq_bind (pull, ep));
        TEST_ASSERT_SUCCESS (zmq_connect (push, ep));
    }
    if (push_snd >= 0)
        test_set_int (push, ZMQ_SNDHWM, push_snd);
    if (pull_rcv >= 0)
        test_set_int (pull, ZMQ_RCVHWM, pull_rcv);
    if (pull_snd >= 0)
        test_set_int (pull, ZMQ_SNDHWM, pull_snd);
    int sent = count_sends (push);
    zmq_close (push);
    zmq_close (pull);
    return sent;
}

static void inproc_pipes (void)
{
    /* The PUSH connects: it has the pipe, the PULL has not taken it in yet. */
    TEST_ASSERT_EQ (7, inproc_case (0, -1, -1, -1));
    TEST_ASSERT_EQ (6, inproc_case (0, 2, -1, -1));
    TEST_ASSERT_EQ (14, inproc_case (0, 10, -1, -1));
    TEST_ASSERT_EQ (5000, inproc_case (0, 0, -1, -1));
    TEST_ASSERT_EQ (7, inproc_case (0, -1, 2, -1));
    TEST_ASSERT_EQ (7, inproc_case (0, -1, 0, -1));

    /* The PULL connects: its changes reach the PUSH's end by a command; the PUSH's own
     * changes find no pipe yet. */
    TEST_ASSERT_EQ (7, inproc_case (1, 2, -1, -1));
    TEST_ASSERT_EQ (7, inproc_case (1, 0, -1, -1));
    TEST_ASSERT_EQ (6, inproc_case (1, -1, 2, -1));
    TEST_ASSERT_EQ (14, inproc_case (1, -1, 10, -1));
    TEST_ASSERT_EQ (8, inproc_case (1, -1, 4, -1));
    TEST_ASSERT_EQ (5000, inproc_case (1, -1, 0, -1));
    TEST_ASSERT_EQ (9, inproc_case (1, 2, 5, -1));
    /* The PULL's SNDHWM becomes the PUSH's inbound side, its RCVHWM (4) is resent. */
    TEST_ASSERT_EQ (8, inproc_case (1, -1, -1, 7));
}

/* A bound PULL that took the pipe in: its new RCVHWM plus the boost (its own old RCVHWM,
 * the default 1000) bounds the PUSH. */
static void bound_socket_after_reading_commands (void)
{
    void *pull = test_socket (ctx, ZMQ_PULL);
    TEST_ASSERT_SUCCESS (zmq_bind (pull, "inproc://taken"));
    void *push = test_socket (ctx, ZMQ_PUSH);
    test_set_int (push, ZMQ_SNDHWM, 2);
    TEST_ASSERT_SUCCESS (zmq_connect (push, "inproc://taken"));
    read_commands (pull);
    test_set_int (pull, ZMQ_RCVHWM, 3);
    TEST_ASSERT_EQ (1003, count_sends (push));
    zmq_close (push);
    zmq_close (pull);
}

/* Raised while stopped: nothing more goes until the reader reports progress, then the new
 * HWM counts. */
static void raised_while_stopped (void)
{
    void *pull = test_socket (ctx, ZMQ_PULL);
    test_set_int (pull, ZMQ_RCVHWM, 2);
    TEST_ASSERT_SUCCESS (zmq_bind (pull, "inproc://raise"));
    void *push = test_socket (ctx, ZMQ_PUSH);
    test_set_int (push, ZMQ_SNDHWM, 2);
    TEST_ASSERT_SUCCESS (zmq_connect (push, "inproc://raise"));
    TEST_ASSERT_EQ (4, count_sends (push));
    test_set_int (push, ZMQ_SNDHWM, 6);
    TEST_ASSERT_EQ (0, count_sends (push));
    int v;
    for (int i = 0; i < 4; i++)
        TEST_ASSERT_EQ ((int) sizeof v, zmq_recv (pull, &v, sizeof v, 0));
    test_settle ();
    TEST_ASSERT_EQ (8, count_sends (push));
    zmq_close (push);
    zmq_close (pull);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    session_pipe ();
    inproc_pipes ();
    bound_socket_after_reading_commands ();
    raised_while_stopped ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

/* PAIR over inproc: bind/connect in both orders, multipart, non-blocking and timed
 * receives, endpoints, and the errors around them. */
#include "testutil.h"

static void *ctx;

static void *pair_socket (void)
{
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT (s != NULL);
    int timeout = 2000;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_SNDTIMEO, &timeout, sizeof timeout));
    return s;
}

static void recv_str (void *s, const char *expected, int more)
{
    char buf[64];
    int n = TEST_ASSERT_SUCCESS (zmq_recv (s, buf, sizeof buf - 1, 0));
    TEST_ASSERT_EQ ((int) strlen (expected), n);
    buf[n] = 0;
    TEST_ASSERT_STR (expected, buf);
    int rcvmore;
    size_t len = sizeof rcvmore;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &len));
    TEST_ASSERT_EQ (more, rcvmore);
}

static void bind_then_connect (void)
{
    void *a = pair_socket (), *b = pair_socket ();
    char endpoint[64];
    size_t len = sizeof endpoint;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (a, ZMQ_LAST_ENDPOINT, endpoint, &len));
    TEST_ASSERT_STR ("", endpoint);
    TEST_ASSERT_SUCCESS (zmq_bind (a, "inproc://pair-a"));
    len = sizeof endpoint;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (a, ZMQ_LAST_ENDPOINT, endpoint, &len));
    TEST_ASSERT_STR ("inproc://pair-a", endpoint);
    TEST_ASSERT_EQ ((int) strlen ("inproc://pair-a") + 1, (int) len);
    TEST_ASSERT_FAILURE (zmq_bind (b, "inproc://pair-a"), EADDRINUSE);
    TEST_ASSERT_SUCCESS (zmq_connect (b, "inproc://pair-a"));

    TEST_ASSERT_EQ (5, zmq_send (b, "hello", 5, ZMQ_SNDMORE));
    TEST_ASSERT_EQ (0, zmq_send (b, "", 0, ZMQ_SNDMORE));
    TEST_ASSERT_EQ (5, zmq_send (b, "world", 5, 0));
    recv_str (a, "hello", 1);
    recv_str (a, "", 1);
    recv_str (a, "world", 0);

    TEST_ASSERT_EQ (4, zmq_send (a, "back", 4, 0));
    recv_str (b, "back", 0);

    /* Truncation: the full size comes back. */
    TEST_ASSERT_EQ (10, zmq_send (a, "0123456789", 10, 0));
    char small[4];
    TEST_ASSERT_EQ (10, zmq_recv (b, small, sizeof small, 0));
    TEST_ASSERT (memcmp (small, "0123", 4) == 0);

    /* Nothing queued. */
    char buf[8];
    TEST_ASSERT_FAILURE (zmq_recv (a, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    int timeout = 50;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (a, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    void *watch = zmq_stopwatch_start ();
    TEST_ASSERT_FAILURE (zmq_recv (a, buf, sizeof buf, 0), EAGAIN);
    unsigned long waited = zmq_stopwatch_stop (watch);
    TEST_ASSERT (waited >= 40000);

    TEST_ASSERT_FAILURE (zmq_unbind (a, "inproc://other"), ENOENT);
    TEST_ASSERT_SUCCESS (zmq_close (a));
    TEST_ASSERT_SUCCESS (zmq_close (b));
}

static void connect_then_bind (void)
{
    void *a = pair_socket (), *b = pair_socket ();
    TEST_ASSERT_SUCCESS (zmq_connect (b, "inproc://pair-b"));
    /* Queued before the bind exists. */
    TEST_ASSERT_EQ (5, zmq_send (b, "early", 5, 0));
    TEST_ASSERT_SUCCESS (zmq_bind (a, "inproc://pair-b"));
    recv_str (a, "early", 0);
    TEST_ASSERT_EQ (4, zmq_send (a, "late", 4, 0));
    recv_str (b, "late", 0);
    TEST_ASSERT_SUCCESS (zmq_close (a));
    TEST_ASSERT_SUCCESS (zmq_close (b));
}

static void messages (void)
{
    void *a = pair_socket (), *b = pair_socket ();
    TEST_ASSERT_SUCCESS (zmq_bind (a, "inproc://pair-msg"));
    TEST_ASSERT_SUCCESS (zmq_connect (b, "inproc://pair-msg"));
    zmq_msg_t msg;
    TEST_ASSERT_SUCCESS (zmq_msg_init_size (&msg, 1000));
    memset (zmq_msg_data (&msg), 'x', 1000);
    TEST_ASSERT_EQ (1000, zmq_msg_send (&msg, b, 0));
    TEST_ASSERT_EQ (0, (int) zmq_msg_size (&msg));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&msg));
    TEST_ASSERT_SUCCESS (zmq_msg_init (&msg));
    TEST_ASSERT_EQ (1000, zmq_msg_recv (&msg, a, 0));
    TEST_ASSERT_EQ (1000, (int) zmq_msg_size (&msg));
    TEST_ASSERT (((char *) zmq_msg_data (&msg))[999] == 'x');
    TEST_ASSERT_EQ (0, zmq_msg_more (&msg));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&msg));

    /* The ZMQ_EVENTS protocol: POLLOUT with a peer, POLLIN once a message is queued. */
    int events;
    size_t len = sizeof events;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (a, ZMQ_EVENTS, &events, &len));
    TEST_ASSERT_EQ (ZMQ_POLLOUT, events);
    TEST_ASSERT_EQ (2, zmq_send (b, "ev", 2, 0));
    zmq_sleep (0);
    for (int i = 0; i < 100; i++) {
        TEST_ASSERT_SUCCESS (zmq_getsockopt (a, ZMQ_EVENTS, &events, &len));
        if (events & ZMQ_POLLIN)
            break;
    }
    TEST_ASSERT_EQ (ZMQ_POLLIN | ZMQ_POLLOUT, events);
    TEST_ASSERT_SUCCESS (zmq_close (a));
    TEST_ASSERT_SUCCESS (zmq_close (b));
}

static void send_later (void *s)
{
    usleep (100 * 1000);
    TEST_ASSERT_EQ (5, zmq_send (s, "later", 5, 0));
}

static void poll_sockets (void)
{
    void *a = pair_socket (), *b = pair_socket ();
    TEST_ASSERT_SUCCESS (zmq_bind (a, "inproc://pair-poll"));
    TEST_ASSERT_SUCCESS (zmq_connect (b, "inproc://pair-poll"));
    zmq_pollitem_t items[2] = {{a, 0, ZMQ_POLLIN, 0}, {b, 0, ZMQ_POLLIN, 0}};
    void *watch = zmq_stopwatch_start ();
    TEST_ASSERT_EQ (0, zmq_poll (items, 2, 100));
    TEST_ASSERT (zmq_stopwatch_stop (watch) >= 90000);
    TEST_ASSERT_EQ (0, items[0].revents);

    TEST_ASSERT_EQ (3, zmq_send (b, "abc", 3, 0));
    TEST_ASSERT_EQ (1, zmq_poll (items, 2, 2000));
    TEST_ASSERT_EQ (ZMQ_POLLIN, items[0].revents);
    TEST_ASSERT_EQ (0, items[1].revents);
    recv_str (a, "abc", 0);

    /* Woken by a message another thread sends while the poll waits. */
    void *thread = zmq_threadstart (send_later, b);
    TEST_ASSERT (thread != NULL);
    watch = zmq_stopwatch_start ();
    TEST_ASSERT_EQ (1, zmq_poll (items, 1, 5000));
    TEST_ASSERT (zmq_stopwatch_stop (watch) < 4000000);
    TEST_ASSERT_EQ (ZMQ_POLLIN, items[0].revents);
    zmq_threadclose (thread);
    recv_str (a, "later", 0);

    items[0].events = ZMQ_POLLIN | ZMQ_POLLOUT;
    TEST_ASSERT_EQ (1, zmq_poll (items, 1, 0));
    TEST_ASSERT_EQ (ZMQ_POLLOUT, items[0].revents);
    TEST_ASSERT_SUCCESS (zmq_close (a));
    TEST_ASSERT_SUCCESS (zmq_close (b));
}

static void errors (void)
{
    void *s = pair_socket ();
    TEST_ASSERT_FAILURE (zmq_bind (s, "inproc://"), EINVAL);
    TEST_ASSERT_FAILURE (zmq_bind (s, "nope"), EINVAL);
    TEST_ASSERT_FAILURE (zmq_bind (s, "foo://x"), EPROTONOSUPPORT);
    TEST_ASSERT_FAILURE (zmq_connect (s, "udp://127.0.0.1:5555"), ENOCOMPATPROTO);
    TEST_ASSERT_FAILURE (zmq_send (NULL, "x", 1, 0), ENOTSOCK);
    int type;
    size_t len = sizeof type;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_TYPE, &type, &len));
    TEST_ASSERT_EQ (ZMQ_PAIR, type);
    TEST_ASSERT_SUCCESS (zmq_close (s));
    TEST_ASSERT_FAILURE (zmq_close (NULL), ENOTSOCK);
}

static void term_interrupts_blocking_recv (void)
{
    void *c = zmq_ctx_new ();
    void *s = zmq_socket (c, ZMQ_PAIR);
    TEST_ASSERT (s != NULL);
    TEST_ASSERT_SUCCESS (zmq_ctx_shutdown (c));
    char buf[4];
    TEST_ASSERT_FAILURE (zmq_recv (s, buf, sizeof buf, 0), ETERM);
    TEST_ASSERT_FAILURE (zmq_bind (s, "inproc://x"), ETERM);
    TEST_ASSERT_SUCCESS (zmq_close (s));
    TEST_ASSERT_SUCCESS (zmq_ctx_term (c));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    bind_then_connect ();
    connect_then_bind ();
    messages ();
    poll_sockets ();
    errors ();
    term_interrupts_blocking_recv ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

/* compat: ours-only (zmq_socket_monitor_pipes_stats is draft API; the system libzmq 4.3.4 is built without it) */
/* compat: draft */
/* zmq_socket_monitor_pipes_stats: one ZMQ_EVENT_PIPES_STATS event per pipe on a version 2
 * monitor, with two values (messages written and not yet read outbound, then inbound) and
 * the pipe's local and remote addresses. EINVAL unless the event is monitored, EAGAIN
 * without pipes, ENOTSOCK for a non-socket. The peer's owner answers when it next reads
 * its commands, the asking socket raises the event when it reads the answer. Commands are
 * read here through ZMQ_EVENTS. */
#include "testutil.h"

static void *ctx;

/* Reads one ZMQ_EVENT_PIPES_STATS event: two values, and the addresses. */
static void recv_stats (void *mon, uint64_t values[2], char *local, char *remote, size_t size)
{
    TEST_ASSERT_EQ ((uint64_t) ZMQ_EVENT_PIPES_STATS,
                    test_recv_monitor_v2 (mon, values, 2, local, remote, size));
}

static void *monitor_of (void *s, const char *endpoint)
{
    TEST_ASSERT_SUCCESS (
      zmq_socket_monitor_versioned (s, endpoint, ZMQ_EVENT_PIPES_STATS, 2, ZMQ_PAIR));
    void *mon = test_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_connect (mon, endpoint));
    return mon;
}

/* Exact counts over inproc: nothing moves unless the owners read. */
static void test_inproc_counts (void)
{
    void *a = test_socket (ctx, ZMQ_PAIR);
    void *b = test_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_FAILURE (zmq_socket_monitor_pipes_stats (a), EINVAL);
    void *mon = monitor_of (a, "inproc://stats-mon-a");
    TEST_ASSERT_FAILURE (zmq_socket_monitor_pipes_stats (a), EAGAIN);

    TEST_ASSERT_SUCCESS (zmq_bind (a, "inproc://stats"));
    TEST_ASSERT_SUCCESS (zmq_connect (b, "inproc://stats"));
    test_send_str (a, "1", 0);
    test_send_str (a, "2", ZMQ_SNDMORE);
    test_send_str (a, "3", 0);
    test_send_str (a, "4", 0);
    test_send_str (b, "x", 0);
    (void) test_events (a);

    TEST_ASSERT_SUCCESS (zmq_socket_monitor_pipes_stats (a));
    /* No answer until b reads its commands, then a reads the answer. */
    test_nothing (mon);
    (void) test_events (b);
    (void) test_events (a);
    uint64_t values[2];
    char local[256], remote[256];
    recv_stats (mon, values, local, remote, sizeof local);
    TEST_ASSERT_EQ ((uint64_t) 3, values[0]); /* whole messages, not parts */
    TEST_ASSERT_EQ ((uint64_t) 1, values[1]);
    TEST_ASSERT_STR ("", local);
    TEST_ASSERT_STR ("", remote);

    /* Reading moves the counts once the reader reports its progress: b reads all, but
     * reports only every low-water mark, so a still counts them. */
    test_recv_str (b, "1", 0);
    test_recv_str (a, "x", 0);
    TEST_ASSERT_SUCCESS (zmq_socket_monitor_pipes_stats (a));
    (void) test_events (b);
    (void) test_events (a);
    recv_stats (mon, values, local, remote, sizeof local);
    TEST_ASSERT_EQ ((uint64_t) 3, values[0]);
    TEST_ASSERT_EQ ((uint64_t) 1, values[1]);

    zmq_close (mon);
    zmq_close (a);
    zmq_close (b);
}

/* Over tcp: an event per connection, with the connection's addresses. */
static void test_tcp_pipes (void)
{
    void *push = test_socket (ctx, ZMQ_PUSH);
    void *mon = monitor_of (push, "inproc://stats-mon-push");
    TEST_ASSERT_SUCCESS (zmq_bind (push, "tcp://127.0.0.1:*"));
    char endpoint[256];
    size_t len = sizeof endpoint;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (push, ZMQ_LAST_ENDPOINT, endpoint, &len));
    TEST_ASSERT_FAILURE (zmq_socket_monitor_pipes_stats (push), EAGAIN);

    void *pulls[2];
    for (int i = 0; i < 2; i++) {
        pulls[i] = test_socket (ctx, ZMQ_PULL);
        TEST_ASSERT_SUCCESS (zmq_connect (pulls[i], endpoint));
    }
    /* Both connections attached: round-robin reaches each. */
    test_settle ();
    (void) test_events (push);
    test_send_str (push, "a", 0);
    test_send_str (push, "b", 0);
    char buf[8];
    TEST_ASSERT_EQ (1, zmq_recv (pulls[0], buf, sizeof buf, 0));
    TEST_ASSERT_EQ (1, zmq_recv (pulls[1], buf, sizeof buf, 0));

    TEST_ASSERT_SUCCESS (zmq_socket_monitor_pipes_stats (push));
    test_settle ();
    (void) test_events (push);
    for (int i = 0; i < 2; i++) {
        uint64_t values[2];
        char local[256], remote[256];
        recv_stats (mon, values, local, remote, sizeof local);
        /* The session has read it, but reports progress only every low-water mark. */
        TEST_ASSERT_EQ ((uint64_t) 1, values[0]);
        TEST_ASSERT_EQ ((uint64_t) 0, values[1]);
        TEST_ASSERT_STR (endpoint, local);
        if (strncmp (remote, "tcp://127.0.0.1:", 16) != 0)
            fprintf (stderr, "remote: \"%s\"\n", remote);
        TEST_ASSERT (strncmp (remote, "tcp://127.0.0.1:", 16) == 0);
        TEST_ASSERT (strcmp (remote, endpoint) != 0);
    }
    test_nothing (mon);

    for (int i = 0; i < 2; i++)
        zmq_close (pulls[i]);
    zmq_close (mon);
    zmq_close (push);
}

static void test_errors (void)
{
    TEST_ASSERT_FAILURE (zmq_socket_monitor_pipes_stats (NULL), ENOTSOCK);
    TEST_ASSERT_FAILURE (zmq_socket_monitor_pipes_stats (ctx), ENOTSOCK);
    /* Version 1 monitors have no such event. */
    void *s = test_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_FAILURE (zmq_socket_monitor (s, "inproc://stats-v1", ZMQ_EVENT_PIPES_STATS),
                         EINVAL);
    zmq_close (s);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    test_inproc_counts ();
    test_tcp_pipes ();
    test_errors ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

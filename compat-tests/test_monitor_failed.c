/* The monitor's failure events, as libzmq 4.3 raises them:
 * - ZMQ_EVENT_BIND_FAILED: errno as the value, the address as given to zmq_bind without its
 *   "tcp://" or "ipc://" (EADDRINUSE, ENODEV, EINVAL, ENOENT); none for inproc.
 * - ZMQ_EVENT_ACCEPT_FAILED: a connection turned away by ZMQ_TCP_ACCEPT_FILTER, with the
 *   listener's endpoint (libzmq's value is a stale errno, so it is not checked).
 * - ZMQ_EVENT_CLOSE_FAILED: unbinding an ipc wildcard bind after its socket file was removed by
 *   someone else: ENOENT, and no ZMQ_EVENT_CLOSED. The same on zmq_close, where the
 *   listeners close before ZMQ_EVENT_MONITOR_STOPPED. */
#include "testutil.h"

static void *ctx;

/* Starts monitoring `events` of `s`; returns the PAIR that reads them. */
static void *monitor (void *s, int events)
{
    static int n;
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://monitor-failed-%d", n++);
    TEST_ASSERT_SUCCESS (zmq_socket_monitor (s, ep, events));
    void *m = test_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_connect (m, ep));
    return m;
}

/* Reads one event (2 s timeout): checks its number and, unless `value` is -1, its value;
 * copies its endpoint into `endpoint`. */
static void expect_event (void *m, int event, long long value, char *endpoint, size_t size)
{
    unsigned char head[16];
    int n = TEST_ASSERT_SUCCESS (zmq_recv (m, head, sizeof head, 0));
    TEST_ASSERT_EQ (6, n);
    uint16_t ev;
    uint32_t val;
    memcpy (&ev, head, sizeof ev);
    memcpy (&val, head + 2, sizeof val);
    TEST_ASSERT_EQ (event, ev);
    if (value != -1)
        TEST_ASSERT_EQ (value, val);
    n = TEST_ASSERT_SUCCESS (zmq_recv (m, endpoint, size - 1, 0));
    TEST_ASSERT (n < (int) size);
    endpoint[n] = 0;
}

static void expect_bind_failed (void *m, int err, const char *address)
{
    char ep[256];
    expect_event (m, ZMQ_EVENT_BIND_FAILED, err, ep, sizeof ep);
    TEST_ASSERT_STR (address, ep);
}

static void bind_failed (void)
{
    void *holder = test_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT_SUCCESS (zmq_bind (holder, "tcp://127.0.0.1:*"));
    char taken[256];
    size_t len = sizeof taken;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (holder, ZMQ_LAST_ENDPOINT, taken, &len));
    TEST_ASSERT_SUCCESS (zmq_bind (holder, "inproc://monitor-failed-taken"));

    void *s = test_socket (ctx, ZMQ_PULL);
    void *m = monitor (s, ZMQ_EVENT_BIND_FAILED);

    /* zmq_bind's own errno is not checked here: libzmq 4.3.4 may overwrite it with
     * EAGAIN while it sends the event (its monitor socket reads its commands). */
    TEST_ASSERT_EQ (-1, zmq_bind (s, taken));
    expect_bind_failed (m, EADDRINUSE, taken + strlen ("tcp://"));

    TEST_ASSERT_EQ (-1, zmq_bind (s, "tcp://no-such-interface-zz:5555"));
    expect_bind_failed (m, ENODEV, "no-such-interface-zz:5555");

    TEST_ASSERT_EQ (-1, zmq_bind (s, "tcp://127.0.0.1:notaport"));
    expect_bind_failed (m, EINVAL, "127.0.0.1:notaport");

    TEST_ASSERT_EQ (-1, zmq_bind (s, "ipc:///no-such-dir-zmq-monitor/x.sock"));
    expect_bind_failed (m, ENOENT, "/no-such-dir-zmq-monitor/x.sock");

    /* inproc raises nothing. */
    TEST_ASSERT_FAILURE (zmq_bind (s, "inproc://monitor-failed-taken"), EADDRINUSE);
    test_settle ();
    test_nothing (m);

    zmq_close (s);
    zmq_close (m);
    zmq_close (holder);
}

static void accept_failed (void)
{
    void *s = test_socket (ctx, ZMQ_PULL);
    /* Nobody connects from there. */
    test_set_str (s, ZMQ_TCP_ACCEPT_FILTER, "10.1.2.3");
    void *m = monitor (s, ZMQ_EVENT_ACCEPT_FAILED | ZMQ_EVENT_ACCEPTED);
    TEST_ASSERT_SUCCESS (zmq_bind (s, "tcp://127.0.0.1:*"));
    char bound[256];
    size_t len = sizeof bound;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, bound, &len));

    void *c = test_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT_SUCCESS (zmq_connect (c, bound));
    char ep[256];
    expect_event (m, ZMQ_EVENT_ACCEPT_FAILED, -1, ep, sizeof ep);
    TEST_ASSERT_STR (bound, ep);
    zmq_close (c);
    zmq_close (s);
    zmq_close (m);
}

static void close_failed (void)
{
    void *s = test_socket (ctx, ZMQ_PULL);
    void *m = monitor (s, ZMQ_EVENT_CLOSED | ZMQ_EVENT_CLOSE_FAILED | ZMQ_EVENT_MONITOR_STOPPED);
    TEST_ASSERT_SUCCESS (zmq_bind (s, "ipc://*"));
    char bound[256];
    size_t len = sizeof bound;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, bound, &len));
    TEST_ASSERT_SUCCESS (unlink (bound + strlen ("ipc://")));
    TEST_ASSERT_SUCCESS (zmq_unbind (s, bound));
    char ep[256];
    expect_event (m, ZMQ_EVENT_CLOSE_FAILED, ENOENT, ep, sizeof ep);
    TEST_ASSERT_STR (bound, ep);
    test_settle ();
    test_nothing (m);

    /* With the file in place the same unbind closes normally. */
    TEST_ASSERT_SUCCESS (zmq_bind (s, "ipc://*"));
    len = sizeof bound;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, bound, &len));
    TEST_ASSERT_SUCCESS (zmq_unbind (s, bound));
    expect_event (m, ZMQ_EVENT_CLOSED, -1, ep, sizeof ep);
    TEST_ASSERT_STR (bound, ep);

    /* Closing the socket closes its listeners before the monitor stops. */
    TEST_ASSERT_SUCCESS (zmq_bind (s, "ipc://*"));
    len = sizeof bound;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, bound, &len));
    TEST_ASSERT_SUCCESS (unlink (bound + strlen ("ipc://")));
    TEST_ASSERT_SUCCESS (zmq_close (s));
    expect_event (m, ZMQ_EVENT_CLOSE_FAILED, ENOENT, ep, sizeof ep);
    TEST_ASSERT_STR (bound, ep);
    expect_event (m, ZMQ_EVENT_MONITOR_STOPPED, 0, ep, sizeof ep);
    TEST_ASSERT_STR ("", ep);
    zmq_close (m);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    bind_failed ();
    accept_failed ();
    close_failed ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

/* zmq_socket_monitor: argument checks, and MONITOR_STOPPED when a monitor is stopped or
 * replaced, in libzmq's two-frame format. */
#include "testutil.h"

#include <stdint.h>

/* Reads one event; returns its number and stores value and endpoint. */
static int read_event (void *mon, uint32_t *value, char *endpoint, size_t len)
{
    uint8_t head[6];
    TEST_ASSERT_EQ (6, zmq_recv (mon, head, sizeof head, 0));
    int more;
    size_t more_len = sizeof more;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (mon, ZMQ_RCVMORE, &more, &more_len));
    TEST_ASSERT_EQ (1, more);
    uint16_t event;
    memcpy (&event, head, 2);
    memcpy (value, head + 2, 4);
    int n = TEST_ASSERT_SUCCESS (zmq_recv (mon, endpoint, len - 1, 0));
    endpoint[n] = 0;
    return event;
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT (s != NULL);

    TEST_ASSERT_FAILURE (zmq_socket_monitor (s, "tcp://127.0.0.1:0", ZMQ_EVENT_ALL),
                         EPROTONOSUPPORT);
    TEST_ASSERT_FAILURE (zmq_socket_monitor (s, "inproc://mon", 1 << 17), EINVAL);
    TEST_ASSERT_FAILURE (zmq_socket_monitor (NULL, "inproc://mon", ZMQ_EVENT_ALL),
                         ENOTSOCK);
    /* Stopping when nothing is monitored is fine. */
    TEST_ASSERT_SUCCESS (zmq_socket_monitor (s, NULL, 0));

    TEST_ASSERT_SUCCESS (zmq_socket_monitor (s, "inproc://mon", ZMQ_EVENT_ALL));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT (mon != NULL);
    int timeout = 2000;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (mon, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_connect (mon, "inproc://mon"));

    /* Replacing the monitor stops the first one: MONITOR_STOPPED arrives on it. */
    TEST_ASSERT_SUCCESS (zmq_socket_monitor (s, "inproc://mon2", ZMQ_EVENT_ALL));
    uint32_t value = 99;
    char endpoint[256];
    TEST_ASSERT_EQ (ZMQ_EVENT_MONITOR_STOPPED,
                    read_event (mon, &value, endpoint, sizeof endpoint));
    TEST_ASSERT_EQ (0, value);
    TEST_ASSERT_STR ("", endpoint);

    void *mon2 = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_setsockopt (mon2, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_connect (mon2, "inproc://mon2"));
    /* Closing the monitored socket stops its monitor too. */
    TEST_ASSERT_SUCCESS (zmq_close (s));
    TEST_ASSERT_EQ (ZMQ_EVENT_MONITOR_STOPPED,
                    read_event (mon2, &value, endpoint, sizeof endpoint));

    TEST_ASSERT_SUCCESS (zmq_close (mon));
    TEST_ASSERT_SUCCESS (zmq_close (mon2));
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

/* Monitor events of tcp connections: listening, accepted, connect delayed, connected,
 * handshake succeeded, then disconnected and connect retried when the peer goes. */
#include "testutil.h"
#include <stdint.h>

static void expect_event (void *mon, int expected, const char *endpoint)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    TEST_ASSERT_SUCCESS (zmq_msg_recv (&m, mon, 0));
    TEST_ASSERT_EQ (6, (int) zmq_msg_size (&m));
    uint16_t event;
    memcpy (&event, zmq_msg_data (&m), 2);
    TEST_ASSERT (zmq_msg_more (&m));
    TEST_ASSERT_SUCCESS (zmq_msg_recv (&m, mon, 0));
    char ep[256];
    size_t n = zmq_msg_size (&m) < 255 ? zmq_msg_size (&m) : 255;
    memcpy (ep, zmq_msg_data (&m), n);
    ep[n] = 0;
    zmq_msg_close (&m);
    TEST_ASSERT_EQ (expected, event);
    TEST_ASSERT_STR (endpoint, ep);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    void *a = zmq_socket (ctx, ZMQ_PAIR), *b = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_socket_monitor (a, "inproc://mon-a", ZMQ_EVENT_ALL));
    TEST_ASSERT_SUCCESS (zmq_socket_monitor (b, "inproc://mon-b", ZMQ_EVENT_ALL));
    void *ma = zmq_socket (ctx, ZMQ_PAIR), *mb = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_connect (ma, "inproc://mon-a"));
    TEST_ASSERT_SUCCESS (zmq_connect (mb, "inproc://mon-b"));
    int timeout = 5000;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (ma, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (mb, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (a, ZMQ_RCVTIMEO, &timeout, sizeof timeout));

    TEST_ASSERT_SUCCESS (zmq_bind (a, "tcp://127.0.0.1:*"));
    char ep[256];
    size_t len = sizeof ep;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (a, ZMQ_LAST_ENDPOINT, ep, &len));
    TEST_ASSERT_SUCCESS (zmq_connect (b, ep));
    TEST_ASSERT_EQ (1, zmq_send (b, "x", 1, 0));
    char buf[4];
    TEST_ASSERT_EQ (1, zmq_recv (a, buf, sizeof buf, 0));

    expect_event (ma, ZMQ_EVENT_LISTENING, ep);
    expect_event (ma, ZMQ_EVENT_ACCEPTED, ep);
    expect_event (ma, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, ep);
    expect_event (mb, ZMQ_EVENT_CONNECT_DELAYED, ep);
    expect_event (mb, ZMQ_EVENT_CONNECTED, ep);
    expect_event (mb, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, ep);

    int linger = 0;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (a, ZMQ_LINGER, &linger, sizeof linger));
    TEST_ASSERT_SUCCESS (zmq_close (a));
    expect_event (mb, ZMQ_EVENT_DISCONNECTED, ep);
    expect_event (mb, ZMQ_EVENT_CONNECT_RETRIED, ep);

    TEST_ASSERT_SUCCESS (zmq_setsockopt (b, ZMQ_LINGER, &linger, sizeof linger));
    TEST_ASSERT_SUCCESS (zmq_close (b));
    TEST_ASSERT_SUCCESS (zmq_close (ma));
    TEST_ASSERT_SUCCESS (zmq_close (mb));
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

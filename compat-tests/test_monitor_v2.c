/* compat: ours-only (zmq_socket_monitor_versioned is draft API; the system libzmq 4.3.4 is built without it) */
/* compat: draft */
/* Version 2 monitor events over tcp carry libzmq's address pairs: a listener's events
 * (endpoint, ""), a connecter's before the connection is up ("", endpoint), and the
 * connection's own events (its local address, its peer's): on the bound side both are the
 * accepted socket's, on the connecting side the local one is the socket's own and the
 * remote one the endpoint connected to. The two sides name the same connection. */
#include "testutil.h"

static void *ctx;

/* Reads one version 2 event with one value; returns its number. */
static uint64_t read_v2 (void *mon, char *local, char *remote, size_t size)
{
    uint64_t value;
    return test_recv_monitor_v2 (mon, &value, 1, local, remote, size);
}

static void *monitor_of (void *s, const char *endpoint, int events)
{
    TEST_ASSERT_SUCCESS (zmq_socket_monitor_versioned (s, endpoint, events, 2, ZMQ_PAIR));
    void *mon = test_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_connect (mon, endpoint));
    return mon;
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    char local[256], remote[256];

    void *server = test_socket (ctx, ZMQ_DEALER);
    void *client = test_socket (ctx, ZMQ_DEALER);
    void *server_mon = monitor_of (server, "inproc://v2-server",
                                   ZMQ_EVENT_LISTENING | ZMQ_EVENT_ACCEPTED
                                     | ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                                     | ZMQ_EVENT_DISCONNECTED);
    void *client_mon = monitor_of (client, "inproc://v2-client",
                                   ZMQ_EVENT_CONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                                     | ZMQ_EVENT_DISCONNECTED);
    TEST_ASSERT_SUCCESS (zmq_bind (server, "tcp://127.0.0.1:*"));
    char endpoint[256];
    size_t len = sizeof endpoint;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, endpoint, &len));
    TEST_ASSERT_SUCCESS (zmq_connect (client, endpoint));
    test_send_str (client, "hello", 0);
    test_recv_str (server, "hello", 0);

    TEST_ASSERT_EQ ((uint64_t) ZMQ_EVENT_LISTENING, read_v2 (server_mon, local, remote, sizeof local));
    TEST_ASSERT_STR (endpoint, local);
    TEST_ASSERT_STR ("", remote);
    TEST_ASSERT_EQ ((uint64_t) ZMQ_EVENT_ACCEPTED, read_v2 (server_mon, local, remote, sizeof local));
    TEST_ASSERT_STR (endpoint, local);
    TEST_ASSERT_STR ("", remote);
    TEST_ASSERT_EQ ((uint64_t) ZMQ_EVENT_HANDSHAKE_SUCCEEDED,
                    read_v2 (server_mon, local, remote, sizeof local));
    TEST_ASSERT_STR (endpoint, local);
    char server_sees[256];
    strcpy (server_sees, remote);
    TEST_ASSERT (strncmp (server_sees, "tcp://127.0.0.1:", 16) == 0);
    TEST_ASSERT (strcmp (server_sees, endpoint) != 0);

    TEST_ASSERT_EQ ((uint64_t) ZMQ_EVENT_CONNECTED, read_v2 (client_mon, local, remote, sizeof local));
    TEST_ASSERT_STR ("", local);
    TEST_ASSERT_STR (endpoint, remote);
    TEST_ASSERT_EQ ((uint64_t) ZMQ_EVENT_HANDSHAKE_SUCCEEDED,
                    read_v2 (client_mon, local, remote, sizeof local));
    TEST_ASSERT_STR (server_sees, local);
    TEST_ASSERT_STR (endpoint, remote);

    /* The server's side of a connection that drops. */
    TEST_ASSERT_SUCCESS (zmq_close (client));
    TEST_ASSERT_EQ ((uint64_t) ZMQ_EVENT_DISCONNECTED,
                    read_v2 (server_mon, local, remote, sizeof local));
    TEST_ASSERT_STR (endpoint, local);
    TEST_ASSERT_STR (server_sees, remote);

    zmq_close (server_mon);
    zmq_close (client_mon);
    zmq_close (server);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

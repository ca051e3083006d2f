/* Message properties across a reconnect. A connecting socket keeps one pipe to its peer
 * across reconnects, so every message must carry the properties of the connection it came
 * on: a message queued from the first connection and read once the second one is up keeps
 * the first peer's, the next one has the second peer's. Checked with and without
 * ZMQ_CONFLATE on the receiver, over tcp and ipc. The peers are DEALERs because the
 * handshake carries a DEALER's routing id as its "Identity" property. */
#include "testutil.h"

static void *ctx;

/* A DEALER with routing id `id` bound to `ep` (NULL: tcp://127.0.0.1:*); the endpoint is
 * stored in `ep_out`. The endpoint may still be held by a peer closed just before (closing
 * is asynchronous), so EADDRINUSE is retried for up to 2 s. */
static void *bound_peer (const char *id, const char *ep, char *ep_out, size_t size)
{
    void *s = test_socket (ctx, ZMQ_DEALER);
    test_set_str (s, ZMQ_ROUTING_ID, id);
    const char *at = ep ? ep : "tcp://127.0.0.1:*";
    int rc = -1;
    for (int i = 0; i < 200 && rc != 0; i++) {
        rc = zmq_bind (s, at);
        if (rc != 0) {
            TEST_ASSERT_EQ (EADDRINUSE, zmq_errno ());
            usleep (10 * 1000);
        }
    }
    TEST_ASSERT_EQ (0, rc);
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep_out, &size));
    return s;
}

/* Receives one part `expected` whose "Identity" property is `identity`. */
static void recv_from (void *s, const char *expected, const char *identity)
{
    zmq_msg_t m;
    TEST_ASSERT_SUCCESS (zmq_msg_init (&m));
    int n = TEST_ASSERT_SUCCESS (zmq_msg_recv (&m, s, 0));
    TEST_ASSERT_EQ ((int) strlen (expected), n);
    TEST_ASSERT (memcmp (zmq_msg_data (&m), expected, n) == 0);
    const char *got = zmq_msg_gets (&m, "Identity");
    TEST_ASSERT (got != NULL);
    TEST_ASSERT_STR (identity, got);
    got = zmq_msg_gets (&m, "Socket-Type");
    TEST_ASSERT (got != NULL);
    TEST_ASSERT_STR ("DEALER", got);
    TEST_ASSERT_SUCCESS (zmq_msg_close (&m));
}

/* Waits until `s` has a message to read. */
static void wait_readable (void *s)
{
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
    TEST_ASSERT_EQ (1, zmq_poll (&item, 1, 2000));
}

static void run (const char *base, int conflate)
{
    char ep[256];
    void *a = bound_peer ("peer-a", base, ep, sizeof ep);
    void *r = test_socket (ctx, ZMQ_DEALER);
    test_set_int (r, ZMQ_RECONNECT_IVL, 20);
    if (conflate)
        test_set_int (r, ZMQ_CONFLATE, 1);
    TEST_ASSERT_SUCCESS (zmq_connect (r, ep));

    /* The first connection: one message read, one left queued. */
    test_send_str (a, "one", 0);
    recv_from (r, "one", "peer-a");
    test_send_str (a, "two", 0);
    wait_readable (r);
    TEST_ASSERT_SUCCESS (zmq_close (a));
    /* Closing ends the listener in the background; an ipc listener removes its file when
     * it ends, which must not happen after the new peer made it again. */
    usleep (100 * 1000);

    /* The second connection, to a new peer on the same endpoint. A DEALER's send waits
     * (SNDTIMEO) until the reconnected pipe is there. */
    char ep2[256];
    void *b = bound_peer ("peer-b", ep, ep2, sizeof ep2);
    TEST_ASSERT_STR (ep, ep2);
    test_send_str (b, "three", 0);
    /* Let "three" arrive behind "two" (the checks hold however the two interleave). */
    usleep (100 * 1000);
    if (conflate) {
        /* The newest message replaced the queued one. */
        recv_from (r, "three", "peer-b");
    } else {
        recv_from (r, "two", "peer-a");
        recv_from (r, "three", "peer-b");
    }
    test_send_str (b, "four", 0);
    recv_from (r, "four", "peer-b");
    test_nothing (r);

    TEST_ASSERT_SUCCESS (zmq_close (b));
    TEST_ASSERT_SUCCESS (zmq_close (r));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    char ipc[128];
    snprintf (ipc, sizeof ipc, "ipc:///tmp/test_metadata_reconnect-%d.ipc", (int) getpid ());
    for (int conflate = 0; conflate < 2; conflate++) {
        run (NULL, conflate);
        run (ipc, conflate);
    }
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

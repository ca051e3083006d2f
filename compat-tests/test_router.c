/* ROUTER over inproc: generated routing ids (5 bytes, 0x00 + a counter), the peer's
 * ZMQ_ROUTING_ID, unroutable and malformed sends, ROUTER_MANDATORY (EHOSTUNREACH, EAGAIN),
 * PROBE_ROUTER, ROUTER_HANDOVER and CONNECT_ROUTING_ID. */
#include "testutil.h"

static void *ctx;

static void send_to (void *router, const char *id, const char *body)
{
    test_send_str (router, id, ZMQ_SNDMORE);
    test_send_str (router, body, 0);
}

static void generated_ids (void)
{
    void *router = test_socket (ctx, ZMQ_ROUTER);
    TEST_ASSERT_SUCCESS (zmq_bind (router, "inproc://gen"));
    void *a = test_socket (ctx, ZMQ_DEALER), *b = test_socket (ctx, ZMQ_DEALER);
    TEST_ASSERT_SUCCESS (zmq_connect (a, "inproc://gen"));
    TEST_ASSERT_SUCCESS (zmq_connect (b, "inproc://gen"));
    test_send_str (a, "from a", 0);
    test_send_str (b, "from b", 0);
    unsigned char ida[8], idb[8];
    TEST_ASSERT_EQ (5, zmq_recv (router, ida, sizeof ida, 0));
    test_recv_str (router, "from a", 0);
    TEST_ASSERT_EQ (5, zmq_recv (router, idb, sizeof idb, 0));
    test_recv_str (router, "from b", 0);
    TEST_ASSERT_EQ (0, ida[0]);
    TEST_ASSERT_EQ (0, idb[0]);
    uint32_t na = ((uint32_t) ida[1] << 24) | ((uint32_t) ida[2] << 16)
                  | ((uint32_t) ida[3] << 8) | ida[4];
    uint32_t nb = ((uint32_t) idb[1] << 24) | ((uint32_t) idb[2] << 16)
                  | ((uint32_t) idb[3] << 8) | idb[4];
    TEST_ASSERT (nb == na + 1);
    TEST_ASSERT_EQ (5, zmq_send (router, idb, 5, ZMQ_SNDMORE));
    test_send_str (router, "to b", 0);
    TEST_ASSERT_EQ (5, zmq_send (router, ida, 5, ZMQ_SNDMORE));
    test_send_str (router, "to a", ZMQ_SNDMORE);
    test_send_str (router, "two parts", 0);
    test_recv_str (a, "to a", 1);
    test_recv_str (a, "two parts", 0);
    test_recv_str (b, "to b", 0);
    zmq_close (a);
    zmq_close (b);
    zmq_close (router);
}

static void peer_ids_and_unroutable (void)
{
    void *router = test_socket (ctx, ZMQ_ROUTER), *d = test_socket (ctx, ZMQ_DEALER);
    TEST_ASSERT_SUCCESS (zmq_bind (router, "inproc://named"));
    test_set_str (d, ZMQ_ROUTING_ID, "dealer-1");
    TEST_ASSERT_SUCCESS (zmq_connect (d, "inproc://named"));
    test_send_str (d, "hello", 0);
    test_recv_str (router, "dealer-1", 1);
    test_recv_str (router, "hello", 0);
    TEST_ASSERT_EQ (ZMQ_POLLOUT, test_events (router));
    /* Unknown peer: dropped. A lone routing-id frame (no MORE): ignored. */
    send_to (router, "nobody", "lost");
    test_send_str (router, "dealer-1", 0);
    send_to (router, "dealer-1", "found");
    test_recv_str (d, "found", 0);
    char buf[8];
    TEST_ASSERT_FAILURE (zmq_recv (d, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    /* Mandatory: an unknown peer is EHOSTUNREACH. */
    test_set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    TEST_ASSERT_FAILURE (zmq_send (router, "nobody", 6, ZMQ_SNDMORE), EHOSTUNREACH);
    TEST_ASSERT_FAILURE (zmq_send (router, "nobody", 6, ZMQ_SNDMORE | ZMQ_DONTWAIT),
                         EHOSTUNREACH);
    send_to (router, "dealer-1", "still");
    test_recv_str (d, "still", 0);
    zmq_close (d);
    zmq_close (router);
}

static void mandatory_full_pipe (void)
{
    void *router = test_socket (ctx, ZMQ_ROUTER), *d = test_socket (ctx, ZMQ_DEALER);
    test_set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    test_set_int (router, ZMQ_SNDHWM, 1);
    TEST_ASSERT_SUCCESS (zmq_bind (router, "inproc://full"));
    test_set_int (d, ZMQ_RCVHWM, 1);
    test_set_str (d, ZMQ_ROUTING_ID, "D");
    TEST_ASSERT_SUCCESS (zmq_connect (d, "inproc://full"));
    test_send_str (d, "hi", 0);
    test_recv_str (router, "D", 1);
    test_recv_str (router, "hi", 0);
    TEST_ASSERT_EQ (ZMQ_POLLOUT, test_events (router) & ZMQ_POLLOUT);
    /* inproc: SNDHWM + RCVHWM = 2 messages fit. */
    send_to (router, "D", "1");
    send_to (router, "D", "2");
    TEST_ASSERT_EQ (0, test_events (router) & ZMQ_POLLOUT);
    TEST_ASSERT_FAILURE (zmq_send (router, "D", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT), EAGAIN);
    test_set_int (router, ZMQ_SNDTIMEO, 50);
    TEST_ASSERT_FAILURE (zmq_send (router, "D", 1, ZMQ_SNDMORE), EAGAIN);
    test_recv_str (d, "1", 0);
    test_recv_str (d, "2", 0);
    zmq_close (d);
    zmq_close (router);
}

static void duplicate_ids (int handover)
{
    void *router = test_socket (ctx, ZMQ_ROUTER);
    test_set_int (router, ZMQ_ROUTER_HANDOVER, handover);
    const char *endpoint = handover ? "inproc://dup-handover" : "inproc://dup";
    TEST_ASSERT_SUCCESS (zmq_bind (router, endpoint));
    void *d1 = test_socket (ctx, ZMQ_DEALER), *d2 = test_socket (ctx, ZMQ_DEALER);
    test_set_str (d1, ZMQ_ROUTING_ID, "X");
    test_set_str (d2, ZMQ_ROUTING_ID, "X");
    TEST_ASSERT_SUCCESS (zmq_connect (d1, endpoint));
    test_send_str (d1, "one", 0);
    test_recv_str (router, "X", 1);
    test_recv_str (router, "one", 0);
    TEST_ASSERT_SUCCESS (zmq_connect (d2, endpoint));
    test_send_str (d2, "two", 0);
    test_set_int (router, ZMQ_RCVTIMEO, 100);
    char buf[8];
    if (handover) {
        test_recv_str (router, "X", 1);
        test_recv_str (router, "two", 0);
        send_to (router, "X", "to new");
        test_recv_str (d2, "to new", 0);
        TEST_ASSERT_FAILURE (zmq_recv (d1, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    } else {
        TEST_ASSERT_FAILURE (zmq_recv (router, buf, sizeof buf, 0), EAGAIN);
        send_to (router, "X", "to old");
        test_recv_str (d1, "to old", 0);
        TEST_ASSERT_FAILURE (zmq_recv (d2, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    }
    zmq_close (d1);
    zmq_close (d2);
    zmq_close (router);
}

static void connect_routing_id (void)
{
    void *server = test_socket (ctx, ZMQ_ROUTER), *server2 = test_socket (ctx, ZMQ_ROUTER);
    TEST_ASSERT_SUCCESS (zmq_bind (server, "inproc://cri"));
    test_set_str (server2, ZMQ_ROUTING_ID, "S2");
    TEST_ASSERT_SUCCESS (zmq_bind (server2, "inproc://cri2"));
    void *client = test_socket (ctx, ZMQ_ROUTER);
    test_set_str (client, ZMQ_ROUTING_ID, "C");
    test_set_str (client, ZMQ_CONNECT_ROUTING_ID, "srv");
    TEST_ASSERT_SUCCESS (zmq_connect (client, "inproc://cri"));
    TEST_ASSERT_SUCCESS (zmq_connect (client, "inproc://cri2"));
    send_to (client, "srv", "hi");
    test_recv_str (server, "C", 1);
    test_recv_str (server, "hi", 0);
    send_to (server, "C", "back");
    test_recv_str (client, "srv", 1);
    test_recv_str (client, "back", 0);
    /* The second connect had no connect routing id: the peer's own id names it. */
    send_to (client, "S2", "hi 2");
    test_recv_str (server2, "C", 1);
    test_recv_str (server2, "hi 2", 0);
    zmq_close (client);
    zmq_close (server);
    zmq_close (server2);
}

static void probe_router (void)
{
    /* From a ROUTER that connects before the bind, and from a DEALER. */
    void *client = test_socket (ctx, ZMQ_ROUTER);
    test_set_int (client, ZMQ_PROBE_ROUTER, 1);
    test_set_str (client, ZMQ_ROUTING_ID, "C");
    TEST_ASSERT_SUCCESS (zmq_connect (client, "inproc://probe"));
    void *server = test_socket (ctx, ZMQ_ROUTER);
    test_set_str (server, ZMQ_ROUTING_ID, "S");
    TEST_ASSERT_SUCCESS (zmq_bind (server, "inproc://probe"));
    test_recv_str (server, "C", 1);
    test_recv_str (server, "", 0);
    send_to (server, "C", "hello");
    test_recv_str (client, "S", 1);
    test_recv_str (client, "hello", 0);
    void *dealer = test_socket (ctx, ZMQ_DEALER);
    test_set_int (dealer, ZMQ_PROBE_ROUTER, 1);
    test_set_str (dealer, ZMQ_ROUTING_ID, "D");
    TEST_ASSERT_SUCCESS (zmq_connect (dealer, "inproc://probe"));
    test_recv_str (server, "D", 1);
    test_recv_str (server, "", 0);
    zmq_close (dealer);
    zmq_close (client);
    zmq_close (server);
}

static void mandatory_gone_peer (void)
{
    void *router = test_socket (ctx, ZMQ_ROUTER), *d = test_socket (ctx, ZMQ_DEALER);
    test_set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    TEST_ASSERT_SUCCESS (zmq_bind (router, "inproc://gone"));
    test_set_str (d, ZMQ_ROUTING_ID, "G");
    TEST_ASSERT_SUCCESS (zmq_connect (d, "inproc://gone"));
    test_send_str (d, "hi", 0);
    test_recv_str (router, "G", 1);
    test_recv_str (router, "hi", 0);
    zmq_close (d);
    /* The peer's end goes away asynchronously; once the router knows, its id is
     * unroutable. */
    int rc = 0;
    for (int i = 0; i < 200 && rc != -1; i++) {
        rc = zmq_send (router, "G", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        if (rc != -1) {
            test_send_str (router, "lost", 0);
            usleep (10000);
        }
    }
    TEST_ASSERT_EQ (-1, rc);
    TEST_ASSERT_EQ (EHOSTUNREACH, zmq_errno ());
    TEST_ASSERT_FAILURE (zmq_send (router, "G", 1, ZMQ_SNDMORE), EHOSTUNREACH);
    zmq_close (router);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    generated_ids ();
    peer_ids_and_unroutable ();
    mandatory_full_pipe ();
    mandatory_gone_peer ();
    duplicate_ids (0);
    duplicate_ids (1);
    connect_routing_id ();
    probe_router ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

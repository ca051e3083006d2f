/* ROUTER over inproc: generated routing ids (5 bytes, 0x00 + a counter), the peer's
 * ZMQ_ROUTING_ID, unroutable and malformed sends, ROUTER_MANDATORY (EHOSTUNREACH, EAGAIN),
 * PROBE_ROUTER, ROUTER_HANDOVER and CONNECT_ROUTING_ID. */
#include "testutil.h"

static void *ctx;

static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    TEST_ASSERT (s != NULL);
    int timeout = 2000, linger = 0;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_SNDTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger));
    return s;
}

static void set_int (void *s, int option, int value)
{
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, option, &value, sizeof value));
}

static void send_str (void *s, const char *data, int flags)
{
    TEST_ASSERT_EQ ((int) strlen (data), zmq_send (s, data, strlen (data), flags));
}

static void recv_str (void *s, const char *expected, int more)
{
    char buf[64];
    int n = TEST_ASSERT_SUCCESS (zmq_recv (s, buf, sizeof buf - 1, 0));
    TEST_ASSERT (n < (int) sizeof buf);
    buf[n] = 0;
    TEST_ASSERT_STR (expected, buf);
    int rcvmore;
    size_t len = sizeof rcvmore;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &len));
    TEST_ASSERT_EQ (more, rcvmore);
}

static int events (void *s)
{
    int ev;
    size_t len = sizeof ev;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_EVENTS, &ev, &len));
    return ev;
}

static void set_str (void *s, int option, const char *value)
{
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, option, value, strlen (value)));
}

static void send_to (void *router, const char *id, const char *body)
{
    send_str (router, id, ZMQ_SNDMORE);
    send_str (router, body, 0);
}

static void generated_ids (void)
{
    void *router = make (ZMQ_ROUTER);
    TEST_ASSERT_SUCCESS (zmq_bind (router, "inproc://gen"));
    void *a = make (ZMQ_DEALER), *b = make (ZMQ_DEALER);
    TEST_ASSERT_SUCCESS (zmq_connect (a, "inproc://gen"));
    TEST_ASSERT_SUCCESS (zmq_connect (b, "inproc://gen"));
    send_str (a, "from a", 0);
    send_str (b, "from b", 0);
    unsigned char ida[8], idb[8];
    TEST_ASSERT_EQ (5, zmq_recv (router, ida, sizeof ida, 0));
    recv_str (router, "from a", 0);
    TEST_ASSERT_EQ (5, zmq_recv (router, idb, sizeof idb, 0));
    recv_str (router, "from b", 0);
    TEST_ASSERT_EQ (0, ida[0]);
    TEST_ASSERT_EQ (0, idb[0]);
    uint32_t na = ((uint32_t) ida[1] << 24) | ((uint32_t) ida[2] << 16)
                  | ((uint32_t) ida[3] << 8) | ida[4];
    uint32_t nb = ((uint32_t) idb[1] << 24) | ((uint32_t) idb[2] << 16)
                  | ((uint32_t) idb[3] << 8) | idb[4];
    TEST_ASSERT (nb == na + 1);
    TEST_ASSERT_EQ (5, zmq_send (router, idb, 5, ZMQ_SNDMORE));
    send_str (router, "to b", 0);
    TEST_ASSERT_EQ (5, zmq_send (router, ida, 5, ZMQ_SNDMORE));
    send_str (router, "to a", ZMQ_SNDMORE);
    send_str (router, "two parts", 0);
    recv_str (a, "to a", 1);
    recv_str (a, "two parts", 0);
    recv_str (b, "to b", 0);
    zmq_close (a);
    zmq_close (b);
    zmq_close (router);
}

static void peer_ids_and_unroutable (void)
{
    void *router = make (ZMQ_ROUTER), *d = make (ZMQ_DEALER);
    TEST_ASSERT_SUCCESS (zmq_bind (router, "inproc://named"));
    set_str (d, ZMQ_ROUTING_ID, "dealer-1");
    TEST_ASSERT_SUCCESS (zmq_connect (d, "inproc://named"));
    send_str (d, "hello", 0);
    recv_str (router, "dealer-1", 1);
    recv_str (router, "hello", 0);
    TEST_ASSERT_EQ (ZMQ_POLLOUT, events (router));
    /* Unknown peer: dropped. A lone routing-id frame (no MORE): ignored. */
    send_to (router, "nobody", "lost");
    send_str (router, "dealer-1", 0);
    send_to (router, "dealer-1", "found");
    recv_str (d, "found", 0);
    char buf[8];
    TEST_ASSERT_FAILURE (zmq_recv (d, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    /* Mandatory: an unknown peer is EHOSTUNREACH. */
    set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    TEST_ASSERT_FAILURE (zmq_send (router, "nobody", 6, ZMQ_SNDMORE), EHOSTUNREACH);
    TEST_ASSERT_FAILURE (zmq_send (router, "nobody", 6, ZMQ_SNDMORE | ZMQ_DONTWAIT),
                         EHOSTUNREACH);
    send_to (router, "dealer-1", "still");
    recv_str (d, "still", 0);
    zmq_close (d);
    zmq_close (router);
}

static void mandatory_full_pipe (void)
{
    void *router = make (ZMQ_ROUTER), *d = make (ZMQ_DEALER);
    set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    set_int (router, ZMQ_SNDHWM, 1);
    TEST_ASSERT_SUCCESS (zmq_bind (router, "inproc://full"));
    set_int (d, ZMQ_RCVHWM, 1);
    set_str (d, ZMQ_ROUTING_ID, "D");
    TEST_ASSERT_SUCCESS (zmq_connect (d, "inproc://full"));
    send_str (d, "hi", 0);
    recv_str (router, "D", 1);
    recv_str (router, "hi", 0);
    TEST_ASSERT_EQ (ZMQ_POLLOUT, events (router) & ZMQ_POLLOUT);
    /* inproc: SNDHWM + RCVHWM = 2 messages fit. */
    send_to (router, "D", "1");
    send_to (router, "D", "2");
    TEST_ASSERT_EQ (0, events (router) & ZMQ_POLLOUT);
    TEST_ASSERT_FAILURE (zmq_send (router, "D", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT), EAGAIN);
    set_int (router, ZMQ_SNDTIMEO, 50);
    TEST_ASSERT_FAILURE (zmq_send (router, "D", 1, ZMQ_SNDMORE), EAGAIN);
    recv_str (d, "1", 0);
    recv_str (d, "2", 0);
    zmq_close (d);
    zmq_close (router);
}

static void duplicate_ids (int handover)
{
    void *router = make (ZMQ_ROUTER);
    set_int (router, ZMQ_ROUTER_HANDOVER, handover);
    const char *endpoint = handover ? "inproc://dup-handover" : "inproc://dup";
    TEST_ASSERT_SUCCESS (zmq_bind (router, endpoint));
    void *d1 = make (ZMQ_DEALER), *d2 = make (ZMQ_DEALER);
    set_str (d1, ZMQ_ROUTING_ID, "X");
    set_str (d2, ZMQ_ROUTING_ID, "X");
    TEST_ASSERT_SUCCESS (zmq_connect (d1, endpoint));
    send_str (d1, "one", 0);
    recv_str (router, "X", 1);
    recv_str (router, "one", 0);
    TEST_ASSERT_SUCCESS (zmq_connect (d2, endpoint));
    send_str (d2, "two", 0);
    set_int (router, ZMQ_RCVTIMEO, 100);
    char buf[8];
    if (handover) {
        recv_str (router, "X", 1);
        recv_str (router, "two", 0);
        send_to (router, "X", "to new");
        recv_str (d2, "to new", 0);
        TEST_ASSERT_FAILURE (zmq_recv (d1, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    } else {
        TEST_ASSERT_FAILURE (zmq_recv (router, buf, sizeof buf, 0), EAGAIN);
        send_to (router, "X", "to old");
        recv_str (d1, "to old", 0);
        TEST_ASSERT_FAILURE (zmq_recv (d2, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    }
    zmq_close (d1);
    zmq_close (d2);
    zmq_close (router);
}

static void connect_routing_id (void)
{
    void *server = make (ZMQ_ROUTER), *server2 = make (ZMQ_ROUTER);
    TEST_ASSERT_SUCCESS (zmq_bind (server, "inproc://cri"));
    set_str (server2, ZMQ_ROUTING_ID, "S2");
    TEST_ASSERT_SUCCESS (zmq_bind (server2, "inproc://cri2"));
    void *client = make (ZMQ_ROUTER);
    set_str (client, ZMQ_ROUTING_ID, "C");
    set_str (client, ZMQ_CONNECT_ROUTING_ID, "srv");
    TEST_ASSERT_SUCCESS (zmq_connect (client, "inproc://cri"));
    TEST_ASSERT_SUCCESS (zmq_connect (client, "inproc://cri2"));
    send_to (client, "srv", "hi");
    recv_str (server, "C", 1);
    recv_str (server, "hi", 0);
    send_to (server, "C", "back");
    recv_str (client, "srv", 1);
    recv_str (client, "back", 0);
    /* The second connect had no connect routing id: the peer's own id names it. */
    send_to (client, "S2", "hi 2");
    recv_str (server2, "C", 1);
    recv_str (server2, "hi 2", 0);
    zmq_close (client);
    zmq_close (server);
    zmq_close (server2);
}

static void probe_router (void)
{
    /* From a ROUTER that connects before the bind, and from a DEALER. */
    void *client = make (ZMQ_ROUTER);
    set_int (client, ZMQ_PROBE_ROUTER, 1);
    set_str (client, ZMQ_ROUTING_ID, "C");
    TEST_ASSERT_SUCCESS (zmq_connect (client, "inproc://probe"));
    void *server = make (ZMQ_ROUTER);
    set_str (server, ZMQ_ROUTING_ID, "S");
    TEST_ASSERT_SUCCESS (zmq_bind (server, "inproc://probe"));
    recv_str (server, "C", 1);
    recv_str (server, "", 0);
    send_to (server, "C", "hello");
    recv_str (client, "S", 1);
    recv_str (client, "hello", 0);
    void *dealer = make (ZMQ_DEALER);
    set_int (dealer, ZMQ_PROBE_ROUTER, 1);
    set_str (dealer, ZMQ_ROUTING_ID, "D");
    TEST_ASSERT_SUCCESS (zmq_connect (dealer, "inproc://probe"));
    recv_str (server, "D", 1);
    recv_str (server, "", 0);
    zmq_close (dealer);
    zmq_close (client);
    zmq_close (server);
}

static void mandatory_gone_peer (void)
{
    void *router = make (ZMQ_ROUTER), *d = make (ZMQ_DEALER);
    set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    TEST_ASSERT_SUCCESS (zmq_bind (router, "inproc://gone"));
    set_str (d, ZMQ_ROUTING_ID, "G");
    TEST_ASSERT_SUCCESS (zmq_connect (d, "inproc://gone"));
    send_str (d, "hi", 0);
    recv_str (router, "G", 1);
    recv_str (router, "hi", 0);
    zmq_close (d);
    /* The peer's end goes away asynchronously; once the router knows, its id is
     * unroutable. */
    int rc = 0;
    for (int i = 0; i < 200 && rc != -1; i++) {
        rc = zmq_send (router, "G", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        if (rc != -1) {
            send_str (router, "lost", 0);
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

/* CURVE over tcp: the right server key connects (REQ/REP, DEALER/ROUTER with multipart and
 * a 1 MiB message, PUB/SUB with a subscription, PUSH/PULL, heartbeats every 100 ms); a
 * wrong server key never connects (CRYPTOGRAPHIC on the server); a ZAP handler allows or
 * denies by client public key; without a handler every client is accepted. */
#include "testutil_security.h"

static char server_public[41], server_secret[41];
static char client_public[41], client_secret[41];
static char other_public[41], other_secret[41];

/* A CURVE server of `server_type` and a client of `client_type` that believes the server
 * key is `server_key`, connected over tcp, with monitors. */
typedef struct
{
    void *server, *client, *server_mon, *client_mon;
    char ep[64];
} curve_pair_t;

static void curve_pair_open (curve_pair_t *p,
                             void *ctx,
                             int server_type,
                             int client_type,
                             const char *server_key,
                             int heartbeat_ivl)
{
    p->server = test_socket (ctx, server_type);
    p->client = test_socket (ctx, client_type);
    test_set_int (p->server, ZMQ_CURVE_SERVER, 1);
    TEST_ASSERT_SUCCESS (zmq_setsockopt (p->server, ZMQ_CURVE_SECRETKEY, server_secret, 40));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (p->client, ZMQ_CURVE_SERVERKEY, server_key, 40));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (p->client, ZMQ_CURVE_PUBLICKEY, client_public, 40));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (p->client, ZMQ_CURVE_SECRETKEY, client_secret, 40));
    if (heartbeat_ivl) {
        test_set_int (p->server, ZMQ_HEARTBEAT_IVL, heartbeat_ivl);
        test_set_int (p->client, ZMQ_HEARTBEAT_IVL, heartbeat_ivl);
    }
    p->server_mon = monitor_open (ctx, p->server, "inproc://mon-server");
    p->client_mon = monitor_open (ctx, p->client, "inproc://mon-client");
    bind_tcp (p->server, p->ep);
    TEST_ASSERT_SUCCESS (zmq_connect (p->client, p->ep));
}

static void curve_pair_close (curve_pair_t *p)
{
    TEST_ASSERT_SUCCESS (zmq_close (p->client));
    TEST_ASSERT_SUCCESS (zmq_close (p->server));
    TEST_ASSERT_SUCCESS (zmq_close (p->client_mon));
    TEST_ASSERT_SUCCESS (zmq_close (p->server_mon));
}

/* REQ/REP with a handler that allows the client's key: the request carries the key and
 * the message the handler's User-Id. */
static void test_req_rep_allowed (void)
{
    void *ctx = zmq_ctx_new ();
    uint8_t key[32];
    TEST_ASSERT (zmq_z85_decode (key, client_public) != NULL);
    zap_handler_t zap = {.ctx = ctx, .user_id = "carol", .allow_key = key};
    zap_handler_start (&zap);
    curve_pair_t p;
    curve_pair_open (&p, ctx, ZMQ_REP, ZMQ_REQ, server_public, 0);

    test_send_str (p.client, "ping", 0);
    recv_with_property (p.server, "ping", "User-Id", "carol");
    test_send_str (p.server, "pong", 0);
    test_recv_str (p.client, "pong", 0);
    TEST_ASSERT_EQ (0, monitor_expect (p.server_mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED));
    TEST_ASSERT_EQ (0, monitor_expect (p.client_mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED));

    TEST_ASSERT_EQ (1, zap.requests);
    TEST_ASSERT_EQ (7, zap.frame_count);
    zap_expect_frame (&zap, 0, "1.0");
    zap_expect_frame (&zap, 2, "");
    zap_expect_frame (&zap, 3, "127.0.0.1");
    zap_expect_frame (&zap, 5, "CURVE");
    TEST_ASSERT_EQ (32, zap.frame_sizes[6]);
    TEST_ASSERT (memcmp (zap.frames[6], key, 32) == 0);

    curve_pair_close (&p);
    zap_handler_stop (&zap);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* The handler allows another key only: HANDSHAKE_FAILED_AUTH 400 on both sides. */
static void test_denied_by_key (void)
{
    void *ctx = zmq_ctx_new ();
    uint8_t key[32];
    TEST_ASSERT (zmq_z85_decode (key, other_public) != NULL);
    zap_handler_t zap = {.ctx = ctx, .user_id = "", .allow_key = key};
    zap_handler_start (&zap);
    curve_pair_t p;
    curve_pair_open (&p, ctx, ZMQ_PULL, ZMQ_PUSH, server_public, 0);

    send_if_connecting (p.client);
    TEST_ASSERT_EQ (400, monitor_expect (p.server_mon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH));
    TEST_ASSERT_EQ (400, monitor_expect (p.client_mon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH));
    expect_no_message (p.server, 300);

    curve_pair_close (&p);
    zap_handler_stop (&zap);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* The client has the wrong server key: the server cannot open HELLO. */
static void test_wrong_server_key (void)
{
    void *ctx = zmq_ctx_new ();
    curve_pair_t p;
    curve_pair_open (&p, ctx, ZMQ_PULL, ZMQ_PUSH, other_public, 0);

    send_if_connecting (p.client);
    TEST_ASSERT_EQ (ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
                    monitor_expect (p.server_mon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL));
    expect_no_message (p.server, 300);

    curve_pair_close (&p);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* No handler: every client with the right server key gets in ("Stonehouse"); no User-Id. */
static void test_no_handler (void)
{
    void *ctx = zmq_ctx_new ();
    curve_pair_t p;
    curve_pair_open (&p, ctx, ZMQ_PULL, ZMQ_PUSH, server_public, 0);

    test_send_str (p.client, "hello", 0);
    recv_with_property (p.server, "hello", "User-Id", NULL);
    test_send_str (p.client, "a", ZMQ_SNDMORE);
    test_send_str (p.client, "", ZMQ_SNDMORE);
    test_send_str (p.client, "c", 0);
    test_recv_str (p.server, "a", 1);
    test_recv_str (p.server, "", 1);
    test_recv_str (p.server, "c", 0);

    curve_pair_close (&p);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* DEALER/ROUTER both ways: multipart messages and a 1 MiB part. */
static void test_dealer_router_large (void)
{
    void *ctx = zmq_ctx_new ();
    curve_pair_t p;
    curve_pair_open (&p, ctx, ZMQ_ROUTER, ZMQ_DEALER, server_public, 0);

    size_t size = 1024 * 1024;
    char *big = malloc (size), *got = malloc (size);
    TEST_ASSERT (big && got);
    for (size_t i = 0; i < size; i++)
        big[i] = (char) (i * 7 + i / 251);

    test_send_str (p.client, "head", ZMQ_SNDMORE);
    TEST_ASSERT_EQ ((int) size, zmq_send (p.client, big, size, 0));
    zmq_msg_t id;
    zmq_msg_init (&id);
    TEST_ASSERT_SUCCESS (zmq_msg_recv (&id, p.server, 0));
    TEST_ASSERT (zmq_msg_more (&id));
    test_recv_str (p.server, "head", 1);
    memset (got, 0, size);
    TEST_ASSERT_EQ ((int) size, zmq_recv (p.server, got, size, 0));
    TEST_ASSERT (memcmp (big, got, size) == 0);

    TEST_ASSERT_SUCCESS (zmq_msg_send (&id, p.server, ZMQ_SNDMORE));
    TEST_ASSERT_EQ ((int) size, zmq_send (p.server, big, size, ZMQ_SNDMORE));
    test_send_str (p.server, "tail", 0);
    memset (got, 0, size);
    TEST_ASSERT_EQ ((int) size, zmq_recv (p.client, got, size, 0));
    TEST_ASSERT (memcmp (big, got, size) == 0);
    test_recv_str (p.client, "tail", 0);

    free (big);
    free (got);
    curve_pair_close (&p);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* PUB/SUB: the subscription travels encrypted and filters on the publisher. */
static void test_pub_sub (void)
{
    void *ctx = zmq_ctx_new ();
    curve_pair_t p;
    curve_pair_open (&p, ctx, ZMQ_PUB, ZMQ_SUB, server_public, 0);
    test_set_str (p.client, ZMQ_SUBSCRIBE, "A");
    TEST_ASSERT_EQ (0, monitor_expect (p.server_mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED));

    /* Publish until the subscription has arrived (the first "A" gets through). */
    int timeout = 20;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (p.client, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    char buf[16];
    int n = -1;
    for (int i = 0; i < 200 && n == -1; i++) {
        test_send_str (p.server, "B-skip", 0);
        test_send_str (p.server, "A-first", 0);
        n = zmq_recv (p.client, buf, sizeof buf, 0);
    }
    TEST_ASSERT_EQ (7, n);
    TEST_ASSERT (memcmp (buf, "A-first", 7) == 0);
    while (zmq_recv (p.client, buf, sizeof buf, 0) != -1)
        TEST_ASSERT (buf[0] == 'A');
    test_send_str (p.server, "B-no", 0);
    test_send_str (p.server, "A-yes", 0);
    timeout = 2000;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (p.client, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    test_recv_str (p.client, "A-yes", 0);

    curve_pair_close (&p);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* PUSH/PULL with heartbeats every 100 ms on both sides: the connection stays up across
 * several PING/PONG rounds (encrypted as CURVE MESSAGE commands). */
static void test_heartbeats (void)
{
    void *ctx = zmq_ctx_new ();
    curve_pair_t p;
    curve_pair_open (&p, ctx, ZMQ_PULL, ZMQ_PUSH, server_public, 100);

    test_send_str (p.client, "one", 0);
    test_recv_str (p.server, "one", 0);
    TEST_ASSERT_EQ (0, monitor_expect (p.server_mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED));
    TEST_ASSERT_EQ (0, monitor_expect (p.client_mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED));
    usleep (700 * 1000);
    test_send_str (p.client, "two", 0);
    test_recv_str (p.server, "two", 0);
    /* No disconnect happened meanwhile. */
    uint32_t value;
    int timeout = 0;
    TEST_ASSERT_SUCCESS (
      zmq_setsockopt (p.server_mon, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (
      zmq_setsockopt (p.client_mon, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_EQ (-1, monitor_next (p.server_mon, &value));
    TEST_ASSERT_EQ (-1, monitor_next (p.client_mon, &value));

    curve_pair_close (&p);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

int main (void)
{
    TEST_ASSERT_EQ (1, zmq_has ("curve"));
    TEST_ASSERT_SUCCESS (zmq_curve_keypair (server_public, server_secret));
    TEST_ASSERT_SUCCESS (zmq_curve_keypair (client_public, client_secret));
    TEST_ASSERT_SUCCESS (zmq_curve_keypair (other_public, other_secret));

    test_req_rep_allowed ();
    test_denied_by_key ();
    test_wrong_server_key ();
    test_no_handler ();
    test_dealer_router_large ();
    test_pub_sub ();
    test_heartbeats ();
    return 0;
}

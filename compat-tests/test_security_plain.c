/* PLAIN over tcp with a ZAP handler (REP at inproc://zeromq.zap.01): status 200 lets the
 * message through with the handler's User-Id and properties; 300, 400 and 500 stop it
 * with HANDSHAKE_FAILED_AUTH (400 and 500 reach the client as ERROR too); without a handler
 * the server fails with HANDSHAKE_FAILED_NO_DETAIL/EFAULT; over ipc the peer address is
 * "localhost:uid:gid:pid"; a NULL server refuses a PLAIN client with MECHANISM_MISMATCH. */
#include "testutil_security.h"

/* ZMQ_METADATA has a draft number but works in every libzmq 4.3 build. */
#ifndef ZMQ_METADATA
#define ZMQ_METADATA 95
#endif

/* A PLAIN server and a client (user admin, password "password", properties X-Color=blue
 * and X-Shape=round) on a fresh tcp port, with monitors. */
typedef struct
{
    void *ctx, *server, *client, *server_mon, *client_mon;
    char ep[64];
} plain_pair_t;

static void plain_pair_open (plain_pair_t *p, void *ctx, int server_type, int client_type)
{
    p->ctx = ctx;
    p->server = test_socket (ctx, server_type);
    p->client = test_socket (ctx, client_type);
    test_set_int (p->server, ZMQ_PLAIN_SERVER, 1);
    test_set_str (p->server, ZMQ_ZAP_DOMAIN, "global");
    test_set_str (p->client, ZMQ_PLAIN_USERNAME, "admin");
    test_set_str (p->client, ZMQ_PLAIN_PASSWORD, "password");
    /* The client's own properties; the ZAP handler's X-Color wins over this one. */
    test_set_str (p->client, ZMQ_METADATA, "X-Color:blue");
    test_set_str (p->client, ZMQ_METADATA, "X-Shape:round");
    p->server_mon = monitor_open (ctx, p->server, "inproc://mon-server");
    p->client_mon = monitor_open (ctx, p->client, "inproc://mon-client");
    bind_tcp (p->server, p->ep);
    TEST_ASSERT_SUCCESS (zmq_connect (p->client, p->ep));
}

static void plain_pair_close (plain_pair_t *p)
{
    TEST_ASSERT_SUCCESS (zmq_close (p->client));
    TEST_ASSERT_SUCCESS (zmq_close (p->server));
    TEST_ASSERT_SUCCESS (zmq_close (p->client_mon));
    TEST_ASSERT_SUCCESS (zmq_close (p->server_mon));
}

static void test_accepted (void)
{
    void *ctx = zmq_ctx_new ();
    zap_handler_t zap = {.ctx = ctx, .status = "200", .user_id = "alice"};
    zap_handler_start (&zap);
    plain_pair_t p;
    plain_pair_open (&p, ctx, ZMQ_PULL, ZMQ_PUSH);

    test_send_str (p.client, "hello", 0);
    zmq_msg_t m;
    zmq_msg_init (&m);
    TEST_ASSERT_EQ (5, zmq_msg_recv (&m, p.server, 0));
    TEST_ASSERT_STR ("alice", zmq_msg_gets (&m, "User-Id"));
    TEST_ASSERT_STR ("red", zmq_msg_gets (&m, "X-Color"));
    TEST_ASSERT_STR ("round", zmq_msg_gets (&m, "X-Shape"));
    TEST_ASSERT_STR ("PUSH", zmq_msg_gets (&m, "Socket-Type"));
    TEST_ASSERT_STR ("127.0.0.1", zmq_msg_gets (&m, "Peer-Address"));
    zmq_msg_close (&m);

    TEST_ASSERT_EQ (0, monitor_expect (p.server_mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED));
    TEST_ASSERT_EQ (0, monitor_expect (p.client_mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED));

    /* The request: version, id, domain, numeric peer address, the server's own (empty)
     * routing id, mechanism, then user name and password. */
    TEST_ASSERT_EQ (1, zap.requests);
    TEST_ASSERT_EQ (8, zap.frame_count);
    zap_expect_frame (&zap, 0, "1.0");
    zap_expect_frame (&zap, 1, "1");
    zap_expect_frame (&zap, 2, "global");
    zap_expect_frame (&zap, 3, "127.0.0.1");
    zap_expect_frame (&zap, 4, "");
    zap_expect_frame (&zap, 5, "PLAIN");
    zap_expect_frame (&zap, 6, "admin");
    zap_expect_frame (&zap, 7, "password");

    plain_pair_close (&p);
    zap_handler_stop (&zap);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* DEALER to ROUTER both ways: every part of every message carries the User-Id. */
static void test_dealer_router (void)
{
    void *ctx = zmq_ctx_new ();
    zap_handler_t zap = {.ctx = ctx, .status = "200", .user_id = "bob"};
    zap_handler_start (&zap);
    plain_pair_t p;
    plain_pair_open (&p, ctx, ZMQ_ROUTER, ZMQ_DEALER);

    test_send_str (p.client, "a", ZMQ_SNDMORE);
    test_send_str (p.client, "b", 0);
    zmq_msg_t id;
    zmq_msg_init (&id);
    TEST_ASSERT_SUCCESS (zmq_msg_recv (&id, p.server, 0));
    TEST_ASSERT_STR ("bob", zmq_msg_gets (&id, "User-Id"));
    recv_with_property (p.server, "a", "User-Id", "bob");
    recv_with_property (p.server, "b", "User-Id", "bob");
    TEST_ASSERT_SUCCESS (zmq_msg_send (&id, p.server, ZMQ_SNDMORE));
    test_send_str (p.server, "back", 0);
    /* The server side asks no credentials of the client side's peer: no User-Id there. */
    recv_with_property (p.client, "back", "User-Id", NULL);

    plain_pair_close (&p);
    zap_handler_stop (&zap);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* The handler refuses with `status`: no message, HANDSHAKE_FAILED_AUTH on the server, and
 * for 400/500 on the client too (it receives ERROR). */
static void test_refused (const char *status, uint32_t code)
{
    void *ctx = zmq_ctx_new ();
    zap_handler_t zap = {.ctx = ctx, .status = status, .user_id = "alice"};
    zap_handler_start (&zap);
    plain_pair_t p;
    plain_pair_open (&p, ctx, ZMQ_PULL, ZMQ_PUSH);

    send_if_connecting (p.client);
    TEST_ASSERT_EQ (code, monitor_expect (p.server_mon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH));
    if (code != 300)
        TEST_ASSERT_EQ (code,
                        monitor_expect (p.client_mon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH));
    expect_no_message (p.server, 300);
    TEST_ASSERT (zap.requests >= 1);

    plain_pair_close (&p);
    zap_handler_stop (&zap);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* PLAIN needs a ZAP handler: without one the server fails the handshake with EFAULT. */
static void test_no_handler (void)
{
    void *ctx = zmq_ctx_new ();
    plain_pair_t p;
    plain_pair_open (&p, ctx, ZMQ_PULL, ZMQ_PUSH);

    send_if_connecting (p.client);
    TEST_ASSERT_EQ (EFAULT,
                    monitor_expect (p.server_mon, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL));
    expect_no_message (p.server, 300);

    plain_pair_close (&p);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* Over ipc the peer address (in ZAP and as Peer-Address) is libzmq's
 * "localhost:<uid>:<gid>:<pid>" of the peer process. */
static void test_ipc_address (void)
{
    void *ctx = zmq_ctx_new ();
    zap_handler_t zap = {.ctx = ctx, .status = "200", .user_id = "erin"};
    zap_handler_start (&zap);
    void *server = test_socket (ctx, ZMQ_PULL), *client = test_socket (ctx, ZMQ_PUSH);
    test_set_int (server, ZMQ_PLAIN_SERVER, 1);
    test_set_str (client, ZMQ_PLAIN_USERNAME, "admin");
    test_set_str (client, ZMQ_PLAIN_PASSWORD, "password");
    char ep[64], expected[64];
    snprintf (ep, sizeof ep, "ipc:///tmp/test_security_plain-%d.sock", (int) getpid ());
    snprintf (expected, sizeof expected, "localhost:%d:%d:%d", (int) getuid (),
              (int) getgid (), (int) getpid ());
    TEST_ASSERT_SUCCESS (zmq_bind (server, ep));
    TEST_ASSERT_SUCCESS (zmq_connect (client, ep));
    test_send_str (client, "hello", 0);
    recv_with_property (server, "hello", "Peer-Address", expected);
    zap_expect_frame (&zap, 3, expected);
    TEST_ASSERT_SUCCESS (zmq_close (client));
    TEST_ASSERT_SUCCESS (zmq_close (server));
    zap_handler_stop (&zap);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* A PLAIN client meets a NULL server: both see MECHANISM_MISMATCH. */
static void test_mechanism_mismatch (void)
{
    void *ctx = zmq_ctx_new ();
    void *server = test_socket (ctx, ZMQ_PULL), *client = test_socket (ctx, ZMQ_PUSH);
    test_set_str (client, ZMQ_PLAIN_USERNAME, "admin");
    test_set_str (client, ZMQ_PLAIN_PASSWORD, "password");
    void *server_mon = monitor_open (ctx, server, "inproc://mon-server");
    void *client_mon = monitor_open (ctx, client, "inproc://mon-client");
    char ep[64];
    bind_tcp (server, ep);
    TEST_ASSERT_SUCCESS (zmq_connect (client, ep));
    TEST_ASSERT_EQ (ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH,
                    monitor_expect (server_mon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL));
    TEST_ASSERT_EQ (ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH,
                    monitor_expect (client_mon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL));
    expect_no_message (server, 200);
    TEST_ASSERT_SUCCESS (zmq_close (client));
    TEST_ASSERT_SUCCESS (zmq_close (server));
    TEST_ASSERT_SUCCESS (zmq_close (client_mon));
    TEST_ASSERT_SUCCESS (zmq_close (server_mon));
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

int main (void)
{
    test_accepted ();
    test_dealer_router ();
    test_refused ("400", 400);
    test_refused ("500", 500);
    test_refused ("300", 300);
    test_no_handler ();
    test_ipc_address ();
    test_mechanism_mismatch ();
    return 0;
}

/* NULL with ZMQ_ZAP_DOMAIN: the server asks the ZAP handler (mechanism "NULL", no
 * credentials). A denying handler stops the connection with HANDSHAKE_FAILED_AUTH on both
 * sides; an allowing one lets messages through with its User-Id; without a domain the
 * handler is not asked; with a domain but no handler the connection is accepted, unless
 * ZMQ_ZAP_ENFORCE_DOMAIN is set; a ROUTER handler works too. */
#include "testutil_security.h"

typedef struct
{
    void *server, *client, *server_mon, *client_mon;
} null_pair_t;

static void null_pair_open (null_pair_t *p, void *ctx, const char *domain)
{
    p->server = test_socket (ctx, ZMQ_PULL);
    p->client = test_socket (ctx, ZMQ_PUSH);
    if (domain)
        test_set_str (p->server, ZMQ_ZAP_DOMAIN, domain);
    p->server_mon = monitor_open (ctx, p->server, "inproc://mon-server");
    p->client_mon = monitor_open (ctx, p->client, "inproc://mon-client");
    char ep[64];
    bind_tcp (p->server, ep);
    TEST_ASSERT_SUCCESS (zmq_connect (p->client, ep));
}

static void null_pair_close (null_pair_t *p)
{
    TEST_ASSERT_SUCCESS (zmq_close (p->client));
    TEST_ASSERT_SUCCESS (zmq_close (p->server));
    TEST_ASSERT_SUCCESS (zmq_close (p->client_mon));
    TEST_ASSERT_SUCCESS (zmq_close (p->server_mon));
}

static void test_denied (void)
{
    void *ctx = zmq_ctx_new ();
    zap_handler_t zap = {.ctx = ctx, .status = "400", .user_id = ""};
    zap_handler_start (&zap);
    null_pair_t p;
    null_pair_open (&p, ctx, "dom");

    send_if_connecting (p.client);
    TEST_ASSERT_EQ (400, monitor_expect (p.server_mon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH));
    TEST_ASSERT_EQ (400, monitor_expect (p.client_mon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH));
    expect_no_message (p.server, 300);
    TEST_ASSERT_EQ (1, zap.requests);
    TEST_ASSERT_EQ (6, zap.frame_count);
    zap_expect_frame (&zap, 0, "1.0");
    zap_expect_frame (&zap, 1, "1");
    zap_expect_frame (&zap, 2, "dom");
    zap_expect_frame (&zap, 3, "127.0.0.1");
    zap_expect_frame (&zap, 4, "");
    zap_expect_frame (&zap, 5, "NULL");

    null_pair_close (&p);
    zap_handler_stop (&zap);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

static void test_allowed (void)
{
    void *ctx = zmq_ctx_new ();
    zap_handler_t zap = {.ctx = ctx, .status = "200", .user_id = "dave"};
    zap_handler_start (&zap);
    null_pair_t p;
    null_pair_open (&p, ctx, "dom");

    test_send_str (p.client, "hello", 0);
    recv_with_property (p.server, "hello", "User-Id", "dave");
    TEST_ASSERT_EQ (0, monitor_expect (p.server_mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED));
    TEST_ASSERT_EQ (1, zap.requests);

    null_pair_close (&p);
    zap_handler_stop (&zap);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* Without a domain NULL never asks, even with a handler bound. */
static void test_no_domain (void)
{
    void *ctx = zmq_ctx_new ();
    zap_handler_t zap = {.ctx = ctx, .status = "400", .user_id = ""};
    zap_handler_start (&zap);
    null_pair_t p;
    null_pair_open (&p, ctx, NULL);

    test_send_str (p.client, "hello", 0);
    recv_with_property (p.server, "hello", "User-Id", NULL);
    TEST_ASSERT_EQ (0, zap.requests);

    null_pair_close (&p);
    zap_handler_stop (&zap);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* A domain but no handler: accepted (ZMQ_ZAP_ENFORCE_DOMAIN is off by default). */
static void test_no_handler (void)
{
    void *ctx = zmq_ctx_new ();
    null_pair_t p;
    null_pair_open (&p, ctx, "dom");

    test_send_str (p.client, "hello", 0);
    recv_with_property (p.server, "hello", "User-Id", NULL);
    TEST_ASSERT_EQ (0, monitor_expect (p.server_mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED));

    null_pair_close (&p);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* ZMQ_ZAP_ENFORCE_DOMAIN with a domain but no handler: the server fails with EFAULT. */
static void test_enforced_without_handler (void)
{
    void *ctx = zmq_ctx_new ();
    null_pair_t p;
    p.server = test_socket (ctx, ZMQ_PULL);
    p.client = test_socket (ctx, ZMQ_PUSH);
    test_set_str (p.server, ZMQ_ZAP_DOMAIN, "dom");
    test_set_int (p.server, 93 /* ZMQ_ZAP_ENFORCE_DOMAIN, a draft number in every build */, 1);
    p.server_mon = monitor_open (ctx, p.server, "inproc://mon-server");
    p.client_mon = monitor_open (ctx, p.client, "inproc://mon-client");
    char ep[64];
    bind_tcp (p.server, ep);
    TEST_ASSERT_SUCCESS (zmq_connect (p.client, ep));
    send_if_connecting (p.client);
    TEST_ASSERT_EQ (EFAULT,
                    monitor_expect (p.server_mon, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL));
    expect_no_message (p.server, 200);
    null_pair_close (&p);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* A ROUTER handler sees the pipe's routing id, then the empty delimiter, then the
 * request; its reply goes back through the same envelope. */
static void test_router_handler (void)
{
    void *ctx = zmq_ctx_new ();
    void *handler = test_socket (ctx, ZMQ_ROUTER);
    TEST_ASSERT_SUCCESS (zmq_bind (handler, "inproc://zeromq.zap.01"));
    null_pair_t p;
    null_pair_open (&p, ctx, "dom");
    test_send_str (p.client, "hello", 0);

    zmq_msg_t id;
    zmq_msg_init (&id);
    TEST_ASSERT_EQ (5, zmq_msg_recv (&id, handler, 0));
    TEST_ASSERT (zmq_msg_more (&id));
    test_recv_str (handler, "", 1);
    test_recv_str (handler, "1.0", 1);
    test_recv_str (handler, "1", 1);
    test_recv_str (handler, "dom", 1);
    test_recv_str (handler, "127.0.0.1", 1);
    test_recv_str (handler, "", 1);
    test_recv_str (handler, "NULL", 0);
    TEST_ASSERT_SUCCESS (zmq_msg_send (&id, handler, ZMQ_SNDMORE));
    const char *reply[] = {"", "1.0", "1", "200", "OK", "frank", ""};
    for (int i = 0; i < 7; i++)
        test_send_str (handler, reply[i], i < 6 ? ZMQ_SNDMORE : 0);
    recv_with_property (p.server, "hello", "User-Id", "frank");

    /* The handler goes first; the connection stays up. */
    TEST_ASSERT_SUCCESS (zmq_close (handler));
    test_send_str (p.client, "again", 0);
    recv_with_property (p.server, "again", "User-Id", "frank");
    null_pair_close (&p);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

/* A malformed reply (here an invalid status code) is a protocol error:
 * HANDSHAKE_FAILED_PROTOCOL with ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE. */
static void test_malformed_reply (void)
{
    void *ctx = zmq_ctx_new ();
    void *handler = test_socket (ctx, ZMQ_REP);
    TEST_ASSERT_SUCCESS (zmq_bind (handler, "inproc://zeromq.zap.01"));
    null_pair_t p;
    null_pair_open (&p, ctx, "dom");
    send_if_connecting (p.client);
    char buf[64];
    int more = 1;
    while (more) {
        TEST_ASSERT_SUCCESS (zmq_recv (handler, buf, sizeof buf, 0));
        size_t len = sizeof more;
        TEST_ASSERT_SUCCESS (zmq_getsockopt (handler, ZMQ_RCVMORE, &more, &len));
    }
    const char *reply[] = {"1.0", "1", "201", "OK", "", ""};
    for (int i = 0; i < 6; i++)
        test_send_str (handler, reply[i], i < 5 ? ZMQ_SNDMORE : 0);
    TEST_ASSERT_EQ (ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE,
                    monitor_expect (p.server_mon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL));
    expect_no_message (p.server, 200);
    TEST_ASSERT_SUCCESS (zmq_close (handler));
    null_pair_close (&p);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

int main (void)
{
    test_denied ();
    test_allowed ();
    test_no_domain ();
    test_no_handler ();
    test_enforced_without_handler ();
    test_router_handler ();
    test_malformed_reply ();
    return 0;
}

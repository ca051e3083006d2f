/* NULL with ZMQ_ZAP_DOMAIN: the server asks the ZAP handler (mechanism "NULL", no
 * credentials). A denying handler stops the connection with HANDSHAKE_FAILED_AUTH on both
 * sides; an allowing one lets messages through with its User-Id; without a domain the
 * handler is not asked; with a domain but no handler the connection is accepted. */
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

int main (void)
{
    test_denied ();
    test_allowed ();
    test_no_domain ();
    test_no_handler ();
    return 0;
}

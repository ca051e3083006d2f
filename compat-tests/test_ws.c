/* ws:// (ZWS 2.0 over WebSocket), as Debian's libzmq 4.3.4 has it: zmq_has("WS"), the
 * endpoint syntax and its errors, LAST_ENDPOINT with the path, messages of every size
 * (7-, 16- and 64-bit WebSocket lengths) with multipart, unbind, the exact opening
 * handshake bytes seen from a raw TCP client, and peers that get the handshake wrong being
 * dropped (HANDSHAKE_FAILED_PROTOCOL, ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED) while the socket
 * goes on serving others. (libzmq 4.3.4 accepts only
 * "Connection: Upgrade" exactly and lets a client's unmasked frame pass; ours follows RFC
 * 6455 there, see src/transport/ws.rs, so neither is tested here.) */
#include "testutil.h"

#include <poll.h>

static void test_capability (void)
{
    TEST_ASSERT_EQ (1, zmq_has ("WS"));
}

static void bind_ok (void *ctx, const char *ep, const char *prefix, const char *path)
{
    void *s = test_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_bind (s, ep));
    char got[256];
    size_t len = sizeof got;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, got, &len));
    TEST_ASSERT (strncmp (got, prefix, strlen (prefix)) == 0);
    /* The port is a number, then the path. */
    const char *p = got + strlen (prefix);
    TEST_ASSERT (*p >= '1' && *p <= '9');
    while (*p >= '0' && *p <= '9')
        p++;
    TEST_ASSERT_STR (path, p);
    TEST_ASSERT_SUCCESS (zmq_close (s));
}

static void test_endpoints (void *ctx)
{
    bind_ok (ctx, "ws://127.0.0.1:*", "ws://127.0.0.1:", "/");
    bind_ok (ctx, "ws://127.0.0.1:*/", "ws://127.0.0.1:", "/");
    bind_ok (ctx, "ws://127.0.0.1:*/zmq", "ws://127.0.0.1:", "/zmq");
    bind_ok (ctx, "ws://127.0.0.1:0", "ws://127.0.0.1:", "/");
    bind_ok (ctx, "ws://*:*", "ws://0.0.0.0:", "/");
    bind_ok (ctx, "ws://lo:*", "ws://127.0.0.1:", "/");

    void *s = test_socket (ctx, ZMQ_PAIR);
    /* The path starts at the last '/', so what is before it must be host:port. */
    TEST_ASSERT_FAILURE (zmq_bind (s, "ws://127.0.0.1:*/a/b"), EINVAL);
    TEST_ASSERT_FAILURE (zmq_bind (s, "ws://127.0.0.1"), EINVAL);
    TEST_ASSERT_FAILURE (zmq_bind (s, "ws://localhost:*"), ENODEV);
    TEST_ASSERT_FAILURE (zmq_connect (s, "ws://127.0.0.1"), EINVAL);
    TEST_ASSERT_FAILURE (zmq_connect (s, "ws://:5555"), EINVAL);
    TEST_ASSERT_FAILURE (zmq_connect (s, "ws://127.0.0.1:*"), EINVAL);
    TEST_ASSERT_FAILURE (zmq_connect (s, "ws://127.0.0.1:5555;127.0.0.1:5556"), EINVAL);
    TEST_ASSERT_FAILURE (zmq_bind (s, "wss://127.0.0.1:*"), EPROTONOSUPPORT);
    TEST_ASSERT_SUCCESS (zmq_connect (s, "ws://localhost:5555/x"));
    TEST_ASSERT_SUCCESS (zmq_close (s));
}

static void *bind_ws (void *ctx, int type, char *endpoint, size_t size)
{
    void *s = test_socket (ctx, type);
    TEST_ASSERT_SUCCESS (zmq_bind (s, "ws://127.0.0.1:*/test"));
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, endpoint, &size));
    return s;
}

static void send_recv_big (void *from, void *to, size_t size)
{
    unsigned char *data = (unsigned char *) malloc (size);
    TEST_ASSERT (data != NULL);
    for (size_t i = 0; i < size; i++)
        data[i] = (unsigned char) (i * 31 + size);
    TEST_ASSERT_EQ ((int) size, zmq_send (from, data, size, 0));
    zmq_msg_t m;
    TEST_ASSERT_SUCCESS (zmq_msg_init (&m));
    TEST_ASSERT_EQ ((int) size, zmq_msg_recv (&m, to, 0));
    TEST_ASSERT (memcmp (zmq_msg_data (&m), data, size) == 0);
    TEST_ASSERT_EQ (0, zmq_msg_more (&m));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&m));
    free (data);
}

static void test_messages (void *ctx)
{
    char endpoint[256];
    void *server = bind_ws (ctx, ZMQ_PAIR, endpoint, sizeof endpoint);
    void *client = test_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_connect (client, endpoint));

    test_send_str (client, "first", ZMQ_SNDMORE);
    test_send_str (client, "", ZMQ_SNDMORE);
    test_send_str (client, "last", 0);
    test_recv_str (server, "first", 1);
    test_recv_str (server, "", 1);
    test_recv_str (server, "last", 0);
    /* Payload lengths (body + flags byte) around the 125 and 65535 boundaries. */
    const size_t sizes[] = {124, 125, 126, 65534, 65535, 65536, 300000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        send_recv_big (client, server, sizes[i]);
        send_recv_big (server, client, sizes[i]);
    }
    TEST_ASSERT_SUCCESS (zmq_close (client));

    /* After unbind, nothing connects any more. */
    TEST_ASSERT_SUCCESS (zmq_unbind (server, endpoint));
    client = test_socket (ctx, ZMQ_PAIR);
    test_set_int (client, ZMQ_IMMEDIATE, 1);
    TEST_ASSERT_SUCCESS (zmq_connect (client, endpoint));
    usleep (100 * 1000);
    TEST_ASSERT_FAILURE (zmq_send (client, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    TEST_ASSERT_SUCCESS (zmq_close (client));
    TEST_ASSERT_SUCCESS (zmq_close (server));
}

static void test_pubsub (void *ctx)
{
    char endpoint[256];
    void *pub = bind_ws (ctx, ZMQ_PUB, endpoint, sizeof endpoint);
    void *sub = test_socket (ctx, ZMQ_SUB);
    test_set_str (sub, ZMQ_SUBSCRIBE, "A");
    TEST_ASSERT_SUCCESS (zmq_connect (sub, endpoint));
    /* Until the subscription has arrived, publish probes. */
    char buf[16];
    int n = -1;
    for (int i = 0; i < 200 && n < 0; i++) {
        test_send_str (pub, "Aprobe", 0);
        n = zmq_recv (sub, buf, sizeof buf, ZMQ_DONTWAIT);
        if (n < 0)
            usleep (10 * 1000);
    }
    TEST_ASSERT (n >= 0);
    usleep (50 * 1000);
    while (zmq_recv (sub, buf, sizeof buf, ZMQ_DONTWAIT) >= 0) {
    }
    test_send_str (pub, "B-no", 0);
    test_send_str (pub, "A-yes", 0);
    test_recv_str (sub, "A-yes", 0);
    TEST_ASSERT_SUCCESS (zmq_close (sub));
    TEST_ASSERT_SUCCESS (zmq_close (pub));
}

/* A plain TCP connection to the port of a ws:// endpoint. */
static int raw_connect (const char *endpoint)
{
    const char *colon = strrchr (endpoint, ':');
    TEST_ASSERT (colon != NULL);
    return test_tcp_connect (atoi (colon + 1));
}

static void raw_send (int fd, const void *data, size_t size)
{
    TEST_ASSERT_EQ ((ssize_t) size, send (fd, data, size, 0));
}

/* Reads exactly `size` bytes (2 s at most). */
static void raw_read (int fd, unsigned char *buf, size_t size)
{
    size_t got = 0;
    while (got < size) {
        struct pollfd p = {fd, POLLIN, 0};
        TEST_ASSERT_EQ (1, poll (&p, 1, 2000));
        ssize_t n = recv (fd, buf + got, size - got, 0);
        TEST_ASSERT (n > 0);
        got += (size_t) n;
    }
}

/* The peer closes the connection (within 2 s), whatever it sent before. */
static void raw_expect_closed (int fd)
{
    unsigned char buf[512];
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        TEST_ASSERT_EQ (1, poll (&p, 1, 2000));
        ssize_t n = recv (fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
    }
    close (fd);
}

static const char request[] = "GET /test HTTP/1.1\r\n"
                              "Host: 127.0.0.1\r\n"
                              "Upgrade: websocket\r\n"
                              "Connection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Protocol: chat, ZWS2.0/NULL\r\n"
                              "Sec-WebSocket-Version: 13\r\n\r\n";

static const char response[] = "HTTP/1.1 101 Switching Protocols\r\n"
                               "Upgrade: websocket\r\n"
                               "Connection: Upgrade\r\n"
                               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                               "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n";

static void test_raw_peers (void *ctx)
{
    char endpoint[256];
    void *server = bind_ws (ctx, ZMQ_PAIR, endpoint, sizeof endpoint);

    /* The exact answer to a good request, then the server's READY as an unmasked binary
     * message: flags 0x02 (command), then the command body. */
    int fd = raw_connect (endpoint);
    raw_send (fd, request, sizeof request - 1);
    unsigned char buf[256];
    raw_read (fd, buf, sizeof response - 1);
    TEST_ASSERT (memcmp (buf, response, sizeof response - 1) == 0);
    raw_read (fd, buf, 2);
    TEST_ASSERT_EQ (0x82, buf[0]);
    size_t len = buf[1];
    TEST_ASSERT (len > 7 && len <= 125);
    raw_read (fd, buf, len);
    TEST_ASSERT (memcmp (buf, "\x02\x05READY", 7) == 0);
    close (fd);
    TEST_ASSERT_SUCCESS (zmq_close (server));

    /* Peers refused during the opening handshake: each is reported as
     * HANDSHAKE_FAILED_PROTOCOL with ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED. */
    server = test_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_socket_monitor (
      server, "inproc://ws-monitor",
      ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
        | ZMQ_EVENT_HANDSHAKE_SUCCEEDED));
    void *mon = test_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_connect (mon, "inproc://ws-monitor"));
    TEST_ASSERT_SUCCESS (zmq_bind (server, "ws://127.0.0.1:*/test"));
    size_t size = sizeof endpoint;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, endpoint, &size));

    /* No Upgrade header: closed without a 101. */
    fd = raw_connect (endpoint);
    static const char no_upgrade[] = "GET /test HTTP/1.1\r\n"
                                     "Connection: Upgrade\r\n"
                                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                     "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n";
    raw_send (fd, no_upgrade, sizeof no_upgrade - 1);
    raw_expect_closed (fd);

    /* Not HTTP at all: a ZMTP greeting is refused at its first byte. */
    fd = raw_connect (endpoint);
    raw_send (fd, "\xff\0\0\0\0\0\0\0\x01\x7f", 10);
    raw_expect_closed (fd);

    for (int i = 0; i < 2; i++) {
        zmq_msg_t event;
        TEST_ASSERT_SUCCESS (zmq_msg_init (&event));
        TEST_ASSERT_EQ (6, zmq_msg_recv (&event, mon, 0));
        const unsigned char *e = (const unsigned char *) zmq_msg_data (&event);
        uint16_t number;
        uint32_t value;
        memcpy (&number, e, 2);
        memcpy (&value, e + 2, 4);
        TEST_ASSERT_EQ (ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, number);
        TEST_ASSERT_EQ (ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED, (int) value);
        TEST_ASSERT (zmq_msg_recv (&event, mon, 0) > 0);
        TEST_ASSERT_SUCCESS (zmq_msg_close (&event));
    }

    /* The socket still serves a real peer. */
    void *client = test_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_connect (client, endpoint));
    test_send_str (client, "still here", 0);
    test_recv_str (server, "still here", 0);
    TEST_ASSERT_SUCCESS (zmq_close (client));
    TEST_ASSERT_SUCCESS (zmq_close (server));
    TEST_ASSERT_SUCCESS (zmq_close (mon));
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    test_capability ();
    test_endpoints (ctx);
    test_messages (ctx);
    test_pubsub (ctx);
    test_raw_peers (ctx);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

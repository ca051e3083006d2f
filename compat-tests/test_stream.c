/* ZMQ_STREAM: raw TCP and IPC peers without ZMTP. Plain BSD sockets on the other side:
 * the connect and disconnect notifications ([id, ""]), the 5-byte generated routing ids,
 * data both ways, closing a connection with [id, ""], ZMQ_STREAM_NOTIFY=0, a STREAM
 * connecting to a plain listener (with ZMQ_CONNECT_ROUTING_ID, and reconnecting), STREAM
 * to STREAM, the send rules (unknown id, id frame without SNDMORE, body with SNDMORE),
 * Peer-Address, the monitor events, and ROUTER with ZMQ_ROUTER_RAW. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

static void *ctx;

/* The port of a socket bound to tcp://127.0.0.1:*. */
static int bound_port (void *s)
{
    char ep[256];
    size_t len = sizeof ep;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len));
    return atoi (strrchr (ep, ':') + 1);
}

/* A plain listener on 127.0.0.1 with an ephemeral port. */
static int tcp_listener (int *port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    TEST_ASSERT (fd >= 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    TEST_ASSERT_SUCCESS (bind (fd, (struct sockaddr *) &a, sizeof a));
    TEST_ASSERT_SUCCESS (listen (fd, 4));
    socklen_t len = sizeof a;
    TEST_ASSERT_SUCCESS (getsockname (fd, (struct sockaddr *) &a, &len));
    *port = ntohs (a.sin_port);
    return fd;
}

/* Waits (2 s at most) until fd is readable. */
static void wait_readable (int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    TEST_ASSERT_EQ (1, poll (&p, 1, 2000));
}

/* Reads exactly `expected` from a plain socket. */
static void read_str (int fd, const char *expected)
{
    char buf[256];
    size_t want = strlen (expected), got = 0;
    while (got < want) {
        wait_readable (fd);
        ssize_t n = read (fd, buf + got, want - got);
        TEST_ASSERT (n > 0);
        got += (size_t) n;
    }
    TEST_ASSERT (memcmp (buf, expected, want) == 0);
}

static void write_str (int fd, const char *data)
{
    TEST_ASSERT_EQ ((long) strlen (data), (long) write (fd, data, strlen (data)));
}

/* Waits for the end of the stream on a plain socket, with `s` kept busy meanwhile (libzmq
 * only finishes closing a connection when its socket processes commands). */
static void expect_eof (int fd, void *s)
{
    for (int i = 0; i < 200; i++) {
        test_events (s);
        struct pollfd p = {fd, POLLIN, 0};
        if (poll (&p, 1, 10) == 1) {
            char c;
            TEST_ASSERT_EQ (0, (int) read (fd, &c, 1));
            return;
        }
    }
    TEST_FAIL ("no end of stream");
}

/* Receives a routing-id frame (RCVMORE set) into id; returns its size. */
static size_t recv_id (void *s, unsigned char *id)
{
    int n = TEST_ASSERT_SUCCESS (zmq_recv (s, id, 256, 0));
    TEST_ASSERT (n > 0 && n <= 256);
    int more;
    size_t len = sizeof more;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_RCVMORE, &more, &len));
    TEST_ASSERT_EQ (1, more);
    return (size_t) n;
}

/* Receives [id, body] where id must equal the given one. */
static void recv_from (void *s, const unsigned char *id, size_t id_size, const char *body)
{
    test_recv_bytes (s, id, id_size, 1);
    test_recv_str (s, body, 0);
}

static void send_to (void *s, const unsigned char *id, size_t id_size, const char *body)
{
    test_send_bytes (s, id, id_size, ZMQ_SNDMORE);
    test_send_str (s, body, 0);
}

static uint32_t id_counter (const unsigned char *id)
{
    return (uint32_t) id[1] << 24 | (uint32_t) id[2] << 16 | (uint32_t) id[3] << 8 | id[4];
}

static void test_server_with_raw_clients (void)
{
    void *server = test_socket (ctx, ZMQ_STREAM);
    int type;
    size_t len = sizeof type;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (server, ZMQ_TYPE, &type, &len));
    TEST_ASSERT_EQ (ZMQ_STREAM, type);
    TEST_ASSERT_SUCCESS (zmq_bind (server, "tcp://127.0.0.1:*"));
    int port = bound_port (server);
    /* Always writable: a message for nobody is dropped (or refused), never queued. */
    TEST_ASSERT_EQ (ZMQ_POLLOUT, test_events (server));

    int c1 = test_tcp_connect (port);
    /* The connect notification: a generated 5-byte id, 00 then a counter, and an empty
     * frame; both carry Peer-Address. */
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    TEST_ASSERT_EQ (5, zmq_msg_recv (&msg, server, 0));
    TEST_ASSERT (zmq_msg_more (&msg));
    unsigned char id1[5];
    memcpy (id1, zmq_msg_data (&msg), 5);
    TEST_ASSERT_EQ (0, id1[0]);
    TEST_ASSERT_STR ("127.0.0.1", zmq_msg_gets (&msg, "Peer-Address"));
    TEST_ASSERT_EQ (0, zmq_msg_recv (&msg, server, 0));
    TEST_ASSERT (!zmq_msg_more (&msg));
    TEST_ASSERT_STR ("127.0.0.1", zmq_msg_gets (&msg, "Peer-Address"));
    zmq_msg_close (&msg);

    /* The next peer gets the next number. */
    int c2 = test_tcp_connect (port);
    unsigned char id2[256];
    TEST_ASSERT_EQ (5, (int) recv_id (server, id2));
    test_recv_str (server, "", 0);
    TEST_ASSERT_EQ (0, id2[0]);
    TEST_ASSERT_EQ (id_counter (id1) + 1, id_counter (id2));

    /* Data both ways, one message per chunk read. */
    write_str (c1, "hello");
    recv_from (server, id1, 5, "hello");
    send_to (server, id1, 5, "world");
    read_str (c1, "world");
    write_str (c2, "two");
    recv_from (server, id2, 5, "two");

    /* An unknown id fails at once, blocking or not; nothing is consumed. */
    TEST_ASSERT_FAILURE (zmq_send (server, "nobody", 6, ZMQ_SNDMORE), EHOSTUNREACH);
    TEST_ASSERT_FAILURE (zmq_send (server, "nobody", 6, ZMQ_SNDMORE | ZMQ_DONTWAIT),
                         EHOSTUNREACH);
    /* An id frame without SNDMORE is accepted and ignored, and the next frame is taken
     * as its body and dropped. */
    test_send_bytes (server, id1, 5, 0);
    test_send_str (server, "lost", 0);
    /* A body with SNDMORE ends the message all the same: the frame after it is an id
     * frame again (here one without SNDMORE, so "dropped" is swallowed too). */
    test_send_bytes (server, id1, 5, ZMQ_SNDMORE);
    test_send_str (server, "ab", ZMQ_SNDMORE);
    test_send_str (server, "cd", 0);
    test_send_str (server, "dropped", 0);
    send_to (server, id1, 5, "ef");
    read_str (c1, "abef");
    test_settle ();
    struct pollfd p = {c1, POLLIN, 0};
    TEST_ASSERT_EQ (0, poll (&p, 1, 0));

    /* [id, ""] closes that connection: the peer sees the end of the stream, and the
     * socket gets no disconnect notification for a connection it closed itself. */
    send_to (server, id1, 5, "bye");
    send_to (server, id1, 5, "");
    read_str (c1, "bye");
    expect_eof (c1, server);
    close (c1);
    test_settle ();
    test_nothing (server);
    TEST_ASSERT_FAILURE (zmq_send (server, id1, 5, ZMQ_SNDMORE), EHOSTUNREACH);

    /* The peer closing: [id, ""]. */
    close (c2);
    recv_from (server, id2, 5, "");
    /* The id is forgotten once the pipe has ended, which follows the notification. */
    test_settle ();
    test_nothing (server);
    TEST_ASSERT_FAILURE (zmq_send (server, id2, 5, ZMQ_SNDMORE), EHOSTUNREACH);

    TEST_ASSERT_SUCCESS (zmq_close (server));
}

static void test_no_notify (void)
{
    void *server = test_socket (ctx, ZMQ_STREAM);
    test_set_int (server, ZMQ_STREAM_NOTIFY, 0);
    TEST_ASSERT_SUCCESS (zmq_bind (server, "tcp://127.0.0.1:*"));
    int c = test_tcp_connect (bound_port (server));
    write_str (c, "first");
    unsigned char id[256];
    size_t id_size = recv_id (server, id);
    TEST_ASSERT_EQ (5, (int) id_size);
    test_recv_str (server, "first", 0);
    send_to (server, id, id_size, "reply");
    read_str (c, "reply");
    close (c);
    test_set_int (server, ZMQ_RCVTIMEO, 200);
    char buf[16];
    TEST_ASSERT_FAILURE (zmq_recv (server, buf, sizeof buf, 0), EAGAIN);
    TEST_ASSERT_SUCCESS (zmq_close (server));
}

static int accept_one (int listener)
{
    wait_readable (listener);
    int fd = accept (listener, NULL, NULL);
    TEST_ASSERT (fd >= 0);
    return fd;
}

static void test_client_to_plain_listener (void)
{
    int port;
    int listener = tcp_listener (&port);
    void *client = test_socket (ctx, ZMQ_STREAM);
    test_set_int (client, ZMQ_RECONNECT_IVL, 50);
    test_set_str (client, ZMQ_CONNECT_ROUTING_ID, "abc");
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    TEST_ASSERT_SUCCESS (zmq_connect (client, ep));
    int conn = accept_one (listener);
    const unsigned char abc[] = "abc";
    recv_from (client, abc, 3, "");
    send_to (client, abc, 3, "ping");
    read_str (conn, "ping");
    write_str (conn, "pong");
    recv_from (client, abc, 3, "pong");

    /* The listener drops the connection: [id, ""], then the socket reconnects under the
     * same id and announces the new connection the same way. */
    close (conn);
    recv_from (client, abc, 3, "");
    conn = accept_one (listener);
    recv_from (client, abc, 3, "");
    send_to (client, abc, 3, "again");
    read_str (conn, "again");

    /* The connect routing id served one connect: the next one gets a generated id. */
    int port2;
    int listener2 = tcp_listener (&port2);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port2);
    TEST_ASSERT_SUCCESS (zmq_connect (client, ep));
    int conn2 = accept_one (listener2);
    unsigned char id[256];
    TEST_ASSERT_EQ (5, (int) recv_id (client, id));
    TEST_ASSERT_EQ (0, id[0]);
    test_recv_str (client, "", 0);

    TEST_ASSERT_SUCCESS (zmq_close (client));
    close (conn);
    close (conn2);
    close (listener);
    close (listener2);
}

static void test_stream_to_stream (void)
{
    void *server = test_socket (ctx, ZMQ_STREAM);
    TEST_ASSERT_SUCCESS (zmq_bind (server, "tcp://127.0.0.1:*"));
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", bound_port (server));
    void *client = test_socket (ctx, ZMQ_STREAM);
    test_set_str (client, ZMQ_CONNECT_ROUTING_ID, "to-server");
    TEST_ASSERT_SUCCESS (zmq_connect (client, ep));
    const unsigned char to_server[] = "to-server";
    recv_from (client, to_server, 9, "");
    unsigned char id[256];
    size_t id_size = recv_id (server, id);
    TEST_ASSERT_EQ (5, (int) id_size);
    test_recv_str (server, "", 0);

    send_to (client, to_server, 9, "request");
    recv_from (server, id, id_size, "request");
    send_to (server, id, id_size, "response");
    recv_from (client, to_server, 9, "response");

    /* The server closes the connection: only the client hears of it. */
    send_to (server, id, id_size, "");
    for (int i = 0; i < 200 && !(test_events (client) & ZMQ_POLLIN); i++) {
        test_events (server); /* lets the server finish closing */
        usleep (10 * 1000);
    }
    recv_from (client, to_server, 9, "");
    test_nothing (server);

    TEST_ASSERT_SUCCESS (zmq_close (client));
    TEST_ASSERT_SUCCESS (zmq_close (server));
}

static void test_ipc (void)
{
    char path[64];
    snprintf (path, sizeof path, "/tmp/test_stream_%d.ipc", (int) getpid ());
    char ep[80];
    snprintf (ep, sizeof ep, "ipc://%s", path);
    void *server = test_socket (ctx, ZMQ_STREAM);
    TEST_ASSERT_SUCCESS (zmq_bind (server, ep));

    int c = socket (AF_UNIX, SOCK_STREAM, 0);
    TEST_ASSERT (c >= 0);
    struct sockaddr_un a;
    memset (&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strcpy (a.sun_path, path);
    TEST_ASSERT_SUCCESS (connect (c, (struct sockaddr *) &a, sizeof a));
    unsigned char id[256];
    size_t id_size = recv_id (server, id);
    TEST_ASSERT_EQ (5, (int) id_size);
    test_recv_str (server, "", 0);
    write_str (c, "over ipc");
    recv_from (server, id, id_size, "over ipc");
    send_to (server, id, id_size, "back");
    read_str (c, "back");
    close (c);
    recv_from (server, id, id_size, "");
    TEST_ASSERT_SUCCESS (zmq_close (server));
}

/* The next monitor event; returns its number, its value in *value. */
static int next_event (void *mon, uint32_t *value)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    TEST_ASSERT_EQ (6, zmq_msg_recv (&m, mon, 0));
    uint16_t event;
    memcpy (&event, zmq_msg_data (&m), 2);
    memcpy (value, (char *) zmq_msg_data (&m) + 2, 4);
    TEST_ASSERT_SUCCESS (zmq_msg_recv (&m, mon, 0)); /* the endpoint */
    zmq_msg_close (&m);
    return event;
}

/* A raw connection raises no HANDSHAKE_SUCCEEDED; its end raises HANDSHAKE_FAILED_NO_DETAIL
 * (EPIPE for the end of the stream) before DISCONNECTED, as libzmq's raw engine does. */
static void test_monitor_events (void)
{
    void *server = test_socket (ctx, ZMQ_STREAM);
    TEST_ASSERT_SUCCESS (zmq_socket_monitor (server, "inproc://stream-monitor",
                                             ZMQ_EVENT_ALL & ~ZMQ_EVENT_LISTENING));
    void *mon = test_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_connect (mon, "inproc://stream-monitor"));
    TEST_ASSERT_SUCCESS (zmq_bind (server, "tcp://127.0.0.1:*"));
    int c = test_tcp_connect (bound_port (server));
    unsigned char id[256];
    size_t id_size = recv_id (server, id);
    test_recv_str (server, "", 0);
    uint32_t value;
    TEST_ASSERT_EQ (ZMQ_EVENT_ACCEPTED, next_event (mon, &value));
    close (c);
    recv_from (server, id, id_size, "");
    TEST_ASSERT_EQ (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, next_event (mon, &value));
    TEST_ASSERT_EQ (EPIPE, (int) value);
    TEST_ASSERT_EQ (ZMQ_EVENT_DISCONNECTED, next_event (mon, &value));
    TEST_ASSERT_SUCCESS (zmq_socket_monitor (server, NULL, 0));
    TEST_ASSERT_SUCCESS (zmq_close (mon));
    TEST_ASSERT_SUCCESS (zmq_close (server));
}

/* ROUTER with ZMQ_ROUTER_RAW (deprecated) talks raw too: notifications and generated
 * ids as STREAM, an empty body closes, but unknown ids are dropped silently as ROUTER's. */
static void test_router_raw (void)
{
    void *router = test_socket (ctx, ZMQ_ROUTER);
    test_set_int (router, ZMQ_ROUTER_RAW, 1);
    /* STREAM's option stays STREAM's. */
    int zero = 0;
    TEST_ASSERT_FAILURE (zmq_setsockopt (router, ZMQ_STREAM_NOTIFY, &zero, sizeof zero),
                         EINVAL);
    TEST_ASSERT_SUCCESS (zmq_bind (router, "tcp://127.0.0.1:*"));
    int port = bound_port (router);
    int c1 = test_tcp_connect (port);
    unsigned char id1[256];
    TEST_ASSERT_EQ (5, (int) recv_id (router, id1));
    TEST_ASSERT_EQ (0, id1[0]);
    test_recv_str (router, "", 0);
    write_str (c1, "hello");
    recv_from (router, id1, 5, "hello");
    test_send_str (router, "nobody", ZMQ_SNDMORE);
    test_send_str (router, "dropped", 0);
    test_send_bytes (router, id1, 5, ZMQ_SNDMORE);
    test_send_str (router, "wor", ZMQ_SNDMORE); /* the body ends the message */
    test_send_str (router, "ignored", 0);       /* an id frame without SNDMORE */
    send_to (router, id1, 5, "ld");
    read_str (c1, "world");
    send_to (router, id1, 5, "");
    expect_eof (c1, router);
    close (c1);

    int c2 = test_tcp_connect (port);
    unsigned char id2[256];
    TEST_ASSERT_EQ (5, (int) recv_id (router, id2));
    test_recv_str (router, "", 0);
    TEST_ASSERT_EQ (id_counter (id1) + 1, id_counter (id2));
    close (c2);
    recv_from (router, id2, 5, "");
    TEST_ASSERT_SUCCESS (zmq_close (router));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    test_server_with_raw_clients ();
    test_no_notify ();
    test_client_to_plain_listener ();
    test_stream_to_stream ();
    test_ipc ();
    test_monitor_events ();
    test_router_raw ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

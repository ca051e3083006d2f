/* The classic "HTTP server on a STREAM socket": a plain TCP client sends a GET, the server
 * reads until the end of the headers, answers and closes the connection with [id, ""]; the
 * client reads the whole response up to the end of the stream. Twice, with the request
 * split over several writes the second time. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

static const char response[] = "HTTP/1.0 200 OK\r\n"
                               "Content-Type: text/plain\r\n"
                               "\r\n"
                               "Hello, World!";

static int connect_to (void *server)
{
    char ep[256];
    size_t len = sizeof ep;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, ep, &len));
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    TEST_ASSERT (fd >= 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons ((unsigned short) atoi (strrchr (ep, ':') + 1));
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    TEST_ASSERT_SUCCESS (connect (fd, (struct sockaddr *) &a, sizeof a));
    return fd;
}

static void write_all (int fd, const char *data)
{
    TEST_ASSERT_EQ ((long) strlen (data), (long) write (fd, data, strlen (data)));
}

/* The server side of one request: returns once the response is sent and the connection
 * closed. */
static void serve_one (void *server)
{
    /* The connect notification. */
    unsigned char id[256];
    int id_size = TEST_ASSERT_SUCCESS (zmq_recv (server, id, sizeof id, 0));
    TEST_ASSERT_EQ (5, id_size);
    char buf[1024];
    TEST_ASSERT_EQ (0, zmq_recv (server, buf, sizeof buf, 0));

    /* The request, in as many chunks as TCP delivers. */
    char request[1024] = "";
    size_t got = 0;
    while (strstr (request, "\r\n\r\n") == NULL) {
        unsigned char from[256];
        TEST_ASSERT_EQ (id_size, zmq_recv (server, from, sizeof from, 0));
        TEST_ASSERT (memcmp (from, id, (size_t) id_size) == 0);
        int n = TEST_ASSERT_SUCCESS (zmq_recv (server, buf, sizeof buf, 0));
        TEST_ASSERT (n > 0 && got + (size_t) n < sizeof request);
        memcpy (request + got, buf, (size_t) n);
        got += (size_t) n;
        request[got] = 0;
    }
    TEST_ASSERT (strncmp (request, "GET / HTTP/1.0\r\n", 16) == 0);

    TEST_ASSERT_EQ (id_size, zmq_send (server, id, (size_t) id_size, ZMQ_SNDMORE));
    TEST_ASSERT_EQ ((int) strlen (response),
                    zmq_send (server, response, strlen (response), 0));
    TEST_ASSERT_EQ (id_size, zmq_send (server, id, (size_t) id_size, ZMQ_SNDMORE));
    TEST_ASSERT_EQ (0, zmq_send (server, NULL, 0, 0));
}

/* Reads the whole response until the end of the stream, keeping the server socket busy
 * (libzmq finishes closing a connection only while its socket processes commands). */
static void read_response (int fd, void *server)
{
    char buf[1024];
    size_t got = 0;
    for (int i = 0; i < 500; i++) {
        int ev;
        size_t len = sizeof ev;
        TEST_ASSERT_SUCCESS (zmq_getsockopt (server, ZMQ_EVENTS, &ev, &len));
        struct pollfd p = {fd, POLLIN, 0};
        if (poll (&p, 1, 10) != 1)
            continue;
        ssize_t n = read (fd, buf + got, sizeof buf - 1 - got);
        TEST_ASSERT (n >= 0);
        if (n == 0) {
            buf[got] = 0;
            TEST_ASSERT_STR (response, buf);
            return;
        }
        got += (size_t) n;
    }
    TEST_FAIL ("no end of the response");
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    void *server = test_socket (ctx, ZMQ_STREAM);
    TEST_ASSERT_SUCCESS (zmq_bind (server, "tcp://127.0.0.1:*"));

    int fd = connect_to (server);
    write_all (fd, "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n");
    serve_one (server);
    read_response (fd, server);
    close (fd);

    fd = connect_to (server);
    write_all (fd, "GET / HTTP/1.0\r\n");
    test_settle ();
    write_all (fd, "User-Agent: test\r\n");
    test_settle ();
    write_all (fd, "\r\n");
    serve_one (server);
    read_response (fd, server);
    close (fd);

    /* Nothing else arrives: the server closed both connections itself. */
    test_settle ();
    test_nothing (server);
    TEST_ASSERT_SUCCESS (zmq_close (server));
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

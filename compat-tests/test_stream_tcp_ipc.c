/* The tcp and ipc transports: bind with wildcards and ZMQ_LAST_ENDPOINT, connect before
 * bind, multipart and large messages, PUSH/PULL, PUB/SUB and REQ/REP over tcp, the
 * synchronous bind and connect errors, and unbind. */
#include "testutil.h"

static void *ctx;

static void *make_socket (int type)
{
    void *s = zmq_socket (ctx, type);
    TEST_ASSERT (s != NULL);
    int timeout = 5000;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_SNDTIMEO, &timeout, sizeof timeout));
    return s;
}

static void last_endpoint (void *s, char *buf, size_t size)
{
    size_t len = size;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len));
}

static void recv_str (void *s, const char *expected, int more)
{
    char buf[64];
    int n = TEST_ASSERT_SUCCESS (zmq_recv (s, buf, sizeof buf - 1, 0));
    TEST_ASSERT_EQ ((int) strlen (expected), n);
    buf[n] = 0;
    TEST_ASSERT_STR (expected, buf);
    int rcvmore;
    size_t len = sizeof rcvmore;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &len));
    TEST_ASSERT_EQ (more, rcvmore);
}

static void close_zero_linger (void *s)
{
    int linger = 0;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger));
    TEST_ASSERT_SUCCESS (zmq_close (s));
}

static void pair_exchange (const char *bind_to)
{
    void *a = make_socket (ZMQ_PAIR), *b = make_socket (ZMQ_PAIR);
    char ep[256];
    TEST_ASSERT_SUCCESS (zmq_bind (a, bind_to));
    last_endpoint (a, ep, sizeof ep);
    TEST_ASSERT (strcmp (ep, bind_to) != 0 || strchr (bind_to, '*') == NULL);
    TEST_ASSERT_SUCCESS (zmq_connect (b, ep));

    TEST_ASSERT_EQ (5, zmq_send (b, "hello", 5, ZMQ_SNDMORE));
    TEST_ASSERT_EQ (0, zmq_send (b, "", 0, ZMQ_SNDMORE));
    TEST_ASSERT_EQ (5, zmq_send (b, "world", 5, 0));
    recv_str (a, "hello", 1);
    recv_str (a, "", 1);
    recv_str (a, "world", 0);

    size_t big = 1 << 20;
    char *out = malloc (big), *in = malloc (big);
    TEST_ASSERT (out && in);
    for (size_t i = 0; i < big; i++)
        out[i] = (char) (i * 13);
    TEST_ASSERT_EQ ((int) big, zmq_send (a, out, big, 0));
    TEST_ASSERT_EQ ((int) big, zmq_recv (b, in, big, 0));
    TEST_ASSERT (memcmp (out, in, big) == 0);
    free (out);
    free (in);

    /* Unbind takes the resolved endpoint only. */
    if (strchr (bind_to, '*'))
        TEST_ASSERT_FAILURE (zmq_unbind (a, bind_to), ENOENT);
    TEST_ASSERT_SUCCESS (zmq_unbind (a, ep));
    TEST_ASSERT_FAILURE (zmq_unbind (a, ep), ENOENT);
    TEST_ASSERT_SUCCESS (zmq_disconnect (b, ep));
    close_zero_linger (a);
    close_zero_linger (b);
}

static void tcp_endpoint_form (void)
{
    void *a = make_socket (ZMQ_PAIR);
    char ep[256];
    TEST_ASSERT_SUCCESS (zmq_bind (a, "tcp://127.0.0.1:*"));
    last_endpoint (a, ep, sizeof ep);
    TEST_ASSERT (strncmp (ep, "tcp://127.0.0.1:", 16) == 0);
    TEST_ASSERT (atoi (ep + 16) > 0);
    void *b = make_socket (ZMQ_PAIR);
    TEST_ASSERT_FAILURE (zmq_bind (b, ep), EADDRINUSE);
    TEST_ASSERT_FAILURE (zmq_connect (b, "tcp://127.0.0.1"), EINVAL);
    TEST_ASSERT_FAILURE (zmq_bind (b, "tcp://no-such-interface-zmq-rs:*"), ENODEV);
    TEST_ASSERT_FAILURE (zmq_bind (b, "ipc:///no-such-dir-zmq-rs/x.sock"), ENOENT);
    close_zero_linger (a);
    close_zero_linger (b);
}

static void connect_before_bind (void)
{
    /* A port that was free a moment ago. */
    void *probe = make_socket (ZMQ_PAIR);
    char ep[256];
    TEST_ASSERT_SUCCESS (zmq_bind (probe, "tcp://127.0.0.1:*"));
    last_endpoint (probe, ep, sizeof ep);
    TEST_ASSERT_SUCCESS (zmq_unbind (probe, ep));
    close_zero_linger (probe);
    usleep (50000);

    void *push = make_socket (ZMQ_PUSH);
    TEST_ASSERT_SUCCESS (zmq_connect (push, ep));
    TEST_ASSERT_EQ (5, zmq_send (push, "early", 5, 0));
    void *pull = make_socket (ZMQ_PULL);
    TEST_ASSERT_SUCCESS (zmq_bind (pull, ep));
    recv_str (pull, "early", 0);
    close_zero_linger (push);
    close_zero_linger (pull);
}

static void pub_sub (void)
{
    void *pub = make_socket (ZMQ_PUB), *sub = make_socket (ZMQ_SUB);
    char ep[256];
    TEST_ASSERT_SUCCESS (zmq_bind (pub, "tcp://127.0.0.1:*"));
    last_endpoint (pub, ep, sizeof ep);
    TEST_ASSERT_SUCCESS (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "A", 1));
    TEST_ASSERT_SUCCESS (zmq_connect (sub, ep));
    int timeout = 20;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (sub, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    char buf[16];
    int n = -1;
    for (int i = 0; i < 250 && n < 0; i++) {
        TEST_ASSERT_EQ (1, zmq_send (pub, "B", 1, 0));
        TEST_ASSERT_EQ (1, zmq_send (pub, "A", 1, 0));
        n = zmq_recv (sub, buf, sizeof buf, 0);
    }
    TEST_ASSERT_EQ (1, n);
    TEST_ASSERT_EQ ('A', buf[0]);
    close_zero_linger (pub);
    close_zero_linger (sub);
}

static void req_rep (void)
{
    void *rep = make_socket (ZMQ_REP), *req = make_socket (ZMQ_REQ);
    char ep[256];
    TEST_ASSERT_SUCCESS (zmq_bind (rep, "tcp://127.0.0.1:*"));
    last_endpoint (rep, ep, sizeof ep);
    TEST_ASSERT_SUCCESS (zmq_connect (req, ep));
    for (int i = 0; i < 3; i++) {
        TEST_ASSERT_EQ (4, zmq_send (req, "ping", 4, 0));
        recv_str (rep, "ping", 0);
        TEST_ASSERT_EQ (4, zmq_send (rep, "pong", 4, 0));
        recv_str (req, "pong", 0);
    }
    close_zero_linger (rep);
    close_zero_linger (req);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    pair_exchange ("tcp://127.0.0.1:*");
    pair_exchange ("ipc://*");
    char path[128];
    snprintf (path, sizeof path, "ipc:///tmp/zmq-rs-compat-stream-%d.sock", (int) getpid ());
    pair_exchange (path);
    tcp_endpoint_form ();
    connect_before_bind ();
    pub_sub ();
    req_rep ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

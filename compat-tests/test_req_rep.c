/* REQ/REP over inproc: lock step and EFSM, envelopes seen through ROUTER and DEALER,
 * malformed requests and replies skipped, replies only from the request's peer,
 * REQ_CORRELATE and REQ_RELAXED. */
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

/* Receives one part into buf (NUL-terminated); returns its size and checks RCVMORE. */
static int recv_part (void *s, char *buf, size_t size, int more)
{
    int n = TEST_ASSERT_SUCCESS (zmq_recv (s, buf, size - 1, 0));
    TEST_ASSERT (n < (int) size);
    buf[n] = 0;
    int rcvmore;
    size_t len = sizeof rcvmore;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &len));
    TEST_ASSERT_EQ (more, rcvmore);
    return n;
}

static void lock_step (void)
{
    void *rep = make (ZMQ_REP), *req = make (ZMQ_REQ);
    TEST_ASSERT_SUCCESS (zmq_bind (rep, "inproc://reqrep"));
    TEST_ASSERT_SUCCESS (zmq_connect (req, "inproc://reqrep"));
    char buf[16];
    TEST_ASSERT_FAILURE (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    TEST_ASSERT_FAILURE (zmq_recv (req, buf, sizeof buf, 0), EFSM);
    TEST_ASSERT_FAILURE (zmq_send (rep, "x", 1, ZMQ_DONTWAIT), EFSM);
    TEST_ASSERT_FAILURE (zmq_send (rep, "x", 1, 0), EFSM);
    TEST_ASSERT_EQ (ZMQ_POLLOUT, events (req));
    send_str (req, "hi", ZMQ_SNDMORE);
    /* Half a request: still sending. */
    TEST_ASSERT_FAILURE (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    send_str (req, "there", 0);
    TEST_ASSERT_FAILURE (zmq_send (req, "again", 5, 0), EFSM);
    TEST_ASSERT_FAILURE (zmq_send (req, "again", 5, ZMQ_DONTWAIT), EFSM);
    TEST_ASSERT_EQ (0, events (req));
    recv_str (rep, "hi", 1);
    TEST_ASSERT_FAILURE (zmq_send (rep, "x", 1, 0), EFSM);
    recv_str (rep, "there", 0);
    TEST_ASSERT_FAILURE (zmq_recv (rep, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    TEST_ASSERT_EQ (ZMQ_POLLOUT, events (rep));
    send_str (rep, "reply", 0);
    TEST_ASSERT_EQ (ZMQ_POLLIN, events (req) & ZMQ_POLLIN);
    recv_str (req, "reply", 0);
    TEST_ASSERT_FAILURE (zmq_recv (req, buf, sizeof buf, 0), EFSM);
    TEST_ASSERT_FAILURE (zmq_send (rep, "x", 1, 0), EFSM);
    send_str (req, "second", 0);
    recv_str (rep, "second", 0);
    send_str (rep, "done", 0);
    recv_str (req, "done", 0);
    zmq_close (req);
    zmq_close (rep);
}

static void req_through_router (void)
{
    void *router = make (ZMQ_ROUTER), *req = make (ZMQ_REQ);
    TEST_ASSERT_SUCCESS (zmq_bind (router, "inproc://req-router"));
    set_str (req, ZMQ_ROUTING_ID, "R");
    TEST_ASSERT_SUCCESS (zmq_connect (req, "inproc://req-router"));
    send_str (req, "hi", 0);
    recv_str (router, "R", 1);
    recv_str (router, "", 1);
    recv_str (router, "hi", 0);
    /* No delimiter, a non-empty delimiter, a delimiter without body: all skipped. */
    send_str (router, "R", ZMQ_SNDMORE);
    send_str (router, "bad", 0);
    send_str (router, "R", ZMQ_SNDMORE);
    send_str (router, "x", ZMQ_SNDMORE);
    send_str (router, "bad", 0);
    send_str (router, "R", ZMQ_SNDMORE);
    send_str (router, "", 0);
    send_str (router, "R", ZMQ_SNDMORE);
    send_str (router, "", ZMQ_SNDMORE);
    send_str (router, "good", ZMQ_SNDMORE);
    send_str (router, "parts", 0);
    recv_str (req, "good", 1);
    recv_str (req, "parts", 0);
    zmq_close (req);
    zmq_close (router);
}

static void rep_through_dealer (void)
{
    void *rep = make (ZMQ_REP), *dealer = make (ZMQ_DEALER);
    TEST_ASSERT_SUCCESS (zmq_bind (rep, "inproc://rep-dealer"));
    TEST_ASSERT_SUCCESS (zmq_connect (dealer, "inproc://rep-dealer"));
    /* Malformed (no empty frame): dropped whole. */
    send_str (dealer, "label", ZMQ_SNDMORE);
    send_str (dealer, "body", 0);
    send_str (dealer, "l1", ZMQ_SNDMORE);
    send_str (dealer, "l2", ZMQ_SNDMORE);
    send_str (dealer, "", ZMQ_SNDMORE);
    send_str (dealer, "body", ZMQ_SNDMORE);
    send_str (dealer, "more", 0);
    recv_str (rep, "body", 1);
    recv_str (rep, "more", 0);
    send_str (rep, "re", ZMQ_SNDMORE);
    send_str (rep, "ply", 0);
    recv_str (dealer, "l1", 1);
    recv_str (dealer, "l2", 1);
    recv_str (dealer, "", 1);
    recv_str (dealer, "re", 1);
    recv_str (dealer, "ply", 0);
    zmq_close (dealer);
    zmq_close (rep);
}

static void rep_serves_each_requester (void)
{
    void *rep = make (ZMQ_REP);
    TEST_ASSERT_SUCCESS (zmq_bind (rep, "inproc://reps"));
    void *req[3];
    const char *names[3] = {"r0", "r1", "r2"};
    for (int i = 0; i < 3; i++) {
        req[i] = make (ZMQ_REQ);
        TEST_ASSERT_SUCCESS (zmq_connect (req[i], "inproc://reps"));
        send_str (req[i], names[i], 0);
    }
    for (int i = 0; i < 3; i++) {
        char buf[16];
        recv_part (rep, buf, sizeof buf, 0);
        buf[0] = 'A';
        send_str (rep, buf, 0);
    }
    const char *answers[3] = {"A0", "A1", "A2"};
    for (int i = 0; i < 3; i++) {
        recv_str (req[i], answers[i], 0);
        zmq_close (req[i]);
    }
    zmq_close (rep);
}

static void replies_only_from_request_peer (void)
{
    void *req = make (ZMQ_REQ);
    TEST_ASSERT_SUCCESS (zmq_bind (req, "inproc://two-routers"));
    void *r1 = make (ZMQ_ROUTER), *r2 = make (ZMQ_ROUTER);
    TEST_ASSERT_SUCCESS (zmq_connect (r1, "inproc://two-routers"));
    TEST_ASSERT_SUCCESS (zmq_connect (r2, "inproc://two-routers"));
    send_str (req, "q1", 0);
    char id[16];
    int id_len = recv_part (r1, id, sizeof id, 1);
    recv_str (r1, "", 1);
    recv_str (r1, "q1", 0);
    /* r2 answers a request it never got: ignored. */
    TEST_ASSERT_EQ (id_len, zmq_send (r2, id, id_len, ZMQ_SNDMORE));
    send_str (r2, "", ZMQ_SNDMORE);
    send_str (r2, "stray", 0);
    TEST_ASSERT_EQ (id_len, zmq_send (r1, id, id_len, ZMQ_SNDMORE));
    send_str (r1, "", ZMQ_SNDMORE);
    send_str (r1, "a1", 0);
    recv_str (req, "a1", 0);
    /* The next request goes to r2. */
    send_str (req, "q2", 0);
    id_len = recv_part (r2, id, sizeof id, 1);
    recv_str (r2, "", 1);
    recv_str (r2, "q2", 0);
    TEST_ASSERT_EQ (id_len, zmq_send (r2, id, id_len, ZMQ_SNDMORE));
    send_str (r2, "", ZMQ_SNDMORE);
    send_str (r2, "a2", 0);
    recv_str (req, "a2", 0);
    zmq_close (r1);
    zmq_close (r2);
    zmq_close (req);
}

static void correlate_relaxed (void)
{
    void *router = make (ZMQ_ROUTER), *req = make (ZMQ_REQ);
    TEST_ASSERT_SUCCESS (zmq_bind (router, "inproc://correlate"));
    set_int (req, ZMQ_REQ_CORRELATE, 1);
    set_int (req, ZMQ_REQ_RELAXED, 1);
    set_str (req, ZMQ_ROUTING_ID, "R");
    TEST_ASSERT_SUCCESS (zmq_connect (req, "inproc://correlate"));
    send_str (req, "one", 0);
    uint32_t id1, id2;
    recv_str (router, "R", 1);
    TEST_ASSERT_EQ (4, zmq_recv (router, &id1, sizeof id1, 0));
    recv_str (router, "", 1);
    recv_str (router, "one", 0);
    /* Relaxed: a new request before the reply; its id is one more, host byte order. */
    send_str (req, "two", 0);
    recv_str (router, "R", 1);
    TEST_ASSERT_EQ (4, zmq_recv (router, &id2, sizeof id2, 0));
    recv_str (router, "", 1);
    recv_str (router, "two", 0);
    TEST_ASSERT_EQ (id1 + 1, id2);
    /* The reply to the first request is stale, so is one without an id. */
    send_str (router, "R", ZMQ_SNDMORE);
    TEST_ASSERT_EQ (4, zmq_send (router, &id1, sizeof id1, ZMQ_SNDMORE));
    send_str (router, "", ZMQ_SNDMORE);
    send_str (router, "old", 0);
    send_str (router, "R", ZMQ_SNDMORE);
    send_str (router, "", ZMQ_SNDMORE);
    send_str (router, "no id", 0);
    send_str (router, "R", ZMQ_SNDMORE);
    TEST_ASSERT_EQ (4, zmq_send (router, &id2, sizeof id2, ZMQ_SNDMORE));
    send_str (router, "", ZMQ_SNDMORE);
    send_str (router, "new", 0);
    recv_str (req, "new", 0);
    zmq_close (req);
    zmq_close (router);
}

static void strict_correlate_and_stale_replies (void)
{
    /* Without RELAXED, correlation still checks ids; replies queued before a new request
     * are dropped when it is sent. */
    void *router = make (ZMQ_ROUTER), *req = make (ZMQ_REQ);
    TEST_ASSERT_SUCCESS (zmq_bind (router, "inproc://strict"));
    set_str (req, ZMQ_ROUTING_ID, "R");
    TEST_ASSERT_SUCCESS (zmq_connect (req, "inproc://strict"));
    send_str (req, "q", 0);
    recv_str (router, "R", 1);
    recv_str (router, "", 1);
    recv_str (router, "q", 0);
    send_str (router, "R", ZMQ_SNDMORE);
    send_str (router, "", ZMQ_SNDMORE);
    send_str (router, "a", 0);
    send_str (router, "R", ZMQ_SNDMORE);
    send_str (router, "", ZMQ_SNDMORE);
    send_str (router, "extra", 0);
    recv_str (req, "a", 0);
    /* "extra" is still queued; the next request throws it away. */
    send_str (req, "q2", 0);
    recv_str (router, "R", 1);
    recv_str (router, "", 1);
    recv_str (router, "q2", 0);
    send_str (router, "R", ZMQ_SNDMORE);
    send_str (router, "", ZMQ_SNDMORE);
    send_str (router, "a2", 0);
    recv_str (req, "a2", 0);
    zmq_close (req);
    zmq_close (router);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    lock_step ();
    req_through_router ();
    rep_through_dealer ();
    rep_serves_each_requester ();
    replies_only_from_request_peer ();
    correlate_relaxed ();
    strict_correlate_and_stale_replies ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

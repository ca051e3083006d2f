/* REQ/REP over inproc: lock step and EFSM, envelopes seen through ROUTER and DEALER,
 * malformed requests and replies skipped, replies only from the request's peer,
 * REQ_CORRELATE and REQ_RELAXED. */
#include "testutil.h"

static void *ctx;

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
    void *rep = test_socket (ctx, ZMQ_REP), *req = test_socket (ctx, ZMQ_REQ);
    TEST_ASSERT_SUCCESS (zmq_bind (rep, "inproc://reqrep"));
    TEST_ASSERT_SUCCESS (zmq_connect (req, "inproc://reqrep"));
    char buf[16];
    TEST_ASSERT_FAILURE (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    TEST_ASSERT_FAILURE (zmq_recv (req, buf, sizeof buf, 0), EFSM);
    TEST_ASSERT_FAILURE (zmq_send (rep, "x", 1, ZMQ_DONTWAIT), EFSM);
    TEST_ASSERT_FAILURE (zmq_send (rep, "x", 1, 0), EFSM);
    TEST_ASSERT_EQ (ZMQ_POLLOUT, test_events (req));
    test_send_str (req, "hi", ZMQ_SNDMORE);
    /* Half a request: still sending. */
    TEST_ASSERT_FAILURE (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    test_send_str (req, "there", 0);
    TEST_ASSERT_FAILURE (zmq_send (req, "again", 5, 0), EFSM);
    TEST_ASSERT_FAILURE (zmq_send (req, "again", 5, ZMQ_DONTWAIT), EFSM);
    TEST_ASSERT_EQ (0, test_events (req));
    test_recv_str (rep, "hi", 1);
    TEST_ASSERT_FAILURE (zmq_send (rep, "x", 1, 0), EFSM);
    test_recv_str (rep, "there", 0);
    TEST_ASSERT_FAILURE (zmq_recv (rep, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    TEST_ASSERT_EQ (ZMQ_POLLOUT, test_events (rep));
    test_send_str (rep, "reply", 0);
    TEST_ASSERT_EQ (ZMQ_POLLIN, test_events (req) & ZMQ_POLLIN);
    test_recv_str (req, "reply", 0);
    TEST_ASSERT_FAILURE (zmq_recv (req, buf, sizeof buf, 0), EFSM);
    TEST_ASSERT_FAILURE (zmq_send (rep, "x", 1, 0), EFSM);
    test_send_str (req, "second", 0);
    test_recv_str (rep, "second", 0);
    test_send_str (rep, "done", 0);
    test_recv_str (req, "done", 0);
    zmq_close (req);
    zmq_close (rep);
}

static void req_through_router (void)
{
    void *router = test_socket (ctx, ZMQ_ROUTER), *req = test_socket (ctx, ZMQ_REQ);
    TEST_ASSERT_SUCCESS (zmq_bind (router, "inproc://req-router"));
    test_set_str (req, ZMQ_ROUTING_ID, "R");
    TEST_ASSERT_SUCCESS (zmq_connect (req, "inproc://req-router"));
    test_send_str (req, "hi", 0);
    test_recv_str (router, "R", 1);
    test_recv_str (router, "", 1);
    test_recv_str (router, "hi", 0);
    /* No delimiter, a non-empty delimiter, a delimiter without body: all skipped. */
    test_send_str (router, "R", ZMQ_SNDMORE);
    test_send_str (router, "bad", 0);
    test_send_str (router, "R", ZMQ_SNDMORE);
    test_send_str (router, "x", ZMQ_SNDMORE);
    test_send_str (router, "bad", 0);
    test_send_str (router, "R", ZMQ_SNDMORE);
    test_send_str (router, "", 0);
    test_send_str (router, "R", ZMQ_SNDMORE);
    test_send_str (router, "", ZMQ_SNDMORE);
    test_send_str (router, "good", ZMQ_SNDMORE);
    test_send_str (router, "parts", 0);
    test_recv_str (req, "good", 1);
    test_recv_str (req, "parts", 0);
    zmq_close (req);
    zmq_close (router);
}

static void rep_through_dealer (void)
{
    void *rep = test_socket (ctx, ZMQ_REP), *dealer = test_socket (ctx, ZMQ_DEALER);
    TEST_ASSERT_SUCCESS (zmq_bind (rep, "inproc://rep-dealer"));
    TEST_ASSERT_SUCCESS (zmq_connect (dealer, "inproc://rep-dealer"));
    /* Malformed (no empty frame): dropped whole. */
    test_send_str (dealer, "label", ZMQ_SNDMORE);
    test_send_str (dealer, "body", 0);
    test_send_str (dealer, "l1", ZMQ_SNDMORE);
    test_send_str (dealer, "l2", ZMQ_SNDMORE);
    test_send_str (dealer, "", ZMQ_SNDMORE);
    test_send_str (dealer, "body", ZMQ_SNDMORE);
    test_send_str (dealer, "more", 0);
    test_recv_str (rep, "body", 1);
    test_recv_str (rep, "more", 0);
    test_send_str (rep, "re", ZMQ_SNDMORE);
    test_send_str (rep, "ply", 0);
    test_recv_str (dealer, "l1", 1);
    test_recv_str (dealer, "l2", 1);
    test_recv_str (dealer, "", 1);
    test_recv_str (dealer, "re", 1);
    test_recv_str (dealer, "ply", 0);
    zmq_close (dealer);
    zmq_close (rep);
}

static void rep_serves_each_requester (void)
{
    void *rep = test_socket (ctx, ZMQ_REP);
    TEST_ASSERT_SUCCESS (zmq_bind (rep, "inproc://reps"));
    void *req[3];
    const char *names[3] = {"r0", "r1", "r2"};
    for (int i = 0; i < 3; i++) {
        req[i] = test_socket (ctx, ZMQ_REQ);
        TEST_ASSERT_SUCCESS (zmq_connect (req[i], "inproc://reps"));
        test_send_str (req[i], names[i], 0);
    }
    for (int i = 0; i < 3; i++) {
        char buf[16];
        recv_part (rep, buf, sizeof buf, 0);
        buf[0] = 'A';
        test_send_str (rep, buf, 0);
    }
    const char *answers[3] = {"A0", "A1", "A2"};
    for (int i = 0; i < 3; i++) {
        test_recv_str (req[i], answers[i], 0);
        zmq_close (req[i]);
    }
    zmq_close (rep);
}

static void replies_only_from_request_peer (void)
{
    void *req = test_socket (ctx, ZMQ_REQ);
    TEST_ASSERT_SUCCESS (zmq_bind (req, "inproc://two-routers"));
    void *r1 = test_socket (ctx, ZMQ_ROUTER), *r2 = test_socket (ctx, ZMQ_ROUTER);
    TEST_ASSERT_SUCCESS (zmq_connect (r1, "inproc://two-routers"));
    TEST_ASSERT_SUCCESS (zmq_connect (r2, "inproc://two-routers"));
    test_send_str (req, "q1", 0);
    char id[16];
    int id_len = recv_part (r1, id, sizeof id, 1);
    test_recv_str (r1, "", 1);
    test_recv_str (r1, "q1", 0);
    /* r2 answers a request it never got: ignored. */
    TEST_ASSERT_EQ (id_len, zmq_send (r2, id, id_len, ZMQ_SNDMORE));
    test_send_str (r2, "", ZMQ_SNDMORE);
    test_send_str (r2, "stray", 0);
    TEST_ASSERT_EQ (id_len, zmq_send (r1, id, id_len, ZMQ_SNDMORE));
    test_send_str (r1, "", ZMQ_SNDMORE);
    test_send_str (r1, "a1", 0);
    test_recv_str (req, "a1", 0);
    /* The next request goes to r2. */
    test_send_str (req, "q2", 0);
    id_len = recv_part (r2, id, sizeof id, 1);
    test_recv_str (r2, "", 1);
    test_recv_str (r2, "q2", 0);
    TEST_ASSERT_EQ (id_len, zmq_send (r2, id, id_len, ZMQ_SNDMORE));
    test_send_str (r2, "", ZMQ_SNDMORE);
    test_send_str (r2, "a2", 0);
    test_recv_str (req, "a2", 0);
    zmq_close (r1);
    zmq_close (r2);
    zmq_close (req);
}

static void correlate_relaxed (void)
{
    void *router = test_socket (ctx, ZMQ_ROUTER), *req = test_socket (ctx, ZMQ_REQ);
    TEST_ASSERT_SUCCESS (zmq_bind (router, "inproc://correlate"));
    test_set_int (req, ZMQ_REQ_CORRELATE, 1);
    test_set_int (req, ZMQ_REQ_RELAXED, 1);
    test_set_str (req, ZMQ_ROUTING_ID, "R");
    TEST_ASSERT_SUCCESS (zmq_connect (req, "inproc://correlate"));
    test_send_str (req, "one", 0);
    uint32_t id1, id2;
    test_recv_str (router, "R", 1);
    TEST_ASSERT_EQ (4, zmq_recv (router, &id1, sizeof id1, 0));
    test_recv_str (router, "", 1);
    test_recv_str (router, "one", 0);
    /* Relaxed: a new request before the reply; its id is one more, host byte order. */
    test_send_str (req, "two", 0);
    test_recv_str (router, "R", 1);
    TEST_ASSERT_EQ (4, zmq_recv (router, &id2, sizeof id2, 0));
    test_recv_str (router, "", 1);
    test_recv_str (router, "two", 0);
    TEST_ASSERT_EQ (id1 + 1, id2);
    /* The reply to the first request is stale, so is one without an id. */
    test_send_str (router, "R", ZMQ_SNDMORE);
    TEST_ASSERT_EQ (4, zmq_send (router, &id1, sizeof id1, ZMQ_SNDMORE));
    test_send_str (router, "", ZMQ_SNDMORE);
    test_send_str (router, "old", 0);
    test_send_str (router, "R", ZMQ_SNDMORE);
    test_send_str (router, "", ZMQ_SNDMORE);
    test_send_str (router, "no id", 0);
    test_send_str (router, "R", ZMQ_SNDMORE);
    TEST_ASSERT_EQ (4, zmq_send (router, &id2, sizeof id2, ZMQ_SNDMORE));
    test_send_str (router, "", ZMQ_SNDMORE);
    test_send_str (router, "new", 0);
    test_recv_str (req, "new", 0);
    zmq_close (req);
    zmq_close (router);
}

static void strict_correlate_and_stale_replies (void)
{
    /* Without RELAXED, correlation still checks ids; replies queued before a new request
     * are dropped when it is sent. */
    void *router = test_socket (ctx, ZMQ_ROUTER), *req = test_socket (ctx, ZMQ_REQ);
    TEST_ASSERT_SUCCESS (zmq_bind (router, "inproc://strict"));
    test_set_str (req, ZMQ_ROUTING_ID, "R");
    TEST_ASSERT_SUCCESS (zmq_connect (req, "inproc://strict"));
    test_send_str (req, "q", 0);
    test_recv_str (router, "R", 1);
    test_recv_str (router, "", 1);
    test_recv_str (router, "q", 0);
    test_send_str (router, "R", ZMQ_SNDMORE);
    test_send_str (router, "", ZMQ_SNDMORE);
    test_send_str (router, "a", 0);
    test_send_str (router, "R", ZMQ_SNDMORE);
    test_send_str (router, "", ZMQ_SNDMORE);
    test_send_str (router, "extra", 0);
    test_recv_str (req, "a", 0);
    /* "extra" is still queued; the next request throws it away. */
    test_send_str (req, "q2", 0);
    test_recv_str (router, "R", 1);
    test_recv_str (router, "", 1);
    test_recv_str (router, "q2", 0);
    test_send_str (router, "R", ZMQ_SNDMORE);
    test_send_str (router, "", ZMQ_SNDMORE);
    test_send_str (router, "a2", 0);
    test_recv_str (req, "a2", 0);
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

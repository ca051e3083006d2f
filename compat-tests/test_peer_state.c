/* compat: ours-only (zmq_socket_get_peer_state is draft API; the system libzmq 4.3.4 is built without it) */
/* compat: draft */
/* zmq_socket_get_peer_state: ROUTER answers ZMQ_POLLOUT while a message to that peer fits
 * under the HWM, 0 when it does not, EHOSTUNREACH for a routing id it does not know (also
 * once the peer has gone); every other type says ENOTSUP, and a non-socket ENOTSOCK. */
#include "testutil.h"

#include <time.h>

static void *ctx;

/* Lets the router read its commands (HWM progress, pipe termination), as any call that
 * processes commands does. */
static void settle (void *router)
{
    int events;
    size_t len = sizeof events;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (router, ZMQ_EVENTS, &events, &len));
}

static void test_router_peer_state (void)
{
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    TEST_ASSERT (router != NULL && dealer != NULL);
    int one = 1, zero = 0, timeout = 2000;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (router, ZMQ_ROUTER_MANDATORY, &one, sizeof one));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (router, ZMQ_SNDHWM, &one, sizeof one));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (router, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (router, ZMQ_LINGER, &zero, sizeof zero));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (dealer, ZMQ_RCVHWM, &one, sizeof one));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (dealer, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (dealer, ZMQ_LINGER, &zero, sizeof zero));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "A", 1));
    TEST_ASSERT_SUCCESS (zmq_bind (router, "inproc://peer-state"));
    TEST_ASSERT_SUCCESS (zmq_connect (dealer, "inproc://peer-state"));

    /* The router learns the peer once it reads the attach. */
    TEST_ASSERT_EQ (2, zmq_send (dealer, "hi", 2, 0));
    char buf[16];
    TEST_ASSERT_EQ (1, zmq_recv (router, buf, sizeof buf, 0));
    TEST_ASSERT_EQ ('A', buf[0]);
    TEST_ASSERT_EQ (2, zmq_recv (router, buf, sizeof buf, 0));

    TEST_ASSERT_EQ (ZMQ_POLLOUT, zmq_socket_get_peer_state (router, "A", 1));
    TEST_ASSERT_FAILURE (zmq_socket_get_peer_state (router, "B", 1), EHOSTUNREACH);
    TEST_ASSERT_FAILURE (zmq_socket_get_peer_state (router, "AA", 2), EHOSTUNREACH);
    TEST_ASSERT_FAILURE (zmq_socket_get_peer_state (router, NULL, 0), EHOSTUNREACH);

    /* Fill the pipe: inproc sums the router's SNDHWM and the dealer's RCVHWM (2). */
    int sent = 0;
    for (;;) {
        if (zmq_send (router, "A", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1) {
            TEST_ASSERT_EQ (EAGAIN, zmq_errno ());
            break;
        }
        TEST_ASSERT_EQ (1, zmq_send (router, "x", 1, ZMQ_DONTWAIT));
        sent++;
        TEST_ASSERT (sent <= 10);
    }
    TEST_ASSERT_EQ (2, sent);
    TEST_ASSERT_EQ (0, zmq_socket_get_peer_state (router, "A", 1));

    /* The dealer reads them; the router hears of it when it reads its commands. */
    for (int i = 0; i < sent; i++)
        TEST_ASSERT_EQ (1, zmq_recv (dealer, buf, sizeof buf, 0));
    struct timespec pause = {0, 1000000};
    int state = 0;
    for (int i = 0; i < 2000 && state != ZMQ_POLLOUT; i++) {
        settle (router);
        state = zmq_socket_get_peer_state (router, "A", 1);
        if (state != ZMQ_POLLOUT)
            nanosleep (&pause, NULL);
    }
    TEST_ASSERT_EQ (ZMQ_POLLOUT, state);

    /* Once the peer is gone, so is its routing id. */
    TEST_ASSERT_SUCCESS (zmq_close (dealer));
    int rc = 0;
    for (int i = 0; i < 2000; i++) {
        settle (router);
        rc = zmq_socket_get_peer_state (router, "A", 1);
        if (rc == -1)
            break;
        nanosleep (&pause, NULL);
    }
    TEST_ASSERT_EQ (-1, rc);
    TEST_ASSERT_EQ (EHOSTUNREACH, zmq_errno ());
    TEST_ASSERT_SUCCESS (zmq_close (router));
}

static void test_other_types (void)
{
    const int types[] = {ZMQ_PAIR,   ZMQ_PUB,  ZMQ_SUB,  ZMQ_REQ,  ZMQ_REP,  ZMQ_DEALER,
                         ZMQ_PULL,   ZMQ_PUSH, ZMQ_XPUB, ZMQ_XSUB, ZMQ_STREAM};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        void *s = zmq_socket (ctx, types[i]);
        TEST_ASSERT (s != NULL);
        TEST_ASSERT_FAILURE (zmq_socket_get_peer_state (s, "A", 1), ENOTSUP);
        TEST_ASSERT_SUCCESS (zmq_close (s));
    }
    TEST_ASSERT_FAILURE (zmq_socket_get_peer_state (NULL, "A", 1), ENOTSOCK);
    TEST_ASSERT_FAILURE (zmq_socket_get_peer_state (ctx, "A", 1), ENOTSOCK);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    test_router_peer_state ();
    test_other_types ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

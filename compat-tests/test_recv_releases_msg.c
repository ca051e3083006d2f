/* What zmq_msg_recv does with the message it is handed. The socket's queue releases the
 * old content before it looks for a message: a receive that finds nothing (EAGAIN, at once
 * or after ZMQ_RCVTIMEO) leaves an empty message, and a blocking receive has released the
 * old content before it starts to wait, not only when the next message arrives. A receive
 * refused before the queue is looked at (REQ without a request: EFSM; a closed socket:
 * ENOTSOCK) leaves the message as it was. */
#include "testutil.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

static volatile int frees;

static void count_free (void *data_, void *hint_)
{
    (void) data_;
    (void) hint_;
    __atomic_add_fetch (&frees, 1, __ATOMIC_SEQ_CST);
}

static char content[] = "old content";

/* `m` holds `content` (no copy) with count_free as its free function. */
static void fill (zmq_msg_t *m)
{
    TEST_ASSERT_SUCCESS (zmq_msg_init_data (m, content, sizeof content - 1, count_free, NULL));
}

static int freed (void)
{
    return __atomic_load_n (&frees, __ATOMIC_SEQ_CST);
}

static void test_eagain_empties (void *pull)
{
    zmq_msg_t m;
    frees = 0;
    fill (&m);
    TEST_ASSERT_FAILURE (zmq_msg_recv (&m, pull, ZMQ_DONTWAIT), EAGAIN);
    TEST_ASSERT_EQ (1, freed ());
    TEST_ASSERT_EQ (0, zmq_msg_size (&m));
    TEST_ASSERT_EQ (0, zmq_msg_more (&m));

    /* The same after a timeout, and through the deprecated name. */
    fill (&m);
    test_set_int (pull, ZMQ_RCVTIMEO, 20);
    TEST_ASSERT_FAILURE (zmq_recvmsg (pull, &m, 0), EAGAIN);
    TEST_ASSERT_EQ (2, freed ());
    TEST_ASSERT_EQ (0, zmq_msg_size (&m));
    test_set_int (pull, ZMQ_RCVTIMEO, 2000);
    TEST_ASSERT_SUCCESS (zmq_msg_close (&m));
    TEST_ASSERT_EQ (2, freed ());
}

static void test_success_replaces (void *push, void *pull)
{
    zmq_msg_t m;
    frees = 0;
    fill (&m);
    test_send_str (push, "new", 0);
    TEST_ASSERT_EQ (3, zmq_msg_recv (&m, pull, 0));
    TEST_ASSERT_EQ (1, freed ());
    TEST_ASSERT (memcmp (zmq_msg_data (&m), "new", 3) == 0);
    TEST_ASSERT_SUCCESS (zmq_msg_close (&m));
    TEST_ASSERT_EQ (1, freed ());
}

struct waiter
{
    void *push;
    int sent;
};

/* Sends only once the receiver has let go of its old message (or after 2 s). */
static void *send_after_release (void *arg)
{
    struct waiter *w = (struct waiter *) arg;
    for (int i = 0; i < 2000 && freed () == 0; i++)
        usleep (1000);
    w->sent = freed ();
    test_send_str (w->push, "late", 0);
    return NULL;
}

static void test_blocking_releases_before_waiting (void *push, void *pull)
{
    zmq_msg_t m;
    frees = 0;
    fill (&m);
    struct waiter w = {push, -1};
    pthread_t t;
    TEST_ASSERT_EQ (0, pthread_create (&t, NULL, send_after_release, &w));
    TEST_ASSERT_EQ (4, zmq_msg_recv (&m, pull, 0));
    TEST_ASSERT_EQ (0, pthread_join (t, NULL));
    /* The old content was released while the receive waited, before anything was sent. */
    TEST_ASSERT_EQ (1, w.sent);
    TEST_ASSERT (memcmp (zmq_msg_data (&m), "late", 4) == 0);
    TEST_ASSERT_SUCCESS (zmq_msg_close (&m));
    TEST_ASSERT_EQ (1, freed ());
}

static void test_refused_keeps (void *ctx)
{
    void *req = test_socket (ctx, ZMQ_REQ);
    zmq_msg_t m;
    frees = 0;
    fill (&m);
    TEST_ASSERT_FAILURE (zmq_msg_recv (&m, req, ZMQ_DONTWAIT), EFSM);
    TEST_ASSERT_EQ (0, freed ());
    TEST_ASSERT_EQ (sizeof content - 1, zmq_msg_size (&m));
    TEST_ASSERT (memcmp (zmq_msg_data (&m), content, sizeof content - 1) == 0);
    TEST_ASSERT_FAILURE (zmq_msg_recv (&m, NULL, 0), ENOTSOCK);
    TEST_ASSERT_EQ (0, freed ());
    TEST_ASSERT_EQ (sizeof content - 1, zmq_msg_size (&m));
    TEST_ASSERT_SUCCESS (zmq_close (req));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&m));
    TEST_ASSERT_EQ (1, freed ());
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    const char *endpoints[] = {"inproc://recv-releases", "tcp://127.0.0.1:*"};
    for (int i = 0; i < 2; i++) {
        void *pull = test_socket (ctx, ZMQ_PULL);
        void *push = test_socket (ctx, ZMQ_PUSH);
        TEST_ASSERT_SUCCESS (zmq_bind (pull, endpoints[i]));
        char endpoint[256];
        size_t len = sizeof endpoint;
        TEST_ASSERT_SUCCESS (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, endpoint, &len));
        TEST_ASSERT_SUCCESS (zmq_connect (push, endpoint));
        test_eagain_empties (pull);
        test_success_replaces (push, pull);
        test_blocking_releases_before_waiting (push, pull);
        TEST_ASSERT_SUCCESS (zmq_close (push));
        TEST_ASSERT_SUCCESS (zmq_close (pull));
    }
    test_refused_keeps (ctx);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

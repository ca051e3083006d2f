/* compat: ours-only (libzmq 4.3.4 loses the tail here, over tcp about 1 run in 10 and over ipc 8 in 10: its session can end with part of the engine's last batch unwritten) */
/* zmq_close then zmq_ctx_term (linger -1) on a sender whose peer is not reading: the
 * context ends only when everything sent has left, so a receiver that starts reading later
 * gets every message. Small kernel buffers keep the last batches queued in the sender when
 * it closes; a sender that ended its pipe before writing out what it had taken from it
 * lost the tail. The sender has a context of its own, terminated on another thread. Over
 * tcp and ipc. */
#include "testutil.h"

#include <pthread.h>
#include <unistd.h>

#define COUNT 100000

static char endpoint[256];

static void *sender (void *arg)
{
    (void) arg;
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    void *push = test_push_connected (ctx, endpoint, 4096);
    for (int i = 0; i < COUNT; i++) {
        char buf[8];
        memcpy (buf, &i, sizeof i);
        memset (buf + sizeof i, 'x', sizeof buf - sizeof i);
        TEST_ASSERT_EQ ((int) sizeof buf, zmq_send (push, buf, sizeof buf, 0));
    }
    TEST_ASSERT_SUCCESS (zmq_close (push));
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return NULL;
}

static void run (const char *bind_to)
{
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    TEST_ASSERT (pull != NULL);
    int small = 4096, timeout = 5000, zero = 0;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (pull, ZMQ_RCVBUF, &small, sizeof small));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (pull, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (pull, ZMQ_LINGER, &zero, sizeof zero));
    TEST_ASSERT_SUCCESS (zmq_bind (pull, bind_to));
    size_t len = sizeof endpoint;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, endpoint, &len));

    pthread_t thread;
    TEST_ASSERT_EQ (0, pthread_create (&thread, NULL, sender, NULL));
    /* Let the sender fill every queue and close while this side still holds back. */
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep (&pause, NULL);

    for (int i = 0; i < COUNT; i++) {
        char buf[16];
        int n = zmq_recv (pull, buf, sizeof buf, 0);
        if (n != 8)
            fprintf (stderr, "%s: message %d of %d: zmq_recv gave %d (%s)\n", bind_to, i,
                     COUNT, n, zmq_strerror (zmq_errno ()));
        TEST_ASSERT_EQ (8, n);
        int seq;
        memcpy (&seq, buf, sizeof seq);
        TEST_ASSERT_EQ (i, seq);
    }
    TEST_ASSERT_EQ (0, pthread_join (thread, NULL));
    TEST_ASSERT_SUCCESS (zmq_close (pull));
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

int main (void)
{
    run ("tcp://127.0.0.1:*");
    char ipc[64];
    snprintf (ipc, sizeof ipc, "ipc:///tmp/test_term_flush-%d.ipc", (int) getpid ());
    run (ipc);
    return 0;
}

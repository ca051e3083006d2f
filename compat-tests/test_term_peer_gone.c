/* compat: ours-only (libzmq 4.3.4 hangs here: its session keeps dialing the departed peer with only the delimiter left) */
/* A closed socket whose connection then drops with nothing left to send but the pipe's end
 * lets zmq_ctx_term return: the session reads the delimiter when its engine fails (libzmq's
 * check_read in engine_error) instead of dialing the departed peer again with the closed
 * socket, and zmq_ctx_term (linger -1), waiting for it.
 *
 * Set-up: the receiver's pipe is full (RCVHWM 1, nothing read), so its session stops
 * reading; the sender's last message is larger than the socket buffers, so it sits in the
 * sender's connection when the sender closes (its pipe then holds only the delimiter); the
 * receiver then closes without reading, and its unread data makes the connection reset. */
#define _GNU_SOURCE /* pthread_tryjoin_np */
#include "testutil.h"

#include <pthread.h>

#define BIG (8 * 1024 * 1024)

static char endpoint[256];
static volatile int sender_closed;

static void *sender (void *arg)
{
    (void) arg;
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    void *push = test_push_connected (ctx, endpoint, 65536);
    test_send_str (push, "first", 0);
    test_send_str (push, "second", 0);
    zmq_msg_t msg;
    TEST_ASSERT_SUCCESS (zmq_msg_init_size (&msg, BIG));
    memset (zmq_msg_data (&msg), 'x', BIG);
    TEST_ASSERT_EQ (BIG, zmq_msg_send (&msg, push, 0));
    /* Let the session take the big message into its connection. */
    test_settle ();
    TEST_ASSERT_SUCCESS (zmq_close (push));
    sender_closed = 1;
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return NULL;
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    void *pull = test_socket (ctx, ZMQ_PULL);
    test_set_int (pull, ZMQ_RCVHWM, 1);
    test_set_int (pull, ZMQ_RCVBUF, 65536);
    TEST_ASSERT_SUCCESS (zmq_bind (pull, "tcp://127.0.0.1:*"));
    size_t len = sizeof endpoint;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, endpoint, &len));

    pthread_t thread;
    TEST_ASSERT_EQ (0, pthread_create (&thread, NULL, sender, NULL));
    while (!sender_closed)
        usleep (10 * 1000);
    /* Let the sender's session see the close, then go away without reading. */
    test_settle ();
    TEST_ASSERT_SUCCESS (zmq_close (pull));
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));

    for (int waited = 0; pthread_tryjoin_np (thread, NULL) != 0; waited += 10) {
        if (waited >= 10000)
            TEST_FAIL ("the sender's zmq_ctx_term did not return");
        usleep (10 * 1000);
    }
    return 0;
}

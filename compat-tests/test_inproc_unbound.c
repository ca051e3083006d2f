/* A socket that connects to an inproc endpoint nobody binds can still be closed, and the
 * context then terminates (the waiting connect is dropped, as in libzmq). Also with queued
 * messages and after a disconnect. */
#include "testutil.h"

int main (void)
{
    void *ctx = zmq_ctx_new ();
    void *a = zmq_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT (a != NULL);
    int linger = 0;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (a, ZMQ_LINGER, &linger, sizeof linger));
    TEST_ASSERT_SUCCESS (zmq_connect (a, "inproc://nobody-binds"));
    TEST_ASSERT_EQ (5, zmq_send (a, "queued", 5, ZMQ_DONTWAIT));

    void *b = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_connect (b, "inproc://nobody-binds-either"));
    TEST_ASSERT_SUCCESS (zmq_disconnect (b, "inproc://nobody-binds-either"));

    void *c = zmq_socket (ctx, ZMQ_SUB);
    TEST_ASSERT_SUCCESS (zmq_setsockopt (c, ZMQ_SUBSCRIBE, "", 0));
    TEST_ASSERT_SUCCESS (zmq_connect (c, "inproc://nobody-binds"));

    TEST_ASSERT_SUCCESS (zmq_close (a));
    TEST_ASSERT_SUCCESS (zmq_close (b));
    TEST_ASSERT_SUCCESS (zmq_close (c));
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

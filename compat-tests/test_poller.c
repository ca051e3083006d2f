/* compat: ours-only (draft zmq_poller_* functions; the system libzmq is a non-draft build) */
/* compat: draft */
/* The draft poller: registration rules and errors, waiting on sockets and fds, timeouts. */
#include "testutil.h"

int main (void)
{
    void *ctx = zmq_ctx_new ();
    void *a = zmq_socket (ctx, ZMQ_PAIR), *b = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT_SUCCESS (zmq_bind (a, "inproc://poller"));
    TEST_ASSERT_SUCCESS (zmq_connect (b, "inproc://poller"));

    void *poller = zmq_poller_new ();
    TEST_ASSERT (poller != NULL);
    TEST_ASSERT_EQ (0, zmq_poller_size (poller));
    TEST_ASSERT_FAILURE (zmq_poller_size (NULL), EFAULT);
    TEST_ASSERT_FAILURE (zmq_poller_add (poller, NULL, NULL, ZMQ_POLLIN), ENOTSOCK);
    TEST_ASSERT_FAILURE (zmq_poller_add_fd (poller, -1, NULL, ZMQ_POLLIN), EBADF);
    int tag = 7;
    TEST_ASSERT_SUCCESS (zmq_poller_add (poller, a, &tag, ZMQ_POLLIN));
    TEST_ASSERT_FAILURE (zmq_poller_add (poller, a, NULL, ZMQ_POLLIN), EINVAL);
    TEST_ASSERT_FAILURE (zmq_poller_modify (poller, b, ZMQ_POLLIN), EINVAL);
    TEST_ASSERT_FAILURE (zmq_poller_remove (poller, b), EINVAL);
    TEST_ASSERT_FAILURE (zmq_poller_modify (poller, a, 0x100), EINVAL);
    TEST_ASSERT_EQ (1, zmq_poller_size (poller));

    zmq_poller_event_t event;
    TEST_ASSERT_FAILURE (zmq_poller_wait (poller, &event, 50), EAGAIN);
    TEST_ASSERT (event.socket == NULL);
    TEST_ASSERT_EQ (2, zmq_send (b, "hi", 2, 0));
    TEST_ASSERT_SUCCESS (zmq_poller_wait (poller, &event, 2000));
    TEST_ASSERT (event.socket == a);
    TEST_ASSERT (event.user_data == &tag);
    TEST_ASSERT_EQ (ZMQ_POLLIN, event.events);

    /* An fd next to the socket. */
    int p[2];
    TEST_ASSERT_SUCCESS (pipe (p));
    TEST_ASSERT_SUCCESS (zmq_poller_add_fd (poller, p[0], NULL, ZMQ_POLLIN));
    TEST_ASSERT_EQ (1, (int) write (p[1], "x", 1));
    zmq_poller_event_t events[4];
    TEST_ASSERT_EQ (2, zmq_poller_wait_all (poller, events, 4, 2000));
    TEST_ASSERT (events[0].socket == a);
    TEST_ASSERT (events[1].socket == NULL);
    TEST_ASSERT_EQ (p[0], events[1].fd);
    TEST_ASSERT_EQ (1, zmq_poller_wait_all (poller, events, 1, 2000));
    TEST_ASSERT_FAILURE (zmq_poller_wait_all (poller, NULL, 1, 0), EFAULT);

    TEST_ASSERT_SUCCESS (zmq_poller_remove_fd (poller, p[0]));
    TEST_ASSERT_FAILURE (zmq_poller_remove_fd (poller, p[0]), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_poller_modify (poller, a, ZMQ_POLLOUT));
    TEST_ASSERT_EQ (1, zmq_poller_wait_all (poller, events, 4, 0));
    TEST_ASSERT_EQ (ZMQ_POLLOUT, events[0].events);
    int fd;
    TEST_ASSERT_FAILURE (zmq_poller_fd (poller, &fd), EINVAL);

    TEST_ASSERT_SUCCESS (zmq_poller_destroy (&poller));
    TEST_ASSERT (poller == NULL);
    TEST_ASSERT_FAILURE (zmq_poller_destroy (&poller), EFAULT);
    close (p[0]);
    close (p[1]);
    zmq_close (a);
    zmq_close (b);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

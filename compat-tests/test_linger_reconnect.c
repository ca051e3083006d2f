/* A connecting socket closed (or disconnected) while its messages still wait for a peer
 * keeps dialing during its linger: when the peer binds later, the messages arrive.
 * libzmq's connecter outlives the lingering session; a session that stopped dialing at
 * zmq_close would hang zmq_ctx_term (linger -1) or lose the messages. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static void *ctx;

/* A tcp endpoint on a port nobody listens on now. Found with a plain socket, closed at
 * once: a zmq socket's listener would close asynchronously and could still accept. */
static void free_endpoint (char *endpoint, size_t size)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    TEST_ASSERT (fd >= 0);
    struct sockaddr_in addr;
    memset (&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    TEST_ASSERT_SUCCESS (bind (fd, (struct sockaddr *) &addr, sizeof addr));
    socklen_t len = sizeof addr;
    TEST_ASSERT_SUCCESS (getsockname (fd, (struct sockaddr *) &addr, &len));
    close (fd);
    snprintf (endpoint, size, "tcp://127.0.0.1:%d", ntohs (addr.sin_port));
}

/* Three messages queued on a PUSH that has never connected, then `finish` (close or
 * disconnect) with a linger long enough; a PULL bound afterwards gets all three. */
static void delivered_after (int close_it)
{
    char endpoint[256];
    free_endpoint (endpoint, sizeof endpoint);

    void *push = test_socket (ctx, ZMQ_PUSH);
    test_set_int (push, ZMQ_LINGER, 5000);
    test_set_int (push, ZMQ_RECONNECT_IVL, 50);
    TEST_ASSERT_SUCCESS (zmq_connect (push, endpoint));
    test_send_str (push, "one", 0);
    test_send_str (push, "two", ZMQ_SNDMORE);
    test_send_str (push, "three", 0);
    if (close_it)
        TEST_ASSERT_SUCCESS (zmq_close (push));
    else
        TEST_ASSERT_SUCCESS (zmq_disconnect (push, endpoint));

    /* Give the closed socket's session time to have failed a dial at least once. */
    test_settle ();
    void *pull = test_socket (ctx, ZMQ_PULL);
    TEST_ASSERT_SUCCESS (zmq_bind (pull, endpoint));
    test_recv_str (pull, "one", 0);
    test_recv_str (pull, "two", 1);
    test_recv_str (pull, "three", 0);
    zmq_close (pull);
    if (!close_it)
        zmq_close (push);
}

/* With linger 0 nothing is kept: closing returns at once and zmq_ctx_term does not wait
 * for a peer that never comes. */
static void linger_zero_drops (void)
{
    char endpoint[256];
    free_endpoint (endpoint, sizeof endpoint);
    void *push = test_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT_SUCCESS (zmq_connect (push, endpoint));
    test_send_str (push, "lost", 0);
    TEST_ASSERT_SUCCESS (zmq_close (push));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    delivered_after (1);
    delivered_after (0);
    linger_zero_drops ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

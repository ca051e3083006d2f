/* curve_thr <endpoint> <message-size> <message-count>
 * Throughput over tcp (or ipc) with CURVE, in one process: a PULL CURVE server bound to
 * <endpoint> in the main thread (a tcp wildcard port like tcp://127.0.0.1:* is fine) and a
 * PUSH CURVE client in a worker thread. Timed from the first message, as local_thr. */
#include "perf_util.h"

static size_t message_size;
static unsigned long message_count;
static char endpoint[256];

static void worker (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    PERF_CHECK_PTR (s, "zmq_socket");
    perf_set_curve (s, 0);
    PERF_CHECK (zmq_connect (s, endpoint));
    zmq_msg_t msg;
    for (unsigned long i = 0; i != message_count; i++) {
        PERF_CHECK (zmq_msg_init_size (&msg, message_size));
        PERF_CHECK (zmq_sendmsg (s, &msg, 0));
        PERF_CHECK (zmq_msg_close (&msg));
    }
    PERF_CHECK (zmq_close (s));
}

int main (int argc, char *argv[])
{
    if (argc != 4) {
        printf ("usage: curve_thr <endpoint> <message-size> <message-count>\n");
        return 1;
    }
    message_size = (size_t) atoi (argv[2]);
    message_count = (unsigned long) atol (argv[3]);
    if (message_count == 0) {
        printf ("message count must be positive\n");
        return 1;
    }

    void *ctx = zmq_init (1);
    PERF_CHECK_PTR (ctx, "zmq_init");
    void *s = zmq_socket (ctx, ZMQ_PULL);
    PERF_CHECK_PTR (s, "zmq_socket");
    perf_set_curve (s, 1);
    PERF_CHECK (zmq_bind (s, argv[1]));
    size_t len = sizeof endpoint;
    PERF_CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, endpoint, &len));
    void *thread = zmq_threadstart (worker, ctx);
    PERF_CHECK_PTR (thread, "zmq_threadstart");

    unsigned long elapsed = perf_recv_timed (s, message_size, message_count);
    zmq_threadclose (thread);
    perf_print_throughput (message_size, message_count, elapsed);
    PERF_CHECK (zmq_close (s));
    PERF_CHECK (zmq_ctx_term (ctx));
    return 0;
}

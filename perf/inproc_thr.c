/* inproc_thr <message-size> <message-count>
 * Throughput over inproc: a PUSH worker thread sends to a PULL bound in the main thread. */
#include "perf_util.h"

static size_t message_size;
static unsigned long message_count;

static void worker (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    PERF_CHECK_PTR (s, "zmq_socket");
    PERF_CHECK (zmq_connect (s, "inproc://thr_test"));
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
    if (argc != 3) {
        printf ("usage: inproc_thr <message-size> <message-count>\n");
        return 1;
    }
    message_size = (size_t) atoi (argv[1]);
    message_count = (unsigned long) atol (argv[2]);

    void *ctx = zmq_init (1);
    PERF_CHECK_PTR (ctx, "zmq_init");
    void *s = zmq_socket (ctx, ZMQ_PULL);
    PERF_CHECK_PTR (s, "zmq_socket");
    PERF_CHECK (zmq_bind (s, "inproc://thr_test"));
    void *thread = zmq_threadstart (worker, ctx);
    PERF_CHECK_PTR (thread, "zmq_threadstart");

    unsigned long elapsed = perf_recv_timed (s, message_size, message_count);
    zmq_threadclose (thread);
    perf_print_throughput (message_size, message_count, elapsed);
    PERF_CHECK (zmq_close (s));
    PERF_CHECK (zmq_ctx_term (ctx));
    return 0;
}

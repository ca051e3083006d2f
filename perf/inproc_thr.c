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

    zmq_msg_t msg;
    PERF_CHECK (zmq_msg_init (&msg));
    PERF_CHECK (zmq_recvmsg (s, &msg, 0));
    if (zmq_msg_size (&msg) != message_size) {
        printf ("message of incorrect size received\n");
        return -1;
    }
    void *watch = zmq_stopwatch_start ();
    for (unsigned long i = 1; i != message_count; i++) {
        PERF_CHECK (zmq_recvmsg (s, &msg, 0));
        if (zmq_msg_size (&msg) != message_size) {
            printf ("message of incorrect size received\n");
            return -1;
        }
    }
    unsigned long elapsed = zmq_stopwatch_stop (watch);
    PERF_CHECK (zmq_msg_close (&msg));
    zmq_threadclose (thread);
    perf_print_throughput (message_size, message_count, elapsed);
    PERF_CHECK (zmq_close (s));
    PERF_CHECK (zmq_ctx_term (ctx));
    return 0;
}

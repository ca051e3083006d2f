/* local_thr <bind-to> <message-size> <message-count> [<enable_curve>]
 * PULL side of the throughput test: binds, receives the first message, then times the rest. */
#include "perf_util.h"

int main (int argc, char *argv[])
{
    if (argc != 4 && argc != 5) {
        printf ("usage: local_thr <bind-to> <message-size> <message-count> "
                "[<enable_curve>]\n");
        return 1;
    }
    const char *bind_to = argv[1];
    const size_t size = (size_t) atoi (argv[2]);
    const unsigned long count = (unsigned long) atol (argv[3]);
    const int curve = argc == 5 && atoi (argv[4]) != 0;

    void *ctx = zmq_init (1);
    PERF_CHECK_PTR (ctx, "zmq_init");
    void *s = zmq_socket (ctx, ZMQ_PULL);
    PERF_CHECK_PTR (s, "zmq_socket");
    if (curve)
        perf_set_curve (s, 1);
    PERF_CHECK (zmq_bind (s, bind_to));

    unsigned long elapsed = perf_recv_timed (s, size, count);
    perf_print_throughput (size, count, elapsed);
    PERF_CHECK (zmq_close (s));
    PERF_CHECK (zmq_ctx_term (ctx));
    return 0;
}

/* remote_thr <connect-to> <message-size> <message-count> [<enable_curve>]
 * PUSH side of the throughput test: sends the messages, then closes; the context's linger
 * flushes them (over ipc after a one-second pause, see below). Prints nothing. Paced by
 * ZMQ_PERF_RATE (perf_util.h) when set. */
#include "perf_util.h"

int main (int argc, char *argv[])
{
    if (argc != 4 && argc != 5) {
        printf ("usage: remote_thr <connect-to> <message-size> <message-count> "
                "[<enable_curve>]\n");
        return 1;
    }
    const char *connect_to = argv[1];
    const size_t size = (size_t) atoi (argv[2]);
    const unsigned long count = (unsigned long) atol (argv[3]);
    const int curve = argc == 5 && atoi (argv[4]) != 0;

    void *ctx = zmq_init (1);
    PERF_CHECK_PTR (ctx, "zmq_init");
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    PERF_CHECK_PTR (s, "zmq_socket");
    if (curve)
        perf_set_curve (s, 0);
    PERF_CHECK (zmq_connect (s, connect_to));

    zmq_msg_t msg;
    for (unsigned long i = 0; i != count; i++) {
        perf_pace (i);
        PERF_CHECK (zmq_msg_init_size (&msg, size));
        memset (zmq_msg_data (&msg), 0, size);
        PERF_CHECK (zmq_sendmsg (s, &msg, 0));
        PERF_CHECK (zmq_msg_close (&msg));
    }
    /* Over ipc, libzmq 4.3 can lose the last messages of a sender that closes right after
     * sending, linger or not (upstream issue #4660): the receiver then waits forever. A
     * pause here, outside the receiver's timing, lets them arrive with either library. */
    if (strncmp (connect_to, "ipc://", 6) == 0)
        zmq_sleep (1);
    PERF_CHECK (zmq_close (s));
    PERF_CHECK (zmq_ctx_term (ctx));
    return 0;
}

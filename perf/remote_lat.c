/* remote_lat <connect-to> <message-size> <roundtrip-count>
 * REQ side of the latency test: sends and waits for the echo, timed. */
#include "perf_util.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        printf ("usage: remote_lat <connect-to> <message-size> "
                "<roundtrip-count>\n");
        return 1;
    }
    const char *connect_to = argv[1];
    const size_t size = (size_t) atoi (argv[2]);
    const int roundtrips = atoi (argv[3]);

    void *ctx = zmq_init (1);
    PERF_CHECK_PTR (ctx, "zmq_init");
    void *s = zmq_socket (ctx, ZMQ_REQ);
    PERF_CHECK_PTR (s, "zmq_socket");
    PERF_CHECK (zmq_connect (s, connect_to));

    zmq_msg_t msg;
    PERF_CHECK (zmq_msg_init_size (&msg, size));
    memset (zmq_msg_data (&msg), 0, size);
    void *watch = zmq_stopwatch_start ();
    for (int i = 0; i != roundtrips; i++) {
        PERF_CHECK (zmq_sendmsg (s, &msg, 0));
        PERF_CHECK (zmq_recvmsg (s, &msg, 0));
        if (zmq_msg_size (&msg) != size) {
            printf ("message of incorrect size received\n");
            return -1;
        }
    }
    unsigned long elapsed = zmq_stopwatch_stop (watch);
    PERF_CHECK (zmq_msg_close (&msg));
    perf_print_latency (size, roundtrips, elapsed);
    PERF_CHECK (zmq_close (s));
    PERF_CHECK (zmq_ctx_term (ctx));
    return 0;
}

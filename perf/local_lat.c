/* local_lat <bind-to> <message-size> <roundtrip-count>
 * REP side of the latency test: echoes each message back. Prints nothing. */
#include "perf_util.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        printf ("usage: local_lat <bind-to> <message-size> <roundtrip-count>\n");
        return 1;
    }
    const char *bind_to = argv[1];
    const size_t size = (size_t) atoi (argv[2]);
    const int roundtrips = atoi (argv[3]);

    void *ctx = zmq_init (1);
    PERF_CHECK_PTR (ctx, "zmq_init");
    void *s = zmq_socket (ctx, ZMQ_REP);
    PERF_CHECK_PTR (s, "zmq_socket");
    PERF_CHECK (zmq_bind (s, bind_to));

    zmq_msg_t msg;
    PERF_CHECK (zmq_msg_init (&msg));
    for (int i = 0; i != roundtrips; i++) {
        PERF_CHECK (zmq_recvmsg (s, &msg, 0));
        if (zmq_msg_size (&msg) != size) {
            printf ("message of incorrect size received\n");
            return -1;
        }
        PERF_CHECK (zmq_sendmsg (s, &msg, 0));
    }
    PERF_CHECK (zmq_msg_close (&msg));
    zmq_sleep (1);
    PERF_CHECK (zmq_close (s));
    PERF_CHECK (zmq_ctx_term (ctx));
    return 0;
}

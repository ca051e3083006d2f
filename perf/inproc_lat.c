/* inproc_lat <message-size> <roundtrip-count>
 * Latency over inproc: REQ bound in the main thread, a REP worker thread echoes. */
#include "perf_util.h"

static int roundtrip_count;

static void worker (void *ctx)
{
    void *s = zmq_socket (ctx, ZMQ_REP);
    PERF_CHECK_PTR (s, "zmq_socket");
    PERF_CHECK (zmq_connect (s, "inproc://lat_test"));
    zmq_msg_t msg;
    PERF_CHECK (zmq_msg_init (&msg));
    for (int i = 0; i != roundtrip_count; i++) {
        PERF_CHECK (zmq_recvmsg (s, &msg, 0));
        PERF_CHECK (zmq_sendmsg (s, &msg, 0));
    }
    PERF_CHECK (zmq_msg_close (&msg));
    PERF_CHECK (zmq_close (s));
}

int main (int argc, char *argv[])
{
    if (argc != 3) {
        printf ("usage: inproc_lat <message-size> <roundtrip-count>\n");
        return 1;
    }
    const size_t size = (size_t) atoi (argv[1]);
    roundtrip_count = atoi (argv[2]);

    void *ctx = zmq_init (1);
    PERF_CHECK_PTR (ctx, "zmq_init");
    void *s = zmq_socket (ctx, ZMQ_REQ);
    PERF_CHECK_PTR (s, "zmq_socket");
    PERF_CHECK (zmq_bind (s, "inproc://lat_test"));
    void *thread = zmq_threadstart (worker, ctx);
    PERF_CHECK_PTR (thread, "zmq_threadstart");

    zmq_msg_t msg;
    PERF_CHECK (zmq_msg_init_size (&msg, size));
    memset (zmq_msg_data (&msg), 0, size);
    void *watch = zmq_stopwatch_start ();
    for (int i = 0; i != roundtrip_count; i++) {
        PERF_CHECK (zmq_sendmsg (s, &msg, 0));
        PERF_CHECK (zmq_recvmsg (s, &msg, 0));
        if (zmq_msg_size (&msg) != size) {
            printf ("message of incorrect size received\n");
            return -1;
        }
    }
    unsigned long elapsed = zmq_stopwatch_stop (watch);
    PERF_CHECK (zmq_msg_close (&msg));
    zmq_threadclose (thread);
    perf_print_latency (size, roundtrip_count, elapsed);
    PERF_CHECK (zmq_close (s));
    PERF_CHECK (zmq_ctx_term (ctx));
    return 0;
}

/* pubsub_thr <bind-to> <subscribers> <message-size> <message-count>
 * Fan-out throughput: one publisher in the main thread, <subscribers> SUB threads.
 *
 * The publisher is an XPUB with XPUB_NODROP, so a full subscriber pipe makes the send wait
 * instead of dropping: every subscriber receives every message and the run measures what
 * the slowest one sustains. XPUB_VERBOSE passes each subscriber's (identical) subscription
 * up, so the publisher can wait until all of them are attached before it starts the clock.
 * Each subscriber has its own context (its own I/O thread, as separate processes would),
 * except over inproc, which needs the publisher's context.
 *
 * The clock runs from the first send until every subscriber has received the last message.
 * Prints the message size and count, the number of subscribers, and the publishing rate in
 * local_thr's format (each message is delivered <subscribers> times at that rate). */
#include "perf_util.h"

static const char *endpoint;
static size_t message_size;
static unsigned long message_count;
static void *pub_ctx;

static void subscriber (void *arg)
{
    (void) arg;
    const int shared = strncmp (endpoint, "inproc://", 9) == 0;
    void *ctx = shared ? pub_ctx : zmq_ctx_new ();
    PERF_CHECK_PTR (ctx, "zmq_ctx_new");
    void *s = zmq_socket (ctx, ZMQ_SUB);
    PERF_CHECK_PTR (s, "zmq_socket");
    PERF_CHECK (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "", 0));
    PERF_CHECK (zmq_connect (s, endpoint));

    zmq_msg_t msg;
    PERF_CHECK (zmq_msg_init (&msg));
    for (unsigned long i = 0; i != message_count; i++) {
        PERF_CHECK (zmq_recvmsg (s, &msg, 0));
        if (zmq_msg_size (&msg) != message_size) {
            printf ("message of incorrect size received\n");
            exit (1);
        }
    }
    PERF_CHECK (zmq_msg_close (&msg));
    PERF_CHECK (zmq_close (s));
    if (!shared)
        PERF_CHECK (zmq_ctx_term (ctx));
}

int main (int argc, char *argv[])
{
    if (argc != 5) {
        printf ("usage: pubsub_thr <bind-to> <subscribers> <message-size> "
                "<message-count>\n");
        return 1;
    }
    endpoint = argv[1];
    const int subscribers = atoi (argv[2]);
    message_size = (size_t) atoi (argv[3]);
    message_count = (unsigned long) atol (argv[4]);
    if (subscribers < 1 || subscribers > 64) {
        printf ("subscribers must be between 1 and 64\n");
        return 1;
    }

    pub_ctx = zmq_ctx_new ();
    PERF_CHECK_PTR (pub_ctx, "zmq_ctx_new");
    void *s = zmq_socket (pub_ctx, ZMQ_XPUB);
    PERF_CHECK_PTR (s, "zmq_socket");
    int one = 1;
    PERF_CHECK (zmq_setsockopt (s, ZMQ_XPUB_NODROP, &one, sizeof one));
    PERF_CHECK (zmq_setsockopt (s, ZMQ_XPUB_VERBOSE, &one, sizeof one));
    PERF_CHECK (zmq_bind (s, endpoint));

    void *threads[64];
    for (int i = 0; i != subscribers; i++) {
        threads[i] = zmq_threadstart (subscriber, NULL);
        PERF_CHECK_PTR (threads[i], "zmq_threadstart");
    }
    /* One subscription message per attached subscriber. */
    char sub[16];
    for (int i = 0; i != subscribers; i++) {
        const int n = zmq_recv (s, sub, sizeof sub, 0);
        PERF_CHECK (n);
        if (n != 1 || sub[0] != 1) {
            printf ("unexpected subscription message\n");
            return 1;
        }
    }

    void *watch = zmq_stopwatch_start ();
    zmq_msg_t msg;
    for (unsigned long i = 0; i != message_count; i++) {
        PERF_CHECK (zmq_msg_init_size (&msg, message_size));
        memset (zmq_msg_data (&msg), 0, message_size);
        PERF_CHECK (zmq_sendmsg (s, &msg, 0));
        PERF_CHECK (zmq_msg_close (&msg));
    }
    for (int i = 0; i != subscribers; i++)
        zmq_threadclose (threads[i]);
    unsigned long elapsed = zmq_stopwatch_stop (watch);

    printf ("subscribers: %d\n", subscribers);
    perf_print_throughput (message_size, message_count, elapsed);
    PERF_CHECK (zmq_close (s));
    PERF_CHECK (zmq_ctx_term (pub_ctx));
    return 0;
}

/* proxy_thr <message-size> <message-count>
 * Throughput through zmq_proxy_steerable: two XPUB publisher threads feed an XSUB -> XPUB
 * proxy thread, and a SUB in the main thread receives everything. All over inproc, with
 * four I/O threads, HWM 10000 and XPUB_NODROP so nothing is dropped. The proxy is stopped
 * with TERMINATE on its control socket. */
#include "perf_util.h"

#include <errno.h>

#define PUBLISHERS 2
#define HWM 10000

static size_t message_size;
static unsigned long message_count;
static void *ctx;

static void set_hwm (void *s)
{
    int hwm = HWM;
    PERF_CHECK (zmq_setsockopt (s, ZMQ_SNDHWM, &hwm, sizeof hwm));
    PERF_CHECK (zmq_setsockopt (s, ZMQ_RCVHWM, &hwm, sizeof hwm));
}

static void publisher (void *arg)
{
    const char *endpoint = (const char *) arg;
    void *s = zmq_socket (ctx, ZMQ_XPUB);
    PERF_CHECK_PTR (s, "zmq_socket");
    set_hwm (s);
    int one = 1;
    PERF_CHECK (zmq_setsockopt (s, ZMQ_XPUB_NODROP, &one, sizeof one));
    PERF_CHECK (zmq_bind (s, endpoint));

    /* Wait for the proxy's subscription before publishing. */
    char sub[16];
    PERF_CHECK (zmq_recv (s, sub, sizeof sub, 0));

    zmq_msg_t msg;
    for (unsigned long i = 0; i != message_count / PUBLISHERS; i++) {
        PERF_CHECK (zmq_msg_init_size (&msg, message_size));
        memset (zmq_msg_data (&msg), 0, message_size);
        PERF_CHECK (zmq_sendmsg (s, &msg, 0));
        PERF_CHECK (zmq_msg_close (&msg));
    }
    PERF_CHECK (zmq_close (s));
}

static void proxy (void *arg)
{
    (void) arg;
    void *frontend = zmq_socket (ctx, ZMQ_XSUB);
    void *backend = zmq_socket (ctx, ZMQ_XPUB);
    void *control = zmq_socket (ctx, ZMQ_REP);
    PERF_CHECK_PTR (frontend && backend && control, "zmq_socket");
    set_hwm (frontend);
    set_hwm (backend);
    int one = 1;
    PERF_CHECK (zmq_setsockopt (backend, ZMQ_XPUB_NODROP, &one, sizeof one));
    PERF_CHECK (zmq_connect (frontend, "inproc://perf_pub1"));
    PERF_CHECK (zmq_connect (frontend, "inproc://perf_pub2"));
    PERF_CHECK (zmq_bind (backend, "inproc://perf_backend"));
    PERF_CHECK (zmq_bind (control, "inproc://ctrl"));
    PERF_CHECK (zmq_proxy_steerable (frontend, backend, NULL, control));
    PERF_CHECK (zmq_close (frontend));
    PERF_CHECK (zmq_close (backend));
    PERF_CHECK (zmq_close (control));
}

int main (int argc, char *argv[])
{
    if (argc != 3) {
        printf ("usage: proxy_thr <message-size> <message-count>\n");
        return 1;
    }
    message_size = (size_t) atoi (argv[1]);
    message_count = (unsigned long) atol (argv[2]);
    /* Each publisher sends the same share. */
    message_count -= message_count % PUBLISHERS;

    ctx = zmq_ctx_new ();
    PERF_CHECK_PTR (ctx, "zmq_ctx_new");
    PERF_CHECK (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 4));

    void *proxy_thread = zmq_threadstart (proxy, NULL);
    PERF_CHECK_PTR (proxy_thread, "zmq_threadstart");
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    PERF_CHECK_PTR (sub, "zmq_socket");
    set_hwm (sub);
    PERF_CHECK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    PERF_CHECK (zmq_connect (sub, "inproc://perf_backend"));
    void *pubs[PUBLISHERS];
    static const char *endpoints[PUBLISHERS] = {"inproc://perf_pub1",
                                                "inproc://perf_pub2"};
    for (int i = 0; i != PUBLISHERS; i++) {
        pubs[i] = zmq_threadstart (publisher, (void *) endpoints[i]);
        PERF_CHECK_PTR (pubs[i], "zmq_threadstart");
    }

    zmq_msg_t msg;
    PERF_CHECK (zmq_msg_init (&msg));
    void *watch = zmq_stopwatch_start ();
    for (unsigned long i = 0; i != message_count; i++) {
        PERF_CHECK (zmq_recvmsg (sub, &msg, 0));
        if (zmq_msg_size (&msg) != message_size) {
            printf ("message of incorrect size received\n");
            return -1;
        }
    }
    unsigned long elapsed = zmq_stopwatch_stop (watch);
    PERF_CHECK (zmq_msg_close (&msg));
    perf_print_throughput (message_size, message_count, elapsed);

    for (int i = 0; i != PUBLISHERS; i++)
        zmq_threadclose (pubs[i]);
    void *req = zmq_socket (ctx, ZMQ_REQ);
    PERF_CHECK_PTR (req, "zmq_socket");
    /* libzmq 4.3.5 replies to TERMINATE on a REP control socket, 4.3.4 does not: wait a
     * little for the reply, and go on without it. */
    int timeout = 1000, linger = 0;
    PERF_CHECK (zmq_setsockopt (req, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    PERF_CHECK (zmq_setsockopt (req, ZMQ_LINGER, &linger, sizeof linger));
    PERF_CHECK (zmq_connect (req, "inproc://ctrl"));
    PERF_CHECK (zmq_send (req, "TERMINATE", 9, 0));
    char reply[16];
    if (zmq_recv (req, reply, sizeof reply, 0) == -1 && zmq_errno () != EAGAIN)
        PERF_CHECK (-1);
    zmq_threadclose (proxy_thread);
    PERF_CHECK (zmq_close (req));
    PERF_CHECK (zmq_close (sub));
    PERF_CHECK (zmq_ctx_term (ctx));
    return 0;
}

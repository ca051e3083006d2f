/* A libzmq peer for the live ZMTP tests in libzmq.rs: runs one scripted exchange with
 * the real libzmq over TCP and exits 0 on success, 1 (with a message) on failure.
 *
 *   libzmq_peer connect <endpoint> dealer|sub|mismatch
 *   libzmq_peer bind dealer|xpub          (prints the bound endpoint on stdout first)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf (stderr, "libzmq_peer: %s:%d: %s (%s)\n", __FILE__,        \
                     __LINE__, #cond, zmq_strerror (zmq_errno ()));            \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

static void send_str (void *s, const char *str, int flags)
{
    CHECK (zmq_send (s, str, strlen (str), flags) == (int) strlen (str));
}

static void recv_str (void *s, const char *want, int more)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf - 1, 0);
    CHECK (n >= 0);
    buf[n] = 0;
    if (strcmp (buf, want) != 0) {
        fprintf (stderr, "libzmq_peer: got '%s', want '%s'\n", buf, want);
        exit (1);
    }
    int rcvmore = 0;
    size_t len = sizeof rcvmore;
    CHECK (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &len) == 0);
    CHECK (rcvmore == more);
}

/* Fails if the monitor saw a disconnect or a failed handshake. */
static void check_monitor (void *mon)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    while (zmq_msg_recv (&m, mon, ZMQ_DONTWAIT) >= 0) {
        if (zmq_msg_more (&m) && zmq_msg_size (&m) == 6) {
            unsigned short ev;
            memcpy (&ev, zmq_msg_data (&m), 2);
            CHECK (ev != ZMQ_EVENT_DISCONNECTED);
            CHECK (ev != ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL);
            CHECK (ev != ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
        }
    }
    zmq_msg_close (&m);
}

int main (int argc, char **argv)
{
    CHECK (argc >= 3);
    int bind = strcmp (argv[1], "bind") == 0;
    const char *kind = bind ? argv[2] : argv[3];
    void *ctx = zmq_ctx_new ();
    int mismatch = strcmp (kind, "mismatch") == 0;
    int type = strcmp (kind, "dealer") == 0           ? ZMQ_DEALER
               : strcmp (kind, "sub") == 0 || mismatch ? ZMQ_SUB
                                                       : ZMQ_XPUB;
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    int timeout = 5000, ivl = 50, hb_timeout = 200, linger = 1000;
    CHECK (zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout) == 0);
    CHECK (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger) == 0);
    /* libzmq pings us every 50 ms and drops us after 200 ms without traffic: our
     * PONGs keep the connection up. */
    CHECK (zmq_setsockopt (s, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl) == 0);
    CHECK (zmq_setsockopt (s, ZMQ_HEARTBEAT_TIMEOUT, &hb_timeout, sizeof hb_timeout) == 0);
    CHECK (zmq_setsockopt (s, ZMQ_ROUTING_ID, "lz", 2) == 0);
    CHECK (zmq_socket_monitor (s, "inproc://mon", ZMQ_EVENT_ALL) == 0);
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (zmq_connect (mon, "inproc://mon") == 0);

    if (bind) {
        char endpoint[256];
        size_t len = sizeof endpoint;
        CHECK (zmq_bind (s, "tcp://127.0.0.1:*") == 0);
        CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, endpoint, &len) == 0);
        printf ("%s\n", endpoint);
        fflush (stdout);
    } else {
        CHECK (zmq_connect (s, argv[2]) == 0);
    }

    if (mismatch) {
        /* Our peer is a REQ: libzmq must drop the connection without a handshake
         * event. */
        int connected = 0, disconnected = 0;
        int rcvtimeo = 1500;
        CHECK (zmq_setsockopt (mon, ZMQ_RCVTIMEO, &rcvtimeo, sizeof rcvtimeo) == 0);
        zmq_msg_t m;
        zmq_msg_init (&m);
        while (zmq_msg_recv (&m, mon, 0) >= 0) {
            if (zmq_msg_more (&m) && zmq_msg_size (&m) == 6) {
                unsigned short ev;
                memcpy (&ev, zmq_msg_data (&m), 2);
                CHECK (ev != ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
                CHECK (ev != ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL);
                connected += ev == ZMQ_EVENT_CONNECTED;
                disconnected += ev == ZMQ_EVENT_DISCONNECTED;
            }
        }
        zmq_msg_close (&m);
        /* When our side reads libzmq's READY first and closes, libzmq sees a plain
         * disconnect and may reconnect; only a mismatch it detects itself stops it. */
        CHECK (connected >= 1);
        CHECK (disconnected >= 1);
        zmq_close (mon);
        zmq_close (s);
        zmq_ctx_term (ctx);
        return 0;
    }
    if (type == ZMQ_DEALER) {
        send_str (s, "hello", ZMQ_SNDMORE);
        send_str (s, "world", 0);
        recv_str (s, "reply", 1);
        recv_str (s, "ok", 0);
        /* Idle for several heartbeat timeouts. */
        zmq_sleep (1);
        send_str (s, "bye", 0);
        recv_str (s, "done", 0);
    } else if (type == ZMQ_SUB) {
        CHECK (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "A", 1) == 0);
        recv_str (s, "Amsg", 0);
        zmq_sleep (1);
        CHECK (zmq_setsockopt (s, ZMQ_UNSUBSCRIBE, "A", 1) == 0);
        zmq_sleep (1);
    } else {
        recv_str (s, "\001T", 0);
        send_str (s, "Other", 0);
        send_str (s, "Tdata", 0);
        char buf[8];
        CHECK (zmq_recv (s, buf, sizeof buf, 0) == 2);
        CHECK (buf[0] == 0 && buf[1] == 'T');
    }
    check_monitor (mon);
    zmq_close (mon);
    zmq_close (s);
    zmq_ctx_term (ctx);
    return 0;
}

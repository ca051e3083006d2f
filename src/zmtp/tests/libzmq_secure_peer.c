/* A libzmq peer for the live PLAIN and CURVE tests in libzmq_secure.rs: one DEALER that
 * runs a scripted exchange with the real libzmq over TCP and exits 0 on success, 1 (with
 * a message) on failure. Keys are the zmq_curve(7) test keys (protocol.md 8.2).
 *
 *   libzmq_secure_peer curve-server | plain-server   (binds, prints the endpoint first)
 *   libzmq_secure_peer plain-server-deny   (binds; its ZAP handler answers 400)
 *   libzmq_secure_peer curve-client | plain-client <endpoint>
 *   libzmq_secure_peer curve-client-denied | plain-client-denied <endpoint>
 *       (expects HANDSHAKE_FAILED_AUTH 400 and no reconnection)
 *
 * The PLAIN server runs a ZAP handler that expects admin/secret and answers 200 with
 * user id "uid"; the CURVE server has none (encryption without authentication).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf (stderr, "libzmq_secure_peer: %s:%d: %s (%s)\n", __FILE__, \
                     __LINE__, #cond, zmq_strerror (zmq_errno ()));            \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

static const char client_public[] = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
static const char client_secret[] = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
static const char server_public[] = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
static const char server_secret[] = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

static void send_str (void *s, const char *str, int flags)
{
    CHECK (zmq_send (s, str, strlen (str), flags) == (int) strlen (str));
}

/* Receives one frame and checks its text, its MORE flag and, if given, its User-Id. */
static void recv_str (void *s, const char *want, int more, const char *user_id)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    int n = zmq_msg_recv (&m, s, 0);
    CHECK (n >= 0);
    if ((size_t) n != strlen (want) || memcmp (zmq_msg_data (&m), want, n) != 0) {
        fprintf (stderr, "libzmq_secure_peer: got '%.*s', want '%s'\n", n,
                 (char *) zmq_msg_data (&m), want);
        exit (1);
    }
    CHECK (zmq_msg_more (&m) == more);
    if (user_id) {
        const char *got = zmq_msg_gets (&m, "User-Id");
        CHECK (got && strcmp (got, user_id) == 0);
    }
    zmq_msg_close (&m);
}

static void recv_frame (void *s, const char *want, size_t len, int more)
{
    char buf[64];
    int n = zmq_recv (s, buf, sizeof buf, 0);
    CHECK (n >= 0 && (size_t) n == len && memcmp (buf, want, len) == 0);
    int rcvmore = 0;
    size_t sz = sizeof rcvmore;
    CHECK (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &sz) == 0);
    CHECK (rcvmore == more);
}

/* One ZAP request for PLAIN admin/secret, answered with `status` and user id "uid". */
static void serve_zap (void *zap, const char *status)
{
    recv_frame (zap, "1.0", 3, 1);
    recv_frame (zap, "1", 1, 1);
    recv_frame (zap, "", 0, 1);                  /* domain */
    recv_frame (zap, "127.0.0.1", 9, 1);         /* address */
    recv_frame (zap, "", 0, 1);                  /* identity */
    recv_frame (zap, "PLAIN", 5, 1);
    recv_frame (zap, "admin", 5, 1);
    recv_frame (zap, "secret", 6, 0);
    send_str (zap, "1.0", ZMQ_SNDMORE);
    send_str (zap, "1", ZMQ_SNDMORE);
    send_str (zap, status, ZMQ_SNDMORE);
    send_str (zap, "OK", ZMQ_SNDMORE);
    send_str (zap, "uid", ZMQ_SNDMORE);
    send_str (zap, "", 0);
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
            CHECK (ev != ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
        }
    }
    zmq_msg_close (&m);
}

/* Waits for HANDSHAKE_FAILED_AUTH with status 400; fails on HANDSHAKE_SUCCEEDED and on
 * a second connection (an authentication failure is final for a connecter). */
static void expect_denied (void *mon)
{
    int rcvtimeo = 1500, connected = 0, denied = 0;
    CHECK (zmq_setsockopt (mon, ZMQ_RCVTIMEO, &rcvtimeo, sizeof rcvtimeo) == 0);
    zmq_msg_t m;
    zmq_msg_init (&m);
    while (zmq_msg_recv (&m, mon, 0) >= 0) {
        if (zmq_msg_more (&m) && zmq_msg_size (&m) == 6) {
            unsigned short ev;
            unsigned int value;
            memcpy (&ev, zmq_msg_data (&m), 2);
            memcpy (&value, (char *) zmq_msg_data (&m) + 2, 4);
            CHECK (ev != ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
            connected += ev == ZMQ_EVENT_CONNECTED;
            if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
                CHECK (value == 400);
                denied++;
            }
        }
    }
    zmq_msg_close (&m);
    CHECK (connected == 1);
    CHECK (denied == 1);
}

int main (int argc, char **argv)
{
    CHECK (argc >= 2);
    const char *mode = argv[1];
    int curve = strncmp (mode, "curve", 5) == 0;
    int server = strstr (mode, "server") != NULL;
    CHECK (server || argc == 3);
    void *ctx = zmq_ctx_new ();
    void *zap = NULL;
    if (server && !curve) {
        zap = zmq_socket (ctx, ZMQ_REP);
        CHECK (zmq_bind (zap, "inproc://zeromq.zap.01") == 0);
    }
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    CHECK (s);
    int one = 1, timeout = 5000, ivl = 50, hb_timeout = 1000, linger = 1000;
    CHECK (zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout) == 0);
    CHECK (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger) == 0);
    /* libzmq pings us every 50 ms and drops us after 1 s without traffic: our
     * PONGs (encrypted with CURVE) keep the connection up. */
    CHECK (zmq_setsockopt (s, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl) == 0);
    CHECK (zmq_setsockopt (s, ZMQ_HEARTBEAT_TIMEOUT, &hb_timeout, sizeof hb_timeout) == 0);
    if (curve && server) {
        CHECK (zmq_setsockopt (s, ZMQ_CURVE_SERVER, &one, sizeof one) == 0);
        CHECK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, server_secret, 40) == 0);
    } else if (curve) {
        CHECK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, server_public, 40) == 0);
        CHECK (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, client_public, 40) == 0);
        CHECK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, client_secret, 40) == 0);
    } else if (server) {
        CHECK (zmq_setsockopt (s, ZMQ_PLAIN_SERVER, &one, sizeof one) == 0);
    } else {
        CHECK (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, "admin", 5) == 0);
        CHECK (zmq_setsockopt (s, ZMQ_PLAIN_PASSWORD, "secret", 6) == 0);
    }
    CHECK (zmq_socket_monitor (s, "inproc://mon", ZMQ_EVENT_ALL) == 0);
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (zmq_connect (mon, "inproc://mon") == 0);

    if (server) {
        char endpoint[256];
        size_t len = sizeof endpoint;
        CHECK (zmq_bind (s, "tcp://127.0.0.1:*") == 0);
        CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, endpoint, &len) == 0);
        printf ("%s\n", endpoint);
        fflush (stdout);
    } else {
        CHECK (zmq_connect (s, argv[2]) == 0);
    }
    if (zap && strstr (mode, "deny")) {
        /* Our client must see the ERROR and go away for good. */
        CHECK (zmq_setsockopt (zap, ZMQ_RCVTIMEO, &timeout, sizeof timeout) == 0);
        serve_zap (zap, "400");
        zmq_sleep (1);
        zmq_close (mon);
        zmq_close (s);
        zmq_close (zap);
        zmq_ctx_term (ctx);
        return 0;
    }
    if (strstr (mode, "denied")) {
        expect_denied (mon);
        zmq_close (mon);
        zmq_close (s);
        zmq_ctx_term (ctx);
        return 0;
    }
    if (zap) {
        CHECK (zmq_setsockopt (zap, ZMQ_RCVTIMEO, &timeout, sizeof timeout) == 0);
        serve_zap (zap, "200");
    }
    send_str (s, "hello", ZMQ_SNDMORE);
    send_str (s, "world", 0);
    recv_str (s, "reply", 1, zap ? "uid" : NULL);
    recv_str (s, "ok", 0, NULL);
    /* Idle for several heartbeat timeouts. */
    zmq_sleep (1);
    send_str (s, "bye", 0);
    recv_str (s, "done", 0, NULL);
    check_monitor (mon);
    zmq_close (mon);
    zmq_close (s);
    if (zap)
        zmq_close (zap);
    zmq_ctx_term (ctx);
    return 0;
}

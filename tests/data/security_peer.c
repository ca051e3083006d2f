/* A libzmq peer for tests/security.rs: `security_peer MODE ENDPOINT [ARGS...]`.
 *
 *   plain-server EP              REP with ZMQ_PLAIN_SERVER and a ZAP handler thread that
 *                                answers 200 with user id "c-user" for password "secret"
 *                                and 400 otherwise; replies "User-Id=<id>" to one request.
 *   plain-client EP USER PASS    REQ with PLAIN credentials; sends "hello".
 *   curve-server EP SECRET       REP with ZMQ_CURVE_SERVER, no ZAP handler, heartbeats every
 *                                100 ms; replies "ok:<request>" to one request.
 *   curve-client EP SERVERKEY PUBLIC SECRET
 *                                REQ with CURVE keys and heartbeats every 100 ms; waits
 *                                600 ms (several PING/PONG rounds), then sends "hello".
 *   curve-sub EP SERVERKEY PUBLIC SECRET
 *                                SUB with CURVE keys, subscribed to "A"; receives one
 *                                message.
 *
 * Servers print "bound <endpoint>" first. Every mode then prints "got <message>" for the
 * message it received (or "timeout" after 3 s), then "disconnects <n>" (DISCONNECTED
 * monitor events seen), and exits 0; setup failures exit 1. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

static void *ctx;
static volatile int zap_stop;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "peer: %s: %s\n", what, zmq_strerror(zmq_errno()));
        exit(1);
    }
}

static void zap_handler(void *arg)
{
    void *rep = arg;
    while (!zap_stop) {
        /* Version, request id, domain, address, identity, mechanism, user, password. */
        char frames[9][256];
        int sizes[9], n = 0, more = 1;
        while (more) {
            int rc = zmq_recv(rep, frames[n < 9 ? n : 8], 255, 0);
            if (rc == -1)
                break;
            sizes[n < 9 ? n : 8] = rc;
            n++;
            size_t len = sizeof more;
            zmq_getsockopt(rep, ZMQ_RCVMORE, &more, &len);
        }
        if (n == 0)
            continue;
        int ok = n == 8 && sizes[7] == 6 && memcmp(frames[7], "secret", 6) == 0;
        zmq_send(rep, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(rep, frames[1], sizes[1], ZMQ_SNDMORE);
        zmq_send(rep, ok ? "200" : "400", 3, ZMQ_SNDMORE);
        zmq_send(rep, "", 0, ZMQ_SNDMORE);
        zmq_send(rep, "c-user", 6, ZMQ_SNDMORE);
        zmq_send(rep, "", 0, 0);
    }
}

static void set_key(void *s, int option, const char *z85)
{
    check(zmq_setsockopt(s, option, z85, 40) == 0, "key option");
}

static void set_int(void *s, int option, int value)
{
    check(zmq_setsockopt(s, option, &value, sizeof value) == 0, "int option");
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    const char *mode = argv[1], *ep = argv[2];
    ctx = zmq_ctx_new();
    void *zap = NULL, *zap_thread = NULL;
    int server = strstr(mode, "-server") != NULL;
    int type = strcmp(mode, "curve-sub") == 0 ? ZMQ_SUB : server ? ZMQ_REP : ZMQ_REQ;
    void *s = zmq_socket(ctx, type);
    set_int(s, ZMQ_RCVTIMEO, 3000);
    set_int(s, ZMQ_SNDTIMEO, 3000);
    set_int(s, ZMQ_LINGER, 1000);
    if (strcmp(mode, "plain-server") == 0) {
        zap = zmq_socket(ctx, ZMQ_REP);
        set_int(zap, ZMQ_RCVTIMEO, 100);
        set_int(zap, ZMQ_LINGER, 0);
        check(zmq_bind(zap, "inproc://zeromq.zap.01") == 0, "zap bind");
        zap_thread = zmq_threadstart(zap_handler, zap);
        set_int(s, ZMQ_PLAIN_SERVER, 1);
    } else if (strcmp(mode, "plain-client") == 0 && argc == 5) {
        check(zmq_setsockopt(s, ZMQ_PLAIN_USERNAME, argv[3], strlen(argv[3])) == 0, "user");
        check(zmq_setsockopt(s, ZMQ_PLAIN_PASSWORD, argv[4], strlen(argv[4])) == 0, "pass");
    } else if (strcmp(mode, "curve-server") == 0 && argc == 4) {
        set_int(s, ZMQ_CURVE_SERVER, 1);
        set_key(s, ZMQ_CURVE_SECRETKEY, argv[3]);
        set_int(s, ZMQ_HEARTBEAT_IVL, 100);
    } else if ((strcmp(mode, "curve-client") == 0 || strcmp(mode, "curve-sub") == 0)
               && argc == 6) {
        set_key(s, ZMQ_CURVE_SERVERKEY, argv[3]);
        set_key(s, ZMQ_CURVE_PUBLICKEY, argv[4]);
        set_key(s, ZMQ_CURVE_SECRETKEY, argv[5]);
        set_int(s, ZMQ_HEARTBEAT_IVL, 100);
        if (type == ZMQ_SUB)
            check(zmq_setsockopt(s, ZMQ_SUBSCRIBE, "A", 1) == 0, "subscribe");
    } else
        return 2;

    check(zmq_socket_monitor(s, "inproc://peer-monitor", ZMQ_EVENT_DISCONNECTED) == 0,
          "monitor");
    void *mon = zmq_socket(ctx, ZMQ_PAIR);
    set_int(mon, ZMQ_LINGER, 0);
    check(zmq_connect(mon, "inproc://peer-monitor") == 0, "monitor connect");

    if (server) {
        check(zmq_bind(s, ep) == 0, "bind");
        char bound[256];
        size_t len = sizeof bound;
        zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, bound, &len);
        printf("bound %s\n", bound);
    } else
        check(zmq_connect(s, ep) == 0, "connect");
    fflush(stdout);

    if (type == ZMQ_REQ) {
        if (strcmp(mode, "curve-client") == 0)
            usleep(600 * 1000);
        check(zmq_send(s, "hello", 5, 0) == 5, "send");
    }
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, s, 0) == -1)
        printf("timeout\n");
    else {
        printf("got %.*s\n", (int) zmq_msg_size(&m), (char *) zmq_msg_data(&m));
        if (type == ZMQ_REP) {
            char reply[300];
            if (zap) {
                const char *user = zmq_msg_gets(&m, "User-Id");
                snprintf(reply, sizeof reply, "User-Id=%s", user ? user : "(none)");
            } else
                snprintf(reply, sizeof reply, "ok:%.*s", (int) zmq_msg_size(&m),
                         (char *) zmq_msg_data(&m));
            check(zmq_send(s, reply, strlen(reply), 0) >= 0, "reply");
            /* Let the reply go out (and a few more heartbeats happen). */
            usleep(300 * 1000);
        }
    }
    zmq_msg_close(&m);

    int disconnects = 0;
    zmq_msg_t ev;
    zmq_msg_init(&ev);
    while (zmq_msg_recv(&ev, mon, ZMQ_DONTWAIT) != -1) {
        uint16_t event;
        if (zmq_msg_size(&ev) == 6) {
            memcpy(&event, zmq_msg_data(&ev), 2);
            disconnects += event == ZMQ_EVENT_DISCONNECTED;
        }
    }
    zmq_msg_close(&ev);
    printf("disconnects %d\n", disconnects);
    fflush(stdout);

    zmq_socket_monitor(s, NULL, 0);
    zmq_close(mon);
    zmq_close(s);
    if (zap) {
        zap_stop = 1;
        zmq_threadclose(zap_thread);
        zmq_close(zap);
    }
    zmq_ctx_term(ctx);
    return 0;
}

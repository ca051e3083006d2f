/* A remote-controlled libzmq for tests/interop.rs and tests/bad_input.rs.
 *
 * The test writes one command per line on stdin and reads one answer line per command on
 * stdout: "ok ..." or "err ERRNO". Binary data travels as lowercase hex, "-" standing for
 * an empty frame. Sockets and monitor sockets live in numbered slots chosen by the test.
 *
 *   socket ID TYPE               new socket (RCVTIMEO/SNDTIMEO 5 s, LINGER 1 s)
 *   setint ID OPT VALUE          zmq_setsockopt with an int
 *   setlong ID OPT VALUE         zmq_setsockopt with an int64_t
 *   setbin ID OPT HEX            zmq_setsockopt with bytes
 *   getbin ID OPT                "ok HEX"
 *   bind ID ENDPOINT             "ok LAST_ENDPOINT"
 *   connect ID ENDPOINT
 *   send ID HEX...               one message, one argument per frame
 *   recv ID TIMEOUT_MS           "ok HEX..." (every frame of one message)
 *   recvprops ID TIMEOUT_MS NAME...   one frame: "ok HEX VALUE..." with zmq_msg_gets of
 *                                each NAME as hex, "!" when it is not there
 *   sendmany ID COUNT            COUNT messages of the numbered pattern (see numbered())
 *   recvmany ID COUNT TIMEOUT_MS receives and checks COUNT of them: "ok" or "err 0 I"
 *   monitor ID MON_ID EVENTS     zmq_socket_monitor on inproc://mon-ID, read through MON_ID
 *   event MON_ID TIMEOUT_MS      "ok EVENT VALUE ENDPOINT"
 *   zap STATUS USER_ID [KEYHEX]  a ZAP handler (REP at inproc://zeromq.zap.01, on its own
 *                                thread) answering every request with STATUS and USER_ID, or
 *                                with 200 when the CURVE client key is KEYHEX; again: new answers
 *   close ID
 *   quit                         closes everything left, terminates the context, exits 0
 *
 * A test that dies leaves stdin at EOF, which ends the peer the same way as quit. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define SLOTS 64

static void *ctx;
static void *slots[SLOTS];

static void reply_err(void);
static long from_hex(char *hex);

/* The ZAP handler's answers, set by "zap" and read by its thread. */
static pthread_mutex_t zap_lock = PTHREAD_MUTEX_INITIALIZER;
static char zap_status[4], zap_user[256];
static unsigned char zap_key[32];
static int zap_has_key, zap_stop;
static void *zap_sock;
static pthread_t zap_thread;

static void *zap_main(void *arg)
{
    (void) arg;
    int t = 100;
    zmq_setsockopt(zap_sock, ZMQ_RCVTIMEO, &t, sizeof t);
    for (;;) {
        pthread_mutex_lock(&zap_lock);
        int stop = zap_stop;
        pthread_mutex_unlock(&zap_lock);
        if (stop)
            break;
        /* Frames: version, request id, domain, address, identity, mechanism, credentials. */
        unsigned char frames[8][256];
        int sizes[8] = {0}, count = 0, more = 1;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, zap_sock, 0) < 0) {
                zmq_msg_close(&m);
                if (count == 0)
                    break;
                continue;
            }
            if (count < 8) {
                size_t len = zmq_msg_size(&m) < 256 ? zmq_msg_size(&m) : 256;
                memcpy(frames[count], zmq_msg_data(&m), len);
                sizes[count] = (int) len;
            }
            count++;
            more = zmq_msg_more(&m);
            zmq_msg_close(&m);
        }
        if (count == 0)
            continue;
        pthread_mutex_lock(&zap_lock);
        char status[4], user[256];
        memcpy(status, zap_status, sizeof status);
        memcpy(user, zap_user, sizeof user);
        if (zap_has_key && count >= 7 && sizes[5] == 5 && memcmp(frames[5], "CURVE", 5) == 0
            && sizes[6] == 32 && memcmp(frames[6], zap_key, 32) == 0)
            memcpy(status, "200", 4);
        pthread_mutex_unlock(&zap_lock);
        zmq_send(zap_sock, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(zap_sock, frames[1], (size_t) sizes[1], ZMQ_SNDMORE);
        zmq_send(zap_sock, status, 3, ZMQ_SNDMORE);
        zmq_send(zap_sock, "", 0, ZMQ_SNDMORE);
        zmq_send(zap_sock, user, strlen(user), ZMQ_SNDMORE);
        zmq_send(zap_sock, "", 0, 0);
    }
    zmq_close(zap_sock);
    return NULL;
}

/* "zap STATUS USER_ID [KEYHEX]": starts the handler once, then only changes its answers. */
static void zap(char **w, int n)
{
    long keylen = n == 4 ? from_hex(w[3]) : 0;
    if (strlen(w[1]) != 3 || strlen(w[2]) >= sizeof zap_user || (n == 4 && keylen != 32)) {
        puts("err -1");
        return;
    }
    pthread_mutex_lock(&zap_lock);
    memcpy(zap_status, w[1], 4);
    strcpy(zap_user, w[2]);
    zap_has_key = n == 4;
    if (n == 4)
        memcpy(zap_key, w[3], 32);
    pthread_mutex_unlock(&zap_lock);
    if (!zap_sock) {
        zap_sock = zmq_socket(ctx, ZMQ_REP);
        if (!zap_sock || zmq_bind(zap_sock, "inproc://zeromq.zap.01") != 0
            || pthread_create(&zap_thread, NULL, zap_main, NULL) != 0) {
            reply_err();
            return;
        }
    }
    puts("ok");
}

static void reply_err(void)
{
    printf("err %d\n", zmq_errno());
}

static void put_hex(const unsigned char *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    if (len == 0) {
        fputs(" -", stdout);
        return;
    }
    putchar(' ');
    for (size_t i = 0; i < len; i++) {
        putchar(digits[data[i] >> 4]);
        putchar(digits[data[i] & 15]);
    }
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes HEX in place; returns the byte count, or -1 when it is not hex. */
static long from_hex(char *hex)
{
    if (strcmp(hex, "-") == 0)
        return 0;
    size_t n = strlen(hex);
    if (n % 2 != 0)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        hex[i] = (char) (hi << 4 | lo);
    }
    return (long) (n / 2);
}

static void *slot(const char *arg)
{
    int id = atoi(arg);
    return id >= 0 && id < SLOTS ? slots[id] : NULL;
}

static int set_timeout(void *s, int ms)
{
    return zmq_setsockopt(s, ZMQ_RCVTIMEO, &ms, sizeof ms);
}

/* Message I of a numbered run: its number (4 bytes big-endian), then I * 7 % 300 bytes
 * of value (I + J) % 256; a second frame of 3 bytes when I % 10 == 9. Returns the first
 * frame's size. */
static size_t numbered(unsigned i, unsigned char *buf)
{
    size_t n = i * 7 % 300;
    buf[0] = (unsigned char) (i >> 24);
    buf[1] = (unsigned char) (i >> 16);
    buf[2] = (unsigned char) (i >> 8);
    buf[3] = (unsigned char) i;
    for (size_t j = 0; j < n; j++)
        buf[4 + j] = (unsigned char) ((i + j) % 256);
    return 4 + n;
}

/* Runs one command given as whitespace-separated words; prints exactly one line. */
static void run(char **w, int n)
{
    const char *cmd = w[0];
    if (strcmp(cmd, "socket") == 0 && n == 3) {
        int id = atoi(w[1]);
        void *s = zmq_socket(ctx, atoi(w[2]));
        if (!s || id < 0 || id >= SLOTS || slots[id]) {
            reply_err();
            return;
        }
        int t = 5000, linger = 1000;
        zmq_setsockopt(s, ZMQ_RCVTIMEO, &t, sizeof t);
        zmq_setsockopt(s, ZMQ_SNDTIMEO, &t, sizeof t);
        zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
        slots[id] = s;
        puts("ok");
        return;
    }
    if (strcmp(cmd, "zap") == 0 && (n == 3 || n == 4)) {
        zap(w, n);
        return;
    }
    void *s = n >= 2 ? slot(w[1]) : NULL;
    if (!s) {
        puts("err -1");
        return;
    }
    if (strcmp(cmd, "setint") == 0 && n == 4) {
        int v = atoi(w[3]);
        if (zmq_setsockopt(s, atoi(w[2]), &v, sizeof v) != 0)
            reply_err();
        else
            puts("ok");
    } else if (strcmp(cmd, "setlong") == 0 && n == 4) {
        int64_t v = atoll(w[3]);
        if (zmq_setsockopt(s, atoi(w[2]), &v, sizeof v) != 0)
            reply_err();
        else
            puts("ok");
    } else if (strcmp(cmd, "setbin") == 0 && n == 4) {
        long len = from_hex(w[3]);
        if (len < 0 || zmq_setsockopt(s, atoi(w[2]), w[3], (size_t) len) != 0)
            reply_err();
        else
            puts("ok");
    } else if (strcmp(cmd, "getbin") == 0 && n == 3) {
        unsigned char buf[256];
        size_t len = sizeof buf;
        if (zmq_getsockopt(s, atoi(w[2]), buf, &len) != 0) {
            reply_err();
            return;
        }
        fputs("ok", stdout);
        put_hex(buf, len);
        putchar('\n');
    } else if ((strcmp(cmd, "bind") == 0 || strcmp(cmd, "connect") == 0) && n == 3) {
        int rc = cmd[0] == 'b' ? zmq_bind(s, w[2]) : zmq_connect(s, w[2]);
        if (rc != 0) {
            reply_err();
            return;
        }
        char ep[256];
        size_t len = sizeof ep;
        zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &len);
        printf("ok %s\n", ep);
    } else if (strcmp(cmd, "send") == 0 && n >= 3) {
        for (int i = 2; i < n; i++) {
            long len = from_hex(w[i]);
            if (len < 0 || zmq_send(s, w[i], (size_t) len, i + 1 < n ? ZMQ_SNDMORE : 0) < 0) {
                reply_err();
                return;
            }
        }
        puts("ok");
    } else if (strcmp(cmd, "recv") == 0 && n == 3) {
        set_timeout(s, atoi(w[2]));
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, 0) < 0) {
            reply_err();
            zmq_msg_close(&m);
            return;
        }
        /* The rest of a message is already there once its first frame is. */
        fputs("ok", stdout);
        for (;;) {
            put_hex(zmq_msg_data(&m), zmq_msg_size(&m));
            if (!zmq_msg_more(&m) || zmq_msg_recv(&m, s, 0) < 0)
                break;
        }
        putchar('\n');
        zmq_msg_close(&m);
    } else if (strcmp(cmd, "recvprops") == 0 && n >= 3) {
        set_timeout(s, atoi(w[2]));
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, 0) < 0) {
            reply_err();
            zmq_msg_close(&m);
            return;
        }
        fputs("ok", stdout);
        put_hex(zmq_msg_data(&m), zmq_msg_size(&m));
        for (int i = 3; i < n; i++) {
            const char *v = zmq_msg_gets(&m, w[i]);
            if (v)
                put_hex((const unsigned char *) v, strlen(v));
            else
                fputs(" !", stdout);
        }
        putchar('\n');
        zmq_msg_close(&m);
    } else if (strcmp(cmd, "sendmany") == 0 && n == 3) {
        unsigned char buf[304];
        unsigned count = (unsigned) atoi(w[2]);
        for (unsigned i = 0; i < count; i++) {
            size_t len = numbered(i, buf);
            int two = i % 10 == 9;
            if (zmq_send(s, buf, len, two ? ZMQ_SNDMORE : 0) < 0
                || (two && zmq_send(s, "end", 3, 0) < 0)) {
                reply_err();
                return;
            }
        }
        puts("ok");
    } else if (strcmp(cmd, "recvmany") == 0 && n == 4) {
        unsigned char want[304], got[400];
        unsigned count = (unsigned) atoi(w[2]);
        set_timeout(s, atoi(w[3]));
        for (unsigned i = 0; i < count; i++) {
            size_t len = numbered(i, want);
            int more;
            size_t more_size = sizeof more;
            int r = zmq_recv(s, got, sizeof got, 0);
            if (r < 0) {
                reply_err();
                return;
            }
            zmq_getsockopt(s, ZMQ_RCVMORE, &more, &more_size);
            int ok = (size_t) r == len && memcmp(got, want, len) == 0 && more == (i % 10 == 9);
            if (ok && more)
                ok = zmq_recv(s, got, sizeof got, 0) == 3 && memcmp(got, "end", 3) == 0;
            if (!ok) {
                printf("err 0 %u\n", i);
                return;
            }
        }
        puts("ok");
    } else if (strcmp(cmd, "monitor") == 0 && n == 4) {
        int mon_id = atoi(w[2]);
        char ep[64];
        snprintf(ep, sizeof ep, "inproc://mon-%s", w[1]);
        if (zmq_socket_monitor(s, ep, atoi(w[3])) != 0) {
            reply_err();
            return;
        }
        void *m = zmq_socket(ctx, ZMQ_PAIR);
        if (!m || mon_id < 0 || mon_id >= SLOTS || slots[mon_id] || zmq_connect(m, ep) != 0) {
            reply_err();
            return;
        }
        slots[mon_id] = m;
        puts("ok");
    } else if (strcmp(cmd, "event") == 0 && n == 3) {
        set_timeout(s, atoi(w[2]));
        unsigned char head[6];
        char ep[256];
        if (zmq_recv(s, head, sizeof head, 0) != 6) {
            reply_err();
            return;
        }
        int len = zmq_recv(s, ep, sizeof ep - 1, 0);
        if (len < 0) {
            reply_err();
            return;
        }
        ep[len < (int) sizeof ep - 1 ? len : (int) sizeof ep - 1] = 0;
        uint16_t event;
        uint32_t value;
        memcpy(&event, head, 2);
        memcpy(&value, head + 2, 4);
        printf("ok %u %u %s\n", (unsigned) event, (unsigned) value, ep);
    } else if (strcmp(cmd, "close") == 0 && n == 2) {
        zmq_socket_monitor(s, NULL, 0);
        zmq_close(s);
        slots[atoi(w[1])] = NULL;
        puts("ok");
    } else {
        puts("err -1");
    }
}

int main(void)
{
    ctx = zmq_ctx_new();
    char *line = NULL;
    size_t cap = 0;
    char **words = NULL;
    size_t words_cap = 0;
    while (getline(&line, &cap, stdin) > 0) {
        int n = 0;
        for (char *tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n")) {
            if ((size_t) n == words_cap) {
                words_cap = words_cap ? 2 * words_cap : 16;
                words = realloc(words, words_cap * sizeof *words);
            }
            words[n++] = tok;
        }
        if (n == 0)
            continue;
        if (strcmp(words[0], "quit") == 0)
            break;
        run(words, n);
        fflush(stdout);
    }
    for (int i = 0; i < SLOTS; i++)
        if (slots[i])
            zmq_close(slots[i]);
    if (zap_sock) {
        pthread_mutex_lock(&zap_lock);
        zap_stop = 1;
        pthread_mutex_unlock(&zap_lock);
        pthread_join(zap_thread, NULL);
    }
    zmq_ctx_term(ctx);
    puts("ok");
    free(words);
    free(line);
    return 0;
}

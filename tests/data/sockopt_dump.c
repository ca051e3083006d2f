/* Dumps libzmq's socket option behaviour: defaults per buffer length, and setsockopt results
 * for probe values with the value read back. One line per distinct result; the last field of
 * each line is the mask of socket types (bit t = type t) that gave it.
 *
 * The fixture sockopt_libzmq_4.3.4.txt is this program's output against Debian's libzmq 4.3.4:
 *     gcc -Wall -O1 tests/data/sockopt_dump.c -o /tmp/sockopt_dump -lzmq
 *     /tmp/sockopt_dump > tests/data/sockopt_libzmq_4.3.4.txt
 * and the tests of src/socket/options.rs replay it against our option table. */
#include <zmq.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NTYPES 21
#define MAXOPT 124
static void *ctx;
static int live;
/* zmq_close is asynchronous: renew the context now and then so closed sockets are reaped
 * and the socket limit is never reached. */
static void *new_socket (int type) {
    if (++live > 400) { zmq_ctx_term (ctx); ctx = zmq_ctx_new (); live = 1; }
    void *s = zmq_socket (ctx, type);
    if (!s) { fprintf (stderr, "zmq_socket(%d): %s\n", type, zmq_strerror (zmq_errno ())); _exit (1); }
    return s;
}

struct probe { const char *name; int null; size_t len; unsigned char bytes[300]; };
static struct probe probes[64];
static int nprobes;

static void add_int (const char *name, int v) {
    struct probe *p = &probes[nprobes++]; p->name = name; p->len = sizeof v; memcpy (p->bytes, &v, sizeof v);
}
static void add_i64 (const char *name, int64_t v) {
    struct probe *p = &probes[nprobes++]; p->name = name; p->len = sizeof v; memcpy (p->bytes, &v, sizeof v);
}
static void add_bytes (const char *name, const void *b, size_t len) {
    struct probe *p = &probes[nprobes++]; p->name = name; p->len = len; memcpy (p->bytes, b, len);
}

static const size_t getlens[] = {0, 1, 4, 8, 32, 40, 41, 256};
#define NGETLENS (sizeof getlens / sizeof getlens[0])

/* One get: "rc:errno:outlen:hex:tail" into out. tail: Z = rest zeroed, K = rest untouched, M = mixed, - = none */
static void do_get (void *s, int opt, size_t len, char *out) {
    unsigned char buf[300];
    memset (buf, 0xAA, sizeof buf);
    size_t l = len;
    int rc = zmq_getsockopt (s, opt, buf, &l);
    int e = rc == -1 ? zmq_errno () : 0;
    char *o = out + sprintf (out, "%d:%d:%zu:", rc, e, l);
    if (rc == 0) {
        size_t n = l < len ? l : len;
        if (opt == ZMQ_FD) o += sprintf (o, "FD");
        else for (size_t i = 0; i < n; i++) o += sprintf (o, "%02x", buf[i]);
        char tail = '-';
        for (size_t i = n; i < len; i++) {
            char c = buf[i] == 0 ? 'Z' : buf[i] == 0xAA ? 'K' : 'M';
            tail = tail == '-' ? c : tail == c ? c : 'M';
        }
        o += sprintf (o, ":%c", tail);
    } else {
        /* on failure: was the buffer touched? */
        int touched = 0;
        for (size_t i = 0; i < len; i++) touched |= buf[i] != 0xAA;
        o += sprintf (o, "-:%c", touched ? 'T' : 'U');
    }
}

/* Results per type, collapsed: emit each distinct string once with its type mask. */
static char results[NTYPES][4096];
static void flush (const char *prefix) {
    int done[NTYPES] = {0};
    for (int t = 0; t < NTYPES; t++) {
        if (done[t]) continue;
        unsigned mask = 0;
        for (int u = t; u < NTYPES; u++)
            if (!done[u] && strcmp (results[t], results[u]) == 0) { mask |= 1u << u; done[u] = 1; }
        printf ("%s %s %x\n", prefix, results[t], mask);
    }
}

static const int fx_opts[] = {ZMQ_MECHANISM, ZMQ_PLAIN_SERVER, ZMQ_CURVE_SERVER, ZMQ_IPV6};

int main (void) {
    ctx = zmq_ctx_new ();
    add_bytes ("null0", "", 0); probes[0].null = 1;
    add_bytes ("empty", "", 0);
    add_int ("i0", 0); add_int ("i1", 1); add_int ("i2", 2); add_int ("i3", 3); add_int ("i4", 4);
    add_int ("i7", 7); add_int ("im1", -1); add_int ("im2", -2); add_int ("i99", 99); add_int ("i100", 100);
    add_int ("i150", 150); add_int ("i254", 254); add_int ("i255", 255); add_int ("i256", 256);
    add_int ("i6553599", 6553599); add_int ("i6553600", 6553600); add_int ("imax", INT_MAX); add_int ("imin", INT_MIN);
    add_i64 ("l0", 0); add_i64 ("lm1", -1); add_i64 ("l5", 5); add_i64 ("lbig", INT64_MAX);
    add_bytes ("b1", "a", 1); add_bytes ("b2", "ab", 2); add_bytes ("b3", "abc", 3);
    add_bytes ("z3", "\0ab", 3);
    { char x[256]; memset (x, 'x', 256); add_bytes ("b255", x, 255); add_bytes ("b256", x, 256); }
    add_bytes ("b15", "abcdefghijklmno", 15); add_bytes ("b16", "abcdefghijklmnop", 16); add_bytes ("b17", "abcdefghijklmnopq", 17);
    { unsigned char k[32]; for (int i = 0; i < 32; i++) k[i] = (unsigned char) (i + 1); add_bytes ("k32", k, 32);
      char z[41]; zmq_z85_encode (z, k, 32); add_bytes ("z40", z, 40); add_bytes ("z41", z, 41);
      z[0] = '~'; add_bytes ("z40bad", z, 40); add_bytes ("z41bad", z, 41); }
    add_bytes ("k31", "0123456789012345678901234567890", 31);
    add_bytes ("meta", "X-foo:bar", 9); add_bytes ("metanox", "foo:bar", 7); add_bytes ("metanoval", "X-foo:", 6);
    add_bytes ("metanocolon", "X-foo", 5); add_bytes ("metanokey", ":bar", 4);
    add_bytes ("ip", "127.0.0.1", 9); add_bytes ("cidr", "10.0.0.0/8", 10); add_bytes ("notip", "notanip", 7);
    add_bytes ("ipnul", "127.0.0.1", 10);

    printf ("# libzmq %d.%d.%d\n", ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH);
    printf ("# P name len hex\n");
    for (int p = 0; p < nprobes; p++) {
        printf ("P %s %s%zu ", probes[p].name, probes[p].null ? "null" : "", probes[p].len);
        for (size_t i = 0; i < probes[p].len; i++) printf ("%02x", probes[p].bytes[i]);
        printf ("%s\n", probes[p].len ? "" : "-");
    }
    printf ("# G opt buflen rc:errno:outlen:hex:tail typemask\n");
    for (int opt = 0; opt <= MAXOPT + 1; opt++) {
        for (size_t g = 0; g < NGETLENS; g++) {
            for (int t = 0; t < NTYPES; t++) {
                void *s = new_socket (t);
                do_get (s, opt, getlens[g], results[t]);
                zmq_close (s);
            }
            char prefix[64]; sprintf (prefix, "G %d %zu", opt, getlens[g]);
            flush (prefix);
        }
    }
    printf ("# S opt probe setrc:errno [len=get ...] [fx opt=get ...] typemask\n");
    for (int opt = 0; opt <= MAXOPT + 1; opt++) {
        for (int p = 0; p < nprobes; p++) {
            for (int t = 0; t < NTYPES; t++) {
                void *s = new_socket (t);
                char def[NGETLENS][600];
                for (size_t g = 0; g < NGETLENS; g++) do_get (s, opt, getlens[g], def[g]);
                char fxdef[4][600];
                for (int f = 0; f < 4; f++) do_get (s, fx_opts[f], 4, fxdef[f]);
                int rc = zmq_setsockopt (s, opt, probes[p].null ? NULL : probes[p].bytes, probes[p].len);
                char *o = results[t];
                o += sprintf (o, "%d:%d", rc, rc == -1 ? zmq_errno () : 0);
                /* read back at every length whose default get succeeded, when it changed */
                for (size_t g = 0; g < NGETLENS; g++) {
                    if (strncmp (def[g], "0:", 2) != 0) continue;
                    char now[600]; do_get (s, opt, getlens[g], now);
                    if (strcmp (now, def[g]) != 0) o += sprintf (o, " %zu=%s", getlens[g], now);
                }
                for (int f = 0; f < 4; f++) {
                    char now[600]; do_get (s, fx_opts[f], 4, now);
                    if (fx_opts[f] != opt && strcmp (now, fxdef[f]) != 0) o += sprintf (o, " fx%d=%s", fx_opts[f], now);
                }
                zmq_close (s);
            }
            char prefix[64]; sprintf (prefix, "S %d %s", opt, probes[p].name);
            flush (prefix);
        }
    }
    zmq_ctx_term (ctx);
    return 0;
}

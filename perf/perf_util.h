/* Shared bits of the perf tools: argument parsing and error reporting in libzmq's format.
 * The tools use only <zmq.h>, so each can run against any libzmq.so.5. */
#ifndef PERF_UTIL_H
#define PERF_UTIL_H

/* clock_gettime and nanosleep (perf_pace) under a strict -std=c99 as well. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <zmq.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* With ZMQ_PERF_REPORT set in the environment, a tool also prints to stderr, at exit,
 * which libzmq it ran on and its peak resident set size:
 *   perf: libzmq: <path of the mapped libzmq, from /proc/self/maps>
 *   perf: peak rss: <VmHWM from /proc/self/status> [KiB]
 * perf/compare uses them to check that each run loaded the library it asked for (both
 * libraries report version 4.3.x) and to record memory. VmHWM is read here, after exec,
 * because a parent's wait4() rusage would also count the memory of the process that forked
 * the tool. stdout keeps libzmq's output format. */
static void perf_report_at_exit (void)
{
    char line[4096];
    FILE *f = fopen ("/proc/self/maps", "r");
    if (f) {
        while (fgets (line, sizeof line, f)) {
            const char *path = strchr (line, '/');
            const char *base = strrchr (line, '/');
            if (path && strncmp (base + 1, "libzmq", 6) == 0) {
                fprintf (stderr, "perf: libzmq: %s", path);
                break;
            }
        }
        fclose (f);
    }
    f = fopen ("/proc/self/status", "r");
    if (f) {
        while (fgets (line, sizeof line, f)) {
            long kib;
            if (sscanf (line, "VmHWM: %ld kB", &kib) == 1) {
                fprintf (stderr, "perf: peak rss: %ld [KiB]\n", kib);
                break;
            }
        }
        fclose (f);
    }
}

__attribute__ ((constructor)) static void perf_report_init (void)
{
    if (getenv ("ZMQ_PERF_REPORT"))
        atexit (perf_report_at_exit);
}

/* With ZMQ_PERF_RATE=<messages per second> in the environment, perf_pace (i) before the
 * i-th send keeps a sender at that rate (it sleeps every 16 messages until the next one is
 * due), so that two libraries can be compared under the same load. Without it, it does
 * nothing. */
static inline void perf_pace (unsigned long i)
{
    static double rate = -1, start;
    if (rate < 0) {
        const char *env = getenv ("ZMQ_PERF_RATE");
        rate = env ? atof (env) : 0;
    }
    if (rate <= 0 || i % 16 != 0)
        return;
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    double t = (double) now.tv_sec + (double) now.tv_nsec / 1e9;
    if (i == 0)
        start = t;
    double ahead = start + (double) i / rate - t;
    if (ahead > 0) {
        struct timespec nap;
        nap.tv_sec = (time_t) ahead;
        nap.tv_nsec = (long) ((ahead - (double) nap.tv_sec) * 1e9);
        nanosleep (&nap, NULL);
    }
}

/* Prints "error in <call>: <text>" and exits non-zero. */
#define PERF_CHECK(call)                                                       \
    do {                                                                       \
        if ((call) == -1) {                                                    \
            printf ("error in %s: %s\n", #call, zmq_strerror (zmq_errno ()));  \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

/* The same for calls returning a pointer. */
#define PERF_CHECK_PTR(ptr, what)                                              \
    do {                                                                       \
        if (!(ptr)) {                                                          \
            printf ("error in %s: %s\n", what, zmq_strerror (zmq_errno ()));   \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

/* Receives `count` messages of `size` bytes on `s` and returns the microseconds from the
 * first to the last, as libzmq's local_thr times them; a message of another size ends the
 * program. */
static inline unsigned long perf_recv_timed (void *s, size_t size, unsigned long count)
{
    zmq_msg_t msg;
    PERF_CHECK (zmq_msg_init (&msg));
    void *watch = NULL;
    for (unsigned long i = 0; i != count; i++) {
        PERF_CHECK (zmq_recvmsg (s, &msg, 0));
        if (zmq_msg_size (&msg) != size) {
            printf ("message of incorrect size received\n");
            exit (-1);
        }
        if (i == 0)
            watch = zmq_stopwatch_start ();
    }
    unsigned long elapsed = watch ? zmq_stopwatch_stop (watch) : 0;
    PERF_CHECK (zmq_msg_close (&msg));
    return elapsed;
}

static inline void perf_print_throughput (size_t size, unsigned long count,
                                          unsigned long elapsed_us)
{
    if (elapsed_us == 0)
        elapsed_us = 1;
    const double msgs_per_s = (double) count * 1000000.0 / (double) elapsed_us;
    const double megabits = msgs_per_s * (double) size * 8.0 / 1000000.0;
    printf ("message size: %d [B]\n", (int) size);
    printf ("message count: %d\n", (int) count);
    printf ("mean throughput: %d [msg/s]\n", (int) msgs_per_s);
    printf ("mean throughput: %.3f [Mb/s]\n", megabits);
}

static inline void perf_print_latency (size_t size, int roundtrips,
                                       unsigned long elapsed_us)
{
    const double latency = (double) elapsed_us / (roundtrips * 2);
    printf ("message size: %d [B]\n", (int) size);
    printf ("roundtrip count: %d\n", roundtrips);
    printf ("average latency: %.3f [us]\n", latency);
}

/* The CURVE server key pair local_thr uses when asked for CURVE (the test pair of the
 * zmq_curve man page, public in every libzmq source tree). */
#define PERF_SERVER_PUBLIC "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define PERF_SERVER_SECRET "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"

static inline void perf_set_curve (void *s, int server)
{
    if (server) {
        int one = 1;
        PERF_CHECK (zmq_setsockopt (s, ZMQ_CURVE_SERVER, &one, sizeof one));
        PERF_CHECK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, PERF_SERVER_SECRET, 40));
    } else {
        char pub[41], sec[41];
        PERF_CHECK (zmq_curve_keypair (pub, sec));
        PERF_CHECK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, PERF_SERVER_PUBLIC, 40));
        PERF_CHECK (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, pub, 40));
        PERF_CHECK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, sec, 40));
    }
}

#endif

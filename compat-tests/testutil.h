/* Shared helpers for the compat tests: C programs that use only <zmq.h>.
 *
 * Each test is one program; main() returns 0 when every check holds. A failed check prints
 * file, line and the expression (plus errno's text for calls that were expected to succeed)
 * and exits 1. A watchdog alarm ends a hung test after TESTUTIL_TIMEOUT seconds.
 *
 * Markers the runners read from a test's first lines:
 *   compat: ours-only   run only against our library (e.g. it calls draft functions that
 *                       the system libzmq does not export, or checks a 4.3.5 difference)
 *   compat: draft       compile with -DZMQ_BUILD_DRAFT_API=1
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <zmq.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifndef TESTUTIL_TIMEOUT
#define TESTUTIL_TIMEOUT 60
#endif

static void testutil_watchdog (void) __attribute__ ((constructor));
static void testutil_watchdog (void)
{
    alarm (TESTUTIL_TIMEOUT);
}

#define TEST_FAIL(...)                                                         \
    do {                                                                       \
        fprintf (stderr, "%s:%d: ", __FILE__, __LINE__);                       \
        fprintf (stderr, __VA_ARGS__);                                         \
        fprintf (stderr, "\n");                                                \
        exit (1);                                                              \
    } while (0)

/* A condition that must hold. */
#define TEST_ASSERT(cond)                                                      \
    do {                                                                       \
        if (!(cond))                                                           \
            TEST_FAIL ("check failed: %s", #cond);                             \
    } while (0)

/* Two integers that must be equal. */
#define TEST_ASSERT_EQ(expected, actual)                                       \
    do {                                                                       \
        long long e_ = (long long) (expected), a_ = (long long) (actual);      \
        if (e_ != a_)                                                          \
            TEST_FAIL ("%s == %s: expected %lld, got %lld", #expected,         \
                       #actual, e_, a_);                                       \
    } while (0)

/* Two C strings that must be equal. */
#define TEST_ASSERT_STR(expected, actual)                                      \
    do {                                                                       \
        const char *e_ = (expected), *a_ = (actual);                           \
        if (a_ == NULL || strcmp (e_, a_) != 0)                                \
            TEST_FAIL ("%s: expected \"%s\", got \"%s\"", #actual, e_,         \
                       a_ ? a_ : "(null)");                                    \
    } while (0)

/* A call that must not return -1; evaluates to its result. */
#define TEST_ASSERT_SUCCESS(call)                                              \
    __extension__({                                                            \
        int r_ = (call);                                                       \
        if (r_ == -1)                                                          \
            TEST_FAIL ("%s failed: errno %d (%s)", #call, zmq_errno (),        \
                       zmq_strerror (zmq_errno ()));                           \
        r_;                                                                    \
    })

/* A call that must return -1 with errno set to err. */
#define TEST_ASSERT_FAILURE(call, err)                                         \
    do {                                                                       \
        int r_ = (call);                                                       \
        int e_ = zmq_errno ();                                                 \
        if (r_ != -1)                                                          \
            TEST_FAIL ("%s: expected failure with %s, got %d", #call, #err,   \
                       r_);                                                    \
        if (e_ != (err))                                                       \
            TEST_FAIL ("%s: expected errno %s (%d), got %d (%s)", #call, #err, \
                       (int) (err), e_, zmq_strerror (e_));                    \
    } while (0)

/* A pointer-returning call that must return NULL with errno set to err. */
#define TEST_ASSERT_NULL_ERRNO(call, err)                                      \
    do {                                                                       \
        const void *p_ = (const void *) (call);                                \
        int e_ = zmq_errno ();                                                 \
        if (p_ != NULL)                                                        \
            TEST_FAIL ("%s: expected NULL with %s", #call, #err);              \
        if (e_ != (err))                                                       \
            TEST_FAIL ("%s: expected errno %s (%d), got %d (%s)", #call, #err, \
                       (int) (err), e_, zmq_strerror (e_));                    \
    } while (0)

/* Socket helpers shared by the socket tests. */

/* A socket of `type` with 2 s send and receive timeouts (so a hang fails fast) and
 * linger 0. */
static inline void *test_socket (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    TEST_ASSERT (s != NULL);
    int timeout = 2000, linger = 0;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_SNDTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger));
    return s;
}

static inline void test_set_int (void *s, int option, int value)
{
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, option, &value, sizeof value));
}

static inline void test_set_str (void *s, int option, const char *value)
{
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, option, value, strlen (value)));
}

/* Sends a string (without its NUL) as one part. */
static inline void test_send_str (void *s, const char *data, int flags)
{
    TEST_ASSERT_EQ ((int) strlen (data), zmq_send (s, data, strlen (data), flags));
}

/* Receives one part that must equal `expected`, with ZMQ_RCVMORE equal to `more`. */
static inline void test_recv_str (void *s, const char *expected, int more)
{
    char buf[256];
    int n = TEST_ASSERT_SUCCESS (zmq_recv (s, buf, sizeof buf - 1, 0));
    TEST_ASSERT (n < (int) sizeof buf);
    buf[n] = 0;
    TEST_ASSERT_STR (expected, buf);
    int rcvmore;
    size_t len = sizeof rcvmore;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &len));
    TEST_ASSERT_EQ (more, rcvmore);
}

/* ZMQ_EVENTS. */
static inline int test_events (void *s)
{
    int ev;
    size_t len = sizeof ev;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_EVENTS, &ev, &len));
    return ev;
}

/* Sends `size` bytes as one part. */
static inline void test_send_bytes (void *s, const void *data, size_t size, int flags)
{
    TEST_ASSERT_EQ ((int) size, zmq_send (s, data, size, flags));
}

/* Receives one part that must be exactly `size` bytes equal to `expected`, with
 * ZMQ_RCVMORE equal to `more`. */
static inline void test_recv_bytes (void *s, const void *expected, size_t size, int more)
{
    char buf[256];
    int n = TEST_ASSERT_SUCCESS (zmq_recv (s, buf, sizeof buf, 0));
    TEST_ASSERT_EQ ((int) size, n);
    TEST_ASSERT (memcmp (buf, expected, size) == 0);
    int rcvmore;
    size_t len = sizeof rcvmore;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &len));
    TEST_ASSERT_EQ (more, rcvmore);
}

/* Nothing is waiting to be received. */
static inline void test_nothing (void *s)
{
    char buf[16];
    TEST_ASSERT_FAILURE (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
}

/* A PUSH socket with ZMQ_SNDBUF `sndbuf` and the default linger (-1: zmq_ctx_term waits for
 * what it sent), connected to `endpoint`. */
static inline void *test_push_connected (void *ctx, const char *endpoint, int sndbuf)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    TEST_ASSERT (push != NULL);
    TEST_ASSERT_SUCCESS (zmq_setsockopt (push, ZMQ_SNDBUF, &sndbuf, sizeof sndbuf));
    TEST_ASSERT_SUCCESS (zmq_connect (push, endpoint));
    return push;
}

/* Reads one version 2 monitor event (draft zmq_socket_monitor_versioned): returns its
 * number, checks it carries `count` values and stores them in `values`, and stores the
 * local and remote addresses NUL-terminated (at most `size` - 1 bytes each). */
static inline uint64_t test_recv_monitor_v2 (void *mon,
                                             uint64_t *values,
                                             uint64_t count,
                                             char *local,
                                             char *remote,
                                             size_t size)
{
    uint64_t event = 0, n_values = 0;
    TEST_ASSERT_EQ ((int) sizeof event, zmq_recv (mon, &event, sizeof event, 0));
    TEST_ASSERT_EQ ((int) sizeof n_values, zmq_recv (mon, &n_values, sizeof n_values, 0));
    TEST_ASSERT_EQ (count, n_values);
    for (uint64_t i = 0; i < count; i++)
        TEST_ASSERT_EQ ((int) sizeof values[i], zmq_recv (mon, &values[i], sizeof values[i], 0));
    int n = zmq_recv (mon, local, size - 1, 0);
    TEST_ASSERT (n >= 0);
    local[n] = 0;
    n = zmq_recv (mon, remote, size - 1, 0);
    TEST_ASSERT (n >= 0);
    remote[n] = 0;
    int more;
    size_t len = sizeof more;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (mon, ZMQ_RCVMORE, &more, &len));
    TEST_ASSERT_EQ (0, more);
    return event;
}

/* A plain TCP connection to 127.0.0.1:`port` (a raw peer of a tcp:// or ws:// socket). */
static inline int test_tcp_connect (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    TEST_ASSERT (fd >= 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons ((unsigned short) port);
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    TEST_ASSERT_SUCCESS (connect (fd, (struct sockaddr *) &a, sizeof a));
    return fd;
}

/* Gives the other side time to see what was sent (libzmq reads commands at most every
 * ~1 ms on send). */
static inline void test_settle (void)
{
    usleep (50 * 1000);
}

#endif

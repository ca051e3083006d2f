/* Helpers of the security tests (test_security_*.c): a ZAP handler thread and monitor
 * event checks. Uses only <zmq.h> and testutil.h. */
#ifndef TESTUTIL_SECURITY_H
#define TESTUTIL_SECURITY_H

#include "testutil.h"
#include <stdint.h>

/* A ZAP handler: a REP socket bound at inproc://zeromq.zap.01 in `ctx`, answering every
 * request with `status` (or, when `allow_key` is set, 200 for that CURVE client key and
 * 400 for any other), user id `user_id` and the property X-Color=red. It records the last
 * request. */
typedef struct
{
    void *ctx;
    const char *status;
    const char *user_id;
    const uint8_t *allow_key; /* 32 bytes, or NULL */
    volatile int ready;
    volatile int stop;
    volatile int requests;
    void *thread;
    /* The frames of the last request, without the delimiter (the REP strips it). */
    int frame_count;
    char frames[10][64];
    size_t frame_sizes[10];
} zap_handler_t;

static void zap_handler_loop (void *arg)
{
    zap_handler_t *z = (zap_handler_t *) arg;
    void *rep = zmq_socket (z->ctx, ZMQ_REP);
    TEST_ASSERT (rep != NULL);
    int timeout = 50, linger = 0;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (rep, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (rep, ZMQ_LINGER, &linger, sizeof linger));
    TEST_ASSERT_SUCCESS (zmq_bind (rep, "inproc://zeromq.zap.01"));
    z->ready = 1;
    while (!z->stop) {
        char buf[64];
        int n = zmq_recv (rep, buf, sizeof buf, 0);
        if (n == -1) {
            TEST_ASSERT_EQ (EAGAIN, zmq_errno ());
            continue;
        }
        /* A request: record its frames. */
        int count = 0, more = 1;
        for (;;) {
            if (count < 10) {
                size_t len = (size_t) n < sizeof buf ? (size_t) n : sizeof buf;
                memcpy (z->frames[count], buf, len);
                z->frame_sizes[count] = (size_t) n;
            }
            count++;
            size_t len = sizeof more;
            TEST_ASSERT_SUCCESS (zmq_getsockopt (rep, ZMQ_RCVMORE, &more, &len));
            if (!more)
                break;
            n = TEST_ASSERT_SUCCESS (zmq_recv (rep, buf, sizeof buf, 0));
        }
        z->frame_count = count;
        const char *status = z->status;
        if (z->allow_key)
            status = count == 7 && z->frame_sizes[6] == 32
                         && memcmp (z->frames[6], z->allow_key, 32) == 0
                       ? "200"
                       : "400";
        /* Version, request id (echoed), status, text, user id, metadata. */
        test_send_bytes (rep, "1.0", 3, ZMQ_SNDMORE);
        test_send_bytes (rep, z->frames[1], z->frame_sizes[1], ZMQ_SNDMORE);
        test_send_bytes (rep, status, 3, ZMQ_SNDMORE);
        test_send_bytes (rep, "OK", 2, ZMQ_SNDMORE);
        test_send_bytes (rep, z->user_id, strlen (z->user_id), ZMQ_SNDMORE);
        test_send_bytes (rep, "\x07X-Color\0\0\0\x03red", 15, 0);
        z->requests++;
    }
    TEST_ASSERT_SUCCESS (zmq_close (rep));
}

/* Starts `z` (fields ctx, status, user_id, allow_key set) and waits until it is bound. */
static inline void zap_handler_start (zap_handler_t *z)
{
    z->ready = z->stop = z->requests = 0;
    z->frame_count = 0;
    z->thread = zmq_threadstart (zap_handler_loop, z);
    TEST_ASSERT (z->thread != NULL);
    for (int i = 0; i < 2000 && !z->ready; i++)
        usleep (1000);
    TEST_ASSERT (z->ready);
}

static inline void zap_handler_stop (zap_handler_t *z)
{
    z->stop = 1;
    zmq_threadclose (z->thread);
}

/* Frame `i` of the last request (version 0, request id 1, domain 2, address 3, identity 4,
 * mechanism 5, credentials 6...) must equal the string `expected`. */
static inline void zap_expect_frame (zap_handler_t *z, int i, const char *expected)
{
    TEST_ASSERT (i < z->frame_count);
    TEST_ASSERT_EQ (strlen (expected), z->frame_sizes[i]);
    TEST_ASSERT (memcmp (z->frames[i], expected, strlen (expected)) == 0);
}

/* A PAIR socket connected to a new monitor of `s` for every event. */
static inline void *monitor_open (void *ctx, void *s, const char *name)
{
    TEST_ASSERT_SUCCESS (zmq_socket_monitor (s, name, ZMQ_EVENT_ALL));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    TEST_ASSERT (mon != NULL);
    int timeout = 3000, linger = 0;
    TEST_ASSERT_SUCCESS (zmq_setsockopt (mon, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (mon, ZMQ_LINGER, &linger, sizeof linger));
    TEST_ASSERT_SUCCESS (zmq_connect (mon, name));
    return mon;
}

/* The next monitor event (-1 on timeout); its value goes to *value. */
static inline int monitor_next (void *mon, uint32_t *value)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    if (zmq_msg_recv (&m, mon, 0) == -1) {
        zmq_msg_close (&m);
        return -1;
    }
    TEST_ASSERT_EQ (6, zmq_msg_size (&m));
    uint16_t event;
    memcpy (&event, zmq_msg_data (&m), 2);
    memcpy (value, (char *) zmq_msg_data (&m) + 2, 4);
    TEST_ASSERT (zmq_msg_more (&m));
    TEST_ASSERT_SUCCESS (zmq_msg_recv (&m, mon, 0));
    zmq_msg_close (&m);
    return event;
}

/* Waits for `event`, skipping connection events (listening, accepted, connected,
 * connect delayed/retried, disconnected, closed); any handshake event other than the one
 * expected fails. Returns its value. */
static inline uint32_t monitor_expect (void *mon, int event)
{
    for (;;) {
        uint32_t value = 0;
        int got = monitor_next (mon, &value);
        if (got == event)
            return value;
        if (got == -1)
            TEST_FAIL ("monitor event 0x%x did not come", event);
        if (got & (ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                   | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                   | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH))
            TEST_FAIL ("expected monitor event 0x%x, got 0x%x (value %u)", event, got,
                       (unsigned) value);
    }
}

/* Queues "hello" on a connecting socket whose handshake is to fail. The failure ends the
 * connecter for good, and with it the pipe, so the send may find no pipe any more: its
 * result does not matter, only that the message never arrives. */
static inline void send_if_connecting (void *s)
{
    if (zmq_send (s, "hello", 5, ZMQ_DONTWAIT) == -1)
        TEST_ASSERT_EQ (EAGAIN, zmq_errno ());
}

/* No message arrives on `s` within `ms` milliseconds. */
static inline void expect_no_message (void *s, int ms)
{
    int old;
    size_t len = sizeof old;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_RCVTIMEO, &old, &len));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_RCVTIMEO, &ms, sizeof ms));
    char buf[16];
    TEST_ASSERT_FAILURE (zmq_recv (s, buf, sizeof buf, 0), EAGAIN);
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_RCVTIMEO, &old, sizeof old));
}

/* Binds `s` to tcp on a free port of 127.0.0.1; the endpoint goes to `ep` (64 bytes). */
static inline void bind_tcp (void *s, char *ep)
{
    TEST_ASSERT_SUCCESS (zmq_bind (s, "tcp://127.0.0.1:*"));
    size_t len = 64;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len));
}

/* Receives one part that must equal `expected` and carry the property `name` = `value`
 * (`value` NULL: the property must be absent). */
static inline void recv_with_property (void *s,
                                       const char *expected,
                                       const char *name,
                                       const char *value)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    int n = TEST_ASSERT_SUCCESS (zmq_msg_recv (&m, s, 0));
    TEST_ASSERT_EQ (strlen (expected), n);
    TEST_ASSERT (memcmp (zmq_msg_data (&m), expected, n) == 0);
    const char *got = zmq_msg_gets (&m, name);
    if (value)
        TEST_ASSERT_STR (value, got);
    else
        TEST_ASSERT (got == NULL);
    zmq_msg_close (&m);
}

#endif

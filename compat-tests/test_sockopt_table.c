/* Socket options: lengths, ranges, defaults, per-type acceptance and side effects, as
 * libzmq 4.3 behaves (src/socket/options.rs replays a full dump of the same behaviour; this
 * test checks the rules that matter most through the real C API). */
#include "testutil.h"

static void *ctx;

static void *sock (int type)
{
    void *s = zmq_socket (ctx, type);
    TEST_ASSERT (s != NULL);
    return s;
}

static int set_int (void *s, int option, int value)
{
    return zmq_setsockopt (s, option, &value, sizeof value);
}

static int get_int (void *s, int option)
{
    int value = -12345;
    size_t len = sizeof value;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, option, &value, &len));
    TEST_ASSERT_EQ (sizeof value, len);
    return value;
}

static void test_int_lengths_and_ranges (void)
{
    void *s = sock (ZMQ_DEALER);
    int value = 5;
    int64_t wide = 5;
    size_t len;

    TEST_ASSERT_FAILURE (zmq_setsockopt (s, ZMQ_SNDHWM, &value, 3), EINVAL);
    TEST_ASSERT_FAILURE (zmq_setsockopt (s, ZMQ_SNDHWM, &wide, sizeof wide),
                         EINVAL);
    TEST_ASSERT_FAILURE (zmq_setsockopt (s, ZMQ_SNDHWM, NULL, 0), EINVAL);
    TEST_ASSERT_FAILURE (set_int (s, ZMQ_SNDHWM, -1), EINVAL);
    TEST_ASSERT_SUCCESS (set_int (s, ZMQ_SNDHWM, 0));
    TEST_ASSERT_EQ (0, get_int (s, ZMQ_SNDHWM));
    TEST_ASSERT_FAILURE (set_int (s, ZMQ_LINGER, -2), EINVAL);
    TEST_ASSERT_FAILURE (set_int (s, ZMQ_RATE, 0), EINVAL);
    TEST_ASSERT_FAILURE (set_int (s, ZMQ_TCP_KEEPALIVE, 2), EINVAL);
    TEST_ASSERT_FAILURE (set_int (s, ZMQ_IMMEDIATE, 2), EINVAL);
    TEST_ASSERT_FAILURE (set_int (s, ZMQ_HEARTBEAT_TIMEOUT, -1), EINVAL);
    TEST_ASSERT_FAILURE (set_int (s, ZMQ_TYPE, ZMQ_DEALER), EINVAL);
    TEST_ASSERT_FAILURE (set_int (s, 10, 0), EINVAL);

    /* Reads need exactly sizeof (int); a failed read leaves the length alone. */
    len = sizeof wide;
    TEST_ASSERT_FAILURE (zmq_getsockopt (s, ZMQ_SNDHWM, &wide, &len), EINVAL);
    TEST_ASSERT_EQ (sizeof wide, len);
    len = sizeof value;
    TEST_ASSERT_FAILURE (zmq_getsockopt (s, ZMQ_MAXMSGSIZE, &value, &len),
                         EINVAL);
    len = sizeof wide;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_MAXMSGSIZE, &wide, &len));
    TEST_ASSERT_EQ (-1, wide);

    /* The heartbeat TTL is kept in deciseconds. */
    TEST_ASSERT_SUCCESS (set_int (s, ZMQ_HEARTBEAT_TTL, 150));
    TEST_ASSERT_EQ (100, get_int (s, ZMQ_HEARTBEAT_TTL));
    TEST_ASSERT_SUCCESS (set_int (s, ZMQ_HEARTBEAT_TTL, -99));
    TEST_ASSERT_EQ (0, get_int (s, ZMQ_HEARTBEAT_TTL));
    TEST_ASSERT_FAILURE (set_int (s, ZMQ_HEARTBEAT_TTL, 6553600), EINVAL);
    TEST_ASSERT_SUCCESS (set_int (s, ZMQ_HEARTBEAT_TTL, 6553599));
    TEST_ASSERT_EQ (6553500, get_int (s, ZMQ_HEARTBEAT_TTL));

    /* IPV4ONLY is the negation of IPV6. */
    TEST_ASSERT_EQ (1, get_int (s, ZMQ_IPV4ONLY));
    TEST_ASSERT_SUCCESS (set_int (s, ZMQ_IPV4ONLY, 0));
    TEST_ASSERT_EQ (1, get_int (s, ZMQ_IPV6));
    TEST_ASSERT_SUCCESS (zmq_close (s));
}

static void test_defaults (void)
{
    void *s = sock (ZMQ_DEALER);
    TEST_ASSERT_EQ (1000, get_int (s, ZMQ_SNDHWM));
    TEST_ASSERT_EQ (-1, get_int (s, ZMQ_LINGER));
    TEST_ASSERT_EQ (100, get_int (s, ZMQ_RECONNECT_IVL));
    TEST_ASSERT_EQ (-1, get_int (s, ZMQ_SNDBUF));
    TEST_ASSERT_EQ (30000, get_int (s, ZMQ_HANDSHAKE_IVL));
    TEST_ASSERT_EQ (-1, get_int (s, ZMQ_HEARTBEAT_TIMEOUT));
    TEST_ASSERT_EQ (1500, get_int (s, ZMQ_MULTICAST_MAXTPDU));
    TEST_ASSERT_EQ (-1, get_int (s, ZMQ_USE_FD));
    TEST_ASSERT_EQ (ZMQ_DEALER, get_int (s, ZMQ_TYPE));
    TEST_ASSERT_EQ (0, get_int (s, ZMQ_THREAD_SAFE));
    TEST_ASSERT_SUCCESS (zmq_close (s));
    /* SUB and XSUB do not linger. */
    s = sock (ZMQ_SUB);
    TEST_ASSERT_EQ (0, get_int (s, ZMQ_LINGER));
    TEST_ASSERT_SUCCESS (zmq_close (s));
    s = sock (ZMQ_XSUB);
    TEST_ASSERT_EQ (0, get_int (s, ZMQ_LINGER));
    TEST_ASSERT_SUCCESS (zmq_close (s));
}

static void test_strings_and_bytes (void)
{
    void *s = sock (ZMQ_DEALER);
    char buf[16];
    size_t len;

    /* A string read copies the NUL, zero-fills the rest and reports strlen + 1. */
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_ZAP_DOMAIN, "abc", 3));
    memset (buf, 0xAA, sizeof buf);
    len = sizeof buf;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_ZAP_DOMAIN, buf, &len));
    TEST_ASSERT_EQ (4, len);
    TEST_ASSERT_STR ("abc", buf);
    TEST_ASSERT_EQ (0, buf[15]);
    len = 3;
    TEST_ASSERT_FAILURE (zmq_getsockopt (s, ZMQ_ZAP_DOMAIN, buf, &len), EINVAL);
    TEST_ASSERT_EQ (3, len);
    TEST_ASSERT_FAILURE (zmq_setsockopt (s, ZMQ_ZAP_DOMAIN, NULL, 0), EINVAL);

    /* ROUTING_ID: 1 to 255 bytes of anything, read back raw. */
    char big[256];
    memset (big, 'x', sizeof big);
    TEST_ASSERT_FAILURE (zmq_setsockopt (s, ZMQ_ROUTING_ID, big, 256), EINVAL);
    TEST_ASSERT_FAILURE (zmq_setsockopt (s, ZMQ_ROUTING_ID, "", 0), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_ROUTING_ID, "\0ab", 3));
    len = 2;
    TEST_ASSERT_FAILURE (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len), EINVAL);
    len = sizeof buf;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
    TEST_ASSERT_EQ (3, len);
    TEST_ASSERT (memcmp (buf, "\0ab", 3) == 0);

    /* BINDTODEVICE: at most IFNAMSIZ; NULL clears. */
    TEST_ASSERT_SUCCESS (
      zmq_setsockopt (s, ZMQ_BINDTODEVICE, "0123456789abcdef", 16));
    TEST_ASSERT_FAILURE (
      zmq_setsockopt (s, ZMQ_BINDTODEVICE, "0123456789abcdefg", 17), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_BINDTODEVICE, NULL, 0));

    /* RCVMORE takes a larger buffer: value, zeroed rest, length sizeof (int). */
    int wide[4] = {-1, -1, -1, -1};
    len = sizeof wide;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_RCVMORE, wide, &len));
    TEST_ASSERT_EQ (sizeof (int), len);
    TEST_ASSERT (wide[0] == 0 && wide[1] == 0 && wide[3] == 0);

    /* TCP accept filters: numeric addresses with an optional prefix; NULL clears. */
    TEST_ASSERT_SUCCESS (
      zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "10.0.0.0/8", 10));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "10.1", 4));
    TEST_ASSERT_FAILURE (
      zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "10.0.0.0/33", 11), EINVAL);
    TEST_ASSERT_FAILURE (
      zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "localhost", 9), EINVAL);
    TEST_ASSERT_FAILURE (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "::1", 3),
                         EINVAL);
    TEST_ASSERT_FAILURE (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "", 0),
                         EINVAL);
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, NULL, 0));
    TEST_ASSERT_SUCCESS (set_int (s, ZMQ_IPV6, 1));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "::1", 3));
    TEST_ASSERT_SUCCESS (zmq_close (s));
}

static void test_security (void)
{
    const char *z85 = "0123456789012345678901234567890123456789";
    uint8_t key[32], zero[32] = {0};
    char text[41];
    size_t len;
    void *s = sock (ZMQ_DEALER);

    TEST_ASSERT_EQ (ZMQ_NULL, get_int (s, ZMQ_MECHANISM));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, "a", 1));
    TEST_ASSERT_EQ (ZMQ_PLAIN, get_int (s, ZMQ_MECHANISM));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, NULL, 0));
    TEST_ASSERT_EQ (ZMQ_NULL, get_int (s, ZMQ_MECHANISM));
    TEST_ASSERT_FAILURE (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, "", 0), EINVAL);
    TEST_ASSERT_SUCCESS (set_int (s, ZMQ_PLAIN_SERVER, 1));
    TEST_ASSERT_EQ (1, get_int (s, ZMQ_PLAIN_SERVER));
    TEST_ASSERT_SUCCESS (set_int (s, ZMQ_CURVE_SERVER, 1));
    TEST_ASSERT_EQ (ZMQ_CURVE, get_int (s, ZMQ_MECHANISM));
    TEST_ASSERT_EQ (0, get_int (s, ZMQ_PLAIN_SERVER));
    TEST_ASSERT_EQ (1, get_int (s, ZMQ_CURVE_SERVER));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, z85, 40));
    TEST_ASSERT_EQ (0, get_int (s, ZMQ_CURVE_SERVER));
    TEST_ASSERT_EQ (ZMQ_CURVE, get_int (s, ZMQ_MECHANISM));

    /* Keys: 32 bytes, 40 Z85 or 41 Z85 + NUL in; 32 or 41 out, nothing else. */
    len = sizeof key;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_CURVE_PUBLICKEY, key, &len));
    TEST_ASSERT (memcmp (key, zero, 32) == 0);
    len = 40;
    TEST_ASSERT_FAILURE (zmq_getsockopt (s, ZMQ_CURVE_SERVERKEY, text, &len),
                         EINVAL);
    len = 41;
    TEST_ASSERT_SUCCESS (zmq_getsockopt (s, ZMQ_CURVE_SERVERKEY, text, &len));
    TEST_ASSERT_STR (z85, text);
    TEST_ASSERT_FAILURE (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, key, 31),
                         EINVAL);
    TEST_ASSERT_FAILURE (
      zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY,
                      "~123456789012345678901234567890123456789", 40),
      EINVAL);
    TEST_ASSERT_SUCCESS (zmq_close (s));
}

static void test_socket_types (void)
{
    void *s = sock (ZMQ_REP);
    /* REP is a ROUTER inside libzmq, and takes its options. */
    TEST_ASSERT_SUCCESS (set_int (s, ZMQ_ROUTER_MANDATORY, 1));
    TEST_ASSERT_SUCCESS (set_int (s, ZMQ_PROBE_ROUTER, 1));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_CONNECT_ROUTING_ID, "x", 1));
    TEST_ASSERT_FAILURE (set_int (s, ZMQ_ROUTER_MANDATORY, -1), EINVAL);
    size_t len = sizeof (int);
    int value;
    TEST_ASSERT_FAILURE (
      zmq_getsockopt (s, ZMQ_ROUTER_MANDATORY, &value, &len), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_close (s));

    s = sock (ZMQ_STREAM);
    TEST_ASSERT_FAILURE (set_int (s, ZMQ_ROUTER_MANDATORY, 1), EINVAL);
    TEST_ASSERT_FAILURE (set_int (s, ZMQ_STREAM_NOTIFY, 2), EINVAL);
    TEST_ASSERT_SUCCESS (set_int (s, ZMQ_STREAM_NOTIFY, 0));
    TEST_ASSERT_SUCCESS (zmq_close (s));

    s = sock (ZMQ_REQ);
    TEST_ASSERT_SUCCESS (set_int (s, ZMQ_PROBE_ROUTER, 1));
    TEST_ASSERT_SUCCESS (set_int (s, ZMQ_REQ_RELAXED, 1));
    TEST_ASSERT_FAILURE (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "", 0), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_close (s));

    s = sock (ZMQ_SUB);
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_SUBSCRIBE, NULL, 0));
    TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_UNSUBSCRIBE, "a", 1));
    TEST_ASSERT_FAILURE (set_int (s, ZMQ_XPUB_VERBOSE, 1), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_close (s));

    s = sock (ZMQ_XSUB);
    TEST_ASSERT_FAILURE (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_close (s));

    /* PUB is an XPUB inside libzmq; both take (un)subscriptions in manual mode only. */
    int types[] = {ZMQ_PUB, ZMQ_XPUB};
    for (int i = 0; i < 2; i++) {
        s = sock (types[i]);
        TEST_ASSERT_SUCCESS (set_int (s, ZMQ_XPUB_VERBOSE, 1));
        TEST_ASSERT_SUCCESS (set_int (s, ZMQ_XPUB_NODROP, 1));
        TEST_ASSERT_FAILURE (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
        TEST_ASSERT_SUCCESS (set_int (s, ZMQ_XPUB_MANUAL, 1));
        TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "a", 1));
        TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_UNSUBSCRIBE, "a", 1));
        TEST_ASSERT_SUCCESS (set_int (s, ZMQ_XPUB_MANUAL, 0));
        TEST_ASSERT_FAILURE (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
        TEST_ASSERT_SUCCESS (zmq_setsockopt (s, ZMQ_XPUB_WELCOME_MSG, NULL, 0));
        TEST_ASSERT_SUCCESS (zmq_close (s));
    }
}

int main (void)
{
    ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    test_int_lengths_and_ranges ();
    test_defaults ();
    test_strings_and_bytes ();
    test_security ();
    test_socket_types ();
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

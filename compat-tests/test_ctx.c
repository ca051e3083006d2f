/* compat: both (context options, defaults, errors and lifecycle as libzmq 4.3) */
#include "testutil.h"

#include <limits.h>

static void test_defaults (void)
{
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT (ctx != NULL);
    TEST_ASSERT_EQ (ZMQ_IO_THREADS_DFLT, zmq_ctx_get (ctx, ZMQ_IO_THREADS));
    TEST_ASSERT_EQ (ZMQ_MAX_SOCKETS_DFLT, zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS));
    TEST_ASSERT_EQ (65535, zmq_ctx_get (ctx, ZMQ_SOCKET_LIMIT));
    TEST_ASSERT_EQ (ZMQ_THREAD_SCHED_POLICY_DFLT,
                    zmq_ctx_get (ctx, ZMQ_THREAD_SCHED_POLICY));
    TEST_ASSERT_EQ (INT_MAX, zmq_ctx_get (ctx, ZMQ_MAX_MSGSZ));
    TEST_ASSERT_EQ (sizeof (zmq_msg_t), zmq_ctx_get (ctx, ZMQ_MSG_T_SIZE));
    TEST_ASSERT_EQ (0, zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX));
    TEST_ASSERT_EQ (0, zmq_ctx_get (ctx, ZMQ_IPV6));
    TEST_ASSERT_EQ (1, zmq_ctx_get (ctx, ZMQ_BLOCKY));
    TEST_ASSERT_EQ (1, zmq_ctx_get (ctx, 10)); /* ZMQ_ZERO_COPY_RECV (draft) */
    /* Write-only and unknown options. */
    TEST_ASSERT_FAILURE (zmq_ctx_get (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD), EINVAL);
    TEST_ASSERT_FAILURE (zmq_ctx_get (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE),
                         EINVAL);
    TEST_ASSERT_FAILURE (zmq_ctx_get (ctx, 0), EINVAL);
    TEST_ASSERT_FAILURE (zmq_ctx_get (ctx, -1), EINVAL);
    TEST_ASSERT_FAILURE (zmq_ctx_get (ctx, 11), EINVAL);
    TEST_ASSERT_FAILURE (zmq_ctx_get (ctx, 100), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

static void test_set_get (void)
{
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT_FAILURE (zmq_ctx_set (ctx, ZMQ_IO_THREADS, -1), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 0));
    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 1000));
    TEST_ASSERT_EQ (1000, zmq_ctx_get (ctx, ZMQ_IO_THREADS));

    TEST_ASSERT_FAILURE (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 0), EINVAL);
    TEST_ASSERT_FAILURE (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, -1), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 1));
    TEST_ASSERT_EQ (1, zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS));
    /* Above the socket limit is accepted and read back. */
    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 100000));
    TEST_ASSERT_EQ (100000, zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS));

    /* Read-only options cannot be set; 3 is THREAD_PRIORITY when set. */
    TEST_ASSERT_FAILURE (zmq_ctx_set (ctx, ZMQ_MSG_T_SIZE, 64), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, 0));
    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, 99));
    TEST_ASSERT_FAILURE (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, -1), EINVAL);
    TEST_ASSERT_EQ (65535, zmq_ctx_get (ctx, ZMQ_SOCKET_LIMIT));

    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, ZMQ_THREAD_SCHED_POLICY, 5));
    TEST_ASSERT_EQ (5, zmq_ctx_get (ctx, ZMQ_THREAD_SCHED_POLICY));
    TEST_ASSERT_FAILURE (zmq_ctx_set (ctx, ZMQ_THREAD_SCHED_POLICY, -1), EINVAL);

    TEST_ASSERT_FAILURE (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, -1), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, 7));
    TEST_ASSERT_EQ (7, zmq_ctx_get (ctx, ZMQ_MAX_MSGSZ));

    /* Flags read back as 0/1. */
    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, ZMQ_IPV6, 5));
    TEST_ASSERT_EQ (1, zmq_ctx_get (ctx, ZMQ_IPV6));
    TEST_ASSERT_FAILURE (zmq_ctx_set (ctx, ZMQ_IPV6, -1), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, ZMQ_BLOCKY, 0));
    TEST_ASSERT_EQ (0, zmq_ctx_get (ctx, ZMQ_BLOCKY));
    TEST_ASSERT_FAILURE (zmq_ctx_set (ctx, ZMQ_BLOCKY, -1), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, 10, 0));
    TEST_ASSERT_EQ (0, zmq_ctx_get (ctx, 10));
    TEST_ASSERT_FAILURE (zmq_ctx_set (ctx, 10, -1), EINVAL);

    /* The affinity set: removing a CPU that is not in it fails. */
    TEST_ASSERT_FAILURE (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, -1),
                         EINVAL);
    TEST_ASSERT_FAILURE (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 3),
                         EINVAL);
    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 3));
    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 3));
    TEST_ASSERT_FAILURE (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 3),
                         EINVAL);

    /* The name prefix as an int, negative values included. */
    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, 42));
    TEST_ASSERT_EQ (42, zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX));
    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, -7));
    TEST_ASSERT_EQ (-7, zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX));

    TEST_ASSERT_FAILURE (zmq_ctx_set (ctx, 0, 0), EINVAL);
    TEST_ASSERT_FAILURE (zmq_ctx_set (ctx, 100, 0), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

static void test_bad_context (void)
{
    TEST_ASSERT_FAILURE (zmq_ctx_get (NULL, ZMQ_IO_THREADS), EFAULT);
    TEST_ASSERT_FAILURE (zmq_ctx_set (NULL, ZMQ_IO_THREADS, 1), EFAULT);
    TEST_ASSERT_FAILURE (zmq_ctx_shutdown (NULL), EFAULT);
    TEST_ASSERT_FAILURE (zmq_ctx_term (NULL), EFAULT);
    TEST_ASSERT_FAILURE (zmq_ctx_destroy (NULL), EFAULT);
    TEST_ASSERT_FAILURE (zmq_term (NULL), EFAULT);
    TEST_ASSERT_NULL_ERRNO (zmq_socket (NULL, ZMQ_PAIR), EFAULT);
}

static void test_legacy_init (void)
{
    TEST_ASSERT_NULL_ERRNO (zmq_init (-1), EINVAL);
    void *ctx = zmq_init (0);
    TEST_ASSERT (ctx != NULL);
    TEST_ASSERT_EQ (0, zmq_ctx_get (ctx, ZMQ_IO_THREADS));
    TEST_ASSERT_SUCCESS (zmq_term (ctx));
    ctx = zmq_init (3);
    TEST_ASSERT_EQ (3, zmq_ctx_get (ctx, ZMQ_IO_THREADS));
    TEST_ASSERT_SUCCESS (zmq_ctx_destroy (ctx));
}

static void test_shutdown (void)
{
    void *ctx = zmq_ctx_new ();
    TEST_ASSERT_NULL_ERRNO (zmq_socket (ctx, 21), EINVAL);
    TEST_ASSERT_NULL_ERRNO (zmq_socket (ctx, -1), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_ctx_shutdown (ctx));
    TEST_ASSERT_SUCCESS (zmq_ctx_shutdown (ctx));
    /* A shut-down context refuses sockets, before looking at the type. */
    TEST_ASSERT_NULL_ERRNO (zmq_socket (ctx, ZMQ_PAIR), ETERM);
    TEST_ASSERT_NULL_ERRNO (zmq_socket (ctx, 99), ETERM);
    /* Options still work until term. */
    TEST_ASSERT_SUCCESS (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 2));
    TEST_ASSERT_EQ (2, zmq_ctx_get (ctx, ZMQ_IO_THREADS));
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
}

int main (void)
{
    test_defaults ();
    test_set_get ();
    test_bad_context ();
    test_legacy_init ();
    test_shutdown ();
    return 0;
}

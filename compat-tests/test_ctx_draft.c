/* compat: ours-only (draft zmq_ctx_set_ext/zmq_ctx_get_ext are not exported by Debian's libzmq) */
/* compat: draft */
#include "testutil.h"

int main (void)
{
    void *ctx = zmq_ctx_new ();
    char buf[32];
    size_t len;
    int value;

    /* A string name prefix of 1 to 16 bytes. */
    TEST_ASSERT_SUCCESS (
      zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX, "worker", 6));
    memset (buf, '#', sizeof buf);
    len = sizeof buf;
    TEST_ASSERT_SUCCESS (
      zmq_ctx_get_ext (ctx, ZMQ_THREAD_NAME_PREFIX, buf, &len));
    /* Copied without a NUL, and the length is not updated (as libzmq). */
    TEST_ASSERT (memcmp (buf, "worker#", 7) == 0);
    TEST_ASSERT_EQ (sizeof buf, len);
    /* Too small a buffer fails; an int-sized one reads the prefix as a number. */
    len = 5;
    TEST_ASSERT_FAILURE (
      zmq_ctx_get_ext (ctx, ZMQ_THREAD_NAME_PREFIX, buf, &len), EINVAL);
    len = sizeof (int);
    TEST_ASSERT_SUCCESS (
      zmq_ctx_get_ext (ctx, ZMQ_THREAD_NAME_PREFIX, &value, &len));
    TEST_ASSERT_EQ (0, value);
    TEST_ASSERT_FAILURE (
      zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX, "01234567890123456", 17),
      EINVAL);
    TEST_ASSERT_FAILURE (zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX, "", 0),
                         EINVAL);
    /* A 4-byte value is an int, whatever it holds. */
    value = 12;
    TEST_ASSERT_SUCCESS (
      zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX, &value, sizeof value));
    TEST_ASSERT_EQ (12, zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX));
    memset (buf, 0, sizeof buf);
    len = sizeof buf;
    TEST_ASSERT_SUCCESS (
      zmq_ctx_get_ext (ctx, ZMQ_THREAD_NAME_PREFIX, buf, &len));
    TEST_ASSERT_STR ("12", buf);

    /* Int options need exactly sizeof (int). */
    value = 3;
    TEST_ASSERT_SUCCESS (
      zmq_ctx_set_ext (ctx, ZMQ_IO_THREADS, &value, sizeof value));
    TEST_ASSERT_FAILURE (zmq_ctx_set_ext (ctx, ZMQ_IO_THREADS, &value, 2),
                         EINVAL);
    len = sizeof value;
    value = 0;
    TEST_ASSERT_SUCCESS (zmq_ctx_get_ext (ctx, ZMQ_IO_THREADS, &value, &len));
    TEST_ASSERT_EQ (3, value);
    len = 8;
    TEST_ASSERT_FAILURE (zmq_ctx_get_ext (ctx, ZMQ_IO_THREADS, buf, &len),
                         EINVAL);
    len = sizeof value;
    TEST_ASSERT_FAILURE (zmq_ctx_get_ext (ctx, 100, &value, &len), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_ctx_set_ext (ctx, ZMQ_ZERO_COPY_RECV, &value,
                                          sizeof value));
    TEST_ASSERT_FAILURE (zmq_ctx_set_ext (NULL, ZMQ_IO_THREADS, &value,
                                          sizeof value),
                         EFAULT);
    TEST_ASSERT_FAILURE (zmq_ctx_get_ext (NULL, ZMQ_IO_THREADS, &value, &len),
                         EFAULT);
    TEST_ASSERT_SUCCESS (zmq_ctx_term (ctx));
    return 0;
}

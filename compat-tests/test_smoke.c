/* The smallest check that a program linked with -lzmq runs and reaches the library:
 * version, error texts and errno. Valid on libzmq 4.3.4 and on ours (4.3.5). */
#include "testutil.h"

static void test_version (void)
{
    int major = -1, minor = -1, patch = -1;
    zmq_version (&major, &minor, &patch);
    TEST_ASSERT_EQ (4, major);
    TEST_ASSERT_EQ (3, minor);
    TEST_ASSERT (patch >= 0);

    /* The header the program was built with is a 4.3 one too. */
    TEST_ASSERT_EQ (4, ZMQ_VERSION_MAJOR);
    TEST_ASSERT_EQ (3, ZMQ_VERSION_MINOR);
}

static void test_strerror (void)
{
    /* libzmq's own codes have libzmq's own texts. */
    TEST_ASSERT_STR ("Operation cannot be accomplished in current state",
                     zmq_strerror (EFSM));
    TEST_ASSERT_STR ("The protocol is not compatible with the socket type",
                     zmq_strerror (ENOCOMPATPROTO));
    TEST_ASSERT_STR ("Context was terminated", zmq_strerror (ETERM));
    TEST_ASSERT_STR ("No thread available", zmq_strerror (EMTHREAD));
    /* A system code, but libzmq words it its own way on every platform. */
    TEST_ASSERT_STR ("Host unreachable", zmq_strerror (EHOSTUNREACH));

    /* Everything else is the system's text. */
    TEST_ASSERT_STR (strerror (EINVAL), zmq_strerror (EINVAL));
    TEST_ASSERT_STR (strerror (EAGAIN), zmq_strerror (EAGAIN));
    TEST_ASSERT_STR (strerror (ENOTSUP), zmq_strerror (ENOTSUP));
}

static void test_errno (void)
{
    /* A failed call sets errno, and zmq_errno reads the same value. */
    errno = 0;
    TEST_ASSERT_FAILURE (zmq_ctx_get (NULL, ZMQ_IO_THREADS), EFAULT);
    TEST_ASSERT_EQ (EFAULT, errno);

    /* zmq_errno is errno, whoever set it. */
    errno = EMTHREAD;
    TEST_ASSERT_EQ (EMTHREAD, zmq_errno ());
    errno = 0;
    TEST_ASSERT_EQ (0, zmq_errno ());
}

int main (void)
{
    test_version ();
    test_strerror ();
    test_errno ();
    return 0;
}

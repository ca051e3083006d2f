/* compat: ours-only (our capability table differs from Debian's libzmq on purpose) */
/* zmq_has: libzmq's names, each 1 only once the feature works in this library. Today that
 * is ipc, curve and WS (the ws:// transport, spelled in capitals as libzmq spells it); no
 * other optional transport and no GSSAPI. There is no "plain" name (libzmq always has
 * PLAIN and answers 0 for it too). */
#include "testutil.h"

int main (void)
{
    TEST_ASSERT_EQ (1, zmq_has ("ipc"));
    TEST_ASSERT_EQ (1, zmq_has ("curve"));
    TEST_ASSERT_EQ (1, zmq_has ("WS"));
    const char *names[] = {"pgm", "tipc", "norm", "gssapi", "vmci", "draft", "WSS"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        TEST_ASSERT_EQ (0, zmq_has (names[i]));

    /* Unknown names, other spellings and NULL give 0. */
    TEST_ASSERT_EQ (0, zmq_has ("ws"));
    TEST_ASSERT_EQ (0, zmq_has ("wss"));
    TEST_ASSERT_EQ (0, zmq_has ("epgm"));
    TEST_ASSERT_EQ (0, zmq_has ("tcp"));
    TEST_ASSERT_EQ (0, zmq_has ("plain"));
    TEST_ASSERT_EQ (0, zmq_has ("null"));
    TEST_ASSERT_EQ (0, zmq_has ("CURVE"));
    TEST_ASSERT_EQ (0, zmq_has (""));
    TEST_ASSERT_EQ (0, zmq_has (NULL));
    return 0;
}

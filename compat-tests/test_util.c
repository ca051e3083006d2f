/* Version, atomic counters, stopwatch, sleep and threads. */
#include "testutil.h"

static void thread_body (void *arg)
{
    void *counter = arg;
    for (int i = 0; i < 1000; i++)
        zmq_atomic_counter_inc (counter);
}

int main (void)
{
    int major = -1, minor = -1, patch = -1;
    zmq_version (&major, &minor, &patch);
    TEST_ASSERT_EQ (4, major);
    TEST_ASSERT_EQ (3, minor);
    TEST_ASSERT (patch >= 0);

    /* Atomic counters: 32 bits, wrapping; inc returns the old value, dec whether the
     * new value is non-zero. */
    void *counter = zmq_atomic_counter_new ();
    TEST_ASSERT (counter != NULL);
    TEST_ASSERT_EQ (0, zmq_atomic_counter_value (counter));
    TEST_ASSERT_EQ (0, zmq_atomic_counter_inc (counter));
    TEST_ASSERT_EQ (1, zmq_atomic_counter_inc (counter));
    TEST_ASSERT_EQ (2, zmq_atomic_counter_value (counter));
    TEST_ASSERT_EQ (1, zmq_atomic_counter_dec (counter));
    TEST_ASSERT_EQ (0, zmq_atomic_counter_dec (counter));
    TEST_ASSERT_EQ (1, zmq_atomic_counter_dec (counter));
    TEST_ASSERT_EQ (-1, zmq_atomic_counter_value (counter));
    TEST_ASSERT_EQ (-1, zmq_atomic_counter_inc (counter));
    zmq_atomic_counter_set (counter, 0x7fffffff);
    TEST_ASSERT_EQ (0x7fffffff, zmq_atomic_counter_inc (counter));
    TEST_ASSERT_EQ (-0x7fffffff - 1, zmq_atomic_counter_value (counter));
    zmq_atomic_counter_set (counter, 0);

    /* Threads: each body runs to completion before zmq_threadclose returns. */
    void *threads[4];
    for (int i = 0; i < 4; i++) {
        threads[i] = zmq_threadstart (thread_body, counter);
        TEST_ASSERT (threads[i] != NULL);
    }
    for (int i = 0; i < 4; i++)
        zmq_threadclose (threads[i]);
    TEST_ASSERT_EQ (4000, zmq_atomic_counter_value (counter));

    zmq_atomic_counter_destroy (&counter);
    TEST_ASSERT (counter == NULL);
    zmq_atomic_counter_destroy (&counter); /* NULL: nothing to free */
    TEST_ASSERT (counter == NULL);

    /* Stopwatch: microseconds on a monotonic clock. zmq_sleep(0) returns. */
    void *watch = zmq_stopwatch_start ();
    TEST_ASSERT (watch != NULL);
    usleep (20000);
    unsigned long mid = zmq_stopwatch_intermediate (watch);
    TEST_ASSERT (mid >= 20000);
    zmq_sleep (0);
    unsigned long end = zmq_stopwatch_stop (watch);
    TEST_ASSERT (end >= mid);
    TEST_ASSERT (end < 60000000UL);

    watch = zmq_stopwatch_start ();
    zmq_sleep (1);
    TEST_ASSERT (zmq_stopwatch_stop (watch) >= 1000000UL);
    return 0;
}

/* compat: both (zmq_poll over raw file descriptors) */
#include "testutil.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static void on_child (int sig)
{
    (void) sig;
}

static long elapsed_ms (const struct timespec *start)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000
           + (now.tv_nsec - start->tv_nsec) / 1000000;
}

static void test_arguments (void)
{
    struct timespec start;
    TEST_ASSERT_FAILURE (zmq_poll (NULL, 1, 0), EFAULT);
    TEST_ASSERT_FAILURE (zmq_poll (NULL, -1, 0), EINVAL);
    TEST_ASSERT_EQ (0, zmq_poll (NULL, 0, 0));
    /* No items: a plain sleep. */
    clock_gettime (CLOCK_MONOTONIC, &start);
    TEST_ASSERT_EQ (0, zmq_poll (NULL, 0, 50));
    TEST_ASSERT (elapsed_ms (&start) >= 50);
}

static void test_pipe (void)
{
    int p[2];
    char c = 'x';
    struct timespec start;
    TEST_ASSERT_SUCCESS (pipe (p));
    zmq_pollitem_t items[2] = {{NULL, p[0], ZMQ_POLLIN, 77},
                               {NULL, p[1], ZMQ_POLLIN | ZMQ_POLLOUT, 77}};

    /* Only the write end is ready; revents is reset for every item. */
    TEST_ASSERT_EQ (1, zmq_poll (items, 2, 0));
    TEST_ASSERT_EQ (0, items[0].revents);
    TEST_ASSERT_EQ (ZMQ_POLLOUT, items[1].revents);

    /* A timeout waits that long. */
    clock_gettime (CLOCK_MONOTONIC, &start);
    TEST_ASSERT_EQ (0, zmq_poll (items, 1, 50));
    TEST_ASSERT (elapsed_ms (&start) >= 50);

    TEST_ASSERT_EQ (1, write (p[1], &c, 1));
    TEST_ASSERT_EQ (2, zmq_poll (items, 2, 0));
    TEST_ASSERT_EQ (ZMQ_POLLIN, items[0].revents);
    TEST_ASSERT_EQ (ZMQ_POLLOUT, items[1].revents);

    /* No events asked: never ready. Infinite timeout returns at once when ready. */
    items[1].events = 0;
    TEST_ASSERT_EQ (1, zmq_poll (items, 2, -1));
    TEST_ASSERT_EQ (ZMQ_POLLIN, items[0].revents);
    TEST_ASSERT_EQ (0, items[1].revents);

    /* Hang-up shows as POLLERR, with data still readable, then alone. */
    close (p[1]);
    TEST_ASSERT_EQ (1, zmq_poll (items, 1, 0));
    TEST_ASSERT_EQ (ZMQ_POLLIN | ZMQ_POLLERR, items[0].revents);
    TEST_ASSERT_EQ (1, read (p[0], &c, 1));
    TEST_ASSERT_EQ (1, zmq_poll (items, 1, 0));
    TEST_ASSERT_EQ (ZMQ_POLLERR, items[0].revents);
    close (p[0]);

    /* A closed fd is reported as POLLERR; a negative fd is ignored. */
    zmq_pollitem_t bad[2] = {{NULL, p[0], ZMQ_POLLIN, 0},
                             {NULL, -1, ZMQ_POLLIN, 77}};
    TEST_ASSERT_EQ (1, zmq_poll (bad, 2, 0));
    TEST_ASSERT_EQ (ZMQ_POLLERR, bad[0].revents);
    TEST_ASSERT_EQ (0, bad[1].revents);
}

/* A signal ends a wait with EINTR: a child exits after 50 ms, and its SIGCHLD
   (caught without SA_RESTART) interrupts an infinite poll. */
static void test_eintr (void)
{
    int p[2];
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = on_child;
    TEST_ASSERT_SUCCESS (sigaction (SIGCHLD, &sa, NULL));
    TEST_ASSERT_SUCCESS (pipe (p));
    zmq_pollitem_t item = {NULL, p[0], ZMQ_POLLIN, 0};
    pid_t child = fork ();
    TEST_ASSERT (child >= 0);
    if (child == 0) {
        usleep (50 * 1000);
        _exit (0);
    }
    TEST_ASSERT_FAILURE (zmq_poll (&item, 1, -1), EINTR);
    child = fork ();
    TEST_ASSERT (child >= 0);
    if (child == 0) {
        usleep (50 * 1000);
        _exit (0);
    }
    TEST_ASSERT_FAILURE (zmq_poll (NULL, 0, 10000), EINTR);
    while (waitpid (-1, NULL, 0) > 0)
        ;
    close (p[0]);
    close (p[1]);
}

int main (void)
{
    test_arguments ();
    test_pipe ();
    test_eintr ();
    return 0;
}

/* zmq_timers_*: ids, timeouts, cancel/set_interval/reset and their errors. */
#include "testutil.h"

static int fired[8];

static void handler (int timer_id, void *arg)
{
    (void) arg;
    if (timer_id >= 0 && timer_id < 8)
        fired[timer_id]++;
}

static void *self_cancel_timers;

static void cancel_self (int timer_id, void *arg)
{
    (void) arg;
    fired[timer_id]++;
    TEST_ASSERT_SUCCESS (zmq_timers_cancel (self_cancel_timers, timer_id));
}

int main (void)
{
    void *timers = zmq_timers_new ();
    TEST_ASSERT (timers != NULL);
    TEST_ASSERT_EQ (-1, zmq_timers_timeout (timers));
    TEST_ASSERT_SUCCESS (zmq_timers_execute (timers));

    /* Ids start at 1; a NULL handler is EFAULT and uses no id. */
    TEST_ASSERT_FAILURE (zmq_timers_add (timers, 10, NULL, NULL), EFAULT);
    TEST_ASSERT_EQ (1, zmq_timers_add (timers, 50, handler, NULL));
    TEST_ASSERT_EQ (2, zmq_timers_add (timers, 100000, handler, NULL));
    long timeout = zmq_timers_timeout (timers);
    TEST_ASSERT (timeout >= 0 && timeout <= 50);

    /* Unknown ids and double cancels are EINVAL. */
    TEST_ASSERT_FAILURE (zmq_timers_cancel (timers, 99), EINVAL);
    TEST_ASSERT_FAILURE (zmq_timers_cancel (timers, 0), EINVAL);
    TEST_ASSERT_FAILURE (zmq_timers_cancel (timers, -1), EINVAL);
    TEST_ASSERT_FAILURE (zmq_timers_set_interval (timers, 99, 5), EINVAL);
    TEST_ASSERT_FAILURE (zmq_timers_reset (timers, 99), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_timers_cancel (timers, 1));
    TEST_ASSERT_FAILURE (zmq_timers_cancel (timers, 1), EINVAL);

    /* A cancelled timer is still found until timeout/execute passes it. */
    TEST_ASSERT_SUCCESS (zmq_timers_set_interval (timers, 1, 5));
    TEST_ASSERT_SUCCESS (zmq_timers_reset (timers, 1));
    timeout = zmq_timers_timeout (timers);
    TEST_ASSERT (timeout > 50 && timeout <= 100000);
    TEST_ASSERT_FAILURE (zmq_timers_set_interval (timers, 1, 5), EINVAL);
    TEST_ASSERT_FAILURE (zmq_timers_reset (timers, 1), EINVAL);
    TEST_ASSERT_FAILURE (zmq_timers_cancel (timers, 1), EINVAL);

    /* Execute runs only due timers; set_interval restarts one. */
    TEST_ASSERT_SUCCESS (zmq_timers_execute (timers));
    TEST_ASSERT_EQ (0, fired[2]);
    TEST_ASSERT_SUCCESS (zmq_timers_set_interval (timers, 2, 20));
    usleep (60000);
    TEST_ASSERT_EQ (0, zmq_timers_timeout (timers));
    TEST_ASSERT_SUCCESS (zmq_timers_execute (timers));
    TEST_ASSERT_EQ (1, fired[2]);
    TEST_ASSERT_EQ (0, fired[1]);
    timeout = zmq_timers_timeout (timers);
    TEST_ASSERT (timeout > 0 && timeout <= 20);
    TEST_ASSERT_SUCCESS (zmq_timers_reset (timers, 2));

    /* A handler may cancel its own timer. */
    self_cancel_timers = timers;
    TEST_ASSERT_EQ (3, zmq_timers_add (timers, 10, cancel_self, NULL));
    TEST_ASSERT_SUCCESS (zmq_timers_cancel (timers, 2));
    usleep (30000);
    TEST_ASSERT_SUCCESS (zmq_timers_execute (timers));
    TEST_ASSERT_EQ (1, fired[3]);
    TEST_ASSERT_FAILURE (zmq_timers_cancel (timers, 3), EINVAL);
    TEST_ASSERT_EQ (-1, zmq_timers_timeout (timers));
    TEST_ASSERT_SUCCESS (zmq_timers_execute (timers));
    TEST_ASSERT_EQ (1, fired[3]);
    TEST_ASSERT_EQ (1, fired[2]);

    /* Ids keep counting. */
    TEST_ASSERT_EQ (4, zmq_timers_add (timers, 1000, handler, NULL));

    /* NULL or dead handles are EFAULT. */
    TEST_ASSERT_FAILURE (zmq_timers_add (NULL, 1, handler, NULL), EFAULT);
    TEST_ASSERT_FAILURE (zmq_timers_cancel (NULL, 1), EFAULT);
    TEST_ASSERT_FAILURE (zmq_timers_set_interval (NULL, 1, 1), EFAULT);
    TEST_ASSERT_FAILURE (zmq_timers_reset (NULL, 1), EFAULT);
    TEST_ASSERT_FAILURE ((int) zmq_timers_timeout (NULL), EFAULT);
    TEST_ASSERT_FAILURE (zmq_timers_execute (NULL), EFAULT);
    void *none = NULL;
    TEST_ASSERT_FAILURE (zmq_timers_destroy (&none), EFAULT);

    TEST_ASSERT_SUCCESS (zmq_timers_destroy (&timers));
    TEST_ASSERT (timers == NULL);
    TEST_ASSERT_FAILURE (zmq_timers_destroy (&timers), EFAULT);
    return 0;
}

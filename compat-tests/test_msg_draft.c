/* compat: ours-only (draft functions) */
/* compat: draft */
/* The draft message functions (routing id, group, init_buffer), and the checks where
 * libzmq crashes or aborts but we fail with EFAULT: NULL pointers, and data/size/getters of
 * a message that is closed or was never initialised. Also copying or moving a message onto
 * itself, which libzmq turns into a closed message and we leave unchanged. */
#include "testutil.h"

#include <stdint.h>

static int frees;
static void count_free (void *data_, void *hint_)
{
    (void) data_;
    (void) hint_;
    frees++;
}

static void test_routing_id (void)
{
    zmq_msg_t a, b;
    TEST_ASSERT_SUCCESS (zmq_msg_init (&a));
    TEST_ASSERT_EQ (0, zmq_msg_routing_id (&a));
    TEST_ASSERT_FAILURE (zmq_msg_set_routing_id (&a, 0), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_msg_set_routing_id (&a, 42));
    TEST_ASSERT_EQ (42, zmq_msg_routing_id (&a));
    TEST_ASSERT_SUCCESS (zmq_msg_set_routing_id (&a, UINT32_MAX));
    TEST_ASSERT_EQ (UINT32_MAX, zmq_msg_routing_id (&a));
    TEST_ASSERT_FAILURE (zmq_msg_set_routing_id (&a, 0), EINVAL);
    TEST_ASSERT_EQ (UINT32_MAX, zmq_msg_routing_id (&a));

    TEST_ASSERT_SUCCESS (zmq_msg_init (&b));
    TEST_ASSERT_SUCCESS (zmq_msg_copy (&b, &a));
    TEST_ASSERT_EQ (UINT32_MAX, zmq_msg_routing_id (&b));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&b));
    TEST_ASSERT_SUCCESS (zmq_msg_init (&b));
    TEST_ASSERT_SUCCESS (zmq_msg_move (&b, &a));
    TEST_ASSERT_EQ (UINT32_MAX, zmq_msg_routing_id (&b));
    TEST_ASSERT_EQ (0, zmq_msg_routing_id (&a));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&a));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&b));
}

static void test_group (void)
{
    zmq_msg_t a, b;
    char name[ZMQ_GROUP_MAX_LENGTH + 50];

    TEST_ASSERT_SUCCESS (zmq_msg_init_size (&a, 100));
    TEST_ASSERT_STR ("", zmq_msg_group (&a));
    TEST_ASSERT_SUCCESS (zmq_msg_set_group (&a, "weather"));
    TEST_ASSERT_STR ("weather", zmq_msg_group (&a));
    TEST_ASSERT_SUCCESS (zmq_msg_set_group (&a, ""));
    TEST_ASSERT_STR ("", zmq_msg_group (&a));

    /* The longest group. */
    memset (name, 'g', ZMQ_GROUP_MAX_LENGTH);
    name[ZMQ_GROUP_MAX_LENGTH] = '\0';
    TEST_ASSERT_SUCCESS (zmq_msg_set_group (&a, name));
    TEST_ASSERT_STR (name, zmq_msg_group (&a));

    /* Longer names are cut at ZMQ_GROUP_MAX_LENGTH characters, as libzmq does. */
    memset (name, 'h', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    TEST_ASSERT_SUCCESS (zmq_msg_set_group (&a, name));
    TEST_ASSERT_EQ (ZMQ_GROUP_MAX_LENGTH, strlen (zmq_msg_group (&a)));
    name[ZMQ_GROUP_MAX_LENGTH] = '\0';
    TEST_ASSERT_STR (name, zmq_msg_group (&a));

    /* Copies and moves carry the group. */
    TEST_ASSERT_SUCCESS (zmq_msg_set_group (&a, "news"));
    TEST_ASSERT_SUCCESS (zmq_msg_init (&b));
    TEST_ASSERT_SUCCESS (zmq_msg_copy (&b, &a));
    TEST_ASSERT_STR ("news", zmq_msg_group (&b));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&a));
    TEST_ASSERT_STR ("news", zmq_msg_group (&b));
    TEST_ASSERT_SUCCESS (zmq_msg_init (&a));
    TEST_ASSERT_SUCCESS (zmq_msg_move (&a, &b));
    TEST_ASSERT_STR ("news", zmq_msg_group (&a));
    TEST_ASSERT_STR ("", zmq_msg_group (&b));

    TEST_ASSERT_FAILURE (zmq_msg_set_group (&a, NULL), EINVAL);
    TEST_ASSERT_STR ("news", zmq_msg_group (&a));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&a));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&b));
}

static void test_init_buffer (void)
{
    char src[100];
    for (int i = 0; i < 100; i++)
        src[i] = (char) i;
    const size_t sizes[] = {0, 1, 33, 34, 100};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        zmq_msg_t m;
        TEST_ASSERT_SUCCESS (zmq_msg_init_buffer (&m, src, sizes[i]));
        TEST_ASSERT_EQ (sizes[i], zmq_msg_size (&m));
        TEST_ASSERT (zmq_msg_data (&m) != src);
        TEST_ASSERT (memcmp (zmq_msg_data (&m), src, sizes[i]) == 0);
        TEST_ASSERT_EQ (0, zmq_msg_get (&m, ZMQ_SHARED));
        TEST_ASSERT_SUCCESS (zmq_msg_close (&m));
    }
    zmq_msg_t m;
    TEST_ASSERT_SUCCESS (zmq_msg_init_buffer (&m, NULL, 0));
    TEST_ASSERT_EQ (0, zmq_msg_size (&m));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&m));
    /* libzmq asserts here. */
    TEST_ASSERT_FAILURE (zmq_msg_init_buffer (&m, NULL, 5), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_init_buffer (NULL, src, 5), EFAULT);
}

/* NULL pointers crash libzmq; we fail with EFAULT (EINVAL for a NULL property name). */
static void test_null_pointers (void)
{
    zmq_msg_t m;
    static char buf[] = "data";
    TEST_ASSERT_FAILURE (zmq_msg_init (NULL), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_init_size (NULL, 10), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_init_size (NULL, 1000), EFAULT);
    /* A failed init_data does not take the buffer over: no free. */
    frees = 0;
    TEST_ASSERT_FAILURE (zmq_msg_init_data (NULL, buf, 4, count_free, NULL), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_init_data (&m, NULL, 4, count_free, NULL), EFAULT);
    TEST_ASSERT_EQ (0, frees);
    TEST_ASSERT_FAILURE (zmq_msg_close (NULL), EFAULT);
    TEST_ASSERT_NULL_ERRNO (zmq_msg_data (NULL), EFAULT);
    errno = 0;
    TEST_ASSERT_EQ (0, zmq_msg_size (NULL));
    TEST_ASSERT_EQ (EFAULT, errno);
    TEST_ASSERT_FAILURE (zmq_msg_more (NULL), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_get (NULL, ZMQ_MORE), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_set (NULL, ZMQ_MORE, 1), EINVAL);
    TEST_ASSERT_NULL_ERRNO (zmq_msg_gets (NULL, "User-Id"), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_set_routing_id (NULL, 1), EFAULT);
    errno = 0;
    TEST_ASSERT_EQ (0, zmq_msg_routing_id (NULL));
    TEST_ASSERT_EQ (EFAULT, errno);
    TEST_ASSERT_FAILURE (zmq_msg_set_group (NULL, "g"), EFAULT);
    TEST_ASSERT_NULL_ERRNO (zmq_msg_group (NULL), EFAULT);

    TEST_ASSERT_SUCCESS (zmq_msg_init (&m));
    TEST_ASSERT_FAILURE (zmq_msg_copy (NULL, &m), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_copy (&m, NULL), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_move (NULL, &m), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_move (&m, NULL), EFAULT);
    TEST_ASSERT_NULL_ERRNO (zmq_msg_gets (&m, NULL), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_msg_close (&m));
}

/* libzmq asserts (aborts) in data and size of an invalid message and reads garbage in the
 * getters; we fail with EFAULT. */
static void test_closed_message_accessors (void)
{
    zmq_msg_t m;
    TEST_ASSERT_SUCCESS (zmq_msg_init_size (&m, 100));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&m));
    TEST_ASSERT_NULL_ERRNO (zmq_msg_data (&m), EFAULT);
    errno = 0;
    TEST_ASSERT_EQ (0, zmq_msg_size (&m));
    TEST_ASSERT_EQ (EFAULT, errno);
    TEST_ASSERT_FAILURE (zmq_msg_more (&m), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_get (&m, ZMQ_SHARED), EFAULT);
    TEST_ASSERT_NULL_ERRNO (zmq_msg_gets (&m, "User-Id"), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_set_routing_id (&m, 5), EFAULT);
    TEST_ASSERT_NULL_ERRNO (zmq_msg_group (&m), EFAULT);

    zmq_msg_t zeroed;
    memset (&zeroed, 0, sizeof zeroed);
    TEST_ASSERT_NULL_ERRNO (zmq_msg_data (&zeroed), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_set_group (&zeroed, "g"), EFAULT);
}

/* libzmq closes the message and then copies the closed message onto itself (and aborts in
 * the next zmq_msg_size); we leave a self-copy or self-move unchanged. */
static void test_self_copy_and_move (void)
{
    zmq_msg_t m;
    TEST_ASSERT_SUCCESS (zmq_msg_init_size (&m, 100));
    memset (zmq_msg_data (&m), 's', 100);
    TEST_ASSERT_SUCCESS (zmq_msg_copy (&m, &m));
    TEST_ASSERT_EQ (100, zmq_msg_size (&m));
    TEST_ASSERT_SUCCESS (zmq_msg_move (&m, &m));
    TEST_ASSERT_EQ (100, zmq_msg_size (&m));
    TEST_ASSERT_EQ ('s', ((char *) zmq_msg_data (&m))[99]);
    TEST_ASSERT_SUCCESS (zmq_msg_close (&m));
    TEST_ASSERT_FAILURE (zmq_msg_copy (&m, &m), EFAULT);
}

int main (void)
{
    test_routing_id ();
    test_group ();
    test_init_buffer ();
    test_null_pointers ();
    test_closed_message_accessors ();
    test_self_copy_and_move ();
    return 0;
}

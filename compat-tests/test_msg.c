/* The message API (zmq_msg_*): sizes, payloads, copy/move, sharing, free functions,
 * properties and the errno paths where libzmq checks its arguments. Runs against both
 * libraries; calls that crash libzmq (NULL pointers, data/size of a closed message) are
 * tested in test_msg_draft.c, against ours only. */
#include "testutil.h"

#include <pthread.h>
#include <stdint.h>

static int frees;
static void *last_data;
static void *last_hint;
static pthread_t free_thread;

static void count_free (void *data_, void *hint_)
{
    frees++;
    last_data = data_;
    last_hint = hint_;
    free_thread = pthread_self ();
}

static void test_init_empty (void)
{
    zmq_msg_t m;
    TEST_ASSERT_SUCCESS (zmq_msg_init (&m));
    TEST_ASSERT_EQ (0, zmq_msg_size (&m));
    TEST_ASSERT (zmq_msg_data (&m) != NULL);
    TEST_ASSERT_EQ (0, zmq_msg_more (&m));
    TEST_ASSERT_EQ (0, zmq_msg_get (&m, ZMQ_MORE));
    TEST_ASSERT_EQ (0, zmq_msg_get (&m, ZMQ_SHARED));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&m));
}

static void test_init_size (void)
{
    const size_t sizes[] = {0, 1, 32, 33, 34, 100, 4096, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        zmq_msg_t m;
        TEST_ASSERT_SUCCESS (zmq_msg_init_size (&m, sizes[i]));
        TEST_ASSERT_EQ (sizes[i], zmq_msg_size (&m));
        TEST_ASSERT_EQ (0, zmq_msg_get (&m, ZMQ_SHARED));
        unsigned char *d = (unsigned char *) zmq_msg_data (&m);
        TEST_ASSERT (d != NULL);
        for (size_t j = 0; j < sizes[i]; j++)
            d[j] = (unsigned char) (j * 7);
        const unsigned char *again = (const unsigned char *) zmq_msg_data (&m);
        for (size_t j = 0; j < sizes[i]; j++)
            TEST_ASSERT_EQ ((unsigned char) (j * 7), again[j]);
        TEST_ASSERT_SUCCESS (zmq_msg_close (&m));
    }
}

static void test_init_size_enomem (void)
{
    zmq_msg_t m;
    TEST_ASSERT_FAILURE (zmq_msg_init_size (&m, (size_t) -1), ENOMEM);
    TEST_ASSERT_FAILURE (zmq_msg_init_size (&m, (size_t) 1 << 60), ENOMEM);
}

/* Copies of up to 33 bytes are independent copies; larger ones share the buffer and both
 * report ZMQ_SHARED, which stays set after the other copy is closed. */
static void test_copy_sharing (void)
{
    for (size_t n = 30; n <= 40; n++) {
        zmq_msg_t a, b;
        TEST_ASSERT_SUCCESS (zmq_msg_init_size (&a, n));
        memset (zmq_msg_data (&a), 'a', n);
        TEST_ASSERT_SUCCESS (zmq_msg_init (&b));
        TEST_ASSERT_SUCCESS (zmq_msg_copy (&b, &a));
        const int shared = n > 33;
        TEST_ASSERT_EQ (shared, zmq_msg_get (&a, ZMQ_SHARED));
        TEST_ASSERT_EQ (shared, zmq_msg_get (&b, ZMQ_SHARED));
        TEST_ASSERT_EQ (shared, zmq_msg_data (&a) == zmq_msg_data (&b));
        TEST_ASSERT_EQ (n, zmq_msg_size (&b));
        TEST_ASSERT (memcmp (zmq_msg_data (&a), zmq_msg_data (&b), n) == 0);
        if (!shared) {
            ((char *) zmq_msg_data (&a))[0] = 'z';
            TEST_ASSERT_EQ ('a', ((char *) zmq_msg_data (&b))[0]);
        }
        TEST_ASSERT_SUCCESS (zmq_msg_close (&a));
        TEST_ASSERT_EQ (shared, zmq_msg_get (&b, ZMQ_SHARED));
        TEST_ASSERT_EQ ('a', ((char *) zmq_msg_data (&b))[n - 1]);
        TEST_ASSERT_SUCCESS (zmq_msg_close (&b));
    }
}

/* The destination of a copy is released first: copying over a large message frees it. */
static void test_copy_releases_destination (void)
{
    static char buf[] = "destination";
    zmq_msg_t a, b;
    frees = 0;
    TEST_ASSERT_SUCCESS (zmq_msg_init_data (&b, buf, 11, count_free, NULL));
    TEST_ASSERT_SUCCESS (zmq_msg_init_size (&a, 5));
    memcpy (zmq_msg_data (&a), "hello", 5);
    TEST_ASSERT_SUCCESS (zmq_msg_copy (&b, &a));
    TEST_ASSERT_EQ (1, frees);
    TEST_ASSERT_EQ (5, zmq_msg_size (&b));
    TEST_ASSERT (memcmp (zmq_msg_data (&b), "hello", 5) == 0);
    TEST_ASSERT_SUCCESS (zmq_msg_close (&a));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&b));
    TEST_ASSERT_EQ (1, frees);
}

static void test_move (void)
{
    const size_t sizes[] = {5, 100};
    for (size_t i = 0; i < 2; i++) {
        const size_t n = sizes[i];
        zmq_msg_t a, b;
        TEST_ASSERT_SUCCESS (zmq_msg_init_size (&a, n));
        memset (zmq_msg_data (&a), 'm', n);
        TEST_ASSERT_SUCCESS (zmq_msg_init_size (&b, 1000));
        TEST_ASSERT_SUCCESS (zmq_msg_move (&b, &a));
        TEST_ASSERT_EQ (n, zmq_msg_size (&b));
        TEST_ASSERT_EQ ('m', ((char *) zmq_msg_data (&b))[n - 1]);
        TEST_ASSERT_EQ (0, zmq_msg_get (&b, ZMQ_SHARED));
        /* The source is left an empty, live message. */
        TEST_ASSERT_EQ (0, zmq_msg_size (&a));
        TEST_ASSERT_SUCCESS (zmq_msg_close (&a));
        TEST_ASSERT_SUCCESS (zmq_msg_close (&b));
    }
}

/* A zmq_msg_t may be copied bytewise as a whole (libzmq's own zmq_msg_move is one). */
static void test_bytewise_move (void)
{
    zmq_msg_t a, b;
    TEST_ASSERT_SUCCESS (zmq_msg_init_size (&a, 200));
    memset (zmq_msg_data (&a), 'q', 200);
    memcpy (&b, &a, sizeof b);
    memset (&a, 0, sizeof a);
    TEST_ASSERT_EQ (200, zmq_msg_size (&b));
    TEST_ASSERT_EQ ('q', ((char *) zmq_msg_data (&b))[199]);
    TEST_ASSERT_SUCCESS (zmq_msg_close (&b));

    TEST_ASSERT_SUCCESS (zmq_msg_init_size (&a, 7));
    memcpy (zmq_msg_data (&a), "inline!", 7);
    memcpy (&b, &a, sizeof b);
    TEST_ASSERT (memcmp (zmq_msg_data (&b), "inline!", 7) == 0);
    TEST_ASSERT_SUCCESS (zmq_msg_close (&b));
}

static void test_init_data (void)
{
    static char buf[] = "zero-copy payload";
    zmq_msg_t a, b;
    int hint;

    /* With a free function: not shared until copied, freed once at the last close. */
    frees = 0;
    TEST_ASSERT_SUCCESS (zmq_msg_init_data (&a, buf, 5, count_free, &hint));
    TEST_ASSERT (zmq_msg_data (&a) == buf);
    TEST_ASSERT_EQ (5, zmq_msg_size (&a));
    TEST_ASSERT_EQ (0, zmq_msg_get (&a, ZMQ_SHARED));
    TEST_ASSERT_SUCCESS (zmq_msg_init (&b));
    TEST_ASSERT_SUCCESS (zmq_msg_copy (&b, &a));
    TEST_ASSERT_EQ (1, zmq_msg_get (&a, ZMQ_SHARED));
    TEST_ASSERT_EQ (1, zmq_msg_get (&b, ZMQ_SHARED));
    TEST_ASSERT (zmq_msg_data (&b) == buf);
    TEST_ASSERT_SUCCESS (zmq_msg_close (&a));
    TEST_ASSERT_EQ (0, frees);
    TEST_ASSERT_SUCCESS (zmq_msg_close (&b));
    TEST_ASSERT_EQ (1, frees);
    TEST_ASSERT (last_data == buf);
    TEST_ASSERT (last_hint == &hint);

    /* Moving does not free. */
    frees = 0;
    TEST_ASSERT_SUCCESS (zmq_msg_init_data (&a, buf, 17, count_free, NULL));
    TEST_ASSERT_SUCCESS (zmq_msg_init (&b));
    TEST_ASSERT_SUCCESS (zmq_msg_move (&b, &a));
    TEST_ASSERT_EQ (0, frees);
    TEST_ASSERT_SUCCESS (zmq_msg_close (&a));
    TEST_ASSERT_EQ (0, frees);
    TEST_ASSERT_SUCCESS (zmq_msg_close (&b));
    TEST_ASSERT_EQ (1, frees);

    /* An empty buffer is still handed back to its free function. */
    frees = 0;
    TEST_ASSERT_SUCCESS (zmq_msg_init_data (&a, NULL, 0, count_free, &hint));
    TEST_ASSERT_EQ (0, zmq_msg_size (&a));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&a));
    TEST_ASSERT_EQ (1, frees);
    TEST_ASSERT (last_data == NULL);

    /* Without a free function: constant data, always reported shared, never freed. */
    frees = 0;
    TEST_ASSERT_SUCCESS (zmq_msg_init_data (&a, buf, 17, NULL, NULL));
    TEST_ASSERT (zmq_msg_data (&a) == buf);
    TEST_ASSERT_EQ (1, zmq_msg_get (&a, ZMQ_SHARED));
    TEST_ASSERT_SUCCESS (zmq_msg_init (&b));
    TEST_ASSERT_SUCCESS (zmq_msg_copy (&b, &a));
    TEST_ASSERT_EQ (1, zmq_msg_get (&b, ZMQ_SHARED));
    TEST_ASSERT (zmq_msg_data (&b) == buf);
    TEST_ASSERT_SUCCESS (zmq_msg_close (&a));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&b));
    TEST_ASSERT_EQ (0, frees);
    TEST_ASSERT_SUCCESS (zmq_msg_init_data (&a, NULL, 0, NULL, NULL));
    TEST_ASSERT_EQ (0, zmq_msg_size (&a));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&a));
}

static void *close_in_thread (void *msg_)
{
    TEST_ASSERT_SUCCESS (zmq_msg_close ((zmq_msg_t *) msg_));
    return NULL;
}

/* The free function runs on the thread that drops the last reference. */
static void test_free_on_other_thread (void)
{
    static char buf[64];
    zmq_msg_t a, b;
    pthread_t t;
    frees = 0;
    TEST_ASSERT_SUCCESS (zmq_msg_init_data (&a, buf, sizeof buf, count_free, NULL));
    TEST_ASSERT_SUCCESS (zmq_msg_init (&b));
    TEST_ASSERT_SUCCESS (zmq_msg_copy (&b, &a));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&a));
    TEST_ASSERT_EQ (0, pthread_create (&t, NULL, close_in_thread, &b));
    TEST_ASSERT_EQ (0, pthread_join (t, NULL));
    TEST_ASSERT_EQ (1, frees);
    TEST_ASSERT (pthread_equal (free_thread, t));
}

static void test_properties (void)
{
    zmq_msg_t m;
    TEST_ASSERT_SUCCESS (zmq_msg_init_size (&m, 10));
    TEST_ASSERT_EQ (0, zmq_msg_get (&m, ZMQ_MORE));
    TEST_ASSERT_EQ (0, zmq_msg_get (&m, ZMQ_SHARED));
    /* Not received from a connection: no source fd. */
    TEST_ASSERT_FAILURE (zmq_msg_get (&m, ZMQ_SRCFD), EINVAL);
    TEST_ASSERT_FAILURE (zmq_msg_get (&m, 0), EINVAL);
    TEST_ASSERT_FAILURE (zmq_msg_get (&m, 4), EINVAL);
    TEST_ASSERT_FAILURE (zmq_msg_get (&m, -1), EINVAL);
    /* Nothing is settable. */
    TEST_ASSERT_FAILURE (zmq_msg_set (&m, ZMQ_MORE, 1), EINVAL);
    TEST_ASSERT_FAILURE (zmq_msg_set (&m, ZMQ_SRCFD, 3), EINVAL);
    TEST_ASSERT_FAILURE (zmq_msg_set (&m, ZMQ_SHARED, 1), EINVAL);
    TEST_ASSERT_FAILURE (zmq_msg_set (&m, 99, 0), EINVAL);
    TEST_ASSERT_EQ (0, zmq_msg_get (&m, ZMQ_MORE));
    /* No metadata on a local message. */
    TEST_ASSERT_NULL_ERRNO (zmq_msg_gets (&m, "Socket-Type"), EINVAL);
    TEST_ASSERT_NULL_ERRNO (zmq_msg_gets (&m, "Identity"), EINVAL);
    TEST_ASSERT_NULL_ERRNO (zmq_msg_gets (&m, "Routing-Id"), EINVAL);
    TEST_ASSERT_NULL_ERRNO (zmq_msg_gets (&m, "User-Id"), EINVAL);
    TEST_ASSERT_NULL_ERRNO (zmq_msg_gets (&m, "Peer-Address"), EINVAL);
    TEST_ASSERT_NULL_ERRNO (zmq_msg_gets (&m, "__fd"), EINVAL);
    TEST_ASSERT_NULL_ERRNO (zmq_msg_gets (&m, "X-Anything"), EINVAL);
    TEST_ASSERT_SUCCESS (zmq_msg_close (&m));
}

/* libzmq checks a type byte in close, copy and move: a message that is closed, zeroed or
 * garbage gives EFAULT. */
static void test_invalid_messages (void)
{
    zmq_msg_t live, closed, zeroed, garbage;
    memset (&zeroed, 0, sizeof zeroed);
    memset (&garbage, 0xff, sizeof garbage);
    TEST_ASSERT_SUCCESS (zmq_msg_init_size (&closed, 100));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&closed));

    TEST_ASSERT_FAILURE (zmq_msg_close (&closed), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_close (&zeroed), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_close (&garbage), EFAULT);

    TEST_ASSERT_SUCCESS (zmq_msg_init_size (&live, 3));
    memcpy (zmq_msg_data (&live), "abc", 3);
    /* Invalid source. */
    TEST_ASSERT_FAILURE (zmq_msg_copy (&live, &closed), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_move (&live, &closed), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_copy (&live, &zeroed), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_move (&live, &garbage), EFAULT);
    /* Invalid destination: it must be a live message. */
    TEST_ASSERT_FAILURE (zmq_msg_copy (&closed, &live), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_move (&closed, &live), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_copy (&zeroed, &live), EFAULT);
    TEST_ASSERT_FAILURE (zmq_msg_move (&garbage, &live), EFAULT);
    /* The source is unchanged by the failures. */
    TEST_ASSERT_EQ (3, zmq_msg_size (&live));
    TEST_ASSERT (memcmp (zmq_msg_data (&live), "abc", 3) == 0);
    TEST_ASSERT_EQ (0, zmq_msg_get (&live, ZMQ_SHARED));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&live));
    TEST_ASSERT_FAILURE (zmq_msg_close (&live), EFAULT);

    /* A closed message can be initialised again. */
    TEST_ASSERT_SUCCESS (zmq_msg_init (&closed));
    TEST_ASSERT_SUCCESS (zmq_msg_close (&closed));
}

int main (void)
{
    test_init_empty ();
    test_init_size ();
    test_init_size_enomem ();
    test_copy_sharing ();
    test_copy_releases_destination ();
    test_move ();
    test_bytewise_move ();
    test_init_data ();
    test_free_on_other_thread ();
    test_properties ();
    test_invalid_messages ();
    return 0;
}

/* zmq_curve_keypair / zmq_curve_public: the zmq_curve(7) test keys and a fresh pair. */
#include "testutil.h"

int main (void)
{
    char public_key[41];
    char secret_key[41];
    char derived[41];

    /* The client and server pairs of the zmq_curve(7) man page. */
    TEST_ASSERT_SUCCESS (
      zmq_curve_public (derived, "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"));
    TEST_ASSERT_STR ("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID", derived);
    TEST_ASSERT_SUCCESS (
      zmq_curve_public (derived, "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"));
    TEST_ASSERT_STR ("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", derived);

    /* A fresh pair: 40 characters each, and the public key derives from the secret. */
    memset (public_key, 'x', sizeof public_key);
    memset (secret_key, 'x', sizeof secret_key);
    TEST_ASSERT_EQ (0, zmq_curve_keypair (public_key, secret_key));
    TEST_ASSERT_EQ (40, strlen (public_key));
    TEST_ASSERT_EQ (40, strlen (secret_key));
    TEST_ASSERT_SUCCESS (zmq_curve_public (derived, secret_key));
    TEST_ASSERT_STR (public_key, derived);
    uint8_t raw[32];
    TEST_ASSERT (zmq_z85_decode (raw, public_key) == raw);
    TEST_ASSERT (zmq_z85_decode (raw, secret_key) == raw);

    /* Two pairs differ. */
    char other_public[41], other_secret[41];
    TEST_ASSERT_EQ (0, zmq_curve_keypair (other_public, other_secret));
    TEST_ASSERT (strcmp (other_secret, secret_key) != 0);

    /* A secret that is not valid Z85 fails before the output is touched. */
    TEST_ASSERT_FAILURE (
      zmq_curve_public (derived, "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%c~"),
      EINVAL);
    TEST_ASSERT_FAILURE (zmq_curve_public (derived, ""), EINVAL);
    TEST_ASSERT_FAILURE (zmq_curve_public (NULL, "abcd"), EINVAL);
    return 0;
}

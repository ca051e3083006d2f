/* Z85: the RFC 32 and libzmq vectors, and the inputs libzmq refuses. */
#include "testutil.h"

#include <stdint.h>

static void check_pair (const uint8_t *data, size_t size, const char *text)
{
    char encoded[64];
    uint8_t decoded[64];
    TEST_ASSERT (zmq_z85_encode (encoded, data, size) == encoded);
    TEST_ASSERT_STR (text, encoded);
    TEST_ASSERT (zmq_z85_decode (decoded, text) == decoded);
    TEST_ASSERT (memcmp (decoded, data, size) == 0);
}

int main (void)
{
    const uint8_t hello[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
    const uint8_t zeros[4] = {0, 0, 0, 0};
    const uint8_t ones[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    const uint8_t server_secret[32] = {
      0x8E, 0x0B, 0xDD, 0x69, 0x76, 0x28, 0xB9, 0x1D, 0x8F, 0x24, 0x55,
      0x87, 0xEE, 0x95, 0xC5, 0xB0, 0x4D, 0x48, 0x96, 0x3F, 0x79, 0x25,
      0x98, 0x77, 0xB4, 0x9C, 0xD9, 0x06, 0x3A, 0xEA, 0xD3, 0xB7};
    const uint8_t libzmq_key[32] = {
      0x56, 0x7D, 0x7B, 0x36, 0x1D, 0xC9, 0xC6, 0x82, 0xAC, 0x06, 0x93,
      0xBF, 0x0B, 0x2A, 0xFE, 0x9C, 0x60, 0xEE, 0xEE, 0xB5, 0xA0, 0xE8,
      0xBD, 0x75, 0x83, 0x76, 0xD4, 0xD5, 0x73, 0xCD, 0xD6, 0x12};
    check_pair (hello, 8, "HelloWorld");
    check_pair (zeros, 4, "00000");
    check_pair (ones, 4, "%nSc0");
    check_pair (server_secret, 32, "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6");
    check_pair (libzmq_key, 32, "r^/rM9M=rMToK)63O8dCvd9D<PY<7iGlC+{BiSnG");

    /* Size 0 encodes to the empty string; the data pointer is not read. */
    char text[64] = "x";
    TEST_ASSERT (zmq_z85_encode (text, NULL, 0) == text);
    TEST_ASSERT_STR ("", text);

    /* Encode: the size must be a multiple of 4 (checked before dest is used). */
    TEST_ASSERT_NULL_ERRNO (zmq_z85_encode (text, hello, 5), EINVAL);
    TEST_ASSERT_NULL_ERRNO (zmq_z85_encode (NULL, hello, 3), EINVAL);

    /* Decode: length >= 5 and a multiple of 5, alphabet only, groups within 32 bits. */
    uint8_t out[16];
    const char *bad[] = {"",      "0",      "0000",   "01234567", "%nSc1",
                         "#####", "ab cd",  "\x80" "0000", "\x7f" "0000",
                         "0000~", "0000\"", "0000_",  "0000|"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        TEST_ASSERT_NULL_ERRNO (zmq_z85_decode (out, bad[i]), EINVAL);
    TEST_ASSERT_NULL_ERRNO (zmq_z85_decode (NULL, "0123"), EINVAL);
    return 0;
}

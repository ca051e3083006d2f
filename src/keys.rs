//! CURVE keys and the Z85 text rules of `zmq_z85_*` / `zmq_curve_*` (libzmq `zmq_utils.cpp`).
//!
//! The key pair is X25519 as libsodium's `crypto_box_keypair` makes it: the secret key is 32
//! random bytes, stored unclamped; the public key is the scalar multiple of the base point,
//! with clamping applied inside the multiply.

#![forbid(unsafe_code)]

use crypto_box::SecretKey;
use crypto_box::aead::OsRng;

use crate::error::{Error, Result};
use crate::z85;

/// Z85-encodes `data` as `zmq_z85_encode` does: the length must be a multiple of 4.
///
/// # Errors
/// `Inval` when it is not.
pub fn z85_encode(data: &[u8]) -> Result<String> {
    z85::encode(data).ok_or(Error::Inval)
}

/// Z85-decodes `text` as `zmq_z85_decode` does: at least 5 characters, a multiple of 5, every
/// character in the alphabet and every group within 32 bits.
///
/// # Errors
/// `Inval` otherwise (libzmq rejects the empty string, unlike the RFC's reference code).
pub fn z85_decode(text: &[u8]) -> Result<Vec<u8>> {
    if text.is_empty() {
        return Err(Error::Inval);
    }
    z85::decode(text).ok_or(Error::Inval)
}

/// A fresh key pair as `(public, secret)`.
pub fn generate_keypair() -> ([u8; 32], [u8; 32]) {
    let secret = SecretKey::generate(&mut OsRng);
    (secret.public_key().to_bytes(), secret.to_bytes())
}

/// The public key that belongs to `secret` (X25519 with the base point).
pub fn public_from_secret(secret: &[u8; 32]) -> [u8; 32] {
    SecretKey::from_bytes(*secret).public_key().to_bytes()
}

/// A fresh key pair as 40-character Z85 texts `(public, secret)`.
pub fn keypair_z85() -> (String, String) {
    let (public, secret) = generate_keypair();
    (z85::encode_key(&public), z85::encode_key(&secret))
}

/// The Z85 public key for a Z85 secret key.
///
/// # Errors
/// `Inval` when `secret` is not valid Z85 or does not decode to exactly 32 bytes. (libzmq
/// decodes any valid length into a 32-byte buffer: longer input overflows it, shorter input
/// leaves bytes uninitialised; we refuse both.)
pub fn public_z85(secret: &[u8]) -> Result<String> {
    let bytes: [u8; 32] = z85_decode(secret)?.try_into().map_err(|_| Error::Inval)?;
    Ok(z85::encode_key(&public_from_secret(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn z85_vectors() {
        let cases = [
            ("864FD26FB559F75B", "HelloWorld"),
            ("00000000", "00000"),
            ("FFFFFFFF", "%nSc0"),
            (
                "8E0BDD697628B91D8F245587EE95C5B04D48963F79259877B49CD9063AEAD3B7",
                "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
            ),
            (
                "567D7B361DC9C682AC0693BF0B2AFE9C60EEEEB5A0E8BD758376D4D573CDD612",
                "r^/rM9M=rMToK)63O8dCvd9D<PY<7iGlC+{BiSnG",
            ),
        ];
        for (h, text) in cases {
            assert_eq!(z85_encode(&hex(h)).unwrap(), text);
            assert_eq!(z85_decode(text.as_bytes()).unwrap(), hex(h));
        }
    }

    #[test]
    fn z85_rejects_what_libzmq_rejects() {
        for bad in ["%nSc1", "#####", "0", "01234567", "", "ab cd", "0000\u{7f}"] {
            assert_eq!(z85_decode(bad.as_bytes()), Err(Error::Inval), "{bad:?}");
        }
        assert_eq!(z85_encode(&[1, 2, 3]), Err(Error::Inval));
        assert_eq!(z85_encode(&[]).unwrap(), "");
    }

    #[test]
    fn curve_test_keys_derive() {
        let pairs = [
            (
                "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
                "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
                "BB88471D65E2659B30C55A5321CEBB5AAB2B70A398645C26DCA2B2FCB43FC518",
                "7BB864B489AFA3671FBE69101F94B38972F24816DFB01B51656B3FEC8DFD0888",
            ),
            (
                "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
                "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
                "54FCBA24E93249969316FB617C872BB0C1D1FF14800427C594CBFACF1BC2D652",
                "8E0BDD697628B91D8F245587EE95C5B04D48963F79259877B49CD9063AEAD3B7",
            ),
        ];
        for (public, secret, public_hex, secret_hex) in pairs {
            assert_eq!(public_z85(secret.as_bytes()).unwrap(), public);
            assert_eq!(z85_decode(public.as_bytes()).unwrap(), hex(public_hex));
            assert_eq!(z85_decode(secret.as_bytes()).unwrap(), hex(secret_hex));
            let s: [u8; 32] = hex(secret_hex).try_into().unwrap();
            assert_eq!(public_from_secret(&s).to_vec(), hex(public_hex));
        }
    }

    #[test]
    fn curve_public_needs_a_32_byte_key() {
        assert_eq!(public_z85(b"abcde"), Err(Error::Inval));
        assert_eq!(public_z85(b""), Err(Error::Inval));
        assert_eq!(public_z85(&[b'0'; 45]), Err(Error::Inval));
    }

    #[test]
    fn keypair_round_trips() {
        let (public, secret) = keypair_z85();
        assert_eq!(public.len(), 40);
        assert_eq!(secret.len(), 40);
        assert_eq!(public_z85(secret.as_bytes()).unwrap(), public);
        assert_ne!(keypair_z85().1, secret);
    }
}

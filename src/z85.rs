//! Z85 (ZeroMQ RFC 32): four bytes as five printable characters. Used for CURVE keys in
//! socket options and by `zmq_z85_encode` / `zmq_z85_decode`.

#![forbid(unsafe_code)]

/// The 85 characters, in digit order.
const ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Digit value of each byte, 0xFF for bytes outside the alphabet.
const DIGITS: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 85 {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Encodes `data`; `None` unless its length is a multiple of 4.
pub fn encode(data: &[u8]) -> Option<String> {
    if !data.len().is_multiple_of(4) {
        return None;
    }
    let mut out = String::with_capacity(data.len() / 4 * 5);
    for chunk in data.chunks_exact(4) {
        let mut value = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let mut group = [0u8; 5];
        for slot in group.iter_mut().rev() {
            *slot = ALPHABET[(value % 85) as usize];
            value /= 85;
        }
        out.extend(group.iter().map(|&b| char::from(b)));
    }
    Some(out)
}

/// Decodes `text`; `None` unless its length is a multiple of 5, every byte is a Z85 digit
/// and no group of five exceeds 32 bits.
pub fn decode(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(5) {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 5 * 4);
    for group in text.chunks_exact(5) {
        let mut value: u32 = 0;
        for &c in group {
            let digit = DIGITS[usize::from(c)];
            if digit == 0xFF {
                return None;
            }
            value = value.checked_mul(85)?.checked_add(u32::from(digit))?;
        }
        out.extend_from_slice(&value.to_be_bytes());
    }
    Some(out)
}

/// Decodes a 40-character Z85 CURVE key into its 32 bytes.
pub fn decode_key(text: &[u8]) -> Option<[u8; 32]> {
    if text.len() != 40 {
        return None;
    }
    decode(text)?.try_into().ok()
}

/// Encodes a 32-byte CURVE key as its 40 Z85 characters.
pub fn encode_key(key: &[u8; 32]) -> String {
    encode(key).expect("32 is a multiple of 4")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc32_test_vector() {
        let data = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
        assert_eq!(encode(&data).unwrap(), "HelloWorld");
        assert_eq!(decode(b"HelloWorld").unwrap(), data);
    }

    #[test]
    fn lengths_are_checked() {
        assert_eq!(encode(&[1, 2, 3]), None);
        assert_eq!(encode(&[]).unwrap(), "");
        assert_eq!(decode(b"Hell"), None);
        assert_eq!(decode(b"").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn bad_digits_and_overflow_are_refused() {
        assert_eq!(decode(b"Hell\""), None);
        assert_eq!(decode(b"Hell~"), None);
        assert_eq!(decode(b"Hell\x00"), None);
        // "%nSc0" is 0xFFFFFFFF, the largest group; "%nSc1" would overflow.
        assert_eq!(decode(b"%nSc0").unwrap(), [0xFF; 4]);
        assert_eq!(decode(b"%nSc1"), None);
        assert_eq!(decode(b"#####"), None);
    }

    #[test]
    fn round_trip_every_byte() {
        let data: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(encode(&data).unwrap().as_bytes()).unwrap(), data);
    }

    #[test]
    fn keys() {
        let key = [7u8; 32];
        let text = encode_key(&key);
        assert_eq!(text.len(), 40);
        assert_eq!(decode_key(text.as_bytes()), Some(key));
        assert_eq!(decode_key(&text.as_bytes()[..35]), None);
    }
}

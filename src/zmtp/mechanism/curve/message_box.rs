//! The MESSAGE boxes of one connection, with the per-message work cut to the minimum.
//!
//! A MESSAGE box is `crypto_box_afternm` (XSalsa20-Poly1305) under the precomputed shared
//! key k of the two short-term keys, with the nonce `prefix(16) | counter(8, BE)`. XSalsa20
//! first derives a subkey `HSalsa20(k, nonce[0..16])`; the first 16 nonce bytes are the
//! constant direction prefix, so that subkey is the same for every MESSAGE of a direction
//! and is computed once here instead of once per message. What is left per message is
//! Salsa20 under the subkey with the counter as its 8-byte nonce: its first 32 keystream
//! bytes are the one-time Poly1305 key, the rest encrypts the plaintext.
//!
//! Poly1305 is the portable one-shot [`poly1305_donna`](super::poly1305_donna): it needs no
//! per-key setup, and measured faster than the `poly1305` crate (AVX2 backend) at every
//! MESSAGE size from 17 bytes to 16 KiB.

#![forbid(unsafe_code)]

use crypto_box::{PublicKey, SecretKey};
use curve25519_dalek::MontgomeryPoint;
use salsa20::cipher::consts::U10;
use salsa20::cipher::zeroize::{Zeroize, Zeroizing};
use salsa20::hsalsa;

use super::{poly1305_donna, salsa20_core};

/// The Poly1305 tag in front of every box.
pub(crate) const TAG_LEN: usize = 16;

/// The constant-time tag comparison (libsodium's `crypto_verify_16`).
fn ct_eq_16(a: &[u8; 16], b: &[u8; 16]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // Turns "diff is zero" into a bit without a data-dependent branch.
    (u16::from(diff).wrapping_sub(1) >> 15) == 1
}

/// `crypto_box_beforenm(pk, sk)`: X25519 then HSalsa20 with a zero input, exactly as
/// `crypto_box::SalsaBox::new` derives its key.
pub(crate) fn shared_key(public: &PublicKey, secret: &SecretKey) -> Zeroizing<[u8; 32]> {
    let scalar = Zeroizing::new(secret.to_scalar());
    let point = Zeroizing::new(*scalar * MontgomeryPoint(public.to_bytes()));
    let key = hsalsa::<U10>(point.as_bytes().into(), &Default::default());
    Zeroizing::new(key.into())
}

/// The XSalsa20 subkey of one direction: `HSalsa20(k, prefix)`.
pub(crate) struct DirectionKey([u8; 32]);

impl Drop for DirectionKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl DirectionKey {
    pub(crate) fn new(shared: &[u8; 32], prefix: &[u8; 16]) -> DirectionKey {
        DirectionKey(hsalsa::<U10>(shared.into(), prefix.into()).into())
    }

    /// Keystream block 0 for a nonce: the one-time Poly1305 key, then the keystream for
    /// the first 32 message bytes.
    fn first_block(&self, nonce: &[u8; 8]) -> Zeroizing<[u8; 64]> {
        let mut block = Zeroizing::new([0u8; 64]);
        salsa20_core::xor_keystream(&self.0, nonce, 0, &mut block[..]);
        block
    }

    /// XORs the message keystream (block 0 from byte 32 on, then blocks 1...) into `buf`.
    fn xor_message(&self, nonce: &[u8; 8], first: &[u8; 64], buf: &mut [u8]) {
        let head = buf.len().min(32);
        let (start, rest) = buf.split_at_mut(head);
        for (b, k) in start.iter_mut().zip(&first[32..]) {
            *b ^= k;
        }
        salsa20_core::xor_keystream(&self.0, nonce, 1, rest);
    }

    /// Encrypts `buf` in place under nonce `prefix | counter`; returns the tag.
    pub(crate) fn seal(&self, counter: u64, buf: &mut [u8]) -> [u8; 16] {
        let nonce = counter.to_be_bytes();
        let first = self.first_block(&nonce);
        self.xor_message(&nonce, &first, buf);
        poly1305_donna::tag(mac_key(&first), buf)
    }

    /// Checks `tag` over the ciphertext `buf` and decrypts it in place. On failure `buf`
    /// is left as it was.
    pub(crate) fn open(&self, counter: u64, buf: &mut [u8], tag: &[u8; 16]) -> bool {
        let nonce = counter.to_be_bytes();
        let first = self.first_block(&nonce);
        if !ct_eq_16(&poly1305_donna::tag(mac_key(&first), buf), tag) {
            return false;
        }
        self.xor_message(&nonce, &first, buf);
        true
    }
}

/// The one-time Poly1305 key: the first half of keystream block 0.
fn mac_key(first: &[u8; 64]) -> &[u8; 32] {
    first
        .first_chunk::<32>()
        .expect("a 64-byte block has 32 leading bytes")
}

/// A whole tag-first box of `plaintext` under k and nonce `prefix | counter`, for the
/// handshake commands that use short nonces (INITIATE, READY).
pub(crate) fn seal_box(
    shared: &[u8; 32],
    prefix: &[u8; 16],
    counter: u64,
    plaintext: &[u8],
) -> Vec<u8> {
    let mut out = vec![0u8; TAG_LEN + plaintext.len()];
    out[TAG_LEN..].copy_from_slice(plaintext);
    let tag = DirectionKey::new(shared, prefix).seal(counter, &mut out[TAG_LEN..]);
    out[..TAG_LEN].copy_from_slice(&tag);
    out
}

/// The plaintext of a tag-first box made by [`seal_box`], if it authenticates.
pub(crate) fn open_box(
    shared: &[u8; 32],
    prefix: &[u8; 16],
    counter: u64,
    boxed: &[u8],
) -> Option<Vec<u8>> {
    let (tag, ciphertext) = boxed.split_first_chunk::<TAG_LEN>()?;
    let mut out = ciphertext.to_vec();
    DirectionKey::new(shared, prefix)
        .open(counter, &mut out, tag)
        .then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_box::aead::Aead;
    use crypto_box::{Nonce, SalsaBox};

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn secret(s: &str) -> SecretKey {
        SecretKey::from(<[u8; 32]>::try_from(hex(s)).unwrap())
    }

    fn nonce(prefix: &[u8; 16], counter: u64) -> Nonce {
        let mut n = Nonce::default();
        n[..16].copy_from_slice(prefix);
        n[16..].copy_from_slice(&counter.to_be_bytes());
        n
    }

    const CLIENT_SHORT_SECRET: &str =
        "0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20";
    const SERVER_SHORT_SECRET: &str =
        "2122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F40";

    /// protocol.md 8.3: `crypto_box_beforenm(S', c')` from libsodium.
    #[test]
    fn shared_key_matches_libsodium_beforenm() {
        let c = secret(CLIENT_SHORT_SECRET);
        let s = secret(SERVER_SHORT_SECRET);
        let expected = hex("EC88F6E13B22BF9F04D480E0D8525C08AC7E2F48E212742BCBCAFA104A74B08D");
        assert_eq!(shared_key(&s.public_key(), &c).to_vec(), expected);
        assert_eq!(shared_key(&c.public_key(), &s).to_vec(), expected);
    }

    /// protocol.md 8.3: the client's MESSAGE box of "hello" with nonce 3, from libsodium.
    #[test]
    fn message_box_matches_libsodium() {
        let c = secret(CLIENT_SHORT_SECRET);
        let s = secret(SERVER_SHORT_SECRET);
        let expected = hex("B4527C114F53C3CEC414859FB9D8A931222731A3F5FD");
        let shared = shared_key(&s.public_key(), &c);
        let plaintext = b"\x00hello";
        assert_eq!(
            seal_box(&shared, b"CurveZMQMESSAGEC", 3, plaintext),
            expected
        );

        let mut buf = plaintext.to_vec();
        let tag = DirectionKey::new(&shared, b"CurveZMQMESSAGEC").seal(3, &mut buf);
        assert_eq!(tag[..], expected[..TAG_LEN]);
        assert_eq!(buf[..], expected[TAG_LEN..]);

        let shared = shared_key(&c.public_key(), &s);
        let opened = open_box(&shared, b"CurveZMQMESSAGEC", 3, &expected);
        assert_eq!(opened.as_deref(), Some(&plaintext[..]));
    }

    /// A small deterministic generator (xorshift64*), so that a failure can be replayed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn bytes<const N: usize>(&mut self) -> [u8; N] {
            let mut b = [0u8; N];
            b.iter_mut().for_each(|x| *x = self.next() as u8);
            b
        }
    }

    /// Long boxes, where the eight-block keystream batches and the four-block Poly1305
    /// steps do most of the work: byte for byte what `crypto_box` makes, at lengths around
    /// the batch boundaries (the message starts 32 bytes into keystream block 0) and at
    /// 16 KiB and more, with nonce counters from the whole range.
    #[test]
    fn long_boxes_match_crypto_box() {
        let mut rng = Rng(0xdead_beef_cafe_f00d);
        let ours = SecretKey::from(rng.bytes::<32>());
        let theirs = SecretKey::from(rng.bytes::<32>());
        let reference = SalsaBox::new(&theirs.public_key(), &ours);
        let shared = shared_key(&theirs.public_key(), &ours);
        let prefix = b"CurveZMQMESSAGES";
        let key = DirectionKey::new(&shared, prefix);
        let lengths = (1..=34)
            .flat_map(|k| [k * 512 - 33, k * 512 - 32, k * 512 - 31])
            .chain([4095, 4096, 16383, 16384, 16385, 65536 + 7]);
        for (i, len) in lengths.enumerate() {
            let counter = if i % 2 == 0 {
                rng.next()
            } else {
                u64::MAX - i as u64
            };
            let plaintext: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let expected = reference
                .encrypt(&nonce(prefix, counter), &plaintext[..])
                .unwrap();
            let mut buf = plaintext.clone();
            let tag = key.seal(counter, &mut buf);
            assert_eq!(tag[..], expected[..TAG_LEN], "len {len}");
            assert_eq!(buf[..], expected[TAG_LEN..], "len {len}");
            assert!(key.open(counter, &mut buf, &tag));
            assert_eq!(buf, plaintext);
            let mut bad = expected[TAG_LEN..].to_vec();
            let at = rng.next() as usize % len;
            bad[at] ^= 1 << (rng.next() % 8);
            assert!(!key.open(counter, &mut bad, &tag));
        }
    }

    /// Every box is byte for byte what `crypto_box` makes, and opens only unchanged.
    #[test]
    fn boxes_match_crypto_box() {
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        let prefixes: [&[u8; 16]; 4] = [
            b"CurveZMQMESSAGEC",
            b"CurveZMQMESSAGES",
            b"CurveZMQINITIATE",
            b"CurveZMQREADY---",
        ];
        for round in 0..40 {
            let ours = SecretKey::from(rng.bytes::<32>());
            let theirs = SecretKey::from(rng.bytes::<32>());
            let reference = SalsaBox::new(&theirs.public_key(), &ours);
            let shared = shared_key(&theirs.public_key(), &ours);
            assert_eq!(*shared, *shared_key(&ours.public_key(), &theirs));
            let prefix = prefixes[round % prefixes.len()];
            let key = DirectionKey::new(&shared, prefix);
            for len in (0..2000).step_by(1 + round) {
                let counter = match round {
                    0 => 1,
                    1 => u64::MAX,
                    _ => rng.next(),
                };
                let plaintext: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                let expected = reference
                    .encrypt(&nonce(prefix, counter), &plaintext[..])
                    .unwrap();
                let boxed = seal_box(&shared, prefix, counter, &plaintext);
                assert_eq!(boxed, expected, "round {round} len {len}");

                let mut buf = plaintext.clone();
                let tag = key.seal(counter, &mut buf);
                assert_eq!(tag[..], expected[..TAG_LEN]);
                assert_eq!(buf[..], expected[TAG_LEN..]);
                let tag_ok: [u8; TAG_LEN] = expected[..TAG_LEN].try_into().unwrap();
                assert!(key.open(counter, &mut buf, &tag_ok));
                assert_eq!(buf, plaintext);

                // Any flipped bit, a wrong nonce or a wrong key fails, and leaves the
                // buffer as it was.
                let mut bad = expected.clone();
                let at = rng.next() as usize % bad.len();
                bad[at] ^= 1 << (rng.next() % 8);
                assert_eq!(open_box(&shared, prefix, counter, &bad), None);
                let mut ct = expected[TAG_LEN..].to_vec();
                assert!(!key.open(counter.wrapping_add(1), &mut ct, &tag_ok));
                assert_eq!(ct[..], expected[TAG_LEN..]);
                let other = DirectionKey::new(&shared, prefixes[(round + 1) % prefixes.len()]);
                assert!(!other.open(counter, &mut ct, &tag_ok));
                assert_eq!(
                    open_box(&shared, prefix, counter, &expected).as_deref(),
                    Some(&plaintext[..])
                );
                assert!(
                    reference
                        .decrypt(&nonce(prefix, counter), &boxed[..])
                        .is_ok()
                );
            }
        }
        // A box shorter than its tag never opens.
        let shared = shared_key(
            &SecretKey::from([1; 32]).public_key(),
            &SecretKey::from([2; 32]),
        );
        assert_eq!(open_box(&shared, prefixes[0], 1, &[0; TAG_LEN - 1]), None);
    }
}

/// Throughput of the MESSAGE boxes, single-threaded, for comparing changes to the
/// primitives: `cargo test --release --lib message_box::bench -- --ignored --nocapture`.
/// The machines this runs on are shared and noisy: compare runs made back to back.
#[cfg(test)]
mod bench {
    use super::*;
    use std::hint::black_box;
    use std::time::Instant;

    fn run(len: usize, iterations: u32) {
        let key = DirectionKey::new(&[7; 32], b"CurveZMQMESSAGEC");
        let mut buf = vec![0x5a; len];
        // Best of 15, to shed the noise of a shared machine.
        let mut best = [f64::MAX; 3];
        for _ in 0..15 {
            let start = Instant::now();
            for counter in 0..u64::from(iterations) {
                black_box(key.seal(black_box(counter), black_box(&mut buf)));
            }
            let sealed = start.elapsed();
            let tag = key.seal(u64::from(iterations), &mut buf);
            let sealed_box = buf.clone();
            let start = Instant::now();
            for _ in 0..iterations {
                // The copy (a memcpy) is a small part of the time.
                buf.copy_from_slice(&sealed_box);
                assert!(key.open(u64::from(iterations), black_box(&mut buf), &tag));
            }
            let opened = start.elapsed();
            let start = Instant::now();
            for _ in 0..iterations {
                black_box(poly1305_donna::tag(black_box(&[3; 32]), black_box(&buf)));
            }
            let hashed = start.elapsed();
            let per_byte =
                |d: std::time::Duration| d.as_nanos() as f64 / f64::from(iterations) / len as f64;
            for (b, d) in best.iter_mut().zip([sealed, opened, hashed]) {
                *b = b.min(per_byte(d));
            }
        }
        println!(
            "{len:>6} B: seal {:.3} ns/B, open {:.3} ns/B, poly1305 alone {:.3} ns/B",
            best[0], best[1], best[2]
        );
    }

    #[test]
    #[ignore = "a benchmark, not a test"]
    fn bench() {
        run(64, 50_000);
        run(1024, 5_000);
        run(16384, 400);
    }
}

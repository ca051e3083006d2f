//! A portable one-shot Poly1305 (RFC 8439) with 44/44/42-bit limbs and 64x64->128-bit
//! products, in the style of poly1305-donna-64.
//!
//! Why it exists: the `poly1305` crate picks its AVX2 backend at run time, and that backend
//! precomputes powers of r and calls non-inlined `target_feature` helpers for every key.
//! Each CURVE MESSAGE has a fresh one-time key, so for short boxes that setup costs more than
//! hashing the message itself. This version has no setup beyond splitting the key; measured,
//! it beats the crate at every length from 17 bytes to 16 KiB (about 90 ns against 1.9 us at
//! 65 bytes, 10 us against 11.4 us at 16 KiB), so it serves every MESSAGE.
//!
//! From 256 bytes on it hashes four blocks per step with r^2, r^3 and r^4 (computed per
//! key, three multiplications): as many multiplications as block by block, but four
//! independent chains and one carry per step. Measured at 16 KiB: 0.61 -> 0.48 ns/byte.
//! On x86_64 with AVX2 (detected at run time) those steps go to `arch::poly1305_avx2`
//! instead, four 26-bit-limb lanes per 64 bytes; it takes r^1..r^4 from here, so its own
//! setup is small. Measured (best of 15 on a shared 2-core EPYC): 0.57 -> 0.18 ns/byte at
//! 16 KiB, 0.60 -> 0.28 at 1 KiB, 0.77 -> 0.57 at 256 bytes. This code still does the
//! tail (under 64 bytes) and the final reduction.
//!
//! Constant time: no branch and no table index depends on the key, the message bytes or the
//! accumulator. The final reduction selects with masks. Only the message length (public)
//! steers the control flow.

#![forbid(unsafe_code)]

const MASK44: u64 = (1 << 44) - 1;
const MASK42: u64 = (1 << 42) - 1;

fn le64(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

/// Limbs of 44, 44 and 42 bits, at 2^0, 2^44 and 2^88.
type Limbs = [u64; 3];

/// The limbs of a 16-byte little-endian number.
fn limbs(b: &[u8]) -> Limbs {
    let t0 = le64(&b[0..8]);
    let t1 = le64(&b[8..16]);
    [
        t0 & MASK44,
        ((t0 >> 44) | (t1 << 20)) & MASK44,
        (t1 >> 24) & MASK42,
    ]
}

/// `h * r` before the carries, for `r` given with `rs = (r, 20 r)`: 2^130 = 5 (mod p), and
/// a product that lands at 2^132 or above folds back multiplied by 4 * 5. The terms stay
/// far below 2^128 for limbs up to about 2^50, and sums of a few such products too.
#[inline(always)]
fn mul(h: Limbs, (r, s): (Limbs, Limbs)) -> [u128; 3] {
    let m = |a: u64, b: u64| u128::from(a) * u128::from(b);
    [
        m(h[0], r[0]) + m(h[1], s[2]) + m(h[2], s[1]),
        m(h[0], r[1]) + m(h[1], r[0]) + m(h[2], s[2]),
        m(h[0], r[2]) + m(h[1], r[1]) + m(h[2], r[0]),
    ]
}

/// The element-wise sum of two unreduced products.
#[inline(always)]
fn add(a: [u128; 3], b: [u128; 3]) -> [u128; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// Partial carry: limbs come out below 2^44 + 2^20 or so, headroom enough for the next
/// block (or product).
#[inline(always)]
fn carry(d: [u128; 3]) -> Limbs {
    let [d0, mut d1, mut d2] = d;
    let c = (d0 >> 44) as u64;
    let mut h0 = (d0 as u64) & MASK44;
    d1 += u128::from(c);
    let c = (d1 >> 44) as u64;
    let mut h1 = (d1 as u64) & MASK44;
    d2 += u128::from(c);
    let c = (d2 >> 42) as u64;
    let h2 = (d2 as u64) & MASK42;
    h0 += c * 5;
    let c = h0 >> 44;
    h0 &= MASK44;
    h1 += c;
    [h0, h1, h2]
}

/// `(r, 20 r)`, the two forms [`mul`] takes a multiplier in.
fn with_folded(r: Limbs) -> (Limbs, Limbs) {
    (r, r.map(|l| l * 20))
}

/// Messages at least this long take four blocks per step (below, computing r^2..r^4
/// costs more than it saves), with AVX2 when the CPU has it. The AVX2 path alone would pay
/// from about 192 bytes on (measured); starting it here too reuses the powers of r.
const MULTI_MIN: usize = 256;

/// The Poly1305 tag of `msg` under the one-time key `key` (r | s, 32 bytes).
pub(crate) fn tag(key: &[u8; 32], msg: &[u8]) -> [u8; 16] {
    tag_with(key, msg, true)
}

/// [`tag`], with the vector code allowed or not (the tests and the benchmark compare both).
#[inline(always)]
fn tag_with(key: &[u8; 32], msg: &[u8], vector: bool) -> [u8; 16] {
    // r, clamped as RFC 8439 section 2.5 requires.
    let [t0, t1, t2] = limbs(&key[..16]);
    let r = with_folded([
        t0 & 0xffc_0fff_ffff,
        t1 & 0xfff_ffc0_ffff,
        t2 & 0x00f_ffff_fc0f,
    ]);

    let mut h: Limbs = [0; 3];
    let mut blocks = msg.chunks_exact(16);
    if msg.len() >= MULTI_MIN {
        // Four blocks per step, h = (h + m1) r^4 + m2 r^3 + m3 r^2 + m4 r: the same number
        // of multiplications as block by block, but four independent chains of them and
        // one carry instead of four.
        let r2 = with_folded(carry(mul(r.0, r)));
        let r3 = with_folded(carry(mul(r2.0, r)));
        let r4 = with_folded(carry(mul(r3.0, r)));
        #[cfg(target_arch = "x86_64")]
        let msg = if vector {
            // Whole 64-byte groups, or nothing without AVX2; the rest continues below.
            let powers = [r.0, r2.0, r3.0, r4.0];
            &msg[crate::arch::poly1305_avx2::blocks(&powers, &mut h, msg)..]
        } else {
            msg
        };
        #[cfg(not(target_arch = "x86_64"))]
        let _ = vector;
        let mut quads = msg.chunks_exact(64);
        for q in &mut quads {
            let m = |i: usize| {
                let [l0, l1, l2] = limbs(&q[16 * i..]);
                [l0, l1, l2 | (1 << 40)]
            };
            let [m0, m1, m2] = m(0);
            let first = [h[0] + m0, h[1] + m1, h[2] + m2];
            let d = add(
                add(mul(first, r4), mul(m(1), r3)),
                add(mul(m(2), r2), mul(m(3), r)),
            );
            h = carry(d);
        }
        blocks = quads.remainder().chunks_exact(16);
    }
    for m in &mut blocks {
        let [m0, m1, m2] = limbs(m);
        h = carry(mul([h[0] + m0, h[1] + m1, h[2] + (m2 | (1 << 40))], r));
    }
    let rest = blocks.remainder();
    if !rest.is_empty() {
        // The last partial block gets its 0x01 byte in the padding instead of bit 128.
        let mut last = [0u8; 16];
        last[..rest.len()].copy_from_slice(rest);
        last[rest.len()] = 1;
        let [m0, m1, m2] = limbs(&last);
        h = carry(mul([h[0] + m0, h[1] + m1, h[2] + m2], r));
    }
    let [mut h0, mut h1, mut h2] = h;

    // Full carry.
    let c = h1 >> 44;
    h1 &= MASK44;
    h2 += c;
    let c = h2 >> 42;
    h2 &= MASK42;
    h0 += c * 5;
    let c = h0 >> 44;
    h0 &= MASK44;
    h1 += c;
    let c = h1 >> 44;
    h1 &= MASK44;
    h2 += c;
    let c = h2 >> 42;
    h2 &= MASK42;
    h0 += c * 5;
    let c = h0 >> 44;
    h0 &= MASK44;
    h1 += c;

    // g = h - p = h + 5 - 2^130; keep g when it did not go negative, i.e. when h >= p.
    let mut g0 = h0 + 5;
    let c = g0 >> 44;
    g0 &= MASK44;
    let mut g1 = h1 + c;
    let c = g1 >> 44;
    g1 &= MASK44;
    let mut g2 = (h2 + c).wrapping_sub(1 << 42);
    // All ones when g2 did not borrow (h >= p), zero otherwise.
    let keep_g = (g2 >> 63).wrapping_sub(1);
    g0 &= keep_g;
    g1 &= keep_g;
    g2 &= keep_g;
    let keep_h = !keep_g;
    h0 = (h0 & keep_h) | g0;
    h1 = (h1 & keep_h) | g1;
    h2 = (h2 & keep_h) | g2;

    // tag = (h + s) mod 2^128.
    let t0 = le64(&key[16..24]);
    let t1 = le64(&key[24..32]);
    h0 += t0 & MASK44;
    let c = h0 >> 44;
    h0 &= MASK44;
    h1 += (((t0 >> 44) | (t1 << 20)) & MASK44) + c;
    let c = h1 >> 44;
    h1 &= MASK44;
    h2 += ((t1 >> 24) & MASK42) + c;
    h2 &= MASK42;

    let lo = h0 | (h1 << 44);
    let hi = (h1 >> 20) | (h2 << 24);
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&lo.to_le_bytes());
    out[8..].copy_from_slice(&hi.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::{tag, tag_with};
    use poly1305::Poly1305;
    use poly1305::universal_hash::KeyInit;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn key(s: &str) -> [u8; 32] {
        hex(s).try_into().unwrap()
    }

    fn reference(key: &[u8; 32], msg: &[u8]) -> [u8; 16] {
        Poly1305::new(key.into()).compute_unpadded(msg).into()
    }

    /// Checks ours and the `poly1305` crate against an expected tag.
    fn check(k: &str, msg: &[u8], expected: &str) {
        let k = key(k);
        assert_eq!(tag(&k, msg).to_vec(), hex(expected));
        assert_eq!(reference(&k, msg).to_vec(), hex(expected));
    }

    #[test]
    fn rfc8439_section_2_5_2() {
        check(
            "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b",
            b"Cryptographic Forum Research Group",
            "a8061dc1305136c6c22b8baf0c0127a9",
        );
    }

    #[test]
    fn rfc8439_appendix_a3() {
        let zero_key = "00".repeat(32);
        // #1: zero key, 64 zero bytes.
        check(&zero_key, &[0; 64], "00000000000000000000000000000000");
        // #5: h reaches p exactly before the final reduction.
        check(
            &format!("02{}", "00".repeat(31)),
            &hex(&"ff".repeat(16)),
            &format!("03{}", "00".repeat(15)),
        );
        // #6: the addition of s overflows 2^128.
        check(
            &format!("02{}{}", "00".repeat(15), "ff".repeat(16)),
            &hex(&format!("02{}", "00".repeat(15))),
            &format!("03{}", "00".repeat(15)),
        );
        // #7, #8: carries through every limb.
        check(
            &format!("01{}", "00".repeat(31)),
            &hex(&format!(
                "{}f0{}11{}",
                "ff".repeat(16),
                "ff".repeat(15),
                "00".repeat(15)
            )),
            &format!("05{}", "00".repeat(15)),
        );
        check(
            &format!("01{}", "00".repeat(31)),
            &hex(&format!(
                "{}fb{}{}",
                "ff".repeat(16),
                "fe".repeat(15),
                "01".repeat(16)
            )),
            &"00".repeat(16),
        );
        // #9: h - p is negative.
        check(
            &format!("02{}", "00".repeat(31)),
            &hex(&format!("fd{}", "ff".repeat(15))),
            &format!("fa{}", "ff".repeat(15)),
        );
        // #10, #11: 2^130 - 5 wraps in the middle of the computation.
        let k = format!("0100000000000000040000000000000000{}", "00".repeat(15));
        let m10 = hex(
            "e33594d7505e43b900000000000000003394d7505e4379cd01000000000000000000000000000000\
             0000000000000000 01000000000000000000000000000000",
        );
        check(&k, &m10, "14000000000000005500000000000000");
        check(&k, &m10[..48], "13000000000000000000000000000000");
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

        fn fill(&mut self, buf: &mut [u8]) {
            for b in buf {
                *b = self.next() as u8;
            }
        }
    }

    #[test]
    fn matches_the_poly1305_crate_on_random_input() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut msg = vec![0u8; 2000];
        for len in 0..2000 {
            for _ in 0..3 {
                let mut k = [0u8; 32];
                rng.fill(&mut k);
                rng.fill(&mut msg[..len]);
                assert_eq!(
                    tag(&k, &msg[..len]),
                    reference(&k, &msg[..len]),
                    "len {len}"
                );
            }
        }
    }

    #[test]
    fn matches_the_poly1305_crate_on_extreme_input() {
        // All-ones keys and messages push every limb to its largest value; all-zero and
        // alternating patterns cover the other ends of the carries.
        let patterns = [0x00u8, 0xff, 0xfe, 0x01, 0x80, 0x7f];
        for &kp in &patterns {
            for &sp in &patterns {
                for &mp in &patterns {
                    let mut k = [kp; 32];
                    k[16..].fill(sp);
                    // Past MULTI_MIN the four-block steps take over: their sums of products
                    // are where limbs grow most.
                    for len in (0..100).chain(240..340).chain([1000, 4096 + 7]) {
                        let msg = vec![mp; len];
                        assert_eq!(tag(&k, &msg), reference(&k, &msg), "{kp} {sp} {mp} {len}");
                    }
                }
            }
        }
    }

    /// Whether `tag` takes the AVX2 path on this machine: without it the comparisons below
    /// only check the portable code against itself, so say so.
    fn vector_path_runs() -> bool {
        #[cfg(target_arch = "x86_64")]
        let yes = std::arch::is_x86_feature_detected!("avx2");
        #[cfg(not(target_arch = "x86_64"))]
        let yes = false;
        if !yes {
            eprintln!("no AVX2 here: the vector path is not exercised");
        }
        yes
    }

    /// Ours with and without the vector code, and the `poly1305` crate, all agree.
    fn check_all(k: &[u8; 32], msg: &[u8], what: &str) {
        let expected = reference(k, msg);
        assert_eq!(tag_with(k, msg, false), expected, "portable, {what}");
        assert_eq!(tag_with(k, msg, true), expected, "vector, {what}");
    }

    /// Keys at the edges: r all ones after clamping (with s zero, all ones or mixed), the
    /// zero key, r = 1, and r zero with s all ones.
    fn edge_keys() -> Vec<[u8; 32]> {
        let mut keys = vec![[0xff; 32], [0; 32]];
        let mut k = [0xff; 32];
        k[16..].fill(0);
        keys.push(k);
        let mut k = [0; 32];
        k[0] = 1;
        keys.push(k);
        let mut k = [0; 32];
        k[16..].fill(0xff);
        keys.push(k);
        let mut k = [0xff; 32];
        k[16..].copy_from_slice(&[0x80, 0x7f].repeat(8));
        keys.push(k);
        keys
    }

    #[test]
    fn vector_path_matches_on_every_length_to_3000() {
        vector_path_runs();
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        let mut msg = vec![0u8; 3001];
        let ones = vec![0xffu8; 3001];
        let edges = edge_keys();
        for len in 0..=3000 {
            let mut k = [0u8; 32];
            rng.fill(&mut k);
            rng.fill(&mut msg[..len]);
            check_all(&k, &msg[..len], &format!("random, len {len}"));
            let e = &edges[len % edges.len()];
            check_all(
                e,
                &ones[..len],
                &format!("edge key {}, 0xff, len {len}", len % edges.len()),
            );
            check_all(
                e,
                &msg[..len],
                &format!("edge key {}, random, len {len}", len % edges.len()),
            );
        }
    }

    #[test]
    fn vector_path_matches_on_long_messages() {
        vector_path_runs();
        let mut rng = Rng(0xfeed_face_cafe_beef);
        let mut msg = vec![0u8; 65536 + 64];
        rng.fill(&mut msg);
        let ones = vec![0xffu8; 65536 + 64];
        let lens = [16384, 16384 + 1, 16384 + 15, 16384 + 16, 16384 + 63, 65536]
            .into_iter()
            .chain([1, 7, 16, 17, 31, 48, 63].map(|t| 65536 + t));
        for len in lens {
            let mut k = [0u8; 32];
            rng.fill(&mut k);
            check_all(&k, &msg[..len], &format!("random, len {len}"));
            for (i, e) in edge_keys().iter().enumerate() {
                check_all(e, &ones[..len], &format!("edge key {i}, 0xff, len {len}"));
                check_all(e, &msg[..len], &format!("edge key {i}, random, len {len}"));
            }
        }
    }

    /// ns/byte of the portable code and of the vector path, best of many runs.
    #[test]
    #[ignore = "a benchmark, not a test"]
    fn bench_vector_against_portable() {
        use std::hint::black_box;
        use std::time::Instant;
        vector_path_runs();
        let key = [3u8; 32];
        for len in [128, 256, 320, 512, 1024, 4096, 16384, 65536] {
            let msg = vec![0x5au8; len];
            let iterations = (4 << 20) / len;
            let time = |vector: bool| {
                (0..15)
                    .map(|_| {
                        let start = Instant::now();
                        for _ in 0..iterations {
                            black_box(tag_with(black_box(&key), black_box(&msg), vector));
                        }
                        start.elapsed().as_nanos() as f64 / (iterations * len) as f64
                    })
                    .fold(f64::MAX, f64::min)
            };
            let (portable, vector) = (time(false), time(true));
            println!(
                "{len:>6} B: portable {portable:.3} ns/B, vector {vector:.3} ns/B ({:.2}x)",
                portable / vector
            );
        }
    }
}

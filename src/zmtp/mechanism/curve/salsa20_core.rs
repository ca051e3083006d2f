//! Salsa20/20 keystream XOR (the stream cipher under XSalsa20-Poly1305).
//!
//! Why it exists: through the `salsa20` crate each MESSAGE built a cipher object and went
//! through its generic buffering wrapper (`StreamCipherCoreWrapper`) twice, for the one-time
//! Poly1305 key and for the data; at 64-byte messages that wrapper alone took about 8 % of
//! the I/O thread. Here a box makes block 0 once and then XORs whole blocks straight into the
//! buffer. Measured with curve_thr: 64 B about 15 % faster, 16 KiB unchanged (the rounds
//! cost the same).
//!
//! On x86_64 long runs of blocks go eight at a time through SIMD code, chosen at run time:
//! 1. `crate::arch::salsa20_avx2` when the processor has AVX2 (checked on each call; `std`
//!    caches the answer). It takes everything but a last block, if the message ends with
//!    one block or less past a group of eight. It lives outside `zmtp` because it needs
//!    `unsafe` (the call into a `#[target_feature]` function and unaligned loads and
//!    stores), and this module stays `forbid(unsafe_code)`; it exposes a safe function
//!    that does nothing without AVX2.
//! 2. Otherwise `simd` below, safe code that the compiler vectorises to SSE2 (which every
//!    x86_64 has); it takes runs of more than six blocks.
//! 3. The scalar code finishes what is left (and does everything on other processors).
//!
//! Measured on the development machine (AMD EPYC, 2 shared cores; the ignored `bench`
//! below, best of 15), ns per keystream byte at 16 KiB: scalar 1.8-2.3, SSE2 eight lanes
//! 1.1-1.6, AVX2 0.40, and libsodium's `crypto_stream_salsa20_xor` (AVX2 too) 0.40-0.42
//! in a C program at the same time. End to end, `perf/curve_thr` at 16 KiB over tcp
//! (20000 messages, medians of 5 alternate runs): 16764 msg/s against 13030 for libzmq
//! 4.3.4 and 10376 before AVX2; the process used 1.18 s of CPU against 1.55 and 2.0.
//!
//! Constant time: additions, XORs, rotations and shifts by fixed counts only; nothing
//! branches on or indexes by the key or the data.

#![forbid(unsafe_code)]

const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];
const BLOCK: usize = 64;

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// The Salsa20 input for a key, an 8-byte nonce and block 0.
fn initial_state(key: &[u8; 32], nonce: &[u8; 8]) -> [u32; 16] {
    [
        SIGMA[0],
        le32(&key[0..]),
        le32(&key[4..]),
        le32(&key[8..]),
        le32(&key[12..]),
        SIGMA[1],
        le32(&nonce[0..]),
        le32(&nonce[4..]),
        0,
        0,
        SIGMA[2],
        le32(&key[16..]),
        le32(&key[20..]),
        le32(&key[24..]),
        le32(&key[28..]),
        SIGMA[3],
    ]
}

macro_rules! quarter {
    ($a:ident, $b:ident, $c:ident, $d:ident) => {
        $b ^= $a.wrapping_add($d).rotate_left(7);
        $c ^= $b.wrapping_add($a).rotate_left(9);
        $d ^= $c.wrapping_add($b).rotate_left(13);
        $a ^= $d.wrapping_add($c).rotate_left(18);
    };
}

/// One keystream block: 20 rounds, then the input added back.
#[inline(always)]
fn block(input: &[u32; 16]) -> [u32; 16] {
    let [
        mut x0,
        mut x1,
        mut x2,
        mut x3,
        mut x4,
        mut x5,
        mut x6,
        mut x7,
        mut x8,
        mut x9,
        mut x10,
        mut x11,
        mut x12,
        mut x13,
        mut x14,
        mut x15,
    ] = *input;
    for _ in 0..10 {
        quarter!(x0, x4, x8, x12);
        quarter!(x5, x9, x13, x1);
        quarter!(x10, x14, x2, x6);
        quarter!(x15, x3, x7, x11);
        quarter!(x0, x1, x2, x3);
        quarter!(x5, x6, x7, x4);
        quarter!(x10, x11, x8, x9);
        quarter!(x15, x12, x13, x14);
    }
    let x = [
        x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15,
    ];
    std::array::from_fn(|i| x[i].wrapping_add(input[i]))
}

/// XORs the Salsa20/20 keystream of (`key`, `nonce`), from block `counter` on, into `buf`.
pub(crate) fn xor_keystream(key: &[u8; 32], nonce: &[u8; 8], counter: u64, buf: &mut [u8]) {
    let state = initial_state(key, nonce);
    #[cfg(target_arch = "x86_64")]
    let (counter, buf) = crate::arch::salsa20_avx2::xor_keystream_bulk(&state, counter, buf);
    #[cfg(target_arch = "x86_64")]
    let (counter, buf) = simd::xor_bulk(&state, counter, buf);
    xor_blocks(&state, counter, buf);
}

/// The portable path: one block at a time. On x86_64 it takes what the SIMD paths leave
/// (with AVX2 one block or less, else six blocks or less), which it does faster than they
/// would (they always compute eight).
fn xor_blocks(state: &[u32; 16], counter: u64, buf: &mut [u8]) {
    let mut state = *state;
    let mut counter = counter;
    for chunk in buf.chunks_mut(BLOCK) {
        state[8] = counter as u32;
        state[9] = (counter >> 32) as u32;
        xor_block(chunk, &block(&state));
        counter = counter.wrapping_add(1);
    }
}

/// XORs one keystream block into `chunk` (at most a block long).
#[inline(always)]
fn xor_block(chunk: &mut [u8], ks: &[u32; 16]) {
    // A whole block goes word by word; a byte loop over a slice of unknown length would
    // leave part of it to a slow remainder loop.
    if let Ok(chunk) = <&mut [u8; BLOCK]>::try_from(&mut *chunk) {
        for (bytes, k) in chunk.chunks_exact_mut(4).zip(ks) {
            let w = le32(bytes) ^ k;
            bytes.copy_from_slice(&w.to_le_bytes());
        }
    } else {
        let mut bytes = [0u8; BLOCK];
        for (b, k) in bytes.chunks_exact_mut(4).zip(ks) {
            b.copy_from_slice(&k.to_le_bytes());
        }
        for (b, k) in chunk.iter_mut().zip(bytes) {
            *b ^= k;
        }
    }
}

/// Eight blocks at once with SSE2, for x86_64 processors without AVX2 (see the module docs
/// for the dispatch). Each `Lanes` value holds the same state word of eight
/// consecutive blocks (two 128-bit registers), so a Salsa20 round is the scalar round done
/// lane by lane, with no shuffles.
///
/// This is safe code: `core::arch` intrinsics are callable without `unsafe` only inside
/// `#[target_feature]` functions, and entering one of those from ordinary code still takes
/// an `unsafe` call, which `zmtp` forbids. So the lanes are plain arrays, and the compiler's
/// SLP vectoriser turns each step into SSE2 instructions. Left alone it keeps most of the
/// rounds scalar, for two reasons, and `black_box` works around both without changing any
/// value:
/// - With constant counts the compiler sees 32-bit rotations, which SSE2 lacks, and
///   prices the vector form too high; with counts it cannot see, it emits vector shifts.
/// - Across a double round the expression trees grow past what the vectoriser follows.
///   Making the state opaque after every four independent steps (one step of each
///   quarter-round of a half round) leaves it one step at a time: loads, six vector
///   operations and a store per register, which it vectorises every time.
///
/// Measured on the development machine (AMD EPYC, shared, best of 15 runs of the rounds
/// alone), in ns per keystream byte: scalar 2.3, this with four lanes 1.6, with eight 1.05,
/// and four lanes written with intrinsics 0.88. Four lanes probably lose because each step
/// waits for the stores of the step before to be forwarded; eight give each wait twice the
/// work.
/// In `xor_keystream` (the `bench` below, which also shows whether a new compiler still
/// vectorises this) eight lanes make 16 KiB about 1.4 times as fast as the scalar code.
/// The AVX2 code in `crate::arch` is another 3 times as fast: it is free to use
/// intrinsics, its registers are twice as wide, and it keeps only two quarter-rounds in
/// flight, which fit the registers without spills (see its docs).
#[cfg(target_arch = "x86_64")]
mod simd {
    use std::hint::black_box;

    use super::BLOCK;

    /// Blocks per call.
    const LANES: usize = 8;

    #[derive(Clone, Copy)]
    struct Lanes([u32; LANES]);

    /// `x ^ ((a + b) <<< n)`, with the rotation given as its shift counts `(n, 32 - n)`.
    #[inline(always)]
    fn step(x: Lanes, a: Lanes, b: Lanes, (left, right): (u32, u32)) -> Lanes {
        Lanes(std::array::from_fn(|i| {
            let t = a.0[i].wrapping_add(b.0[i]);
            x.0[i] ^ ((t << left) | (t >> right))
        }))
    }

    /// The four quarter-rounds of a half round, step by step across all four.
    macro_rules! half_round {
        ($x:ident, $r:ident, [$(($a:literal, $b:literal, $c:literal, $d:literal)),*]) => {
            $( $x[$b] = step($x[$b], $x[$a], $x[$d], $r[0]); )*
            black_box(&mut *$x);
            $( $x[$c] = step($x[$c], $x[$b], $x[$a], $r[1]); )*
            black_box(&mut *$x);
            $( $x[$d] = step($x[$d], $x[$c], $x[$b], $r[2]); )*
            black_box(&mut *$x);
            $( $x[$a] = step($x[$a], $x[$d], $x[$c], $r[3]); )*
            black_box(&mut *$x);
        };
    }

    /// The 20 rounds (without the final addition). Out of line: it is large, and called once
    /// per eight blocks.
    #[inline(never)]
    fn rounds(x: &mut [Lanes; 16]) {
        let r: [(u32, u32); 4] = black_box([(7, 25), (9, 23), (13, 19), (18, 14)]);
        for _ in 0..10 {
            half_round!(
                x,
                r,
                [(0, 4, 8, 12), (5, 9, 13, 1), (10, 14, 2, 6), (15, 3, 7, 11)]
            );
            half_round!(
                x,
                r,
                [(0, 1, 2, 3), (5, 6, 7, 4), (10, 11, 8, 9), (15, 12, 13, 14)]
            );
        }
    }

    /// XORs the keystream of blocks `counter..counter + 8` into `buf` (at most eight blocks
    /// long; a last partial block takes the start of its keystream block).
    pub(super) fn xor_lanes(state: &[u32; 16], counter: u64, buf: &mut [u8]) {
        debug_assert!(buf.len() <= LANES * BLOCK);
        let c: [u64; LANES] = std::array::from_fn(|i| counter.wrapping_add(i as u64));
        // A plain loop: built with `array::from_fn`, this became an out-of-line call per word.
        let mut input = [Lanes([0; LANES]); 16];
        for (lanes, &word) in input.iter_mut().zip(state) {
            *lanes = Lanes([word; LANES]);
        }
        input[8] = Lanes(c.map(|c| c as u32));
        input[9] = Lanes(c.map(|c| (c >> 32) as u32));
        let mut x = input;
        rounds(&mut x);
        for (b, chunk) in buf.chunks_mut(BLOCK).enumerate() {
            let ks = std::array::from_fn(|w| x[w].0[b].wrapping_add(input[w].0[b]));
            super::xor_block(chunk, &ks);
        }
    }

    /// XORs the keystream from block `counter` on into `buf` while more than six blocks are
    /// left (one call costs about what six or seven scalar blocks do); returns the next
    /// block number and the rest of `buf`, for the scalar code.
    pub(super) fn xor_bulk<'a>(
        state: &[u32; 16],
        counter: u64,
        buf: &'a mut [u8],
    ) -> (u64, &'a mut [u8]) {
        let mut counter = counter;
        let mut buf = buf;
        while buf.len() > 6 * BLOCK {
            let (head, tail) = buf.split_at_mut(buf.len().min(LANES * BLOCK));
            xor_lanes(state, counter, head);
            counter = counter.wrapping_add(LANES as u64);
            buf = tail;
        }
        (counter, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::{initial_state, xor_blocks, xor_keystream};
    use salsa20::Salsa20;
    use salsa20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};

    /// A small deterministic generator (xorshift64), so that a failure can be replayed.
    fn rng(seed: u64) -> impl FnMut() -> u64 {
        let mut seed = seed;
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    /// A random key and nonce.
    fn key_and_nonce(next: &mut impl FnMut() -> u64) -> ([u8; 32], [u8; 8]) {
        (std::array::from_fn(|_| next() as u8), next().to_le_bytes())
    }

    /// `data` XORed with the `salsa20` crate's keystream from block `counter` on.
    fn crate_keystream(key: &[u8; 32], nonce: &[u8; 8], counter: u64, data: &[u8]) -> Vec<u8> {
        let mut theirs = data.to_vec();
        let mut cipher = Salsa20::new(key.into(), nonce.into());
        cipher.seek(counter * 64);
        cipher.apply_keystream(&mut theirs);
        theirs
    }

    /// `len` random bytes in `backing` at an odd address (1, 3, 5 or 7 bytes in).
    fn odd_slice<'a>(
        backing: &'a mut [u8],
        len: usize,
        next: &mut impl FnMut() -> u64,
    ) -> &'a mut [u8] {
        let offset = 1 + 2 * (len % 4);
        backing.iter_mut().for_each(|b| *b = next() as u8);
        &mut backing[offset..offset + len]
    }

    #[test]
    fn matches_the_salsa20_crate() {
        let mut next = rng(0x0bad_5eed);
        for len in (0..1500).chain([4096, 16384 + 17]) {
            let (key, nonce) = key_and_nonce(&mut next);
            let block = match len % 3 {
                0 => 0,
                1 => next() % 1000,
                // Crosses the 32-bit boundary of the block counter.
                _ => u64::from(u32::MAX) - 2,
            };
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let mut ours = data.clone();
            xor_keystream(&key, &nonce, block, &mut ours);
            let theirs = crate_keystream(&key, &nonce, block, &data);
            assert_eq!(ours, theirs, "len {len} block {block}");
        }
    }

    /// `xor_keystream` (SIMD for all but the last blocks on x86_64) against the scalar
    /// path alone, at every length up to 2000, at odd addresses and block counters that
    /// cross 2^32 and 2^64 inside a batch.
    #[test]
    fn matches_the_scalar_path() {
        let mut next = rng(0x5ca1_ab1e);
        let mut backing = vec![0u8; 2000 + 8];
        for len in 0..=2000 {
            let (key, nonce) = key_and_nonce(&mut next);
            let counter = match len % 4 {
                0 => next() % 1000,
                1 => u64::from(u32::MAX) - len as u64 % 9,
                2 => u64::MAX - len as u64 % 9,
                _ => next(),
            };
            let data = odd_slice(&mut backing, len, &mut next);
            let mut expected = data.to_vec();
            xor_blocks(&initial_state(&key, &nonce), counter, &mut expected);
            xor_keystream(&key, &nonce, counter, data);
            assert_eq!(data, &expected[..], "len {len} counter {counter}");
        }
    }

    /// The AVX2 bulk path (finished by the scalar path, as `xor_keystream` does) against
    /// the scalar path alone and the `salsa20` crate: every length up to 2000 and some long
    /// ones, random keys and nonces, odd addresses, block counters that cross 2^32 (the
    /// carry from word 8 into word 9) inside a group. Counters near 2^64 go against the
    /// scalar path only (the crate's position in bytes would overflow).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_matches_the_scalar_path_and_the_salsa20_crate() {
        use crate::arch::salsa20_avx2::xor_keystream_bulk;
        let avx2 = std::is_x86_feature_detected!("avx2");
        if !avx2 {
            eprintln!("no AVX2 on this processor: only the fallback is tested");
        }
        let mut next = rng(0xa5a5_2020);
        let lengths = (0..=2000).chain([4096, 16384, 16384 + 31, 65536 + 100]);
        let mut backing = vec![0u8; 65536 + 100 + 8];
        for len in lengths {
            let (key, nonce) = key_and_nonce(&mut next);
            let counter = match len % 5 {
                0 => next() % 1000,
                1 => u64::from(u32::MAX) - len as u64 % 11,
                2 => ((next() % 0xffff) << 32) | (u64::from(u32::MAX) - len as u64 % 17),
                3 => u64::MAX - len as u64 % 11,
                _ => next() >> 8,
            };
            let data = odd_slice(&mut backing, len, &mut next);
            let state = initial_state(&key, &nonce);

            let mut expected = data.to_vec();
            xor_blocks(&state, counter, &mut expected);
            if counter < 1 << 56 {
                let theirs = crate_keystream(&key, &nonce, counter, data);
                assert_eq!(theirs, expected, "crate: len {len} counter {counter}");
            }

            let (next_counter, rest) = xor_keystream_bulk(&state, counter, data);
            let done = len - rest.len();
            if avx2 {
                assert!(rest.len() <= 64, "len {len}: AVX2 left {}", rest.len());
                assert!(rest.is_empty() || done % 512 == 0, "len {len} done {done}");
            } else {
                assert_eq!(done, 0);
            }
            let blocks = done.div_ceil(64) as u64;
            assert_eq!(next_counter, counter.wrapping_add(blocks));
            xor_blocks(&state, next_counter, rest);
            assert_eq!(data, &expected[..], "len {len} counter {counter}");
        }
    }

    /// One 8-lane call against the scalar path at every length it takes.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn eight_lanes_match_the_scalar_path() {
        let mut next = rng(0xfeed_f00d);
        for len in 0..=8 * 64 {
            let state: [u32; 16] = std::array::from_fn(|_| next() as u32);
            let counter = match len % 3 {
                0 => next(),
                1 => u64::from(u32::MAX) - len as u64 % 8,
                _ => u64::MAX - len as u64 % 8,
            };
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let mut ours = data.clone();
            super::simd::xor_lanes(&state, counter, &mut ours);
            let mut expected = data;
            xor_blocks(&state, counter, &mut expected);
            assert_eq!(ours, expected, "len {len} counter {counter}");
        }
    }
}

#[cfg(test)]
mod bench {
    use std::hint::black_box;
    use std::time::Instant;

    fn time(len: usize, iterations: u32, f: impl Fn(&mut [u8])) -> f64 {
        let mut buf = vec![0u8; len];
        // Best of 15, to shed the noise of a shared machine.
        (0..15)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..iterations {
                    f(black_box(&mut buf));
                }
                start.elapsed().as_nanos() as f64 / f64::from(iterations) / len as f64
            })
            .fold(f64::MAX, f64::min)
    }

    /// Keystream throughput of each path, single-threaded:
    /// `cargo test --release --lib salsa20_core::bench -- --ignored --nocapture`.
    /// `xor_keystream` is what CURVE uses (AVX2 when the processor has it); the others are
    /// each path alone, finished by the scalar code for what it leaves.
    #[test]
    #[ignore = "a benchmark, not a test"]
    fn bench() {
        let state = super::initial_state(&[7; 32], &[1; 8]);
        let lengths = [
            (128, 16_000),
            (192, 12_000),
            (320, 8_000),
            (512, 5_000),
            (16384, 160),
            (16353, 160),
        ];
        for (len, iterations) in lengths {
            let scalar = time(len, iterations, |b| super::xor_blocks(&state, 0, b));
            let all = time(len, iterations, |b| {
                super::xor_keystream(&[7; 32], &[1; 8], 0, b)
            });
            print!("{len:>6} B: scalar {scalar:.3} ns/B, xor_keystream {all:.3} ns/B");
            #[cfg(target_arch = "x86_64")]
            {
                let sse2 = time(len, iterations, |b| {
                    let (counter, rest) = super::simd::xor_bulk(&state, 0, b);
                    super::xor_blocks(&state, counter, rest);
                });
                let avx2 = time(len, iterations, |b| {
                    let (counter, rest) =
                        crate::arch::salsa20_avx2::xor_keystream_bulk(&state, 0, b);
                    super::xor_blocks(&state, counter, rest);
                });
                print!(", SSE2 8 lanes {sse2:.3} ns/B, AVX2 {avx2:.3} ns/B");
            }
            println!();
        }
    }
}

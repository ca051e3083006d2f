//! Salsa20/20 keystream XOR with AVX2, eight blocks at a time.
//!
//! Used by `zmtp::mechanism::curve::salsa20_core` for the bulk of long messages when the
//! processor has AVX2 (checked at run time; `std` caches the answer). Each of the sixteen
//! 256-bit registers holds one state word of eight consecutive blocks, so a round is the
//! scalar round done lane by lane, with no shuffles; a rotation is two shifts, both XORed
//! into the target (Salsa20 rotates by 7, 9, 13 and 18, none a whole byte, so byte shuffles
//! do not help). At the end an 8x8 transpose of 32-bit words turns the lanes back into
//! blocks, which are XORed into the buffer with unaligned loads and stores.
//!
//! The order of the steps matters twice over: interleaving all four quarter-rounds of a
//! half round (the order of the SSE2 code in `salsa20_core`) keeps too many registers live
//! for the sixteen there are, and the spills on the dependency chains made it 0.8 ns per
//! byte; two quarter-rounds at a time, as libsodium does, runs at 0.4, libsodium's speed.
//!
//! Constant time: additions, XORs and shifts by fixed counts only; nothing branches on or
//! indexes by the key or the data (only the buffer length, which is public, decides how
//! many groups run).

use core::arch::x86_64::{
    __m256i, _mm256_add_epi32, _mm256_loadu_si256, _mm256_permute2x128_si256, _mm256_set1_epi32,
    _mm256_setr_epi32, _mm256_slli_epi32, _mm256_srli_epi32, _mm256_storeu_si256,
    _mm256_unpackhi_epi32, _mm256_unpackhi_epi64, _mm256_unpacklo_epi32, _mm256_unpacklo_epi64,
    _mm256_xor_si256,
};

const BLOCK: usize = 64;
/// Blocks per group.
const LANES: usize = 8;
const GROUP: usize = LANES * BLOCK;

/// A last partial group goes through AVX2 too when it is longer than this: a group costs
/// about 200 ns, less than two scalar blocks (measured: 128 bytes take 1.75 ns per byte
/// this way, 2.45 with the scalar code).
const PARTIAL_MIN: usize = BLOCK;

/// XORs the Salsa20/20 keystream of `state` (the 16-word input with the block counter in
/// words 8 and 9, which are ignored here), from block `counter` on, into `buf`: all of it,
/// in groups of eight blocks, unless the last partial group is [`PARTIAL_MIN`] bytes or
/// less. Returns the next block number and the rest of `buf` (empty, or at most one
/// block), which the caller finishes with portable code. Without AVX2 it returns
/// `(counter, buf)` untouched.
pub(crate) fn xor_keystream_bulk<'a>(
    state: &[u32; 16],
    counter: u64,
    buf: &'a mut [u8],
) -> (u64, &'a mut [u8]) {
    let partial = buf.len() % GROUP;
    let len = if partial > PARTIAL_MIN {
        buf.len()
    } else {
        buf.len() - partial
    };
    if len == 0 || !std::is_x86_feature_detected!("avx2") {
        return (counter, buf);
    }
    let (head, rest) = buf.split_at_mut(len);
    // SAFETY: `xor_groups` only needs AVX2, and the processor has it (checked just above).
    unsafe { xor_groups(state, counter, head) };
    (counter.wrapping_add(len.div_ceil(BLOCK) as u64), rest)
}

/// XORs the keystream from block `counter` on into `buf`, eight blocks at a time (a last
/// partial block takes the start of its keystream block).
#[target_feature(enable = "avx2")]
fn xor_groups(state: &[u32; 16], counter: u64, buf: &mut [u8]) {
    let mut input: [__m256i; 16] = std::array::from_fn(|w| _mm256_set1_epi32(state[w] as i32));
    let mut counter = counter;
    for group in buf.chunks_mut(GROUP) {
        let c: [u64; LANES] = std::array::from_fn(|i| counter.wrapping_add(i as u64));
        let low = c.map(|c| c as i32);
        let high = c.map(|c| (c >> 32) as i32);
        input[8] = _mm256_setr_epi32(
            low[0], low[1], low[2], low[3], low[4], low[5], low[6], low[7],
        );
        input[9] = _mm256_setr_epi32(
            high[0], high[1], high[2], high[3], high[4], high[5], high[6], high[7],
        );
        let ks = keystream(&input);
        // Block b is ks[2b] (words 0-7) and ks[2b + 1] (words 8-15): the 32-byte pieces of
        // the group in order.
        let whole = group.len() / 32;
        let mut pieces = group.chunks_exact_mut(32);
        for (piece, k) in (&mut pieces).zip(ks) {
            let p = piece.as_mut_ptr().cast::<__m256i>();
            // SAFETY: `piece` is 32 bytes of `buf`, exactly what one unaligned load and one
            // unaligned store access; `loadu`/`storeu` need no alignment.
            unsafe { _mm256_storeu_si256(p, _mm256_xor_si256(_mm256_loadu_si256(p), k)) };
        }
        let tail = pieces.into_remainder();
        if !tail.is_empty() {
            let mut bytes = [0u8; 32];
            // SAFETY: `bytes` is 32 bytes, what one unaligned store writes.
            unsafe { _mm256_storeu_si256(bytes.as_mut_ptr().cast(), ks[whole]) };
            for (b, k) in tail.iter_mut().zip(bytes) {
                *b ^= k;
            }
        }
        counter = counter.wrapping_add(LANES as u64);
    }
}

/// `x ^= (a + b) <<< n`, lane by lane. The two shifted halves have no bit in common, so
/// XORing both in is the rotation; it saves the OR.
macro_rules! step {
    ($x:expr, $a:expr, $b:expr, $n:literal) => {{
        let t = _mm256_add_epi32($a, $b);
        $x = _mm256_xor_si256($x, _mm256_slli_epi32::<$n>(t));
        $x = _mm256_xor_si256($x, _mm256_srli_epi32::<{ 32 - $n }>(t));
    }};
}

/// Quarter-rounds side by side, step by step (independent operations next to each other,
/// for the out-of-order core). Called with two at a time: see the module docs.
macro_rules! half_round {
    ($x:ident, [$(($a:literal, $b:literal, $c:literal, $d:literal)),*]) => {
        $( step!($x[$b], $x[$a], $x[$d], 7); )*
        $( step!($x[$c], $x[$b], $x[$a], 9); )*
        $( step!($x[$d], $x[$c], $x[$b], 13); )*
        $( step!($x[$a], $x[$d], $x[$c], 18); )*
    };
}

/// The keystream of the eight blocks whose inputs are the lanes of `input`, as sixteen
/// 32-byte pieces in memory order: block 0 words 0-7, block 0 words 8-15, block 1 ...
#[target_feature(enable = "avx2")]
#[inline]
fn keystream(input: &[__m256i; 16]) -> [__m256i; 16] {
    let mut x = *input;
    for _ in 0..10 {
        half_round!(x, [(0, 4, 8, 12), (5, 9, 13, 1)]);
        half_round!(x, [(10, 14, 2, 6), (15, 3, 7, 11)]);
        half_round!(x, [(0, 1, 2, 3), (5, 6, 7, 4)]);
        half_round!(x, [(10, 11, 8, 9), (15, 12, 13, 14)]);
    }
    let x: [__m256i; 16] = std::array::from_fn(|w| _mm256_add_epi32(x[w], input[w]));
    let low = transpose(&x[..8]);
    let high = transpose(&x[8..]);
    std::array::from_fn(|i| if i % 2 == 0 { low[i / 2] } else { high[i / 2] })
}

/// Transposes eight registers of eight 32-bit lanes: `rows[w]` lane `b` becomes lane `w` of
/// the result's register `b`.
#[target_feature(enable = "avx2")]
#[inline]
fn transpose(rows: &[__m256i]) -> [__m256i; 8] {
    let r = |i: usize| rows[i];
    // Pairs of words: in each 128-bit half, lanes (0, 1) of a row pair, then lanes (4, 5)
    // in the upper half, and the "hi" forms take lanes (2, 3) and (6, 7).
    let t0 = _mm256_unpacklo_epi32(r(0), r(1));
    let t1 = _mm256_unpackhi_epi32(r(0), r(1));
    let t2 = _mm256_unpacklo_epi32(r(2), r(3));
    let t3 = _mm256_unpackhi_epi32(r(2), r(3));
    let t4 = _mm256_unpacklo_epi32(r(4), r(5));
    let t5 = _mm256_unpackhi_epi32(r(4), r(5));
    let t6 = _mm256_unpacklo_epi32(r(6), r(7));
    let t7 = _mm256_unpackhi_epi32(r(6), r(7));
    // Quads: words 0-3 (u0..u3) and 4-7 (u4..u7) of lane b in the lower half and of lane
    // b + 4 in the upper half.
    let u0 = _mm256_unpacklo_epi64(t0, t2);
    let u1 = _mm256_unpackhi_epi64(t0, t2);
    let u2 = _mm256_unpacklo_epi64(t1, t3);
    let u3 = _mm256_unpackhi_epi64(t1, t3);
    let u4 = _mm256_unpacklo_epi64(t4, t6);
    let u5 = _mm256_unpackhi_epi64(t4, t6);
    let u6 = _mm256_unpacklo_epi64(t5, t7);
    let u7 = _mm256_unpackhi_epi64(t5, t7);
    [
        _mm256_permute2x128_si256::<0x20>(u0, u4),
        _mm256_permute2x128_si256::<0x20>(u1, u5),
        _mm256_permute2x128_si256::<0x20>(u2, u6),
        _mm256_permute2x128_si256::<0x20>(u3, u7),
        _mm256_permute2x128_si256::<0x31>(u0, u4),
        _mm256_permute2x128_si256::<0x31>(u1, u5),
        _mm256_permute2x128_si256::<0x31>(u2, u6),
        _mm256_permute2x128_si256::<0x31>(u3, u7),
    ]
}

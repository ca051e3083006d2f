//! Code for particular processors, chosen at run time.
//!
//! The protocol core is `#![forbid(unsafe_code)]`, but using instructions that not every
//! processor of the target has takes a `#[target_feature]` function, and entering one from
//! ordinary code takes an `unsafe` call (the caller vouches that the processor has the
//! feature). That call, and the unaligned loads and stores around the intrinsics, live here,
//! behind safe functions that check the processor first and otherwise do nothing.

#[cfg(target_arch = "x86_64")]
pub(crate) mod poly1305_avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod salsa20_avx2;

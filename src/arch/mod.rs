//! CPU-specific code with `unsafe` inside, kept out of the protocol core behind safe functions.

#[cfg(target_arch = "x86_64")]
pub(crate) mod poly1305_avx2;

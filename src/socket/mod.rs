//! Socket types and their routing parts.

#![forbid(unsafe_code)]

pub mod base;
pub mod dealer;
pub mod dist;
pub mod fq;
pub mod kind;
pub mod lb;
pub mod monitor;
pub mod mtrie;
pub mod options;
pub mod pair;
pub mod pipes;
pub mod proxy;
pub mod pub_;
pub mod pull;
pub mod push;
pub mod rep;
pub mod req;
pub mod router;
pub mod stream;
pub mod sub;
#[cfg(test)]
mod test_util;
pub mod trie;
pub mod xpub;
pub mod xsub;

//! Socket types and their routing parts.

#![forbid(unsafe_code)]

pub mod base;
pub mod dist;
pub mod kind;
pub mod monitor;
pub mod mtrie;
pub mod options;
pub mod pair;
pub mod pipes;
pub mod proxy;
pub mod pub_;
pub mod sub;
pub mod trie;
pub mod xpub;
pub mod xsub;

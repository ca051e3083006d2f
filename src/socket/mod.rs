//! Socket types and their routing parts (being written).

#![forbid(unsafe_code)]

pub mod kind;
pub mod mtrie;
pub mod options;
pub mod trie;

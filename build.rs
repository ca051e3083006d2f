//! Build script: gives the shared library libzmq's SONAME and checks that the version in
//! `include/zmq.h` is the package version.

use std::fs;

fn main() {
    println!("cargo:rerun-if-changed=include/zmq.h");
    println!("cargo:rerun-if-changed=build.rs");

    // Programs linked with -lzmq record `libzmq.so.5`; so must we.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libzmq.so.5");

    let header = fs::read_to_string("include/zmq.h").expect("include/zmq.h is missing");
    let version: Vec<&str> = env!("CARGO_PKG_VERSION").split('.').collect();
    for (macro_name, want) in [
        "ZMQ_VERSION_MAJOR",
        "ZMQ_VERSION_MINOR",
        "ZMQ_VERSION_PATCH",
    ]
    .iter()
    .zip(version)
    {
        let found = header
            .lines()
            .filter_map(|l| l.trim().strip_prefix("#define "))
            .find_map(|l| {
                let mut it = l.split_whitespace();
                (it.next() == Some(macro_name)).then(|| it.next().unwrap_or("").to_string())
            });
        assert_eq!(
            found.as_deref(),
            Some(want),
            "include/zmq.h: {macro_name} does not match Cargo.toml's version"
        );
    }
}

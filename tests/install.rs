//! Installs the library with CMake into a temporary prefix and uses it the ways a C project
//! would: pkg-config (shared and static), and CMake's `find_package(ZeroMQ)` with the
//! `libzmq` and `libzmq-static` targets. Every program checks at compile time that it sees our
//! header and at run time that it runs our library: version 4.3.5, where the system's libzmq
//! is 4.3.4.
//!
//! The CMake build takes the library this cargo build made (`ZMQ_PREBUILT_DIR`) instead of
//! running cargo again. Without cmake or pkg-config the test is skipped with a message,
//! unless `CI=true`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The client: compiled against the installed header, run against the installed library.
const APP_C: &str = r#"#include <zmq.h>
#include <stdio.h>

#if ZMQ_VERSION_MAJOR != 4 || ZMQ_VERSION_MINOR != 3 || ZMQ_VERSION_PATCH != 5
#error "not built against the zmq.h of libzmq-rs (4.3.5)"
#endif

int main (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    printf ("%d.%d.%d\n", major, minor, patch);
    return major == 4 && minor == 3 && patch == 5 ? 0 : 1;
}
"#;

/// Runs a command, panicking with its output unless it succeeds; returns its stdout.
fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("could not start {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The directory holding this cargo build's `libzmq.so` and `libzmq.a`. The test executable
/// is `<target>/<profile>/deps/install-*`; cargo leaves the libraries in `deps` and copies
/// them one level up.
fn prebuilt_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the test executable");
    let deps = exe.parent().expect("the test executable has a directory");
    let candidates = [deps.to_path_buf(), deps.join("..")];
    candidates
        .iter()
        .find(|d| d.join("libzmq.so").is_file() && d.join("libzmq.a").is_file())
        .unwrap_or_else(|| panic!("libzmq.so and libzmq.a are in none of {candidates:?}"))
        .canonicalize()
        .expect("canonical path of the library directory")
}

/// Whether `binary` has a NEEDED entry for libzmq (i.e. links it dynamically).
fn needs_shared_libzmq(binary: &Path) -> bool {
    run(Command::new("readelf").arg("-d").arg(binary)).contains("[libzmq.so.5]")
}

/// Runs `binary` and checks that it printed our version. `lib_path` becomes LD_LIBRARY_PATH.
fn check_runs_ours(binary: &Path, lib_path: Option<&Path>) {
    let mut cmd = Command::new(binary);
    cmd.env_remove("LD_LIBRARY_PATH").env_remove("LD_PRELOAD");
    if let Some(dir) = lib_path {
        cmd.env("LD_LIBRARY_PATH", dir);
    }
    assert_eq!(
        run(&mut cmd).trim(),
        "4.3.5",
        "{} ran another libzmq",
        binary.display()
    );
}

/// Builds a CMake project that links `app` to `target` from `find_package(ZeroMQ)`.
fn cmake_consumer(work: &Path, prefix: &Path, target: &str) -> PathBuf {
    let src = work.join(format!("consumer-{target}"));
    let build = src.join("build");
    fs::create_dir_all(&src).expect("create the consumer project");
    fs::write(src.join("app.c"), APP_C).expect("write app.c");
    fs::write(
        src.join("CMakeLists.txt"),
        format!(
            "cmake_minimum_required(VERSION 3.16)\n\
             project(consumer C)\n\
             find_package(ZeroMQ 4.3 REQUIRED)\n\
             add_executable(app app.c)\n\
             target_compile_options(app PRIVATE -Wall -Wextra -Werror)\n\
             target_link_libraries(app {target})\n"
        ),
    )
    .expect("write CMakeLists.txt");
    run(Command::new("cmake")
        .arg("-S")
        .arg(&src)
        .arg("-B")
        .arg(&build)
        .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display())));
    run(Command::new("cmake").arg("--build").arg(&build));
    build.join("app")
}

#[test]
fn cmake_install_then_pkg_config_and_find_package() {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let missing: Vec<&str> = ["cmake", "pkg-config", "cc", "readelf"]
        .into_iter()
        .filter(|t| !have(t))
        .collect();
    if !missing.is_empty() {
        assert!(!ci, "CI=true but {missing:?} is not installed");
        eprintln!("note: skipping the install test: {missing:?} not installed");
        return;
    }

    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let work = std::env::temp_dir().join(format!("libzmq-rs-install-{}", std::process::id()));
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).expect("create the work directory");
    let build = work.join("build");
    let prefix = work.join("prefix");

    // Configure, build (staging only: the library is prebuilt) and install.
    run(Command::new("cmake")
        .arg("-S")
        .arg(&repo)
        .arg("-B")
        .arg(&build)
        .arg(format!("-DCMAKE_INSTALL_PREFIX={}", prefix.display()))
        .arg(format!("-DZMQ_PREBUILT_DIR={}", prebuilt_dir().display()))
        .arg("-DCMAKE_INSTALL_LIBDIR=lib")
        .arg("-DBUILD_TESTING=OFF"));
    run(Command::new("cmake").arg("--build").arg(&build));
    run(Command::new("cmake").arg("--install").arg(&build));

    // The installed files, under libzmq's names.
    let lib = prefix.join("lib");
    for file in [
        "lib/libzmq.so.5.2.5",
        "lib/libzmq.a",
        "include/zmq.h",
        "lib/pkgconfig/libzmq.pc",
        "lib/cmake/ZeroMQ/ZeroMQConfig.cmake",
        "lib/cmake/ZeroMQ/ZeroMQConfigVersion.cmake",
    ] {
        let path = prefix.join(file);
        let meta = fs::symlink_metadata(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(meta.is_file(), "{file} is not a regular file");
    }
    if repo.join("include/zmq_utils.h").exists() {
        assert!(prefix.join("include/zmq_utils.h").is_file());
    }
    for (link, target) in [
        ("libzmq.so.5", "libzmq.so.5.2.5"),
        ("libzmq.so", "libzmq.so.5"),
    ] {
        let found = fs::read_link(lib.join(link)).unwrap_or_else(|e| panic!("{link}: {e}"));
        assert_eq!(found, Path::new(target), "{link} points elsewhere");
    }
    let dynamic = run(Command::new("readelf")
        .arg("-d")
        .arg(lib.join("libzmq.so.5.2.5")));
    assert!(
        dynamic.contains("Library soname: [libzmq.so.5]"),
        "SONAME is not libzmq.so.5:\n{dynamic}"
    );

    let app_c = work.join("app.c");
    fs::write(&app_c, APP_C).expect("write app.c");
    let pkg_config = |args: &[&str]| {
        let out = run(Command::new("pkg-config")
            .args(args)
            .arg("libzmq")
            .env("PKG_CONFIG_PATH", lib.join("pkgconfig")));
        out.split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(pkg_config(&["--modversion"]), ["4.3.5"]);

    // pkg-config, shared: `cc app.c $(pkg-config --cflags --libs libzmq)`.
    let shared = work.join("app-pkg-config-shared");
    run(Command::new("cc")
        .args(["-Wall", "-Wextra", "-Werror"])
        .arg(&app_c)
        .arg("-o")
        .arg(&shared)
        .args(pkg_config(&["--cflags", "--libs"])));
    assert!(needs_shared_libzmq(&shared));
    check_runs_ours(&shared, Some(&lib));

    // pkg-config, static: the same flags plus Libs.private, with libzmq.a in place of -lzmq
    // (a plain -lzmq would pick the shared library).
    let static_app = work.join("app-pkg-config-static");
    let flags: Vec<String> = pkg_config(&["--cflags", "--libs", "--static"])
        .into_iter()
        .map(|f| {
            if f == "-lzmq" {
                "-l:libzmq.a".into()
            } else {
                f
            }
        })
        .collect();
    run(Command::new("cc")
        .args(["-Wall", "-Wextra", "-Werror"])
        .arg(&app_c)
        .arg("-o")
        .arg(&static_app)
        .args(&flags));
    assert!(!needs_shared_libzmq(&static_app));
    check_runs_ours(&static_app, None);

    // CMake, shared: the build tree's RPATH must lead to the installed library by itself.
    let app = cmake_consumer(&work, &prefix, "libzmq");
    assert!(needs_shared_libzmq(&app));
    check_runs_ours(&app, None);

    // CMake, static.
    let app = cmake_consumer(&work, &prefix, "libzmq-static");
    assert!(!needs_shared_libzmq(&app));
    check_runs_ours(&app, None);

    let _ = fs::remove_dir_all(&work);
}

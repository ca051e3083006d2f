//! Runs the test suites of two real clients that nobody here wrote against our library:
//! pyzmq 27.3.0 (`.ci/pyzmq-suite`) and the Rust `zmq` crate 0.9.2 (`.ci/rust-zmq-suite`).
//!
//! Both are built against an install layout of this cargo build (`include/zmq.h` from the
//! repository, `lib/libzmq.so` and `lib/libzmq.so.5` linking to our library), so they test our
//! header and link step as well as the library, and run with `LD_LIBRARY_PATH` on it; each run
//! checks that the client really loaded our library.
//!
//! A suite's failures are compared with its list of known failures
//! (`.ci/pyzmq-expected-failures`, `.ci/rust-zmq-expected-failures`: one test id per line,
//! `# why` after it). A failure not on the list fails the test; a listed test that now passes
//! is reported, so the list can be shrunk, but does not fail it. The counts are printed.
//!
//! The first run downloads the clients (PyPI, crates.io) and builds them, a few minutes; the
//! work directories stay under `<target>/real-clients/` so later runs reuse them. Without the
//! tools (python3 with venv and its headers, cmake, cc) or, on a first run, the network, a
//! suite is skipped with a message, unless `CI=true`, where that is a failure.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::io::Write as _;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

/// The suites run one at a time: together they would fight over the two cores, and pyzmq's
/// suite has timing-sensitive tests.
static ONE_SUITE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// One client's suite, as the test drives it.
struct Suite {
    /// Short name: the work directory, the log and the messages use it.
    name: &'static str,
    /// The script under `.ci/` that builds the client and runs its tests.
    script: &'static str,
    /// The list of known failures under `.ci/`.
    expected: &'static str,
    /// Hosts the first run downloads from (probed before it, to skip cleanly without network).
    hosts: &'static [&'static str],
}

/// What a suite reported.
#[derive(Debug, Default)]
struct Results {
    passed: usize,
    failed: usize,
    skipped: usize,
    /// Ids of the tests that failed (or errored), as in the expected-failures lists.
    failures: BTreeSet<String>,
}

/// Whether we run under CI, where a missing tool is a failure rather than a skip.
fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// `<target>/real-clients`: kept between runs, so the clients are downloaded and built once.
fn work_root() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the test executable");
    let target = exe
        .ancestors()
        .nth(3)
        .expect("the test executable is <target>/<profile>/deps/<name>");
    target.join("real-clients")
}

/// Makes `<root>/prefix` an install layout of this build: our headers, copied, and
/// `lib/libzmq.so`, `lib/libzmq.so.5` linking to our library.
fn install_layout(root: &Path) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let prefix = root.join("prefix");
    let (include, lib) = (prefix.join("include"), prefix.join("lib"));
    fs::create_dir_all(&include).expect("create prefix/include");
    fs::create_dir_all(&lib).expect("create prefix/lib");
    for header in ["zmq.h", "zmq_utils.h"] {
        let source = repo.join("include").join(header);
        if source.exists() {
            fs::copy(&source, include.join(header)).expect("copy a header into the prefix");
        }
    }
    let ours = common::our_library();
    for name in ["libzmq.so", "libzmq.so.5"] {
        let link = lib.join(name);
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink(&ours, &link).expect("link our library into the prefix");
    }
    prefix
}

/// Whether `program args...` runs and succeeds.
fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether a TCP connection to `host:443` opens within a few seconds.
fn reachable(host: &str) -> bool {
    let Ok(addrs) = (host, 443).to_socket_addrs() else {
        return false;
    };
    addrs
        .into_iter()
        .any(|a| TcpStream::connect_timeout(&a, Duration::from_secs(5)).is_ok())
}

/// Why `suite` cannot run here, if it cannot.
fn missing_requirements(suite: &Suite, work: &Path) -> Option<String> {
    let mut missing = Vec::new();
    if !succeeds("cc", &["--version"]) {
        missing.push("cc".to_string());
    }
    if suite.name == "pyzmq" {
        if !succeeds("python3", &["-c", "import venv, ensurepip"]) {
            missing.push("python3 with venv (python3-venv)".to_string());
        }
        let headers = "import os, sysconfig, sys; \
                       sys.exit(not os.path.exists(sysconfig.get_paths()['include'] + '/Python.h'))";
        if !succeeds("python3", &["-c", headers]) {
            missing.push("Python's headers (python3-dev)".to_string());
        }
        if !succeeds("cmake", &["--version"]) {
            missing.push("cmake".to_string());
        }
    }
    // Once a run got as far as the suite's results, everything it downloads is cached.
    if !work.join("complete").exists() {
        missing.extend(
            suite
                .hosts
                .iter()
                .filter(|h| !reachable(h))
                .map(|h| format!("network ({h}:443 unreachable)")),
        );
    }
    (!missing.is_empty()).then(|| missing.join(", "))
}

/// Writes straight to the process's stderr, past the test harness's capture, so the counts
/// show in every run, passing or not.
fn report(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// The test ids of an expected-failures list, each line `<id>` or `<id>  # why`.
fn expected_failures(path: &Path) -> BTreeSet<String> {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| l.split_once(" #").map_or(l, |(id, _)| id).trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// pytest's report (`-q -rsfE`): `FAILED <id> - ...` and `ERROR <id> - ...` lines, and the
/// final `N failed, N passed, N skipped, ... in Ts` line.
fn parse_pytest(output: &str) -> Option<Results> {
    let mut results = Results::default();
    for line in output.lines() {
        for tag in ["FAILED ", "ERROR "] {
            if let Some(rest) = line.strip_prefix(tag) {
                let id = rest.split_once(" - ").map_or(rest, |(id, _)| id).trim();
                results.failures.insert(id.to_string());
            }
        }
    }
    let summary = output.lines().rev().find_map(|line| {
        let line = line.trim().trim_matches('=').trim();
        let (counts, time) = line.rsplit_once(" in ")?;
        // "12.34s" or "123.45s (0:02:03)".
        let seconds = time.split_whitespace().next()?.strip_suffix('s')?;
        seconds.parse::<f64>().ok()?;
        counts
            .split(", ")
            .map(|c| {
                let (n, what) = c.split_once(' ')?;
                Some((n.parse::<usize>().ok()?, what))
            })
            .collect::<Option<Vec<_>>>()
    })?;
    for (n, what) in summary {
        match what {
            "passed" => results.passed += n,
            "failed" | "error" | "errors" => results.failed += n,
            "skipped" | "deselected" | "xfailed" => results.skipped += n,
            _ => {}
        }
    }
    Some(results)
}

/// `cargo test` output: `Running <target>` headers, `test <name> ... ok|FAILED|ignored`
/// lines (ids are `<target>::<name>`, the target `lib` or `doc` for the unit and doc tests)
/// and `test result:` lines, whose failure counts must add up to the failures found.
fn parse_cargo_test(output: &str) -> Option<Results> {
    let mut results = Results::default();
    let mut target = String::from("?");
    let mut reported_failed = 0;
    let mut any_result = false;
    for line in output.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("Running ") {
            let file = rest.split_whitespace().next().unwrap_or("?");
            target = if rest.starts_with("unittests ") {
                "lib".into()
            } else {
                Path::new(file)
                    .file_stem()
                    .map_or("?".into(), |s| s.to_string_lossy().into_owned())
            };
        } else if trimmed.starts_with("Doc-tests ") {
            target = "doc".into();
        } else if let Some(rest) = line.strip_prefix("test result: ") {
            any_result = true;
            reported_failed += rest
                .split("; ")
                .find_map(|c| c.strip_suffix(" failed")?.parse::<usize>().ok())
                .unwrap_or(0);
        } else if let Some(rest) = line.strip_prefix("test ") {
            let Some((name, outcome)) = rest.rsplit_once(" ... ") else {
                continue;
            };
            match outcome.split_whitespace().next() {
                Some("ok") => results.passed += 1,
                Some("ignored") => results.skipped += 1,
                Some("FAILED") => {
                    results.failed += 1;
                    results.failures.insert(format!("{target}::{name}"));
                }
                _ => {}
            }
        }
    }
    (any_result && reported_failed == results.failed).then_some(results)
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Runs one suite and checks its failures against its list.
fn run_suite(suite: &Suite) {
    let _one = ONE_SUITE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = work_root();
    let work = root.join(suite.name);
    fs::create_dir_all(&work).expect("create the work directory");

    if let Some(missing) = missing_requirements(suite, &work) {
        assert!(
            !ci(),
            "CI=true but the {} suite cannot run: missing {missing}",
            suite.name
        );
        report(&format!(
            "note: skipping the {} suite: missing {missing}\n",
            suite.name
        ));
        return;
    }

    let prefix = install_layout(&root);
    let lib = prefix.join("lib");
    let log_path = root.join(format!("{}.log", suite.name));
    let log = fs::File::create(&log_path).expect("create the log");
    let mut cmd = Command::new(repo.join(".ci").join(suite.script));
    // The outer cargo's variables describe this package's build; the suites build others.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if (key.starts_with("CARGO_") && key != "CARGO_HOME") || key == "LD_LIBRARY_PATH" {
            cmd.env_remove(key.as_ref());
        }
    }
    let status = cmd
        .arg(&lib)
        .arg(&prefix)
        .env("WORK", &work)
        .current_dir(repo)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("share the log"))
        .stderr(log)
        .status()
        .unwrap_or_else(|e| panic!("could not start {}: {e}", suite.script));
    let output = fs::read_to_string(&log_path).expect("read the log");
    let context = || {
        format!(
            "{} ({status}), full output in {}:\n{}",
            suite.script,
            log_path.display(),
            tail(&output, 60)
        )
    };

    // It must have run our library, not the system's.
    let ours = common::our_library();
    if suite.name == "pyzmq" {
        let loaded: Vec<&str> = output
            .lines()
            .filter_map(|l| l.strip_prefix("libzmq loaded: "))
            .collect();
        assert!(
            !loaded.is_empty() && loaded.iter().all(|p| Path::new(p) == ours),
            "pyzmq loaded {loaded:?}, not {}: {}",
            ours.display(),
            context()
        );
    } else {
        assert!(
            output.contains("Current 0MQ version is 4.3.5"),
            "the zmq crate's version example did not report our 4.3.5: {}",
            context()
        );
    }

    let parsed = if suite.name == "pyzmq" {
        parse_pytest(&output)
    } else {
        parse_cargo_test(&output)
    };
    let results = parsed.unwrap_or_else(|| panic!("no test results found: {}", context()));
    assert!(
        status.success() || results.failed > 0,
        "the suite failed without a failing test: {}",
        context()
    );
    assert!(results.passed > 0, "no test passed: {}", context());
    fs::write(work.join("complete"), "").expect("mark the work directory complete");

    let list_path = repo.join(".ci").join(suite.expected);
    let expected = expected_failures(&list_path);
    let unexpected: Vec<&String> = results.failures.difference(&expected).collect();
    let now_passing: Vec<&String> = expected.difference(&results.failures).collect();
    let mut text = format!(
        "{} suite: {} passed, {} failed ({} of them expected), {} skipped\n",
        suite.name,
        results.passed,
        results.failed,
        results.failures.len() - unexpected.len(),
        results.skipped
    );
    if !now_passing.is_empty() {
        text += &format!(
            "{} listed in .ci/{} did not fail (shrink the list):\n",
            now_passing.len(),
            suite.expected
        );
        for id in &now_passing {
            text += &format!("  {id}\n");
        }
    }
    report(&text);
    assert!(
        unexpected.is_empty(),
        "{} unexpected failure(s), not in .ci/{}:\n  {}\n{}",
        unexpected.len(),
        suite.expected,
        unexpected
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  "),
        context()
    );
}

#[test]
fn pyzmq() {
    run_suite(&Suite {
        name: "pyzmq",
        script: "pyzmq-suite",
        expected: "pyzmq-expected-failures",
        hosts: &["pypi.org", "files.pythonhosted.org"],
    });
}

#[test]
fn rust_zmq() {
    run_suite(&Suite {
        name: "rust-zmq",
        script: "rust-zmq-suite",
        expected: "rust-zmq-expected-failures",
        hosts: &["index.crates.io", "static.crates.io"],
    });
}

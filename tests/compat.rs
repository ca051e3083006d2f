//! Runs every C program in `compat-tests/` against our library and against the system's
//! libzmq 4.3.4.
//!
//! Each `compat-tests/NAME.c` is compiled twice with the warnings of a strict C user:
//! - "ours": against `include/zmq.h` and the `libzmq.so` this cargo build made, run with
//!   `LD_LIBRARY_PATH` on a directory holding only that library;
//! - "system": against `/usr/include/zmq.h` and the system `-lzmq`, run without
//!   `LD_LIBRARY_PATH`. A failure here means the test checks the wrong thing. Skipped for
//!   tests marked `compat: ours-only`, and (with a message) when no system libzmq is installed,
//!   unless `CI=true`.
//!
//! Every run is checked to have loaded the library it was meant to (the dynamic loader's own
//! log, `LD_DEBUG=libs`), is killed after 60 s, and runs in its own scratch directory. Tests
//! run on as many threads as there are cores; one summary table lists them all, every failure
//! is printed with its output, and the test fails at the end if any run failed.

mod common;

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A run that takes longer than this is killed (testutil.h's watchdog uses the same).
const TIMEOUT: Duration = Duration::from_secs(60);

/// Which library a test is built and run against.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lib {
    Ours,
    System,
}

/// One compat test source and the markers from its first lines.
#[derive(Debug)]
struct Case {
    name: String,
    source: PathBuf,
    ours_only: bool,
    draft: bool,
}

/// How one build-and-run ended.
#[derive(Debug)]
enum Outcome {
    Pass,
    Skipped(&'static str),
    /// What failed (compile, exit status, timeout, wrong library) and the output to show.
    Fail {
        what: String,
        output: String,
    },
}

/// Paths shared by all runs.
#[derive(Debug)]
struct Env {
    repo: PathBuf,
    /// Holds `libzmq.so` and `libzmq.so.5`, both links to our freshly built library.
    lib_dir: PathBuf,
    /// Where binaries, logs and per-run scratch directories go.
    work: PathBuf,
    cc: String,
    system_available: bool,
}

/// A fresh directory for this test process under the system's temporary directory.
fn fresh_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("libzmq-rs-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create the work directory");
    dir
}

/// Whether the system's zmq.h and libzmq are there: a one-line program must build.
fn system_libzmq_available(cc: &str, work: &Path) -> bool {
    let probe = work.join("probe.c");
    fs::write(
        &probe,
        "#include <zmq.h>\nint main (void) { int a, b, c; zmq_version (&a, &b, &c); return 0; }\n",
    )
    .expect("write the probe");
    Command::new(cc)
        .arg(&probe)
        .arg("-o")
        .arg(work.join("probe"))
        .arg("-lzmq")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The compat tests, sorted by name, with the markers from their first five lines.
fn cases(repo: &Path) -> Vec<Case> {
    let mut cases: Vec<Case> = fs::read_dir(repo.join("compat-tests"))
        .expect("read compat-tests/")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .map(|source| {
            let text = fs::read_to_string(&source).expect("read a compat test");
            let head: Vec<&str> = text.lines().take(5).collect();
            let marked = |m: &str| head.iter().any(|l| l.contains(m));
            Case {
                name: source.file_stem().unwrap().to_string_lossy().into_owned(),
                ours_only: marked("compat: ours-only"),
                draft: marked("compat: draft"),
                source,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// Runs `cmd` with stdout and stderr in files, killing it after `TIMEOUT`.
/// Returns the exit status (None on timeout) and the combined output.
fn run_with_timeout(
    mut cmd: Command,
    out_path: &Path,
    err_path: &Path,
) -> (Option<ExitStatus>, String) {
    // Files rather than pipes: nothing has to drain them while we wait.
    cmd.stdin(Stdio::null())
        .stdout(File::create(out_path).expect("create the stdout file"))
        .stderr(File::create(err_path).expect("create the stderr file"));
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return (None, format!("could not start {cmd:?}: {e}")),
    };
    let start = Instant::now();
    let status = loop {
        match child.try_wait().expect("wait for the test process") {
            Some(s) => break Some(s),
            None if start.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let read = |p: &Path| {
        let mut s = String::new();
        let _ = File::open(p).and_then(|mut f| f.read_to_string(&mut s));
        s
    };
    let mut output = String::new();
    for (label, path) in [("stdout", out_path), ("stderr", err_path)] {
        let text = read(path);
        if !text.is_empty() {
            let _ = write!(output, "--- {label} ---\n{text}");
            if !text.ends_with('\n') {
                output.push('\n');
            }
        }
    }
    (status, output)
}

fn describe(status: Option<ExitStatus>) -> String {
    match status {
        None => format!("timed out after {} s", TIMEOUT.as_secs()),
        Some(s) => match (s.code(), s.signal()) {
            (Some(code), _) => format!("exit status {code}"),
            (None, Some(sig)) => format!("killed by signal {sig}"),
            _ => format!("{s}"),
        },
    }
}

/// The libzmq.so.5 the dynamic loader reports having initialised in its `LD_DEBUG=libs` log.
fn loaded_libzmq(log: &Path) -> Vec<String> {
    fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once("calling init: ").map(|(_, p)| p.trim()))
        .filter(|p| p.ends_with("/libzmq.so.5"))
        .map(str::to_string)
        .collect()
}

/// Builds and runs one case against one library.
fn build_and_run(env: &Env, case: &Case, lib: Lib) -> Outcome {
    let tag = match lib {
        Lib::Ours => "ours",
        Lib::System => "system",
    };
    // Every file of this run is named NAME.TAG.<what> (names may contain dots).
    let file = |what: &str| env.work.join(format!("{}.{tag}.{what}", case.name));
    let binary = file("bin");

    let mut cc = Command::new(&env.cc);
    cc.args(["-Wall", "-Wextra", "-Wpedantic", "-Werror"]);
    if case.draft {
        cc.arg("-DZMQ_BUILD_DRAFT_API=1");
    }
    match lib {
        Lib::Ours => {
            cc.arg(format!("-I{}", env.repo.join("include").display()));
        }
        Lib::System => {
            cc.arg("-I/usr/include");
        }
    }
    cc.arg(format!("-I{}", env.repo.join("compat-tests").display()))
        .arg(&case.source)
        .arg("-o")
        .arg(&binary);
    if lib == Lib::Ours {
        cc.arg(format!("-L{}", env.lib_dir.display()));
    }
    cc.arg("-lzmq");
    let compile = match cc.output() {
        Ok(o) => o,
        Err(e) => {
            return Outcome::Fail {
                what: format!("could not run {}", env.cc),
                output: e.to_string(),
            };
        }
    };
    if !compile.status.success() {
        return Outcome::Fail {
            what: "compile/link failed".into(),
            output: format!(
                "--- {cc:?} ---\n{}{}",
                String::from_utf8_lossy(&compile.stdout),
                String::from_utf8_lossy(&compile.stderr)
            ),
        };
    }

    let scratch = file("cwd");
    fs::create_dir_all(&scratch).expect("create the scratch directory");
    let ld_log = file("ld");
    let mut cmd = Command::new(&binary);
    cmd.current_dir(&scratch)
        .env("LD_DEBUG", "libs")
        .env("LD_DEBUG_OUTPUT", &ld_log)
        .env_remove("LD_PRELOAD");
    match lib {
        Lib::Ours => cmd.env("LD_LIBRARY_PATH", &env.lib_dir),
        Lib::System => cmd.env_remove("LD_LIBRARY_PATH"),
    };
    let started = Instant::now();
    let (status, output) = run_with_timeout(cmd, &file("stdout"), &file("stderr"));
    let elapsed = started.elapsed();

    // The loader writes its log to LD_DEBUG_OUTPUT.<pid>; a test may fork, so take every one
    // and require that no process loaded the wrong library.
    let mut loaded = Vec::new();
    let log_prefix = ld_log.file_name().unwrap().to_string_lossy().into_owned() + ".";
    for entry in fs::read_dir(&env.work).expect("read the work directory") {
        let path = entry.expect("directory entry").path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(&log_prefix))
        {
            loaded.extend(loaded_libzmq(&path));
        }
    }
    let ours = env.lib_dir.join("libzmq.so.5").display().to_string();
    let wrong_lib = match lib {
        Lib::Ours => loaded.is_empty() || loaded.iter().any(|p| *p != ours),
        Lib::System => loaded.is_empty() || loaded.contains(&ours),
    };

    if status.is_some_and(|s| s.success()) && !wrong_lib {
        return Outcome::Pass;
    }
    let mut what = describe(status);
    if status.is_some_and(|s| s.success()) {
        what = format!("loaded the wrong libzmq: {loaded:?}");
    } else if wrong_lib && status.is_some() {
        let _ = write!(what, " (libzmq loaded: {loaded:?})");
    }
    if status.is_some() {
        let _ = write!(what, " after {:.1} s", elapsed.as_secs_f64());
    }
    Outcome::Fail { what, output }
}

/// Both runs of one case; the system run only if the ours-only marker allows it.
fn run_case(env: &Env, case: &Case) -> [Outcome; 2] {
    let ours = build_and_run(env, case, Lib::Ours);
    let system = if case.ours_only {
        Outcome::Skipped("ours-only")
    } else if !env.system_available {
        Outcome::Skipped("no system libzmq")
    } else {
        build_and_run(env, case, Lib::System)
    };
    [ours, system]
}

#[test]
fn compat_tests_against_ours_and_system() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let work = fresh_dir("compat");
    let lib_dir = work.join("lib");
    fs::create_dir_all(&lib_dir).expect("create the library directory");
    let ours = common::our_library();
    for name in ["libzmq.so.5", "libzmq.so"] {
        std::os::unix::fs::symlink(&ours, lib_dir.join(name)).expect("link our library");
    }
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let system_available = system_libzmq_available(&cc, &work);
    if !system_available {
        assert!(
            !ci,
            "CI=true but the system libzmq (zmq.h, -lzmq) is missing: install libzmq3-dev"
        );
        eprintln!("note: no system libzmq (libzmq3-dev): skipping the runs against it");
    }
    let env = Env {
        repo: repo.clone(),
        lib_dir,
        work: work.clone(),
        cc,
        system_available,
    };

    let cases = cases(&repo);
    if cases.is_empty() {
        eprintln!("note: compat-tests/ holds no *.c test");
        return;
    }

    // A shared queue of case indices, drained by one worker per core.
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<[Outcome; 2]>>> =
        Mutex::new((0..cases.len()).map(|_| None).collect());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..workers.min(cases.len()) {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some(case) = cases.get(i) else { break };
                    let outcome = run_case(&env, case);
                    results.lock().unwrap()[i] = Some(outcome);
                }
            });
        }
    });
    let results: Vec<[Outcome; 2]> = results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every case ran"))
        .collect();

    let cell = |o: &Outcome| match o {
        Outcome::Pass => "pass".to_string(),
        Outcome::Skipped(why) => format!("skipped ({why})"),
        Outcome::Fail { .. } => "FAIL".to_string(),
    };
    let width = cases.iter().map(|c| c.name.len()).max().unwrap_or(0).max(4);
    let mut table = format!("{:width$}  {:24}  system\n", "test", "ours");
    let mut failures = String::new();
    let mut failed = 0;
    for (case, outcomes) in cases.iter().zip(&results) {
        let _ = writeln!(
            table,
            "{:width$}  {:24}  {}",
            case.name,
            cell(&outcomes[0]),
            cell(&outcomes[1])
        );
        for (lib, outcome) in ["ours", "system"].iter().zip(outcomes) {
            if let Outcome::Fail { what, output } = outcome {
                failed += 1;
                let _ = write!(
                    failures,
                    "\n=== {} against {lib}: {what}\n{output}",
                    case.name
                );
            }
        }
    }
    eprintln!("\ncompat tests ({} files):\n{table}{failures}", cases.len());

    if failed == 0 {
        let _ = fs::remove_dir_all(&work);
    }
    assert_eq!(
        failed,
        0,
        "{failed} compat run(s) failed; binaries and logs are in {}",
        work.display()
    );
}

//! CI smoke run of the benchmark: `perf/compare --quick --ours-only` on a few cases that
//! between them use every perf tool (local/remote_thr over tcp and ipc, inproc_thr,
//! local/remote_lat, inproc_lat, pubsub_thr; remote_thr paced by ZMQ_PERF_RATE), with tiny
//! message counts.
//!
//! It checks that the tools build against our header, run on our library (the script checks
//! which library each process mapped), print their result lines, and that the script writes
//! its results and plot. It never looks at the speed: timings belong to side-by-side runs,
//! not to tests.
//!
//! Needs `python3` and `cc`; without them the test is skipped with a message, except with
//! `CI=true`, where that is a failure.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Cases that exercise every tool once: throughput at the smallest and a large size on each
/// transport, latency at 8 B on each transport, fan-out to one and eight subscribers, and the
/// receiver's memory under a paced sender.
const CASES: &str = "^(thr/[a-z]+/(8|64K)|lat/[a-z]+/8|pubsub/tcp/[18]sub/64|mem/ipc/64K@10k)$";

/// The cases that pattern selects (what the summary must list, in this order).
const EXPECTED: [&str; 12] = [
    "thr/tcp/8",
    "thr/tcp/64K",
    "thr/ipc/8",
    "thr/ipc/64K",
    "thr/inproc/8",
    "thr/inproc/64K",
    "lat/tcp/8",
    "lat/ipc/8",
    "lat/inproc/8",
    "pubsub/tcp/1sub/64",
    "pubsub/tcp/8sub/64",
    "mem/ipc/64K@10k",
];

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The value of one column in one row of summary.csv (no field there holds a comma).
fn column<'a>(header: &[&str], row: &[&'a str], name: &str) -> &'a str {
    let i = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("summary.csv has no {name} column"));
    row[i]
}

fn check_summary(out: &Path) {
    let text = fs::read_to_string(out.join("summary.csv")).expect("read summary.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .expect("summary.csv header")
        .split(',')
        .collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let names: Vec<&str> = rows.iter().map(|r| column(&header, r, "case")).collect();
    assert_eq!(names, EXPECTED, "the cases in summary.csv");
    for row in &rows {
        let case = column(&header, row, "case");
        let ours: f64 = column(&header, row, "ours")
            .parse()
            .unwrap_or_else(|_| panic!("{case}: no median for our library"));
        assert!(ours > 0.0, "{case}: median {ours}");
        assert_eq!(column(&header, row, "ours_runs"), "1", "{case}: runs");
        assert_eq!(
            column(&header, row, "theirs_runs"),
            "0",
            "{case}: ours only"
        );
        let rss: u64 = column(&header, row, "ours_rss_kib")
            .parse()
            .unwrap_or_else(|_| panic!("{case}: no peak RSS"));
        assert!(rss > 0, "{case}: peak RSS {rss}");
    }
}

#[test]
fn compare_quick_runs_every_tool_on_our_library() {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    for program in ["python3", "cc"] {
        if !have(program) {
            assert!(!ci, "{program} is missing (CI=true)");
            eprintln!("perf smoke skipped: {program} is missing");
            return;
        }
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = std::env::temp_dir().join(format!("libzmq-rs-perf-smoke-{}", std::process::id()));
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).expect("create the work directory");
    let out = work.join("results");

    let started = Instant::now();
    let output = Command::new("python3")
        .arg(repo.join("perf/compare"))
        .args([
            "--quick",
            "--ours-only",
            "--timeout",
            "20",
            "--cases",
            CASES,
        ])
        .arg("--lib")
        .arg(common::our_library())
        .arg("--build-dir")
        .arg(work.join("build"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run perf/compare");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "perf/compare failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    // A bound on a hung tool, not a speed check: the tools' own runs take milliseconds.
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "the smoke run took {:?}",
        started.elapsed()
    );

    check_summary(&out);
    let png = fs::read(out.join("throughput.png")).expect("read throughput.png");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "throughput.png is a PNG"
    );
    for file in ["runs.csv", "results.json", "table.md"] {
        assert!(out.join(file).is_file(), "{file} written");
    }
    let _ = fs::remove_dir_all(&work);
}

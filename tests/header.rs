//! Checks `include/zmq.h`, the C contract, against everything it must agree with:
//!
//! * `src/consts.rs` (every numeric macro, both ways, stable and draft builds);
//! * the system's libzmq 4.3.4 header (only the known 4.3.4 → 4.3.5 changes may differ);
//! * its errno fallbacks (ZMQ_HAUSNUMERO-based where the system lacks a code);
//! * the C layout of `zmq_msg_t`, `zmq_pollitem_t` and `zmq_poller_event_t`, in C and C++;
//! * the `extern "C"` functions of `capi/` (prototypes generated with cbindgen);
//! * the built `libzmq.so` (SONAME and dynamic exports).
//!
//! Every check compiles real C with `-Wall -Wextra -Wpedantic -Werror`, with gcc and g++, and
//! with clang and clang++ where installed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use zmq::consts::{DRAFT, STABLE};

const WARNINGS: &[&str] = &["-Wall", "-Wextra", "-Wpedantic", "-Werror"];
const DRAFT_DEFINE: &str = "-DZMQ_BUILD_DRAFT_API=1";
const SYSTEM_HEADER: &str = "/usr/include/zmq.h";
const HAUSNUMERO: i64 = 156_384_712;

/// Our `include/` directory.
fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include")
}

/// A fresh directory for one compilation.
fn scratch(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "header-{}-{}-{tag}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a command and returns its stdout; panics with its stderr when it fails.
fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Whether a program can be started (clang is optional).
fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A compiler and the language it compiles.
#[derive(Clone, Copy, Debug)]
struct Compiler {
    cc: &'static str,
    cxx: bool,
}

/// gcc and g++ always (the tests need them), clang and clang++ when installed.
fn compilers() -> Vec<Compiler> {
    let mut all = vec![
        Compiler {
            cc: "gcc",
            cxx: false,
        },
        Compiler {
            cc: "g++",
            cxx: true,
        },
    ];
    if have("clang") {
        all.push(Compiler {
            cc: "clang",
            cxx: false,
        });
        all.push(Compiler {
            cc: "clang++",
            cxx: true,
        });
    } else {
        eprintln!("note: clang is not installed; checking with gcc and g++ only");
    }
    all
}

/// Where `#include <zmq.h>` comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Header {
    /// Our `include/zmq.h`.
    Ours,
    /// The system's libzmq header (found through the default search path).
    System,
}

impl Header {
    fn include_args(self) -> Vec<String> {
        match self {
            Header::Ours => vec![format!("-I{}", include_dir().display())],
            Header::System => vec![],
        }
    }
}

/// Compiles `source` with `flags` and warnings as errors, runs it, returns its stdout.
fn compile_and_run(c: Compiler, header: Header, flags: &[&str], source: &str) -> String {
    let dir = scratch(c.cc);
    let src = dir.join(if c.cxx { "t.cpp" } else { "t.c" });
    let exe = dir.join("t");
    fs::write(&src, source).unwrap();
    run(Command::new(c.cc)
        .args(WARNINGS)
        .args(flags)
        .args(header.include_args())
        .arg(&src)
        .arg("-o")
        .arg(&exe));
    run(&mut Command::new(&exe))
}

/// Parses `NAME value` lines.
fn parse_values(out: &str) -> BTreeMap<String, i64> {
    out.lines()
        .map(|l| {
            let (name, v) = l.split_once(' ').unwrap();
            (name.to_string(), v.parse().unwrap())
        })
        .collect()
}

// ------------------------------------------------------------------------------------------
// Macros
// ------------------------------------------------------------------------------------------

/// One `#define` as `gcc -dM -E` prints it.
#[derive(Clone, Debug, PartialEq)]
struct Macro {
    /// Parameter list for function-like macros.
    params: Option<String>,
    body: String,
}

/// All macros defined after preprocessing `source`.
fn defined_macros(header: Header, draft: bool, source: &str) -> BTreeMap<String, Macro> {
    let dir = scratch("dm");
    let src = dir.join("t.c");
    fs::write(&src, source).unwrap();
    let mut cmd = Command::new("gcc");
    cmd.args(["-dM", "-E"])
        .args(header.include_args())
        .arg(&src);
    if draft {
        cmd.arg(DRAFT_DEFINE);
    }
    let mut macros = BTreeMap::new();
    for line in run(&mut cmd).lines() {
        let rest = line.strip_prefix("#define ").unwrap();
        let name_end = rest.find([' ', '(']).unwrap_or(rest.len());
        let name = rest[..name_end].to_string();
        let mut tail = &rest[name_end..];
        let mut params = None;
        if tail.starts_with('(') {
            let close = tail.find(')').unwrap();
            params = Some(tail[..=close].to_string());
            tail = &tail[close + 1..];
        }
        let body = tail.trim().to_string();
        macros.insert(name, Macro { params, body });
    }
    macros
}

/// The system headers zmq.h includes on Linux: what is defined beyond these comes from zmq.h.
const BASELINE: &str = "#include <errno.h>\n#include <stddef.h>\n#include <stdio.h>\n\
                        #include <stdint.h>\n#include <signal.h>\n";

/// The macros `zmq.h` itself defines (new, or different from the system headers').
fn header_macros(header: Header, draft: bool) -> BTreeMap<String, Macro> {
    let base = defined_macros(header, draft, BASELINE);
    let all = defined_macros(header, draft, "#include <zmq.h>\n");
    all.into_iter()
        .filter(|(name, m)| base.get(name) != Some(m))
        .collect()
}

/// Whether a macro is a number (to be evaluated by the C compiler) rather than a
/// function-like macro, a string or an empty flag.
fn is_numeric(m: &Macro) -> bool {
    m.params.is_none() && !m.body.is_empty() && !m.body.starts_with('"')
}

/// The values of `names` under `zmq.h`, printed by a C program built with compiler `c`.
fn macro_values(c: Compiler, header: Header, draft: bool, names: &[&str]) -> BTreeMap<String, i64> {
    let mut src = String::from("#include <stdio.h>\n#include <zmq.h>\nint main (void)\n{\n");
    for name in names {
        src += &format!("    printf (\"%s %lld\\n\", \"{name}\", (long long) ({name}));\n");
    }
    src += "    return 0;\n}\n";
    let flags: &[&str] = if draft { &[DRAFT_DEFINE] } else { &[] };
    parse_values(&compile_and_run(c, header, flags, &src))
}

/// Numeric macros with values (checked identical across compilers), and the other macros.
struct HeaderFacts {
    numeric: BTreeMap<String, i64>,
    other: BTreeMap<String, Macro>,
}

fn header_facts(header: Header, draft: bool) -> HeaderFacts {
    let macros = header_macros(header, draft);
    let names: Vec<&str> = macros
        .iter()
        .filter(|(_, m)| is_numeric(m))
        .map(|(n, _)| n.as_str())
        .collect();
    let mut numeric = None;
    for c in compilers() {
        let values = macro_values(c, header, draft, &names);
        match &numeric {
            None => numeric = Some(values),
            Some(first) => assert_eq!(first, &values, "{} disagrees with gcc", c.cc),
        }
    }
    let other = macros.into_iter().filter(|(_, m)| !is_numeric(m)).collect();
    HeaderFacts {
        numeric: numeric.unwrap(),
        other,
    }
}

/// The table `consts.rs` promises for a build.
fn expected_consts(draft: bool) -> BTreeMap<String, i64> {
    let tables: &[&[(&str, std::ffi::c_int)]] = if draft { &[STABLE, DRAFT] } else { &[STABLE] };
    let mut map = BTreeMap::new();
    for (name, value) in tables.iter().flat_map(|t| t.iter()) {
        assert!(
            map.insert(name.to_string(), i64::from(*value)).is_none(),
            "{name} is listed twice in consts.rs"
        );
    }
    map
}

/// Differences between two name → value maps, one line each.
fn diff_maps<V: PartialEq + std::fmt::Debug>(
    left_name: &str,
    left: &BTreeMap<String, V>,
    right_name: &str,
    right: &BTreeMap<String, V>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, l) in left {
        match right.get(name) {
            None => out.push(format!("{name} = {l:?} only in {left_name}")),
            Some(r) if r != l => out.push(format!("{name}: {left_name} {l:?}, {right_name} {r:?}")),
            Some(_) => {}
        }
    }
    for (name, r) in right {
        if !left.contains_key(name) {
            out.push(format!("{name} = {r:?} only in {right_name}"));
        }
    }
    out
}

/// The non-numeric macros our header must define, and nothing else.
fn expected_other_macros(draft: bool) -> BTreeSet<&'static str> {
    let mut set: BTreeSet<&str> = ["__ZMQ_H_INCLUDED__", "ZMQ_MAKE_VERSION", "ZMQ_HAVE_TIMERS"]
        .into_iter()
        .collect();
    if draft {
        set.extend([
            "ZMQ_HAVE_POLLER",
            "ZMQ_MSG_PROPERTY_ROUTING_ID",
            "ZMQ_MSG_PROPERTY_SOCKET_TYPE",
            "ZMQ_MSG_PROPERTY_USER_ID",
            "ZMQ_MSG_PROPERTY_PEER_ADDRESS",
        ]);
    }
    set
}

#[test]
fn header_constants_equal_consts_rs() {
    for draft in [false, true] {
        let facts = header_facts(Header::Ours, draft);
        let diffs = diff_maps(
            "zmq.h",
            &facts.numeric,
            "consts.rs",
            &expected_consts(draft),
        );
        assert!(
            diffs.is_empty(),
            "zmq.h and consts.rs disagree (draft build: {draft}):\n  {}",
            diffs.join("\n  ")
        );
        let other: BTreeSet<&str> = facts.other.keys().map(String::as_str).collect();
        assert_eq!(
            other,
            expected_other_macros(draft),
            "non-numeric macros of zmq.h (draft build: {draft})"
        );
        if draft {
            let strings: BTreeMap<&str, &str> = facts
                .other
                .iter()
                .filter(|(n, _)| n.starts_with("ZMQ_MSG_PROPERTY_"))
                .map(|(n, m)| (n.as_str(), m.body.as_str()))
                .collect();
            assert_eq!(
                strings,
                BTreeMap::from([
                    ("ZMQ_MSG_PROPERTY_PEER_ADDRESS", "\"Peer-Address\""),
                    ("ZMQ_MSG_PROPERTY_ROUTING_ID", "\"Routing-Id\""),
                    ("ZMQ_MSG_PROPERTY_SOCKET_TYPE", "\"Socket-Type\""),
                    ("ZMQ_MSG_PROPERTY_USER_ID", "\"User-Id\""),
                ])
            );
        }
    }
}

#[test]
fn consts_tables_are_disjoint() {
    let stable: BTreeSet<&str> = STABLE.iter().map(|(n, _)| *n).collect();
    assert_eq!(stable.len(), STABLE.len(), "a name is repeated in STABLE");
    let draft: BTreeSet<&str> = DRAFT.iter().map(|(n, _)| *n).collect();
    assert_eq!(draft.len(), DRAFT.len(), "a name is repeated in DRAFT");
    let both: Vec<_> = stable.intersection(&draft).collect();
    assert!(both.is_empty(), "in both STABLE and DRAFT: {both:?}");
}

/// Whether the reference header is there; fails instead under CI, where it must be.
fn system_header_present(test: &str) -> bool {
    if Path::new(SYSTEM_HEADER).exists() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{SYSTEM_HEADER} is missing under CI (install libzmq3-dev)"
    );
    eprintln!("SKIPPED {test}: {SYSTEM_HEADER} is missing (apt-get install libzmq3-dev)");
    false
}

/// What libzmq 4.3.5 changed in zmq.h after 4.3.4, as (name, 4.3.4 value, 4.3.5 value).
fn changes_since_4_3_4(draft: bool) -> Vec<(&'static str, Option<i64>, Option<i64>)> {
    let mut changes = vec![
        ("ZMQ_VERSION_PATCH", Some(4), Some(5)),
        ("ZMQ_VERSION", Some(40304), Some(40305)),
    ];
    if draft {
        changes.push(("ZMQ_RECONNECT_STOP_AFTER_DISCONNECT", Some(3), Some(4)));
        let added = [
            ("ZMQ_BUSY_POLL", 113),
            ("ZMQ_HICCUP_MSG", 114),
            ("ZMQ_XSUB_VERBOSE_UNSUBSCRIBE", 115),
            ("ZMQ_TOPICS_COUNT", 116),
            ("ZMQ_NORM_MODE", 117),
            ("ZMQ_NORM_UNICAST_NACK", 118),
            ("ZMQ_NORM_BUFFER_SIZE", 119),
            ("ZMQ_NORM_SEGMENT_SIZE", 120),
            ("ZMQ_NORM_BLOCK_SIZE", 121),
            ("ZMQ_NORM_NUM_PARITY", 122),
            ("ZMQ_NORM_NUM_AUTOPARITY", 123),
            ("ZMQ_NORM_PUSH", 124),
            ("ZMQ_NORM_FIXED", 0),
            ("ZMQ_NORM_CC", 1),
            ("ZMQ_NORM_CCL", 2),
            ("ZMQ_NORM_CCE", 3),
            ("ZMQ_NORM_CCE_ECNONLY", 4),
        ];
        changes.extend(added.into_iter().map(|(n, v)| (n, None, Some(v))));
    }
    changes
}

#[test]
fn header_agrees_with_system_libzmq_header() {
    if !system_header_present("header_agrees_with_system_libzmq_header") {
        return;
    }
    for draft in [false, true] {
        let ours = header_facts(Header::Ours, draft);
        let theirs = header_facts(Header::System, draft);

        let mut want = BTreeMap::new();
        let mut theirs_adjusted = theirs.numeric.clone();
        for (name, old, new) in changes_since_4_3_4(draft) {
            assert_eq!(
                theirs.numeric.get(name).copied(),
                old,
                "{SYSTEM_HEADER}: {name} is not what libzmq 4.3.4 has"
            );
            match new {
                Some(v) => theirs_adjusted.insert(name.to_string(), v),
                None => theirs_adjusted.remove(name),
            };
            want.insert(name, new);
        }
        let diffs = diff_maps(
            "our zmq.h",
            &ours.numeric,
            "4.3.4 plus the 4.3.5 changes",
            &theirs_adjusted,
        );
        assert!(
            diffs.is_empty(),
            "numeric macros differ from {SYSTEM_HEADER} beyond 4.3.4 → 4.3.5 (draft build: \
             {draft}):\n  {}",
            diffs.join("\n  ")
        );
        for (name, new) in want {
            assert_eq!(ours.numeric.get(name).copied(), new, "our {name}");
        }
        let diffs = diff_maps("our zmq.h", &ours.other, SYSTEM_HEADER, &theirs.other);
        assert!(
            diffs.is_empty(),
            "non-numeric macros differ (draft build: {draft}):\n  {}",
            diffs.join("\n  ")
        );

        // Prototypes: 4.3.5 only adds the draft zmq_ppoll.
        let mut ours_p = header_prototypes(Header::Ours, draft);
        let theirs_p = header_prototypes(Header::System, draft);
        if draft {
            assert_eq!(
                ours_p.remove("zmq_ppoll").as_deref(),
                Some("int zmq_ppoll(zmq_pollitem_t *, int, long, const sigset_t *)")
            );
        }
        let diffs = diff_maps("our zmq.h", &ours_p, SYSTEM_HEADER, &theirs_p);
        assert!(
            diffs.is_empty(),
            "prototypes differ (draft build: {draft}):\n  {}",
            diffs.join("\n  ")
        );
    }
}

// ------------------------------------------------------------------------------------------
// errno fallbacks and layout
// ------------------------------------------------------------------------------------------

/// The POSIX codes zmq.h defines when the system does not, with their offsets from
/// ZMQ_HAUSNUMERO and the Linux values.
const ERRNO_FALLBACKS: &[(&str, i64, i32)] = &[
    ("ENOTSUP", 1, libc::ENOTSUP),
    ("EPROTONOSUPPORT", 2, libc::EPROTONOSUPPORT),
    ("ENOBUFS", 3, libc::ENOBUFS),
    ("ENETDOWN", 4, libc::ENETDOWN),
    ("EADDRINUSE", 5, libc::EADDRINUSE),
    ("EADDRNOTAVAIL", 6, libc::EADDRNOTAVAIL),
    ("ECONNREFUSED", 7, libc::ECONNREFUSED),
    ("EINPROGRESS", 8, libc::EINPROGRESS),
    ("ENOTSOCK", 9, libc::ENOTSOCK),
    ("EMSGSIZE", 10, libc::EMSGSIZE),
    ("EAFNOSUPPORT", 11, libc::EAFNOSUPPORT),
    ("ENETUNREACH", 12, libc::ENETUNREACH),
    ("ECONNABORTED", 13, libc::ECONNABORTED),
    ("ECONNRESET", 14, libc::ECONNRESET),
    ("ENOTCONN", 15, libc::ENOTCONN),
    ("ETIMEDOUT", 16, libc::ETIMEDOUT),
    ("EHOSTUNREACH", 17, libc::EHOSTUNREACH),
    ("ENETRESET", 18, libc::ENETRESET),
];

#[test]
fn errno_fallbacks_are_hausnumero_based() {
    let mut names: Vec<&str> = ERRNO_FALLBACKS.iter().map(|(n, _, _)| *n).collect();
    names.extend(["EFSM", "ENOCOMPATPROTO", "ETERM", "EMTHREAD"]);
    let native = BTreeMap::from([
        ("EFSM", HAUSNUMERO + 51),
        ("ENOCOMPATPROTO", HAUSNUMERO + 52),
        ("ETERM", HAUSNUMERO + 53),
        ("EMTHREAD", HAUSNUMERO + 54),
    ]);
    for c in compilers() {
        // With the system's codes: zmq.h leaves them alone.
        let with = macro_values(c, Header::Ours, false, &names);
        // `_ERRNO_H` is glibc's include guard: defining it makes <errno.h> empty, as on a
        // system without these codes, so zmq.h's fallbacks take over.
        let dir = scratch("errno");
        let src = dir.join(if c.cxx { "t.cpp" } else { "t.c" });
        let mut prog = String::from("#include <stdio.h>\n#include <zmq.h>\nint main (void)\n{\n");
        for name in &names {
            prog += &format!("    printf (\"%s %lld\\n\", \"{name}\", (long long) ({name}));\n");
        }
        prog += "    return 0;\n}\n";
        fs::write(&src, prog).unwrap();
        let exe = dir.join("t");
        run(Command::new(c.cc)
            .args(WARNINGS)
            .arg("-D_ERRNO_H")
            .arg(format!("-I{}", include_dir().display()))
            .arg(&src)
            .arg("-o")
            .arg(&exe));
        let without = parse_values(&run(&mut Command::new(&exe)));
        for (name, offset, linux) in ERRNO_FALLBACKS {
            assert_eq!(with[*name], i64::from(*linux), "{}: {name}", c.cc);
            assert_eq!(
                without[*name],
                HAUSNUMERO + offset,
                "{}: fallback {name}",
                c.cc
            );
        }
        for (name, v) in &native {
            assert_eq!(with[*name], *v, "{}: {name}", c.cc);
            assert_eq!(without[*name], *v, "{}: {name} without errno.h", c.cc);
        }
    }
}

#[test]
fn types_have_libzmq_layout_in_c_and_cpp() {
    let src = r#"#include <stdio.h>
#include <zmq.h>
#ifdef __cplusplus
#define ALIGN_OF(t) alignof (t)
#else
#define ALIGN_OF(t) _Alignof (t)
#endif
#define SHOW(name, expr) printf ("%s %lld\n", name, (long long) (expr))
struct after_char
{
    char c;
    zmq_msg_t msg;
};
int main (void)
{
    SHOW ("msg.size", sizeof (zmq_msg_t));
    SHOW ("msg.align", ALIGN_OF (zmq_msg_t));
    SHOW ("msg.after_char", offsetof (struct after_char, msg));
    SHOW ("fd.size", sizeof (zmq_fd_t));
    SHOW ("pollitem.size", sizeof (zmq_pollitem_t));
    SHOW ("pollitem.socket", offsetof (zmq_pollitem_t, socket));
    SHOW ("pollitem.fd", offsetof (zmq_pollitem_t, fd));
    SHOW ("pollitem.events", offsetof (zmq_pollitem_t, events));
    SHOW ("pollitem.revents", offsetof (zmq_pollitem_t, revents));
#ifdef ZMQ_BUILD_DRAFT_API
    SHOW ("event.size", sizeof (zmq_poller_event_t));
    SHOW ("event.socket", offsetof (zmq_poller_event_t, socket));
    SHOW ("event.fd", offsetof (zmq_poller_event_t, fd));
    SHOW ("event.user_data", offsetof (zmq_poller_event_t, user_data));
    SHOW ("event.events", offsetof (zmq_poller_event_t, events));
#endif
    return 0;
}
"#;
    let stable = [
        ("msg.size", 64),
        ("msg.align", 8),
        ("msg.after_char", 8),
        ("fd.size", 4),
        ("pollitem.size", 16),
        ("pollitem.socket", 0),
        ("pollitem.fd", 8),
        ("pollitem.events", 12),
        ("pollitem.revents", 14),
    ];
    let draft = [
        ("event.size", 32),
        ("event.socket", 0),
        ("event.fd", 8),
        ("event.user_data", 16),
        ("event.events", 24),
    ];
    for c in compilers() {
        for with_draft in [false, true] {
            let flags: &[&str] = if with_draft { &[DRAFT_DEFINE] } else { &[] };
            let got = parse_values(&compile_and_run(c, Header::Ours, flags, src));
            let mut want: BTreeMap<String, i64> =
                stable.iter().map(|(n, v)| (n.to_string(), *v)).collect();
            if with_draft {
                want.extend(draft.iter().map(|(n, v)| (n.to_string(), *v)));
            }
            assert_eq!(got, want, "{} (draft: {with_draft})", c.cc);
        }
    }
}

// ------------------------------------------------------------------------------------------
// Prototypes
// ------------------------------------------------------------------------------------------

/// C tokens of `text`, without comments and preprocessor lines.
fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let mut chars = line.chars().peekable();
        while let Some(&ch) = chars.peek() {
            if ch.is_alphanumeric() || ch == '_' {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_alphanumeric() || c == '_' {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(word);
            } else if ch == '"' {
                let mut lit = String::from('"');
                chars.next();
                for c in chars.by_ref() {
                    lit.push(c);
                    if c == '"' {
                        break;
                    }
                }
                tokens.push(lit);
            } else {
                chars.next();
                if !ch.is_whitespace() {
                    tokens.push(ch.to_string());
                }
            }
        }
        tokens.push("\n".to_string());
    }
    // Comments: drop `/* ... */` and `// ...` (the newline markers end line comments).
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == "/" && tokens.get(i + 1).is_some_and(|t| t == "*") {
            i += 2;
            while i + 1 < tokens.len() && !(tokens[i] == "*" && tokens[i + 1] == "/") {
                i += 1;
            }
            i += 2;
        } else if tokens[i] == "/" && tokens.get(i + 1).is_some_and(|t| t == "/") {
            while i < tokens.len() && tokens[i] != "\n" {
                i += 1;
            }
        } else {
            if tokens[i] != "\n" {
                out.push(tokens[i].clone());
            }
            i += 1;
        }
    }
    out
}

/// Removes `__attribute__ ((...))` (ZMQ_EXPORT after preprocessing) and `extern`.
fn strip_decorations(tokens: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == "__attribute__" {
            i += 1;
            let mut depth = 0;
            while i < tokens.len() {
                match tokens[i].as_str() {
                    "(" => depth += 1,
                    ")" => depth -= 1,
                    _ => {}
                }
                i += 1;
                if depth == 0 {
                    break;
                }
            }
        } else {
            if tokens[i] != "extern" {
                out.push(tokens[i].clone());
            }
            i += 1;
        }
    }
    out
}

/// Splits tokens into top-level statements (ended by `;` outside braces and parentheses).
fn statements(tokens: &[String]) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    let mut cur = Vec::new();
    let mut depth = 0i32;
    for t in tokens {
        match t.as_str() {
            "(" | "{" => depth += 1,
            ")" | "}" => depth -= 1,
            ";" if depth == 0 => {
                all.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(t.clone());
    }
    all
}

/// Splits `tokens` at top-level commas.
fn split_commas(tokens: &[String]) -> Vec<Vec<String>> {
    let mut parts = vec![Vec::new()];
    let mut depth = 0i32;
    for t in tokens {
        match t.as_str() {
            "(" => depth += 1,
            ")" => depth -= 1,
            "," if depth == 0 => {
                parts.push(Vec::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().unwrap().push(t.clone());
    }
    parts
}

/// Index of the `)` matching the `(` at `open`.
fn matching_paren(tokens: &[String], open: usize) -> usize {
    let mut depth = 0;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.as_str() {
            "(" => depth += 1,
            ")" => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parentheses in {tokens:?}")
}

/// Which side a declaration comes from: it decides what a function typedef name means.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    /// zmq.h: `zmq_free_fn` is a function type, so a parameter `zmq_free_fn *f` or
    /// `zmq_timer_fn f` (adjusted) is a pointer to function.
    C,
    /// cbindgen: a Rust alias `zmq_free_fn` can only be a pointer to function already.
    Generated,
}

/// Function typedefs of zmq.h (`typedef void (zmq_free_fn) (void *, void *)`), each as the
/// canonical pointer-to-function type.
type FnTypedefs = BTreeMap<String, String>;

const TYPE_WORDS: &[&str] = &[
    "void", "char", "short", "int", "long", "unsigned", "signed", "const", "struct", "float",
    "double",
];

/// The canonical spelling of one parameter type (its name dropped).
fn canonical_param(tokens: &[String], side: Side, fns: &FnTypedefs) -> String {
    if let Some(open) = tokens.iter().position(|t| t == "(") {
        // A pointer to function: RET ( * NAME? ) ( ARGS ).
        let close = matching_paren(tokens, open);
        let args_open = close + 1;
        let args_close = matching_paren(tokens, args_open);
        let ret = tokens[..open].join(" ");
        let stars: String = tokens[open + 1..close]
            .iter()
            .filter(|t| *t == "*")
            .map(String::as_str)
            .collect();
        let args = canonical_params(&tokens[args_open + 1..args_close], side, fns);
        return format!("{ret} ({stars})({args})");
    }
    let mut t: Vec<&str> = tokens.iter().map(String::as_str).collect();
    // cbindgen leaves `Option<alias of a fn pointer>` as it is; it is that nullable pointer.
    if side == Side::Generated && t.len() >= 4 && t[0] == "Option" && t[1] == "<" {
        let close = t.iter().rposition(|x| *x == ">").unwrap();
        t = [&t[2..close], &t[close + 1..]].concat();
    }
    if t.len() >= 2 {
        let last = *t.last().unwrap();
        let is_ident = last.chars().all(|c| c.is_alphanumeric() || c == '_');
        if is_ident && !TYPE_WORDS.contains(&last) && !fns.contains_key(last) && last != "zmq_fd_t"
        {
            t.pop();
        }
    }
    // Array parameters are pointers.
    if t.last() == Some(&"]") {
        let open = t.iter().rposition(|x| *x == "[").unwrap();
        t.truncate(open);
        t.push("*");
    }
    let t: Vec<&str> = t
        .into_iter()
        .map(|x| if x == "zmq_fd_t" { "int" } else { x })
        .collect();
    if let Some(fnptr) = t.first().and_then(|first| fns.get(*first)) {
        let stars = t.len() - 1;
        let extra = match side {
            Side::C => stars.saturating_sub(1),
            Side::Generated => stars,
        };
        return format!("{fnptr}{}", " *".repeat(extra));
    }
    t.join(" ")
}

fn canonical_params(tokens: &[String], side: Side, fns: &FnTypedefs) -> String {
    if tokens.is_empty() || (tokens.len() == 1 && tokens[0] == "void") {
        return String::new();
    }
    split_commas(tokens)
        .iter()
        .map(|p| canonical_param(p, side, fns))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Function declarations among `stmts`, as name → "RET NAME(PARAMS)".
fn prototypes(stmts: &[Vec<String>], side: Side, fns: &FnTypedefs) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for s in stmts {
        if s.first().is_some_and(|t| t == "typedef") || s.iter().any(|t| t == "{") {
            continue;
        }
        let Some(open) = s.iter().position(|t| t == "(") else {
            continue;
        };
        if open == 0 {
            continue;
        }
        let name = &s[open - 1];
        let close = matching_paren(s, open);
        assert_eq!(
            close,
            s.len() - 1,
            "not a plain function declaration: {s:?}"
        );
        let ret = s[..open - 1].join(" ");
        let params = canonical_params(&s[open + 1..close], side, fns);
        let proto = format!("{ret} {name}({params})");
        assert!(
            out.insert(name.clone(), proto).is_none(),
            "{name} declared twice"
        );
    }
    out
}

/// Function typedefs among `stmts`.
fn fn_typedefs(stmts: &[Vec<String>]) -> FnTypedefs {
    let mut fns = FnTypedefs::new();
    for s in stmts {
        // typedef RET ( NAME ) ( ARGS )
        if s.first().is_none_or(|t| t != "typedef") {
            continue;
        }
        let Some(open) = s.iter().position(|t| t == "(") else {
            continue;
        };
        let close = matching_paren(s, open);
        if close != open + 2 || s.get(close + 1).is_none_or(|t| t != "(") {
            continue;
        }
        let ret = s[1..open].join(" ");
        let args_close = matching_paren(s, close + 1);
        let args = canonical_params(&s[close + 2..args_close], Side::C, &FnTypedefs::new());
        fns.insert(s[open + 1].clone(), format!("{ret} (*)({args})"));
    }
    fns
}

/// Statements of zmq.h itself after preprocessing (text from other headers removed).
fn header_statements(header: Header, draft: bool) -> Vec<Vec<String>> {
    let dir = scratch("proto");
    let src = dir.join("t.c");
    fs::write(&src, "#include <zmq.h>\n").unwrap();
    let mut cmd = Command::new("gcc");
    cmd.arg("-E").args(header.include_args()).arg(&src);
    if draft {
        cmd.arg(DRAFT_DEFINE);
    }
    let pre = run(&mut cmd);
    let mut mine = String::new();
    let mut in_zmq_h = false;
    for line in pre.lines() {
        if let Some(marker) = line.strip_prefix("# ") {
            // # LINE "FILE" FLAGS
            in_zmq_h = marker
                .split('"')
                .nth(1)
                .is_some_and(|f| f.ends_with("/zmq.h"));
            continue;
        }
        if in_zmq_h {
            mine += line;
            mine.push('\n');
        }
    }
    statements(&strip_decorations(&tokenize(&mine)))
}

/// The function typedefs of our header.
fn our_fn_typedefs() -> FnTypedefs {
    let fns = fn_typedefs(&header_statements(Header::Ours, true));
    assert_eq!(
        fns.keys().map(String::as_str).collect::<Vec<_>>(),
        ["zmq_free_fn", "zmq_thread_fn", "zmq_timer_fn"]
    );
    fns
}

/// The prototypes a header declares, canonical.
fn header_prototypes(header: Header, draft: bool) -> BTreeMap<String, String> {
    let stmts = header_statements(header, draft);
    let fns = fn_typedefs(&stmts);
    prototypes(&stmts, Side::C, &fns)
}

/// The prototypes of capi/'s `extern "C"` functions, generated by cbindgen, canonical.
fn generated_prototypes() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config =
        cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cannot read cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("capi/mod.rs"))
        .generate()
        .expect("cbindgen cannot parse capi/");
    let mut text = Vec::new();
    bindings.write(&mut text);
    let text = String::from_utf8(text).unwrap();
    let out = scratch("cbindgen").join("capi.h");
    fs::write(&out, &text).unwrap();
    eprintln!("cbindgen output: {}", out.display());
    let stmts = statements(&strip_decorations(&tokenize(&text)));
    prototypes(&stmts, Side::Generated, &our_fn_typedefs())
}

/// Stable and draft prototypes of our header.
fn our_prototypes() -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let stable = header_prototypes(Header::Ours, false);
    let mut draft = header_prototypes(Header::Ours, true);
    for (name, proto) in &stable {
        assert_eq!(
            draft.remove(name).as_ref(),
            Some(proto),
            "{name} in the draft build"
        );
    }
    (stable, draft)
}

#[test]
fn header_declares_the_libzmq_4_3_5_functions() {
    let (stable, draft) = our_prototypes();
    assert_eq!(
        stable.len(),
        70,
        "libzmq 4.3.5 has 70 stable functions: {stable:#?}"
    );
    assert_eq!(
        draft.len(),
        26,
        "libzmq 4.3.5 has 26 draft functions: {draft:#?}"
    );
}

#[test]
fn capi_prototypes_match_the_header() {
    let (stable, draft) = our_prototypes();
    let generated = generated_prototypes();
    let mut wrong = Vec::new();
    for (name, proto) in &generated {
        match stable.get(name).or_else(|| draft.get(name)) {
            None => wrong.push(format!("{name}: not declared in zmq.h ({proto})")),
            Some(want) if want != proto => wrong.push(format!(
                "{name}:\n      zmq.h:  {want}\n      capi/:  {proto}"
            )),
            Some(_) => {}
        }
    }
    assert!(
        wrong.is_empty(),
        "capi/ functions that do not match zmq.h:\n  {}",
        wrong.join("\n  ")
    );
}

/// Names of `want` missing from `have`, one line.
fn missing<'a>(
    want: impl IntoIterator<Item = &'a String>,
    have: &BTreeSet<String>,
) -> Vec<&'a str> {
    want.into_iter()
        .filter(|n| !have.contains(*n))
        .map(String::as_str)
        .collect()
}

// Fails until every function of zmq.h is written in capi/.
#[test]
fn every_header_function_is_implemented() {
    let (stable, draft) = our_prototypes();
    let generated: BTreeSet<String> = generated_prototypes().into_keys().collect();
    let stable_missing = missing(stable.keys(), &generated);
    let draft_missing = missing(draft.keys(), &generated);
    assert!(
        stable_missing.is_empty() && draft_missing.is_empty(),
        "zmq.h functions without an extern \"C\" definition in capi/:\n  stable ({}): {}\n  \
         draft ({}): {}",
        stable_missing.len(),
        stable_missing.join(" "),
        draft_missing.len(),
        draft_missing.join(" ")
    );
}

// ------------------------------------------------------------------------------------------
// The shared library
// ------------------------------------------------------------------------------------------

/// The cdylib cargo built with this test: `deps/libzmq.so` beside the test executable, or
/// the copy cargo puts one level up (`target/<profile>/libzmq.so`).
fn cdylib() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let candidates = [
        deps.join("libzmq.so"),
        deps.parent().unwrap().join("libzmq.so"),
    ];
    candidates
        .iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("libzmq.so not found; looked at {candidates:?}"))
        .clone()
}

/// The dynamic symbols the library defines.
fn exports() -> BTreeSet<String> {
    let out = run(Command::new("nm")
        .args(["-D", "--defined-only", "--format=posix"])
        .arg(cdylib()));
    out.lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn library_has_libzmq_soname_and_exports_only_the_api() {
    let dynamic = run(Command::new("readelf").arg("-d").arg(cdylib()));
    let sonames: Vec<&str> = dynamic.lines().filter(|l| l.contains("(SONAME)")).collect();
    assert_eq!(sonames.len(), 1, "{dynamic}");
    assert!(
        sonames[0].ends_with("Library soname: [libzmq.so.5]"),
        "{}",
        sonames[0]
    );

    let (stable, draft) = our_prototypes();
    let stray: Vec<String> = exports()
        .into_iter()
        .filter(|s| !stable.contains_key(s) && !draft.contains_key(s))
        .collect();
    assert!(
        stray.is_empty(),
        "{} exports symbols that zmq.h does not declare: {stray:?}",
        cdylib().display()
    );
}

// Fails until every function of zmq.h is written in capi/.
#[test]
fn every_header_function_is_exported() {
    let (stable, draft) = our_prototypes();
    let exported = exports();
    let stable_missing = missing(stable.keys(), &exported);
    // A library is built with the draft API or without it: all draft functions, or none.
    let draft_missing = missing(draft.keys(), &exported);
    let draft_partial = draft_missing.len() != draft.len() && !draft_missing.is_empty();
    assert!(
        stable_missing.is_empty() && !draft_partial,
        "{} lacks zmq.h functions:\n  stable ({}): {}\n  draft ({} of {}; all or none must \
         be exported): {}",
        cdylib().display(),
        stable_missing.len(),
        stable_missing.join(" "),
        draft_missing.len(),
        draft.len(),
        draft_missing.join(" ")
    );
}

#[test]
fn deprecated_zmq_utils_h_still_builds() {
    // Old programs include it before or after zmq.h; it must not break a -Werror build.
    let src = "#include <zmq_utils.h>\n#include <zmq.h>\n#include <zmq_utils.h>\n\
               int main (void)\n{\n    return ZMQ_VERSION == 40305 ? 0 : 1;\n}\n";
    for c in compilers() {
        for flags in [&[][..], &[DRAFT_DEFINE][..]] {
            assert_eq!(compile_and_run(c, Header::Ours, flags, src), "", "{}", c.cc);
        }
    }
}

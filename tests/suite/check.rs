//! Semantic warnings outside the editor: `lox check`, the rich and JSON formats of a
//! run, and clox's format (which never shows them); and a review of what they say
//! about the conformance corpus and the benchmarks, which must hold no false alarm.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use loxide::Lang;
use loxide_ide::analyze;

fn lox(args: &[&str], source: &str) -> Output {
    let dir = std::env::temp_dir().join(format!("lox-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    // A file of its own for each call: tests run in parallel, and two may check the
    // same source.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = dir.join(format!("p{n}.lox"));
    std::fs::write(&file, source).expect("writes");
    let mut command = Command::new(env!("CARGO_BIN_EXE_lox"));
    command.args(args).arg(&file).env_remove("LOX_ERROR_FORMAT");
    let output = command.output().expect("lox runs");
    let _ = std::fs::remove_file(&file);
    output
}

const WARNED: &str = "fun f(a) {\n  var unused = 1;\n  return a;\n}\nprint f(1);\n";

#[test]
fn check_exits_0_with_warnings_and_65_with_errors() {
    let warned = lox(&["check"], WARNED);
    let stderr = String::from_utf8_lossy(&warned.stderr);
    assert_eq!(warned.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning[unused-variable]: Local variable 'unused' is never used."),
        "{stderr}"
    );
    assert!(warned.stdout.is_empty(), "check runs nothing");

    let broken = lox(&["check"], "var a = 1\nfun f() { var b; }\n");
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert_eq!(broken.status.code(), Some(65), "{stderr}");
    assert!(
        stderr.contains("error: Expect ';' after variable declaration."),
        "{stderr}"
    );

    let clean = lox(&["check"], "print 1;\n");
    assert_eq!(clean.status.code(), Some(0));
    assert!(clean.stderr.is_empty() && clean.stdout.is_empty());

    let json = lox(&["check", "--error-format", "json"], WARNED);
    let line = String::from_utf8_lossy(&json.stderr);
    let object: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON object");
    assert_eq!(object["severity"], "warning");
    assert_eq!(object["code"], "unused-variable");
    assert_eq!(object["line"], 2);
    assert_eq!(object["columns"], serde_json::json!([7, 13]));

    let clox = lox(&["check", "--error-format", "clox"], WARNED);
    assert_eq!(clox.status.code(), Some(0));
    assert!(
        clox.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&clox.stderr)
    );
}

#[test]
fn a_run_shows_warnings_in_the_rich_and_json_formats_only() {
    let clox = lox(&[], WARNED);
    assert_eq!(String::from_utf8_lossy(&clox.stdout), "1\n");
    assert!(
        clox.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&clox.stderr)
    );
    for format in ["rich", "json"] {
        let run = lox(&["--error-format", format], WARNED);
        assert_eq!(String::from_utf8_lossy(&run.stdout), "1\n", "{format}");
        assert_eq!(run.status.code(), Some(0));
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(
            stderr.contains("'unused' is never used"),
            "{format}: {stderr}"
        );
    }
}

fn lox_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            lox_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "lox") {
            out.push(path);
        }
    }
}

/// The warnings that say a run will fail: each must be in a program that expects a
/// runtime error, or one that does not compile anyway.
#[test]
fn the_corpus_warns_of_failures_only_where_runs_fail() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    lox_files(&root.join("tests/lox"), &mut files);
    files.sort();
    let mut certain = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("reads");
        let a = analyze(&text, Lang::Lox);
        for w in &a.warnings {
            if matches!(w.code, "operand-types" | "not-callable" | "arity") {
                certain += 1;
                assert!(
                    text.contains("expect runtime error") || !a.errors.is_empty(),
                    "{}: {} ({:?}) in a program that runs without error",
                    file.display(),
                    w.message,
                    &text[w.span.clone()]
                );
            }
        }
    }
    // The corpus tests every kind of certain failure, so the warnings find some.
    assert!(certain >= 30, "{certain}");
}

/// The benchmarks run without error: no warning may say otherwise, and the only ones
/// are parameters a method ignores (reviewed: each is truly unused).
#[test]
fn the_benchmarks_have_no_false_warnings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    lox_files(&root.join("bench"), &mut files);
    files.sort();
    assert!(files.len() >= 10);
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("reads");
        let a = analyze(&text, Lang::Lox);
        assert_eq!(a.errors, [], "{}", file.display());
        let name = file
            .strip_prefix(root)
            .expect("under the root")
            .display()
            .to_string();
        for w in &a.warnings {
            found.push((name.clone(), w.code, text[w.span.clone()].to_string()));
        }
    }
    let expected = [
        ("bench/raytrace.lox", "unused-parameter", "point"),
        ("bench/raytrace.lox", "unused-parameter", "point"),
        ("bench/sort.lox", "unused-parameter", "n"),
    ];
    let expected: Vec<(String, &str, String)> = expected
        .iter()
        .map(|(f, c, t)| (f.to_string(), *c, t.to_string()))
        .collect();
    assert_eq!(found, expected);
}

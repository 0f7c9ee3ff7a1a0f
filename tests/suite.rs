//! Conformance suite: runs every annotated Lox program under `tests/lox/`
//! through the `lox` binary and checks its behaviour against the annotations.
//!
//! The annotation rules are a faithful port of the project's annotation runner
//! (`loxtest.py`), which in turn follows the Crafting Interpreters test format:
//!
//! * `// expect: TEXT` is one line of standard output, in order.
//! * `// expect runtime error: MSG` is the first line of standard error; the
//!   exit status must be 70 and the first `[line N]` trace line must name the
//!   line holding the annotation.
//! * `// Error...` on a line, or `// [line N] Error...` (also `[c line N]`),
//!   is a compile error; every expected error must be reported, no others may
//!   be, and the exit status must be 65. `[java line N]` errors are ignored.
//! * `// nontest` anywhere marks a file that is not a test.
//!
//! In addition, a first line of the form `// args: A B ...` gives extra
//! command-line arguments, placed before the file path.
//!
//! Environment variables:
//!
//! * `LOX_TEST_FILTER=prefix` runs only the files whose path relative to
//!   `tests/lox/` starts with `prefix` (for example `closure/`).
//! * `LOX_BIN=/path/to/interpreter` runs the corpus against another
//!   interpreter instead of the `lox` binary built by Cargo.

// Golden files for each stage dump (see tests/suite/golden.rs).
#[path = "suite/golden.rs"]
mod golden;

// Bytecode files: round trips and the commands (see tests/suite/bytecode_file.rs), and
// hostile files, truncations and mutations (see tests/suite/hostile.rs).
#[path = "suite/bytecode_file.rs"]
mod bytecode_file;
#[path = "suite/hostile.rs"]
mod hostile;
// The interactive session (see tests/suite/repl.rs).
#[path = "suite/repl.rs"]
mod repl;
// Source built to break the compiler: deep nesting, huge tokens, floods of errors, bad
// bytes (see tests/suite/hostile_source.rs).
#[path = "suite/hostile_source.rs"]
mod hostile_source;
// Resource limits (--max-steps, --max-heap, --max-depth), Ctrl-C, and the VM after their
// errors (see tests/suite/limits.rs).
#[path = "suite/limits.rs"]
mod limits;
// Generated valid and mutated programs run without panicking (see tests/suite/generated.rs).
#[path = "suite/generated.rs"]
mod generated;
// The command-and-output examples of the documentation run as written (see
// tests/suite/docs.rs).
#[path = "suite/docs.rs"]
mod docs;

use std::collections::BTreeSet;
use std::env;
use std::fs;
use std::io::{self, Read};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How long one program may run before it is killed and reported.
const TIMEOUT: Duration = Duration::from_secs(30);

/// At most this many reasons are printed for one failing file.
const REASONS_SHOWN: usize = 6;

/// At most this many unexpected stderr lines are recorded for one file.
const UNEXPECTED_RECORDED: usize = 10;

/// Exit status clox uses for compile errors (`EX_DATAERR`).
const EXIT_COMPILE_ERROR: i32 = 65;

/// Exit status clox uses for runtime errors (`EX_SOFTWARE`).
const EXIT_RUNTIME_ERROR: i32 = 70;

/// Everything a test file says the interpreter must do.
#[derive(Debug, Default, PartialEq)]
struct Expectation {
    /// Extra command-line arguments from a leading `// args:` line.
    args: Vec<String>,
    /// Expected lines of standard output, each with the source line declaring it.
    output: Vec<(usize, String)>,
    /// Expected compile errors, each rendered as `[LINE] Error...`.
    compile_errors: BTreeSet<String>,
    /// The expected runtime error message and the source line it must be reported on.
    runtime_error: Option<(String, usize)>,
    /// The expected exit status of the interpreter: 0 unless an error is expected.
    exit_code: i32,
}

/// What the interpreter actually did with one test file.
#[derive(Debug)]
struct Outcome {
    stdout: Vec<String>,
    stderr: Vec<String>,
    exit_code: i32,
}

/// The result of running one test file.
#[derive(Debug)]
enum Verdict {
    /// The file is marked `// nontest`.
    Skipped,
    Passed,
    /// The file failed, with the reasons in the order they were found.
    Failed(Vec<String>),
}

#[test]
fn conformance() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("lox");
    let filter = env::var("LOX_TEST_FILTER").unwrap_or_default();
    let interpreter = env::var_os("LOX_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_lox")), PathBuf::from);

    let cases = discover(&root, &filter);
    assert!(
        !cases.is_empty(),
        "no test files under {} match the filter {filter:?}",
        root.display()
    );

    let verdicts = run_all(&cases, &interpreter);

    let mut passed = 0;
    let mut failed = 0;
    for (case, verdict) in cases.iter().zip(&verdicts) {
        match verdict {
            Verdict::Skipped => {}
            Verdict::Passed => passed += 1,
            Verdict::Failed(reasons) => {
                failed += 1;
                println!("FAIL {}", relative_name(&root, case));
                for reason in reasons.iter().take(REASONS_SHOWN) {
                    println!("     {reason}");
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    assert_eq!(failed, 0, "{failed} conformance test file(s) failed");
}

/// The Potato programs under `tests/potato/`, annotated like the Lox corpus but in `#`
/// comments (`# expect: ...`), run in this process through the library: the Potato
/// front-end, the shared pipeline and a VM speaking Potato, as `lox FILE.potato` runs
/// them. `POTATO_TEST_FILTER=prefix` selects files as `LOX_TEST_FILTER` does.
#[test]
fn potato_conformance() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("potato");
    let filter = env::var("POTATO_TEST_FILTER").unwrap_or_default();
    let cases = discover_ext(&root, &filter, "potato");
    assert!(!cases.is_empty(), "no Potato test files match {filter:?}");
    let mut passed = 0;
    let mut failed = 0;
    for case in &cases {
        match judge(case, |_args| execute_potato(case).map(Some)) {
            Verdict::Skipped => {}
            Verdict::Passed => passed += 1,
            Verdict::Failed(reasons) => {
                failed += 1;
                println!("FAIL {}", relative_name(&root, case));
                for reason in reasons.iter().take(REASONS_SHOWN) {
                    println!("     {reason}");
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    assert_eq!(failed, 0, "{failed} Potato test file(s) failed");
}

/// Compiles and runs one Potato program with the library, reporting what the `lox`
/// command would print and its exit status.
fn execute_potato(path: &Path) -> io::Result<Outcome> {
    use loxide::frontend::Lang;
    use loxide::vm::{Options, SharedBuffer, Vm};
    let bytes = fs::read(path)?;
    let source = String::from_utf8_lossy(&bytes);
    let limits = loxide::ir::Limits::Default;
    let program = match loxide::driver::compile_with(&source, Lang::Potato, limits) {
        Ok(program) => program,
        Err(e) => {
            return Ok(Outcome {
                stdout: Vec::new(),
                stderr: split_lines(&e.to_string()),
                exit_code: EXIT_COMPILE_ERROR,
            });
        }
    };
    let out = SharedBuffer::new();
    let mut vm = Vm::with_output(Options::default(), Box::new(out.clone()));
    let result = vm.run(&program);
    vm.flush();
    let (stderr, exit_code) = match result {
        Ok(()) => (Vec::new(), 0),
        Err(e) => (split_lines(&e.to_string()), EXIT_RUNTIME_ERROR),
    };
    Ok(Outcome {
        stdout: split_lines(&out.contents()),
        stderr,
        exit_code,
    })
}

/// Returns every `.lox` file below `root` whose relative path starts with
/// `filter`, sorted by path so that the report order is stable.
fn discover(root: &Path, filter: &str) -> Vec<PathBuf> {
    discover_ext(root, filter, "lox")
}

/// Like `discover`, for files with the extension `ext`.
fn discover_ext(root: &Path, filter: &str, ext: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read directory {}: {e}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("cannot read an entry of {}: {e}", dir.display()))
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == ext)
                && relative_name(root, &path).starts_with(filter)
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The path of `path` relative to `root`, with `/` separators on every platform.
fn relative_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<_> = relative.iter().map(|part| part.to_string_lossy()).collect();
    parts.join("/")
}

/// Runs every case on a pool of worker threads, one per available core, and
/// returns the verdicts in the same order as `cases`.
fn run_all(cases: &[PathBuf], interpreter: &Path) -> Vec<Verdict> {
    let workers = thread::available_parallelism()
        .map_or(2, NonZeroUsize::get)
        .min(cases.len());
    let next = AtomicUsize::new(0);
    let verdicts: Mutex<Vec<Option<Verdict>>> = Mutex::new(cases.iter().map(|_| None).collect());

    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(index) else { break };
                    let verdict = run_case(case, interpreter);
                    verdicts.lock().unwrap()[index] = Some(verdict);
                }
            });
        }
    });

    verdicts
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|verdict| verdict.expect("every case is run by some worker"))
        .collect()
}

/// Parses one test file, runs it, and checks what happened.
fn run_case(path: &Path, interpreter: &Path) -> Verdict {
    judge(path, |args| execute(interpreter, args, path))
}

/// Parses one test file, runs it with `run` (given the file's extra arguments), and
/// checks what happened.
fn judge(path: &Path, run: impl FnOnce(&[String]) -> io::Result<Option<Outcome>>) -> Verdict {
    let source = match fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => return Verdict::Failed(vec![format!("cannot read the test file: {e}")]),
    };
    let Some(expectation) = parse_expectations_with(&source, comment_marker(path)) else {
        return Verdict::Skipped;
    };
    let outcome = match run(&expectation.args) {
        Ok(Some(outcome)) => outcome,
        Ok(None) => {
            return Verdict::Failed(vec![format!("timed out after {}s", TIMEOUT.as_secs())]);
        }
        Err(e) => return Verdict::Failed(vec![format!("cannot run the program: {e}")]),
    };
    let reasons = check(&expectation, &outcome);
    if reasons.is_empty() {
        Verdict::Passed
    } else {
        Verdict::Failed(reasons)
    }
}

/// The comment marker of a test file's annotations: `#` in Potato, `//` in Lox.
fn comment_marker(path: &Path) -> &'static str {
    if path.extension().is_some_and(|e| e == "potato") {
        "#"
    } else {
        "//"
    }
}

/// Reads the annotations of a test file, or returns `None` for a `// nontest` file.
fn parse_expectations(source: &str) -> Option<Expectation> {
    parse_expectations_with(source, "//")
}

/// `parse_expectations` for annotations in comments that start with `comment`.
fn parse_expectations_with(source: &str, comment: &str) -> Option<Expectation> {
    let marker = |text: &str| format!("{comment} {text}");
    // Read the text the way Python's universal-newline mode does, so that a
    // file with CRLF line endings yields the same annotations as in loxtest.py.
    let text = source.replace("\r\n", "\n").replace('\r', "\n");
    let mut expectation = Expectation::default();

    for (index, line) in text.split('\n').enumerate() {
        let number = index + 1;
        if line.contains(&marker("nontest")) {
            return None;
        }
        if number == 1
            && let Some(args) = line.strip_prefix(&marker("args:"))
        {
            expectation.args = args.split_whitespace().map(str::to_owned).collect();
        }
        if let Some(text) = after(line, &marker("expect:")) {
            let text = text.strip_prefix(' ').unwrap_or(text);
            expectation.output.push((number, text.to_owned()));
        } else if let Some(error) = after(line, &marker("Error")) {
            expectation
                .compile_errors
                .insert(format!("[{number}] Error{error}"));
            expectation.exit_code = EXIT_COMPILE_ERROR;
        } else if let Some((family, line_digits, error)) = annotated_compile_error(line, comment) {
            // Errors expected only of the Java interpreter do not apply to clox.
            if family != Some("java") {
                expectation
                    .compile_errors
                    .insert(format!("[{line_digits}] {error}"));
                expectation.exit_code = EXIT_COMPILE_ERROR;
            }
        } else if let Some(message) = after(line, &marker("expect runtime error: "))
            && !message.is_empty()
        {
            expectation.runtime_error = Some((message.to_owned(), number));
            expectation.exit_code = EXIT_RUNTIME_ERROR;
        }
    }
    Some(expectation)
}

/// The text following the first occurrence of `marker` in `line`.
fn after<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    line.find(marker).map(|start| &line[start + marker.len()..])
}

/// Matches `// [line N] Error...`, `// [c line N] Error...` or
/// `// [java line N] Error...` (with `comment` for `//`) at the first place in
/// `line` where one occurs. Returns the interpreter family (if any), the digits
/// of N, and the text from `Error` to the end of the line.
fn annotated_compile_error<'a>(
    line: &'a str,
    comment: &str,
) -> Option<(Option<&'a str>, &'a str, &'a str)> {
    let opening = format!("{comment} [");
    line.match_indices(opening.as_str())
        .find_map(|(start, marker)| {
            let rest = &line[start + marker.len()..];
            let (family, rest) = match (rest.strip_prefix("java "), rest.strip_prefix("c ")) {
                (Some(rest), _) => (Some("java"), rest),
                (None, Some(rest)) => (Some("c"), rest),
                (None, None) => (None, rest),
            };
            let rest = rest.strip_prefix("line ")?;
            let (digits, rest) = leading_digits(rest)?;
            let error = rest.strip_prefix("] ")?;
            error
                .starts_with("Error")
                .then_some((family, digits, error))
        })
}

/// Splits `text` into a non-empty run of ASCII digits and the remainder.
fn leading_digits(text: &str) -> Option<(&str, &str)> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    (end > 0).then(|| text.split_at(end))
}

/// Recognises a compile error line printed by the interpreter, such as
/// `[line 3] Error at 'x': Message.`, and renders it as `[3] Error at 'x': Message.`.
///
/// This mirrors the regular expression `\[.*line (\d+)\] (Error.+)`: the match
/// starts at the first `[`, and the greedy `.*` selects the last `line N] Error`
/// after it that is followed by at least one more character.
fn reported_compile_error(line: &str) -> Option<String> {
    let bracket = line.find('[')?;
    let candidates: Vec<usize> = line
        .match_indices("line ")
        .map(|(start, _)| start)
        .filter(|&start| start > bracket)
        .collect();
    candidates.into_iter().rev().find_map(|start| {
        let (digits, rest) = leading_digits(&line[start + "line ".len()..])?;
        let error = rest.strip_prefix("] ")?;
        (error.starts_with("Error") && error.len() > "Error".len())
            .then(|| format!("[{digits}] {error}"))
    })
}

/// Finds the first `[line N]` in a stack trace line and returns the digits of N.
fn trace_line(line: &str) -> Option<&str> {
    line.match_indices("[line ").find_map(|(start, marker)| {
        let (digits, rest) = leading_digits(&line[start + marker.len()..])?;
        rest.starts_with(']').then_some(digits)
    })
}

/// Splits program output into lines the way Python's `str.splitlines` does,
/// which is how loxtest.py reads the interpreter's output.
fn split_lines(text: &str) -> Vec<String> {
    const BREAKS: &[char] = &[
        '\n', '\r', '\u{0b}', '\u{0c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
        '\u{2029}',
    ];
    let mut lines = Vec::new();
    let mut rest = text;
    while let Some(end) = rest.find(BREAKS) {
        lines.push(rest[..end].to_owned());
        let width = if rest[end..].starts_with("\r\n") {
            2
        } else {
            rest[end..].chars().next().map_or(1, char::len_utf8)
        };
        rest = &rest[end + width..];
    }
    if !rest.is_empty() {
        lines.push(rest.to_owned());
    }
    lines
}

/// Runs the interpreter on one file and collects its output. Returns
/// `Ok(None)` if the program did not finish within [`TIMEOUT`]; it is killed.
fn execute(interpreter: &Path, args: &[String], path: &Path) -> io::Result<Option<Outcome>> {
    let mut child = Command::new(interpreter)
        .args(args)
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;

    // Drain both pipes on their own threads so a chatty program cannot block
    // on a full pipe while we wait for it to exit.
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);

    let deadline = Instant::now() + TIMEOUT;
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            // The child may exit just before the kill; either way, reap it.
            // The reader threads are left to finish on their own, since a
            // grandchild process could keep the pipes open indefinitely.
            let _ = child.kill();
            child.wait()?;
            return Ok(None);
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    };

    Ok(Some(Outcome {
        stdout: split_lines(&collect(stdout)?),
        stderr: split_lines(&collect(stderr)?),
        exit_code: exit_code(status),
    }))
}

/// Reads a pipe to its end on a new thread.
fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<io::Result<Vec<u8>>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        pipe.read_to_end(&mut bytes)?;
        Ok(bytes)
    })
}

/// Waits for a pipe-draining thread and decodes what it read, replacing invalid UTF-8.
fn collect(reader: Option<thread::JoinHandle<io::Result<Vec<u8>>>>) -> io::Result<String> {
    let Some(reader) = reader else {
        return Ok(String::new());
    };
    let bytes = reader.join().expect("pipe reader thread panicked")?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The exit status as Python reports it: the exit code, or minus the signal
/// number for a process killed by a signal.
fn exit_code(status: ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return -signal;
        }
    }
    status.code().unwrap_or(-1)
}

/// Compares what the interpreter did with what the file expects, returning a
/// description of every difference (empty when the test passes).
fn check(expectation: &Expectation, outcome: &Outcome) -> Vec<String> {
    let mut reasons = Vec::new();
    match &expectation.runtime_error {
        Some((message, line)) => check_runtime_error(message, *line, outcome, &mut reasons),
        None => check_compile_errors(&expectation.compile_errors, outcome, &mut reasons),
    }
    if outcome.exit_code != expectation.exit_code {
        reasons.push(format!(
            "Expected return code {} and got {}. Stderr: {}",
            expectation.exit_code,
            outcome.exit_code,
            join_first(&outcome.stderr, 5)
        ));
    }
    check_output(&expectation.output, &outcome.stdout, &mut reasons);
    reasons
}

/// Checks the runtime error message and the line of the innermost trace frame.
fn check_runtime_error(message: &str, line: usize, outcome: &Outcome, reasons: &mut Vec<String>) {
    let stderr = &outcome.stderr;
    if stderr.len() < 2 {
        reasons.push(format!("Expected runtime error '{message}' and got none."));
        return;
    }
    if stderr[0] != message {
        reasons.push(format!(
            "Expected runtime error '{message}' and got: {}",
            stderr[0]
        ));
    }
    match stderr[1..].iter().find_map(|trace| trace_line(trace)) {
        None => reasons.push(format!(
            "Expected stack trace and got: {}",
            join_first(&stderr[1..], 3)
        )),
        Some(digits) if digits.parse::<usize>().ok() != Some(line) => reasons.push(format!(
            "Expected runtime error on line {line} but was on line {digits}."
        )),
        Some(_) => {}
    }
}

/// Checks that every expected compile error was reported and nothing else was
/// written to standard error.
fn check_compile_errors(expected: &BTreeSet<String>, outcome: &Outcome, reasons: &mut Vec<String>) {
    let mut found = BTreeSet::new();
    let mut unexpected = 0;
    for line in &outcome.stderr {
        let reason = match reported_compile_error(line) {
            Some(error) if expected.contains(&error) => {
                found.insert(error);
                continue;
            }
            Some(_) => format!("Unexpected error: {line}"),
            None if line.is_empty() => continue,
            None => format!("Unexpected output on stderr: {line}"),
        };
        unexpected += 1;
        if unexpected <= UNEXPECTED_RECORDED {
            reasons.push(reason);
        }
    }
    for missing in expected.difference(&found) {
        reasons.push(format!("Missing expected error: {missing}"));
    }
}

/// Compares standard output line by line with the `// expect:` annotations.
fn check_output(expected: &[(usize, String)], stdout: &[String], reasons: &mut Vec<String>) {
    // A single trailing empty line is not significant.
    let stdout = match stdout.split_last() {
        Some((last, rest)) if last.is_empty() => rest,
        _ => stdout,
    };
    for (index, actual) in stdout.iter().enumerate() {
        match expected.get(index) {
            None => reasons.push(format!("Got output '{actual}' when none was expected.")),
            Some((line, text)) if text != actual => reasons.push(format!(
                "Expected output '{text}' on line {line} and got '{actual}'."
            )),
            Some(_) => {}
        }
    }
    for (line, text) in expected.iter().skip(stdout.len()) {
        reasons.push(format!("Missing expected output '{text}' on line {line}."));
    }
}

/// Joins up to `count` lines with ` | `, for compact failure messages.
fn join_first(lines: &[String], count: usize) -> String {
    lines
        .iter()
        .take(count)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" | ")
}

#[cfg(test)]
mod annotation_parser {
    use super::*;

    #[test]
    fn reads_every_kind_of_annotation() {
        let source = "// args: --limits=clox --verbose\r\n\
                      print 1; // expect: 1\n\
                      print \"\"; // expect:\n\
                      oops; // Error at 'oops': Bad.\n\
                      // [line 9] Error at end: Worse.\n\
                      // [c line 10] Error: C only.\n\
                      // [java line 11] Error: Java only.\n\
                      boom(); // expect runtime error: Kaboom.\n";
        let expectation = parse_expectations(source).expect("not a nontest file");
        assert_eq!(expectation.args, ["--limits=clox", "--verbose"]);
        assert_eq!(
            expectation.output,
            [(2, "1".to_owned()), (3, String::new())]
        );
        let errors: Vec<_> = expectation
            .compile_errors
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(
            errors,
            [
                "[10] Error: C only.",
                "[4] Error at 'oops': Bad.",
                "[9] Error at end: Worse."
            ]
        );
        assert_eq!(expectation.runtime_error, Some(("Kaboom.".to_owned(), 8)));
        // As in loxtest.py, the last kind of error annotation decides the exit code.
        assert_eq!(expectation.exit_code, EXIT_RUNTIME_ERROR);
    }

    #[test]
    fn skips_nontest_files() {
        assert_eq!(
            parse_expectations("print 1; // expect: 1\n// nontest\n"),
            None
        );
    }

    #[test]
    fn recognises_reported_errors_and_trace_lines() {
        assert_eq!(
            reported_compile_error("[line 12] Error at ';': Expect expression."),
            Some("[12] Error at ';': Expect expression.".to_owned())
        );
        assert_eq!(
            reported_compile_error("[c line 3] Error: Unexpected character."),
            Some("[3] Error: Unexpected character.".to_owned())
        );
        assert_eq!(reported_compile_error("[line 3] Error"), None);
        assert_eq!(reported_compile_error("Undefined variable 'x'."), None);
        assert_eq!(trace_line("[line 7] in script"), Some("7"));
        assert_eq!(trace_line("in f() [line] [line 42]"), Some("42"));
        assert_eq!(trace_line("no trace here"), None);
    }

    #[test]
    fn splits_output_like_python() {
        assert_eq!(split_lines("a\nb\r\nc\rd\n"), ["a", "b", "c", "d"]);
        assert_eq!(split_lines("x\n\n"), ["x", ""]);
        assert!(split_lines("").is_empty());
    }

    #[test]
    fn reports_output_differences() {
        let expectation = Expectation {
            output: vec![(1, "one".to_owned()), (2, "two".to_owned())],
            ..Expectation::default()
        };
        let outcome = Outcome {
            stdout: vec!["one".to_owned()],
            stderr: vec![],
            exit_code: 0,
        };
        assert_eq!(
            check(&expectation, &outcome),
            ["Missing expected output 'two' on line 2."]
        );
    }
}

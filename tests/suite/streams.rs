//! Closed and full output streams, and runtime traces (tests/traces/): a closed pipe on
//! standard output or standard error ends `lox` with SIGPIPE as it ends clox, a full
//! standard output (`/dev/full`) stops the program with exit 74, a full standard error
//! never turns a failure into a panic, and deep traces are folded.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::bytecode_file::scratch;

const SIGPIPE: i32 = 13;
/// How long `lox` may take to notice a closed or full stream.
const PROMPT: Duration = Duration::from_secs(10);

/// Where a test case's standard output or standard error goes.
#[derive(Clone, Copy, Debug)]
enum Sink {
    /// A pipe whose reading end is already closed.
    Closed,
    /// `/dev/full`: every write fails with ENOSPC.
    Full,
    /// A pipe read to its end.
    Read,
}

/// How a case must end.
#[derive(Debug, PartialEq)]
enum End {
    /// Killed by SIGPIPE.
    Sigpipe,
    /// This exit status.
    Exit(i32),
}

fn sink(kind: Sink) -> Stdio {
    match kind {
        Sink::Closed => {
            let (reader, writer) = std::io::pipe().expect("a pipe");
            drop(reader);
            Stdio::from(writer)
        }
        Sink::Full => Stdio::from(File::create("/dev/full").expect("/dev/full")),
        Sink::Read => Stdio::piped(),
    }
}

/// Runs `lox ARGS` with its streams sent to `out` and `err`; returns how it ended and
/// what it printed on the streams that are read.
fn run(args: &[&str], out: Sink, err: Sink) -> (ExitStatus, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lox"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(sink(out))
        .stderr(sink(err))
        .spawn()
        .expect("lox starts");
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = read(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = read(child.stderr.take().map(|p| Box::new(p) as _));
    let deadline = Instant::now() + PROMPT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waitable") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("lox {args:?} ({out:?}, {err:?}) did not stop");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (status, stdout.join().unwrap(), stderr.join().unwrap())
}

fn ended(status: ExitStatus) -> End {
    match status.signal() {
        Some(SIGPIPE) => End::Sigpipe,
        _ => End::Exit(status.code().unwrap_or(-1)),
    }
}

/// The programs the cases run, written to a scratch directory of the test's own.
fn programs(test: &str) -> PathBuf {
    let dir = scratch(&format!("streams_{test}"));
    for (name, text) in [
        ("forever.lox", "while (true) print \"y\";\n"),
        ("recursion.lox", "fun f(n) { return f(n + 1); }\nf(0);\n"),
        ("runtime.lox", "print \"before\";\nprint nil + 1;\n"),
        ("compile.lox", "print (;\n"),
        ("hello.lox", "print \"hello\";\n"),
    ] {
        fs::write(dir.join(name), text).unwrap();
    }
    dir
}

#[test]
fn closed_and_full_streams_end_lox_the_documented_way() {
    let dir = programs("closed_and_full");
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let (forever, recursion, runtime, compile, hello) = (
        path("forever.lox"),
        path("recursion.lox"),
        path("runtime.lox"),
        path("compile.lox"),
        path("hello.lox"),
    );
    let deep = "--max-depth";
    // (arguments, stdout, stderr, how it ends, what stderr says when it is read)
    let cases: Vec<(Vec<&str>, Sink, Sink, End, &str)> = vec![
        // A closed standard output: SIGPIPE at the first write, as clox.
        (vec![&forever], Sink::Closed, Sink::Read, End::Sigpipe, ""),
        (vec![&hello], Sink::Closed, Sink::Read, End::Sigpipe, ""),
        (vec!["--help"], Sink::Closed, Sink::Read, End::Sigpipe, ""),
        (
            vec!["dump", "--stage", "tokens", &hello],
            Sink::Closed,
            Sink::Read,
            End::Sigpipe,
            "",
        ),
        // A closed standard error: SIGPIPE when the error is reported.
        (vec![&recursion], Sink::Read, Sink::Closed, End::Sigpipe, ""),
        (vec![&runtime], Sink::Read, Sink::Closed, End::Sigpipe, ""),
        (vec![&compile], Sink::Read, Sink::Closed, End::Sigpipe, ""),
        (
            vec!["--bad-option"],
            Sink::Read,
            Sink::Closed,
            End::Sigpipe,
            "",
        ),
        // A full standard output: the program stops, exit 74, and stderr says why.
        (
            vec![&forever],
            Sink::Full,
            Sink::Read,
            End::Exit(74),
            "Could not write to standard output: No space left on device.\n",
        ),
        (
            vec![&hello],
            Sink::Full,
            Sink::Read,
            End::Exit(74),
            "Could not write to standard output: No space left on device.\n",
        ),
        (
            vec!["--help"],
            Sink::Full,
            Sink::Read,
            End::Exit(74),
            "Could not write to standard output: No space left on device.\n",
        ),
        (
            vec!["--version"],
            Sink::Full,
            Sink::Read,
            End::Exit(74),
            "Could not write to standard output: No space left on device.\n",
        ),
        // A full standard error: the exit status still tells what happened.
        (vec![&recursion], Sink::Read, Sink::Full, End::Exit(70), ""),
        (
            vec![deep, "1000000", &recursion],
            Sink::Read,
            Sink::Full,
            End::Exit(70),
            "",
        ),
        (vec![&runtime], Sink::Read, Sink::Full, End::Exit(70), ""),
        (vec![&compile], Sink::Read, Sink::Full, End::Exit(65), ""),
        (
            vec!["--bad-option"],
            Sink::Read,
            Sink::Full,
            End::Exit(64),
            "",
        ),
        (vec!["--help"], Sink::Read, Sink::Full, End::Exit(0), ""),
        (vec!["--help"], Sink::Full, Sink::Full, End::Exit(74), ""),
    ];
    let mut failures = Vec::new();
    for (args, out, err, expected, stderr_text) in &cases {
        let (status, _, stderr) = run(args, *out, *err);
        let end = ended(status);
        if end != *expected || (matches!(err, Sink::Read) && stderr != *stderr_text) {
            failures.push(format!(
                "lox {args:?} (stdout {out:?}, stderr {err:?}): {end:?}, expected \
                 {expected:?}; stderr {stderr:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_deep_trace_is_written_in_one_piece() {
    // 10^6 frames under --limits=clox (no folding): 20 MB of trace, which took seconds
    // as one write per line.
    let dir = programs("deep_trace");
    let recursion = dir.join("recursion.lox");
    let start = Instant::now();
    let (status, _, stderr) = run(
        &[
            "--limits=clox",
            "--max-depth",
            "1000000",
            recursion.to_str().unwrap(),
        ],
        Sink::Read,
        Sink::Read,
    );
    assert_eq!(
        ended(status),
        End::Exit(70),
        "{}",
        &stderr[..stderr.len().min(300)]
    );
    assert_eq!(stderr.lines().count(), 1_000_001);
    assert!(start.elapsed() < PROMPT, "{:?}", start.elapsed());
}

/// The `// args: ...` of a program's first line.
fn args_of(source: &str) -> Vec<String> {
    source
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("// args: "))
        .map(|args| args.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

#[test]
fn traces_fold_as_tests_traces_say() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("traces");
    let bless = std::env::var_os("LOX_BLESS").is_some();
    let mut programs: Vec<PathBuf> = fs::read_dir(&root)
        .expect("tests/traces exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "lox"))
        .collect();
    programs.sort();
    assert!(programs.len() >= 5, "{programs:?}");
    let mut failures = Vec::new();
    for program in programs {
        let source = fs::read_to_string(&program).unwrap();
        let mut args = args_of(&source);
        args.push(program.to_str().unwrap().to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (status, _, stderr) = run(&args, Sink::Read, Sink::Read);
        assert_eq!(ended(status), End::Exit(70), "{}", program.display());
        let expected_path = program.with_extension("stderr");
        if bless {
            let mut file = File::create(&expected_path).unwrap();
            file.write_all(stderr.as_bytes()).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if stderr != expected {
            failures.push(format!(
                "{}: stderr differs from {}:\n{stderr}",
                program.display(),
                expected_path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn compile_dash_writes_bytecode_to_standard_output_but_not_to_a_terminal() {
    let dir = programs("compile_dash");
    let source = File::open(dir.join("hello.lox")).unwrap();
    let compiled = Command::new(env!("CARGO_BIN_EXE_lox"))
        .args(["compile", "-"])
        .current_dir(&dir)
        .stdin(source)
        .output()
        .expect("lox runs");
    assert_eq!(compiled.status.code(), Some(0), "{compiled:?}");
    assert!(!compiled.stdout.is_empty());
    let bytecode = dir.join("hello.loxc");
    fs::write(&bytecode, &compiled.stdout).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_lox"))
        .arg(&bytecode)
        .output()
        .expect("lox runs");
    assert_eq!(String::from_utf8_lossy(&run.stdout), "hello\n");
    // No file named `-.loxc` appears.
    assert!(!dir.join("-.loxc").exists());

    let mut lox = super::pty::Pty::spawn(&["compile", "-"], &dir.join("state"), false);
    lox.expect("Refusing to write bytecode to a terminal");
    assert_eq!(lox.wait(), 64);
}

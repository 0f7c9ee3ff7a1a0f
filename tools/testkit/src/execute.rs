//! Runs an interpreter on one test file and collects what it printed and how it ended;
//! a program that outlives [`TIMEOUT`] is killed, which costs a polling loop instead
//! of a blocking wait.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long one program may run before it is killed and reported.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The program to run on each test file, and the arguments it always gets.
#[derive(Clone, Debug)]
pub struct Interpreter {
    pub program: PathBuf,
    /// Arguments placed before a file's own `// args:` and the file's path.
    pub args: Vec<String>,
}

impl Interpreter {
    /// The program `program` with no arguments of its own.
    pub fn new(program: impl Into<PathBuf>) -> Interpreter {
        Interpreter {
            program: program.into(),
            args: Vec::new(),
        }
    }
}

/// What the interpreter actually did with one test file.
#[derive(Debug)]
pub struct Outcome {
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
    /// The exit code, or minus the signal number for a program killed by a signal.
    pub exit_code: i32,
}

/// Runs `interpreter` on the file at `path`, with `args` (the file's own arguments)
/// between the interpreter's arguments and the path. Returns `Ok(None)` if the program
/// did not finish within [`TIMEOUT`]; it is killed.
pub fn run(interpreter: &Interpreter, args: &[String], path: &Path) -> io::Result<Option<Outcome>> {
    let mut child = Command::new(&interpreter.program)
        .args(&interpreter.args)
        .args(args)
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;

    // Drain both pipes on their own threads so a chatty program cannot block on a full
    // pipe while we wait for it to exit.
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);

    let deadline = Instant::now() + TIMEOUT;
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            // The child may exit just before the kill; either way, reap it. The reader
            // threads are left to finish on their own, since a grandchild process could
            // keep the pipes open indefinitely.
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
    let bytes = reader
        .join()
        .map_err(|_| io::Error::other("the pipe reader thread panicked"))??;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The exit code, or minus the signal number for a process killed by a signal.
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

/// Splits program output into lines at every line break Python's `str.splitlines`
/// knows, which is how the project's first runner read output; the book's runner
/// splits at LF, CRLF and CR only, which differs only for output holding the rarer
/// breaks (vertical tab, form feed, U+0085, U+2028...).
pub fn split_lines(text: &str) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_output_like_python() {
        assert_eq!(split_lines("a\nb\r\nc\rd\n"), ["a", "b", "c", "d"]);
        assert_eq!(split_lines("x\n\n"), ["x", ""]);
        assert!(split_lines("").is_empty());
    }
}

//! Standard output and standard error, written so that a closed or full stream never
//! panics (`print!` and `eprint!` do) and a closed standard output stops the program.
//!
//! The behaviour, documented in docs/cli.md ("Output streams"):
//!
//! - A closed pipe (standard output or standard error) ends `lox` the way it ends a C
//!   program such as clox: `main` restores SIGPIPE's default action
//!   (`interrupt::default_sigpipe`), so the next write kills the process and the shell
//!   reports status 141. `lox p.lox | head -1` therefore stops at once.
//! - Any other error writing standard output (a full disk, `/dev/full`) stops the
//!   running program at its next loop back-edge or call (the writer raises the VM's
//!   interrupt flag), then `lox` says `Could not write to standard output: REASON.` on
//!   standard error and exits 74.
//! - Standard error is written in one piece per report (`error`): a trace of a million
//!   frames is one `write` call, not one per line. When it cannot be written, the report
//!   is dropped and the exit status still says what happened.
//!
//! The trade-off: program output is buffered by the VM, so output written before a
//! failed write may be lost with it; what matters is that the failure is seen and the
//! program stops.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::EXIT_IO;

/// Writes a whole report to standard error at once; a failure is ignored (there is
/// nowhere left to report it).
pub fn error(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// Writes `text` to standard output; on failure reports it and returns `EXIT_IO`.
pub fn print(text: &str) -> Result<(), i32> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) => Err(stdout_failed(&e)),
    }
}

/// Reports a failed write to standard output; returns the exit status for it.
pub fn stdout_failed(e: &io::Error) -> i32 {
    error(&format!(
        "Could not write to standard output: {}.\n",
        reason(e)
    ));
    EXIT_IO
}

/// The system's reason for an I/O error, without Rust's ` (os error N)` suffix:
/// `Is a directory`, `No space left on device`.
pub fn reason(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}

/// What `ProgramOutput` and its owner share: the first write error, and the flag that
/// stops the program. Behind mutexes because the VM, which owns the output, may move
/// to another thread (`Vm: Send`); a poisoned lock still gives its value, since both
/// fields stay consistent whatever panicked.
#[derive(Default)]
pub struct Shared {
    failure: Mutex<Option<io::Error>>,
    stop: Mutex<Option<Arc<AtomicBool>>>,
}

/// Locks a mutex, poisoned or not.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    /// The first error writing the program's output, if any (taken: asked once).
    pub fn take_failure(&self) -> Option<io::Error> {
        lock(&self.failure).take()
    }

    /// From now on a failed write raises `flag` (the VM's interrupt flag).
    pub fn stop_with(&self, flag: Arc<AtomicBool>) {
        *lock(&self.stop) = Some(flag);
    }
}

/// The VM's standard output: buffered, and on the first write error it records the
/// error, stops the program (through the interrupt flag) and refuses every later write.
pub struct ProgramOutput {
    out: io::BufWriter<io::Stdout>,
    shared: Arc<Shared>,
}

impl ProgramOutput {
    pub fn new() -> (ProgramOutput, Arc<Shared>) {
        let shared = Arc::new(Shared::default());
        let out = ProgramOutput {
            out: io::BufWriter::new(io::stdout()),
            shared: Arc::clone(&shared),
        };
        (out, shared)
    }

    fn failed(&self) -> bool {
        lock(&self.shared.failure).is_some()
    }

    fn fail(&mut self, e: io::Error) -> io::Error {
        let copy = io::Error::new(e.kind(), reason(&e));
        if !self.failed() {
            *lock(&self.shared.failure) = Some(e);
        }
        if let Some(flag) = lock(&self.shared.stop).as_ref() {
            flag.store(true, Ordering::SeqCst);
        }
        copy
    }
}

impl Write for ProgramOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failed() {
            return Err(io::Error::other("standard output failed earlier"));
        }
        self.out.write(buf).map_err(|e| self.fail(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.failed() {
            return Err(io::Error::other("standard output failed earlier"));
        }
        self.out.flush().map_err(|e| self.fail(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_lose_the_error_number() {
        let e = io::Error::from_raw_os_error(21);
        assert_eq!(reason(&e), "Is a directory");
        assert_eq!(reason(&io::Error::other("plain")), "plain");
    }
}

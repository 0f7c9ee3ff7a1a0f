//! Ctrl-C: stops the running Lox program, not the `lox` process. While a program runs,
//! SIGINT only raises the VM's interrupt flag, and the VM stops with the runtime error
//! `Interrupted.` at its next loop back-edge or call, with the stack unwound and globals
//! kept (so the REPL goes back to its prompt). The trade-off: the flag is only looked at
//! between units of work, so a single long instruction (a huge concatenation, a huge
//! `print`) finishes first; running a file, a second Ctrl-C while the first is still
//! pending ends the process at once.
//!
//! The module also gives SIGPIPE back its default action (`default_sigpipe`), which
//! Rust's runtime sets to "ignore": a `lox` whose output pipe closes then dies of the
//! signal as clox does (docs/cli.md, "Output streams"), instead of running on.
//!
//! The handler is a plain SIGINT handler (no thread): it only reads and writes atomics,
//! and when it ends the process it does so with `write(2)` and `_exit(2)`, which are
//! async-signal-safe (`eprintln!` and `process::exit` are not).
#![allow(unsafe_code)]

use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

use loxide::vm::Vm;
use nix::libc;
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};

use super::EXIT_INTERRUPTED;

/// The runtime error message of an interrupted program (`Vm::interrupt_handle`).
pub const MESSAGE: &str = "Interrupted.";

/// `MESSAGE` as a line, for the signal handler.
const LINE: &[u8] = b"Interrupted.\n";
const _: () = assert!(is_line_of(LINE, MESSAGE.as_bytes()));

const fn is_line_of(line: &[u8], text: &[u8]) -> bool {
    if line.len() != text.len() + 1 || line[text.len()] != b'\n' {
        return false;
    }
    let mut i = 0;
    while i < text.len() {
        if line[i] != text[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// What Ctrl-C does when no program is running (while compiling, or at the prompt).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum WhenIdle {
    /// Running a file: print `Interrupted.` and exit 130.
    Exit,
    /// The REPL: nothing (the line editor handles Ctrl-C at the prompt itself).
    Ignore,
}

/// True while `running` is inside `Vm::run`.
static RUNNING: AtomicBool = AtomicBool::new(false);
/// The VM's interrupt flag (an `Arc` kept alive for the rest of the process), or null
/// before `install`.
static FLAG: AtomicPtr<AtomicBool> = AtomicPtr::new(ptr::null_mut());
/// `WhenIdle::Exit` was chosen.
static EXIT_WHEN_IDLE: AtomicBool = AtomicBool::new(false);

/// Routes Ctrl-C to `vm`'s interrupt flag for the rest of the process. Fails quietly
/// (Ctrl-C then keeps its default meaning, ending the process) when no handler can be
/// installed.
pub fn install(vm: &Vm, idle: WhenIdle) {
    // The flag lives as long as the process: the handler may read it at any time.
    let flag = std::sync::Arc::into_raw(vm.interrupt_handle()).cast_mut();
    EXIT_WHEN_IDLE.store(idle == WhenIdle::Exit, Ordering::SeqCst);
    FLAG.store(flag, Ordering::SeqCst);
    let action = SigAction::new(
        SigHandler::Handler(on_interrupt),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    // SAFETY: the handler only touches atomics and calls `write` and `_exit`.
    let _ = unsafe { sigaction(Signal::SIGINT, &action) };
}

extern "C" fn on_interrupt(_: libc::c_int) {
    let exit_when_idle = EXIT_WHEN_IDLE.load(Ordering::SeqCst);
    let flag = FLAG.load(Ordering::SeqCst);
    if !RUNNING.load(Ordering::SeqCst) || flag.is_null() {
        if exit_when_idle {
            exit_interrupted();
        }
        return;
    }
    // SAFETY: `FLAG` points into an `Arc` that is never released.
    let flag = unsafe { &*flag };
    // The VM clears the flag when it stops; still set means it has not answered yet.
    let pending = flag.swap(true, Ordering::SeqCst);
    if pending && exit_when_idle {
        exit_interrupted();
    }
}

/// Prints `Interrupted.` and ends the process with 130, from a signal handler.
fn exit_interrupted() -> ! {
    // SAFETY: `write` and `_exit` are async-signal-safe; `LINE` is a static buffer.
    unsafe {
        libc::write(libc::STDERR_FILENO, LINE.as_ptr().cast(), LINE.len());
        libc::_exit(EXIT_INTERRUPTED)
    }
}

/// Runs `work` (a `Vm::run`) with Ctrl-C routed to the VM.
pub fn running<T>(work: impl FnOnce() -> T) -> T {
    RUNNING.store(true, Ordering::SeqCst);
    let result = work();
    RUNNING.store(false, Ordering::SeqCst);
    result
}

/// Restores SIGPIPE's default action, so that writing to a closed pipe ends the process
/// with the signal (status 141 in a shell), as it ends a C program. Fails quietly: the
/// write errors are then reported instead (`stream`).
pub fn default_sigpipe() {
    let action = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    // SAFETY: installing the default action runs no code of ours in a signal handler.
    let _ = unsafe { sigaction(Signal::SIGPIPE, &action) };
}

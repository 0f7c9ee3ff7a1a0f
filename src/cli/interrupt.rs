//! Ctrl-C: stops the running Lox program, not the `lox` process. While a program runs,
//! SIGINT only raises the VM's interrupt flag, and the VM stops with the runtime error
//! `Interrupted.` at its next loop back-edge or call, with the stack unwound and globals
//! kept (so the REPL goes back to its prompt). The trade-off: the flag is only looked at
//! between units of work, so a single long instruction (a huge concatenation, a huge
//! `print`) finishes first; running a file, a second Ctrl-C while the first is still
//! pending ends the process at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use loxide::vm::Vm;

use super::EXIT_INTERRUPTED;

/// The runtime error message of an interrupted program (`Vm::interrupt_handle`).
pub const MESSAGE: &str = "Interrupted.";

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

/// Routes Ctrl-C to `vm`'s interrupt flag for the rest of the process. Fails quietly
/// (Ctrl-C then keeps its default meaning, ending the process) when no handler can be
/// installed.
pub fn install(vm: &Vm, idle: WhenIdle) {
    let flag = vm.interrupt_handle();
    let _ = ctrlc::set_handler(move || on_interrupt(&flag, idle));
}

fn on_interrupt(flag: &Arc<AtomicBool>, idle: WhenIdle) {
    if !RUNNING.load(Ordering::SeqCst) {
        if idle == WhenIdle::Exit {
            exit_interrupted();
        }
        return;
    }
    // The VM clears the flag when it stops; still set means it has not answered yet.
    let pending = flag.swap(true, Ordering::SeqCst);
    if pending && idle == WhenIdle::Exit {
        exit_interrupted();
    }
}

fn exit_interrupted() -> ! {
    eprintln!("{MESSAGE}");
    std::process::exit(EXIT_INTERRUPTED);
}

/// Runs `work` (a `Vm::run`) with Ctrl-C routed to the VM.
pub fn running<T>(work: impl FnOnce() -> T) -> T {
    RUNNING.store(true, Ordering::SeqCst);
    let result = work();
    RUNNING.store(false, Ordering::SeqCst);
    result
}

//! Generated programs: a few hundred valid and mutated programs from
//! `loxide::testgen`, with fixed seeds, run through the library. Nothing may panic;
//! valid programs must compile (under loxide's limits and clox's).
//!
//! This checks robustness only. Whether loxide's output matches clox's is checked
//! by the `lox-difftest` tool (tools/difftest), which needs a clox binary.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use loxide::driver;
use loxide::ir::Limits;
use loxide::testgen;
use loxide::vm::{Options, SharedBuffer, Vm};

/// The first seed of each kind; seeds run from here upwards.
const FIRST_SEED: u64 = 20_000;
/// How many valid programs, and how many mutated ones.
const VALID: u64 = 500;
const MUTATED: u64 = 500;
/// The compiler recurses over the program's nesting; debug builds need room.
const STACK_BYTES: usize = 256 << 20;
/// How long one mutated program may run (a mutation can break a loop's counter).
const MUTANT_TIMEOUT: Duration = Duration::from_secs(20);

/// What happened to one program.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Compiled and ran (to the end or to a runtime error).
    Ran,
    /// Did not compile.
    Rejected,
    /// Panicked, with where.
    Panicked(&'static str),
}

/// Compiles a program and, if that works, runs it; catches any panic.
fn compile_and_run(source: &str) -> Outcome {
    let compiled = match panic::catch_unwind(|| driver::compile_here(source, Limits::Default)) {
        Err(_) => return Outcome::Panicked("compiling"),
        Ok(Err(_)) => return Outcome::Rejected,
        Ok(Ok(compiled)) => compiled,
    };
    let ran = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut vm = Vm::with_output(Options::default(), Box::new(SharedBuffer::new()));
        // A runtime error is a fine outcome: only a panic is not.
        let _ = vm.run(&compiled);
    }));
    match ran {
        Ok(()) => Outcome::Ran,
        Err(_) => Outcome::Panicked("running"),
    }
}

#[test]
fn generated_programs_run_without_panicking() {
    let worker = thread::Builder::new()
        .name("generated-valid".into())
        .stack_size(STACK_BYTES)
        .spawn(|| {
            let mut failures = Vec::new();
            for seed in FIRST_SEED..FIRST_SEED + VALID {
                let source = testgen::program(seed);
                match panic::catch_unwind(|| driver::compile_here(&source, Limits::Clox)) {
                    Err(_) => failures.push(format!(
                        "valid seed {seed}: panicked compiling with clox limits"
                    )),
                    Ok(Err(e)) => failures.push(format!(
                        "valid seed {seed}: does not compile with clox limits:\n{e}"
                    )),
                    Ok(Ok(_)) => {}
                }
                match compile_and_run(&source) {
                    Outcome::Ran => {}
                    Outcome::Rejected => {
                        failures.push(format!("valid seed {seed}: does not compile"))
                    }
                    Outcome::Panicked(when) => {
                        failures.push(format!("valid seed {seed}: panicked {when}"))
                    }
                }
            }
            failures
        })
        .expect("can start a thread");

    // Mutated programs run one at a time on a thread of their own, so that one that
    // never finishes is reported instead of hanging the suite.
    let (sender, receiver) = mpsc::channel();
    thread::Builder::new()
        .name("generated-mutated".into())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            for seed in FIRST_SEED..FIRST_SEED + MUTATED {
                let outcome = compile_and_run(&testgen::mutated(seed));
                if sender.send((seed, outcome)).is_err() {
                    break;
                }
            }
        })
        .expect("can start a thread");
    let mut failures = Vec::new();
    let mut ran = 0;
    for seed in FIRST_SEED..FIRST_SEED + MUTATED {
        match receiver.recv_timeout(MUTANT_TIMEOUT) {
            Ok((_, Outcome::Panicked(when))) => {
                failures.push(format!("mutated seed {seed}: panicked {when}"))
            }
            Ok((_, Outcome::Ran)) => ran += 1,
            Ok((_, Outcome::Rejected)) => {}
            Err(_) => {
                failures.push(format!(
                    "mutated seed {seed}: did not finish within {}s (a mutation made it loop forever? use other seeds)",
                    MUTANT_TIMEOUT.as_secs()
                ));
                break;
            }
        }
    }
    failures.extend(
        worker
            .join()
            .expect("the valid-program worker catches panics"),
    );
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Most mutations break the program; some leave it runnable.
    assert!(
        ran > 0 && ran < MUTATED,
        "{ran} of {MUTATED} mutated programs compiled"
    );
}

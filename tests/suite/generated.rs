//! Generated programs: a few hundred valid and mutated programs from
//! `loxide_testgen`, with fixed seeds, run through the library. Nothing may panic;
//! valid programs must compile (under loxide's limits and clox's).
//!
//! Two thousand more valid programs must print the same output and end with the same
//! runtime error from source and from a bytecode file written and read back; the
//! suite's `gc-stress` pass repeats that with a collection at every allocation.
//!
//! Whether loxide's output matches clox's is checked by the `lox-difftest` tool
//! (tools/difftest), which needs a clox binary.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use loxide::driver;
use loxide::ir::Limits;
use loxide::vm::{Options, SharedBuffer, Vm};
use loxide_testgen as testgen;

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

/// How many valid programs run both from source and from a bytecode file, and the first
/// of their seeds (apart from the seeds above).
const EQUIVALENT: u64 = 2000;
const EQUIVALENT_FIRST_SEED: u64 = 1_000_000;
/// A safety net: a generated program does far less work than this (`Config::run_budget`),
/// so a program that reaches it is a bug, reported instead of hanging the suite.
const EQUIVALENT_STEPS: u64 = 10_000_000;

/// What a run printed, then its runtime error, if any.
fn output_of(program: &loxide::bytecode::verify::Verified) -> (String, Option<String>) {
    let out = SharedBuffer::new();
    let options = Options {
        max_steps: Some(EQUIVALENT_STEPS),
        ..Options::default()
    };
    let mut vm = Vm::with_output(options, Box::new(out.clone()));
    let error = vm.run(program).err().map(|e| e.to_string());
    vm.flush();
    (out.contents(), error)
}

/// One seed: compile, run, write the bytecode file, read it back, run again. Returns
/// what went wrong, and whether the program ended with a runtime error.
fn check_equivalence(seed: u64) -> Result<bool, String> {
    use loxide::bytecode::file;
    let source = testgen::program(seed);
    let compiled = driver::compile_here(&source, Limits::Default)
        .map_err(|e| format!("seed {seed}: does not compile:\n{e}"))?;
    let direct = output_of(&compiled);
    if output_of(&compiled) != direct {
        return Err(format!("seed {seed}: two runs of the same program differ"));
    }
    if direct
        .1
        .as_deref()
        .is_some_and(|e| e.starts_with("Execution budget exceeded."))
    {
        return Err(format!("seed {seed}: ran past {EQUIVALENT_STEPS} steps"));
    }
    let bytes = file::write(compiled.module());
    let loaded = file::load(&bytes)
        .map_err(|e| format!("seed {seed}: its bytecode file does not load: {e}"))?;
    if loaded.module().dialect != loxide::bytecode::Dialect::Lox {
        return Err(format!(
            "seed {seed}: the file says its dialect is {:?}",
            loaded.module().dialect
        ));
    }
    if file::write(loaded.module()) != bytes {
        return Err(format!(
            "seed {seed}: writing the loaded module gives other bytes"
        ));
    }
    let from_file = output_of(&loaded);
    if from_file != direct {
        return Err(format!(
            "seed {seed}: from source {direct:?}, from its bytecode file {from_file:?}"
        ));
    }
    Ok(direct.1.is_some())
}

/// With fixed seeds, valid generated programs print the same output and end with the
/// same runtime error (if any) from source and from a bytecode file written and read
/// back, run after run. `.ci/run` runs this again built with `gc-stress`, where every
/// allocation collects, so the same comparison finds missing roots too.
#[test]
fn generated_programs_run_alike_from_source_and_from_a_bytecode_file() {
    let workers = thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4) as u64;
    let handles: Vec<_> = (0..workers)
        .map(|worker| {
            thread::Builder::new()
                .name(format!("generated-equivalence-{worker}"))
                .stack_size(STACK_BYTES)
                .spawn(move || {
                    let mut failures = Vec::new();
                    let mut errors = 0u64;
                    let mut seed = EQUIVALENT_FIRST_SEED + worker;
                    while seed < EQUIVALENT_FIRST_SEED + EQUIVALENT {
                        match panic::catch_unwind(|| check_equivalence(seed)) {
                            Ok(Ok(true)) => errors += 1,
                            Ok(Ok(false)) => {}
                            Ok(Err(failure)) => failures.push(failure),
                            Err(_) => failures.push(format!("seed {seed}: panicked")),
                        }
                        seed += workers;
                    }
                    (failures, errors)
                })
                .expect("can start a thread")
        })
        .collect();
    let mut failures = Vec::new();
    let mut errors = 0;
    for handle in handles {
        let (found, ended_in_errors) = handle.join().expect("the worker catches panics");
        failures.extend(found);
        errors += ended_in_errors;
    }
    assert!(
        failures.is_empty(),
        "{} of {EQUIVALENT} programs:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The generator plants runtime errors in about a third of its programs: both kinds
    // of ending are compared.
    assert!(
        errors > EQUIVALENT / 10 && errors < EQUIVALENT * 9 / 10,
        "{errors} of {EQUIVALENT} programs ended with a runtime error"
    );
}

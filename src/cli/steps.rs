//! Recording a run one instruction at a time (`vm::step`), bounded, for `lox trace`
//! and for the playground's VM stepper: both go through `record`, so the command line
//! and the page see the same steps.
//!
//! `lox trace FILE` prints, before each instruction, the value stack (as clox's
//! `DEBUG_TRACE_EXECUTION` does) and then the instruction, disassembled as `lox dump
//! --stage bytecode` shows it; a header names the function whenever execution moves
//! into another one, and the program's own output appears where it is printed. The
//! trade-off: a recording stops at `MAX_STEPS` instructions, with a note, because a
//! trace of an endless loop would never end and the page keeps every step.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use loxide::bytecode::disasm;
use loxide::bytecode::verify::Verified;
use loxide::driver;
use loxide::vm::step::{Snapshot, State, Stepper};
use loxide::vm::{Options, RuntimeError, Vm};

use super::report;
use super::stream;
use super::{Cli, EXIT_COMPILE, EXIT_OK, EXIT_RUNTIME, read_bytes, source_name, source_text};

/// The most instructions a recording keeps; a longer run is cut off there.
pub const MAX_STEPS: usize = 100_000;
/// The most stack values `lox trace` prints per instruction (the top ones, after a
/// count of the others): the whole stack at every step of a deep recursion would make
/// the trace quadratic in its length.
pub const TRACE_STACK_VALUES: usize = 32;

/// How a recorded run ended.
pub struct Outcome {
    /// True when the run was cut off at the bound, still running.
    pub cut_off: bool,
    /// The runtime error that ended the run, if one did (not the cut-off).
    pub error: Option<RuntimeError>,
}

/// Program output kept in memory, taken piece by piece as the recording goes.
#[derive(Clone, Default)]
pub struct Pending(Arc<Mutex<Vec<u8>>>);

impl Pending {
    /// The output written since the last `take`.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Write for Pending {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Stops a run after `limit` steps, giving each step before that to `on_step` (which
/// may stop it sooner by returning false).
struct Bounded<F> {
    limit: usize,
    count: usize,
    cut_off: bool,
    /// True when `on_step` stopped the run.
    stopped: bool,
    on_step: F,
}

impl<F: FnMut(usize, &State<'_>) -> bool> Stepper for Bounded<F> {
    fn step(&mut self, state: &State<'_>) -> bool {
        if self.count >= self.limit {
            self.cut_off = true;
            return false;
        }
        let go_on = (self.on_step)(self.count, state);
        self.count += 1;
        self.stopped = !go_on;
        go_on
    }
}

/// Runs `program` in `vm`, calling `on_step` with each step's number and the state
/// before it, for at most `limit` steps. A run that `on_step` stops ends with no error.
pub fn record(
    vm: &mut Vm,
    program: &Verified,
    limit: usize,
    on_step: impl FnMut(usize, &State<'_>) -> bool,
) -> Outcome {
    let mut bounded = Bounded {
        limit,
        count: 0,
        cut_off: false,
        stopped: false,
        on_step,
    };
    let result = vm.run_stepping(program, &mut bounded);
    let error = match result {
        Ok(()) => None,
        // The stepper's own stop is not the program's error.
        Err(_) if bounded.cut_off || bounded.stopped => None,
        Err(e) => Some(e),
    };
    Outcome {
        cut_off: bounded.cut_off,
        error,
    }
}

/// The state before step `n` (0-based) of a run, or `None` if the run has fewer steps.
/// The run is repeated from the start: stepping back is as cheap as stepping forward.
pub fn snapshot_at(program: &Verified, options: Options, n: usize) -> Option<Snapshot> {
    let mut vm = Vm::with_output(options, Box::new(std::io::sink()));
    let mut found = None;
    record(
        &mut vm,
        program,
        n.saturating_add(1).min(MAX_STEPS),
        |i, state| {
            if i == n {
                found = Some(state.snapshot());
                return false;
            }
            true
        },
    );
    found
}

/// `lox trace FILE`.
pub fn trace_file(cli: &Cli, path: &Path) -> i32 {
    let bytes = match read_bytes(path) {
        Ok(bytes) => bytes,
        Err(code) => return code,
    };
    let source = match source_text(bytes, path) {
        Ok(source) => source,
        Err(code) => return code,
    };
    let mut renderer = report::for_cli(cli);
    renderer.set_source(&source_name(path), &source);
    let lang = cli.lang_of(Some(path));
    let program = match driver::compile_with(&source, lang, cli.compile_limits()) {
        Ok(program) => program,
        Err(e) => {
            stream::error(&renderer.compile_error(&e));
            return EXIT_COMPILE;
        }
    };
    let output = Pending::default();
    let mut vm = Vm::with_output(cli.vm_options(), Box::new(output.clone()));
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let module = program.module();
    let mut previous: Option<(usize, usize, u32)> = None;
    let outcome = record(&mut vm, &program, MAX_STEPS, |_, state| {
        let _ = out.write_all(&output.take());
        let frame = state.current();
        let text = disasm::instruction_at(module, frame.function, frame.offset)
            .unwrap_or_else(|| "?".into());
        let _ = writeln!(out, "{}", trace_lines(&frame, state, previous, &text));
        previous = Some((frame.function, state.depth(), frame.line));
        true
    });
    let _ = out.write_all(&output.take());
    if outcome.cut_off {
        let _ = writeln!(
            out,
            "-- cut off after {MAX_STEPS} instructions: `lox trace` records at most that many --"
        );
    }
    if out.flush().is_err() {
        return super::EXIT_IO;
    }
    drop(out);
    match outcome.error {
        Some(e) => {
            stream::error(&renderer.runtime_error(&e));
            EXIT_RUNTIME
        }
        None => EXIT_OK,
    }
}

/// One step of `lox trace`: a header when execution enters another frame, the stack,
/// then the instruction at its offset with its line (`|` for the line before).
fn trace_lines(
    frame: &loxide::vm::step::Frame,
    state: &State<'_>,
    previous: Option<(usize, usize, u32)>,
    instruction: &str,
) -> String {
    let mut text = String::new();
    let same_frame = previous
        .is_some_and(|(function, depth, _)| function == frame.function && depth == state.depth());
    if !same_frame {
        let name = if frame.function == 0 {
            "<script>"
        } else {
            &frame.name
        };
        text.push_str(&format!("== {name} ==\n"));
    }
    text.push_str("          ");
    let below = state.stack_len().saturating_sub(TRACE_STACK_VALUES);
    if below > 0 {
        text.push_str(&format!("[ … {below} more ]"));
    }
    for value in state.stack_top(TRACE_STACK_VALUES) {
        text.push_str(&format!("[ {value} ]"));
    }
    text.push('\n');
    let line = if same_frame && previous.is_some_and(|(_, _, line)| line == frame.line) {
        "   |".to_string()
    } else {
        format!("{:4}", frame.line)
    };
    text.push_str(&format!("{:04} {line} {instruction}", frame.offset));
    text
}

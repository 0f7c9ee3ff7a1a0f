//! The playground's API as plain functions from a request to JSON: compile (every
//! stage of the stage explorer), run, trace (every step of a run, bounded) and
//! snapshot (the whole state before one step). Nothing here knows about HTTP, so a
//! WebAssembly build could answer the page's calls with these same functions.
//!
//! Each call compiles the program afresh, and the stepper's snapshots repeat the run
//! from the start up to the step asked for: the server keeps no session, so any
//! request may go to any worker, and stepping backwards costs what stepping forwards
//! does. The trade-off is the repeated work, bounded by `steps::MAX_STEPS`.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use loxide::bytecode::verify::Verified;
use loxide::driver::{self, CompileError};
use loxide::dump::{self, Stage};
use loxide::frontend::Lang;
use loxide::ir::Limits;
use loxide::vm::step::{Frame, ObjectView, Snapshot, ValueView};
use loxide::vm::{Options, RuntimeError, Vm};
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::report::{self, Renderer};
use super::super::steps::{self, MAX_STEPS};

/// The wall-clock limit of one run (`Options::max_time`).
pub const RUN_TIME: Duration = Duration::from_secs(2);
/// The step budget of one run: back-edges and calls (`Options::max_steps`).
pub const RUN_STEPS: u64 = 100_000_000;
/// The heap limit of one run (`Options::max_heap`).
pub const RUN_HEAP: usize = 64 << 20;
/// Values in one run's stack: deep recursion works (each VM reserves this much).
pub const RUN_STACK_VALUES: usize = 1 << 20;
/// The most output a run may print; beyond it the run stops.
pub const MAX_OUTPUT: usize = 1 << 20;

/// The calls of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `/api/compile`: diagnostics and every stage.
    Compile,
    /// `/api/run`: the program's output and runtime error.
    Run,
    /// `/api/trace`: every step of a run, bounded.
    Trace,
    /// `/api/snapshot`: the whole state before one step.
    Snapshot,
}

impl Kind {
    /// Every call.
    pub const ALL: [Kind; 4] = [Kind::Compile, Kind::Run, Kind::Trace, Kind::Snapshot];

    /// The call's name in its path.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Compile => "compile",
            Kind::Run => "run",
            Kind::Trace => "trace",
            Kind::Snapshot => "snapshot",
        }
    }
}

/// A request: a program, its language, and for a snapshot the step.
#[derive(Debug, Deserialize)]
pub struct Request {
    /// The program's text.
    pub source: String,
    /// `lox` (the default) or `potato`.
    #[serde(default)]
    pub lang: Language,
    /// For a snapshot: the step (0-based) before which the state is taken.
    #[serde(default)]
    pub step: usize,
}

/// The language of a request.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Lox.
    #[default]
    Lox,
    /// Potato.
    Potato,
}

impl From<Language> for Lang {
    fn from(language: Language) -> Lang {
        match language {
            Language::Lox => Lang::Lox,
            Language::Potato => Lang::Potato,
        }
    }
}

/// The limits every run has, for the page to show (`/api/limits`).
pub fn limits() -> Value {
    json!({
        "max_body_bytes": super::MAX_BODY_BYTES,
        "max_jobs": super::MAX_JOBS,
        "run_time_ms": RUN_TIME.as_millis() as u64,
        "run_steps": RUN_STEPS,
        "run_heap_bytes": RUN_HEAP,
        "max_output_bytes": MAX_OUTPUT,
        "max_trace_steps": MAX_STEPS,
    })
}

/// The VM's limits for one run.
pub fn vm_options() -> Options {
    Options {
        stack_values: RUN_STACK_VALUES,
        max_steps: Some(RUN_STEPS),
        max_heap: Some(RUN_HEAP),
        max_time: Some(RUN_TIME),
        ..Options::default()
    }
}

/// Answers one call.
pub fn answer(kind: Kind, request: &Request) -> Value {
    let lang = Lang::from(request.lang);
    match kind {
        Kind::Compile => compile(lang, &request.source),
        Kind::Run => with_program(lang, &request.source, run),
        Kind::Trace => with_program(lang, &request.source, trace),
        Kind::Snapshot => with_program(lang, &request.source, |program| {
            let snapshot = steps::snapshot_at(program, vm_options(), request.step);
            json!({"snapshot": snapshot.as_ref().map(snapshot_json)})
        }),
    }
}

/// `/api/compile`: `{"diagnostics": [...], "stages": {"tokens": [{"text", "line",
/// "span"}], ...}}`, `span` being `[start, end]` in bytes of the source, or null.
fn compile(lang: Lang, source: &str) -> Value {
    let explored = dump::explore(lang, source, Limits::Default);
    let mut stages = serde_json::Map::new();
    for (stage, items) in &explored.stages {
        let items: Vec<Value> = items
            .iter()
            .map(|item| json!({"text": item.text, "line": item.line, "span": item.span}))
            .collect();
        stages.insert(stage.name().into(), Value::Array(items));
    }
    let order: Vec<&str> = Stage::ALL.iter().map(|s| s.name()).collect();
    json!({
        "diagnostics": diagnostics(explored.program.err().as_ref()),
        "stages": stages,
        "order": order,
    })
}

/// Compiles, then runs `then` on the program; a program that does not compile gets
/// its diagnostics.
fn with_program(lang: Lang, source: &str, then: impl FnOnce(&Verified) -> Value) -> Value {
    match driver::compile_with(source, lang, Limits::Default) {
        Ok(program) => {
            let mut answer = then(&program);
            answer["diagnostics"] = json!([]);
            answer
        }
        Err(e) => json!({"diagnostics": diagnostics(Some(&e))}),
    }
}

/// The JSON error format's objects (`lox --error-format json`), one per diagnostic.
fn diagnostics(error: Option<&CompileError>) -> Value {
    let Some(error) = error else {
        return json!([]);
    };
    parse_lines(&report::json().compile_error(error))
}

fn parse_lines(text: &str) -> Value {
    Value::Array(
        text.lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect(),
    )
}

/// A runtime error as the JSON error format shows it; an interrupt caused by the
/// output limit is reported as that limit.
fn runtime_error(e: &RuntimeError, output: &Output) -> Value {
    let mut value = parse_lines(&report::json().runtime_error(e))
        .as_array()
        .and_then(|a| a.first().cloned())
        .unwrap_or(Value::Null);
    if output.over.load(Ordering::Relaxed) {
        value["message"] = json!(format!(
            "Output limit exceeded (the page keeps {MAX_OUTPUT} bytes)."
        ));
        value["limit"] = json!("output");
    }
    value
}

/// `/api/run`: `{"output", "error"}`.
fn run(program: &Verified) -> Value {
    let (mut vm, output) = vm_with_output();
    let result = vm.run(program);
    vm.flush();
    let error = result.err().map(|e| runtime_error(&e, &output));
    json!({"output": output.text(), "error": error})
}

/// `/api/trace`: `{"steps": [[function, offset, line, depth, output], ...], "cut_off",
/// "max_steps", "output", "error"}`: each step is where the instruction about to run
/// is (its function's index, its offset, its source line), how many frames there
/// are, and how many bytes of output were printed before it. Steps are arrays, not
/// objects, to keep a hundred thousand of them small; the state at any one step is a
/// `snapshot` call away.
fn trace(program: &Verified) -> Value {
    let (mut vm, output) = vm_with_output();
    let mut recorded: Vec<[usize; 5]> = Vec::new();
    let outcome = steps::record(&mut vm, program, MAX_STEPS, |_, state| {
        let frame = state.current();
        recorded.push([
            frame.function,
            frame.offset,
            frame.line as usize,
            state.depth(),
            output.len(),
        ]);
        true
    });
    vm.flush();
    let error = outcome.error.map(|e| runtime_error(&e, &output));
    json!({
        "steps": recorded,
        "cut_off": outcome.cut_off,
        "max_steps": MAX_STEPS,
        "output": output.text(),
        "error": error,
    })
}

/// A snapshot as JSON: values are `{"text", "object"}` (`object` an index into
/// `objects`, or null).
fn snapshot_json(s: &Snapshot) -> Value {
    fn value(v: &ValueView) -> Value {
        json!({"text": v.text, "object": v.object})
    }
    fn frame(f: &Frame) -> Value {
        json!({"function": f.function, "name": f.name, "offset": f.offset, "line": f.line, "base": f.base})
    }
    fn object(o: &ObjectView) -> Value {
        let fields: Vec<Value> = o
            .fields
            .iter()
            .map(|(name, v)| json!({"name": name, "value": value(v)}))
            .collect();
        json!({"kind": o.kind, "title": o.title, "fields": fields})
    }
    json!({
        "stack": s.stack.iter().map(value).collect::<Vec<_>>(),
        "frames": s.frames.iter().map(frame).collect::<Vec<_>>(),
        "globals": s.globals.iter().map(|(name, v)| json!({"name": name, "value": value(v)})).collect::<Vec<_>>(),
        "upvalues": s.upvalues.iter().map(|u| json!({"slot": u.slot, "value": value(&u.value)})).collect::<Vec<_>>(),
        "objects": s.objects.iter().map(object).collect::<Vec<_>>(),
        "objects_cut_off": s.objects_cut_off,
    })
}

/// A VM for one run, printing into a bounded buffer.
fn vm_with_output() -> (Vm, Output) {
    let output = Output::default();
    let vm = Vm::with_output(vm_options(), Box::new(output.clone()));
    *output.interrupt.lock().unwrap_or_else(|e| e.into_inner()) = Some(vm.interrupt_handle());
    (vm, output)
}

/// A run's output, kept up to `MAX_OUTPUT` bytes: the first write beyond that sets
/// `over` and interrupts the run.
#[derive(Clone, Default)]
struct Output {
    bytes: Arc<Mutex<Vec<u8>>>,
    over: Arc<AtomicBool>,
    interrupt: Arc<Mutex<Option<Arc<AtomicBool>>>>,
}

impl Output {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    fn len(&self) -> usize {
        self.bytes.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.bytes.lock().unwrap_or_else(|e| e.into_inner());
        let room = MAX_OUTPUT.saturating_sub(bytes.len());
        if buf.len() > room {
            bytes.extend_from_slice(&buf[..room]);
            self.over.store(true, Ordering::Relaxed);
            if let Some(interrupt) = &*self.interrupt.lock().unwrap_or_else(|e| e.into_inner()) {
                interrupt.store(true, Ordering::Relaxed);
            }
        } else {
            bytes.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

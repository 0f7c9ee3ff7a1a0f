//! The virtual machine: a stack machine that runs verified bytecode.
//!
//! `Vm` owns the heap, the value stack, the call frames and the globals, and it is the
//! only place that knows the garbage collector's roots, so every allocation goes
//! through it (`maybe_collect` before, the new object rooted right after). Globals are
//! an array indexed by slot; each loaded module's global names are mapped to VM slots
//! when it is loaded, so slots persist across modules (the REPL) and the interpreter
//! never sees a name.
//!
//! The public surface is small: `Vm` with its `Options`, the embedding API (`embed`:
//! host functions, globals, calls, rooted handles, conversions and `Error`), and
//! `RuntimeError`. Values, objects, the heap, shapes and tables are private to the
//! crate: nothing outside it can hold an unrooted pointer into the heap. A host keeps
//! Lox values across runs only as owned Rust data or as rooted handles.

// `unsafe` is allowed in `value`, `object` and `heap` only; each says so at its top.
#![deny(unsafe_code)]
#![deny(missing_docs)]

mod embed;
mod heap;
mod interp;
mod natives;
mod object;
#[cfg(feature = "op-profile")]
mod profile;
mod shape;
pub mod step;
mod table;
mod value;

pub use embed::{
    CompileError, Diagnostic, Error, FromArgs, FromLox, Function, Instance, IntoArgs, IntoLox,
    Limit, UserData, Value as LoxValue,
};

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use heap::{Heap, OutOfMemory, Phase, try_box_str, try_vec_from};
use loxide_bytecode::verify::Verified;
use loxide_bytecode::{Constant, Dialect, Op, Operand, SpanTable, decode, number};
use object::*;
use value::{CallFrame, Frames, Globals, Stack, Value};

/// Call depth limit by default: deep honest recursion works, runaway recursion stops
/// quickly with `Stack overflow.`.
pub const DEFAULT_MAX_FRAMES: usize = 100_000;
/// clox's call depth limit, for `--limits=clox`.
pub const CLOX_MAX_FRAMES: usize = 64;
/// Values in the value stack (virtual memory; pages are touched only when used).
pub const DEFAULT_STACK_VALUES: usize = 4 << 20;
/// How many steps run between two checks for an interrupt, a spent budget or a full
/// heap: small enough that Ctrl-C feels immediate, large enough to cost nothing.
pub const POLL_INTERVAL: u64 = 1 << 14;
/// Global slots: global operands are 24 bits wide.
pub const MAX_GLOBALS: usize = loxide_bytecode::MAX_GLOBALS;
/// The heap limit of `Options::embedded`: a script may hold this many bytes of objects
/// before it stops with `Out of memory.`. Large enough for any honest script, small
/// enough that a runaway one (`while (true) s = s + s;`) stops long before the host
/// feels it.
pub const EMBEDDED_MAX_HEAP: usize = 1 << 30;

/// Limits of a VM.
#[derive(Clone, Debug)]
pub struct Options {
    /// Call depth limit (`Stack overflow.` beyond it).
    pub max_frames: usize,
    /// Size of the value stack, in values.
    pub stack_values: usize,
    /// Units of work a run may do: one per loop back-edge and one per call, so the
    /// same program stops at the same point every time (`Execution budget exceeded.`).
    pub max_steps: Option<u64>,
    /// Bytes the collector's heap may hold after a collection (`Out of memory.`).
    pub max_heap: Option<usize>,
    /// Wall-clock time a run may take (`Time limit exceeded.`). The clock is read only
    /// where the step budget is checked (every `POLL_INTERVAL` back-edges or calls)
    /// and after each garbage collection, so the limit costs the interpreter's loop
    /// nothing and is kept to within the time those steps or allocations take.
    pub max_time: Option<Duration>,
    /// Keep every collection's pause in `GcStats::pauses` (for percentiles), not only
    /// their count, sum and maximum.
    pub record_pauses: bool,
}

/// What the collector has done in a VM so far (`Vm::gc_stats`): what a user tuning a
/// program wants to know, and what `lox --gc-stats` prints. The collector is
/// incremental: a collection (a cycle) is done in many steps, with the program running
/// between them, and each step is a pause (wall-clock time, from the step's start to
/// its end).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GcStats {
    /// Collections (cycles) completed.
    pub collections: u64,
    /// Steps taken: each is a pause.
    pub steps: u64,
    /// All their pauses, added up.
    pub total_pause: std::time::Duration,
    /// The longest pause.
    pub longest_pause: std::time::Duration,
    /// Every pause (step) in order, when `Options::record_pauses` is set; else empty.
    pub pauses: Vec<std::time::Duration>,
    /// Bytes the heap holds now (objects, strings and their tables).
    pub heap_bytes: usize,
    /// The most bytes the heap held, measured when each collection began.
    pub peak_heap_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_frames: DEFAULT_MAX_FRAMES,
            stack_values: DEFAULT_STACK_VALUES,
            max_steps: None,
            max_heap: None,
            max_time: None,
            record_pauses: false,
        }
    }
}

impl Options {
    /// The limits for a host that runs scripts it does not control: the default limits
    /// with the heap capped at `EMBEDDED_MAX_HEAP` (the command line has no heap cap
    /// unless asked, as clox has none).
    pub fn embedded() -> Options {
        Options {
            max_heap: Some(EMBEDDED_MAX_HEAP),
            ..Options::default()
        }
    }

    /// clox's limits.
    pub fn clox() -> Options {
        Options {
            max_frames: CLOX_MAX_FRAMES,
            ..Options::default()
        }
    }
}

/// A runtime error: the message and the call stack at the point of failure.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeError {
    /// The message, as clox prints it (`Operands must be numbers.`).
    pub message: String,
    /// The frames, innermost first: `(line, function)`, the function `None` for the
    /// script. Host functions have no frame: a host function that fails appears as
    /// the line of the Lox code that called it.
    pub trace: Vec<(u32, Option<String>)>,
    /// Which limit stopped the program, when one did.
    pub limit: Option<Limit>,
    /// For an error about values of the wrong type, what they were: `the operands are
    /// a string and a number`. clox's format never shows it; the rich and JSON formats
    /// do. Only errors whose values are on the stack have one.
    pub detail: Option<String>,
    /// The bytes of the source the failing instruction came from (an operator, a
    /// name, a call), when the compiler recorded them: byte offsets into the program's
    /// source, so only whoever has that source can turn them into columns.
    pub span: Option<std::ops::Range<u32>>,
}

impl fmt::Display for RuntimeError {
    /// clox's format: the message, then `[line N] in f()` lines, ending `in script`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.message)?;
        for (line, function) in &self.trace {
            match function {
                Some(name) => writeln!(f, "[line {line}] in {name}()")?,
                None => writeln!(f, "[line {line}] in script")?,
            }
        }
        Ok(())
    }
}

/// A virtual machine: a heap, globals, and the state of the program running in it.
///
/// A VM is `Send` (it can move to another thread) but not `Sync`; there is no state
/// shared between VMs. See `embed` for the embedding API (host functions, globals,
/// calls, handles).
pub struct Vm {
    heap: Heap,
    stack: Stack,
    frames: Frames,
    /// Frames that can be pushed without a check: the fewer of `max_frames` and the
    /// frame vector's capacity. A call past it takes the slow path (`Vm::frame_room`),
    /// which fails with `Stack overflow.` or grows the vector fallibly, so the call
    /// path keeps one comparison, as it had for the depth limit alone.
    frame_room: usize,
    globals: Globals,
    global_names: Vec<Gc<ObjString>>,
    global_slots: HashMap<Box<str>, u32>,
    /// Open upvalues, sorted by stack slot, highest first.
    open_upvalues: Option<Gc<ObjUpvalue>>,
    init_string: Gc<ObjString>,
    out: Box<dyn Write + Send>,
    options: Options,
    /// The dialect of the code being run: it decides how values print and how some
    /// errors read.
    dialect: Dialect,
    /// Steps until the next poll (interrupt, budget, heap); counts down in the loop.
    fuel: u64,
    /// Steps of the budget not yet handed out as fuel.
    steps_left: u64,
    /// Set when a collection leaves the heap over `max_heap`; raised at the next poll.
    out_of_memory: bool,
    /// What the collector has done (`Vm::gc_stats`).
    gc: GcStats,
    interrupt: Arc<AtomicBool>,
    /// When the VM was made: `clock()` counts from here where there is no process clock.
    started: Instant,
    /// When the current run must stop (`Options::max_time`), checked at each poll.
    deadline: Option<Instant>,
    /// Values the host holds through handles (see `embed`).
    roots: embed::Roots,
    /// Host functions running (called from Lox or straight from the host): while any
    /// is, the VM is busy even with no frame, and cannot start a run.
    host_depth: u32,
    #[cfg(feature = "op-profile")]
    profile: profile::Profile,
}

#[cfg(feature = "op-profile")]
impl Drop for Vm {
    fn drop(&mut self) {
        eprint!("{}", self.profile.report());
    }
}

impl Vm {
    /// A VM that prints to standard output.
    pub fn new(options: Options) -> Vm {
        Vm::with_output(options, Box::new(io::BufWriter::new(io::stdout())))
    }

    /// A VM that prints to `out`.
    pub fn with_output(options: Options, out: Box<dyn Write + Send>) -> Vm {
        let mut heap = Heap::new();
        let init_string = heap
            .intern("init")
            .expect("a new heap has memory for its first string");
        let mut vm = Vm {
            heap,
            stack: Stack::new(options.stack_values),
            frames: Frames::new(),
            frame_room: 0,
            globals: Globals::new(),
            global_names: Vec::new(),
            global_slots: HashMap::new(),
            open_upvalues: None,
            init_string,
            out,
            options,
            dialect: Dialect::Lox,
            fuel: POLL_INTERVAL,
            steps_left: u64::MAX,
            out_of_memory: false,
            gc: GcStats::default(),
            interrupt: Arc::new(AtomicBool::new(false)),
            started: Instant::now(),
            deadline: None,
            roots: embed::Roots::default(),
            host_depth: 0,
            #[cfg(feature = "op-profile")]
            profile: Default::default(),
        };
        natives::define_all(&mut vm);
        vm
    }

    /// Replaces the VM's limits (they apply from the next run or call from outside).
    /// Called by a host function while a program runs, it keeps the value stack as it
    /// is (frames point into it); a new `stack_values` then applies to nothing.
    pub fn set_options(&mut self, options: Options) {
        if options.stack_values != self.options.stack_values && !self.busy() {
            self.stack = Stack::new(options.stack_values);
        }
        self.frame_room = options.max_frames.min(self.frames.capacity());
        self.options = options;
    }

    /// Runs a verified module to completion. Globals persist between runs.
    ///
    /// A host function cannot run a module (the VM is busy running the one that called
    /// it); it can call Lox functions instead (`Vm::call`).
    pub fn run(&mut self, module: &Verified) -> Result<(), RuntimeError> {
        self.start_run(module)?;
        let result = self.load(module).and_then(|script| {
            self.stack.push(Value::object(script));
            self.call_closure(script, 0)?;
            self.execute(0)
        });
        if result.is_err() {
            self.reset();
        }
        let _ = self.out.flush();
        result
    }

    /// True while a program, a call or a host function runs: the stack then holds
    /// values someone will come back to.
    fn busy(&self) -> bool {
        !self.frames.is_empty() || self.host_depth > 0
    }

    /// Starts running a module (`run`, `run_stepping`): refused while the VM is busy,
    /// else a fresh budget and the module's dialect.
    fn start_run(&mut self, module: &Verified) -> Result<(), RuntimeError> {
        if self.busy() {
            return Err(RuntimeError {
                message: "The VM is already running a program.".into(),
                trace: Vec::new(),
                limit: None,
                detail: None,
                span: None,
            });
        }
        self.start_budget();
        self.dialect = module.module().dialect;
        Ok(())
    }

    /// Starts the limits of a run (a program, or a call from the host when nothing is
    /// running): a fresh step budget, no pending interrupt or full heap.
    fn start_budget(&mut self) {
        self.interrupt.store(false, Ordering::Relaxed);
        self.out_of_memory = false;
        self.deadline = self.options.max_time.map(|time| Instant::now() + time);
        let budget = self.options.max_steps.unwrap_or(u64::MAX);
        self.fuel = budget.min(POLL_INTERVAL);
        self.steps_left = budget - self.fuel;
    }

    /// A flag that stops the running program (`Interrupted.`) at its next loop
    /// back-edge or call when set, from any thread or a signal handler.
    pub fn interrupt_handle(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.interrupt)
    }

    /// Called when the fuel runs out: raises a pending interrupt, a full heap or a
    /// spent budget, or refuels.
    #[cold]
    fn poll(&mut self) -> Result<(), RuntimeError> {
        if self.interrupt.swap(false, Ordering::Relaxed) {
            return Err(self.limit_error(Limit::Interrupt));
        }
        if self.out_of_memory || self.heap.out_of_memory() {
            return Err(self.limit_error(Limit::Heap));
        }
        if self.steps_left == 0 {
            return Err(self.limit_error(Limit::Steps));
        }
        if self
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            return Err(self.limit_error(Limit::Time));
        }
        self.fuel = self.steps_left.min(POLL_INTERVAL);
        self.steps_left -= self.fuel;
        Ok(())
    }

    /// True when `bytes` more would not fit under `max_heap` even after a collection
    /// (checked before large single allocations, such as a concatenation). The caller
    /// keeps its operands rooted, as for any allocation.
    fn exceeds_heap(&mut self, bytes: usize) -> bool {
        let Some(max) = self.options.max_heap else {
            return false;
        };
        if self.heap.bytes_allocated().saturating_add(bytes) <= max {
            return false;
        }
        // Garbage (perhaps a failed run's) may still be counted: collect and look again.
        self.collect_garbage();
        self.heap.bytes_allocated().saturating_add(bytes) > max
    }

    /// Flushes program output.
    pub fn flush(&mut self) {
        let _ = self.out.flush();
    }

    fn reset(&mut self) {
        // Close, do not drop, the open upvalues: a closure that outlives the error (in a
        // global, for the REPL's next line) would otherwise keep reading a stack slot
        // that later runs reuse, possibly holding an object the collector has freed.
        let mut open = self.open_upvalues.take();
        while let Some(mut upvalue) = open {
            upvalue.close();
            self.heap.barrier(upvalue, upvalue.closed_value());
            open = upvalue.next_open;
        }
        self.stack.truncate(0);
        self.frames.clear();
        self.heap.temp_roots.clear();
    }

    // ----- Globals ----------------------------------------------------------------------

    /// The VM slot of a global name, creating it (undefined) if new.
    fn global_slot(&mut self, name: &str) -> Result<u32, RuntimeError> {
        if let Some(&slot) = self.global_slots.get(name) {
            return Ok(slot);
        }
        if self.globals.len() >= MAX_GLOBALS {
            return Err(RuntimeError {
                message: "Too many global variables.".into(),
                trace: Vec::new(),
                limit: None,
                detail: None,
                span: None,
            });
        }
        let memory = |vm: &mut Vm| -> Result<u32, OutOfMemory> {
            vm.maybe_collect()?;
            let interned = vm.heap.intern(name)?;
            vm.globals.try_reserve(1).map_err(|_| OutOfMemory)?;
            vm.global_names.try_reserve(1).map_err(|_| OutOfMemory)?;
            vm.global_slots.try_reserve(1).map_err(|_| OutOfMemory)?;
            let key = try_box_str(name)?;
            let slot = vm.globals.len() as u32;
            vm.globals.push(Value::UNDEFINED);
            vm.global_names.push(interned);
            vm.global_slots.insert(key, slot);
            Ok(slot)
        };
        memory(self).map_err(|OutOfMemory| self.limit_error(Limit::Heap))
    }

    /// The names of the globals programs have defined (natives left out), for compiling
    /// the next input of a session (`driver::compile_after`).
    pub fn defined_globals(&self) -> Vec<String> {
        self.global_names
            .iter()
            .zip(&self.globals)
            .filter(|(_, v)| **v != Value::UNDEFINED && v.obj_kind() != Some(ObjKind::Native))
            .map(|(name, _)| name.chars.to_string())
            .collect()
    }

    /// Defines a global from Rust (natives, embedding). The value must be rooted by
    /// the caller until this returns (making the slot may collect).
    pub(crate) fn define_global(&mut self, name: &str, value: Value) -> Result<(), RuntimeError> {
        self.heap.temp_roots.push(value);
        let slot = self.global_slot(name);
        self.heap.temp_roots.pop();
        self.globals[slot? as usize] = value;
        Ok(())
    }

    // ----- Loading ----------------------------------------------------------------------

    /// Turns a verified module into heap objects and returns the script's closure.
    fn load(&mut self, verified: &Verified) -> Result<Gc<ObjClosure>, RuntimeError> {
        self.load_listing(verified, &mut Vec::new(), false)
    }

    /// `load`, also listing the function objects made, in module order (a stepper
    /// names functions by their index in the module). For a stepping run, `stepping`
    /// puts `STEP` at every instruction start and keeps the opcodes aside.
    fn load_listing(
        &mut self,
        verified: &Verified,
        functions: &mut Vec<Gc<ObjFunction>>,
        stepping: bool,
    ) -> Result<Gc<ObjClosure>, RuntimeError> {
        let module = verified.module();
        let mut slots = Vec::new();
        let mut order = Vec::new();
        if slots.try_reserve_exact(module.globals.len()).is_err()
            || order.try_reserve_exact(module.functions.len()).is_err()
        {
            return Err(self.limit_error(Limit::Heap));
        }
        for name in &module.globals {
            slots.push(self.global_slot(name)?);
        }
        // Create children before parents: the reverse of a breadth-first walk from the
        // script, linear however deep functions nest (the verifier proved a tree, so
        // each function is listed once).
        order.push(0usize);
        let mut next = 0;
        while let Some(&i) = order.get(next) {
            next += 1;
            for c in &module.functions[i].constants {
                if let Constant::Function(child) = c {
                    order.push(*child as usize);
                }
            }
        }
        order.reverse();

        let roots_mark = self.heap.temp_roots.len();
        let made = self.make_functions(verified, &order, &slots, stepping);
        let made = match made {
            Ok(made) => made,
            Err(OutOfMemory) => {
                self.heap.temp_roots.truncate(roots_mark);
                return Err(self.limit_error(Limit::Heap));
            }
        };
        functions.extend(made.iter().flatten());
        let script = made[0].expect("the verifier guarantees a script");
        let closure = self.maybe_collect().map(|()| {
            self.heap.alloc(ObjClosure {
                header: Header::new(ObjKind::Closure),
                function: script,
                upvalues: Block::EMPTY,
            })
        });
        self.heap.temp_roots.truncate(roots_mark);
        closure.map_err(|OutOfMemory| self.limit_error(Limit::Heap))
    }

    /// The function objects of a module, made in `order` (children first) and rooted
    /// in `temp_roots` (the caller truncates them). Everything a function holds is a
    /// copy of the module's data, as long as the module says, so it is copied into
    /// memory reserved fallibly.
    fn make_functions(
        &mut self,
        verified: &Verified,
        order: &[usize],
        slots: &[u32],
        stepping: bool,
    ) -> Result<Vec<Option<Gc<ObjFunction>>>, OutOfMemory> {
        let module = verified.module();
        let mut made: Vec<Option<Gc<ObjFunction>>> = Vec::new();
        made.try_reserve_exact(module.functions.len())
            .map_err(|_| OutOfMemory)?;
        made.resize(module.functions.len(), None);
        self.heap
            .temp_roots
            .try_reserve(module.functions.len())
            .map_err(|_| OutOfMemory)?;
        for &i in order {
            let f = &module.functions[i];
            let constants_mark = self.heap.temp_roots.len();
            self.heap
                .temp_roots
                .try_reserve(f.constants.len())
                .map_err(|_| OutOfMemory)?;
            let mut constants = Vec::new();
            constants
                .try_reserve_exact(f.constants.len())
                .map_err(|_| OutOfMemory)?;
            for c in &f.constants {
                let v = match c {
                    Constant::Number(n) => Value::number(canonical(*n)),
                    Constant::Str(s) => {
                        self.maybe_collect()?;
                        let s = Value::object(self.heap.intern(s)?);
                        self.heap.temp_roots.push(s);
                        s
                    }
                    Constant::Function(child) => {
                        Value::object(made[*child as usize].expect("children are made first"))
                    }
                };
                constants.push(v);
            }
            let mut code = patch_globals(&f.code, slots)?;
            let opcodes = if stepping {
                let opcodes = try_vec_from(&code)?;
                let mut at = 0;
                while at < code.len() {
                    let op = Op::from_byte(code[at]).expect("verified code has only opcodes");
                    code[at] = object::STEP;
                    at += op.size();
                }
                opcodes
            } else {
                Vec::new()
            };
            let mut caches = Vec::new();
            caches
                .try_reserve_exact(f.constants.len())
                .map_err(|_| OutOfMemory)?;
            caches.resize_with(f.constants.len(), Default::default);
            let upvalues = try_vec_from(&f.upvalues)?.into_boxed_slice();
            let lines = try_vec_from(&f.lines)?.into_boxed_slice();
            let spans = SpanTable::from_bytes(try_vec_from(f.spans.as_bytes())?);
            let name = try_box_str(&f.name)?;
            self.maybe_collect()?;
            let function = self.heap.alloc(ObjFunction {
                header: Header::new(ObjKind::Function),
                arity: f.arity,
                max_stack: f.max_stack,
                upvalues,
                code: code.into_boxed_slice(),
                opcodes: opcodes.into_boxed_slice(),
                constants: constants.into_boxed_slice(),
                lines,
                spans,
                name,
                caches: caches.into_boxed_slice(),
            });
            self.heap.temp_roots.truncate(constants_mark);
            self.heap.temp_roots.push(Value::object(function));
            made[i] = Some(function);
        }
        Ok(made)
    }

    // ----- Allocation and collection ----------------------------------------------------

    /// Collects if the heap asks for it. Call before allocating, with every value the
    /// caller still needs reachable from a root.
    ///
    /// It is also the check that comes before every new object: it fails while the
    /// heap is out of memory (the system refused the pools a chunk and no collection
    /// could get one back; see `heap::Pools`), and the caller then stops the program
    /// with `Out of memory.` instead of allocating.
    #[inline(always)]
    fn maybe_collect(&mut self) -> Result<(), OutOfMemory> {
        if self.heap.should_collect() {
            return self.collect_and_check();
        }
        Ok(())
    }

    /// `maybe_collect`'s rare path, out of line so that the interpreter's loop holds
    /// only the test: a step of the collector's cycle, then the heap and time limits.
    #[cold]
    #[inline(never)]
    fn collect_and_check(&mut self) -> Result<(), OutOfMemory> {
        if cfg!(feature = "gc-stress") {
            self.stress_collect();
        } else {
            self.gc_step();
        }
        if self.heap.out_of_memory() {
            // The system refused the pools a chunk: a whole collection may give one
            // back (it ends the state when it can replace the spare chunk).
            self.collect_garbage();
            if self.heap.out_of_memory() {
                self.fuel = 0;
                return Err(OutOfMemory);
            }
        }
        if let Some(max) = self.options.max_heap
            && self.heap.bytes_allocated() > max
        {
            // Over the limit, perhaps only with garbage: a whole collection tells.
            self.collect_garbage();
            if self.heap.bytes_allocated() > max {
                // Raised at the next poll, at the next back-edge or call.
                self.out_of_memory = true;
                self.fuel = 0;
            }
        }
        // A loop that allocates much per iteration (a growing string copied each
        // time) may take long between two polls: the clock is also read after each
        // step, so the time between two readings is bounded by the steps between polls
        // and by the bytes allocated between collector steps.
        if self
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            self.fuel = 0;
        }
        Ok(())
    }

    /// What the collector has done so far (see `GcStats`).
    pub fn gc_stats(&self) -> GcStats {
        GcStats {
            heap_bytes: self.heap.bytes_allocated(),
            peak_heap_bytes: self.gc.peak_heap_bytes.max(self.heap.bytes_allocated()),
            ..self.gc.clone()
        }
    }

    /// One step of the incremental collector (starting a cycle if none runs), timed for
    /// `GcStats`: two clock reads, negligible beside the work.
    fn gc_step(&mut self) {
        let start = Instant::now();
        let before = self.heap.bytes_allocated();
        if self.heap.phase() == Phase::Idle {
            self.heap.start_cycle();
            self.mark_roots();
        }
        let ended = self.advance_cycle(self.heap.step_budget());
        self.heap.schedule();
        self.record_pause(start, before, ended);
    }

    /// A whole collection, now: the cycle under way ends, then a fresh one runs from
    /// start to end, so that everything unreachable now is freed.
    fn collect_garbage(&mut self) {
        let start = Instant::now();
        let before = self.heap.bytes_allocated();
        if self.heap.phase() != Phase::Idle {
            self.advance_cycle(usize::MAX);
            self.gc.collections += 1;
        }
        self.heap.start_cycle();
        self.mark_roots();
        self.advance_cycle(usize::MAX);
        self.heap.schedule();
        self.record_pause(start, before, true);
    }

    /// gc-stress: at every allocation, the cycle under way ends (the program has run
    /// between its steps, through the write barriers), a whole collection runs (so an
    /// object held nowhere the collector looks is freed at once), and a new cycle starts
    /// and traces a little, leaving black, gray and white objects for the program to
    /// store into until the next allocation.
    fn stress_collect(&mut self) {
        self.collect_garbage();
        self.heap.start_cycle();
        self.mark_roots();
        let budget = (self.gc.collections % 16) as usize;
        self.advance_cycle(budget);
        self.heap.schedule();
    }

    /// Does `budget` units of the cycle's work; true when the cycle ended. Marking ends
    /// when the gray stack is empty and stays so after the roots are marked again (they
    /// have no write barrier) and traced; then the sweep begins.
    fn advance_cycle(&mut self, budget: usize) -> bool {
        let mut budget = budget;
        if self.heap.phase() == Phase::Mark {
            budget = self.heap.trace_some(budget);
            if budget == 0 {
                return false;
            }
            self.mark_roots();
            self.heap.trace();
            self.heap.start_sweep();
        }
        self.heap.sweep_some(budget)
    }

    /// Counts a step (and a cycle, when it `ended` one) in `GcStats`.
    fn record_pause(&mut self, start: Instant, before: usize, ended: bool) {
        let pause = start.elapsed();
        let gc = &mut self.gc;
        gc.steps += 1;
        gc.collections += u64::from(ended);
        gc.total_pause += pause;
        gc.longest_pause = gc.longest_pause.max(pause);
        gc.peak_heap_bytes = gc.peak_heap_bytes.max(before);
        if self.options.record_pauses {
            gc.pauses.push(pause);
        }
    }

    /// Marks the roots: what the program can reach without going through an object.
    fn mark_roots(&mut self) {
        for &v in self.stack.as_slice() {
            self.heap.mark_value(v);
        }
        for frame in self.frames.iter() {
            self.heap.mark(frame.closure);
        }
        let mut upvalue = self.open_upvalues;
        while let Some(u) = upvalue {
            self.heap.mark(u);
            upvalue = u.next_open;
        }
        for &v in &self.globals {
            self.heap.mark_value(v);
        }
        for &name in &self.global_names {
            self.heap.mark(name);
        }
        self.heap.mark(self.init_string);
        self.roots.release_dropped();
        for &v in self.roots.values() {
            self.heap.mark_value(v);
        }
        let temp = std::mem::take(&mut self.heap.temp_roots);
        for &v in &temp {
            self.heap.mark_value(v);
        }
        self.heap.temp_roots = temp;
    }

    // ----- Printing ---------------------------------------------------------------------

    /// Writes a value as `print` (Lox) or `say` (Potato) shows it.
    pub(crate) fn write_value(out: &mut dyn Write, v: Value, dialect: Dialect) -> io::Result<()> {
        if v.is_number() {
            return out.write_all(number::format(v.as_number()).as_bytes());
        }
        let words = dialect.words();
        if v == Value::NIL {
            return out.write_all(words.nil.as_bytes());
        }
        if v == Value::TRUE {
            return out.write_all(words.true_.as_bytes());
        }
        if v == Value::FALSE {
            return out.write_all(words.false_.as_bytes());
        }
        let function_name = |f: Gc<ObjFunction>| -> String {
            if f.name.is_empty() {
                "<script>".into()
            } else {
                format!("<fn {}>", f.name)
            }
        };
        match v.obj_kind() {
            Some(ObjKind::String) => match v.as_obj::<ObjString>() {
                Some(s) => out.write_all(s.chars.as_bytes()),
                None => Ok(()),
            },
            Some(ObjKind::Function) => write!(
                out,
                "{}",
                v.as_obj::<ObjFunction>()
                    .map(function_name)
                    .unwrap_or_default()
            ),
            Some(ObjKind::Closure) => {
                write!(
                    out,
                    "{}",
                    v.as_obj::<ObjClosure>()
                        .map(|c| function_name(c.function))
                        .unwrap_or_default()
                )
            }
            Some(ObjKind::BoundMethod) => write!(
                out,
                "{}",
                v.as_obj::<ObjBoundMethod>()
                    .map(|b| function_name(b.method.function))
                    .unwrap_or_default()
            ),
            Some(ObjKind::Native) => out.write_all(b"<native fn>"),
            Some(ObjKind::Class) => match v.as_obj::<ObjClass>() {
                Some(c) => out.write_all(c.name.chars.as_bytes()),
                None => Ok(()),
            },
            Some(ObjKind::Instance) => match v.as_obj::<ObjInstance>() {
                Some(i) => write!(out, "{} instance", i.class.name.chars),
                None => Ok(()),
            },
            Some(ObjKind::Upvalue) => out.write_all(b"upvalue"),
            Some(ObjKind::UserData) => out.write_all(b"<userdata>"),
            None => out.write_all(b"?"),
        }
    }

    // ----- Errors -----------------------------------------------------------------------

    /// Builds a runtime error for a limit (the message says which).
    #[cold]
    fn limit_error(&mut self, limit: Limit) -> RuntimeError {
        if limit == Limit::Heap {
            self.heap.release_ballast();
        }
        let mut error = self.error(limit.message().into());
        error.limit = Some(limit);
        error
    }

    /// Builds a runtime error with the current call stack. It does not unwind: whoever
    /// entered the interpreter (a run, or a call from the host) drops the frames the
    /// error leaves, so that a host function's caller keeps its own.
    ///
    /// The trace is built in memory reserved fallibly: when memory is short (an
    /// `Out of memory.` error), it keeps the innermost frames that fit, down to none.
    #[cold]
    fn error(&mut self, message: String) -> RuntimeError {
        let mut trace = Vec::new();
        let mut room = self.frames.len();
        while trace.try_reserve_exact(room).is_err() {
            room /= 2;
        }
        let mut span = None;
        for (depth, frame) in self.frames.iter().rev().take(room).enumerate() {
            let function = frame.closure.function;
            let offset = function.offset_of(frame.ip).saturating_sub(1);
            let name = if function.name.is_empty() {
                None
            } else {
                match try_box_str(&function.name) {
                    Ok(name) => Some(name.into_string()),
                    Err(OutOfMemory) => break,
                }
            };
            trace.push((function.line_at(offset), name));
            if depth == 0 {
                span = function.span_at(offset).map(|s| s.start..s.end);
            }
        }
        RuntimeError {
            message,
            trace,
            limit: None,
            detail: None,
            span,
        }
    }

    /// A runtime error about the `operands` values on top of the stack (synced), which
    /// are of the wrong type: the detail names them, read back here, on the error's
    /// path, so that the interpreter's hot paths carry nothing for it.
    #[cold]
    #[inline(never)]
    fn type_error(&mut self, message: String, operands: usize) -> RuntimeError {
        let values: Vec<String> = (0..operands)
            .rev()
            .map(|distance| describe(self.stack.peek(distance)))
            .collect();
        let mut error = self.error(message);
        error.detail = Some(match values.as_slice() {
            [one] => format!("the operand is {one}"),
            [a, b] => format!("the operands are {a} and {b}"),
            _ => values.join(", "),
        });
        error
    }
}

impl Vm {
    /// A runtime error of a fused instruction (`op`, the current frame's last, with
    /// its `ip` saved) whose operands are of the wrong type. Its operands live in
    /// slots and constants as well as on the stack, so they are read back from the
    /// instruction's own bytes, on the error's path only.
    #[cold]
    #[inline(never)]
    fn fused_type_error(&mut self, message: String, op: Op) -> RuntimeError {
        let detail = self.frames.last().and_then(|frame| {
            let function = frame.closure.function;
            let end = function.offset_of(frame.ip);
            let at = end.checked_sub(op.size())?;
            let code = function.code.get(at..end)?;
            let u24 = |i: usize| -> Option<usize> {
                let bytes = code.get(i..i + 3)?;
                Some(bytes[0] as usize | (bytes[1] as usize) << 8 | (bytes[2] as usize) << 16)
            };
            let slot = |i: usize| -> Option<Value> {
                let index = self.stack.index_of(frame.slots) + *code.get(i)? as usize;
                self.stack.as_slice().get(index).copied()
            };
            let constant = |i: usize| -> Option<Value> { function.constants.get(u24(i)?).copied() };
            let global = |i: usize| -> Option<Value> { self.globals.get(u24(i)?).copied() };
            let (a, b) = match op {
                Op::AddConstant
                | Op::SubtractConstant
                | Op::MultiplyConstant
                | Op::DivideConstant
                | Op::JumpUnlessLessConstant
                | Op::JumpUnlessGreaterConstant
                | Op::JumpIfLessConstant
                | Op::JumpIfGreaterConstant
                | Op::LoopUnlessLessConstant
                | Op::LoopUnlessGreaterConstant => (self.stack.peek(0), constant(1)?),
                Op::AddLocalConstant
                | Op::SubtractLocalConstant
                | Op::AddToLocal
                | Op::SubtractFromLocal
                | Op::JumpUnlessLocalLessConstant
                | Op::JumpUnlessLocalGreaterConstant
                | Op::LoopIfLocalLessConstant
                | Op::LoopIfLocalGreaterConstant => (slot(1)?, constant(2)?),
                Op::AddToGlobal
                | Op::JumpUnlessGlobalLessConstant
                | Op::JumpUnlessGlobalGreaterConstant
                | Op::LoopIfGlobalLessConstant => (global(1)?, constant(4)?),
                Op::JumpUnlessLocalsLess
                | Op::JumpUnlessLocalsGreater
                | Op::LoopIfLocalsLess
                | Op::MultiplyLocals => (slot(1)?, slot(2)?),
                Op::GetLocalProperty | Op::SetLocalPropertyPop | Op::LoadLocalProperty => {
                    return Some(format!("the receiver is {}", describe(slot(1)?)));
                }
                _ => return None,
            };
            Some(format!(
                "the operands are {} and {}",
                describe(a),
                describe(b)
            ))
        });
        let mut error = self.error(message);
        error.detail = detail;
        error
    }

    /// A runtime error about one value `distance` below the top of the (synced) stack,
    /// of the wrong type: the detail says what `role` it plays and what it is (`the
    /// callee is a number`). Read back on the error's path, as in `type_error`.
    #[cold]
    #[inline(never)]
    fn type_error_at(&mut self, message: String, distance: usize, role: &str) -> RuntimeError {
        let detail = format!("the {role} is {}", describe(self.stack.peek(distance)));
        let mut error = self.error(message);
        error.detail = Some(detail);
        error
    }
}

/// How a value is named in the detail of a type error: `nil`, `a boolean`, `a number`,
/// `a string`, `a function`, `the class Point`, `an instance of Point`.
fn describe(value: Value) -> String {
    if value.is_nil() {
        return "nil".into();
    }
    if value.is_bool() {
        return "a boolean".into();
    }
    if value.is_number() {
        return "a number".into();
    }
    if let Some(class) = value.as_obj::<ObjClass>() {
        return format!("the class {}", class.name.chars);
    }
    if let Some(instance) = value.as_obj::<ObjInstance>() {
        return format!("an instance of {}", instance.class.name.chars);
    }
    match value.obj_kind() {
        Some(ObjKind::String) => "a string",
        Some(ObjKind::Function | ObjKind::Closure | ObjKind::BoundMethod) => "a function",
        Some(ObjKind::Native) => "a native function",
        Some(ObjKind::UserData) => "a host value",
        _ => "a value",
    }
    .into()
}

/// A NaN from a file could carry a payload that collides with the value tags.
fn canonical(n: f64) -> f64 {
    if n.is_nan() {
        if n.is_sign_negative() {
            -f64::NAN
        } else {
            f64::NAN
        }
    } else {
        n
    }
}

/// Rewrites a verified function's global operands from module indices to VM slots, in
/// a copy reserved fallibly.
fn patch_globals(code: &[u8], slots: &[u32]) -> Result<Vec<u8>, OutOfMemory> {
    let mut patched = try_vec_from(code)?;
    for instruction in decode::instructions(code) {
        let instruction = instruction.expect("verified code");
        for field in instruction.fields() {
            if field.kind == Operand::Global {
                let slot = slots[field.value as usize];
                let width = field.kind.width();
                patched[field.at..field.at + width].copy_from_slice(&slot.to_le_bytes()[..width]);
            }
        }
    }
    Ok(patched)
}

/// An output buffer that can be handed to a VM and read afterwards (embedding, tests).
/// Clones share the buffer; it is `Send`, as a VM's output must be.
#[derive(Clone, Default)]
pub struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    /// An empty buffer.
    pub fn new() -> SharedBuffer {
        SharedBuffer::default()
    }

    /// Everything written so far, as text.
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.lock()).into_owned()
    }

    /// The bytes, even if a thread panicked while writing (they are plain bytes).
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.lock().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

//! The virtual machine: a stack machine that runs verified bytecode.
//!
//! `Vm` owns the heap, the value stack, the call frames and the globals, and it is the
//! only place that knows the garbage collector's roots, so every allocation goes
//! through it (`maybe_collect` before, the new object rooted right after). Globals are
//! an array indexed by slot; each loaded module's global names are mapped to VM slots
//! when it is loaded, so slots persist across modules (the REPL) and the interpreter
//! never sees a name.

// `unsafe` is allowed in `value`, `object` and `heap` only; each says so at its top.
#![deny(unsafe_code)]

pub mod heap;
mod interp;
pub mod natives;
pub mod object;
#[cfg(feature = "op-profile")]
pub mod profile;
pub mod shape;
pub mod table;
pub mod value;

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use heap::Heap;
use loxide_bytecode::verify::Verified;
use loxide_bytecode::{Constant, Dialect, Operand, decode, number};
use object::*;
use value::{Stack, Value};

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
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_frames: DEFAULT_MAX_FRAMES,
            stack_values: DEFAULT_STACK_VALUES,
            max_steps: None,
            max_heap: None,
        }
    }
}

impl Options {
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
    pub message: String,
    /// `(line, function)` innermost first; the function is `None` for the script.
    pub trace: Vec<(u32, Option<String>)>,
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

#[derive(Clone, Copy)]
struct CallFrame {
    closure: Gc<ObjClosure>,
    /// Where execution resumes (saved when another frame is entered).
    ip: Ip,
    /// The stack index of slot 0.
    base: usize,
}

pub struct Vm {
    heap: Heap,
    stack: Stack,
    frames: Vec<CallFrame>,
    globals: Vec<Value>,
    global_names: Vec<Gc<ObjString>>,
    global_slots: HashMap<Box<str>, u32>,
    /// Open upvalues, sorted by stack slot, highest first.
    open_upvalues: Option<Gc<ObjUpvalue>>,
    init_string: Gc<ObjString>,
    out: Box<dyn Write>,
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
    interrupt: Arc<AtomicBool>,
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
    pub fn with_output(options: Options, out: Box<dyn Write>) -> Vm {
        let mut heap = Heap::new();
        let init_string = heap.intern("init");
        let mut vm = Vm {
            heap,
            stack: Stack::new(options.stack_values),
            frames: Vec::new(),
            globals: Vec::new(),
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
            interrupt: Arc::new(AtomicBool::new(false)),
            #[cfg(feature = "op-profile")]
            profile: Default::default(),
        };
        natives::define_all(&mut vm);
        vm
    }

    /// Replaces the VM's limits (they apply from the next run).
    pub fn set_options(&mut self, options: Options) {
        if options.stack_values != self.options.stack_values {
            self.stack = Stack::new(options.stack_values);
        }
        self.options = options;
    }

    /// Runs a verified module to completion. Globals persist between runs.
    pub fn run(&mut self, module: &Verified) -> Result<(), RuntimeError> {
        self.interrupt.store(false, Ordering::Relaxed);
        self.out_of_memory = false;
        let budget = self.options.max_steps.unwrap_or(u64::MAX);
        self.fuel = budget.min(POLL_INTERVAL);
        self.steps_left = budget - self.fuel;
        self.dialect = module.module().dialect;
        let result = self.load(module).and_then(|script| {
            self.stack.push(Value::object(script));
            self.call(script, 0)?;
            self.execute()
        });
        if result.is_err() {
            self.reset();
        }
        let _ = self.out.flush();
        result
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
            return Err(self.error("Interrupted.".into()));
        }
        if self.out_of_memory {
            return Err(self.error("Out of memory.".into()));
        }
        if self.steps_left == 0 {
            return Err(self.error("Execution budget exceeded.".into()));
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
            });
        }
        self.maybe_collect();
        let interned = self.heap.intern(name);
        let slot = self.globals.len() as u32;
        self.globals.push(Value::UNDEFINED);
        self.global_names.push(interned);
        self.global_slots.insert(name.into(), slot);
        Ok(slot)
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

    /// Defines a global from Rust (natives, embedding).
    pub fn define_global(&mut self, name: &str, value: Value) {
        if let Ok(slot) = self.global_slot(name) {
            self.globals[slot as usize] = value;
        }
    }

    // ----- Loading ----------------------------------------------------------------------

    /// Turns a verified module into heap objects and returns the script's closure.
    fn load(&mut self, verified: &Verified) -> Result<Gc<ObjClosure>, RuntimeError> {
        let module = verified.module();
        let slots = module
            .globals
            .iter()
            .map(|g| self.global_slot(g))
            .collect::<Result<Vec<u32>, _>>()?;
        // Create children before parents: the reverse of a breadth-first walk from the
        // script, linear however deep functions nest (the verifier proved a tree).
        let mut order = vec![0usize];
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
        let mut made: Vec<Option<Gc<ObjFunction>>> = vec![None; module.functions.len()];
        for i in order {
            let f = &module.functions[i];
            let constants_mark = self.heap.temp_roots.len();
            let mut constants = Vec::with_capacity(f.constants.len());
            for c in &f.constants {
                let v = match c {
                    Constant::Number(n) => Value::number(canonical(*n)),
                    Constant::Str(s) => {
                        self.maybe_collect();
                        let s = Value::object(self.heap.intern(s));
                        self.heap.temp_roots.push(s);
                        s
                    }
                    Constant::Function(child) => {
                        Value::object(made[*child as usize].expect("children are made first"))
                    }
                };
                constants.push(v);
            }
            let code = patch_globals(&f.code, &slots);
            self.maybe_collect();
            let function = self.heap.alloc(ObjFunction {
                header: Header::new(ObjKind::Function),
                arity: f.arity,
                max_stack: f.max_stack,
                upvalues: f.upvalues.clone().into_boxed_slice(),
                code: code.into_boxed_slice(),
                constants: constants.into_boxed_slice(),
                lines: f.lines.clone().into_boxed_slice(),
                name: f.name.clone().into_boxed_str(),
                caches: (0..f.constants.len()).map(|_| Default::default()).collect(),
            });
            self.heap.temp_roots.truncate(constants_mark);
            self.heap.temp_roots.push(Value::object(function));
            made[i] = Some(function);
        }
        self.maybe_collect();
        let script = made[0].expect("the verifier guarantees a script");
        let closure = self.heap.alloc(ObjClosure {
            header: Header::new(ObjKind::Closure),
            function: script,
            upvalues: Block::EMPTY,
        });
        self.heap.temp_roots.truncate(roots_mark);
        Ok(closure)
    }

    // ----- Allocation and collection ----------------------------------------------------

    /// Collects if the heap asks for it. Call before allocating, with every value the
    /// caller still needs reachable from a root.
    #[inline(always)]
    fn maybe_collect(&mut self) {
        if self.heap.should_collect() {
            self.collect_garbage();
            if self
                .options
                .max_heap
                .is_some_and(|max| self.heap.bytes_allocated() > max)
            {
                // Raised at the next poll, at the next back-edge or call.
                self.out_of_memory = true;
                self.fuel = 0;
            }
        }
    }

    #[cold]
    fn collect_garbage(&mut self) {
        for &v in self.stack.as_slice() {
            self.heap.mark_value(v);
        }
        for frame in &self.frames {
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
        let temp = std::mem::take(&mut self.heap.temp_roots);
        for &v in &temp {
            self.heap.mark_value(v);
        }
        self.heap.temp_roots = temp;
        self.heap.trace();
        self.heap.sweep();
    }

    /// Interns a string (collecting first if due).
    pub fn intern(&mut self, s: &str) -> Gc<ObjString> {
        self.maybe_collect();
        self.heap.intern(s)
    }

    // ----- Printing ---------------------------------------------------------------------

    /// Writes a value as `print` (Lox) or `say` (Potato) shows it.
    pub fn write_value(out: &mut dyn Write, v: Value, dialect: Dialect) -> io::Result<()> {
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
            None => out.write_all(b"?"),
        }
    }

    /// A value as the language prints it, as a string (for the REPL and embedding).
    pub fn show(v: Value, dialect: Dialect) -> String {
        let mut buf = Vec::new();
        let _ = Vm::write_value(&mut buf, v, dialect);
        String::from_utf8_lossy(&buf).into_owned()
    }

    // ----- Errors -----------------------------------------------------------------------

    /// Builds a runtime error with the current call stack, and resets the VM.
    #[cold]
    fn error(&mut self, message: String) -> RuntimeError {
        let mut trace = Vec::with_capacity(self.frames.len());
        for frame in self.frames.iter().rev() {
            let function = frame.closure.function;
            let offset = function.offset_of(frame.ip).saturating_sub(1);
            let name = if function.name.is_empty() {
                None
            } else {
                Some(function.name.to_string())
            };
            trace.push((function.line_at(offset), name));
        }
        self.reset();
        RuntimeError { message, trace }
    }
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

/// Rewrites a verified function's global operands from module indices to VM slots.
fn patch_globals(code: &[u8], slots: &[u32]) -> Vec<u8> {
    let mut patched = code.to_vec();
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
    patched
}

/// An output buffer that can be handed to a VM and read afterwards (embedding, tests).
#[derive(Clone, Default)]
pub struct SharedBuffer(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl SharedBuffer {
    pub fn new() -> SharedBuffer {
        SharedBuffer::default()
    }

    /// Everything written so far, as text.
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).into_owned()
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

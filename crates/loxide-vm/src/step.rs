//! Stepping: a run that shows its whole state to a `Stepper` before every instruction,
//! for the playground's VM stepper and `lox trace`.
//!
//! A stepping run loads its functions with `STEP` (`object::STEP`) in place of every
//! opcode; the interpreter's arm for `STEP` calls the hook (`interp::Hook`) and then
//! dispatches the opcode it stands for. Ordinary runs' code has no `STEP`, so they run
//! the same single loop with no check for stepping at all. The trade-off: a stepper sees the state only between
//! instructions, never inside one (a call's arguments are on the stack before the
//! call, the new frame is there after it), which is what a learner steps through.
//!
//! A `State` reads the VM without changing it: the current instruction, the value
//! stack, the frames, and on request a `Snapshot` that renders everything as owned
//! data, with the heap objects reachable from the roots as a graph (bounded by
//! `MAX_OBJECTS`).

use std::collections::HashMap;

use super::interp::Hook;
use super::object::*;
use super::value::Value;
use super::{RuntimeError, Vm};
use loxide_bytecode::number;
use loxide_bytecode::verify::Verified;

/// The most heap objects a snapshot draws: beyond them, values show their text only.
pub const MAX_OBJECTS: usize = 200;
/// The longest string a snapshot shows in full; longer ones are cut with `…`.
pub const MAX_TEXT: usize = 80;

/// Sees the state before each instruction of a stepping run.
pub trait Stepper {
    /// Called before each instruction; false stops the run there (the run then ends
    /// with `Execution budget exceeded.`).
    fn step(&mut self, state: &State<'_>) -> bool;
}

/// The VM between two instructions, read-only.
pub struct State<'a> {
    vm: &'a Vm,
    functions: &'a [Gc<ObjFunction>],
}

/// One call frame: where it is, and where its slots start on the value stack.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// The function's index in the module (0 for the script).
    pub function: usize,
    /// The function's name (empty for the script).
    pub name: String,
    /// The offset of the instruction that runs next in this frame (for a caller, the
    /// one after its call).
    pub offset: usize,
    /// The source line of the instruction at `offset` (of the call, for a caller).
    pub line: u32,
    /// The value stack index of the frame's slot 0.
    pub base: usize,
}

/// A value as a snapshot shows it: its text, and the heap object it is, if drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueView {
    /// As `print` shows it, strings quoted.
    pub text: String,
    /// The index in `Snapshot::objects` of the object this value is.
    pub object: Option<usize>,
}

/// A heap object as a snapshot draws it: a box with a kind, a title and labelled
/// fields, each of which may point at another box.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectView {
    /// `string`, `closure`, `function`, `class`, `instance`, `bound method`,
    /// `upvalue`, `native` or `userdata`.
    pub kind: &'static str,
    /// The box's title: the string's text, the function's or the class's name.
    pub title: String,
    /// Labelled fields: an instance's fields, a class's methods, a closure's upvalues.
    pub fields: Vec<(String, ValueView)>,
}

/// One open upvalue: the stack slot it captures.
#[derive(Clone, Debug, PartialEq)]
pub struct UpvalueView {
    /// The captured slot's value stack index.
    pub slot: usize,
    /// The value in that slot.
    pub value: ValueView,
}

/// The whole state between two instructions, as owned data.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The value stack, bottom first.
    pub stack: Vec<ValueView>,
    /// The call frames, outermost (the script) first.
    pub frames: Vec<Frame>,
    /// The globals programs defined (natives left out), in slot order.
    pub globals: Vec<(String, ValueView)>,
    /// The open upvalues, lowest slot first.
    pub upvalues: Vec<UpvalueView>,
    /// The heap objects reachable from the above, in the order first reached.
    pub objects: Vec<ObjectView>,
    /// True when more objects were reachable than `MAX_OBJECTS`.
    pub objects_cut_off: bool,
}

impl State<'_> {
    /// The innermost frame: where the next instruction is.
    pub fn current(&self) -> Frame {
        let frame = self.vm.frames.last().expect("a stepper runs with a frame");
        self.frame(frame)
    }

    /// How many frames there are.
    pub fn depth(&self) -> usize {
        self.vm.frames.len()
    }

    /// The value stack, bottom first, each value as `print` shows it (strings quoted).
    pub fn stack(&self) -> Vec<String> {
        self.vm
            .stack
            .as_slice()
            .iter()
            .map(|&v| text(v, self.vm))
            .collect()
    }

    /// How many values the stack holds.
    pub fn stack_len(&self) -> usize {
        self.vm.stack.len()
    }

    /// The top `n` values of the stack (fewer if it holds fewer), bottom first, as
    /// `stack` shows them: a bounded view for recording every step of a deep run.
    pub fn stack_top(&self, n: usize) -> Vec<String> {
        let values = self.vm.stack.as_slice();
        values[values.len().saturating_sub(n)..]
            .iter()
            .map(|&v| text(v, self.vm))
            .collect()
    }

    /// Everything, as owned data.
    pub fn snapshot(&self) -> Snapshot {
        let mut graph = Graph {
            vm: self.vm,
            ids: HashMap::new(),
            objects: Vec::new(),
            queue: Vec::new(),
            cut_off: false,
        };
        let stack = self
            .vm
            .stack
            .as_slice()
            .iter()
            .map(|&v| graph.value(v))
            .collect();
        let frames = self.vm.frames.iter().map(|f| self.frame(f)).collect();
        let globals = self
            .vm
            .global_names
            .iter()
            .zip(&self.vm.globals)
            .filter(|(_, v)| **v != Value::UNDEFINED && v.obj_kind() != Some(ObjKind::Native))
            .map(|(name, &v)| (name.chars.to_string(), graph.value(v)))
            .collect();
        let mut upvalues = Vec::new();
        let mut open = self.vm.open_upvalues;
        while let Some(u) = open {
            upvalues.push(UpvalueView {
                slot: u.slot,
                value: graph.value(u.get()),
            });
            open = u.next_open;
        }
        upvalues.reverse();
        graph.drain();
        Snapshot {
            stack,
            frames,
            globals,
            upvalues,
            objects: graph.objects,
            objects_cut_off: graph.cut_off,
        }
    }

    fn frame(&self, frame: &super::CallFrame) -> Frame {
        let function = frame.closure.function;
        let offset = function.offset_of(frame.ip);
        // A caller's ip is past its call: its line is the call's.
        let line_offset = if std::ptr::eq(frame, self.vm.frames.last().expect("a frame")) {
            offset
        } else {
            offset.saturating_sub(1)
        };
        Frame {
            function: self
                .functions
                .iter()
                .position(|&f| f == function)
                .unwrap_or(0),
            name: function.name.to_string(),
            offset,
            line: function.line_at(line_offset),
            base: self.vm.stack.index_of(frame.slots),
        }
    }
}

/// Builds the object graph of a snapshot, breadth first from the roots.
struct Graph<'a> {
    vm: &'a Vm,
    ids: HashMap<usize, usize>,
    objects: Vec<ObjectView>,
    /// Objects given an id whose box is not built yet.
    queue: Vec<(usize, Value)>,
    cut_off: bool,
}

impl Graph<'_> {
    /// A value's view, giving its object an id (its box is built by `drain`).
    fn value(&mut self, v: Value) -> ValueView {
        let text = text(v, self.vm);
        let Some(header) = v.as_header() else {
            return ValueView { text, object: None };
        };
        let addr = header as usize;
        if let Some(&id) = self.ids.get(&addr) {
            return ValueView {
                text,
                object: Some(id),
            };
        }
        if self.ids.len() >= MAX_OBJECTS {
            self.cut_off = true;
            return ValueView { text, object: None };
        }
        let id = self.ids.len();
        self.ids.insert(addr, id);
        self.queue.push((id, v));
        ValueView {
            text,
            object: Some(id),
        }
    }

    /// Builds the boxes of every object given an id, and of the objects they reach.
    fn drain(&mut self) {
        let mut next = 0;
        while next < self.queue.len() {
            let (id, v) = self.queue[next];
            next += 1;
            let view = self.build(v);
            if self.objects.len() <= id {
                self.objects.resize(
                    id + 1,
                    ObjectView {
                        kind: "",
                        title: String::new(),
                        fields: Vec::new(),
                    },
                );
            }
            self.objects[id] = view;
        }
    }

    fn build(&mut self, v: Value) -> ObjectView {
        let title = text(v, self.vm);
        let mut fields = Vec::new();
        let kind = match v.obj_kind() {
            Some(ObjKind::String) => "string",
            Some(ObjKind::Function) => "function",
            Some(ObjKind::Native) => "native",
            Some(ObjKind::UserData) => "userdata",
            Some(ObjKind::Closure) => {
                if let Some(closure) = v.as_obj::<ObjClosure>() {
                    for (i, u) in closure.upvalues.as_slice().iter().enumerate() {
                        fields.push((format!("^{i}"), self.value(u.get())));
                    }
                }
                "closure"
            }
            Some(ObjKind::Upvalue) => "upvalue",
            Some(ObjKind::Class) => {
                if let Some(class) = v.as_obj::<ObjClass>() {
                    let mut methods: Vec<(String, Value)> = class
                        .methods
                        .iter()
                        .map(|(name, m)| (name.chars.to_string(), m))
                        .collect();
                    methods.sort_by(|a, b| a.0.cmp(&b.0));
                    for (name, m) in methods {
                        fields.push((name, self.value(m)));
                    }
                }
                "class"
            }
            Some(ObjKind::Instance) => {
                if let Some(instance) = v.as_obj::<ObjInstance>() {
                    fields.push(("class".into(), self.value(Value::object(instance.class))));
                    match &instance.dictionary {
                        Some(table) => {
                            let mut entries: Vec<(String, Value)> = table
                                .iter()
                                .map(|(name, v)| (name.chars.to_string(), v))
                                .collect();
                            entries.sort_by(|a, b| a.0.cmp(&b.0));
                            for (name, value) in entries {
                                fields.push((name, self.value(value)));
                            }
                        }
                        None => {
                            let names = instance.class.shapes.keys(instance.shape);
                            let values = instance.fields.as_slice();
                            for (name, &value) in names.iter().zip(values) {
                                fields.push((name.chars.to_string(), self.value(value)));
                            }
                        }
                    }
                }
                "instance"
            }
            Some(ObjKind::BoundMethod) => {
                if let Some(bound) = v.as_obj::<ObjBoundMethod>() {
                    fields.push(("receiver".into(), self.value(bound.receiver)));
                    fields.push(("method".into(), self.value(Value::object(bound.method))));
                }
                "bound method"
            }
            None => "value",
        };
        ObjectView {
            kind,
            title,
            fields,
        }
    }
}

/// A value as `print` shows it, strings quoted and cut at `MAX_TEXT` characters.
fn text(v: Value, vm: &Vm) -> String {
    if v.is_number() {
        return number::format(v.as_number());
    }
    if let Some(s) = v.as_obj::<ObjString>() {
        let chars: &str = &s.chars;
        return match chars.char_indices().nth(MAX_TEXT) {
            Some((cut, _)) => format!("\"{}…\"", &chars[..cut]),
            None => format!("\"{chars}\""),
        };
    }
    let mut out = Vec::new();
    let _ = Vm::write_value(&mut out, v, vm.dialect);
    String::from_utf8_lossy(&out).into_owned()
}

/// The interpreter's hook for a stepping run.
struct Stepping<'a> {
    stepper: &'a mut dyn Stepper,
    functions: &'a [Gc<ObjFunction>],
}

impl Hook for Stepping<'_> {
    fn before(&mut self, vm: &Vm) -> bool {
        let state = State {
            vm,
            functions: self.functions,
        };
        self.stepper.step(&state)
    }
}

impl Vm {
    /// Runs a verified module as `run` does, showing the state to `stepper` before
    /// every instruction. Slower than `run` by the stepper's work; an ordinary run
    /// pays nothing for this method's existence. A stepper that returns false stops
    /// the run with `Execution budget exceeded.`.
    pub fn run_stepping(
        &mut self,
        module: &Verified,
        stepper: &mut dyn Stepper,
    ) -> Result<(), RuntimeError> {
        self.start_run(module)?;
        let mut functions = Vec::new();
        let result = self
            .load_listing(module, &mut functions, true)
            .and_then(|script| {
                self.stack.push(Value::object(script));
                self.call_closure(script, 0)?;
                // The functions stay reachable from the script's constants while it runs.
                let mut hook = Stepping {
                    stepper,
                    functions: &functions,
                };
                self.execute_hooked(0, Some(&mut hook))
            });
        if result.is_err() {
            self.reset();
        }
        let _ = self.out.flush();
        result
    }
}

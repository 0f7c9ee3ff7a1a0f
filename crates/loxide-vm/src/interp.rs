//! The interpreter loop and the calling convention.
//!
//! Fetch–decode–dispatch over verified bytecode. The running frame (a pointer into the
//! frames), its instruction pointer, slots and function live in locals (`frame`, `ip`,
//! `slots`, `function`), saved to the frames before anything that can inspect them
//! (slow calls, errors, the collector) and reloaded after anything that can change
//! them; a call of a closure and a return go from frame to frame in the locals alone.
//! Each arm is short; errors and rarely taken paths are `#[cold]` methods. There is no
//! unsafe code here: the unchecked reads live behind `Ip`, `Stack`, `Frames`, `Globals`,
//! `Gc` and the inline caches' in-place reads (`ObjFunction::cached_*`), whose
//! invariants the verifier, the loader and the collector keep.

use super::heap::OutOfMemory;
use super::object::*;
use super::shape::{DICTIONARY, ROOT, ShapeId, Shapes};
use super::table::Table;
use super::value::{CallFrame, Value};
use super::{Limit, RuntimeError, Vm};
use loxide_bytecode::opcodes::byte as op;
use loxide_bytecode::{Op, number};

/// What a stepping run does before each instruction. The loop has no check for it:
/// a stepping run's code has `STEP` at every instruction start (see `Vm::load_listing`),
/// whose arm calls the hook and then dispatches the real opcode. An ordinary run's code
/// has no `STEP`, so the loop it runs is the loop without stepping, one instance of it.
pub(super) trait Hook {
    /// Called before each instruction with the frame's `ip` and the stack top saved;
    /// false stops the run (with `Execution budget exceeded.`).
    fn before(&mut self, vm: &Vm) -> bool;
}

impl Vm {
    /// Runs until the frames are back down to `stop` (0 for a program; the depth a
    /// host found when it called a Lox function). The result of the last frame to
    /// return is then the stack's top value, where its callee was.
    pub(super) fn execute(&mut self, stop: usize) -> Result<(), RuntimeError> {
        self.execute_hooked(stop, None)
    }

    /// `execute` with a hook before each instruction of a stepping run's functions.
    // `!(a < b)` is not `a >= b` when either is NaN: the negations are the semantics.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub(super) fn execute_hooked(
        &mut self,
        stop: usize,
        mut hook: Option<&mut dyn Hook>,
    ) -> Result<(), RuntimeError> {
        // The running frame is a pointer into the frames (`FramePtr`): a call pushes
        // and a return pops through it, and the frames' length is written back only
        // when something else is about to look at them (`save!`).
        let mut frame = self.frames.top();
        let entered = frame.get();
        let mut ip = entered.ip;
        let mut function = entered.closure.function;
        // The stack top and the frame's slots live in locals: keeping the top out of
        // memory removes a store-to-load dependency between consecutive instructions
        // (fib: -20% instructions, more in time).
        let mut slots = entered.slots;
        let mut sp = self.stack.sp();
        // The frame whose return ends this run, and the last frame from which a call
        // pushes without growing the frames; both move when the frames grow, so they
        // are taken again wherever the frame is (`load!`).
        let mut stop_frame = self.frames.at(stop);
        let mut frame_limit = self.frames.limit(self.frame_room);
        // The value stack never moves.
        let stack_end = self.stack.end();

        // Writes the stack top back, before anything that reads the stack through
        // `self.stack` (the collector, calls, slow paths).
        macro_rules! sync {
            () => {
                self.stack.set_sp(sp)
            };
        }
        // Saves the instruction pointer into the current frame, and the stack top and
        // the frames' length: after it, the collector, the error paths and the calls
        // through `Vm` methods see the state the loop keeps in locals.
        macro_rules! save {
            () => {{
                sync!();
                frame.set_ip(ip);
                self.frames.set_top(frame);
            }};
        }
        // Before a `Vm` method that allocates and collects only if `Vm::may_collect`
        // says so: the stack top always, the frame only when the collector may run
        // (concatenation: saving the frame each time cost bench/small/strings 3%).
        macro_rules! save_to_allocate {
            () => {{
                if self.may_collect() {
                    save!();
                } else {
                    sync!();
                }
            }};
        }
        // Reloads the locals from the (possibly new) current frame, after a `Vm` method
        // that may have pushed frames, grown them or run Lox (a host function).
        macro_rules! load {
            () => {{
                frame = self.frames.top();
                let current = frame.get();
                ip = current.ip;
                slots = current.slots;
                function = current.closure.function;
                sp = self.stack.sp();
                stop_frame = self.frames.at(stop);
                frame_limit = self.frames.limit(self.frame_room);
            }};
        }
        // Calls `$callee` (a closure) with the `$argc` arguments on top of the stack,
        // above the callee's slot. The common case pushes the frame through `frame`
        // and enters it without leaving the loop's locals: the arity, the frames'
        // room and the stack's room are three comparisons, and nothing is written back
        // but the caller's `ip`. Anything else (an error, frames to grow) goes
        // through `Vm::push_frame`, which does the same checks in the same order.
        macro_rules! call_closure {
            ($callee:expr, $argc:expr) => {{
                let callee: Gc<ObjClosure> = $callee;
                let argc: usize = $argc;
                let callee_function = callee.function;
                let callee_slots = sp.frame_below(argc + 1);
                if argc == callee_function.arity as usize
                    && frame < frame_limit
                    && callee_slots.has_room(callee_function.max_stack as usize, stack_end)
                {
                    frame.set_ip(ip);
                    ip = callee_function.ip();
                    frame.push(CallFrame {
                        closure: callee,
                        ip,
                        slots: callee_slots,
                    });
                    function = callee_function;
                    slots = callee_slots;
                } else {
                    save!();
                    check!(self.push_frame(callee, argc));
                    load!();
                }
            }};
        }
        // Leaves the current frame with `$result`: closes its captured locals, drops its
        // slots and continues in the caller (or ends the run after the outermost frame).
        macro_rules! ret {
            ($result:expr) => {{
                let result = $result;
                if self.open_upvalues.is_some() {
                    self.close_upvalues(self.stack.index_of(slots));
                }
                // The result takes the callee's place, slot 0 of the finished frame, and
                // becomes the caller's stack top.
                slots.set(0, result);
                sp = slots.top_after(1);
                let finished = frame;
                frame.pop();
                if finished == stop_frame {
                    self.frames.set_top(frame);
                    sync!();
                    return Ok(());
                }
                let caller = frame.get();
                ip = caller.ip;
                slots = caller.slots;
                function = caller.closure.function;
            }};
        }
        // Counts one step (a back-edge or a call); with no fuel left, polls first (which
        // refuels, or fails when the budget is spent). One subtraction and a branch on
        // its borrow.
        macro_rules! tick {
            () => {{
                let (fuel, spent) = self.fuel.overflowing_sub(1);
                self.fuel = fuel;
                if spent {
                    self.fuel = 0;
                    save!();
                    check!(self.poll());
                    self.fuel -= 1;
                }
            }};
        }
        // Fails with a runtime error at the current instruction.
        macro_rules! throw {
            ($($msg:tt)*) => {{
                save!();
                return Err(self.error(format!($($msg)*)));
            }};
        }
        // Fails with a runtime error about the `$n` values on top of the stack, which
        // are of the wrong type (the error names their types).
        macro_rules! throw_typed {
            ($n:expr, $msg:expr) => {{
                save!();
                return Err(self.type_error($msg.into(), $n));
            }};
        }
        // A type error of a fused instruction: `fused_type_error` reads its operands back.
        macro_rules! throw_fused {
            ($op:expr, $msg:expr) => {{
                save!();
                return Err(self.fused_type_error($msg.into(), $op));
            }};
        }
        // Propagates an error from a method that saw the saved frame.
        macro_rules! check {
            ($e:expr) => {
                $e?
            };
        }
        macro_rules! name_at {
            ($idx:expr) => {
                function
                    .constant($idx)
                    .as_obj::<ObjString>()
                    .expect("verified: a name constant")
            };
        }
        // Takes a jump of `$offset` bytes: forward, or back to the top of an inverted
        // loop, counting a step first, as `LOOP` does.
        macro_rules! take_jump {
            (forward, $offset:expr) => {
                ip.forward($offset)
            };
            (back, $offset:expr) => {{
                tick!();
                ip.back($offset);
            }};
        }
        // Compares two numbers, `$a` and `$b` (operands read in the order given), pops
        // `$popped` values and jumps `$offset` in direction `$dir` (`take_jump!`) when
        // `$holds` says so.
        macro_rules! compare_branch {
            ($dir:ident, $op:expr, $offset:expr, $a:expr, $b:expr, $popped:expr, $holds:expr) => {{
                let (offset, a, b) = ($offset, $a, $b);
                if !(a.is_number() && b.is_number()) {
                    throw_fused!($op, "Operands must be numbers.");
                }
                sp.discard($popped);
                if $holds(a.as_number(), b.as_number()) {
                    take_jump!($dir, offset);
                }
            }};
        }
        macro_rules! compare_jump {
            ($($args:tt)*) => { compare_branch!(forward, $($args)*) };
        }
        macro_rules! compare_loop {
            ($($args:tt)*) => { compare_branch!(back, $($args)*) };
        }
        // The two stack operands, compared and popped.
        macro_rules! stack_compare_branch {
            ($dir:ident, $holds:expr) => {{
                let offset = ip.u32();
                let (a, b) = (sp.peek(1), sp.peek(0));
                if !(a.is_number() && b.is_number()) {
                    throw_typed!(2, "Operands must be numbers.");
                }
                sp.discard(2);
                if $holds(a.as_number(), b.as_number()) {
                    take_jump!($dir, offset);
                }
            }};
        }
        macro_rules! stack_compare_jump {
            ($holds:expr) => {
                stack_compare_branch!(forward, $holds)
            };
        }
        macro_rules! stack_compare_loop {
            ($holds:expr) => {
                stack_compare_branch!(back, $holds)
            };
        }
        // A field or bound method of the instance in local `$slot`, by name constant
        // `$k`: through the inline cache, or else by the general property read, which
        // works on the top of the stack. It borrows the slot above the top for the
        // receiver and gives it back: GET_LOCAL_PROPERTY pushes there anyway, and
        // LOAD_LOCAL_PROPERTY has the slot counted by the verifier (`Op::scratch`).
        macro_rules! local_property {
            ($op:expr, $slot:expr, $k:expr) => {{
                let receiver = slots.get($slot);
                let Some(instance) = receiver.as_obj::<ObjInstance>() else {
                    throw_fused!($op, "Only instances have properties.");
                };
                match function.cached_field_slot($k, &instance) {
                    Some(field) => instance.fields.get(field),
                    None => {
                        sp.push(receiver);
                        save!();
                        match self.get_property(function, $k, instance) {
                            Ok(true) => {}
                            Ok(false) => throw!("Undefined property '{}'.", name_at!($k).chars),
                            Err(OutOfMemory) => return Err(self.limit_error(Limit::Heap)),
                        }
                        sp.pop()
                    }
                }
            }};
        }
        // The stack top, popped, and a constant operand.
        macro_rules! constant_compare_branch {
            ($dir:ident, $op:expr, $holds:expr) => {{
                let b = function.constant(ip.u24() as usize);
                compare_branch!($dir, $op, ip.u32(), sp.peek(0), b, 1, $holds)
            }};
        }
        macro_rules! binary_number {
            ($make:expr) => {{
                let b = sp.peek(0);
                let a = sp.peek(1);
                if !(a.is_number() && b.is_number()) {
                    throw_typed!(2, "Operands must be numbers.");
                }
                sp.discard(1);
                sp.set_peek(0, $make(a.as_number(), b.as_number()));
            }};
        }

        loop {
            let mut byte = ip.opcode();
            // Runs once per instruction, twice for a stepping run's (`STEP`, then the
            // opcode it stands for).
            'dispatch: loop {
                #[cfg(feature = "op-profile")]
                self.profile.record(byte);
                match byte {
                    STEP => {
                        let at = function.offset_of(ip) - 1;
                        if let Some(hook) = hook.as_deref_mut() {
                            ip.back(1);
                            save!();
                            if !hook.before(self) {
                                return Err(self.limit_error(Limit::Steps));
                            }
                            ip.forward(1);
                        }
                        byte = function.stepped_opcode(at);
                        continue 'dispatch;
                    }
                    op::Constant => {
                        let idx = ip.u24() as usize;
                        sp.push(function.constant(idx));
                    }
                    op::Nil => sp.push(Value::NIL),
                    op::True => sp.push(Value::TRUE),
                    op::False => sp.push(Value::FALSE),
                    op::Pop => sp.discard(1),
                    op::GetLocal => {
                        let slot = ip.byte() as usize;
                        sp.push(slots.get(slot));
                    }
                    op::SetLocal => {
                        let slot = ip.byte() as usize;
                        slots.set(slot, sp.peek(0));
                    }
                    op::GetGlobal => {
                        let slot = ip.u24() as usize;
                        let value = self.globals.read(slot);
                        if value == Value::UNDEFINED {
                            throw!("Undefined variable '{}'.", self.global_names[slot].chars);
                        }
                        sp.push(value);
                    }
                    op::CheckGlobal => {
                        let slot = ip.u24() as usize;
                        if self.globals.read(slot) == Value::UNDEFINED {
                            throw!("Undefined variable '{}'.", self.global_names[slot].chars);
                        }
                    }
                    op::DefineGlobal => {
                        let slot = ip.u24() as usize;
                        self.globals.write(slot, sp.pop());
                    }
                    op::SetGlobal => {
                        let slot = ip.u24() as usize;
                        if self.globals.read(slot) == Value::UNDEFINED {
                            throw!("Undefined variable '{}'.", self.global_names[slot].chars);
                        }
                        self.globals.write(slot, sp.peek(0));
                    }
                    op::GetUpvalue => {
                        let idx = ip.byte() as usize;
                        sp.push(frame.closure().upvalues.get(idx).get());
                    }
                    op::SetUpvalue => {
                        let idx = ip.byte() as usize;
                        let mut upvalue = frame.closure().upvalues.get(idx);
                        let value = sp.peek(0);
                        upvalue.set(value);
                        self.heap.barrier(upvalue, value);
                    }
                    op::GetProperty => {
                        let k = ip.u24() as usize;
                        let Some(instance) = sp.peek(0).as_obj::<ObjInstance>() else {
                            save!();
                            let message = "Only instances have properties.".into();
                            return Err(self.type_error_at(message, 0, "receiver"));
                        };
                        // Inline cache hit: a field of a known layout.
                        if let Some(slot) = function.cached_field_slot(k, &instance) {
                            sp.set_peek(0, instance.fields.get(slot));
                        } else {
                            save!();
                            match self.get_property(function, k, instance) {
                                Ok(true) => {}
                                Ok(false) => {
                                    throw!("Undefined property '{}'.", name_at!(k).chars)
                                }
                                Err(OutOfMemory) => return Err(self.limit_error(Limit::Heap)),
                            }
                        }
                    }
                    op::SetProperty => {
                        let k = ip.u24() as usize;
                        let Some(instance) = sp.peek(1).as_obj::<ObjInstance>() else {
                            save!();
                            let message = "Only instances have fields.".into();
                            return Err(self.type_error_at(message, 1, "receiver"));
                        };
                        let value = sp.pop();
                        if self.store_property(function, k, instance, value).is_err() {
                            save!();
                            return Err(self.limit_error(Limit::Heap));
                        }
                        sp.set_peek(0, value);
                    }
                    op::GetSuper => {
                        let name = name_at!(ip.u24() as usize);
                        let Some(superclass) = sp.pop().as_obj::<ObjClass>() else {
                            throw!("Superclass must be a class.");
                        };
                        save!();
                        match self.bind_method(superclass, name) {
                            Ok(true) => {}
                            Ok(false) => throw!("Undefined property '{}'.", name.chars),
                            Err(OutOfMemory) => return Err(self.limit_error(Limit::Heap)),
                        }
                    }
                    op::Equal => {
                        let b = sp.pop();
                        let a = sp.peek(0);
                        sp.set_peek(0, Value::bool(a.equals(b)));
                    }
                    op::Greater => binary_number!(|a, b| Value::bool(a > b)),
                    op::Less => binary_number!(|a, b| Value::bool(a < b)),
                    op::Add => {
                        let b = sp.peek(0);
                        let a = sp.peek(1);
                        if a.is_number() && b.is_number() {
                            sp.discard(1);
                            sp.set_peek(
                                0,
                                Value::number(number::add(a.as_number(), b.as_number())),
                            );
                        } else if let (Some(x), Some(y)) =
                            (a.as_obj::<ObjString>(), b.as_obj::<ObjString>())
                        {
                            // Both operands stay on the stack (rooted) until the result exists.
                            save_to_allocate!();
                            let Some(joined) = self.concatenate(x, y) else {
                                save!();
                                return Err(self.limit_error(Limit::Heap));
                            };
                            sp.discard(1);
                            sp.set_peek(0, Value::object(joined));
                        } else {
                            throw_typed!(2, self.dialect.words().bad_add_operands);
                        }
                    }
                    op::Subtract => binary_number!(|a, b| Value::number(a - b)),
                    op::Multiply => binary_number!(|a, b| Value::number(number::multiply(a, b))),
                    op::Divide => binary_number!(|a, b| Value::number(a / b)),
                    op::Not => {
                        let v = sp.peek(0);
                        sp.set_peek(0, Value::bool(v.is_falsey()));
                    }
                    op::Negate => {
                        let v = sp.peek(0);
                        if !v.is_number() {
                            throw_typed!(1, "Operand must be a number.");
                        }
                        sp.set_peek(0, Value::number(-v.as_number()));
                    }
                    op::Print => {
                        let v = sp.pop();
                        let _ = Vm::write_value(&mut self.out, v, self.dialect);
                        let _ = self.out.write_all(b"\n");
                    }
                    op::Jump => {
                        let offset = ip.u32();
                        ip.forward(offset);
                    }
                    op::JumpIfFalse => {
                        let offset = ip.u32();
                        if sp.peek(0).is_falsey() {
                            ip.forward(offset);
                        }
                    }
                    op::Loop => {
                        let offset = ip.u32();
                        tick!();
                        ip.back(offset);
                    }
                    op::PopLoop => {
                        let offset = ip.u32();
                        sp.discard(1);
                        tick!();
                        ip.back(offset);
                    }
                    op::Call => {
                        tick!();
                        let argc = ip.byte() as usize;
                        let callee = sp.peek(argc);
                        // The common cases, a closure and a class with an initializer, enter
                        // the new frame directly.
                        if let Some(callee) = callee.as_obj::<ObjClosure>() {
                            call_closure!(callee, argc);
                        } else if let Some(class) = callee.as_obj::<ObjClass>() {
                            // `Vm::instantiate` inline: the frame is saved only when the
                            // collector runs first (instantiation: -7% instructions).
                            if self.heap.should_collect() {
                                save!();
                                if self.collect_and_check().is_err() {
                                    return Err(self.limit_error(Limit::Heap));
                                }
                            }
                            let instance = self.new_instance(class);
                            sp.set_peek(argc, Value::object(instance));
                            match class.init {
                                Some(init) => call_closure!(init, argc),
                                None if argc != 0 => {
                                    save!();
                                    return Err(self.arity_error(0, argc));
                                }
                                // No initializer: the instance replaced the class.
                                None => {}
                            }
                        } else {
                            save!();
                            check!(self.call_value(callee, argc));
                            load!();
                        }
                    }
                    op::Invoke => {
                        tick!();
                        let k = ip.u24() as usize;
                        let argc = ip.byte() as usize;
                        let Some(instance) = sp.peek(argc).as_obj::<ObjInstance>() else {
                            save!();
                            let message = "Only instances have methods.".into();
                            return Err(self.type_error_at(message, argc, "receiver"));
                        };
                        // Inline cache hit: a method of a known layout's class.
                        match function.cached_method(k, &instance) {
                            Some(method) => call_closure!(method, argc),
                            _ => {
                                save!();
                                check!(self.invoke(function, k, instance, argc));
                                load!();
                            }
                        }
                    }
                    op::SuperInvoke => {
                        tick!();
                        let name = name_at!(ip.u24() as usize);
                        let argc = ip.byte() as usize;
                        let Some(superclass) = sp.pop().as_obj::<ObjClass>() else {
                            throw!("Superclass must be a class.");
                        };
                        save!();
                        check!(self.invoke_from_class(superclass, name, argc));
                        load!();
                    }
                    op::Closure => {
                        let idx = ip.u24() as usize;
                        let proto = function
                            .constant(idx)
                            .as_obj::<ObjFunction>()
                            .expect("verified: a function");
                        save!();
                        let base = self.stack.index_of(slots);
                        if self.make_closure(proto, base, frame.closure()).is_err() {
                            return Err(self.limit_error(Limit::Heap));
                        }
                        sp = self.stack.sp();
                    }
                    op::CloseUpvalue => {
                        sync!();
                        self.close_upvalues(self.stack.len() - 1);
                        sp.discard(1);
                    }
                    op::Return => {
                        let result = sp.pop();
                        ret!(result);
                    }
                    op::ReturnNil => ret!(Value::NIL),
                    op::ReturnLocal => {
                        let slot = ip.byte() as usize;
                        ret!(slots.get(slot));
                    }
                    op::Class => {
                        let name = name_at!(ip.u24() as usize);
                        save!();
                        if self.maybe_collect().is_err() {
                            return Err(self.limit_error(Limit::Heap));
                        }
                        let class = self.heap.alloc(ObjClass {
                            header: Header::new(ObjKind::Class),
                            name,
                            methods: Default::default(),
                            init: None,
                            shapes: Shapes::new(),
                            field_hint: 0,
                        });
                        sp.push(Value::object(class));
                    }
                    op::Inherit => {
                        let (Some(superclass), Some(class)) = (
                            sp.peek(1).as_obj::<ObjClass>(),
                            sp.peek(0).as_obj::<ObjClass>(),
                        ) else {
                            throw!("Superclass must be a class.");
                        };
                        if self.inherit(class, superclass).is_err() {
                            save!();
                            return Err(self.limit_error(Limit::Heap));
                        }
                        sp.discard(1);
                    }
                    op::Method => {
                        let name = name_at!(ip.u24() as usize);
                        let (Some(method), Some(class)) = (
                            sp.peek(0).as_obj::<ObjClosure>(),
                            sp.peek(1).as_obj::<ObjClass>(),
                        ) else {
                            throw!("Only classes have methods.");
                        };
                        if self.add_method(class, name, method).is_err() {
                            save!();
                            return Err(self.limit_error(Limit::Heap));
                        }
                        sp.discard(1);
                    }
                    op::JumpIfFalsePop => {
                        let offset = ip.u32();
                        if sp.pop().is_falsey() {
                            ip.forward(offset);
                        }
                    }
                    op::JumpUnlessLess => stack_compare_jump!(|a, b| !(a < b)),
                    op::JumpUnlessGreater => stack_compare_jump!(|a, b| !(a > b)),
                    op::JumpIfLess => stack_compare_jump!(|a, b| a < b),
                    op::JumpIfGreater => stack_compare_jump!(|a, b| a > b),
                    op::JumpUnlessEqual => {
                        let offset = ip.u32();
                        let b = sp.pop();
                        let a = sp.pop();
                        if !a.equals(b) {
                            ip.forward(offset);
                        }
                    }
                    op::JumpIfEqual => {
                        let offset = ip.u32();
                        let b = sp.pop();
                        let a = sp.pop();
                        if a.equals(b) {
                            ip.forward(offset);
                        }
                    }
                    op::SetLocalPop => {
                        let slot = ip.byte() as usize;
                        let value = sp.pop();
                        slots.set(slot, value);
                    }
                    op::SetGlobalPop => {
                        let slot = ip.u24() as usize;
                        if self.globals.read(slot) == Value::UNDEFINED {
                            throw!("Undefined variable '{}'.", self.global_names[slot].chars);
                        }
                        self.globals.write(slot, sp.pop());
                    }
                    op::SetPropertyPop => {
                        let k = ip.u24() as usize;
                        let Some(instance) = sp.peek(1).as_obj::<ObjInstance>() else {
                            save!();
                            let message = "Only instances have fields.".into();
                            return Err(self.type_error_at(message, 1, "receiver"));
                        };
                        let value = sp.peek(0);
                        if self.store_property(function, k, instance, value).is_err() {
                            save!();
                            return Err(self.limit_error(Limit::Heap));
                        }
                        sp.discard(2);
                    }
                    op::AddConstant => {
                        let b = function.constant(ip.u24() as usize);
                        let a = sp.peek(0);
                        if a.is_number() && b.is_number() {
                            sp.set_peek(
                                0,
                                Value::number(number::add(a.as_number(), b.as_number())),
                            );
                        } else if let (Some(x), Some(y)) =
                            (a.as_obj::<ObjString>(), b.as_obj::<ObjString>())
                        {
                            // `a` is on the stack and `b` a constant of a running function:
                            // both stay rooted while the result is made.
                            save_to_allocate!();
                            let Some(joined) = self.concatenate(x, y) else {
                                save!();
                                return Err(self.limit_error(Limit::Heap));
                            };
                            sp.set_peek(0, Value::object(joined));
                        } else {
                            save!();
                            return Err(self.fused_add_error(Op::AddConstant));
                        }
                    }
                    op::SubtractConstant => {
                        let b = function.constant(ip.u24() as usize);
                        let a = sp.peek(0);
                        if !(a.is_number() && b.is_number()) {
                            throw_fused!(Op::SubtractConstant, "Operands must be numbers.");
                        }
                        sp.set_peek(0, Value::number(a.as_number() - b.as_number()));
                    }
                    op::GetLocalProperty => {
                        let slot = ip.byte() as usize;
                        let k = ip.u24() as usize;
                        let value = local_property!(Op::GetLocalProperty, slot, k);
                        sp.push(value);
                    }
                    op::LoadLocalProperty => {
                        let slot = ip.byte() as usize;
                        let k = ip.u24() as usize;
                        let to = ip.byte() as usize;
                        let value = local_property!(Op::LoadLocalProperty, slot, k);
                        slots.set(to, value);
                    }
                    op::GetLocal2 => {
                        let a = ip.byte() as usize;
                        let b = ip.byte() as usize;
                        sp.push(slots.get(a));
                        sp.push(slots.get(b));
                    }
                    op::JumpUnlessLessConstant => {
                        constant_compare_branch!(forward, Op::JumpUnlessLessConstant, |a, b| !(a
                            < b))
                    }
                    op::JumpUnlessGreaterConstant => {
                        constant_compare_branch!(forward, Op::JumpUnlessGreaterConstant, |a, b| !(a
                            > b))
                    }
                    op::JumpIfLessConstant => {
                        constant_compare_branch!(forward, Op::JumpIfLessConstant, |a, b| a < b)
                    }
                    op::JumpIfGreaterConstant => {
                        constant_compare_branch!(forward, Op::JumpIfGreaterConstant, |a, b| a > b)
                    }
                    op::JumpUnlessEqualConstant => {
                        let b = function.constant(ip.u24() as usize);
                        let offset = ip.u32();
                        if !sp.pop().equals(b) {
                            ip.forward(offset);
                        }
                    }
                    op::AddLocalConstant => {
                        let a = slots.get(ip.byte() as usize);
                        let b = function.constant(ip.u24() as usize);
                        if a.is_number() && b.is_number() {
                            sp.push(Value::number(number::add(a.as_number(), b.as_number())));
                        } else if let (Some(x), Some(y)) =
                            (a.as_obj::<ObjString>(), b.as_obj::<ObjString>())
                        {
                            // `a` is pushed (rooted) and `b` is a constant of a running
                            // function while the result is made.
                            sp.push(a);
                            save_to_allocate!();
                            let Some(joined) = self.concatenate(x, y) else {
                                save!();
                                return Err(self.limit_error(Limit::Heap));
                            };
                            sp.set_peek(0, Value::object(joined));
                        } else {
                            save!();
                            return Err(self.fused_add_error(Op::AddLocalConstant));
                        }
                    }
                    op::SubtractLocalConstant => {
                        let a = slots.get(ip.byte() as usize);
                        let b = function.constant(ip.u24() as usize);
                        if !(a.is_number() && b.is_number()) {
                            throw_fused!(Op::SubtractLocalConstant, "Operands must be numbers.");
                        }
                        sp.push(Value::number(a.as_number() - b.as_number()));
                    }
                    op::AddToLocal => {
                        let slot = ip.byte() as usize;
                        let a = slots.get(slot);
                        let b = function.constant(ip.u24() as usize);
                        if a.is_number() && b.is_number() {
                            let sum = number::add(a.as_number(), b.as_number());
                            slots.set(slot, Value::number(sum));
                        } else if let (Some(x), Some(y)) =
                            (a.as_obj::<ObjString>(), b.as_obj::<ObjString>())
                        {
                            // `a` stays in its slot (rooted) and `b` is a constant of a
                            // running function while the result is made.
                            save_to_allocate!();
                            let Some(joined) = self.concatenate(x, y) else {
                                save!();
                                return Err(self.limit_error(Limit::Heap));
                            };
                            slots.set(slot, Value::object(joined));
                        } else {
                            save!();
                            return Err(self.fused_add_error(Op::AddToLocal));
                        }
                    }
                    op::SubtractFromLocal => {
                        let slot = ip.byte() as usize;
                        let a = slots.get(slot);
                        let b = function.constant(ip.u24() as usize);
                        if !(a.is_number() && b.is_number()) {
                            throw_fused!(Op::SubtractFromLocal, "Operands must be numbers.");
                        }
                        slots.set(slot, Value::number(a.as_number() - b.as_number()));
                    }
                    op::JumpUnlessLocalsEqual => {
                        let a = slots.get(ip.byte() as usize);
                        let b = slots.get(ip.byte() as usize);
                        let offset = ip.u32();
                        if !a.equals(b) {
                            ip.forward(offset);
                        }
                    }
                    op::JumpIfLocalsEqual => {
                        let a = slots.get(ip.byte() as usize);
                        let b = slots.get(ip.byte() as usize);
                        let offset = ip.u32();
                        if a.equals(b) {
                            ip.forward(offset);
                        }
                    }
                    op::JumpUnlessLocalsLess => {
                        let a = slots.get(ip.byte() as usize);
                        let b = slots.get(ip.byte() as usize);
                        compare_jump!(Op::JumpUnlessLocalsLess, ip.u32(), a, b, 0, |a, b| !(a < b))
                    }
                    op::JumpUnlessLocalsGreater => {
                        let a = slots.get(ip.byte() as usize);
                        let b = slots.get(ip.byte() as usize);
                        compare_jump!(Op::JumpUnlessLocalsGreater, ip.u32(), a, b, 0, |a, b| !(a
                            > b))
                    }
                    op::JumpUnlessLocalEqualConstant => {
                        let a = slots.get(ip.byte() as usize);
                        let b = function.constant(ip.u24() as usize);
                        let offset = ip.u32();
                        if !a.equals(b) {
                            ip.forward(offset);
                        }
                    }
                    op::JumpUnlessLocalLessConstant => {
                        let a = slots.get(ip.byte() as usize);
                        let b = function.constant(ip.u24() as usize);
                        let op = Op::JumpUnlessLocalLessConstant;
                        compare_jump!(op, ip.u32(), a, b, 0, |a, b| !(a < b))
                    }
                    op::JumpUnlessLocalGreaterConstant => {
                        let a = slots.get(ip.byte() as usize);
                        let b = function.constant(ip.u24() as usize);
                        let op = Op::JumpUnlessLocalGreaterConstant;
                        compare_jump!(op, ip.u32(), a, b, 0, |a, b| !(a > b))
                    }
                    op::MultiplyConstant => {
                        let b = function.constant(ip.u24() as usize);
                        let a = sp.peek(0);
                        if !(a.is_number() && b.is_number()) {
                            throw_fused!(Op::MultiplyConstant, "Operands must be numbers.");
                        }
                        let product = number::multiply(a.as_number(), b.as_number());
                        sp.set_peek(0, Value::number(product));
                    }
                    op::DivideConstant => {
                        let b = function.constant(ip.u24() as usize);
                        let a = sp.peek(0);
                        if !(a.is_number() && b.is_number()) {
                            throw_fused!(Op::DivideConstant, "Operands must be numbers.");
                        }
                        sp.set_peek(0, Value::number(a.as_number() / b.as_number()));
                    }
                    op::JumpIfLocalEqualConstant => {
                        let a = slots.get(ip.byte() as usize);
                        let b = function.constant(ip.u24() as usize);
                        let offset = ip.u32();
                        if a.equals(b) {
                            ip.forward(offset);
                        }
                    }
                    op::JumpIfLocalNil => {
                        let a = slots.get(ip.byte() as usize);
                        let offset = ip.u32();
                        if a.is_nil() {
                            ip.forward(offset);
                        }
                    }
                    op::JumpUnlessLocalNil => {
                        let a = slots.get(ip.byte() as usize);
                        let offset = ip.u32();
                        if !a.is_nil() {
                            ip.forward(offset);
                        }
                    }
                    op::MultiplyLocals => {
                        let a = slots.get(ip.byte() as usize);
                        let b = slots.get(ip.byte() as usize);
                        if !(a.is_number() && b.is_number()) {
                            throw_fused!(Op::MultiplyLocals, "Operands must be numbers.");
                        }
                        sp.push(Value::number(number::multiply(
                            a.as_number(),
                            b.as_number(),
                        )));
                    }
                    op::CopyLocal => {
                        let value = slots.get(ip.byte() as usize);
                        slots.set(ip.byte() as usize, value);
                    }
                    op::SetLocalPropertyPop => {
                        let slot = ip.byte() as usize;
                        let k = ip.u24() as usize;
                        let Some(instance) = slots.get(slot).as_obj::<ObjInstance>() else {
                            throw_fused!(Op::SetLocalPropertyPop, "Only instances have fields.");
                        };
                        // The value stays on the stack (rooted) until it is stored.
                        let value = sp.peek(0);
                        if self.store_property(function, k, instance, value).is_err() {
                            save!();
                            return Err(self.limit_error(Limit::Heap));
                        }
                        sp.discard(1);
                    }
                    op::AddToGlobal => {
                        let slot = ip.u24() as usize;
                        let a = self.globals.read(slot);
                        if a == Value::UNDEFINED {
                            throw!("Undefined variable '{}'.", self.global_names[slot].chars);
                        }
                        let b = function.constant(ip.u24() as usize);
                        if a.is_number() && b.is_number() {
                            let sum = number::add(a.as_number(), b.as_number());
                            self.globals.write(slot, Value::number(sum));
                        } else if let (Some(x), Some(y)) =
                            (a.as_obj::<ObjString>(), b.as_obj::<ObjString>())
                        {
                            // `a` stays in its global (a root) and `b` is a constant of a
                            // running function while the result is made.
                            save_to_allocate!();
                            let Some(joined) = self.concatenate(x, y) else {
                                save!();
                                return Err(self.limit_error(Limit::Heap));
                            };
                            self.globals.write(slot, Value::object(joined));
                        } else {
                            save!();
                            return Err(self.fused_add_error(Op::AddToGlobal));
                        }
                    }
                    op::JumpUnlessGlobalLessConstant => {
                        let slot = ip.u24() as usize;
                        let a = self.globals.read(slot);
                        if a == Value::UNDEFINED {
                            throw!("Undefined variable '{}'.", self.global_names[slot].chars);
                        }
                        let b = function.constant(ip.u24() as usize);
                        let op = Op::JumpUnlessGlobalLessConstant;
                        compare_jump!(op, ip.u32(), a, b, 0, |a, b| !(a < b))
                    }
                    op::JumpUnlessGlobalGreaterConstant => {
                        let slot = ip.u24() as usize;
                        let a = self.globals.read(slot);
                        if a == Value::UNDEFINED {
                            throw!("Undefined variable '{}'.", self.global_names[slot].chars);
                        }
                        let b = function.constant(ip.u24() as usize);
                        let op = Op::JumpUnlessGlobalGreaterConstant;
                        compare_jump!(op, ip.u32(), a, b, 0, |a, b| !(a > b))
                    }
                    // The tests at the bottom of inverted loops: one dispatch an
                    // iteration where `LOOP` and the test at the top took two.
                    op::LoopUnlessFalsePop => {
                        let offset = ip.u32();
                        if !sp.pop().is_falsey() {
                            tick!();
                            ip.back(offset);
                        }
                    }
                    op::LoopIfLess => stack_compare_loop!(|a, b| a < b),
                    op::LoopUnlessGreater => stack_compare_loop!(|a, b| !(a > b)),
                    op::LoopUnlessLessConstant => {
                        constant_compare_branch!(back, Op::LoopUnlessLessConstant, |a, b| !(a < b))
                    }
                    op::LoopUnlessGreaterConstant => {
                        constant_compare_branch!(back, Op::LoopUnlessGreaterConstant, |a, b| !(a
                            > b))
                    }
                    op::LoopIfLocalsLess => {
                        let a = slots.get(ip.byte() as usize);
                        let b = slots.get(ip.byte() as usize);
                        compare_loop!(Op::LoopIfLocalsLess, ip.u32(), a, b, 0, |a, b| a < b)
                    }
                    op::LoopIfLocalLessConstant => {
                        let a = slots.get(ip.byte() as usize);
                        let b = function.constant(ip.u24() as usize);
                        let op = Op::LoopIfLocalLessConstant;
                        compare_loop!(op, ip.u32(), a, b, 0, |a, b| a < b)
                    }
                    op::LoopIfLocalGreaterConstant => {
                        let a = slots.get(ip.byte() as usize);
                        let b = function.constant(ip.u24() as usize);
                        let op = Op::LoopIfLocalGreaterConstant;
                        compare_loop!(op, ip.u32(), a, b, 0, |a, b| a > b)
                    }
                    op::LoopUnlessLocalNil => {
                        let a = slots.get(ip.byte() as usize);
                        let offset = ip.u32();
                        if !a.is_nil() {
                            tick!();
                            ip.back(offset);
                        }
                    }
                    op::LoopIfGlobalLessConstant => {
                        let slot = ip.u24() as usize;
                        let a = self.globals.read(slot);
                        if a == Value::UNDEFINED {
                            throw!("Undefined variable '{}'.", self.global_names[slot].chars);
                        }
                        let b = function.constant(ip.u24() as usize);
                        let op = Op::LoopIfGlobalLessConstant;
                        compare_loop!(op, ip.u32(), a, b, 0, |a, b| a < b)
                    }
                    byte => unreachable!("verified code has no opcode {byte}"),
                }
                break;
            }
        }
    }

    /// Stores `value` into field `k` of `instance`: an inline-cache hit overwrites the
    /// slot, or appends the field and moves the instance to the cached next shape;
    /// anything else takes the slow path. Never collects; fails only when a new field
    /// needs memory that cannot be had (the instance is then unchanged).
    #[inline(always)]
    fn store_property(
        &mut self,
        function: Gc<ObjFunction>,
        k: usize,
        mut instance: Gc<ObjInstance>,
        value: Value,
    ) -> Result<(), OutOfMemory> {
        if let Some(slot) = function.cached_store_slot(k, &instance) {
            instance.fields.set(slot, value);
            self.heap.barrier(instance, value);
            Ok(())
        } else if let Some(next) = function.cached_transition(k, &instance) {
            self.push_field(instance, next, value)
        } else {
            self.set_property(function, k, instance, value)
        }
    }

    // ----- Calls ------------------------------------------------------------------------

    /// Calls any value with `argc` arguments above it on the stack.
    #[inline]
    pub(super) fn call_value(&mut self, callee: Value, argc: usize) -> Result<(), RuntimeError> {
        match callee.obj_kind() {
            Some(ObjKind::Closure) => {
                self.call_closure(callee.as_obj().expect("kind checked"), argc)
            }
            Some(ObjKind::BoundMethod) => {
                let bound = callee.as_obj::<ObjBoundMethod>().expect("kind checked");
                self.stack.set_peek(argc, bound.receiver);
                self.call_closure(bound.method, argc)
            }
            Some(ObjKind::Class) => {
                match self.instantiate(callee.as_obj().expect("kind checked"), argc)? {
                    Some(init) => self.call_closure(init, argc),
                    None => Ok(()),
                }
            }
            Some(ObjKind::Native) => self.call_native(callee.as_obj().expect("kind checked"), argc),
            _ => Err(self.type_error_at(self.dialect.words().not_callable.into(), argc, "callee")),
        }
    }

    /// Pushes a frame for a closure whose arguments are on the stack.
    #[inline(always)]
    pub(super) fn call_closure(
        &mut self,
        closure: Gc<ObjClosure>,
        argc: usize,
    ) -> Result<(), RuntimeError> {
        self.push_frame(closure, argc)
    }

    /// `call_closure`, and the interpreter's slow path of a call (it enters the frame
    /// itself in the common case, with the same checks in the same order).
    fn push_frame(&mut self, closure: Gc<ObjClosure>, argc: usize) -> Result<(), RuntimeError> {
        let function = closure.function;
        if argc != function.arity as usize {
            return Err(self.arity_error(function.arity as usize, argc));
        }
        let base = self.stack.len() - argc - 1;
        if self.frames.len() >= self.frame_room {
            self.grow_frames()?;
        }
        if !self.stack.has_room(base, function.max_stack as usize) {
            return Err(self.overflow_error());
        }
        let slots = self.stack.slots(base);
        self.frames.push(CallFrame {
            closure,
            ip: function.ip(),
            slots,
        });
        Ok(())
    }

    /// The slow path of a call with no `frame_room` left: `Stack overflow.` at the
    /// depth limit, else room for more frames, reserved fallibly (doubling, up to the
    /// limit).
    #[cold]
    #[inline(never)]
    fn grow_frames(&mut self) -> Result<(), RuntimeError> {
        let max = self.options.max_frames;
        let len = self.frames.len();
        if len >= max {
            return Err(self.overflow_error());
        }
        if len == self.frames.capacity() {
            let more = len.max(8).min(max - len);
            if self.frames.try_reserve_exact(more).is_err() {
                return Err(self.limit_error(Limit::Heap));
            }
        }
        self.frame_room = max.min(self.frames.capacity());
        Ok(())
    }

    #[cold]
    fn overflow_error(&mut self) -> RuntimeError {
        self.limit_error(Limit::Depth)
    }

    #[cold]
    fn fused_add_error(&mut self, op: Op) -> RuntimeError {
        self.fused_type_error(self.dialect.words().bad_add_operands.into(), op)
    }

    #[cold]
    fn arity_error(&mut self, arity: usize, argc: usize) -> RuntimeError {
        self.error(format!("Expected {arity} arguments but got {argc}."))
    }

    /// Replaces the class below the arguments with a new instance, and returns its
    /// `init` for the caller to call, if it has one.
    #[inline(always)]
    fn instantiate(
        &mut self,
        class: Gc<ObjClass>,
        argc: usize,
    ) -> Result<Option<Gc<ObjClosure>>, RuntimeError> {
        if self.maybe_collect().is_err() {
            return Err(self.limit_error(Limit::Heap));
        }
        let instance = self.new_instance(class);
        self.stack.set_peek(argc, Value::object(instance));
        match class.init {
            Some(init) => Ok(Some(init)),
            None if argc != 0 => Err(self.arity_error(0, argc)),
            None => Ok(None),
        }
    }

    /// A new instance of `class`, with room for the fields its instances had. It never
    /// collects: the caller ran `maybe_collect` before.
    #[inline(always)]
    fn new_instance(&mut self, class: Gc<ObjClass>) -> Gc<ObjInstance> {
        let fields = self.heap.new_block(class.field_hint as usize);
        self.heap.alloc(ObjInstance {
            header: Header::new(ObjKind::Instance),
            class,
            shape: ROOT,
            fields,
            dictionary: None,
        })
    }

    /// Calls a native (a built-in or a host function) with `argc` arguments on the
    /// stack, and replaces it and them with its result.
    ///
    /// This is the boundary between the VM and host code. A panic in the host function
    /// is caught here and becomes the runtime error `Host function 'name' panicked.`,
    /// so it never unwinds through the interpreter; whatever the function left above
    /// its arguments (a Lox call it made, cut short) is dropped.
    ///
    /// Natives are reached through `call_value`, not a branch of their own in `Call`:
    /// such a branch cost every Lox program 3-6% more instructions in
    /// `bench/instructions.py`, for 20 fewer instructions per host call.
    fn call_native(&mut self, native: Gc<ObjNative>, argc: usize) -> Result<(), RuntimeError> {
        if let Some(arity) = native.arity
            && arity as usize != argc
        {
            return Err(self.arity_error(arity as usize, argc));
        }
        let base = self.stack.len() - argc - 1;
        let frames = self.frames.len();
        let temp_roots = self.heap.temp_roots.len();
        // The native stays reachable while it runs: it is the callee, below the
        // arguments on the stack.
        self.host_depth += 1;
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            (native.function)(self, argc)
        }));
        self.host_depth -= 1;
        match result {
            Ok(Ok(value)) => {
                self.stack.truncate(base);
                self.stack.push(value);
                Ok(())
            }
            Ok(Err(error)) => {
                self.unwind_to(frames, base + argc + 1, temp_roots);
                Err(self.host_error(error))
            }
            Err(_) => {
                self.unwind_to(frames, base + argc + 1, temp_roots);
                Err(self.error(format!("Host function '{}' panicked.", native.name)))
            }
        }
    }

    /// `receiver.name(args)`: a field holding a callable, or a method.
    /// `receiver.name(args)` on a cache miss: a field holding a callable, or a method.
    /// Fills the inline cache of name constant `k`.
    fn invoke(
        &mut self,
        function: Gc<ObjFunction>,
        k: usize,
        instance: Gc<ObjInstance>,
        argc: usize,
    ) -> Result<(), RuntimeError> {
        let name = function
            .constant(k)
            .as_obj::<ObjString>()
            .expect("verified: a name constant");
        if let Some((field, _)) = self.find_field(instance, name) {
            self.stack.set_peek(argc, field);
            return self.call_value(field, argc);
        }
        match instance
            .class
            .methods
            .get(name)
            .and_then(|m| m.as_obj::<ObjClosure>())
        {
            Some(method) => {
                self.cache_method(function, k, instance, method);
                self.call_closure(method, argc)
            }
            None => Err(self.error(format!("Undefined property '{}'.", name.chars))),
        }
    }

    // ----- Fields and inline caches -----------------------------------------------------

    /// A field's value and, for a shaped instance, its slot.
    pub(super) fn find_field(
        &self,
        instance: Gc<ObjInstance>,
        name: Gc<ObjString>,
    ) -> Option<(Value, Option<u32>)> {
        if instance.shape == DICTIONARY {
            return instance
                .dictionary
                .as_ref()
                .and_then(|d| d.get(name))
                .map(|v| (v, None));
        }
        let slot = instance.class.shapes.slot_of(instance.shape, name)?;
        Some((instance.fields.get(slot as usize), Some(slot)))
    }

    /// Remembers that `name` (constant `k`) is a method for instances like `instance`.
    fn cache_method(
        &mut self,
        function: Gc<ObjFunction>,
        k: usize,
        instance: Gc<ObjInstance>,
        method: Gc<ObjClosure>,
    ) {
        if instance.shape != DICTIONARY {
            let cache = function.cache(k);
            let mut entry = cache.get();
            entry.learn(ReadEntry {
                class: Some(instance.class),
                shape: instance.shape,
                slot: NO_SLOT,
                method: Some(method),
            });
            cache.set(entry);
            self.heap.barrier(function, Value::object(instance.class));
            self.heap.barrier(function, Value::object(method));
        }
    }

    /// Reads property `k` of the instance on top of the stack into its place, on a
    /// cache miss (or a cached method). False if there is no such property.
    fn get_property(
        &mut self,
        function: Gc<ObjFunction>,
        k: usize,
        instance: Gc<ObjInstance>,
    ) -> Result<bool, OutOfMemory> {
        let cache = function.cache(k);
        let mut entry = cache.get();
        if let Some(method) = entry.lookup(&instance).and_then(|e| e.method) {
            self.bind(method)?;
            return Ok(true);
        }
        let name = function
            .constant(k)
            .as_obj::<ObjString>()
            .expect("verified: a name constant");
        if let Some((value, slot)) = self.find_field(instance, name) {
            if let Some(slot) = slot {
                entry.learn(ReadEntry {
                    class: Some(instance.class),
                    shape: instance.shape,
                    slot,
                    method: None,
                });
                cache.set(entry);
                self.heap.barrier(function, Value::object(instance.class));
            }
            self.stack.set_peek(0, value);
            return Ok(true);
        }
        match instance
            .class
            .methods
            .get(name)
            .and_then(|m| m.as_obj::<ObjClosure>())
        {
            Some(method) => {
                self.cache_method(function, k, instance, method);
                self.bind(method)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Writes property `k` of `instance` on a cache miss, or when the write adds a field.
    /// Never collects.
    fn set_property(
        &mut self,
        function: Gc<ObjFunction>,
        k: usize,
        mut instance: Gc<ObjInstance>,
        value: Value,
    ) -> Result<(), OutOfMemory> {
        let name = function
            .constant(k)
            .as_obj::<ObjString>()
            .expect("verified: a name constant");
        let cache = function.cache(k);
        let entry = cache.get();
        let shape = instance.shape;
        if shape == DICTIONARY {
            return self.set_dictionary_field(instance, name, value);
        }
        if entry.writes(&instance) {
            // A cached transition: the write adds the field.
            return self.push_field(instance, entry.set_next, value);
        }
        let mut class = instance.class;
        if let Some(slot) = class.shapes.slot_of(shape, name) {
            instance.fields.set(slot as usize, value);
            self.heap.barrier(instance, value);
            cache.set(Cache {
                set_class: Some(class),
                set_shape: shape,
                set_slot: slot,
                set_next: shape,
                ..entry
            });
            self.heap.barrier(function, Value::object(class));
            return Ok(());
        }
        let before = class.shapes.heap_bytes();
        let next = class.shapes.add(shape, name);
        let after = class.shapes.heap_bytes();
        self.heap.account(after.saturating_sub(before));
        self.heap.barrier(class, Value::object(name));
        if next == DICTIONARY {
            self.move_to_dictionary(instance)?;
            return self.set_dictionary_field(instance, name, value);
        }
        let slot = instance.fields.len() as u32;
        self.push_field(instance, next, value)?;
        cache.set(Cache {
            set_class: Some(class),
            set_shape: shape,
            set_slot: slot,
            set_next: next,
            ..entry
        });
        self.heap.barrier(function, Value::object(class));
        Ok(())
    }

    /// Appends a field, moving the instance to shape `next`.
    #[inline(always)]
    fn push_field(
        &mut self,
        mut instance: Gc<ObjInstance>,
        next: ShapeId,
        value: Value,
    ) -> Result<(), OutOfMemory> {
        self.heap.push_block(&mut instance.fields, value)?;
        self.heap.barrier(instance, value);
        instance.shape = next;
        let mut class = instance.class;
        class.field_hint = class.field_hint.max(instance.fields.len() as u32);
        Ok(())
    }

    /// Moves a shaped instance's fields into a dictionary (its fields stay where they
    /// are when the dictionary cannot be had). No write barrier: the instance holds the
    /// same values and keys as before, the keys through its class.
    #[cold]
    fn move_to_dictionary(&mut self, mut instance: Gc<ObjInstance>) -> Result<(), OutOfMemory> {
        let mut table = Table::new();
        // At most `MAX_SHAPE_FIELDS` names: a small allocation.
        let keys = instance.class.shapes.keys(instance.shape);
        for (key, &value) in keys.into_iter().zip(instance.fields.as_slice()) {
            table.set(key, value)?;
        }
        self.heap.account(table.heap_bytes());
        self.heap.clear_block(&mut instance.fields);
        instance.dictionary = Some(Box::new(table));
        instance.shape = DICTIONARY;
        Ok(())
    }

    fn set_dictionary_field(
        &mut self,
        mut instance: Gc<ObjInstance>,
        name: Gc<ObjString>,
        value: Value,
    ) -> Result<(), OutOfMemory> {
        let table = instance.dictionary.get_or_insert_with(Default::default);
        let before = table.heap_bytes();
        let set = table.set(name, value);
        let after = table.heap_bytes();
        self.heap.account(after - before);
        self.heap.barrier(instance, Value::object(name));
        self.heap.barrier(instance, value);
        set.map(|_| ())
    }

    fn invoke_from_class(
        &mut self,
        class: Gc<ObjClass>,
        name: Gc<ObjString>,
        argc: usize,
    ) -> Result<(), RuntimeError> {
        match class
            .methods
            .get(name)
            .and_then(|m| m.as_obj::<ObjClosure>())
        {
            Some(method) => self.call_closure(method, argc),
            None => Err(self.error(format!("Undefined property '{}'.", name.chars))),
        }
    }

    // ----- Objects ----------------------------------------------------------------------

    /// Replaces the receiver on top of the stack with `class`'s method `name` bound to
    /// it. False if there is no such method.
    fn bind_method(
        &mut self,
        class: Gc<ObjClass>,
        name: Gc<ObjString>,
    ) -> Result<bool, OutOfMemory> {
        match class
            .methods
            .get(name)
            .and_then(|m| m.as_obj::<ObjClosure>())
        {
            Some(method) => {
                self.bind(method)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Replaces the receiver on top of the stack with `method` bound to it.
    fn bind(&mut self, method: Gc<ObjClosure>) -> Result<(), OutOfMemory> {
        // The receiver stays on the stack (rooted) while the bound method is made, and
        // the method is reachable from its class or a cache.
        self.maybe_collect()?;
        let bound = self.heap.alloc(ObjBoundMethod {
            header: Header::new(ObjKind::BoundMethod),
            receiver: self.stack.peek(0),
            method,
        });
        self.stack.set_peek(0, Value::object(bound));
        Ok(())
    }

    #[cold]
    fn inherit(
        &mut self,
        mut class: Gc<ObjClass>,
        superclass: Gc<ObjClass>,
    ) -> Result<(), OutOfMemory> {
        // Source cannot make a class its own superclass, but bytecode can; copying a
        // table into itself would grow it while iterating over it.
        if class == superclass {
            return Ok(());
        }
        let before = class.methods.heap_bytes();
        let copied = class.methods.add_all(&superclass.methods);
        class.init = superclass.init;
        let after = class.methods.heap_bytes();
        self.heap.account(after - before);
        // Every method and name copied is reachable from the superclass: marking it
        // marks them all.
        self.heap.barrier(class, Value::object(superclass));
        copied
    }

    #[cold]
    fn add_method(
        &mut self,
        mut class: Gc<ObjClass>,
        name: Gc<ObjString>,
        method: Gc<ObjClosure>,
    ) -> Result<(), OutOfMemory> {
        let before = class.methods.heap_bytes();
        let set = class.methods.set(name, Value::object(method));
        if set.is_ok() && name == self.init_string {
            class.init = Some(method);
        }
        let after = class.methods.heap_bytes();
        self.heap.account(after - before);
        self.heap.barrier(class, Value::object(name));
        self.heap.barrier(class, Value::object(method));
        set.map(|_| ())
    }

    /// True when an allocation may run the collector: the heap asks for a step, or a
    /// heap limit may ask for a whole collection (`Vm::exceeds_heap`).
    #[inline(always)]
    fn may_collect(&self) -> bool {
        self.heap.should_collect() || self.options.max_heap.is_some()
    }

    /// Joins two strings. The caller keeps both reachable (on the stack, or constants of
    /// a running function) until the result exists.
    /// `None` when the result would not fit under `max_heap` (checked before the
    /// allocation happens).
    /// Without `max_heap`, a result the system cannot allocate is `None` too: the
    /// string's memory is reserved fallibly (`try_reserve`), never with an abort.
    fn concatenate(&mut self, a: Gc<ObjString>, b: Gc<ObjString>) -> Option<Gc<ObjString>> {
        let len = a.chars.len().checked_add(b.chars.len())?;
        if self.exceeds_heap(len) {
            return None;
        }
        // Both operands are rooted by the caller, so they survive this collection.
        self.maybe_collect().ok()?;
        self.heap.try_intern_concatenation(a, &b.chars)
    }

    /// Creates a closure of `proto` in the frame at `base` of `enclosing`.
    fn make_closure(
        &mut self,
        proto: Gc<ObjFunction>,
        base: usize,
        enclosing: Gc<ObjClosure>,
    ) -> Result<(), OutOfMemory> {
        self.maybe_collect()?;
        let upvalues = self.heap.new_block(proto.upvalues.len());
        let mut closure = self.heap.alloc(ObjClosure {
            header: Header::new(ObjKind::Closure),
            function: proto,
            upvalues,
        });
        // On the stack before capturing, because capturing allocates.
        self.stack.push(Value::object(closure));
        for desc in proto.upvalues.iter() {
            let upvalue = if desc.is_local {
                self.capture_upvalue(base + desc.index as usize)?
            } else {
                enclosing.upvalues.get(desc.index as usize)
            };
            // The block was made with room for every upvalue: this never grows it.
            self.heap.push_block(&mut closure.upvalues, upvalue)?;
            self.heap.barrier(closure, Value::object(upvalue));
        }
        Ok(())
    }

    /// The open upvalue for a stack slot, shared by every closure that captures it.
    fn capture_upvalue(&mut self, slot: usize) -> Result<Gc<ObjUpvalue>, OutOfMemory> {
        let mut prev: Option<Gc<ObjUpvalue>> = None;
        let mut cursor = self.open_upvalues;
        while let Some(u) = cursor {
            if u.slot <= slot {
                break;
            }
            prev = cursor;
            cursor = u.next_open;
        }
        if let Some(u) = cursor
            && u.slot == slot
        {
            return Ok(u);
        }
        self.maybe_collect()?;
        let location = self.stack.slot_ptr(slot);
        let mut created = self.heap.alloc(ObjUpvalue::open(location, slot));
        created.next_open = cursor;
        match prev {
            None => self.open_upvalues = Some(created),
            Some(mut p) => p.next_open = Some(created),
        }
        Ok(created)
    }

    /// Closes every open upvalue at or above stack slot `last`.
    pub(super) fn close_upvalues(&mut self, last: usize) {
        while let Some(mut u) = self.open_upvalues {
            if u.slot < last {
                break;
            }
            u.close();
            self.heap.barrier(u, u.closed_value());
            self.open_upvalues = u.next_open;
        }
    }
}

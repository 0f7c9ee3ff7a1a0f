//! Values: 8 bytes each, NaN-boxed; and what the interpreter reads and writes without
//! checks: the value stack, the call frames and the globals.
//!
//! A number is stored as its own IEEE-754 bits. Every other value hides in the payload
//! of a quiet NaN that arithmetic never produces: the singletons by small tags, objects
//! by their address with the sign bit set. Checking a type is a mask and a compare, and
//! a value fits a register. The stack is a fixed block that never moves, so open
//! upvalues can point into it. The frames grow, and the interpreter holds a pointer to
//! the running one, so it takes that pointer again after anything that may grow them.
#![allow(unsafe_code)]

use std::fmt;

use super::object::{Gc, Header, Ip, ObjClosure, ObjKind};

const SIGN_BIT: u64 = 0x8000_0000_0000_0000;
const QNAN: u64 = 0x7ffc_0000_0000_0000;
const TAG_NIL: u64 = 1;
const TAG_FALSE: u64 = 2;
const TAG_TRUE: u64 = 3;
const TAG_UNDEFINED: u64 = 4;

/// A Lox value.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct Value(u64);

impl Value {
    pub const NIL: Value = Value(QNAN | TAG_NIL);
    pub const FALSE: Value = Value(QNAN | TAG_FALSE);
    pub const TRUE: Value = Value(QNAN | TAG_TRUE);
    /// Marks a global slot that was never defined; never visible to programs.
    pub const UNDEFINED: Value = Value(QNAN | TAG_UNDEFINED);

    #[inline(always)]
    pub fn number(n: f64) -> Value {
        Value(n.to_bits())
    }

    #[inline(always)]
    pub fn bool(b: bool) -> Value {
        if b { Value::TRUE } else { Value::FALSE }
    }

    #[inline(always)]
    pub fn object<T>(obj: Gc<T>) -> Value {
        Value(SIGN_BIT | QNAN | obj.addr() as u64)
    }

    #[inline(always)]
    pub fn is_number(self) -> bool {
        self.0 & QNAN != QNAN
    }

    #[inline(always)]
    pub fn as_number(self) -> f64 {
        f64::from_bits(self.0)
    }

    #[inline(always)]
    pub fn is_nil(self) -> bool {
        self == Value::NIL
    }

    #[inline(always)]
    pub fn is_bool(self) -> bool {
        self.0 | 1 == Value::TRUE.0
    }

    #[inline(always)]
    pub fn is_obj(self) -> bool {
        self.0 & (QNAN | SIGN_BIT) == (QNAN | SIGN_BIT)
    }

    #[inline(always)]
    pub fn is_falsey(self) -> bool {
        self == Value::NIL || self == Value::FALSE
    }

    /// The object header this value points to, if it is an object.
    #[inline(always)]
    pub fn as_header(self) -> Option<*mut Header> {
        if self.is_obj() {
            Some((self.0 & !(SIGN_BIT | QNAN)) as usize as *mut Header)
        } else {
            None
        }
    }

    /// The kind of object, if this value is one.
    #[inline(always)]
    pub fn obj_kind(self) -> Option<ObjKind> {
        // SAFETY: an object value always holds the address of a live object (the
        // collector frees only unreachable objects, and a value being inspected is
        // reachable), and every object starts with its header.
        self.as_header().map(|h| unsafe {
            super::object::check_live(h);
            (*h).kind
        })
    }

    /// The object as a handle of type `T`, if it is an object of `T`'s kind.
    #[inline(always)]
    pub fn as_obj<T: super::object::Object>(self) -> Option<Gc<T>> {
        match self.obj_kind() {
            // SAFETY: the header says the object is a `T`.
            Some(kind) if kind == T::KIND => {
                self.as_header().map(|h| unsafe { Gc::from_header(h) })
            }
            _ => None,
        }
    }

    /// Lox equality: numbers by value (so NaN is not equal to itself), all else by
    /// identity, which for interned strings is equality of contents.
    #[inline(always)]
    pub fn equals(self, other: Value) -> bool {
        if self.is_number() && other.is_number() {
            self.as_number() == other.as_number()
        } else {
            self == other
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_number() {
            write!(f, "{}", self.as_number())
        } else if self.is_obj() {
            write!(f, "<object {:?}>", self.obj_kind())
        } else {
            write!(f, "{:#x}", self.0)
        }
    }
}

/// The stack's block as `Sp` and `Slots` know it in debug builds, which check every
/// access against it. Release builds carry nothing, so the checks cost them nothing.
#[cfg(debug_assertions)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Block {
    start: *const Value,
    len: usize,
}

#[cfg(debug_assertions)]
impl Block {
    /// The index in the block of a pointer into it, or one past its end.
    fn index(&self, ptr: *const Value) -> usize {
        let offset = ptr
            .addr()
            .checked_sub(self.start.addr())
            .expect("a stack pointer below the stack");
        let index = offset / size_of::<Value>();
        assert!(index <= self.len, "a stack pointer past the stack's end");
        index
    }
}

/// The top of the value stack, held by the interpreter loop in a local (so in a
/// register) instead of in `Stack`. `Stack::sp` hands it out and `Stack::set_sp` takes
/// it back; in between, nothing else may change the stack's height. The accesses are
/// unchecked under the same invariant as `Stack`'s (verified depths, per-call room);
/// debug builds check them against the stack's block.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Sp {
    top: *mut Value,
    #[cfg(debug_assertions)]
    block: Block,
}

impl Sp {
    /// The number of values below the top (debug builds only).
    #[cfg(debug_assertions)]
    fn height(&self) -> usize {
        self.block.index(self.top)
    }

    #[inline(always)]
    pub fn push(&mut self, v: Value) {
        #[cfg(debug_assertions)]
        assert!(self.height() < self.block.len, "a push above the stack");
        // SAFETY: the verified depth bound and the per-call room check keep the top
        // inside the stack's block (see `Stack`).
        unsafe {
            self.top.write(v);
            self.top = self.top.add(1);
        }
    }

    #[inline(always)]
    pub fn pop(&mut self) -> Value {
        #[cfg(debug_assertions)]
        assert!(self.height() > 0, "a pop from an empty stack");
        // SAFETY: the verifier proves no instruction pops an empty frame stack.
        unsafe {
            self.top = self.top.sub(1);
            self.top.read()
        }
    }

    /// The value `distance` below the top (0 is the top).
    #[inline(always)]
    pub fn peek(&self, distance: usize) -> Value {
        #[cfg(debug_assertions)]
        assert!(distance < self.height(), "a peek below the stack");
        // SAFETY: the verifier proves the stack holds at least `distance + 1` values.
        unsafe { self.top.sub(distance + 1).read() }
    }

    #[inline(always)]
    pub fn set_peek(&mut self, distance: usize, v: Value) {
        #[cfg(debug_assertions)]
        assert!(distance < self.height(), "a store below the stack");
        // SAFETY: as for `peek`.
        unsafe { self.top.sub(distance + 1).write(v) }
    }

    /// Discards the top `n` values.
    #[inline(always)]
    pub fn discard(&mut self, n: usize) {
        #[cfg(debug_assertions)]
        assert!(n <= self.height(), "a discard below the stack");
        // SAFETY: the verifier proves the stack holds at least `n` values.
        self.top = unsafe { self.top.sub(n) };
    }
}

/// The slots of the running frame (slot 0 is the callee or `this`). Unchecked, under
/// the same invariant as `Sp`; debug builds check them against the stack's block.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Slots {
    base: *mut Value,
    #[cfg(debug_assertions)]
    block: Block,
}

impl Slots {
    #[inline(always)]
    pub fn get(&self, slot: usize) -> Value {
        #[cfg(debug_assertions)]
        assert!(
            self.block.index(self.base) + slot < self.block.len,
            "a slot past the stack's end"
        );
        // SAFETY: the verifier proves every slot operand is below the stack top.
        unsafe { self.base.add(slot).read() }
    }

    #[inline(always)]
    pub fn set(&mut self, slot: usize, v: Value) {
        #[cfg(debug_assertions)]
        assert!(
            self.block.index(self.base) + slot < self.block.len,
            "a slot past the stack's end"
        );
        // SAFETY: as for `get`.
        unsafe { self.base.add(slot).write(v) }
    }

    /// The stack top that leaves exactly this frame's first `n` slots (a return keeps
    /// one: the result, in slot 0).
    #[inline(always)]
    pub fn top_after(&self, n: usize) -> Sp {
        #[cfg(debug_assertions)]
        assert!(
            self.block.index(self.base) + n <= self.block.len,
            "a top past the stack's end"
        );
        Sp {
            // SAFETY: the frame's first `n` slots are inside the stack's block (a frame
            // has at least its slot 0), so one past them is too.
            top: unsafe { self.base.add(n) },
            #[cfg(debug_assertions)]
            block: self.block,
        }
    }
}

/// The value stack: a fixed block of `capacity` values that never moves.
///
/// Pushes and slot accesses are unchecked. The verifier proves that each function's
/// own stack stays within its recorded `max_stack`, and the VM checks before every call
/// that the callee's frame base plus its `max_stack` fits (`has_room`); together they
/// keep every access inside the block. Debug builds check anyway.
pub struct Stack {
    buf: Box<[Value]>,
    top: usize,
}

impl Stack {
    pub fn new(capacity: usize) -> Stack {
        let capacity = capacity.max(1);
        let layout =
            std::alloc::Layout::array::<Value>(capacity).expect("stack size fits in memory");
        // SAFETY: the layout is non-empty; zeroed memory is a valid `Value` (the number
        // 0.0); the block is handed to a `Box` with the same layout, which frees it.
        // Zeroed allocation leaves the pages untouched until the stack grows into them.
        let buf = unsafe {
            let ptr = std::alloc::alloc_zeroed(layout) as *mut Value;
            if ptr.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, capacity))
        };
        Stack { buf, top: 0 }
    }

    #[inline(always)]
    pub fn len(&self) -> usize {
        self.top
    }

    /// True when `n` more values fit above `base`.
    #[inline(always)]
    pub fn has_room(&self, base: usize, n: usize) -> bool {
        base + n <= self.buf.len()
    }

    #[inline(always)]
    pub fn push(&mut self, v: Value) {
        debug_assert!(self.top < self.buf.len());
        // SAFETY: see the type's invariant: the verified depth bound and the per-call
        // room check keep `top` inside the block.
        unsafe { *self.buf.get_unchecked_mut(self.top) = v };
        self.top += 1;
    }

    #[inline(always)]
    pub fn pop(&mut self) -> Value {
        debug_assert!(self.top > 0);
        self.top -= 1;
        // SAFETY: the verifier proves no instruction pops an empty frame stack.
        unsafe { *self.buf.get_unchecked(self.top) }
    }

    /// The value `distance` below the top (0 is the top).
    #[inline(always)]
    pub fn peek(&self, distance: usize) -> Value {
        debug_assert!(distance < self.top);
        // SAFETY: the verifier proves the stack holds at least `distance + 1` values.
        unsafe { *self.buf.get_unchecked(self.top - 1 - distance) }
    }

    /// Replaces the value `distance` below the top.
    #[inline(always)]
    pub fn set_peek(&mut self, distance: usize, v: Value) {
        debug_assert!(distance < self.top);
        // SAFETY: as for `peek`.
        unsafe { *self.buf.get_unchecked_mut(self.top - 1 - distance) = v };
    }

    /// Drops everything from `len` up.
    #[inline(always)]
    pub fn truncate(&mut self, len: usize) {
        debug_assert!(len <= self.top);
        self.top = len;
    }

    /// The block, for the checks of `Sp` and `Slots` in debug builds.
    #[cfg(debug_assertions)]
    fn block(&self) -> Block {
        Block {
            start: self.buf.as_ptr(),
            len: self.buf.len(),
        }
    }

    /// The top, for the interpreter loop to keep in a local.
    #[inline(always)]
    pub fn sp(&mut self) -> Sp {
        Sp {
            // SAFETY: `top` is within the block (one past the last value at most).
            top: unsafe { self.buf.as_mut_ptr().add(self.top) },
            #[cfg(debug_assertions)]
            block: self.block(),
        }
    }

    /// Takes back a top handed out by `sp` and moved by pushes and pops.
    #[inline(always)]
    pub fn set_sp(&mut self, sp: Sp) {
        #[cfg(debug_assertions)]
        assert_eq!(sp.block, self.block(), "a top from another stack");
        // SAFETY: `sp` points into this block (it came from `sp()` and moved within it).
        self.top = unsafe { sp.top.offset_from(self.buf.as_ptr()) } as usize;
        debug_assert!(self.top <= self.buf.len());
    }

    /// The slots of a frame whose slot 0 is at `base`.
    #[inline(always)]
    pub fn slots(&mut self, base: usize) -> Slots {
        debug_assert!(base <= self.buf.len());
        Slots {
            // SAFETY: `base` is within the block.
            base: unsafe { self.buf.as_mut_ptr().add(base) },
            #[cfg(debug_assertions)]
            block: self.block(),
        }
    }

    /// The address of a slot, for an open upvalue. Stable: the block never moves.
    pub fn slot_ptr(&mut self, index: usize) -> *mut Value {
        debug_assert!(index < self.buf.len());
        self.buf[index..].as_mut_ptr()
    }

    /// The live values, for the collector's roots and for argument slices.
    pub fn as_slice(&self) -> &[Value] {
        &self.buf[..self.top]
    }
}

impl Stack {
    /// The index of a frame's slot 0, for the code that names slots by index (open
    /// upvalues, traces, snapshots).
    #[inline(always)]
    pub fn index_of(&self, slots: Slots) -> usize {
        // SAFETY: `slots` came from `Stack::slots` or `Sp::frame_below` on this stack, so
        // it points into the block (the same allocation as its start).
        let index = unsafe { slots.base.offset_from(self.buf.as_ptr()) };
        debug_assert!(index >= 0 && index as usize <= self.buf.len());
        index as usize
    }

    /// One past the block's last value: a callee's frame fits when its slot 0 plus its
    /// `max_stack` values do not pass it (`Slots::has_room`).
    #[inline(always)]
    pub fn end(&mut self) -> StackEnd {
        StackEnd(self.buf.as_mut_ptr_range().end)
    }
}

/// One past the last value of the stack's block, kept by the interpreter for the room
/// check of a call (`Slots::has_room`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct StackEnd(*mut Value);

impl Sp {
    /// The slots of a frame whose slot 0 is `n` values below the top: a callee with
    /// its `n - 1` arguments above it.
    #[inline(always)]
    pub fn frame_below(&self, n: usize) -> Slots {
        #[cfg(debug_assertions)]
        assert!(n <= self.height(), "a frame below the stack");
        Slots {
            // SAFETY: the verifier proves the callee and its arguments are on the stack.
            base: unsafe { self.top.sub(n) },
            #[cfg(debug_assertions)]
            block: self.block,
        }
    }
}

impl Slots {
    /// True when `n` values from slot 0 fit in the stack's block.
    #[inline(always)]
    pub fn has_room(&self, n: usize, end: StackEnd) -> bool {
        // Compared as addresses: the frame's slot 0 is inside the block and `n` is at
        // most a function's `max_stack`, so no sum wraps.
        self.base.addr() + n * size_of::<Value>() <= end.0.addr()
    }
}

/// A call frame: the closure running, where it resumes, and its slots.
///
/// Aligned to 32 bytes (three words, padded), so that the frames' length follows from
/// the running frame's address by a division by a power of two, not by 24
/// (`Frames::set_top`, on every path that saves the frame: an error, a collection, a
/// call through a `Vm` method).
#[derive(Clone, Copy)]
#[repr(align(32))]
pub struct CallFrame {
    pub closure: Gc<ObjClosure>,
    /// Where execution resumes: saved when the frame calls another one or fails, so
    /// it is current only for frames below the running one, and for the running one
    /// after the interpreter saved it.
    pub ip: Ip,
    /// The frame's slot 0 (`Stack::index_of` gives its index).
    pub slots: Slots,
}

/// The call frames. Outside the interpreter's loop this is an ordinary vector (it
/// dereferences to one). Inside it, the loop addresses the running frame through a
/// `FramePtr` kept in a local, pushes and pops through it without touching the vector's
/// length, and writes the length back (`Frames::set_top`) before anything else looks at
/// the frames, as it does with the stack top. A push through a `FramePtr` needs room
/// below the vector's capacity, which the loop checks against `Frames::limit`.
pub struct Frames(Vec<CallFrame>);

// SAFETY: the frames' pointers (closures, code, slots) point into the heap and the
// value stack of the VM that owns them, and move between threads only with that VM
// (as `Gc` and `Ip` do).
unsafe impl Send for Frames {}

impl std::ops::Deref for Frames {
    type Target = Vec<CallFrame>;
    fn deref(&self) -> &Vec<CallFrame> {
        &self.0
    }
}

impl std::ops::DerefMut for Frames {
    fn deref_mut(&mut self) -> &mut Vec<CallFrame> {
        &mut self.0
    }
}

impl Frames {
    pub fn new() -> Frames {
        Frames(Vec::new())
    }

    /// The running frame, for the interpreter to keep in a local. There is one.
    #[inline(always)]
    pub fn top(&mut self) -> FramePtr {
        let len = self.0.len();
        assert!(len > 0, "a running frame");
        // SAFETY: `len - 1` is the index of a frame in the vector.
        FramePtr(unsafe { self.0.as_mut_ptr().add(len - 1) })
    }

    /// Where the frame at `index` is or would be, for comparisons only: a `FramePtr` at
    /// it or past it is never read unless it is below the vector's capacity.
    #[inline(always)]
    pub fn at(&mut self, index: usize) -> FramePtr {
        FramePtr(self.0.as_mut_ptr().wrapping_add(index))
    }

    /// Makes `top` the last frame: the pushes and pops done through `FramePtr`s since
    /// `top()` become the vector's.
    #[inline(always)]
    pub fn set_top(&mut self, top: FramePtr) {
        // Signed: after the first frame returns, `top` is one frame before the vector.
        let offset = top.0.addr().wrapping_sub(self.0.as_ptr().addr()) as isize;
        let len = (offset / size_of::<CallFrame>() as isize + 1) as usize;
        assert!(
            len <= self.0.capacity(),
            "a frame past the frames' capacity"
        );
        // SAFETY: every frame up to `top` was written, by `Vec::push` or by
        // `FramePtr::push` (below the capacity, checked by the interpreter against
        // `limit` and here), and frames are `Copy`, so no drop is skipped.
        unsafe { self.0.set_len(len) };
    }

    /// The last frame from which the interpreter may push another without growing the
    /// vector: the frame at index `room - 1`, `room` at most the capacity.
    #[inline(always)]
    pub fn limit(&mut self, room: usize) -> FramePtr {
        debug_assert!(room <= self.0.capacity());
        self.at(room.wrapping_sub(1))
    }
}

/// The running frame, a pointer into `Frames` held by the interpreter's loop (see
/// `Frames`). Growing the vector moves its frames: the loop then takes a new one from
/// `Frames::top`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FramePtr(*mut CallFrame);

impl FramePtr {
    /// The frame.
    #[inline(always)]
    pub fn get(self) -> CallFrame {
        // SAFETY: the interpreter keeps its `FramePtr` at a frame it wrote (see
        // `Frames`), and reloads it after anything that can grow the vector.
        unsafe { self.0.read() }
    }

    /// The running closure.
    #[inline(always)]
    pub fn closure(self) -> Gc<ObjClosure> {
        // SAFETY: as for `get`.
        unsafe { (*self.0).closure }
    }

    /// Saves where the frame resumes.
    #[inline(always)]
    pub fn set_ip(self, ip: Ip) {
        // SAFETY: as for `get`.
        unsafe { (*self.0).ip = ip }
    }

    /// Pushes `frame` above this one and moves to it. The caller checked that this
    /// frame is below its `Frames::limit`, so the new one is within the capacity.
    #[inline(always)]
    pub fn push(&mut self, frame: CallFrame) {
        // SAFETY: see above: the slot above is inside the vector's allocation.
        unsafe {
            self.0 = self.0.add(1);
            self.0.write(frame);
        }
    }

    /// Moves to the frame below (the caller). The frame may be the first: the pointer
    /// then points before the vector and must not be read (the interpreter stops).
    #[inline(always)]
    pub fn pop(&mut self) {
        self.0 = self.0.wrapping_sub(1);
    }
}

/// The global variables, by VM slot. Loaded code names only slots that exist (the
/// loader rewrites every global operand to a slot it created, `patch_globals`), and
/// slots are never removed, so the interpreter reads and writes them unchecked
/// (`Globals::read`, `Globals::write`: two instructions fewer per global, which every
/// call of a global function reads). Elsewhere it is an ordinary vector.
pub struct Globals(Vec<Value>);

impl std::ops::Deref for Globals {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.0
    }
}

impl std::ops::DerefMut for Globals {
    fn deref_mut(&mut self) -> &mut Vec<Value> {
        &mut self.0
    }
}

impl<'a> IntoIterator for &'a Globals {
    type Item = &'a Value;
    type IntoIter = std::slice::Iter<'a, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Globals {
    pub fn new() -> Globals {
        Globals(Vec::new())
    }

    /// The global in `slot`, a global operand of loaded code.
    #[inline(always)]
    pub fn read(&self, slot: usize) -> Value {
        debug_assert!(slot < self.0.len(), "a global slot the loader did not make");
        // SAFETY: see the type: loaded code's global operands are existing slots.
        unsafe { *self.0.get_unchecked(slot) }
    }

    /// Stores into `slot`, a global operand of loaded code.
    #[inline(always)]
    pub fn write(&mut self, slot: usize, v: Value) {
        debug_assert!(slot < self.0.len(), "a global slot the loader did not make");
        // SAFETY: as for `read`.
        unsafe { *self.0.get_unchecked_mut(slot) = v }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_is_lox_equality_for_every_kind_of_immediate() {
        let nan = Value::number(f64::NAN);
        let cases = [
            (Value::number(1.0), Value::number(1.0), true),
            (Value::number(1.0), Value::number(2.0), false),
            (Value::number(0.0), Value::number(-0.0), true),
            (nan, nan, false),
            (nan, Value::number(1.0), false),
            (
                Value::number(f64::INFINITY),
                Value::number(f64::INFINITY),
                true,
            ),
            (Value::NIL, Value::NIL, true),
            (Value::TRUE, Value::TRUE, true),
            (Value::TRUE, Value::FALSE, false),
            (Value::NIL, Value::FALSE, false),
            (Value::NIL, Value::number(0.0), false),
            (Value::FALSE, Value::number(0.0), false),
            (Value::UNDEFINED, Value::NIL, false),
        ];
        for (a, b, equal) in cases {
            assert_eq!(a.equals(b), equal, "{a:?} == {b:?}");
            assert_eq!(b.equals(a), equal, "{b:?} == {a:?}");
        }
    }
}

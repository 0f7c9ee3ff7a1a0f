//! Heap objects and `Gc<T>`, the handle through which the rest of the VM uses them.
//!
//! Every object is a `#[repr(C)]` struct that starts with a `Header` (its kind, its
//! mark bit and the intrusive list of all objects that the collector sweeps). A
//! `Gc<T>` is a bare pointer with safe access. What makes that sound is the collector's
//! invariant, kept by `heap` and the VM: an object is freed only when no root reaches
//! it, so every handle the VM can still reach points to a live object. Handles kept in
//! Rust locals across an allocation must be reachable from a root (the stack, a frame,
//! or the heap's temporary roots).
#![allow(unsafe_code)]

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

use super::shape::{DICTIONARY, ShapeId, Shapes};
use super::table::Table;
use super::value::Value;
use loxide_bytecode::UpvalueDesc;
use loxide_bytecode::{LineRun, Span, SpanTable};
use std::cell::Cell;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ObjKind {
    String,
    Function,
    Native,
    Closure,
    Upvalue,
    Class,
    Instance,
    BoundMethod,
    UserData,
}

/// The common start of every object.
///
/// `magic` sits in what would otherwise be padding: it is `LIVE` while the object is,
/// and the heap overwrites it with `POISON` when it frees the cell in checked builds
/// (debug and `gc-stress`), which then check it on every access through a handle, so a
/// dangling handle fails loudly instead of reading whatever reused the cell. A freed
/// cell's free-list link is stored after the magic (see `heap::Pools`), not over it.
#[repr(C)]
pub struct Header {
    pub kind: ObjKind,
    pub marked: bool,
    pub magic: u16,
    /// The next object in the heap's list of all objects.
    pub next: *mut Header,
}

/// The `magic` of a live object.
pub const LIVE: u16 = 0x10c5;
/// The `magic` of a freed cell (checked builds).
pub const POISON: u16 = 0xdead;
/// True in the builds that poison freed cells and check handles against it.
pub const CHECKED: bool = cfg!(any(debug_assertions, feature = "gc-stress"));

impl Header {
    pub fn new(kind: ObjKind) -> Header {
        Header {
            kind,
            marked: false,
            magic: LIVE,
            next: std::ptr::null_mut(),
        }
    }
}

/// Panics when `h` is a freed cell (checked builds only; nothing in release builds).
///
/// # Safety
/// `h` must point into a cell of the heap's pools (live or freed: the pools keep every
/// chunk until the heap is dropped, so the magic is readable either way).
#[inline(always)]
pub unsafe fn check_live(h: *const Header) {
    if CHECKED {
        // SAFETY: the magic is a plain `u16` at a fixed offset, readable in any cell
        // (the caller's guarantee); it is read without reading the kind, which a freed
        // cell may not hold validly.
        let magic = unsafe { std::ptr::addr_of!((*h).magic).read() };
        assert!(
            magic == LIVE,
            "use of a freed object (a dangling handle: magic {magic:#x})"
        );
    }
}

/// An object type: a `#[repr(C)]` struct whose first field is a `Header`.
///
/// # Safety
/// Implementors must be `#[repr(C)]` with `Header` as their first field, and `KIND`
/// must be the kind stored in that header.
pub unsafe trait Object {
    const KIND: ObjKind;
}

/// A handle to a heap object. Copying it copies the pointer.
#[repr(transparent)]
pub struct Gc<T> {
    ptr: NonNull<T>,
    _marker: PhantomData<T>,
}

impl<T> Clone for Gc<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Gc<T> {}

impl<T> PartialEq for Gc<T> {
    fn eq(&self, other: &Self) -> bool {
        self.ptr == other.ptr
    }
}
impl<T> Eq for Gc<T> {}

impl<T> Hash for Gc<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.ptr.hash(state)
    }
}

impl<T> Gc<T> {
    pub fn addr(self) -> usize {
        self.ptr.as_ptr() as usize
    }

    pub fn header(self) -> *mut Header {
        self.ptr.as_ptr() as *mut Header
    }

    /// # Safety
    /// `h` must point to a live object whose type is `T`.
    pub unsafe fn from_header(h: *mut Header) -> Gc<T> {
        // SAFETY: the caller guarantees `h` is a live, non-null `T`.
        Gc {
            ptr: unsafe { NonNull::new_unchecked(h as *mut T) },
            _marker: PhantomData,
        }
    }
}

impl<T> Deref for Gc<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: handles reachable by the VM point to live objects (module invariant);
        // checked builds check it.
        unsafe {
            check_live(self.header());
            self.ptr.as_ref()
        }
    }
}

impl<T> DerefMut for Gc<T> {
    /// Mutable access. Two handles may name the same object, so callers keep the
    /// borrow short and never hold it across another access to the same object.
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: live as for `deref`; the VM is single-threaded and keeps mutable
        // borrows of an object disjoint from any other borrow of it.
        unsafe {
            check_live(self.header());
            self.ptr.as_mut()
        }
    }
}

// SAFETY: a `Gc` is a pointer into the heap of the VM that made it, and handles exist
// only inside that VM's structures (the type is private to the crate; embedders hold
// rooted handles, which are indices). A VM moves to another thread as a whole, with its
// heap, and is used by one thread at a time (`Vm` is `Send`, not `Sync`).
unsafe impl<T> Send for Gc<T> {}

impl<T> fmt::Debug for Gc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gc({:#x})", self.addr())
    }
}

// ----- The object types --------------------------------------------------------------

/// An immutable, interned string with its hash cached.
#[repr(C)]
pub struct ObjString {
    pub header: Header,
    /// `hash_str(&chars)`: every string is made with the hash of its characters.
    pub hash: u32,
    pub chars: Chars,
}
// SAFETY: `#[repr(C)]` with the header first.
unsafe impl Object for ObjString {
    const KIND: ObjKind = ObjKind::String;
}

/// A string object's characters, read as a `str`. They live in the object's own pool
/// cell, right after the object, when the two fit in a cell, and otherwise in a block
/// of their own from the system allocator (`Heap::alloc_string`); either way the heap
/// frees them with the object. `Chars` owns nothing and never frees.
pub struct Chars {
    ptr: NonNull<u8>,
    len: usize,
}

impl Chars {
    /// Characters at `ptr`.
    ///
    /// # Safety
    /// `ptr` must point to `len` bytes of UTF-8 that stay allocated and unchanged for
    /// as long as the `Chars` exists.
    pub unsafe fn from_raw(ptr: NonNull<u8>, len: usize) -> Chars {
        Chars { ptr, len }
    }

    /// Where the characters are.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }
}

impl Deref for Chars {
    type Target = str;

    #[inline(always)]
    fn deref(&self) -> &str {
        // SAFETY: `from_raw`'s contract: `len` bytes of UTF-8 at `ptr`, alive and
        // unchanged while `self` is.
        unsafe {
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.ptr.as_ptr(), self.len))
        }
    }
}

impl fmt::Display for Chars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl fmt::Debug for Chars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// FNV-1a, as clox uses: fast for the short strings programs mostly have.
pub fn hash_str(s: &str) -> u32 {
    hash_continue(2_166_136_261, s)
}

/// Continues an FNV-1a hash over more bytes: `hash_continue(hash_str(a), b)` is the
/// hash of `a` followed by `b`, so a concatenation is hashed without being built.
pub fn hash_continue(mut hash: u32, s: &str) -> u32 {
    for b in s.bytes() {
        hash ^= b as u32;
        hash = hash.wrapping_mul(16_777_619);
    }
    hash
}

/// A function prototype: verified code and the data it refers to.
#[repr(C)]
pub struct ObjFunction {
    pub header: Header,
    pub arity: u8,
    /// The deepest the frame's stack gets, slot 0 included (from the verifier).
    pub max_stack: u32,
    pub upvalues: Box<[UpvalueDesc]>,
    /// Verified bytecode; only the loader creates functions, and only from a module
    /// the verifier accepted. In a stepping run's functions every instruction starts
    /// with `STEP` instead of its opcode (see `opcodes`).
    pub code: Box<[u8]>,
    /// Empty, except in a stepping run's functions: there the code as verified, so
    /// `opcodes[offset]` is the opcode `STEP` stands for at an instruction start.
    pub opcodes: Box<[u8]>,
    pub constants: Box<[Value]>,
    pub lines: Box<[LineRun]>,
    /// Where the instructions that can fail came from in the source.
    pub spans: SpanTable,
    /// Empty for the top-level script.
    pub name: Box<str>,
    /// One inline cache per constant, used by the property instructions whose name is
    /// that constant. Keying caches by name constant needs no cache operand in the
    /// bytecode; sites in one function that share a name share an entry.
    pub caches: Box<[Cell<Cache>]>,
}
// SAFETY: `#[repr(C)]` with the header first.
unsafe impl Object for ObjFunction {
    const KIND: ObjKind = ObjKind::Function;
}

impl ObjFunction {
    /// An instruction pointer at the start of the code.
    pub fn ip(&self) -> Ip {
        Ip(self.code.as_ptr())
    }

    /// The inline cache of name constant `idx`.
    #[inline(always)]
    pub fn cache(&self, idx: usize) -> &Cell<Cache> {
        debug_assert!(idx < self.caches.len());
        // SAFETY: there is a cache per constant, and `idx` is a verified constant index.
        unsafe { self.caches.get_unchecked(idx) }
    }

    /// The slot of field `k` of `instance`, if the inline cache of name constant `k`
    /// knows it (the interpreter's hit path for property reads).
    #[inline(always)]
    pub fn cached_field_slot(&self, k: usize, instance: &ObjInstance) -> Option<usize> {
        // SAFETY: the cache is read in place, without copying it out of its cell; the
        // reference lives only inside this call, during which nothing writes the cell
        // (the VM is single-threaded and nothing else runs here).
        unsafe { (*self.cache(k).as_ptr()).field_slot(instance) }
    }

    /// The method name constant `k` means for `instance`, if the inline cache knows it
    /// (the interpreter's hit path for invocations).
    #[inline(always)]
    pub fn cached_method(&self, k: usize, instance: &ObjInstance) -> Option<Gc<ObjClosure>> {
        // SAFETY: as for `cached_field_slot`.
        unsafe {
            (*self.cache(k).as_ptr())
                .lookup(instance)
                .and_then(|e| e.method)
        }
    }

    /// The slot a write of field `k` to `instance` overwrites, if the inline cache knows
    /// it and the write does not add the field (the hit path for property writes).
    #[inline(always)]
    pub fn cached_store_slot(&self, k: usize, instance: &ObjInstance) -> Option<usize> {
        // SAFETY: as for `cached_field_slot`.
        let cache = unsafe { &*self.cache(k).as_ptr() };
        (cache.writes(instance) && cache.set_next == instance.shape)
            .then_some(cache.set_slot as usize)
    }

    /// The shape a write of field `k` moves `instance` to, if the inline cache knows
    /// that the write adds the field (the hit path for the first write of a field).
    #[inline(always)]
    pub fn cached_transition(&self, k: usize, instance: &ObjInstance) -> Option<ShapeId> {
        // SAFETY: as for `cached_field_slot`.
        let cache = unsafe { &*self.cache(k).as_ptr() };
        (cache.writes(instance) && cache.set_next != instance.shape).then_some(cache.set_next)
    }

    /// Constant `idx`. Unchecked: the verifier proved every constant operand in range.
    #[inline(always)]
    pub fn constant(&self, idx: usize) -> Value {
        debug_assert!(idx < self.constants.len());
        // SAFETY: only verified code names constants, and only in range.
        unsafe { *self.constants.get_unchecked(idx) }
    }

    /// The opcode `STEP` stands for at instruction start `at` of a stepping run's
    /// function.
    #[inline(always)]
    pub fn stepped_opcode(&self, at: usize) -> u8 {
        let b = self.opcodes[at];
        // SAFETY: `opcodes` is the verified code and `at` an instruction start (the
        // loader put `STEP` only there), whose byte is an opcode.
        unsafe { std::hint::assert_unchecked((b as usize) < loxide_bytecode::Op::ALL.len()) };
        b
    }

    /// The byte offset of `ip` within this function's code.
    pub fn offset_of(&self, ip: Ip) -> usize {
        ip.0 as usize - self.code.as_ptr() as usize
    }

    pub fn line_at(&self, offset: usize) -> u32 {
        let idx = self
            .lines
            .partition_point(|run| run.offset as usize <= offset);
        if idx == 0 {
            0
        } else {
            self.lines[idx - 1].line
        }
    }

    /// The source span of the instruction at `offset`, if the compiler recorded one.
    pub fn span_at(&self, offset: usize) -> Option<Span> {
        self.spans.span_at(u32::try_from(offset).ok()?)
    }
}

/// The byte a stepping run's code has at each instruction start in place of the
/// opcode: one past the last opcode, so no module has it (the verifier rejects it), and
/// the interpreter's `match` has one arm more but no check more for ordinary runs. That
/// arm shows the state to the stepper, then dispatches the opcode it stands for.
pub const STEP: u8 = {
    assert!(loxide_bytecode::Op::ALL.len() < 256);
    loxide_bytecode::Op::ALL.len() as u8
};

/// A position in a function's verified code.
///
/// Reads are unchecked. The verifier guarantees that every instruction is complete,
/// that jumps land on instruction starts inside the function, and that control never
/// runs off the end, so an `Ip` that starts at the code's beginning and moves only by
/// decoding instructions stays inside the code.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Ip(*const u8);

// SAFETY: an `Ip` points into the code of a function in the heap of the VM whose frame
// holds it, and moves between threads only with that VM (see `Gc`'s `Send`).
unsafe impl Send for Ip {}

impl Ip {
    /// Reads the opcode of the next instruction (or `STEP`). The verifier accepted only
    /// known opcodes at instruction starts, and the optimizer may rely on it (the
    /// interpreter's `match` then needs no range check before its jump table).
    #[inline(always)]
    pub fn opcode(&mut self) -> u8 {
        let b = self.byte();
        // SAFETY: see the type's invariant: `self` is at an instruction start of
        // verified code, whose first byte is an opcode, or of a stepping run's copy of
        // it, where the loader put `STEP` in its place.
        unsafe { std::hint::assert_unchecked(b <= STEP) };
        b
    }

    #[inline(always)]
    pub fn byte(&mut self) -> u8 {
        // SAFETY: see the type's invariant.
        unsafe {
            let b = *self.0;
            self.0 = self.0.add(1);
            b
        }
    }

    /// Reads a 24-bit operand (a constant, name, function or global index) as one
    /// 4-byte load whose top byte is dropped.
    #[inline(always)]
    pub fn u24(&mut self) -> u32 {
        // SAFETY: see the type's invariant; the read is unaligned-safe. The load takes
        // one byte past the operand, which is inside the code: no instruction with a
        // 24-bit operand is a terminator, and the verifier rejects code whose last
        // instruction falls through, so another instruction follows this one.
        unsafe {
            let v = (self.0 as *const u32).read_unaligned();
            self.0 = self.0.add(3);
            u32::from_le(v) & 0x00ff_ffff
        }
    }

    #[inline(always)]
    pub fn u32(&mut self) -> u32 {
        // SAFETY: see the type's invariant; the read is unaligned-safe.
        unsafe {
            let v = (self.0 as *const u32).read_unaligned();
            self.0 = self.0.add(4);
            u32::from_le(v)
        }
    }

    #[inline(always)]
    pub fn forward(&mut self, offset: u32) {
        // SAFETY: verified jump targets are inside the function.
        self.0 = unsafe { self.0.add(offset as usize) };
    }

    #[inline(always)]
    pub fn back(&mut self, offset: u32) {
        // SAFETY: verified jump targets are inside the function.
        self.0 = unsafe { self.0.sub(offset as usize) };
    }
}

/// A slot value meaning "not a field: a method of the class".
pub const NO_SLOT: u32 = u32::MAX;
/// A shape value no instance has: an empty cache entry.
pub const NO_SHAPE: ShapeId = DICTIONARY - 1;

/// What a property read or call learned about receivers of one class and shape: the
/// field's slot, or the method the name means. Shape ids are per class, so an entry
/// matches on both. The collector traces the classes and methods an entry names, so a
/// matching class is never a new object at a freed one's address.
#[derive(Clone, Copy)]
pub struct ReadEntry {
    pub class: Option<Gc<ObjClass>>,
    pub shape: ShapeId,
    /// The field's slot, or `NO_SLOT` when the name is a method (then `method` is set).
    pub slot: u32,
    pub method: Option<Gc<ObjClosure>>,
}

impl ReadEntry {
    pub const EMPTY: ReadEntry = ReadEntry {
        class: None,
        shape: NO_SHAPE,
        slot: NO_SLOT,
        method: None,
    };

    /// True when this entry describes `instance`.
    #[inline(always)]
    pub fn matches(&self, instance: &ObjInstance) -> bool {
        self.shape == instance.shape && self.class == Some(instance.class)
    }
}

/// The inline cache of one name constant of a function: two read entries (so a site
/// that sees two layouts, such as leaves and inner nodes of a tree, hits on both) and
/// one write entry. Writes use the `set_` fields: the receiver's class and shape, the
/// slot written, and the shape after the write (different when the write adds the
/// field).
#[derive(Clone, Copy)]
pub struct Cache {
    /// The most recently learned entry first.
    pub read: [ReadEntry; 2],
    pub set_class: Option<Gc<ObjClass>>,
    pub set_shape: ShapeId,
    pub set_slot: u32,
    pub set_next: ShapeId,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            read: [ReadEntry::EMPTY; 2],
            set_class: None,
            set_shape: NO_SHAPE,
            set_slot: 0,
            set_next: NO_SHAPE,
        }
    }
}

impl Cache {
    /// The read entry that describes `instance`, if one does.
    #[inline(always)]
    pub fn lookup(&self, instance: &ObjInstance) -> Option<ReadEntry> {
        if self.read[0].matches(instance) {
            Some(self.read[0])
        } else if self.read[1].matches(instance) {
            Some(self.read[1])
        } else {
            None
        }
    }

    /// The slot of the field this cache knows for `instance`, if it knows one.
    #[inline(always)]
    pub fn field_slot(&self, instance: &ObjInstance) -> Option<usize> {
        match self.lookup(instance) {
            Some(entry) if entry.slot != NO_SLOT => Some(entry.slot as usize),
            _ => None,
        }
    }

    /// Learns a read entry; it goes first, and the older first entry second.
    pub fn learn(&mut self, entry: ReadEntry) {
        self.read = [entry, self.read[0]];
    }

    /// True when this entry's write side describes `instance`.
    #[inline(always)]
    pub fn writes(&self, instance: &ObjInstance) -> bool {
        self.set_shape == instance.shape && self.set_class == Some(instance.class)
    }
}

/// A function written in Rust: a built-in (`clock`) or a host's closure. It reads its
/// `argc` arguments from the top of the VM's stack (the value below them is the callee)
/// and returns its result; the VM then replaces callee and arguments with it.
pub type NativeFn =
    Box<dyn Fn(&mut crate::Vm, usize) -> Result<Value, crate::Error> + Send + 'static>;

#[repr(C)]
pub struct ObjNative {
    pub header: Header,
    pub name: Box<str>,
    /// The number of arguments it takes; `None` for any (clox's `clock` ignores them).
    pub arity: Option<u8>,
    pub function: NativeFn,
}
// SAFETY: `#[repr(C)]` with the header first.
unsafe impl Object for ObjNative {
    const KIND: ObjKind = ObjKind::Native;
}

#[repr(C)]
pub struct ObjClosure {
    pub header: Header,
    pub function: Gc<ObjFunction>,
    /// Filled while the closure is created (capturing may collect, so it grows).
    pub upvalues: Block<Gc<ObjUpvalue>>,
}
// SAFETY: `#[repr(C)]` with the header first.
unsafe impl Object for ObjClosure {
    const KIND: ObjKind = ObjKind::Closure;
}

/// A captured variable: open while it lives on the stack, closed once it has moved
/// into the upvalue itself.
#[repr(C)]
pub struct ObjUpvalue {
    pub header: Header,
    /// Points into the stack while open, to `closed` once closed.
    location: *mut Value,
    closed: Value,
    /// The stack slot while open (the open list is sorted by it).
    pub slot: usize,
    pub next_open: Option<Gc<ObjUpvalue>>,
}
// SAFETY: `#[repr(C)]` with the header first.
unsafe impl Object for ObjUpvalue {
    const KIND: ObjKind = ObjKind::Upvalue;
}

impl ObjUpvalue {
    /// An open upvalue for the stack slot at `location`.
    pub fn open(location: *mut Value, slot: usize) -> ObjUpvalue {
        ObjUpvalue {
            header: Header::new(ObjKind::Upvalue),
            location,
            closed: Value::NIL,
            slot,
            next_open: None,
        }
    }

    #[inline(always)]
    pub fn get(&self) -> Value {
        // SAFETY: `location` points to the VM's stack, a fixed block that outlives
        // every open upvalue (they are closed before their slot is popped), or to
        // `self.closed`, which lives as long as `self`.
        unsafe { *self.location }
    }

    #[inline(always)]
    pub fn set(&mut self, v: Value) {
        // SAFETY: as for `get`.
        unsafe { *self.location = v }
    }

    /// Moves the variable off the stack into the upvalue.
    pub fn close(&mut self) {
        self.closed = self.get();
        self.location = &mut self.closed;
    }

    /// The closed-over value, for the collector (open ones are marked via the stack).
    pub fn closed_value(&self) -> Value {
        self.closed
    }
}

#[repr(C)]
pub struct ObjClass {
    pub header: Header,
    pub name: Gc<ObjString>,
    pub methods: Table,
    /// The `init` method, looked up once rather than at every instantiation.
    pub init: Option<Gc<ObjClosure>>,
    /// The layouts of this class's instances.
    pub shapes: Shapes,
    /// How many fields instances have grown to so far: new ones reserve that many.
    pub field_hint: u32,
}
// SAFETY: `#[repr(C)]` with the header first.
unsafe impl Object for ObjClass {
    const KIND: ObjKind = ObjKind::Class;
}

/// A small array owned by an object (an instance's fields, a closure's upvalues) in a
/// block from the heap's pools, not from the general allocator: a `malloc` and a `free`
/// per object cost more than the rest of creating and collecting it. Only the heap
/// allocates, grows and frees the block (`Heap::new_block`, `Heap::push_block`,
/// `Heap::clear_block`, and the sweep).
///
/// Invariant: `ptr` points to `cap` values of which the first `len` are initialized,
/// in a pool cell of `Heap::block_bytes::<T>(cap)` bytes, or dangles with `cap == 0`.
pub struct Block<T: Copy> {
    pub(super) ptr: NonNull<T>,
    pub(super) len: u32,
    pub(super) cap: u32,
}

/// An instance's fields, in slot order.
pub type Fields = Block<Value>;

impl<T: Copy> Block<T> {
    /// No values and no block.
    pub const EMPTY: Block<T> = Block {
        ptr: NonNull::dangling(),
        len: 0,
        cap: 0,
    };

    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    #[inline(always)]
    pub fn capacity(&self) -> usize {
        self.cap as usize
    }

    #[inline(always)]
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: see the type's invariant (a dangling pointer with length 0 is a valid
        // empty slice).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len as usize) }
    }

    /// The value at `index` (checked: an index past the values panics).
    #[inline(always)]
    pub fn get(&self, index: usize) -> T {
        self.as_slice()[index]
    }

    /// Overwrites the value at `index` (checked).
    #[inline(always)]
    pub fn set(&mut self, index: usize, value: T) {
        assert!(index < self.len as usize, "an index past the values");
        // SAFETY: `index < len <= cap`, so the value is initialized and in the block.
        unsafe { self.ptr.as_ptr().add(index).write(value) }
    }
}

#[repr(C)]
pub struct ObjInstance {
    pub header: Header,
    pub class: Gc<ObjClass>,
    /// The layout of `fields`; `DICTIONARY` when the fields are in `dictionary`.
    pub shape: ShapeId,
    pub fields: Fields,
    /// Fields of an instance whose layout outgrew shapes.
    pub dictionary: Option<Box<Table>>,
}
// SAFETY: `#[repr(C)]` with the header first.
unsafe impl Object for ObjInstance {
    const KIND: ObjKind = ObjKind::Instance;
}

#[repr(C)]
pub struct ObjBoundMethod {
    pub header: Header,
    pub receiver: Value,
    pub method: Gc<ObjClosure>,
}
// SAFETY: `#[repr(C)]` with the header first.
unsafe impl Object for ObjBoundMethod {
    const KIND: ObjKind = ObjKind::BoundMethod;
}

/// An opaque value of the host's: scripts hold it, pass it around and back, and print
/// it as `<userdata>`; only the host can look inside.
#[repr(C)]
pub struct ObjUserData {
    pub header: Header,
    pub data: Box<dyn std::any::Any + Send>,
}
// SAFETY: `#[repr(C)]` with the header first.
unsafe impl Object for ObjUserData {
    const KIND: ObjKind = ObjKind::UserData;
}

impl Gc<ObjUserData> {
    /// The host value, borrowed for as long as `owner`, the VM that holds the object
    /// rooted, is borrowed.
    pub fn data<O>(self, _owner: &O) -> &(dyn std::any::Any + Send) {
        check_live_gc(self);
        // SAFETY: the object is live (rooted by the caller's handle), and the VM, whose
        // borrow bounds this one, is the only way to reach or free it.
        unsafe { &*(*self.ptr.as_ptr()).data }
    }

    /// The host value, mutably, for as long as `owner` is mutably borrowed.
    pub fn data_mut<O>(self, _owner: &mut O) -> &mut (dyn std::any::Any + Send) {
        check_live_gc(self);
        // SAFETY: as for `data`; the VM is borrowed mutably, so nothing else reads the
        // object meanwhile.
        unsafe { &mut *(*self.ptr.as_ptr()).data }
    }
}

fn check_live_gc<T>(gc: Gc<T>) {
    // SAFETY: a `Gc` points into a cell of the heap's pools.
    unsafe { check_live(gc.header()) }
}

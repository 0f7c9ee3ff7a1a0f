//! The heap and its garbage collector: precise, tracing, incremental mark and sweep.
//!
//! Every object is linked into one list at allocation. A collection cycle marks from
//! the roots the VM hands it (stack, frames, globals, open upvalues, temporary roots),
//! traces with an explicit gray stack (no recursion, so deep structures cannot overflow
//! the native stack), drops dead strings from the intern set, and sweeps the list.
//!
//! A cycle runs in small steps between which the program runs on, so that no pause
//! grows with the live heap (`Phase`):
//! - `Mark`: each step blackens a bounded number of gray objects. The program may
//!   meanwhile store a white (unmarked) object into a black one, which the tracer would
//!   then never see: every such store goes through a write barrier (`Heap::barrier`)
//!   that marks the stored value when its holder is marked. Objects allocated during
//!   marking are born marked (and gray, if they can hold references). The roots (stack,
//!   globals, ...) have no barrier: the step that empties the gray stack marks them
//!   again and traces what that finds, then drops dead strings from the intern set.
//! - `Sweep`: each step frees a bounded number of the unmarked objects of the list as
//!   it was when marking ended, and clears the marks of the rest. Objects allocated
//!   meanwhile go to a fresh list that this sweep does not look at.
//!
//! The work a step does is proportional to the bytes allocated since the last one
//! (`STEP_MULTIPLIER`), so a cycle ends long before the heap could double. Cycles start
//! when the heap has grown by `GROWTH_FACTOR` since the last one ended. The heap itself
//! never decides to collect: it does not know the roots, so the VM asks
//! `should_collect` before allocating, and runs the step.
//!
//! No allocation a program can size aborts the process: strings, the intern set and
//! dictionaries reserve their memory fallibly and report `OutOfMemory`; the pools keep
//! a spare chunk so that running out of memory is noticed one chunk early (see
//! `Pools`); and marking never needs memory it cannot get (see `Heap::trace`).
#![allow(unsafe_code)]

use std::mem::size_of;

use super::object::*;
use super::table::Table;
use super::value::Value;
use std::ptr::NonNull;

/// The first collection happens after this many bytes.
pub const INITIAL_THRESHOLD: usize = 1024 * 1024;
/// After a cycle, the next one waits until the heap has grown by this factor.
pub const GROWTH_FACTOR: usize = 2;
/// During a cycle, the next step comes after this many more bytes are allocated.
pub const STEP_BYTES: usize = 64 * 1024;
/// A step does this many units of work (an object blackened or swept) for every
/// `UNIT_BYTES` allocated since the last step: enough that marking and sweeping a heap
/// of small objects ends before the program has allocated a quarter of it again.
pub const STEP_MULTIPLIER: usize = 4;
/// See `STEP_MULTIPLIER`.
pub const UNIT_BYTES: usize = 32;
/// A cycle that begins with fewer bytes in the heap than this runs whole, in one step:
/// its pause is well under a millisecond, and a small heap, usually one of short-lived
/// objects, then pays nothing for marking while the program runs (the objects it makes
/// meanwhile would survive the cycle, and its stores would take the barrier's slow
/// path).
pub const WHOLE_CYCLE_BELOW: usize = 2 * 1024 * 1024;

/// Where the collector is in its cycle (see the module's documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// No cycle runs; every object is unmarked.
    Idle,
    /// Tracing: marked objects are gray (on the gray stack) or black; stores into
    /// marked objects go through the write barrier.
    Mark,
    /// Freeing the objects marking left unmarked.
    Sweep,
}

/// Memory held back from the system allocator for reporting `Out of memory.`: when the
/// system refuses the heap, it has usually no room left even for the error's message
/// and trace, nor for the host to print them. Freeing this block just before the error
/// is built gives them room (a deep trace is cut to what fits, see `Vm::error`). It is
/// below glibc's mmap threshold, so freed it returns to malloc's own free lists.
pub const ERROR_BALLAST_BYTES: usize = 64 * 1024;

/// The system refused memory that a program asked for: the VM turns it into the
/// runtime error `Out of memory.`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfMemory;

/// A copy of `chars` in memory reserved fallibly (its length is a program's choice).
pub fn try_box_str(chars: &str) -> Result<Box<str>, OutOfMemory> {
    let mut copy = String::new();
    copy.try_reserve_exact(chars.len())
        .map_err(|_| OutOfMemory)?;
    copy.push_str(chars);
    Ok(copy.into_boxed_str())
}

/// A copy of `items` in memory reserved fallibly (its length is an input's choice).
pub fn try_vec_from<T: Clone>(items: &[T]) -> Result<Vec<T>, OutOfMemory> {
    let mut copy = Vec::new();
    copy.try_reserve_exact(items.len())
        .map_err(|_| OutOfMemory)?;
    copy.extend_from_slice(items);
    Ok(copy)
}

pub struct Heap {
    objects: *mut Header,
    bytes_allocated: usize,
    /// The next step (or the next cycle's start) when `bytes_allocated` passes it.
    next_gc: usize,
    /// `bytes_allocated` when the last step ended: the step's work is proportional to
    /// what was allocated since.
    last_step: usize,
    /// `bytes_allocated` when the current cycle began, less what it has freed since.
    cycle_start: usize,
    phase: Phase,
    /// During `Sweep`: the list being swept, as it was when marking ended. The objects
    /// before `sweep_next` have been swept (the survivors stay linked, the last of them
    /// is `sweep_prev`, null when none yet); `sweep_next` and after have not.
    sweeping: *mut Header,
    sweep_prev: *mut Header,
    sweep_next: *mut Header,
    /// The intern set: every live string, so equal strings are one object.
    strings: Table,
    gray: Vec<*mut Header>,
    /// True when marking could not grow the gray stack and left a marked object off
    /// it; `trace` then rescans the heap for such objects (see `trace`).
    gray_overflow: bool,
    /// Tests only: the gray stack cannot grow past this many entries, as if the
    /// system refused it memory there (tests the fallback of `trace`).
    #[cfg(test)]
    gray_limit: usize,
    /// Values that native code holds while it allocates; see `Vm::with_roots`.
    pub temp_roots: Vec<Value>,
    pools: Pools,
    /// `ERROR_BALLAST_BYTES` of reserved, unused memory (empty once released).
    ballast: Vec<u8>,
}

// SAFETY: the heap owns every object in its list and every chunk of its pools; no
// pointer into them is shared with anything outside the VM that owns the heap, which
// moves to another thread as a whole (see `Gc`'s `Send`).
unsafe impl Send for Heap {}

impl Default for Heap {
    fn default() -> Self {
        Heap::new()
    }
}

impl Heap {
    pub fn new() -> Heap {
        Heap {
            objects: std::ptr::null_mut(),
            bytes_allocated: 0,
            next_gc: INITIAL_THRESHOLD,
            last_step: 0,
            cycle_start: 0,
            phase: Phase::Idle,
            sweeping: std::ptr::null_mut(),
            sweep_prev: std::ptr::null_mut(),
            sweep_next: std::ptr::null_mut(),
            strings: Table::new(),
            gray: Vec::new(),
            gray_overflow: false,
            #[cfg(test)]
            gray_limit: usize::MAX,
            temp_roots: Vec::new(),
            pools: Pools::default(),
            ballast: Heap::ballast(),
        }
    }

    fn ballast() -> Vec<u8> {
        let mut ballast = Vec::new();
        // Without it an out-of-memory error is still reported when there is room.
        let _ = ballast.try_reserve_exact(ERROR_BALLAST_BYTES);
        ballast
    }

    /// Gives the error ballast back to the system allocator, so that the error about
    /// memory can be built and reported. The next collection takes it again if it can.
    pub fn release_ballast(&mut self) {
        self.ballast = Vec::new();
    }

    /// True while the pools serve from their spare chunk because the system allocator
    /// refused them one: the VM's next allocation check (`Vm::maybe_collect`, the
    /// growth of a block) fails with `Out of memory.`, and so does its next poll. A
    /// collection that can replace the spare chunk ends it.
    pub fn out_of_memory(&self) -> bool {
        self.pools.used_reserve
    }

    pub fn bytes_allocated(&self) -> usize {
        self.bytes_allocated
    }

    /// True when the VM should take a step of collection before its next allocation;
    /// always true while the heap is out of memory (`next_gc` is then 0), so that the
    /// check before an allocation takes its slow path and sees it.
    #[inline(always)]
    pub fn should_collect(&self) -> bool {
        cfg!(feature = "gc-stress") || self.bytes_allocated > self.next_gc
    }

    /// Where the collector is in its cycle.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Records memory that an object gained after it was allocated (a table growing).
    pub fn account(&mut self, bytes: usize) {
        self.bytes_allocated += bytes;
    }

    /// Records memory that an object gave back after it was allocated.
    pub fn unaccount(&mut self, bytes: usize) {
        self.bytes_allocated = self.bytes_allocated.saturating_sub(bytes);
    }

    /// The bytes of the pool cell that holds `cap` values of `T`.
    fn block_bytes<T>(cap: usize) -> usize {
        (cap * size_of::<T>()).max(GRANULE)
    }

    /// The most values of `T` a block holds.
    const fn max_block<T>() -> usize {
        MAX_POOLED / size_of::<T>()
    }

    /// A block with room for `cap` values (none for 0; at most `max_block`). The
    /// owner accounts for it through its size (`object_size`).
    #[inline(always)]
    pub fn new_block<T: Copy>(&mut self, cap: usize) -> Block<T> {
        if cap == 0 {
            return Block::EMPTY;
        }
        self.take_block(cap)
    }

    fn take_block<T: Copy>(&mut self, cap: usize) -> Block<T> {
        assert!(
            cap <= Heap::max_block::<T>(),
            "a block too large for the pools"
        );
        let cell = self.cell(Heap::block_bytes::<T>(cap)) as *mut T;
        Block {
            // SAFETY: `cell` never returns null.
            ptr: unsafe { NonNull::new_unchecked(cell) },
            len: 0,
            cap: cap as u32,
        }
    }

    /// Appends a value, moving the values to a block twice as large (up to
    /// `max_block`) when the block is full, and accounts for the growth. Growing is an
    /// allocation with no `maybe_collect` before it, so it makes the check itself: it
    /// fails while the heap is out of memory (the block is then unchanged).
    #[inline(always)]
    pub fn push_block<T: Copy>(
        &mut self,
        block: &mut Block<T>,
        value: T,
    ) -> Result<(), OutOfMemory> {
        if block.len == block.cap {
            self.grow_block(block)?;
        }
        // SAFETY: `len < cap`: the slot is inside the block.
        unsafe { block.ptr.as_ptr().add(block.len as usize).write(value) };
        block.len += 1;
        Ok(())
    }

    /// Moves a full block's values to a block twice as large (up to `max_block`).
    #[cold]
    #[inline(never)]
    fn grow_block<T: Copy>(&mut self, block: &mut Block<T>) -> Result<(), OutOfMemory> {
        if self.out_of_memory() {
            return Err(OutOfMemory);
        }
        {
            let max = Heap::max_block::<T>();
            assert!((block.cap as usize) < max, "a block past its largest size");
            let cap = (block.cap as usize * 2).clamp(4, max);
            let mut grown = self.new_block::<T>(cap);
            // SAFETY: the old block holds `len` initialized values and the new one has
            // room for more; the blocks are distinct cells. The old cell is then free.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    block.ptr.as_ptr(),
                    grown.ptr.as_ptr(),
                    block.len as usize,
                );
                grown.len = block.len;
                if block.cap > 0 {
                    self.pools.give(
                        block.ptr.as_ptr() as *mut u8,
                        Heap::block_bytes::<T>(block.cap as usize),
                    );
                }
            }
            self.bytes_allocated += (grown.cap - block.cap) as usize * size_of::<T>();
            *block = grown;
        }
        Ok(())
    }

    /// Gives a block back (its owner moved the values elsewhere) and accounts for it.
    pub fn clear_block<T: Copy>(&mut self, block: &mut Block<T>) {
        if block.cap > 0 {
            // SAFETY: the block is a pool cell of this size; `block` is emptied below,
            // so nothing reads it again.
            unsafe { release_block(block, &mut self.pools) };
            self.unaccount(block.cap as usize * size_of::<T>());
        }
        *block = Block::EMPTY;
    }

    /// A free cell of at least `size` bytes, from the pools' free lists or their
    /// current chunk; a new chunk when both are exhausted.
    #[inline(always)]
    fn cell(&mut self, size: usize) -> *mut u8 {
        let cell = self.pools.take(size);
        if cell.is_null() {
            return self.refill(size);
        }
        cell
    }

    /// `cell`'s slow path: a new chunk, then the cell from it. When the chunk is the
    /// spare one, the heap is out of memory from now on: `next_gc` drops to 0 so that
    /// the VM's next `maybe_collect` sees it.
    #[cold]
    #[inline(never)]
    fn refill(&mut self, size: usize) -> *mut u8 {
        self.pools.new_chunk();
        if self.pools.used_reserve {
            self.next_gc = 0;
        }
        let cell = self.pools.take(size);
        debug_assert!(!cell.is_null(), "a fresh chunk holds any cell");
        cell
    }

    /// Moves an object to the heap and links it into the object list.
    #[inline(always)]
    pub fn alloc<T: Object>(&mut self, obj: T) -> Gc<T> {
        const { assert!(size_of::<T>() <= MAX_POOLED && size_of::<T>() >= GRANULE) };
        let cell = self.cell(size_of::<T>());
        // SAFETY: the cell is fresh, large enough for `T` and 16-byte aligned.
        unsafe { self.place(cell, obj) }
    }

    /// A string object of `parts` joined, not interned (`intern_new` interns it). Its
    /// characters follow the object in its cell when both fit in a pool cell, so a
    /// short string is one cell and no call to the system allocator; longer ones take
    /// a block of their own (`Chars`, `release_string`).
    fn alloc_string(&mut self, parts: [&str; 2], hash: u32) -> Result<Gc<ObjString>, OutOfMemory> {
        let len = parts[0]
            .len()
            .checked_add(parts[1].len())
            .ok_or(OutOfMemory)?;
        let (cell, bytes) = match inline_string_cell(len) {
            Some(size) => {
                let cell = self.cell(size);
                // SAFETY: the cell has `size` bytes: the object, then room for `len`.
                (cell, unsafe { cell.add(size_of::<ObjString>()) })
            }
            None => {
                let layout = string_block_layout(len).ok_or(OutOfMemory)?;
                // SAFETY: the layout's size is not zero: `len` is more than a cell holds.
                let bytes = unsafe { std::alloc::alloc(layout) };
                if bytes.is_null() {
                    return Err(OutOfMemory);
                }
                (self.cell(size_of::<ObjString>()), bytes)
            }
        };
        // SAFETY: `bytes` has room for `len` bytes, which the two parts fill, and no
        // part overlaps it (it is fresh memory). Together they are UTF-8, which stays
        // there, unchanged, until `release_string` frees it with the object.
        unsafe {
            let (a, b) = (parts[0], parts[1]);
            std::ptr::copy_nonoverlapping(a.as_ptr(), bytes, a.len());
            std::ptr::copy_nonoverlapping(b.as_ptr(), bytes.add(a.len()), b.len());
            let chars = Chars::from_raw(NonNull::new_unchecked(bytes), len);
            Ok(self.place(
                cell,
                ObjString {
                    header: Header::new(ObjKind::String),
                    hash,
                    chars,
                },
            ))
        }
    }

    /// Writes an object into a fresh cell and links it into the object list.
    ///
    /// # Safety
    /// `cell` must be a fresh cell of the pools, large enough for `T`.
    #[inline(always)]
    unsafe fn place<T: Object>(&mut self, cell: *mut u8, obj: T) -> Gc<T> {
        let cell = cell as *mut T;
        // SAFETY: the caller's contract; cells are 16-byte aligned.
        let gc = unsafe {
            cell.write(obj);
            Gc::<T>::from_header(cell as *mut Header)
        };
        let header = gc.header();
        // SAFETY: `header` is the object just boxed; it starts with its header.
        unsafe {
            (*header).next = self.objects;
            self.bytes_allocated += object_size(header);
        }
        self.objects = header;
        if self.phase == Phase::Mark {
            self.born_marked(header, T::KIND);
        }
        gc
    }

    /// Marks an object allocated during marking, black at once: the references it was
    /// made with may be to white objects, so they are marked now (an instance's class, a
    /// bound method's receiver; cheaper than a trip through the gray stack, and most are
    /// marked already). Later stores into it go through the write barrier.
    #[cold]
    fn born_marked(&mut self, header: *mut Header, kind: ObjKind) {
        // SAFETY: `header` is the object just allocated, live, of kind `kind`.
        unsafe {
            (*header).marked = true;
            if has_references(kind) {
                self.blacken(header);
            }
        }
    }

    /// The interned string with these contents, allocating it if it is new (fallibly:
    /// the contents may be any length).
    pub fn intern(&mut self, chars: &str) -> Result<Gc<ObjString>, OutOfMemory> {
        let hash = hash_str(chars);
        if let Some(s) = self.strings.find_string(chars, hash) {
            return Ok(s);
        }
        self.intern_new([chars, ""], hash)
    }

    /// The interned string with these contents, if there is one (never allocates).
    pub fn find_interned(&self, chars: &str) -> Option<Gc<ObjString>> {
        self.strings.find_string(chars, hash_str(chars))
    }

    /// The interned string `a` followed by `b`, allocating it only if it is new, or
    /// `None` when the memory for it cannot be had (a failed allocation is an error of
    /// the program, not an abort). The intern set is searched before anything is built,
    /// so a concatenation whose result exists (a word rebuilt in a loop, a key) costs a
    /// hash and a compare. The hash continues from `a`'s cached one over `b` alone, so
    /// a string grown a piece at a time is not hashed again from its start each time.
    pub fn try_intern_concatenation(&mut self, a: Gc<ObjString>, b: &str) -> Option<Gc<ObjString>> {
        debug_assert_eq!(a.hash, hash_str(&a.chars), "a string's cached hash");
        let hash = hash_continue(a.hash, b);
        if let Some(s) = self.strings.find_concatenation(&a.chars, b, hash) {
            return Some(s);
        }
        self.intern_new([&a.chars, b], hash).ok()
    }

    /// Allocates a string that is not yet interned, of the two parts joined, and adds
    /// it to the intern set. The set's room is reserved first, so a set that cannot
    /// grow leaves no string behind.
    fn intern_new(&mut self, parts: [&str; 2], hash: u32) -> Result<Gc<ObjString>, OutOfMemory> {
        let before = self.strings.heap_bytes();
        self.strings.reserve_one()?;
        self.bytes_allocated += self.strings.heap_bytes() - before;
        let s = self.alloc_string(parts, hash)?;
        let added = self.strings.set(s, Value::NIL);
        debug_assert_eq!(added, Ok(true), "room was reserved for a new string");
        Ok(s)
    }

    // ----- Collection -------------------------------------------------------------------

    #[inline]
    pub fn mark_value(&mut self, v: Value) {
        if let Some(h) = v.as_header() {
            self.mark_header(h);
        }
    }

    #[inline]
    pub fn mark<T>(&mut self, obj: Gc<T>) {
        self.mark_header(obj.header());
    }

    fn mark_header(&mut self, h: *mut Header) {
        // SAFETY: `h` comes from a root or a live object's field, so it is live.
        unsafe {
            if (*h).marked {
                return;
            }
            (*h).marked = true;
            if !has_references((*h).kind) {
                return;
            }
        }
        if self.gray.len() == self.gray.capacity() && !self.grow_gray() {
            // No memory for the gray stack: the object stays marked but off the stack,
            // and `trace` finds it again by rescanning the heap.
            self.gray_overflow = true;
            return;
        }
        self.gray.push(h);
    }

    /// The write barrier: call it when `value` is stored into the object `holder`
    /// (a field, an upvalue, a method, a cache). While marking, a marked holder may
    /// already be black, so the value is marked too; otherwise it costs one test.
    #[inline(always)]
    pub fn barrier<T>(&mut self, holder: Gc<T>, value: Value) {
        // SAFETY: `holder` is a live object (the caller is storing into it).
        if unsafe { (*holder.header()).marked } {
            self.barrier_marked(value);
        }
    }

    /// `barrier` for a marked holder: marks the value while marking (a holder is also
    /// marked while the sweep has not reached it, when there is nothing to do).
    #[cold]
    #[inline(never)]
    fn barrier_marked(&mut self, value: Value) {
        if self.phase == Phase::Mark {
            self.mark_value(value);
        }
    }

    fn mark_table(&mut self, table: &Table) {
        for (key, value) in table.iter() {
            self.mark(key);
            self.mark_value(value);
        }
    }

    /// Room for one more gray object, reserved fallibly; false when there is none.
    #[cold]
    #[inline(never)]
    fn grow_gray(&mut self) -> bool {
        #[cfg(test)]
        if self.gray.len() >= self.gray_limit {
            return false;
        }
        self.gray.try_reserve(1).is_ok()
    }

    /// Marks everything reachable from the gray objects.
    ///
    /// The gray stack grows with the heap's shape (a long list of objects marked before
    /// any is traced), and marking cannot stop for an error halfway. So when the stack
    /// cannot grow (`mark_header`), the object is left marked but off the stack and
    /// `gray_overflow` is set. Once the stack is empty, a pass over the whole object
    /// list blackens every marked object again: tracing a black object is harmless (its
    /// children are marked already, so nothing is pushed), and a marked object left off
    /// the stack is traced at last. A pass that overflows again is followed by another;
    /// each marks at least one more object, so the passes end. This needs no memory at
    /// all, and costs nothing unless the system refused the gray stack memory.
    pub fn trace(&mut self) {
        loop {
            while let Some(h) = self.gray.pop() {
                // SAFETY: gray objects are live and their header names their type.
                unsafe { self.blacken(h) };
            }
            if !self.gray_overflow {
                return;
            }
            self.rescan_marked();
        }
    }

    /// Blackens every marked object of the heap (the gray stack's fallback, see
    /// `trace`), draining the gray stack after each one.
    #[cold]
    #[inline(never)]
    fn rescan_marked(&mut self) {
        self.gray_overflow = false;
        let mut obj = self.objects;
        while !obj.is_null() {
            // SAFETY: every object in the list is live during a collection; marked ones
            // are reachable, so their fields are live too.
            unsafe {
                if (*obj).marked {
                    self.blacken(obj);
                    while let Some(h) = self.gray.pop() {
                        self.blacken(h);
                    }
                }
                obj = (*obj).next;
            }
        }
    }

    /// Blackens at most `budget` gray objects; returns the budget left (0 when the
    /// gray stack may still hold some).
    pub fn trace_some(&mut self, mut budget: usize) -> usize {
        while budget > 0 {
            let Some(h) = self.gray.pop() else {
                if self.gray_overflow {
                    // Out of memory for the gray stack: see `trace`.
                    self.rescan_marked();
                    continue;
                }
                return budget;
            };
            // SAFETY: gray objects are live and their header names their type.
            unsafe { self.blacken(h) };
            budget -= 1;
        }
        0
    }

    // ----- Cycles -----------------------------------------------------------------------

    /// Begins a cycle: the caller marks the roots next (`mark`, `mark_value`), then
    /// steps: `trace_some` until the gray stack is empty, then marks the roots again,
    /// `trace`s and `start_sweep`s, then `sweep_some` until the cycle ends.
    pub fn start_cycle(&mut self) {
        debug_assert_eq!(self.phase, Phase::Idle);
        self.phase = Phase::Mark;
        // The first step owes no more than any other.
        self.last_step = self.bytes_allocated;
        self.cycle_start = self.bytes_allocated;
    }

    /// The units of work a step owes for what was allocated since the last one: all of
    /// the cycle's if it began small (`WHOLE_CYCLE_BELOW`).
    pub fn step_budget(&self) -> usize {
        if self.cycle_start < WHOLE_CYCLE_BELOW {
            return usize::MAX;
        }
        let debt = self.bytes_allocated.saturating_sub(self.last_step);
        (debt.max(STEP_BYTES) / UNIT_BYTES).saturating_mul(STEP_MULTIPLIER)
    }

    /// Schedules the next step, `STEP_BYTES` from now, or after a cycle that ended the
    /// next cycle, when the heap has grown by `GROWTH_FACTOR`.
    pub fn schedule(&mut self) {
        self.last_step = self.bytes_allocated;
        self.next_gc = if self.phase == Phase::Idle {
            // What survived is what was there when the cycle began, less what it freed;
            // what the program allocated during the cycle is not known to be live, so it
            // counts only as the heap's size, not in the growth allowed.
            let survived = self.cycle_start.min(self.bytes_allocated);
            (survived * GROWTH_FACTOR)
                .max(self.bytes_allocated + STEP_BYTES)
                .max(INITIAL_THRESHOLD)
        } else {
            self.bytes_allocated + STEP_BYTES
        };
        if self.out_of_memory() {
            // Every allocation check must see it (see `refill`).
            self.next_gc = 0;
        }
    }

    /// Ends marking: dead strings leave the intern set, and the list as it is now is
    /// the one to sweep, while new objects go to a fresh list.
    pub fn start_sweep(&mut self) {
        // SAFETY: string keys are live objects until the sweep frees them.
        self.strings.retain(|s| unsafe { (*s.header()).marked });
        self.sweeping = std::mem::replace(&mut self.objects, std::ptr::null_mut());
        self.sweep_prev = std::ptr::null_mut();
        self.sweep_next = self.sweeping;
        self.phase = Phase::Sweep;
    }

    /// Sweeps at most `budget` objects; true when the sweep (and the cycle) ended.
    pub fn sweep_some(&mut self, mut budget: usize) -> bool {
        let mut obj = self.sweep_next;
        let mut prev = self.sweep_prev;
        while !obj.is_null() {
            if budget == 0 {
                self.sweep_next = obj;
                self.sweep_prev = prev;
                return false;
            }
            budget -= 1;
            // SAFETY: every object in the list is live until freed here, and is
            // unlinked before it is freed.
            unsafe {
                let next = (*obj).next;
                if (*obj).marked {
                    (*obj).marked = false;
                    prev = obj;
                } else {
                    if prev.is_null() {
                        self.sweeping = next;
                    } else {
                        (*prev).next = next;
                    }
                    let size = free(obj, &mut self.pools);
                    self.bytes_allocated -= size.min(self.bytes_allocated);
                    self.cycle_start -= size.min(self.cycle_start);
                }
                obj = next;
            }
        }
        // The survivors go in front of the objects allocated during the sweep.
        if !prev.is_null() {
            // SAFETY: `prev` is the last survivor of the swept list.
            unsafe { (*prev).next = self.objects };
            self.objects = self.sweeping;
        }
        self.sweeping = std::ptr::null_mut();
        self.sweep_prev = std::ptr::null_mut();
        self.sweep_next = std::ptr::null_mut();
        self.phase = Phase::Idle;
        // Garbage freed may have left the system room for the ballast and a spare chunk
        // again (`schedule` keeps `next_gc` at 0 while there is no spare chunk).
        if self.ballast.capacity() == 0 {
            self.ballast = Heap::ballast();
        }
        if self.pools.used_reserve {
            self.pools.replenish();
        }
        true
    }

    /// # Safety
    /// `h` must be a live object.
    #[inline(always)]
    unsafe fn blacken(&mut self, h: *mut Header) {
        // SAFETY: the kind in the header is the object's real type.
        unsafe {
            match (*h).kind {
                ObjKind::String | ObjKind::Native | ObjKind::UserData => {}
                ObjKind::Function => {
                    let f = Gc::<ObjFunction>::from_header(h);
                    for &c in f.constants.iter() {
                        self.mark_value(c);
                    }
                    // Cached methods stay alive while a cache can hand them out.
                    for cache in f.caches.iter() {
                        let entry = cache.get();
                        for read in entry.read {
                            if let Some(m) = read.method {
                                self.mark(m);
                            }
                            if let Some(c) = read.class {
                                self.mark(c);
                            }
                        }
                        if let Some(c) = entry.set_class {
                            self.mark(c);
                        }
                    }
                }
                ObjKind::Closure => {
                    let c = Gc::<ObjClosure>::from_header(h);
                    self.mark(c.function);
                    for &u in c.upvalues.as_slice() {
                        self.mark(u);
                    }
                }
                ObjKind::Upvalue => {
                    let u = Gc::<ObjUpvalue>::from_header(h);
                    self.mark_value(u.closed_value());
                }
                ObjKind::Class => {
                    let c = Gc::<ObjClass>::from_header(h);
                    self.mark(c.name);
                    self.mark_table(&c.methods);
                    if let Some(init) = c.init {
                        self.mark(init);
                    }
                    c.shapes.mark(self);
                }
                ObjKind::Instance => {
                    let i = Gc::<ObjInstance>::from_header(h);
                    self.mark(i.class);
                    for &v in i.fields.as_slice() {
                        self.mark_value(v);
                    }
                    if let Some(d) = &i.dictionary {
                        self.mark_table(d);
                    }
                }
                ObjKind::BoundMethod => {
                    let b = Gc::<ObjBoundMethod>::from_header(h);
                    self.mark_value(b.receiver);
                    self.mark(b.method);
                }
            }
        }
    }

    /// Ends the marking of a cycle whose roots are marked and sweeps at once (a whole
    /// cycle without the program running in between; tests).
    #[cfg(test)]
    pub fn finish_cycle(&mut self) {
        if self.phase == Phase::Idle {
            self.start_cycle();
        }
        self.trace();
        self.start_sweep();
        self.sweep_some(usize::MAX);
        self.schedule();
    }
}

/// True for the kinds of object that can hold references to others (and so are traced
/// when marked).
#[inline(always)]
fn has_references(kind: ObjKind) -> bool {
    !matches!(kind, ObjKind::String | ObjKind::Native | ObjKind::UserData)
}

impl Drop for Heap {
    fn drop(&mut self) {
        for list in [self.objects, self.sweeping] {
            let mut obj = list;
            while !obj.is_null() {
                // SAFETY: the heap owns every object in its lists (the list being swept
                // links its survivors and the objects not yet swept); nothing uses them
                // after the heap is dropped.
                unsafe {
                    let next = (*obj).next;
                    free(obj, &mut self.pools);
                    obj = next;
                }
            }
        }
    }
}

/// The bytes an object holds, itself and what it owns.
///
/// # Safety
/// `h` must be a live object.
#[inline(always)]
unsafe fn object_size(h: *mut Header) -> usize {
    // SAFETY: the kind in the header is the object's real type.
    unsafe {
        match (*h).kind {
            ObjKind::String => size_of::<ObjString>() + Gc::<ObjString>::from_header(h).chars.len(),
            ObjKind::Function => {
                let f = Gc::<ObjFunction>::from_header(h);
                size_of::<ObjFunction>()
                    + f.code.len()
                    + f.opcodes.len()
                    + f.constants.len() * (8 + size_of::<Cache>())
                    + f.lines.len() * 8
            }
            ObjKind::Native => size_of::<ObjNative>(),
            ObjKind::Closure => {
                size_of::<ObjClosure>() + Gc::<ObjClosure>::from_header(h).upvalues.capacity() * 8
            }
            ObjKind::Upvalue => size_of::<ObjUpvalue>(),
            ObjKind::Class => {
                let c = Gc::<ObjClass>::from_header(h);
                size_of::<ObjClass>() + c.methods.heap_bytes() + c.shapes.heap_bytes()
            }
            ObjKind::Instance => {
                let i = Gc::<ObjInstance>::from_header(h);
                size_of::<ObjInstance>()
                    + i.fields.capacity() * 8
                    + i.dictionary.as_ref().map_or(0, |d| d.heap_bytes())
            }
            ObjKind::BoundMethod => size_of::<ObjBoundMethod>(),
            ObjKind::UserData => size_of::<ObjUserData>(),
        }
    }
}

/// Drops an object with its real type and returns its cell to the pools; returns the
/// bytes it held (`object_size`), measured on the way, so the sweep looks at each
/// object's kind once.
///
/// # Safety
/// `h` must be a live object allocated by `Heap::alloc` and unreachable from now on.
#[inline(always)]
unsafe fn free(h: *mut Header, pools: &mut Pools) -> usize {
    // SAFETY: the header names the object's real type. The kinds handled here own
    // nothing but pool memory (dropping them in place would do nothing) or, for a long
    // string, one block of characters, so they are freed inline in the sweep; the rest
    // go through `free_owning`.
    unsafe {
        match (*h).kind {
            ObjKind::Closure => {
                release_block(&Gc::<ObjClosure>::from_header(h).upvalues, pools);
                release::<ObjClosure>(h, pools)
            }
            ObjKind::Upvalue => release::<ObjUpvalue>(h, pools),
            ObjKind::Instance if Gc::<ObjInstance>::from_header(h).dictionary.is_none() => {
                release_block(&Gc::<ObjInstance>::from_header(h).fields, pools);
                release::<ObjInstance>(h, pools)
            }
            ObjKind::BoundMethod => release::<ObjBoundMethod>(h, pools),
            ObjKind::String => release_string(h, pools),
            _ => free_owning(h, pools),
        }
    }
}

/// `free` for the objects that own memory outside the pools (their drop frees it).
///
/// # Safety
/// As for `free`.
#[inline(never)]
unsafe fn free_owning(h: *mut Header, pools: &mut Pools) -> usize {
    // SAFETY: the header names the object's real type.
    unsafe {
        match (*h).kind {
            ObjKind::Function => release::<ObjFunction>(h, pools),
            ObjKind::Native => release::<ObjNative>(h, pools),
            ObjKind::Class => release::<ObjClass>(h, pools),
            ObjKind::UserData => release::<ObjUserData>(h, pools),
            ObjKind::Instance => {
                release_block(&Gc::<ObjInstance>::from_header(h).fields, pools);
                release::<ObjInstance>(h, pools)
            }
            ObjKind::Closure | ObjKind::Upvalue | ObjKind::BoundMethod | ObjKind::String => {
                unreachable!("`free` releases pool-only objects itself")
            }
        }
    }
}

/// Drops a `T` in place, returns its cell to the pools and returns the bytes it held
/// (`object_size`).
///
/// # Safety
/// `h` must be a live `T` of kind `(*h).kind` in a pool cell, unreachable from now on.
#[inline(always)]
unsafe fn release<T>(h: *mut Header, pools: &mut Pools) -> usize {
    // SAFETY: the caller guarantees `h` is a live `T` of kind `(*h).kind`, so
    // `object_size` reads it as that type; after dropping it in place its cell is free
    // memory of `size_of::<T>()` bytes.
    unsafe {
        let size = object_size(h);
        std::ptr::drop_in_place(h as *mut T);
        pools.give(h as *mut u8, size_of::<T>());
        size
    }
}

/// The size of the cell of a string object of `len` bytes with its characters inline,
/// when the two fit in a pool cell.
fn inline_string_cell(len: usize) -> Option<usize> {
    let size = size_of::<ObjString>().checked_add(len)?;
    (size <= MAX_POOLED).then_some(size)
}

/// The layout of the characters of a string too long to share its object's cell.
fn string_block_layout(len: usize) -> Option<std::alloc::Layout> {
    std::alloc::Layout::array::<u8>(len).ok()
}

/// Frees a string object and its characters (see `Heap::alloc_string`); returns the
/// bytes it held (`object_size`).
///
/// # Safety
/// `h` must be a live string object made by `Heap::alloc_string`, unreachable from now
/// on.
unsafe fn release_string(h: *mut Header, pools: &mut Pools) -> usize {
    // SAFETY: the caller guarantees `h` is a live string made by `alloc_string`: its
    // characters are inline when `inline_string_cell` says they fit, and otherwise a
    // block of `string_block_layout`. Nothing reads the object or its characters after
    // this, and `ObjString` has nothing to drop.
    unsafe {
        let size = object_size(h);
        let chars = &Gc::<ObjString>::from_header(h).chars;
        let len = chars.len();
        match inline_string_cell(len) {
            Some(cell) => pools.give(h as *mut u8, cell),
            None => {
                let layout = string_block_layout(len).expect("the layout it was made with");
                std::alloc::dealloc(chars.as_ptr(), layout);
                pools.give(h as *mut u8, size_of::<ObjString>());
            }
        }
        size
    }
}

/// Returns a block's cell, if it has one, to the pools.
///
/// # Safety
/// `block` must be a block of this heap's pools that nothing reads afterwards.
unsafe fn release_block<T: Copy>(block: &Block<T>, pools: &mut Pools) {
    if block.cap > 0 {
        // SAFETY: the caller guarantees the cell is this block's and no longer used.
        unsafe {
            pools.give(
                block.ptr.as_ptr() as *mut u8,
                Heap::block_bytes::<T>(block.cap as usize),
            )
        };
    }
}

// ----- The object allocator ------------------------------------------------------------

/// Cell sizes are multiples of this; it is also every cell's alignment.
const GRANULE: usize = 16;
/// The largest cell the pools serve: every object type is smaller, and so is every
/// block (`Block`) an object can need.
const MAX_POOLED: usize = 2048;
// A closure's upvalues and a shaped instance's fields always fit in one block.
const _: () = assert!(MAX_POOLED / 8 >= loxide_bytecode::MAX_UPVALUES);
const _: () = assert!(MAX_POOLED / 8 >= super::shape::MAX_SHAPE_FIELDS as usize);
/// Cells are carved from chunks of this size.
const CHUNK_BYTES: usize = 64 * 1024;

/// Size-segregated free lists over large chunks.
///
/// The collector frees every object itself, so objects need no general-purpose
/// allocator: a freed cell goes onto the free list of its size and the next object of
/// that size takes it. Allocation is a pop or a bump, freeing a push, and memory is
/// reused at once by the short-lived objects that dominate allocation. Chunks are kept
/// until the heap is dropped, so the process keeps its peak footprint.
///
/// A free cell keeps its first 8 bytes (an object's kind, mark and magic) and links to
/// the next free cell of its size with the word after them (every cell has at least
/// `GRANULE` bytes), so checked builds can poison the magic of a freed object and keep
/// it poisoned while the cell is free.
///
/// Running out of memory never aborts. The pools keep a spare chunk (`reserve`),
/// allocated with the first one. When the system allocator refuses a chunk, the spare
/// one becomes the current chunk and the pools say so (`used_reserve`). From then on
/// every check that precedes an allocation fails: `Vm::maybe_collect`, which comes
/// before each new object (`Heap::refill` makes it take its slow path), and the growth
/// of a block (`Heap::push_block`). Between two checks the VM takes at most a few
/// cells (an object and its block; a string and its intern entry), far fewer than a
/// chunk holds, so the spare chunk cannot run out before the program has stopped with
/// `Out of memory.`. A collection that can allocate a new spare chunk ends the state.
struct Pools {
    free: [*mut u8; MAX_POOLED / GRANULE],
    cursor: *mut u8,
    end: *mut u8,
    chunks: Vec<*mut u8>,
    /// A chunk kept back for when the allocator fails (null once used or before the
    /// first chunk).
    reserve: *mut u8,
    /// True once the reserve chunk has been used.
    used_reserve: bool,
}

/// Where a free cell keeps its link to the next free cell (after the header's kind,
/// mark and magic).
const LINK_OFFSET: usize = 8;
const _: () = assert!(LINK_OFFSET + size_of::<*mut u8>() <= GRANULE);

impl Default for Pools {
    fn default() -> Self {
        Pools {
            free: [std::ptr::null_mut(); MAX_POOLED / GRANULE],
            cursor: std::ptr::null_mut(),
            end: std::ptr::null_mut(),
            chunks: Vec::new(),
            reserve: std::ptr::null_mut(),
            used_reserve: false,
        }
    }
}

impl Pools {
    fn chunk_layout() -> std::alloc::Layout {
        std::alloc::Layout::from_size_align(CHUNK_BYTES, GRANULE).expect("a valid chunk layout")
    }

    /// A free cell of at least `size` bytes (`GRANULE <= size <= MAX_POOLED`), or null
    /// when the free list is empty and the current chunk has no room (`new_chunk`
    /// gives it some).
    #[inline]
    fn take(&mut self, size: usize) -> *mut u8 {
        let class = size.div_ceil(GRANULE) - 1;
        let head = self.free[class];
        if !head.is_null() {
            // SAFETY: a free cell's word at `LINK_OFFSET` holds the next free cell.
            self.free[class] = unsafe { *(head.add(LINK_OFFSET) as *mut *mut u8) };
            return head;
        }
        let cell = (class + 1) * GRANULE;
        if (self.end as usize) - (self.cursor as usize) < cell {
            return std::ptr::null_mut();
        }
        let p = self.cursor;
        // SAFETY: at least `cell` bytes remain in the current chunk.
        self.cursor = unsafe { self.cursor.add(cell) };
        p
    }

    /// Makes a fresh chunk the current one: from the system allocator, or else the
    /// spare chunk (`used_reserve` is then set). Aborts only when neither exists: when
    /// the very first chunks cannot be had (a VM being made with no memory at all), or
    /// when the spare chunk ran out, which the checks described on `Pools` prevent.
    #[cold]
    fn new_chunk(&mut self) {
        let layout = Pools::chunk_layout();
        if self.reserve.is_null() && !self.used_reserve {
            // SAFETY: the layout has a non-zero size.
            self.reserve = unsafe { std::alloc::alloc(layout) };
        }
        // The list of chunks keeps room for the spare one, so using it never needs
        // memory: a new chunk is only taken with room for itself and the spare.
        let mut chunk = std::ptr::null_mut();
        if self.chunks.try_reserve(2).is_ok() {
            // SAFETY: the layout has a non-zero size.
            chunk = unsafe { std::alloc::alloc(layout) };
        }
        if chunk.is_null() {
            if self.reserve.is_null() || self.chunks.len() == self.chunks.capacity() {
                std::alloc::handle_alloc_error(layout)
            }
            self.used_reserve = true;
            chunk = std::mem::replace(&mut self.reserve, std::ptr::null_mut());
        }
        self.chunks.push(chunk);
        self.cursor = chunk;
        // SAFETY: one past the end of the chunk just allocated.
        self.end = unsafe { chunk.add(CHUNK_BYTES) };
    }

    /// After the spare chunk was used, tries to allocate a new one; true when it could
    /// (the pools are no longer out of memory).
    #[cold]
    fn replenish(&mut self) -> bool {
        if self.chunks.try_reserve(1).is_err() {
            return false;
        }
        // SAFETY: the layout has a non-zero size.
        let spare = unsafe { std::alloc::alloc(Pools::chunk_layout()) };
        if spare.is_null() {
            return false;
        }
        self.reserve = spare;
        self.used_reserve = false;
        true
    }

    /// Returns a cell that held an object of `size` bytes.
    ///
    /// # Safety
    /// `p` must come from `take(size)` and no longer hold a live object.
    #[inline]
    unsafe fn give(&mut self, p: *mut u8, size: usize) {
        let class = size.div_ceil(GRANULE) - 1;
        // SAFETY: the cell is free and at least `GRANULE` bytes long; in checked builds
        // its magic (an object's, or junk in a block's cell) becomes the poison.
        unsafe {
            if CHECKED {
                std::ptr::addr_of_mut!((*(p as *mut Header)).magic).write(POISON);
            }
            *(p.add(LINK_OFFSET) as *mut *mut u8) = self.free[class];
        }
        self.free[class] = p;
    }
}

impl Drop for Pools {
    fn drop(&mut self) {
        if !self.reserve.is_null() {
            // SAFETY: the reserve was allocated with the chunk layout and never used.
            unsafe { std::alloc::dealloc(self.reserve, Pools::chunk_layout()) };
        }
        for &chunk in &self.chunks {
            // SAFETY: each chunk was allocated with this layout and is freed once.
            unsafe { std::alloc::dealloc(chunk, Pools::chunk_layout()) };
        }
    }
}

/// Checked builds (debug, `gc-stress`) poison a freed cell; a handle that outlived its
/// object then fails loudly on its next use instead of reading whatever reused the cell.
#[cfg(all(test, any(debug_assertions, feature = "gc-stress")))]
mod tests {
    use super::*;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    fn panic_message(result: std::thread::Result<usize>) -> String {
        let payload = result.expect_err("the use of a freed object must panic");
        payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| payload.downcast_ref::<&str>().unwrap_or(&"").to_string())
    }

    #[test]
    fn a_dangling_handle_fails_loudly() {
        let mut heap = Heap::new();
        let kept = heap.intern("kept by the host").unwrap();
        // A collection with no roots frees it: the handle now dangles.
        heap.finish_cycle();
        let read = catch_unwind(AssertUnwindSafe(|| kept.chars.len()));
        assert!(panic_message(read).contains("use of a freed object"));
        let kind = catch_unwind(AssertUnwindSafe(|| {
            Value::object(kept).obj_kind().map_or(0, |_| 1)
        }));
        assert!(panic_message(kind).contains("use of a freed object"));
    }

    #[test]
    fn a_live_handle_reads_its_object() {
        let mut heap = Heap::new();
        let kept = heap.intern("kept by the host").unwrap();
        heap.start_cycle();
        heap.mark(kept);
        heap.finish_cycle();
        assert_eq!(&*kept.chars, "kept by the host");
    }
}

/// The incremental cycle's rules, one at a time, on a bare heap (the VM's roots play no
/// part: each test marks what it keeps). Whether a string is still in the intern set
/// after a cycle says whether it survived, without touching a freed object.
#[cfg(test)]
mod incremental {
    use super::*;

    /// A closed upvalue: the simplest object that holds a reference.
    fn holder(heap: &mut Heap) -> Gc<ObjUpvalue> {
        let mut slot = Value::NIL;
        let mut upvalue = heap.alloc(ObjUpvalue::open(&mut slot, 0));
        upvalue.close();
        upvalue
    }

    #[test]
    fn the_intern_set_stays_the_size_its_live_strings_need() {
        // Rounds of strings that die at the next collection leave tombstones in the
        // intern set; the set must drop them rather than double as they pile up.
        let mut heap = Heap::new();
        let mut after_first = 0;
        for round in 0..50 {
            for i in 0..1000 {
                heap.intern(&format!("round {round} string {i}")).unwrap();
            }
            heap.finish_cycle();
            if round == 0 {
                after_first = heap.strings.heap_bytes();
            }
        }
        assert!(after_first > 0);
        assert!(
            heap.strings.heap_bytes() <= 2 * after_first,
            "{} bytes after 50 rounds, {after_first} after the first",
            heap.strings.heap_bytes()
        );
    }

    #[test]
    fn a_store_into_a_black_object_keeps_the_value_through_the_barrier() {
        let mut heap = Heap::new();
        let mut with_barrier = holder(&mut heap);
        let mut without = holder(&mut heap);
        let kept = heap.intern("stored with the barrier").unwrap();
        let lost = heap.intern("stored without it").unwrap();
        heap.start_cycle();
        heap.mark(with_barrier);
        heap.mark(without);
        heap.trace();
        // Both holders are black now; the strings are white.
        with_barrier.set(Value::object(kept));
        heap.barrier(with_barrier, Value::object(kept));
        without.set(Value::object(lost));
        heap.finish_cycle();
        assert_eq!(heap.find_interned("stored with the barrier"), Some(kept));
        // The control: a store the barrier did not see loses its value.
        assert_eq!(heap.find_interned("stored without it"), None);
    }

    #[test]
    fn the_barrier_does_nothing_outside_marking() {
        let mut heap = Heap::new();
        let h = holder(&mut heap);
        let s = heap.intern("idle").unwrap();
        heap.barrier(h, Value::object(s));
        // SAFETY: both are live; nothing has been collected.
        assert!(unsafe { !(*s.header()).marked && !(*h.header()).marked });
    }

    #[test]
    fn objects_made_during_marking_survive_the_cycle_and_die_in_the_next() {
        let mut heap = Heap::new();
        heap.start_cycle();
        assert_eq!(heap.trace_some(10), 10, "nothing is gray");
        let young = heap.intern("made while marking").unwrap();
        heap.finish_cycle();
        assert_eq!(heap.find_interned("made while marking"), Some(young));
        heap.finish_cycle();
        assert_eq!(heap.find_interned("made while marking"), None);
    }

    #[test]
    fn objects_made_during_the_sweep_are_not_swept_by_it() {
        let mut heap = Heap::new();
        let old: Vec<_> = (0..10)
            .map(|i| heap.intern(&format!("old {i}")).unwrap())
            .collect();
        heap.start_cycle();
        heap.mark(old[3]);
        heap.trace();
        heap.start_sweep();
        assert!(!heap.sweep_some(2), "ten objects take more than two units");
        let young = heap.intern("made while sweeping").unwrap();
        assert!(heap.sweep_some(usize::MAX));
        assert_eq!(heap.phase(), Phase::Idle);
        assert_eq!(heap.find_interned("made while sweeping"), Some(young));
        assert_eq!(heap.find_interned("old 3"), Some(old[3]));
        assert_eq!(heap.find_interned("old 4"), None);
        // Every survivor is unmarked again, ready for the next cycle, which frees them.
        // SAFETY: both are live.
        assert!(unsafe { !(*young.header()).marked && !(*old[3].header()).marked });
        heap.finish_cycle();
        assert_eq!(heap.find_interned("made while sweeping"), None);
        assert_eq!(heap.find_interned("old 3"), None);
    }

    #[test]
    fn a_step_does_bounded_work() {
        let mut heap = Heap::new();
        let strings: Vec<_> = (0..100)
            .map(|i| heap.intern(&format!("s{i}")).unwrap())
            .collect();
        let mut chain = Vec::new();
        for &s in &strings {
            let mut h = holder(&mut heap);
            h.set(Value::object(s));
            chain.push(h);
        }
        heap.start_cycle();
        for &h in &chain {
            heap.mark(h);
        }
        // A hundred gray holders: ten units of work leave ninety.
        assert_eq!(heap.trace_some(10), 0);
        assert_eq!(heap.gray.len(), 90);
        assert_eq!(heap.trace_some(1000), 910);
        heap.start_sweep();
        assert!(!heap.sweep_some(150));
        assert!(heap.sweep_some(usize::MAX));
        assert_eq!(heap.find_interned("s99"), Some(strings[99]));
    }
}

/// Marking when the system refuses the gray stack memory (`trace`'s fallback).
#[cfg(test)]
mod gray_fallback_tests {
    use super::*;
    use std::cell::Cell;

    /// A function object whose constants are `constants`.
    fn function(heap: &mut Heap, constants: Vec<Value>) -> Gc<ObjFunction> {
        let caches = constants.iter().map(|_| Cell::default()).collect();
        heap.alloc(ObjFunction {
            header: Header::new(ObjKind::Function),
            arity: 0,
            max_stack: 1,
            upvalues: Box::new([]),
            code: Box::new([]),
            opcodes: Box::new([]),
            constants: constants.into_boxed_slice(),
            lines: Box::new([]),
            spans: Default::default(),
            name: "f".into(),
            caches,
        })
    }

    /// A chain of `depth` functions from the one returned, each holding a string
    /// `"d{level}w{i}"` for `i` below `width` and the next function.
    fn build(heap: &mut Heap, depth: usize, width: usize) -> Gc<ObjFunction> {
        let mut next: Option<Gc<ObjFunction>> = None;
        for level in (0..depth).rev() {
            let mut constants: Vec<Value> = (0..width)
                .map(|i| Value::object(heap.intern(&format!("d{level}w{i}")).unwrap()))
                .collect();
            constants.extend(next.map(Value::object));
            next = Some(function(heap, constants));
        }
        next.expect("a chain of at least one function")
    }

    fn survivors(heap: &Heap, depth: usize, width: usize) -> usize {
        (0..depth)
            .flat_map(|level| (0..width).map(move |i| format!("d{level}w{i}")))
            .filter(|s| heap.find_interned(s).is_some())
            .count()
    }

    #[test]
    fn marking_without_a_gray_stack_still_reaches_everything() {
        for limit in [0, 1, 3, 50] {
            let mut heap = Heap::new();
            let root = build(&mut heap, 40, 30);
            heap.intern("garbage").unwrap();
            heap.gray_limit = limit;
            heap.mark(root);
            heap.finish_cycle();
            assert_eq!(
                survivors(&heap, 40, 30),
                40 * 30,
                "gray stack limit {limit}"
            );
            assert!(heap.find_interned("garbage").is_none(), "limit {limit}");
            // The marks were cleared: a second collection keeps the same objects.
            heap.mark(root);
            heap.finish_cycle();
            assert_eq!(survivors(&heap, 40, 30), 40 * 30, "limit {limit}, again");
        }
    }

    #[test]
    fn the_fallback_frees_what_is_unreachable() {
        let mut heap = Heap::new();
        let kept = build(&mut heap, 10, 5);
        let before = heap.bytes_allocated();
        build(&mut heap, 10, 5);
        heap.gray_limit = 0;
        heap.mark(kept);
        heap.finish_cycle();
        // The second chain's functions are gone (its strings are the first chain's,
        // interned): the heap is back to its size after the first chain.
        assert_eq!(heap.bytes_allocated(), before);
    }
}

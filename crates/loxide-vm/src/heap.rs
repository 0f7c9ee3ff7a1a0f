//! The heap and its garbage collector: precise, tracing, mark and sweep.
//!
//! Every object is linked into one list at allocation. A collection marks from the
//! roots the VM hands it (stack, frames, globals, open upvalues, temporary roots),
//! traces with an explicit gray stack (no recursion, so deep structures cannot overflow
//! the native stack), drops dead strings from the intern set, and sweeps the list.
//! Collections are triggered by bytes allocated; the threshold is a multiple of the
//! heap that survived the last one. The heap itself never decides to collect: it does
//! not know the roots, so the VM asks `should_collect` before allocating.
#![allow(unsafe_code)]

use std::mem::size_of;

use super::object::*;
use super::table::Table;
use super::value::Value;
use std::ptr::NonNull;

/// The first collection happens after this many bytes.
pub const INITIAL_THRESHOLD: usize = 1024 * 1024;
/// After a collection, the next one waits until the heap has grown by this factor.
pub const GROWTH_FACTOR: usize = 2;

pub struct Heap {
    objects: *mut Header,
    bytes_allocated: usize,
    next_gc: usize,
    /// The intern set: every live string, so equal strings are one object.
    strings: Table,
    gray: Vec<*mut Header>,
    /// Values that native code holds while it allocates; see `Vm::with_roots`.
    pub temp_roots: Vec<Value>,
    pools: Pools,
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
            strings: Table::new(),
            gray: Vec::new(),
            temp_roots: Vec::new(),
            pools: Pools::default(),
        }
    }

    /// True once the system allocator has refused the heap a chunk (the reserve chunk
    /// was used instead); the VM turns it into `Out of memory.` at its next poll.
    pub fn out_of_memory(&self) -> bool {
        self.pools.used_reserve
    }

    pub fn bytes_allocated(&self) -> usize {
        self.bytes_allocated
    }

    /// True when the VM should collect before its next allocation.
    #[inline(always)]
    pub fn should_collect(&self) -> bool {
        cfg!(feature = "gc-stress") || self.bytes_allocated > self.next_gc
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
        let cell = self.pools.take(Heap::block_bytes::<T>(cap)) as *mut T;
        Block {
            // SAFETY: `take` never returns null.
            ptr: unsafe { NonNull::new_unchecked(cell) },
            len: 0,
            cap: cap as u32,
        }
    }

    /// Appends a value, moving the values to a block twice as large (up to
    /// `max_block`) when the block is full, and accounts for the growth.
    #[inline]
    pub fn push_block<T: Copy>(&mut self, block: &mut Block<T>, value: T) {
        if block.len == block.cap {
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
        // SAFETY: `len < cap`: the slot is inside the block.
        unsafe { block.ptr.as_ptr().add(block.len as usize).write(value) };
        block.len += 1;
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

    /// Moves an object to the heap and links it into the object list.
    #[inline(always)]
    pub fn alloc<T: Object>(&mut self, obj: T) -> Gc<T> {
        const { assert!(size_of::<T>() <= MAX_POOLED && size_of::<T>() >= GRANULE) };
        let cell = self.pools.take(size_of::<T>()) as *mut T;
        // SAFETY: the cell is fresh, large enough for `T` and 16-byte aligned.
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
        gc
    }

    /// The interned string with these contents, allocating it if it is new.
    pub fn intern(&mut self, chars: &str) -> Gc<ObjString> {
        let hash = hash_str(chars);
        if let Some(s) = self.strings.find_string(chars, hash) {
            return s;
        }
        self.intern_new(chars.into(), hash)
    }

    /// The interned string with these contents, if there is one (never allocates).
    pub fn find_interned(&self, chars: &str) -> Option<Gc<ObjString>> {
        self.strings.find_string(chars, hash_str(chars))
    }

    /// Like `intern`, taking ownership of a freshly built string.
    pub fn intern_owned(&mut self, chars: String) -> Gc<ObjString> {
        let hash = hash_str(&chars);
        if let Some(s) = self.strings.find_string(&chars, hash) {
            return s;
        }
        self.intern_new(chars.into_boxed_str(), hash)
    }

    /// The interned string `a` followed by `b`, allocating it only if it is new, or
    /// `None` when the memory for it cannot be had (a failed allocation is an error of
    /// the program, not an abort). The intern set is searched before anything is built,
    /// so a concatenation whose result exists (a word rebuilt in a loop, a key) costs a
    /// hash and a compare.
    pub fn try_intern_concatenation(&mut self, a: &str, b: &str) -> Option<Gc<ObjString>> {
        let hash = hash_continue(hash_str(a), b);
        if let Some(s) = self.strings.find_concatenation(a, b, hash) {
            return Some(s);
        }
        let mut joined = String::new();
        joined
            .try_reserve_exact(a.len().checked_add(b.len())?)
            .ok()?;
        joined.push_str(a);
        joined.push_str(b);
        Some(self.intern_new(joined.into_boxed_str(), hash))
    }

    fn intern_new(&mut self, chars: Box<str>, hash: u32) -> Gc<ObjString> {
        let s = self.alloc(ObjString {
            header: Header::new(ObjKind::String),
            hash,
            chars,
        });
        let before = self.strings.heap_bytes();
        self.strings.set(s, Value::NIL);
        self.bytes_allocated += self.strings.heap_bytes() - before;
        s
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
        }
        self.gray.push(h);
    }

    fn mark_table(&mut self, table: &Table) {
        for (key, value) in table.iter() {
            self.mark(key);
            self.mark_value(value);
        }
    }

    /// Marks everything reachable from the gray objects.
    pub fn trace(&mut self) {
        while let Some(h) = self.gray.pop() {
            // SAFETY: gray objects are live and their header names their type.
            unsafe { self.blacken(h) };
        }
    }

    /// # Safety
    /// `h` must be a live object.
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

    /// Frees every unmarked object and clears the marks of the rest. Call after
    /// marking the roots and `trace`.
    pub fn sweep(&mut self) {
        // SAFETY: string keys are live objects until the sweep below frees them.
        self.strings.retain(|s| unsafe { (*s.header()).marked });
        let mut prev: *mut Header = std::ptr::null_mut();
        let mut obj = self.objects;
        while !obj.is_null() {
            // SAFETY: every object in the list is live until freed here, and is
            // unlinked before it is freed.
            unsafe {
                let next = (*obj).next;
                if (*obj).marked {
                    (*obj).marked = false;
                    prev = obj;
                } else {
                    if prev.is_null() {
                        self.objects = next;
                    } else {
                        (*prev).next = next;
                    }
                    let size = free(obj, &mut self.pools);
                    self.bytes_allocated -= size.min(self.bytes_allocated);
                }
                obj = next;
            }
        }
        self.next_gc = (self.bytes_allocated * GROWTH_FACTOR).max(INITIAL_THRESHOLD);
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        let mut obj = self.objects;
        while !obj.is_null() {
            // SAFETY: the heap owns every object in its list; nothing uses them after
            // the heap is dropped.
            unsafe {
                let next = (*obj).next;
                free(obj, &mut self.pools);
                obj = next;
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
    // nothing but pool memory (dropping them in place would do nothing), so they are
    // freed inline in the sweep; the rest go through `free_owning`.
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
            ObjKind::String => release::<ObjString>(h, pools),
            ObjKind::Function => release::<ObjFunction>(h, pools),
            ObjKind::Native => release::<ObjNative>(h, pools),
            ObjKind::Class => release::<ObjClass>(h, pools),
            ObjKind::UserData => release::<ObjUserData>(h, pools),
            ObjKind::Instance => {
                release_block(&Gc::<ObjInstance>::from_header(h).fields, pools);
                release::<ObjInstance>(h, pools)
            }
            ObjKind::Closure | ObjKind::Upvalue | ObjKind::BoundMethod => {
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
/// When the system allocator refuses a chunk, the pools fall back once on a reserve
/// chunk allocated with the first one, and say so (`used_reserve`): the VM then stops
/// the program with `Out of memory.` instead of the process aborting.
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

    /// A free cell of at least `size` bytes (`GRANULE <= size <= MAX_POOLED`).
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
            let chunk = self.new_chunk();
            self.chunks.push(chunk);
            self.cursor = chunk;
            // SAFETY: one past the end of the chunk just allocated.
            self.end = unsafe { chunk.add(CHUNK_BYTES) };
        }
        let p = self.cursor;
        // SAFETY: at least `cell` bytes remain in the current chunk.
        self.cursor = unsafe { self.cursor.add(cell) };
        p
    }

    /// A fresh chunk, from the system allocator or else the reserve; aborts only when
    /// both are gone (the program has then ignored `Out of memory.` for a whole chunk).
    #[cold]
    fn new_chunk(&mut self) -> *mut u8 {
        let layout = Pools::chunk_layout();
        if self.reserve.is_null() && !self.used_reserve {
            // SAFETY: the layout has a non-zero size.
            self.reserve = unsafe { std::alloc::alloc(layout) };
        }
        // SAFETY: the layout has a non-zero size.
        let chunk = unsafe { std::alloc::alloc(layout) };
        if !chunk.is_null() {
            return chunk;
        }
        if !self.reserve.is_null() {
            self.used_reserve = true;
            return std::mem::replace(&mut self.reserve, std::ptr::null_mut());
        }
        std::alloc::handle_alloc_error(layout)
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
        let kept = heap.intern("kept by the host");
        // A collection with no roots frees it: the handle now dangles.
        heap.trace();
        heap.sweep();
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
        let kept = heap.intern("kept by the host");
        heap.mark(kept);
        heap.trace();
        heap.sweep();
        assert_eq!(&*kept.chars, "kept by the host");
    }
}

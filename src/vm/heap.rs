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
}

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
        }
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

    /// Moves an object to the heap and links it into the object list.
    pub fn alloc<T: Object>(&mut self, obj: T) -> Gc<T> {
        let gc = Gc::from_box(Box::new(obj));
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

    /// Like `intern`, taking ownership of a freshly built string.
    pub fn intern_owned(&mut self, chars: String) -> Gc<ObjString> {
        let hash = hash_str(&chars);
        if let Some(s) = self.strings.find_string(&chars, hash) {
            return s;
        }
        self.intern_new(chars.into_boxed_str(), hash)
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
                ObjKind::String | ObjKind::Native => {}
                ObjKind::Function => {
                    let f = Gc::<ObjFunction>::from_header(h);
                    for &c in f.constants.iter() {
                        self.mark_value(c);
                    }
                    // Cached methods stay alive while a cache can hand them out.
                    for cache in f.caches.iter() {
                        if let Some(m) = cache.get().method {
                            self.mark(m);
                        }
                    }
                }
                ObjKind::Closure => {
                    let c = Gc::<ObjClosure>::from_header(h);
                    self.mark(c.function);
                    for &u in c.upvalues.iter() {
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
                }
                ObjKind::Instance => {
                    let i = Gc::<ObjInstance>::from_header(h);
                    self.mark(i.class);
                    for &v in i.fields.iter() {
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
                    self.bytes_allocated -= object_size(obj).min(self.bytes_allocated);
                    free(obj);
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
                free(obj);
                obj = next;
            }
        }
    }
}

/// The bytes an object holds, itself and what it owns.
///
/// # Safety
/// `h` must be a live object.
unsafe fn object_size(h: *mut Header) -> usize {
    // SAFETY: the kind in the header is the object's real type.
    unsafe {
        match (*h).kind {
            ObjKind::String => size_of::<ObjString>() + Gc::<ObjString>::from_header(h).chars.len(),
            ObjKind::Function => {
                let f = Gc::<ObjFunction>::from_header(h);
                size_of::<ObjFunction>()
                    + f.code.len()
                    + f.constants.len() * (8 + size_of::<Cache>())
                    + f.lines.len() * 8
            }
            ObjKind::Native => size_of::<ObjNative>(),
            ObjKind::Closure => {
                size_of::<ObjClosure>() + Gc::<ObjClosure>::from_header(h).upvalues.capacity() * 8
            }
            ObjKind::Upvalue => size_of::<ObjUpvalue>(),
            ObjKind::Class => {
                size_of::<ObjClass>() + Gc::<ObjClass>::from_header(h).methods.heap_bytes()
            }
            ObjKind::Instance => {
                let i = Gc::<ObjInstance>::from_header(h);
                size_of::<ObjInstance>()
                    + i.fields.capacity() * 8
                    + i.dictionary.as_ref().map_or(0, |d| d.heap_bytes())
            }
            ObjKind::BoundMethod => size_of::<ObjBoundMethod>(),
        }
    }
}

/// Drops an object with its real type.
///
/// # Safety
/// `h` must be a live object allocated by `Heap::alloc` and unreachable from now on.
unsafe fn free(h: *mut Header) {
    // SAFETY: the object was made by `Box::new` of the type its header names.
    unsafe {
        match (*h).kind {
            ObjKind::String => drop(Box::from_raw(h as *mut ObjString)),
            ObjKind::Function => drop(Box::from_raw(h as *mut ObjFunction)),
            ObjKind::Native => drop(Box::from_raw(h as *mut ObjNative)),
            ObjKind::Closure => drop(Box::from_raw(h as *mut ObjClosure)),
            ObjKind::Upvalue => drop(Box::from_raw(h as *mut ObjUpvalue)),
            ObjKind::Class => drop(Box::from_raw(h as *mut ObjClass)),
            ObjKind::Instance => drop(Box::from_raw(h as *mut ObjInstance)),
            ObjKind::BoundMethod => drop(Box::from_raw(h as *mut ObjBoundMethod)),
        }
    }
}

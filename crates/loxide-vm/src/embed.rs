//! The embedding API: host functions, globals, calls from Rust, rooted handles,
//! conversions between Lox values and Rust ones, and the typed `Error`.
//!
//! The trade-off is safety over zero cost at the boundary. A host never holds a pointer
//! into the heap: a value it keeps is either owned Rust data (a number, a `String`) or
//! a rooted handle (`Function`, `Instance`, `UserData`), an index into the VM's root
//! table that keeps its object alive until the handle is dropped. A handle knows which
//! VM made it, so using it with another VM is an `Error::Usage`, not undefined
//! behaviour. Converting a number costs a match; a string is copied; a handle costs a
//! root-table slot and a reference count.

use std::any::Any;
use std::fmt;
use std::sync::{Arc, Mutex};

use super::object::{Header, ObjInstance, ObjKind, ObjString, ObjUserData};
use super::value::Value as Raw;
use super::{RuntimeError, Vm, natives};

// ----- Errors ----------------------------------------------------------------------------

/// Which limit stopped a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    /// The step budget (`Options::max_steps`) ran out: `Execution budget exceeded.`.
    Steps,
    /// The heap limit (`Options::max_heap`) was reached, or the system refused memory:
    /// `Out of memory.`.
    Heap,
    /// The call depth limit (`Options::max_frames`) or the value stack was exceeded:
    /// `Stack overflow.`.
    Depth,
    /// The interrupt flag (`Vm::interrupt_handle`) was set: `Interrupted.`.
    Interrupt,
    /// The wall-clock limit (`Options::max_time`) ran out: `Time limit exceeded.`.
    Time,
}

impl Limit {
    /// The runtime error message of this limit, as the command line prints it.
    pub fn message(self) -> &'static str {
        match self {
            Limit::Steps => "Execution budget exceeded.",
            Limit::Heap => "Out of memory.",
            Limit::Depth => "Stack overflow.",
            Limit::Interrupt => "Interrupted.",
            Limit::Time => "Time limit exceeded.",
        }
    }
}

/// One compile error, as data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The line (1-based).
    pub line: u32,
    /// The columns (1-based, in bytes, end exclusive) of the token the error is at:
    /// `0..0` for an error that has no token (an unexpected character, an
    /// unterminated string) and for an internal error, which has line 0.
    pub columns: std::ops::Range<u32>,
    /// The message alone (`Expect expression.`).
    pub message: String,
    /// The whole error as clox prints it (`[line 1] Error at ';': Expect expression.`).
    pub rendered: String,
}

/// The compile errors of a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    /// Every error, in the order clox reports them.
    pub diagnostics: Vec<Diagnostic>,
    /// True when more input could complete the source (a REPL reads another line).
    pub at_end: bool,
}

impl fmt::Display for CompileError {
    /// clox's rendering: one error per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.diagnostics {
            writeln!(f, "{}", d.rendered)?;
        }
        Ok(())
    }
}

/// What went wrong, as data.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// The source did not compile.
    Compile(CompileError),
    /// The program failed: the message and the trace.
    Runtime(RuntimeError),
    /// A limit stopped the program (the error says where, as a runtime error does).
    Limit(Limit, RuntimeError),
    /// A host function failed with this message. Returned from a host function, it
    /// becomes a runtime error with this message at the Lox call.
    Host(String),
    /// A value did not convert to the Rust type asked for: what was expected and what
    /// was found (`a number`, `a string`). Inside a host function's arguments it
    /// becomes a runtime error naming the argument.
    Type {
        /// What the conversion wanted.
        expected: &'static str,
        /// What the value was.
        found: &'static str,
    },
    /// The API was misused: a handle of another VM, an undefined global, a call while
    /// the VM cannot take one.
    Usage(String),
}

impl Error {
    /// The runtime error, for `Runtime` and `Limit` errors.
    pub fn runtime(&self) -> Option<&RuntimeError> {
        match self {
            Error::Runtime(e) | Error::Limit(_, e) => Some(e),
            _ => None,
        }
    }

    /// The message alone, without trace.
    pub fn message(&self) -> String {
        match self {
            Error::Compile(e) => e.to_string().trim_end().to_string(),
            Error::Runtime(e) | Error::Limit(_, e) => e.message.clone(),
            Error::Host(m) | Error::Usage(m) => m.clone(),
            Error::Type { expected, found } => format!("Expected {expected} but got {found}."),
        }
    }
}

impl fmt::Display for Error {
    /// Compile and runtime errors as clox prints them; the others as their message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Compile(e) => write!(f, "{e}"),
            Error::Runtime(e) | Error::Limit(_, e) => write!(f, "{e}"),
            _ => writeln!(f, "{}", self.message()),
        }
    }
}

impl std::error::Error for Error {}

impl From<RuntimeError> for Error {
    fn from(e: RuntimeError) -> Error {
        match e.limit {
            Some(limit) => Error::Limit(limit, e),
            None => Error::Runtime(e),
        }
    }
}

impl From<CompileError> for Error {
    fn from(e: CompileError) -> Error {
        Error::Compile(e)
    }
}

impl From<String> for Error {
    /// A host function's own failure.
    fn from(message: String) -> Error {
        Error::Host(message)
    }
}

impl From<&str> for Error {
    /// A host function's own failure.
    fn from(message: &str) -> Error {
        Error::Host(message.into())
    }
}

// ----- Rooted handles --------------------------------------------------------------------

/// The VM's table of values held by handles. A slot stays set while any clone of its
/// handle lives; a dropped handle queues its slot in `released` (it has no access to
/// the VM), and the VM frees queued slots before it collects or roots a new value.
#[derive(Default)]
pub(crate) struct Roots {
    values: Vec<Raw>,
    generations: Vec<u32>,
    free: Vec<u32>,
    released: Arc<Mutex<Vec<u32>>>,
}

impl Roots {
    /// The rooted values, for the collector (freed slots hold nil).
    pub(crate) fn values(&self) -> &[Raw] {
        &self.values
    }

    /// Frees the slots of dropped handles.
    pub(crate) fn release_dropped(&mut self) {
        let released = std::mem::take(&mut *lock(&self.released));
        for index in released {
            self.values[index as usize] = Raw::NIL;
            self.generations[index as usize] = self.generations[index as usize].wrapping_add(1);
            self.free.push(index);
        }
    }

    fn root(&mut self, value: Raw) -> Handle {
        self.release_dropped();
        let index = match self.free.pop() {
            Some(index) => {
                self.values[index as usize] = value;
                index
            }
            None => {
                self.values.push(value);
                self.generations.push(0);
                (self.values.len() - 1) as u32
            }
        };
        Handle(Arc::new(Rooted {
            released: Arc::clone(&self.released),
            index,
            generation: self.generations[index as usize],
        }))
    }

    fn get(&self, handle: &Handle) -> Result<Raw, Error> {
        if !Arc::ptr_eq(&handle.0.released, &self.released) {
            return Err(Error::Usage(
                "A handle was used with a VM that did not make it.".into(),
            ));
        }
        let index = handle.0.index as usize;
        // A live handle's slot is never freed, so this holds; checked all the same.
        if self.generations[index] != handle.0.generation {
            return Err(Error::Usage("A handle outlived its slot.".into()));
        }
        Ok(self.values[index])
    }
}

/// The released-slot queue, even if a thread panicked while holding it (it is a list
/// of indices, always consistent).
fn lock(queue: &Mutex<Vec<u32>>) -> std::sync::MutexGuard<'_, Vec<u32>> {
    queue
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One root-table slot, released when the last clone of its handle is dropped.
struct Rooted {
    released: Arc<Mutex<Vec<u32>>>,
    index: u32,
    generation: u32,
}

impl Drop for Rooted {
    fn drop(&mut self) {
        // The VM may be gone: then the queue is dropped with this, and nothing reads it.
        lock(&self.released).push(self.index);
    }
}

#[derive(Clone)]
struct Handle(Arc<Rooted>);

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0.index)
    }
}

/// A rooted handle to something a script can call: a Lox function or closure, a bound
/// method, a class (calling it makes an instance) or a native. It keeps the object
/// alive until the last clone is dropped, across runs; use it with `Vm::call`.
#[derive(Clone, Debug)]
pub struct Function(Handle);

/// A rooted handle to an instance of a Lox class; use it with `Vm::call_method`.
#[derive(Clone, Debug)]
pub struct Instance(Handle);

/// A rooted handle to an opaque host value (made by `Vm::create_userdata`). Scripts can
/// hold it and pass it back; the host reads it with `Vm::userdata` and
/// `Vm::userdata_mut`.
#[derive(Clone, Debug)]
pub struct UserData(Handle);

// ----- Values ----------------------------------------------------------------------------

/// A Lox value on the Rust side: owned data, or a rooted handle.
#[derive(Clone, Debug)]
pub enum Value {
    /// `nil`.
    Nil,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string (copied out of, or into, the VM's heap).
    String(String),
    /// Anything callable.
    Function(Function),
    /// An instance.
    Instance(Instance),
    /// A host value.
    UserData(UserData),
}

impl Value {
    /// How error messages name the kind of this value (`a number`).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Function(_) => "a function",
            Value::Instance(_) => "an instance",
            Value::UserData(_) => "userdata",
        }
    }

    #[cold]
    fn mismatch<T>(&self, expected: &'static str) -> Result<T, Error> {
        Err(Error::Type {
            expected,
            found: self.kind_name(),
        })
    }
}

/// A Rust type a Lox value converts to: host function arguments, `Vm::get_global`,
/// results of `Vm::call`. Implemented for `Value`, `f64`, `bool`, `()` (nil), `String`,
/// `Option<T>` (nil is `None`), `Function`, `Instance` and `UserData`.
pub trait FromLox: Sized {
    /// Converts, or says what was expected and found (`Error::Type`).
    fn from_lox(value: Value) -> Result<Self, Error>;
}

/// A Rust type that converts to a Lox value: host function results, `Vm::set_global`,
/// arguments of `Vm::call`. Implemented for `Value`, `f64`, `i32`, `u32`, `bool`, `()`
/// (nil), `String`, `&str`, `Option<T>` (`None` is nil), `Function`, `Instance` and
/// `UserData`.
pub trait IntoLox {
    /// Converts.
    fn into_lox(self) -> Value;
}

impl FromLox for Value {
    #[inline]
    fn from_lox(value: Value) -> Result<Self, Error> {
        Ok(value)
    }
}

impl IntoLox for Value {
    #[inline]
    fn into_lox(self) -> Value {
        self
    }
}

impl FromLox for f64 {
    #[inline]
    fn from_lox(value: Value) -> Result<Self, Error> {
        match value {
            Value::Number(n) => Ok(n),
            other => other.mismatch("a number"),
        }
    }
}

impl IntoLox for f64 {
    #[inline]
    fn into_lox(self) -> Value {
        Value::Number(self)
    }
}

impl IntoLox for i32 {
    #[inline]
    fn into_lox(self) -> Value {
        Value::Number(self.into())
    }
}

impl IntoLox for u32 {
    #[inline]
    fn into_lox(self) -> Value {
        Value::Number(self.into())
    }
}

impl FromLox for bool {
    #[inline]
    fn from_lox(value: Value) -> Result<Self, Error> {
        match value {
            Value::Bool(b) => Ok(b),
            other => other.mismatch("a boolean"),
        }
    }
}

impl IntoLox for bool {
    #[inline]
    fn into_lox(self) -> Value {
        Value::Bool(self)
    }
}

impl FromLox for () {
    #[inline]
    fn from_lox(value: Value) -> Result<Self, Error> {
        match value {
            Value::Nil => Ok(()),
            other => other.mismatch("nil"),
        }
    }
}

impl IntoLox for () {
    #[inline]
    fn into_lox(self) -> Value {
        Value::Nil
    }
}

impl FromLox for String {
    #[inline]
    fn from_lox(value: Value) -> Result<Self, Error> {
        match value {
            Value::String(s) => Ok(s),
            other => other.mismatch("a string"),
        }
    }
}

impl IntoLox for String {
    #[inline]
    fn into_lox(self) -> Value {
        Value::String(self)
    }
}

impl IntoLox for &str {
    #[inline]
    fn into_lox(self) -> Value {
        Value::String(self.into())
    }
}

impl<T: FromLox> FromLox for Option<T> {
    #[inline]
    fn from_lox(value: Value) -> Result<Self, Error> {
        match value {
            Value::Nil => Ok(None),
            other => T::from_lox(other).map(Some),
        }
    }
}

impl<T: IntoLox> IntoLox for Option<T> {
    #[inline]
    fn into_lox(self) -> Value {
        match self {
            Some(v) => v.into_lox(),
            None => Value::Nil,
        }
    }
}

macro_rules! handle_conversions {
    ($($ty:ident, $what:literal;)*) => {$(
        impl FromLox for $ty {
            #[inline]
    fn from_lox(value: Value) -> Result<Self, Error> {
                match value {
                    Value::$ty(h) => Ok(h),
                    other => other.mismatch($what),
                }
            }
        }

        impl IntoLox for $ty {
            #[inline]
    fn into_lox(self) -> Value {
                Value::$ty(self)
            }
        }
    )*};
}

handle_conversions! {
    Function, "a function";
    Instance, "an instance";
    UserData, "userdata";
}

/// The argument list of a host function: a tuple of up to six `FromLox` types. Its
/// length is the function's arity.
pub trait FromArgs: private::FromArgs {}

/// The arguments of a call from Rust: a tuple of up to six `IntoLox` values.
pub trait IntoArgs: private::IntoArgs {}

mod private {
    use super::{Error, Vm};

    /// How `FromArgs` reads arguments; private, so that only the tuples implement it.
    pub trait FromArgs: Sized {
        /// The number of arguments.
        const ARITY: u8;
        /// Reads the `ARITY` arguments on top of the stack.
        fn from_args(vm: &mut Vm, name: &str) -> Result<Self, Error>;
    }

    /// How `IntoArgs` pushes arguments.
    pub trait IntoArgs {
        /// Pushes the arguments; returns how many.
        fn push_args(self, vm: &mut Vm) -> Result<usize, Error>;
    }
}

macro_rules! tuple_args {
    ($n:literal; $($ty:ident $idx:tt),*) => {
        impl<$($ty: FromLox),*> FromArgs for ($($ty,)*) {}

        impl<$($ty: FromLox),*> private::FromArgs for ($($ty,)*) {
            const ARITY: u8 = $n;
            #[allow(unused_variables)]
            #[inline(always)]
            fn from_args(vm: &mut Vm, name: &str) -> Result<Self, Error> {
                Ok(($(vm.host_arg::<$ty>($n, $idx, name)?,)*))
            }
        }

        impl<$($ty: IntoLox),*> IntoArgs for ($($ty,)*) {}

        impl<$($ty: IntoLox),*> private::IntoArgs for ($($ty,)*) {
            #[allow(unused_variables)]
            fn push_args(self, vm: &mut Vm) -> Result<usize, Error> {
                $(vm.push_public(self.$idx.into_lox())?;)*
                Ok($n)
            }
        }
    };
}

tuple_args!(0;);
tuple_args!(1; A 0);
tuple_args!(2; A 0, B 1);
tuple_args!(3; A 0, B 1, C 2);
tuple_args!(4; A 0, B 1, C 2, D 3);
tuple_args!(5; A 0, B 1, C 2, D 3, E 4);
tuple_args!(6; A 0, B 1, C 2, D 3, E 4, F 5);

// ----- The VM's embedding methods --------------------------------------------------------

impl Vm {
    /// Defines global `name` as a host function: a Rust closure that takes the VM and
    /// its arguments as a tuple of `FromLox` types, and returns a `IntoLox` result or an
    /// error.
    ///
    /// - Called with the wrong number of arguments, it is not run: the call is the
    ///   runtime error `Expected N arguments but got M.`, as for a Lox function.
    /// - An argument of the wrong type is the runtime error
    ///   `Argument 1 of f() must be a number, not a string.`.
    /// - An `Err` it returns becomes a runtime error at the Lox call: `Error::Host`'s
    ///   message, or the error of a Lox function it called (with that error's trace).
    /// - A panic is caught at the boundary and becomes the runtime error
    ///   `Host function 'f' panicked.` (the panic hook still reports it on standard
    ///   error); it never unwinds through the VM.
    ///
    /// The closure may capture state (use `Cell`, `RefCell` or `Mutex` to change it:
    /// a host function may be re-entered when it calls back into Lox), and may call
    /// back into the VM: `Vm::call`, globals, userdata.
    pub fn register_fn<A, R, F>(&mut self, name: &str, function: F) -> Result<(), Error>
    where
        A: FromArgs,
        R: IntoLox,
        F: Fn(&mut Vm, A) -> Result<R, Error> + Send + 'static,
    {
        let owned_name: Box<str> = name.into();
        let native = Box::new(move |vm: &mut Vm, _argc: usize| {
            let args = <A as private::FromArgs>::from_args(vm, &owned_name)?;
            let result = function(vm, args)?.into_lox();
            vm.raw_value(result)
        });
        natives::define(self, name, Some(<A as private::FromArgs>::ARITY), native)
            .map_err(Error::from)
    }

    /// The value of global `name`, converted. `Error::Usage` if it is not defined.
    pub fn get_global<T: FromLox>(&mut self, name: &str) -> Result<T, Error> {
        let value = match self.global_slots.get(name) {
            Some(&slot) if self.globals[slot as usize] != Raw::UNDEFINED => {
                self.globals[slot as usize]
            }
            _ => return Err(Error::Usage(format!("Undefined variable '{name}'."))),
        };
        T::from_lox(self.public_value(value))
    }

    /// Defines (or overwrites) global `name`.
    pub fn set_global<T: IntoLox>(&mut self, name: &str, value: T) -> Result<(), Error> {
        let raw = self.raw_value(value.into_lox())?;
        self.define_global(name, raw).map_err(Error::from)
    }

    /// Calls a function with arguments, and converts its result. All limits apply; when
    /// nothing is running (not from a host function) the call gets a fresh step
    /// budget, as a run does.
    pub fn call<A: IntoArgs, R: FromLox>(
        &mut self,
        function: &Function,
        args: A,
    ) -> Result<R, Error> {
        let callee = self.roots.get(&function.0)?;
        self.call_raw(callee, None, args)
    }

    /// Calls method `name` of an instance (a field holding something callable, or a
    /// method of its class) with arguments, and converts its result. An instance with
    /// no such property is the runtime error `Undefined property 'name'.`.
    pub fn call_method<A: IntoArgs, R: FromLox>(
        &mut self,
        instance: &Instance,
        name: &str,
        args: A,
    ) -> Result<R, Error> {
        let receiver = self.roots.get(&instance.0)?;
        self.call_raw(receiver, Some(name), args)
    }

    /// Wraps a Rust value as userdata: a handle the host can pass to scripts (as an
    /// argument, a result or a global), which they hold and pass back. Fails with
    /// `Error::Limit(Limit::Heap, _)` (`Out of memory.`) when the system refuses the
    /// heap memory.
    pub fn create_userdata<T: Any + Send>(&mut self, data: T) -> Result<UserData, Error> {
        if self.maybe_collect().is_err() {
            return Err(self.limit_error(super::Limit::Heap).into());
        }
        let object = self.heap.alloc(ObjUserData {
            header: Header::new(ObjKind::UserData),
            data: Box::new(data),
        });
        Ok(UserData(self.roots.root(Raw::object(object))))
    }

    /// The Rust value inside userdata; `Error::Type` if it is not a `T`.
    pub fn userdata<T: Any>(&self, userdata: &UserData) -> Result<&T, Error> {
        let object = self
            .roots
            .get(&userdata.0)?
            .as_obj::<ObjUserData>()
            .expect("a userdata handle holds userdata");
        object.data(self).downcast_ref::<T>().ok_or(Error::Type {
            expected: std::any::type_name::<T>(),
            found: "userdata of another type",
        })
    }

    /// The Rust value inside userdata, to change; `Error::Type` if it is not a `T`.
    pub fn userdata_mut<T: Any>(&mut self, userdata: &UserData) -> Result<&mut T, Error> {
        let object = self
            .roots
            .get(&userdata.0)?
            .as_obj::<ObjUserData>()
            .expect("a userdata handle holds userdata");
        object
            .data_mut(self)
            .downcast_mut::<T>()
            .ok_or(Error::Type {
                expected: std::any::type_name::<T>(),
                found: "userdata of another type",
            })
    }

    /// The names of every defined global, host functions and `clock` included: what a
    /// Potato program compiled for this VM may use (`loxide::compile_for`).
    pub fn global_names(&self) -> Vec<String> {
        self.global_names
            .iter()
            .zip(&self.globals)
            .filter(|(_, v)| **v != Raw::UNDEFINED)
            .map(|(name, _)| name.chars.to_string())
            .collect()
    }

    // ----- Inside the crate ---------------------------------------------------------------

    /// Argument `index` of `argc` of the running host function, converted.
    #[inline(always)]
    pub(crate) fn host_arg<T: FromLox>(
        &mut self,
        argc: usize,
        index: usize,
        name: &str,
    ) -> Result<T, Error> {
        let raw = self.stack.peek(argc - 1 - index);
        match T::from_lox(self.public_value(raw)) {
            Ok(value) => Ok(value),
            Err(e) => Err(argument_error(e, index, name)),
        }
    }

    /// A raw value as the host sees it (objects get rooted handles).
    /// Inlined, so that a number argument converts to an `f64` without building a
    /// `Value` (the host call benchmark: about a fifth of a host call's instructions).
    #[inline(always)]
    pub(crate) fn public_value(&mut self, raw: Raw) -> Value {
        if raw.is_number() {
            return Value::Number(raw.as_number());
        }
        if raw.is_nil() {
            return Value::Nil;
        }
        if raw.is_bool() {
            return Value::Bool(raw == Raw::TRUE);
        }
        self.public_object(raw)
    }

    /// `public_value` for an object: a copied string or a rooted handle.
    #[inline(never)]
    fn public_object(&mut self, raw: Raw) -> Value {
        match raw.obj_kind() {
            Some(ObjKind::String) => Value::String(
                raw.as_obj::<ObjString>()
                    .expect("a string")
                    .chars
                    .to_string(),
            ),
            Some(ObjKind::Instance) => Value::Instance(Instance(self.roots.root(raw))),
            Some(ObjKind::UserData) => Value::UserData(UserData(self.roots.root(raw))),
            _ => Value::Function(Function(self.roots.root(raw))),
        }
    }

    /// A host value as a raw one. A string is interned, which may collect: the caller
    /// keeps everything it needs rooted.
    #[inline(always)]
    pub(crate) fn raw_value(&mut self, value: Value) -> Result<Raw, Error> {
        Ok(match value {
            Value::Nil => Raw::NIL,
            Value::Bool(b) => Raw::bool(b),
            Value::Number(n) => Raw::number(super::canonical(n)),
            other => self.raw_object(other)?,
        })
    }

    /// `raw_value` for a string or a handle.
    #[inline(never)]
    fn raw_object(&mut self, value: Value) -> Result<Raw, Error> {
        Ok(match value {
            Value::Nil | Value::Bool(_) | Value::Number(_) => {
                unreachable!("raw_value converts these itself")
            }
            Value::String(s) => {
                let interned = self.maybe_collect().and_then(|()| self.heap.intern(&s));
                match interned {
                    Ok(s) => Raw::object(s),
                    Err(_) => return Err(self.limit_error(super::Limit::Heap).into()),
                }
            }
            Value::Function(h) => self.roots.get(&h.0)?,
            Value::Instance(h) => self.roots.get(&h.0)?,
            Value::UserData(h) => self.roots.get(&h.0)?,
        })
    }

    /// Pushes a host value (an argument of a call from Rust), checking for room.
    pub(crate) fn push_public(&mut self, value: Value) -> Result<(), Error> {
        let raw = self.raw_value(value)?;
        if !self.stack.has_room(self.stack.len(), 1) {
            return Err(self.limit_error(super::Limit::Depth).into());
        }
        self.stack.push(raw);
        Ok(())
    }

    /// Calls `target` (a callable, or with `method`, the receiver of that method).
    fn call_raw<A: IntoArgs, R: FromLox>(
        &mut self,
        target: Raw,
        method: Option<&str>,
        args: A,
    ) -> Result<R, Error> {
        let outermost = !self.busy();
        if outermost {
            self.start_budget();
        }
        let frames = self.frames.len();
        let height = self.stack.len();
        let temp_roots = self.heap.temp_roots.len();
        let result = self.call_in_place(target, method, args);
        let result = match result {
            Ok(()) => {
                let raw = self.stack.pop();
                self.stack.truncate(height);
                Ok(self.public_value(raw))
            }
            Err(e) => {
                if outermost {
                    self.reset();
                } else {
                    self.unwind_to(frames, height, temp_roots);
                }
                Err(e)
            }
        };
        if outermost {
            self.flush();
        }
        R::from_lox(result?)
    }

    /// Pushes the callee and arguments, calls, and runs until the call returns: its
    /// result is then on top of the stack.
    fn call_in_place<A: IntoArgs>(
        &mut self,
        target: Raw,
        method: Option<&str>,
        args: A,
    ) -> Result<(), Error> {
        if !self.stack.has_room(self.stack.len(), 1) {
            return Err(self.limit_error(super::Limit::Depth).into());
        }
        self.stack.push(target);
        let argc = private::IntoArgs::push_args(args, self)?;
        let callee = match method {
            None => target,
            Some(name) => {
                let instance = target
                    .as_obj::<ObjInstance>()
                    .expect("an instance handle holds an instance");
                match self.find_property(instance, name) {
                    // A field's callable takes the receiver's place.
                    Some((field, true)) => {
                        self.stack.set_peek(argc, field);
                        field
                    }
                    // A method keeps the receiver as `this`.
                    Some((method, false)) => method,
                    None => {
                        return Err(self.error(format!("Undefined property '{name}'.")).into());
                    }
                }
            }
        };
        let frames = self.frames.len();
        self.call_value(callee, argc)?;
        if self.frames.len() > frames {
            self.execute(frames)?;
        }
        Ok(())
    }

    /// A field of the instance (true), or else a method of its class (false), found
    /// without allocating: a name no string in the heap spells is no property.
    fn find_property(
        &mut self,
        instance: super::object::Gc<ObjInstance>,
        name: &str,
    ) -> Option<(Raw, bool)> {
        let name = self.heap.find_interned(name)?;
        if let Some((field, _)) = self.find_field(instance, name) {
            return Some((field, true));
        }
        instance.class.methods.get(name).map(|m| (m, false))
    }

    /// Drops what an interrupted call left above a host function's caller: frames above
    /// `frames`, stack values from `height` up (closing the upvalues that point there)
    /// and temporary roots past `temp_roots`.
    pub(crate) fn unwind_to(&mut self, frames: usize, height: usize, temp_roots: usize) {
        self.close_upvalues(height);
        self.frames.truncate(frames);
        if self.stack.len() > height {
            self.stack.truncate(height);
        }
        self.heap.temp_roots.truncate(temp_roots);
    }

    /// The runtime error a host function's `Err` becomes at its Lox call.
    pub(crate) fn host_error(&mut self, error: Error) -> RuntimeError {
        match error {
            Error::Runtime(e) | Error::Limit(_, e) => e,
            other => self.error(other.message()),
        }
    }
}

/// The error of an argument that did not convert: it names the argument.
#[cold]
fn argument_error(error: Error, index: usize, name: &str) -> Error {
    match error {
        Error::Type { expected, found } => Error::Host(format!(
            "Argument {} of {name}() must be {expected}, not {found}.",
            index + 1
        )),
        other => other,
    }
}

// Handles and errors cross threads with their VM.
const _: () = {
    const fn send<T: Send>() {}
    send::<Vm>();
    send::<Function>();
    send::<Instance>();
    send::<UserData>();
    send::<Error>();
};

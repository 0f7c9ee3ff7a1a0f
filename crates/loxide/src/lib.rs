//! loxide: Lox (and Potato) as a staged bytecode compiler and virtual machine, and a
//! scripting language to embed in Rust programs.
//!
//! # Embedding
//!
//! Compile source with `compile` (or `compile_for`), run it in a `Vm`, and talk to it:
//! host functions (`Vm::register_fn`), globals (`Vm::get_global`, `Vm::set_global`),
//! calls into Lox (`Vm::call`, `Vm::call_method`) and host values scripts can hold
//! (`Vm::create_userdata`). Values cross as Rust data through `FromLox` and `IntoLox`,
//! or as rooted handles (`Function`, `Instance`, `UserData`) that keep their object
//! alive until dropped. Every failure is an `Error`: compile errors as diagnostics,
//! runtime errors with their trace, limits by name. `docs/embedding.md` has the whole
//! story.
//!
//! ```
//! use loxide::{Error, Options, SharedBuffer, Vm};
//!
//! let out = SharedBuffer::new();
//! let mut vm = Vm::with_output(Options::embedded(), Box::new(out.clone()));
//! vm.register_fn("host_add", |_vm, (a, b): (f64, f64)| Ok(a + b))?;
//! vm.run(&loxide::compile("var x = host_add(2, 3); print x;")?)?;
//! assert_eq!(out.contents(), "5\n");
//! assert_eq!(vm.get_global::<f64>("x")?, 5.0);
//! # Ok::<(), Error>(())
//! ```
//!
//! # The pipeline
//!
//! The stages are crates of their own, each depending only on the ones before it:
//! `loxide-syntax` (source → tokens → syntax tree → core tree → resolved names),
//! `loxide-compiler` (→ IR → bytecode), `loxide-bytecode` (the instruction set, the
//! file format and the verifier) and `loxide-vm` (runs verified bytecode). `driver`
//! runs the stages in order, once; `dump` shows what any one of them made.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod driver;
pub mod dump;

pub use loxide_bytecode as bytecode;
pub use loxide_compiler::{encode, ir};
pub use loxide_syntax::frontend::Lang;
pub use loxide_syntax::{ast, desugar, diag, frontend, intern, sema};
pub use loxide_vm as vm;

pub use loxide_vm::{
    CompileError, Diagnostic, EMBEDDED_MAX_HEAP, Error, FromArgs, FromLox, Function, GcStats,
    Instance, IntoArgs, IntoLox, Limit, LoxValue as Value, Options, RuntimeError, SharedBuffer,
    UserData, Vm,
};

/// A compiled, verified program, ready for `Vm::run` (any number of times, in any VM).
pub type Program = loxide_bytecode::verify::Verified;

/// Compiles a Lox program.
pub fn compile(source: &str) -> Result<Program, Error> {
    driver::compile(source, ir::Limits::Default).map_err(|e| Error::Compile(e.into()))
}

/// Compiles a program in `lang` for `vm`. Potato requires a global to be defined
/// before it is used; the globals `vm` has (host functions, `clock`, what earlier runs
/// defined) count as defined.
pub fn compile_for(source: &str, lang: Lang, vm: &Vm) -> Result<Program, Error> {
    driver::compile_after(source, lang, ir::Limits::Default, &vm.global_names())
        .map_err(|e| Error::Compile(e.into()))
}

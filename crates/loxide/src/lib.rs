//! loxide: Lox (and Potato) as a staged bytecode compiler and virtual machine.
//!
//! This crate is the pipeline put together, and the library embedders use. The stages
//! are crates of their own, each depending only on the ones before it:
//! `loxide-syntax` (source → tokens → syntax tree → core tree → resolved names),
//! `loxide-compiler` (→ IR → bytecode), `loxide-bytecode` (the instruction set, the
//! file format and the verifier) and `loxide-vm` (runs verified bytecode). `driver`
//! runs the stages in order, once; `dump` shows what any one of them made.
//!
//! ```
//! use loxide::{driver, ir::Limits, vm::{Options, SharedBuffer, Vm}};
//! let program = driver::compile("print 1 + 2;", Limits::Default).unwrap();
//! let out = SharedBuffer::new();
//! let mut vm = Vm::with_output(Options::default(), Box::new(out.clone()));
//! vm.run(&program).unwrap();
//! assert_eq!(out.contents(), "3\n");
//! ```
#![forbid(unsafe_code)]

pub mod driver;
pub mod dump;

pub use loxide_bytecode as bytecode;
pub use loxide_compiler::{encode, ir};
pub use loxide_syntax::{ast, desugar, diag, frontend, sema};
pub use loxide_vm as vm;

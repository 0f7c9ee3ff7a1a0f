//! loxide: a staged bytecode compiler and virtual machine for Lox.
//!
//! The crate's modules are the pipeline, in order:
//! `frontend` (source → tokens → `ast`) → `desugar` (→ core tree) → `sema` (names
//! resolved) → `ir` (linear code with labels) → `bytecode` (bytes, verified) → `vm`.
//! `driver` runs the stages in sequence; `diag` is how every stage reports problems.
//! `testgen` writes random Lox programs from a seed, for differential testing and fuzzing.
//!
//! ```
//! use loxide::{driver, ir::Limits, vm::{Options, SharedBuffer, Vm}};
//! let program = driver::compile("print 1 + 2;", Limits::Default).unwrap();
//! let out = SharedBuffer::new();
//! let mut vm = Vm::with_output(Options::default(), Box::new(out.clone()));
//! vm.run(&program).unwrap();
//! assert_eq!(out.contents(), "3\n");
//! ```
#![deny(unsafe_code)]

pub mod ast;
pub mod bytecode;
pub mod desugar;
pub mod diag;
pub mod driver;
pub mod dump;
pub mod frontend;
pub mod ir;
pub mod sema;
pub mod testgen;
pub mod vm;

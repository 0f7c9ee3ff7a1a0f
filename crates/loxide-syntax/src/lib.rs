//! loxide's front half: source text to a resolved program.
//!
//! The modules are the stages, in order: `frontend` (Lox or Potato source → tokens →
//! `ast`), `desugar` (→ the core tree, one construct per meaning), `sema` (every name
//! resolved to a global, a stack slot or an upvalue). `diag` is how each stage reports
//! problems, `intern` stores each name once for all of them, `memory` makes running out
//! of memory an error instead of an abort, and `dump` renders each stage's output as
//! text. Nothing here knows about bytecode or the virtual machine.
#![forbid(unsafe_code)]

pub mod arena;
pub mod ast;
pub mod desugar;
pub mod diag;
pub mod dump;
pub mod frontend;
pub mod intern;
pub mod memory;
pub mod sema;

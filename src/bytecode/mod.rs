//! Bytecode: dense per-function byte arrays with constant pools and line tables.
//!
//! A `Module` is plain data (no heap objects, no pointers), so it can be written to a
//! file, read back and checked. Nothing reaches the VM without passing the verifier,
//! which turns a `Module` into a `Verified` one.

pub mod disasm;
pub mod encode;
pub mod file;
pub mod opcodes;
pub mod verify;

pub use opcodes::{Op, Operand, Pops};

use crate::sema::UpvalueDesc;

#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    Number(f64),
    Str(String),
    /// A function prototype, by index into the module's functions.
    Function(u32),
}

/// A run of instructions on one source line: from `offset` up to the next run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineRun {
    pub offset: u32,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    /// Empty for the top-level script.
    pub name: String,
    pub arity: u8,
    pub upvalues: Vec<UpvalueDesc>,
    pub code: Vec<u8>,
    pub constants: Vec<Constant>,
    pub lines: Vec<LineRun>,
    /// The deepest the function's own stack gets, locals included.
    pub max_stack: u32,
}

impl Function {
    /// The source line of the instruction at `offset`.
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
}

/// A compiled program: function 0 is the top-level script.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub functions: Vec<Function>,
    /// Global names, indexed by the operands of global instructions.
    pub globals: Vec<String>,
}

/// Reads the little-endian operand of `width` bytes at `at`.
pub fn read_operand(code: &[u8], at: usize, width: usize) -> u32 {
    match width {
        1 => code[at] as u32,
        2 => u16::from_le_bytes([code[at], code[at + 1]]) as u32,
        _ => u32::from_le_bytes([code[at], code[at + 1], code[at + 2], code[at + 3]]),
    }
}

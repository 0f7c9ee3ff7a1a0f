//! Bytecode: dense per-function byte arrays with constant pools, line and span tables; what
//! the compiler and the virtual machine agree on, and all they share.
//!
//! A `Module` is plain data (no heap objects, no pointers, no source), so it can be
//! written to a file, read back and checked. Nothing reaches the VM without passing the
//! verifier, which turns a `Module` into a `Verified` one. `number` is how Lox numbers
//! print and add, which the compiler's folding and the VM must agree on exactly.
#![forbid(unsafe_code)]

pub mod decode;
pub mod disasm;
pub mod file;
pub mod number;
pub mod opcodes;
pub mod spans;
pub mod verify;

pub use opcodes::{Flow, Op, Operand, Pops};
pub use spans::{Span, SpanTable};

/// Upvalues per function: upvalue operands are 8 bits wide.
pub const MAX_UPVALUES: usize = 1 << 8;
/// Constants per function (functions nested in it included): constant operands are 24
/// bits wide.
pub const MAX_CONSTANTS: usize = 1 << 24;
/// Global variables per module: global operands are 24 bits wide.
pub const MAX_GLOBALS: usize = 1 << 24;

/// How a closure captures one variable when it is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UpvalueDesc {
    /// True: a local slot of the enclosing frame; false: an upvalue of the enclosing closure.
    pub is_local: bool,
    pub index: u8,
}

/// The words of the language a module was written in, for what the VM prints and
/// reports: the VM knows no front-end, only the dialect its module carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dialect {
    #[default]
    Lox,
    Potato,
}

/// What a dialect calls things at run time.
#[derive(Debug)]
pub struct Words {
    /// How `nil`, `true` and `false` print.
    pub nil: &'static str,
    pub true_: &'static str,
    pub false_: &'static str,
    /// The runtime error for calling a value that cannot be called.
    pub not_callable: &'static str,
    /// The runtime error for `+` on operands that are neither two numbers nor two strings.
    pub bad_add_operands: &'static str,
}

const LOX_WORDS: Words = Words {
    nil: "nil",
    true_: "true",
    false_: "false",
    not_callable: "Can only call functions and classes.",
    bad_add_operands: "Operands must be two numbers or two strings.",
};

const POTATO_WORDS: Words = Words {
    nil: "nothing",
    true_: ":)",
    false_: ":(",
    not_callable: "Can only call functions.",
    bad_add_operands: "Operands of 'potato' must be two numbers or two strings.",
};

impl Dialect {
    /// The dialect's run-time words.
    pub const fn words(self) -> &'static Words {
        match self {
            Dialect::Lox => &LOX_WORDS,
            Dialect::Potato => &POTATO_WORDS,
        }
    }

    /// The dialect's name, as `lox disasm` shows it.
    pub const fn name(self) -> &'static str {
        match self {
            Dialect::Lox => "lox",
            Dialect::Potato => "potato",
        }
    }
}

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
    /// The source span of each instruction that can fail (`spans`).
    pub spans: SpanTable,
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
    /// The language's words for printing values and reporting errors.
    pub dialect: Dialect,
}

//! The IR: per function, a linear list of instructions that address variables by slot
//! and index and jump to symbolic labels.
//!
//! Names survive only as constants (for property lookups, error messages and printing
//! functions and classes). The IR is where control flow becomes jumps and scopes
//! become pops; the bytecode stage then only has to pick encodings and resolve labels.

pub mod lower;
pub mod optimize;

use std::fmt;

use loxide_bytecode::UpvalueDesc;

pub use lower::{Limits, lower};

/// A jump target within one function.
pub type Label = u32;
/// An index into a function's constant pool.
pub type ConstIdx = u32;

#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    Number(f64),
    Str(String),
    /// A function prototype, by index into the module's functions.
    Function(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Instr {
    Constant(ConstIdx),
    Nil,
    True,
    False,
    Pop,
    GetLocal(u8),
    SetLocal(u8),
    GetGlobal(u32),
    DefineGlobal(u32),
    SetGlobal(u32),
    GetUpvalue(u8),
    SetUpvalue(u8),
    GetProperty(ConstIdx),
    SetProperty(ConstIdx),
    GetSuper(ConstIdx),
    Equal,
    Greater,
    Less,
    Add,
    Subtract,
    Multiply,
    Divide,
    Not,
    Negate,
    Print,
    /// Unconditional jump, forward or backward.
    Jump(Label),
    /// Jumps when the top of the stack is falsey; leaves it on the stack.
    JumpIfFalse(Label),
    /// Marks a jump target; emits no code.
    Label(Label),
    Call(u8),
    Invoke(ConstIdx, u8),
    SuperInvoke(ConstIdx, u8),
    Closure(ConstIdx),
    CloseUpvalue,
    Return,
    Class(ConstIdx),
    Inherit,
    Method(ConstIdx),
    // Fused instructions, made by `optimize` (and `JumpIfFalsePop` by lowering).
    /// Pops the condition; jumps when it is falsey.
    JumpIfFalsePop(Label),
    /// Pops two numbers; jumps unless the comparison holds.
    JumpUnlessLess(Label),
    JumpUnlessGreater(Label),
    JumpUnlessEqual(Label),
    /// Pops two numbers; jumps if the comparison holds (`>=`, `<=`, `!=` negate).
    JumpIfLess(Label),
    JumpIfGreater(Label),
    JumpIfEqual(Label),
    /// A store whose value is not used.
    SetLocalPop(u8),
    SetGlobalPop(u32),
    SetPropertyPop(ConstIdx),
    /// Adds or subtracts a constant operand.
    AddConstant(ConstIdx),
    SubtractConstant(ConstIdx),
    /// `GetLocal` then `GetProperty`.
    GetLocalProperty(u8, ConstIdx),
    /// Two `GetLocal`s.
    GetLocal2(u8, u8),
    /// `Nil` then `Return`.
    ReturnNil,
    /// `Constant` then a comparison jump.
    JumpUnlessLessConstant(ConstIdx, Label),
    JumpUnlessGreaterConstant(ConstIdx, Label),
    JumpUnlessEqualConstant(ConstIdx, Label),
    /// `GetLocal` then `AddConstant` or `SubtractConstant`.
    AddLocalConstant(u8, ConstIdx),
    SubtractLocalConstant(u8, ConstIdx),
    /// `GetLocal` then `Return`.
    ReturnLocal(u8),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    /// Empty for the top-level script.
    pub name: String,
    pub arity: u8,
    pub upvalues: Vec<UpvalueDesc>,
    pub code: Vec<Instr>,
    /// The source line of each instruction.
    pub lines: Vec<u32>,
    pub constants: Vec<Const>,
    pub n_labels: u32,
}

/// A compiled program: function 0 is the top-level script.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub functions: Vec<Function>,
    /// Global variable names, indexed by the operands of global instructions.
    pub globals: Vec<String>,
}

impl fmt::Display for Module {
    /// The `ir` dump: one instruction a line, per function, with constants resolved.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, func) in self.functions.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let name = if func.name.is_empty() {
                "<script>".to_string()
            } else {
                func.name.clone()
            };
            writeln!(
                f,
                "function #{i} {name} (arity {}, upvalues {})",
                func.arity,
                func.upvalues.len()
            )?;
            for (instr, line) in func.code.iter().zip(&func.lines) {
                if let Instr::Label(l) = instr {
                    writeln!(f, "  L{l}:")?;
                    continue;
                }
                writeln!(f, "    {:<24} ; line {line}", self.show(func, instr))?;
            }
        }
        Ok(())
    }
}

/// `CloseUpvalue` → `close_upvalue`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

impl Module {
    fn show(&self, func: &Function, instr: &Instr) -> String {
        let konst = |c: &ConstIdx| match &func.constants[*c as usize] {
            Const::Number(n) => loxide_bytecode::number::format(*n),
            Const::Str(s) => format!("{s:?}"),
            Const::Function(i) => format!("<fn #{i}>"),
        };
        let global = |g: &u32| self.globals[*g as usize].clone();
        use Instr::*;
        match instr {
            Constant(c) => format!("const {}", konst(c)),
            GetLocal(s) => format!("get_local {s}"),
            SetLocal(s) => format!("set_local {s}"),
            GetGlobal(g) => format!("get_global {}", global(g)),
            DefineGlobal(g) => format!("define_global {}", global(g)),
            SetGlobal(g) => format!("set_global {}", global(g)),
            GetUpvalue(u) => format!("get_upvalue {u}"),
            SetUpvalue(u) => format!("set_upvalue {u}"),
            GetProperty(c) => format!("get_property {}", konst(c)),
            SetProperty(c) => format!("set_property {}", konst(c)),
            GetSuper(c) => format!("get_super {}", konst(c)),
            Jump(l) => format!("jump L{l}"),
            JumpIfFalse(l) => format!("jump_if_false L{l}"),
            JumpIfFalsePop(l) => format!("jump_if_false_pop L{l}"),
            JumpUnlessLess(l) => format!("jump_unless_less L{l}"),
            JumpUnlessGreater(l) => format!("jump_unless_greater L{l}"),
            JumpUnlessEqual(l) => format!("jump_unless_equal L{l}"),
            JumpIfLess(l) => format!("jump_if_less L{l}"),
            JumpIfGreater(l) => format!("jump_if_greater L{l}"),
            JumpIfEqual(l) => format!("jump_if_equal L{l}"),
            SetLocalPop(s) => format!("set_local_pop {s}"),
            SetGlobalPop(g) => format!("set_global_pop {}", global(g)),
            SetPropertyPop(c) => format!("set_property_pop {}", konst(c)),
            AddConstant(c) => format!("add_constant {}", konst(c)),
            SubtractConstant(c) => format!("subtract_constant {}", konst(c)),
            GetLocalProperty(s, c) => format!("get_local_property {s} {}", konst(c)),
            GetLocal2(a, b) => format!("get_local_2 {a} {b}"),
            JumpUnlessLessConstant(c, l) => format!("jump_unless_less_constant {} L{l}", konst(c)),
            JumpUnlessGreaterConstant(c, l) => {
                format!("jump_unless_greater_constant {} L{l}", konst(c))
            }
            JumpUnlessEqualConstant(c, l) => {
                format!("jump_unless_equal_constant {} L{l}", konst(c))
            }
            AddLocalConstant(s, c) => format!("add_local_constant {s} {}", konst(c)),
            SubtractLocalConstant(s, c) => format!("subtract_local_constant {s} {}", konst(c)),
            ReturnLocal(s) => format!("return_local {s}"),
            Call(n) => format!("call {n}"),
            Invoke(c, n) => format!("invoke {} {n}", konst(c)),
            SuperInvoke(c, n) => format!("super_invoke {} {n}", konst(c)),
            Closure(c) => format!("closure {}", konst(c)),
            Class(c) => format!("class {}", konst(c)),
            Method(c) => format!("method {}", konst(c)),
            other => snake_case(&format!("{other:?}")),
        }
    }
}

//! The IR: per function, a linear list of instructions that address variables by slot
//! and index and jump to symbolic labels.
//!
//! Names survive only as constants (for property lookups, error messages and printing
//! functions and classes). The IR is where control flow becomes jumps and scopes
//! become pops; the bytecode stage then only has to pick encodings and resolve labels.

pub mod lower;
pub mod optimize;

use std::fmt;

use loxide_bytecode::opcodes::MAX_OPERANDS;
use loxide_bytecode::{Op, Operand, Span, UpvalueDesc};

pub use lower::{Limits, lower};

/// A jump target within one function.
pub type Label = u32;
/// An index into a function's constant pool.
pub type ConstIdx = u32;
/// An index into the module's global names.
pub type GlobalIdx = u32;

#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    Number(f64),
    Str(String),
    /// A function prototype, by index into the module's functions.
    Function(u32),
}

/// The IR type of each operand kind: slots, upvalues and argument counts are bytes;
/// constants, names, functions and globals are indices; jump offsets are labels.
#[rustfmt::skip]
macro_rules! ir_operand_type {
    (Local) => { u8 };
    (Upvalue) => { u8 };
    (Argc) => { u8 };
    (Const) => { ConstIdx };
    (Name) => { ConstIdx };
    (Func) => { ConstIdx };
    (Global) => { GlobalIdx };
    (JumpForward) => { Label };
    (JumpBack) => { Label };
}

/// A jump operand's label, `None` for an operand of another kind.
#[rustfmt::skip]
macro_rules! jump_operand {
    (JumpForward, $field:ident) => { Some($field) };
    (JumpBack, $field:ident) => { Some($field) };
    ($other:ident, $field:ident) => {{ let _ = $field; None }};
}

/// The callback of `for_each_opcode!` that generates `Instr`: one variant per opcode,
/// with the opcode's operands as typed fields, and the mapping back to opcodes.
macro_rules! define_instr {
    ($( $(#[doc = $doc:literal])* $name:ident = $text:literal $( ( $($field:ident : $operand:ident),+ ) )? pops $pops:ident($n:literal) pushes $push:literal flow $flow:ident; )*) => {
        /// An IR instruction: an opcode with its operands, jumps to labels instead of
        /// offsets, or a label.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Instr {
            $( $(#[doc = $doc])* $name $( ( $( ir_operand_type!($operand) ),+ ) )?, )*
            /// Marks a jump target; emits no code.
            Label(Label),
            /// `GET_GLOBAL` of a global surely defined where it is read
            /// (`sema::Resolved::surely_defined`): the read cannot fail, so the
            /// optimizer may drop it or fuse it into what uses the value.
            GetDefinedGlobal(GlobalIdx),
        }

        impl Instr {
            /// The opcode, with the operands as numbers in encoding order (labels by
            /// number); `None` for a label.
            pub fn encoding(self) -> Option<(Op, Operands)> {
                match self {
                    $( Instr::$name $( ( $($field),+ ) )? => Some((
                        Op::$name,
                        Operands::new(&[ $( $( u32::from($field) ),+ )? ]),
                    )), )*
                    Instr::Label(_) => None,
                    Instr::GetDefinedGlobal(g) => Some((Op::GetGlobal, Operands::new(&[g]))),
                }
            }

            /// The label the instruction jumps to, if one of its operands is a jump
            /// (no opcode has two: `opcodes::tests::operands_fit_the_verifier`).
            pub fn jump_label(self) -> Option<Label> {
                match self {
                    $( Instr::$name $( ( $($field),+ ) )? => {
                        None $( $( .or(jump_operand!($operand, $field)) )+ )?
                    } )*
                    Instr::Label(_) | Instr::GetDefinedGlobal(_) => None,
                }
            }

            /// The opcode, `None` for a label.
            pub fn op(self) -> Option<Op> {
                match self {
                    $( Instr::$name { .. } => Some(Op::$name), )*
                    Instr::Label(_) => None,
                    Instr::GetDefinedGlobal(_) => Some(Op::GetGlobal),
                }
            }
        }
    };
}

loxide_bytecode::for_each_opcode!(define_instr);

/// An instruction's operands as numbers, in encoding order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operands {
    values: [u32; MAX_OPERANDS],
    len: usize,
}

impl Operands {
    fn new(list: &[u32]) -> Operands {
        let mut values = [0; MAX_OPERANDS];
        values[..list.len()].copy_from_slice(list);
        Operands {
            values,
            len: list.len(),
        }
    }
}

impl std::ops::Deref for Operands {
    type Target = [u32];

    fn deref(&self) -> &[u32] {
        &self.values[..self.len]
    }
}

/// Where an instruction came from: the line clox reports for it, and the bytes of the
/// source a runtime error there blames (an operator, a name, a call).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    pub line: u32,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    /// Empty for the top-level script.
    pub name: String,
    pub arity: u8,
    pub upvalues: Vec<UpvalueDesc>,
    pub code: Vec<Instr>,
    /// Where each instruction came from.
    pub locs: Vec<Loc>,
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
        for line in self.dump_lines() {
            writeln!(f, "{}", line.text)?;
        }
        Ok(())
    }
}

/// One line of the `ir` dump.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DumpLine {
    /// The line's text, without its newline.
    pub text: String,
    /// For an instruction's line, its opcode and where it came from; `None` for a
    /// function's header, a label and the blank line between functions.
    pub instr: Option<(Op, Loc)>,
}

impl Module {
    /// The `ir` dump line by line (what `Display` prints), each instruction's line
    /// with its opcode and its `Loc`.
    pub fn dump_lines(&self) -> Vec<DumpLine> {
        let mut lines = Vec::new();
        let plain = |text: String| DumpLine { text, instr: None };
        for (i, func) in self.functions.iter().enumerate() {
            if i > 0 {
                lines.push(plain(String::new()));
            }
            let name = if func.name.is_empty() {
                "<script>".to_string()
            } else {
                func.name.clone()
            };
            lines.push(plain(format!(
                "function #{i} {name} (arity {}, upvalues {})",
                func.arity,
                func.upvalues.len()
            )));
            for (instr, &loc) in func.code.iter().zip(&func.locs) {
                if let Instr::Label(l) = instr {
                    lines.push(plain(format!("  L{l}:")));
                } else if let Some((op, operands)) = instr.encoding() {
                    let text = self.show(func, op, &operands);
                    lines.push(DumpLine {
                        text: format!("    {text:<24} ; line {}", loc.line),
                        instr: Some((op, loc)),
                    });
                }
            }
        }
        lines
    }
}

impl Module {
    /// An instruction as the dump shows it: the opcode's name in lower case, then the
    /// operands by kind: constants and names by value, globals by name, jumps by label.
    fn show(&self, func: &Function, op: Op, operands: &[u32]) -> String {
        let mut text = op.name().to_ascii_lowercase();
        for (kind, &value) in op.operands().iter().zip(operands) {
            text.push(' ');
            match kind {
                Operand::Const | Operand::Name | Operand::Func => {
                    match &func.constants[value as usize] {
                        Const::Number(n) => text.push_str(&loxide_bytecode::number::format(*n)),
                        Const::Str(s) => text.push_str(&format!("{s:?}")),
                        Const::Function(i) => text.push_str(&format!("<fn #{i}>")),
                    }
                }
                Operand::Global => text.push_str(&self.globals[value as usize]),
                Operand::JumpForward | Operand::JumpBack => text.push_str(&format!("L{value}")),
                Operand::Local | Operand::Upvalue | Operand::Argc => {
                    text.push_str(&value.to_string())
                }
            }
        }
        text
    }
}

//! The disassembler: bytecode back to text, in clox's layout (offset, line or `|`,
//! opcode, operands, constant values), one function after another.

use std::fmt::Write;

use super::decode::{self, Instruction};
use super::{Constant, Function, Module, Op, Operand};
use crate::number;

/// Disassembles every function of a module; `hex` adds each instruction's raw bytes.
pub fn module(module: &Module, hex: bool) -> String {
    entries(module, hex).into_iter().map(|e| e.text).collect()
}

/// One piece of a module's disassembly: a function's header, the blank line before
/// it, or one instruction (with a closure's capture lines).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The function's index in the module.
    pub function: usize,
    /// The instruction's offset; `None` for a header or a blank line.
    pub offset: Option<usize>,
    /// The text, one or more whole lines, each ending in a newline.
    pub text: String,
}

/// The disassembly `module` shows, in pieces that say what they show: the playground
/// gives each instruction's lines its source line and span.
pub fn entries(module: &Module, hex: bool) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (i, f) in module.functions.iter().enumerate() {
        if i > 0 {
            entries.push(Entry {
                function: i,
                offset: None,
                text: "\n".into(),
            });
        }
        function(&mut entries, module, i, f, hex);
    }
    entries
}

/// The text of the one instruction at `offset` of function `index` (as `module`
/// shows it, without the offset, the line and a closure's capture list), or `None`
/// when there is no instruction there.
pub fn instruction_at(module: &Module, index: usize, offset: usize) -> Option<String> {
    let f = module.functions.get(index)?;
    let decoded = decode::at(&f.code, offset).ok()?;
    let mut out = String::new();
    instruction(&mut out, module, f, &decoded, false);
    out.lines().next().map(str::to_string)
}

fn constant_text(module: &Module, c: &Constant) -> String {
    match c {
        Constant::Number(n) => number::format(*n),
        Constant::Str(s) => s.clone(),
        Constant::Function(i) => match module.functions.get(*i as usize) {
            Some(f) if !f.name.is_empty() => format!("<fn {}>", f.name),
            _ => format!("<fn #{i}>"),
        },
    }
}

fn function(entries: &mut Vec<Entry>, module: &Module, index: usize, f: &Function, hex: bool) {
    let name = if index == 0 {
        "<script>".to_string()
    } else {
        f.name.clone()
    };
    entries.push(Entry {
        function: index,
        offset: None,
        text: format!(
            "== {name} == (function #{index}, arity {}, upvalues {}, max stack {})\n",
            f.arity,
            f.upvalues.len(),
            f.max_stack
        ),
    });
    let mut last_line = None;
    for decoded in decode::instructions(&f.code) {
        let offset = decoded.map_or_else(|e| e.offset(), |instruction| instruction.offset);
        let line = f.line_at(offset);
        let mut text = String::new();
        let out = &mut text;
        let _ = write!(out, "{offset:04} ");
        if last_line == Some(line) {
            out.push_str("   | ");
        } else {
            let _ = write!(out, "{line:4} ");
        }
        last_line = Some(line);
        match decoded {
            Ok(instruction) => self::instruction(out, module, f, &instruction, hex),
            Err(decode::Error::CutOff { op, .. }) => {
                let _ = writeln!(out, "{} <truncated>", op.name());
            }
            Err(decode::Error::UnknownOpcode { byte, .. }) => {
                let _ = writeln!(out, "<bad opcode {byte}>");
            }
            // The walk never starts an instruction past the end of the code.
            Err(e @ decode::Error::PastEnd { .. }) => {
                let _ = writeln!(out, "<{e}>");
            }
        }
        entries.push(Entry {
            function: index,
            offset: Some(offset),
            text,
        });
    }
}

/// One instruction, after its offset and line.
fn instruction(
    out: &mut String,
    module: &Module,
    f: &Function,
    instruction: &Instruction,
    hex: bool,
) {
    let (offset, op) = (instruction.offset, instruction.op);
    if hex {
        let bytes: Vec<String> = f.code[offset..instruction.end()]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let _ = write!(out, "{:<24}", bytes.join(" "));
    }
    let mut text = format!("OP_{:<16}", op.name());
    let mut parts = Vec::new();
    for field in instruction.fields() {
        let value = field.value;
        parts.push(match field.kind {
            Operand::Const | Operand::Name | Operand::Func => {
                let text = f
                    .constants
                    .get(value as usize)
                    .map(|c| constant_text(module, c));
                format!("{value:4} '{}'", text.unwrap_or_else(|| "?".into()))
            }
            Operand::Global => {
                let name = module
                    .globals
                    .get(value as usize)
                    .map(String::as_str)
                    .unwrap_or("?");
                format!("{value:4} '{name}'")
            }
            Operand::JumpForward => {
                format!("{offset:4} -> {}", instruction.end() + value as usize)
            }
            Operand::JumpBack => {
                format!(
                    "{offset:4} -> {}",
                    instruction.end().wrapping_sub(value as usize)
                )
            }
            Operand::Argc => format!("({value} args)"),
            Operand::Local | Operand::Upvalue => format!("{value:4}"),
        });
    }
    text.push_str(&parts.join(" "));
    let _ = writeln!(out, "{}", text.trim_end());
    // A closure's capture list: what the VM reads from the enclosing frame.
    let function = instruction
        .value_of(Operand::Func)
        .and_then(|k| f.constants.get(k as usize));
    if op == Op::Closure
        && let Some(Constant::Function(fi)) = function
        && let Some(g) = module.functions.get(*fi as usize)
    {
        for u in &g.upvalues {
            let kind = if u.is_local { "local" } else { "upvalue" };
            let _ = writeln!(
                out,
                "{:04}    |                     {kind} {}",
                offset, u.index
            );
        }
    }
}

//! The disassembler: bytecode back to text, in clox's layout (offset, line or `|`,
//! opcode, operands, constant values), one function after another.

use std::fmt::Write;

use super::{Constant, Function, Module, Op, Operand, read_operand};
use crate::number;

/// Disassembles every function of a module; `hex` adds each instruction's raw bytes.
pub fn module(module: &Module, hex: bool) -> String {
    let mut out = String::new();
    for (i, f) in module.functions.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        function(&mut out, module, i, f, hex);
    }
    out
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

fn function(out: &mut String, module: &Module, index: usize, f: &Function, hex: bool) {
    let name = if index == 0 {
        "<script>".to_string()
    } else {
        f.name.clone()
    };
    let _ = writeln!(
        out,
        "== {name} == (function #{index}, arity {}, upvalues {}, max stack {})",
        f.arity,
        f.upvalues.len(),
        f.max_stack
    );
    let mut offset = 0;
    let mut last_line = None;
    while offset < f.code.len() {
        let line = f.line_at(offset);
        let _ = write!(out, "{offset:04} ");
        if last_line == Some(line) {
            out.push_str("   | ");
        } else {
            let _ = write!(out, "{line:4} ");
        }
        last_line = Some(line);
        let Some(op) = Op::from_byte(f.code[offset]) else {
            let _ = writeln!(out, "<bad opcode {}>", f.code[offset]);
            offset += 1;
            continue;
        };
        let size = op.size();
        if offset + size > f.code.len() {
            let _ = writeln!(out, "{} <truncated>", op.name());
            break;
        }
        if hex {
            let bytes: Vec<String> = f.code[offset..offset + size]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let _ = write!(out, "{:<24}", bytes.join(" "));
        }
        let mut text = format!("OP_{:<16}", op.name());
        let mut at = offset + 1;
        let mut parts = Vec::new();
        for kind in op.operands() {
            let value = read_operand(&f.code, at, kind.width());
            at += kind.width();
            parts.push(match kind {
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
                Operand::JumpForward => format!("{offset:4} -> {}", offset + size + value as usize),
                Operand::JumpBack => {
                    format!(
                        "{offset:4} -> {}",
                        (offset + size).wrapping_sub(value as usize)
                    )
                }
                Operand::Argc => format!("({value} args)"),
                Operand::Local | Operand::Upvalue => format!("{value:4}"),
            });
        }
        text.push_str(&parts.join(" "));
        let _ = writeln!(out, "{}", text.trim_end());
        if op == Op::Closure {
            let target = read_operand(&f.code, offset + 1, 2) as usize;
            if let Some(Constant::Function(fi)) = f.constants.get(target) {
                if let Some(g) = module.functions.get(*fi as usize) {
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
        }
        offset += size;
    }
}

//! IR optimization: constant folding and fusing common instruction sequences.
//!
//! A peephole pass over each function's instruction list. It never looks across a
//! label (a jump may land there), so every rewrite is local and keeps the program's
//! meaning, runtime errors and their lines included. The fused instructions were chosen
//! from the dynamic pair profile of the benchmarks (`--features op-profile`): a
//! comparison feeding a conditional jump, a store whose value is dropped, and
//! arithmetic with a constant operand.

use super::{Const, Function, Instr, Module};
use crate::vm::number;

/// Optimizes every function of a module in place.
pub fn optimize(module: &mut Module) {
    for f in &mut module.functions {
        fold_constants(f);
        fuse(f);
    }
}

/// The number a constant instruction pushes, if it pushes one.
fn number(f: &Function, instr: Instr) -> Option<f64> {
    match instr {
        Instr::Constant(k) => match f.constants[k as usize] {
            Const::Number(n) => Some(n),
            _ => None,
        },
        _ => None,
    }
}

/// The constant index for a number, reusing an equal one.
fn number_constant(f: &mut Function, n: f64) -> u32 {
    let existing = f
        .constants
        .iter()
        .position(|c| matches!(c, Const::Number(m) if m.to_bits() == n.to_bits()));
    match existing {
        Some(i) => i as u32,
        None => {
            f.constants.push(Const::Number(n));
            (f.constants.len() - 1) as u32
        }
    }
}

/// Replaces arithmetic on two number constants, and negation of one, by the result.
/// Only numbers are folded: every other operand either fails at run time (and must
/// still fail there, on its line) or is a string whose concatenation the VM interns.
fn fold_constants(f: &mut Function) {
    let mut code: Vec<Instr> = Vec::with_capacity(f.code.len());
    let mut lines: Vec<u32> = Vec::with_capacity(f.lines.len());
    for i in 0..f.code.len() {
        let (instr, line) = (f.code[i], f.lines[i]);
        let n = code.len();
        let folded = match instr {
            Instr::Add | Instr::Subtract | Instr::Multiply | Instr::Divide if n >= 2 => {
                match (number(f, code[n - 2]), number(f, code[n - 1])) {
                    (Some(a), Some(b)) => Some((
                        2,
                        match instr {
                            Instr::Add => number::add(a, b),
                            Instr::Subtract => a - b,
                            Instr::Multiply => number::multiply(a, b),
                            _ => a / b,
                        },
                    )),
                    _ => None,
                }
            }
            Instr::Negate if n >= 1 => number(f, code[n - 1]).map(|a| (1, -a)),
            _ => None,
        };
        // A NaN result is left to run time: it gains nothing and keeps NaN's sign
        // rules (see `number::add`) in one place.
        let folded = folded.filter(|(_, value): &(usize, f64)| !value.is_nan());
        match folded {
            Some((operands, value)) => {
                code.truncate(n - operands);
                lines.truncate(n - operands);
                let k = number_constant(f, value);
                code.push(Instr::Constant(k));
                lines.push(line);
            }
            None => {
                code.push(instr);
                lines.push(line);
            }
        }
    }
    f.code = code;
    f.lines = lines;
}

/// Fuses instruction pairs and triples into single instructions.
fn fuse(f: &mut Function) {
    let mut code: Vec<Instr> = Vec::with_capacity(f.code.len());
    let mut lines: Vec<u32> = Vec::with_capacity(f.lines.len());
    let mut i = 0;
    while i < f.code.len() {
        let at = |k: usize| f.code.get(i + k).copied();
        use Instr::*;
        // (replacement, instructions consumed, index of the instruction whose line the
        // replacement reports: the one that can fail)
        let fused: Option<(Instr, usize, usize)> = match (at(0), at(1), at(2)) {
            (Some(Less), Some(Not), Some(JumpIfFalsePop(l))) => Some((JumpIfLess(l), 3, 0)),
            (Some(Greater), Some(Not), Some(JumpIfFalsePop(l))) => Some((JumpIfGreater(l), 3, 0)),
            (Some(Equal), Some(Not), Some(JumpIfFalsePop(l))) => Some((JumpIfEqual(l), 3, 0)),
            (Some(Less), Some(JumpIfFalsePop(l)), _) => Some((JumpUnlessLess(l), 2, 0)),
            (Some(Greater), Some(JumpIfFalsePop(l)), _) => Some((JumpUnlessGreater(l), 2, 0)),
            (Some(Equal), Some(JumpIfFalsePop(l)), _) => Some((JumpUnlessEqual(l), 2, 0)),
            (Some(SetLocal(s)), Some(Pop), _) => Some((SetLocalPop(s), 2, 0)),
            (Some(SetGlobal(g)), Some(Pop), _) => Some((SetGlobalPop(g), 2, 0)),
            (Some(SetProperty(k)), Some(Pop), _) => Some((SetPropertyPop(k), 2, 0)),
            (Some(Constant(k)), Some(Add), _) => Some((AddConstant(k), 2, 1)),
            (Some(Constant(k)), Some(Subtract), _)
                if matches!(f.constants[k as usize], Const::Number(_)) =>
            {
                Some((SubtractConstant(k), 2, 1))
            }
            _ => None,
        };
        match fused {
            Some((instr, consumed, line_of)) => {
                code.push(instr);
                lines.push(f.lines[i + line_of]);
                i += consumed;
            }
            None => {
                code.push(f.code[i]);
                lines.push(f.lines[i]);
                i += 1;
            }
        }
    }
    f.code = code;
    f.lines = lines;
}

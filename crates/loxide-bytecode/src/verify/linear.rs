//! The verifier's fast path: one walk in code order, for the code compilers write.
//!
//! Compiled code is structured: a loop's header is reached by falling into it before
//! its back edge jumps to it, and forward jumps land further down. For such code, the
//! stack depth at every instruction follows from a single pass in code order, with a
//! queue of the depths that forward jumps carry to their targets and a small map of
//! the depths at backward-jump targets. Operands are read through a table built from
//! the opcode list at compile time, so an instruction costs a few tens of machine
//! instructions, and memory grows with the jumps, where the general walk
//! (`super::walk`) follows every path with a work list.
//!
//! The fast path decides only "valid": it returns `None` as soon as anything is
//! unusual (an error of any kind, a loop header reached only by its back edge, or a
//! closure that captures a local, whose capture sets the general walk tracks), and the
//! general walk then decides, with its exact message. So it must never accept what the
//! general walk rejects: it makes every check the general walk makes on the code that
//! can run, and in debug builds `super::analyse` runs both and compares.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::BitSet;
use crate::opcodes::MAX_OPERANDS;
use crate::{Constant, Function, Module, Op, Operand, Pops};

/// What the fast path knows of an opcode before it reads the operands.
#[derive(Clone, Copy)]
struct Info {
    /// The encoded size, opcode included.
    size: u8,
    /// The operands' kinds, in encoding order (the first `n_operands`).
    operands: [Operand; MAX_OPERANDS],
    n_operands: u8,
    /// Fixed pops, plus the argument count when `pops_argc`.
    pops: u8,
    pops_argc: bool,
    pushes: u8,
    /// Slots used above the starting depth on a slow path (`Op::scratch`).
    scratch: u8,
    /// Control may go on to the next instruction.
    falls_through: bool,
    /// Some operand is a local slot.
    has_local: bool,
}

/// `Info` for every opcode, by byte, computed from the opcode list at compile time.
const INFO: [Info; Op::ALL.len()] = {
    let mut table = [Info {
        size: 0,
        operands: [Operand::Argc; MAX_OPERANDS],
        n_operands: 0,
        pops: 0,
        pops_argc: false,
        pushes: 0,
        scratch: 0,
        falls_through: false,
        has_local: false,
    }; Op::ALL.len()];
    let mut i = 0;
    while i < Op::ALL.len() {
        let op = Op::ALL[i];
        let operands = op.operands();
        let info = &mut table[i];
        info.size = op.size() as u8;
        let mut j = 0;
        while j < operands.len() {
            info.operands[j] = operands[j];
            if let Operand::Local = operands[j] {
                info.has_local = true;
            }
            j += 1;
        }
        info.n_operands = operands.len() as u8;
        (info.pops, info.pops_argc) = match op.pops() {
            Pops::Fixed(n) => (n, false),
            Pops::ArgcPlus(n) => (n, true),
        };
        info.pushes = op.pushes();
        info.scratch = op.scratch();
        info.falls_through = op.flow().falls_through();
        i += 1;
    }
    table
};

/// Reads an operand of `width` bytes at `at` (the caller checked that they exist).
#[inline(always)]
fn read(code: &[u8], at: usize, width: usize) -> u32 {
    match width {
        1 => u32::from(code[at]),
        3 => u32::from_le_bytes([code[at], code[at + 1], code[at + 2], 0]),
        _ => u32::from_le_bytes([code[at], code[at + 1], code[at + 2], code[at + 3]]),
    }
}

/// The maximum stack depth of a function whose code this path can vouch for, or `None`
/// when the general walk must decide. Assumes what `analyse` checked before (the code
/// is not empty, the line table is ordered and inside the code).
pub(super) fn analyse(module: &Module, f: &Function) -> Option<u32> {
    let code = &f.code[..];
    // Pass 1, reading only lengths and backward jumps: where instructions start, and
    // which of them backward jumps target (instruction starts: they are behind).
    // Without memory for them, the general walk decides (and reports it).
    let mut is_start = BitSet::new(code.len()).ok()?;
    let mut is_back_target = BitSet::new(code.len()).ok()?;
    let mut offset = 0;
    while offset < code.len() {
        let info = INFO.get(code[offset] as usize)?;
        let size = info.size as usize;
        if code.len() - offset < size {
            return None;
        }
        is_start.insert(offset);
        if info.n_operands > 0 && info.operands[info.n_operands as usize - 1] == Operand::JumpBack {
            let back = read(code, offset + size - 4, 4) as usize;
            let target = (offset + size).checked_sub(back)?;
            if !is_start.contains(target) {
                return None;
            }
            is_back_target.insert(target);
        }
        offset += size;
    }
    if f.lines
        .iter()
        .any(|run| !is_start.contains(run.offset as usize))
    {
        return None;
    }

    // Pass 2, in code order: operands, then the stack along the code that can run.
    let mut back_depths: HashMap<usize, u32> = HashMap::new();
    let mut forward: BinaryHeap<Reverse<(usize, u32)>> = BinaryHeap::new();
    let mut depth = Some(f.arity as u32 + 1);
    let mut max = f.arity as u32 + 1;
    let mut last = &INFO[0];
    let mut offset = 0;
    while offset < code.len() {
        let byte = code[offset];
        let info = &INFO[byte as usize];
        let end = offset + info.size as usize;
        // Depths that forward jumps carry here must agree with each other and with
        // the one falling through; a target passed by is inside an instruction.
        while let Some(&Reverse((target, carried))) = forward.peek() {
            if target > offset {
                break;
            }
            if target < offset || depth.is_some_and(|d| d != carried) {
                return None;
            }
            depth = Some(carried);
            forward.pop();
        }
        if is_back_target.contains(offset) {
            // A loop header: reached first by falling (or jumping forward) into it.
            back_depths.insert(offset, depth?);
        }
        // The operands: each checked by itself, and the values the stack check needs.
        let mut at = offset + 1;
        let mut argc = 0;
        let mut local = None;
        let mut locals = [0u32; 2];
        let mut n_locals = 0;
        let mut jump = None;
        let mut function = None;
        for &kind in &info.operands[..info.n_operands as usize] {
            let value = read(code, at, kind.width());
            at += kind.width();
            match kind {
                Operand::Local => {
                    local = Some(local.map_or(value, |l: u32| l.max(value)));
                    locals[n_locals] = value;
                    n_locals += 1;
                }
                Operand::Upvalue if value as usize >= f.upvalues.len() => return None,
                Operand::Upvalue => {}
                Operand::Argc => argc = value,
                Operand::Const => {
                    f.constants.get(value as usize)?;
                }
                Operand::Name => match f.constants.get(value as usize)? {
                    Constant::Str(_) => {}
                    _ => return None,
                },
                Operand::Func => match f.constants.get(value as usize)? {
                    Constant::Function(child) => function = Some(*child),
                    _ => return None,
                },
                Operand::Global if value as usize >= module.globals.len() => return None,
                Operand::Global => {}
                Operand::JumpForward => jump = Some(end.checked_add(value as usize)?),
                Operand::JumpBack => jump = Some(end.checked_sub(value as usize)?),
            }
        }
        if let Some(d) = depth {
            let pops = info.pops as u32 + if info.pops_argc { argc } else { 0 };
            // METHOD pops only the closure but also uses the class below it.
            let needs = if byte == Op::Method as u8 {
                pops + 1
            } else {
                pops
            };
            if d < needs {
                return None;
            }
            let after = d - pops + info.pushes as u32;
            if let Some(slot) = local {
                // GET_LOCAL_2 reads its second slot after pushing the first.
                let readable = if byte == Op::GetLocal2 as u8 {
                    (locals[0] < d && locals[1] <= d).then_some(d + 1)
                } else {
                    Some(d)
                };
                if readable.is_none_or(|limit| slot >= limit) || slot >= after {
                    return None;
                }
            }
            // Capturing a local makes the general walk track capture sets.
            if let Some(child) = function
                && module.functions[child as usize]
                    .upvalues
                    .iter()
                    .any(|u| u.is_local)
            {
                return None;
            }
            max = max.max(after).max(d + info.scratch as u32);
            match jump {
                Some(target) if target >= code.len() => return None,
                Some(target) if target > offset => forward.push(Reverse((target, after))),
                // A backward jump must bring the depth its target was first reached at.
                Some(target) if back_depths.get(&target) != Some(&after) => return None,
                Some(_) | None => {}
            }
            depth = info.falls_through.then_some(after);
        }
        last = info;
        offset = end;
    }
    // Nothing may fall off the end, and no jump may lead past it.
    if last.falls_through || !forward.is_empty() {
        return None;
    }
    Some(max)
}

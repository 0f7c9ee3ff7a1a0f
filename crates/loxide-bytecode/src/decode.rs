//! The decoder: the one place that reads instructions out of a function's code.
//!
//! `at` decodes the instruction at an offset and `instructions` walks a whole function,
//! both with checked reads: an unknown opcode, or an instruction that the end of the
//! code cuts off, is an `Error`, never a panic. The verifier (both of its walks), the
//! disassembler and the VM's loader read code only through it. The trade-off: each
//! instruction is copied out into a small value (its opcode and up to three operands),
//! which costs a little on these cold paths but gives every walk the same checks. The
//! interpreter loop does not use it: it runs verified code and reads operands in place.

use std::fmt;
use std::iter::FusedIterator;

use crate::opcodes::MAX_OPERANDS;
use crate::{Op, Operand};

/// One decoded instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Where its opcode byte is.
    pub offset: usize,
    pub op: Op,
    /// The operand values in encoding order; those past the opcode's operands are 0.
    values: [u32; MAX_OPERANDS],
}

/// One operand of a decoded instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub kind: Operand,
    /// Where its first byte is in the code.
    pub at: usize,
    pub value: u32,
}

/// Where a jump operand leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A code offset. A forward jump may lead past the end of the code (the verifier
    /// reports that), but the offset itself never overflows.
    Offset(usize),
    /// Before the start of the function: a backward jump longer than the code before it.
    BeforeStart,
}

impl Instruction {
    /// The encoded size, opcode included.
    pub fn size(&self) -> usize {
        self.op.size()
    }

    /// The offset just after the instruction, where jump offsets count from.
    pub fn end(&self) -> usize {
        self.offset + self.op.size()
    }

    /// The operand values, in encoding order.
    pub fn values(&self) -> &[u32] {
        &self.values[..self.op.operands().len()]
    }

    /// The operands with their kinds and positions, in encoding order.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = Field> + '_ {
        let mut at = self.offset + 1;
        self.op
            .operands()
            .iter()
            .zip(self.values())
            .map(move |(&kind, &value)| {
                let field = Field { kind, at, value };
                at += kind.width();
                field
            })
    }

    /// The value of the first operand of a kind, if the instruction has one.
    pub fn value_of(&self, kind: Operand) -> Option<u32> {
        self.fields()
            .find(|field| field.kind == kind)
            .map(|field| field.value)
    }

    /// Where the jump operand leads, if the instruction has one.
    pub fn target(&self) -> Option<Target> {
        let end = self.end();
        self.fields().find_map(|field| match field.kind {
            Operand::JumpForward => Some(Target::Offset(end.saturating_add(field.value as usize))),
            Operand::JumpBack => Some(match end.checked_sub(field.value as usize) {
                Some(target) => Target::Offset(target),
                None => Target::BeforeStart,
            }),
            _ => None,
        })
    }
}

/// Why the bytes at an offset are not an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The offset is at or past the end of the code.
    PastEnd { offset: usize },
    /// The byte is no opcode.
    UnknownOpcode { offset: usize, byte: u8 },
    /// The end of the code cuts the instruction's operands off.
    CutOff { offset: usize, op: Op },
}

impl Error {
    /// Where the instruction was to start.
    pub fn offset(&self) -> usize {
        match *self {
            Error::PastEnd { offset }
            | Error::UnknownOpcode { offset, .. }
            | Error::CutOff { offset, .. } => offset,
        }
    }
}

impl fmt::Display for Error {
    /// The problem, without the offset: the callers say where in their own words.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::PastEnd { .. } => write!(f, "the code ends before the instruction"),
            Error::UnknownOpcode { byte, .. } => write!(f, "unknown opcode {byte}"),
            Error::CutOff { op, .. } => {
                write!(f, "{} is cut off by the end of the code", op.name())
            }
        }
    }
}

/// Decodes the instruction at `offset`.
pub fn at(code: &[u8], offset: usize) -> Result<Instruction, Error> {
    let byte = *code.get(offset).ok_or(Error::PastEnd { offset })?;
    let op = Op::from_byte(byte).ok_or(Error::UnknownOpcode { offset, byte })?;
    let Some(bytes) = code.get(offset + 1..offset + op.size()) else {
        return Err(Error::CutOff { offset, op });
    };
    let mut values = [0; MAX_OPERANDS];
    let mut position = 0;
    for (value, kind) in values.iter_mut().zip(op.operands()) {
        // Each width is its own arm, so that every read is a fixed-size load.
        *value = match kind.width() {
            1 => u32::from(bytes[position]),
            3 => u32::from_le_bytes([bytes[position], bytes[position + 1], bytes[position + 2], 0]),
            4 => u32::from_le_bytes([
                bytes[position],
                bytes[position + 1],
                bytes[position + 2],
                bytes[position + 3],
            ]),
            width => bytes[position..position + width]
                .iter()
                .rev()
                .fold(0, |value, &byte| value << 8 | u32::from(byte)),
        };
        position += kind.width();
    }
    Ok(Instruction { offset, op, values })
}

/// Walks a function's code from its start, one instruction after another.
pub fn instructions(code: &[u8]) -> Instructions<'_> {
    Instructions { code, offset: 0 }
}

/// The iterator of `instructions`. After an unknown opcode it goes on at the next byte
/// (the disassembler shows what follows); a cut-off instruction ends the walk.
pub struct Instructions<'c> {
    code: &'c [u8],
    offset: usize,
}

impl Iterator for Instructions<'_> {
    type Item = Result<Instruction, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.offset >= self.code.len() {
            return None;
        }
        let decoded = at(self.code, self.offset);
        self.offset = match &decoded {
            Ok(instruction) => instruction.end(),
            Err(Error::UnknownOpcode { .. }) => self.offset + 1,
            Err(Error::PastEnd { .. } | Error::CutOff { .. }) => self.code.len(),
        };
        Some(decoded)
    }
}

impl FusedIterator for Instructions<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_operands_in_order_with_their_positions() {
        let code = [
            Op::GetLocalProperty as u8,
            3,
            0x56,
            0x34,
            0x12,
            Op::Return as u8,
        ];
        let all: Vec<Instruction> = instructions(&code).map(Result::unwrap).collect();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].op, Op::GetLocalProperty);
        assert_eq!(all[0].values(), [3, 0x12_3456]);
        let fields: Vec<(Operand, usize)> = all[0].fields().map(|f| (f.kind, f.at)).collect();
        assert_eq!(fields, [(Operand::Local, 1), (Operand::Name, 2)]);
        assert_eq!(
            (all[1].offset, all[1].op, all[1].values()),
            (5, Op::Return, &[][..])
        );
    }

    #[test]
    fn jump_targets_count_from_the_end() {
        let mut code = vec![Op::Nil as u8, Op::Loop as u8];
        code.extend_from_slice(&6u32.to_le_bytes());
        code.push(Op::Jump as u8);
        code.extend_from_slice(&u32::MAX.to_le_bytes());
        let loop_ = at(&code, 1).unwrap();
        assert_eq!(loop_.target(), Some(Target::Offset(0)));
        let mut too_far = code.clone();
        too_far[2] = 7;
        assert_eq!(at(&too_far, 1).unwrap().target(), Some(Target::BeforeStart));
        let jump = at(&code, 6).unwrap();
        assert_eq!(jump.target(), Some(Target::Offset(11 + u32::MAX as usize)));
        assert_eq!(at(&code, 0).unwrap().target(), None);
    }

    #[test]
    fn reports_unknown_opcodes_and_goes_on() {
        let code = [255, Op::Nil as u8];
        let all: Vec<_> = instructions(&code).collect();
        assert_eq!(
            all[0],
            Err(Error::UnknownOpcode {
                offset: 0,
                byte: 255
            })
        );
        assert_eq!(all[1].map(|i| i.op), Ok(Op::Nil));
        assert_eq!(all.len(), 2);
    }

    #[test]
    fn reports_cut_off_instructions_and_stops() {
        let code = [Op::Nil as u8, Op::Constant as u8, 0, 0];
        let all: Vec<_> = instructions(&code).collect();
        assert_eq!(
            all[1],
            Err(Error::CutOff {
                offset: 1,
                op: Op::Constant
            })
        );
        assert_eq!(all.len(), 2);
        assert_eq!(
            all[1].unwrap_err().to_string(),
            "CONSTANT is cut off by the end of the code"
        );
        assert_eq!(at(&code, 4), Err(Error::PastEnd { offset: 4 }));
    }
}

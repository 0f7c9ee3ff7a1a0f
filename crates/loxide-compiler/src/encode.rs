//! Encoding: IR to bytecode. Resolves labels to byte offsets, writes each instruction's
//! opcode and operands by operand kind, and builds the run-length line table and the
//! span table (spans only of the instructions that can fail). It cannot
//! fail: the IR stage already checked every limit the encoding has (a jump that goes
//! against its opcode's direction is a compiler bug, and it panics). The trade-off: it
//! knows no opcode by name (an IR instruction gives its opcode and operands, both
//! generated from the one opcode list), so a new opcode needs nothing here.

use loxide_syntax::memory::{self, Grow};

use crate::ir::{self, Instr};
use loxide_bytecode::{Constant, Function, LineRun, Module, Operand, spans};

/// Encodes a whole IR module, in a language's dialect. `max_stack` is left at 0 for the
/// verifier to compute.
pub fn encode(module: &ir::Module, dialect: loxide_bytecode::Dialect) -> Module {
    Module {
        functions: memory::collected(module.functions.iter().map(function)),
        globals: memory::collected(module.globals.iter().map(|name| memory::string(name))),
        dialect,
    }
}

/// Encodes one whole IR function.
pub fn function(f: &ir::Function) -> Function {
    let mut appender = Appender::default();
    appender.append(&f.code, &f.locs, 0, f.n_labels);
    appender.finish(f)
}

/// Encodes a function's code a piece at a time: each piece is a run of instructions
/// whose jumps land inside it, with labels numbered from its own first one (how a
/// compiler that works a statement at a time hands over the top-level code).
#[derive(Default)]
pub struct Appender {
    code: Vec<u8>,
    lines: Vec<LineRun>,
    spans: spans::Builder,
    /// Each label's offset, for the piece being appended.
    labels: Vec<u32>,
}

impl Appender {
    /// Appends a piece: `code` with its `locs`, whose labels are `first_label` up to
    /// `first_label + n_labels`.
    pub fn append(&mut self, code: &[Instr], locs: &[ir::Loc], first_label: u32, n_labels: u32) {
        // Pass 1: the offset of every label.
        self.labels.clear();
        self.labels.resize_or_oom(n_labels as usize, 0);
        let mut offset = self.code.len() as u32;
        for instr in code {
            match (instr, instr.op()) {
                (Instr::Label(l), _) => self.labels[(*l - first_label) as usize] = offset,
                (_, Some(op)) => offset += op.size() as u32,
                (_, None) => {}
            }
        }
        // Pass 2: the bytes.
        self.code.reserve_or_oom(offset as usize - self.code.len());
        for (instr, &ir::Loc { line, span }) in code.iter().zip(locs) {
            let Some((op, operands)) = instr.encoding() else {
                continue;
            };
            let at = self.code.len() as u32;
            if self.lines.last().is_none_or(|run| run.line != line) {
                self.lines.push_or_oom(LineRun { offset: at, line });
            }
            if op.may_fail() && self.spans.push(at, span).is_err() {
                memory::out_of_memory();
            }
            let end = at + op.size() as u32;
            self.code.push_or_oom(op as u8);
            for (&kind, &value) in op.operands().iter().zip(operands.iter()) {
                // A jump's direction is its opcode's: lowering emits `Loop` for the back
                // edges and the forward jumps for everything else, which this checks.
                let encoded = match kind {
                    Operand::JumpForward => {
                        let target = self.labels[(value - first_label) as usize];
                        assert!(target >= end, "{op:?} to L{value} jumps backward");
                        target - end
                    }
                    Operand::JumpBack => {
                        let target = self.labels[(value - first_label) as usize];
                        assert!(target <= end, "{op:?} to L{value} jumps forward");
                        end - target
                    }
                    Operand::Local
                    | Operand::Upvalue
                    | Operand::Argc
                    | Operand::Const
                    | Operand::Name
                    | Operand::Func
                    | Operand::Global => value,
                };
                let width = kind.width();
                debug_assert!(
                    width == 4 || encoded >> (8 * width) == 0,
                    "{op:?}: {encoded} does not fit {width} bytes"
                );
                self.code
                    .extend_or_oom(encoded.to_le_bytes()[..width].iter().copied());
            }
        }
    }

    /// The encoded function: the code appended, with `f`'s name, arity, upvalues and
    /// constants (its code is not read).
    pub fn finish(self, f: &ir::Function) -> Function {
        let constants = memory::collected(f.constants.iter().map(|c| match c {
            ir::Const::Number(n) => Constant::Number(*n),
            ir::Const::Str(s) => Constant::Str(memory::string(s)),
            ir::Const::Function(i) => Constant::Function(*i),
        }));
        Function {
            name: memory::string(&f.name),
            arity: f.arity,
            upvalues: f.upvalues.clone(),
            code: self.code,
            constants,
            lines: self.lines,
            spans: self.spans.finish(),
            max_stack: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use loxide_bytecode::decode::{self, Target};
    use loxide_bytecode::{Op, UpvalueDesc};

    /// An operand value for each kind: 1, except that jumps backward go to label 0 (the
    /// start of the code) and jumps forward to label 1 (its end).
    macro_rules! sample {
        (JumpBack) => {
            0
        };
        ($kind:ident) => {
            1
        };
    }

    /// Defines `every_instr`: every instruction of the opcode list, with sample operands.
    macro_rules! define_every_instr {
        ($( $(#[doc = $doc:literal])* $name:ident = $text:literal $( ( $($field:ident : $operand:ident),+ ) )? pops $pops:ident($n:literal) pushes $push:literal flow $flow:ident; )*) => {
            fn every_instr() -> Vec<Instr> {
                vec![ $( Instr::$name $( ( $( sample!($operand) ),+ ) )? ),* ]
            }
        };
    }

    loxide_bytecode::for_each_opcode!(define_every_instr);

    #[test]
    fn every_instruction_encodes_to_its_opcode_and_operands() {
        let every = every_instr();
        assert_eq!(every.len(), Op::ALL.len());
        let mut code = vec![Instr::Label(0)];
        code.extend(&every);
        code.push(Instr::Label(1));
        let f = ir::Function {
            name: "f".into(),
            arity: 0,
            upvalues: vec![UpvalueDesc {
                is_local: true,
                index: 1,
            }],
            locs: (0..code.len() as u32)
                .map(|i| ir::Loc {
                    line: 1,
                    span: loxide_bytecode::Span::new(i, i + 1),
                })
                .collect(),
            code,
            constants: Vec::new(),
            n_labels: 2,
        };
        let encoded = function(&f);
        let decoded: Vec<decode::Instruction> = decode::instructions(&encoded.code)
            .map(|i| i.expect("the encoder writes whole instructions"))
            .collect();
        let ops: Vec<Op> = decoded.iter().map(|i| i.op).collect();
        assert_eq!(ops, Op::ALL);
        // Instruction k came from the span k+1..k+2 (the label before it is 0): the
        // span table has it for each one that can fail.
        for (k, instruction) in decoded.iter().enumerate() {
            if instruction.op.may_fail() {
                let span = loxide_bytecode::Span::new(k as u32 + 1, k as u32 + 2);
                let at = instruction.offset as u32;
                assert_eq!(
                    encoded.spans.span_at(at),
                    Some(span),
                    "{:?}",
                    instruction.op
                );
            }
        }
        let recorded = encoded.spans.iter().count();
        assert_eq!(recorded, Op::ALL.iter().filter(|op| op.may_fail()).count());
        for instruction in decoded {
            for field in instruction.fields().filter(|field| !field.kind.is_jump()) {
                assert_eq!(field.value, 1, "{:?}", instruction.op);
            }
            let expected = match instruction.op.operands().iter().find(|k| k.is_jump()) {
                Some(Operand::JumpBack) => Some(Target::Offset(0)),
                Some(_) => Some(Target::Offset(encoded.code.len())),
                None => None,
            };
            assert_eq!(instruction.target(), expected, "{:?}", instruction.op);
        }
    }
}

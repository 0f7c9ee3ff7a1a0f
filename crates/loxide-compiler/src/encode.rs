//! Encoding: IR to bytecode. Picks each instruction's encoding, resolves labels to byte
//! offsets and builds the run-length line table. It cannot fail: the IR stage already
//! checked every limit the encoding has.

use crate::ir::{self, Instr};
use loxide_bytecode::{Constant, Function, LineRun, Module, Op};

/// Encodes a whole IR module, in a language's dialect. `max_stack` is left at 0 for the
/// verifier to compute.
pub fn encode(module: &ir::Module, dialect: loxide_bytecode::Dialect) -> Module {
    Module {
        functions: module.functions.iter().map(function).collect(),
        globals: module.globals.clone(),
        dialect,
    }
}

fn op_of(instr: &Instr) -> Option<Op> {
    use Instr as I;
    Some(match instr {
        I::Constant(_) => Op::Constant,
        I::Nil => Op::Nil,
        I::True => Op::True,
        I::False => Op::False,
        I::Pop => Op::Pop,
        I::GetLocal(_) => Op::GetLocal,
        I::SetLocal(_) => Op::SetLocal,
        I::GetGlobal(_) => Op::GetGlobal,
        I::DefineGlobal(_) => Op::DefineGlobal,
        I::SetGlobal(_) => Op::SetGlobal,
        I::GetUpvalue(_) => Op::GetUpvalue,
        I::SetUpvalue(_) => Op::SetUpvalue,
        I::GetProperty(_) => Op::GetProperty,
        I::SetProperty(_) => Op::SetProperty,
        I::GetSuper(_) => Op::GetSuper,
        I::Equal => Op::Equal,
        I::Greater => Op::Greater,
        I::Less => Op::Less,
        I::Add => Op::Add,
        I::Subtract => Op::Subtract,
        I::Multiply => Op::Multiply,
        I::Divide => Op::Divide,
        I::Not => Op::Not,
        I::Negate => Op::Negate,
        I::Print => Op::Print,
        // Direction is settled once labels have offsets; both have the same size.
        I::Jump(_) => Op::Jump,
        I::JumpIfFalse(_) => Op::JumpIfFalse,
        I::Label(_) => return None,
        I::Call(_) => Op::Call,
        I::Invoke(..) => Op::Invoke,
        I::SuperInvoke(..) => Op::SuperInvoke,
        I::Closure(_) => Op::Closure,
        I::CloseUpvalue => Op::CloseUpvalue,
        I::Return => Op::Return,
        I::Class(_) => Op::Class,
        I::Inherit => Op::Inherit,
        I::Method(_) => Op::Method,
        I::JumpIfFalsePop(_) => Op::JumpIfFalsePop,
        I::JumpUnlessLess(_) => Op::JumpUnlessLess,
        I::JumpUnlessGreater(_) => Op::JumpUnlessGreater,
        I::JumpUnlessEqual(_) => Op::JumpUnlessEqual,
        I::JumpIfLess(_) => Op::JumpIfLess,
        I::JumpIfGreater(_) => Op::JumpIfGreater,
        I::JumpIfEqual(_) => Op::JumpIfEqual,
        I::SetLocalPop(_) => Op::SetLocalPop,
        I::SetGlobalPop(_) => Op::SetGlobalPop,
        I::SetPropertyPop(_) => Op::SetPropertyPop,
        I::AddConstant(_) => Op::AddConstant,
        I::SubtractConstant(_) => Op::SubtractConstant,
        I::GetLocalProperty(..) => Op::GetLocalProperty,
        I::GetLocal2(..) => Op::GetLocal2,
        I::ReturnNil => Op::ReturnNil,
        I::JumpUnlessLessConstant(..) => Op::JumpUnlessLessConstant,
        I::JumpUnlessGreaterConstant(..) => Op::JumpUnlessGreaterConstant,
        I::JumpUnlessEqualConstant(..) => Op::JumpUnlessEqualConstant,
        I::AddLocalConstant(..) => Op::AddLocalConstant,
        I::SubtractLocalConstant(..) => Op::SubtractLocalConstant,
        I::ReturnLocal(_) => Op::ReturnLocal,
    })
}

fn function(f: &ir::Function) -> Function {
    // Pass 1: the offset of every label.
    let mut labels = vec![0u32; f.n_labels as usize];
    let mut offset = 0u32;
    for instr in &f.code {
        match op_of(instr) {
            Some(op) => offset += op.size() as u32,
            None => {
                if let Instr::Label(l) = instr {
                    labels[*l as usize] = offset;
                }
            }
        }
    }
    // Pass 2: the bytes.
    let mut code = Vec::with_capacity(offset as usize);
    let mut lines: Vec<LineRun> = Vec::new();
    for (instr, &line) in f.code.iter().zip(&f.lines) {
        let Some(mut op) = op_of(instr) else { continue };
        let at = code.len() as u32;
        if lines.last().is_none_or(|run| run.line != line) {
            lines.push(LineRun { offset: at, line });
        }
        let end = at + op.size() as u32;
        let jump = |label: &u32| -> (bool, u32) {
            let target = labels[*label as usize];
            if target >= end {
                (true, target - end)
            } else {
                (false, end - target)
            }
        };
        let operands: Vec<u32> = match instr {
            Instr::Constant(k)
            | Instr::GetProperty(k)
            | Instr::SetProperty(k)
            | Instr::GetSuper(k)
            | Instr::Closure(k)
            | Instr::Class(k)
            | Instr::Method(k)
            | Instr::SetPropertyPop(k)
            | Instr::AddConstant(k)
            | Instr::SubtractConstant(k) => vec![*k],
            Instr::GetLocal(s)
            | Instr::SetLocal(s)
            | Instr::SetLocalPop(s)
            | Instr::GetUpvalue(s)
            | Instr::SetUpvalue(s) => {
                vec![*s as u32]
            }
            Instr::Call(n) => vec![*n as u32],
            Instr::GetLocalProperty(s, k) => vec![*s as u32, *k],
            Instr::GetLocal2(a, b) => vec![*a as u32, *b as u32],
            Instr::AddLocalConstant(s, k) | Instr::SubtractLocalConstant(s, k) => {
                vec![*s as u32, *k]
            }
            Instr::ReturnLocal(s) => vec![*s as u32],
            Instr::JumpUnlessLessConstant(k, l)
            | Instr::JumpUnlessGreaterConstant(k, l)
            | Instr::JumpUnlessEqualConstant(k, l) => {
                let (forward, distance) = jump(l);
                debug_assert!(forward, "conditional jumps only go forward");
                vec![*k, distance]
            }
            Instr::GetGlobal(g)
            | Instr::DefineGlobal(g)
            | Instr::SetGlobal(g)
            | Instr::SetGlobalPop(g) => vec![*g],
            Instr::Invoke(k, n) | Instr::SuperInvoke(k, n) => vec![*k, *n as u32],
            Instr::Jump(l) => {
                let (forward, distance) = jump(l);
                if !forward {
                    op = Op::Loop;
                }
                vec![distance]
            }
            Instr::JumpIfFalse(l)
            | Instr::JumpIfFalsePop(l)
            | Instr::JumpUnlessLess(l)
            | Instr::JumpUnlessGreater(l)
            | Instr::JumpUnlessEqual(l)
            | Instr::JumpIfLess(l)
            | Instr::JumpIfGreater(l)
            | Instr::JumpIfEqual(l) => {
                let (forward, distance) = jump(l);
                debug_assert!(forward, "conditional jumps only go forward");
                vec![distance]
            }
            _ => Vec::new(),
        };
        code.push(op as u8);
        for (value, kind) in operands.iter().zip(op.operands()) {
            code.extend_from_slice(&value.to_le_bytes()[..kind.width()]);
        }
    }
    let constants = f
        .constants
        .iter()
        .map(|c| match c {
            ir::Const::Number(n) => Constant::Number(*n),
            ir::Const::Str(s) => Constant::Str(s.clone()),
            ir::Const::Function(i) => Constant::Function(*i),
        })
        .collect();
    Function {
        name: f.name.clone(),
        arity: f.arity,
        upvalues: f.upvalues.clone(),
        code,
        constants,
        lines,
        max_stack: 0,
    }
}

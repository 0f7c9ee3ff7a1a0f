//! The verifier: the only way bytecode reaches the VM.
//!
//! It checks everything the interpreter relies on without checking it again: known
//! opcodes, operands in range and of the right kind, jumps onto instruction boundaries
//! inside the function, a stack depth that is the same on every path to an instruction,
//! never underflows and never exceeds the recorded maximum, no fall-through off the end,
//! a line for every instruction, closures that capture slots that exist, and function
//! constants that form a tree rooted at the script. It computes `max_stack` for fresh
//! modules. It is linear in the size of the module and allocates nothing sized by an
//! unchecked length.

use std::fmt;

use super::{Constant, Function, Module, Op, Operand, Pops, read_operand};

/// How deeply function constants may nest (functions inside functions).
pub const MAX_FUNCTION_NESTING: usize = 1024;

/// A module the verifier accepted. Only `verify` builds one.
#[derive(Debug)]
pub struct Verified(Module);

impl Verified {
    pub fn module(&self) -> &Module {
        &self.0
    }
}

/// Why a module was rejected.
#[derive(Debug, PartialEq)]
pub struct Error {
    pub function: Option<(usize, String)>,
    pub offset: Option<usize>,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Invalid bytecode")?;
        if let Some((index, name)) = &self.function {
            let name = if *index == 0 {
                "<script>"
            } else {
                name.as_str()
            };
            write!(f, " in function #{index} '{name}'")?;
        }
        if let Some(offset) = self.offset {
            write!(f, " at offset {offset}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// How `max_stack` is treated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum MaxStack {
    /// Fill it in (freshly compiled code).
    Compute,
    /// Check the recorded value bounds the real one (loaded code).
    Check,
}

/// Verifies a module.
pub fn verify(mut module: Module, max_stack: MaxStack) -> Result<Verified, Error> {
    let parents = check_function_tree(&module)?;
    let n_functions = module.functions.len();
    for index in 0..n_functions {
        let depth = analyse(&module, index, &parents)?;
        let f = &mut module.functions[index];
        match max_stack {
            MaxStack::Compute => f.max_stack = depth,
            MaxStack::Check if depth > f.max_stack => {
                return Err(Error {
                    function: Some((index, f.name.clone())),
                    offset: None,
                    message: format!(
                        "stack reaches {depth} values but the recorded maximum is {}",
                        f.max_stack
                    ),
                });
            }
            MaxStack::Check => {}
        }
    }
    Ok(Verified(module))
}

/// Checks that every function but the script is the constant of exactly one other, and
/// that nesting is acyclic and bounded. Returns each function's parent.
fn check_function_tree(module: &Module) -> Result<Vec<Option<usize>>, Error> {
    let n = module.functions.len();
    if n == 0 {
        return Err(Error {
            function: None,
            offset: None,
            message: "the module has no functions".into(),
        });
    }
    let mut parent: Vec<Option<usize>> = vec![None; n];
    for (i, f) in module.functions.iter().enumerate() {
        for c in &f.constants {
            if let Constant::Function(child) = c {
                let child = *child as usize;
                let err = |message: String| Error {
                    function: Some((i, f.name.clone())),
                    offset: None,
                    message,
                };
                if child >= n {
                    return Err(err(format!(
                        "constant refers to function #{child}, which does not exist"
                    )));
                }
                if child == 0 {
                    return Err(err("constant refers to the script function".into()));
                }
                if parent[child].is_some() {
                    return Err(err(format!(
                        "function #{child} is the constant of more than one function"
                    )));
                }
                parent[child] = Some(i);
            }
        }
    }
    for (i, f) in module.functions.iter().enumerate().skip(1) {
        // Walk up to the script; a cycle or an orphan never gets there.
        let mut at = i;
        let mut depth = 0;
        while at != 0 {
            depth += 1;
            if depth > MAX_FUNCTION_NESTING {
                return Err(Error {
                    function: Some((i, f.name.clone())),
                    offset: None,
                    message: "functions nest too deeply (or in a cycle)".into(),
                });
            }
            match parent[at] {
                Some(p) => at = p,
                None => {
                    return Err(Error {
                        function: Some((i, f.name.clone())),
                        offset: None,
                        message: "function is not reachable from the script".into(),
                    });
                }
            }
        }
    }
    if !module.functions[0].upvalues.is_empty() || module.functions[0].arity != 0 {
        return Err(Error {
            function: Some((0, String::new())),
            offset: None,
            message: "the script takes no arguments and captures nothing".into(),
        });
    }
    Ok(parent)
}

/// Decodes one function, checks it, and returns its maximum stack depth.
fn analyse(module: &Module, index: usize, parents: &[Option<usize>]) -> Result<u32, Error> {
    let f = &module.functions[index];
    let err = |offset: Option<usize>, message: String| Error {
        function: Some((index, f.name.clone())),
        offset,
        message,
    };
    let code = &f.code;
    if code.is_empty() {
        return Err(err(None, "the function has no code".into()));
    }
    if let Some(parent) = parents[index] {
        let p = &module.functions[parent];
        for u in &f.upvalues {
            if !u.is_local && u.index as usize >= p.upvalues.len() {
                return Err(err(
                    None,
                    format!(
                        "captures upvalue {} of a function that has {}",
                        u.index,
                        p.upvalues.len()
                    ),
                ));
            }
        }
    }
    check_lines(f).map_err(|m| err(None, m))?;

    // Pass 1: instruction boundaries and static operand checks.
    let mut is_start = vec![false; code.len()];
    let mut offset = 0;
    while offset < code.len() {
        is_start[offset] = true;
        let op = Op::from_byte(code[offset])
            .ok_or_else(|| err(Some(offset), format!("unknown opcode {}", code[offset])))?;
        let size = op.size();
        if offset + size > code.len() {
            return Err(err(
                Some(offset),
                format!("{} is cut off by the end of the code", op.name()),
            ));
        }
        let mut at = offset + 1;
        for kind in op.operands() {
            let value = read_operand(code, at, kind.width()) as usize;
            at += kind.width();
            check_operand(module, f, op, *kind, value).map_err(|m| err(Some(offset), m))?;
        }
        offset += size;
    }

    // Pass 2: stack depths along every path.
    let unknown = u32::MAX;
    let mut depth_at = vec![unknown; code.len()];
    let mut work = vec![(0usize, f.arity as u32 + 1)];
    let mut max = f.arity as u32 + 1;
    while let Some((offset, depth)) = work.pop() {
        if offset >= code.len() {
            return Err(err(
                Some(offset),
                "control runs off the end of the function".into(),
            ));
        }
        if !is_start[offset] {
            return Err(err(
                Some(offset),
                "a jump lands inside an instruction".into(),
            ));
        }
        if depth_at[offset] != unknown {
            if depth_at[offset] != depth {
                return Err(err(
                    Some(offset),
                    format!(
                        "the stack holds {} values on one path and {depth} on another",
                        depth_at[offset]
                    ),
                ));
            }
            continue;
        }
        depth_at[offset] = depth;
        let op = Op::from_byte(code[offset]).expect("decoded in pass 1");
        let size = op.size();
        let first = if op.operands().is_empty() {
            0
        } else {
            read_operand(code, offset + 1, op.operands()[0].width())
        };
        let pops = match op.pops() {
            Pops::Fixed(n) => n as u32,
            Pops::ArgcPlus(n) => {
                let argc = read_operand(code, offset + size - 1, 1);
                argc + n as u32
            }
        };
        if depth < pops {
            return Err(err(
                Some(offset),
                format!(
                    "{} needs {pops} values but the stack holds {depth}",
                    op.name()
                ),
            ));
        }
        match op {
            _ if op.operands().first() == Some(&Operand::Local) && first >= depth => {
                return Err(err(
                    Some(offset),
                    format!("slot {first} is above the stack top ({depth})"),
                ));
            }
            Op::Closure => {
                // The new closure is pushed before it captures, so it may capture the
                // slot it lands in (a local function that calls itself).
                if let Some(Constant::Function(child)) = f.constants.get(first as usize) {
                    for u in &module.functions[*child as usize].upvalues {
                        if u.is_local && u.index as u32 > depth {
                            return Err(err(
                                Some(offset),
                                format!("captures slot {} above the stack top ({depth})", u.index),
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
        let after = depth - pops + op.pushes() as u32;
        max = max.max(after);
        let end = offset + size;
        match op {
            Op::Return => {}
            Op::Jump => work.push((end + first as usize, after)),
            Op::Loop => match end.checked_sub(first as usize) {
                Some(target) => work.push((target, after)),
                None => {
                    return Err(err(
                        Some(offset),
                        "a backward jump leaves the function".into(),
                    ));
                }
            },
            Op::JumpIfFalse => {
                work.push((end + first as usize, after));
                work.push((end, after));
            }
            _ => work.push((end, after)),
        }
    }
    Ok(max)
}

fn check_operand(
    module: &Module,
    f: &Function,
    op: Op,
    kind: Operand,
    value: usize,
) -> Result<(), String> {
    let constant = || {
        f.constants.get(value).ok_or_else(|| {
            format!(
                "constant {value} does not exist ({} in the pool)",
                f.constants.len()
            )
        })
    };
    match kind {
        Operand::Upvalue if value >= f.upvalues.len() => Err(format!(
            "upvalue {value} does not exist ({} captured)",
            f.upvalues.len()
        )),
        Operand::Const => constant().map(|_| ()),
        Operand::Name => match constant()? {
            Constant::Str(_) => Ok(()),
            _ => Err(format!(
                "{} needs a name but constant {value} is not a string",
                op.name()
            )),
        },
        Operand::Func => match constant()? {
            Constant::Function(_) => Ok(()),
            _ => Err(format!(
                "{} needs a function but constant {value} is not one",
                op.name()
            )),
        },
        Operand::Global if value >= module.globals.len() => Err(format!(
            "global {value} does not exist ({} declared)",
            module.globals.len()
        )),
        _ => Ok(()),
    }
}

fn check_lines(f: &Function) -> Result<(), String> {
    match f.lines.first() {
        Some(first) if first.offset == 0 => {}
        _ => return Err("the line table does not start at offset 0".into()),
    }
    for pair in f.lines.windows(2) {
        if pair[1].offset <= pair[0].offset {
            return Err("the line table is not in increasing order".into());
        }
    }
    if f.lines
        .last()
        .is_some_and(|run| run.offset as usize >= f.code.len())
    {
        return Err("the line table runs past the end of the code".into());
    }
    Ok(())
}

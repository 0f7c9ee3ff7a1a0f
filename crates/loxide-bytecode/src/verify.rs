//! The verifier: the only way bytecode reaches the VM.
//!
//! It checks everything the interpreter relies on without checking it again: known
//! opcodes, operands in range and of the right kind, jumps onto instruction boundaries
//! inside the function, a stack depth that is the same on every path to an instruction,
//! never underflows and never exceeds the recorded maximum, a RETURN at the end and no
//! fall-through off it, a line for every instruction, closures that capture slots that
//! exist, captured slots that leave the stack only by being closed, distinct global
//! names, and function constants that form a tree rooted at the script. It computes
//! `max_stack` for fresh modules. The trade-off: it is linear in the size of the module
//! (the captured-slot sets may need a few passes around loops, and only in functions
//! that capture locals) and allocates nothing sized by an unchecked length. It keeps
//! two bits per code byte (instruction starts and jump targets) and a stack depth and
//! capture set per jump target only: paths can meet nowhere else.

use std::collections::HashMap;
use std::fmt;

use super::decode::{self, Instruction, Target};
use super::{Constant, Flow, Function, Module, Op, Operand, Pops};

mod linear;

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

/// The message of `Error::out_of_memory`.
const OUT_OF_MEMORY: &str = "out of memory for the verifier's tables";

impl Error {
    /// Whether the module was refused only because its tables did not fit in memory.
    pub fn is_out_of_memory(&self) -> bool {
        self.message == OUT_OF_MEMORY
    }

    /// The verifier's own tables (one entry per global, per function, per jump target)
    /// are sized by the module, which may come from a file: they are reserved fallibly,
    /// and a module too large for the memory left is this error.
    #[cold]
    fn out_of_memory() -> Error {
        Error {
            function: None,
            offset: None,
            message: OUT_OF_MEMORY.into(),
        }
    }
}

/// `n` copies of `value`, in memory reserved fallibly (`Error::out_of_memory`).
fn filled<T: Clone>(n: usize, value: T) -> Result<Vec<T>, Error> {
    let mut items = Vec::new();
    items
        .try_reserve_exact(n)
        .map_err(|_| Error::out_of_memory())?;
    items.resize(n, value);
    Ok(items)
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

/// For each function of a module, whether the verifier's fast path vouches for it by
/// itself (see `linear`), for tests that check compiled code takes it. A function
/// whose closures capture its locals leaves the decision to the general walk.
#[doc(hidden)]
pub fn fast_path_verdicts(module: &Module) -> Vec<bool> {
    module
        .functions
        .iter()
        .map(|f| {
            !f.code.is_empty() && check_lines(f).is_ok() && linear::analyse(module, f).is_some()
        })
        .collect()
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
    let mut seen = HashMap::new();
    seen.try_reserve(module.globals.len())
        .map_err(|_| Error::out_of_memory())?;
    for (i, name) in module.globals.iter().enumerate() {
        // The VM maps names to slots, so a second entry would alias the first.
        if let Some(first) = seen.insert(name.as_str(), i) {
            return Err(Error {
                function: None,
                offset: None,
                message: format!("global '{name}' is declared twice (#{first} and #{i})"),
            });
        }
    }
    let mut parent: Vec<Option<usize>> = filled(n, None)?;
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
    // Each function's nesting depth, memoised so that the walk is linear in the number
    // of functions however they nest.
    let unknown = usize::MAX;
    let mut depth = filled(n, unknown)?;
    depth[0] = 0;
    let mut path = Vec::new();
    for (i, f) in module.functions.iter().enumerate().skip(1) {
        let too_deep = || Error {
            function: Some((i, f.name.clone())),
            offset: None,
            message: format!(
                "functions nest more than {MAX_FUNCTION_NESTING} deep (or in a cycle)"
            ),
        };
        // Walk up to a function of known depth; a cycle or an orphan never gets there.
        let mut at = i;
        while depth[at] == unknown {
            path.push(at);
            if path.len() > MAX_FUNCTION_NESTING {
                return Err(too_deep());
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
        let mut d = depth[at];
        while let Some(below) = path.pop() {
            d += 1;
            if d > MAX_FUNCTION_NESTING {
                return Err(too_deep());
            }
            depth[below] = d;
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

/// An error in function `f`, the module's function number `index`.
fn error_in(f: &Function, index: usize, offset: Option<usize>, message: String) -> Error {
    Error {
        function: Some((index, f.name.clone())),
        offset,
        message,
    }
}

/// Decodes one function, checks it, and returns its maximum stack depth.
fn analyse(module: &Module, index: usize, parents: &[Option<usize>]) -> Result<u32, Error> {
    let f = &module.functions[index];
    let err = |offset, message| error_in(f, index, offset, message);
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
    // Compiled code almost always passes the fast path; the general walk decides the
    // rest, and in debug builds checks every answer of the fast path.
    let fast = linear::analyse(module, f);
    if let Some(max) = fast
        && !cfg!(debug_assertions)
    {
        return Ok(max);
    }
    let general = walk(module, index);
    debug_assert!(
        fast.is_none() || general == Ok(fast.unwrap_or(0)),
        "the fast path accepted function #{index} with {fast:?}; the general walk says {general:?}"
    );
    general
}

/// The general walk: every path through a function from its entry, with a work list,
/// the stack depth and the captured slots at each jump target.
fn walk(module: &Module, index: usize) -> Result<u32, Error> {
    let f = &module.functions[index];
    let err = |offset, message| error_in(f, index, offset, message);
    let code = &f.code;

    // Pass 1: instruction boundaries and static operand checks, and whether some
    // closure captures a local.
    let decode_error = |e: decode::Error| err(Some(e.offset()), e.to_string());
    let mut is_start = BitSet::new(code.len())?;
    // Where paths can meet: the entry and every jump target. Only there can control
    // arrive a second time, so only there does the walk keep what it found.
    let mut is_target = BitSet::new(code.len())?;
    is_target.insert(0);
    let mut last = None;
    let mut tracks = false;
    for instruction in decode::instructions(code) {
        let instruction = instruction.map_err(decode_error)?;
        is_start.insert(instruction.offset);
        if let Some(Target::Offset(target)) = instruction.target()
            && target < code.len()
        {
            is_target.insert(target);
        }
        for field in instruction.fields() {
            check_operand(module, f, instruction.op, field.kind, field.value as usize)
                .map_err(|m| err(Some(instruction.offset), m))?;
        }
        tracks = tracks || captures_a_local(module, f, &instruction);
        last = Some(instruction);
    }
    // The last instruction must not fall through: a return, or a jump (the optimizer
    // drops a `nil; return` that an endless loop makes unreachable).
    if let Some(last) = last.filter(|last| !last.op.is_terminator()) {
        return Err(err(
            Some(last.offset),
            format!(
                "the function ends with {}, which falls off its end",
                last.op.name()
            ),
        ));
    }
    if let Some(run) = f
        .lines
        .iter()
        .find(|run| !is_start.contains(run.offset as usize))
    {
        return Err(err(
            Some(run.offset as usize),
            format!(
                "the line run for line {} starts inside an instruction",
                run.line
            ),
        ));
    }

    // Pass 2: stack depths along every path, and which slots closures have captured.
    // An open upvalue points into the stack, so a captured slot must leave the stack
    // through CLOSE_UPVALUE or RETURN, which close it; popped any other way, the upvalue
    // would go on reading whatever the slot holds later. Capture sets only grow where
    // paths meet, so the walk settles; functions that capture no local skip it.
    let mut sets = SlotSets::default();
    // The stack depth and capture set found at each meeting point, by its rank among
    // them: memory in proportion to the jumps, not to the code.
    let n_targets = is_target.count()?;
    let mut captured_at: Vec<u32> = if tracks {
        filled(n_targets, 0)?
    } else {
        Vec::new()
    };
    let unknown = u32::MAX;
    let mut depth_at = filled(n_targets, unknown)?;
    let mut work = vec![(0usize, f.arity as u32 + 1, SlotSets::EMPTY)];
    let mut max = f.arity as u32 + 1;
    // Straight-line code is followed without the work list: only jump targets go on it.
    while let Some(mut next) = work.pop() {
        'path: loop {
            let (offset, depth, mut captured) = next;
            if offset >= code.len() {
                return Err(err(
                    Some(offset),
                    "control runs off the end of the function".into(),
                ));
            }
            if !is_start.contains(offset) {
                return Err(err(
                    Some(offset),
                    "a jump lands inside an instruction".into(),
                ));
            }
            if is_target.contains(offset) {
                let rank = is_target.rank(offset);
                if depth_at[rank] != unknown {
                    if depth_at[rank] != depth {
                        return Err(err(
                            Some(offset),
                            format!(
                                "the stack holds {} values on one path and {depth} on another",
                                depth_at[rank]
                            ),
                        ));
                    }
                    if !tracks {
                        break 'path;
                    }
                    let known = captured_at[rank];
                    let merged = sets.union(known, captured)?;
                    if merged == known {
                        break 'path;
                    }
                    captured = merged;
                }
                depth_at[rank] = depth;
                if tracks {
                    captured_at[rank] = captured;
                }
            }
            let instruction = decode::at(code, offset).map_err(decode_error)?;
            let op = instruction.op;
            let values = instruction.values();
            // The deepest local slot the instruction reads or writes, if any, and the
            // first slot it may not read: slots exist below the stack top, and
            // GET_LOCAL_2 reads its second slot after pushing the first.
            let local = instruction
                .fields()
                .filter(|field| field.kind == Operand::Local)
                .map(|field| field.value)
                .max();
            let readable = if op == Op::GetLocal2 {
                let second = values[1];
                (values[0] < depth && second <= depth).then_some(depth + 1)
            } else {
                Some(depth)
            };
            let pops = match op.pops() {
                Pops::Fixed(n) => n as u32,
                Pops::ArgcPlus(n) => instruction.value_of(Operand::Argc).unwrap_or(0) + n as u32,
            };
            // METHOD pops only the closure but also uses the class below it.
            let needs = if op == Op::Method { pops + 1 } else { pops };
            if depth < needs {
                return Err(err(
                    Some(offset),
                    format!(
                        "{} needs {needs} values but the stack holds {depth}",
                        op.name()
                    ),
                ));
            }
            let after = depth - pops + op.pushes() as u32;
            match op {
                // A local must exist before the instruction and after it: SET_LOCAL_POP pops
                // the value, then stores it.
                _ if local.is_some_and(|slot| readable.is_none_or(|limit| slot >= limit)) => {
                    return Err(err(
                        Some(offset),
                        format!(
                            "slot {} is above the stack top ({depth})",
                            local.unwrap_or(0)
                        ),
                    ));
                }
                _ if local.is_some_and(|slot| slot >= after) => {
                    return Err(err(
                        Some(offset),
                        format!(
                            "{} stores into slot {}, which it pops",
                            op.name(),
                            local.unwrap_or(0)
                        ),
                    ));
                }
                Op::Closure => {
                    // The new closure is pushed before it captures, so it may capture the
                    // slot it lands in (a local function that calls itself).
                    let function = instruction.value_of(Operand::Func);
                    if let Some(Constant::Function(child)) =
                        function.and_then(|k| f.constants.get(k as usize))
                    {
                        for u in &module.functions[*child as usize].upvalues {
                            if u.is_local && u.index as u32 > depth {
                                return Err(err(
                                    Some(offset),
                                    format!(
                                        "captures slot {} above the stack top ({depth})",
                                        u.index
                                    ),
                                ));
                            }
                            if u.is_local && tracks {
                                captured = sets.with(captured, u.index)?;
                            }
                        }
                    }
                }
                Op::CloseUpvalue if tracks => captured = sets.without(captured, depth - 1)?,
                // Leaving the function closes every upvalue of its frame.
                _ if op.flow() == Flow::Return => {}
                _ if tracks => {
                    if let Some(slot) = sets.first_at_or_above(captured, after) {
                        return Err(err(
                            Some(offset),
                            format!(
                                "{} pops slot {slot}, which a closure captured, without closing it",
                                op.name()
                            ),
                        ));
                    }
                }
                _ => {}
            }
            max = max.max(after).max(depth + op.scratch() as u32);
            // A jump operand's target is always followed, so every jump instruction,
            // present or future, has its target checked; the flow says whether control
            // also goes on to the next instruction.
            match instruction.target() {
                Some(Target::Offset(target)) => {
                    // The work list grows with the jumps of code that may come from a
                    // file: reserved fallibly (`Error::out_of_memory`).
                    work.try_reserve(1).map_err(|_| Error::out_of_memory())?;
                    work.push((target, after, captured));
                }
                Some(Target::BeforeStart) => {
                    return Err(err(
                        Some(offset),
                        "a backward jump leaves the function".into(),
                    ));
                }
                None => {}
            }
            if !op.flow().falls_through() {
                break 'path;
            }
            next = (instruction.end(), after, captured);
        }
    }
    Ok(max)
}

/// A set of code offsets, a bit each, with the rank of a member (how many members are
/// below it) in time proportional to the offset's word plus one.
struct BitSet {
    words: Vec<u64>,
    /// `ranks[i]`: the members in words before `i`, filled in by `count`.
    ranks: Vec<u32>,
}

impl BitSet {
    fn new(len: usize) -> Result<BitSet, Error> {
        Ok(BitSet {
            words: filled(len.div_ceil(64), 0)?,
            ranks: Vec::new(),
        })
    }

    fn insert(&mut self, at: usize) {
        self.words[at / 64] |= 1 << (at % 64);
    }

    fn contains(&self, at: usize) -> bool {
        self.words
            .get(at / 64)
            .is_some_and(|w| w & (1 << (at % 64)) != 0)
    }

    /// The number of members; afterwards `rank` works (no more inserts).
    fn count(&mut self) -> Result<usize, Error> {
        let mut total = 0u32;
        self.ranks = filled(self.words.len(), 0)?;
        for (rank, w) in self.ranks.iter_mut().zip(&self.words) {
            *rank = total;
            total += w.count_ones();
        }
        Ok(total as usize)
    }

    /// How many members are below `at`.
    fn rank(&self, at: usize) -> usize {
        let word = at / 64;
        let below = self.words[word] & ((1u64 << (at % 64)) - 1);
        self.ranks[word] as usize + below.count_ones() as usize
    }
}

/// True for a CLOSURE of a function that captures a local of the enclosing frame.
fn captures_a_local(module: &Module, f: &Function, instruction: &Instruction) -> bool {
    if instruction.op != Op::Closure {
        return false;
    }
    match instruction
        .value_of(Operand::Func)
        .and_then(|index| f.constants.get(index as usize))
    {
        Some(Constant::Function(child)) => module.functions[*child as usize]
            .upvalues
            .iter()
            .any(|u| u.is_local),
        _ => false,
    }
}

/// Sets of stack slots (captured slots are `u8` operands, so below 256), interned so
/// that the walk carries and compares a `u32` per instruction. The empty set is id 0
/// and is not stored, so a function that captures nothing allocates nothing here.
#[derive(Default)]
struct SlotSets {
    /// Set `id` is `sets[id - 1]`.
    sets: Vec<[u64; 4]>,
    ids: HashMap<[u64; 4], u32>,
}

impl SlotSets {
    const EMPTY: u32 = 0;

    fn get(&self, id: u32) -> [u64; 4] {
        if id == SlotSets::EMPTY {
            [0; 4]
        } else {
            self.sets[id as usize - 1]
        }
    }

    /// The id of `set`, interned in memory reserved fallibly: the sets grow with the
    /// code, which may come from a file (`Error::out_of_memory`).
    fn intern(&mut self, set: [u64; 4]) -> Result<u32, Error> {
        if set == [0; 4] {
            return Ok(SlotSets::EMPTY);
        }
        if let Some(&id) = self.ids.get(&set) {
            return Ok(id);
        }
        self.sets
            .try_reserve(1)
            .and(self.ids.try_reserve(1))
            .map_err(|_| Error::out_of_memory())?;
        self.sets.push(set);
        let id = self.sets.len() as u32;
        self.ids.insert(set, id);
        Ok(id)
    }

    fn union(&mut self, a: u32, b: u32) -> Result<u32, Error> {
        if a == b || b == SlotSets::EMPTY {
            return Ok(a);
        }
        let (x, y) = (self.get(a), self.get(b));
        self.intern(std::array::from_fn(|i| x[i] | y[i]))
    }

    fn with(&mut self, id: u32, slot: u8) -> Result<u32, Error> {
        let mut set = self.get(id);
        set[slot as usize / 64] |= 1 << (slot % 64);
        self.intern(set)
    }

    fn without(&mut self, id: u32, slot: u32) -> Result<u32, Error> {
        if id == SlotSets::EMPTY || slot >= 256 {
            return Ok(id);
        }
        let mut set = self.get(id);
        set[slot as usize / 64] &= !(1 << (slot % 64));
        self.intern(set)
    }

    /// The lowest slot in the set at or above `slot`.
    fn first_at_or_above(&self, id: u32, slot: u32) -> Option<u32> {
        if id == SlotSets::EMPTY || slot >= 256 {
            return None;
        }
        let set = self.get(id);
        let mut word = slot as usize / 64;
        let mut bits = set[word] & (!0u64 << (slot % 64));
        loop {
            if bits != 0 {
                return Some(word as u32 * 64 + bits.trailing_zeros());
            }
            word += 1;
            if word == set.len() {
                return None;
            }
            bits = set[word];
        }
    }
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
        Operand::Upvalue | Operand::Global => Ok(()),
        // Slots depend on the stack depth and jumps on where they land: the walk of
        // pass 2 checks them. Any argument count is fine by itself.
        Operand::Local | Operand::Argc | Operand::JumpForward | Operand::JumpBack => Ok(()),
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
    f.spans.check(f.code.len())
}

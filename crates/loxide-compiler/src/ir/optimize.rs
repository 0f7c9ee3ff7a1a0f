//! IR optimization: constant folding, jump threading, fusing common instruction
//! sequences and loop inversion.
//!
//! Peephole passes over each function's instruction list. The fusion rules never look
//! across a label (a jump may land there), so every rewrite is local and keeps the
//! program's meaning, runtime errors and their lines and spans included. Jump threading
//! runs first: it shortens jumps that land on jumps, drops jumps to the next
//! instruction and labels no jump names, so that the fusion rules see the sequences
//! those left apart. The fused instructions were chosen from the dynamic pair profile
//! of the benchmarks (`--features op-profile`): a comparison feeding a conditional
//! jump, with its operands in locals or constants; a store whose value is dropped; a
//! local updated in place; and arithmetic with a constant operand. Last, loop inversion
//! moves a loop's test from its top to its bottom, where it jumps back
//! (`invert_loops`).

use loxide_syntax::memory::{self, Grow};

use std::collections::HashMap;

use super::{Const, Function, Instr, Module};
use loxide_bytecode::{Flow, Op, number};
use loxide_syntax::intern::IdHash;

/// Optimizes every function of a module in place.
pub fn optimize(module: &mut Module) {
    let mut optimizer = Optimizer::default();
    for f in &mut module.functions {
        optimizer.function(f);
    }
}

/// Optimizes one function in place (see `Optimizer::function`).
pub fn function(f: &mut Function) {
    Optimizer::default().function(f);
}

/// The optimizer's scratch tables, kept from one function to the next so that a
/// program of many small functions does not allocate them for each.
#[derive(Default)]
pub struct Optimizer {
    /// Each label's position in the code, by label number less the lowest.
    position: Vec<usize>,
    /// The instructions jump threading removes.
    removed: Vec<bool>,
    /// The labels some jump names, by label number less the lowest.
    named: Vec<bool>,
    /// The positions of the jumps that threading may shorten.
    jumps: Vec<usize>,
}

impl Optimizer {
    /// Optimizes one function in place. Every pass is local: none looks past a
    /// statement, and only jump threading and loop inversion look across a label, at
    /// labels their own statement places. So a function's code may also be optimized a
    /// run of whole statements at a time, with the same result.
    pub fn function(&mut self, f: &mut Function) {
        fold_constants(f);
        let has_loop = self.thread_jumps(f);
        fuse(f);
        if has_loop {
            invert_loops(f);
        }
    }
}

/// A value known at compile time: what a literal instruction pushes.
#[derive(Clone, Copy)]
enum Literal {
    Nil,
    Bool(bool),
    Number(f64),
    /// A string constant, by index.
    Str(u32),
}

/// The value an instruction pushes, if it is a literal.
fn literal(f: &Function, instr: Instr) -> Option<Literal> {
    match instr {
        Instr::Nil => Some(Literal::Nil),
        Instr::True => Some(Literal::Bool(true)),
        Instr::False => Some(Literal::Bool(false)),
        Instr::Constant(k) => match f.constants[k as usize] {
            Const::Number(n) => Some(Literal::Number(n)),
            Const::Str(_) => Some(Literal::Str(k)),
            Const::Function(_) => None,
        },
        _ => None,
    }
}

/// The number a constant instruction pushes, if it pushes one.
fn number(f: &Function, instr: Instr) -> Option<f64> {
    match literal(f, instr) {
        Some(Literal::Number(n)) => Some(n),
        _ => None,
    }
}

/// `==` on two literals, as the VM computes it: numbers by IEEE equality (NaN is not
/// equal to itself), strings by content (they are interned), other values by kind
/// and value; values of different kinds are never equal.
fn literals_equal(f: &Function, a: Literal, b: Literal) -> bool {
    match (a, b) {
        (Literal::Nil, Literal::Nil) => true,
        (Literal::Bool(x), Literal::Bool(y)) => x == y,
        (Literal::Number(x), Literal::Number(y)) => x == y,
        (Literal::Str(x), Literal::Str(y)) => f.constants[x as usize] == f.constants[y as usize],
        _ => false,
    }
}

/// Truthiness of a literal: only `nil` and `false` are falsey.
fn literal_truthy(a: Literal) -> bool {
    !matches!(a, Literal::Nil | Literal::Bool(false))
}

/// The instruction that pushes a boolean.
fn push_bool(b: bool) -> Instr {
    if b { Instr::True } else { Instr::False }
}

/// True for instructions that push one value and can neither fail nor have any other
/// effect: followed by `Pop`, both can go.
fn pure_push(instr: Instr) -> bool {
    matches!(
        instr,
        Instr::Constant(_)
            | Instr::Nil
            | Instr::True
            | Instr::False
            | Instr::GetLocal(_)
            | Instr::GetUpvalue(_)
            | Instr::GetDefinedGlobal(_)
    )
}

/// Appends `CheckGlobal(g)` to the output (`n` instructions kept). (Two checks of the
/// same global in a row could be one, but the second may be in the next statement, and
/// no pass looks past a statement: see `function`.)
fn push_check(f: &mut Function, n: &mut usize, g: u32, loc: super::Loc) {
    f.code[*n] = Instr::CheckGlobal(g);
    f.locs[*n] = loc;
    *n += 1;
}

/// True for instructions whose pushed value may be dropped with at most a check left:
/// pure pushes, and global reads (which fail when the global is undefined, so they
/// become `CheckGlobal`).
fn droppable(instr: Instr) -> bool {
    pure_push(instr) || matches!(instr, Instr::GetGlobal(_))
}

/// The constant index for a number, reusing an equal one; `None` when the pool is full
/// (then the caller leaves the code as it is). `numbers` maps the bits of each number
/// in the pool to its index; it is built on the first fold of a function, so folding
/// stays linear however many constants the function has.
fn number_constant(
    f: &mut Function,
    numbers: &mut Option<HashMap<u64, u32, IdHash>>,
    n: f64,
) -> Option<u32> {
    let numbers = numbers.get_or_insert_with(|| {
        let mut map = HashMap::default();
        for (i, c) in f.constants.iter().enumerate().rev() {
            if let Const::Number(m) = c {
                memory::reserve_map_or_oom(&mut map, 1);
                map.insert(m.to_bits(), i as u32);
            }
        }
        map
    });
    match numbers.get(&n.to_bits()) {
        Some(&i) => Some(i),
        None if f.constants.len() < super::lower::MAX_CONSTANTS => {
            let i = f.constants.len() as u32;
            f.constants.push_or_oom(Const::Number(n));
            memory::reserve_map_or_oom(numbers, 1);
            numbers.insert(n.to_bits(), i);
            Some(i)
        }
        None => None,
    }
}

/// The instructions `fold_constants` may rewrite, with what precedes them: those its
/// `match` has arms for. Every other instruction is kept as it is.
fn may_fold(instr: Instr) -> bool {
    use Instr::*;
    matches!(
        instr,
        Add | Subtract | Multiply | Divide | Negate | Less | Greater | Equal | Not | Pop
    )
}

/// Evaluates what can be known at compile time, in one pass that treats the output as
/// a stack: arithmetic and comparisons of two number constants, negation of one, `==`
/// of any two literals, `!` of a literal. Then drops a literal or a local that is
/// pushed only to be popped (an expression statement without effects, such as the
/// result of a folded comparison). Operations that fail at run time (a comparison of a
/// string, say) stay, so they still fail there, on their line and span. Strings are not
/// concatenated here: the VM interns the result of a concatenation.
fn fold_constants(f: &mut Function) {
    // The output never outgrows the input, so it is written over the input's front:
    // `n` instructions are kept, and the rest is still to read.
    let mut n = 0;
    let mut numbers = None;
    // The start of the run of instructions that fold nothing before `i`: they move to
    // the output's end in one go, before the next instruction that may fold, which
    // reads the output's top.
    let mut run = 0;
    let len = f.code.len();
    for i in 0..len {
        let instr = f.code[i];
        if !may_fold(instr) {
            continue;
        }
        move_run(f, run, i, &mut n);
        run = i + 1;
        let loc = f.locs[i];
        let code = &f.code[..n];
        let last = |k: usize| {
            if n >= k {
                literal(f, code[n - k])
            } else {
                None
            }
        };
        let num = |k: usize| if n >= k { number(f, code[n - k]) } else { None };
        // (operands replaced, the instruction that replaces them and `instr`)
        let folded: Option<(usize, Instr)> = match instr {
            Instr::Add | Instr::Subtract | Instr::Multiply | Instr::Divide => {
                match (num(2), num(1)) {
                    (Some(a), Some(b)) => {
                        let value = match instr {
                            Instr::Add => number::add(a, b),
                            Instr::Subtract => a - b,
                            Instr::Multiply => number::multiply(a, b),
                            _ => a / b,
                        };
                        // A NaN result is left to run time: it gains nothing and keeps
                        // NaN's sign rules (see `number::add`) in one place.
                        if value.is_nan() {
                            None
                        } else {
                            number_constant(f, &mut numbers, value).map(|k| (2, Instr::Constant(k)))
                        }
                    }
                    _ => None,
                }
            }
            Instr::Negate => match num(1) {
                Some(a) if !a.is_nan() => {
                    number_constant(f, &mut numbers, -a).map(|k| (1, Instr::Constant(k)))
                }
                _ => None,
            },
            Instr::Less | Instr::Greater => match (num(2), num(1)) {
                (Some(a), Some(b)) => Some((
                    2,
                    push_bool(if instr == Instr::Less { a < b } else { a > b }),
                )),
                _ => None,
            },
            Instr::Equal => match (last(2), last(1)) {
                (Some(a), Some(b)) => Some((2, push_bool(literals_equal(f, a, b)))),
                _ => None,
            },
            Instr::Not => last(1).map(|a| (1, push_bool(!literal_truthy(a)))),
            Instr::Pop if n >= 1 && pure_push(f.code[n - 1]) => {
                n -= 1;
                continue;
            }
            // A global read only to be dropped only checks that the global exists.
            Instr::Pop if n >= 1 && matches!(f.code[n - 1], Instr::GetGlobal(_)) => {
                let (Instr::GetGlobal(g), loc) = (f.code[n - 1], f.locs[n - 1]) else {
                    unreachable!()
                };
                n -= 1;
                push_check(f, &mut n, g, loc);
                continue;
            }
            // `a == b;`: equality never fails, so only its operands' checks remain.
            Instr::Pop
                if n >= 3
                    && f.code[n - 1] == Instr::Equal
                    && droppable(f.code[n - 3])
                    && droppable(f.code[n - 2]) =>
            {
                let (first, second) = (
                    (f.code[n - 3], f.locs[n - 3]),
                    (f.code[n - 2], f.locs[n - 2]),
                );
                n -= 3;
                for (operand, loc) in [first, second] {
                    if let Instr::GetGlobal(g) = operand {
                        push_check(f, &mut n, g, loc);
                    }
                }
                continue;
            }
            _ => None,
        };
        let (instr, at) = match folded {
            Some((operands, replacement)) => (replacement, n - operands),
            None => (instr, n),
        };
        f.code[at] = instr;
        f.locs[at] = loc;
        n = at + 1;
    }
    move_run(f, run, len, &mut n);
    f.code.truncate(n);
    f.locs.truncate(n);
}

/// A fusion rule: given the instructions from a position on (at most three), the
/// replacement, how many instructions it consumes, and which of them gives the
/// replacement its location (the one that can fail). Generic rather than a function
/// pointer, so each rule is inlined into its pass.
trait Rule: Fn(&Function, &[Instr]) -> Option<(Instr, usize, usize)> {}
impl<F: Fn(&Function, &[Instr]) -> Option<(Instr, usize, usize)>> Rule for F {}

/// Fuses instruction pairs and triples into single instructions, in three rounds: the
/// second fuses an operand into instructions the first made, and the third a local
/// into what the second made. The first round also drops unreachable code: the
/// instructions that follow a terminator (a return or an unconditional jump, by the
/// opcode's flow) up to the next label, which nothing can reach. Doing it there rather
/// than in a pass of its own saves a walk over the code (about 2% of compiling a long
/// function), and fuses the same: no rule starts with a terminator or reads past one,
/// so no window ever reached into the dropped code.
fn fuse(f: &mut Function) {
    rewrite(f, first_round, Dead::Drop);
    rewrite(f, second_round, Dead::Keep);
    rewrite(f, third_round, Dead::Keep);
}

/// Whether a rewrite drops the code after a terminator (there is none left for the
/// later rounds to drop).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dead {
    Drop,
    Keep,
}

/// Operators with their result use: compare-and-branch, stores whose value is dropped,
/// arithmetic with a constant operand, property reads of locals, returns of nil, and
/// the pop of a loop body's local with the jump back.
fn first_round(f: &Function, at: &[Instr]) -> Option<(Instr, usize, usize)> {
    use Instr::*;
    match *at {
        [Less, Not, JumpIfFalsePop(l), ..] => Some((JumpIfLess(l), 3, 0)),
        [Greater, Not, JumpIfFalsePop(l), ..] => Some((JumpIfGreater(l), 3, 0)),
        [Equal, Not, JumpIfFalsePop(l), ..] => Some((JumpIfEqual(l), 3, 0)),
        [Less, JumpIfFalsePop(l), ..] => Some((JumpUnlessLess(l), 2, 0)),
        [Greater, JumpIfFalsePop(l), ..] => Some((JumpUnlessGreater(l), 2, 0)),
        [Equal, JumpIfFalsePop(l), ..] => Some((JumpUnlessEqual(l), 2, 0)),
        [SetLocal(s), Pop, ..] => Some((SetLocalPop(s), 2, 0)),
        [SetGlobal(g), Pop, ..] => Some((SetGlobalPop(g), 2, 0)),
        [SetProperty(k), Pop, ..] => Some((SetPropertyPop(k), 2, 0)),
        [Constant(k), Add, ..] => Some((AddConstant(k), 2, 1)),
        [Constant(k), Subtract, ..] if is_number(f, k) => Some((SubtractConstant(k), 2, 1)),
        [Constant(k), Multiply, ..] if is_number(f, k) => Some((MultiplyConstant(k), 2, 1)),
        [Constant(k), Divide, ..] if is_number(f, k) => Some((DivideConstant(k), 2, 1)),
        [GetLocal(s), GetProperty(k), ..] => Some((GetLocalProperty(s, k), 2, 1)),
        // Left for the next position when a property read or a constant follows the
        // second (the later rounds fuse the second local into what they make).
        [GetLocal(a), GetLocal(b), ref rest @ ..]
            if !matches!(rest, [GetProperty(_) | Constant(_), ..]) =>
        {
            Some((GetLocal2(a, b), 2, 0))
        }
        [Nil, Return, ..] => Some((ReturnNil, 2, 1)),
        [Pop, Loop(l), ..] => Some((PopLoop(l), 2, 1)),
        _ => None,
    }
}

/// A constant or a local as the operand of what the first round made: comparisons with
/// a constant (jumping when they hold or unless they do), a local plus or minus a
/// constant, a local returned, a local's property stored in a local; a global surely
/// defined updated in place.
fn second_round(_: &Function, at: &[Instr]) -> Option<(Instr, usize, usize)> {
    use Instr::*;
    match *at {
        [Constant(k), JumpUnlessLess(l), ..] => Some((JumpUnlessLessConstant(k, l), 2, 1)),
        [Constant(k), JumpUnlessGreater(l), ..] => Some((JumpUnlessGreaterConstant(k, l), 2, 1)),
        [Constant(k), JumpUnlessEqual(l), ..] => Some((JumpUnlessEqualConstant(k, l), 2, 1)),
        [Constant(k), JumpIfLess(l), ..] => Some((JumpIfLessConstant(k, l), 2, 1)),
        [Constant(k), JumpIfGreater(l), ..] => Some((JumpIfGreaterConstant(k, l), 2, 1)),
        [GetLocal(s), AddConstant(k), ..] => Some((AddLocalConstant(s, k), 2, 1)),
        [GetDefinedGlobal(g), AddConstant(k), SetGlobalPop(h), ..] if g == h => {
            Some((AddToGlobal(g, k), 3, 1))
        }
        [GetLocal(s), SubtractConstant(k), ..] => Some((SubtractLocalConstant(s, k), 2, 1)),
        [GetLocal(s), Return, ..] => Some((ReturnLocal(s), 2, 1)),
        [GetLocalProperty(s, k), SetLocalPop(t), ..] => Some((LoadLocalProperty(s, k, t), 2, 0)),
        _ => None,
    }
}

/// Locals as the operands of what the second round made: updates of a local in place,
/// copies between locals, products of two locals, and comparisons of two locals, of a
/// local and a constant or of a local and `nil`, feeding a jump; comparisons of a
/// global surely defined and a constant, feeding a jump.
fn third_round(_: &Function, at: &[Instr]) -> Option<(Instr, usize, usize)> {
    use Instr::*;
    match *at {
        [AddLocalConstant(s, k), SetLocalPop(t), ..] if s == t => Some((AddToLocal(s, k), 2, 0)),
        [SubtractLocalConstant(s, k), SetLocalPop(t), ..] if s == t => {
            Some((SubtractFromLocal(s, k), 2, 0))
        }
        [GetLocal2(a, b), Multiply, ..] => Some((MultiplyLocals(a, b), 2, 1)),
        [GetLocal(s), SetLocalPop(t), ..] => Some((CopyLocal(s, t), 2, 0)),
        [GetLocal2(a, b), JumpUnlessEqual(l), ..] => Some((JumpUnlessLocalsEqual(a, b, l), 2, 1)),
        [GetLocal2(a, b), JumpIfEqual(l), ..] => Some((JumpIfLocalsEqual(a, b, l), 2, 1)),
        [GetLocal2(a, b), JumpUnlessLess(l), ..] => Some((JumpUnlessLocalsLess(a, b, l), 2, 1)),
        [GetLocal2(a, b), JumpUnlessGreater(l), ..] => {
            Some((JumpUnlessLocalsGreater(a, b, l), 2, 1))
        }
        [GetLocal(s), JumpUnlessEqualConstant(k, l), ..] => {
            Some((JumpUnlessLocalEqualConstant(s, k, l), 2, 1))
        }
        [GetLocal(s), Constant(k), JumpIfEqual(l)] => {
            Some((JumpIfLocalEqualConstant(s, k, l), 3, 2))
        }
        [GetLocal(s), Nil, JumpIfEqual(l)] => Some((JumpIfLocalNil(s, l), 3, 2)),
        [GetLocal(s), Nil, JumpUnlessEqual(l)] => Some((JumpUnlessLocalNil(s, l), 3, 2)),
        [GetLocal(s), JumpUnlessLessConstant(k, l), ..] => {
            Some((JumpUnlessLocalLessConstant(s, k, l), 2, 1))
        }
        [GetLocal(s), JumpUnlessGreaterConstant(k, l), ..] => {
            Some((JumpUnlessLocalGreaterConstant(s, k, l), 2, 1))
        }
        [GetDefinedGlobal(g), JumpUnlessLessConstant(k, l), ..] => {
            Some((JumpUnlessGlobalLessConstant(g, k, l), 2, 1))
        }
        [GetDefinedGlobal(g), JumpUnlessGreaterConstant(k, l), ..] => {
            Some((JumpUnlessGlobalGreaterConstant(g, k, l), 2, 1))
        }
        _ => None,
    }
}

/// The most instructions a loop's test may have, its jump included, for `invert_loops`
/// to copy it to the bottom of the loop. A longer test would cost more code than the
/// one dispatch an iteration it saves is worth.
const MAX_ROTATED: usize = 6;

/// Loop inversion. A loop comes out of lowering and fusion as
///
/// ```text
/// top:  TEST            straight-line code ending in a jump to `exit`
///       BODY
///       LOOP top
/// exit:
/// ```
///
/// which runs two dispatches an iteration for "test and jump back", the `LOOP` and the
/// test's jump. When the test's jump has a backward form on the opposite outcome
/// (`JUMP_UNLESS_LOCALS_LESS` has `LOOP_IF_LOCALS_LESS`, …), the test moves in front
/// of the label, to run once on entry, and a copy of it replaces the `LOOP`, with that
/// backward form as its jump:
///
/// ```text
///       TEST            jumps to `exit`
/// top:  BODY
///       TEST'           the same code, jumping back to `top` on the other outcome
/// exit:
/// ```
///
/// Control goes where it went: each path runs the same instructions, less the `LOOP`,
/// and the backward jump counts the step the `LOOP` counted (for `--max-steps` and
/// interrupts). The copy keeps the locations of the code it copies, so its errors are
/// the test's, on its line. The test is whatever straight-line code starts the loop up
/// to its first jump, when that jump goes to `exit`: the whole condition, or only its
/// first operand's test for `a and b`, which is as sound (the rest of the condition is
/// then the start of the body). A loop whose body ends with `POP_LOOP` keeps its shape:
/// the pop would need an instruction of its own, and the loop would gain nothing.
///
/// It relies on lowering naming a loop's top label only in its `LOOP` (jump threading
/// retargets jumps only to the targets of forward jumps), so that no path enters the
/// loop at `top` without passing the test. Like the other passes it looks at one
/// statement's labels only: a loop's labels and its `LOOP` are its statement's.
fn invert_loops(f: &mut Function) {
    use Instr::*;
    debug_assert!(tops_named_once(f), "a loop's top label is named elsewhere");
    // A loop's top label is found by looking back from its `LOOP`, over a loop body
    // of usual size; past that, by the positions of all labels, taken once.
    const LOOK_BACK: usize = 256;
    let mut positions: Option<(u32, Vec<usize>)> = None;
    // The loops whose test is longer than its jump, which need room: (the top label's
    // position, the test's length, the `LOOP`'s position, the backward jump).
    let mut longer: Vec<(usize, usize, usize, Instr)> = Vec::new();
    for b in 0..f.code.len().saturating_sub(1) {
        let (Loop(top), Label(exit)) = (f.code[b], f.code[b + 1]) else {
            continue;
        };
        let near = b.saturating_sub(LOOK_BACK);
        let a = match (near..b).rev().find(|&i| f.code[i] == Label(top)) {
            Some(a) => a,
            None => {
                let (lo, position) = positions.get_or_insert_with(|| label_positions(f));
                match top.checked_sub(*lo).and_then(|l| position.get(l as usize)) {
                    Some(&a) if a < b => a,
                    _ => continue,
                }
            }
        };
        let Some((k, back)) = test_at(&f.code[a + 1..b], top, exit) else {
            continue;
        };
        if k == 1 {
            // In place: the test's jump goes before the label, its backward form
            // replaces the `LOOP`.
            f.code.swap(a, a + 1);
            f.locs.swap(a, a + 1);
            f.code[b] = back;
            f.locs[b] = f.locs[a];
        } else {
            longer.push_or_oom((a, k, b, back));
        }
    }
    if longer.is_empty() {
        return;
    }
    // The others are rebuilt in one pass: at each of their tops the test, then the
    // label; at each bottom the test but its jump, then the backward jump.
    let extra: usize = longer.iter().map(|&(_, k, _, _)| k - 1).sum();
    let mut code = memory::with_capacity(f.code.len() + extra);
    let mut locs = memory::with_capacity(f.code.len() + extra);
    let mut tops: Vec<(usize, usize)> =
        memory::collected(longer.iter().map(|&(a, k, _, _)| (a, k)));
    tops.sort_unstable();
    let (mut next_top, mut next_bottom) = (0, 0);
    let mut i = 0;
    while i < f.code.len() {
        if let Some(&(a, k)) = tops.get(next_top)
            && a == i
        {
            code.extend_from_slice(&f.code[a + 1..=a + k]);
            locs.extend_from_slice(&f.locs[a + 1..=a + k]);
            code.push(f.code[a]);
            locs.push(f.locs[a]);
            next_top += 1;
            i = a + k + 1;
            continue;
        }
        if let Some(&(a, k, b, back)) = longer.get(next_bottom)
            && b == i
        {
            code.extend_from_slice(&f.code[a + 1..a + k]);
            locs.extend_from_slice(&f.locs[a + 1..a + k]);
            code.push(back);
            locs.push(f.locs[a + k]);
            next_bottom += 1;
            i = b + 1;
            continue;
        }
        code.push(f.code[i]);
        locs.push(f.locs[i]);
        i += 1;
    }
    f.code = code;
    f.locs = locs;
}

/// The test that starts a loop's code (`code`, from just after its top label to its
/// `LOOP`): its length, up to its first jump, and that jump's backward form, when the
/// jump goes to `exit` and has one, and the code before it is straight-line.
fn test_at(code: &[Instr], top: u32, exit: u32) -> Option<(usize, Instr)> {
    use Instr::*;
    for (j, &instr) in code.iter().take(MAX_ROTATED).enumerate() {
        let (target, back) = match instr {
            JumpIfFalsePop(l) => (l, LoopUnlessFalsePop(top)),
            JumpUnlessLess(l) => (l, LoopIfLess(top)),
            JumpIfGreater(l) => (l, LoopUnlessGreater(top)),
            JumpIfLessConstant(k, l) => (l, LoopUnlessLessConstant(k, top)),
            JumpIfGreaterConstant(k, l) => (l, LoopUnlessGreaterConstant(k, top)),
            JumpUnlessLocalsLess(a, b, l) => (l, LoopIfLocalsLess(a, b, top)),
            JumpUnlessLocalLessConstant(s, k, l) => (l, LoopIfLocalLessConstant(s, k, top)),
            JumpUnlessLocalGreaterConstant(s, k, l) => (l, LoopIfLocalGreaterConstant(s, k, top)),
            JumpIfLocalNil(s, l) => (l, LoopUnlessLocalNil(s, top)),
            JumpUnlessGlobalLessConstant(g, k, l) => (l, LoopIfGlobalLessConstant(g, k, top)),
            // Straight-line code goes on to the next instruction; a label, a jump or a
            // return ends the test.
            _ if instr.op().is_some_and(|op| op.flow() == Flow::Next) => continue,
            _ => return None,
        };
        return (target == exit).then_some((j + 1, back));
    }
    None
}

/// The lowest label the code places, and each label's position from it on
/// (`usize::MAX` for labels it does not place).
fn label_positions(f: &Function) -> (u32, Vec<usize>) {
    let Some((lo, hi)) = label_range(&f.code) else {
        return (0, Vec::new());
    };
    let mut position = memory::filled(usize::MAX, (hi - lo + 1) as usize);
    for (i, instr) in f.code.iter().enumerate() {
        if let Instr::Label(l) = *instr {
            position[(l - lo) as usize] = i;
        }
    }
    (lo, position)
}

/// True when each label that a `LOOP` names is named by nothing else: what
/// `invert_loops` relies on (checked in debug builds).
fn tops_named_once(f: &Function) -> bool {
    let Some((lo, hi)) = label_range(&f.code) else {
        return true;
    };
    let mut names = memory::filled(0u32, (hi - lo + 1) as usize);
    let mut tops = memory::filled(false, names.len());
    for instr in &f.code {
        let Some((op, operands)) = instr.encoding() else {
            continue;
        };
        for (kind, &value) in op.operands().iter().zip(operands.iter()) {
            if kind.is_jump() && (lo..=hi).contains(&value) {
                names[(value - lo) as usize] += 1;
                tops[(value - lo) as usize] |= matches!(instr, Instr::Loop(_));
            }
        }
    }
    names.iter().zip(&tops).all(|(&n, &top)| !top || n == 1)
}

/// True when constant `k` is a number.
fn is_number(f: &Function, k: u32) -> bool {
    matches!(f.constants[k as usize], Const::Number(_))
}

impl Optimizer {
    /// Jump threading, then the removal of jumps to the next instruction and of labels
    /// no jump names. A conditional jump kept by `and` (`JUMP_IF_FALSE` then `POP`)
    /// that lands on the `JUMP_IF_FALSE_POP` of an `if` or a loop goes straight to that
    /// jump's target and pops, a jump to a jump of its own kind goes to that jump's
    /// target, and the jump over an empty `else` goes. The unnamed labels go last, so
    /// that the fusion rules, which never match across a label, see the sequences they
    /// left apart.
    ///
    /// It looks across labels, but only at labels the code itself places: the code of
    /// a whole function or of a run of whole statements (each statement places the
    /// labels its jumps name), so running it a run of statements at a time gives the
    /// same code. Only `Jump` and `JumpIfFalse` are rewritten, so the rounds visit
    /// those alone.
    ///
    /// Returns whether the code has a `LOOP`, which its walk over the jumps sees, for
    /// `invert_loops` (which has nothing to do otherwise).
    fn thread_jumps(&mut self, f: &mut Function) -> bool {
        use Instr::*;
        let Some((lo, hi)) = label_range(&f.code) else {
            return false;
        };
        let labels = (hi - lo + 1) as usize;
        let position = &mut self.position;
        position.clear();
        position.resize_or_oom(labels, usize::MAX);
        let jumps = &mut self.jumps;
        jumps.clear();
        for (i, instr) in f.code.iter().enumerate() {
            match *instr {
                Label(l) => position[(l - lo) as usize] = i,
                Jump(_) | JumpIfFalse(_) => jumps.push_or_oom(i),
                _ => {}
            }
        }
        let removed = &mut self.removed;
        removed.clear();
        removed.resize_or_oom(f.code.len(), false);
        // The first instruction at or after a label's position that is neither a label
        // nor removed.
        let landing = |code: &[Instr], removed: &[bool], l: u32| -> Option<Instr> {
            let start = *position.get(l.checked_sub(lo)? as usize)?;
            (start..code.len())
                .find(|&i| !removed[i] && !matches!(code[i], Label(_)))
                .map(|i| code[i])
        };
        // Rewrites can enable each other (a chain of `and`s), so a few rounds run; each
        // only shortens a path, so they end.
        for _ in 0..4 {
            let mut changed = false;
            for &i in jumps.iter() {
                if removed[i] {
                    continue;
                }
                let replacement = match f.code[i] {
                    JumpIfFalse(x) => match landing(&f.code, removed, x) {
                        Some(JumpIfFalsePop(y))
                            if f.code.get(i + 1) == Some(&Pop) && !removed[i + 1] =>
                        {
                            removed[i + 1] = true;
                            Some(JumpIfFalsePop(y))
                        }
                        Some(JumpIfFalse(y)) if y != x => Some(JumpIfFalse(y)),
                        _ => None,
                    },
                    Jump(x) => match landing(&f.code, removed, x) {
                        Some(Jump(y)) if y != x => Some(Jump(y)),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(instr) = replacement {
                    f.code[i] = instr;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // A jump over nothing but labels to its own.
        for &i in jumps.iter() {
            if let Jump(x) = f.code[i] {
                let next = (i + 1..f.code.len())
                    .find(|&j| !removed[j] && !matches!(f.code[j], Label(l) if l != x));
                if next.is_some_and(|j| f.code[j] == Label(x)) {
                    removed[i] = true;
                }
            }
        }
        // The labels some jump still names.
        let named = &mut self.named;
        named.clear();
        named.resize_or_oom(labels, false);
        let mut has_loop = false;
        for (instr, &gone) in f.code.iter().zip(removed.iter()) {
            has_loop |= !gone && matches!(instr, Loop(_));
            let label = instr.jump_label().filter(|_| !gone);
            if let Some(slot) = label.and_then(|l| named.get_mut(l.checked_sub(lo)? as usize)) {
                *slot = true;
            }
        }
        let mut n = 0;
        for (i, &gone) in removed.iter().enumerate() {
            let keep = !gone && !matches!(f.code[i], Label(l) if !named[(l - lo) as usize]);
            if keep {
                f.code[n] = f.code[i];
                f.locs[n] = f.locs[i];
                n += 1;
            }
        }
        f.code.truncate(n);
        f.locs.truncate(n);
        has_loop
    }
}

/// The lowest and highest label the code places, if it places any.
fn label_range(code: &[Instr]) -> Option<(u32, u32)> {
    code.iter()
        .filter_map(|instr| match *instr {
            Instr::Label(l) => Some(l),
            _ => None,
        })
        .fold(None, |range, l| match range {
            None => Some((l, l)),
            Some((lo, hi)) => Some((lo.min(l), hi.max(l))),
        })
}

/// Applies `rule` at every position, left to right, never across a label (a label is
/// an instruction of its own, so no rule matches one); with `Dead::Drop`, skips what
/// follows a terminator up to the next label.
///
/// It rewrites in place: each step consumes at least the one instruction it writes. The
/// instructions no rule touches are not copied one by one: a run of them moves down to
/// the output's end in one block, when a fused instruction or dropped code ends it.
fn rewrite(f: &mut Function, rule: impl Rule, dead: Dead) {
    let len = f.code.len();
    // The output's end, and the start of the run of unchanged instructions before `i`
    // that still has to move there.
    let mut n = 0;
    let mut run = 0;
    let mut i = 0;
    while i < len {
        let matched = rule(f, &f.code[i..len.min(i + 3)]);
        let consumed = matched.map_or(1, |(_, consumed, _)| consumed);
        let ends_flow =
            dead == Dead::Drop && f.code[i + consumed - 1].op().is_some_and(Op::is_terminator);
        if let Some((instr, consumed, loc_of)) = matched {
            let loc = f.locs[i + loc_of];
            move_run(f, run, i, &mut n);
            f.code[n] = instr;
            f.locs[n] = loc;
            n += 1;
            i += consumed;
            run = i;
        } else {
            i += 1;
        }
        if ends_flow {
            move_run(f, run, i, &mut n);
            while i < len && !matches!(f.code[i], Instr::Label(_)) {
                i += 1;
            }
            run = i;
        }
    }
    move_run(f, run, len, &mut n);
    f.code.truncate(n);
    f.locs.truncate(n);
}

/// Moves the instructions `run..end` (and their locations) down to the output's end
/// `n`, which is at or before `run`.
fn move_run(f: &mut Function, run: usize, end: usize, n: &mut usize) {
    if run == *n {
        *n = end;
    } else if end - run <= 4 {
        // Most runs between two fusions are this short: a call to move them would
        // cost more than the moves.
        for j in run..end {
            f.code[*n] = f.code[j];
            f.locs[*n] = f.locs[j];
            *n += 1;
        }
    } else {
        f.code.copy_within(run..end, *n);
        f.locs.copy_within(run..end, *n);
        *n += end - run;
    }
}

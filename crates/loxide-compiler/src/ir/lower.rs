//! Lowering: a resolved program to IR.
//!
//! Scopes turn into pops (or closes, for captured locals), control flow into labels,
//! literals and names into per-function constants. This is also where the code-size
//! limits are checked: by default the generous ones of loxide's encoding, and under
//! `--limits=clox` clox's own, counted the way clox counts them (every global name use
//! costs a constant, every jump is measured in clox's bytes) so the same programs fail.

use loxide_syntax::memory::{self, Grow};

use std::collections::HashMap;

use super::{Const, ConstIdx, Function, Instr, Label, Loc, Module};
use loxide_bytecode::Span;
use loxide_syntax::ast::{BinaryOp, Literal, LogicalOp, UnaryOp};
use loxide_syntax::desugar::core::{self as c, FunKind};
use loxide_syntax::diag::{ByteSpans, Diagnostic, TokIdx};
use loxide_syntax::intern::{IdHash, Symbol};
use loxide_syntax::sema::{Binding, Resolved};

/// Which limits the compiler enforces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Limits {
    /// loxide's own, lifted where clox's trip honest programs.
    #[default]
    Default,
    /// clox's exactly, messages included.
    Clox,
}

/// Constants per function: loxide's constant operands are 24 bits wide.
pub const MAX_CONSTANTS: usize = loxide_bytecode::MAX_CONSTANTS;
/// clox's constants per function (a one-byte operand).
pub const CLOX_MAX_CONSTANTS: u32 = 256;
/// Global variables per module: global operands are 24 bits wide.
pub const MAX_GLOBALS: usize = loxide_bytecode::MAX_GLOBALS;
/// clox's longest jump in bytes (a 16-bit operand).
pub const CLOX_MAX_JUMP: u32 = u16::MAX as u32;

/// clox's message for a forward jump longer than `CLOX_MAX_JUMP`.
const TOO_FAR: &str = "Too much code to jump over.";

/// Lowers a resolved program, or reports the limits it exceeds. `tokens` are the
/// program's tokens: each instruction that can fail records the bytes of the source it
/// came from (`Loc::span`).
pub fn lower(
    resolved: &Resolved,
    limits: Limits,
    tokens: &dyn ByteSpans,
) -> Result<Module, Vec<Diagnostic>> {
    let mut l = Lowerer {
        resolved,
        limits,
        tokens,
        blame: Span::NONE,
        functions: Vec::new(),
        base: 0,
        stack: Vec::new(),
        diagnostics: Vec::new(),
        too_many_globals: false,
        spares: Spares::default(),
    };
    l.function(resolved.program.script());
    if !l.diagnostics.is_empty() {
        return Err(l.diagnostics);
    }
    let functions = memory::collected(
        l.functions
            .into_iter()
            .map(|f| f.expect("every function is finished")),
    );
    let names = &resolved.program.names;
    Ok(Module {
        functions,
        globals: memory::collected(
            resolved
                .globals
                .iter()
                .map(|&name| memory::string(names.get(name))),
        ),
    })
}

/// Lowers a program a piece at a time, a run of whole top-level statements each (as
/// `lexer::Pieces` cuts them), and optimizes and encodes each piece at once: the
/// functions a piece declares are finished with it, and its top-level code is appended
/// to the script's. So no stage ever holds more of the program than one piece, and
/// only the bytecode grows with the program. Each piece's code is what lowering the
/// whole program would make of it (the optimizer's rewrites never cross a statement),
/// which `tests/suite/pieces.rs` checks byte for byte.
///
/// Only loxide's own limits are checked; a piece that exceeds one, or any error,
/// makes the caller compile the whole program instead, to report it in order.
pub struct Session {
    limits: Limits,
    /// Every function finished so far, encoded, by module index; index 0, the script,
    /// is filled in by `finish`.
    functions: Vec<Option<loxide_bytecode::Function>>,
    /// The script's builder: its constants, labels and scope persist across pieces;
    /// its code holds only the piece being lowered.
    script: Builder,
    appender: crate::encode::Appender,
    too_many_globals: bool,
    /// The buffers of the functions finished so far, for the next ones.
    spares: Spares,
    /// The optimizer's scratch tables, for every function.
    optimizer: super::optimize::Optimizer,
}

/// Buffers of functions already encoded, emptied, for the functions lowered next to
/// grow into: a program of many small functions then allocates its IR's vectors a few
/// times instead of growing three vectors and a map from nothing for every function
/// (the allocator's work was 16% of compiling the 100,000-line `funcs` benchmark).
/// Only buffers up to `Spares::MAX_KEPT` entries are kept, so that a huge function's
/// buffers neither stay alive nor make clearing a small function's map cost their size.
#[derive(Default)]
struct Spares {
    code: Vec<Vec<Instr>>,
    locs: Vec<Vec<Loc>>,
    dedup: Vec<HashMap<ConstKey, ConstIdx, IdHash>>,
}

impl Spares {
    const MAX_KEPT: usize = 4096;

    /// Keeps what an encoded function no longer needs.
    fn keep(&mut self, f: Function) {
        let Function {
            mut code, mut locs, ..
        } = f;
        if code.capacity() <= Spares::MAX_KEPT && locs.capacity() <= Spares::MAX_KEPT {
            code.clear();
            locs.clear();
            self.code.push_or_oom(code);
            self.locs.push_or_oom(locs);
        }
    }

    /// Keeps a finished function's constant map.
    fn keep_dedup(&mut self, mut dedup: HashMap<ConstKey, ConstIdx, IdHash>) {
        if dedup.capacity() <= Spares::MAX_KEPT {
            dedup.clear();
            self.dedup.push_or_oom(dedup);
        }
    }
}

impl Session {
    pub fn new(limits: Limits) -> Session {
        Session {
            limits,
            functions: vec![None],
            script: Builder {
                func: Function {
                    name: String::new(),
                    arity: 0,
                    upvalues: Vec::new(),
                    code: Vec::new(),
                    locs: Vec::new(),
                    constants: Vec::new(),
                    n_labels: 0,
                },
                index: 0,
                kind: FunKind::Script,
                dedup: HashMap::default(),
                clox_constants: 0,
                clox_size: 0,
            },
            appender: crate::encode::Appender::default(),
            too_many_globals: false,
            spares: Spares::default(),
            optimizer: Default::default(),
        }
    }

    /// Lowers one resolved piece (its script's body is the piece's statements), then
    /// optimizes and encodes what it made.
    pub fn lower_piece(
        &mut self,
        resolved: &Resolved,
        tokens: &dyn ByteSpans,
    ) -> Result<(), Vec<Diagnostic>> {
        let base = self.functions.len();
        let first_label = self.script.func.n_labels;
        let script = std::mem::replace(&mut self.script, Session::new(self.limits).script);
        let mut l = Lowerer {
            resolved,
            limits: self.limits,
            tokens,
            blame: Span::NONE,
            functions: Vec::new(),
            base,
            stack: vec![script],
            diagnostics: Vec::new(),
            too_many_globals: self.too_many_globals,
            spares: std::mem::take(&mut self.spares),
        };
        l.stmts(resolved.program.script().body);
        self.script = l.stack.pop().expect("the script's builder");
        self.too_many_globals = l.too_many_globals;
        self.spares = l.spares;
        if !l.diagnostics.is_empty() {
            return Err(l.diagnostics);
        }
        for f in l.functions {
            let mut f = f.expect("every function is finished");
            self.optimizer.function(&mut f);
            self.functions
                .push_or_oom(Some(crate::encode::function(&f)));
            self.spares.keep(f);
        }
        self.append_script(first_label);
        Ok(())
    }

    /// Optimizes and encodes the script's code lowered since `first_label` was next.
    fn append_script(&mut self, first_label: u32) {
        let func = &mut self.script.func;
        let before = func.constants.len();
        self.optimizer.function(func);
        // The numbers folding added are constants of the script from now on: lowering
        // the pieces after this one reuses them, as it would have reused them (had they
        // come first) in the whole script.
        for (i, constant) in func.constants.iter().enumerate().skip(before) {
            if let Const::Number(n) = constant {
                let key = ConstKey::Number(n.to_bits());
                memory::reserve_map_or_oom(&mut self.script.dedup, 1);
                self.script.dedup.entry(key).or_insert(i as ConstIdx);
            }
        }
        let n_labels = func.n_labels - first_label;
        self.appender
            .append(&func.code, &func.locs, first_label, n_labels);
        func.code.clear();
        func.locs.clear();
    }

    /// The whole module, once the last piece is lowered: the script ends with its
    /// implicit return on `end_line`. `globals` are the global names in slot order.
    pub fn finish(
        mut self,
        end_line: u32,
        globals: Vec<String>,
        dialect: loxide_bytecode::Dialect,
    ) -> loxide_bytecode::Module {
        let first_label = self.script.func.n_labels;
        self.script
            .func
            .code
            .extend_or_oom([Instr::Nil, Instr::Return]);
        let end = Loc {
            line: end_line,
            span: Span::NONE,
        };
        self.script.func.locs.extend_or_oom([end, end]);
        self.append_script(first_label);
        let script = self.appender.finish(&self.script.func);
        self.functions[0] = Some(script);
        loxide_bytecode::Module {
            functions: memory::collected(
                self.functions
                    .into_iter()
                    .map(|f| f.expect("every function is finished")),
            ),
            globals,
            dialect,
        }
    }
}

/// What makes two constants the same: a number's bits, or a string's symbol (names
/// and string literals share the interner, so `"x"` and the name `x` are one constant).
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
enum ConstKey {
    Number(u64),
    Str(Symbol),
}

struct Builder {
    func: Function,
    index: usize,
    kind: FunKind,
    dedup: HashMap<ConstKey, ConstIdx, IdHash>,
    /// Constants as clox would have counted them.
    clox_constants: u32,
    /// Code size as clox would have encoded it, in bytes.
    clox_size: u32,
}

struct Lowerer<'r> {
    resolved: &'r Resolved,
    limits: Limits,
    tokens: &'r dyn ByteSpans,
    /// The source bytes the next instructions come from: set just before an
    /// instruction that can fail is emitted (`Lowerer::blame`).
    blame: Span,
    /// The functions lowered, from module index `base` on.
    functions: Vec<Option<Function>>,
    base: usize,
    stack: Vec<Builder>,
    diagnostics: Vec<Diagnostic>,
    /// Set once "Too many global variables." is reported: it is reported once, where
    /// the first name past the limit occurs.
    too_many_globals: bool,
    /// Buffers to build functions in (a `Session`'s; empty for a whole program).
    spares: Spares,
}

/// The size of an instruction in clox's encoding.
fn clox_size(instr: &Instr, upvalues: usize) -> u32 {
    use Instr::*;
    match instr {
        Label(_) => 0,
        Nil | True | False | Pop | Equal | Greater | Less | Add | Subtract | Multiply | Divide
        | Not | Negate | Print | CloseUpvalue | Return | Inherit => 1,
        Jump(_) | Loop(_) | JumpIfFalse(_) | Invoke(..) | SuperInvoke(..) => 3,
        // A clox jump and the pop after it.
        JumpIfFalsePop(_) => 4,
        Closure(_) => 2 + 2 * upvalues as u32,
        _ => 2,
    }
}

impl Lowerer<'_> {
    fn b(&mut self) -> &mut Builder {
        self.stack
            .last_mut()
            .expect("lowering is always inside a function")
    }

    fn emit(&mut self, instr: Instr, line: u32) {
        let span = self.blame;
        let b = self.b();
        b.clox_size += clox_size(&instr, 0);
        b.func.code.push_or_oom(instr);
        b.func.locs.push_or_oom(Loc { line, span });
    }

    /// Emits an instruction that clox's encoding does not have where it stands: the
    /// jumps of a condition lowered as branches (`branch`), whose clox bytes are
    /// counted where clox would emit its own.
    fn emit_uncounted(&mut self, instr: Instr, line: u32) {
        let span = self.blame;
        let b = self.b();
        b.func.code.push_or_oom(instr);
        b.func.locs.push_or_oom(Loc { line, span });
    }

    /// Makes the instructions emitted next blame the tokens `first` to `last`.
    fn blame(&mut self, first: TokIdx, last: TokIdx) {
        self.blame = match (self.tokens.byte_span(first), self.tokens.byte_span(last)) {
            (Some((start, _)), Some((_, end))) if end >= start => Span::new(start, end),
            (Some((start, end)), _) => Span::new(start, end),
            _ => Span::NONE,
        };
    }

    /// The first token of an expression, for spans that start where it does.
    fn first_tok(&self, expr: c::ExprId) -> TokIdx {
        let p = &self.resolved.program;
        let mut expr = expr;
        loop {
            match p.expr(expr) {
                c::Expr::Literal { tok, .. } | c::Expr::Unary { tok, .. } => return *tok,
                c::Expr::Variable(r) | c::Expr::This(r) => return r.tok,
                c::Expr::Assign { target, .. } => return target.tok,
                c::Expr::Super { keyword, .. } => return *keyword,
                c::Expr::Binary { left, .. } | c::Expr::Logical { left, .. } => expr = *left,
                c::Expr::Call { callee, .. } => expr = *callee,
                c::Expr::Get { object, .. } | c::Expr::Set { object, .. } => expr = *object,
            }
        }
    }

    fn label(&mut self) -> Label {
        let b = self.b();
        b.func.n_labels += 1;
        b.func.n_labels - 1
    }

    fn place(&mut self, label: Label) {
        self.emit(Instr::Label(label), 0);
        let b = self.b();
        // A label inherits the line of the instruction before it, for the dumps.
        let n = b.func.locs.len();
        if n >= 2 {
            b.func.locs[n - 1] = b.func.locs[n - 2];
        }
    }

    /// Counts one clox constant (clox allocates one per use) at `tok`.
    fn clox_constant(&mut self, tok: u32) {
        if self.limits != Limits::Clox {
            return;
        }
        let b = self.b();
        b.clox_constants += 1;
        if b.clox_constants > CLOX_MAX_CONSTANTS {
            self.diagnostics
                .push_or_oom(Diagnostic::at(tok, "Too many constants in one chunk."));
        }
    }

    /// Adds a number or string constant to the pool (reusing an equal one) and returns
    /// its index.
    fn constant(&mut self, key: ConstKey, tok: u32) -> ConstIdx {
        self.clox_constant(tok);
        if let Some(&idx) = self.b().dedup.get(&key) {
            return idx;
        }
        let value = match key {
            ConstKey::Number(bits) => Const::Number(f64::from_bits(bits)),
            ConstKey::Str(s) => Const::Str(memory::string(self.resolved.program.names.get(s))),
        };
        let idx = self.push_constant(value, tok);
        memory::reserve_map_or_oom(&mut self.b().dedup, 1);
        self.b().dedup.insert(key, idx);
        idx
    }

    /// Adds a constant that is never shared (a function) and returns its index.
    fn function_constant(&mut self, index: u32, tok: u32) -> ConstIdx {
        self.clox_constant(tok);
        self.push_constant(Const::Function(index), tok)
    }

    /// Appends a constant to the pool, reporting the first one past the limit.
    fn push_constant(&mut self, value: Const, tok: u32) -> ConstIdx {
        let idx = self.b().func.constants.len();
        if idx == MAX_CONSTANTS && self.limits == Limits::Default {
            self.diagnostics
                .push_or_oom(Diagnostic::at(tok, "Too many constants in one chunk."));
        }
        self.b().func.constants.push_or_oom(value);
        idx as ConstIdx
    }

    fn name_constant(&mut self, name: Symbol, tok: u32) -> ConstIdx {
        self.constant(ConstKey::Str(name), tok)
    }

    /// Checks a jump's length in clox's bytes, under `--limits=clox`.
    fn check_clox_jump(&mut self, from: u32, tok: u32, msg: &str) {
        if self.limits == Limits::Clox && self.b().clox_size - from > CLOX_MAX_JUMP {
            self.diagnostics.push_or_oom(Diagnostic::at(tok, msg));
        }
    }

    // ----- Functions --------------------------------------------------------------------

    /// Lowers a function and returns its index in the module.
    fn function(&mut self, fun: &c::Function) -> u32 {
        let index = self.base + self.functions.len();
        self.functions.push_or_oom(None);
        let upvalues = self
            .resolved
            .fun(fun.id)
            .upvalues
            .iter()
            .map(|u| loxide_bytecode::UpvalueDesc {
                is_local: u.is_local,
                index: u.index,
            })
            .collect();
        let name = if fun.kind == FunKind::Script {
            String::new()
        } else {
            memory::string(self.resolved.program.names.get(fun.name.name))
        };
        self.stack.push_or_oom(Builder {
            func: Function {
                name,
                arity: fun.params.len().min(255) as u8,
                upvalues,
                code: self.spares.code.pop().unwrap_or_default(),
                locs: self.spares.locs.pop().unwrap_or_default(),
                constants: Vec::new(),
                n_labels: 0,
            },
            index,
            kind: fun.kind,
            dedup: self.spares.dedup.pop().unwrap_or_default(),
            clox_constants: 0,
            clox_size: 0,
        });
        // Room for about an instruction per token, so that the code of a long
        // function does not move as it grows: a vector that moves leaves its old
        // buffer behind, which the C allocator (serving blocks of up to 32 MB from its
        // heap once a tree of that size has been freed) keeps as touched memory, 6 MB
        // of it on 100,000 lines of arithmetic. A hint, not a bound: it may still grow.
        // A function's tokens are not always a range (a parse that recovered from an
        // error may end one at no token, `TokIdx::MAX`), so the tree's size caps it.
        // Only the script and the functions declared in it reserve: a nested function's
        // tokens are inside its enclosing function's, and a reservation at every level
        // of a deep nesting would reserve the same tokens again at each (1,500 levels
        // of a large program took 150 GB of address space, untouched but counted
        // against an address-space limit and by `fork`).
        if self.stack.len() <= 2 {
            let p = &self.resolved.program;
            let tokens = (fun.end_tok.saturating_sub(fun.name.tok) as usize)
                .min(p.exprs.len() + p.stmts.len() + 2);
            let b = self.b();
            b.func.code.reserve_or_oom(tokens);
            b.func.locs.reserve_or_oom(tokens);
        }
        self.stmts(fun.body);
        self.implicit_return(fun.end_line);
        let b = self.stack.pop().expect("pushed above");
        self.functions[b.index - self.base] = Some(b.func);
        self.spares.keep_dedup(b.dedup);
        index as u32
    }

    fn implicit_return(&mut self, line: u32) {
        if self.b().kind == FunKind::Initializer {
            self.emit(Instr::GetLocal(0), line);
        } else {
            self.emit(Instr::Nil, line);
        }
        self.emit(Instr::Return, line);
    }

    /// Emits a closure for a nested function (its constant is made after its body, as
    /// in clox, so it counts against the enclosing function at the closing brace).
    fn closure(&mut self, fun: &c::Function) {
        let index = self.function(fun);
        let konst = self.function_constant(index, fun.end_tok);
        let n_upvalues = self.resolved.fun(fun.id).upvalues.len();
        self.emit(Instr::Closure(konst), fun.end_line);
        self.b().clox_size += 2 * n_upvalues as u32;
    }

    // ----- Variables --------------------------------------------------------------------

    fn get(&mut self, binding: Binding, tok: u32, line: u32) {
        let instr = match binding {
            Binding::Local(s) => Instr::GetLocal(s),
            Binding::Upvalue(u) => Instr::GetUpvalue(u),
            Binding::Global(g) => {
                self.clox_constant(tok);
                self.check_global(g, tok);
                Instr::GetGlobal(g)
            }
        };
        self.blame(tok, tok);
        self.emit(instr, line);
    }

    fn set(&mut self, binding: Binding, line: u32) {
        let instr = match binding {
            Binding::Local(s) => Instr::SetLocal(s),
            Binding::Upvalue(u) => Instr::SetUpvalue(u),
            Binding::Global(g) => Instr::SetGlobal(g),
        };
        self.emit(instr, line);
    }

    /// Counts the constant clox spends on a global declaration's name.
    fn declare(&mut self, decl: &c::Decl) {
        if let Binding::Global(g) = self.resolved.decl(decl).binding {
            self.clox_constant(decl.tok);
            self.check_global(g, decl.tok);
        }
    }

    /// Reports the first global slot past `MAX_GLOBALS`, at the name that needs it.
    /// Slots are numbered in the order names first occur, and lowering follows the
    /// source, so that name is where the limit was crossed.
    fn check_global(&mut self, slot: u32, tok: u32) {
        if slot as usize >= MAX_GLOBALS && !self.too_many_globals {
            self.too_many_globals = true;
            self.diagnostics
                .push_or_oom(Diagnostic::at(tok, "Too many global variables."));
        }
    }

    /// Binds the value on top of the stack to a declaration: a global is stored, a
    /// local simply stays where it is.
    fn define(&mut self, decl: &c::Decl, line: u32) {
        if let Binding::Global(g) = self.resolved.decl(decl).binding {
            self.emit(Instr::DefineGlobal(g), line);
        }
    }

    /// Leaves a scope: pops its locals, closing the captured ones.
    fn end_scope(&mut self, scope: c::ScopeId, line: u32) {
        for &decl in self.resolved.scope_locals(scope).iter().rev() {
            let instr = if self.resolved.decl_info(decl).captured {
                Instr::CloseUpvalue
            } else {
                Instr::Pop
            };
            self.emit(instr, line);
        }
    }

    // ----- Statements -------------------------------------------------------------------

    fn stmts(&mut self, stmts: c::List<c::StmtId>) {
        for &stmt in self.resolved.program.stmt_list(stmts) {
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: c::StmtId) {
        // No blame crosses a statement: what a statement makes depends on it alone
        // (which lowering a piece at a time relies on).
        self.blame = Span::NONE;
        let p = &self.resolved.program;
        match p.stmt(stmt) {
            c::Stmt::Expr { expr, line } => {
                if !self.store_through_local(*expr) {
                    self.expr(*expr);
                    self.emit(Instr::Pop, *line);
                }
            }
            c::Stmt::Print { expr, line } => {
                self.expr(*expr);
                self.emit(Instr::Print, *line);
            }
            c::Stmt::Var { decl, init } => {
                self.declare(decl);
                match init {
                    Some(e) => self.expr(*e),
                    None => self.emit(Instr::Nil, decl.line),
                }
                self.define(decl, decl.line);
            }
            c::Stmt::Block { stmts, scope } => {
                self.stmts(*stmts);
                let line = self.b().func.locs.last().map_or(0, |loc| loc.line);
                self.end_scope(*scope, line);
            }
            c::Stmt::If {
                cond,
                then_branch,
                else_branch,
                line,
                then_end_tok,
                end_tok,
            } => {
                let else_label = self.label();
                let end = self.label();
                self.branch(*cond, false, else_label, *line);
                // clox's jump and the pop of the condition on each branch.
                self.b().clox_size += 4;
                let then_start = self.b().clox_size - 1;
                self.stmt(*then_branch);
                self.emit(Instr::Jump(end), *line);
                self.check_clox_jump(then_start, *then_end_tok, TOO_FAR);
                let else_start = self.b().clox_size;
                self.place(else_label);
                self.b().clox_size += 1;
                if let Some(e) = else_branch {
                    self.stmt(*e);
                }
                self.check_clox_jump(else_start, *end_tok, TOO_FAR);
                self.place(end);
            }
            c::Stmt::While {
                cond,
                body,
                line,
                end_tok,
            } => {
                let start = self.label();
                let exit = self.label();
                let clox_start = self.b().clox_size;
                self.place(start);
                // `while (true)` (and a `for` without a condition) needs no test.
                let always = matches!(
                    p.expr(*cond),
                    c::Expr::Literal {
                        value: Literal::Bool(true),
                        ..
                    }
                );
                let mut exit_start = 0;
                if !always {
                    self.branch(*cond, false, exit, *line);
                    self.b().clox_size += 4;
                    exit_start = self.b().clox_size - 1;
                }
                self.stmt(*body);
                self.emit(Instr::Loop(start), *line);
                self.check_clox_jump(clox_start, *end_tok, "Loop body too large.");
                if !always {
                    self.check_clox_jump(exit_start, *end_tok, TOO_FAR);
                }
                if !always {
                    self.place(exit);
                    self.b().clox_size += 1;
                }
            }
            c::Stmt::Fun(f) => {
                let f = p.function(*f);
                self.declare(&f.name);
                self.closure(f);
                self.define(&f.name, f.end_line);
            }
            c::Stmt::AssignOrDeclare {
                decl, value, line, ..
            } => match self.resolved.assignment(decl) {
                Some(binding) => {
                    self.expr(*value);
                    self.set(binding, *line);
                    self.emit(Instr::Pop, *line);
                }
                None => {
                    self.expr(*value);
                    self.define(decl, *line);
                }
            },
            c::Stmt::Return { value, line, .. } => {
                match value {
                    Some(v) => self.expr(*v),
                    None if self.b().kind == FunKind::Initializer => {
                        self.emit(Instr::GetLocal(0), *line)
                    }
                    None => self.emit(Instr::Nil, *line),
                }
                self.emit(Instr::Return, *line);
            }
            c::Stmt::Class(class) => self.class(p.class(*class)),
        }
    }

    fn class(&mut self, class: &c::Class) {
        let line = class.name.line;
        let name = self.name_constant(class.name.name, class.name.tok);
        self.blame(class.name.tok, class.name.tok);
        self.emit(Instr::Class(name), line);
        self.define(&class.name, line);
        let class_binding = self.resolved.decl(&class.name).binding;
        if let Some(superclass) = &class.superclass {
            let sline = superclass.line;
            self.get(self.resolved.binding(superclass), superclass.tok, sline);
            // The superclass stays on the stack as the hidden local `super`.
            self.get(class_binding, class.name.tok, sline);
            self.blame(superclass.tok, superclass.tok);
            self.emit(Instr::Inherit, sline);
        }
        self.get(class_binding, class.name.tok, line);
        let p = &self.resolved.program;
        for &method in p.fun_list(class.methods) {
            let method = p.function(method);
            let name = self.name_constant(method.name.name, method.name.tok);
            self.closure(method);
            self.emit(Instr::Method(name), method.end_line);
        }
        let end_line = self.b().func.locs.last().map_or(line, |loc| loc.line);
        self.emit(Instr::Pop, end_line);
        if class.superclass.is_some() {
            self.end_scope(class.super_scope, end_line);
        }
    }

    // ----- Expressions ------------------------------------------------------------------

    fn expr(&mut self, expr: c::ExprId) {
        let p = &self.resolved.program;
        match p.expr(expr) {
            c::Expr::Literal { value, tok, line } => match value {
                Literal::Number(n) => {
                    let k = self.constant(ConstKey::Number(n.get().to_bits()), *tok);
                    self.emit(Instr::Constant(k), *line);
                }
                Literal::Str(s) => {
                    let k = self.name_constant(*s, *tok);
                    self.emit(Instr::Constant(k), *line);
                }
                Literal::Bool(true) => self.emit(Instr::True, *line),
                Literal::Bool(false) => self.emit(Instr::False, *line),
                Literal::Nil => self.emit(Instr::Nil, *line),
            },
            c::Expr::Unary {
                op,
                operand,
                tok,
                line,
            } => {
                self.expr(*operand);
                let instr = match op {
                    UnaryOp::Negate => Instr::Negate,
                    UnaryOp::Not => Instr::Not,
                };
                self.blame(*tok, *tok);
                self.emit(instr, *line);
            }
            c::Expr::Binary { line, .. } => {
                // `binary` counted clox's byte for the `NOT`.
                if self.binary(expr) {
                    self.emit_uncounted(Instr::Not, *line);
                }
            }
            c::Expr::Logical {
                op,
                left,
                right,
                line,
                end_tok,
            } => {
                self.expr(*left);
                let end = self.label();
                match op {
                    LogicalOp::And => {
                        self.emit(Instr::JumpIfFalse(end), *line);
                    }
                    LogicalOp::Or => {
                        let else_label = self.label();
                        self.emit(Instr::JumpIfFalse(else_label), *line);
                        self.emit(Instr::Jump(end), *line);
                        self.place(else_label);
                    }
                }
                let start = self.b().clox_size;
                self.emit(Instr::Pop, *line);
                self.expr(*right);
                self.check_clox_jump(start, *end_tok, TOO_FAR);
                self.place(end);
            }
            c::Expr::Variable(r) => {
                self.get(self.resolved.binding(r), r.tok, r.line);
                if self.resolved.surely_defined(r)
                    && let Some(last) = self.b().func.code.last_mut()
                    && let Instr::GetGlobal(g) = *last
                {
                    *last = Instr::GetDefinedGlobal(g);
                }
            }
            c::Expr::Assign {
                target,
                value,
                line,
            } => {
                let binding = self.resolved.binding(target);
                if let Binding::Global(g) = binding {
                    self.clox_constant(target.tok);
                    self.check_global(g, target.tok);
                }
                self.expr(*value);
                self.blame(target.tok, target.tok);
                self.set(binding, *line);
            }
            c::Expr::Call {
                callee,
                args,
                paren,
                line,
            } => self.call(*callee, *args, *paren, *line),
            c::Expr::Get { object, name } => {
                self.expr(*object);
                let k = self.name_constant(name.name, name.tok);
                self.blame(name.tok, name.tok);
                self.emit(Instr::GetProperty(k), name.line);
            }
            c::Expr::Set {
                object,
                name,
                value,
                line,
            } => {
                self.expr(*object);
                let k = self.name_constant(name.name, name.tok);
                self.expr(*value);
                self.blame(name.tok, name.tok);
                self.emit(Instr::SetProperty(k), *line);
            }
            c::Expr::This(r) => self.get(self.resolved.binding(r), r.tok, r.line),
            c::Expr::Super {
                this, method, line, ..
            } => {
                let super_ref = this + 1;
                // As for a `super` invoke: clox reports these constants at the name.
                let k = self.name_constant(method.name, method.tok);
                self.get(self.resolved.ref_binding(*this), method.tok, *line);
                self.get(self.resolved.ref_binding(super_ref), method.tok, *line);
                self.blame(method.tok, method.tok);
                self.emit(Instr::GetSuper(k), *line);
            }
        }
    }

    /// Calls; a call of a property or a `super` method becomes a single invoke.
    /// Lowers a binary expression (`expr` is one) but for the `NOT` of a negated
    /// comparison (`!=`, `<=`, `>=`), and says whether that `NOT` is owed: the caller
    /// emits it, or a branch on the value flips instead. clox's byte for it is counted
    /// either way.
    fn binary(&mut self, expr: c::ExprId) -> bool {
        let p = &self.resolved.program;
        let c::Expr::Binary {
            op,
            left,
            right,
            tok,
            line,
        } = p.expr(expr)
        else {
            unreachable!("binary lowers binary expressions")
        };
        self.expr(*left);
        self.expr(*right);
        self.blame(*tok, *tok);
        // As in clox, `a <= b` is `!(a > b)`: observable with NaN.
        let (instr, negate) = match op {
            BinaryOp::Add => (Instr::Add, false),
            BinaryOp::Subtract => (Instr::Subtract, false),
            BinaryOp::Multiply => (Instr::Multiply, false),
            BinaryOp::Divide => (Instr::Divide, false),
            BinaryOp::Equal => (Instr::Equal, false),
            BinaryOp::NotEqual => (Instr::Equal, true),
            BinaryOp::Less => (Instr::Less, false),
            BinaryOp::LessEqual => (Instr::Greater, true),
            BinaryOp::Greater => (Instr::Greater, false),
            BinaryOp::GreaterEqual => (Instr::Less, true),
        };
        self.emit(instr, *line);
        if negate {
            self.b().clox_size += 1;
        }
        negate
    }

    /// Lowers the statement `p.name = value;` as `value` then `SET_LOCAL_PROPERTY_POP`
    /// when `p` is a local (or `this`) and `value` calls and assigns nothing: then
    /// nothing can change `p` while `value` runs, so reading it after `value` instead
    /// of before is the same, and the receiver is never pushed. Any error comes where
    /// it came before (`value`'s own, then the store's, on the name). Says whether it
    /// did; clox's bytes are counted as for clox's `GET_LOCAL`, `SET_PROPERTY`, `POP`.
    fn store_through_local(&mut self, expr: c::ExprId) -> bool {
        let p = &self.resolved.program;
        let c::Expr::Set {
            object,
            name,
            value,
            line,
        } = p.expr(expr)
        else {
            return false;
        };
        let receiver = match p.expr(*object) {
            c::Expr::Variable(r) | c::Expr::This(r) => self.resolved.binding(r),
            _ => return false,
        };
        let Binding::Local(slot) = receiver else {
            return false;
        };
        if !self.runs_no_code(*value) {
            return false;
        }
        self.b().clox_size += 2;
        let k = self.name_constant(name.name, name.tok);
        self.expr(*value);
        self.blame(name.tok, name.tok);
        self.emit_uncounted(Instr::SetLocalPropertyPop(slot, k), *line);
        self.b().clox_size += 3;
        true
    }

    /// True when evaluating `expr` calls nothing and assigns nothing: it reads
    /// variables and fields and computes, and whatever else it does (allocate a
    /// string, fail) changes no variable.
    fn runs_no_code(&self, expr: c::ExprId) -> bool {
        let p = &self.resolved.program;
        match p.expr(expr) {
            c::Expr::Literal { .. } | c::Expr::Variable(_) | c::Expr::This(_) => true,
            c::Expr::Unary { operand, .. } => self.runs_no_code(*operand),
            c::Expr::Binary { left, right, .. } | c::Expr::Logical { left, right, .. } => {
                self.runs_no_code(*left) && self.runs_no_code(*right)
            }
            c::Expr::Get { object, .. } => self.runs_no_code(*object),
            _ => false,
        }
    }

    /// Lowers a condition as branches: code that jumps to `target` when the truthiness
    /// of `expr` is `when`, and falls through otherwise, with nothing left on the
    /// stack. `and`, `or` and `!` become jumps between their operands' branches, so no
    /// operand's value is kept, tested twice or popped. Only truthiness is observable
    /// in a condition, and the operands run in the same order and as far, so the
    /// program means what it meant. clox's bytes are counted as clox's own code for
    /// the expression would have them (its jump-size errors depend on it): the jumps
    /// made here are not counted, and clox's own are counted where clox emits them.
    fn branch(&mut self, expr: c::ExprId, when: bool, target: Label, line: u32) {
        let p = &self.resolved.program;
        match p.expr(expr) {
            c::Expr::Logical {
                op,
                left,
                right,
                end_tok,
                ..
            } => {
                // `a and b` is false when either is; `a or b` is true when either is.
                // The operand that decides alone jumps to `target` or past the second.
                let decides = matches!(op, LogicalOp::Or);
                let past = if when == decides {
                    self.branch(*left, when, target, line);
                    None
                } else {
                    let past = self.label();
                    self.branch(*left, decides, past, line);
                    Some(past)
                };
                // clox: `JUMP_IF_FALSE` (and for `or` a `JUMP`), then a `POP` that the
                // jump over the right operand starts at.
                self.b().clox_size += match op {
                    LogicalOp::And => 3,
                    LogicalOp::Or => 6,
                };
                let start = self.b().clox_size;
                self.b().clox_size += 1;
                self.branch(*right, when, target, line);
                self.check_clox_jump(start, *end_tok, TOO_FAR);
                if let Some(past) = past {
                    self.place(past);
                }
            }
            c::Expr::Unary {
                op: UnaryOp::Not,
                operand,
                ..
            } => {
                // `!` never fails: a branch on the operand, the other way.
                self.branch(*operand, !when, target, line);
                self.b().clox_size += 1;
            }
            c::Expr::Binary { .. } => {
                let flipped = self.binary(expr);
                self.test(when != flipped, target, line);
            }
            _ => {
                self.expr(expr);
                self.test(when, target, line);
            }
        }
    }

    /// The jump at the end of a branch on the value on top of the stack (popped): to
    /// `target` when its truthiness is `when`. A jump on truthiness is `NOT` then
    /// `JUMP_IF_FALSE_POP`, which the optimizer fuses with a comparison before it.
    fn test(&mut self, when: bool, target: Label, line: u32) {
        if when {
            self.emit_uncounted(Instr::Not, line);
        }
        self.emit_uncounted(Instr::JumpIfFalsePop(target), line);
    }

    fn call(&mut self, callee: c::ExprId, args: c::List<c::ExprId>, paren: TokIdx, line: u32) {
        let argc = args.len().min(255) as u8;
        let p = &self.resolved.program;
        match p.expr(callee) {
            c::Expr::Get { object, name } => {
                self.expr(*object);
                let k = self.name_constant(name.name, name.tok);
                self.args(args);
                self.blame(name.tok, paren);
                self.emit(Instr::Invoke(k, argc), line);
            }
            c::Expr::Super { this, method, .. } => {
                let super_ref = this + 1;
                // `this` and `super` spend constants only in erroneous code (outside a
                // class, or without a superclass); clox reports such a constant at the
                // method name, which comes after the error at `super`.
                let k = self.name_constant(method.name, method.tok);
                self.get(self.resolved.ref_binding(*this), method.tok, line);
                self.args(args);
                self.get(self.resolved.ref_binding(super_ref), method.tok, line);
                self.blame(method.tok, paren);
                self.emit(Instr::SuperInvoke(k, argc), line);
            }
            _ => {
                self.expr(callee);
                self.args(args);
                let first = self.first_tok(callee);
                self.blame(first, paren);
                self.emit(Instr::Call(argc), line);
            }
        }
    }

    fn args(&mut self, args: c::List<c::ExprId>) {
        for &arg in self.resolved.program.expr_list(args) {
            self.expr(arg);
        }
    }
}

// The language's limits fit the bytecode's operands.
const _: () = assert!(loxide_syntax::sema::MAX_UPVALUES <= loxide_bytecode::MAX_UPVALUES);
const _: () = assert!(loxide_syntax::sema::MAX_LOCALS <= 1 << 8);

//! Semantic analysis: resolves every name in the core tree to a local slot, an upvalue
//! or a global slot, and reports the static errors clox reports.
//!
//! The tree is not rewritten; results go to side tables indexed by the ids desugaring
//! handed out. Scoping follows clox exactly (one stack slot per local in declaration
//! order, slot 0 reserved for the callee or `this`, upvalues deduplicated per function)
//! because slot numbers and error order are observable.
//!
//! Every table is a vector indexed by an id or a symbol: names are compared and looked
//! up as `u32`s, never hashed as text.

use crate::memory::{self, Grow};

use crate::desugar::core::*;
use crate::diag::Diagnostic;
use crate::frontend::Lang;
use crate::intern::Symbol;

/// clox's limit on locals in one function (a one-byte slot operand).
pub const MAX_LOCALS: usize = 256;
/// clox's limit on upvalues captured by one function (a one-byte operand).
pub const MAX_UPVALUES: usize = 256;
/// How deeply functions may nest, the script being depth 0: the bytecode verifier's
/// `MAX_FUNCTION_NESTING` (the compiler crate checks that the two agree). The parser's
/// nesting limit is higher, so this is where a program of functions nested too deeply
/// gets its error.
pub const MAX_FUNCTION_NESTING: usize = 1024;

/// Where a name lives at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {
    /// A slot in the current call frame.
    Local(u8),
    /// An index into the current closure's upvalues.
    Upvalue(u8),
    /// An index into the module's global names.
    Global(u32),
}

/// How a closure captures one variable when it is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UpvalueDesc {
    /// True: a local slot of the enclosing frame; false: an upvalue of the enclosing closure.
    pub is_local: bool,
    pub index: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeclInfo {
    pub binding: Binding,
    /// A local that some closure captures: leaving its scope closes it rather than pops it.
    pub captured: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FunInfo {
    pub upvalues: Vec<UpvalueDesc>,
    /// The names the upvalues capture, for dumps.
    pub upvalue_names: Vec<Symbol>,
}

/// A program whose names are all resolved; only `resolve` builds one.
#[derive(Debug)]
pub struct Resolved {
    pub program: Program,
    refs: Vec<Binding>,
    /// For each name use bound to a local or an upvalue, the declaration it reads
    /// (editors go to it); `None` for globals, which are bound by name.
    ref_decls: Vec<Option<DeclId>>,
    decls: Vec<DeclInfo>,
    funs: Vec<FunInfo>,
    /// Each scope's locals, as a range of `scope_locals`.
    scopes: Vec<List<DeclId>>,
    scope_locals: Vec<DeclId>,
    /// For each `decl` id of an `AssignOrDeclare`, the variable it assigns, if it
    /// assigns an existing one.
    assignments: Vec<Option<Binding>>,
    /// For each name use bound to a global: whether the global is surely defined when
    /// the use runs (see `Resolver::surely_defined`).
    defined_refs: Vec<bool>,
    /// Global names in slot order.
    pub globals: Vec<Symbol>,
}

impl Resolved {
    /// For an `AssignOrDeclare`, the variable it assigns; `None` if it declares `decl`.
    pub fn assignment(&self, d: &Decl) -> Option<Binding> {
        self.assignments[d.id as usize]
    }

    pub fn binding(&self, r: &VarRef) -> Binding {
        self.refs[r.id as usize]
    }

    /// Whether a use of a global is surely defined when it runs, so that reading it
    /// cannot fail: the program declared the global in a top-level statement before the
    /// one the use is in (or, for a function or class, in the declaration itself).
    /// Top-level statements run in order, and the code of a later one (a function
    /// body included) runs only after they have; a global, once defined, stays so.
    pub fn surely_defined(&self, r: &VarRef) -> bool {
        self.defined_refs[r.id as usize]
    }

    /// The declaration a local or upvalue use reads, by the use's id; `None` for a
    /// global (bound by name, at run time) and for names clox binds to nothing.
    pub fn ref_decl(&self, id: RefId) -> Option<DeclId> {
        self.ref_decls[id as usize]
    }

    /// The binding of a name use, by id.
    pub fn ref_binding(&self, id: RefId) -> Binding {
        self.refs[id as usize]
    }

    pub fn decl(&self, d: &Decl) -> DeclInfo {
        self.decls[d.id as usize]
    }

    pub fn fun(&self, id: FunId) -> &FunInfo {
        &self.funs[id as usize]
    }

    /// The locals a scope declared, in declaration order.
    pub fn scope_locals(&self, scope: ScopeId) -> &[DeclId] {
        self.scopes[scope as usize].of(&self.scope_locals)
    }

    pub fn decl_info(&self, id: DeclId) -> DeclInfo {
        self.decls[id as usize]
    }
}

/// Resolves a program and returns it with every diagnostic found. With diagnostics,
/// the result is good only for counting what clox counts past its errors (constants,
/// code size): like clox, it binds a name it reports as it compiles it (`this` outside
/// a class to nothing, a local beyond the limit to no slot).
pub fn resolve(program: Program) -> (Resolved, Vec<Diagnostic>) {
    let mut globals = Globals::default();
    let (mut resolved, diagnostics) = resolve_in(program, &mut globals);
    resolved.globals = globals.names;
    (resolved, diagnostics)
}

/// The global variables of a program compiled a piece at a time (a run of top-level
/// statements each): their slots persist from one piece to the next, so a name keeps
/// its slot. `names` lists them in slot order.
#[derive(Debug, Default)]
pub struct Globals {
    pub names: Vec<Symbol>,
    /// Each name's slot, by symbol (`NO_SLOT` if none).
    slots: Vec<u32>,
    /// By symbol: whether a global of that name is defined so far (Potato).
    defined: Vec<bool>,
    /// By symbol: whether a top-level statement of this program declared it so far.
    declared: Vec<bool>,
}

/// Resolves one piece of a program whose global variables are `globals` so far (see
/// `Globals`): the piece's new globals are added to them. The result's own `globals`
/// list is left empty; `globals` has them.
pub fn resolve_in(program: Program, globals: &mut Globals) -> (Resolved, Vec<Diagnostic>) {
    let unresolved = DeclInfo {
        binding: Binding::Global(u32::MAX),
        captured: false,
    };
    let n_names = program.names.len();
    globals
        .slots
        .resize_or_oom(n_names.max(globals.slots.len()), NO_SLOT);
    globals
        .defined
        .resize_or_oom(n_names.max(globals.defined.len()), false);
    globals
        .declared
        .resize_or_oom(n_names.max(globals.declared.len()), false);
    let mut r = Resolver {
        p: &program,
        refs: memory::filled(Binding::Global(u32::MAX), program.n_refs as usize),
        ref_decls: memory::filled(None, program.n_refs as usize),
        found_decl: None,
        decls: memory::filled(unresolved, program.n_decls as usize),
        funs: memory::filled(FunInfo::default(), program.n_funs() as usize),
        scopes: memory::filled(List::EMPTY, program.n_scopes as usize),
        scope_locals: Vec::new(),
        globals: std::mem::take(&mut globals.names),
        global_slots: std::mem::take(&mut globals.slots),
        lang: program.lang,
        defined_globals: std::mem::take(&mut globals.defined),
        declared_globals: std::mem::take(&mut globals.declared),
        defined_refs: memory::filled(false, program.n_refs as usize),
        assignments: memory::filled(None, program.n_decls as usize),
        fns: Vec::new(),
        locals: Vec::new(),
        classes: Vec::new(),
        popped: Vec::new(),
        diagnostics: Vec::new(),
    };
    for name in &program.predefined {
        r.defined_globals[name.index()] = true;
    }
    r.function(program.script());
    let Resolver {
        refs,
        ref_decls,
        decls,
        funs,
        scopes,
        scope_locals,
        assignments,
        globals: names,
        global_slots,
        defined_globals,
        declared_globals,
        defined_refs,
        diagnostics,
        ..
    } = r;
    *globals = Globals {
        names,
        slots: global_slots,
        defined: defined_globals,
        declared: declared_globals,
    };
    let resolved = Resolved {
        program,
        refs,
        ref_decls,
        decls,
        funs,
        scopes,
        scope_locals,
        assignments,
        defined_refs,
        globals: Vec::new(),
    };
    (resolved, diagnostics)
}

/// No global slot yet, in `Resolver::global_slots`.
const NO_SLOT: u32 = u32::MAX;

struct Local {
    name: Symbol,
    /// `None` while the variable is declared but its initializer is still running.
    depth: Option<u32>,
    decl: Option<DeclId>,
}

struct FnState {
    id: FunId,
    kind: FunKind,
    /// Where the function's locals start in `Resolver::locals` (its slot 0).
    locals_base: usize,
    upvalues: Vec<UpvalueDesc>,
    scope_depth: u32,
}

struct ClassState {
    has_superclass: bool,
}

struct Resolver<'p> {
    p: &'p Program,
    refs: Vec<Binding>,
    ref_decls: Vec<Option<DeclId>>,
    /// The declaration the last successful `resolve_local` found.
    found_decl: Option<DeclId>,
    decls: Vec<DeclInfo>,
    funs: Vec<FunInfo>,
    scopes: Vec<List<DeclId>>,
    scope_locals: Vec<DeclId>,
    globals: Vec<Symbol>,
    /// Each name's global slot, by symbol (`NO_SLOT` if none).
    global_slots: Vec<u32>,
    /// Potato requires a global to be defined (earlier in the source) before its use;
    /// Lox binds globals late, at run time.
    lang: Lang,
    /// By symbol: whether a global of that name is defined so far (Potato).
    defined_globals: Vec<bool>,
    /// By symbol: whether a top-level statement resolved so far declared the global
    /// (`surely_defined`).
    declared_globals: Vec<bool>,
    /// By name use: whether it reads a global surely defined (`Resolved::surely_defined`).
    defined_refs: Vec<bool>,
    assignments: Vec<Option<Binding>>,
    /// The functions being resolved, innermost last.
    fns: Vec<FnState>,
    /// The locals of every function in `fns`, one stack: each function's are above
    /// those of the function it is nested in.
    locals: Vec<Local>,
    classes: Vec<ClassState>,
    /// Scratch space for the locals of the scope being left.
    popped: Vec<DeclId>,
    diagnostics: Vec<Diagnostic>,
}

impl Resolver<'_> {
    fn error(&mut self, tok: u32, msg: &str) {
        self.diagnostics.push_or_oom(Diagnostic::at(tok, msg));
    }

    fn current(&mut self) -> &mut FnState {
        self.fns
            .last_mut()
            .expect("resolver is always inside a function")
    }

    /// The locals of the function at `level` in `fns`, slot 0 first.
    fn locals_of(&self, level: usize) -> &[Local] {
        let end = match self.fns.get(level + 1) {
            Some(inner) => inner.locals_base,
            None => self.locals.len(),
        };
        &self.locals[self.fns[level].locals_base..end]
    }

    fn global_slot(&mut self, name: Symbol) -> u32 {
        let slot = self.global_slots[name.index()];
        if slot != NO_SLOT {
            return slot;
        }
        let slot = self.globals.len() as u32;
        self.globals.push_or_oom(name);
        self.global_slots[name.index()] = slot;
        slot
    }

    // ----- Scopes and declarations ------------------------------------------------------

    fn begin_scope(&mut self) {
        self.current().scope_depth += 1;
    }

    /// Leaves a scope, recording which locals it held (in declaration order).
    fn end_scope(&mut self, scope: ScopeId) {
        let f = self.fns.last_mut().expect("inside a function");
        f.scope_depth -= 1;
        let depth = f.scope_depth;
        // The function's slot 0 has depth 0, so this stops within the function.
        while let Some(local) = self.locals.last() {
            if local.depth.is_some_and(|d| d <= depth) {
                break;
            }
            if let Some(decl) = self.locals.pop().and_then(|l| l.decl) {
                self.popped.push_or_oom(decl);
            }
        }
        self.popped.reverse();
        self.scopes[scope as usize] = List::build(&mut self.scope_locals, &mut self.popped, 0);
    }

    /// Declares a name in the current scope (not yet initialized).
    fn declare(&mut self, decl: &Decl) {
        if self.current().scope_depth == 0 {
            self.defined_globals[decl.name.index()] = true;
            let slot = self.global_slot(decl.name);
            self.decls[decl.id as usize] = DeclInfo {
                binding: Binding::Global(slot),
                captured: false,
            };
            return;
        }
        let level = self.fns.len() - 1;
        let depth = self.fns[level].scope_depth;
        let duplicate = self
            .locals_of(level)
            .iter()
            .rev()
            .take_while(|l| l.depth.is_none_or(|d| d >= depth))
            .any(|l| l.name == decl.name);
        if duplicate {
            self.error(decl.tok, "Already a variable with this name in this scope.");
        }
        let n_locals = self.locals_of(level).len();
        if n_locals == MAX_LOCALS {
            self.error(decl.tok, "Too many local variables in function.");
            // clox adds no local and spends no constant on the name.
            self.decls[decl.id as usize] = DeclInfo {
                binding: Binding::Local(u8::MAX),
                captured: false,
            };
            return;
        }
        self.locals.push_or_oom(Local {
            name: decl.name,
            depth: None,
            decl: Some(decl.id),
        });
        self.decls[decl.id as usize] = DeclInfo {
            binding: Binding::Local(n_locals as u8),
            captured: false,
        };
    }

    /// Marks the most recent local initialized; globals need nothing.
    fn define(&mut self) {
        let depth = self.current().scope_depth;
        if depth == 0 {
            return;
        }
        if let Some(local) = self.locals.last_mut() {
            local.depth = Some(depth);
        }
    }

    // ----- Name resolution --------------------------------------------------------------

    fn resolve_ref(&mut self, r: &VarRef) {
        let binding = match self.lookup(r) {
            Some(binding) => binding,
            None => {
                if self.lang == Lang::Potato {
                    self.error(r.tok, "Variable used before it is defined.");
                }
                Binding::Global(self.global_slot(r.name))
            }
        };
        self.refs[r.id as usize] = binding;
        self.record_decl(r, binding);
        if matches!(binding, Binding::Global(_)) && self.declared_globals[r.name.index()] {
            self.defined_refs[r.id as usize] = true;
        }
    }

    /// Records that a top-level statement declares `decl` (a global): the uses resolved
    /// from here on read it surely defined. Called once the declaration's own code that
    /// runs before the global exists (a variable's initializer) is resolved.
    fn surely_defined(&mut self, decl: &Decl) {
        if self.fns.len() == 1 && self.current().scope_depth == 0 {
            self.declared_globals[decl.name.index()] = true;
        }
    }

    /// Remembers which declaration a local or upvalue use found (`lookup` just ran).
    fn record_decl(&mut self, r: &VarRef, binding: Binding) {
        self.ref_decls[r.id as usize] = match binding {
            Binding::Global(_) => None,
            Binding::Local(_) | Binding::Upvalue(_) => self.found_decl,
        };
    }

    /// The variable a name refers to here: a local, an upvalue, or (for Lox, always;
    /// for Potato, once defined) a global. `None` for an undefined Potato global.
    fn lookup(&mut self, r: &VarRef) -> Option<Binding> {
        let level = self.fns.len() - 1;
        self.found_decl = None;
        if let Some(slot) = self.resolve_local(level, r.name, r.tok) {
            return Some(Binding::Local(slot));
        }
        if let Some(index) = self.resolve_upvalue(level, r.name, r.tok) {
            return Some(Binding::Upvalue(index));
        }
        if self.lang == Lang::Lox || self.defined_globals[r.name.index()] {
            return Some(Binding::Global(self.global_slot(r.name)));
        }
        None
    }

    fn resolve_local(&mut self, level: usize, name: Symbol, tok: u32) -> Option<u8> {
        let (slot, local) = self
            .locals_of(level)
            .iter()
            .enumerate()
            .rev()
            .find(|(_, l)| l.name == name)?;
        let decl = local.decl;
        if local.depth.is_none() {
            self.error(tok, "Can't read local variable in its own initializer.");
        }
        self.found_decl = decl;
        Some(slot as u8)
    }

    fn resolve_upvalue(&mut self, level: usize, name: Symbol, tok: u32) -> Option<u8> {
        if level == 0 {
            return None;
        }
        if let Some(slot) = self.resolve_local(level - 1, name, tok) {
            let base = self.fns[level - 1].locals_base;
            if let Some(decl) = self.locals[base + slot as usize].decl {
                self.decls[decl as usize].captured = true;
            }
            return Some(self.add_upvalue(
                level,
                UpvalueDesc {
                    is_local: true,
                    index: slot,
                },
                name,
                tok,
            ));
        }
        let index = self.resolve_upvalue(level - 1, name, tok)?;
        Some(self.add_upvalue(
            level,
            UpvalueDesc {
                is_local: false,
                index,
            },
            name,
            tok,
        ))
    }

    fn add_upvalue(&mut self, level: usize, desc: UpvalueDesc, name: Symbol, tok: u32) -> u8 {
        let f = &mut self.fns[level];
        if let Some(i) = f.upvalues.iter().position(|u| *u == desc) {
            return i as u8;
        }
        if f.upvalues.len() == MAX_UPVALUES {
            self.error(tok, "Too many closure variables in function.");
            return 0;
        }
        f.upvalues.push_or_oom(desc);
        let id = f.id as usize;
        self.funs[id].upvalue_names.push_or_oom(name);
        (f.upvalues.len() - 1) as u8
    }

    // ----- Functions, classes and statements --------------------------------------------

    fn function(&mut self, fun: &Function) {
        // Slot 0 holds the callee; in methods it is `this`. clox names the script's
        // slot 0 `this` too, which only shows in erroneous code: `super` outside a class
        // still looks `this` up, and finds it there (spending no constant).
        let slot_zero = match fun.kind {
            FunKind::Method | FunKind::Initializer | FunKind::Script => Symbol::THIS,
            _ => Symbol::EMPTY,
        };
        let locals_base = self.locals.len();
        self.locals.push_or_oom(Local {
            name: slot_zero,
            depth: Some(0),
            decl: None,
        });
        self.fns.push_or_oom(FnState {
            id: fun.id,
            kind: fun.kind,
            locals_base,
            upvalues: Vec::new(),
            scope_depth: 0,
        });
        // Only the outermost function past the limit is reported: the ones inside it
        // are past it too, and one error says it; none when the parser has already
        // said the program nests too deeply.
        if self.fns.len() == MAX_FUNCTION_NESTING + 2 && !self.p.too_deep {
            self.error(fun.name.tok, crate::frontend::lox::parser::NESTING_MESSAGE);
        }
        if fun.kind != FunKind::Script {
            self.begin_scope();
        }
        for param in self.p.decl_list(fun.params) {
            self.declare(param);
            self.define();
        }
        self.stmts(fun.body);
        let f = self.fns.pop().expect("pushed above");
        // The function's own scope is discarded with its frame: nothing to pop.
        self.locals.truncate(f.locals_base);
        self.funs[fun.id as usize].upvalues = f.upvalues;
    }

    fn stmts(&mut self, stmts: List<StmtId>) {
        for &stmt in self.p.stmt_list(stmts) {
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, id: StmtId) {
        let p = self.p;
        match p.stmt(id) {
            Stmt::Expr { expr, .. } | Stmt::Print { expr, .. } => self.expr(*expr),
            Stmt::Var { decl, init } => {
                self.declare(decl);
                if let Some(init) = init {
                    self.expr(*init);
                }
                self.define();
                self.surely_defined(decl);
            }
            Stmt::Block { stmts, scope } => {
                self.begin_scope();
                self.stmts(*stmts);
                self.end_scope(*scope);
            }
            Stmt::If {
                cond,
                then_branch,
                else_branch,
                ..
            } => {
                self.expr(*cond);
                self.stmt(*then_branch);
                if let Some(e) = else_branch {
                    self.stmt(*e);
                }
            }
            Stmt::While { cond, body, .. } => {
                self.expr(*cond);
                self.stmt(*body);
            }
            Stmt::Fun(f) => {
                let f = p.function(*f);
                self.declare(&f.name);
                self.define();
                // The body runs only once the function is defined.
                self.surely_defined(&f.name);
                self.function(f);
            }
            Stmt::AssignOrDeclare {
                decl,
                target,
                value,
                ..
            } => {
                self.expr(*value);
                match self.lookup(target) {
                    Some(binding) => {
                        self.refs[target.id as usize] = binding;
                        self.record_decl(target, binding);
                        self.assignments[decl.id as usize] = Some(binding);
                    }
                    None => {
                        self.declare(decl);
                        self.define();
                        self.surely_defined(decl);
                    }
                }
            }
            Stmt::Return { keyword, value, .. } => {
                let kind = self.current().kind;
                if kind == FunKind::Script {
                    self.error(*keyword, "Can't return from top-level code.");
                }
                if let Some(value) = value {
                    if kind == FunKind::Initializer {
                        self.error(*keyword, "Can't return a value from an initializer.");
                    }
                    self.expr(*value);
                }
            }
            Stmt::Class(class) => self.class(p.class(*class)),
        }
    }

    fn class(&mut self, class: &Class) {
        self.declare(&class.name);
        self.define();
        // The class is defined before its superclass is read and its methods bound, and
        // no method runs before the declaration ends.
        self.surely_defined(&class.name);
        self.classes.push_or_oom(ClassState {
            has_superclass: false,
        });
        if let (Some(superclass), Some(super_decl)) = (&class.superclass, &class.super_decl) {
            self.resolve_ref(superclass);
            if superclass.name == class.name.name {
                self.error(superclass.tok, "A class can't inherit from itself.");
            }
            self.begin_scope();
            self.declare(super_decl);
            self.define();
            self.classes
                .last_mut()
                .expect("pushed above")
                .has_superclass = true;
        }
        let p = self.p;
        for &method in p.fun_list(class.methods) {
            self.function(p.function(method));
        }
        if class.superclass.is_some() {
            self.end_scope(class.super_scope);
        }
        self.classes.pop();
    }

    fn expr(&mut self, id: ExprId) {
        let p = self.p;
        let expr = p.expr(id);
        match expr {
            Expr::Literal { .. } => {}
            Expr::Unary { operand, .. } => self.expr(*operand),
            Expr::Binary { left, right, .. } | Expr::Logical { left, right, .. } => {
                self.expr(*left);
                self.expr(*right);
            }
            Expr::Variable(r) => self.resolve_ref(r),
            Expr::Assign { target, value, .. } => {
                // clox resolves the target before compiling the value.
                self.resolve_ref(target);
                self.expr(*value);
            }
            Expr::Call { callee, args, .. } => {
                self.expr(*callee);
                for &arg in p.expr_list(*args) {
                    self.expr(arg);
                }
            }
            Expr::Get { object, .. } => self.expr(*object),
            Expr::Set { object, value, .. } => {
                self.expr(*object);
                self.expr(*value);
            }
            Expr::This(r) => {
                if self.classes.is_empty() {
                    self.error(r.tok, "Can't use 'this' outside of a class.");
                    // clox compiles nothing for it.
                    self.refs[r.id as usize] = Binding::Local(0);
                } else {
                    self.resolve_ref(r);
                }
            }
            Expr::Super { keyword, .. } => {
                match self.classes.last() {
                    None => self.error(*keyword, "Can't use 'super' outside of a class."),
                    Some(c) if !c.has_superclass => {
                        self.error(*keyword, "Can't use 'super' in a class with no superclass.")
                    }
                    Some(_) => {}
                }
                // clox looks both names up even after reporting an error.
                let (this, super_ref) = expr.super_refs().expect("a super expression");
                self.resolve_ref(&this);
                self.resolve_ref(&super_ref);
            }
        }
    }
}

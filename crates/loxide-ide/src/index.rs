//! The symbol index of one document: every declaration and every occurrence of a name,
//! with its byte span, what it names, and where that lives at run time (global slot,
//! stack slot, upvalue, or a property looked up by name).
//!
//! It is read off the resolved program (`sema::Resolved`): locals and upvalues point at
//! the declaration semantic analysis found for them (`Resolved::ref_decl`), so shadowed
//! names and names of other functions are told apart exactly as the compiler tells
//! them apart. Globals are bound by name at run time, so every occurrence of a global
//! name is one symbol; properties (methods and fields) are looked up by name on
//! whatever object is there, so they are grouped by name too. The index is built from a
//! program with errors as well: whatever the parser recovered is indexed.

use std::collections::HashMap;
use std::ops::Range;

use loxide::Lang;
use loxide::desugar::core as c;
use loxide::sema::{Binding, Resolved};

use crate::text::{Class, Token};

/// What a declaration declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `var x` (or Potato's `x is ...` that declares).
    Variable,
    /// A function's parameter.
    Parameter,
    /// `fun f() {}`.
    Function,
    /// `class C {}`.
    Class,
    /// A method of a class.
    Method,
    /// A class's `init` method.
    Initializer,
}

/// Where a name lives when the program runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// A global, by its slot in the module's globals.
    Global(u32),
    /// A slot of the call frame of the function the name is used in.
    Local(u8),
    /// An upvalue of the closure the name is used in, by index.
    Upvalue(u8),
    /// A property (method or field), looked up by name on an instance.
    Property,
}

/// One declaration.
#[derive(Clone, Debug)]
pub struct Decl {
    /// The name declared.
    pub name: String,
    /// What it declares.
    pub kind: Kind,
    /// The bytes of the name where it is declared.
    pub span: Range<usize>,
    /// The bytes of the whole declaration: a class or function with its body (and its
    /// `class` or `fun` keyword), a method with its body, a variable's statement from
    /// `var` to `;` (a Potato variable's line); a parameter's name alone.
    pub extent: Range<usize>,
    /// Where it lives: a global or a local slot of `function`, or a property.
    pub storage: Storage,
    /// True when a closure captures it (it lives on as an upvalue).
    pub captured: bool,
    /// The function the declaration is in (an index of `Index::functions`).
    pub function: usize,
    /// For a function, method or initializer: the function it defines.
    pub defines: Option<usize>,
    /// For a method or initializer: the declaration of its class.
    pub class: Option<usize>,
    /// For a class: the name of its superclass.
    pub superclass: Option<String>,
    /// The bytes of the document where the name can be used.
    pub visible: Range<usize>,
}

/// What an occurrence names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A local (or a parameter, a local function or class), by declaration.
    Decl(usize),
    /// A global, by name: all its declarations and uses are one symbol.
    Global(String),
    /// A property (method or field), by name.
    Property(String),
}

/// How an occurrence uses its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// It declares the name.
    Declaration,
    /// It reads the name (a call, an expression, a property read).
    Read,
    /// It assigns the name (or sets the property).
    Write,
}

/// One occurrence of a name in the text.
#[derive(Clone, Debug)]
pub struct Occurrence {
    /// The bytes of the name.
    pub span: Range<usize>,
    /// What it names.
    pub target: Target,
    /// How it uses it.
    pub access: Access,
    /// How this occurrence reaches the name (a local's use in a closure is an upvalue).
    pub storage: Storage,
    /// The function it is in.
    pub function: usize,
}

/// One function (the top-level script is the first).
#[derive(Clone, Debug)]
pub struct Function {
    /// Its name (`script` for the top level).
    pub name: String,
    /// Whether it is the script, a function, a method or an initializer.
    pub kind: c::FunKind,
    /// Its parameters' names.
    pub params: Vec<String>,
    /// The declaration that names it (none for the script).
    pub decl: Option<usize>,
    /// The function it is nested in.
    pub parent: Option<usize>,
}

/// How often a target is declared and written, counted once when the index is built.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Its occurrences that declare it.
    pub declarations: usize,
    /// Its occurrences that assign it.
    pub writes: usize,
}

/// Which of the two names of the instance a method runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receiver {
    /// `this`.
    This,
    /// `super` (in `super.method`).
    Super,
}

/// A `this` or `super` in the text: keywords, not names a program declares, so they
/// are not occurrences (nothing renames them), but hover tells what they are.
#[derive(Clone, Debug)]
pub struct ReceiverUse {
    /// The bytes of the keyword.
    pub span: Range<usize>,
    /// Which keyword.
    pub keyword: Receiver,
    /// The method it is in (its declaration), also through a function nested in it;
    /// `None` outside any method (an error).
    pub method: Option<usize>,
    /// How the function it is in reaches it: slot 0 of the method, or an upvalue of a
    /// function nested in the method (for `super`, the hidden variable that holds the
    /// superclass).
    pub storage: Storage,
    /// The function it is in.
    pub function: usize,
}

/// The index of a document.
#[derive(Clone, Debug, Default)]
pub struct Index {
    /// Every declaration, in source order.
    pub decls: Vec<Decl>,
    /// Every occurrence of a name, declarations included, sorted by position.
    pub occurrences: Vec<Occurrence>,
    /// Every function, by the compiler's function id.
    pub functions: Vec<Function>,
    /// Every `this` and `super`, sorted by position.
    pub receivers: Vec<ReceiverUse>,
    /// By the compiler's declaration id: the index of its `Decl`.
    pub(crate) of_core_decl: Vec<Option<usize>>,
    /// The occurrences of each target, as indices of `occurrences` in source order, and
    /// how many of them declare and write it.
    by_target: HashMap<Target, (Vec<usize>, Usage)>,
    /// The first declaration of each global name.
    globals: HashMap<String, usize>,
    /// The methods of each property name.
    methods: HashMap<String, Vec<usize>>,
    /// The methods of each class, by the class's declaration.
    class_methods: HashMap<usize, Vec<usize>>,
}

impl Index {
    /// The occurrence whose name covers `offset` (or ends right at it, so that a
    /// cursor just after a name still finds it).
    pub fn occurrence_at(&self, offset: usize) -> Option<&Occurrence> {
        let after = self.occurrences.partition_point(|o| o.span.start <= offset);
        let candidates = &self.occurrences[..after];
        candidates
            .iter()
            .rev()
            .take(4)
            .find(|o| o.span.contains(&offset))
            .or_else(|| {
                candidates
                    .iter()
                    .rev()
                    .take(4)
                    .find(|o| o.span.end == offset)
            })
    }

    /// The `this` or `super` whose keyword covers `offset` (or ends right at it).
    pub fn receiver_at(&self, offset: usize) -> Option<&ReceiverUse> {
        let after = self.receivers.partition_point(|r| r.span.start <= offset);
        self.receivers[..after]
            .last()
            .filter(|r| r.span.contains(&offset) || r.span.end == offset)
    }

    /// Every occurrence of a target, once per span, in source order.
    pub fn occurrences_of(&self, target: &Target) -> Vec<&Occurrence> {
        let mut out: Vec<&Occurrence> = self
            .by_target
            .get(target)
            .map_or(&[][..], |t| t.0.as_slice())
            .iter()
            .map(|&i| &self.occurrences[i])
            .collect();
        out.dedup_by(|a, b| a.span == b.span);
        out
    }

    /// The declarations of a target's definitions, as indices of `decls`.
    pub fn definition_ids(&self, target: &Target) -> Vec<usize> {
        self.definition_slice(target).to_vec()
    }

    /// How a target is declared and written in the document.
    pub fn usage(&self, target: &Target) -> Usage {
        self.by_target
            .get(target)
            .map_or_else(Usage::default, |t| t.1)
    }

    /// The declarations that define a target, as indices of `decls`, without
    /// allocating (`definition_ids` in a slice).
    pub fn definition_slice<'a>(&'a self, target: &'a Target) -> &'a [usize] {
        match target {
            Target::Decl(i) if *i < self.decls.len() => std::slice::from_ref(i),
            Target::Decl(_) => &[],
            Target::Global(name) => self
                .globals
                .get_key_value(name)
                .map_or(&[], |(_, i)| std::slice::from_ref(i)),
            Target::Property(name) => self.methods.get(name).map_or(&[], Vec::as_slice),
        }
    }

    /// The first declaration of a global name.
    pub fn global(&self, name: &str) -> Option<usize> {
        self.globals.get(name).copied()
    }

    /// The methods (and initializer) of a class, by its declaration.
    pub fn methods_of(&self, class: usize) -> &[usize] {
        self.class_methods.get(&class).map_or(&[], Vec::as_slice)
    }

    /// Where a target is defined: its declaration, the first declaration of a global,
    /// the methods of a property name. Empty for a global never declared here (a native
    /// such as `clock`) and for a field.
    pub fn definitions(&self, target: &Target) -> Vec<&Decl> {
        self.definition_ids(target)
            .into_iter()
            .map(|i| &self.decls[i])
            .collect()
    }

    /// The first definition of a target, if it has one.
    pub fn decl_for(&self, target: &Target) -> Option<&Decl> {
        self.definition_slice(target)
            .first()
            .map(|&i| &self.decls[i])
    }

    /// The target of a declaration.
    pub fn target_of(&self, decl: usize) -> Target {
        let d = &self.decls[decl];
        match d.storage {
            Storage::Global(_) => Target::Global(d.name.clone()),
            Storage::Property => Target::Property(d.name.clone()),
            Storage::Local(_) | Storage::Upvalue(_) => Target::Decl(decl),
        }
    }

    /// The declaration a compiler declaration id became.
    pub(crate) fn decl_of(&self, id: c::DeclId) -> Option<usize> {
        self.of_core_decl.get(id as usize).copied().flatten()
    }
}

/// Builds the index of a resolved program, given its tokens.
pub fn build(resolved: &Resolved, tokens: &[Token], source: &str, lang: Lang) -> Index {
    let p = &resolved.program;
    let mut b = Builder {
        r: resolved,
        tokens,
        source,
        lang,
        index: Index {
            of_core_decl: vec![None; p.n_decls as usize],
            functions: p
                .functions
                .iter()
                .map(|f| Function {
                    name: if f.kind == c::FunKind::Script {
                        "script".into()
                    } else {
                        p.names.get(f.name.name).to_string()
                    },
                    kind: f.kind,
                    params: p
                        .decl_list(f.params)
                        .iter()
                        .map(|d| p.names.get(d.name).to_string())
                        .collect(),
                    decl: None,
                    parent: None,
                })
                .collect(),
            ..Index::default()
        },
        class: None,
        method: None,
    };
    if !p.functions.is_empty() {
        b.function(p.script(), None);
    }
    let mut index = b.index;
    sort_occurrences(&mut index.occurrences);
    index.receivers.sort_by_key(|r| r.span.start);
    for (i, o) in index.occurrences.iter().enumerate() {
        // Occurrences of a target at the same span (desugaring can make two) count
        // once, as `occurrences_of` lists them once.
        let (list, usage) = match index.by_target.get_mut(&o.target) {
            Some(uses) => uses,
            None => index.by_target.entry(o.target.clone()).or_default(),
        };
        let repeated = list
            .last()
            .is_some_and(|&last| index.occurrences[last].span == o.span);
        list.push(i);
        if !repeated {
            match o.access {
                Access::Declaration => usage.declarations += 1,
                Access::Write => usage.writes += 1,
                Access::Read => {}
            }
        }
    }
    for (i, d) in index.decls.iter().enumerate() {
        match d.storage {
            Storage::Global(_) => {
                index.globals.entry(d.name.clone()).or_insert(i);
            }
            Storage::Property => {
                index.methods.entry(d.name.clone()).or_default().push(i);
                if let Some(class) = d.class {
                    index.class_methods.entry(class).or_default().push(i);
                }
            }
            _ => {}
        }
    }
    index
}

/// Sorts occurrences by span, keeping the order of those at the same span. The
/// builder makes them almost in order; a permutation of indices is sorted rather than
/// the occurrences themselves, which are large to move.
fn sort_occurrences(occurrences: &mut Vec<Occurrence>) {
    let key = |o: &Occurrence| (o.span.start, o.span.end);
    if occurrences.is_sorted_by_key(key) {
        return;
    }
    let mut order: Vec<u32> = (0..occurrences.len() as u32).collect();
    order.sort_by_key(|&i| key(&occurrences[i as usize]));
    let mut slots: Vec<Option<Occurrence>> =
        std::mem::take(occurrences).into_iter().map(Some).collect();
    *occurrences = order
        .iter()
        .filter_map(|&i| slots[i as usize].take())
        .collect();
}

struct Builder<'a> {
    r: &'a Resolved,
    tokens: &'a [Token],
    source: &'a str,
    lang: Lang,
    index: Index,
    /// The declaration of the class whose methods are being walked.
    class: Option<usize>,
    /// The declaration of the innermost method whose body (or a function nested in
    /// it) is being walked.
    method: Option<usize>,
}

impl Builder<'_> {
    /// The bytes of a token that spells `name`; `None` for a token made up by
    /// desugaring or one the parser put in place of a missing name.
    fn span(&self, tok: u32, name: c::Decl) -> Option<Range<usize>> {
        self.span_of(tok, name.name)
    }

    fn span_of(&self, tok: u32, name: loxide::intern::Symbol) -> Option<Range<usize>> {
        let t = self.tokens.get(tok as usize)?;
        let text = self.source.get(t.start..t.end)?;
        (t.class == Class::Identifier && text == self.r.program.names.get(name))
            .then_some(t.start..t.end)
    }

    fn name(&self, symbol: loxide::intern::Symbol) -> String {
        self.r.program.names.get(symbol).to_string()
    }

    /// The end of the block a declaration at `tok` is in: the first block closer
    /// after it that it is not nested in, or the end of the text.
    fn block_end(&self, tok: u32) -> usize {
        let mut depth = 0usize;
        for t in self.tokens.iter().skip(tok as usize + 1) {
            match t.class {
                Class::OpenBlock => depth += 1,
                Class::CloseBlock if depth == 0 => return t.start,
                Class::CloseBlock => depth -= 1,
                _ => {}
            }
        }
        self.source.len()
    }

    /// Where a declaration named at `tok` starts: at the keyword before the name
    /// (`var`, `fun`, `class`), or at the name.
    fn keyword_start(&self, tok: u32) -> usize {
        let name = self.tokens.get(tok as usize);
        let before = (tok as usize)
            .checked_sub(1)
            .and_then(|b| self.tokens.get(b));
        match (name, before) {
            (Some(_), Some(b)) if b.class == Class::Keyword => b.start,
            (Some(n), _) => n.start,
            (None, _) => self.source.len(),
        }
    }

    /// Where the statement of a declaration named at `tok` ends: just past its `;`,
    /// or before the line break, block or end of input that ends it (in Potato, or
    /// when the `;` is missing). Parentheses nest.
    fn statement_end(&self, tok: u32) -> usize {
        let mut end = self.token_end(tok);
        let mut depth = 0usize;
        for t in self.tokens.iter().skip(tok as usize + 1) {
            match t.class {
                Class::OpenParen => depth += 1,
                Class::CloseParen => depth = depth.saturating_sub(1),
                Class::OpenBlock | Class::CloseBlock | Class::Eof | Class::Error => break,
                Class::Other if depth == 0 => match self.source.get(t.start..t.end) {
                    Some(";") => return t.end,
                    Some(".") => {}
                    _ => break,
                },
                _ => {}
            }
            end = t.end;
        }
        end
    }

    /// Where the body of a class named at `tok` ends: just past the block closer that
    /// matches the first block opener after the name (the name's end if there is none).
    fn body_end(&self, tok: u32) -> usize {
        let mut depth = 0usize;
        for t in self.tokens.iter().skip(tok as usize + 1) {
            match t.class {
                Class::OpenBlock => depth += 1,
                Class::CloseBlock if depth == 0 => break,
                Class::CloseBlock if depth == 1 => return t.end,
                Class::CloseBlock => depth -= 1,
                Class::Eof => break,
                _ => {}
            }
        }
        self.token_end(tok)
    }

    fn token_end(&self, tok: u32) -> usize {
        self.tokens
            .get(tok as usize)
            .map_or(self.source.len(), |t| t.end)
    }

    fn declare(&mut self, d: &c::Decl, kind: Kind, function: usize) -> Option<usize> {
        let span = self.span(d.tok, *d)?;
        let storage = match kind {
            Kind::Method | Kind::Initializer => Storage::Property,
            _ => match self.r.decl(d).binding {
                Binding::Global(slot) => Storage::Global(slot),
                Binding::Local(slot) => Storage::Local(slot),
                Binding::Upvalue(i) => Storage::Upvalue(i),
            },
        };
        let visible = match (storage, kind) {
            (Storage::Global(_), _) if self.lang == Lang::Lox => 0..self.source.len(),
            (Storage::Global(_), _) => span.start..self.source.len(),
            (_, Kind::Parameter) => {
                let f = self.r.program.function(function as u32);
                span.start..self.token_end(f.end_tok)
            }
            (Storage::Property, _) => 0..self.source.len(),
            _ => span.start..self.block_end(d.tok),
        };
        let decl = Decl {
            name: self.name(d.name),
            kind,
            span: span.clone(),
            extent: span.clone(),
            storage,
            captured: self.r.decl(d).captured,
            function,
            defines: None,
            class: None,
            superclass: None,
            visible,
        };
        let i = self.index.decls.len();
        self.index.decls.push(decl);
        if let Some(slot) = self.index.of_core_decl.get_mut(d.id as usize) {
            *slot = Some(i);
        }
        let target = self.index.target_of(i);
        self.index.occurrences.push(Occurrence {
            span,
            target,
            access: Access::Declaration,
            storage,
            function,
        });
        Some(i)
    }

    fn use_of(&mut self, r: &c::VarRef, access: Access, function: usize) {
        let Some(span) = self.span_of(r.tok, r.name) else {
            return;
        };
        let binding = self.r.binding(r);
        let (target, storage) = match binding {
            Binding::Global(slot) => (Target::Global(self.name(r.name)), Storage::Global(slot)),
            Binding::Local(slot) | Binding::Upvalue(slot) => {
                let storage = if matches!(binding, Binding::Local(_)) {
                    Storage::Local(slot)
                } else {
                    Storage::Upvalue(slot)
                };
                match self.r.ref_decl(r.id).and_then(|d| self.index.decl_of(d)) {
                    Some(decl) => (Target::Decl(decl), storage),
                    None => return,
                }
            }
        };
        self.index.occurrences.push(Occurrence {
            span,
            target,
            access,
            storage,
            function,
        });
    }

    fn property(&mut self, name: &c::Name, access: Access, function: usize) {
        let Some(span) = self.span_of(name.tok, name.name) else {
            return;
        };
        self.index.occurrences.push(Occurrence {
            span,
            target: Target::Property(self.name(name.name)),
            access,
            storage: Storage::Property,
            function,
        });
    }

    fn receiver(&mut self, r: &c::VarRef, keyword: Receiver, function: usize) {
        let Some(t) = self.tokens.get(r.tok as usize) else {
            return;
        };
        let spelled = match keyword {
            Receiver::This => "this",
            Receiver::Super => "super",
        };
        // Only the keyword as written (desugaring makes `this` uses of its own).
        if self.source.get(t.start..t.end) != Some(spelled) {
            return;
        }
        let storage = match self.r.binding(r) {
            Binding::Global(slot) => Storage::Global(slot),
            Binding::Local(slot) => Storage::Local(slot),
            Binding::Upvalue(i) => Storage::Upvalue(i),
        };
        self.index.receivers.push(ReceiverUse {
            span: t.start..t.end,
            keyword,
            method: self.method,
            storage,
            function,
        });
    }

    fn function(&mut self, f: &c::Function, decl: Option<usize>) {
        let id = f.id as usize;
        if let Some(info) = self.index.functions.get_mut(id) {
            info.decl = decl;
        }
        let p = &self.r.program;
        for param in p.decl_list(f.params) {
            self.declare(param, Kind::Parameter, id);
        }
        let class = self.class.take();
        self.stmts(f.body, id);
        self.class = class;
    }

    fn nested(&mut self, f: &c::Function, kind: Kind, parent: usize) {
        let decl = self.declare(&f.name, kind, parent);
        if let Some(d) = decl {
            let start = self.keyword_start(f.name.tok);
            let end = self.token_end(f.end_tok).max(self.index.decls[d].span.end);
            let decl = &mut self.index.decls[d];
            decl.defines = Some(f.id as usize);
            decl.class = self.class;
            decl.extent = start..end;
        }
        if let Some(info) = self.index.functions.get_mut(f.id as usize) {
            info.parent = Some(parent);
        }
        let method = self.method;
        if matches!(kind, Kind::Method | Kind::Initializer) {
            self.method = decl;
        }
        self.function(f, decl);
        self.method = method;
    }

    fn stmts(&mut self, list: c::List<c::StmtId>, function: usize) {
        let p = &self.r.program;
        for &s in p.stmt_list(list) {
            self.stmt(s, function);
        }
    }

    fn stmt(&mut self, s: c::StmtId, function: usize) {
        let p = &self.r.program;
        match *p.stmt(s) {
            c::Stmt::Expr { expr, .. } | c::Stmt::Print { expr, .. } => self.expr(expr, function),
            c::Stmt::Var { decl, init } => {
                if let Some(init) = init {
                    self.expr(init, function);
                }
                if let Some(d) = self.declare(&decl, Kind::Variable, function) {
                    let extent = self.keyword_start(decl.tok)..self.statement_end(decl.tok);
                    self.index.decls[d].extent = extent;
                }
            }
            c::Stmt::Block { stmts, .. } => self.stmts(stmts, function),
            c::Stmt::If {
                cond,
                then_branch,
                else_branch,
                ..
            } => {
                self.expr(cond, function);
                self.stmt(then_branch, function);
                if let Some(e) = else_branch {
                    self.stmt(e, function);
                }
            }
            c::Stmt::While { cond, body, .. } => {
                self.expr(cond, function);
                self.stmt(body, function);
            }
            c::Stmt::Fun(f) => self.nested(p.function(f), Kind::Function, function),
            c::Stmt::AssignOrDeclare {
                decl,
                target,
                value,
                ..
            } => {
                self.expr(value, function);
                if self.r.assignment(&decl).is_some() {
                    self.use_of(&target, Access::Write, function);
                } else if let Some(d) = self.declare(&decl, Kind::Variable, function) {
                    let extent = self.keyword_start(decl.tok)..self.statement_end(decl.tok);
                    self.index.decls[d].extent = extent;
                }
            }
            c::Stmt::Return { value, .. } => {
                if let Some(v) = value {
                    self.expr(v, function);
                }
            }
            c::Stmt::Class(class) => {
                let class = *p.class(class);
                let decl = self.declare(&class.name, Kind::Class, function);
                if let Some(d) = decl {
                    let extent = self.keyword_start(class.name.tok)..self.body_end(class.name.tok);
                    self.index.decls[d].extent = extent;
                }
                if let Some(superclass) = &class.superclass {
                    self.use_of(superclass, Access::Read, function);
                    if let Some(d) = decl {
                        self.index.decls[d].superclass = Some(self.name(superclass.name));
                    }
                }
                for &m in p.fun_list(class.methods) {
                    let m = p.function(m);
                    let kind = if m.kind == c::FunKind::Initializer {
                        Kind::Initializer
                    } else {
                        Kind::Method
                    };
                    self.class = decl;
                    self.nested(m, kind, function);
                }
                self.class = None;
            }
        }
    }

    fn expr(&mut self, e: c::ExprId, function: usize) {
        let p = &self.r.program;
        match *p.expr(e) {
            c::Expr::Literal { .. } => {}
            c::Expr::This(r) => self.receiver(&r, Receiver::This, function),
            c::Expr::Unary { operand, .. } => self.expr(operand, function),
            c::Expr::Binary { left, right, .. } | c::Expr::Logical { left, right, .. } => {
                self.expr(left, function);
                self.expr(right, function);
            }
            c::Expr::Variable(r) => self.use_of(&r, Access::Read, function),
            c::Expr::Assign { target, value, .. } => {
                self.use_of(&target, Access::Write, function);
                self.expr(value, function);
            }
            c::Expr::Call { callee, args, .. } => {
                self.expr(callee, function);
                for &a in p.expr_list(args) {
                    self.expr(a, function);
                }
            }
            c::Expr::Get { object, name } => {
                self.expr(object, function);
                self.property(&name, Access::Read, function);
            }
            c::Expr::Set {
                object,
                name,
                value,
                ..
            } => {
                self.expr(object, function);
                self.property(&name, Access::Write, function);
                self.expr(value, function);
            }
            c::Expr::Super { method, .. } => {
                if let Some((_, super_ref)) = p.expr(e).super_refs() {
                    self.receiver(&super_ref, Receiver::Super, function);
                }
                self.property(&method, Access::Read, function)
            }
        }
    }
}

//! Semantic warnings: what is certainly wrong, or certainly useless, found before the
//! program runs. Lox stays dynamic and no warning changes what a program does; each is
//! reported only when it holds on every run that reaches the code:
//!
//! - `operand-types`: arithmetic or comparison on an operand whose type is known
//!   (a literal, an operator's result, or a variable never assigned after its
//!   declaration, holding one of those) and wrong for the operator;
//! - `not-callable`: a call of a value known not to be a function or a class;
//! - `arity`: a call with the wrong number of arguments of a function, a class (its
//!   `init`) or a method whose declaration is known at the call;
//! - `unused-variable`, `unused-parameter`: a local or parameter no code uses (names
//!   starting with `_` are exempt);
//! - `unreachable`: statements after a `return` in the same block;
//! - `shadowed`: a local that hides another local of the same function.
//!
//! `return` of a value from `init` is not a warning: clox makes it a compile error
//! (`Can't return a value from an initializer.`), and so does loxide.
//!
//! The trade-off: types are tracked only where they are certain, so most mistakes in
//! real programs go unflagged, but a warning is never wrong about a run.

use std::collections::HashMap;
use std::ops::Range;

use loxide::ast::{BinaryOp, Literal, UnaryOp};
use loxide::desugar::core as c;
use loxide::intern::Symbol;
use loxide::sema::Resolved;

use crate::index::{Access, Index, Kind, Storage, Target};
use crate::text::{Class, Token};

/// One warning: what kind, what it says, and the bytes it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Its kind, a short stable name (`unused-variable`).
    pub code: &'static str,
    /// What it says.
    pub message: String,
    /// The bytes of the document it is about.
    pub span: Range<usize>,
}

/// What is known of a value's type before the program runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Number,
    String,
    Bool,
    Nil,
    /// A function, by its index in `Index::functions`.
    Function(usize),
    /// A class, by its declaration.
    Class(usize),
    Unknown,
}

impl Ty {
    fn known(self) -> bool {
        self != Ty::Unknown
    }

    fn describe(self) -> &'static str {
        match self {
            Ty::Number => "a number",
            Ty::String => "a string",
            Ty::Bool => "a boolean",
            Ty::Nil => "nil",
            Ty::Function(_) => "a function",
            Ty::Class(_) => "a class",
            Ty::Unknown => "unknown",
        }
    }
}

/// Finds the warnings of a resolved program.
pub fn find(resolved: &Resolved, tokens: &[Token], source: &str, index: &Index) -> Vec<Warning> {
    let mut w = Finder {
        r: resolved,
        tokens,
        source,
        index,
        types: vec![Ty::Unknown; index.decls.len()],
        stable: Vec::new(),
        method_arities: HashMap::new(),
        scopes: Vec::new(),
        out: Vec::new(),
    };
    w.stable = (0..index.decls.len())
        .map(|i| w.compute_stable(i))
        .collect();
    // Functions and classes have their type from the start (they can be used before
    // their declaration runs, from a function called later).
    for (i, d) in index.decls.iter().enumerate() {
        if !w.stable(i) {
            continue;
        }
        w.types[i] = match (d.kind, d.defines) {
            (Kind::Function, Some(f)) => Ty::Function(f),
            (Kind::Class, _) => Ty::Class(i),
            _ => Ty::Unknown,
        };
    }
    if !resolved.program.functions.is_empty() {
        w.function(resolved.program.script());
    }
    w.unused();
    w.out.sort_by_key(|w| (w.span.start, w.span.end));
    w.out
}

struct Finder<'a> {
    r: &'a Resolved,
    tokens: &'a [Token],
    source: &'a str,
    index: &'a Index,
    /// What each declaration holds, where it is certain.
    types: Vec<Ty>,
    /// By declaration: whether it is `stable` (computed once).
    stable: Vec<bool>,
    /// By property name: the arity every method of that name has (`method_arity`).
    method_arities: HashMap<Symbol, Option<usize>>,
    /// The locals of the scopes of the function being walked: name, declaration.
    scopes: Vec<Vec<(Symbol, usize)>>,
    out: Vec<Warning>,
}

impl Finder<'_> {
    fn warn(&mut self, code: &'static str, message: String, span: Option<Range<usize>>) {
        if let Some(span) = span {
            self.out.push(Warning {
                code,
                message,
                span,
            });
        }
    }

    /// True when a declaration is the only one of its variable and nothing assigns it:
    /// whatever it was declared with, it holds wherever it is read.
    fn stable(&self, decl: usize) -> bool {
        self.stable.get(decl).copied().unwrap_or(false)
    }

    fn compute_stable(&self, decl: usize) -> bool {
        let usage = self.index.usage(&self.index.target_of(decl));
        usage.writes == 0 && usage.declarations == 1
    }

    // ----- Spans ------------------------------------------------------------------

    fn tok_span(&self, first: u32, last: u32) -> Option<Range<usize>> {
        let a = self.tokens.get(first as usize)?;
        let b = self.tokens.get(last as usize)?;
        (a.start <= b.end).then_some(a.start..b.end)
    }

    fn class_at(&self, tok: u32) -> Option<Class> {
        self.tokens.get(tok as usize).map(|t| t.class)
    }

    /// The first and last tokens of an expression (as far as the tree records them).
    fn expr_toks(&self, e: c::ExprId) -> Option<(u32, u32)> {
        let p = &self.r.program;
        let join = |a: Option<(u32, u32)>, b: Option<(u32, u32)>| match (a, b) {
            (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
            (a, None) => a,
            (None, b) => b,
        };
        match *p.expr(e) {
            c::Expr::Literal { tok, .. } => Some((tok, tok)),
            c::Expr::Variable(r) | c::Expr::This(r) => Some((r.tok, r.tok)),
            c::Expr::Unary { operand, .. } => {
                let (first, last) = self.expr_toks(operand)?;
                let before = first.checked_sub(1);
                match before {
                    Some(b) if self.class_at(b) == Some(Class::Operator) => Some((b, last)),
                    _ => Some((first, last)),
                }
            }
            c::Expr::Binary { left, right, .. } | c::Expr::Logical { left, right, .. } => {
                join(self.expr_toks(left), self.expr_toks(right))
            }
            c::Expr::Assign { target, value, .. } => {
                join(Some((target.tok, target.tok)), self.expr_toks(value))
            }
            c::Expr::Call { callee, args, .. } => {
                let mut range = self.expr_toks(callee);
                for &a in p.expr_list(args) {
                    range = join(range, self.expr_toks(a));
                }
                let (first, mut last) = range?;
                if self.class_at(last + 1) == Some(Class::OpenParen) {
                    last += 1;
                }
                if self.class_at(last + 1) == Some(Class::CloseParen) {
                    last += 1;
                }
                Some((first, last))
            }
            c::Expr::Get { object, name } => {
                join(self.expr_toks(object), Some((name.tok, name.tok)))
            }
            c::Expr::Set { object, value, .. } => {
                join(self.expr_toks(object), self.expr_toks(value))
            }
            c::Expr::Super {
                keyword, method, ..
            } => Some((keyword, method.tok.max(keyword))),
        }
    }

    fn expr_span(&self, e: c::ExprId) -> Option<Range<usize>> {
        let (first, last) = self.expr_toks(e)?;
        self.tok_span(first, last)
    }

    /// The first and last tokens of a statement, its leading keyword included (`print`,
    /// `var`, `if (`...).
    fn stmt_toks(&self, s: c::StmtId) -> Option<(u32, u32)> {
        let (first, last) = self.stmt_inner_toks(s)?;
        let p = &self.r.program;
        let back = match p.stmt(s) {
            c::Stmt::Print { .. } | c::Stmt::Var { .. } | c::Stmt::Fun(_) | c::Stmt::Class(_) => 1,
            c::Stmt::If { .. } | c::Stmt::While { .. } => 2,
            _ => 0,
        };
        let start = (first.saturating_sub(back)..first)
            .find(|&t| self.class_at(t) == Some(Class::Keyword))
            .unwrap_or(first);
        Some((start, last))
    }

    fn stmt_inner_toks(&self, s: c::StmtId) -> Option<(u32, u32)> {
        let p = &self.r.program;
        let join = |a: Option<(u32, u32)>, b: Option<(u32, u32)>| match (a, b) {
            (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
            (a, None) => a,
            (None, b) => b,
        };
        match *p.stmt(s) {
            c::Stmt::Expr { expr, .. } | c::Stmt::Print { expr, .. } => self.expr_toks(expr),
            c::Stmt::Var { decl, init } => join(
                Some((decl.tok, decl.tok)),
                init.and_then(|i| self.expr_toks(i)),
            ),
            c::Stmt::Block { stmts, .. } => p
                .stmt_list(stmts)
                .iter()
                .fold(None, |acc, &s| join(acc, self.stmt_toks(s))),
            c::Stmt::If { cond, end_tok, .. } | c::Stmt::While { cond, end_tok, .. } => {
                join(self.expr_toks(cond), Some((end_tok, end_tok)))
            }
            c::Stmt::Fun(f) => {
                let f = p.function(f);
                Some((f.name.tok, f.end_tok.max(f.name.tok)))
            }
            c::Stmt::AssignOrDeclare { decl, value, .. } => {
                join(Some((decl.tok, decl.tok)), self.expr_toks(value))
            }
            c::Stmt::Return { keyword, value, .. } => join(
                Some((keyword, keyword)),
                value.and_then(|v| self.expr_toks(v)),
            ),
            c::Stmt::Class(class) => {
                let class = p.class(class);
                let last = p
                    .fun_list(class.methods)
                    .iter()
                    .map(|&m| p.function(m).end_tok)
                    .max()
                    .unwrap_or(class.name.tok);
                Some((class.name.tok, last.max(class.name.tok)))
            }
        }
    }

    // ----- The walk ---------------------------------------------------------------

    fn function(&mut self, f: &c::Function) {
        let outer = std::mem::take(&mut self.scopes);
        self.scopes.push(Vec::new());
        let p = &self.r.program;
        for param in p.decl_list(f.params) {
            self.declare_local(param);
        }
        self.block(f.body);
        self.scopes = outer;
    }

    /// Records a local in the current scope; warns when it hides a local of an
    /// enclosing scope of the same function.
    fn declare_local(&mut self, d: &c::Decl) {
        let Some(i) = self.index.decl_of(d.id) else {
            return;
        };
        if !matches!(self.index.decls[i].storage, Storage::Local(_)) {
            return;
        }
        let depth = self.scopes.len();
        let hidden = self.scopes[..depth.saturating_sub(1)]
            .iter()
            .rev()
            .flat_map(|scope| scope.iter().rev())
            .find(|(name, _)| *name == d.name)
            .map(|&(_, other)| other);
        if let Some(other) = hidden {
            let name = &self.index.decls[i].name;
            let what = if self.index.decls[other].kind == Kind::Parameter {
                "parameter"
            } else {
                "local"
            };
            let message =
                format!("'{name}' hides the {what} '{name}' declared earlier in this function.");
            self.warn("shadowed", message, Some(self.index.decls[i].span.clone()));
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((d.name, i));
        }
    }

    /// Walks a list of statements; warns about the ones after a statement that always
    /// returns. Returns whether the list always returns.
    fn block(&mut self, list: c::List<c::StmtId>) -> bool {
        let p = &self.r.program;
        let stmts = p.stmt_list(list);
        let mut returned = false;
        for (n, &s) in stmts.iter().enumerate() {
            if self.stmt(s) && !returned {
                returned = true;
                let rest = &stmts[n + 1..];
                if let (Some(&first), Some(&last)) = (rest.first(), rest.last()) {
                    let span = match (self.stmt_toks(first), self.stmt_toks(last)) {
                        (Some((a, _)), Some((_, b))) => self.tok_span(a, b),
                        _ => None,
                    };
                    self.warn("unreachable", "This code is never reached.".into(), span);
                }
            }
        }
        returned
    }

    /// Walks a statement; returns whether it always returns.
    fn stmt(&mut self, s: c::StmtId) -> bool {
        let p = &self.r.program;
        match *p.stmt(s) {
            c::Stmt::Expr { expr, .. } | c::Stmt::Print { expr, .. } => {
                self.expr(expr);
                false
            }
            c::Stmt::Var { decl, init } => {
                let ty = match init {
                    Some(init) => self.expr(init),
                    None => Ty::Nil,
                };
                self.declare_local(&decl);
                self.set_type(&decl, ty);
                false
            }
            c::Stmt::Block { stmts, .. } => {
                self.scopes.push(Vec::new());
                let returns = self.block(stmts);
                self.scopes.pop();
                returns
            }
            c::Stmt::If {
                cond,
                then_branch,
                else_branch,
                ..
            } => {
                self.expr(cond);
                let then_returns = self.stmt(then_branch);
                let else_returns = else_branch.is_some_and(|e| self.stmt(e));
                then_returns && else_returns
            }
            c::Stmt::While { cond, body, .. } => {
                self.expr(cond);
                self.stmt(body);
                false
            }
            c::Stmt::Fun(f) => {
                let f = p.function(f);
                self.declare_local(&f.name);
                self.function(f);
                false
            }
            c::Stmt::AssignOrDeclare { decl, value, .. } => {
                let ty = self.expr(value);
                if self.r.assignment(&decl).is_none() {
                    self.declare_local(&decl);
                    self.set_type(&decl, ty);
                }
                false
            }
            c::Stmt::Return { value, .. } => {
                if let Some(v) = value {
                    self.expr(v);
                }
                true
            }
            c::Stmt::Class(class) => {
                let class = *p.class(class);
                self.declare_local(&class.name);
                for &m in p.fun_list(class.methods) {
                    self.function(p.function(m));
                }
                false
            }
        }
    }

    fn set_type(&mut self, d: &c::Decl, ty: Ty) {
        if let Some(i) = self.index.decl_of(d.id)
            && self.stable(i)
        {
            self.types[i] = ty;
        }
    }

    /// The first declaration of a global name.
    fn global_decl(&self, name: &str) -> Option<usize> {
        self.index.global(name)
    }

    fn ref_type(&self, r: &c::VarRef) -> Ty {
        let decl = match self.r.binding(r) {
            loxide::sema::Binding::Global(_) => self.global_decl(self.r.program.names.get(r.name)),
            _ => self.r.ref_decl(r.id).and_then(|d| self.index.decl_of(d)),
        };
        decl.and_then(|d| self.types.get(d).copied())
            .unwrap_or(Ty::Unknown)
    }

    /// Walks an expression; returns what is certain of its value's type.
    fn expr(&mut self, e: c::ExprId) -> Ty {
        let p = &self.r.program;
        match *p.expr(e) {
            c::Expr::Literal { value, tok, .. } => {
                // The parser stands a `nil` in for an expression it could not parse;
                // only a literal the text spells has a known type.
                let spelled = self
                    .tokens
                    .get(tok as usize)
                    .and_then(|t| self.source.get(t.start..t.end).map(|text| (t.class, text)));
                match (value, spelled) {
                    (Literal::Number(_), Some((Class::Number, _))) => Ty::Number,
                    (Literal::Str(_), Some((Class::String, _))) => Ty::String,
                    (Literal::Bool(_), Some((_, "true" | "false"))) => Ty::Bool,
                    (Literal::Nil, Some((_, "nil"))) => Ty::Nil,
                    _ => Ty::Unknown,
                }
            }
            c::Expr::Unary { op, operand, .. } => {
                let ty = self.expr(operand);
                match op {
                    UnaryOp::Not => Ty::Bool,
                    UnaryOp::Negate => {
                        if ty.known() && ty != Ty::Number {
                            let message =
                                format!("Operand must be a number, but it is {}.", ty.describe());
                            self.warn("operand-types", message, self.expr_span(e));
                            Ty::Unknown
                        } else {
                            Ty::Number
                        }
                    }
                }
            }
            c::Expr::Binary {
                op, left, right, ..
            } => {
                let l = self.expr(left);
                let r = self.expr(right);
                self.binary(e, op, l, r)
            }
            c::Expr::Logical { left, right, .. } => {
                self.expr(left);
                self.expr(right);
                Ty::Unknown
            }
            c::Expr::Variable(r) => self.ref_type(&r),
            c::Expr::Assign { value, .. } => self.expr(value),
            c::Expr::Call { callee, args, .. } => {
                let ty = self.expr(callee);
                let n_args = p.expr_list(args).len();
                for &a in p.expr_list(args) {
                    self.expr(a);
                }
                self.call(e, callee, ty, n_args);
                Ty::Unknown
            }
            c::Expr::Get { object, .. } => {
                self.expr(object);
                Ty::Unknown
            }
            c::Expr::Set { object, value, .. } => {
                self.expr(object);
                self.expr(value)
            }
            c::Expr::This(_) | c::Expr::Super { .. } => Ty::Unknown,
        }
    }

    fn binary(&mut self, e: c::ExprId, op: BinaryOp, l: Ty, r: Ty) -> Ty {
        use BinaryOp::*;
        match op {
            Equal | NotEqual => Ty::Bool,
            Add => {
                // Certain when either side is neither a number nor a string, or the
                // two are one of each.
                let certain_failure = !matches!(
                    (l, r),
                    (Ty::Number | Ty::String | Ty::Unknown, Ty::Unknown)
                        | (Ty::Unknown, Ty::Number | Ty::String)
                        | (Ty::Number, Ty::Number)
                        | (Ty::String, Ty::String)
                );
                if certain_failure {
                    let message = format!(
                        "Operands must be two numbers or two strings, but they are {} and {}.",
                        l.describe(),
                        r.describe()
                    )
                    .replace("unknown", "a value of unknown type");
                    self.warn("operand-types", message, self.expr_span(e));
                    return Ty::Unknown;
                }
                match (l, r) {
                    (Ty::Number, Ty::Number) => Ty::Number,
                    (Ty::String, Ty::String) => Ty::String,
                    _ => Ty::Unknown,
                }
            }
            Subtract | Multiply | Divide | Less | LessEqual | Greater | GreaterEqual => {
                let wrong = [l, r].into_iter().find(|t| t.known() && *t != Ty::Number);
                if let Some(wrong) = wrong {
                    let side = if l.known() && l != Ty::Number {
                        "left"
                    } else {
                        "right"
                    };
                    let message = format!(
                        "Operands must be numbers, but the {side} one is {}.",
                        wrong.describe()
                    );
                    self.warn("operand-types", message, self.expr_span(e));
                    return Ty::Unknown;
                }
                if matches!(op, Subtract | Multiply | Divide) {
                    Ty::Number
                } else {
                    Ty::Bool
                }
            }
        }
    }

    fn call(&mut self, e: c::ExprId, callee: c::ExprId, ty: Ty, n_args: usize) {
        let expected = match ty {
            Ty::Number | Ty::String | Ty::Bool | Ty::Nil => {
                let message = format!(
                    "Can only call functions and classes, but this is {}.",
                    ty.describe()
                );
                self.warn("not-callable", message, self.expr_span(callee));
                return;
            }
            Ty::Function(f) => self.index.functions.get(f).map(|f| f.params.len()),
            Ty::Class(decl) => self.init_arity(decl, 0),
            Ty::Unknown => self.method_arity(callee),
        };
        if let Some(expected) = expected
            && expected != n_args
        {
            let message = format!("Expected {expected} arguments but got {n_args}.");
            self.warn("arity", message, self.expr_span(e));
        }
    }

    /// The number of arguments a class takes: its `init`'s, or its superclass's when
    /// it has none (followed only through classes declared once and never assigned).
    fn init_arity(&self, class: usize, depth: usize) -> Option<usize> {
        if depth > 64 {
            return None;
        }
        let index = self.index;
        let init = index
            .methods_of(class)
            .iter()
            .map(|&m| &index.decls[m])
            .find(|d| d.kind == Kind::Initializer);
        if let Some(init) = init {
            return init.defines.map(|f| index.functions[f].params.len());
        }
        match &index.decls[class].superclass {
            None => Some(0),
            Some(name) => {
                let superclass = self.global_decl(name)?;
                if index.decls[superclass].kind != Kind::Class || !self.stable(superclass) {
                    return None;
                }
                self.init_arity(superclass, depth + 1)
            }
        }
    }

    /// For a call of `object.name(...)`: the number of arguments every method of that
    /// name in the document takes, when they all take the same and no code ever sets a
    /// field of that name (a field would be called instead).
    fn method_arity(&mut self, callee: c::ExprId) -> Option<usize> {
        let p = &self.r.program;
        let symbol = match *p.expr(callee) {
            c::Expr::Get { name, .. } => name.name,
            c::Expr::Super { method, .. } => method.name,
            _ => return None,
        };
        if let Some(&known) = self.method_arities.get(&symbol) {
            return known;
        }
        let arity = self.compute_method_arity(p.names.get(symbol));
        self.method_arities.insert(symbol, arity);
        arity
    }

    fn compute_method_arity(&self, name: &str) -> Option<usize> {
        let target = Target::Property(name.to_string());
        if self.index.usage(&target).writes > 0 {
            return None;
        }
        let mut arities = self
            .index
            .definitions(&target)
            .into_iter()
            .filter_map(|d| d.defines.map(|f| self.index.functions[f].params.len()));
        let first = arities.next()?;
        arities.all(|a| a == first).then_some(first)
    }

    /// Locals and parameters nothing uses.
    fn unused(&mut self) {
        let index = self.index;
        let mut used = vec![false; index.decls.len()];
        for o in &index.occurrences {
            if let (Target::Decl(d), Access::Read | Access::Write) = (&o.target, o.access) {
                used[*d] = true;
            }
        }
        for (i, d) in index.decls.iter().enumerate() {
            if used[i] || d.name.starts_with('_') || !matches!(d.storage, Storage::Local(_)) {
                continue;
            }
            let (code, what) = match d.kind {
                Kind::Parameter => ("unused-parameter", "Parameter"),
                Kind::Variable => ("unused-variable", "Local variable"),
                Kind::Function => ("unused-variable", "Local function"),
                Kind::Class => ("unused-variable", "Local class"),
                Kind::Method | Kind::Initializer => continue,
            };
            let message = format!("{what} '{}' is never used.", d.name);
            self.warn(code, message, Some(d.span.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze;
    use loxide::Lang;

    /// The warnings of a Lox program, as (code, the text they point at).
    fn warnings(source: &str) -> Vec<(&'static str, String)> {
        let a = analyze(source, Lang::Lox);
        a.warnings
            .iter()
            .map(|w| (w.code, source[w.span.clone()].to_string()))
            .collect()
    }

    #[test]
    fn each_warning_fires_where_it_is_certain() {
        // (source, expected warnings: code and the text they point at)
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("print \"a\" - 1;", &[("operand-types", "\"a\" - 1")]),
            ("print nil + 2;", &[("operand-types", "nil + 2")]),
            ("print 1 + \"a\";", &[("operand-types", "1 + \"a\"")]),
            ("print -\"a\";", &[("operand-types", "-\"a\"")]),
            ("print true < 1;", &[("operand-types", "true < 1")]),
            (
                "{ var s = \"x\"; print s * 2; }",
                &[("operand-types", "s * 2")],
            ),
            ("var g = nil; print g - 1;", &[("operand-types", "g - 1")]),
            (
                "print (1 + 2) + \"a\";",
                &[("operand-types", "1 + 2) + \"a\"")],
            ),
            (
                "\"not a function\"();",
                &[("not-callable", "\"not a function\"")],
            ),
            ("{ var n = 3; n(); }", &[("not-callable", "n")]),
            (
                "fun add(a, b) { return a + b; } add(1);",
                &[("arity", "add(1)")],
            ),
            (
                "class P { init(x) { this.x = x; } } P();",
                &[("arity", "P()")],
            ),
            (
                "class A { init(x, y) {} } class B < A {} B(1);",
                &[
                    ("unused-parameter", "x"),
                    ("unused-parameter", "y"),
                    ("arity", "B(1)"),
                ],
            ),
            ("class C {} C(1);", &[("arity", "C(1)")]),
            (
                "class C { m(a) { return a; } } C().m();",
                &[("arity", "C().m()")],
            ),
            (
                "fun f() { return 1; print 2; print 3; }",
                &[("unreachable", "print 2; print 3")],
            ),
            (
                "fun f(c) { if (c) return 1; else return 2; print c; }",
                &[("unreachable", "print c")],
            ),
            (
                "fun f() { var unused = 1; }",
                &[("unused-variable", "unused")],
            ),
            ("fun f(p) { return 1; }", &[("unused-parameter", "p")]),
            (
                "fun f() { var a = 1; { var a = 2; print a; } print a; }",
                &[("shadowed", "a")],
            ),
            (
                "fun f(a) { { var a = 2; print a; } }",
                &[("unused-parameter", "a"), ("shadowed", "a")],
            ),
        ];
        for (source, expected) in cases {
            let expected: Vec<(&str, String)> = expected
                .iter()
                .map(|(code, text)| (*code, text.to_string()))
                .collect();
            let mut found = warnings(source);
            found.sort();
            let mut expected = expected;
            expected.sort();
            assert_eq!(found, expected, "{source}");
        }
    }

    #[test]
    fn no_warning_where_nothing_is_certain() {
        for source in [
            // Operand types unknown, or right.
            "fun f(a) { return a - 1; } print f(2);",
            "print 1 + 2; print \"a\" + \"b\"; print 1 < 2; print 1 == \"a\";",
            "var s = \"x\"; s = 1; print s - 1;",
            "{ var s = \"x\"; s = 2; print s - 1; }",
            "var a = \"x\"; var a = 1; print a - 1;",
            "fun f(x) { return x; } print f(1) + 1;",
            "print !nil; print nil == nil; print nil or 1;",
            // What the parser put in place of a missing operand has no type.
            "print 1 + ;",
            "print - ;",
            // Calls of things that may be callable, with arguments that may fit.
            "fun f(a) { return a; } f(1);",
            "fun f(a) { return a; } var f = 1; print f;",
            "fun f(a) { return a; } fun f(a, b) { return a + b; } f(1, 2);",
            "class A { init(x) { this.x = x; } } class B < A {} print B(1).x;",
            "class A { m(a) { return a; } } class B { m(a, b) { return a + b; } } A().m(1);",
            "class A { m(a) { return a; } } var o = A(); o.m = clock; o.m();",
            "var f = clock; print f();",
            // Used locals, early returns that are not unconditional.
            "fun f(c) { if (c) return 1; print c; }",
            "fun f(_p) { var _x = 1; }",
            "fun f(a) { var b = a; b = 2; }",
            "fun f() { var a = 1; fun g() { var a = 2; print a; } g(); print a; }",
            "{ var a = 1; print a; } { var a = 2; print a; }",
            "var a = 1; { var a = 2; print a; }",
        ] {
            assert_eq!(warnings(source), [], "{source}");
        }
    }

    #[test]
    fn returning_a_value_from_init_stays_a_compile_error() {
        let a = analyze("class C { init() { return 1; } }", Lang::Lox);
        assert_eq!(
            a.errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>(),
            ["Can't return a value from an initializer."]
        );
    }
}

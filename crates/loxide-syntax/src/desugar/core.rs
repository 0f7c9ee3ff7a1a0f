//! The core tree: what every later stage sees. It has no sugar (`for`, grouping), and
//! every name occurrence carries an id that semantic analysis resolves in a side table.

use crate::ast::{BinaryOp, Literal, LogicalOp, UnaryOp};
use crate::diag::TokIdx;
use crate::intern::{Interner, Symbol};

/// Identifies a name *use* (a read or write of a variable, `this`, `super`).
pub type RefId = u32;
/// Identifies a name *declaration* (variable, parameter, function, class, `super`).
pub type DeclId = u32;
/// Identifies a function (the script is function 0).
pub type FunId = u32;
/// Identifies a block scope.
pub type ScopeId = u32;

/// A declared name.
#[derive(Clone, Debug, PartialEq)]
pub struct Decl {
    pub name: Symbol,
    pub tok: TokIdx,
    pub line: u32,
    pub id: DeclId,
}

/// A used name.
#[derive(Clone, Debug, PartialEq)]
pub struct VarRef {
    pub name: Symbol,
    pub tok: TokIdx,
    pub line: u32,
    pub id: RefId,
}

/// A property or method name (never resolved: looked up at run time).
#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    pub name: Symbol,
    pub tok: TokIdx,
    pub line: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunKind {
    Script,
    Function,
    Method,
    Initializer,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub id: FunId,
    pub kind: FunKind,
    pub name: Decl,
    pub params: Vec<Decl>,
    pub body: Vec<Stmt>,
    /// The scope that holds the parameters and the body's declarations.
    pub scope: ScopeId,
    pub end_tok: TokIdx,
    pub end_line: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// The language it was written in (it decides scoping rules in `sema`).
    pub lang: crate::frontend::Lang,
    /// Globals that exist before the program runs (earlier inputs of a REPL session).
    /// Only Potato, which checks definition before use, needs to know them.
    pub predefined: Vec<Symbol>,
    /// The top-level code, as function 0 of kind `Script`.
    pub script: Function,
    /// How many ids of each kind were handed out (the side tables' sizes).
    pub n_refs: u32,
    pub n_decls: u32,
    pub n_funs: u32,
    pub n_scopes: u32,
    /// The names and string literals the tree's symbols stand for.
    pub names: Interner,
}

impl Program {
    /// Records globals defined before the program runs (by earlier inputs of a REPL
    /// session), interning their names.
    pub fn predefine(&mut self, names: &[String]) {
        self.predefined = names.iter().map(|n| self.names.intern(n)).collect();
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Class {
    pub name: Decl,
    pub superclass: Option<VarRef>,
    /// The hidden local `super` that methods capture, when there is a superclass.
    pub super_decl: Option<Decl>,
    /// The scope holding `super_decl`.
    pub super_scope: ScopeId,
    pub methods: Vec<Function>,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Expr {
        expr: Expr,
        line: u32,
    },
    Print {
        expr: Expr,
        line: u32,
    },
    Var {
        decl: Decl,
        init: Option<Expr>,
    },
    Block {
        stmts: Vec<Stmt>,
        scope: ScopeId,
    },
    If {
        cond: Expr,
        then_branch: Box<Stmt>,
        else_branch: Option<Box<Stmt>>,
        line: u32,
        then_end_tok: TokIdx,
        end_tok: TokIdx,
    },
    While {
        cond: Expr,
        body: Box<Stmt>,
        line: u32,
        end_tok: TokIdx,
    },
    Fun(Function),
    /// Assigns `target` if semantic analysis finds it visible, else declares `decl`
    /// (Potato's `is`).
    AssignOrDeclare {
        decl: Decl,
        target: VarRef,
        value: Expr,
        line: u32,
    },
    Return {
        keyword: TokIdx,
        value: Option<Expr>,
        line: u32,
    },
    Class(Box<Class>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Literal {
        value: Literal,
        tok: TokIdx,
        line: u32,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
        line: u32,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
        line: u32,
    },
    Logical {
        op: LogicalOp,
        left: Box<Expr>,
        right: Box<Expr>,
        line: u32,
        end_tok: TokIdx,
    },
    Variable(VarRef),
    Assign {
        target: VarRef,
        value: Box<Expr>,
        line: u32,
    },
    Call {
        callee: Box<Expr>,
        args: Vec<Expr>,
        line: u32,
    },
    Get {
        object: Box<Expr>,
        name: Name,
    },
    Set {
        object: Box<Expr>,
        name: Name,
        value: Box<Expr>,
        line: u32,
    },
    This(VarRef),
    /// `super.method`: reads `this` and the hidden `super` variable.
    Super {
        this: VarRef,
        super_ref: VarRef,
        method: Name,
        keyword: TokIdx,
        line: u32,
    },
}

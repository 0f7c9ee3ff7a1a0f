//! The surface syntax tree that every front-end (Lox, Potato) produces.
//!
//! It keeps the sugar the user wrote (`for` loops, compound assignment, grouping
//! parentheses) so that `lox dump --stage ast` shows the program as written; the
//! desugaring stage removes it. Nodes carry the token indices that diagnostics need,
//! never token text, so the tree is independent of the front-end that built it.

use crate::diag::TokIdx;
use crate::intern::{Interner, Symbol};

/// A name as written, with the token it came from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ident {
    pub name: Symbol,
    pub tok: TokIdx,
    pub line: u32,
}

/// A whole parsed program.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    pub stmts: Vec<Stmt>,
    /// The line of the end of the input (where the script's implicit return is).
    pub end_line: u32,
    /// The names and string literals the tree's symbols stand for.
    pub names: Interner,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub name: Ident,
    pub params: Vec<Ident>,
    pub body: Vec<Stmt>,
    /// The token that closes the body (the last token of the function), and its line.
    pub end_tok: TokIdx,
    pub end_line: u32,
    /// Potato: a call evaluates to the body's last statement when that statement is
    /// an expression (desugaring turns it into a `return`). Lox: false.
    pub implicit_result: bool,
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
    /// `var name = init;`
    Var {
        name: Ident,
        init: Option<Expr>,
    },
    Block {
        stmts: Vec<Stmt>,
        end_tok: TokIdx,
    },
    /// `then_end_tok` and `end_tok`: the last tokens of the branches (jump diagnostics).
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
    /// `for (init; cond; incr) body`: sugar for a block holding a `while` loop.
    For {
        init: Option<Box<Stmt>>,
        cond: Option<Expr>,
        incr: Option<Expr>,
        body: Box<Stmt>,
        line: u32,
        /// The `)` closing the clauses, and the last token of the body.
        incr_end_tok: TokIdx,
        end_tok: TokIdx,
    },
    Fun(Function),
    /// Potato's `name is value`: assigns the variable `name` if one is visible,
    /// otherwise declares it in the current scope.
    Is {
        name: Ident,
        value: Expr,
        line: u32,
    },
    /// Potato's `name gains value`: sugar for `name is name potato value`.
    Gains {
        name: Ident,
        value: Expr,
        line: u32,
    },
    Return {
        keyword: TokIdx,
        value: Option<Expr>,
        line: u32,
    },
    Class {
        name: Ident,
        superclass: Option<Ident>,
        methods: Vec<Function>,
        line: u32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Negate,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogicalOp {
    And,
    Or,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Literal {
    Number(f64),
    /// A string literal's contents, interned like names.
    Str(Symbol),
    Bool(bool),
    Nil,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Literal {
        value: Literal,
        tok: TokIdx,
        line: u32,
    },
    Grouping {
        inner: Box<Expr>,
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
    Variable {
        name: Ident,
    },
    Assign {
        name: Ident,
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
        name: Ident,
    },
    Set {
        object: Box<Expr>,
        name: Ident,
        value: Box<Expr>,
        line: u32,
    },
    This {
        tok: TokIdx,
        line: u32,
    },
    Super {
        keyword: TokIdx,
        method: Ident,
        line: u32,
    },
}

impl Expr {
    /// The line an expression is reported on at run time: like clox, the line of the
    /// last token read before the expression's instruction is emitted.
    pub fn line(&self) -> u32 {
        match self {
            Expr::Literal { line, .. }
            | Expr::Unary { line, .. }
            | Expr::Binary { line, .. }
            | Expr::Logical { line, .. }
            | Expr::Call { line, .. }
            | Expr::Assign { line, .. }
            | Expr::Set { line, .. }
            | Expr::This { line, .. }
            | Expr::Super { line, .. } => *line,
            Expr::Grouping { inner } => inner.line(),
            Expr::Variable { name } | Expr::Get { name, .. } => name.line,
        }
    }
}

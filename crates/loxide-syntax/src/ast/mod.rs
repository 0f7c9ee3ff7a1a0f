//! The surface syntax tree that every front-end (Lox, Potato) produces.
//!
//! It keeps the sugar the user wrote (`for` loops, compound assignment, grouping
//! parentheses) so that `lox dump --stage ast` shows the program as written; the
//! desugaring stage removes it. Nodes carry the token indices that diagnostics need,
//! never token text, so the tree is independent of the front-end that built it.
//!
//! The tree is data-oriented: expressions, statements and functions live in flat
//! vectors of small nodes (`Program::exprs`...), linked by `u32` ids, and a node's
//! children of variable number are a `List` (a range) in a side vector. Building a
//! program of a million nodes takes a few dozen allocations, not a million, and
//! freeing it takes as many. The price is that reading a child goes through the
//! `Program` (`program.expr(id)`).

use crate::memory::Grow;

pub use crate::arena::List;
use crate::diag::TokIdx;
use crate::intern::{Interner, Symbol};

/// A name as written, with the token it came from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ident {
    pub name: Symbol,
    pub tok: TokIdx,
    pub line: u32,
}

/// An expression: an index into `Program::exprs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExprId(pub u32);

/// A statement: an index into `Program::stmts`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StmtId(pub u32);

/// A function or method: an index into `Program::functions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FunId(pub u32);

/// A whole parsed program: its nodes, and the list of its top-level statements.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    /// The top-level statements, in `stmt_lists`.
    pub top: List<StmtId>,
    /// The line of the end of the input (where the script's implicit return is).
    pub end_line: u32,
    /// True when the parser reported input nested too deeply (`Too much nesting.`):
    /// semantic analysis then does not report functions nested too deeply as well.
    pub too_deep: bool,
    /// The names and string literals the tree's symbols stand for.
    pub names: Interner,
    pub exprs: Vec<Expr>,
    pub stmts: Vec<Stmt>,
    pub functions: Vec<Function>,
    /// The side vectors that `List`s index.
    pub expr_lists: Vec<ExprId>,
    pub stmt_lists: Vec<StmtId>,
    pub fun_lists: Vec<FunId>,
    pub ident_lists: Vec<Ident>,
}

impl Program {
    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.0 as usize]
    }

    pub fn stmt(&self, id: StmtId) -> &Stmt {
        &self.stmts[id.0 as usize]
    }

    pub fn function(&self, id: FunId) -> &Function {
        &self.functions[id.0 as usize]
    }

    pub fn add_expr(&mut self, expr: Expr) -> ExprId {
        self.exprs.push_or_oom(expr);
        ExprId(self.exprs.len() as u32 - 1)
    }

    pub fn add_stmt(&mut self, stmt: Stmt) -> StmtId {
        self.stmts.push_or_oom(stmt);
        StmtId(self.stmts.len() as u32 - 1)
    }

    pub fn add_function(&mut self, function: Function) -> FunId {
        self.functions.push_or_oom(function);
        FunId(self.functions.len() as u32 - 1)
    }

    /// The line an expression is reported on at run time: like clox, the line of the
    /// last token read before the expression's instruction is emitted.
    pub fn expr_line(&self, id: ExprId) -> u32 {
        match self.expr(id) {
            Expr::Literal { line, .. }
            | Expr::Unary { line, .. }
            | Expr::Binary { line, .. }
            | Expr::Logical { line, .. }
            | Expr::Call { line, .. }
            | Expr::Assign { line, .. }
            | Expr::Set { line, .. }
            | Expr::This { line, .. }
            | Expr::Super { line, .. } => *line,
            Expr::Grouping { inner, .. } => self.expr_line(*inner),
            Expr::Variable { name } | Expr::Get { name, .. } => name.line,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Function {
    pub name: Ident,
    pub params: List<Ident>,
    pub body: List<StmtId>,
    /// The token that closes the body (the last token of the function), and its line.
    pub end_tok: TokIdx,
    pub end_line: u32,
    /// Potato: a call evaluates to the body's last statement when that statement is
    /// an expression (desugaring turns it into a `return`). Lox: false.
    pub implicit_result: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stmt {
    Expr {
        expr: ExprId,
        line: u32,
    },
    Print {
        expr: ExprId,
        line: u32,
    },
    /// `var name = init;`
    Var {
        name: Ident,
        init: Option<ExprId>,
    },
    Block {
        stmts: List<StmtId>,
        end_tok: TokIdx,
    },
    /// `then_end_tok` and `end_tok`: the last tokens of the branches (jump diagnostics).
    If {
        cond: ExprId,
        then_branch: StmtId,
        else_branch: Option<StmtId>,
        line: u32,
        then_end_tok: TokIdx,
        end_tok: TokIdx,
    },
    While {
        cond: ExprId,
        body: StmtId,
        line: u32,
        end_tok: TokIdx,
    },
    /// `for (init; cond; incr) body`: sugar for a block holding a `while` loop.
    For {
        init: Option<StmtId>,
        cond: Option<ExprId>,
        incr: Option<ExprId>,
        body: StmtId,
        line: u32,
        /// The `)` closing the clauses, and the last token of the body.
        incr_end_tok: TokIdx,
        end_tok: TokIdx,
    },
    Fun(FunId),
    /// Potato's `name is value`: assigns the variable `name` if one is visible,
    /// otherwise declares it in the current scope.
    Is {
        name: Ident,
        value: ExprId,
        line: u32,
    },
    /// Potato's `name gains value`: sugar for `name is name potato value`.
    Gains {
        name: Ident,
        value: ExprId,
        line: u32,
    },
    Return {
        keyword: TokIdx,
        value: Option<ExprId>,
        line: u32,
    },
    Class {
        name: Ident,
        superclass: Option<Ident>,
        methods: List<FunId>,
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
    Number(Number),
    /// A string literal's contents, interned like names.
    Str(Symbol),
    Bool(bool),
    Nil,
}

/// A number literal's value, kept as two 4-byte halves: an `f64` field would align
/// every expression node of both trees to 8 bytes, and make each 32 bytes instead of
/// 28 (100,000 lines of arithmetic hold 800,000 of them, twice).
#[derive(Clone, Copy)]
pub struct Number([u32; 2]);

impl Number {
    pub fn new(value: f64) -> Number {
        let bits = value.to_bits();
        Number([bits as u32, (bits >> 32) as u32])
    }

    pub fn get(self) -> f64 {
        f64::from_bits(u64::from(self.0[0]) | (u64::from(self.0[1]) << 32))
    }
}

/// Numbers compare as `f64`s (so a NaN is unequal to itself, as before).
impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.get() == other.get()
    }
}

impl std::fmt::Debug for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Expr {
    Literal {
        value: Literal,
        tok: TokIdx,
        line: u32,
    },
    /// `( inner )`, with its parentheses.
    Grouping {
        inner: ExprId,
        open: TokIdx,
        close: TokIdx,
    },
    /// `tok` is the operator.
    Unary {
        op: UnaryOp,
        operand: ExprId,
        tok: TokIdx,
        line: u32,
    },
    /// `tok` is the operator.
    Binary {
        op: BinaryOp,
        left: ExprId,
        right: ExprId,
        tok: TokIdx,
        line: u32,
    },
    Logical {
        op: LogicalOp,
        left: ExprId,
        right: ExprId,
        line: u32,
        end_tok: TokIdx,
    },
    Variable {
        name: Ident,
    },
    Assign {
        name: Ident,
        value: ExprId,
        line: u32,
    },
    /// `paren` is the `)` that closes the arguments.
    Call {
        callee: ExprId,
        args: List<ExprId>,
        paren: TokIdx,
        line: u32,
    },
    Get {
        object: ExprId,
        name: Ident,
    },
    Set {
        object: ExprId,
        name: Ident,
        value: ExprId,
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

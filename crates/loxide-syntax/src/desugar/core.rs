//! The core tree: what every later stage sees. It has no sugar (`for`, grouping), and
//! every name occurrence carries an id that semantic analysis resolves in a side table.
//!
//! Like the surface tree (see `crate::ast`), it is stored in flat vectors of small
//! nodes linked by `u32` ids, with child lists as ranges into side vectors; a
//! function's id (`FunId`) is also its index in `Program::functions`.

use crate::memory::{self, Grow};

pub use crate::arena::List;
use crate::ast::{BinaryOp, Literal, LogicalOp, UnaryOp};
use crate::diag::TokIdx;
use crate::intern::{Interner, Symbol};

/// Identifies a name *use* (a read or write of a variable, `this`, `super`).
pub type RefId = u32;
/// Identifies a name *declaration* (variable, parameter, function, class, `super`).
pub type DeclId = u32;
/// Identifies a function (the script is function 0); also its index in
/// `Program::functions`.
pub type FunId = u32;
/// Identifies a block scope.
pub type ScopeId = u32;

/// A declared name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decl {
    pub name: Symbol,
    pub tok: TokIdx,
    pub line: u32,
    pub id: DeclId,
}

/// A used name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VarRef {
    pub name: Symbol,
    pub tok: TokIdx,
    pub line: u32,
    pub id: RefId,
}

/// A property or method name (never resolved: looked up at run time).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Name {
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

/// A class: an index into `Program::classes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClassId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunKind {
    Script,
    Function,
    Method,
    Initializer,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Function {
    pub id: FunId,
    pub kind: FunKind,
    pub name: Decl,
    pub params: List<Decl>,
    pub body: List<StmtId>,
    /// The scope that holds the parameters and the body's declarations.
    pub scope: ScopeId,
    pub end_tok: TokIdx,
    pub end_line: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// The language it was written in (it decides scoping rules in `sema`).
    pub lang: crate::frontend::Lang,
    /// The syntax tree's `too_deep`: the parser has reported `Too much nesting.`.
    pub too_deep: bool,
    /// Globals that exist before the program runs (earlier inputs of a REPL session).
    /// Only Potato, which checks definition before use, needs to know them.
    pub predefined: Vec<Symbol>,
    /// How many ids of each kind were handed out (the side tables' sizes).
    pub n_refs: u32,
    pub n_decls: u32,
    pub n_scopes: u32,
    /// The names and string literals the tree's symbols stand for.
    pub names: Interner,
    pub exprs: Vec<Expr>,
    pub stmts: Vec<Stmt>,
    /// Every function by id; the top-level code is function 0, of kind `Script`.
    pub functions: Vec<Function>,
    pub classes: Vec<Class>,
    /// The side vectors that `List`s index.
    pub expr_lists: Vec<ExprId>,
    pub stmt_lists: Vec<StmtId>,
    pub fun_lists: Vec<FunId>,
    pub decl_lists: Vec<Decl>,
}

impl Program {
    /// Records globals defined before the program runs (by earlier inputs of a REPL
    /// session), interning their names.
    pub fn predefine(&mut self, names: &[String]) {
        self.predefined = memory::collected(names.iter().map(|n| self.names.intern(n)));
    }

    /// The top-level code.
    pub fn script(&self) -> &Function {
        &self.functions[0]
    }

    pub fn n_funs(&self) -> u32 {
        self.functions.len() as u32
    }

    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.0 as usize]
    }

    pub fn stmt(&self, id: StmtId) -> &Stmt {
        &self.stmts[id.0 as usize]
    }

    pub fn function(&self, id: FunId) -> &Function {
        &self.functions[id as usize]
    }

    pub fn class(&self, id: ClassId) -> &Class {
        &self.classes[id.0 as usize]
    }

    pub fn add_expr(&mut self, expr: Expr) -> ExprId {
        self.exprs.push_or_oom(expr);
        ExprId(self.exprs.len() as u32 - 1)
    }

    pub fn add_stmt(&mut self, stmt: Stmt) -> StmtId {
        self.stmts.push_or_oom(stmt);
        StmtId(self.stmts.len() as u32 - 1)
    }

    pub fn add_class(&mut self, class: Class) -> ClassId {
        self.classes.push_or_oom(class);
        ClassId(self.classes.len() as u32 - 1)
    }

    /// The statements of a list.
    pub fn stmt_list(&self, list: List<StmtId>) -> &[StmtId] {
        list.of(&self.stmt_lists)
    }

    /// The expressions of a list.
    pub fn expr_list(&self, list: List<ExprId>) -> &[ExprId] {
        list.of(&self.expr_lists)
    }

    /// The functions of a list.
    pub fn fun_list(&self, list: List<FunId>) -> &[FunId] {
        list.of(&self.fun_lists)
    }

    /// The declarations of a list.
    pub fn decl_list(&self, list: List<Decl>) -> &[Decl] {
        list.of(&self.decl_lists)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Class {
    pub name: Decl,
    pub superclass: Option<VarRef>,
    /// The hidden local `super` that methods capture, when there is a superclass.
    pub super_decl: Option<Decl>,
    /// The scope holding `super_decl`.
    pub super_scope: ScopeId,
    pub methods: List<FunId>,
    pub line: u32,
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
    Var {
        decl: Decl,
        init: Option<ExprId>,
    },
    Block {
        stmts: List<StmtId>,
        scope: ScopeId,
    },
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
    Fun(FunId),
    /// Assigns `target` if semantic analysis finds it visible, else declares `decl`
    /// (Potato's `is`).
    AssignOrDeclare {
        decl: Decl,
        target: VarRef,
        value: ExprId,
        line: u32,
    },
    Return {
        keyword: TokIdx,
        value: Option<ExprId>,
        line: u32,
    },
    Class(ClassId),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Expr {
    Literal {
        value: Literal,
        tok: TokIdx,
        line: u32,
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
    Variable(VarRef),
    Assign {
        target: VarRef,
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
        name: Name,
    },
    Set {
        object: ExprId,
        name: Name,
        value: ExprId,
        line: u32,
    },
    This(VarRef),
    /// `super.method`: reads `this` and the hidden `super` variable. Both uses are at
    /// `keyword` (see `Expr::super_refs`); the use of `super` is the id after `this`'s
    /// (one field instead of two keeps every expression node at 28 bytes).
    Super {
        this: RefId,
        method: Name,
        keyword: TokIdx,
        line: u32,
    },
}

impl Expr {
    /// The two names a `super.method` reads, `this` and `super`, both at its keyword;
    /// `None` for any other expression.
    pub fn super_refs(&self) -> Option<(VarRef, VarRef)> {
        match *self {
            Expr::Super {
                this,
                keyword,
                line,
                ..
            } => {
                let at = |name, id| VarRef {
                    name,
                    tok: keyword,
                    line,
                    id,
                };
                Some((at(Symbol::THIS, this), at(Symbol::SUPER, this + 1)))
            }
            _ => None,
        }
    }
}

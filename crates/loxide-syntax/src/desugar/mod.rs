//! Desugaring: the surface AST to the core tree.
//!
//! `for` loops become a block holding a `while` loop, grouping parentheses disappear,
//! and every declaration, name use, function and scope receives a numeric id. No later
//! stage knows that sugar existed.

pub mod core;

use self::core as c;
use crate::ast;
use crate::frontend::Lang;
use crate::intern::Symbol;

/// Lowers a parsed program to the core tree. The syntax tree is consumed: its names
/// move to the core tree, and the rest is freed as soon as desugaring is done.
pub fn desugar(program: ast::Program, lang: Lang) -> c::Program {
    let mut d = Desugarer {
        n_refs: 0,
        n_decls: 0,
        n_funs: 1,
        n_scopes: 1,
    };
    let body = d.stmts(&program.stmts);
    let script = c::Function {
        id: 0,
        kind: c::FunKind::Script,
        name: c::Decl {
            name: Symbol::SCRIPT,
            tok: 0,
            line: 0,
            id: d.decl_id(),
        },
        params: Vec::new(),
        body,
        scope: 0,
        end_tok: 0,
        end_line: program.end_line,
    };
    c::Program {
        lang,
        predefined: Vec::new(),
        script,
        n_refs: d.n_refs,
        n_decls: d.n_decls,
        n_funs: d.n_funs,
        n_scopes: d.n_scopes,
        names: program.names,
    }
}

struct Desugarer {
    n_refs: u32,
    n_decls: u32,
    n_funs: u32,
    n_scopes: u32,
}

impl Desugarer {
    fn ref_id(&mut self) -> c::RefId {
        self.n_refs += 1;
        self.n_refs - 1
    }

    fn decl_id(&mut self) -> c::DeclId {
        self.n_decls += 1;
        self.n_decls - 1
    }

    fn scope_id(&mut self) -> c::ScopeId {
        self.n_scopes += 1;
        self.n_scopes - 1
    }

    fn decl(&mut self, ident: &ast::Ident) -> c::Decl {
        c::Decl {
            name: ident.name,
            tok: ident.tok,
            line: ident.line,
            id: self.decl_id(),
        }
    }

    fn var_ref(&mut self, ident: &ast::Ident) -> c::VarRef {
        c::VarRef {
            name: ident.name,
            tok: ident.tok,
            line: ident.line,
            id: self.ref_id(),
        }
    }

    fn synthetic_ref(&mut self, name: Symbol, tok: u32, line: u32) -> c::VarRef {
        c::VarRef {
            name,
            tok,
            line,
            id: self.ref_id(),
        }
    }

    fn stmts(&mut self, stmts: &[ast::Stmt]) -> Vec<c::Stmt> {
        stmts.iter().map(|s| self.stmt(s)).collect()
    }

    fn stmt(&mut self, stmt: &ast::Stmt) -> c::Stmt {
        match stmt {
            ast::Stmt::Expr { expr, line } => c::Stmt::Expr {
                expr: self.expr(expr),
                line: *line,
            },
            ast::Stmt::Print { expr, line } => c::Stmt::Print {
                expr: self.expr(expr),
                line: *line,
            },
            ast::Stmt::Var { name, init } => {
                // The initializer is desugared first: its names are used before the
                // variable exists.
                let init = init.as_ref().map(|e| self.expr(e));
                c::Stmt::Var {
                    decl: self.decl(name),
                    init,
                }
            }
            ast::Stmt::Block { stmts, .. } => {
                let scope = self.scope_id();
                c::Stmt::Block {
                    stmts: self.stmts(stmts),
                    scope,
                }
            }
            ast::Stmt::If {
                cond,
                then_branch,
                else_branch,
                line,
                then_end_tok,
                end_tok,
            } => c::Stmt::If {
                cond: self.expr(cond),
                then_branch: Box::new(self.stmt(then_branch)),
                else_branch: else_branch.as_ref().map(|s| Box::new(self.stmt(s))),
                line: *line,
                then_end_tok: *then_end_tok,
                end_tok: *end_tok,
            },
            ast::Stmt::While {
                cond,
                body,
                line,
                end_tok,
            } => c::Stmt::While {
                cond: self.expr(cond),
                body: Box::new(self.stmt(body)),
                line: *line,
                end_tok: *end_tok,
            },
            ast::Stmt::For {
                init,
                cond,
                incr,
                body,
                line,
                end_tok,
                ..
            } => self.for_loop(
                init.as_deref(),
                cond.as_ref(),
                incr.as_ref(),
                body,
                *line,
                *end_tok,
            ),
            ast::Stmt::Fun(f) => c::Stmt::Fun(self.function(f, c::FunKind::Function)),
            ast::Stmt::Is { name, value, line } => {
                let value = self.expr(value);
                self.assign_or_declare(name, value, *line)
            }
            ast::Stmt::Gains { name, value, line } => {
                // `x gains e` is `x is x potato e`.
                let sum = c::Expr::Binary {
                    op: ast::BinaryOp::Add,
                    left: Box::new(c::Expr::Variable(self.var_ref(name))),
                    right: Box::new(self.expr(value)),
                    line: *line,
                };
                self.assign_or_declare(name, sum, *line)
            }
            ast::Stmt::Return {
                keyword,
                value,
                line,
            } => c::Stmt::Return {
                keyword: *keyword,
                value: value.as_ref().map(|e| self.expr(e)),
                line: *line,
            },
            ast::Stmt::Class {
                name,
                superclass,
                methods,
                line,
            } => {
                let name_decl = self.decl(name);
                let superclass = superclass.as_ref().map(|s| self.var_ref(s));
                let super_scope = self.scope_id();
                let super_decl = superclass.as_ref().map(|s| c::Decl {
                    name: Symbol::SUPER,
                    tok: s.tok,
                    line: s.line,
                    id: self.decl_id(),
                });
                let methods = methods
                    .iter()
                    .map(|m| {
                        let kind = if m.name.name == Symbol::INIT {
                            c::FunKind::Initializer
                        } else {
                            c::FunKind::Method
                        };
                        self.function(m, kind)
                    })
                    .collect();
                c::Stmt::Class(Box::new(c::Class {
                    name: name_decl,
                    superclass,
                    super_decl,
                    super_scope,
                    methods,
                    line: *line,
                }))
            }
        }
    }

    fn assign_or_declare(&mut self, name: &ast::Ident, value: c::Expr, line: u32) -> c::Stmt {
        let target = self.var_ref(name);
        c::Stmt::AssignOrDeclare {
            decl: self.decl(name),
            target,
            value,
            line,
        }
    }

    /// `for (init; cond; incr) body` becomes `{ init; while (cond) { body; incr; } }`.
    /// The loop variable is one variable for the whole loop, as in clox.
    fn for_loop(
        &mut self,
        init: Option<&ast::Stmt>,
        cond: Option<&ast::Expr>,
        incr: Option<&ast::Expr>,
        body: &ast::Stmt,
        line: u32,
        end_tok: u32,
    ) -> c::Stmt {
        let outer_scope = self.scope_id();
        let init = init.map(|s| self.stmt(s));
        let cond = match cond {
            Some(e) => self.expr(e),
            None => c::Expr::Literal {
                value: ast::Literal::Bool(true),
                tok: 0,
                line,
            },
        };
        let body_scope = self.scope_id();
        let mut loop_body = vec![self.stmt(body)];
        if let Some(incr) = incr {
            let incr_line = incr.line();
            loop_body.push(c::Stmt::Expr {
                expr: self.expr(incr),
                line: incr_line,
            });
        }
        let while_loop = c::Stmt::While {
            cond,
            body: Box::new(c::Stmt::Block {
                stmts: loop_body,
                scope: body_scope,
            }),
            line,
            end_tok,
        };
        c::Stmt::Block {
            stmts: init.into_iter().chain([while_loop]).collect(),
            scope: outer_scope,
        }
    }

    fn function(&mut self, f: &ast::Function, kind: c::FunKind) -> c::Function {
        let id = self.n_funs;
        self.n_funs += 1;
        let name = self.decl(&f.name);
        let scope = self.scope_id();
        let params = f.params.iter().map(|p| self.decl(p)).collect();
        let mut body = self.stmts(&f.body);
        // The value of a trailing expression statement is the call's result.
        if f.implicit_result
            && let Some(c::Stmt::Expr { .. }) = body.last()
            && let Some(c::Stmt::Expr { expr, line }) = body.pop()
        {
            body.push(c::Stmt::Return {
                keyword: f.end_tok,
                value: Some(expr),
                line,
            });
        }
        c::Function {
            id,
            kind,
            name,
            params,
            body,
            scope,
            end_tok: f.end_tok,
            end_line: f.end_line,
        }
    }

    fn expr(&mut self, expr: &ast::Expr) -> c::Expr {
        let boxed = |d: &mut Self, e: &ast::Expr| Box::new(d.expr(e));
        match expr {
            ast::Expr::Literal { value, tok, line } => c::Expr::Literal {
                value: *value,
                tok: *tok,
                line: *line,
            },
            ast::Expr::Grouping { inner } => self.expr(inner),
            ast::Expr::Unary { op, operand, line } => c::Expr::Unary {
                op: *op,
                operand: boxed(self, operand),
                line: *line,
            },
            ast::Expr::Binary {
                op,
                left,
                right,
                line,
            } => c::Expr::Binary {
                op: *op,
                left: boxed(self, left),
                right: boxed(self, right),
                line: *line,
            },
            ast::Expr::Logical {
                op,
                left,
                right,
                line,
                end_tok,
            } => c::Expr::Logical {
                op: *op,
                left: boxed(self, left),
                right: boxed(self, right),
                line: *line,
                end_tok: *end_tok,
            },
            ast::Expr::Variable { name } => c::Expr::Variable(self.var_ref(name)),
            ast::Expr::Assign { name, value, line } => {
                let target = self.var_ref(name);
                c::Expr::Assign {
                    target,
                    value: boxed(self, value),
                    line: *line,
                }
            }
            ast::Expr::Call { callee, args, line } => c::Expr::Call {
                callee: boxed(self, callee),
                args: args.iter().map(|a| self.expr(a)).collect(),
                line: *line,
            },
            ast::Expr::Get { object, name } => c::Expr::Get {
                object: boxed(self, object),
                name: property(name),
            },
            ast::Expr::Set {
                object,
                name,
                value,
                line,
            } => c::Expr::Set {
                object: boxed(self, object),
                name: property(name),
                value: boxed(self, value),
                line: *line,
            },
            ast::Expr::This { tok, line } => {
                c::Expr::This(self.synthetic_ref(Symbol::THIS, *tok, *line))
            }
            ast::Expr::Super {
                keyword,
                method,
                line,
            } => c::Expr::Super {
                this: self.synthetic_ref(Symbol::THIS, *keyword, *line),
                super_ref: self.synthetic_ref(Symbol::SUPER, *keyword, *line),
                method: property(method),
                keyword: *keyword,
                line: *line,
            },
        }
    }
}

fn property(ident: &ast::Ident) -> c::Name {
    c::Name {
        name: ident.name,
        tok: ident.tok,
        line: ident.line,
    }
}

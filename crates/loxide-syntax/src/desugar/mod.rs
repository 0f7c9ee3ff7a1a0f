//! Desugaring: the surface AST to the core tree.
//!
//! `for` loops become a block holding a `while` loop, grouping parentheses disappear,
//! and every declaration, name use, function and scope receives a numeric id. No later
//! stage knows that sugar existed. The syntax tree is read once, front to back, and
//! freed when desugaring returns.

use crate::memory::{self, Grow};

pub mod core;

use self::core as c;
use crate::ast;
use crate::frontend::Lang;
use crate::intern::Symbol;

/// Lowers a parsed program to the core tree. The syntax tree is consumed: its names
/// move to the core tree, and the rest is freed as soon as desugaring is done.
pub fn desugar(program: ast::Program, lang: Lang) -> c::Program {
    let mut src = program;
    let names = std::mem::take(&mut src.names);
    let (top, end_line) = (src.top, src.end_line);
    let mut d = Desugarer {
        src: &src,
        out: c::Program {
            lang,
            too_deep: src.too_deep,
            predefined: Vec::new(),
            n_refs: 0,
            n_decls: 0,
            n_scopes: 1,
            names,
            // The core tree has about as many nodes as the syntax tree.
            exprs: memory::with_capacity(src.exprs.len()),
            stmts: memory::with_capacity(src.stmts.len()),
            functions: memory::with_capacity(src.functions.len() + 1),
            classes: Vec::new(),
            expr_lists: memory::with_capacity(src.expr_lists.len()),
            stmt_lists: memory::with_capacity(src.stmt_lists.len()),
            fun_lists: Vec::new(),
            decl_lists: memory::with_capacity(src.ident_lists.len()),
        },
        scratch_stmts: Vec::new(),
        scratch_exprs: Vec::new(),
    };
    // The script is function 0: its slot is taken before its body's functions.
    let placeholder = d.reserve_function();
    let body = d.stmts(top);
    let name = c::Decl {
        name: Symbol::SCRIPT,
        tok: 0,
        line: 0,
        id: d.decl_id(),
    };
    d.out.functions[placeholder as usize] = c::Function {
        id: placeholder,
        kind: c::FunKind::Script,
        name,
        params: c::List::EMPTY,
        body,
        scope: 0,
        end_tok: 0,
        end_line,
    };
    d.out
}

struct Desugarer<'a> {
    src: &'a ast::Program,
    out: c::Program,
    /// Where the children of the lists being built wait (see `crate::arena`).
    scratch_stmts: Vec<c::StmtId>,
    scratch_exprs: Vec<c::ExprId>,
}

impl Desugarer<'_> {
    fn ref_id(&mut self) -> c::RefId {
        self.out.n_refs += 1;
        self.out.n_refs - 1
    }

    fn decl_id(&mut self) -> c::DeclId {
        self.out.n_decls += 1;
        self.out.n_decls - 1
    }

    fn scope_id(&mut self) -> c::ScopeId {
        self.out.n_scopes += 1;
        self.out.n_scopes - 1
    }

    /// Takes the next function id; the function is stored there when it is done.
    fn reserve_function(&mut self) -> c::FunId {
        let id = self.out.functions.len() as c::FunId;
        self.out.functions.push_or_oom(c::Function {
            id,
            kind: c::FunKind::Function,
            name: c::Decl {
                name: Symbol::EMPTY,
                tok: 0,
                line: 0,
                id: 0,
            },
            params: c::List::EMPTY,
            body: c::List::EMPTY,
            scope: 0,
            end_tok: 0,
            end_line: 0,
        });
        id
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

    fn add(&mut self, stmt: c::Stmt) -> c::StmtId {
        self.out.add_stmt(stmt)
    }

    fn add_expr(&mut self, expr: c::Expr) -> c::ExprId {
        self.out.add_expr(expr)
    }

    fn stmts(&mut self, stmts: ast::List<ast::StmtId>) -> c::List<c::StmtId> {
        let src = self.src;
        let mark = self.scratch_stmts.len();
        for &s in stmts.of(&src.stmt_lists) {
            let stmt = self.stmt(s);
            self.scratch_stmts.push_or_oom(stmt);
        }
        c::List::build(&mut self.out.stmt_lists, &mut self.scratch_stmts, mark)
    }

    fn stmt(&mut self, id: ast::StmtId) -> c::StmtId {
        let stmt = match *self.src.stmt(id) {
            ast::Stmt::Expr { expr, line } => c::Stmt::Expr {
                expr: self.expr(expr),
                line,
            },
            ast::Stmt::Print { expr, line } => c::Stmt::Print {
                expr: self.expr(expr),
                line,
            },
            ast::Stmt::Var { name, init } => {
                // The initializer is desugared first: its names are used before the
                // variable exists.
                let init = init.map(|e| self.expr(e));
                c::Stmt::Var {
                    decl: self.decl(&name),
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
                then_branch: self.stmt(then_branch),
                else_branch: else_branch.map(|s| self.stmt(s)),
                line,
                then_end_tok,
                end_tok,
            },
            ast::Stmt::While {
                cond,
                body,
                line,
                end_tok,
            } => c::Stmt::While {
                cond: self.expr(cond),
                body: self.stmt(body),
                line,
                end_tok,
            },
            ast::Stmt::For {
                init,
                cond,
                incr,
                body,
                line,
                end_tok,
                ..
            } => return self.for_loop(init, cond, incr, body, line, end_tok),
            ast::Stmt::Fun(f) => c::Stmt::Fun(self.function(f, c::FunKind::Function)),
            ast::Stmt::Is { name, value, line } => {
                let value = self.expr(value);
                self.assign_or_declare(&name, value, line)
            }
            ast::Stmt::Gains { name, value, line } => {
                // `x gains e` is `x is x potato e`.
                let left = c::Expr::Variable(self.var_ref(&name));
                let left = self.add_expr(left);
                let right = self.expr(value);
                let sum = self.add_expr(c::Expr::Binary {
                    op: ast::BinaryOp::Add,
                    left,
                    right,
                    tok: name.tok,
                    line,
                });
                self.assign_or_declare(&name, sum, line)
            }
            ast::Stmt::Return {
                keyword,
                value,
                line,
            } => c::Stmt::Return {
                keyword,
                value: value.map(|e| self.expr(e)),
                line,
            },
            ast::Stmt::Class {
                name,
                superclass,
                methods,
                line,
            } => {
                let name_decl = self.decl(&name);
                let superclass = superclass.map(|s| self.var_ref(&s));
                let super_scope = self.scope_id();
                let super_decl = superclass.map(|s| c::Decl {
                    name: Symbol::SUPER,
                    tok: s.tok,
                    line: s.line,
                    id: self.decl_id(),
                });
                // A class's methods are few and never nest directly in each other: a
                // plain vector is the scratch space.
                let src = self.src;
                let mut ids = memory::with_capacity(methods.len());
                for &m in methods.of(&src.fun_lists) {
                    let kind = if src.function(m).name.name == Symbol::INIT {
                        c::FunKind::Initializer
                    } else {
                        c::FunKind::Method
                    };
                    ids.push_or_oom(self.function(m, kind));
                }
                let methods = c::List::extend(&mut self.out.fun_lists, ids);
                c::Stmt::Class(self.out.add_class(c::Class {
                    name: name_decl,
                    superclass,
                    super_decl,
                    super_scope,
                    methods,
                    line,
                }))
            }
        };
        self.add(stmt)
    }

    fn assign_or_declare(&mut self, name: &ast::Ident, value: c::ExprId, line: u32) -> c::Stmt {
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
        init: Option<ast::StmtId>,
        cond: Option<ast::ExprId>,
        incr: Option<ast::ExprId>,
        body: ast::StmtId,
        line: u32,
        end_tok: u32,
    ) -> c::StmtId {
        let outer_scope = self.scope_id();
        let init = init.map(|s| self.stmt(s));
        let cond = match cond {
            Some(e) => self.expr(e),
            None => self.add_expr(c::Expr::Literal {
                value: ast::Literal::Bool(true),
                tok: 0,
                line,
            }),
        };
        let body_scope = self.scope_id();
        let body = self.stmt(body);
        let incr = incr.map(|incr| {
            let incr_line = self.src.expr_line(incr);
            let expr = self.expr(incr);
            self.add(c::Stmt::Expr {
                expr,
                line: incr_line,
            })
        });
        let loop_body =
            c::List::extend(&mut self.out.stmt_lists, std::iter::once(body).chain(incr));
        let loop_body = self.add(c::Stmt::Block {
            stmts: loop_body,
            scope: body_scope,
        });
        let while_loop = self.add(c::Stmt::While {
            cond,
            body: loop_body,
            line,
            end_tok,
        });
        let stmts = c::List::extend(
            &mut self.out.stmt_lists,
            init.into_iter().chain([while_loop]),
        );
        self.add(c::Stmt::Block {
            stmts,
            scope: outer_scope,
        })
    }

    fn function(&mut self, f: ast::FunId, kind: c::FunKind) -> c::FunId {
        let src = self.src;
        let f = *src.function(f);
        let id = self.reserve_function();
        let name = self.decl(&f.name);
        let scope = self.scope_id();
        let first_param = self.out.n_decls;
        let params = c::List::extend(
            &mut self.out.decl_lists,
            f.params
                .of(&src.ident_lists)
                .iter()
                .zip(first_param..)
                .map(|(p, id)| c::Decl {
                    name: p.name,
                    tok: p.tok,
                    line: p.line,
                    id,
                }),
        );
        self.out.n_decls += params.len() as u32;
        let body = self.stmts(f.body);
        // The value of a trailing expression statement is the call's result.
        if f.implicit_result
            && let Some(&last) = self.out.stmt_list(body).last()
            && let c::Stmt::Expr { expr, line } = *self.out.stmt(last)
        {
            let ret = self.add(c::Stmt::Return {
                keyword: f.end_tok,
                value: Some(expr),
                line,
            });
            // The expression statement is replaced in the list; its node stays unused.
            self.out.stmt_lists[body.range().end - 1] = ret;
        }
        self.out.functions[id as usize] = c::Function {
            id,
            kind,
            name,
            params,
            body,
            scope,
            end_tok: f.end_tok,
            end_line: f.end_line,
        };
        id
    }

    fn expr(&mut self, id: ast::ExprId) -> c::ExprId {
        let expr = match *self.src.expr(id) {
            ast::Expr::Literal { value, tok, line } => c::Expr::Literal { value, tok, line },
            ast::Expr::Grouping { inner, .. } => return self.expr(inner),
            ast::Expr::Unary {
                op,
                operand,
                tok,
                line,
            } => c::Expr::Unary {
                op,
                operand: self.expr(operand),
                tok,
                line,
            },
            ast::Expr::Binary {
                op,
                left,
                right,
                tok,
                line,
            } => c::Expr::Binary {
                op,
                left: self.expr(left),
                right: self.expr(right),
                tok,
                line,
            },
            ast::Expr::Logical {
                op,
                left,
                right,
                line,
                end_tok,
            } => c::Expr::Logical {
                op,
                left: self.expr(left),
                right: self.expr(right),
                line,
                end_tok,
            },
            ast::Expr::Variable { name } => c::Expr::Variable(self.var_ref(&name)),
            ast::Expr::Assign { name, value, line } => {
                let target = self.var_ref(&name);
                c::Expr::Assign {
                    target,
                    value: self.expr(value),
                    line,
                }
            }
            ast::Expr::Call {
                callee,
                args,
                paren,
                line,
            } => {
                let callee = self.expr(callee);
                let src = self.src;
                let mark = self.scratch_exprs.len();
                for &a in args.of(&src.expr_lists) {
                    let arg = self.expr(a);
                    self.scratch_exprs.push_or_oom(arg);
                }
                let args = c::List::build(&mut self.out.expr_lists, &mut self.scratch_exprs, mark);
                c::Expr::Call {
                    callee,
                    args,
                    paren,
                    line,
                }
            }
            ast::Expr::Get { object, name } => c::Expr::Get {
                object: self.expr(object),
                name: property(&name),
            },
            ast::Expr::Set {
                object,
                name,
                value,
                line,
            } => c::Expr::Set {
                object: self.expr(object),
                name: property(&name),
                value: self.expr(value),
                line,
            },
            ast::Expr::This { tok, line } => {
                c::Expr::This(self.synthetic_ref(Symbol::THIS, tok, line))
            }
            ast::Expr::Super {
                keyword,
                method,
                line,
            } => {
                let this = self.ref_id();
                // The use of `super`: the id after `this`'s (see `c::Expr::Super`).
                self.ref_id();
                c::Expr::Super {
                    this,
                    method: property(&method),
                    keyword,
                    line,
                }
            }
        };
        self.add_expr(expr)
    }
}

fn property(ident: &ast::Ident) -> c::Name {
    c::Name {
        name: ident.name,
        tok: ident.tok,
        line: ident.line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    /// The nodes are what the trees are made of, about one per token: their size is
    /// most of the trees' memory, so it is pinned here (a statement is larger, for
    /// `for` and Potato's `is`, but there are a few times fewer of them).
    #[test]
    fn the_trees_nodes_are_small() {
        let sizes = [
            size_of::<ast::Expr>(),
            size_of::<ast::Stmt>(),
            size_of::<c::Expr>(),
            size_of::<c::Stmt>(),
        ];
        // An expression was 32 bytes while a number literal held an `f64` (aligning
        // every node to 8) and `super` two reference ids.
        assert_eq!(sizes, [28, 44, 28, 44]);
    }

    #[test]
    fn desugaring_leaves_no_sugar_and_numbers_every_name() {
        let parsed = crate::frontend::lox::parser::parse(&crate::frontend::lox::lexer::scan(
            "for (var i = 0; i < 2; i = i + 1) print (i);",
        ));
        assert!(parsed.diagnostics.is_empty());
        let core = desugar(parsed.program, Lang::Lox);
        // { var i = 0; while (i < 2) { print i; i = i + 1; } }
        let top = core.stmt_list(core.script().body);
        assert_eq!(top.len(), 1);
        let c::Stmt::Block { stmts, .. } = *core.stmt(top[0]) else {
            panic!("expected a block: {:?}", core.stmt(top[0]));
        };
        let outer = core.stmt_list(stmts);
        assert!(matches!(core.stmt(outer[0]), c::Stmt::Var { .. }));
        let c::Stmt::While { body, .. } = *core.stmt(outer[1]) else {
            panic!("expected a while loop");
        };
        let c::Stmt::Block { stmts, .. } = *core.stmt(body) else {
            panic!("expected the loop's block");
        };
        let inner = core.stmt_list(stmts);
        let c::Stmt::Print { expr, .. } = *core.stmt(inner[0]) else {
            panic!("expected print");
        };
        // The grouping is gone: print's operand is the variable itself.
        assert!(matches!(core.expr(expr), c::Expr::Variable(_)));
        assert!(matches!(core.stmt(inner[1]), c::Stmt::Expr { .. }));
        // i (declared), i (read in the condition, the print, the increment, twice).
        assert_eq!(core.n_refs, 4);
        assert_eq!(core.n_funs(), 1);
    }
}

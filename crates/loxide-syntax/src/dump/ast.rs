//! The `ast` and `desugared` dumps: the surface tree as written, and the core tree
//! after desugaring, both drawn as labelled trees.

use super::tree::Node;
use crate::ast::{self, BinaryOp, Literal, LogicalOp, UnaryOp};
use crate::desugar::core as c;
use crate::frontend::Lang;
use crate::intern::{Interner, Symbol};

fn literal(value: &Literal, lang: Lang, names: &Interner) -> String {
    match (value, lang) {
        (Literal::Number(n), _) => format!("NUMBER {}", exact(*n)),
        (Literal::Str(s), _) => format!("STRING {:?}", names.get(*s)),
        (Literal::Bool(b), Lang::Lox) => format!("BOOLEAN {b}"),
        (Literal::Bool(true), Lang::Potato) => "BOOLEAN :)".into(),
        (Literal::Bool(false), Lang::Potato) => "BOOLEAN :(".into(),
        (Literal::Nil, Lang::Lox) => "NIL".into(),
        (Literal::Nil, Lang::Potato) => "NOTHING".into(),
    }
}

/// Operators are named as the program's language spells them: Potato's `potato` and
/// `equals?` are Lox's `+` and `==` underneath, but a dump shows what the user wrote.
fn binary(op: BinaryOp, lang: Lang) -> &'static str {
    match (op, lang) {
        (BinaryOp::Add, Lang::Potato) => "POTATO",
        (BinaryOp::Equal, Lang::Potato) => "EQUALS?",
        _ => lox_binary(op),
    }
}

fn lox_binary(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "PLUS",
        BinaryOp::Subtract => "MINUS",
        BinaryOp::Multiply => "STAR",
        BinaryOp::Divide => "SLASH",
        BinaryOp::Equal => "EQUALS_EQUALS",
        BinaryOp::NotEqual => "BANG_EQUALS",
        BinaryOp::Less => "LESS",
        BinaryOp::LessEqual => "LESS_EQUAL",
        BinaryOp::Greater => "GREATER",
        BinaryOp::GreaterEqual => "GREATER_EQUAL",
    }
}

fn print_label(lang: Lang) -> &'static str {
    match lang {
        Lang::Lox => "PRINT",
        Lang::Potato => "SAY",
    }
}

fn unary(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Negate => "NEGATE",
        UnaryOp::Not => "NOT",
    }
}

fn logical(op: LogicalOp) -> &'static str {
    match op {
        LogicalOp::And => "AND",
        LogicalOp::Or => "OR",
    }
}

// ----- Surface tree -----------------------------------------------------------------

pub fn program(p: &ast::Program, lang: Lang) -> Vec<Node> {
    let d = Surface {
        names: &p.names,
        lang,
    };
    p.stmts.iter().map(|s| d.stmt(s)).collect()
}

/// Draws the surface tree of one program.
struct Surface<'p> {
    names: &'p Interner,
    lang: Lang,
}

impl Surface<'_> {
    fn name(&self, symbol: Symbol) -> &str {
        self.names.get(symbol)
    }

    fn function(&self, label: &str, f: &ast::Function) -> Node {
        let params: Vec<&str> = f.params.iter().map(|p| self.name(p.name)).collect();
        Node::new(
            format!("{label} {}({})", self.name(f.name.name), params.join(", ")),
            f.body.iter().map(|x| self.stmt(x)).collect(),
        )
    }

    fn stmt(&self, s: &ast::Stmt) -> Node {
        match s {
            ast::Stmt::Expr { expr: e, .. } => Node::new("EXPRESSION", vec![self.expr(e)]),
            ast::Stmt::Print { expr: e, .. } => {
                Node::new(print_label(self.lang), vec![self.expr(e)])
            }
            ast::Stmt::Var { name, init } => Node::new(
                format!("VAR {}", self.name(name.name)),
                init.iter().map(|x| self.expr(x)).collect(),
            ),
            ast::Stmt::Block { stmts, .. } => {
                Node::new("BLOCK", stmts.iter().map(|x| self.stmt(x)).collect())
            }
            ast::Stmt::If {
                cond,
                then_branch,
                else_branch,
                ..
            } => {
                let mut children = vec![
                    self.expr(cond).role("cond"),
                    self.stmt(then_branch).role("then"),
                ];
                children.extend(else_branch.iter().map(|e| self.stmt(e).role("else")));
                Node::new("IF", children)
            }
            ast::Stmt::While { cond, body, .. } => Node::new(
                "WHILE",
                vec![self.expr(cond).role("cond"), self.stmt(body).role("body")],
            ),
            ast::Stmt::For {
                init,
                cond,
                incr,
                body,
                ..
            } => {
                let mut children = Vec::new();
                children.extend(init.iter().map(|s| self.stmt(s).role("init")));
                children.extend(cond.iter().map(|e| self.expr(e).role("cond")));
                children.extend(incr.iter().map(|e| self.expr(e).role("incr")));
                children.push(self.stmt(body).role("body"));
                Node::new("FOR", children)
            }
            ast::Stmt::Fun(f) => self.function("FUN", f),
            ast::Stmt::Is { name, value, .. } => Node::new(
                format!("IS {}", self.name(name.name)),
                vec![self.expr(value)],
            ),
            ast::Stmt::Gains { name, value, .. } => Node::new(
                format!("GAINS {}", self.name(name.name)),
                vec![self.expr(value)],
            ),
            ast::Stmt::Return { value, .. } => {
                Node::new("RETURN", value.iter().map(|x| self.expr(x)).collect())
            }
            ast::Stmt::Class {
                name,
                superclass,
                methods,
                ..
            } => {
                let label = match superclass {
                    Some(s) => format!("CLASS {} < {}", self.name(name.name), self.name(s.name)),
                    None => format!("CLASS {}", self.name(name.name)),
                };
                Node::new(
                    label,
                    methods.iter().map(|m| self.function("METHOD", m)).collect(),
                )
            }
        }
    }

    fn expr(&self, e: &ast::Expr) -> Node {
        match e {
            ast::Expr::Literal { value, .. } => Node::leaf(literal(value, self.lang, self.names)),
            ast::Expr::Grouping { inner } => Node::new("GROUPING", vec![self.expr(inner)]),
            ast::Expr::Unary { op, operand, .. } => Node::new(unary(*op), vec![self.expr(operand)]),
            ast::Expr::Binary {
                op, left, right, ..
            } => Node::new(
                binary(*op, self.lang),
                vec![self.expr(left), self.expr(right)],
            ),
            ast::Expr::Logical {
                op, left, right, ..
            } => Node::new(logical(*op), vec![self.expr(left), self.expr(right)]),
            ast::Expr::Variable { name } => {
                Node::leaf(format!("VARIABLE {}", self.name(name.name)))
            }
            ast::Expr::Assign { name, value, .. } => Node::new(
                format!("ASSIGN {}", self.name(name.name)),
                vec![self.expr(value)],
            ),
            ast::Expr::Call { callee, args, .. } => {
                let mut children = vec![self.expr(callee).role("callee")];
                children.extend(args.iter().map(|x| self.expr(x)));
                Node::new("CALL", children)
            }
            ast::Expr::Get { object, name } => Node::new(
                format!("GET .{}", self.name(name.name)),
                vec![self.expr(object)],
            ),
            ast::Expr::Set {
                object,
                name,
                value,
                ..
            } => Node::new(
                format!("SET .{}", self.name(name.name)),
                vec![self.expr(object), self.expr(value).role("value")],
            ),
            ast::Expr::This { .. } => Node::leaf("THIS"),
            ast::Expr::Super { method, .. } => {
                Node::leaf(format!("SUPER .{}", self.name(method.name)))
            }
        }
    }
}

// ----- Core tree --------------------------------------------------------------------

pub fn core(p: &c::Program) -> Vec<Node> {
    let d = Core {
        names: &p.names,
        lang: p.lang,
    };
    p.script.body.iter().map(|s| d.core_stmt(s)).collect()
}

/// Draws the core tree of one program.
struct Core<'p> {
    names: &'p Interner,
    lang: Lang,
}

impl Core<'_> {
    fn name(&self, symbol: Symbol) -> &str {
        self.names.get(symbol)
    }

    fn core_function(&self, label: &str, f: &c::Function) -> Node {
        let params: Vec<&str> = f.params.iter().map(|p| self.name(p.name)).collect();
        Node::new(
            format!("{label} {}({})", self.name(f.name.name), params.join(", ")),
            f.body.iter().map(|x| self.core_stmt(x)).collect(),
        )
    }

    fn core_stmt(&self, s: &c::Stmt) -> Node {
        match s {
            c::Stmt::Expr { expr, .. } => Node::new("EXPRESSION", vec![self.core_expr(expr)]),
            c::Stmt::Print { expr, .. } => {
                Node::new(print_label(self.lang), vec![self.core_expr(expr)])
            }
            c::Stmt::Var { decl, init } => Node::new(
                format!("VAR {}", self.name(decl.name)),
                init.iter().map(|x| self.core_expr(x)).collect(),
            ),
            c::Stmt::Block { stmts, .. } => {
                Node::new("BLOCK", stmts.iter().map(|x| self.core_stmt(x)).collect())
            }
            c::Stmt::If {
                cond,
                then_branch,
                else_branch,
                ..
            } => {
                let mut children = vec![
                    self.core_expr(cond).role("cond"),
                    self.core_stmt(then_branch).role("then"),
                ];
                children.extend(else_branch.iter().map(|e| self.core_stmt(e).role("else")));
                Node::new("IF", children)
            }
            c::Stmt::While { cond, body, .. } => Node::new(
                "WHILE",
                vec![
                    self.core_expr(cond).role("cond"),
                    self.core_stmt(body).role("body"),
                ],
            ),
            c::Stmt::Fun(f) => self.core_function("FUN", f),
            c::Stmt::AssignOrDeclare { target, value, .. } => Node::new(
                format!("IS {}", self.name(target.name)),
                vec![self.core_expr(value)],
            ),
            c::Stmt::Return { value, .. } => {
                Node::new("RETURN", value.iter().map(|x| self.core_expr(x)).collect())
            }
            c::Stmt::Class(class) => {
                let label = match &class.superclass {
                    Some(s) => format!(
                        "CLASS {} < {}",
                        self.name(class.name.name),
                        self.name(s.name)
                    ),
                    None => format!("CLASS {}", self.name(class.name.name)),
                };
                Node::new(
                    label,
                    class
                        .methods
                        .iter()
                        .map(|m| self.core_function("METHOD", m))
                        .collect(),
                )
            }
        }
    }

    fn core_expr(&self, e: &c::Expr) -> Node {
        match e {
            c::Expr::Literal { value, .. } => Node::leaf(literal(value, self.lang, self.names)),
            c::Expr::Unary { op, operand, .. } => {
                Node::new(unary(*op), vec![self.core_expr(operand)])
            }
            c::Expr::Binary {
                op, left, right, ..
            } => Node::new(
                binary(*op, self.lang),
                vec![self.core_expr(left), self.core_expr(right)],
            ),
            c::Expr::Logical {
                op, left, right, ..
            } => Node::new(
                logical(*op),
                vec![self.core_expr(left), self.core_expr(right)],
            ),
            c::Expr::Variable(r) => Node::leaf(format!("VARIABLE {}", self.name(r.name))),
            c::Expr::Assign { target, value, .. } => Node::new(
                format!("ASSIGN {}", self.name(target.name)),
                vec![self.core_expr(value)],
            ),
            c::Expr::Call { callee, args, .. } => {
                let mut children = vec![self.core_expr(callee).role("callee")];
                children.extend(args.iter().map(|x| self.core_expr(x)));
                Node::new("CALL", children)
            }
            c::Expr::Get { object, name } => Node::new(
                format!("GET .{}", self.name(name.name)),
                vec![self.core_expr(object)],
            ),
            c::Expr::Set {
                object,
                name,
                value,
                ..
            } => Node::new(
                format!("SET .{}", self.name(name.name)),
                vec![self.core_expr(object), self.core_expr(value).role("value")],
            ),
            c::Expr::This(_) => Node::leaf("THIS"),
            c::Expr::Super { method, .. } => {
                Node::leaf(format!("SUPER .{}", self.name(method.name)))
            }
        }
    }
}

/// A number literal exactly: the shortest text that reads back as the same value, with
/// no `.0` on integers (`%g`, which the runtime prints with, would round to six digits).
fn exact(n: f64) -> String {
    let text = format!("{n:?}");
    match text.strip_suffix(".0") {
        Some(integer) => integer.to_string(),
        None => text,
    }
}

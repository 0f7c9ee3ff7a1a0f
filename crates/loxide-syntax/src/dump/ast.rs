//! The `ast` and `desugared` dumps: the surface tree as written, and the core tree
//! after desugaring, both drawn as labelled trees.

use super::tree::Node;
use crate::ast::{self, BinaryOp, Literal, LogicalOp, UnaryOp};
use crate::desugar::core as c;
use crate::frontend::Lang;
use crate::intern::{Interner, Symbol};

fn literal(value: &Literal, lang: Lang, names: &Interner) -> String {
    match (value, lang) {
        (Literal::Number(n), _) => format!("NUMBER {}", exact(n.get())),
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
    let d = Surface { p, lang };
    d.stmts(p.top)
}

/// Draws the surface tree of one program.
struct Surface<'p> {
    p: &'p ast::Program,
    lang: Lang,
}

impl Surface<'_> {
    fn name(&self, symbol: Symbol) -> &str {
        self.p.names.get(symbol)
    }

    fn stmts(&self, list: ast::List<ast::StmtId>) -> Vec<Node> {
        list.of(&self.p.stmt_lists)
            .iter()
            .map(|&s| self.stmt(s))
            .collect()
    }

    fn function(&self, label: &str, f: ast::FunId) -> Node {
        let f = self.p.function(f);
        let params: Vec<&str> = f
            .params
            .of(&self.p.ident_lists)
            .iter()
            .map(|p| self.name(p.name))
            .collect();
        Node::new(
            format!("{label} {}({})", self.name(f.name.name), params.join(", ")),
            self.stmts(f.body),
        )
        .at(f.name.line)
        .tokens(f.name.tok, f.end_tok)
    }

    fn stmt(&self, s: ast::StmtId) -> Node {
        match *self.p.stmt(s) {
            ast::Stmt::Expr { expr, .. } => Node::new("EXPRESSION", vec![self.expr(expr)]),
            ast::Stmt::Print { expr, .. } => {
                Node::new(print_label(self.lang), vec![self.expr(expr)])
            }
            ast::Stmt::Var { name, init } => Node::new(
                format!("VAR {}", self.name(name.name)),
                init.iter().map(|&x| self.expr(x)).collect(),
            )
            .at(name.line)
            .token(name.tok),
            ast::Stmt::Block { stmts, end_tok } => {
                Node::new("BLOCK", self.stmts(stmts)).token(end_tok)
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
                children.extend(else_branch.map(|e| self.stmt(e).role("else")));
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
                children.extend(init.map(|s| self.stmt(s).role("init")));
                children.extend(cond.map(|e| self.expr(e).role("cond")));
                children.extend(incr.map(|e| self.expr(e).role("incr")));
                children.push(self.stmt(body).role("body"));
                Node::new("FOR", children)
            }
            ast::Stmt::Fun(f) => self.function("FUN", f),
            ast::Stmt::Is { name, value, .. } => Node::new(
                format!("IS {}", self.name(name.name)),
                vec![self.expr(value)],
            )
            .token(name.tok),
            ast::Stmt::Gains { name, value, .. } => Node::new(
                format!("GAINS {}", self.name(name.name)),
                vec![self.expr(value)],
            )
            .token(name.tok),
            ast::Stmt::Return { keyword, value, .. } => {
                Node::new("RETURN", value.iter().map(|&x| self.expr(x)).collect()).token(keyword)
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
                let last = superclass.map_or(name.tok, |s| s.tok);
                Node::new(
                    label,
                    methods
                        .of(&self.p.fun_lists)
                        .iter()
                        .map(|&m| self.function("METHOD", m))
                        .collect(),
                )
                .tokens(name.tok, last)
            }
        }
    }

    fn expr(&self, e: ast::ExprId) -> Node {
        self.expr_node(e).at(self.p.expr_line(e))
    }

    fn expr_node(&self, e: ast::ExprId) -> Node {
        match *self.p.expr(e) {
            ast::Expr::Literal { value, tok, .. } => {
                Node::leaf(literal(&value, self.lang, &self.p.names)).token(tok)
            }
            ast::Expr::Grouping { inner, open, close } => {
                Node::new("GROUPING", vec![self.expr(inner)]).tokens(open, close)
            }
            ast::Expr::Unary {
                op, operand, tok, ..
            } => Node::new(unary(op), vec![self.expr(operand)]).token(tok),
            ast::Expr::Binary {
                op,
                left,
                right,
                tok,
                ..
            } => Node::new(
                binary(op, self.lang),
                vec![self.expr(left), self.expr(right)],
            )
            .token(tok),
            ast::Expr::Logical {
                op, left, right, ..
            } => Node::new(logical(op), vec![self.expr(left), self.expr(right)]),
            ast::Expr::Variable { name } => {
                Node::leaf(format!("VARIABLE {}", self.name(name.name))).token(name.tok)
            }
            ast::Expr::Assign { name, value, .. } => Node::new(
                format!("ASSIGN {}", self.name(name.name)),
                vec![self.expr(value)],
            )
            .token(name.tok),
            ast::Expr::Call {
                callee,
                args,
                paren,
                ..
            } => {
                let mut children = vec![self.expr(callee).role("callee")];
                children.extend(args.of(&self.p.expr_lists).iter().map(|&x| self.expr(x)));
                Node::new("CALL", children).token(paren)
            }
            ast::Expr::Get { object, name } => Node::new(
                format!("GET .{}", self.name(name.name)),
                vec![self.expr(object)],
            )
            .token(name.tok),
            ast::Expr::Set {
                object,
                name,
                value,
                ..
            } => Node::new(
                format!("SET .{}", self.name(name.name)),
                vec![self.expr(object), self.expr(value).role("value")],
            )
            .token(name.tok),
            ast::Expr::This { tok, .. } => Node::leaf("THIS").token(tok),
            ast::Expr::Super {
                keyword, method, ..
            } => {
                Node::leaf(format!("SUPER .{}", self.name(method.name))).tokens(keyword, method.tok)
            }
        }
    }
}

// ----- Core tree --------------------------------------------------------------------

pub fn core(p: &c::Program) -> Vec<Node> {
    let d = Core { p };
    d.stmts(p.script().body)
}

/// Draws the core tree of one program.
struct Core<'p> {
    p: &'p c::Program,
}

impl Core<'_> {
    fn name(&self, symbol: Symbol) -> &str {
        self.p.names.get(symbol)
    }

    fn stmts(&self, list: c::List<c::StmtId>) -> Vec<Node> {
        self.p
            .stmt_list(list)
            .iter()
            .map(|&s| self.stmt(s))
            .collect()
    }

    fn function(&self, label: &str, f: c::FunId) -> Node {
        let f = self.p.function(f);
        let params: Vec<&str> = self
            .p
            .decl_list(f.params)
            .iter()
            .map(|p| self.name(p.name))
            .collect();
        Node::new(
            format!("{label} {}({})", self.name(f.name.name), params.join(", ")),
            self.stmts(f.body),
        )
        .at(f.name.line)
        .tokens(f.name.tok, f.end_tok)
    }

    fn stmt(&self, s: c::StmtId) -> Node {
        let lang = self.p.lang;
        match *self.p.stmt(s) {
            c::Stmt::Expr { expr, .. } => Node::new("EXPRESSION", vec![self.expr(expr)]),
            c::Stmt::Print { expr, .. } => Node::new(print_label(lang), vec![self.expr(expr)]),
            c::Stmt::Var { decl, init } => Node::new(
                format!("VAR {}", self.name(decl.name)),
                init.iter().map(|&x| self.expr(x)).collect(),
            )
            .at(decl.line)
            .token(decl.tok),
            c::Stmt::Block { stmts, .. } => Node::new("BLOCK", self.stmts(stmts)),
            c::Stmt::If {
                cond,
                then_branch,
                else_branch,
                ..
            } => {
                let mut children = vec![
                    self.expr(cond).role("cond"),
                    self.stmt(then_branch).role("then"),
                ];
                children.extend(else_branch.map(|e| self.stmt(e).role("else")));
                Node::new("IF", children)
            }
            c::Stmt::While { cond, body, .. } => Node::new(
                "WHILE",
                vec![self.expr(cond).role("cond"), self.stmt(body).role("body")],
            ),
            c::Stmt::Fun(f) => self.function("FUN", f),
            c::Stmt::AssignOrDeclare { target, value, .. } => Node::new(
                format!("IS {}", self.name(target.name)),
                vec![self.expr(value)],
            )
            .token(target.tok),
            c::Stmt::Return { keyword, value, .. } => {
                Node::new("RETURN", value.iter().map(|&x| self.expr(x)).collect()).token(keyword)
            }
            c::Stmt::Class(class) => {
                let class = self.p.class(class);
                let label = match &class.superclass {
                    Some(s) => format!(
                        "CLASS {} < {}",
                        self.name(class.name.name),
                        self.name(s.name)
                    ),
                    None => format!("CLASS {}", self.name(class.name.name)),
                };
                let last = class.superclass.map_or(class.name.tok, |s| s.tok);
                Node::new(
                    label,
                    self.p
                        .fun_list(class.methods)
                        .iter()
                        .map(|&m| self.function("METHOD", m))
                        .collect(),
                )
                .tokens(class.name.tok, last)
            }
        }
    }

    fn expr(&self, e: c::ExprId) -> Node {
        let line = match *self.p.expr(e) {
            c::Expr::Literal { line, .. }
            | c::Expr::Unary { line, .. }
            | c::Expr::Binary { line, .. }
            | c::Expr::Logical { line, .. }
            | c::Expr::Assign { line, .. }
            | c::Expr::Call { line, .. }
            | c::Expr::Set { line, .. }
            | c::Expr::Super { line, .. } => line,
            c::Expr::Variable(r) | c::Expr::This(r) => r.line,
            c::Expr::Get { name, .. } => name.line,
        };
        self.expr_node(e).at(line)
    }

    fn expr_node(&self, e: c::ExprId) -> Node {
        let lang = self.p.lang;
        match *self.p.expr(e) {
            c::Expr::Literal { value, tok, .. } => {
                Node::leaf(literal(&value, lang, &self.p.names)).token(tok)
            }
            c::Expr::Unary {
                op, operand, tok, ..
            } => Node::new(unary(op), vec![self.expr(operand)]).token(tok),
            c::Expr::Binary {
                op,
                left,
                right,
                tok,
                ..
            } => Node::new(binary(op, lang), vec![self.expr(left), self.expr(right)]).token(tok),
            c::Expr::Logical {
                op, left, right, ..
            } => Node::new(logical(op), vec![self.expr(left), self.expr(right)]),
            c::Expr::Variable(r) => {
                Node::leaf(format!("VARIABLE {}", self.name(r.name))).token(r.tok)
            }
            c::Expr::Assign { target, value, .. } => Node::new(
                format!("ASSIGN {}", self.name(target.name)),
                vec![self.expr(value)],
            )
            .token(target.tok),
            c::Expr::Call {
                callee,
                args,
                paren,
                ..
            } => {
                let mut children = vec![self.expr(callee).role("callee")];
                children.extend(self.p.expr_list(args).iter().map(|&x| self.expr(x)));
                Node::new("CALL", children).token(paren)
            }
            c::Expr::Get { object, name } => Node::new(
                format!("GET .{}", self.name(name.name)),
                vec![self.expr(object)],
            )
            .token(name.tok),
            c::Expr::Set {
                object,
                name,
                value,
                ..
            } => Node::new(
                format!("SET .{}", self.name(name.name)),
                vec![self.expr(object), self.expr(value).role("value")],
            )
            .token(name.tok),
            c::Expr::This(r) => Node::leaf("THIS").token(r.tok),
            c::Expr::Super {
                method, keyword, ..
            } => {
                Node::leaf(format!("SUPER .{}", self.name(method.name))).tokens(keyword, method.tok)
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

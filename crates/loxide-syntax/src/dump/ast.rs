//! The `ast` and `desugared` dumps: the surface tree as written, and the core tree
//! after desugaring, both drawn as labelled trees.

use super::tree::Node;
use crate::ast::{self, BinaryOp, Literal, LogicalOp, UnaryOp};
use crate::desugar::core as c;
use crate::frontend::Lang;

fn literal(value: &Literal, lang: Lang) -> String {
    match (value, lang) {
        (Literal::Number(n), _) => format!("NUMBER {}", exact(*n)),
        (Literal::Str(s), _) => format!("STRING {s:?}"),
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
    p.stmts.iter().map(|s| stmt(s, lang)).collect()
}

fn function(label: &str, f: &ast::Function, lang: Lang) -> Node {
    let params: Vec<&str> = f.params.iter().map(|p| p.name.as_str()).collect();
    Node::new(
        format!("{label} {}({})", f.name.name, params.join(", ")),
        f.body.iter().map(|x| stmt(x, lang)).collect(),
    )
}

fn stmt(s: &ast::Stmt, lang: Lang) -> Node {
    match s {
        ast::Stmt::Expr { expr: e, .. } => Node::new("EXPRESSION", vec![expr(e, lang)]),
        ast::Stmt::Print { expr: e, .. } => Node::new(print_label(lang), vec![expr(e, lang)]),
        ast::Stmt::Var { name, init } => Node::new(
            format!("VAR {}", name.name),
            init.iter().map(|x| expr(x, lang)).collect(),
        ),
        ast::Stmt::Block { stmts, .. } => {
            Node::new("BLOCK", stmts.iter().map(|x| stmt(x, lang)).collect())
        }
        ast::Stmt::If {
            cond,
            then_branch,
            else_branch,
            ..
        } => {
            let mut children = vec![
                expr(cond, lang).role("cond"),
                stmt(then_branch, lang).role("then"),
            ];
            children.extend(else_branch.iter().map(|e| stmt(e, lang).role("else")));
            Node::new("IF", children)
        }
        ast::Stmt::While { cond, body, .. } => Node::new(
            "WHILE",
            vec![expr(cond, lang).role("cond"), stmt(body, lang).role("body")],
        ),
        ast::Stmt::For {
            init,
            cond,
            incr,
            body,
            ..
        } => {
            let mut children = Vec::new();
            children.extend(init.iter().map(|s| stmt(s, lang).role("init")));
            children.extend(cond.iter().map(|e| expr(e, lang).role("cond")));
            children.extend(incr.iter().map(|e| expr(e, lang).role("incr")));
            children.push(stmt(body, lang).role("body"));
            Node::new("FOR", children)
        }
        ast::Stmt::Fun(f) => function("FUN", f, lang),
        ast::Stmt::Is { name, value, .. } => {
            Node::new(format!("IS {}", name.name), vec![expr(value, lang)])
        }
        ast::Stmt::Gains { name, value, .. } => {
            Node::new(format!("GAINS {}", name.name), vec![expr(value, lang)])
        }
        ast::Stmt::Return { value, .. } => {
            Node::new("RETURN", value.iter().map(|x| expr(x, lang)).collect())
        }
        ast::Stmt::Class {
            name,
            superclass,
            methods,
            ..
        } => {
            let label = match superclass {
                Some(s) => format!("CLASS {} < {}", name.name, s.name),
                None => format!("CLASS {}", name.name),
            };
            Node::new(
                label,
                methods
                    .iter()
                    .map(|m| function("METHOD", m, lang))
                    .collect(),
            )
        }
    }
}

fn expr(e: &ast::Expr, lang: Lang) -> Node {
    match e {
        ast::Expr::Literal { value, .. } => Node::leaf(literal(value, lang)),
        ast::Expr::Grouping { inner } => Node::new("GROUPING", vec![expr(inner, lang)]),
        ast::Expr::Unary { op, operand, .. } => Node::new(unary(*op), vec![expr(operand, lang)]),
        ast::Expr::Binary {
            op, left, right, ..
        } => Node::new(binary(*op, lang), vec![expr(left, lang), expr(right, lang)]),
        ast::Expr::Logical {
            op, left, right, ..
        } => Node::new(logical(*op), vec![expr(left, lang), expr(right, lang)]),
        ast::Expr::Variable { name } => Node::leaf(format!("VARIABLE {}", name.name)),
        ast::Expr::Assign { name, value, .. } => {
            Node::new(format!("ASSIGN {}", name.name), vec![expr(value, lang)])
        }
        ast::Expr::Call { callee, args, .. } => {
            let mut children = vec![expr(callee, lang).role("callee")];
            children.extend(args.iter().map(|x| expr(x, lang)));
            Node::new("CALL", children)
        }
        ast::Expr::Get { object, name } => {
            Node::new(format!("GET .{}", name.name), vec![expr(object, lang)])
        }
        ast::Expr::Set {
            object,
            name,
            value,
            ..
        } => Node::new(
            format!("SET .{}", name.name),
            vec![expr(object, lang), expr(value, lang).role("value")],
        ),
        ast::Expr::This { .. } => Node::leaf("THIS"),
        ast::Expr::Super { method, .. } => Node::leaf(format!("SUPER .{}", method.name)),
    }
}

// ----- Core tree --------------------------------------------------------------------

pub fn core(p: &c::Program) -> Vec<Node> {
    let lang = p.lang;
    p.script.body.iter().map(|s| core_stmt(s, lang)).collect()
}

fn core_function(label: &str, f: &c::Function, lang: Lang) -> Node {
    let params: Vec<&str> = f.params.iter().map(|p| p.name.as_str()).collect();
    Node::new(
        format!("{label} {}({})", f.name.name, params.join(", ")),
        f.body.iter().map(|x| core_stmt(x, lang)).collect(),
    )
}

fn core_stmt(s: &c::Stmt, lang: Lang) -> Node {
    match s {
        c::Stmt::Expr { expr, .. } => Node::new("EXPRESSION", vec![core_expr(expr, lang)]),
        c::Stmt::Print { expr, .. } => Node::new(print_label(lang), vec![core_expr(expr, lang)]),
        c::Stmt::Var { decl, init } => Node::new(
            format!("VAR {}", decl.name),
            init.iter().map(|x| core_expr(x, lang)).collect(),
        ),
        c::Stmt::Block { stmts, .. } => {
            Node::new("BLOCK", stmts.iter().map(|x| core_stmt(x, lang)).collect())
        }
        c::Stmt::If {
            cond,
            then_branch,
            else_branch,
            ..
        } => {
            let mut children = vec![
                core_expr(cond, lang).role("cond"),
                core_stmt(then_branch, lang).role("then"),
            ];
            children.extend(else_branch.iter().map(|e| core_stmt(e, lang).role("else")));
            Node::new("IF", children)
        }
        c::Stmt::While { cond, body, .. } => Node::new(
            "WHILE",
            vec![
                core_expr(cond, lang).role("cond"),
                core_stmt(body, lang).role("body"),
            ],
        ),
        c::Stmt::Fun(f) => core_function("FUN", f, lang),
        c::Stmt::AssignOrDeclare { target, value, .. } => {
            Node::new(format!("IS {}", target.name), vec![core_expr(value, lang)])
        }
        c::Stmt::Return { value, .. } => {
            Node::new("RETURN", value.iter().map(|x| core_expr(x, lang)).collect())
        }
        c::Stmt::Class(class) => {
            let label = match &class.superclass {
                Some(s) => format!("CLASS {} < {}", class.name.name, s.name),
                None => format!("CLASS {}", class.name.name),
            };
            Node::new(
                label,
                class
                    .methods
                    .iter()
                    .map(|m| core_function("METHOD", m, lang))
                    .collect(),
            )
        }
    }
}

fn core_expr(e: &c::Expr, lang: Lang) -> Node {
    match e {
        c::Expr::Literal { value, .. } => Node::leaf(literal(value, lang)),
        c::Expr::Unary { op, operand, .. } => Node::new(unary(*op), vec![core_expr(operand, lang)]),
        c::Expr::Binary {
            op, left, right, ..
        } => Node::new(
            binary(*op, lang),
            vec![core_expr(left, lang), core_expr(right, lang)],
        ),
        c::Expr::Logical {
            op, left, right, ..
        } => Node::new(
            logical(*op),
            vec![core_expr(left, lang), core_expr(right, lang)],
        ),
        c::Expr::Variable(r) => Node::leaf(format!("VARIABLE {}", r.name)),
        c::Expr::Assign { target, value, .. } => Node::new(
            format!("ASSIGN {}", target.name),
            vec![core_expr(value, lang)],
        ),
        c::Expr::Call { callee, args, .. } => {
            let mut children = vec![core_expr(callee, lang).role("callee")];
            children.extend(args.iter().map(|x| core_expr(x, lang)));
            Node::new("CALL", children)
        }
        c::Expr::Get { object, name } => {
            Node::new(format!("GET .{}", name.name), vec![core_expr(object, lang)])
        }
        c::Expr::Set {
            object,
            name,
            value,
            ..
        } => Node::new(
            format!("SET .{}", name.name),
            vec![
                core_expr(object, lang),
                core_expr(value, lang).role("value"),
            ],
        ),
        c::Expr::This(_) => Node::leaf("THIS"),
        c::Expr::Super { method, .. } => Node::leaf(format!("SUPER .{}", method.name)),
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

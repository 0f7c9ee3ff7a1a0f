//! The `ast` and `desugared` dumps: the surface tree as written, and the core tree
//! after desugaring, both drawn as labelled trees.

use super::tree::Node;
use crate::ast::{self, BinaryOp, Literal, LogicalOp, UnaryOp};
use crate::desugar::core as c;
use crate::vm::number;

fn literal(value: &Literal) -> String {
    match value {
        Literal::Number(n) => format!("NUMBER {}", number::format(*n)),
        Literal::Str(s) => format!("STRING {s:?}"),
        Literal::Bool(b) => format!("BOOLEAN {b}"),
        Literal::Nil => "NIL".into(),
    }
}

fn binary(op: BinaryOp) -> &'static str {
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

pub fn program(p: &ast::Program) -> Vec<Node> {
    p.stmts.iter().map(stmt).collect()
}

fn function(label: &str, f: &ast::Function) -> Node {
    let params: Vec<&str> = f.params.iter().map(|p| p.name.as_str()).collect();
    Node::new(
        format!("{label} {}({})", f.name.name, params.join(", ")),
        f.body.iter().map(stmt).collect(),
    )
}

fn stmt(s: &ast::Stmt) -> Node {
    match s {
        ast::Stmt::Expr { expr: e, .. } => Node::new("EXPRESSION", vec![expr(e)]),
        ast::Stmt::Print { expr: e, .. } => Node::new("PRINT", vec![expr(e)]),
        ast::Stmt::Var { name, init } => Node::new(
            format!("VAR {}", name.name),
            init.iter().map(expr).collect(),
        ),
        ast::Stmt::Block { stmts, .. } => Node::new("BLOCK", stmts.iter().map(stmt).collect()),
        ast::Stmt::If {
            cond,
            then_branch,
            else_branch,
            ..
        } => {
            let mut children = vec![expr(cond).role("cond"), stmt(then_branch).role("then")];
            children.extend(else_branch.iter().map(|e| stmt(e).role("else")));
            Node::new("IF", children)
        }
        ast::Stmt::While { cond, body, .. } => Node::new(
            "WHILE",
            vec![expr(cond).role("cond"), stmt(body).role("body")],
        ),
        ast::Stmt::For {
            init,
            cond,
            incr,
            body,
            ..
        } => {
            let mut children = Vec::new();
            children.extend(init.iter().map(|s| stmt(s).role("init")));
            children.extend(cond.iter().map(|e| expr(e).role("cond")));
            children.extend(incr.iter().map(|e| expr(e).role("incr")));
            children.push(stmt(body).role("body"));
            Node::new("FOR", children)
        }
        ast::Stmt::Fun(f) => function("FUN", f),
        ast::Stmt::Is { name, value, .. } => {
            Node::new(format!("IS {}", name.name), vec![expr(value)])
        }
        ast::Stmt::Gains { name, value, .. } => {
            Node::new(format!("GAINS {}", name.name), vec![expr(value)])
        }
        ast::Stmt::Return { value, .. } => Node::new("RETURN", value.iter().map(expr).collect()),
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
                methods.iter().map(|m| function("METHOD", m)).collect(),
            )
        }
    }
}

fn expr(e: &ast::Expr) -> Node {
    match e {
        ast::Expr::Literal { value, .. } => Node::leaf(literal(value)),
        ast::Expr::Grouping { inner } => Node::new("GROUPING", vec![expr(inner)]),
        ast::Expr::Unary { op, operand, .. } => Node::new(unary(*op), vec![expr(operand)]),
        ast::Expr::Binary {
            op, left, right, ..
        } => Node::new(binary(*op), vec![expr(left), expr(right)]),
        ast::Expr::Logical {
            op, left, right, ..
        } => Node::new(logical(*op), vec![expr(left), expr(right)]),
        ast::Expr::Variable { name } => Node::leaf(format!("VARIABLE {}", name.name)),
        ast::Expr::Assign { name, value, .. } => {
            Node::new(format!("ASSIGN {}", name.name), vec![expr(value)])
        }
        ast::Expr::Call { callee, args, .. } => {
            let mut children = vec![expr(callee).role("callee")];
            children.extend(args.iter().map(expr));
            Node::new("CALL", children)
        }
        ast::Expr::Get { object, name } => {
            Node::new(format!("GET .{}", name.name), vec![expr(object)])
        }
        ast::Expr::Set {
            object,
            name,
            value,
            ..
        } => Node::new(
            format!("SET .{}", name.name),
            vec![expr(object), expr(value).role("value")],
        ),
        ast::Expr::This { .. } => Node::leaf("THIS"),
        ast::Expr::Super { method, .. } => Node::leaf(format!("SUPER .{}", method.name)),
    }
}

// ----- Core tree --------------------------------------------------------------------

pub fn core(p: &c::Program) -> Vec<Node> {
    p.script.body.iter().map(core_stmt).collect()
}

fn core_function(label: &str, f: &c::Function) -> Node {
    let params: Vec<&str> = f.params.iter().map(|p| p.name.as_str()).collect();
    Node::new(
        format!("{label} {}({})", f.name.name, params.join(", ")),
        f.body.iter().map(core_stmt).collect(),
    )
}

fn core_stmt(s: &c::Stmt) -> Node {
    match s {
        c::Stmt::Expr { expr, .. } => Node::new("EXPRESSION", vec![core_expr(expr)]),
        c::Stmt::Print { expr, .. } => Node::new("PRINT", vec![core_expr(expr)]),
        c::Stmt::Var { decl, init } => Node::new(
            format!("VAR {}", decl.name),
            init.iter().map(core_expr).collect(),
        ),
        c::Stmt::Block { stmts, .. } => Node::new("BLOCK", stmts.iter().map(core_stmt).collect()),
        c::Stmt::If {
            cond,
            then_branch,
            else_branch,
            ..
        } => {
            let mut children = vec![
                core_expr(cond).role("cond"),
                core_stmt(then_branch).role("then"),
            ];
            children.extend(else_branch.iter().map(|e| core_stmt(e).role("else")));
            Node::new("IF", children)
        }
        c::Stmt::While { cond, body, .. } => Node::new(
            "WHILE",
            vec![core_expr(cond).role("cond"), core_stmt(body).role("body")],
        ),
        c::Stmt::Fun(f) => core_function("FUN", f),
        c::Stmt::AssignOrDeclare { target, value, .. } => {
            Node::new(format!("IS {}", target.name), vec![core_expr(value)])
        }
        c::Stmt::Return { value, .. } => Node::new("RETURN", value.iter().map(core_expr).collect()),
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
                    .map(|m| core_function("METHOD", m))
                    .collect(),
            )
        }
    }
}

fn core_expr(e: &c::Expr) -> Node {
    match e {
        c::Expr::Literal { value, .. } => Node::leaf(literal(value)),
        c::Expr::Unary { op, operand, .. } => Node::new(unary(*op), vec![core_expr(operand)]),
        c::Expr::Binary {
            op, left, right, ..
        } => Node::new(binary(*op), vec![core_expr(left), core_expr(right)]),
        c::Expr::Logical {
            op, left, right, ..
        } => Node::new(logical(*op), vec![core_expr(left), core_expr(right)]),
        c::Expr::Variable(r) => Node::leaf(format!("VARIABLE {}", r.name)),
        c::Expr::Assign { target, value, .. } => {
            Node::new(format!("ASSIGN {}", target.name), vec![core_expr(value)])
        }
        c::Expr::Call { callee, args, .. } => {
            let mut children = vec![core_expr(callee).role("callee")];
            children.extend(args.iter().map(core_expr));
            Node::new("CALL", children)
        }
        c::Expr::Get { object, name } => {
            Node::new(format!("GET .{}", name.name), vec![core_expr(object)])
        }
        c::Expr::Set {
            object,
            name,
            value,
            ..
        } => Node::new(
            format!("SET .{}", name.name),
            vec![core_expr(object), core_expr(value).role("value")],
        ),
        c::Expr::This(_) => Node::leaf("THIS"),
        c::Expr::Super { method, .. } => Node::leaf(format!("SUPER .{}", method.name)),
    }
}

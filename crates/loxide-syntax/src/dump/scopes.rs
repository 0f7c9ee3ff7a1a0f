//! The `scopes` dump: the symbol tree semantic analysis built. Every declaration shows
//! where it lives (`N` is its global slot or its stack slot in the frame), what it is,
//! and whether a closure captures it; every function lists the upvalues it captures.
//! Parameters are marked `@`, upvalues `^`.

use super::tree::Node;
use crate::desugar::core as c;
use crate::sema::{Binding, Resolved};

pub fn program(r: &Resolved) -> Vec<Node> {
    vec![Node::new("global", stmts(r, r.program.script().body))]
}

fn symbol(r: &Resolved, d: &c::Decl, kind: &str, prefix: &str) -> String {
    let info = r.decl(d);
    let slot = match info.binding {
        Binding::Global(g) => g,
        Binding::Local(s) => s as u32,
        Binding::Upvalue(u) => u as u32,
    };
    let captured = if info.captured { ", captured" } else { "" };
    format!(
        "{prefix}{} {slot} # {kind}{captured}",
        r.program.names.get(d.name)
    )
}

fn function(r: &Resolved, f: &c::Function, kind: &str) -> Node {
    let mut children: Vec<Node> = r
        .program
        .decl_list(f.params)
        .iter()
        .map(|p| {
            Node::leaf(symbol(r, p, "parameter", "@"))
                .at(p.line)
                .token(p.tok)
        })
        .collect();
    let info = r.fun(f.id);
    for (i, (u, name)) in info.upvalues.iter().zip(&info.upvalue_names).enumerate() {
        let source = if u.is_local { "local" } else { "upvalue" };
        let name = r.program.names.get(*name);
        children.push(Node::leaf(format!(
            "^{name} {i} # upvalue, captures enclosing {source} {}",
            u.index
        )));
    }
    children.extend(stmts(r, f.body));
    let label = if kind == "method" || kind == "initializer" {
        format!("{} # {kind}", r.program.names.get(f.name.name))
    } else {
        symbol(r, &f.name, kind, "")
    };
    Node::new(label, children)
        .at(f.name.line)
        .tokens(f.name.tok, f.end_tok)
}

fn stmts(r: &Resolved, stmts: c::List<c::StmtId>) -> Vec<Node> {
    let mut out = Vec::new();
    for &s in r.program.stmt_list(stmts) {
        stmt(r, s, &mut out);
    }
    out
}

fn stmt(r: &Resolved, s: c::StmtId, out: &mut Vec<Node>) {
    let p = &r.program;
    match p.stmt(s) {
        c::Stmt::Var { decl, .. } => out.push(
            Node::leaf(symbol(r, decl, "variable", ""))
                .at(decl.line)
                .token(decl.tok),
        ),
        c::Stmt::AssignOrDeclare { decl, .. } => {
            if r.assignment(decl).is_none() {
                out.push(
                    Node::leaf(symbol(r, decl, "variable", ""))
                        .at(decl.line)
                        .token(decl.tok),
                );
            }
        }
        c::Stmt::Fun(f) => out.push(function(r, p.function(*f), "function")),
        c::Stmt::Class(class) => {
            let class = p.class(*class);
            let mut children = Vec::new();
            if let Some(d) = &class.super_decl {
                children.push(
                    Node::leaf(symbol(r, d, "superclass", ""))
                        .at(d.line)
                        .token(d.tok),
                );
            }
            for &m in p.fun_list(class.methods) {
                let m = p.function(m);
                let kind = if m.kind == c::FunKind::Initializer {
                    "initializer"
                } else {
                    "method"
                };
                children.push(function(r, m, kind));
            }
            out.push(
                Node::new(symbol(r, &class.name, "class", ""), children)
                    .at(class.name.line)
                    .token(class.name.tok),
            );
        }
        c::Stmt::Block { stmts: inner, .. } => {
            let children = stmts(r, *inner);
            if !children.is_empty() {
                out.push(Node::new("block", children));
            }
        }
        c::Stmt::If {
            then_branch,
            else_branch,
            ..
        } => {
            stmt(r, *then_branch, out);
            if let Some(e) = else_branch {
                stmt(r, *e, out);
            }
        }
        c::Stmt::While { body, .. } => stmt(r, *body, out),
        c::Stmt::Expr { .. } | c::Stmt::Print { .. } | c::Stmt::Return { .. } => {}
    }
}

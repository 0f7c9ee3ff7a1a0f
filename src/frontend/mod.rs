//! Front-ends: each turns source text into the shared surface AST (`crate::ast`).

pub mod lox;

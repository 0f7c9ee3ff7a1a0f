//! The Potato front-end (`docs/potato.md`): a lexer that turns lines and indentation
//! into NEWLINE, INDENT and DEDENT tokens, and a recursive descent parser that maps
//! Potato onto the same surface AST as Lox. Nothing after the AST is Potato's own.

pub mod lexer;
pub mod parser;

pub use lexer::{Token, TokenKind, Tokens};

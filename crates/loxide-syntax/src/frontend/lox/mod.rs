//! The Lox front-end: a lexer that produces every token up front, and a recursive
//! descent parser that mirrors clox's so that error recovery reports the same errors.

pub mod lexer;
pub mod parser;

pub use lexer::{Token, TokenKind, Tokens};

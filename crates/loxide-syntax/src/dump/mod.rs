//! Each front-half stage's output as text: tokens, the syntax tree, the core tree and
//! the resolved scopes. The facade's `dump` module adds the IR and bytecode stages.

pub mod ast;
pub mod scopes;
pub mod tree;

use std::fmt::Write;

use crate::frontend::lox::lexer;
use crate::frontend::potato;

/// The `tokens` dump of a Lox token list: line, kind and lexeme, one token a line.
pub fn token_list(tokens: &lexer::Tokens) -> String {
    let mut out = String::new();
    for t in &tokens.tokens {
        let lexeme = tokens.lexeme(t);
        match t.kind {
            lexer::TokenKind::Error => {
                let _ = writeln!(
                    out,
                    "{:4} {:<14} {}",
                    t.line,
                    t.kind.name(),
                    tokens.error_message(t)
                );
            }
            lexer::TokenKind::Eof => {
                let _ = writeln!(out, "{:4} {}", t.line, t.kind.name());
            }
            _ => {
                let _ = writeln!(out, "{:4} {:<14} {lexeme}", t.line, t.kind.name());
            }
        }
    }
    out
}

/// The `tokens` dump of a Potato token list, layout tokens included.
pub fn potato_token_list(tokens: &potato::Tokens) -> String {
    let mut out = String::new();
    for t in &tokens.tokens {
        let _ = match t.kind {
            potato::TokenKind::Error(error) => writeln!(
                out,
                "{:4} {:<14} {}",
                t.line,
                t.kind.name(),
                error.message()
            ),
            kind if kind.is_layout() || kind == potato::TokenKind::Eof => {
                writeln!(out, "{:4} {}", t.line, kind.name())
            }
            kind => writeln!(out, "{:4} {:<14} {}", t.line, kind.name(), tokens.lexeme(t)),
        };
    }
    out
}

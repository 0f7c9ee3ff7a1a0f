//! Each front-half stage's output as text: tokens, the syntax tree, the core tree and
//! the resolved scopes. The facade's `dump` module adds the IR and bytecode stages.

pub mod ast;
pub mod scopes;
pub mod tree;

use std::fmt::Write;

use crate::diag::TokIdx;
use crate::frontend::token::{Kind, Tokens};

/// The `tokens` dump of either language's token list: line, kind and lexeme, one token
/// a line. An error token shows its message instead of its text, and a token with no
/// text of its own (the end of file, Potato's layout) shows only its kind.
pub fn token_list<K: Kind>(tokens: &Tokens<K>) -> String {
    let mut out = String::new();
    for tok in 0..tokens.len() as TokIdx {
        let t = tokens.get(tok);
        let name = t.kind.name();
        let _ = match t.kind.lex_error() {
            Some((message, _)) => writeln!(out, "{:4} {name:<14} {message}", t.line),
            None if t.kind == K::EOF || t.kind.stand_in().is_some() => {
                writeln!(out, "{:4} {name}", t.line)
            }
            None => {
                writeln!(out, "{:4} {name:<14} {}", t.line, tokens.lexeme(tok))
            }
        };
    }
    out
}

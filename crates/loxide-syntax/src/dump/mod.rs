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
    for entry in token_entries(tokens) {
        out.push_str(&entry.text);
        out.push('\n');
    }
    out
}

/// One token as the `tokens` dump shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenEntry {
    /// Its text in the dump, without the final newline: more than one line when the
    /// lexeme holds line breaks (a string over several lines).
    pub text: String,
    /// The line the token is reported on.
    pub line: u32,
    /// Its bytes in the source, `start..end`; `None` for a token with no text of its
    /// own (the end of file, Potato's layout).
    pub span: Option<(u32, u32)>,
}

/// The `tokens` dump token by token, each with its line and its span (`token_list`
/// joins the texts).
pub fn token_entries<K: Kind>(tokens: &Tokens<K>) -> Vec<TokenEntry> {
    let mut entries = Vec::with_capacity(tokens.len());
    for tok in 0..tokens.len() as TokIdx {
        let t = tokens.get(tok);
        let name = t.kind.name();
        let mut text = String::new();
        let _ = match t.kind.lex_error() {
            Some((message, _)) => write!(text, "{:4} {name:<14} {message}", t.line),
            None if t.kind == K::EOF || t.kind.stand_in().is_some() => {
                write!(text, "{:4} {name}", t.line)
            }
            None => {
                write!(text, "{:4} {name:<14} {}", t.line, tokens.lexeme(tok))
            }
        };
        entries.push(TokenEntry {
            text,
            line: t.line,
            span: (t.end > t.start).then_some((t.start, t.end)),
        });
    }
    entries
}

//! Diagnostics shared by every stage: a stage reports problems as values instead of
//! failing, and the driver renders them in clox's `[line N] Error ...` format.
//!
//! A diagnostic points at a token by index rather than carrying its text, so that later
//! stages (which no longer see tokens) can still name the token the user wrote.

use std::fmt;

/// Index of a token in its front-end's token list.
pub type TokIdx = u32;

/// Where a compile error is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    /// At a token: rendered `at 'lexeme'`, or `at end` for the end-of-file token.
    Token(TokIdx),
    /// At a line only, with no token (lexical errors): rendered `Error: ...`.
    Line(u32),
}

/// One compile error.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub loc: Loc,
    pub message: String,
}

impl Diagnostic {
    pub fn at(tok: TokIdx, message: impl Into<String>) -> Self {
        Diagnostic {
            loc: Loc::Token(tok),
            message: message.into(),
        }
    }
}

/// What a renderer needs to know about a token: its line and how to name it.
pub trait TokenTable {
    fn line(&self, tok: TokIdx) -> u32;
    /// `None` for the end-of-file token.
    fn lexeme(&self, tok: TokIdx) -> Option<&str>;
}

/// A diagnostic resolved against its token table, ready to print.
pub struct Rendered<'a, T: TokenTable>(pub &'a Diagnostic, pub &'a T);

impl<T: TokenTable> fmt::Display for Rendered<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Rendered(d, table) = self;
        match d.loc {
            Loc::Line(line) => write!(f, "[line {line}] Error: {}", d.message),
            Loc::Token(tok) => match table.lexeme(tok) {
                Some(lexeme) => {
                    write!(
                        f,
                        "[line {}] Error at '{lexeme}': {}",
                        table.line(tok),
                        d.message
                    )
                }
                None => write!(f, "[line {}] Error at end: {}", table.line(tok), d.message),
            },
        }
    }
}

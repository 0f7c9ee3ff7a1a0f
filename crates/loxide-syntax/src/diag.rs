//! Diagnostics shared by every stage: a stage reports problems as values instead of
//! failing, and the driver renders them in clox's `[line N] Error ...` format.
//!
//! A diagnostic points at a token by index rather than carrying its text, so that later
//! stages (which no longer see tokens) can still name the token the user wrote. It also
//! says what kind of problem it is, so that a caller deciding whether to wait for more
//! input (the REPL) reads a field rather than the wording of messages.

use std::fmt;

/// Index of a token in its front-end's token list.
pub type TokIdx = u32;

/// Where a compile error is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    /// At a token: rendered `at 'lexeme'`, or `at end` for the end-of-file token.
    Token(TokIdx),
    /// At a line only, with no token: rendered `Error: ...`.
    Line(u32),
    /// At a lexical error token (an unexpected character, an unterminated string):
    /// rendered `Error: ...` on the token's line as clox words it, with no lexeme, but
    /// the token's span gives the error its columns.
    Lexical(TokIdx),
}

/// What kind of problem a diagnostic is: whether more input could make it go away.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Wrong whatever follows.
    #[default]
    Error,
    /// The input ended too early: the parser wanted more at the end of the input, and
    /// more input could complete it.
    Incomplete,
    /// The input ends inside a token (a Lox string): everything typed after it belongs
    /// to that token, so more input could complete it, whatever errors come before it.
    Unterminated,
}

/// One compile error.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub loc: Loc,
    pub message: String,
    pub kind: Kind,
}

impl Diagnostic {
    pub fn new(loc: Loc, message: impl Into<String>, kind: Kind) -> Self {
        Diagnostic {
            loc,
            message: message.into(),
            kind,
        }
    }

    /// An error at a token that more input cannot fix.
    pub fn at(tok: TokIdx, message: impl Into<String>) -> Self {
        Diagnostic::new(Loc::Token(tok), message, Kind::Error)
    }
}

/// True when more input could complete the input these diagnostics were found in: it
/// ends inside a token, or every error is at its end. An interactive session then reads
/// another line instead of showing the errors.
pub fn wants_more_input(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.kind == Kind::Unterminated)
        || diagnostics.iter().all(|d| d.kind != Kind::Error)
}

/// Where tokens are in the source: all that lowering needs of them (the spans of the
/// instructions that can fail). A token list is one (`TokenTable`), and so is the
/// smaller `token::Spans`, which a compilation keeps instead of its tokens once they
/// are parsed.
pub trait ByteSpans {
    /// The token's bytes in the source, `start..end`; `None` for a token index the
    /// table does not have (an injected token's stand-in, say).
    fn byte_span(&self, _tok: TokIdx) -> Option<(u32, u32)> {
        None
    }
}

/// What a renderer needs to know about a token: its line and how to name it.
pub trait TokenTable: ByteSpans {
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
            Loc::Lexical(tok) => write!(f, "[line {}] Error: {}", table.line(tok), d.message),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_input_is_wanted_only_when_it_could_help() {
        let error = Diagnostic::at(3, "Expect expression.");
        let at_end = Diagnostic::new(Loc::Token(9), "Expect ';' after value.", Kind::Incomplete);
        let open_string = Diagnostic::new(Loc::Line(2), "Unterminated string.", Kind::Unterminated);
        // (diagnostics, whether more input is wanted)
        let cases = [
            (vec![at_end.clone()], true),
            (vec![at_end.clone(), at_end.clone()], true),
            (vec![open_string.clone()], true),
            // An open string swallows the rest of the input, whatever came before it.
            (vec![error.clone(), open_string.clone()], true),
            (vec![error.clone()], false),
            (vec![error.clone(), at_end.clone()], false),
            (vec![at_end, error], false),
        ];
        for (diagnostics, expected) in cases {
            assert_eq!(wants_more_input(&diagnostics), expected, "{diagnostics:?}");
        }
    }

    #[test]
    fn the_kind_does_not_change_how_a_diagnostic_reads() {
        struct Table;
        impl ByteSpans for Table {}
        impl TokenTable for Table {
            fn line(&self, tok: TokIdx) -> u32 {
                tok + 1
            }
            fn lexeme(&self, tok: TokIdx) -> Option<&str> {
                (tok == 0).then_some("x")
            }
        }
        let cases = [
            (Loc::Token(0), "[line 1] Error at 'x': Oops."),
            (Loc::Token(4), "[line 5] Error at end: Oops."),
            (Loc::Line(7), "[line 7] Error: Oops."),
        ];
        for (loc, expected) in cases {
            for kind in [Kind::Error, Kind::Incomplete, Kind::Unterminated] {
                let d = Diagnostic::new(loc, "Oops.", kind);
                assert_eq!(Rendered(&d, &Table).to_string(), expected, "{kind:?}");
            }
        }
    }
}

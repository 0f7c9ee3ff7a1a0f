//! Tokens as both front-ends keep them: compact records (kind, byte span, line) in one
//! list per source text, with every lexeme sliced from the source only when asked for.
//!
//! The trade-off: a token does not own its text, so everything that reads a lexeme needs
//! the list (which holds the source), and callers name tokens by index rather than by
//! reference. In exchange a token is sixteen bytes with no allocation, the list is one
//! vector, and the layout behind the index-based accessors can change (to a struct of
//! arrays, say) without touching the parsers.

use crate::memory;
use std::fmt;

use crate::diag::{self, ByteSpans, TokIdx, TokenTable};

/// What a language's token kinds tell the shared layer: the end-of-file kind, the names
/// dumps use, which kinds are lexical errors, and which tokens have no text of their own.
pub trait Kind: Copy + Eq + fmt::Debug {
    /// The kind of the last token of every list, and of no other.
    const EOF: Self;

    /// The name used by `lox dump --stage tokens` (`LEFT_PAREN`).
    fn name(self) -> &'static str;

    /// For a lexical error token, the message the parser reports and what kind of
    /// problem it is; `None` for every other token.
    fn lex_error(self) -> Option<(&'static str, diag::Kind)>;

    /// For a token with no text of its own (Potato's layout tokens), the word that names
    /// it in error messages (`newline`); `None` for tokens named by their lexeme. The
    /// end-of-file token is named by neither: errors there read `at end`.
    fn stand_in(self) -> Option<&'static str>;
}

/// One token: its kind, the bytes of its lexeme in the source (`start..end`), and the
/// line it is reported on. The column is derived from the span when wanted
/// (`Tokens::column`), so it costs nothing to the tokens nobody asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<K> {
    pub kind: K,
    /// Byte offset of the lexeme's first byte.
    pub start: u32,
    /// Byte offset just past the lexeme's last byte.
    pub end: u32,
    pub line: u32,
}

/// The token list of one source text, with the text it indexes into. The last token is
/// the only one of kind `K::EOF`.
#[derive(Debug)]
pub struct Tokens<'src, K> {
    source: &'src str,
    records: Vec<Token<K>>,
}

impl<'src, K: Kind> Tokens<'src, K> {
    /// A list made by a lexer. `records` must end with its one `K::EOF` token, and every
    /// span must lie on character boundaries of `source`.
    pub fn new(source: &'src str, records: Vec<Token<K>>) -> Self {
        debug_assert!(records.last().is_some_and(|t| t.kind == K::EOF));
        Tokens { source, records }
    }

    pub fn source(&self) -> &'src str {
        self.source
    }

    /// The number of tokens, end-of-file token included.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Never true: there is always the end-of-file token.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The index of the end-of-file token (always the last).
    pub fn eof(&self) -> TokIdx {
        self.records.len() as TokIdx - 1
    }

    pub fn get(&self, tok: TokIdx) -> Token<K> {
        self.records[tok as usize]
    }

    pub fn kind(&self, tok: TokIdx) -> K {
        self.records[tok as usize].kind
    }

    pub fn line(&self, tok: TokIdx) -> u32 {
        self.records[tok as usize].line
    }

    /// The token's bytes in the source, as `start..end`.
    pub fn span(&self, tok: TokIdx) -> std::ops::Range<usize> {
        let t = &self.records[tok as usize];
        t.start as usize..t.end as usize
    }

    /// The token's text: empty for the tokens the lexer made up (end of file, layout).
    pub fn lexeme(&self, tok: TokIdx) -> &'src str {
        &self.source[self.span(tok)]
    }

    /// The 1-based column, in bytes, of the token's first byte on the line it starts on.
    pub fn column(&self, tok: TokIdx) -> u32 {
        let start = self.span(tok).start;
        let line_start = self.source[..start]
            .rfind('\n')
            .map_or(0, |newline| newline + 1);
        (start - line_start) as u32 + 1
    }

    /// Every token, in order.
    pub fn iter(&self) -> impl Iterator<Item = Token<K>> + '_ {
        self.records.iter().copied()
    }
}

impl<K: Kind> TokenTable for Tokens<'_, K> {
    fn line(&self, tok: TokIdx) -> u32 {
        Tokens::line(self, tok)
    }

    /// A token without text of its own is named by its stand-in, so that Potato's `say`
    /// at the end of a line reports `Error at 'newline': Expect expression.`
    fn lexeme(&self, tok: TokIdx) -> Option<&str> {
        let kind = self.kind(tok);
        if kind == K::EOF {
            return None;
        }
        Some(kind.stand_in().unwrap_or_else(|| Tokens::lexeme(self, tok)))
    }
}

impl<K: Kind> ByteSpans for Tokens<'_, K> {
    fn byte_span(&self, tok: TokIdx) -> Option<(u32, u32)> {
        let t = self.records.get(tok as usize)?;
        Some((t.start, t.end))
    }
}

/// The byte spans of a token list, and nothing else: eight bytes a token instead of
/// sixteen. A compilation by pieces keeps these once a piece is parsed, for lowering
/// (which needs only where each token is), and frees the tokens: on a long function
/// (one piece) that halves what the token list holds through desugaring, semantic
/// analysis and lowering. A piece with an error is compiled again from its source, so
/// nothing after parsing needs a token's kind, line or text there.
#[derive(Debug)]
pub struct Spans(Vec<(u32, u32)>);

impl Spans {
    /// The spans of every token of `tokens`, by the same indices.
    pub fn of<K: Kind>(tokens: &Tokens<'_, K>) -> Spans {
        Spans(memory::collected(
            tokens.records.iter().map(|t| (t.start, t.end)),
        ))
    }
}

impl ByteSpans for Spans {
    fn byte_span(&self, tok: TokIdx) -> Option<(u32, u32)> {
        self.0.get(tok as usize).copied()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A language small enough to build token lists by hand.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum Toy {
        Word,
        Semicolon,
        Newline,
        /// A lexical error that more input cannot fix.
        Bad,
        /// A lexical error that more input could complete.
        Open,
        Eof,
    }

    impl Kind for Toy {
        const EOF: Self = Toy::Eof;

        fn name(self) -> &'static str {
            match self {
                Toy::Word => "WORD",
                Toy::Semicolon => "SEMICOLON",
                Toy::Newline => "NEWLINE",
                Toy::Bad | Toy::Open => "ERROR",
                Toy::Eof => "EOF",
            }
        }

        fn lex_error(self) -> Option<(&'static str, diag::Kind)> {
            match self {
                Toy::Bad => Some(("Bad.", diag::Kind::Error)),
                Toy::Open => Some(("Open.", diag::Kind::Unterminated)),
                _ => None,
            }
        }

        fn stand_in(self) -> Option<&'static str> {
            (self == Toy::Newline).then_some("newline")
        }
    }

    /// Tokens of `source`: words are runs of letters, `;` and `\n` stand alone, `?` is a
    /// `Bad` error and `"` an `Open` one.
    pub(crate) fn toy_scan(source: &str) -> Tokens<'_, Toy> {
        let mut records = Vec::new();
        let mut line = 1;
        let bytes = source.as_bytes();
        let mut pos = 0;
        while pos < bytes.len() {
            let start = pos;
            let kind = match bytes[pos] {
                b' ' => {
                    pos += 1;
                    continue;
                }
                b';' => Toy::Semicolon,
                b'\n' => Toy::Newline,
                b'?' => Toy::Bad,
                b'"' => Toy::Open,
                _ => {
                    while pos + 1 < bytes.len() && bytes[pos + 1].is_ascii_alphabetic() {
                        pos += 1;
                    }
                    Toy::Word
                }
            };
            pos += 1;
            records.push(Token {
                kind,
                start: start as u32,
                end: pos as u32,
                line,
            });
            if kind == Toy::Newline {
                line += 1;
            }
        }
        let end = source.len() as u32;
        records.push(Token {
            kind: Toy::Eof,
            start: end,
            end,
            line,
        });
        Tokens::new(source, records)
    }

    #[test]
    fn lexemes_spans_lines_and_columns_come_from_the_source() {
        let tokens = toy_scan("ab cd;\n  efg\n");
        // (lexeme, span, line, column) of every token.
        let expected = [
            ("ab", 0..2, 1, 1),
            ("cd", 3..5, 1, 4),
            (";", 5..6, 1, 6),
            ("\n", 6..7, 1, 7),
            ("efg", 9..12, 2, 3),
            ("\n", 12..13, 2, 6),
            ("", 13..13, 3, 1),
        ];
        assert_eq!(tokens.len(), expected.len());
        for (tok, (lexeme, span, line, column)) in expected.into_iter().enumerate() {
            let tok = tok as TokIdx;
            assert_eq!(tokens.lexeme(tok), lexeme, "token {tok}");
            assert_eq!(tokens.span(tok), span, "token {tok}");
            assert_eq!(tokens.line(tok), line, "token {tok}");
            assert_eq!(tokens.column(tok), column, "token {tok}");
        }
        assert_eq!(tokens.eof(), 6);
    }

    #[test]
    fn the_token_table_names_tokens_for_diagnostics() {
        let tokens = toy_scan("ab\n");
        assert_eq!(TokenTable::lexeme(&tokens, 0), Some("ab"));
        assert_eq!(TokenTable::lexeme(&tokens, 1), Some("newline"));
        assert_eq!(TokenTable::lexeme(&tokens, 2), None);
        assert_eq!(TokenTable::line(&tokens, 2), 2);
    }

    #[test]
    fn spans_are_the_token_lists_spans_alone() {
        let tokens = toy_scan("ab cd;\n  efg\n");
        let spans = Spans::of(&tokens);
        for tok in 0..tokens.len() as TokIdx {
            assert_eq!(spans.byte_span(tok), tokens.byte_span(tok), "token {tok}");
        }
        assert_eq!(spans.byte_span(tokens.len() as TokIdx), None);
        assert_eq!(spans.byte_span(1), Some((3, 5)));
    }

    #[test]
    fn a_token_is_a_compact_record() {
        assert_eq!(std::mem::size_of::<Token<Toy>>(), 16);
        assert_eq!(
            std::mem::size_of::<Token<crate::frontend::lox::TokenKind>>(),
            16
        );
        assert_eq!(
            std::mem::size_of::<Token<crate::frontend::potato::TokenKind>>(),
            16
        );
    }
}

//! The parsers' common walk over a token list: the current and previous token, the
//! `check`/`matches`/`consume` helpers, panic mode, and reporting errors at tokens.
//!
//! Each language keeps what is its own (Lox's `synchronize`, Potato's line-by-line
//! recovery, nesting limits) and reaches the tokens only through the cursor. The
//! trade-off: two small policies the languages differ on, how lexical errors meet panic
//! mode and diagnostics injected by later stages, are settings of the shared cursor
//! rather than code in each parser.

use crate::memory::{self, Grow};

use std::collections::HashMap;

use super::token::{Kind, Tokens};
use crate::ast::Ident;
use crate::diag::{self, Diagnostic, Loc, TokIdx};
use crate::intern::Interner;

/// How lexical errors (error tokens) meet panic mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LexicalErrors {
    /// Like any other error: not reported in panic mode (clox's rule, for Lox).
    LikeSyntaxErrors,
    /// Always reported, because they do not depend on parsing; they still enter panic
    /// mode and so silence the syntax errors that follow from them (Potato).
    Always,
}

/// A position in a token list, and the diagnostics found so far.
pub struct Cursor<'t, 'src, K> {
    tokens: &'t Tokens<'src, K>,
    /// The token being looked at: never an error token.
    pub current: TokIdx,
    /// The token just stepped past.
    pub previous: TokIdx,
    /// Panic mode: set by an error; while it is set, errors are not reported. Each
    /// language's recovery clears it.
    pub panic: bool,
    pub diagnostics: Vec<Diagnostic>,
    /// The names met so far, which the tree's symbols stand for.
    pub names: Interner,
    lexical: LexicalErrors,
    /// Messages to raise when `advance` steps past their token.
    injected: HashMap<TokIdx, Vec<String>>,
}

impl<'t, 'src, K: Kind> Cursor<'t, 'src, K> {
    /// A cursor on the first real token (the lexical errors before it reported). Each
    /// diagnostic in `injected` is raised again when `advance` steps past its token.
    pub fn new(
        tokens: &'t Tokens<'src, K>,
        lexical: LexicalErrors,
        injected: &[Diagnostic],
    ) -> Self {
        let mut by_token: HashMap<TokIdx, Vec<String>> = HashMap::new();
        memory::reserve_map_or_oom(&mut by_token, injected.len());
        for d in injected {
            if let Loc::Token(tok) = d.loc {
                by_token
                    .entry(tok)
                    .or_default()
                    .push_or_oom(d.message.clone());
            }
        }
        let mut cursor = Cursor {
            tokens,
            current: 0,
            previous: 0,
            panic: false,
            diagnostics: Vec::new(),
            names: Interner::new(),
            lexical,
            injected: by_token,
        };
        cursor.skip_error_tokens();
        cursor
    }

    // ----- Looking at tokens ------------------------------------------------------------

    pub fn tokens(&self) -> &'t Tokens<'src, K> {
        self.tokens
    }

    pub fn kind(&self, tok: TokIdx) -> K {
        self.tokens.kind(tok)
    }

    pub fn line(&self, tok: TokIdx) -> u32 {
        self.tokens.line(tok)
    }

    pub fn lexeme(&self, tok: TokIdx) -> &'src str {
        self.tokens.lexeme(tok)
    }

    /// The line of the token just stepped past.
    pub fn prev_line(&self) -> u32 {
        self.line(self.previous)
    }

    /// The token at `tok` as a name in the tree (its text interned).
    pub fn ident(&mut self, tok: TokIdx) -> Ident {
        Ident {
            name: self.names.intern(self.tokens.lexeme(tok)),
            tok,
            line: self.line(tok),
        }
    }

    /// True when the token at `tok` is a lexical error.
    pub fn is_error(&self, tok: TokIdx) -> bool {
        self.kind(tok).lex_error().is_some()
    }

    pub fn check(&self, kind: K) -> bool {
        self.kind(self.current) == kind
    }

    // ----- Moving -----------------------------------------------------------------------

    /// Moves to the next real token, reporting the lexical errors on the way. Injected
    /// diagnostics do not fire: this is how recovery skips code.
    pub fn step(&mut self) {
        self.previous = self.current;
        if self.kind(self.current) != K::EOF {
            self.current += 1;
            self.skip_error_tokens();
        }
    }

    /// Moves to the next token; an injected diagnostic on the token just passed fires.
    pub fn advance(&mut self) {
        self.step();
        self.fire_injected();
    }

    /// Raises the injected diagnostics on the token just passed. Inlined, so that the
    /// usual case (nothing injected) is a test in the caller instead of a call per
    /// token (2% of compiling a long function, callgrind).
    #[inline]
    pub fn fire_injected(&mut self) {
        // Most parses have nothing injected: no lookup per token then.
        if !self.injected.is_empty() {
            self.fire_injected_here();
        }
    }

    /// The slow path of `fire_injected`: a lookup of the token just passed.
    #[cold]
    fn fire_injected_here(&mut self) {
        if let Some(messages) = self.injected.get(&self.previous) {
            for message in messages.clone() {
                self.error(&message);
            }
        }
    }

    /// Advances past the current token if it is of `kind`.
    pub fn matches(&mut self, kind: K) -> bool {
        if !self.check(kind) {
            return false;
        }
        self.advance();
        true
    }

    /// Advances past a token of `kind`, or reports `message` at the current token.
    pub fn consume(&mut self, kind: K, message: &str) {
        if self.check(kind) {
            self.advance();
        } else {
            self.error_at_current(message);
        }
    }

    /// Reports the lexical errors from `current` on, until it is a real token.
    /// Inlined like `fire_injected`: a token that is not an error is a test.
    #[inline]
    fn skip_error_tokens(&mut self) {
        if self.kind(self.current).lex_error().is_some() {
            self.report_error_tokens();
        }
    }

    /// The lexical errors from `current` on, reported (the slow path of
    /// `skip_error_tokens`).
    #[cold]
    fn report_error_tokens(&mut self) {
        while let Some((message, kind)) = self.kind(self.current).lex_error() {
            let diagnostic = Diagnostic::new(Loc::Lexical(self.current), message, kind);
            match self.lexical {
                LexicalErrors::LikeSyntaxErrors => self.report(diagnostic),
                LexicalErrors::Always => {
                    self.diagnostics.push_or_oom(diagnostic);
                    self.panic = true;
                }
            }
            self.current += 1;
        }
    }

    // ----- Errors -----------------------------------------------------------------------

    /// Reports a diagnostic unless in panic mode, and enters panic mode.
    pub fn report(&mut self, diagnostic: Diagnostic) {
        if self.panic {
            return;
        }
        self.panic = true;
        self.diagnostics.push_or_oom(diagnostic);
    }

    /// Reports `message` at the token `tok`. At the end-of-file token it is
    /// `diag::Kind::Incomplete`: the input stopped where more was wanted.
    pub fn error_at(&mut self, tok: TokIdx, message: &str) {
        let kind = if tok == self.tokens.eof() {
            diag::Kind::Incomplete
        } else {
            diag::Kind::Error
        };
        self.report(Diagnostic::new(Loc::Token(tok), message, kind));
    }

    /// Reports `message` at the token just passed.
    pub fn error(&mut self, message: &str) {
        self.error_at(self.previous, message);
    }

    /// Reports `message` at the current token.
    pub fn error_at_current(&mut self, message: &str) {
        self.error_at(self.current, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::token::tests::{Toy, toy_scan};

    fn cursor<'t, 'src>(
        tokens: &'t Tokens<'src, Toy>,
        lexical: LexicalErrors,
    ) -> Cursor<'t, 'src, Toy> {
        Cursor::new(tokens, lexical, &[])
    }

    /// The messages and kinds of the diagnostics found, with where they are.
    fn found<'c>(c: &'c Cursor<Toy>) -> Vec<(Loc, &'c str, diag::Kind)> {
        c.diagnostics
            .iter()
            .map(|d| (d.loc, d.message.as_str(), d.kind))
            .collect()
    }

    #[test]
    fn matches_and_consume_move_only_past_the_expected_kind() {
        let tokens = toy_scan("a;b");
        let mut c = cursor(&tokens, LexicalErrors::LikeSyntaxErrors);
        assert!(c.check(Toy::Word));
        assert!(!c.matches(Toy::Semicolon));
        assert_eq!(c.current, 0);
        assert!(c.matches(Toy::Word));
        assert_eq!((c.previous, c.current), (0, 1));
        c.consume(Toy::Semicolon, "Expect ';'.");
        assert_eq!((c.previous, c.current), (1, 2));
        let b = c.ident(c.current);
        assert_eq!(c.names.get(b.name), "b");
        c.consume(Toy::Semicolon, "Expect ';'.");
        assert_eq!(c.current, 2, "a failed consume does not move");
        assert_eq!(
            found(&c),
            [(Loc::Token(2), "Expect ';'.", diag::Kind::Error)]
        );
        assert!(c.panic);
    }

    #[test]
    fn the_cursor_stops_at_the_end() {
        let tokens = toy_scan("a");
        let mut c = cursor(&tokens, LexicalErrors::LikeSyntaxErrors);
        for _ in 0..3 {
            c.advance();
        }
        assert_eq!((c.previous, c.current), (1, 1));
        assert!(c.check(Toy::Eof));
    }

    #[test]
    fn panic_mode_reports_only_the_first_error() {
        let tokens = toy_scan("a b c");
        let mut c = cursor(&tokens, LexicalErrors::LikeSyntaxErrors);
        c.error_at_current("First.");
        c.advance();
        c.error("Second.");
        c.panic = false;
        c.error_at_current("Third.");
        assert_eq!(
            found(&c),
            [
                (Loc::Token(0), "First.", diag::Kind::Error),
                (Loc::Token(1), "Third.", diag::Kind::Error)
            ]
        );
    }

    #[test]
    fn an_error_at_the_end_of_input_is_incomplete() {
        let tokens = toy_scan("a");
        let mut c = cursor(&tokens, LexicalErrors::LikeSyntaxErrors);
        c.advance();
        c.consume(Toy::Semicolon, "Expect ';'.");
        assert_eq!(
            found(&c),
            [(Loc::Token(1), "Expect ';'.", diag::Kind::Incomplete)]
        );
        assert!(diag::wants_more_input(&c.diagnostics));
    }

    #[test]
    fn lexical_errors_are_skipped_and_reported_at_their_tokens() {
        // (source, policy, in panic mode before the error tokens, expected diagnostics)
        let cases = [
            (
                "? \"",
                LexicalErrors::LikeSyntaxErrors,
                false,
                vec![(Loc::Lexical(0), "Bad.", diag::Kind::Error)],
            ),
            (
                "? \"",
                LexicalErrors::Always,
                false,
                vec![
                    (Loc::Lexical(0), "Bad.", diag::Kind::Error),
                    (Loc::Lexical(1), "Open.", diag::Kind::Unterminated),
                ],
            ),
            (
                "a\n\"",
                LexicalErrors::LikeSyntaxErrors,
                false,
                vec![(Loc::Lexical(2), "Open.", diag::Kind::Unterminated)],
            ),
            ("a\n?", LexicalErrors::LikeSyntaxErrors, true, vec![]),
            (
                "a\n?",
                LexicalErrors::Always,
                true,
                vec![(Loc::Lexical(2), "Bad.", diag::Kind::Error)],
            ),
        ];
        for (source, policy, panic, expected) in cases {
            let tokens = toy_scan(source);
            let mut c = cursor(&tokens, policy);
            if c.check(Toy::Word) {
                c.panic = panic;
                c.advance();
                c.advance();
            }
            assert!(c.check(Toy::Eof), "{source:?}");
            assert!(c.is_error(c.current - 1), "{source:?}");
            assert_eq!(found(&c), expected, "{source:?} {policy:?}");
            assert!(c.panic, "a lexical error enters panic mode");
        }
    }

    #[test]
    fn injected_diagnostics_fire_when_advance_passes_their_token() {
        let tokens = toy_scan("a b c d");
        let injected = [
            Diagnostic::at(1, "At b."),
            Diagnostic::at(2, "At c."),
            Diagnostic::new(Loc::Line(1), "Not at a token.", diag::Kind::Error),
        ];
        let mut c = Cursor::new(&tokens, LexicalErrors::LikeSyntaxErrors, &injected);
        c.advance();
        assert!(c.diagnostics.is_empty());
        c.advance();
        assert_eq!(found(&c), [(Loc::Token(1), "At b.", diag::Kind::Error)]);
        // `step` skips code without raising what is injected there.
        c.panic = false;
        c.step();
        c.advance();
        assert_eq!(found(&c).len(), 1);
    }
}

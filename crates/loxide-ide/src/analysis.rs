//! One document, analysed: the compiler's errors, the semantic warnings, the tokens and
//! the symbol index, from a single run of the ordinary pipeline.
//!
//! `Collector` is a `driver::Observer`: it copies the tokens as the front-end makes
//! them and indexes the program the moment semantic analysis has resolved it (also
//! when there are errors). Lox programs with semantic errors are parsed again by the
//! driver to report errors as clox does; only the first resolution, of the program as
//! written, is indexed.

use std::ops::Range;

use loxide::Lang;
use loxide::driver::{self, Observer};
use loxide::frontend::{lox, potato};
use loxide::ir::Limits;
use loxide::sema::Resolved;

use crate::index::{self, Index};
use crate::lines::LineIndex;
use crate::text::{self, Token};
use crate::warnings::{self, Warning};

/// A compile error, placed in the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The message, as clox words it.
    pub message: String,
    /// The bytes it is about (empty at a point; a whole line for a lexical error).
    pub span: Range<usize>,
}

/// Everything an editor asks about one document.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// Its language.
    pub lang: Lang,
    /// Its text.
    pub text: String,
    /// Its lines, for position conversions.
    pub lines: LineIndex,
    /// Its tokens.
    pub tokens: Vec<Token>,
    /// Its declarations and name occurrences.
    pub index: Index,
    /// The compile errors, in the order `lox` reports them.
    pub errors: Vec<Error>,
    /// The semantic warnings, by position.
    pub warnings: Vec<Warning>,
}

/// The observer that collects tokens, the index and the warnings of a compilation.
pub struct Collector<'a> {
    lang: Lang,
    source: &'a str,
    tokens: Vec<Token>,
    index: Option<Index>,
    warnings: Vec<Warning>,
}

impl<'a> Collector<'a> {
    /// A collector for a compilation of `source` in `lang`.
    pub fn new(source: &'a str, lang: Lang) -> Collector<'a> {
        Collector {
            lang,
            source,
            tokens: Vec::new(),
            index: None,
            warnings: Vec::new(),
        }
    }

    /// The warnings found (none if the compilation never reached semantic analysis).
    pub fn into_warnings(self) -> Vec<Warning> {
        self.warnings
    }
}

impl Observer for Collector<'_> {
    fn lox_tokens(&mut self, tokens: &lox::lexer::Tokens) {
        self.tokens = text::classify(tokens);
    }

    fn potato_tokens(&mut self, tokens: &potato::Tokens) {
        self.tokens = text::classify(tokens);
    }

    fn analysed(&mut self, resolved: &Resolved, _has_errors: bool) {
        if self.index.is_some() {
            return;
        }
        let index = index::build(resolved, &self.tokens, self.source, self.lang);
        self.warnings = warnings::find(resolved, &self.tokens, self.source, &index);
        self.index = Some(index);
    }
}

/// Analyses a document.
pub fn analyze(source: &str, lang: Lang) -> Analysis {
    analyze_text(source.to_string(), lang)
}

/// Analyses a document, keeping its text (no copy is made of it).
///
/// The compiler runs up to lowering (`driver::check_observed`): the errors are those
/// `lox` reports, and nothing is optimized, encoded or verified for a run that never
/// comes.
pub fn analyze_text(text: String, lang: Lang) -> Analysis {
    ANALYSES.with(|n| n.set(n.get() + 1));
    let source = text.as_str();
    let mut collector = Collector::new(source, lang);
    let result = driver::check_observed(source, lang, Limits::Default, &[], &mut collector);
    let lines = LineIndex::new(source);
    let errors = match result {
        Ok(_) => Vec::new(),
        Err(e) if e.diagnostics.is_empty() => e
            .lines
            .iter()
            .map(|line| Error {
                message: line.clone(),
                span: 0..0,
            })
            .collect(),
        Err(e) => e
            .diagnostics
            .iter()
            .map(|d| {
                let span = if d.columns.start >= 1 {
                    let start = lines.offset_of_column(source, d.line, d.columns.start);
                    let end = lines.offset_of_column(source, d.line, d.columns.end);
                    start..end.max(start)
                } else {
                    lines.line_range(source, d.line.max(1) as usize - 1)
                };
                Error {
                    message: d.message.clone(),
                    span,
                }
            })
            .collect(),
    };
    let Collector {
        tokens,
        index,
        warnings,
        ..
    } = collector;
    Analysis {
        lang,
        text,
        lines,
        tokens,
        index: index.unwrap_or_default(),
        errors,
        warnings,
    }
}

thread_local! {
    /// How many documents this thread has analysed (`analyses_run`).
    static ANALYSES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many analyses this thread has run: the work a language server does per change
/// is one, and per request none, which tests check by this count.
pub fn analyses_run() -> u64 {
    ANALYSES.with(std::cell::Cell::get)
}

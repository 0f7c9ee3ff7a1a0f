//! The tokens of a document as editors see them: a byte span and a class, the same for
//! both languages. The classes come from each front-end's token kind names (the ones
//! `lox dump --stage tokens` prints), so a new keyword needs no change here.

use loxide::frontend::token::{Kind, Tokens};

/// What a token is, for highlighting and for finding calls and blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// A reserved word (`fun`, `say`, `potato`...).
    Keyword,
    /// A name.
    Identifier,
    /// A string literal.
    String,
    /// A number literal.
    Number,
    /// An operator (`+`, `==`...).
    Operator,
    /// `(`.
    OpenParen,
    /// `)`.
    CloseParen,
    /// `,`.
    Comma,
    /// What opens a block: `{`, or Potato's indentation.
    OpenBlock,
    /// What closes a block: `}`, or Potato's dedentation.
    CloseBlock,
    /// Other punctuation and layout (`;`, `.`, line ends).
    Other,
    /// A lexical error.
    Error,
    /// The end of the input.
    Eof,
}

/// One token: its bytes in the document and its class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset just past the last byte.
    pub end: usize,
    /// What it is.
    pub class: Class,
}

/// The tokens of a front-end's list, classified.
pub fn classify<K: Kind>(tokens: &Tokens<'_, K>) -> Vec<Token> {
    tokens
        .iter()
        .map(|t| {
            let lexeme = tokens
                .source()
                .get(t.start as usize..t.end as usize)
                .unwrap_or("");
            Token {
                start: t.start as usize,
                end: t.end as usize,
                class: class_of(t.kind.name(), lexeme),
            }
        })
        .collect()
}

fn class_of(name: &str, lexeme: &str) -> Class {
    match name {
        "IDENTIFIER" => Class::Identifier,
        "STRING" => Class::String,
        "NUMBER" => Class::Number,
        "LEFT_PAREN" => Class::OpenParen,
        "RIGHT_PAREN" => Class::CloseParen,
        "COMMA" => Class::Comma,
        "LEFT_BRACE" | "INDENT" => Class::OpenBlock,
        "RIGHT_BRACE" | "DEDENT" => Class::CloseBlock,
        "ERROR" => Class::Error,
        "EOF" => Class::Eof,
        "SEMICOLON" | "DOT" | "NEWLINE" => Class::Other,
        _ if lexeme.starts_with(|c: char| c.is_alphabetic()) => Class::Keyword,
        _ => Class::Operator,
    }
}

/// The keywords of a language, for completion.
pub fn keywords(lang: loxide::Lang) -> &'static [&'static str] {
    match lang {
        loxide::Lang::Lox => &[
            "and", "class", "else", "false", "for", "fun", "if", "nil", "or", "print", "return",
            "super", "this", "true", "var", "while",
        ],
        loxide::Lang::Potato => &["say", "potato", "equals?", "is", "gains", "true", "false"],
    }
}

/// Where the comments of a document are: byte ranges, each within one line. Comments
/// are not tokens; they are what lies between tokens from the comment marker (`//` in
/// Lox, `#` in Potato) to the end of the line.
pub fn comments(text: &str, tokens: &[Token], lang: loxide::Lang) -> Vec<std::ops::Range<usize>> {
    let marker = match lang {
        loxide::Lang::Lox => "//",
        loxide::Lang::Potato => "#",
    };
    let mut out = Vec::new();
    let mut from = 0;
    for t in tokens {
        // A layout token has no text of its own and may sit inside a comment's line.
        let gap_end = t.start.max(from);
        if let Some(gap) = text.get(from..gap_end) {
            let mut at = 0;
            while let Some(found) = gap[at..].find(marker) {
                let start = from + at + found;
                let end = text[start..].find('\n').map_or(text.len(), |nl| start + nl);
                let end = end.min(gap_end).max(start);
                out.push(start..end);
                at = end - from;
                if at >= gap.len() {
                    break;
                }
            }
        }
        from = from.max(t.end);
    }
    out
}

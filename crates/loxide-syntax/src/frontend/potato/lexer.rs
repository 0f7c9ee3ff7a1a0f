//! The Potato lexer: source text to a vector of tokens, including the NEWLINE, INDENT
//! and DEDENT tokens that carry Potato's line and block structure.
//!
//! It works a line at a time, as Python's tokenizer does: blank and comment-only lines
//! vanish, every other line ends in a NEWLINE, and changes of indentation between lines
//! become INDENT and DEDENT tokens. Like the Lox lexer it never fails (a malformed token
//! becomes an `Error` token for the parser to report) and scans everything up front, so
//! diagnostics and dumps can name tokens by index.
//!
//! Indentation is compared as text, never as a column count: a line is indented deeper
//! than another when its leading blanks start with the other's and are longer. Tabs and
//! spaces may therefore both be used, but two lines whose indentation cannot be compared
//! that way (a tab against four spaces) are an error rather than a guess about tab width.

use crate::memory::Grow;

use crate::diag;
use crate::frontend::token;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    LeftParen,
    RightParen,
    Comma,
    /// `:)`
    True,
    /// `:(`
    False,
    Say,
    Potato,
    /// `equals?`
    Equals,
    Is,
    Gains,
    Identifier,
    String,
    Number,
    /// The end of a line that holds a statement.
    Newline,
    /// A line indented deeper than the line before it: a block opens.
    Indent,
    /// A line no longer indented deeper than the line that opened a block: it closes.
    Dedent,
    /// A lexical error.
    Error(LexError),
    Eof,
}

/// What is wrong with an `Error` token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LexError {
    /// A `"` with no closing `"` before the end of the line.
    UnterminatedString,
    /// A word that starts with a digit but is not a number (`12abc`, `3.`, `1.2.3`).
    InvalidNumber,
    /// Indentation that cannot be compared with the previous line's (tabs against spaces).
    MixedIndentation,
}

impl LexError {
    /// Each is an error more input cannot fix: a string ends at the end of its line.
    pub fn message(self) -> &'static str {
        match self {
            LexError::UnterminatedString => "Unterminated string.",
            LexError::InvalidNumber => "Invalid number.",
            LexError::MixedIndentation => {
                "Indentation mixes tabs and spaces differently from the line before."
            }
        }
    }
}

impl token::Kind for TokenKind {
    const EOF: Self = TokenKind::Eof;

    /// The name used by `lox dump --stage tokens`.
    fn name(self) -> &'static str {
        use TokenKind::*;
        match self {
            LeftParen => "LEFT_PAREN",
            RightParen => "RIGHT_PAREN",
            Comma => "COMMA",
            True => "TRUE",
            False => "FALSE",
            Say => "SAY",
            Potato => "POTATO",
            Equals => "EQUALS",
            Is => "IS",
            Gains => "GAINS",
            Identifier => "IDENTIFIER",
            String => "STRING",
            Number => "NUMBER",
            Newline => "NEWLINE",
            Indent => "INDENT",
            Dedent => "DEDENT",
            Error(_) => "ERROR",
            Eof => "EOF",
        }
    }

    fn lex_error(self) -> Option<(&'static str, diag::Kind)> {
        match self {
            TokenKind::Error(error) => Some((error.message(), diag::Kind::Error)),
            _ => None,
        }
    }

    /// Layout tokens have no text of their own; they are named by what they are, so that
    /// `say` at the end of a line reports `Error at 'newline': Expect expression.`
    fn stand_in(self) -> Option<&'static str> {
        match self {
            TokenKind::Newline => Some("newline"),
            TokenKind::Indent => Some("indent"),
            TokenKind::Dedent => Some("dedent"),
            _ => None,
        }
    }
}

impl TokenKind {
    /// True for the tokens that stand for layout rather than text.
    pub fn is_layout(self) -> bool {
        matches!(
            self,
            TokenKind::Newline | TokenKind::Indent | TokenKind::Dedent
        )
    }
}

/// One Potato token: kind, byte span and line.
pub type Token = token::Token<TokenKind>;

/// The token list of one source text, with the text it indexes into.
pub type Tokens<'src> = token::Tokens<'src, TokenKind>;

/// The words that are not identifiers.
fn keyword(word: &str) -> Option<TokenKind> {
    Some(match word {
        "say" => TokenKind::Say,
        "potato" => TokenKind::Potato,
        "equals?" => TokenKind::Equals,
        "is" => TokenKind::Is,
        "gains" => TokenKind::Gains,
        _ => return None,
    })
}

/// Scans the whole source. The last token is always `Eof`, and every INDENT has its
/// DEDENT before it.
pub fn scan(source: &str) -> Tokens<'_> {
    let mut lexer = Lexer {
        src: source,
        pos: 0,
        line: 1,
        tokens: Vec::new(),
        blocks: Vec::new(),
        prev_indent: "",
    };
    // A byte-order mark is not part of the program.
    if source.starts_with('\u{feff}') {
        lexer.pos = '\u{feff}'.len_utf8();
    }
    while lexer.pos < source.len() {
        lexer.line_of_source();
    }
    let end = source.len() as u32;
    for _ in 0..lexer.blocks.len() {
        lexer.push(TokenKind::Dedent, end, end);
    }
    lexer.push(TokenKind::Eof, end, end);
    Tokens::new(source, lexer.tokens)
}

struct Lexer<'src> {
    src: &'src str,
    pos: usize,
    line: u32,
    tokens: Vec<Token>,
    /// For every open block, the indentation of the line that opened it. Each is a
    /// proper prefix of the next.
    blocks: Vec<&'src str>,
    /// The indentation of the last line that held a statement.
    prev_indent: &'src str,
}

/// How two indentations compare: `None` when neither is a prefix of the other.
fn compare_indent(a: &str, b: &str) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering::*;
    if a == b {
        Some(Equal)
    } else if a.starts_with(b) {
        Some(Greater)
    } else if b.starts_with(a) {
        Some(Less)
    } else {
        None
    }
}

/// True for a character that ends a word: white space, a separator, a quote or a
/// comment. (`:(` and `:)` end a word too; see `Lexer::at_smiley`.)
fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | ',' | '"' | '#')
}

impl<'src> Lexer<'src> {
    fn push(&mut self, kind: TokenKind, start: u32, end: u32) {
        self.tokens.push_or_oom(Token {
            kind,
            start,
            end,
            line: self.line,
        });
    }

    fn rest(&self) -> &'src str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// `:)` and `:(` are booleans wherever they appear, before `(` and `)` can be read
    /// as separators, and they end any word they touch.
    fn at_smiley(&self) -> Option<TokenKind> {
        let rest = self.rest().as_bytes();
        match rest {
            [b':', b')', ..] => Some(TokenKind::True),
            [b':', b'(', ..] => Some(TokenKind::False),
            _ => None,
        }
    }

    /// Scans one physical line, including its line break.
    fn line_of_source(&mut self) {
        let indent_start = self.pos;
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.pos += 1;
        }
        let indent = &self.src[indent_start..self.pos];
        // A line with nothing but blanks and a comment is not there at all.
        let mut probe = self.pos;
        for c in self.rest().chars() {
            if c == '\n' || !c.is_whitespace() {
                break;
            }
            probe += c.len_utf8();
        }
        match self.src[probe..].chars().next() {
            None | Some('\n') | Some('#') => {
                self.skip_to_line_end();
                return;
            }
            _ => {}
        }
        self.indentation(indent);
        self.tokens_of_line();
    }

    /// Emits the DEDENT and INDENT tokens that lead a statement line.
    fn indentation(&mut self, mut indent: &'src str) {
        let at = self.pos as u32;
        if compare_indent(indent, self.prev_indent).is_none() {
            self.push(TokenKind::Error(LexError::MixedIndentation), at, at);
            // Read the line as if it were indented like the one before.
            indent = self.prev_indent;
        }
        // Every block whose opening line is not shallower than this one closes. The
        // stack is a chain of prefixes of `prev_indent`, so each comparison is defined.
        while let Some(&opener) = self.blocks.last() {
            if compare_indent(indent, opener) == Some(std::cmp::Ordering::Greater) {
                break;
            }
            self.blocks.pop();
            self.push(TokenKind::Dedent, at, at);
        }
        if compare_indent(indent, self.prev_indent) == Some(std::cmp::Ordering::Greater) {
            self.blocks.push_or_oom(self.prev_indent);
            self.push(TokenKind::Indent, at, at);
        }
        self.prev_indent = indent;
    }

    /// Skips a comment or blank remainder and the line break after it.
    fn skip_to_line_end(&mut self) {
        match self.rest().find('\n') {
            Some(offset) => {
                self.pos += offset + 1;
                self.line += 1;
            }
            None => self.pos = self.src.len(),
        }
    }

    /// The tokens of a statement line, ending with its NEWLINE.
    fn tokens_of_line(&mut self) {
        loop {
            let start = self.pos;
            let Some(c) = self.peek() else {
                self.push(TokenKind::Newline, start as u32, start as u32);
                return;
            };
            if c == '\n' {
                self.push(TokenKind::Newline, start as u32, start as u32 + 1);
                self.pos += 1;
                self.line += 1;
                return;
            }
            if c.is_whitespace() {
                self.pos += c.len_utf8();
                continue;
            }
            if c == '#' {
                // Leave the line break for the next turn of the loop.
                self.pos += self.rest().find('\n').unwrap_or(self.rest().len());
                continue;
            }
            let kind = if let Some(kind) = self.at_smiley() {
                self.pos += 2;
                kind
            } else {
                self.pos += c.len_utf8();
                match c {
                    '(' => TokenKind::LeftParen,
                    ')' => TokenKind::RightParen,
                    ',' => TokenKind::Comma,
                    '"' => self.string(),
                    _ => self.word(start, c),
                }
            };
            self.push(kind, start as u32, self.pos as u32);
        }
    }

    /// A string whose opening quote was just read. It may not span lines.
    fn string(&mut self) -> TokenKind {
        match self.rest().find(['"', '\n']) {
            Some(offset) if self.rest()[offset..].starts_with('"') => {
                self.pos += offset + 1;
                TokenKind::String
            }
            Some(offset) => {
                self.pos += offset;
                TokenKind::Error(LexError::UnterminatedString)
            }
            None => {
                self.pos = self.src.len();
                TokenKind::Error(LexError::UnterminatedString)
            }
        }
    }

    /// A word whose first character `first` (at `start`) was just read: a number, a
    /// keyword or operator, or an identifier.
    fn word(&mut self, start: usize, first: char) -> TokenKind {
        while let Some(c) = self.peek() {
            if ends_word(c) || self.at_smiley().is_some() {
                break;
            }
            self.pos += c.len_utf8();
        }
        let word = &self.src[start..self.pos];
        if first.is_ascii_digit() {
            return if is_number(word) {
                TokenKind::Number
            } else {
                TokenKind::Error(LexError::InvalidNumber)
            };
        }
        keyword(word).unwrap_or(TokenKind::Identifier)
    }
}

/// Digits, optionally followed by `.` and more digits: Lox's number syntax.
fn is_number(word: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match word.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(word),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::TokenTable;
    use TokenKind::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        scan(src).iter().map(|t| t.kind).collect()
    }

    fn lexemes(src: &str) -> Vec<std::string::String> {
        let t = scan(src);
        (0..t.eof())
            .filter(|&tok| !t.kind(tok).is_layout())
            .map(|tok| t.lexeme(tok).to_string())
            .collect()
    }

    #[test]
    fn smileys_are_read_before_parentheses() {
        assert_eq!(
            kinds("say f(:), :()\n"),
            vec![
                Say, Identifier, LeftParen, True, Comma, False, RightParen, Newline, Eof
            ]
        );
        // A smiley ends the word it touches.
        assert_eq!(lexemes("x:)"), ["x", ":)"]);
        // A lone colon is an ordinary character of a word.
        assert_eq!(kinds("a:b"), vec![Identifier, Newline, Eof]);
    }

    #[test]
    fn identifiers_are_runs_of_anything_but_separators() {
        assert_eq!(
            lexemes("🐝 is honey_pot potato x2,(-3)#no"),
            ["🐝", "is", "honey_pot", "potato", "x2", ",", "(", "-3", ")"]
        );
        assert_eq!(
            kinds("🐝🍯 equals? equals?! potatoes says"),
            vec![
                Identifier, Equals, Identifier, Identifier, Identifier, Newline, Eof
            ]
        );
        assert_eq!(lexemes("a\"b\"c"), ["a", "\"b\"", "c"]);
    }

    #[test]
    fn keywords_and_operators_are_words() {
        assert_eq!(
            kinds("say is gains potato equals?"),
            vec![Say, Is, Gains, Potato, Equals, Newline, Eof]
        );
    }

    #[test]
    fn numbers_are_whole_words() {
        assert_eq!(
            kinds("12 3.5 007"),
            vec![Number, Number, Number, Newline, Eof]
        );
        for bad in ["12abc", "3.", "1.2.3", "1e5", "4.x"] {
            assert_eq!(
                kinds(bad),
                vec![Error(LexError::InvalidNumber), Newline, Eof],
                "{bad}"
            );
        }
    }

    #[test]
    fn strings_stop_at_the_end_of_the_line() {
        let t = scan("say \"a # b\"\nsay \"open\nsay 1");
        let k: Vec<_> = t.iter().map(|t| t.kind).collect();
        assert_eq!(
            k,
            vec![
                Say,
                String,
                Newline,
                Say,
                Error(LexError::UnterminatedString),
                Newline,
                Say,
                Number,
                Newline,
                Eof
            ]
        );
        assert_eq!(t.lexeme(1), "\"a # b\"");
        assert_eq!(t.lexeme(4), "\"open");
        assert_eq!(t.line(4), 2);
        assert_eq!(t.line(6), 3);
    }

    #[test]
    fn blank_and_comment_lines_vanish() {
        assert_eq!(
            kinds("\n   \n# note\n  # indented note\nsay 1 # done\n\n"),
            vec![Say, Number, Newline, Eof]
        );
        assert_eq!(kinds(""), vec![Eof]);
        assert_eq!(kinds("\u{feff}say 1"), vec![Say, Number, Newline, Eof]);
    }

    #[test]
    fn indentation_opens_and_closes_blocks() {
        let src = "f ()\n  g ()\n    say 1\n  say 2\nsay 3\n";
        assert_eq!(
            kinds(src),
            vec![
                Identifier, LeftParen, RightParen, Newline, // f ()
                Indent, Identifier, LeftParen, RightParen, Newline, // g ()
                Indent, Say, Number, Newline, // say 1
                Dedent, Say, Number, Newline, // say 2
                Dedent, Say, Number, Newline, // say 3
                Eof
            ]
        );
        // Blocks still open at the end of the input close there.
        assert_eq!(
            kinds("f ()\n\tsay 1"),
            vec![
                Identifier, LeftParen, RightParen, Newline, Indent, Say, Number, Newline, Dedent,
                Eof
            ]
        );
    }

    #[test]
    fn a_block_lasts_while_lines_are_deeper_than_its_opener() {
        // `say 2` is shallower than `say 1` but deeper than `f`: still in the block.
        assert_eq!(
            kinds("f ()\n    say 1\n  say 2\nsay 3"),
            vec![
                Identifier, LeftParen, RightParen, Newline, Indent, Say, Number, Newline, Say,
                Number, Newline, Dedent, Say, Number, Newline, Eof
            ]
        );
    }

    #[test]
    fn tabs_and_spaces_must_compare_as_text() {
        // A tab then a tab and a space: consistent.
        assert_eq!(
            kinds("f ()\n\tg ()\n\t say 1\n"),
            vec![
                Identifier, LeftParen, RightParen, Newline, Indent, Identifier, LeftParen,
                RightParen, Newline, Indent, Say, Number, Newline, Dedent, Dedent, Eof
            ]
        );
        // A tab against spaces: an error, and the line counts as indented like the last.
        let t = scan("f ()\n\tsay 1\n    say 2\n");
        let k: Vec<_> = t.iter().map(|t| t.kind).collect();
        assert_eq!(
            k,
            vec![
                Identifier,
                LeftParen,
                RightParen,
                Newline,
                Indent,
                Say,
                Number,
                Newline,
                Error(LexError::MixedIndentation),
                Say,
                Number,
                Newline,
                Dedent,
                Eof
            ]
        );
        assert_eq!(t.line(8), 3);
    }

    #[test]
    fn lines_are_counted_across_blank_lines_and_crlf() {
        let t = scan("say 1\r\n\r\n# c\r\nsay 2\r\n");
        let lines: Vec<_> = t.iter().map(|t| (t.kind, t.line)).collect();
        assert_eq!(
            lines,
            vec![
                (Say, 1),
                (Number, 1),
                (Newline, 1),
                (Say, 4),
                (Number, 4),
                (Newline, 4),
                (Eof, 5)
            ]
        );
    }

    #[test]
    fn layout_tokens_render_by_name() {
        let t = scan("say\n");
        assert_eq!(TokenTable::lexeme(&t, 1), Some("newline"));
        assert_eq!(TokenTable::lexeme(&t, 2), None);
        // Layout tokens span the text they stand for: a line break, or nothing.
        let t = scan("f ()\n  say 1");
        let spans: Vec<_> = (0..t.len() as u32).map(|tok| t.span(tok)).collect();
        assert_eq!(
            spans,
            [
                0..1,
                2..3,
                3..4,
                4..5,
                7..7,
                7..10,
                11..12,
                12..12,
                12..12,
                12..12
            ]
        );
    }
}

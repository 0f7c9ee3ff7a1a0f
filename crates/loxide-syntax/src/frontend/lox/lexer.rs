//! The Lox lexer: source bytes to a vector of tokens with lines and byte spans.
//!
//! It never fails: a malformed token becomes an `Error` token carrying its message, and
//! the parser reports it in order with everything else. Scanning all tokens up front
//! costs a vector but lets diagnostics and dumps refer to tokens by index.

use crate::memory::{self, Grow};

use crate::diag;
use crate::frontend::token;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    Comma,
    Dot,
    Minus,
    Plus,
    Semicolon,
    Slash,
    Star,
    Bang,
    BangEqual,
    Equal,
    EqualEqual,
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
    Identifier,
    String,
    Number,
    And,
    Class,
    Else,
    False,
    For,
    Fun,
    If,
    Nil,
    Or,
    Print,
    Return,
    Super,
    This,
    True,
    Var,
    While,
    /// A lexical error.
    Error(LexError),
    Eof,
}

/// What is wrong with an `Error` token (its span covers the offending text).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LexError {
    /// A `"` with no closing `"` before the end of the input.
    UnterminatedString,
    /// A character that starts no token.
    UnexpectedCharacter,
}

impl LexError {
    pub fn message(self) -> &'static str {
        match self {
            LexError::UnterminatedString => "Unterminated string.",
            LexError::UnexpectedCharacter => "Unexpected character.",
        }
    }

    /// An unterminated string runs to the end of the input, so more input could end it.
    pub fn kind(self) -> diag::Kind {
        match self {
            LexError::UnterminatedString => diag::Kind::Unterminated,
            LexError::UnexpectedCharacter => diag::Kind::Error,
        }
    }
}

impl token::Kind for TokenKind {
    const EOF: Self = TokenKind::Eof;

    /// The name used by `lox dump --stage tokens`, in clox's `TOKEN_` spelling.
    fn name(self) -> &'static str {
        use TokenKind::*;
        match self {
            LeftParen => "LEFT_PAREN",
            RightParen => "RIGHT_PAREN",
            LeftBrace => "LEFT_BRACE",
            RightBrace => "RIGHT_BRACE",
            Comma => "COMMA",
            Dot => "DOT",
            Minus => "MINUS",
            Plus => "PLUS",
            Semicolon => "SEMICOLON",
            Slash => "SLASH",
            Star => "STAR",
            Bang => "BANG",
            BangEqual => "BANG_EQUAL",
            Equal => "EQUAL",
            EqualEqual => "EQUAL_EQUAL",
            Greater => "GREATER",
            GreaterEqual => "GREATER_EQUAL",
            Less => "LESS",
            LessEqual => "LESS_EQUAL",
            Identifier => "IDENTIFIER",
            String => "STRING",
            Number => "NUMBER",
            And => "AND",
            Class => "CLASS",
            Else => "ELSE",
            False => "FALSE",
            For => "FOR",
            Fun => "FUN",
            If => "IF",
            Nil => "NIL",
            Or => "OR",
            Print => "PRINT",
            Return => "RETURN",
            Super => "SUPER",
            This => "THIS",
            True => "TRUE",
            Var => "VAR",
            While => "WHILE",
            Error(_) => "ERROR",
            Eof => "EOF",
        }
    }

    fn lex_error(self) -> Option<(&'static str, diag::Kind)> {
        match self {
            TokenKind::Error(error) => Some((error.message(), error.kind())),
            _ => None,
        }
    }

    /// Every Lox token but the end of file is named by its text.
    fn stand_in(self) -> Option<&'static str> {
        None
    }
}

/// One Lox token: kind, byte span and line.
pub type Token = token::Token<TokenKind>;

/// The token list of one source text, with the text it indexes into.
pub type Tokens<'src> = token::Tokens<'src, TokenKind>;

/// Scans the whole source. The last token is always `Eof`.
pub fn scan(source: &str) -> Tokens<'_> {
    let mut lexer = Lexer::new(source);
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token();
        tokens.push_or_oom(token);
        if token.kind == TokenKind::Eof {
            break;
        }
    }
    Tokens::new(source, tokens)
}

/// Scans a source a piece at a time, for a compiler that runs every stage on one piece
/// before it scans the next, so that no stage ever holds the whole program.
///
/// A piece is a run of whole top-level statements: it ends after a `;` or a `}` outside
/// every bracket, once the piece has at least the tokens asked for, unless the next
/// token is `else` (which continues an `if`). In a program without errors every such
/// point ends a top-level statement; a program with errors may be cut elsewhere, so its
/// pieces are good only for finding that it has errors (the driver then compiles the
/// whole program again, to report them as clox does). Each piece ends with an `Eof`
/// token where the next piece starts; its tokens keep their spans and lines in the
/// whole source.
pub struct Pieces<'src> {
    source: &'src str,
    lexer: Lexer<'src>,
    /// The token after the end of the last piece: the first of the next.
    next: Option<Token>,
    /// Brackets open at the end of the last token scanned.
    depth: i64,
    done: bool,
}

impl<'src> Pieces<'src> {
    pub fn new(source: &'src str) -> Self {
        Pieces {
            source,
            lexer: Lexer::new(source),
            next: None,
            depth: 0,
            done: false,
        }
    }

    /// The next piece, of at least `min_tokens` tokens unless it is the last; `None`
    /// after the last.
    pub fn next_piece(&mut self, min_tokens: usize) -> Option<Tokens<'src>> {
        use TokenKind as T;
        if self.done {
            return None;
        }
        let mut records = memory::with_capacity(min_tokens + min_tokens / 4 + 1);
        loop {
            let token = match self.next.take() {
                Some(token) => token,
                None => self.lexer.next_token(),
            };
            records.push_or_oom(token);
            match token.kind {
                T::Eof => {
                    self.done = true;
                    return Some(Tokens::new(self.source, records));
                }
                T::LeftParen | T::LeftBrace => self.depth += 1,
                T::RightParen | T::RightBrace => self.depth -= 1,
                _ => {}
            }
            let ends_statement = matches!(token.kind, T::Semicolon | T::RightBrace);
            if ends_statement && self.depth == 0 && records.len() >= min_tokens {
                let next = self.lexer.next_token();
                self.next = Some(next);
                if next.kind == T::Else {
                    continue;
                }
                if next.kind == T::Eof {
                    continue;
                }
                // The piece's end: where the next piece starts, on the line it ends on.
                records.push_or_oom(Token {
                    kind: T::Eof,
                    start: next.start,
                    end: next.start,
                    line: token.line,
                });
                return Some(Tokens::new(self.source, records));
            }
        }
    }
}

struct Lexer<'a> {
    src: &'a [u8],
    start: usize,
    pos: usize,
    line: u32,
}

impl<'a> Lexer<'a> {
    fn new(source: &'a str) -> Self {
        Lexer {
            src: source.as_bytes(),
            start: 0,
            // A byte-order mark is not part of the program.
            pos: if source.starts_with('\u{feff}') { 3 } else { 0 },
            line: 1,
        }
    }

    /// The next token; `Eof` at the end, and again if asked again.
    fn next_token(&mut self) -> Token {
        let kind = self.next_kind();
        Token {
            kind,
            start: self.start as u32,
            end: self.pos as u32,
            line: self.token_line(kind),
        }
    }

    fn peek(&self) -> u8 {
        self.src.get(self.pos).copied().unwrap_or(0)
    }

    fn peek_next(&self) -> u8 {
        self.src.get(self.pos + 1).copied().unwrap_or(0)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn matches(&mut self, expected: u8) -> bool {
        if !self.at_end() && self.src[self.pos] == expected {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A string token is reported on the line where it ends, as clox does.
    fn token_line(&self, _kind: TokenKind) -> u32 {
        self.line
    }

    fn skip_whitespace(&mut self) {
        loop {
            match self.peek() {
                b' ' | b'\r' | b'\t' if !self.at_end() => self.pos += 1,
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                b'/' if self.peek_next() == b'/' => {
                    while self.peek() != b'\n' && !self.at_end() {
                        self.pos += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn next_kind(&mut self) -> TokenKind {
        use TokenKind::*;
        self.skip_whitespace();
        self.start = self.pos;
        if self.at_end() {
            return Eof;
        }
        let c = self.src[self.pos];
        self.pos += 1;
        match c {
            b'(' => LeftParen,
            b')' => RightParen,
            b'{' => LeftBrace,
            b'}' => RightBrace,
            b';' => Semicolon,
            b',' => Comma,
            b'.' => Dot,
            b'-' => Minus,
            b'+' => Plus,
            b'/' => Slash,
            b'*' => Star,
            b'!' => {
                if self.matches(b'=') {
                    BangEqual
                } else {
                    Bang
                }
            }
            b'=' => {
                if self.matches(b'=') {
                    EqualEqual
                } else {
                    Equal
                }
            }
            b'<' => {
                if self.matches(b'=') {
                    LessEqual
                } else {
                    Less
                }
            }
            b'>' => {
                if self.matches(b'=') {
                    GreaterEqual
                } else {
                    Greater
                }
            }
            b'"' => self.string(),
            b'0'..=b'9' => self.number(),
            c if is_alpha(c) => self.identifier(),
            _ => {
                // Consume a whole UTF-8 character so that a lexeme is always valid text.
                while self.pos < self.src.len() && (self.src[self.pos] & 0xC0) == 0x80 {
                    self.pos += 1;
                }
                Error(LexError::UnexpectedCharacter)
            }
        }
    }

    fn string(&mut self) -> TokenKind {
        while self.peek() != b'"' && !self.at_end() {
            if self.peek() == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
        if self.at_end() {
            return TokenKind::Error(LexError::UnterminatedString);
        }
        self.pos += 1;
        TokenKind::String
    }

    fn number(&mut self) -> TokenKind {
        while self.peek().is_ascii_digit() {
            self.pos += 1;
        }
        if self.peek() == b'.' && self.peek_next().is_ascii_digit() {
            self.pos += 1;
            while self.peek().is_ascii_digit() {
                self.pos += 1;
            }
        }
        TokenKind::Number
    }

    fn identifier(&mut self) -> TokenKind {
        while is_alpha(self.peek()) || self.peek().is_ascii_digit() {
            self.pos += 1;
        }
        keyword(&self.src[self.start..self.pos]).unwrap_or(TokenKind::Identifier)
    }
}

fn is_alpha(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn keyword(word: &[u8]) -> Option<TokenKind> {
    use TokenKind::*;
    Some(match word {
        b"and" => And,
        b"class" => Class,
        b"else" => Else,
        b"false" => False,
        b"for" => For,
        b"fun" => Fun,
        b"if" => If,
        b"nil" => Nil,
        b"or" => Or,
        b"print" => Print,
        b"return" => Return,
        b"super" => Super,
        b"this" => This,
        b"true" => True,
        b"var" => Var,
        b"while" => While,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        scan(src).iter().map(|t| t.kind).collect()
    }

    #[test]
    fn scans_operators_and_keywords() {
        use TokenKind::*;
        assert_eq!(
            kinds("!= == <= >= ! = < >"),
            vec![
                BangEqual,
                EqualEqual,
                LessEqual,
                GreaterEqual,
                Bang,
                Equal,
                Less,
                Greater,
                Eof
            ]
        );
        assert_eq!(
            kinds("class classy _x1"),
            vec![Class, Identifier, Identifier, Eof]
        );
    }

    #[test]
    fn numbers_do_not_take_a_trailing_dot() {
        use TokenKind::*;
        assert_eq!(
            kinds("12.5 3. .4"),
            vec![Number, Number, Dot, Dot, Number, Eof]
        );
    }

    #[test]
    fn strings_span_lines_and_unterminated_ones_are_errors() {
        let t = scan("\"a\nb\" \"open");
        assert_eq!(t.kind(0), TokenKind::String);
        assert_eq!(t.line(0), 2);
        assert_eq!(t.lexeme(0), "\"a\nb\"");
        assert_eq!(t.kind(1), TokenKind::Error(LexError::UnterminatedString));
        assert_eq!(t.lexeme(1), "\"open");
        assert_eq!(
            LexError::UnterminatedString.message(),
            "Unterminated string."
        );
    }

    #[test]
    fn a_non_ascii_character_is_one_error_token() {
        let t = scan("é");
        assert_eq!(t.len(), 2);
        assert_eq!(t.kind(0), TokenKind::Error(LexError::UnexpectedCharacter));
        assert_eq!(t.lexeme(0), "é");
    }
}

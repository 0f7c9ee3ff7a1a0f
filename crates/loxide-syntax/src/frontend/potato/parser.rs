//! The Potato parser: tokens to the shared surface AST, recovering at line boundaries.
//!
//! Potato statements are lines, so recovery is simple where Lox's must mimic clox: the
//! first error on a line is reported, the rest of the line is skipped, and parsing
//! resumes on the next line (a block indented under a broken line is still parsed, so
//! its errors are reported too). One run therefore reports one error per broken line.
//!
//! The mapping onto the AST: `say e` is `Stmt::Print`, `x is e` is `Stmt::Is`,
//! `x gains e` is `Stmt::Gains` (desugaring lowers both), a definition is `Stmt::Fun`
//! with `implicit_result`, anything else is `Stmt::Expr`; `potato` and `equals?` are
//! `BinaryOp::Add` and `BinaryOp::Equal`.

use super::lexer::{TokenKind, Tokens};
use crate::ast::*;
use crate::diag::TokIdx;
use crate::frontend::Parsed;
use crate::frontend::cursor::{Cursor, LexicalErrors};

/// How deeply constructs may nest (parentheses, operator chains, definitions inside
/// definitions). The stages after the parser are shared with Lox and walk the tree
/// recursively, so Potato accepts exactly the depth Lox does: 10^5 nested parentheses
/// are a compile error, not a native stack overflow.
pub const MAX_NESTING: u32 = crate::frontend::lox::parser::MAX_NESTING;

/// The message for input nested deeper than `MAX_NESTING`.
pub const NESTING_MESSAGE: &str = crate::frontend::lox::parser::NESTING_MESSAGE;

/// The limit on parameters and call arguments: the bytecode's operand is one byte.
pub const MAX_ARGS: usize = crate::frontend::lox::parser::MAX_ARGS;

/// Parses a token list.
pub fn parse(tokens: &Tokens) -> Parsed {
    // Lexical errors are reported even on a line that already has an error (they do
    // not depend on parsing), and they silence the syntax errors that follow from them.
    let mut p = Parser {
        cursor: Cursor::new(tokens, LexicalErrors::Always, &[]),
        depth: 0,
    };
    // At top level `lines` stops only at the end: every DEDENT closes a block that a
    // definition (or an unexpected indentation) has read the INDENT of.
    let stmts = p.lines();
    Parsed {
        program: Program {
            stmts,
            end_line: tokens.line(tokens.eof()),
            names: p.cursor.names,
        },
        diagnostics: p.cursor.diagnostics,
    }
}

struct Parser<'t, 'src> {
    /// Its panic mode is set by the first error on a line: later errors on that line
    /// are not reported.
    cursor: Cursor<'t, 'src, TokenKind>,
    depth: u32,
}

impl Parser<'_, '_> {
    // ----- Token handling -------------------------------------------------------------

    /// The next token that is not a lexical error, from `tok` on.
    fn real_token(&self, mut tok: TokIdx) -> TokIdx {
        while self.cursor.is_error(tok) {
            tok += 1;
        }
        tok
    }

    /// True when nothing but the end of the line remains.
    fn at_line_end(&self) -> bool {
        self.cursor.check(TokenKind::Newline) || self.cursor.check(TokenKind::Eof)
    }

    /// Skips to the end of the line (not past it).
    fn skip_line(&mut self) {
        while !self.at_line_end() {
            self.cursor.advance();
        }
    }

    // ----- Nesting ----------------------------------------------------------------------

    /// Enters one level of nesting; false (after reporting) when it is too deep.
    fn enter(&mut self) -> bool {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            self.cursor.error_at_current(NESTING_MESSAGE);
            return false;
        }
        true
    }

    // ----- Lines and blocks -------------------------------------------------------------

    /// Lines up to the end of the enclosing block (its DEDENT) or of the input.
    fn lines(&mut self) -> Vec<Stmt> {
        let mut stmts = Vec::new();
        while !self.cursor.check(TokenKind::Dedent) && !self.cursor.check(TokenKind::Eof) {
            if let Some(stmt) = self.statement_line() {
                stmts.push(stmt);
            }
        }
        stmts
    }

    /// One line: a statement and its NEWLINE, then any block wrongly indented under it.
    fn statement_line(&mut self) -> Option<Stmt> {
        self.cursor.panic = false;
        if self.cursor.check(TokenKind::Indent) {
            // Only the first line of the input can get here: indented with nothing above.
            self.unexpected_block();
            return None;
        }
        let start = self.cursor.current;
        let stmt = if self.at_line_end() {
            // The line held nothing but lexical errors.
            None
        } else {
            self.statement()
        };
        if self.cursor.previous >= start
            && self.cursor.kind(self.cursor.previous) == TokenKind::Dedent
        {
            // A definition whose block body has just closed: its line is long gone.
            return stmt;
        }
        if !self.at_line_end() {
            self.cursor
                .error_at_current("Expect end of line after statement.");
            self.skip_line();
        }
        self.cursor.matches(TokenKind::Newline);
        if self.cursor.check(TokenKind::Indent) {
            self.unexpected_block();
        }
        stmt
    }

    /// A block indented under a line that does not open one. It is reported (unless its
    /// line already had an error), parsed for errors of its own, and dropped.
    fn unexpected_block(&mut self) {
        if !self.cursor.panic {
            let first = self.real_token(self.cursor.current + 1);
            self.cursor.error_at(first, "Unexpected indentation.");
        }
        self.block();
    }

    /// An indented block: INDENT, lines, DEDENT. Returns the lines and the index of the
    /// block's last NEWLINE.
    fn block(&mut self) -> (Vec<Stmt>, TokIdx) {
        let saved_depth = self.depth;
        self.cursor.advance(); // INDENT
        let stmts = if self.enter() {
            self.lines()
        } else {
            self.skip_block();
            Vec::new()
        };
        self.depth = saved_depth;
        let last = self.cursor.previous;
        self.cursor
            .consume(TokenKind::Dedent, "Expect the end of the block.");
        (stmts, last)
    }

    /// Skips the rest of a block whose INDENT was read, up to (not past) its DEDENT.
    fn skip_block(&mut self) {
        let mut open = 0usize;
        loop {
            match self.cursor.kind(self.cursor.current) {
                TokenKind::Eof => return,
                TokenKind::Dedent if open == 0 => return,
                TokenKind::Dedent => open -= 1,
                TokenKind::Indent => open += 1,
                _ => {}
            }
            self.cursor.advance();
        }
    }

    // ----- Statements -------------------------------------------------------------------

    fn statement(&mut self) -> Option<Stmt> {
        use TokenKind as T;
        let start = self.cursor.current;
        let line = self.cursor.line(start);
        match self.cursor.kind(start) {
            T::Say => {
                self.cursor.advance();
                let expr = self.expression();
                Some(Stmt::Print { expr, line })
            }
            T::Identifier => {
                let next = self.real_token(start + 1);
                match self.cursor.kind(next) {
                    T::Is | T::Gains => {
                        let name = self.cursor.ident(start);
                        let gains = self.cursor.kind(next) == T::Gains;
                        self.cursor.advance();
                        self.cursor.advance();
                        let value = self.expression();
                        Some(if gains {
                            Stmt::Gains { name, value, line }
                        } else {
                            Stmt::Is { name, value, line }
                        })
                    }
                    T::LeftParen => match self.definition_close(next) {
                        Some(close) => self.definition(close),
                        None => Some(self.expression_statement()),
                    },
                    _ => Some(self.expression_statement()),
                }
            }
            _ => Some(self.expression_statement()),
        }
    }

    /// The spec's rule for `IDENT "(" ... ")"` at the start of a statement: it defines a
    /// function when anything follows the closing parenthesis on the same line, or when
    /// an indented block follows; otherwise it is a call. Returns the index of the
    /// closing parenthesis of a definition.
    fn definition_close(&self, open: TokIdx) -> Option<TokIdx> {
        let mut depth = 0usize;
        let mut idx = open;
        loop {
            match self.cursor.kind(idx) {
                TokenKind::LeftParen => depth += 1,
                TokenKind::RightParen => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                TokenKind::Newline | TokenKind::Eof => return None,
                _ => {}
            }
            idx += 1;
        }
        let close = idx;
        match self.cursor.kind(close + 1) {
            TokenKind::Eof => None,
            TokenKind::Newline if self.cursor.kind(close + 2) != TokenKind::Indent => None,
            _ => Some(close),
        }
    }

    /// A definition whose name is the current token and whose parameter list closes at
    /// `close`.
    fn definition(&mut self, close: TokIdx) -> Option<Stmt> {
        let saved_depth = self.depth;
        if !self.enter() {
            // Too deep: skip the definition, block and all.
            self.skip_line();
            if self.cursor.check(TokenKind::Newline)
                && self.cursor.kind(self.cursor.current + 1) == TokenKind::Indent
            {
                self.cursor.advance();
                self.cursor.advance();
                self.skip_block();
                self.cursor.advance();
            }
            self.depth = saved_depth;
            return None;
        }
        let name = self.cursor.ident(self.cursor.current);
        self.cursor.advance(); // the name
        self.cursor.advance(); // `(`
        let params = self.parameters(close);
        let (body, end) = if self.cursor.check(TokenKind::Newline)
            && self.cursor.kind(self.cursor.current + 1) == TokenKind::Indent
        {
            self.cursor.advance();
            self.block()
        } else if self.at_line_end() {
            // Only a lexical error followed the `)`; it has been reported.
            (Vec::new(), self.cursor.previous)
        } else {
            let body: Vec<Stmt> = self.statement().into_iter().collect();
            (body, self.cursor.previous)
        };
        self.depth = saved_depth;
        Some(Stmt::Fun(Function {
            name,
            params,
            body,
            end_tok: end,
            end_line: self.cursor.line(end),
            implicit_result: true,
        }))
    }

    /// The parameters of a definition, up to and including the `)` at `close`. A
    /// parameter that is not an identifier is reported and left out; the others are
    /// kept, so that the body's uses of them do not cascade into more errors.
    fn parameters(&mut self, close: TokIdx) -> Vec<Ident> {
        let mut params = Vec::new();
        while self.cursor.current < close {
            if params.len() == MAX_ARGS {
                self.cursor
                    .error_at_current("Can't have more than 255 parameters.");
            }
            if self.cursor.check(TokenKind::Identifier) {
                params.push(self.cursor.ident(self.cursor.current));
                self.cursor.advance();
            } else {
                self.cursor.error_at_current("Expect parameter name.");
                self.skip_parameter(close);
            }
            if self.cursor.current < close && !self.cursor.matches(TokenKind::Comma) {
                self.cursor.error_at_current("Expect ')' after parameters.");
                self.skip_parameter(close);
                self.cursor.matches(TokenKind::Comma);
            }
        }
        self.cursor.advance(); // `)`
        params
    }

    /// Skips a malformed parameter: up to the next top-level `,` or to `close`.
    fn skip_parameter(&mut self, close: TokIdx) {
        let mut depth = 0usize;
        while self.cursor.current < close {
            match self.cursor.kind(self.cursor.current) {
                TokenKind::Comma if depth == 0 => return,
                TokenKind::LeftParen => depth += 1,
                TokenKind::RightParen => depth = depth.saturating_sub(1),
                _ => {}
            }
            self.cursor.advance();
        }
    }

    fn expression_statement(&mut self) -> Stmt {
        let line = self.cursor.line(self.cursor.current);
        let expr = self.expression();
        Stmt::Expr { expr, line }
    }

    // ----- Expressions ------------------------------------------------------------------

    /// `equality → sum ( "equals?" sum )*`
    fn expression(&mut self) -> Expr {
        let saved_depth = self.depth;
        if !self.enter() {
            self.skip_line();
            self.depth = saved_depth;
            return placeholder(self.cursor.line(self.cursor.current));
        }
        let mut expr = self.sum();
        while self.cursor.check(TokenKind::Equals) {
            // Each link of an operator chain deepens the tree by one level.
            if !self.enter() {
                self.skip_line();
                break;
            }
            let line = self.cursor.line(self.cursor.current);
            self.cursor.advance();
            let right = self.sum();
            expr = Expr::Binary {
                op: BinaryOp::Equal,
                left: Box::new(expr),
                right: Box::new(right),
                line,
            };
        }
        self.depth = saved_depth;
        expr
    }

    /// `sum → primary ( "potato" primary )*`
    fn sum(&mut self) -> Expr {
        let saved_depth = self.depth;
        let mut expr = self.primary();
        while self.cursor.check(TokenKind::Potato) {
            if !self.enter() {
                self.skip_line();
                break;
            }
            let line = self.cursor.line(self.cursor.current);
            self.cursor.advance();
            let right = self.primary();
            expr = Expr::Binary {
                op: BinaryOp::Add,
                left: Box::new(expr),
                right: Box::new(right),
                line,
            };
        }
        self.depth = saved_depth;
        expr
    }

    fn primary(&mut self) -> Expr {
        use TokenKind as T;
        let tok = self.cursor.current;
        let line = self.cursor.line(tok);
        let literal = |value| Expr::Literal { value, tok, line };
        let text = self.cursor.lexeme(tok);
        let expr = match self.cursor.kind(tok) {
            T::Number => literal(Literal::Number(text.parse().unwrap_or(0.0))),
            T::String => literal(Literal::Str(
                self.cursor.names.intern(&text[1..text.len() - 1]),
            )),
            T::True => literal(Literal::Bool(true)),
            T::False => literal(Literal::Bool(false)),
            T::Identifier => {
                let name = self.cursor.ident(tok);
                self.cursor.advance();
                if self.cursor.matches(T::LeftParen) {
                    let args = self.arguments();
                    return Expr::Call {
                        callee: Box::new(Expr::Variable { name }),
                        args,
                        line: self.cursor.line(self.cursor.previous),
                    };
                }
                return Expr::Variable { name };
            }
            T::LeftParen => {
                self.cursor.advance();
                let inner = self.expression();
                self.cursor
                    .consume(T::RightParen, "Expect ')' after expression.");
                return Expr::Grouping {
                    inner: Box::new(inner),
                };
            }
            _ => {
                self.cursor.error_at_current("Expect expression.");
                return placeholder(line);
            }
        };
        self.cursor.advance();
        expr
    }

    /// The arguments of a call whose `(` was just read, and its `)`.
    fn arguments(&mut self) -> Vec<Expr> {
        let mut args = Vec::new();
        if !self.cursor.check(TokenKind::RightParen) {
            loop {
                if args.len() == MAX_ARGS {
                    self.cursor
                        .error_at_current("Can't have more than 255 arguments.");
                }
                args.push(self.expression());
                if !self.cursor.matches(TokenKind::Comma) {
                    break;
                }
            }
        }
        self.cursor
            .consume(TokenKind::RightParen, "Expect ')' after arguments.");
        args
    }
}

/// Stands in for an expression that could not be parsed; it is never run, because a
/// program with errors stops before code generation.
fn placeholder(line: u32) -> Expr {
    Expr::Literal {
        value: Literal::Nil,
        tok: 0,
        line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::potato::lexer;

    fn parse_source(source: &str) -> Parsed {
        parse(&lexer::scan(source))
    }

    #[test]
    fn a_parenthesised_name_defines_only_when_something_follows() {
        let parsed = parse_source("f (x) x\nf (1)\ng ()\n  1\ng ()\n");
        assert!(parsed.diagnostics.is_empty());
        let kinds: Vec<&str> = parsed
            .program
            .stmts
            .iter()
            .map(|s| match s {
                Stmt::Fun(f) => {
                    assert!(f.implicit_result);
                    "fun"
                }
                Stmt::Expr {
                    expr: Expr::Call { .. },
                    ..
                } => "call",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["fun", "call", "fun", "call"]);
    }

    #[test]
    fn statements_map_onto_the_shared_ast() {
        let parsed = parse_source("x is 1\nx gains 2\nsay x potato 1 equals? 2\n");
        assert!(parsed.diagnostics.is_empty());
        let stmts = &parsed.program.stmts;
        assert!(
            matches!(&stmts[0], Stmt::Is { name, .. } if parsed.program.names.get(name.name) == "x")
        );
        assert!(
            matches!(&stmts[1], Stmt::Gains { name, .. } if parsed.program.names.get(name.name) == "x")
        );
        let Stmt::Print {
            expr:
                Expr::Binary {
                    op: BinaryOp::Equal,
                    left,
                    ..
                },
            line: 3,
        } = &stmts[2]
        else {
            panic!("expected say of equals?: {:?}", stmts[2]);
        };
        assert!(matches!(
            **left,
            Expr::Binary {
                op: BinaryOp::Add,
                line: 3,
                ..
            }
        ));
    }

    #[test]
    fn a_block_body_ends_on_its_last_line() {
        let parsed = parse_source("f ()\n  say 1\n\n  2\n\nsay 3\n");
        let Stmt::Fun(f) = &parsed.program.stmts[0] else {
            panic!("expected a definition");
        };
        assert_eq!(f.body.len(), 2);
        assert_eq!(f.end_line, 4);
        assert!(matches!(
            parsed.program.stmts[1],
            Stmt::Print { line: 6, .. }
        ));
    }
}

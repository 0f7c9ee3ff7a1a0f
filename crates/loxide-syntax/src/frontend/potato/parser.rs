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

use crate::memory::Grow;

use super::lexer::{TokenKind, Tokens};
use crate::ast::*;
use crate::diag::TokIdx;
use crate::frontend::cursor::{Cursor, LexicalErrors};
use crate::frontend::{Parsed, Tree};

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
        too_deep: false,
        tree: Tree::default(),
    };
    // At top level `lines` stops only at the end: every DEDENT closes a block that a
    // definition (or an unexpected indentation) has read the INDENT of.
    let top = p.lines();
    let mut program = p.tree.program;
    program.top = top;
    program.end_line = tokens.line(tokens.eof());
    program.too_deep = p.too_deep;
    program.names = p.cursor.names;
    Parsed {
        program,
        diagnostics: p.cursor.diagnostics,
    }
}

struct Parser<'t, 'src> {
    /// Its panic mode is set by the first error on a line: later errors on that line
    /// are not reported.
    cursor: Cursor<'t, 'src, TokenKind>,
    depth: u32,
    /// True once input nested too deeply has been reported.
    too_deep: bool,
    tree: Tree,
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
            self.too_deep = true;
            self.cursor.error_at_current(NESTING_MESSAGE);
            return false;
        }
        true
    }

    // ----- Lines and blocks -------------------------------------------------------------

    /// Lines up to the end of the enclosing block (its DEDENT) or of the input.
    fn lines(&mut self) -> List<StmtId> {
        let mark = self.tree.scratch_stmts.len();
        while !self.cursor.check(TokenKind::Dedent) && !self.cursor.check(TokenKind::Eof) {
            if let Some(stmt) = self.statement_line() {
                self.tree.scratch_stmts.push_or_oom(stmt);
            }
        }
        self.tree.stmts(mark)
    }

    /// One line: a statement and its NEWLINE, then any block wrongly indented under it.
    fn statement_line(&mut self) -> Option<StmtId> {
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
    fn block(&mut self) -> (List<StmtId>, TokIdx) {
        let saved_depth = self.depth;
        self.cursor.advance(); // INDENT
        let stmts = if self.enter() {
            self.lines()
        } else {
            self.skip_block();
            List::EMPTY
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

    fn statement(&mut self) -> Option<StmtId> {
        use TokenKind as T;
        let start = self.cursor.current;
        let line = self.cursor.line(start);
        match self.cursor.kind(start) {
            T::Say => {
                self.cursor.advance();
                let expr = self.expression();
                Some(self.tree.stmt(Stmt::Print { expr, line }))
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
                        Some(self.tree.stmt(if gains {
                            Stmt::Gains { name, value, line }
                        } else {
                            Stmt::Is { name, value, line }
                        }))
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
    fn definition(&mut self, close: TokIdx) -> Option<StmtId> {
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
            (List::EMPTY, self.cursor.previous)
        } else {
            let mark = self.tree.scratch_stmts.len();
            if let Some(stmt) = self.statement() {
                self.tree.scratch_stmts.push_or_oom(stmt);
            }
            (self.tree.stmts(mark), self.cursor.previous)
        };
        self.depth = saved_depth;
        let function = self.tree.program.add_function(Function {
            name,
            params,
            body,
            end_tok: end,
            end_line: self.cursor.line(end),
            implicit_result: true,
        });
        Some(self.tree.stmt(Stmt::Fun(function)))
    }

    /// The parameters of a definition, up to and including the `)` at `close`. A
    /// parameter that is not an identifier is reported and left out; the others are
    /// kept, so that the body's uses of them do not cascade into more errors.
    fn parameters(&mut self, close: TokIdx) -> List<Ident> {
        let mark = self.tree.scratch_idents.len();
        while self.cursor.current < close {
            if self.tree.scratch_idents.len() - mark == MAX_ARGS {
                self.cursor
                    .error_at_current("Can't have more than 255 parameters.");
            }
            if self.cursor.check(TokenKind::Identifier) {
                let param = self.cursor.ident(self.cursor.current);
                self.tree.scratch_idents.push_or_oom(param);
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
        self.tree.idents(mark)
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

    fn expression_statement(&mut self) -> StmtId {
        let line = self.cursor.line(self.cursor.current);
        let expr = self.expression();
        self.tree.stmt(Stmt::Expr { expr, line })
    }

    // ----- Expressions ------------------------------------------------------------------

    /// `equality → sum ( "equals?" sum )*`
    fn expression(&mut self) -> ExprId {
        let saved_depth = self.depth;
        if !self.enter() {
            self.skip_line();
            self.depth = saved_depth;
            return self.tree.placeholder(self.cursor.line(self.cursor.current));
        }
        let mut expr = self.sum();
        while self.cursor.check(TokenKind::Equals) {
            // Each link of an operator chain deepens the tree by one level.
            if !self.enter() {
                self.skip_line();
                break;
            }
            let tok = self.cursor.current;
            let line = self.cursor.line(tok);
            self.cursor.advance();
            let right = self.sum();
            expr = self.tree.expr(Expr::Binary {
                op: BinaryOp::Equal,
                left: expr,
                right,
                tok,
                line,
            });
        }
        self.depth = saved_depth;
        expr
    }

    /// `sum → primary ( "potato" primary )*`
    fn sum(&mut self) -> ExprId {
        let saved_depth = self.depth;
        let mut expr = self.primary();
        while self.cursor.check(TokenKind::Potato) {
            if !self.enter() {
                self.skip_line();
                break;
            }
            let tok = self.cursor.current;
            let line = self.cursor.line(tok);
            self.cursor.advance();
            let right = self.primary();
            expr = self.tree.expr(Expr::Binary {
                op: BinaryOp::Add,
                left: expr,
                right,
                tok,
                line,
            });
        }
        self.depth = saved_depth;
        expr
    }

    fn primary(&mut self) -> ExprId {
        use TokenKind as T;
        let tok = self.cursor.current;
        let line = self.cursor.line(tok);
        let literal = |value| Expr::Literal { value, tok, line };
        let text = self.cursor.lexeme(tok);
        let expr = match self.cursor.kind(tok) {
            T::Number => literal(Literal::Number(Number::new(text.parse().unwrap_or(0.0)))),
            T::String => literal(Literal::Str(
                self.cursor.names.intern(&text[1..text.len() - 1]),
            )),
            T::True => literal(Literal::Bool(true)),
            T::False => literal(Literal::Bool(false)),
            T::Identifier => {
                let name = self.cursor.ident(tok);
                self.cursor.advance();
                let variable = self.tree.expr(Expr::Variable { name });
                if self.cursor.matches(T::LeftParen) {
                    let args = self.arguments();
                    return self.tree.expr(Expr::Call {
                        callee: variable,
                        args,
                        paren: self.cursor.previous,
                        line: self.cursor.line(self.cursor.previous),
                    });
                }
                return variable;
            }
            T::LeftParen => {
                self.cursor.advance();
                let inner = self.expression();
                self.cursor
                    .consume(T::RightParen, "Expect ')' after expression.");
                return self.tree.expr(Expr::Grouping {
                    inner,
                    open: tok,
                    close: self.cursor.previous,
                });
            }
            _ => {
                self.cursor.error_at_current("Expect expression.");
                return self.tree.placeholder(line);
            }
        };
        self.cursor.advance();
        self.tree.expr(expr)
    }

    /// The arguments of a call whose `(` was just read, and its `)`.
    fn arguments(&mut self) -> List<ExprId> {
        let mark = self.tree.scratch_exprs.len();
        if !self.cursor.check(TokenKind::RightParen) {
            loop {
                if self.tree.scratch_exprs.len() - mark == MAX_ARGS {
                    self.cursor
                        .error_at_current("Can't have more than 255 arguments.");
                }
                let arg = self.expression();
                self.tree.scratch_exprs.push_or_oom(arg);
                if !self.cursor.matches(TokenKind::Comma) {
                    break;
                }
            }
        }
        let args = self.tree.exprs(mark);
        self.cursor
            .consume(TokenKind::RightParen, "Expect ')' after arguments.");
        args
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
        let p = &parsed.program;
        let kinds: Vec<&str> = p
            .top
            .of(&p.stmt_lists)
            .iter()
            .map(|&s| match p.stmt(s) {
                Stmt::Fun(f) => {
                    assert!(p.function(*f).implicit_result);
                    "fun"
                }
                Stmt::Expr { expr, .. } if matches!(p.expr(*expr), Expr::Call { .. }) => "call",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["fun", "call", "fun", "call"]);
    }

    #[test]
    fn statements_map_onto_the_shared_ast() {
        let parsed = parse_source("x is 1\nx gains 2\nsay x potato 1 equals? 2\n");
        assert!(parsed.diagnostics.is_empty());
        let p = &parsed.program;
        let stmts: Vec<&Stmt> = p.top.of(&p.stmt_lists).iter().map(|&s| p.stmt(s)).collect();
        assert!(matches!(stmts[0], Stmt::Is { name, .. } if p.names.get(name.name) == "x"));
        assert!(matches!(stmts[1], Stmt::Gains { name, .. } if p.names.get(name.name) == "x"));
        let Stmt::Print { expr, line: 3 } = stmts[2] else {
            panic!("expected say: {:?}", stmts[2]);
        };
        let Expr::Binary {
            op: BinaryOp::Equal,
            left,
            ..
        } = p.expr(*expr)
        else {
            panic!("expected equals?: {:?}", p.expr(*expr));
        };
        assert!(matches!(
            p.expr(*left),
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
        let p = &parsed.program;
        let top = p.top.of(&p.stmt_lists);
        let Stmt::Fun(f) = p.stmt(top[0]) else {
            panic!("expected a definition");
        };
        let f = p.function(*f);
        assert_eq!(f.body.len(), 2);
        assert_eq!(f.end_line, 4);
        assert!(matches!(p.stmt(top[1]), Stmt::Print { line: 6, .. }));
    }
}

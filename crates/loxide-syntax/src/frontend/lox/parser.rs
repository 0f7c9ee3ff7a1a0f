//! The Lox parser: tokens to the surface AST, recovering at statement boundaries.
//!
//! Its shape deliberately mirrors clox's single-pass compiler (a Pratt parser for
//! expressions, the same `consume`/`synchronize` discipline and panic mode), because
//! clox's error recovery *is* the specification of which errors a broken program
//! reports. clox finds some semantic errors while parsing, and those enter panic mode
//! and change what is skipped; loxide finds them later, in semantic analysis. To report
//! exactly what clox reports, the driver re-parses a program that has semantic errors
//! with those errors *injected*: each fires when the parser steps past its token, just
//! as clox would have raised it there.

use crate::memory::Grow;

use super::lexer::{TokenKind, Tokens};
use crate::ast::*;
use crate::diag::{Diagnostic, TokIdx};
use crate::frontend::Tree;
use crate::frontend::cursor::{Cursor, LexicalErrors};
use crate::intern::Interner;

/// How deeply constructs may nest (parentheses, blocks, operator chains...). The later
/// stages walk the tree recursively, so the parser bounds its depth; 10^5 nested
/// parentheses are a compile error, not a native stack overflow.
pub const MAX_NESTING: u32 = 1500;

/// A token index that names no token: a diagnostic there is never raised.
const NO_TOKEN: TokIdx = TokIdx::MAX;

/// The message for input nested deeper than `MAX_NESTING`.
pub const NESTING_MESSAGE: &str = "Too much nesting.";

/// clox's limit on parameters and call arguments (the operand is one byte).
pub const MAX_ARGS: usize = 255;

pub use crate::frontend::Parsed;

/// Parses a token list.
pub fn parse(tokens: &Tokens) -> Parsed {
    parse_with_injected(tokens, &[])
}

/// Parses again, raising each injected diagnostic when the parser steps past its token
/// (outside error recovery), under the same panic-mode rules as the parser's own errors.
pub fn parse_with_injected(tokens: &Tokens, injected: &[Diagnostic]) -> Parsed {
    parse_from(tokens, injected, Interner::new())
}

/// Parses one piece of a program compiled a piece at a time (see `lexer::Pieces`),
/// interning into `names`, the names of the pieces before it, so that a name is the
/// same symbol in every piece.
pub fn parse_piece(tokens: &Tokens, names: Interner) -> Parsed {
    parse_from(tokens, &[], names)
}

fn parse_from(tokens: &Tokens, injected: &[Diagnostic], names: Interner) -> Parsed {
    let mut cursor = Cursor::new(tokens, LexicalErrors::LikeSyntaxErrors, injected);
    cursor.names = names;
    let mut p = Parser {
        cursor,
        depth: 0,
        too_deep: false,
        unwinding: false,
        tree: Tree::with_room(tokens.len()),
    };
    while !p.cursor.matches(TokenKind::Eof) {
        let stmt = p.declaration();
        p.tree.scratch_stmts.push_or_oom(stmt);
    }
    let mut program = p.tree.finish(0);
    program.end_line = p.cursor.prev_line();
    program.too_deep = p.too_deep;
    program.names = p.cursor.names;
    Parsed {
        program,
        diagnostics: p.cursor.diagnostics,
    }
}

/// Operator precedence, lowest first, as in clox.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    None,
    Assignment,
    Or,
    And,
    Equality,
    Comparison,
    Term,
    Factor,
    Unary,
    Call,
    Primary,
}

impl Prec {
    fn next(self) -> Prec {
        use Prec::*;
        match self {
            None => Assignment,
            Assignment => Or,
            Or => And,
            And => Equality,
            Equality => Comparison,
            Comparison => Term,
            Term => Factor,
            Factor => Unary,
            Unary => Call,
            Call | Primary => Primary,
        }
    }
}

fn infix_precedence(kind: TokenKind) -> Prec {
    use TokenKind as T;
    match kind {
        T::LeftParen | T::Dot => Prec::Call,
        T::Minus | T::Plus => Prec::Term,
        T::Slash | T::Star => Prec::Factor,
        T::BangEqual | T::EqualEqual => Prec::Equality,
        T::Greater | T::GreaterEqual | T::Less | T::LessEqual => Prec::Comparison,
        T::And => Prec::And,
        T::Or => Prec::Or,
        _ => Prec::None,
    }
}

struct Parser<'t, 'src> {
    cursor: Cursor<'t, 'src, TokenKind>,
    depth: u32,
    /// Set once `Too much nesting.` is reported: a file nested a million deep gets one
    /// such error, not one per `MAX_NESTING` levels that recovery resumes at.
    too_deep: bool,
    /// Set when input is too deep, until `synchronize`: every construct gives up at once,
    /// so the parser unwinds to a statement boundary instead of parsing (in panic mode,
    /// with nothing reported) the rest of a million-deep expression into a huge tree.
    unwinding: bool,
    tree: Tree,
}

impl Parser<'_, '_> {
    // ----- Token handling -------------------------------------------------------------

    /// Matches the keyword of a declaration (`class`, `fun`, `var`). When no name
    /// follows, the declaration is named by the keyword itself (clox declares
    /// `parser.previous`), and an error about that declaration (a duplicate, say) comes
    /// after the missing-name error, in panic mode: clox never shows it, so it does not
    /// fire here.
    fn matches_declaration(&mut self, kind: TokenKind) -> bool {
        if !self.cursor.check(kind) {
            return false;
        }
        self.cursor.step();
        if self.cursor.check(TokenKind::Identifier) {
            self.cursor.fire_injected();
        }
        true
    }

    // ----- Recovery ---------------------------------------------------------------------

    /// Skips to a likely statement boundary after an error. Injected diagnostics do not
    /// fire here: clox compiles nothing it skips.
    fn synchronize(&mut self) {
        self.cursor.panic = false;
        self.unwinding = false;
        while !self.cursor.check(TokenKind::Eof) {
            if self.cursor.kind(self.cursor.previous) == TokenKind::Semicolon {
                return;
            }
            use TokenKind as T;
            match self.cursor.kind(self.cursor.current) {
                T::Class | T::Fun | T::Var | T::For | T::If | T::While | T::Print | T::Return => {
                    return;
                }
                _ => self.cursor.step(),
            }
        }
    }

    /// Enters one level of nesting; false (after reporting) when it is too deep.
    fn enter(&mut self) -> bool {
        self.depth += 1;
        if self.depth > MAX_NESTING || self.unwinding {
            self.unwinding = true;
            if self.too_deep {
                // Already reported: only enter panic mode, to recover as usual.
                self.cursor.panic = true;
            } else {
                self.too_deep = true;
                self.cursor.error_at_current(NESTING_MESSAGE);
            }
            return false;
        }
        true
    }

    // ----- Declarations and statements --------------------------------------------------

    fn declaration(&mut self) -> StmtId {
        let saved_depth = self.depth;
        let stmt = if !self.enter() {
            // Too deep: take a token so that the enclosing loop makes progress.
            self.cursor.advance();
            self.placeholder_stmt()
        } else if self.matches_declaration(TokenKind::Class) {
            self.class_declaration()
        } else if self.matches_declaration(TokenKind::Fun) {
            self.fun_declaration()
        } else if self.matches_declaration(TokenKind::Var) {
            self.var_declaration()
        } else {
            self.statement()
        };
        self.depth = saved_depth;
        if self.cursor.panic {
            self.synchronize();
        }
        stmt
    }

    fn class_declaration(&mut self) -> StmtId {
        let line = self.cursor.prev_line();
        self.cursor
            .consume(TokenKind::Identifier, "Expect class name.");
        let name = self.cursor.ident(self.cursor.previous);
        let mut superclass = None;
        if self.cursor.matches(TokenKind::Less) {
            self.cursor
                .consume(TokenKind::Identifier, "Expect superclass name.");
            superclass = Some(self.cursor.ident(self.cursor.previous));
        }
        self.cursor
            .consume(TokenKind::LeftBrace, "Expect '{' before class body.");
        let mark = self.tree.scratch_funs.len();
        while !self.cursor.check(TokenKind::RightBrace) && !self.cursor.check(TokenKind::Eof) {
            self.cursor
                .consume(TokenKind::Identifier, "Expect method name.");
            let name = self.cursor.ident(self.cursor.previous);
            let method = self.function(name);
            self.tree.scratch_funs.push_or_oom(method);
        }
        let methods = self.tree.funs(mark);
        self.cursor
            .consume(TokenKind::RightBrace, "Expect '}' after class body.");
        self.tree.stmt(Stmt::Class {
            name,
            superclass,
            methods,
            line,
        })
    }

    fn fun_declaration(&mut self) -> StmtId {
        self.cursor
            .consume(TokenKind::Identifier, "Expect function name.");
        let name = self.cursor.ident(self.cursor.previous);
        let fun = self.function(name);
        self.tree.stmt(Stmt::Fun(fun))
    }

    /// Parameters and body of a function or method whose name was just read.
    fn function(&mut self, name: Ident) -> FunId {
        self.cursor
            .consume(TokenKind::LeftParen, "Expect '(' after function name.");
        let mark = self.tree.scratch_idents.len();
        if !self.cursor.check(TokenKind::RightParen) {
            loop {
                if self.tree.scratch_idents.len() - mark == MAX_ARGS {
                    self.cursor
                        .error_at_current("Can't have more than 255 parameters.");
                }
                self.cursor
                    .consume(TokenKind::Identifier, "Expect parameter name.");
                let param = self.cursor.ident(self.cursor.previous);
                self.tree.scratch_idents.push_or_oom(param);
                if !self.cursor.matches(TokenKind::Comma) {
                    break;
                }
            }
        }
        let params = self.tree.idents(mark);
        self.cursor
            .consume(TokenKind::RightParen, "Expect ')' after parameters.");
        self.cursor
            .consume(TokenKind::LeftBrace, "Expect '{' before function body.");
        let (body, closed) = self.block_body_closed();
        // clox makes the function's constant right after the closing brace. Without
        // one, that comes right after the missing-brace error, in panic mode, so an
        // error about the constant is never shown: no token carries it.
        let end_tok = if closed {
            self.cursor.previous
        } else {
            NO_TOKEN
        };
        let function = Function {
            name,
            params,
            body,
            end_tok,
            end_line: self.cursor.prev_line(),
            implicit_result: false,
        };
        self.tree.program.add_function(function)
    }

    fn var_declaration(&mut self) -> StmtId {
        self.cursor
            .consume(TokenKind::Identifier, "Expect variable name.");
        let name = self.cursor.ident(self.cursor.previous);
        let init = if self.cursor.matches(TokenKind::Equal) {
            Some(self.expression())
        } else {
            None
        };
        self.cursor.consume(
            TokenKind::Semicolon,
            "Expect ';' after variable declaration.",
        );
        self.tree.stmt(Stmt::Var { name, init })
    }

    fn statement(&mut self) -> StmtId {
        use TokenKind as T;
        if self.cursor.matches(T::Print) {
            let expr = self.expression();
            self.cursor.consume(T::Semicolon, "Expect ';' after value.");
            self.tree.stmt(Stmt::Print {
                expr,
                line: self.cursor.prev_line(),
            })
        } else if self.cursor.matches(T::For) {
            self.for_statement()
        } else if self.cursor.matches(T::If) {
            self.if_statement()
        } else if self.cursor.matches(T::Return) {
            self.return_statement()
        } else if self.cursor.matches(T::While) {
            self.while_statement()
        } else if self.cursor.matches(T::LeftBrace) {
            let stmts = self.block_body();
            self.tree.stmt(Stmt::Block {
                stmts,
                end_tok: self.cursor.previous,
            })
        } else {
            self.expression_statement()
        }
    }

    /// The body of an `if`, `while` or `for`: a statement one level deeper. A chain of
    /// them nests without passing through `declaration`, so it is counted here.
    fn nested_statement(&mut self) -> StmtId {
        let saved_depth = self.depth;
        let stmt = if self.enter() {
            self.statement()
        } else {
            // Too deep: take a token so that the enclosing loop makes progress.
            self.cursor.advance();
            self.placeholder_stmt()
        };
        self.depth = saved_depth;
        stmt
    }

    /// The declarations of a block whose `{` was just read, and its `}`.
    fn block_body(&mut self) -> List<StmtId> {
        self.block_body_closed().0
    }

    /// A block's statements, and whether its closing brace was there.
    fn block_body_closed(&mut self) -> (List<StmtId>, bool) {
        let mark = self.tree.scratch_stmts.len();
        while !self.cursor.check(TokenKind::RightBrace) && !self.cursor.check(TokenKind::Eof) {
            let stmt = self.declaration();
            self.tree.scratch_stmts.push_or_oom(stmt);
        }
        let stmts = self.tree.stmts(mark);
        let closed = self.cursor.check(TokenKind::RightBrace);
        self.cursor
            .consume(TokenKind::RightBrace, "Expect '}' after block.");
        (stmts, closed)
    }

    fn expression_statement(&mut self) -> StmtId {
        let expr = self.expression();
        self.cursor
            .consume(TokenKind::Semicolon, "Expect ';' after expression.");
        self.tree.stmt(Stmt::Expr {
            expr,
            line: self.cursor.prev_line(),
        })
    }

    fn for_statement(&mut self) -> StmtId {
        use TokenKind as T;
        let line = self.cursor.prev_line();
        self.cursor.consume(T::LeftParen, "Expect '(' after 'for'.");
        let init = if self.cursor.matches(T::Semicolon) {
            None
        } else if self.matches_declaration(T::Var) {
            Some(self.var_declaration())
        } else {
            Some(self.expression_statement())
        };
        let mut cond = None;
        if !self.cursor.matches(T::Semicolon) {
            cond = Some(self.expression());
            self.cursor
                .consume(T::Semicolon, "Expect ';' after loop condition.");
        }
        let mut incr = None;
        let mut incr_end_tok = self.cursor.previous;
        if !self.cursor.matches(T::RightParen) {
            incr = Some(self.expression());
            self.cursor
                .consume(T::RightParen, "Expect ')' after for clauses.");
            incr_end_tok = self.cursor.previous;
        }
        let body = self.nested_statement();
        self.tree.stmt(Stmt::For {
            init,
            cond,
            incr,
            body,
            line,
            incr_end_tok,
            end_tok: self.cursor.previous,
        })
    }

    fn if_statement(&mut self) -> StmtId {
        self.cursor
            .consume(TokenKind::LeftParen, "Expect '(' after 'if'.");
        let cond = self.expression();
        self.cursor
            .consume(TokenKind::RightParen, "Expect ')' after condition.");
        let line = self.cursor.prev_line();
        let then_branch = self.nested_statement();
        let then_end_tok = self.cursor.previous;
        let else_branch = if self.cursor.matches(TokenKind::Else) {
            Some(self.nested_statement())
        } else {
            None
        };
        self.tree.stmt(Stmt::If {
            cond,
            then_branch,
            else_branch,
            line,
            then_end_tok,
            end_tok: self.cursor.previous,
        })
    }

    fn return_statement(&mut self) -> StmtId {
        let keyword = self.cursor.previous;
        if self.cursor.matches(TokenKind::Semicolon) {
            return self.tree.stmt(Stmt::Return {
                keyword,
                value: None,
                line: self.cursor.prev_line(),
            });
        }
        let value = self.expression();
        self.cursor
            .consume(TokenKind::Semicolon, "Expect ';' after return value.");
        self.tree.stmt(Stmt::Return {
            keyword,
            value: Some(value),
            line: self.cursor.prev_line(),
        })
    }

    fn while_statement(&mut self) -> StmtId {
        self.cursor
            .consume(TokenKind::LeftParen, "Expect '(' after 'while'.");
        let cond = self.expression();
        self.cursor
            .consume(TokenKind::RightParen, "Expect ')' after condition.");
        let line = self.cursor.prev_line();
        let body = self.nested_statement();
        self.tree.stmt(Stmt::While {
            cond,
            body,
            line,
            end_tok: self.cursor.previous,
        })
    }

    // ----- Expressions ------------------------------------------------------------------

    fn expression(&mut self) -> ExprId {
        self.parse_precedence(Prec::Assignment)
    }

    fn parse_precedence(&mut self, prec: Prec) -> ExprId {
        let saved_depth = self.depth;
        if !self.enter() {
            self.cursor.advance();
            self.depth = saved_depth;
            return self.placeholder();
        }
        self.cursor.advance();
        let can_assign = prec <= Prec::Assignment;
        let mut expr = match self.prefix(can_assign) {
            Some(expr) => expr,
            None => {
                self.cursor.error("Expect expression.");
                self.depth = saved_depth;
                return self.placeholder();
            }
        };
        while prec <= infix_precedence(self.cursor.kind(self.cursor.current)) {
            // Each link of an operator chain deepens the tree by one level.
            if !self.enter() {
                break;
            }
            self.cursor.advance();
            expr = self.infix(expr, can_assign);
        }
        if can_assign && self.cursor.matches(TokenKind::Equal) {
            self.cursor.error("Invalid assignment target.");
        }
        self.depth = saved_depth;
        expr
    }

    /// The prefix rule for the token just read, or `None` if it cannot start an expression.
    fn prefix(&mut self, can_assign: bool) -> Option<ExprId> {
        use TokenKind as T;
        let tok = self.cursor.previous;
        let line = self.cursor.prev_line();
        let literal = |value| Expr::Literal { value, tok, line };
        let expr = match self.cursor.kind(tok) {
            T::LeftParen => {
                let inner = self.expression();
                self.cursor
                    .consume(T::RightParen, "Expect ')' after expression.");
                Expr::Grouping {
                    inner,
                    open: tok,
                    close: self.cursor.previous,
                }
            }
            T::Minus | T::Bang => {
                let op = if self.cursor.kind(tok) == T::Minus {
                    UnaryOp::Negate
                } else {
                    UnaryOp::Not
                };
                let operand = self.parse_precedence(Prec::Unary);
                Expr::Unary {
                    op,
                    operand,
                    tok,
                    line: self.cursor.prev_line(),
                }
            }
            T::Number => {
                let text = self.cursor.lexeme(tok);
                literal(Literal::Number(Number::new(text.parse().unwrap_or(0.0))))
            }
            T::String => {
                let text = self.cursor.lexeme(tok);
                literal(Literal::Str(
                    self.cursor.names.intern(&text[1..text.len() - 1]),
                ))
            }
            T::True => literal(Literal::Bool(true)),
            T::False => literal(Literal::Bool(false)),
            T::Nil => literal(Literal::Nil),
            T::Identifier => {
                let name = self.cursor.ident(tok);
                if can_assign && self.cursor.matches(T::Equal) {
                    let value = self.expression();
                    Expr::Assign {
                        name,
                        value,
                        line: self.cursor.prev_line(),
                    }
                } else {
                    Expr::Variable { name }
                }
            }
            T::This => Expr::This { tok, line },
            T::Super => {
                self.cursor.consume(T::Dot, "Expect '.' after 'super'.");
                self.cursor
                    .consume(T::Identifier, "Expect superclass method name.");
                let method = self.cursor.ident(self.cursor.previous);
                Expr::Super {
                    keyword: tok,
                    method,
                    line: self.cursor.prev_line(),
                }
            }
            _ => return None,
        };
        Some(self.tree.expr(expr))
    }

    /// The infix rule for the operator just read, with its left operand.
    fn infix(&mut self, left: ExprId, can_assign: bool) -> ExprId {
        use TokenKind as T;
        let tok = self.cursor.previous;
        let kind = self.cursor.kind(tok);
        let expr = match kind {
            T::LeftParen => {
                let args = self.arguments();
                Expr::Call {
                    callee: left,
                    args,
                    paren: self.cursor.previous,
                    line: self.cursor.prev_line(),
                }
            }
            T::Dot => {
                self.cursor
                    .consume(T::Identifier, "Expect property name after '.'.");
                let name = self.cursor.ident(self.cursor.previous);
                if can_assign && self.cursor.matches(T::Equal) {
                    let value = self.expression();
                    Expr::Set {
                        object: left,
                        name,
                        value,
                        line: self.cursor.prev_line(),
                    }
                } else {
                    Expr::Get { object: left, name }
                }
            }
            T::And | T::Or => {
                let (op, prec) = if kind == T::And {
                    (LogicalOp::And, Prec::And)
                } else {
                    (LogicalOp::Or, Prec::Or)
                };
                let right = self.parse_precedence(prec);
                Expr::Logical {
                    op,
                    left,
                    right,
                    line: self.cursor.prev_line(),
                    end_tok: self.cursor.previous,
                }
            }
            _ => {
                let op = match kind {
                    T::Plus => BinaryOp::Add,
                    T::Minus => BinaryOp::Subtract,
                    T::Star => BinaryOp::Multiply,
                    T::Slash => BinaryOp::Divide,
                    T::EqualEqual => BinaryOp::Equal,
                    T::BangEqual => BinaryOp::NotEqual,
                    T::Less => BinaryOp::Less,
                    T::LessEqual => BinaryOp::LessEqual,
                    T::Greater => BinaryOp::Greater,
                    _ => BinaryOp::GreaterEqual,
                };
                let right = self.parse_precedence(infix_precedence(kind).next());
                Expr::Binary {
                    op,
                    left,
                    right,
                    tok,
                    line: self.cursor.prev_line(),
                }
            }
        };
        self.tree.expr(expr)
    }

    fn arguments(&mut self) -> List<ExprId> {
        let mark = self.tree.scratch_exprs.len();
        if !self.cursor.check(TokenKind::RightParen) {
            loop {
                let arg = self.expression();
                self.tree.scratch_exprs.push_or_oom(arg);
                if self.tree.scratch_exprs.len() - mark == MAX_ARGS + 1 {
                    self.cursor.error("Can't have more than 255 arguments.");
                }
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

    /// Stands in for an expression that could not be parsed; it is never compiled,
    /// because a program with errors stops before code generation.
    fn placeholder(&mut self) -> ExprId {
        self.tree.placeholder(self.cursor.prev_line())
    }

    /// Stands in for a statement that could not be parsed.
    fn placeholder_stmt(&mut self) -> StmtId {
        let expr = self.placeholder();
        self.tree.stmt(Stmt::Expr {
            expr,
            line: self.cursor.prev_line(),
        })
    }
}

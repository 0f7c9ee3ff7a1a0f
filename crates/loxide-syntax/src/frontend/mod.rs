//! Front-ends: each turns source text into the shared surface AST (`crate::ast`).
//! Each has its own lexer and parser, over one shared token layer (`token`, `cursor`);
//! nothing after the AST knows which one ran.

pub mod cursor;
pub mod lox;
pub mod potato;
pub mod token;

use crate::ast::{Expr, ExprId, FunId, Ident, List, Literal, Program, Stmt, StmtId};
use crate::diag::Diagnostic;
use crate::memory::Grow;

/// What a front-end's parser returns: a tree (partial when there were errors) and the
/// diagnostics found on the way.
pub struct Parsed {
    pub program: Program,
    pub diagnostics: Vec<Diagnostic>,
}

/// A syntax tree under construction, shared by the parsers: the program's node
/// vectors, and the scratch stacks where the children of the nodes being parsed wait
/// until their lists are complete (see `crate::arena`).
#[derive(Default)]
pub(crate) struct Tree {
    pub program: Program,
    pub scratch_stmts: Vec<StmtId>,
    pub scratch_exprs: Vec<ExprId>,
    pub scratch_funs: Vec<FunId>,
    pub scratch_idents: Vec<Ident>,
}

impl Tree {
    /// An empty tree with room for what `tokens` tokens usually make: about three
    /// expressions for four tokens (`a = a + 1;` makes four of six) and a statement for
    /// every four. The node vectors of a piece (`lexer::Pieces`) then grow from nothing
    /// no more: their growth was 3% of compiling a program of many small statements.
    /// Room reserved and never used is never touched either.
    pub fn with_room(tokens: usize) -> Tree {
        let mut tree = Tree::default();
        tree.program.exprs.reserve_or_oom(tokens / 4 * 3);
        tree.program.stmts.reserve_or_oom(tokens / 4);
        tree
    }

    pub fn expr(&mut self, expr: Expr) -> ExprId {
        self.program.add_expr(expr)
    }

    pub fn stmt(&mut self, stmt: Stmt) -> StmtId {
        self.program.add_stmt(stmt)
    }

    /// The statements pushed on the scratch stack since `mark`, as a list.
    pub fn stmts(&mut self, mark: usize) -> List<StmtId> {
        List::build(&mut self.program.stmt_lists, &mut self.scratch_stmts, mark)
    }

    /// The expressions pushed on the scratch stack since `mark`, as a list.
    pub fn exprs(&mut self, mark: usize) -> List<ExprId> {
        List::build(&mut self.program.expr_lists, &mut self.scratch_exprs, mark)
    }

    /// The functions pushed on the scratch stack since `mark`, as a list.
    pub fn funs(&mut self, mark: usize) -> List<FunId> {
        List::build(&mut self.program.fun_lists, &mut self.scratch_funs, mark)
    }

    /// The names pushed on the scratch stack since `mark`, as a list.
    pub fn idents(&mut self, mark: usize) -> List<Ident> {
        List::build(
            &mut self.program.ident_lists,
            &mut self.scratch_idents,
            mark,
        )
    }

    /// Stands in for an expression that could not be parsed; it is never compiled,
    /// because a program with errors stops before code generation.
    pub fn placeholder(&mut self, line: u32) -> ExprId {
        self.expr(Expr::Literal {
            value: Literal::Nil,
            tok: 0,
            line,
        })
    }

    /// The finished program, whose top-level statements are those on the scratch
    /// stack from `mark`.
    pub fn finish(mut self, mark: usize) -> Program {
        self.program.top = self.stmts(mark);
        self.program
    }
}

/// The source languages loxide understands. Everything after the surface AST is shared;
/// the language only changes how values print and how some runtime errors read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    Lox,
    Potato,
}

impl Lang {
    pub fn name(self) -> &'static str {
        match self {
            Lang::Lox => "lox",
            Lang::Potato => "potato",
        }
    }

    /// The language of a file, from its extension: `.potato` is Potato, anything else Lox.
    pub fn from_path(path: &std::path::Path) -> Lang {
        if path.extension().is_some_and(|e| e == "potato") {
            Lang::Potato
        } else {
            Lang::Lox
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag;

    fn parse(lang: Lang, source: &str) -> Parsed {
        match lang {
            Lang::Lox => lox::parser::parse(&lox::lexer::scan(source)),
            Lang::Potato => potato::parser::parse(&potato::lexer::scan(source)),
        }
    }

    #[test]
    fn the_front_ends_say_when_more_input_could_complete_the_source() {
        // (language, source, whether more input is wanted)
        let cases = [
            (Lang::Lox, "print 1", true),
            (Lang::Lox, "print 1 +", true),
            (Lang::Lox, "fun f() {\n  return 1;\n", true),
            (Lang::Lox, "print \"open\n", true),
            // An open string takes in everything typed after it, so it still waits.
            (Lang::Lox, "print ;\nprint \"open", true),
            (Lang::Lox, "print ;", false),
            (Lang::Lox, "print @", false),
            (Lang::Lox, "print ;\nprint 1 +", false),
            // A Potato string ends with its line: more lines cannot close it.
            (Lang::Potato, "say \"open\n", false),
            (Lang::Potato, "say (\n", false),
            (Lang::Potato, "say 1 2\n", false),
        ];
        for (lang, source, expected) in cases {
            let parsed = parse(lang, source);
            assert!(!parsed.diagnostics.is_empty(), "{lang:?} {source:?}");
            assert_eq!(
                diag::wants_more_input(&parsed.diagnostics),
                expected,
                "{lang:?} {source:?}: {:?}",
                parsed.diagnostics
            );
        }
    }
}

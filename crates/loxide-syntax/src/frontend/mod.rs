//! Front-ends: each turns source text into the shared surface AST (`crate::ast`).
//! Each has its own lexer and parser, over one shared token layer (`token`, `cursor`);
//! nothing after the AST knows which one ran.

pub mod cursor;
pub mod lox;
pub mod potato;
pub mod token;

use crate::ast::Program;
use crate::diag::Diagnostic;

/// What a front-end's parser returns: a tree (partial when there were errors) and the
/// diagnostics found on the way.
pub struct Parsed {
    pub program: Program,
    pub diagnostics: Vec<Diagnostic>,
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

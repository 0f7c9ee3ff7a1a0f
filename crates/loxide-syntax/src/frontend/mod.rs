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

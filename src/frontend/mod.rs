//! Front-ends: each turns source text into the shared surface AST (`crate::ast`).

pub mod lox;

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

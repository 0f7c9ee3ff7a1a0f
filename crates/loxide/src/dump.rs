//! `lox dump --stage STAGE`: the output of any one pipeline stage as text, for people
//! learning how the interpreter works and for golden tests.

use std::str::FromStr;

use crate::driver::{self, CompileError};
use loxide_bytecode::disasm;
use loxide_compiler::ir::{self, Limits};
use loxide_syntax::dump::{ast, scopes, tree};
use loxide_syntax::frontend::lox::{lexer, parser};
use loxide_syntax::frontend::{Lang, potato};
use loxide_syntax::{desugar, dump as syntax_dump, sema};

/// A stage whose output can be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// One token a line: line number, kind and lexeme.
    Tokens,
    /// The syntax tree as parsed.
    Ast,
    /// The core tree after desugaring.
    Desugared,
    /// The resolved symbol tree.
    Scopes,
    /// The IR, one instruction a line, per function.
    Ir,
    /// The bytecode, disassembled.
    Bytecode,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Tokens,
        Stage::Ast,
        Stage::Desugared,
        Stage::Scopes,
        Stage::Ir,
        Stage::Bytecode,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Tokens => "tokens",
            Stage::Ast => "ast",
            Stage::Desugared => "desugared",
            Stage::Scopes => "scopes",
            Stage::Ir => "ir",
            Stage::Bytecode => "bytecode",
        }
    }
}

impl FromStr for Stage {
    type Err = String;

    fn from_str(s: &str) -> Result<Stage, String> {
        Stage::ALL
            .into_iter()
            .find(|stage| stage.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown stage '{s}' (expected tokens, ast, desugared, scopes, ir or bytecode)"
                )
            })
    }
}

/// The text of one stage for a Lox program. Every stage after `tokens` needs the
/// program to get that far without errors; if it does not, the errors come back.
pub fn stage(
    stage: Stage,
    source: &str,
    limits: Limits,
    hex: bool,
) -> Result<String, CompileError> {
    stage_for(Lang::Lox, stage, source, limits, hex)
}

/// The text of one stage for a program in any language. Only `tokens` and `ast` depend
/// on the language's front-end; every later stage is the shared pipeline's.
pub fn stage_for(
    lang: Lang,
    stage: Stage,
    source: &str,
    limits: Limits,
    hex: bool,
) -> Result<String, CompileError> {
    driver::on_compiler_stack(source.len(), || {
        stage_here(lang, stage, source, limits, hex)
    })
}

fn stage_here(
    lang: Lang,
    stage: Stage,
    source: &str,
    limits: Limits,
    hex: bool,
) -> Result<String, CompileError> {
    if stage == Stage::Tokens {
        return Ok(match lang {
            Lang::Lox => syntax_dump::token_list(&lexer::scan(source)),
            Lang::Potato => syntax_dump::token_list(&potato::lexer::scan(source)),
        });
    }
    // The full compile reports errors exactly as a run would.
    let verified = driver::compile_with_here(source, lang, limits)?;
    let parsed = match lang {
        Lang::Lox => parser::parse(&lexer::scan(source)),
        Lang::Potato => potato::parser::parse(&potato::lexer::scan(source)),
    };
    let core = desugar::desugar(&parsed.program, lang);
    Ok(match stage {
        Stage::Tokens => unreachable!("handled above"),
        Stage::Ast => tree::draw(&ast::program(&parsed.program, lang)),
        Stage::Desugared => tree::draw(&ast::core(&core)),
        Stage::Scopes | Stage::Ir => {
            let resolved = sema::resolve(core)
                .map_err(|_| driver::internal("analysis failed after compiling"))?;
            if stage == Stage::Scopes {
                tree::draw(&scopes::program(&resolved))
            } else {
                let mut module = ir::lower(&resolved, limits)
                    .map_err(|_| driver::internal("lowering failed after compiling"))?;
                ir::optimize::optimize(&mut module);
                module.to_string()
            }
        }
        Stage::Bytecode => disasm::module(verified.module(), hex),
    })
}

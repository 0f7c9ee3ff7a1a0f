//! `lox dump --stage STAGE`: the output of any one pipeline stage as text, for people
//! learning how the interpreter works and for golden tests.

use std::str::FromStr;

use crate::driver::{self, CompileError};
use loxide_bytecode::disasm;
use loxide_compiler::ir::{self, Limits};
use loxide_syntax::desugar::core;
use loxide_syntax::dump::{self as syntax_dump, ast, scopes, tree};
use loxide_syntax::frontend::lox::lexer;
use loxide_syntax::frontend::{Lang, potato};
use loxide_syntax::sema::Resolved;

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
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 6] = [
        Stage::Tokens,
        Stage::Ast,
        Stage::Desugared,
        Stage::Scopes,
        Stage::Ir,
        Stage::Bytecode,
    ];

    /// The stage's name on the command line (`lox dump --stage NAME`).
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

/// The text of one stage for a program in any language, taken from the one compilation
/// that also reports the program's errors exactly as a run would. Only `tokens` and
/// `ast` depend on the language's front-end; every later stage is the shared
/// pipeline's. The tokens can be shown even for a program with errors.
pub fn stage_for(
    lang: Lang,
    stage: Stage,
    source: &str,
    limits: Limits,
    hex: bool,
) -> Result<String, CompileError> {
    stage_after(lang, stage, source, limits, &[], hex)
}

/// Like `stage_for`, for a program that runs after others in the same VM (a REPL's
/// input): `predefined` names the globals they defined (`driver::compile_after`).
pub fn stage_after(
    lang: Lang,
    stage: Stage,
    source: &str,
    limits: Limits,
    predefined: &[String],
    hex: bool,
) -> Result<String, CompileError> {
    let mut shown = Shown {
        stage,
        text: String::new(),
    };
    let compiled = driver::compile_observed(source, lang, limits, predefined, &mut shown);
    match (stage, compiled) {
        (Stage::Tokens, _) => Ok(shown.text),
        (Stage::Bytecode, Ok(verified)) => Ok(disasm::module(verified.module(), hex)),
        (_, Ok(_)) => Ok(shown.text),
        (_, Err(errors)) => Err(errors),
    }
}

/// Renders the one stage asked for as the pipeline passes it. A stage seen again (the
/// Lox pipeline replays after errors) replaces what was rendered before.
struct Shown {
    stage: Stage,
    text: String,
}

impl driver::Observer for Shown {
    fn lox_tokens(&mut self, tokens: &lexer::Tokens) {
        if self.stage == Stage::Tokens {
            self.text = syntax_dump::token_list(tokens);
        }
    }

    fn potato_tokens(&mut self, tokens: &potato::Tokens) {
        if self.stage == Stage::Tokens {
            self.text = syntax_dump::token_list(tokens);
        }
    }

    fn ast(&mut self, program: &loxide_syntax::ast::Program, lang: Lang) {
        if self.stage == Stage::Ast {
            self.text = tree::draw(&ast::program(program, lang));
        }
    }

    fn desugared(&mut self, program: &core::Program) {
        if self.stage == Stage::Desugared {
            self.text = tree::draw(&ast::core(program));
        }
    }

    fn resolved(&mut self, resolved: &Resolved) {
        if self.stage == Stage::Scopes {
            self.text = tree::draw(&scopes::program(resolved));
        }
    }

    fn ir(&mut self, module: &ir::Module) {
        if self.stage == Stage::Ir {
            self.text = module.to_string();
        }
    }
}

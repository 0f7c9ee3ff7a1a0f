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

/// One line of a stage's text, with the source line it came from (0 when it has none,
/// such as a function's header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// The line as `lox dump` prints it.
    pub text: String,
    /// The source line it came from.
    pub line: u32,
}

/// Every stage of one compilation, line by line with source lines, for the playground.
pub struct Explored {
    /// The stages the program reached, in pipeline order (bytecode with its hex).
    pub stages: Vec<(Stage, Vec<Item>)>,
    /// The program, if it compiled.
    pub program: Result<loxide_bytecode::verify::Verified, CompileError>,
}

/// Compiles a program once and keeps every stage's text as `lox dump --stage` shows
/// it, each line with its source line: the tokens', the IR's and the bytecode's are in
/// their text; the trees' come from their nodes.
pub fn explore(lang: Lang, source: &str, limits: Limits) -> Explored {
    let mut all = All::default();
    let program = driver::compile_observed(source, lang, limits, &[], &mut all);
    let mut stages = Vec::new();
    if let Some(tokens) = all.tokens {
        stages.push((Stage::Tokens, leading_lines(&tokens)));
    }
    if program.is_ok() {
        for (stage, tree) in [
            (Stage::Ast, all.ast),
            (Stage::Desugared, all.desugared),
            (Stage::Scopes, all.scopes),
        ] {
            let items = tree
                .into_iter()
                .map(|(text, line)| Item { text, line })
                .collect();
            stages.push((stage, items));
        }
        stages.push((Stage::Ir, ir_lines(&all.ir)));
    }
    if let Ok(verified) = &program {
        let text = disasm::module(verified.module(), true);
        stages.push((Stage::Bytecode, bytecode_lines(&text)));
    }
    Explored { stages, program }
}

/// Everything the pipeline showed, kept for `explore`.
#[derive(Default)]
struct All {
    tokens: Option<String>,
    ast: Vec<(String, u32)>,
    desugared: Vec<(String, u32)>,
    scopes: Vec<(String, u32)>,
    ir: String,
}

impl driver::Observer for All {
    fn lox_tokens(&mut self, tokens: &lexer::Tokens) {
        self.tokens = Some(syntax_dump::token_list(tokens));
    }

    fn potato_tokens(&mut self, tokens: &potato::Tokens) {
        self.tokens = Some(syntax_dump::token_list(tokens));
    }

    fn ast(&mut self, program: &loxide_syntax::ast::Program, lang: Lang) {
        self.ast = tree::draw_lines(&ast::program(program, lang));
    }

    fn desugared(&mut self, program: &core::Program) {
        self.desugared = tree::draw_lines(&ast::core(program));
    }

    fn resolved(&mut self, resolved: &Resolved) {
        self.scopes = tree::draw_lines(&scopes::program(resolved));
    }

    fn ir(&mut self, module: &ir::Module) {
        self.ir = module.to_string();
    }
}

/// Lines that start with their source line (the tokens).
fn leading_lines(text: &str) -> Vec<Item> {
    text.lines()
        .map(|l| Item {
            text: l.to_string(),
            line: l
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
        })
        .collect()
}

/// The IR's lines end in `; line N`.
fn ir_lines(text: &str) -> Vec<Item> {
    text.lines()
        .map(|l| Item {
            text: l.to_string(),
            line: l
                .rsplit_once("; line ")
                .and_then(|(_, n)| n.trim().parse().ok())
                .unwrap_or(0),
        })
        .collect()
}

/// The disassembly's lines are `OFFSET LINE ...`, `|` for the line before; headers
/// and blank lines have none.
fn bytecode_lines(text: &str) -> Vec<Item> {
    let mut last = 0;
    text.lines()
        .map(|l| {
            let mut fields = l.split_whitespace();
            let line = match (fields.next(), fields.next()) {
                (Some(offset), Some(line)) if offset.bytes().all(|b| b.is_ascii_digit()) => {
                    if line != "|" {
                        last = line.parse().unwrap_or(0);
                    }
                    last
                }
                _ => {
                    last = 0;
                    0
                }
            };
            Item {
                text: l.to_string(),
                line,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_carries_the_source_lines_of_its_items() {
        let source = "fun f(a) {\n  var b = a + 1; return b;\n}\nprint f(2);\n";
        let explored = explore(Lang::Lox, source, Limits::Default);
        assert!(explored.program.is_ok());
        let names: Vec<&str> = explored.stages.iter().map(|(s, _)| s.name()).collect();
        assert_eq!(
            names,
            ["tokens", "ast", "desugared", "scopes", "ir", "bytecode"]
        );
        for (stage, items) in &explored.stages {
            // The text is `lox dump`'s, line for line.
            let text: String = items.iter().map(|i| format!("{}\n", i.text)).collect();
            let dumped = stage_for(Lang::Lox, *stage, source, Limits::Default, true).unwrap();
            assert_eq!(text, dumped, "{}", stage.name());
            // Something in every stage comes from line 2 (`var b = a + 1; return b;`).
            assert!(
                items.iter().any(|i| i.line == 2),
                "{}: {items:?}",
                stage.name()
            );
        }
        let add = |stage: Stage| -> Vec<u32> {
            let (_, items) = explored.stages.iter().find(|(s, _)| *s == stage).unwrap();
            items
                .iter()
                .filter(|i| i.text.contains("PLUS") || i.text.contains("ADD"))
                .map(|i| i.line)
                .collect()
        };
        assert_eq!(add(Stage::Ast), [2]);
        assert_eq!(add(Stage::Bytecode), [2]);
    }

    #[test]
    fn a_program_with_errors_shows_its_tokens_only() {
        let explored = explore(Lang::Lox, "print ;", Limits::Default);
        assert!(explored.program.is_err());
        assert_eq!(explored.stages.len(), 1);
        assert_eq!(explored.stages[0].0, Stage::Tokens);
    }
}

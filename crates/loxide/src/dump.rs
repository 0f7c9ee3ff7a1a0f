//! `lox dump --stage STAGE`: the output of any one pipeline stage as text, for people
//! learning how the interpreter works and for golden tests.

use std::str::FromStr;

use crate::driver::{self, CompileError};
use loxide_bytecode::{Module, Op, Span, decode, disasm};
use loxide_compiler::ir::{self, Limits};
use loxide_syntax::desugar::core;
use loxide_syntax::diag::TokIdx;
use loxide_syntax::dump::{self as syntax_dump, ast, scopes, tree};
use loxide_syntax::frontend::lox::lexer;
use loxide_syntax::frontend::token::{Kind, Tokens};
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
/// such as a function's header) and, where the stage knows it, its source span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// The line as `lox dump` prints it.
    pub text: String,
    /// The source line it came from.
    pub line: u32,
    /// The bytes of the source it came from, `start..end`: a token's lexeme; the
    /// tokens a tree node and its descendants record, from the first to the last; the
    /// source an IR or bytecode instruction that can fail blames in a runtime error.
    /// `None` where the stage does not say (an instruction that cannot fail, a header).
    pub span: Option<(u32, u32)>,
}

/// Every stage of one compilation, line by line with source lines, for the playground.
pub struct Explored {
    /// The stages the program reached, in pipeline order (bytecode with its hex).
    pub stages: Vec<(Stage, Vec<Item>)>,
    /// The program, if it compiled.
    pub program: Result<loxide_bytecode::verify::Verified, CompileError>,
}

/// Compiles a program once and keeps every stage's text as `lox dump --stage` shows
/// it, each line with its source line and span: the tokens' come from the tokens, the
/// trees' from their nodes, the IR's from its instructions' `Loc`s, and the
/// bytecode's from its line and span tables.
pub fn explore(lang: Lang, source: &str, limits: Limits) -> Explored {
    let mut all = All::default();
    let program = driver::compile_observed(source, lang, limits, &[], &mut all);
    let mut stages = Vec::new();
    if let Some(tokens) = all.tokens {
        stages.push((Stage::Tokens, tokens));
    }
    if program.is_ok() {
        let spans = all.token_spans;
        let span_of = |tok: TokIdx| spans.get(tok as usize).copied().flatten();
        for (stage, tree) in [
            (Stage::Ast, all.ast),
            (Stage::Desugared, all.desugared),
            (Stage::Scopes, all.scopes),
        ] {
            let items = tree::draw_lines(&tree, &span_of)
                .into_iter()
                .map(|l| Item {
                    text: l.text,
                    line: l.line,
                    span: l.span,
                })
                .collect();
            stages.push((stage, items));
        }
        stages.push((Stage::Ir, all.ir));
    }
    if let Ok(verified) = &program {
        stages.push((Stage::Bytecode, bytecode_items(verified.module())));
    }
    Explored { stages, program }
}

/// Everything the pipeline showed, kept for `explore`.
#[derive(Default)]
struct All {
    tokens: Option<Vec<Item>>,
    /// Each token's bytes, by token index (`None` for one without text).
    token_spans: Vec<Option<(u32, u32)>>,
    ast: Vec<tree::Node>,
    desugared: Vec<tree::Node>,
    scopes: Vec<tree::Node>,
    ir: Vec<Item>,
}

impl All {
    fn tokens<K: Kind>(&mut self, tokens: &Tokens<K>) {
        let entries = syntax_dump::token_entries(tokens);
        self.token_spans = entries.iter().map(|e| e.span).collect();
        // A token whose lexeme holds line breaks is more than one line of the dump;
        // each of them is the token's.
        self.tokens = Some(
            entries
                .into_iter()
                .flat_map(|e| {
                    e.text
                        .split('\n')
                        .map(|text| Item {
                            text: text.to_string(),
                            line: e.line,
                            span: e.span,
                        })
                        .collect::<Vec<_>>()
                })
                .collect(),
        );
    }
}

impl driver::Observer for All {
    fn lox_tokens(&mut self, tokens: &lexer::Tokens) {
        self.tokens(tokens);
    }

    fn potato_tokens(&mut self, tokens: &potato::Tokens) {
        self.tokens(tokens);
    }

    fn ast(&mut self, program: &loxide_syntax::ast::Program, lang: Lang) {
        self.ast = ast::program(program, lang);
    }

    fn desugared(&mut self, program: &core::Program) {
        self.desugared = ast::core(program);
    }

    fn resolved(&mut self, resolved: &Resolved) {
        self.scopes = scopes::program(resolved);
    }

    fn ir(&mut self, module: &ir::Module) {
        self.ir = module
            .dump_lines()
            .into_iter()
            .map(|l| Item {
                text: l.text,
                line: l.instr.map_or(0, |(_, loc)| loc.line),
                span: l.instr.and_then(|(op, loc)| blamed(op, loc.span)),
            })
            .collect();
    }
}

/// The span an instruction blames, if it can fail and blames one: the only spans the
/// compiler records exactly (the others' are whatever was blamed before them).
fn blamed(op: Op, span: Span) -> Option<(u32, u32)> {
    (op.may_fail() && !span.is_empty()).then_some((span.start, span.end))
}

/// The disassembly (`lox dump --stage bytecode --hex`) line by line: each
/// instruction's lines (a closure's capture lines too) carry its source line from the
/// line table and, for one that can fail, its span from the span table; headers and
/// blank lines have neither.
fn bytecode_items(module: &Module) -> Vec<Item> {
    let mut items = Vec::new();
    // The span table's entries are in code order, as the instructions are: one walk
    // through both per function, not a search of the table per instruction.
    let mut walk: Option<(usize, SpanWalk)> = None;
    for entry in disasm::entries(module, true) {
        let (line, span) = match (entry.offset, module.functions.get(entry.function)) {
            (Some(offset), Some(f)) => {
                if walk
                    .as_ref()
                    .is_none_or(|(index, _)| *index != entry.function)
                {
                    walk = Some((entry.function, SpanWalk::new(f)));
                }
                let span = walk.as_mut().and_then(|(_, w)| w.at(offset));
                let blame = match (decode::at(&f.code, offset), span) {
                    (Ok(i), Some(span)) => blamed(i.op, span),
                    _ => None,
                };
                (f.line_at(offset), blame)
            }
            _ => (0, None),
        };
        for text in entry.text.lines() {
            items.push(Item {
                text: text.to_string(),
                line,
                span,
            });
        }
    }
    items
}

/// A walk through one function's span table in code order.
struct SpanWalk<'f> {
    entries: std::iter::Peekable<Box<dyn Iterator<Item = (u32, Span)> + 'f>>,
    current: Option<Span>,
}

impl<'f> SpanWalk<'f> {
    fn new(f: &'f loxide_bytecode::Function) -> SpanWalk<'f> {
        let entries: Box<dyn Iterator<Item = (u32, Span)> + 'f> = Box::new(f.spans.iter());
        SpanWalk {
            entries: entries.peekable(),
            current: None,
        }
    }

    /// The span of the entry that holds `offset` (at or past every earlier one).
    fn at(&mut self, offset: usize) -> Option<Span> {
        while let Some(&(at, span)) = self.entries.peek() {
            if at as usize > offset {
                break;
            }
            self.current = Some(span);
            self.entries.next();
        }
        self.current
    }
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

    /// The source text of the first item of a stage whose text contains `needle`.
    fn spanned<'s>(
        explored: &Explored,
        source: &'s str,
        stage: Stage,
        needle: &str,
    ) -> Option<&'s str> {
        let (_, items) = explored.stages.iter().find(|(s, _)| *s == stage).unwrap();
        let item = items
            .iter()
            .find(|i| i.text.contains(needle))
            .unwrap_or_else(|| panic!("{}: no {needle}", stage.name()));
        item.span
            .map(|(start, end)| &source[start as usize..end as usize])
    }

    #[test]
    fn items_carry_the_source_spans_they_came_from() {
        let source = "fun add(a, b) {\n  return a + b;\n}\nprint add(1, 2);\n";
        let explored = explore(Lang::Lox, source, Limits::Default);
        let at = |stage, needle| spanned(&explored, source, stage, needle);
        assert_eq!(at(Stage::Tokens, "PRINT"), Some("print"));
        assert_eq!(at(Stage::Tokens, "PLUS"), Some("+"));
        assert_eq!(at(Stage::Tokens, "EOF"), None);
        // A tree node covers its own tokens and its descendants'.
        assert_eq!(at(Stage::Ast, "PLUS"), Some("a + b"));
        assert_eq!(at(Stage::Ast, "CALL"), Some("add(1, 2)"));
        assert_eq!(at(Stage::Ast, "RETURN"), Some("return a + b"));
        assert_eq!(
            at(Stage::Ast, "FUN add"),
            Some("add(a, b) {\n  return a + b;\n}")
        );
        assert_eq!(at(Stage::Ast, "NUMBER 2"), Some("2"));
        assert_eq!(at(Stage::Desugared, "PLUS"), Some("a + b"));
        assert_eq!(at(Stage::Scopes, "@b"), Some("b"));
        // Instructions that can fail blame their span; the others have none.
        assert_eq!(at(Stage::Ir, "    add"), Some("+"));
        assert_eq!(at(Stage::Ir, "call"), Some("add(1, 2)"));
        assert_eq!(at(Stage::Ir, "constant"), None);
        assert_eq!(at(Stage::Ir, "function #1"), None);
        assert_eq!(at(Stage::Bytecode, "OP_ADD"), Some("+"));
        assert_eq!(at(Stage::Bytecode, "OP_CALL"), Some("add(1, 2)"));
        assert_eq!(at(Stage::Bytecode, "OP_GET_GLOBAL"), Some("add"));
        assert_eq!(at(Stage::Bytecode, "OP_CONSTANT"), None);
        assert_eq!(at(Stage::Bytecode, "== add =="), None);
    }

    #[test]
    fn spans_lie_on_character_boundaries_of_the_source() {
        // Non-ASCII text, a string over two lines, a closure with captures, a class.
        let source = "// ö\nvar e = \"ü\nß\";\nfun f() { var x = e; fun g() { return x; } return g; }\n\
                      class A { m() { return this; } }\nprint f()() + A().m();\n";
        let explored = explore(Lang::Lox, source, Limits::Default);
        assert!(explored.program.is_ok());
        for (stage, items) in &explored.stages {
            let text: String = items.iter().map(|i| format!("{}\n", i.text)).collect();
            let dumped = stage_for(Lang::Lox, *stage, source, Limits::Default, true).unwrap();
            assert_eq!(text, dumped, "{}", stage.name());
            for item in items {
                if let Some((start, end)) = item.span {
                    assert!(
                        start < end && source.get(start as usize..end as usize).is_some(),
                        "{}: {item:?}",
                        stage.name()
                    );
                }
            }
        }
        // Both lines of the string token are the token's.
        let (_, tokens) = &explored.stages[0];
        let string: Vec<&Item> = tokens
            .iter()
            .filter(|i| {
                i.span
                    .is_some_and(|(s, e)| &source[s as usize..e as usize] == "\"ü\nß\"")
            })
            .collect();
        assert_eq!(string.len(), 2, "{tokens:?}");
        // The token's line is the one it is reported on, as clox does: where it ends.
        assert!(string.iter().all(|i| i.line == 3), "{string:?}");
        // A closure's capture line is its instruction's.
        let (_, bytecode) = explored.stages.last().unwrap();
        let capture = bytecode
            .iter()
            .position(|i| i.text.ends_with("local 1"))
            .expect("a capture line");
        assert!(bytecode[capture - 1].text.contains("OP_CLOSURE"));
        assert_eq!(bytecode[capture].line, bytecode[capture - 1].line);
    }

    #[test]
    fn a_program_with_errors_shows_its_tokens_only() {
        let explored = explore(Lang::Lox, "print ;", Limits::Default);
        assert!(explored.program.is_err());
        assert_eq!(explored.stages.len(), 1);
        assert_eq!(explored.stages[0].0, Stage::Tokens);
    }
}

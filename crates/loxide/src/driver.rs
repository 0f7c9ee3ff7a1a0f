//! The pipeline, end to end: source text through every stage to verified bytecode.
//!
//! Each stage reports instead of failing; this module decides what to show. When
//! semantic analysis (or a clox limit) finds errors, the parser runs once more with
//! those errors injected at their tokens, so that panic mode and recovery interleave
//! them with syntax errors exactly as clox's single pass does.

use std::fmt;

use loxide_bytecode::{Dialect, verify};
use loxide_compiler::encode;
use loxide_compiler::ir::{self, Limits};
use loxide_syntax::diag::{self, Diagnostic, Loc, Rendered};
use loxide_syntax::frontend::lox::{lexer, parser};
use loxide_syntax::frontend::token::{self, Tokens};
use loxide_syntax::frontend::{Lang, potato};
use loxide_syntax::intern::Interner;
use loxide_syntax::memory::{self, Grow};
use loxide_syntax::{desugar, sema};

/// The run-time dialect of a source language: how its values print and its errors read.
pub fn dialect(lang: Lang) -> Dialect {
    match lang {
        Lang::Lox => Dialect::Lox,
        Lang::Potato => Dialect::Potato,
    }
}

/// Compile errors, rendered in clox's format, one per line, and as data.
#[derive(Clone, Debug, PartialEq)]
pub struct CompileError {
    /// Each error as clox prints it.
    pub lines: Vec<String>,
    /// True when more input could complete the source (`diag::wants_more_input`).
    pub at_end: bool,
    /// The same errors as data: line, columns, message (empty for an internal error).
    pub diagnostics: Vec<loxide_vm::Diagnostic>,
}

impl From<CompileError> for loxide_vm::CompileError {
    fn from(e: CompileError) -> Self {
        let diagnostics = if e.diagnostics.is_empty() {
            // An internal error has no position: line 0, no columns.
            e.lines
                .iter()
                .map(|line| loxide_vm::Diagnostic {
                    line: 0,
                    columns: 0..0,
                    message: line.clone(),
                    rendered: line.clone(),
                })
                .collect()
        } else {
            e.diagnostics
        };
        loxide_vm::CompileError {
            diagnostics,
            at_end: e.at_end,
        }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

/// How deep the compiler's own stack may get: the stages are recursive, and nesting is
/// bounded by `parser::MAX_NESTING`; this leaves a wide margin on every build.
const COMPILER_STACK_BYTES: usize = 256 << 20;

/// Where the pipeline shows its intermediate results: each stage hands what it made to
/// the observer as it goes, so `lox dump` (and anything else that wants to look) sees
/// the very data the compilation used, from one run. Every method does nothing unless
/// overridden, which is what an ordinary compilation passes.
///
/// When semantic analysis finds errors in a Lox program, the parser runs again with
/// them injected (see `compile_here`); the observer then sees the later stages once per
/// round. A compilation that reports errors has no final stages to show.
pub trait Observer {
    /// The compilation starts: what it allocates from here on is its own data.
    fn started(&mut self) {}
    /// The tokens of a Lox program.
    fn lox_tokens(&mut self, _tokens: &lexer::Tokens) {}
    /// The tokens of a Potato program, layout tokens included.
    fn potato_tokens(&mut self, _tokens: &potato::Tokens) {}
    /// The syntax tree as parsed (partial when the parser reported errors).
    fn ast(&mut self, _program: &loxide_syntax::ast::Program, _lang: Lang) {}
    /// The core tree after desugaring.
    fn desugared(&mut self, _program: &loxide_syntax::desugar::core::Program) {}
    /// The program with every name resolved, when semantic analysis found no errors.
    fn resolved(&mut self, _resolved: &sema::Resolved) {}
    /// The program after semantic analysis, also when it found errors: then
    /// `has_errors` is true and the bindings are those clox would have used while
    /// compiling past the errors (editors show what they can of a broken program).
    fn analysed(&mut self, _resolved: &sema::Resolved, _has_errors: bool) {}
    /// The optimized IR.
    fn ir(&mut self, _module: &ir::Module) {}
}

/// The observer of an ordinary compilation: it looks at nothing.
struct Unobserved;

impl Observer for Unobserved {}

/// Compiles Lox source to verified bytecode.
///
/// Runs on a thread of its own with a large stack, so the caller's stack size does not
/// matter (the stages recurse up to the nesting limit).
pub fn compile(source: &str, limits: Limits) -> Result<verify::Verified, CompileError> {
    compile_with(source, Lang::Lox, limits)
}

/// Compiles source in the given language to verified bytecode, on the compiler's own
/// thread as `compile` does.
pub fn compile_with(
    source: &str,
    lang: Lang,
    limits: Limits,
) -> Result<verify::Verified, CompileError> {
    compile_after(source, lang, limits, &[])
}

/// Like `compile_with`, for a program that runs after others in the same VM (a REPL):
/// `predefined` names the globals they defined, which Potato may then use.
pub fn compile_after(
    source: &str,
    lang: Lang,
    limits: Limits,
    predefined: &[String],
) -> Result<verify::Verified, CompileError> {
    on_compiler_stack(source.len(), || {
        if lang == Lang::Lox
            && limits == Limits::Default
            && let Some(compiled) = compile_in_pieces(source, PIECE_TOKENS)
        {
            return compiled;
        }
        pipeline(source, lang, limits, predefined, &mut Unobserved)
    })
}

/// The compile error for a compilation the memory left cannot hold. Every vector of the
/// stages that grows with the source asks for its memory fallibly
/// (`loxide_syntax::memory`); a refusal unwinds the compilation, which
/// `on_compiler_stack` turns into this error.
pub fn out_of_memory() -> CompileError {
    CompileError {
        lines: vec!["Out of memory.".into()],
        at_end: false,
        diagnostics: Vec::new(),
    }
}

/// The fewest tokens in a piece when a program is compiled a piece at a time: enough
/// that a piece's fixed costs vanish, few enough that every stage's data for a piece
/// stays in the processor's caches and is freed (reused) before the next.
pub const PIECE_TOKENS: usize = 4096;

/// Compiles a Lox program a piece at a time, each piece a run of whole top-level
/// statements of at least `piece_tokens` tokens (`lexer::Pieces`): every stage runs on
/// one piece before the next is scanned, and only the bytecode grows with the program
/// (`ir::lower::Session`). Under loxide's own limits only. `None` when a piece has an
/// error (or a limit is crossed): the whole pipeline then compiles the program again
/// to report it as clox does. The bytecode is the same as the whole pipeline's.
///
/// Runs on the calling thread (see `on_compiler_stack`).
pub fn compile_in_pieces(
    source: &str,
    piece_tokens: usize,
) -> Option<Result<verify::Verified, CompileError>> {
    let mut pieces = lexer::Pieces::new(source);
    let mut names = Interner::new();
    let mut globals = sema::Globals::default();
    let mut session = ir::lower::Session::new(Limits::Default);
    let mut end_line = 1;
    while let Some(tokens) = pieces.next_piece(piece_tokens) {
        let parsed = parser::parse_piece(&tokens, names);
        if !parsed.diagnostics.is_empty() {
            return None;
        }
        // Past parsing, only where the tokens are is needed (see `token::Spans`).
        let spans = token::Spans::of(&tokens);
        drop(tokens);
        let core = desugar::desugar(parsed.program, Lang::Lox);
        end_line = core.script().end_line;
        let (mut resolved, diagnostics) = sema::resolve_in(core, &mut globals);
        if !diagnostics.is_empty() {
            return None;
        }
        session.lower_piece(&resolved, &spans).ok()?;
        names = std::mem::take(&mut resolved.program.names);
    }
    let globals = memory::collected(
        globals
            .names
            .iter()
            .map(|&name| memory::string(names.get(name))),
    );
    let module = session.finish(end_line, globals, Dialect::Lox);
    Some(verify::verify(module, verify::MaxStack::Compute).map_err(|e| verify_failed(&e)))
}

/// Compiles like `compile_after`, showing every stage's result to `observer` as the
/// pipeline makes it.
pub fn compile_observed(
    source: &str,
    lang: Lang,
    limits: Limits,
    predefined: &[String],
    observer: &mut (dyn Observer + Send),
) -> Result<verify::Verified, CompileError> {
    on_compiler_stack(source.len(), || {
        observer.started();
        pipeline(source, lang, limits, predefined, observer)
    })
}

/// Checks a program as `compile_observed` compiles it, for an editor: the same stages
/// up to lowering, so the same errors (limits included), but no optimization, no
/// encoding and no verification, whose results only a run would use (the observer is
/// never shown the IR). The verifier reports nothing but loxide's own bugs on code the
/// compiler made, so only an internal error can tell the two apart.
pub fn check_observed(
    source: &str,
    lang: Lang,
    limits: Limits,
    predefined: &[String],
    observer: &mut (dyn Observer + Send),
) -> Result<(), CompileError> {
    on_compiler_stack(source.len(), || {
        front_stages(source, lang, limits, predefined, observer, Goal::Check).map(drop)
    })
}

/// Compiles Lox on the current thread, whatever its stack (for tests that catch panics:
/// a panic, a bug, goes on unwinding; running out of memory is `Out of memory.`).
pub fn compile_here(source: &str, limits: Limits) -> Result<verify::Verified, CompileError> {
    out_of_memory_caught(|| pipeline(source, Lang::Lox, limits, &[], &mut Unobserved))
}

/// Runs a compilation, or part of one: running out of memory (`memory::OutOfMemory`
/// unwinding) becomes the compile error `Out of memory.`.
pub fn out_of_memory_caught<T>(
    work: impl FnOnce() -> Result<T, CompileError>,
) -> Result<T, CompileError> {
    memory::catch(work).unwrap_or_else(|memory::OutOfMemory| Err(out_of_memory()))
}

/// Sources this short nest at most this deep (a level takes at least a byte), which
/// any thread's stack can take: they compile on the calling thread and skip the cost of
/// starting one (half of `lox`'s start-up on an empty file).
pub const SMALL_SOURCE_BYTES: usize = 256;

/// Runs a compiler stage on a thread with a stack large enough for the deepest input
/// the parser accepts, unless `source_len` is small enough for any stack. A panic in
/// the stage (a bug) becomes an internal error; running out of memory in it, or a thread
/// that cannot be started (its stack cannot be had), is `Out of memory.`.
pub fn on_compiler_stack<T: Send>(
    source_len: usize,
    work: impl FnOnce() -> Result<T, CompileError> + Send,
) -> Result<T, CompileError> {
    let work = move || out_of_memory_caught(work);
    if source_len <= SMALL_SOURCE_BYTES {
        return std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
            .unwrap_or_else(|_| Err(internal("the compiler panicked")));
    }
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("lox-compiler".into())
            .stack_size(COMPILER_STACK_BYTES)
            .spawn_scoped(scope, work)
        {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err(internal("the compiler panicked"))),
            // Its stack is the one large allocation a thread needs: what fails here is
            // memory (or the system's limit on threads), not the compiler.
            Err(_) => Err(out_of_memory()),
        }
    })
}

/// An error that is a bug in loxide, not in the program.
pub fn internal(what: &str) -> CompileError {
    CompileError {
        lines: vec![format!("Internal compiler error: {what}.")],
        at_end: false,
        diagnostics: Vec::new(),
    }
}

/// The most times the Lox pipeline replays the parse with semantic errors injected.
const MAX_REPLAYS: usize = 32;

/// The whole pipeline, defined once: a front-end makes tokens and a syntax tree; every
/// later stage is shared. The front-ends differ only in how errors are reported: Lox
/// imitates clox's single pass (see `lox_errors`), Potato reports everything found, in
/// source order.
fn pipeline(
    source: &str,
    lang: Lang,
    limits: Limits,
    predefined: &[String],
    observer: &mut dyn Observer,
) -> Result<verify::Verified, CompileError> {
    let module = front_stages(source, lang, limits, predefined, observer, Goal::Run)?;
    finish(module, lang)
}

/// How far a compilation goes: to an optimized module for the last stages, or to the
/// lowered module for its errors alone (`check_observed`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Goal {
    Run,
    Check,
}

/// Every stage before encoding: the front-end, then `later_stages`; the errors, as
/// each front-end reports them.
fn front_stages(
    source: &str,
    lang: Lang,
    limits: Limits,
    predefined: &[String],
    observer: &mut dyn Observer,
    goal: Goal,
) -> Result<ir::Module, CompileError> {
    match lang {
        Lang::Lox => {
            let tokens = lexer::scan(source);
            observer.lox_tokens(&tokens);
            let parsed = parser::parse(&tokens);
            observer.ast(&parsed.program, lang);
            let later = later_stages(
                parsed.program,
                lang,
                &tokens,
                limits,
                predefined,
                observer,
                goal,
            );
            match later {
                Ok(module) if parsed.diagnostics.is_empty() => Ok(module),
                Ok(_) => Err(render(&tokens, &parsed.diagnostics)),
                Err(found) => Err(lox_errors(&tokens, found, limits, observer)),
            }
        }
        Lang::Potato => {
            let tokens = potato::lexer::scan(source);
            observer.potato_tokens(&tokens);
            let parsed = potato::parser::parse(&tokens);
            observer.ast(&parsed.program, lang);
            let later = later_stages(
                parsed.program,
                lang,
                &tokens,
                limits,
                predefined,
                observer,
                goal,
            );
            let mut diagnostics = parsed.diagnostics;
            match later {
                Ok(module) if diagnostics.is_empty() => Ok(module),
                Ok(_) => Err(potato_errors(&tokens, diagnostics)),
                Err(found) => {
                    diagnostics.extend_or_oom(found);
                    Err(potato_errors(&tokens, diagnostics))
                }
            }
        }
    }
}

/// The stages after parsing: desugaring, semantic analysis, lowering to IR and
/// optimizing it (unless only the errors are wanted: `Goal::Check`). The tokens give
/// each instruction its span of the source. The program is lowered even when semantic analysis reports errors,
/// because clox keeps compiling past them, and the limits it then exceeds (too many
/// constants...) are reported too. At one token, a limit's error comes first (clox
/// counts a class name's constant before it declares the class).
fn later_stages(
    program: loxide_syntax::ast::Program,
    lang: Lang,
    tokens: &dyn diag::TokenTable,
    limits: Limits,
    predefined: &[String],
    observer: &mut dyn Observer,
    goal: Goal,
) -> Result<ir::Module, Vec<Diagnostic>> {
    let mut core = desugar::desugar(program, lang);
    core.predefine(predefined);
    observer.desugared(&core);
    let (resolved, mut diagnostics) = sema::resolve(core);
    observer.analysed(&resolved, !diagnostics.is_empty());
    if diagnostics.is_empty() {
        observer.resolved(&resolved);
    }
    let lowered = ir::lower(&resolved, limits, tokens);
    // The core tree and the symbol tables are not needed past lowering.
    drop(resolved);
    match lowered {
        Ok(module) if diagnostics.is_empty() && goal == Goal::Check => Ok(module),
        Ok(mut module) if diagnostics.is_empty() => {
            ir::optimize::optimize(&mut module);
            observer.ir(&module);
            Ok(module)
        }
        Ok(_) => Err(diagnostics),
        Err(mut found) => {
            found.append(&mut diagnostics);
            Err(found)
        }
    }
}

/// The last stages: encoding, then the verifier, which every program passes through
/// on its way to the VM, compiled here or loaded from a file. The IR is freed once
/// encoded.
fn finish(module: ir::Module, lang: Lang) -> Result<verify::Verified, CompileError> {
    let encoded = encode::encode(&module, dialect(lang));
    drop(module);
    verify::verify(encoded, verify::MaxStack::Compute).map_err(|e| verify_failed(&e))
}

/// The compile error for freshly compiled code the verifier refused: a bug in loxide,
/// unless only the verifier's tables did not fit in memory.
fn verify_failed(e: &verify::Error) -> CompileError {
    if e.is_out_of_memory() {
        out_of_memory()
    } else {
        internal(&e.to_string())
    }
}

/// Lox's errors as clox reports them. An injected error puts the parser in panic mode,
/// and what recovery then skips (a `}`, say) changes the scopes of the code after it,
/// and so the errors found there. Replay until the injected errors are those of the
/// program the replay parses; an error depends only on the code before it, so each
/// round settles at least one more.
fn lox_errors(
    tokens: &lexer::Tokens,
    mut injected: Vec<Diagnostic>,
    limits: Limits,
    observer: &mut dyn Observer,
) -> CompileError {
    let mut replayed = parser::parse_with_injected(tokens, &injected);
    for _ in 0..MAX_REPLAYS {
        let found = later_stages(
            replayed.program,
            Lang::Lox,
            tokens,
            limits,
            &[],
            observer,
            Goal::Check,
        )
        .err()
        .unwrap_or_default();
        if found == injected {
            break;
        }
        injected = found;
        replayed = parser::parse_with_injected(tokens, &injected);
    }
    render(tokens, &replayed.diagnostics)
}

/// Potato's errors: by line, then lexical errors (which have no token) first, then by
/// token.
fn potato_errors(tokens: &potato::Tokens, mut diagnostics: Vec<Diagnostic>) -> CompileError {
    diagnostics.sort_by_key(|d| match d.loc {
        Loc::Line(line) => (line, 0, 0),
        Loc::Lexical(tok) => (tokens.line(tok), 0, tok),
        Loc::Token(tok) => (tokens.line(tok), 1, tok),
    });
    render(tokens, &diagnostics)
}

/// Renders diagnostics against any front-end's tokens, as text and as data.
fn render<K: token::Kind>(tokens: &Tokens<'_, K>, diagnostics: &[Diagnostic]) -> CompileError {
    let data: Vec<loxide_vm::Diagnostic> = memory::collected(diagnostics.iter().map(|d| {
        let (line, columns) = match d.loc {
            Loc::Line(line) => (line, 0..0),
            // A lexical error token that runs over several lines (an unterminated
            // string) is reported on its last line, like clox: no columns there.
            Loc::Lexical(tok) if tokens.lexeme(tok).contains('\n') => (tokens.line(tok), 0..0),
            Loc::Lexical(tok) => {
                let start = tokens.column(tok);
                let len = (tokens.span(tok).len() as u32).max(1);
                (tokens.line(tok), start..start + len)
            }
            Loc::Token(tok) => {
                let start = tokens.column(tok);
                let len = tokens.span(tok).len() as u32;
                (tokens.line(tok), start..start + len)
            }
        };
        loxide_vm::Diagnostic {
            line,
            columns,
            message: d.message.clone(),
            rendered: Rendered(d, tokens).to_string(),
        }
    }));
    CompileError {
        lines: memory::collected(data.iter().map(|d| d.rendered.clone())),
        at_end: diag::wants_more_input(diagnostics),
        diagnostics: data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names the stages it is shown, in order.
    #[derive(Default)]
    struct Recorder(Vec<&'static str>);

    impl Observer for Recorder {
        fn lox_tokens(&mut self, _: &lexer::Tokens) {
            self.0.push("tokens");
        }
        fn potato_tokens(&mut self, _: &potato::Tokens) {
            self.0.push("tokens");
        }
        fn ast(&mut self, _: &loxide_syntax::ast::Program, _: Lang) {
            self.0.push("ast");
        }
        fn desugared(&mut self, _: &loxide_syntax::desugar::core::Program) {
            self.0.push("desugared");
        }
        fn resolved(&mut self, _: &sema::Resolved) {
            self.0.push("resolved");
        }
        fn ir(&mut self, _: &ir::Module) {
            self.0.push("ir");
        }
    }

    #[test]
    fn one_compilation_shows_every_stage_once_in_order() {
        for (lang, source) in [(Lang::Lox, "print 1;"), (Lang::Potato, "say 1\n")] {
            let mut seen = Recorder::default();
            compile_observed(source, lang, Limits::Default, &[], &mut seen).expect("compiles");
            assert_eq!(seen.0, ["tokens", "ast", "desugared", "resolved", "ir"]);
        }
    }

    /// Records whether each resolution it is shown had errors.
    #[derive(Default)]
    struct Analyses(Vec<bool>);

    impl Observer for Analyses {
        fn analysed(&mut self, _: &sema::Resolved, has_errors: bool) {
            self.0.push(has_errors);
        }
    }

    #[test]
    fn editors_see_the_resolution_of_broken_programs_too() {
        // (source, what `analysed` is shown: whether each round had errors)
        let cases: [(&str, &[bool]); 3] = [
            ("print 1;", &[false]),
            ("print 1 +;", &[false]),
            // Semantic errors: the first round, then the replays with them injected.
            ("fun f() { return this; }", &[true, true]),
        ];
        for (source, expected) in cases {
            let mut seen = Analyses::default();
            let _ = compile_observed(source, Lang::Lox, Limits::Default, &[], &mut seen);
            assert_eq!(seen.0, expected, "{source}");
        }
    }

    #[test]
    fn a_program_with_semantic_errors_never_shows_resolved_names() {
        let mut seen = Recorder::default();
        let source = "fun f() { return this; }";
        assert!(compile_observed(source, Lang::Lox, Limits::Default, &[], &mut seen).is_err());
        assert!(
            !seen.0.contains(&"resolved") && !seen.0.contains(&"ir"),
            "{:?}",
            seen.0
        );
    }

    /// Functions nested past the functions' limit (1,024) get `Too much nesting.` once,
    /// at the first function too deep; past the parser's limit (1,500) too, once, the
    /// parser's, not a second one from semantic analysis. (As in clox, the recovery
    /// from the error then finds every enclosing block unclosed.)
    #[test]
    fn functions_nested_too_deeply_are_reported_once() {
        let errors = |depth: usize| -> Vec<String> {
            let source = "fun f() {\n".repeat(depth) + &"}\n".repeat(depth);
            match compile_with(&source, Lang::Lox, Limits::Default) {
                Ok(_) => Vec::new(),
                Err(e) => e.lines,
            }
        };
        let nesting = |lines: &[String]| {
            lines
                .iter()
                .filter(|l| l.ends_with("Too much nesting."))
                .count()
        };
        let deep = errors(1100);
        assert_eq!(deep[0], "[line 1025] Error at 'f': Too much nesting.");
        assert_eq!(nesting(&deep), 1, "{:?}", &deep[..3]);
        let deeper = errors(2000);
        assert_eq!(deeper[0], "[line 1501] Error at 'fun': Too much nesting.");
        assert_eq!(nesting(&deeper), 1, "{:?}", &deeper[..3]);
        assert!(errors(1024).is_empty());
    }
}

#[cfg(test)]
mod potato_tests {
    use super::*;
    use loxide_syntax::frontend::potato::parser::MAX_NESTING;

    fn compile_errors(source: &str) -> Vec<String> {
        match compile_with(source, Lang::Potato, Limits::Default) {
            Ok(_) => Vec::new(),
            Err(e) => e.lines,
        }
    }

    #[test]
    fn every_broken_line_is_reported_once() {
        let errors = compile_errors("say\nsay 1 2 3\nf (1, 2) 3\nsay (\nsay 1\n");
        assert_eq!(
            errors,
            [
                "[line 1] Error at 'newline': Expect expression.",
                "[line 2] Error at '2': Expect end of line after statement.",
                "[line 3] Error at '1': Expect parameter name.",
                "[line 4] Error at 'newline': Expect expression.",
            ]
        );
    }

    #[test]
    fn syntax_and_semantic_errors_come_in_source_order() {
        let errors = compile_errors("say a\nsay (\nsay b\n");
        assert_eq!(
            errors,
            [
                "[line 1] Error at 'a': Variable used before it is defined.",
                "[line 2] Error at 'newline': Expect expression.",
                "[line 3] Error at 'b': Variable used before it is defined.",
            ]
        );
    }

    #[test]
    fn deep_nesting_is_a_compile_error_not_a_crash() {
        let n = 100_000;
        let parens = format!("say {}1{}\n", "(".repeat(n), ")".repeat(n));
        assert_eq!(
            compile_errors(&parens),
            ["[line 1] Error at '(': Too much nesting."]
        );
        let chain = format!("say 1{}\n", " potato 1".repeat(n));
        assert_eq!(
            compile_errors(&chain),
            ["[line 1] Error at 'potato': Too much nesting."]
        );
        let args = format!("f (x) x\nsay {}1{}\n", "f(".repeat(n), ")".repeat(n));
        assert_eq!(
            compile_errors(&args),
            ["[line 2] Error at 'f': Too much nesting."]
        );
        let same_line = format!("{}1\n", "f () ".repeat(n));
        assert_eq!(
            compile_errors(&same_line),
            ["[line 1] Error at 'f': Too much nesting."]
        );
        let blocks: String = (0..10_000)
            .map(|depth| format!("{}f ()\n", " ".repeat(depth)))
            .collect::<String>()
            + &" ".repeat(10_000)
            + "say 1\nsay 2\n";
        let errors = compile_errors(&blocks);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].ends_with("Error at 'f': Too much nesting."));
    }

    #[test]
    fn nesting_just_inside_the_limit_compiles() {
        // Each level of parentheses is one level of nesting, on top of the statement's.
        let depth = MAX_NESTING as usize - 2;
        let source = format!("say {}1{}\n", "(".repeat(depth), ")".repeat(depth));
        assert!(compile_errors(&source).is_empty());
    }
}

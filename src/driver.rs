//! The pipeline, end to end: source text through every stage to verified bytecode.
//!
//! Each stage reports instead of failing; this module decides what to show. When
//! semantic analysis (or a clox limit) finds errors, the parser runs once more with
//! those errors injected at their tokens, so that panic mode and recovery interleave
//! them with syntax errors exactly as clox's single pass does.

use std::fmt;

use crate::bytecode::{self, verify};
use crate::diag::{Diagnostic, Rendered};
use crate::frontend::lox::{lexer, parser};
use crate::ir::{self, Limits};
use crate::{desugar, sema};

/// Compile errors, rendered in clox's format, one per line.
#[derive(Clone, Debug, PartialEq)]
pub struct CompileError {
    pub lines: Vec<String>,
    /// True when every error is at the end of the input: more input could fix it.
    pub at_end: bool,
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

/// Compiles Lox source to verified bytecode.
///
/// Runs on a thread of its own with a large stack, so the caller's stack size does not
/// matter (the stages recurse up to the nesting limit).
pub fn compile(source: &str, limits: Limits) -> Result<verify::Verified, CompileError> {
    on_compiler_stack(|| compile_here(source, limits))
}

/// Runs a compiler stage on a thread with a stack large enough for the deepest input
/// the parser accepts. A panic there (a bug) becomes an internal error.
pub fn on_compiler_stack<T: Send>(
    work: impl FnOnce() -> Result<T, CompileError> + Send,
) -> Result<T, CompileError> {
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("lox-compiler".into())
            .stack_size(COMPILER_STACK_BYTES)
            .spawn_scoped(scope, work)
        {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err(internal("the compiler panicked"))),
            Err(_) => Err(internal("could not start the compiler thread")),
        }
    })
}

/// An error that is a bug in loxide, not in the program.
pub fn internal(what: &str) -> CompileError {
    CompileError {
        lines: vec![format!("Internal compiler error: {what}.")],
        at_end: false,
    }
}

/// Compiles on the current thread.
pub fn compile_here(source: &str, limits: Limits) -> Result<verify::Verified, CompileError> {
    let tokens = lexer::scan(source);
    let parsed = parser::parse(&tokens);
    let core = desugar::desugar(&parsed.program, crate::frontend::Lang::Lox);
    let later = match sema::resolve(core) {
        Err(diagnostics) => Err(diagnostics),
        Ok(resolved) => ir::lower(&resolved, limits).map(|mut module| {
            ir::optimize::optimize(&mut module);
            module
        }),
    };
    let module = match later {
        Ok(module) if parsed.diagnostics.is_empty() => module,
        Ok(_) => return Err(render(&tokens, &parsed.diagnostics)),
        Err(injected) => {
            let replayed = parser::parse_with_injected(&tokens, &injected);
            return Err(render(&tokens, &replayed.diagnostics));
        }
    };
    let encoded = bytecode::encode::encode(&module);
    verify::verify(encoded, verify::MaxStack::Compute).map_err(|e| internal(&e.to_string()))
}

fn render(tokens: &lexer::Tokens, diagnostics: &[Diagnostic]) -> CompileError {
    let eof = tokens.tokens.len() as u32 - 1;
    let at_end = diagnostics.iter().all(|d| match d.loc {
        crate::diag::Loc::Token(t) => t == eof,
        crate::diag::Loc::Line(_) => false,
    }) || diagnostics
        .iter()
        .any(|d| d.message == "Unterminated string.");
    CompileError {
        lines: diagnostics
            .iter()
            .map(|d| Rendered(d, tokens).to_string())
            .collect(),
        at_end,
    }
}

//! Conformance suite: runs every annotated Lox program under `tests/lox/`
//! through the `lox` binary and checks its behaviour against the annotations.
//!
//! The annotation runner is the `loxide-testkit` crate (`tools/testkit`), which also
//! runs the book's own test suite; its `annotation` module states the rules. They
//! follow the Crafting Interpreters test format (`// expect: ...`, `// expect runtime
//! error: ...`, `// Error ...`, `// [line N] Error ...`, `// nontest`), plus a first
//! line `// args: A B ...` of extra command-line arguments.
//!
//! Environment variables:
//!
//! * `LOX_TEST_FILTER=prefix` runs only the files whose path relative to
//!   `tests/lox/` starts with `prefix` (for example `closure/`).
//! * `LOX_BIN=/path/to/interpreter` runs the corpus against another
//!   interpreter instead of the `lox` binary built by Cargo.

// Golden files for each stage dump (see tests/suite/golden.rs).
#[path = "suite/golden.rs"]
mod golden;

// Bytecode files: round trips and the commands (see tests/suite/bytecode_file.rs), and
// hostile files, truncations and mutations (see tests/suite/hostile.rs).
#[path = "suite/bytecode_file.rs"]
mod bytecode_file;
#[path = "suite/hostile.rs"]
mod hostile;
// The interactive session on a pseudo-terminal (see tests/suite/repl.rs and
// tests/suite/pty.rs).
#[path = "suite/pty.rs"]
mod pty;
#[path = "suite/repl.rs"]
mod repl;
// Source built to break the compiler: deep nesting, huge tokens, floods of errors, bad
// bytes (see tests/suite/hostile_source.rs).
#[path = "suite/hostile_source.rs"]
mod hostile_source;
// The command's trace folding, included to fold the library's traces the same way.
#[path = "../src/cli/trace.rs"]
#[allow(dead_code)]
mod trace;
// Resource limits (--max-steps, --max-heap, --max-depth), Ctrl-C, and the VM after their
// errors (see tests/suite/limits.rs).
#[path = "suite/limits.rs"]
mod limits;
// Errors rendered rich and as JSON (see tests/suite/diagnostics.rs).
#[path = "suite/diagnostics.rs"]
mod diagnostics;
// Closed and full output streams, and folded traces (see tests/suite/streams.rs).
#[path = "suite/streams.rs"]
mod streams;
// Generated valid and mutated programs run without panicking (see tests/suite/generated.rs).
#[path = "suite/generated.rs"]
mod generated;
// The command-and-output examples of the documentation run as written (see
// tests/suite/docs.rs).
#[path = "suite/docs.rs"]
mod docs;
// The language server at the protocol level, and under random edits (see
// tests/suite/lsp.rs and tests/suite/lsp_fuzz.rs).
#[path = "suite/lsp.rs"]
mod lsp;
#[path = "suite/lsp_fuzz.rs"]
mod lsp_fuzz;
// Semantic warnings from `lox check` and the error formats, and on the corpora (see
// tests/suite/check.rs).
#[path = "suite/check.rs"]
mod check;
// The language server in headless Neovim (see tests/suite/nvim.rs).
#[path = "suite/nvim.rs"]
mod nvim;
// The embedding API and its examples (see tests/suite/embed.rs).
#[path = "suite/embed.rs"]
mod embed;
// Running out of memory under an address-space limit: errors, never aborts (see
// tests/suite/out_of_memory.rs).
#[cfg(target_os = "linux")]
#[path = "suite/out_of_memory.rs"]
mod out_of_memory;
// Compiling a piece at a time makes the whole pipeline's bytecode (see
// tests/suite/pieces.rs).
#[path = "suite/pieces.rs"]
mod pieces;
// `lox playground`'s server and API, hostile requests included, and `lox trace` (see
// tests/suite/playground.rs).
#[path = "suite/playground.rs"]
mod playground;

use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use loxide_testkit::corpus::{self, Verdict};
use loxide_testkit::execute::{self, Interpreter, Outcome};
use loxide_testkit::{EXIT_COMPILE_ERROR, EXIT_RUNTIME_ERROR};
// The suite's modules name corpus files as the report does.
use loxide_testkit::corpus::relative_name;

#[test]
fn conformance() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("lox");
    let filter = env::var("LOX_TEST_FILTER").unwrap_or_default();
    let interpreter = env::var_os("LOX_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_lox")), PathBuf::from);

    let cases = discover(&root, &filter);
    assert!(
        !cases.is_empty(),
        "no test files under {} match the filter {filter:?}",
        root.display()
    );

    let verdicts = corpus::run_all(&cases, &Interpreter::new(interpreter));
    let tally = corpus::report(&root, &cases, &verdicts);
    assert_eq!(
        tally.failed, 0,
        "{} conformance test file(s) failed",
        tally.failed
    );
}

/// The Potato programs under `tests/potato/`, annotated like the Lox corpus but in `#`
/// comments (`# expect: ...`), run in this process through the library: the Potato
/// front-end, the shared pipeline and a VM speaking Potato, as `lox FILE.potato` runs
/// them. `POTATO_TEST_FILTER=prefix` selects files as `LOX_TEST_FILTER` does.
#[test]
fn potato_conformance() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("potato");
    let filter = env::var("POTATO_TEST_FILTER").unwrap_or_default();
    let cases = discover_ext(&root, &filter, "potato");
    assert!(!cases.is_empty(), "no Potato test files match {filter:?}");
    let verdicts: Vec<Verdict> = cases
        .iter()
        .map(|case| corpus::judge(case, |_args| execute_potato(case).map(Some)))
        .collect();
    let tally = corpus::report(&root, &cases, &verdicts);
    assert_eq!(
        tally.failed, 0,
        "{} Potato test file(s) failed",
        tally.failed
    );
}

/// Compiles and runs one Potato program with the library, reporting what the `lox`
/// command would print and its exit status.
fn execute_potato(path: &Path) -> io::Result<Outcome> {
    use loxide::frontend::Lang;
    use loxide::vm::{Options, SharedBuffer, Vm};
    let bytes = fs::read(path)?;
    let source = String::from_utf8_lossy(&bytes);
    let limits = loxide::ir::Limits::Default;
    let program = match loxide::driver::compile_with(&source, Lang::Potato, limits) {
        Ok(program) => program,
        Err(e) => {
            return Ok(Outcome {
                stdout: Vec::new(),
                stderr: execute::split_lines(&e.to_string()),
                exit_code: EXIT_COMPILE_ERROR,
            });
        }
    };
    let out = SharedBuffer::new();
    let mut vm = Vm::with_output(Options::default(), Box::new(out.clone()));
    let result = vm.run(&program);
    vm.flush();
    let (stderr, exit_code) = match result {
        Ok(()) => (Vec::new(), 0),
        Err(e) => (execute::split_lines(&e.to_string()), EXIT_RUNTIME_ERROR),
    };
    Ok(Outcome {
        stdout: execute::split_lines(&out.contents()),
        stderr,
        exit_code,
    })
}

/// Returns every `.lox` file below `root` whose relative path starts with
/// `filter`, sorted by path so that the report order is stable.
fn discover(root: &Path, filter: &str) -> Vec<PathBuf> {
    discover_ext(root, filter, "lox")
}

/// Like `discover`, for files with the extension `ext`.
fn discover_ext(root: &Path, filter: &str, ext: &str) -> Vec<PathBuf> {
    corpus::discover(root, filter, ext)
        .unwrap_or_else(|e| panic!("cannot list the files under {}: {e}", root.display()))
}

//! Compiling a piece at a time (`driver::compile_in_pieces`) must make the bytecode the
//! whole pipeline makes, and must give way to the whole pipeline whenever a program has
//! an error. "The same bytecode": the same functions, with the same instructions, lines
//! and spans, and constants equal in value; only the script's constant pool may list
//! them in another order (constant folding adds its results after each piece, not after
//! the whole script). Checked on every program of the corpora, the examples, the
//! benchmarks and generated programs, with pieces as small as one statement (so every
//! statement boundary is a piece boundary) and as the compiler cuts them.

use std::fs;
use std::path::Path;

use loxide::Lang;
use loxide::bytecode::decode;
use loxide::bytecode::{Constant, Module, Operand};
use loxide::driver::{self, CompileError, Observer};
use loxide::ir::Limits;
use loxide_testgen as testgen;

/// An observer that looks at nothing, but makes the driver run the whole pipeline
/// (only an unobserved compilation may go by pieces).
struct Whole;
impl Observer for Whole {}

fn whole(source: &str) -> Result<String, CompileError> {
    driver::compile_observed(source, Lang::Lox, Limits::Default, &[], &mut Whole)
        .map(|v| canonical(v.module()))
}

/// The module by pieces of at least `tokens` tokens, or `None` if it gave way.
fn in_pieces(source: &str, tokens: usize) -> Option<Result<String, CompileError>> {
    driver::on_compiler_stack(source.len(), || {
        Ok(driver::compile_in_pieces(source, tokens).map(|r| r.map(|v| canonical(v.module()))))
    })
    .expect("no internal error")
}

/// A module written out with every constant operand replaced by the constant's value,
/// and each function's constants sorted: equal for modules that differ only in the
/// order of their constant pools.
fn canonical(module: &Module) -> String {
    let constant = |c: &Constant| match c {
        Constant::Number(n) => format!("n{:x}", n.to_bits()),
        Constant::Str(s) => format!("s{s:?}"),
        Constant::Function(i) => format!("f{i}"),
    };
    let mut out = format!("globals {:?}\n", module.globals);
    for f in &module.functions {
        let mut pool: Vec<String> = f.constants.iter().map(constant).collect();
        pool.sort();
        out += &format!(
            "fun {:?} arity {} upvalues {:?} max {} lines {:?} spans {:?} pool {pool:?}\n",
            f.name,
            f.arity,
            f.upvalues,
            f.max_stack,
            f.lines,
            f.spans.iter().collect::<Vec<_>>(),
        );
        for instruction in decode::instructions(&f.code) {
            let instruction = instruction.expect("verified code decodes");
            out += &format!("  {:?}", instruction.op);
            for field in instruction.fields() {
                match field.kind {
                    Operand::Const | Operand::Name | Operand::Func => {
                        out += &format!(" {}", constant(&f.constants[field.value as usize]))
                    }
                    _ => out += &format!(" {}", field.value),
                }
            }
            out += "\n";
        }
    }
    out
}

fn lox_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            lox_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "lox") {
            out.push(path);
        }
    }
}

fn check(name: &str, source: &str, failures: &mut Vec<String>) -> bool {
    let expected = whole(source);
    let mut went_by_pieces = false;
    for tokens in [1, 64, driver::PIECE_TOKENS] {
        match (&expected, in_pieces(source, tokens)) {
            (Ok(bytes), Some(Ok(got))) => {
                went_by_pieces = true;
                if *bytes != got {
                    let at = bytes
                        .lines()
                        .zip(got.lines())
                        .position(|(a, b)| a != b)
                        .unwrap_or(0);
                    let whole_line = bytes.lines().nth(at).unwrap_or("");
                    let piece_line = got.lines().nth(at).unwrap_or("");
                    failures.push(format!(
                        "{name} ({tokens} tokens): different bytecode at line {at}:\n  \
                         whole:  {whole_line}\n  pieces: {piece_line}"
                    ));
                }
            }
            (Ok(_), None) => failures.push(format!("{name} ({tokens} tokens): gave way")),
            (Ok(_), Some(Err(e))) => failures.push(format!("{name} ({tokens}): failed: {e}")),
            (Err(_), None) => {}
            (Err(_), Some(_)) => {
                failures.push(format!("{name} ({tokens} tokens): an error went unnoticed"))
            }
        }
    }
    went_by_pieces
}

#[test]
fn pieces_make_the_whole_pipelines_bytecode() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "tests/lox",
        "tests/diagnostics",
        "examples",
        "bench",
        "docs/examples",
    ] {
        lox_files(&root.join(dir), &mut files);
    }
    files.sort();
    let mut failures = Vec::new();
    let mut by_pieces = 0;
    for path in &files {
        let source = String::from_utf8_lossy(&fs::read(path).unwrap()).into_owned();
        by_pieces += check(&path.display().to_string(), &source, &mut failures) as usize;
    }
    for seed in 0..200 {
        let source = testgen::program(seed);
        by_pieces += check(&format!("generated #{seed}"), &source, &mut failures) as usize;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Most programs compile; each of those went by pieces, and matched.
    assert!(
        by_pieces > files.len() / 2,
        "{by_pieces} of {}",
        files.len()
    );
}

#[test]
fn a_piece_ends_only_after_a_whole_top_level_statement() {
    use loxide::frontend::lox::lexer::Pieces;
    let source = "if (a) { b; } else { c; }\nfor (var i = 0; i < 1; i = i + 1) { d; }\n\
                  fun f() { return 1; }\nclass C { m() { e; } }\nprint 1;";
    let mut pieces = Pieces::new(source);
    let mut texts = Vec::new();
    while let Some(tokens) = pieces.next_piece(1) {
        let records: Vec<_> = tokens.iter().collect();
        let first = records.first().unwrap().start as usize;
        let last = records.last().unwrap().start as usize;
        texts.push(source[first..last].trim().to_string());
    }
    assert_eq!(
        texts,
        [
            "if (a) { b; } else { c; }",
            "for (var i = 0; i < 1; i = i + 1) { d; }",
            "fun f() { return 1; }",
            "class C { m() { e; } }",
            "print 1;",
        ]
    );
}

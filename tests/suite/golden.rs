//! Golden files for every stage dump: for each `tests/golden/NAME.lox`, the output of
//! `lox dump --stage STAGE` must equal `tests/golden/NAME.STAGE.txt`.
//!
//! After an intended change, regenerate them with `LOX_BLESS=1 cargo test --test suite
//! golden` and review the diff.

use std::fs;
use std::path::PathBuf;

use loxide::dump::{self, Stage};
use loxide::ir::Limits;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
}

#[test]
fn stage_dumps_match_golden_files() {
    let bless = std::env::var_os("LOX_BLESS").is_some();
    let mut sources: Vec<PathBuf> = fs::read_dir(golden_dir())
        .expect("tests/golden exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "lox"))
        .collect();
    sources.sort();
    assert!(!sources.is_empty(), "no golden programs found");
    let mut failures = Vec::new();
    for source_path in &sources {
        let source = fs::read_to_string(source_path).expect("readable golden program");
        for stage in Stage::ALL {
            for hex in [false, true] {
                if hex && stage != Stage::Bytecode {
                    continue;
                }
                let actual = dump::stage(stage, &source, Limits::Default, hex)
                    .unwrap_or_else(|e| panic!("{} does not compile:\n{e}", source_path.display()));
                let suffix = if hex {
                    format!("{}-hex", stage.name())
                } else {
                    stage.name().to_string()
                };
                let golden = source_path.with_extension(format!("{suffix}.txt"));
                if bless {
                    fs::write(&golden, &actual).expect("writable golden file");
                    continue;
                }
                match fs::read_to_string(&golden) {
                    Ok(expected) if expected == actual => {}
                    Ok(expected) => failures.push(format!(
                        "{} differs:\n{}",
                        golden.display(),
                        first_difference(&expected, &actual)
                    )),
                    Err(_) => failures.push(format!(
                        "{} is missing (run with LOX_BLESS=1)",
                        golden.display()
                    )),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The first differing line of two texts, for a readable failure.
fn first_difference(expected: &str, actual: &str) -> String {
    let mut expected_lines = expected.lines();
    let mut actual_lines = actual.lines();
    for n in 1.. {
        match (expected_lines.next(), actual_lines.next()) {
            (None, None) => break,
            (e, a) if e == a => continue,
            (e, a) => {
                return format!(
                    "line {n}:\n  expected: {}\n  actual:   {}",
                    e.unwrap_or("<end>"),
                    a.unwrap_or("<end>")
                );
            }
        }
    }
    "trailing whitespace differs".into()
}

#[test]
fn deep_nesting_is_a_compile_error_not_a_crash() {
    for (open, close) in [("(", ")"), ("{", "}"), ("-", ""), ("!", "")] {
        let depth = 100_000;
        let body = format!("{}1{}", open.repeat(depth), close.repeat(depth));
        let source = if open == "{" {
            body
        } else {
            format!("print {body};")
        };
        let err =
            loxide::driver::compile(&source, Limits::Default).expect_err("too deep to compile");
        assert!(
            err.to_string().contains("Too much nesting."),
            "nesting {open}: {err}"
        );
    }
}

/// Every program in `examples/` runs cleanly and prints what `examples/NAME.out` says.
#[test]
fn examples_print_their_expected_output() {
    use loxide::vm::{Options, SharedBuffer, Vm};
    let bless = std::env::var_os("LOX_BLESS").is_some();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut count = 0;
    for entry in fs::read_dir(&dir).expect("examples/ exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_none_or(|e| e != "lox") {
            continue;
        }
        count += 1;
        let source = fs::read_to_string(&path).expect("readable example");
        let program = loxide::driver::compile(&source, Limits::Default)
            .unwrap_or_else(|e| panic!("{} does not compile:\n{e}", path.display()));
        let out = SharedBuffer::new();
        let mut vm = Vm::with_output(Options::default(), Box::new(out.clone()));
        vm.run(&program)
            .unwrap_or_else(|e| panic!("{} failed:\n{e}", path.display()));
        let expected_path = path.with_extension("out");
        if bless {
            fs::write(&expected_path, out.contents()).expect("writable .out file");
        } else {
            let expected = fs::read_to_string(&expected_path).unwrap_or_else(|_| {
                panic!(
                    "{} is missing (run with LOX_BLESS=1)",
                    expected_path.display()
                )
            });
            assert_eq!(out.contents(), expected, "{}", path.display());
        }
    }
    assert!(count > 0, "no examples found");
}

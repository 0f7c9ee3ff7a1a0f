//! Bytecode files that are honest: every corpus program compiled, written, read back,
//! verified and run must behave exactly like its source (stdout, stderr, exit code);
//! compiling is deterministic; the `lox compile`, `verify`, `disasm` and `dump`
//! commands behave as documented; and the opcode table of `docs/bytecode.md` is the
//! generated one (`LOX_BLESS=1 cargo test --test suite` rewrites it).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use loxide::bytecode::Op;
use loxide::bytecode::file;
use loxide::bytecode::verify::Verified;
use loxide::driver;
use loxide::frontend::Lang;
use loxide::ir::Limits;
use loxide::vm::{Options, SharedBuffer, Vm};

/// A corpus program, its language and the limits its `// args:` line asks for.
pub struct Program {
    pub path: PathBuf,
    pub source: String,
    pub args: Vec<String>,
    pub lang: Lang,
}

impl Program {
    pub fn clox_limits(&self) -> bool {
        self.args.iter().any(|a| a == "--limits=clox")
    }

    pub fn limits(&self) -> Limits {
        if self.clox_limits() {
            Limits::Clox
        } else {
            Limits::Default
        }
    }

    pub fn options(&self) -> Options {
        if self.clox_limits() {
            Options::clox()
        } else {
            Options::default()
        }
    }

    pub fn name(&self) -> String {
        crate::relative_name(Path::new(env!("CARGO_MANIFEST_DIR")), &self.path)
    }

    pub fn compile(&self) -> Result<Verified, driver::CompileError> {
        driver::compile_with(&self.source, self.lang, self.limits())
    }
}

/// Every `.potato` file below `tests/potato/`, in path order.
fn potato_corpus() -> Vec<Program> {
    let mut found = Vec::new();
    let mut pending = vec![
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join("potato"),
    ];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "potato") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
        .into_iter()
        .map(|path| {
            let source = String::from_utf8_lossy(&fs::read(&path).expect("readable")).into_owned();
            Program {
                path,
                source,
                args: Vec::new(),
                lang: Lang::Potato,
            }
        })
        .collect()
}

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("lox")
}

/// Every program of the conformance corpus, in path order.
pub fn corpus() -> Vec<Program> {
    crate::discover(&corpus_root(), "")
        .into_iter()
        .map(|path| {
            let source = String::from_utf8_lossy(&fs::read(&path).expect("readable")).into_owned();
            let args = source
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("// args:"))
                .map(|a| a.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default();
            Program {
                path,
                source,
                args,
                lang: Lang::Lox,
            }
        })
        .collect()
}

/// A scratch directory of this test binary's own, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("a writable scratch directory");
    dir
}

/// Runs the `lox` binary to completion.
pub fn lox(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lox"))
        .args(args)
        .output()
        .expect("the lox binary runs")
}

/// What a run did, as text: stdout, then the runtime error (if any).
fn run_in_process(program: &Verified, options: Options) -> (String, Option<String>) {
    let out = SharedBuffer::new();
    let mut vm = Vm::with_output(options, Box::new(out.clone()));
    let error = vm.run(program).err().map(|e| e.to_string());
    (out.contents(), error)
}

#[test]
fn every_compiled_program_runs_like_its_source() {
    let mut compared = 0;
    let mut failures = Vec::new();
    for program in corpus().into_iter().chain(potato_corpus()) {
        let Ok(from_source) = program.compile() else {
            continue;
        };
        let bytes = file::write(from_source.module());
        let read_back = file::read(&bytes)
            .unwrap_or_else(|e| panic!("{}: the file does not read back: {e}", program.name()));
        assert_eq!(read_back.dialect, driver::dialect(program.lang));
        assert_eq!(
            &read_back,
            from_source.module(),
            "{}: the module changed",
            program.name()
        );
        let loaded = file::load(&bytes)
            .unwrap_or_else(|e| panic!("{}: the file does not load: {e}", program.name()));
        let expected = run_in_process(&from_source, program.options());
        let actual = run_in_process(&loaded, program.options());
        if expected != actual {
            failures.push(format!(
                "{}:\n  source: {expected:?}\n  file:   {actual:?}",
                program.name()
            ));
        }
        compared += 1;
    }
    assert!(compared > 200, "only {compared} programs compiled");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The options among `args` that `lox compile` takes, with their values.
fn compile_options<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut kept = Vec::new();
    let mut words = args.iter();
    while let Some(&word) = words.next() {
        if ["--limits", "--lang"].contains(&word) {
            kept.push(word);
            kept.extend(words.next());
        } else if word.starts_with("--limits=") || word.starts_with("--lang=") {
            kept.push(word);
        } else if !word.contains('=') && word.starts_with("--") {
            words.next();
        }
    }
    kept
}

#[test]
fn compiled_files_run_like_their_source_through_the_cli() {
    let dir = scratch("cli-round-trip");
    let programs: Vec<Program> = corpus().into_iter().chain(potato_corpus()).collect();
    // Every fifth program: a spread over the feature folders, compile errors included.
    for (i, program) in programs.iter().enumerate().filter(|(i, _)| i % 5 == 0) {
        let source = program.path.to_str().expect("a UTF-8 path");
        let out = dir.join(format!("{i}.loxc"));
        let out_text = out.to_str().expect("a UTF-8 path");
        let mut args: Vec<&str> = program.args.iter().map(String::as_str).collect();
        let base = args.len();
        args.push(source);
        let from_source = lox(&args);
        // `lox compile` takes only the options of compiling (`--limits`, `--lang`).
        let mut compile_args = compile_options(&args[..base]);
        compile_args.extend(["compile", source, "-o", out_text]);
        let compiled = lox(&compile_args);
        let name = program.name();
        if from_source.status.code() == Some(65) && !out.exists() {
            // A compile error: `lox compile` reports exactly what a run reports.
            assert_eq!(compiled.status.code(), Some(65), "{name}");
            assert_eq!(compiled.stderr, from_source.stderr, "{name}");
            assert!(compiled.stdout.is_empty(), "{name}");
            continue;
        }
        assert_eq!(
            compiled.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&compiled.stderr)
        );
        args.truncate(base);
        args.push(out_text);
        let from_file = lox(&args);
        assert_eq!(
            from_file.status.code(),
            from_source.status.code(),
            "{name}: exit code"
        );
        assert_eq!(
            String::from_utf8_lossy(&from_file.stdout),
            String::from_utf8_lossy(&from_source.stdout),
            "{name}: stdout"
        );
        assert_eq!(
            String::from_utf8_lossy(&from_file.stderr),
            String::from_utf8_lossy(&from_source.stderr),
            "{name}: stderr"
        );
    }
}

#[test]
fn the_same_source_gives_the_same_bytes() {
    for program in corpus().into_iter().chain(potato_corpus()) {
        let compile = || program.compile().ok().map(|v| file::write(v.module()));
        assert_eq!(compile(), compile(), "{}", program.name());
    }
    // Two processes, so hash seeds and addresses differ.
    let dir = scratch("deterministic");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join("shapes.lox");
    let source = source.to_str().expect("a UTF-8 path");
    let a = dir.join("a.loxc");
    let b = dir.join("b.loxc");
    assert!(
        lox(&["compile", source, "-o", a.to_str().unwrap()])
            .status
            .success()
    );
    assert!(
        lox(&["compile", source, "-o", b.to_str().unwrap()])
            .status
            .success()
    );
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
}

#[test]
fn compile_writes_next_to_the_source_by_default() {
    let dir = scratch("default-output");
    let source = dir.join("hello.lox");
    fs::write(&source, "print \"hi\";\n").unwrap();
    let compiled = lox(&["compile", source.to_str().unwrap()]);
    assert!(compiled.status.success(), "{compiled:?}");
    let out = dir.join("hello.loxc");
    assert!(file::is_bytecode(&fs::read(&out).unwrap()));
    // Told apart by content: a bytecode file with a source file's name still runs.
    let disguised = dir.join("disguised.lox");
    fs::copy(&out, &disguised).unwrap();
    let run = lox(&[disguised.to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&run.stdout), "hi\n");
    assert!(run.status.success());
}

#[test]
fn compile_errors_write_nothing() {
    let dir = scratch("compile-error");
    let source = dir.join("bad.lox");
    fs::write(&source, "print 1 +;\nvar;\n").unwrap();
    let out = dir.join("bad.loxc");
    let compiled = lox(&[
        "compile",
        source.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(compiled.status.code(), Some(65));
    assert_eq!(
        String::from_utf8_lossy(&compiled.stderr),
        "[line 1] Error at ';': Expect expression.\n[line 2] Error at ';': Expect variable name.\n"
    );
    assert!(!out.exists(), "a failed compile wrote {}", out.display());
}

#[test]
fn compile_refuses_bytecode_and_missing_files() {
    let dir = scratch("compile-refuses");
    let source = dir.join("p.lox");
    fs::write(&source, "print 1;").unwrap();
    assert!(lox(&["compile", source.to_str().unwrap()]).status.success());
    let compiled = dir.join("p.loxc");
    let again = lox(&[
        "compile",
        compiled.to_str().unwrap(),
        "-o",
        dir.join("q.loxc").to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&again.stderr).contains("is already a bytecode file"));
    let missing = dir.join("missing.lox");
    let run = lox(&["compile", missing.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(74));
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        format!(
            "Could not open file \"{}\": No such file or directory.\n",
            missing.display()
        )
    );
}

#[test]
fn verify_and_disasm_read_only_bytecode() {
    let dir = scratch("inspect");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join("closures.lox");
    let out = dir.join("closures.loxc");
    assert!(
        lox(&[
            "compile",
            source.to_str().unwrap(),
            "-o",
            out.to_str().unwrap()
        ])
        .status
        .success()
    );

    let verified = lox(&["verify", out.to_str().unwrap()]);
    assert!(verified.status.success());
    let summary = String::from_utf8_lossy(&verified.stdout);
    assert!(
        summary.starts_with("ok: ") && summary.contains(" functions, "),
        "{summary}"
    );

    // The disassembly of the file is the bytecode dump of its source.
    let disasm = lox(&["disasm", out.to_str().unwrap()]);
    let dump = lox(&["dump", "--stage", "bytecode", source.to_str().unwrap()]);
    assert!(disasm.status.success() && dump.status.success());
    assert_eq!(disasm.stdout, dump.stdout);
    let disasm_hex = lox(&["disasm", "--hex", out.to_str().unwrap()]);
    let dump_hex = lox(&[
        "dump",
        "--stage",
        "bytecode",
        "--hex",
        source.to_str().unwrap(),
    ]);
    assert_eq!(disasm_hex.stdout, dump_hex.stdout);

    // Source and garbage get a sentence and exit 65, never a panic.
    let garbage = dir.join("garbage.bin");
    fs::write(&garbage, b"\x89\x00\xff\x13garbage").unwrap();
    for command in ["verify", "disasm"] {
        let on_source = lox(&[command, source.to_str().unwrap()]);
        assert_eq!(on_source.status.code(), Some(65), "{command}");
        assert!(String::from_utf8_lossy(&on_source.stderr).contains("is not a bytecode file"));
        let on_garbage = lox(&[command, garbage.to_str().unwrap()]);
        assert_eq!(on_garbage.status.code(), Some(65), "{command}");
        assert!(String::from_utf8_lossy(&on_garbage.stderr).contains("the magic number is wrong"));
    }
    let dump_bytecode = lox(&["dump", "--stage", "ir", out.to_str().unwrap()]);
    assert_eq!(dump_bytecode.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&dump_bytecode.stderr).contains("use `lox disasm`"));
}

#[test]
fn usage_errors_exit_64_and_help_exits_0() {
    assert_eq!(lox(&["--no-such-flag"]).status.code(), Some(64));
    assert_eq!(lox(&["compile"]).status.code(), Some(64));
    assert_eq!(
        lox(&["dump", "--stage", "nonsense", "x.lox"]).status.code(),
        Some(64)
    );
    assert_eq!(lox(&["--limits=fast", "x.lox"]).status.code(), Some(64));
    for args in [&["--help"][..], &["--version"], &["compile", "--help"]] {
        let out = lox(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(!out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn runtime_errors_keep_earlier_output() {
    let dir = scratch("runtime-error");
    let source = dir.join("p.lox");
    fs::write(
        &source,
        "fun f() { return nil + 1; }\nprint \"before\";\nf();\n",
    )
    .unwrap();
    let out = dir.join("p.loxc");
    assert!(
        lox(&[
            "compile",
            source.to_str().unwrap(),
            "-o",
            out.to_str().unwrap()
        ])
        .status
        .success()
    );
    for path in [&source, &out] {
        let run = lox(&[path.to_str().unwrap()]);
        assert_eq!(run.status.code(), Some(70));
        assert_eq!(String::from_utf8_lossy(&run.stdout), "before\n");
        assert_eq!(
            String::from_utf8_lossy(&run.stderr),
            "Operands must be two numbers or two strings.\n[line 1] in f()\n[line 3] in script\n"
        );
    }
}

const TABLE_BEGIN: &str = "<!-- opcodes:begin -->\n";
const TABLE_END: &str = "<!-- opcodes:end -->";

#[test]
fn the_documented_opcode_table_is_the_generated_one() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join("bytecode.md");
    let doc = fs::read_to_string(&path).expect("docs/bytecode.md exists");
    let start = doc.find(TABLE_BEGIN).expect("the begin marker") + TABLE_BEGIN.len();
    let end = doc[start..].find(TABLE_END).expect("the end marker") + start;
    let generated = Op::markdown_table();
    if doc[start..end] == generated {
        return;
    }
    if std::env::var_os("LOX_BLESS").is_some() {
        fs::write(
            &path,
            format!("{}{generated}{}", &doc[..start], &doc[end..]),
        )
        .unwrap();
        return;
    }
    panic!(
        "the opcode table in docs/bytecode.md is out of date; regenerate it with \
         `LOX_BLESS=1 cargo test --test suite` and review the diff"
    );
}

/// A compiled file carries its span tables: a runtime error from it has the same span
/// as from its source, and without the source at hand no columns.
#[test]
fn runtime_error_spans_travel_in_the_file() {
    let dir = scratch("spans");
    let source = dir.join("spans.lox");
    fs::write(&source, "var a = 1;\nprint a - \"b\";\n").unwrap();
    let out = dir.join("spans.loxc");
    let compiled = lox(&[
        "compile",
        source.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(compiled.status.success(), "{compiled:?}");
    let error = |path: &PathBuf| -> serde_json::Value {
        let run = lox(&["--error-format=json", path.to_str().unwrap()]);
        assert_eq!(run.status.code(), Some(70), "{run:?}");
        // The runtime error is the last line (a warning about `a - "b"` may precede it).
        let stderr = String::from_utf8_lossy(&run.stderr);
        serde_json::from_str(stderr.lines().last().unwrap_or("")).expect("a JSON object")
    };
    let (from_source, from_file) = (error(&source), error(&out));
    // The `-` is bytes 19..20 of the source, on line 2 at column 9.
    assert_eq!(from_source["span"], serde_json::json!([19, 20]));
    assert_eq!(from_source["columns"], serde_json::json!([9, 10]));
    assert_eq!(from_file["span"], from_source["span"]);
    assert_eq!(from_file["columns"], serde_json::Value::Null);
}

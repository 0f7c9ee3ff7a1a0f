//! Hostile source: programs built to break a compiler (nesting a million deep, 10^5
//! constants, globals or strings, unterminated constructs, floods of errors, NUL bytes,
//! invalid UTF-8, a byte-order mark, CR and CRLF line ends, a 1 MB identifier, a 10 MB
//! string, a 100,000-digit number, a recursion that fills the value stack). Each one is
//! generated here (nothing large is committed) and must end with exit 0, 65 or 70 and
//! its expected message, never a panic, an abort, a native stack overflow or a hang,
//! both through the library on a thread with a 2 MiB stack and through the `lox`
//! binary, which must print exactly what the library reports, with deep traces folded
//! as the binary folds them (src/cli/trace.rs). A source that is not text (a NUL byte,
//! invalid UTF-8) the library compiles as it is, and the binary refuses with exit 65.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use loxide::driver;
use loxide::frontend::Lang;
use loxide::ir::Limits;
use loxide::vm::{Options, SharedBuffer, Vm};

use super::bytecode_file::scratch;
use super::trace;

/// The stack of the thread that compiles and runs each case in process: a spawned
/// thread's default, a quarter of a main thread's.
const SMALL_STACK: usize = 2 << 20;
/// How long one case may take through the binary before it counts as a hang.
const TIMEOUT: Duration = Duration::from_secs(120);
/// A safety net for the in-process run, so that a regression fails instead of hanging;
/// every case stops on its own far below it.
const STEP_BUDGET: u64 = 100_000_000;
/// The depths every nesting case is tried at.
const DEPTHS: [usize; 2] = [100_000, 1_000_000];

const OK: i32 = 0;
const COMPILE: i32 = 65;
const RUNTIME: i32 = 70;

struct Case {
    name: String,
    lang: Lang,
    source: Vec<u8>,
    /// The exit status the binary must give (0, 65 or 70).
    exit: i32,
    /// Text that must appear in standard output or standard error.
    expect: &'static str,
    /// `--max-depth`, when the case needs one.
    max_depth: Option<usize>,
    /// Not text (a NUL byte, invalid UTF-8): the binary refuses the file with exit 65
    /// (docs/cli.md), while the library compiles what it is given.
    not_text: bool,
}

fn case(
    name: impl Into<String>,
    source: impl Into<Vec<u8>>,
    exit: i32,
    expect: &'static str,
) -> Case {
    Case {
        name: name.into(),
        lang: Lang::Lox,
        source: source.into(),
        exit,
        expect,
        max_depth: None,
        not_text: false,
    }
}

/// `open` `depth` times, then `middle`, then `close` `depth` times.
fn nest(open: &str, middle: &str, close: &str, depth: usize) -> String {
    let mut text = String::with_capacity((open.len() + close.len()) * depth + middle.len());
    for _ in 0..depth {
        text.push_str(open);
    }
    text.push_str(middle);
    for _ in 0..depth {
        text.push_str(close);
    }
    text
}

/// Every construct that nests, at every depth of `DEPTHS`, and just under the limit.
fn nesting_cases() -> Vec<Case> {
    const DEEP: &str = "Too much nesting.";
    let shapes: [(&str, &str, &str, &str, &str); 22] = [
        ("parentheses", "print ", "(", "1", ")"),
        ("unclosed_parentheses", "print ", "(", "", ""),
        ("negations", "print ", "-", "1", ""),
        ("nots", "print ", "!", "true", ""),
        ("negated_groups", "print ", "-(", "1", ")"),
        ("blocks", "", "{", "", "}"),
        ("unclosed_blocks", "", "{", "", ""),
        ("functions", "", "fun f() {", "", "}"),
        ("methods", "", "class A { m() {", "", "}}"),
        ("chained_calls", "fun f() { return f; }\nf", "()", ";", ""),
        (
            "nested_calls",
            "fun f(x) { return x; }\nprint ",
            "f(",
            "1",
            ")",
        ),
        ("ifs", "", "if (true) ", "print 1;", ""),
        ("else_ifs", "", "if (false) print 0; else ", "print 1;", ""),
        ("whiles", "", "while (false) ", "print 1;", ""),
        ("fors", "", "for (;false;) ", "print 1;", ""),
        ("assignments", "var a;\n", "a = ", "1;", ""),
        (
            "property_gets",
            "class A {}\nvar a = A();\na.b = a;\nprint a",
            ".b",
            ";",
            "",
        ),
        (
            "property_sets",
            "class A {}\nvar a = A();\na.b = a;\na",
            ".b",
            " = 1;",
            "",
        ),
        ("additions", "print 1", " + 1", ";", ""),
        ("concatenations", "print \"\"", " + \"a\"", ";", ""),
        ("ands", "print ", "true and ", "1;", ""),
        ("ors", "print ", "false or ", "1;", ""),
    ];
    let mut cases = Vec::new();
    for (name, prefix, open, middle, close) in shapes {
        for depth in DEPTHS {
            let source = format!("{prefix}{}", nest(open, middle, close, depth));
            cases.push(case(format!("{name}_{depth}"), source, COMPILE, DEEP));
        }
    }
    // Just under the limit, the same constructs compile and run, on a 2 MiB stack too.
    let fine = 1000;
    let shallow = [
        (
            "parentheses",
            format!("print {};", nest("(", "1", ")", fine)),
            "1",
        ),
        (
            "negations",
            format!("print {};", nest("-", "1", "", fine)),
            "1",
        ),
        ("blocks", nest("{", "print 1;", "}", fine), "1"),
        ("ifs", nest("if (true) ", "print 1;", "", fine), "1"),
        (
            "whiles",
            format!(
                "var i = 0; {} print i;",
                nest("while (i < 1) ", "i = i + 1;", "", fine)
            ),
            "1",
        ),
        (
            "called_closures",
            nest("fun f() { var x = 1; ", "print x;", "} f();", fine),
            "1",
        ),
        (
            "property_gets",
            format!(
                "class A {{}}\nvar a = A();\na.b = a;\nprint a{} == a;",
                ".b".repeat(fine)
            ),
            "true",
        ),
    ];
    for (name, source, expect) in shallow {
        cases.push(case(format!("{name}_{fine}"), source, OK, expect));
    }
    // Functions may nest as deep as the verifier allows (1,024 levels below the
    // script), less than the parser's limit: one level more is a compile error at the
    // function too deep, not a module the verifier refuses.
    let calls = |depth| nest("fun f() { ", "print 1;", "} f();", depth);
    cases.push(case("called_closures_1024", calls(1024), OK, "1"));
    cases.push(case("called_closures_1025", calls(1025), COMPILE, DEEP));
    cases.push(case(
        "methods_1025",
        nest("class A { m() { ", "", "}}", 1025),
        COMPILE,
        "[line 1] Error at 'm': Too much nesting.",
    ));
    cases.push(case(
        "functions_1400",
        nest("fun f() {\n", "", "}\n", 1400),
        COMPILE,
        "[line 1025] Error at 'f': Too much nesting.",
    ));
    cases
}

/// Subclass chains: written out, and built by a loop at run time.
fn subclass_cases() -> Vec<Case> {
    let mut written = String::from("class A0 { m() { return 0; } }\n");
    for i in 1..100_000 {
        written.push_str(&format!("class A{i} < A{} {{}}\n", i - 1));
    }
    written.push_str("print A99999().m();\n");
    let mut fits = String::from("class A0 { m() { return \"root\"; } }\n");
    for i in 1..20_000 {
        fits.push_str(&format!("class A{i} < A{} {{}}\n", i - 1));
    }
    fits.push_str("print A19999().m();\n");
    let built = "class A { m(n) { return n; } }\n\
                 var C = A;\n\
                 for (var i = 0; i < 100000; i = i + 1) {\n\
                   class D < C { m(n) { return super.m(n + 1); } }\n\
                   C = D;\n\
                 }\n\
                 print \"built\";\n\
                 print C().m(0);\n";
    let shallow_calls = "class A { m(n) { return n; } }\n\
                         var C = A;\n\
                         for (var i = 0; i < 100000; i = i + 1) {\n\
                           class D < C { m(n) { return n + 1; } }\n\
                           C = D;\n\
                         }\n\
                         print C().m(0);\n";
    vec![
        // 100,000 globals: past the 65,536 that 16-bit operands allowed.
        case("subclasses_written_100000", written, OK, "0"),
        case("subclasses_written_20000", fits, OK, "root"),
        case("subclasses_built_100000", built, RUNTIME, "Stack overflow."),
        case("subclasses_built_shallow_calls", shallow_calls, OK, "1"),
    ]
}

/// 10^5 constants, globals and string literals: all past the 65,536 that 16-bit
/// operands allowed, and far below the 2^24 of today's 24-bit ones.
fn count_cases() -> Vec<Case> {
    let lines = |f: &dyn Fn(usize) -> String| (0..100_000).map(f).collect::<String>();
    let mut in_functions = String::new();
    for f in 0..10 {
        in_functions.push_str(&format!("fun f{f}() {{ var s = 0;\n"));
        for i in 0..10_000 {
            in_functions.push_str(&format!("s = s + {};\n", f * 10_000 + i));
        }
        in_functions.push_str("return s; }\n");
    }
    in_functions
        .push_str("print f0() + f1() + f2() + f3() + f4() + f5() + f6() + f7() + f8() + f9();\n");
    let globals_fit = (0..60_000)
        .map(|i| format!("var v{i} = {i};\n"))
        .collect::<String>()
        + "print v59999;\n";
    vec![
        case(
            "constants_100000",
            lines(&|i| format!("print {i};\n")),
            OK,
            "99998\n99999\n",
        ),
        case(
            "constants_in_ten_functions",
            in_functions,
            OK,
            "4.99995e+09",
        ),
        case(
            "globals_100000",
            lines(&|i| format!("var v{i} = {i};\n")) + "print v0 + v99999;\n",
            OK,
            "99999",
        ),
        case("globals_60000", globals_fit, OK, "59999"),
        // 65,536 constants, once the most a function had: folding `1 + 2` then needed
        // a new one, and the sum once wrapped to constant 0.
        case(
            "folding_into_a_full_constant_pool",
            (0..65_534)
                .map(|i| format!("print {};\n", i + 10))
                .collect::<String>()
                + "print 1 + 2;\n",
            OK,
            "65543\n3\n",
        ),
        case(
            "strings_100000",
            lines(&|i| format!("print \"s{i}\";\n")),
            OK,
            "s99998\ns99999\n",
        ),
        case(
            "same_string_100000",
            lines(&|_| "print \"s\";\n".into()),
            OK,
            "s\ns\n",
        ),
    ]
}

/// Every construct cut off at the end of the file, and floods of errors.
fn error_cases() -> Vec<Case> {
    let unterminated = [
        "print (",
        "{",
        "{ { { {",
        "fun f(",
        "fun f(a, b,",
        "fun f() {",
        "class A {",
        "class A < ",
        "class A { m(",
        "class",
        "var",
        "var x = ",
        "if (",
        "if (true)",
        "if (true) print 1; else",
        "while (true",
        "for (",
        "for (;;",
        "for (var i = 0; i <",
        "return",
        "print \"abc",
        "\"",
        "x = \"unterminated\n\n\n",
        "a.",
        "a =",
        "!",
        "-",
        "f(1,",
        "super.",
        "this.",
        "print 1 +",
        "print 1",
        "print 1 or",
        "1 ==",
    ];
    let mut cases: Vec<Case> = unterminated
        .iter()
        .enumerate()
        .map(|(i, source)| case(format!("unterminated_{i:02}"), *source, COMPILE, "Error"))
        .collect();
    cases.push(case("only_a_comment", "// comment", OK, ""));
    let mut many = String::new();
    for i in 0..5000 {
        many.push_str(&format!("print {i} +;\nvar = 1;\n@#\nclass {{\n}}\n\"\n"));
    }
    cases.push(case(
        "errors_of_every_kind_5000",
        many,
        COMPILE,
        "Expect expression.",
    ));
    let mut semantic = String::new();
    for i in 0..5000 {
        semantic.push_str(&format!(
            "{{ var a{i} = a{i}; }}\nreturn 1;\nthis;\nsuper.x;\n"
        ));
    }
    cases.push(case(
        "semantic_errors_5000",
        semantic,
        COMPILE,
        "Can't read local variable in its own initializer.",
    ));
    cases.push(case(
        "duplicate_locals_5000",
        format!("{{{}}}", "var a; var a;\n".repeat(5000)),
        COMPILE,
        "Already a variable with this name in this scope.",
    ));
    cases.push(case(
        "missing_expressions_100000",
        "print;\n".repeat(100_000),
        COMPILE,
        "Expect expression.",
    ));
    cases.push(case(
        "bad_characters_100000",
        "@\n".repeat(100_000),
        COMPILE,
        "Unexpected character.",
    ));
    cases
}

/// Bytes that are not clean text, and line ends.
fn byte_cases() -> Vec<Case> {
    vec![
        case(
            "nul_bytes",
            &b"print 1;\x00print 2;\n\"a\x00b\";\n"[..],
            COMPILE,
            "Unexpected character.",
        ),
        case("nul_in_string", &b"print \"x\x00y\";\n"[..], OK, "x\0y"),
        case(
            "only_nul_bytes",
            vec![0u8; 100_000],
            COMPILE,
            "Unexpected character.",
        ),
        case(
            "invalid_utf8",
            &b"print 1;\nvar \xc3 = 1;\n\x80\x80\n"[..],
            COMPILE,
            "Unexpected character.",
        ),
        case(
            "invalid_utf8_in_string",
            &b"print \"a\xffb\";\n"[..],
            OK,
            "a\u{FFFD}b",
        ),
        case(
            "truncated_utf8_at_end",
            &b"print 1;\n\xe2\x82"[..],
            COMPILE,
            "Unexpected character.",
        ),
        case("byte_order_mark", &b"\xef\xbb\xbfprint 1;\n"[..], OK, "1"),
        case("byte_order_mark_only", &b"\xef\xbb\xbf"[..], OK, ""),
        case(
            "byte_order_mark_later",
            &b"print 1;\n\xef\xbb\xbfprint 2;\n"[..],
            COMPILE,
            "Unexpected character.",
        ),
        case(
            "cr_line_ends",
            &b"print 1;\rprint 2;\r\rprint x;\r"[..],
            RUNTIME,
            "Undefined variable 'x'.",
        ),
        case(
            "crlf_line_ends",
            &b"print 1;\r\nprint 2;\r\n\r\nprint x;\r\n"[..],
            RUNTIME,
            "[line 4] in script",
        ),
        case(
            "crlf_in_string",
            &b"print \"a\r\nb\";\r\nprint x;\r\n"[..],
            RUNTIME,
            "[line 3] in script",
        ),
    ]
}

/// Huge tokens: a 1 MB identifier, a 10 MB string, 100,000-digit numbers.
fn size_cases() -> Vec<Case> {
    let ident = "a".repeat(1 << 20);
    let string = "x".repeat(10 << 20);
    let digits = "9".repeat(100_000);
    vec![
        case(
            "identifier_1mb",
            format!("var {ident} = 1;\nprint {ident};\n"),
            OK,
            "1",
        ),
        case(
            "identifier_1mb_undefined",
            format!("print {ident};\n"),
            RUNTIME,
            "Undefined variable 'aaaa",
        ),
        case(
            "identifier_1mb_property",
            format!("class {ident} {{}}\nprint {ident}().{ident};\n"),
            RUNTIME,
            "Undefined property 'aaaa",
        ),
        case(
            "string_10mb",
            format!("var s = \"{string}\";\nprint s == s;\nprint s;\n"),
            OK,
            "true\nxxxx",
        ),
        case(
            "string_10mb_concatenated",
            format!("var s = \"{string}\";\nvar t = s + s;\nprint t == s;\n"),
            OK,
            "false",
        ),
        case(
            "string_10mb_unterminated",
            format!("var s = \"{string}"),
            COMPILE,
            "Unterminated string.",
        ),
        case(
            "number_100000_digits",
            format!("print {digits};\n"),
            OK,
            "inf",
        ),
        case(
            "number_100000_fraction_digits",
            format!("print 0.{};\n", "1".repeat(100_000)),
            OK,
            "0.111111",
        ),
        case(
            "number_100000_leading_zeros",
            format!("print {}1;\n", "0".repeat(100_000)),
            OK,
            "1",
        ),
        case(
            "number_100000_digits_then_dot",
            format!("print {digits}.;\n"),
            COMPILE,
            "Expect property name",
        ),
    ]
}

/// Recursions that fill the value stack (and not the frame limit) or hit the frame limit.
fn stack_cases() -> Vec<Case> {
    let locals: String = (0..250).map(|i| format!("var l{i} = n; ")).collect();
    let wide = format!("fun f(n) {{ {locals}return f(n + 1); }}\nf(0);\n");
    let mut fills = case(
        "recursion_fills_the_value_stack",
        wide.clone(),
        RUNTIME,
        "Stack overflow.",
    );
    fills.max_depth = Some(1 << 30);
    vec![
        fills,
        case(
            "wide_recursion_default_depth",
            wide,
            RUNTIME,
            "Stack overflow.",
        ),
        case(
            "narrow_recursion",
            "fun f(n) { return f(n + 1); }\nf(0);\n",
            RUNTIME,
            "Stack overflow.",
        ),
        case(
            "deep_recursion_that_fits",
            "fun f(n) { if (n == 0) return 0; return 1 + f(n - 1); }\nprint f(90000);\n",
            OK,
            "90000",
        ),
    ]
}

/// Potato reaches the same stages through its own front end.
fn potato_cases() -> Vec<Case> {
    let potato = |name: &str, source: String, exit, expect| Case {
        lang: Lang::Potato,
        ..case(name, source, exit, expect)
    };
    let mut indented = String::new();
    for depth in 0..2000 {
        indented.push_str(&" ".repeat(depth));
        indented.push_str(&format!("f{depth} ()\n"));
    }
    vec![
        potato(
            "potato_parentheses_100000",
            format!("say {}\n", nest("(", "1", ")", 100_000)),
            COMPILE,
            "Too much nesting.",
        ),
        potato(
            "potato_unclosed_100000",
            format!("say {}\n", "(".repeat(100_000)),
            COMPILE,
            "Error",
        ),
        potato(
            "potato_indentation_2000",
            indented,
            COMPILE,
            "Too much nesting.",
        ),
        potato("potato_nul_bytes", "say 1\n\0\0\n".into(), COMPILE, "Error"),
    ]
}

fn all_cases() -> Vec<Case> {
    let mut cases = nesting_cases();
    cases.extend(subclass_cases());
    cases.extend(count_cases());
    cases.extend(error_cases());
    cases.extend(byte_cases());
    cases.extend(size_cases());
    cases.extend(stack_cases());
    cases.extend(potato_cases());
    if cfg!(feature = "gc-stress") {
        // These load or build tens of thousands of live objects, and gc-stress collects
        // the whole heap at every allocation: quadratic, minutes each. They test scale,
        // not roots, and the normal pass runs them.
        cases.retain(|case| !GC_STRESS_SKIPS.contains(&case.name.as_str()));
    }
    for case in &mut cases {
        case.not_text = std::str::from_utf8(&case.source).map_or(true, |text| text.contains('\0'));
    }
    cases
}

/// The cases too slow to run with a collection at every allocation.
const GC_STRESS_SKIPS: [&str; 6] = [
    "subclasses_written_20000",
    "subclasses_written_100000",
    "subclasses_built_100000",
    "globals_60000",
    "globals_100000",
    "strings_100000",
];

/// What a run printed and how it ended.
#[derive(Debug, PartialEq)]
pub struct Run {
    pub exit: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Compiles and runs a case with the library, as `lox FILE` would, on a thread with a
/// 2 MiB stack. `Err` says how it crashed.
fn run_in_process(case: &Case) -> Result<Run, String> {
    let source = String::from_utf8_lossy(&case.source).into_owned();
    let lang = case.lang;
    let max_depth = case.max_depth;
    let worker = thread::Builder::new()
        .name(case.name.clone())
        .stack_size(SMALL_STACK)
        .spawn(move || {
            let program = match driver::compile_with(&source, lang, Limits::Default) {
                Ok(program) => program,
                Err(e) => {
                    return Run {
                        exit: COMPILE,
                        stdout: String::new(),
                        stderr: e.to_string(),
                    };
                }
            };
            let out = SharedBuffer::new();
            let mut options = Options {
                max_steps: Some(STEP_BUDGET),
                ..Options::default()
            };
            if let Some(depth) = max_depth {
                options.max_frames = depth;
            }
            let mut vm = Vm::with_output(options, Box::new(out.clone()));
            let result = vm.run(&program);
            vm.flush();
            let (exit, stderr) = match result {
                Ok(()) => (OK, String::new()),
                Err(e) => (RUNTIME, e.to_string()),
            };
            Run {
                exit,
                stdout: out.contents(),
                stderr,
            }
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    worker
        .join()
        .map_err(|_| "the library panicked".to_string())
}

/// Runs the `lox` binary with a time limit; `Err` says how it crashed or hung.
pub fn run_binary(args: &[&str], timeout: Duration) -> Result<Run, String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lox"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start lox: {e}"))?;
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no answer within {}s", timeout.as_secs()));
        }
        thread::sleep(Duration::from_millis(5));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    match status.code() {
        Some(exit) => Ok(Run {
            exit,
            stdout,
            stderr,
        }),
        None => Err(format!(
            "killed by a signal ({status}); stderr: {}",
            head(&stderr)
        )),
    }
}

/// A runtime error's text with its trace folded as the `lox` binary folds it.
fn folded(stderr: &str) -> String {
    let mut lines = stderr.lines();
    let Some(message) = lines.next() else {
        return String::new();
    };
    let frames: Vec<&str> = lines.collect();
    if !frames
        .iter()
        .all(|line| line.starts_with("[line ") && line.contains("] in "))
    {
        return stderr.to_string();
    }
    let mut out = format!("{message}\n");
    for line in trace::fold(&frames) {
        match line {
            trace::Line::Frame(frame) => out.push_str(frame),
            trace::Line::Repeated { lines, times } => out.push_str(&trace::fold_line(lines, times)),
            trace::Line::Omitted(frames) => out.push_str(&trace::omitted_line(frames)),
        }
        out.push('\n');
    }
    out
}

/// The start of a long text, for failure messages.
fn head(text: &str) -> String {
    text.chars().take(300).collect()
}

/// Checks one case both ways; returns what went wrong.
fn check(case: &Case, dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let name = &case.name;
    let judge = |how: &str, run: &Run, problems: &mut Vec<String>| {
        if run.exit != case.exit {
            problems.push(format!(
                "{name} ({how}): exit {} instead of {}; stderr: {}",
                run.exit,
                case.exit,
                head(&run.stderr)
            ));
        }
        if !run.stdout.contains(case.expect) && !run.stderr.contains(case.expect) {
            problems.push(format!(
                "{name} ({how}): '{}' is in neither stdout ({}) nor stderr ({})",
                case.expect,
                head(&run.stdout),
                head(&run.stderr)
            ));
        }
        if run.stderr.contains("panicked") || run.stderr.contains("Internal") {
            problems.push(format!("{name} ({how}): {}", head(&run.stderr)));
        }
    };
    let in_process = run_in_process(case);
    match &in_process {
        Ok(run) => judge("library", run, &mut problems),
        Err(e) => problems.push(format!("{name} (library): {e}")),
    }
    let extension = if case.lang == Lang::Potato {
        "potato"
    } else {
        "lox"
    };
    let path = dir.join(format!("{name}.{extension}"));
    std::fs::write(&path, &case.source).expect("a writable scratch file");
    let depth = case.max_depth.map(|d| d.to_string());
    let mut args = Vec::new();
    if let Some(depth) = &depth {
        args.extend(["--max-depth", depth.as_str()]);
    }
    args.push(path.to_str().expect("a UTF-8 scratch path"));
    match run_binary(&args, TIMEOUT) {
        Ok(run) if case.not_text => {
            if run.exit != COMPILE || !run.stderr.contains("is not a text file (") {
                problems.push(format!("{name} (binary): not refused as text: {run:?}"));
            }
        }
        Ok(run) => {
            judge("binary", &run, &mut problems);
            // The binary folds traces deeper than 64 frames (src/cli/trace.rs).
            if let Ok(expected) = &in_process
                && (run.stdout != expected.stdout || run.stderr != folded(&expected.stderr))
            {
                problems.push(format!(
                    "{name}: the binary printed something else than the library \
                     (stdout {} vs {}, stderr {} vs {})",
                    head(&run.stdout),
                    head(&expected.stdout),
                    head(&run.stderr),
                    head(&expected.stderr)
                ));
            }
        }
        Err(e) => problems.push(format!("{name} (binary): {e}")),
    }
    let _ = std::fs::remove_file(&path);
    problems
}

#[test]
fn hostile_source_ends_in_an_error_or_a_result_never_a_crash() {
    let cases = all_cases();
    let dir = scratch("hostile_source");
    let next = AtomicUsize::new(0);
    let problems = Mutex::new(Vec::new());
    let timings = Mutex::new(Vec::new());
    let workers = thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4);
    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(case) = cases.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let start = Instant::now();
                    let found = check(case, &dir);
                    timings
                        .lock()
                        .unwrap()
                        .push((start.elapsed(), case.name.clone()));
                    problems.lock().unwrap().extend(found);
                }
            });
        }
    });
    let mut timings = timings.into_inner().unwrap();
    timings.sort();
    for (elapsed, name) in timings.iter().rev().take(5) {
        println!("slowest: {name} {:.2}s", elapsed.as_secs_f64());
    }
    let problems = problems.into_inner().unwrap();
    assert!(
        problems.is_empty(),
        "{} problems in {} cases:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
}

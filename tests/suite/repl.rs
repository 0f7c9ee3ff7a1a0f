//! The REPL, driven through standard input: globals persist between inputs, an
//! unfinished statement continues on the next line, and errors do not end the session.

use std::io::Write;
use std::process::{Command, Stdio};

fn session(input: &str) -> (String, String, i32) {
    session_with(&[], input)
}

/// Runs `lox ARGS` with `input` on standard input; returns stdout, stderr, exit code.
fn session_with(args: &[&str], input: &str) -> (String, String, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lox"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lox starts");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.as_bytes())
        .expect("input written");
    let out = child.wait_with_output().expect("lox finishes");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn globals_persist_and_multi_line_input_continues() {
    let (stdout, stderr, code) =
        session("var a = 1;\nfun f(x) {\n  return x + a;\n}\nprint f(2);\nclass C {}\nprint C;\n");
    assert_eq!(stdout, "3\nC\n");
    assert_eq!(stderr, "");
    assert_eq!(code, 0, "end of input ends the session normally");
}

#[test]
fn errors_are_reported_and_the_session_goes_on() {
    let (stdout, stderr, code) = session("print nope;\nprint (;\nvar ok = \"yes\";\nprint ok;\n");
    assert_eq!(stdout, "yes\n");
    assert!(
        stderr.contains("Undefined variable 'nope'.\n[line 1] in script"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[line 1] Error at ';': Expect expression."),
        "{stderr}"
    );
    assert_eq!(code, 0);
}

#[test]
fn a_runtime_error_keeps_earlier_definitions() {
    let (stdout, _, _) = session("var n = 41;\nn = n + nil;\nprint n + 1;\n");
    assert_eq!(stdout, "42\n");
}

#[test]
fn a_potato_session_sees_globals_defined_on_earlier_lines() {
    let input = "🐝 is \"bumble\"\nbuzz (🐝) say 🐝\nbuzz (\"honey\")\nsay 🐝\nsay nope\nsay 🐝 potato \"bee\"\n";
    let (stdout, stderr, _) = session_with(&["--lang", "potato"], input);
    assert_eq!(stdout, "honey\nbumble\nbumblebee\n");
    assert!(
        stderr.contains("Error at 'nope': Variable used before it is defined."),
        "{stderr}"
    );
}

#[test]
fn a_dash_runs_a_whole_program_from_standard_input() {
    for (args, input, expected) in [
        (vec!["-"], "var a = 1;\nprint a + 2;\n", "3\n"),
        (
            vec!["--lang", "potato", "-"],
            "🐝 is \"bumble\"\nbuzz (🐝) say 🐝\nbuzz (\"honey\")\n",
            "honey\n",
        ),
    ] {
        let (stdout, _, code) = session_with(&args, input);
        assert_eq!((stdout.as_str(), code), (expected, 0), "{args:?}");
    }
}

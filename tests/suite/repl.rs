//! The REPL, on a pseudo-terminal (tests/suite/pty.rs): the banner, echo of what is
//! typed, expression values, multi-line input, errors that do not end the session,
//! history kept in a file across sessions, completion, highlighting, Ctrl-C and Ctrl-D,
//! the `:` commands and Potato blocks. Standard input that is not a terminal is a
//! program, not a session: that is checked here too.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::bytecode_file::scratch;
use super::pty::Pty;

/// A fresh state directory (for the history file) for one test.
fn state(name: &str) -> PathBuf {
    let dir = scratch(&format!("repl_{name}")).join("state");
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs `lox ARGS` with `input` on standard input (a pipe); returns stdout, stderr,
/// exit code.
fn piped(args: &[&str], input: &str) -> (String, String, i32) {
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
fn piped_standard_input_is_a_script_like_dash() {
    let input = "print \"a\";\nprint nope;\nprint \"after\";\n";
    for args in [&[][..], &["-"]] {
        let (stdout, stderr, code) = piped(args, input);
        assert_eq!(
            (stdout.as_str(), stderr.as_str(), code),
            (
                "a\n",
                "Undefined variable 'nope'.\n[line 2] in script\n",
                70
            ),
            "{args:?}"
        );
    }
    let (_, stderr, code) = piped(&[], "print (;\n");
    assert_eq!(
        (stderr.as_str(), code),
        ("[line 1] Error at ';': Expect expression.\n", 65)
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
        let (stdout, _, code) = piped(&args, input);
        assert_eq!((stdout.as_str(), code), (expected, 0), "{args:?}");
    }
}

#[test]
fn a_session_echoes_runs_and_keeps_going() {
    let mut lox = Pty::spawn(&[], &state("session"), false);
    let banner = lox.expect("> ");
    assert!(
        banner.starts_with(&format!(
            "loxide {} (Lox). Type :help for help",
            env!("CARGO_PKG_VERSION")
        )),
        "{banner}"
    );
    // (typed, what the terminal then shows up to the next prompt)
    let steps = [
        ("1 + 2", "1 + 2\n3\n> "),
        ("var a = 40", "var a = 40\n... "),
        (";", ";\n> "),
        ("a + 2 // the answer", "a + 2 // the answer\n42\n> "),
        ("nil", "nil\n> "),
        ("fun f(x) {", "fun f(x) {\n... "),
        ("  return x * 2;", "  return x * 2;\n... "),
        ("}", "}\n> "),
        ("print f(a);", "print f(a);\n80\n> "),
        (
            "print nope;",
            "print nope;\nUndefined variable 'nope'.\n[line 1] in script\n> ",
        ),
        (
            "\"x\" + 1",
            "\"x\" + 1\nOperands must be two numbers or two strings.\n[line 1] in script\n> ",
        ),
        (
            "print (;",
            "print (;\n[line 1] Error at ';': Expect expression.\n> ",
        ),
        // An empty line ends an unfinished input and shows why it was unfinished.
        ("print 1", "print 1\n... "),
        ("", "\n[line 3] Error at end: Expect ';' after value.\n> "),
        ("print a;", "print a;\n40\n> "),
    ];
    for (typed, shown) in steps {
        assert_eq!(lox.line(typed), shown, "after typing {typed:?}");
    }
    lox.send(":quit\r");
    assert_eq!(lox.wait(), 0);
}

/// The session shows errors in the rich format unless told otherwise: the input's line
/// with the span underlined.
#[test]
fn the_session_shows_errors_rich_by_default() {
    let mut lox = Pty::spawn_in_format(&[], &state("rich"), false, None);
    lox.expect("> ");
    let shown = lox.line("var x = 1 print x;");
    assert!(
        shown.contains("error: Expect ';' after variable declaration.")
            && shown.contains("1 │ var x = 1 print x;")
            && shown.contains("^ expected here"),
        "{shown}"
    );
    let shown = lox.line("print nope;");
    assert!(
        shown.contains("error: Undefined variable 'nope'.")
            && shown.contains("1 │ print nope;")
            && shown.contains("in script"),
        "{shown}"
    );
    // Names from earlier inputs are suggested.
    lox.line("var count = 1;");
    let shown = lox.line("print cuont;");
    assert!(shown.contains("help: did you mean 'count'?"), "{shown}");
    // An expression typed without `;` runs wrapped, but its error shows it as typed.
    let shown = lox.line("nope + 1");
    assert!(
        shown.contains("1 │ nope + 1") && !shown.contains("__repl"),
        "{shown}"
    );
    lox.send(":quit\r");
    assert_eq!(lox.wait(), 0);
}

#[test]
fn history_is_kept_across_sessions() {
    let state = state("history");
    let mut lox = Pty::spawn(&[], &state, false);
    lox.expect("> ");
    lox.line("var kept = 1;");
    for line in ["fun f() {", "  return 2;", "}"] {
        lox.line(line);
    }
    lox.send("\x04");
    assert_eq!(lox.wait(), 0, "Ctrl-D at the prompt ends the session");
    let file = std::fs::read_to_string(state.join("lox").join("history")).expect("a history file");
    assert!(file.contains("var kept = 1;"), "{file}");
    assert!(file.contains("fun f() {"), "{file}");

    // The next session recalls earlier inputs with the up arrow.
    let mut lox = Pty::spawn(&[], &state, false);
    lox.expect("> ");
    // The up arrow brings back the last input, the function with all its lines, and
    // Enter runs it again: `f` exists only if it did.
    lox.line("\x1b[A");
    let shown = lox.line("print f() + 1;");
    assert!(shown.ends_with("print f() + 1;\n3\n> "), "{shown:?}");
    lox.send(":quit\r");
    assert_eq!(lox.wait(), 0);
}

#[test]
fn tab_completes_keywords_and_defined_names() {
    let mut lox = Pty::spawn(&[], &state("completion"), false);
    lox.expect("> ");
    lox.line("var counter = 7;");
    lox.send("pri\t");
    lox.expect("print");
    lox.send(" cou\t");
    lox.expect("counter");
    let shown = lox.line(";");
    assert!(shown.ends_with("7\n> "), "{shown:?}");
    lox.send(":q\t");
    lox.expect(":quit");
    lox.send("\r");
    assert_eq!(lox.wait(), 0);
}

#[test]
fn input_is_highlighted_with_matching_brackets() {
    let mut lox = Pty::spawn(&[], &state("colour"), true);
    lox.expect("> ");
    lox.send("print (1)");
    lox.expect("(1)");
    // Wait for the last refresh, then look at the raw bytes.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let raw = String::from_utf8_lossy(&lox.raw()).into_owned();
    assert!(raw.contains("\x1b[1;35mprint\x1b[0m"), "keyword: {raw:?}");
    assert!(raw.contains("\x1b[36m1\x1b[0m"), "number: {raw:?}");
    assert!(
        raw.contains("\x1b[1;4;33m(\x1b[0m"),
        "matching bracket: {raw:?}"
    );
    lox.line(";");
    lox.send(":quit\r");
    assert_eq!(lox.wait(), 0);
}

#[test]
fn ctrl_c_clears_the_line_or_stops_the_program() {
    let mut lox = Pty::spawn(&[], &state("ctrl_c"), false);
    lox.expect("> ");
    lox.line("var kept = 41;");
    // At the prompt: the line is dropped.
    lox.send("print \"dropped\"\x03");
    lox.expect("> ");
    // While a program runs: it stops, and the session keeps its globals.
    lox.send("while (true) kept = kept;\r");
    lox.expect("while (true) kept = kept;\n");
    // A Ctrl-C that lands before the program runs (while it compiles) does nothing: type
    // it until the program reports that it stopped.
    let deadline = std::time::Instant::now() + super::pty::TIMEOUT;
    while !lox.plain().contains("Interrupted.") {
        assert!(std::time::Instant::now() < deadline, "{}", lox.plain());
        lox.send("\x03");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let shown = lox.expect("> ");
    assert!(
        shown.contains("Interrupted.\n[line 1] in script\n"),
        "{shown:?}"
    );
    let shown = lox.line("print kept + 1;");
    assert!(shown.ends_with("print kept + 1;\n42\n> "), "{shown:?}");
    lox.send(":quit\r");
    assert!(!lox.plain().contains("dropped\n"), "{}", lox.plain());
    assert_eq!(lox.wait(), 0);
}

#[test]
fn ctrl_d_on_a_continuation_line_says_what_it_dropped() {
    let mut lox = Pty::spawn(&[], &state("ctrl_d"), false);
    lox.expect("> ");
    lox.line("fun f() {");
    lox.line("  print 1;");
    lox.send("\x04");
    let shown = lox.expect("> ");
    assert!(
        shown.contains("[line 3] Error at end: Expect '}' after block.\n"),
        "{shown:?}"
    );
    assert!(
        shown.contains("Dropped the unfinished input (2 lines, from `fun f() {`).\n"),
        "{shown:?}"
    );
    let shown = lox.line("print f;");
    assert!(shown.contains("Undefined variable 'f'."), "{shown:?}");
    lox.send("\x04");
    assert_eq!(lox.wait(), 0);
}

#[test]
fn commands_help_load_dump_and_quit() {
    let dir = scratch("repl_load");
    let file = dir.join("defs.lox");
    std::fs::write(&file, "var loaded = \"yes\";\nprint \"loading\";\n").unwrap();
    let mut lox = Pty::spawn(&[], &state("commands"), false);
    lox.expect("> ");
    let help = lox.line(":help");
    for command in [":help", ":quit", ":load FILE", ":dump STAGE"] {
        assert!(help.contains(command), "{help}");
    }
    assert!(lox.line(":dump ir").contains("Nothing to show yet"));
    let loaded = lox.line(&format!(":load {}", file.display()));
    assert!(loaded.contains("loading\n"), "{loaded:?}");
    assert!(lox.line("print loaded;").ends_with("yes\n> "));
    let dump = lox.line(":dump bytecode");
    assert!(dump.contains("OP_GET_GLOBAL"), "{dump}");
    assert!(lox.line(":dump nonsense").contains("Usage: :dump STAGE"));
    assert!(lox.line(":nope").contains("Unknown command ':nope'"));
    let missing = lox.line(":load /no/such/file.lox");
    assert!(missing.contains("No such file or directory"), "{missing}");
    lox.send(":quit\r");
    assert_eq!(lox.wait(), 0);
}

#[test]
fn a_potato_session_takes_indented_blocks() {
    let mut lox = Pty::spawn(&["--lang", "potato"], &state("potato"), false);
    lox.expect("(Potato)");
    lox.expect("> ");
    let steps = [
        ("🐝 is \"bumble\"", "🐝 is \"bumble\"\n> "),
        ("buzz (x)", "buzz (x)\n... "),
        ("  say x", "  say x\n... "),
        ("  say x potato 🐝", "  say x potato 🐝\n... "),
        ("", "\n> "),
        (
            "buzz (\"honey\")",
            "buzz (\"honey\")\nhoney\nhoneybumble\n> ",
        ),
        (
            "say nope",
            "say nope\n[line 1] Error at 'nope': Variable used before it is defined.\n> ",
        ),
    ];
    for (typed, shown) in steps {
        assert_eq!(lox.line(typed), shown, "after typing {typed:?}");
    }
    lox.send(":quit\r");
    assert_eq!(lox.wait(), 0);
}

//! Reads the annotations of a test file into an [`Expectation`]; each annotation is
//! matched anywhere on its line, as the book's runner does, so a line never holds two.
//!
//! The format is the one of *Crafting Interpreters*:
//!
//! * `// expect: TEXT` is one line of standard output, in order.
//! * `// expect runtime error: MSG` is the first line of standard error; the exit
//!   status must be 70 and the first `[line N]` trace line must name the line holding
//!   the annotation.
//! * `// Error...` on a line, or `// [line N] Error...` (also `[c line N]`), is a
//!   compile error; every expected error must be reported, no others may be, and the
//!   exit status must be 65. `[java line N]` errors are ignored: they belong to the
//!   book's tree-walking interpreter.
//! * `// nontest` anywhere marks a file that is not a test.
//!
//! In addition, a first line of the form `// args: A B ...` gives extra command-line
//! arguments, placed before the file path. Potato files use `#` instead of `//`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::{EXIT_COMPILE_ERROR, EXIT_RUNTIME_ERROR};

/// Everything a test file says the interpreter must do.
#[derive(Debug, Default, PartialEq)]
pub struct Expectation {
    /// Extra command-line arguments from a leading `// args:` line.
    pub args: Vec<String>,
    /// Expected lines of standard output, each with the source line declaring it.
    pub output: Vec<(usize, String)>,
    /// Expected compile errors, each rendered as `[LINE] Error...`.
    pub compile_errors: BTreeSet<String>,
    /// The expected runtime error message and the source line it must be reported on.
    pub runtime_error: Option<(String, usize)>,
    /// The expected exit status of the interpreter: 0 unless an error is expected.
    pub exit_code: i32,
}

/// The comment marker of a test file's annotations: `#` in Potato, `//` in Lox.
pub fn comment_marker(path: &Path) -> &'static str {
    if path.extension().is_some_and(|e| e == "potato") {
        "#"
    } else {
        "//"
    }
}

/// Reads the annotations of a Lox test file, or returns `None` for a `// nontest` file.
pub fn parse(source: &str) -> Option<Expectation> {
    parse_with(source, "//")
}

/// [`parse`] for annotations in comments that start with `comment`.
pub fn parse_with(source: &str, comment: &str) -> Option<Expectation> {
    let marker = |text: &str| format!("{comment} {text}");
    // Lines end at LF, CRLF or a lone CR, as in the book's runner (and Python's
    // universal-newline mode), so a file with CRLF line endings reads the same.
    let text = source.replace("\r\n", "\n").replace('\r', "\n");
    let mut expectation = Expectation::default();

    for (index, line) in text.split('\n').enumerate() {
        let number = index + 1;
        if line.contains(&marker("nontest")) {
            return None;
        }
        if number == 1
            && let Some(args) = line.strip_prefix(&marker("args:"))
        {
            expectation.args = args.split_whitespace().map(str::to_owned).collect();
        }
        if let Some(text) = after(line, &marker("expect:")) {
            let text = text.strip_prefix(' ').unwrap_or(text);
            expectation.output.push((number, text.to_owned()));
        } else if let Some(error) = after(line, &marker("Error")) {
            expectation
                .compile_errors
                .insert(format!("[{number}] Error{error}"));
            expectation.exit_code = EXIT_COMPILE_ERROR;
        } else if let Some((family, line_digits, error)) = annotated_compile_error(line, comment) {
            // Errors expected only of the Java interpreter do not apply to clox.
            if family != Some("java") {
                expectation
                    .compile_errors
                    .insert(format!("[{line_digits}] {error}"));
                expectation.exit_code = EXIT_COMPILE_ERROR;
            }
        } else if let Some(message) = after(line, &marker("expect runtime error: "))
            && !message.is_empty()
        {
            expectation.runtime_error = Some((message.to_owned(), number));
            expectation.exit_code = EXIT_RUNTIME_ERROR;
        }
    }
    Some(expectation)
}

/// The text following the first occurrence of `marker` in `line`.
fn after<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    line.find(marker).map(|start| &line[start + marker.len()..])
}

/// Matches `// [line N] Error...`, `// [c line N] Error...` or `// [java line N]
/// Error...` (with `comment` for `//`) at the first place in `line` where one occurs.
/// Returns the interpreter family (if any), the digits of N, and the text from `Error`
/// to the end of the line.
fn annotated_compile_error<'a>(
    line: &'a str,
    comment: &str,
) -> Option<(Option<&'a str>, &'a str, &'a str)> {
    let opening = format!("{comment} [");
    line.match_indices(opening.as_str())
        .find_map(|(start, marker)| {
            let rest = &line[start + marker.len()..];
            let (family, rest) = match (rest.strip_prefix("java "), rest.strip_prefix("c ")) {
                (Some(rest), _) => (Some("java"), rest),
                (None, Some(rest)) => (Some("c"), rest),
                (None, None) => (None, rest),
            };
            let rest = rest.strip_prefix("line ")?;
            let (digits, rest) = leading_digits(rest)?;
            let error = rest.strip_prefix("] ")?;
            error
                .starts_with("Error")
                .then_some((family, digits, error))
        })
}

/// Splits `text` into a non-empty run of ASCII digits and the remainder.
fn leading_digits(text: &str) -> Option<(&str, &str)> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    (end > 0).then(|| text.split_at(end))
}

/// Recognises a compile error line printed by the interpreter, such as `[line 3] Error
/// at 'x': Message.`, and renders it as `[3] Error at 'x': Message.`.
///
/// This mirrors the regular expression `\[.*line (\d+)\] (Error.+)`: the match starts
/// at the first `[`, and the greedy `.*` selects the last `line N] Error` after it that
/// is followed by at least one more character.
pub fn reported_compile_error(line: &str) -> Option<String> {
    let bracket = line.find('[')?;
    let candidates: Vec<usize> = line
        .match_indices("line ")
        .map(|(start, _)| start)
        .filter(|&start| start > bracket)
        .collect();
    candidates.into_iter().rev().find_map(|start| {
        let (digits, rest) = leading_digits(&line[start + "line ".len()..])?;
        let error = rest.strip_prefix("] ")?;
        (error.starts_with("Error") && error.len() > "Error".len())
            .then(|| format!("[{digits}] {error}"))
    })
}

/// Finds the first `[line N]` in a stack trace line and returns the digits of N.
pub fn trace_line(line: &str) -> Option<&str> {
    line.match_indices("[line ").find_map(|(start, marker)| {
        let (digits, rest) = leading_digits(&line[start + marker.len()..])?;
        rest.starts_with(']').then_some(digits)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_kind_of_annotation() {
        let source = "// args: --limits=clox --verbose\r\n\
                      print 1; // expect: 1\n\
                      print \"\"; // expect:\n\
                      oops; // Error at 'oops': Bad.\n\
                      // [line 9] Error at end: Worse.\n\
                      // [c line 10] Error: C only.\n\
                      // [java line 11] Error: Java only.\n\
                      boom(); // expect runtime error: Kaboom.\n";
        let expectation = parse(source).expect("not a nontest file");
        assert_eq!(expectation.args, ["--limits=clox", "--verbose"]);
        assert_eq!(
            expectation.output,
            [(2, "1".to_owned()), (3, String::new())]
        );
        let errors: Vec<_> = expectation
            .compile_errors
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(
            errors,
            [
                "[10] Error: C only.",
                "[4] Error at 'oops': Bad.",
                "[9] Error at end: Worse."
            ]
        );
        assert_eq!(expectation.runtime_error, Some(("Kaboom.".to_owned(), 8)));
        // The last kind of error annotation decides the exit code.
        assert_eq!(expectation.exit_code, EXIT_RUNTIME_ERROR);
    }

    #[test]
    fn skips_nontest_files() {
        assert_eq!(parse("print 1; // expect: 1\n// nontest\n"), None);
    }

    #[test]
    fn reads_potato_comments_and_ignores_lox_ones_there() {
        let source = "print 1 # expect: 1\nprint 2 // expect: 2\n";
        let expectation = parse_with(source, "#").expect("not a nontest file");
        assert_eq!(expectation.output, [(1, "1".to_owned())]);
        assert_eq!(comment_marker(Path::new("a/b.potato")), "#");
        assert_eq!(comment_marker(Path::new("a/b.lox")), "//");
    }

    #[test]
    fn args_count_only_on_the_first_line() {
        let expectation = parse("print 1;\n// args: --limits=clox\n").expect("a test");
        assert!(expectation.args.is_empty());
    }

    #[test]
    fn recognises_reported_errors_and_trace_lines() {
        assert_eq!(
            reported_compile_error("[line 12] Error at ';': Expect expression."),
            Some("[12] Error at ';': Expect expression.".to_owned())
        );
        assert_eq!(
            reported_compile_error("[c line 3] Error: Unexpected character."),
            Some("[3] Error: Unexpected character.".to_owned())
        );
        assert_eq!(reported_compile_error("[line 3] Error"), None);
        assert_eq!(reported_compile_error("Undefined variable 'x'."), None);
        assert_eq!(trace_line("[line 7] in script"), Some("7"));
        assert_eq!(trace_line("in f() [line] [line 42]"), Some("42"));
        assert_eq!(trace_line("no trace here"), None);
    }
}

//! Compares what an interpreter did with what a test file expects and describes every
//! difference in the words of the book's runner; it reports each difference it finds
//! rather than the first, so one run shows everything wrong with a file.

use std::collections::BTreeSet;

use crate::annotation::{self, Expectation};
use crate::execute::Outcome;

/// At most this many unexpected standard error lines are recorded for one file.
const UNEXPECTED_RECORDED: usize = 10;

/// Returns a description of every difference between `expectation` and `outcome`
/// (empty when the test passes).
pub fn check(expectation: &Expectation, outcome: &Outcome) -> Vec<String> {
    let mut reasons = Vec::new();
    match &expectation.runtime_error {
        Some((message, line)) => check_runtime_error(message, *line, outcome, &mut reasons),
        None => check_compile_errors(&expectation.compile_errors, outcome, &mut reasons),
    }
    if outcome.exit_code != expectation.exit_code {
        reasons.push(format!(
            "Expected return code {} and got {}. Stderr: {}",
            expectation.exit_code,
            outcome.exit_code,
            join_first(&outcome.stderr, 5)
        ));
    }
    check_output(&expectation.output, &outcome.stdout, &mut reasons);
    reasons
}

/// Checks the runtime error message and the line of the innermost trace frame.
fn check_runtime_error(message: &str, line: usize, outcome: &Outcome, reasons: &mut Vec<String>) {
    let stderr = &outcome.stderr;
    if stderr.len() < 2 {
        reasons.push(format!("Expected runtime error '{message}' and got none."));
        return;
    }
    if stderr[0] != message {
        reasons.push(format!(
            "Expected runtime error '{message}' and got: {}",
            stderr[0]
        ));
    }
    match stderr[1..]
        .iter()
        .find_map(|trace| annotation::trace_line(trace))
    {
        None => reasons.push(format!(
            "Expected stack trace and got: {}",
            join_first(&stderr[1..], 3)
        )),
        Some(digits) if digits.parse::<usize>().ok() != Some(line) => reasons.push(format!(
            "Expected runtime error on line {line} but was on line {digits}."
        )),
        Some(_) => {}
    }
}

/// Checks that every expected compile error was reported and nothing else was written
/// to standard error.
fn check_compile_errors(expected: &BTreeSet<String>, outcome: &Outcome, reasons: &mut Vec<String>) {
    let mut found = BTreeSet::new();
    let mut unexpected = 0;
    for line in &outcome.stderr {
        let reason = match annotation::reported_compile_error(line) {
            Some(error) if expected.contains(&error) => {
                found.insert(error);
                continue;
            }
            Some(_) => format!("Unexpected error: {line}"),
            None if line.is_empty() => continue,
            None => format!("Unexpected output on stderr: {line}"),
        };
        unexpected += 1;
        if unexpected <= UNEXPECTED_RECORDED {
            reasons.push(reason);
        }
    }
    for missing in expected.difference(&found) {
        reasons.push(format!("Missing expected error: {missing}"));
    }
}

/// Compares standard output line by line with the `// expect:` annotations.
fn check_output(expected: &[(usize, String)], stdout: &[String], reasons: &mut Vec<String>) {
    // A single trailing empty line is not significant.
    let stdout = match stdout.split_last() {
        Some((last, rest)) if last.is_empty() => rest,
        _ => stdout,
    };
    for (index, actual) in stdout.iter().enumerate() {
        match expected.get(index) {
            None => reasons.push(format!("Got output '{actual}' when none was expected.")),
            Some((line, text)) if text != actual => reasons.push(format!(
                "Expected output '{text}' on line {line} and got '{actual}'."
            )),
            Some(_) => {}
        }
    }
    for (line, text) in expected.iter().skip(stdout.len()) {
        reasons.push(format!("Missing expected output '{text}' on line {line}."));
    }
}

/// Joins up to `count` lines with ` | `, for compact failure messages.
fn join_first(lines: &[String], count: usize) -> String {
    lines
        .iter()
        .take(count)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EXIT_COMPILE_ERROR, EXIT_RUNTIME_ERROR};

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|line| (*line).to_owned()).collect()
    }

    #[test]
    fn reports_output_differences() {
        let expectation = Expectation {
            output: vec![(1, "one".to_owned()), (2, "two".to_owned())],
            ..Expectation::default()
        };
        let outcome = Outcome {
            stdout: vec!["one".to_owned()],
            stderr: vec![],
            exit_code: 0,
        };
        assert_eq!(
            check(&expectation, &outcome),
            ["Missing expected output 'two' on line 2."]
        );
    }

    #[test]
    fn passes_a_matching_runtime_error_and_reports_a_wrong_line() {
        let expectation = annotation::parse("print 1; // expect: 1\nnil(); // expect runtime error: Can only call functions and classes.\n")
            .expect("a test");
        let mut outcome = Outcome {
            stdout: lines(&["1"]),
            stderr: lines(&["Can only call functions and classes.", "[line 2] in script"]),
            exit_code: EXIT_RUNTIME_ERROR,
        };
        assert!(check(&expectation, &outcome).is_empty());
        outcome.stderr[1] = "[line 3] in script".to_owned();
        assert_eq!(
            check(&expectation, &outcome),
            ["Expected runtime error on line 2 but was on line 3."]
        );
    }

    #[test]
    fn reports_missing_and_unexpected_compile_errors() {
        let expectation =
            annotation::parse("var; // Error at ';': Expect variable name.\n").expect("a test");
        let outcome = Outcome {
            stdout: Vec::new(),
            stderr: lines(&["[line 1] Error at 'var': Something else.", "", "noise"]),
            exit_code: EXIT_COMPILE_ERROR,
        };
        assert_eq!(
            check(&expectation, &outcome),
            [
                "Unexpected error: [line 1] Error at 'var': Something else.",
                "Unexpected output on stderr: noise",
                "Missing expected error: [1] Error at ';': Expect variable name.",
            ]
        );
    }

    #[test]
    fn reports_a_wrong_exit_code_with_the_start_of_stderr() {
        let expectation = Expectation::default();
        let outcome = Outcome {
            stdout: lines(&["", ""]),
            stderr: Vec::new(),
            exit_code: 1,
        };
        assert_eq!(
            check(&expectation, &outcome),
            [
                "Expected return code 0 and got 1. Stderr: ",
                "Got output '' when none was expected.",
            ]
        );
    }
}

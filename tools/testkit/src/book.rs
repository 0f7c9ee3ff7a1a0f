//! Chooses the files of a *Crafting Interpreters* checkout that the book's final clox
//! suite runs: everything under `test/` but the early chapters' tests and the
//! benchmarks. The choice is a table of path prefixes, as in the book's runner, rather
//! than a list of files, so that tests the book adds later are picked up.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::corpus;

/// Whether the files under a path belong to the suite.
#[derive(Clone, Copy, Debug, PartialEq)]
enum State {
    Run,
    Skip,
}

/// The clox suite: paths relative to the checkout, each with the state of the files
/// below it. A file takes the state of the longest listed path that contains it.
const CLOX_SUITE: &[(&str, State)] = &[
    ("test", State::Run),
    // The scanner and expression tests belong to the book's early chapters, whose
    // interpreters print tokens and trees instead of running programs.
    ("test/scanning", State::Skip),
    ("test/expressions", State::Skip),
];

/// Any file whose path (relative to the checkout) contains this text is a benchmark,
/// not a test: the book's runner skips it for every suite.
const BENCHMARK: &str = "benchmark";

/// Why a checkout's tests could not be listed.
#[derive(Debug)]
pub enum Error {
    /// The path has no `test` folder.
    NotACheckout { checkout: PathBuf },
    /// The `test` folder holds no file of the clox suite.
    NoTests { checkout: PathBuf },
    /// A folder under `test` could not be read.
    Unreadable { checkout: PathBuf, error: io::Error },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Error::NotACheckout { checkout } => {
                write!(
                    f,
                    "{} is not a checkout of the book's repository: it has no test folder",
                    checkout.display()
                )?;
                if checkout.file_name().is_some_and(|name| name == "test") {
                    write!(f, " (pass the checkout itself, the parent of this folder)")?;
                }
                Ok(())
            }
            Error::NoTests { checkout } => write!(
                f,
                "{} is not a checkout of the book's repository: its test folder holds no \
                 test of the clox suite",
                checkout.display()
            ),
            Error::Unreadable { checkout, error } => write!(
                f,
                "cannot read the test folder of {}: {error}",
                checkout.display()
            ),
        }
    }
}

/// Whether the file at `relative` (relative to the checkout, `/`-separated) is part of
/// the book's clox suite.
pub fn in_clox_suite(relative: &str) -> bool {
    if relative.contains(BENCHMARK) {
        return false;
    }
    let mut state = None;
    let mut prefix = String::new();
    for part in relative.split('/') {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(part);
        if let Some((_, listed)) = CLOX_SUITE.iter().find(|(path, _)| *path == prefix) {
            state = Some(*listed);
        }
    }
    state == Some(State::Run)
}

/// The `.lox` files of the clox suite in `checkout`, sorted by path.
pub fn clox_tests(checkout: &Path) -> Result<Vec<PathBuf>, Error> {
    let folder = checkout.join("test");
    if !folder.is_dir() {
        return Err(Error::NotACheckout {
            checkout: checkout.to_path_buf(),
        });
    }
    let files = corpus::discover(&folder, "", "lox").map_err(|error| Error::Unreadable {
        checkout: checkout.to_path_buf(),
        error,
    })?;
    let tests: Vec<PathBuf> = files
        .into_iter()
        .filter(|path| in_clox_suite(&corpus::relative_name(checkout, path)))
        .collect();
    if tests.is_empty() {
        return Err(Error::NoTests {
            checkout: checkout.to_path_buf(),
        });
    }
    Ok(tests)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_the_final_chapters_tests_only() {
        for relative in [
            "test/precedence.lox",
            "test/closure/nested_closure.lox",
            "test/limit/too_many_locals.lox",
            "test/scanning_notes.lox",
        ] {
            assert!(in_clox_suite(relative), "{relative} should run");
        }
        for relative in [
            "test/scanning/identifiers.lox",
            "test/expressions/evaluate.lox",
            "test/benchmark/fib.lox",
            "test/string/benchmark_like.lox",
            "tool/other.lox",
        ] {
            assert!(!in_clox_suite(relative), "{relative} should be skipped");
        }
    }

    #[test]
    fn rejects_a_folder_without_tests() {
        let error = clox_tests(Path::new("no/such/test")).expect_err("not a checkout");
        assert!(matches!(error, Error::NotACheckout { .. }));
        assert!(
            error
                .to_string()
                .ends_with("(pass the checkout itself, the parent of this folder)")
        );
    }
}

//! Finds test files, runs them on a pool of worker threads and prints the report; the
//! report comes out in path order once every file has run, never interleaved, at the
//! price of saying nothing while the files run.

use std::fs;
use std::io;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;

use crate::annotation;
use crate::check::check;
use crate::execute::{self, Interpreter, Outcome};

/// At most this many reasons are printed for one failing file.
const REASONS_SHOWN: usize = 6;

/// The result of running one test file.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// The file is marked `// nontest`.
    Skipped,
    Passed,
    /// The file failed, with the reasons in the order they were found.
    Failed(Vec<String>),
}

/// How many files passed and failed (files that are not tests are in neither).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
}

/// Returns every file with the extension `extension` below `root` whose path relative
/// to `root` starts with `filter`, sorted by path so that the report order is stable.
pub fn discover(root: &Path, filter: &str, extension: &str) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in fs::read_dir(&directory)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == extension)
                && relative_name(root, &path).starts_with(filter)
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The path of `path` relative to `root`, with `/` separators on every platform.
pub fn relative_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<_> = relative.iter().map(|part| part.to_string_lossy()).collect();
    parts.join("/")
}

/// Runs every case through `interpreter` on a pool of worker threads, one per
/// available core, and returns the verdicts in the same order as `cases`.
pub fn run_all(cases: &[PathBuf], interpreter: &Interpreter) -> Vec<Verdict> {
    let workers = thread::available_parallelism()
        .map_or(2, NonZeroUsize::get)
        .min(cases.len());
    let next = AtomicUsize::new(0);
    let verdicts: Mutex<Vec<Option<Verdict>>> = Mutex::new(cases.iter().map(|_| None).collect());

    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(index) else { break };
                    let verdict = judge(case, |args| execute::run(interpreter, args, case));
                    verdicts.lock().unwrap_or_else(PoisonError::into_inner)[index] = Some(verdict);
                }
            });
        }
    });

    verdicts
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter()
        .map(|verdict| verdict.unwrap_or_else(|| Verdict::Failed(vec!["was not run".into()])))
        .collect()
}

/// Parses one test file, runs it with `run` (given the file's extra arguments; `None`
/// means it timed out), and checks what happened.
pub fn judge(path: &Path, run: impl FnOnce(&[String]) -> io::Result<Option<Outcome>>) -> Verdict {
    let source = match fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => return Verdict::Failed(vec![format!("cannot read the test file: {e}")]),
    };
    let Some(expectation) = annotation::parse_with(&source, annotation::comment_marker(path))
    else {
        return Verdict::Skipped;
    };
    let outcome = match run(&expectation.args) {
        Ok(Some(outcome)) => outcome,
        Ok(None) => {
            return Verdict::Failed(vec![format!(
                "timed out after {}s",
                execute::TIMEOUT.as_secs()
            )]);
        }
        Err(e) => return Verdict::Failed(vec![format!("cannot run the program: {e}")]),
    };
    let reasons = check(&expectation, &outcome);
    if reasons.is_empty() {
        Verdict::Passed
    } else {
        Verdict::Failed(reasons)
    }
}

/// Prints each failing case (named relative to `root`) with its first reasons, then the
/// line `N passed, N failed`, and returns the counts. It prints with `println!`, so
/// that the test harness captures the report of a passing test.
pub fn report(root: &Path, cases: &[PathBuf], verdicts: &[Verdict]) -> Tally {
    let mut tally = Tally::default();
    for (case, verdict) in cases.iter().zip(verdicts) {
        match verdict {
            Verdict::Skipped => {}
            Verdict::Passed => tally.passed += 1,
            Verdict::Failed(reasons) => {
                tally.failed += 1;
                println!("FAIL {}", relative_name(root, case));
                for reason in reasons.iter().take(REASONS_SHOWN) {
                    println!("     {reason}");
                }
            }
        }
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_paths_relative_to_the_root_with_slashes() {
        let root = Path::new("corpus");
        assert_eq!(
            relative_name(root, &root.join("closure").join("a.lox")),
            "closure/a.lox"
        );
        assert_eq!(
            relative_name(root, Path::new("elsewhere.lox")),
            "elsewhere.lox"
        );
    }

    #[test]
    fn judges_by_the_annotations() {
        let directory = std::env::temp_dir().join(format!("testkit-judge-{}", std::process::id()));
        fs::create_dir_all(&directory).expect("a scratch directory");
        let test = directory.join("one.lox");
        fs::write(&test, "// args: --flag\nprint 1; // expect: 1\n").expect("written");
        let printed = |stdout: &str| {
            let stdout = stdout.to_owned();
            move |args: &[String]| {
                assert_eq!(args, ["--flag"]);
                Ok(Some(Outcome {
                    stdout: vec![stdout],
                    stderr: Vec::new(),
                    exit_code: 0,
                }))
            }
        };
        assert_eq!(judge(&test, printed("1")), Verdict::Passed);
        assert_eq!(
            judge(&test, printed("2")),
            Verdict::Failed(vec!["Expected output '1' on line 2 and got '2'.".into()])
        );
        assert_eq!(
            judge(&test, |_| Ok(None)),
            Verdict::Failed(vec!["timed out after 30s".into()])
        );
        fs::write(&test, "// nontest\n").expect("written");
        assert_eq!(judge(&test, |_| unreachable!()), Verdict::Skipped);
        assert_eq!(
            discover(&directory, "", "lox").expect("readable"),
            [test.as_path()]
        );
        assert!(
            discover(&directory, "two", "lox")
                .expect("readable")
                .is_empty()
        );
        fs::remove_dir_all(&directory).expect("removed");
    }
}

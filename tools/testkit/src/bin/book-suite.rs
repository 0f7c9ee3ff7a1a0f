//! Runs the book's clox test suite (the `test` folder of a *Crafting Interpreters*
//! checkout) against loxide or any other interpreter; it judges files exactly as the
//! project's own suite does, and it reports only at the end, in path order.

use std::env;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use loxide_testkit::book;
use loxide_testkit::corpus;
use loxide_testkit::execute::Interpreter;

/// Exit status for a bad command line or a path that is not a checkout (`EX_USAGE`).
const EXIT_USAGE: u8 = 64;

/// The arguments the interpreter gets when the command line gives none after `--`:
/// loxide enforces clox's limits only when asked, and the book's `limit/` tests expect
/// them.
const DEFAULT_LOX_ARGS: &[&str] = &["--limits=clox"];

const USAGE: &str = "\
usage: book-suite CHECKOUT [--lox PATH] [--filter PREFIX] [-- LOX_ARGS...]

Runs the clox suite of the book's tests (CHECKOUT/test, without the scanning,
expressions and benchmark folders) and prints each failing file, then a line
'N passed, N failed'. Exits 0 when every test passed, 1 when one failed, 64 on a
bad command line.

  CHECKOUT         a checkout of the Crafting Interpreters repository
  --lox PATH       the interpreter to run (default: this workspace's release
                   build, target/<host triple>/release/lox)
  --filter PREFIX  run only the files whose path under test/ starts with PREFIX
  -- LOX_ARGS...   arguments given to the interpreter before each file, instead
                   of the default --limits=clox ('--' alone gives none, for clox)";

/// What the command line asks for.
struct Request {
    checkout: PathBuf,
    lox: Option<PathBuf>,
    filter: String,
    lox_args: Vec<String>,
}

fn main() -> ExitCode {
    let arguments: Vec<String> = env::args().skip(1).collect();
    if arguments
        .iter()
        .take_while(|argument| *argument != "--")
        .any(|argument| argument == "-h" || argument == "--help")
    {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let request = match parse_arguments(arguments) {
        Ok(request) => request,
        Err(message) => {
            eprintln!("book-suite: {message}\n\n{USAGE}");
            return ExitCode::from(EXIT_USAGE);
        }
    };

    let tests = match book::clox_tests(&request.checkout) {
        Ok(tests) => tests,
        Err(error) => return usage_error(&error.to_string()),
    };
    let test_folder = request.checkout.join("test");
    let tests: Vec<PathBuf> = tests
        .into_iter()
        .filter(|path| corpus::relative_name(&test_folder, path).starts_with(&request.filter))
        .collect();
    if tests.is_empty() {
        return usage_error(&format!(
            "no test of the clox suite matches the filter {:?}",
            request.filter
        ));
    }

    let program = match request.lox {
        Some(path) => path,
        None => {
            let built = release_lox(&workspace_root());
            if !built.is_file() {
                return usage_error(&format!(
                    "there is no lox at {}: build it with `cargo build --release`, or pass --lox",
                    built.display()
                ));
            }
            built
        }
    };
    if program.components().count() > 1 && !program.is_file() {
        return usage_error(&format!("there is no interpreter at {}", program.display()));
    }
    let interpreter = Interpreter {
        program,
        args: request.lox_args,
    };

    eprintln!(
        "book-suite: {} files of the clox suite, run as: {} {}",
        tests.len(),
        interpreter.program.display(),
        interpreter
            .args
            .iter()
            .map(String::as_str)
            .chain(["FILE"])
            .collect::<Vec<_>>()
            .join(" ")
    );
    let verdicts = corpus::run_all(&tests, &interpreter);
    let tally = corpus::report(&request.checkout, &tests, &verdicts);
    if tally.failed == 0 && tally.passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Reads the command line (without the program name).
fn parse_arguments(arguments: Vec<String>) -> Result<Request, String> {
    let mut checkout = None;
    let mut lox = None;
    let mut filter = String::new();
    let mut lox_args = None;
    let mut rest = arguments.into_iter();
    while let Some(argument) = rest.next() {
        let (name, inline_value) = match argument.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (argument.clone(), None),
        };
        match name.as_str() {
            "--" => {
                lox_args = Some(rest.by_ref().collect());
            }
            "--lox" | "--filter" => {
                let value = match inline_value {
                    Some(value) => value,
                    None => rest.next().ok_or_else(|| format!("{name} needs a value"))?,
                };
                if name == "--lox" {
                    lox = Some(PathBuf::from(value));
                } else {
                    filter = value;
                }
            }
            _ if argument.starts_with('-') && argument != "-" => {
                return Err(format!("unknown option {argument}"));
            }
            _ if checkout.is_some() => {
                return Err(format!("unexpected argument {argument}: give one checkout"));
            }
            _ => checkout = Some(PathBuf::from(argument)),
        }
    }
    let checkout = checkout.ok_or("missing the path of the book's checkout")?;
    Ok(Request {
        checkout,
        lox,
        filter,
        lox_args: lox_args.unwrap_or_else(|| {
            DEFAULT_LOX_ARGS
                .iter()
                .map(|arg| (*arg).to_owned())
                .collect()
        }),
    })
}

/// Prints `message` and returns the usage exit status.
fn usage_error(message: &str) -> ExitCode {
    eprintln!("book-suite: {message}");
    ExitCode::from(EXIT_USAGE)
}

/// The workspace this program was built in: two folders above this crate.
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .and_then(Path::parent)
        .unwrap_or(manifest)
        .to_path_buf()
}

/// The release build's `lox` in a workspace: builds name their target
/// (`.cargo/config.toml`), so it is `target/<host triple>/release/lox`; a build that
/// did not name one leaves it at `target/release/lox`.
fn release_lox(root: &std::path::Path) -> PathBuf {
    let target = root.join("target");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&target)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("release").join("lox"))
        .filter(|path| path.is_file())
        .collect();
    found.sort();
    let plain = target.join("release").join("lox");
    found.retain(|path| *path != plain);
    found.into_iter().next().unwrap_or(plain)
}

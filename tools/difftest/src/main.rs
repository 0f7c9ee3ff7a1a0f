//! `lox-difftest`: runs programs from `loxide_testgen` through loxide and through a
//! reference interpreter (clox), and reports every program on which they disagree.
//!
//! Two runs agree when they have the same standard output, the same exit status, the
//! same first line of standard error and, for runtime errors (exit status 70), the
//! same first `[line N]` trace line. With `--stderr full`, all of standard error must
//! match. Runs where the reference crashes (killed by a signal), or where both time
//! out, are counted as skipped, not compared.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, value_parser};
use loxide_testgen as testgen;

/// Compare loxide with a reference Lox interpreter on generated programs.
///
/// The command line is built with clap's builder API, not its derive macros: the
/// repository links `lox` statically (`.cargo/config.toml`), and with that flag cargo
/// cannot build procedural macros for the host.
#[derive(Debug)]
struct Cli {
    /// The reference interpreter (for example clox): run as `REFERENCE FILE`.
    reference: PathBuf,
    /// The loxide binary: run as `LOX ARGS... FILE`.
    lox: PathBuf,
    /// How many programs to generate in each mode.
    count: u64,
    /// The first seed; program `i` of a mode uses seed `SEED + i`.
    seed: u64,
    /// Which kind of programs to generate.
    mode: ModeArg,
    /// Extra arguments for loxide, split at whitespace (for example `--limits=clox`).
    args: String,
    /// Write every program that shows a mismatch (and its minimized form) here.
    keep: Option<PathBuf>,
    /// Seconds either interpreter may run on one program.
    timeout: u64,
    /// Worker threads (default: one per core).
    jobs: Option<usize>,
    /// How much of standard error to compare.
    stderr: StderrArg,
    /// Shrink up to this many mismatching programs, line by line, before reporting them.
    minimize: usize,
    /// Print the program for `--seed` (in `--mode valid` or `mutated`) and exit.
    print: bool,
}

impl Cli {
    fn parse() -> Cli {
        let matches = clap::Command::new("lox-difftest")
            .version(env!("CARGO_PKG_VERSION"))
            .about("Compare loxide with a reference Lox interpreter on generated programs")
            .arg(
                Arg::new("reference")
                    .long("reference")
                    .value_name("REFERENCE")
                    .required(true)
                    .value_parser(value_parser!(PathBuf))
                    .help("The reference interpreter (for example clox): run as `REFERENCE FILE`"),
            )
            .arg(
                Arg::new("lox")
                    .long("lox")
                    .value_name("LOX")
                    .value_parser(value_parser!(PathBuf))
                    .help(
                        "The loxide binary: run as `LOX ARGS... FILE` \
                         (default: the release build's, target/*/release/lox)",
                    ),
            )
            .arg(
                Arg::new("count")
                    .long("count")
                    .value_name("COUNT")
                    .default_value("1000")
                    .value_parser(value_parser!(u64))
                    .help("How many programs to generate in each mode"),
            )
            .arg(
                Arg::new("seed")
                    .long("seed")
                    .value_name("SEED")
                    .default_value("0")
                    .value_parser(value_parser!(u64))
                    .help("The first seed; program `i` of a mode uses seed `SEED + i`"),
            )
            .arg(
                Arg::new("mode")
                    .long("mode")
                    .value_name("MODE")
                    .default_value("both")
                    .value_parser(PossibleValuesParser::new(["valid", "mutated", "both"]))
                    .help("Which kind of programs to generate"),
            )
            .arg(
                Arg::new("args")
                    .long("args")
                    .value_name("ARGS")
                    .allow_hyphen_values(true)
                    .default_value("")
                    .help("Extra arguments for loxide, split at whitespace (for example `--limits=clox`)"),
            )
            .arg(
                Arg::new("keep")
                    .long("keep")
                    .value_name("KEEP")
                    .value_parser(value_parser!(PathBuf))
                    .help("Write every program that shows a mismatch (and its minimized form) here"),
            )
            .arg(
                Arg::new("timeout")
                    .long("timeout")
                    .value_name("TIMEOUT")
                    .default_value("10")
                    .value_parser(value_parser!(u64))
                    .help("Seconds either interpreter may run on one program"),
            )
            .arg(
                Arg::new("jobs")
                    .long("jobs")
                    .value_name("JOBS")
                    .value_parser(value_parser!(usize))
                    .help("Worker threads (default: one per core)"),
            )
            .arg(
                Arg::new("stderr")
                    .long("stderr")
                    .value_name("STDERR")
                    .default_value("first")
                    .value_parser(PossibleValuesParser::new(["first", "full"]))
                    .help(
                        "How much of standard error to compare: `first` (the first line, and \
                         the first `[line N]` line of a runtime error) or `full` (every line)",
                    ),
            )
            .arg(
                Arg::new("minimize")
                    .long("minimize")
                    .value_name("MINIMIZE")
                    .default_value("5")
                    .value_parser(value_parser!(usize))
                    .help("Shrink up to this many mismatching programs, line by line, before reporting them"),
            )
            .arg(
                Arg::new("print")
                    .long("print")
                    .action(ArgAction::SetTrue)
                    .help("Print the program for `--seed` (in `--mode valid` or `mutated`) and exit"),
            )
            .get_matches();
        let text = |name: &str| matches.get_one::<String>(name).cloned().unwrap_or_default();
        Cli {
            reference: matches
                .get_one::<PathBuf>("reference")
                .cloned()
                .unwrap_or_default(),
            lox: matches
                .get_one::<PathBuf>("lox")
                .cloned()
                .unwrap_or_else(release_lox),
            count: matches.get_one::<u64>("count").copied().unwrap_or(1000),
            seed: matches.get_one::<u64>("seed").copied().unwrap_or(0),
            mode: match text("mode").as_str() {
                "valid" => ModeArg::Valid,
                "mutated" => ModeArg::Mutated,
                _ => ModeArg::Both,
            },
            args: text("args"),
            keep: matches.get_one::<PathBuf>("keep").cloned(),
            timeout: matches.get_one::<u64>("timeout").copied().unwrap_or(10),
            jobs: matches.get_one::<usize>("jobs").copied(),
            stderr: match text("stderr").as_str() {
                "full" => StderrArg::Full,
                _ => StderrArg::First,
            },
            minimize: matches.get_one::<usize>("minimize").copied().unwrap_or(5),
            print: matches.get_flag("print"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ModeArg {
    Valid,
    Mutated,
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StderrArg {
    /// The first line, and the first `[line N]` line of a runtime error.
    First,
    /// Every line.
    Full,
}

/// One kind of generated program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Valid,
    Mutated,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Valid => "valid",
            Mode::Mutated => "mutated",
        }
    }

    fn source(self, seed: u64) -> String {
        match self {
            Mode::Valid => testgen::program(seed),
            Mode::Mutated => testgen::mutated(seed),
        }
    }
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Status {
    Exit(i32),
    Signal(i32),
    TimedOut,
}

/// What an interpreter did with one program.
#[derive(Clone, Debug)]
struct Run {
    stdout: String,
    stderr: String,
    status: Status,
}

/// The verdict on one program.
#[derive(Debug)]
enum Verdict {
    Agree,
    /// Not compared, with the reason.
    Skipped(&'static str),
    /// The differences, one per line.
    Differ(Vec<String>),
}

/// Everything a worker needs to run a case.
struct Setup {
    reference: PathBuf,
    lox: PathBuf,
    lox_args: Vec<String>,
    timeout: Duration,
    stderr: StderrArg,
    scratch: PathBuf,
}

fn main() {
    let cli = Cli::parse();
    let modes: &[Mode] = match cli.mode {
        ModeArg::Valid => &[Mode::Valid],
        ModeArg::Mutated => &[Mode::Mutated],
        ModeArg::Both => &[Mode::Valid, Mode::Mutated],
    };
    if cli.print {
        print!("{}", modes[0].source(cli.seed));
        return;
    }
    let scratch = std::env::temp_dir().join(format!("lox-difftest-{}", std::process::id()));
    if let Err(e) = fs::create_dir_all(&scratch) {
        eprintln!("cannot create {}: {e}", scratch.display());
        std::process::exit(2);
    }
    if let Some(keep) = &cli.keep
        && let Err(e) = fs::create_dir_all(keep)
    {
        eprintln!("cannot create {}: {e}", keep.display());
        std::process::exit(2);
    }
    let setup = Setup {
        reference: cli.reference.clone(),
        lox: cli.lox.clone(),
        lox_args: cli.args.split_whitespace().map(str::to_owned).collect(),
        timeout: Duration::from_secs(cli.timeout),
        stderr: cli.stderr,
        scratch: scratch.clone(),
    };
    for program in [&setup.reference, &setup.lox] {
        if let Err(e) = Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
        {
            eprintln!("cannot run {}: {e}", program.display());
            std::process::exit(2);
        }
    }

    let cases: Vec<(Mode, u64)> = modes
        .iter()
        .flat_map(|&mode| (0..cli.count).map(move |i| (mode, cli.seed.wrapping_add(i))))
        .collect();
    let jobs = cli
        .jobs
        .unwrap_or_else(|| thread::available_parallelism().map_or(2, NonZeroUsize::get))
        .max(1);
    let next = AtomicUsize::new(0);
    let minimized = AtomicUsize::new(0);
    let verdicts: Mutex<Vec<Option<Verdict>>> = Mutex::new(cases.iter().map(|_| None).collect());
    let report = Mutex::new(());

    thread::scope(|scope| {
        for _ in 0..jobs.min(cases.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(mode, seed)) = cases.get(index) else {
                        break;
                    };
                    let source = mode.source(seed);
                    let name = format!("{}-{seed}", mode.name());
                    let verdict = compare(&setup, &name, &source);
                    if let Verdict::Differ(differences) = &verdict {
                        let shrunk = if minimized.fetch_add(1, Ordering::Relaxed) < cli.minimize {
                            Some(minimize(&setup, &name, &source))
                        } else {
                            None
                        };
                        let _guard = report.lock().unwrap();
                        print_mismatch(&cli, mode, seed, &source, differences, shrunk.as_deref());
                    }
                    verdicts.lock().unwrap()[index] = Some(verdict);
                }
            });
        }
    });
    let _ = fs::remove_dir_all(&scratch);

    let verdicts: Vec<Verdict> = verdicts
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|v| v.expect("every case ran"))
        .collect();
    let mut passed = 0;
    let mut failed = 0;
    for &mode in modes {
        let mut agree = 0;
        let mut differ = 0;
        let mut skipped: Vec<&str> = Vec::new();
        for ((case_mode, _), verdict) in cases.iter().zip(&verdicts) {
            if *case_mode != mode {
                continue;
            }
            match verdict {
                Verdict::Agree => agree += 1,
                Verdict::Differ(_) => differ += 1,
                Verdict::Skipped(why) => skipped.push(why),
            }
        }
        let mut line = format!("{}: {agree} agree, {differ} differ", mode.name());
        if !skipped.is_empty() {
            skipped.sort_unstable();
            let mut reasons: Vec<(usize, &str)> = Vec::new();
            for why in skipped {
                match reasons.last_mut() {
                    Some((n, last)) if *last == why => *n += 1,
                    _ => reasons.push((1, why)),
                }
            }
            let shown: Vec<String> = reasons
                .iter()
                .map(|(n, why)| format!("{n} {why}"))
                .collect();
            let _ = write!(line, ", skipped {}", shown.join(", "));
        }
        println!("{line}");
        passed += agree;
        failed += differ;
    }
    println!("{passed} passed, {failed} failed");
    std::process::exit(if failed == 0 { 0 } else { 1 });
}

/// Runs one program through both interpreters and compares what they did.
fn compare(setup: &Setup, name: &str, source: &str) -> Verdict {
    let path = setup.scratch.join(format!("{name}.lox"));
    if let Err(e) = fs::write(&path, source) {
        return Verdict::Differ(vec![format!("cannot write {}: {e}", path.display())]);
    }
    let reference = execute(&setup.reference, &[], &path, setup.timeout);
    let lox = execute(&setup.lox, &setup.lox_args, &path, setup.timeout);
    let _ = fs::remove_file(&path);
    let (reference, lox) = match (reference, lox) {
        (Ok(r), Ok(l)) => (r, l),
        (Err(e), _) => return Verdict::Differ(vec![format!("cannot run the reference: {e}")]),
        (_, Err(e)) => return Verdict::Differ(vec![format!("cannot run loxide: {e}")]),
    };
    if let Status::Signal(_) = reference.status {
        return Verdict::Skipped("reference crashed");
    }
    if reference.status == Status::TimedOut && lox.status == Status::TimedOut {
        return Verdict::Skipped("both timed out");
    }
    let differences = differences(setup.stderr, &reference, &lox);
    if differences.is_empty() {
        Verdict::Agree
    } else {
        Verdict::Differ(differences)
    }
}

/// Every way in which two runs differ, each as one line of text.
fn differences(stderr: StderrArg, reference: &Run, lox: &Run) -> Vec<String> {
    let mut found = Vec::new();
    if reference.status != lox.status {
        found.push(format!(
            "status: reference {:?}, loxide {:?}",
            reference.status, lox.status
        ));
    }
    if let Some(line) = first_difference(&reference.stdout, &lox.stdout) {
        found.push(format!("stdout {line}"));
    }
    match stderr {
        StderrArg::Full => {
            if let Some(line) = first_difference(&reference.stderr, &lox.stderr) {
                found.push(format!("stderr {line}"));
            }
        }
        StderrArg::First => {
            let first = |run: &Run| run.stderr.lines().next().unwrap_or("").to_owned();
            if first(reference) != first(lox) {
                found.push(format!(
                    "stderr line 1: reference {:?}, loxide {:?}",
                    first(reference),
                    first(lox)
                ));
            }
            if reference.status == Status::Exit(70) {
                let (r, l) = (trace_line(&reference.stderr), trace_line(&lox.stderr));
                if r != l {
                    found.push(format!("first trace line: reference {r:?}, loxide {l:?}"));
                }
            }
        }
    }
    found
}

/// The first line that differs between two texts, described with both versions.
fn first_difference(reference: &str, lox: &str) -> Option<String> {
    if reference == lox {
        return None;
    }
    let (r, l): (Vec<&str>, Vec<&str>) =
        (reference.split('\n').collect(), lox.split('\n').collect());
    let index = r
        .iter()
        .zip(&l)
        .position(|(a, b)| a != b)
        .unwrap_or(r.len().min(l.len()));
    let show = |lines: &[&str]| match lines.get(index) {
        Some(line) => format!("{line:?}"),
        None => "(end)".to_owned(),
    };
    Some(format!(
        "line {}: reference {}, loxide {}",
        index + 1,
        show(&r),
        show(&l)
    ))
}

/// The first `[line N]` trace line of standard error, if any.
fn trace_line(stderr: &str) -> Option<&str> {
    stderr
        .lines()
        .skip(1)
        .find(|line| line.starts_with("[line "))
}

/// Prints one mismatch: the seed, how to reproduce it, and the differences.
fn print_mismatch(
    cli: &Cli,
    mode: Mode,
    seed: u64,
    source: &str,
    differences: &[String],
    shrunk: Option<&str>,
) {
    println!("MISMATCH {} seed {seed}", mode.name());
    for difference in differences {
        println!("  {difference}");
    }
    println!(
        "  reproduce: lox-difftest --print --mode {} --seed {seed}",
        mode.name()
    );
    if let Some(keep) = &cli.keep {
        let path = keep.join(format!("{}-{seed}.lox", mode.name()));
        match fs::write(&path, source) {
            Ok(()) => println!("  kept: {}", path.display()),
            Err(e) => println!("  cannot keep {}: {e}", path.display()),
        }
        if let Some(shrunk) = shrunk {
            let path = keep.join(format!("{}-{seed}.min.lox", mode.name()));
            let _ = fs::write(&path, shrunk);
        }
    }
    if let Some(shrunk) = shrunk {
        println!("  minimized ({} lines):", shrunk.lines().count());
        for line in shrunk.lines().take(40) {
            println!("  | {line}");
        }
    }
}

/// The kind of a mismatch, which a smaller program must keep to count as the same
/// bug: which aspects differ, and both exit statuses.
fn signature(differences: &[String], reference: &Run, lox: &Run) -> String {
    let aspects: Vec<&str> = differences
        .iter()
        .map(|d| {
            d.split(':')
                .next()
                .unwrap_or("")
                .split(' ')
                .next()
                .unwrap_or("")
        })
        .collect();
    format!("{aspects:?} {:?} {:?}", reference.status, lox.status)
}

/// Shrinks a mismatching program by deleting runs of lines (then single lines) while
/// the mismatch keeps its signature.
fn minimize(setup: &Setup, name: &str, source: &str) -> String {
    let path = setup.scratch.join(format!("{name}.min.lox"));
    let run_both = |text: &str| -> Option<(Vec<String>, Run, Run)> {
        fs::write(&path, text).ok()?;
        let reference = execute(&setup.reference, &[], &path, setup.timeout).ok()?;
        let lox = execute(&setup.lox, &setup.lox_args, &path, setup.timeout).ok()?;
        if matches!(reference.status, Status::Signal(_) | Status::TimedOut)
            || lox.status == Status::TimedOut
        {
            return None;
        }
        Some((differences(setup.stderr, &reference, &lox), reference, lox))
    };
    let Some((first, reference, lox)) = run_both(source) else {
        return source.to_owned();
    };
    let wanted = signature(&first, &reference, &lox);
    let still = |lines: &[&str]| -> bool {
        let text = lines.join("\n") + "\n";
        match run_both(&text) {
            Some((d, r, l)) => !d.is_empty() && signature(&d, &r, &l) == wanted,
            None => false,
        }
    };
    let mut lines: Vec<&str> = source.lines().collect();
    let mut chunk = (lines.len() / 2).max(1);
    let mut attempts = 0;
    while chunk >= 1 && attempts < 2_000 {
        let mut start = 0;
        let mut progress = false;
        while start < lines.len() && attempts < 2_000 {
            let end = (start + chunk).min(lines.len());
            let candidate: Vec<&str> = lines[..start]
                .iter()
                .chain(&lines[end..])
                .copied()
                .collect();
            attempts += 1;
            if !candidate.is_empty() && still(&candidate) {
                lines = candidate;
                progress = true;
            } else {
                start = end;
            }
        }
        if !progress {
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    let _ = fs::remove_file(&path);
    lines.join("\n") + "\n"
}

/// Runs `program ARGS... FILE` with a time limit and collects what it did.
fn execute(program: &Path, args: &[String], file: &Path, timeout: Duration) -> io::Result<Run> {
    let mut child = Command::new(program)
        .args(args)
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Read both pipes on threads of their own, so a chatty program cannot fill one
    // and block while we wait for it.
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            child.wait()?;
            break None;
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    Ok(Run {
        stdout: collect(stdout),
        stderr: collect(stderr),
        status: status.map_or(Status::TimedOut, status_of),
    })
}

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

fn collect(reader: Option<thread::JoinHandle<Vec<u8>>>) -> String {
    let bytes = reader
        .map(|r| r.join().unwrap_or_default())
        .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn status_of(status: ExitStatus) -> Status {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return Status::Signal(signal);
        }
    }
    Status::Exit(status.code().unwrap_or(-1))
}

/// The release build's `lox` under the current directory: builds name their target
/// (`.cargo/config.toml`), so it is `target/<host triple>/release/lox`, or
/// `target/release/lox` for a build that did not.
fn release_lox() -> PathBuf {
    let triples = std::fs::read_dir("target").into_iter().flatten().flatten();
    let mut found: Vec<PathBuf> = triples
        .map(|entry| entry.path().join("release").join("lox"))
        .filter(|path| path.is_file() && !path.starts_with("target/release"))
        .collect();
    found.sort();
    found
        .into_iter()
        .next()
        .unwrap_or_else(|| PathBuf::from("target/release/lox"))
}

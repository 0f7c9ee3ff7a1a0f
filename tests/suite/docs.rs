//! Transcripts in the documentation: every command-and-output example in the Markdown
//! files is run, so the prose cannot drift from what `lox` prints. The convention is
//! kept small enough to parse by hand (no shell, no `trycmd`), at the price of running
//! only `lox` and `cat`.
//!
//! The convention (also in docs/testing.md, "Examples in the documentation"):
//!
//! * A fenced block tagged ```` ```console ```` is a transcript. A line starting with
//!   `$ ` is a command; the lines after it, up to the next command or the end of the
//!   block, are what it prints: its standard output, then its standard error (output
//!   that does not end with a line break is shown as if it did; blank lines before the
//!   closing fence are layout).
//! * A command may end with `# exit N`: its exit status must be N. Without it, the
//!   status must be 0.
//! * A command is `lox ARGS...` (the `lox` built by Cargo) or `cat FILE...`, its words
//!   separated by spaces, with an optional `< FILE` for standard input. Other shell
//!   syntax (quotes, pipes, variables, redirections of output) is refused.
//! * Paths are relative to the repository's root. A word that looks like a path (it has
//!   a `/` or a `.` and is not an option) must name a file of the repository, unless it
//!   is a `.loxc` file or follows `-o`: those an earlier command of the block writes.
//!   The commands of one block run in a fresh scratch directory holding a copy of each
//!   repository file they name, so they may write files without touching the
//!   repository.
//! * A line that is exactly `...` in the expected output stands for any number of
//!   lines (an excerpt).
//! * A fenced block whose info string holds `file=PATH` shows a program (```` ```lox
//!   file=docs/examples/add.lox ````): its text must equal the file's.
//! * A fenced block of any other kind but `markdown` must not have lines starting with
//!   `$ `: what looks like a transcript is one.
//!
//! `LOX_BLESS=1 cargo test --test suite docs` rewrites the expected output of every
//! transcript (and its `# exit N`) from what the commands print, and every `file=`
//! block from its file. An excerpt that still matches is kept; one that does not is
//! replaced by the whole output, to be trimmed again by hand.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How long one documented command may run before it is killed and reported.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The line that stands for any number of lines in an expected output.
const ELISION: &str = "...";

fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown files whose examples are checked: README.md, docs/*.md, and the
/// README.md of every folder under tests/ and tools/.
fn markdown_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("README.md")];
    let mut in_docs: Vec<PathBuf> = fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    in_docs.sort();
    files.extend(in_docs);
    for parent in ["tests", "tools"] {
        let mut readmes: Vec<PathBuf> = fs::read_dir(root.join(parent))
            .expect("folder exists")
            .map(|entry| entry.expect("readable entry").path().join("README.md"))
            .filter(|path| path.is_file())
            .collect();
        readmes.sort();
        files.extend(readmes);
    }
    files
}

#[test]
fn documented_transcripts_and_programs_match() {
    let root = repository_root();
    let bless = std::env::var_os("LOX_BLESS").is_some();
    let mut failures = Vec::new();
    let mut transcripts = 0;
    for path in markdown_files(&root) {
        let label = path
            .strip_prefix(&root)
            .expect("inside the repository")
            .display()
            .to_string();
        // Another test may bless the same file at the same time (the opcode table of
        // docs/bytecode.md): write only over the text that was checked, else check again.
        for attempt in 1.. {
            let text = fs::read_to_string(&path).expect("readable Markdown file");
            let checked = check_markdown(&label, &text, &root, bless);
            if bless && checked.blessed != text {
                let now = fs::read_to_string(&path).expect("readable Markdown file");
                if now != text {
                    if attempt < 3 {
                        continue;
                    }
                    failures.push(format!("{label} kept changing while blessing it"));
                    break;
                }
                fs::write(&path, &checked.blessed).expect("writable Markdown file");
            }
            transcripts += checked.transcripts;
            failures.extend(checked.failures);
            break;
        }
    }
    assert!(transcripts > 0, "no ```console blocks found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The checker itself: each kind of disagreement is reported, with the file, the line
/// and the difference, and bless mode repairs what it can.
#[test]
fn disagreements_are_reported_and_blessed() {
    let root = repository_root();
    let markdown = [
        "Prose.",
        "",
        "```console",
        "$ lox docs/examples/bad.lox",
        "[line 1] Error at ')': Expect something else.",
        "$ cat docs/examples/bad.lox  # exit 3",
        "print ();",
        "$ lox docs/examples/no_such_file.lox",
        "$ lox docs/examples/add.lox | head",
        "```",
        "",
        "```lox file=docs/examples/bad.lox",
        "print (1);",
        "```",
        "",
        "```",
        "$ lox docs/examples/add.lox",
        "```",
        "",
    ]
    .join("\n");
    let checked = check_markdown("example.md", &markdown, &root, false);
    let report = checked.failures.join("\n\n");
    for expected in [
        "example.md:4 (block at line 3): `lox docs/examples/bad.lox`: exit status 65, \
         expected 0; output differs",
        "-[line 1] Error at ')': Expect something else.\n+[line 1] Error at ')': Expect expression.",
        "example.md:6 (block at line 3): `cat docs/examples/bad.lox`: exit status 0, expected 3",
        "example.md:8 (block at line 3): `docs/examples/no_such_file.lox` is not a file",
        "example.md:9 (block at line 3): `|`: shell syntax that transcripts do not support",
        "example.md:12: the block differs from docs/examples/bad.lox",
        "-print (1);\n+print ();",
        "example.md:17: a ``` block has a line starting with `$ `",
    ] {
        assert!(
            report.contains(expected),
            "the report lacks {expected:?}:\n{report}"
        );
    }
    assert_eq!(checked.failures.len(), 6, "{report}");
    assert_eq!(checked.transcripts, 1);

    let fixed = [
        "```console",
        "$ lox docs/examples/bad.lox",
        "...",
        "$ cat docs/examples/bad.lox  # exit 3",
        "```",
        "```lox file=docs/examples/bad.lox",
        "print (1);",
        "```",
        "",
    ]
    .join("\n");
    let blessed = check_markdown("example.md", &fixed, &root, true);
    assert!(blessed.failures.is_empty(), "{:?}", blessed.failures);
    let expected = [
        "```console",
        "$ lox docs/examples/bad.lox  # exit 65",
        "...",
        "$ cat docs/examples/bad.lox",
        "print ();",
        "```",
        "```lox file=docs/examples/bad.lox",
        "print ();",
        "```",
        "",
    ]
    .join("\n");
    assert_eq!(blessed.blessed, expected);
    let again = check_markdown("example.md", &blessed.blessed, &root, false);
    assert!(again.failures.is_empty(), "{:?}", again.failures);
}

#[test]
fn elisions_match_any_run_of_lines() {
    let actual = ["a", "b", "c", "d"];
    for (pattern, matches) in [
        (&["a", "b", "c", "d"][..], true),
        (&["...", "d"][..], true),
        (&["a", "...", "d"][..], true),
        (&["a", "...", "b", "c", "d"][..], true),
        (&["..."][..], true),
        (&["a", "...", "c"][..], false),
        (&["a", "...", "c", "...", "b"][..], false),
        (&["a", "b", "c"][..], false),
        (&[][..], false),
    ] {
        assert_eq!(lines_match(pattern, &actual), matches, "{pattern:?}");
    }
}

/// What checking one Markdown file found.
struct Checked {
    failures: Vec<String>,
    /// The number of transcripts (```console blocks) seen.
    transcripts: usize,
    /// The file's text with every transcript and program blessed (the same text when
    /// not blessing or nothing changed).
    blessed: String,
}

/// A fenced code block: its info string and its lines, indentation removed.
struct Fence {
    info: String,
    /// The 0-based index of the opening fence line.
    open: usize,
    /// The opening fence's indentation, removed from each line of the body.
    indent: usize,
    body: Vec<String>,
}

impl Fence {
    /// The 1-based line number of the body's line `index`.
    fn line_of(&self, index: usize) -> usize {
        self.open + 2 + index
    }

    /// The value of `file=PATH` in the info string.
    fn file(&self) -> Option<&str> {
        self.info
            .split_whitespace()
            .find_map(|word| word.strip_prefix("file="))
    }

    fn is_console(&self) -> bool {
        self.info.split_whitespace().next() == Some("console")
    }
}

fn check_markdown(label: &str, text: &str, root: &Path, bless: bool) -> Checked {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut failures = Vec::new();
    let fences = match fences(&lines) {
        Ok(fences) => fences,
        Err((line, message)) => {
            return Checked {
                failures: vec![format!("{label}:{line}: {message}")],
                transcripts: 0,
                blessed: text.to_string(),
            };
        }
    };
    let mut replacements: Vec<(usize, Vec<String>)> = Vec::new();
    let mut transcripts = 0;
    for fence in &fences {
        let block_line = fence.open + 1;
        if fence.is_console() {
            transcripts += 1;
            match check_transcript(fence, root, bless) {
                Ok((block_failures, new_body)) => {
                    failures.extend(block_failures.into_iter().map(|(line, message)| {
                        format!("{label}:{line} (block at line {block_line}): {message}")
                    }));
                    if new_body != fence.body {
                        replacements.push((fence.open, new_body));
                    }
                }
                Err((line, message)) => failures.push(format!(
                    "{label}:{line} (block at line {block_line}): {message}"
                )),
            }
            continue;
        }
        // A Markdown block shows Markdown (this convention, in docs/testing.md).
        let shows_markdown = matches!(
            fence.info.split_whitespace().next(),
            Some("markdown" | "md")
        );
        if let Some(index) = fence
            .body
            .iter()
            .position(|line| line.starts_with("$ ") && !shows_markdown)
        {
            failures.push(format!(
                "{label}:{}: a ```{} block has a line starting with `$ `, which is how a \
                 transcript's commands look: tag the block `console` so it is checked, or \
                 drop the prompt",
                fence.line_of(index),
                fence.info
            ));
        }
        if let Some(file) = fence.file() {
            let expected = match fs::read_to_string(root.join(file)) {
                Ok(contents) => contents,
                Err(error) => {
                    failures.push(format!("{label}:{block_line}: cannot read {file}: {error}"));
                    continue;
                }
            };
            let shown = fence.body.join("\n") + "\n";
            if shown == expected {
                continue;
            }
            if bless {
                let body = expected
                    .strip_suffix('\n')
                    .unwrap_or(&expected)
                    .split('\n')
                    .map(str::to_string)
                    .collect();
                replacements.push((fence.open, body));
            } else {
                failures.push(format!(
                    "{label}:{block_line}: the block differs from {file} (- block, + file; \
                     LOX_BLESS=1 copies the file into the block):\n{}",
                    diff(&fence.body, &lines_of(&expected))
                ));
            }
        }
    }
    let blessed = if replacements.is_empty() {
        text.to_string()
    } else {
        replace_bodies(&lines, &fences, &replacements)
    };
    Checked {
        failures,
        transcripts,
        blessed,
    }
}

/// Every fenced code block of a Markdown file, or the line and reason of a fence that
/// never closes.
fn fences(lines: &[&str]) -> Result<Vec<Fence>, Located> {
    let mut fences = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let Some((indent, marker, info)) = fence_opening(lines[index]) else {
            index += 1;
            continue;
        };
        let open = index;
        let mut body = Vec::new();
        index += 1;
        loop {
            let Some(line) = lines.get(index) else {
                return Err((open + 1, "this code block is never closed".into()));
            };
            if is_fence_closing(line, &marker) {
                break;
            }
            let removable = line.len() - line.trim_start_matches(' ').len();
            body.push(line[removable.min(indent)..].to_string());
            index += 1;
        }
        fences.push(Fence {
            info,
            open,
            indent,
            body,
        });
        index += 1;
    }
    Ok(fences)
}

/// A fence's opening line: its indentation (at most three spaces), its marker (three or
/// more backticks or tildes) and its info string.
fn fence_opening(line: &str) -> Option<(usize, String, String)> {
    let trimmed = line.trim_start_matches(' ');
    let indent = line.len() - trimmed.len();
    let marker_char = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let marker_len = trimmed.len() - trimmed.trim_start_matches(marker_char).len();
    if indent > 3 || marker_len < 3 {
        return None;
    }
    let info = trimmed[marker_len..].trim().to_string();
    if marker_char == '`' && info.contains('`') {
        return None;
    }
    Some((indent, trimmed[..marker_len].to_string(), info))
}

fn is_fence_closing(line: &str, marker: &str) -> bool {
    let trimmed = line.trim_start_matches(' ');
    let marker_char = marker.chars().next().expect("a marker has characters");
    let marker_len = trimmed.len() - trimmed.trim_start_matches(marker_char).len();
    line.len() - trimmed.len() <= 3
        && marker_len >= marker.len()
        && trimmed[marker_len..].trim().is_empty()
}

/// The file's lines with the bodies of some fences replaced (keyed by the opening
/// line), each line indented as its fence is.
fn replace_bodies(
    lines: &[&str],
    fences: &[Fence],
    replacements: &[(usize, Vec<String>)],
) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut index = 0;
    for fence in fences {
        let Some((_, body)) = replacements.iter().find(|(open, _)| *open == fence.open) else {
            continue;
        };
        out.extend(
            lines[index..=fence.open]
                .iter()
                .map(|line| line.to_string()),
        );
        let prefix = " ".repeat(fence.indent);
        out.extend(body.iter().map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!("{prefix}{line}")
            }
        }));
        index = fence.open + 1 + fence.body.len();
    }
    out.extend(lines[index..].iter().map(|line| line.to_string()));
    out.join("\n")
}

/// A message about a line of a Markdown file (1-based).
type Located = (usize, String);

/// One command of a transcript and what the Markdown says it prints.
struct Step {
    /// The index of the command's line in the block's body.
    index: usize,
    /// The command as written, without the `$ ` and the `# exit N` comment.
    command: String,
    /// The line as written, kept by bless mode when its status is still right.
    written: String,
    exit: i32,
    expected: Vec<String>,
}

/// What a command did.
struct Outcome {
    /// Standard output, then standard error.
    output: String,
    /// The exit status, or `None` when the command was killed.
    status: Option<i32>,
}

/// Runs a transcript: its failures (line, message) and its body as bless mode writes
/// it. A block that cannot run at all is one error.
fn check_transcript(
    fence: &Fence,
    root: &Path,
    bless: bool,
) -> Result<(Vec<Located>, Vec<String>), Located> {
    let steps = steps(fence)?;
    let scratch = Scratch::new();
    let mut failures = Vec::new();
    let mut body = Vec::new();
    for step in &steps {
        let line = fence.line_of(step.index);
        let outcome = match run(&step.command, root, &scratch.path) {
            Ok(outcome) => outcome,
            Err(message) => {
                failures.push((line, message));
                body.push(step.written.clone());
                body.extend(step.expected.iter().cloned());
                continue;
            }
        };
        let actual = lines_of(&outcome.output);
        let expected: Vec<&str> = step.expected.iter().map(String::as_str).collect();
        let actual_refs: Vec<&str> = actual.iter().map(String::as_str).collect();
        let output_matches = lines_match(&expected, &actual_refs);
        let status_matches = outcome.status == Some(step.exit);
        if let (true, Some(status)) = (bless, outcome.status) {
            body.push(if status_matches {
                step.written.clone()
            } else if status == 0 {
                format!("$ {}", step.command)
            } else {
                format!("$ {}  # exit {status}", step.command)
            });
            if output_matches {
                body.extend(step.expected.iter().cloned());
            } else {
                if step.expected.iter().any(|line| line == ELISION) {
                    eprintln!(
                        "docs: the excerpt at line {line} no longer matches; it now shows \
                         the whole output: trim it again by hand"
                    );
                }
                body.extend(actual);
            }
            continue;
        }
        body.push(step.written.clone());
        body.extend(step.expected.iter().cloned());
        let mut problems = Vec::new();
        if !status_matches {
            problems.push(match outcome.status {
                Some(status) => format!("exit status {status}, expected {}", step.exit),
                None => format!("killed (by a signal or after {TIMEOUT:?})"),
            });
        }
        if !output_matches {
            problems.push(format!(
                "output differs (- expected, + actual; LOX_BLESS=1 rewrites it):\n{}",
                diff(&step.expected, &actual)
            ));
        }
        if !problems.is_empty() {
            failures.push((line, format!("`{}`: {}", step.command, problems.join("; "))));
        }
    }
    Ok((failures, body))
}

/// Splits a transcript's body into commands and their expected output.
fn steps(fence: &Fence) -> Result<Vec<Step>, Located> {
    let mut steps: Vec<Step> = Vec::new();
    for (index, line) in fence.body.iter().enumerate() {
        let Some(command) = line.strip_prefix("$ ") else {
            match steps.last_mut() {
                Some(step) => step.expected.push(line.clone()),
                None if line.is_empty() => {}
                None => {
                    return Err((
                        fence.line_of(index),
                        "a transcript starts with a command (`$ lox ...`)".into(),
                    ));
                }
            }
            continue;
        };
        let (command, exit) = match command.split_once('#') {
            None => (command.trim_end(), 0),
            Some((command, comment)) => {
                let exit = comment
                    .trim()
                    .strip_prefix("exit ")
                    .and_then(|status| status.trim().parse().ok())
                    .ok_or_else(|| {
                        (
                            fence.line_of(index),
                            format!("the only comment a command may have is `# exit N`, not `#{comment}`"),
                        )
                    })?;
                (command.trim_end(), exit)
            }
        };
        steps.push(Step {
            index,
            command: command.to_string(),
            written: line.clone(),
            exit,
            expected: Vec::new(),
        });
    }
    // Blank lines between the last output and the closing fence are layout.
    for step in &mut steps {
        while step.expected.last().is_some_and(|line| line.is_empty()) {
            step.expected.pop();
        }
    }
    Ok(steps)
}

/// A fresh directory for one transcript's commands, removed afterwards.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "loxide-docs-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("scratch directory created");
        Scratch { path }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Runs one command in the scratch directory, after copying in the repository files
/// it names.
fn run(command: &str, root: &Path, scratch: &Path) -> Result<Outcome, String> {
    let mut words = command.split_whitespace();
    let program = words.next().ok_or("an empty command")?;
    let mut args = Vec::new();
    let mut stdin_file = None;
    while let Some(word) = words.next() {
        if word == "<" {
            let file = words.next().ok_or("`<` without a file")?;
            stdin_file = Some(file);
            continue;
        }
        if let Some(bad) = word.chars().find(|c| "'\"`\\|;&<>$*?(){}[]~".contains(*c)) {
            return Err(format!(
                "`{bad}`: shell syntax that transcripts do not support"
            ));
        }
        args.push(word);
    }
    for (position, word) in args.iter().enumerate() {
        // The file `-o`/`--output` names is written by the command, not read.
        let written = position > 0 && matches!(args[position - 1], "-o" | "--output");
        if !written {
            copy_into_scratch(word, root, scratch)?;
        }
    }
    if let Some(file) = stdin_file {
        copy_into_scratch(file, root, scratch)?;
    }
    match program {
        "cat" => {
            let mut output = String::new();
            for file in &args {
                output += &fs::read_to_string(scratch.join(file))
                    .map_err(|error| format!("cat {file}: {error}"))?;
            }
            Ok(Outcome {
                output,
                status: Some(0),
            })
        }
        "lox" => {
            let stdin = match stdin_file {
                Some(file) => Stdio::from(
                    fs::File::open(scratch.join(file))
                        .map_err(|error| format!("`< {file}`: {error}"))?,
                ),
                None => Stdio::null(),
            };
            run_lox(&args, stdin, scratch)
        }
        other => Err(format!("`{other}`: a transcript runs only `lox` and `cat`")),
    }
}

/// Copies `word` from the repository into the scratch directory when it names a
/// repository file the scratch directory does not have yet. A word that looks like a
/// path (it has a `/` or an extension) must name a file in one or the other.
fn copy_into_scratch(word: &str, root: &Path, scratch: &Path) -> Result<(), String> {
    let relative = Path::new(word);
    let looks_like_path = !word.starts_with('-') && (word.contains('/') || word.contains('.'));
    if !looks_like_path {
        return Ok(());
    }
    if relative.is_absolute() || word.split('/').any(|part| part == "..") {
        return Err(format!(
            "`{word}`: paths are relative to the repository's root"
        ));
    }
    let target = scratch.join(relative);
    if target.exists() {
        return Ok(());
    }
    let source = root.join(relative);
    if !source.is_file() {
        // A bytecode file is what an earlier `lox compile` of the block writes.
        if word.ends_with(".loxc") {
            return Ok(());
        }
        return Err(format!("`{word}` is not a file of the repository"));
    }
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).map_err(|error| format!("{word}: {error}"))?;
    }
    fs::copy(&source, &target).map_err(|error| format!("{word}: {error}"))?;
    Ok(())
}

fn run_lox(args: &[&str], stdin: Stdio, directory: &Path) -> Result<Outcome, String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lox"))
        .args(args)
        .current_dir(directory)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("lox does not start: {error}"))?;
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let stdout_reader = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    let stderr_reader = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        match child.try_wait().map_err(|error| error.to_string())? {
            Some(status) => break status.code(),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => thread::sleep(Duration::from_millis(5)),
        }
    };
    let mut output = String::new();
    for reader in [stdout_reader, stderr_reader] {
        let bytes = reader.join().expect("reader thread finishes");
        let text = String::from_utf8_lossy(&bytes);
        output += &text;
        if !text.is_empty() && !text.ends_with('\n') {
            output.push('\n');
        }
    }
    Ok(Outcome { output, status })
}

/// The lines of a text that ends with a line break (or is empty).
fn lines_of(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// True when `actual` is `pattern`, each `...` line of which stands for any number of
/// lines (the classic wildcard match, over lines).
fn lines_match(pattern: &[&str], actual: &[&str]) -> bool {
    let (mut p, mut a) = (0, 0);
    // The last elision seen, and where in `actual` it started absorbing lines.
    let mut backtrack: Option<(usize, usize)> = None;
    while a < actual.len() {
        if p < pattern.len() && pattern[p] == ELISION {
            backtrack = Some((p, a));
            p += 1;
        } else if p < pattern.len() && pattern[p] == actual[a] {
            p += 1;
            a += 1;
        } else if let Some((elision, absorbed)) = backtrack {
            p = elision + 1;
            a = absorbed + 1;
            backtrack = Some((elision, absorbed + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|line| *line == ELISION)
}

/// A line diff of two texts (`-` only in `expected`, `+` only in `actual`), from their
/// longest common subsequence.
fn diff(expected: &[String], actual: &[String]) -> String {
    let (n, m) = (expected.len(), actual.len());
    // common[i][j]: the length of the longest common subsequence of the suffixes.
    let mut common = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            common[i][j] = if expected[i] == actual[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && expected[i] == actual[j] {
            out.push(format!(" {}", expected[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || common[i + 1][j] >= common[i][j + 1]) {
            out.push(format!("-{}", expected[i]));
            i += 1;
        } else {
            out.push(format!("+{}", actual[j]));
            j += 1;
        }
    }
    out.join("\n")
}

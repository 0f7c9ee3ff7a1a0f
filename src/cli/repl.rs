//! The interactive session: line editing, history kept across sessions, completion and
//! highlighting (`editor`), multi-line input for unfinished statements, errors reported
//! without ending the session, globals kept between inputs, and a few `:` commands.
//! Ctrl-C at the prompt clears the input; while a program runs, it stops the program
//! (`Interrupted.`) and the session goes on with its globals. Ctrl-D on a `...` line
//! drops the unfinished input and says so; at `>` it ends the session.
//!
//! Whether an input is finished is decided by the compiler's diagnostics
//! (`CompileError::at_end`, from `diag::wants_more_input`), never by their wording. A
//! Lox input that is unfinished only for want of a `;` and is an expression prints its
//! value (unless it is `nil`), as Python, Lua and Node do. A Potato definition whose
//! body is an indented block reads lines until an empty one, as Python does.
//!
//! The session is on a terminal: `lox` runs standard input that is not one as a script.

mod editor;

use std::path::{Path, PathBuf};

use loxide::dump::{self, Stage};
use loxide::frontend::Lang;
use loxide::{driver, driver::CompileError};
use rustyline::error::ReadlineError;
use rustyline::history::{DefaultHistory, History};
use rustyline::{Config, Editor};

use super::interrupt::{self, WhenIdle};
use super::run::{Ended, Program};
use super::{Cli, EXIT_IO, EXIT_OK, read_bytes, report, source_text, stream};
use editor::LineHelper;

/// The banner: one line, with the version and how to get help.
fn banner(lang: Lang) -> String {
    let language = match lang {
        Lang::Lox => "Lox",
        Lang::Potato => "Potato",
    };
    format!(
        "loxide {} ({language}). Type :help for help, :quit or Ctrl-D to leave.\n",
        env!("CARGO_PKG_VERSION")
    )
}

const HELP: &str = "\
Type a statement to run it, or an expression without `;` to see its value.
An unfinished input (an open brace, a missing `;`) continues on a `...` line; an empty
line shows its errors. Definitions stay from one input to the next.

  :help         this text
  :quit         end the session (also Ctrl-D on an empty line)
  :load FILE    run a file in this session (its definitions stay)
  :dump STAGE   show a compiler stage of the last input: tokens, ast, desugared,
                scopes, ir or bytecode

Ctrl-C stops a running program, or clears the input. Tab completes keywords and names.
History is kept in $XDG_STATE_HOME/lox/history (~/.local/state/lox/history).
";

/// The history file: `$XDG_STATE_HOME/lox/history`, else `~/.local/state/lox/history`.
pub fn history_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|dir| Path::new(dir).is_absolute())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|home| !home.is_empty())
                .map(|home| Path::new(&home).join(".local").join("state"))
        })?;
    Some(state.join("lox").join("history"))
}

/// The session's state.
struct Session<'a> {
    cli: &'a Cli,
    lang: Lang,
    program: Program,
    /// The source of the last input that compiled (for `:dump`).
    last_input: Option<String>,
}

/// What became of an input.
enum Step {
    /// It is unfinished: read another line.
    More,
    /// It ran, or its errors were shown.
    Done,
    /// The session must end with this status.
    Exit(i32),
}

pub fn run(cli: &Cli) -> i32 {
    let lang = cli.lang_of(None);
    let config = Config::builder()
        .auto_add_history(false)
        .max_history_size(1000)
        .and_then(|c| Ok(c.history_ignore_dups(true)?.build()));
    let editor = config.and_then(Editor::<LineHelper, DefaultHistory>::with_config);
    let Ok(mut editor) = editor else {
        stream::error("Could not start the line editor.\n");
        return EXIT_IO;
    };
    let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    editor.set_helper(Some(LineHelper::new(lang, colour)));
    let history = history_path();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    let mut session = Session {
        cli,
        lang,
        program: Program::new(cli),
        last_input: None,
    };
    session.program.trace_interrupts = true;
    session.program.renderer = report::for_repl(cli);
    interrupt::install(&session.program.vm, WhenIdle::Ignore);
    if let Err(code) = stream::print(&banner(lang)) {
        return code;
    }
    let code = read_eval_print(&mut session, &mut editor, history.as_deref());
    if cli.gc_stats {
        stream::error(&super::run::gc_report(&session.program.vm.gc_stats()));
    }
    code
}

/// The session's loop, until `:quit`, end of input or an error reading it.
fn read_eval_print(
    session: &mut Session,
    editor: &mut Editor<LineHelper, DefaultHistory>,
    history: Option<&std::path::Path>,
) -> i32 {
    let mut pending = String::new();
    // Potato: reading the indented block of a definition, up to an empty line.
    let mut in_block = false;
    loop {
        let prompt = if pending.is_empty() { "> " } else { "... " };
        match editor.readline(prompt) {
            Ok(line) => {
                if pending.is_empty() && line.trim_start().starts_with(':') {
                    let _ = editor.add_history_entry(line.trim());
                    save_history(editor, history);
                    match session.command(line.trim()) {
                        Step::Exit(code) => return code,
                        Step::More | Step::Done => continue,
                    }
                }
                let blank = line.trim().is_empty();
                if pending.is_empty() && blank {
                    continue;
                }
                pending.push_str(&line);
                pending.push('\n');
                if in_block && !blank {
                    continue;
                }
                if !in_block && session.opens_block(&pending) {
                    in_block = true;
                    continue;
                }
                let step = session.input(&pending, in_block || blank);
                match step {
                    Step::More => continue,
                    Step::Done => {}
                    Step::Exit(code) => return code,
                }
                in_block = false;
                let _ = editor.add_history_entry(pending.trim_end());
                save_history(editor, history);
                pending.clear();
                let globals = session.program.vm.defined_globals();
                if let Some(helper) = editor.helper_mut() {
                    helper.globals = globals;
                }
            }
            Err(ReadlineError::Interrupted) => {
                pending.clear();
                in_block = false;
            }
            Err(ReadlineError::Eof) if !pending.is_empty() => {
                session.drop_unfinished(&pending);
                pending.clear();
                in_block = false;
            }
            Err(ReadlineError::Eof) => return EXIT_OK,
            Err(e) => {
                stream::error(&format!("Could not read the input: {e}.\n"));
                return EXIT_IO;
            }
        }
    }
}

/// Saves the history after each input, so a session that is killed keeps it; a
/// history that cannot be written is not worth interrupting the session for.
fn save_history(editor: &mut Editor<LineHelper, DefaultHistory>, path: Option<&Path>) {
    if let Some(path) = path {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if editor.history().is_empty() {
            return;
        }
        let _ = editor.save_history(path);
    }
}

impl Session<'_> {
    /// Compiles the source against the globals defined so far.
    fn compile(
        &mut self,
        source: &str,
        lang: Lang,
    ) -> Result<loxide::bytecode::verify::Verified, CompileError> {
        // Errors point into this input (its lines count from 1).
        self.program.renderer.set_source("input", source);
        // Potato checks that names are defined before use: earlier inputs' globals are.
        let defined = if lang == Lang::Potato {
            self.program.vm.defined_globals()
        } else {
            Vec::new()
        };
        let compiled = driver::compile_after(source, lang, self.cli.compile_limits(), &defined);
        if let Ok(program) = &compiled {
            // A runtime error in a function of an earlier input is not shown against
            // this one's text.
            let functions = program.module().functions.iter().map(|f| f.name.clone());
            self.program
                .renderer
                .set_functions(Some(functions.filter(|name| !name.is_empty()).collect()));
        }
        compiled
    }

    /// Compiles and runs an input; `finished` says no more lines will come (an empty
    /// line), so its errors are shown even if more input could fix them.
    fn input(&mut self, source: &str, finished: bool) -> Step {
        match self.compile(source, self.lang) {
            Ok(program) => {
                self.last_input = Some(source.to_string());
                self.run(&program)
            }
            Err(e) if e.at_end && !finished => {
                // An expression that only lacks its `;`: show its value.
                if self.lang == Lang::Lox {
                    let echo = echo_source(source);
                    if let Ok(program) = self.compile(&echo, self.lang) {
                        // A runtime error shows the input as typed, not its wrapping
                        // (which keeps the input's lines where they were).
                        self.program.renderer.set_source("input", source);
                        self.last_input = Some(echo);
                        return self.run(&program);
                    }
                }
                Step::More
            }
            Err(e) => {
                stream::error(&self.program.renderer.compile_error(&e));
                Step::Done
            }
        }
    }

    fn run(&mut self, program: &loxide::bytecode::verify::Verified) -> Step {
        // Earlier inputs' names are suggestions too ("did you mean").
        let names = self.program.vm.defined_globals();
        self.program.renderer.set_known_names(&names);
        match self.program.run(program) {
            Ended::OutputFailed(code) => Step::Exit(code),
            Ended::Ok | Ended::Failed | Ended::Interrupted => Step::Done,
        }
    }

    /// True when an unfinished Potato input is a definition header whose body is an
    /// indented block still to be typed: it does not compile alone, and does once a body
    /// is added.
    fn opens_block(&mut self, source: &str) -> bool {
        if self.lang != Lang::Potato || !source.trim_end().ends_with(')') {
            return false;
        }
        self.compile(source, Lang::Potato).is_err()
            && self
                .compile(&format!("{source}  say 0\n"), Lang::Potato)
                .is_ok()
    }

    /// Ctrl-D on a `...` line: say what is dropped and why it was unfinished.
    fn drop_unfinished(&mut self, pending: &str) {
        let lines = pending.lines().count();
        let mut report = String::new();
        if let Err(e) = self.compile(pending, self.lang) {
            report.push_str(&self.program.renderer.compile_error(&e));
        }
        let first = pending.lines().next().unwrap_or("").trim();
        let plural = if lines == 1 { "" } else { "s" };
        report.push_str(&format!(
            "Dropped the unfinished input ({lines} line{plural}, from `{first}`).\n"
        ));
        stream::error(&report);
    }

    /// A `:` command.
    fn command(&mut self, line: &str) -> Step {
        let (name, argument) = match line.split_once(char::is_whitespace) {
            Some((name, rest)) => (name, rest.trim()),
            None => (line, ""),
        };
        match (name, argument) {
            (":help" | ":h", _) => match stream::print(HELP) {
                Ok(()) => Step::Done,
                Err(code) => Step::Exit(code),
            },
            (":quit" | ":q" | ":exit", _) => Step::Exit(EXIT_OK),
            (":load", "") => {
                stream::error("Usage: :load FILE\n");
                Step::Done
            }
            (":load", file) => self.load(Path::new(file)),
            (":dump", stage) => self.dump(stage),
            _ => {
                stream::error(&format!(
                    "Unknown command '{name}'. Type :help for the commands.\n"
                ));
                Step::Done
            }
        }
    }

    /// `:load FILE`: runs a source file in the session.
    fn load(&mut self, path: &Path) -> Step {
        let Ok(bytes) = read_bytes(path) else {
            return Step::Done;
        };
        let Ok(source) = source_text(bytes, path) else {
            return Step::Done;
        };
        let lang = self.cli.lang_of(Some(path));
        match self.compile(&source, lang) {
            Ok(program) => {
                self.last_input = Some(source);
                self.run(&program)
            }
            Err(e) => {
                stream::error(&self.program.renderer.compile_error(&e));
                Step::Done
            }
        }
    }

    /// `:dump STAGE`: one stage of the last input.
    fn dump(&mut self, stage: &str) -> Step {
        let stage = match stage.parse::<Stage>() {
            Ok(stage) => stage,
            Err(why) => {
                stream::error(&format!("Usage: :dump STAGE ({why})\n"));
                return Step::Done;
            }
        };
        let Some(source) = &self.last_input else {
            stream::error("Nothing to show yet: :dump shows the last input that ran.\n");
            return Step::Done;
        };
        let defined = if self.lang == Lang::Potato {
            self.program.vm.defined_globals()
        } else {
            Vec::new()
        };
        let limits = self.cli.compile_limits();
        match dump::stage_after(self.lang, stage, source, limits, &defined, false) {
            Ok(text) => match stream::print(&text) {
                Ok(()) => Step::Done,
                Err(code) => Step::Exit(code),
            },
            Err(e) => {
                stream::error(&self.program.renderer.compile_error(&e));
                Step::Done
            }
        }
    }
}

/// The input as a statement that prints the value of the expression it is (unless
/// `nil`), on the input's own lines so that errors keep their line numbers. The local is
/// named `__repl`, which no sensible input uses.
fn echo_source(source: &str) -> String {
    let source = source.trim_end();
    // A comment on the last line would swallow the rest of that line.
    let end = if source
        .lines()
        .last()
        .is_some_and(|line| line.contains("//"))
    {
        "\n"
    } else {
        ""
    };
    format!("{{ var __repl = ({source}{end}); if (__repl != nil) print __repl; }}\n")
}

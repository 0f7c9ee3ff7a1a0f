//! The command line's grammar and dispatch: `lox [FILE]` plus the subcommands, and the
//! exit codes, which follow clox and sysexits (0 success, 64 usage, 65 compile error or
//! invalid bytecode, 70 runtime error, 74 I/O error, 130 interrupted by Ctrl-C). The trade-off: `lox FILE` stays
//! the short form, so a program whose file is named like a subcommand needs
//! `lox run compile` or `lox ./compile`.

mod args;
mod check;
mod compile;
mod inspect;
mod interrupt;
mod playground;
mod repl;
mod report;
mod run;
mod steps;
mod stream;
mod trace;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use loxide::dump::Stage;
use loxide::frontend::Lang;
use loxide::ir::Limits;
use loxide::vm::Options;

pub const EXIT_OK: i32 = 0;
pub const EXIT_USAGE: i32 = 64;
pub const EXIT_COMPILE: i32 = 65;
pub const EXIT_RUNTIME: i32 = 70;
pub const EXIT_IO: i32 = 74;
/// 128 + SIGINT, as a shell reports a process that Ctrl-C ended.
pub const EXIT_INTERRUPTED: i32 = 130;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LangArg {
    /// Lox, the language of Crafting Interpreters.
    Lox,
    /// Potato (see docs/potato.md).
    Potato,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitsArg {
    /// loxide's limits: deep recursion and large functions work.
    Default,
    /// clox's limits and messages, exactly (64 frames, 256 constants, 64 KiB jumps).
    Clox,
}

/// How errors are shown (`--error-format`, or the `LOX_ERROR_FORMAT` variable).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorFormat {
    /// clox's lines: `[line 1] Error at ';': Expect expression.`
    Clox,
    /// The source line with the span underlined, in colour on a terminal.
    Rich,
    /// One JSON object a line, per error.
    Json,
}

impl ErrorFormat {
    /// The format a name gives (`clox`, `rich`, `json`).
    pub fn from_name(name: &str) -> Option<ErrorFormat> {
        match name {
            "clox" => Some(ErrorFormat::Clox),
            "rich" => Some(ErrorFormat::Rich),
            "json" => Some(ErrorFormat::Json),
            _ => None,
        }
    }
}

/// The parsed command line (`args::parse`; the help text is in `args.rs`).
#[derive(Debug)]
pub struct Cli {
    /// The program to run (source or bytecode); without one, start an interactive session.
    pub file: Option<PathBuf>,

    /// Which limits to enforce (when compiling and when running).
    pub limits: LimitsArg,

    /// The source language [default: Potato for `.potato` files, else Lox]. A bytecode
    /// file records its own.
    pub lang: Option<LangArg>,

    /// Stop a program after N units of work (one per loop iteration and per call) with
    /// the runtime error `Execution budget exceeded.`.
    pub max_steps: Option<u64>,

    /// Bound the collector's heap: `64M`, `1G`, `512K` or plain bytes (K, M and G are
    /// powers of 1024). A program that needs more ends with `Out of memory.`.
    pub max_heap: Option<usize>,

    /// The call depth limit (`Stack overflow.` beyond it) [default: 100000, or 64 with
    /// --limits=clox].
    pub max_depth: Option<u64>,

    /// Print the collector's statistics to standard error when the program ends.
    pub gc_stats: bool,

    /// How errors are shown; `None` leaves it to `LOX_ERROR_FORMAT`, then to the default
    /// (clox's format for programs, rich in the REPL).
    pub error_format: Option<ErrorFormat>,

    /// A subcommand; without one, run `file` or start the REPL.
    pub command: Option<Command>,
}

#[derive(Debug)]
pub enum Command {
    /// Run a program, from source or bytecode (the same as `lox FILE`).
    Run {
        /// The program (source or bytecode).
        file: PathBuf,
    },
    /// Compile a program to a bytecode file; on compile errors, write nothing.
    Compile {
        /// The source file.
        file: PathBuf,
        /// Where to write the bytecode [default: FILE with the extension `.loxc`].
        output: Option<PathBuf>,
    },
    /// Check a bytecode file without running it.
    Verify {
        /// The bytecode file.
        file: PathBuf,
    },
    /// Disassemble a bytecode file, without its source.
    Disasm {
        /// The bytecode file.
        file: PathBuf,
        /// Show each instruction's bytes.
        hex: bool,
    },
    /// Report compile errors and semantic warnings without running the program.
    Check {
        /// The source file.
        file: PathBuf,
    },
    /// Serve the Language Server Protocol on standard input and output.
    Lsp,
    /// Run a program one instruction at a time, showing each with the stack.
    Trace {
        /// The source file.
        file: PathBuf,
    },
    /// Serve the playground (a page and its JSON API) until interrupted.
    Playground {
        /// The port to listen on (0: any free one).
        port: u16,
        /// The address to listen on.
        host: std::net::IpAddr,
        /// Open the page in a browser.
        open: bool,
        /// The limits on clients: how long they may take to send a request, and how
        /// many runs and connections each address may have at once.
        clients: playground::ClientLimits,
    },
    /// Show what one stage of the compiler makes of a program.
    Dump {
        /// The stage to show.
        stage: Stage,
        /// With `--stage bytecode`, show each instruction's bytes.
        hex: bool,
        /// The source file.
        file: PathBuf,
    },
}

impl Cli {
    /// The language of a source file: `--lang`, or else the file's extension.
    pub fn lang_of(&self, path: Option<&Path>) -> Lang {
        match (self.lang, path) {
            (Some(LangArg::Lox), _) => Lang::Lox,
            (Some(LangArg::Potato), _) => Lang::Potato,
            (None, Some(path)) => Lang::from_path(path),
            (None, None) => Lang::Lox,
        }
    }

    pub fn compile_limits(&self) -> Limits {
        match self.limits {
            LimitsArg::Default => Limits::Default,
            LimitsArg::Clox => Limits::Clox,
        }
    }

    /// The VM's options: the `--limits` preset, then `--max-steps`, `--max-heap` and
    /// `--max-depth` on top of it.
    pub fn vm_options(&self) -> Options {
        let mut options = match self.limits {
            LimitsArg::Default => Options::default(),
            LimitsArg::Clox => Options::clox(),
        };
        options.max_steps = self.max_steps.or(options.max_steps);
        options.max_heap = self.max_heap.or(options.max_heap);
        if let Some(depth) = self.max_depth {
            options.max_frames = usize::try_from(depth).unwrap_or(usize::MAX);
        }
        options.record_pauses = self.gc_stats;
        options
    }
}

/// Parses the arguments and runs the command; returns the exit code.
pub fn main() -> i32 {
    interrupt::default_sigpipe();
    let cli = match args::parse(std::env::args_os().skip(1)) {
        args::Parsed::Run(cli) => cli,
        // Help and version go to stdout and succeed; usage errors are clox's 64.
        args::Parsed::Print(text) => {
            return match stream::print(&text) {
                Ok(()) => EXIT_OK,
                Err(code) => code,
            };
        }
        args::Parsed::Usage(text) => {
            stream::error(&text);
            return EXIT_USAGE;
        }
    };
    match (&cli.command, &cli.file) {
        (Some(Command::Run { file }), _) | (None, Some(file)) => run::file(&cli, file),
        (Some(Command::Compile { file, output }), _) => {
            compile::file(&cli, file, output.as_deref())
        }
        (Some(Command::Verify { file }), _) => inspect::verify(file),
        (Some(Command::Disasm { file, hex }), _) => inspect::disasm(file, *hex),
        (Some(Command::Dump { stage, hex, file }), _) => inspect::dump(&cli, *stage, *hex, file),
        (Some(Command::Check { file }), _) => check::file(&cli, file),
        (Some(Command::Lsp), _) => loxide_ide::server::run_stdio(),
        (Some(Command::Trace { file }), _) => steps::trace_file(&cli, file),
        (
            Some(Command::Playground {
                port,
                host,
                open,
                clients,
            }),
            _,
        ) => playground::serve(*host, *port, *open, *clients),
        // Standard input that is not a terminal is a program, as with `lox -`.
        (None, None) if !std::io::stdin().is_terminal() => run::file(&cli, Path::new("-")),
        (None, None) => repl::run(&cli),
    }
}

/// Parses a `--max-heap` size: digits, then optionally `K`, `M` or `G` (binary
/// multiples, any case, optionally followed by `B` or `iB`).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, suffix) = text.split_at(digits_end);
    let shift = match suffix.to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => {
            return Err(format!(
                "'{text}' is not a size (try 64M, 1G, 512K or bytes)"
            ));
        }
    };
    let number: usize = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a size (try 64M, 1G, 512K or bytes)"))?;
    number
        .checked_mul(1usize << shift)
        .ok_or_else(|| format!("'{text}' is too large"))
}

/// How a file is named in messages: its path, or `standard input` for `-`.
/// How error reports name a source file: its path, or `<stdin>` for `-`.
pub fn source_name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".into()
    } else {
        path.display().to_string()
    }
}

pub fn display_name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "standard input".into()
    } else {
        format!("\"{}\"", path.display())
    }
}

/// A program's bytes; the path `-` reads standard input to its end. An I/O error is
/// reported with the system's reason (`Is a directory`) and gives `EXIT_IO`.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, i32> {
    let read = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map(|_| bytes)
    } else {
        std::fs::read(path)
    };
    read.map_err(|e| {
        let what = if path.as_os_str() == "-" {
            "Could not read standard input".to_string()
        } else {
            format!("Could not open file \"{}\"", path.display())
        };
        stream::error(&format!("{what}: {}.\n", stream::reason(&e)));
        EXIT_IO
    })
}

/// Source text from a file's bytes. Bytes that are not text (a NUL byte, invalid
/// UTF-8: a binary file given by mistake) are one error with where it is, and
/// `EXIT_COMPILE`, rather than a flood of `Unexpected character.`
pub fn source_text(bytes: Vec<u8>, path: &Path) -> Result<String, i32> {
    let line_at =
        |bytes: &[u8], offset: usize| 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
    let problem = match String::from_utf8(bytes) {
        Ok(text) => match text.bytes().position(|b| b == 0) {
            None => return Ok(text),
            Some(at) => format!("a NUL byte on line {}", line_at(text.as_bytes(), at)),
        },
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            format!("invalid UTF-8 on line {}", line_at(e.as_bytes(), at))
        }
    };
    stream::error(&format!(
        "{} is not a text file ({problem}).\n",
        display_name(path)
    ));
    Err(EXIT_COMPILE)
}

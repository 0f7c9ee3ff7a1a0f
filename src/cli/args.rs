//! The command line, read with `lexopt`. `clap` was a quarter of the binary and most of
//! start-up's own work; `lexopt` is one small file with no dependencies and no procedural
//! macros (which the static build cannot link), and only splits the arguments into
//! options and values: it adds about 13 kB and no measurable start-up time
//! (docs/performance.md, "Memory"). The grammar is here: `lox [OPTIONS] [FILE]` and five
//! subcommands, every option global. Options take their value as `--name value` or
//! `--name=value` (`-o OUT`, `-oOUT` or `-o=OUT` for `--output`); `--` ends the options;
//! a usage error prints a short message in clap's words and exits 64.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use lexopt::Arg::{Long, Short, Value};
use loxide::dump::Stage;

use super::{Cli, Command, ErrorFormat, LangArg, LimitsArg, parse_size};

/// What the command line asks for.
pub enum Parsed {
    /// Run a command.
    Run(Cli),
    /// Print this (help or version) to standard output and succeed.
    Print(String),
    /// A usage error: print this to standard error and exit 64.
    Usage(String),
}

const SUBCOMMANDS: [&str; 9] = [
    "run",
    "compile",
    "verify",
    "disasm",
    "dump",
    "check",
    "lsp",
    "trace",
    "playground",
];

const VERSION: &str = concat!("lox ", env!("CARGO_PKG_VERSION"), "\n");

/// The commands an option can belong to: `Run` is `lox FILE`, `lox run` and the REPL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmd {
    Run,
    Compile,
    Verify,
    Disasm,
    Dump,
    Check,
    Lsp,
    Trace,
    Playground,
}

impl Cmd {
    fn of(subcommand: Option<&str>) -> Cmd {
        match subcommand {
            Some("compile") => Cmd::Compile,
            Some("verify") => Cmd::Verify,
            Some("disasm") => Cmd::Disasm,
            Some("dump") => Cmd::Dump,
            Some("check") => Cmd::Check,
            Some("lsp") => Cmd::Lsp,
            Some("trace") => Cmd::Trace,
            Some("playground") => Cmd::Playground,
            _ => Cmd::Run,
        }
    }
}

/// One option: the one description the parser's messages and every help text use.
struct Spec {
    short: Option<char>,
    long: &'static str,
    /// The value's name (`<LIMITS>`), or empty for a flag.
    value: &'static str,
    about: &'static str,
    /// The values it takes, each with what it means.
    values: &'static [(&'static str, &'static str)],
    /// The commands it belongs to.
    commands: &'static [Cmd],
}

/// Every option, in the order help lists them. The run options (`--limits` to
/// `--max-depth`) may also come before the subcommand; the others follow it.
const SPECS: &[Spec] = &[
    Spec {
        short: Some('o'),
        long: "output",
        value: "<OUT>",
        about: "Where to write the bytecode, `-` for standard output [default: FILE with \
                the extension `.loxc`; standard output for `lox compile -`]",
        values: &[],
        commands: &[Cmd::Compile],
    },
    Spec {
        short: None,
        long: "stage",
        value: "<STAGE>",
        about: "The stage to show",
        values: &[
            ("tokens", "One token a line: line number, kind and lexeme"),
            ("ast", "The syntax tree as parsed"),
            ("desugared", "The core tree after desugaring"),
            ("scopes", "The resolved symbol tree"),
            ("ir", "The IR, one instruction a line, per function"),
            ("bytecode", "The bytecode, disassembled"),
        ],
        commands: &[Cmd::Dump],
    },
    Spec {
        short: None,
        long: "hex",
        value: "",
        about: "Show each instruction's bytes (with `--stage bytecode`)",
        values: &[],
        commands: &[Cmd::Disasm, Cmd::Dump],
    },
    Spec {
        short: None,
        long: "port",
        value: "<N>",
        about: "The port to listen on [default: 8000; 0 picks a free one]",
        values: &[],
        commands: &[Cmd::Playground],
    },
    Spec {
        short: None,
        long: "host",
        value: "<ADDR>",
        about: "The address to listen on [default: 127.0.0.1, this machine only]",
        values: &[],
        commands: &[Cmd::Playground],
    },
    Spec {
        short: None,
        long: "open",
        value: "",
        about: "Open the page in a web browser once the server listens",
        values: &[],
        commands: &[Cmd::Playground],
    },
    Spec {
        short: None,
        long: "request-timeout",
        value: "<SECONDS>",
        about: "How long a client may take to send a request's head, then its body, and \
                to take each part of an answer [default: 10]",
        values: &[],
        commands: &[Cmd::Playground],
    },
    Spec {
        short: None,
        long: "client-runs",
        value: "<N>",
        about: "Compilations and runs one client address may have going at once \
                [default: 2]",
        values: &[],
        commands: &[Cmd::Playground],
    },
    Spec {
        short: None,
        long: "client-connections",
        value: "<N>",
        about: "Connections one client address may have open at once [default: 16]",
        values: &[],
        commands: &[Cmd::Playground],
    },
    Spec {
        short: None,
        long: "limits",
        value: "<LIMITS>",
        about: "Which limits to enforce, compiling and running [default: default]",
        values: &[
            (
                "default",
                "loxide's: deep recursion and large functions work",
            ),
            (
                "clox",
                "clox's limits, messages and traces, exactly (64 frames, 256 constants, \
                 64 KiB jumps)",
            ),
        ],
        commands: &[Cmd::Run, Cmd::Compile, Cmd::Dump, Cmd::Trace],
    },
    Spec {
        short: None,
        long: "lang",
        value: "<LANG>",
        about: "The source language [default: Potato for `.potato` files, else Lox]; a \
                bytecode file records its own",
        values: &[
            ("lox", "Lox, the language of Crafting Interpreters"),
            ("potato", "Potato (see docs/potato.md)"),
        ],
        commands: &[Cmd::Run, Cmd::Compile, Cmd::Dump, Cmd::Check, Cmd::Trace],
    },
    Spec {
        short: None,
        long: "error-format",
        value: "<FORMAT>",
        about: "How errors are shown [default: $LOX_ERROR_FORMAT, else clox, or rich in the \
                interactive session]",
        values: &[
            (
                "clox",
                "clox's lines: `[line 1] Error at ';': Expect expression.`",
            ),
            (
                "rich",
                "the source line with the error underlined, in colour on a terminal",
            ),
            ("json", "one JSON object a line per error, for tools"),
        ],
        commands: &[Cmd::Run, Cmd::Compile, Cmd::Dump, Cmd::Check, Cmd::Trace],
    },
    Spec {
        short: None,
        long: "max-steps",
        value: "<N>",
        about: "Stop a program after N units of work (one per loop iteration and per call) \
                with the runtime error `Execution budget exceeded.`",
        values: &[],
        commands: &[Cmd::Run],
    },
    Spec {
        short: None,
        long: "max-heap",
        value: "<SIZE>",
        about: "Bound the collector's heap: `64M`, `1G`, `512K` or plain bytes (K, M and G \
                are powers of 1024); a program that needs more ends with `Out of memory.`",
        values: &[],
        commands: &[Cmd::Run],
    },
    Spec {
        short: None,
        long: "max-depth",
        value: "<N>",
        about: "The call depth limit (`Stack overflow.` beyond it) [default: 100000, or 64 \
                with --limits=clox]",
        values: &[],
        commands: &[Cmd::Run],
    },
    Spec {
        short: None,
        long: "gc-stats",
        value: "",
        about: "When the program ends, print to standard error how often the collector ran, \
                its pauses (in all, the longest, the 99th percentile) and the heap's peak",
        values: &[],
        commands: &[Cmd::Run],
    },
];

/// The table's entry for an option.
fn spec(long: &str) -> &'static Spec {
    SPECS
        .iter()
        .find(|spec| spec.long == long)
        .expect("every option the parser knows is in SPECS")
}

/// How an option is named in messages: `--limits <LIMITS>`, or `--hex`.
fn flag(long: &str) -> String {
    let spec = spec(long);
    if spec.value.is_empty() {
        format!("--{long}")
    } else {
        format!("--{long} {}", spec.value)
    }
}

/// Parses the arguments after the program's name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Parsed {
    let mut subcommand = None;
    match read(lexopt::Parser::from_args(args), &mut subcommand) {
        Ok(parsed) => parsed,
        Err(Usage(message)) => Parsed::Usage(usage_error(&message, subcommand)),
    }
}

/// A usage error's message.
struct Usage(String);

fn read(mut p: lexopt::Parser, subcommand: &mut Option<&'static str>) -> Result<Parsed, Usage> {
    let mut file: Option<OsString> = None;
    let mut help_for = None;
    let (mut limits, mut lang, mut max_steps, mut max_heap, mut max_depth) =
        (None, None, None, None, None);
    let mut error_format = None;
    let (mut output, mut stage, mut hex) = (None, None, false);
    let mut gc_stats = false;
    let (mut port, mut host, mut open_browser) = (None, None, false);
    let (mut request_timeout, mut client_runs, mut client_connections) = (None, None, None);
    // The run options given, checked against the command once it is known.
    let mut given: Vec<&'static str> = Vec::new();
    loop {
        // `--` ends the options and the subcommand: whatever follows is the FILE.
        if let Some(mut raw) = p.try_raw_args()
            && raw.next_if(|arg| arg == "--").is_some()
        {
            for arg in raw {
                if file.is_some() {
                    return Err(unexpected(&arg));
                }
                file = Some(arg);
            }
            break;
        }
        let Some(arg) = p.next()? else { break };
        // `help` and the subcommands are names only before the FILE.
        let open = subcommand.is_none() && file.is_none();
        let cmd = Cmd::of(*subcommand);
        match arg {
            // Neither takes a value nor other letters after it (`-hV` is an error).
            Short('h') | Long("help") => {
                p.raw_args()?;
                help_for = Some(*subcommand);
            }
            Short('V') | Long("version") => {
                p.raw_args()?;
                return Ok(Parsed::Print(VERSION.into()));
            }
            Long("limits") => {
                given.push("limits");
                once(&mut limits, &mut p, "limits", |v, flag| match v {
                    "default" => Ok(LimitsArg::Default),
                    "clox" => Ok(LimitsArg::Clox),
                    _ => Err(invalid(v, flag)),
                })?
            }
            Long("lang") => {
                given.push("lang");
                once(&mut lang, &mut p, "lang", |v, flag| match v {
                    "lox" => Ok(LangArg::Lox),
                    "potato" => Ok(LangArg::Potato),
                    _ => Err(invalid(v, flag)),
                })?
            }
            Long("error-format") => {
                given.push("error-format");
                once(&mut error_format, &mut p, "error-format", |v, flag| {
                    ErrorFormat::from_name(v).ok_or_else(|| invalid(v, flag))
                })?
            }
            Long("max-steps") => {
                given.push("max-steps");
                once(&mut max_steps, &mut p, "max-steps", |v, flag| {
                    v.parse()
                        .map_err(|_| invalid_as(v, flag, "a whole number of steps"))
                })?
            }
            Long("max-heap") => {
                given.push("max-heap");
                once(&mut max_heap, &mut p, "max-heap", |v, _| {
                    parse_size(v)
                        .map_err(|why| Usage(format!("invalid value for '--max-heap': {why}")))
                })?
            }
            Long("max-depth") => {
                given.push("max-depth");
                once(&mut max_depth, &mut p, "max-depth", |v, flag| {
                    v.parse()
                        .ok()
                        .filter(|&depth| depth >= 1)
                        .ok_or_else(|| invalid_as(v, flag, "a whole number from 1"))
                })?
            }
            Long("gc-stats") => {
                given.push("gc-stats");
                if gc_stats {
                    return Err(twice("gc-stats"));
                }
                gc_stats = true;
            }
            // The options of one subcommand come after its name.
            Short('o') | Long("output") if cmd == Cmd::Compile && subcommand.is_some() => {
                once(&mut output, &mut p, "output", |v, _| Ok(PathBuf::from(v)))?
            }
            Long("stage") if cmd == Cmd::Dump => once(&mut stage, &mut p, "stage", |v, flag| {
                v.parse::<Stage>().map_err(|_| invalid(v, flag))
            })?,
            Long("port") if cmd == Cmd::Playground => {
                once(&mut port, &mut p, "port", |v, flag| {
                    v.parse::<u16>()
                        .map_err(|_| invalid_as(v, flag, "a port number from 0 to 65535"))
                })?
            }
            Long("host") if cmd == Cmd::Playground => {
                once(&mut host, &mut p, "host", |v, flag| {
                    v.parse::<std::net::IpAddr>()
                        .map_err(|_| invalid_as(v, flag, "an IP address such as 127.0.0.1"))
                })?
            }
            Long("request-timeout") if cmd == Cmd::Playground => once(
                &mut request_timeout,
                &mut p,
                "request-timeout",
                |v, flag| {
                    v.parse::<f64>()
                        .ok()
                        .filter(|s| (0.001..=86_400.0).contains(s))
                        .map(std::time::Duration::from_secs_f64)
                        .ok_or_else(|| {
                            invalid_as(v, flag, "a number of seconds from 0.001 to 86400")
                        })
                },
            )?,
            Long("client-runs") if cmd == Cmd::Playground => {
                once(&mut client_runs, &mut p, "client-runs", |v, flag| {
                    v.parse::<usize>()
                        .ok()
                        .filter(|&n| n >= 1)
                        .ok_or_else(|| invalid_as(v, flag, "a whole number from 1"))
                })?
            }
            Long("client-connections") if cmd == Cmd::Playground => once(
                &mut client_connections,
                &mut p,
                "client-connections",
                |v, flag| {
                    v.parse::<usize>()
                        .ok()
                        .filter(|&n| n >= 1)
                        .ok_or_else(|| invalid_as(v, flag, "a whole number from 1"))
                },
            )?,
            Long("open") if cmd == Cmd::Playground => {
                if open_browser {
                    return Err(twice("open"));
                }
                open_browser = true;
            }
            Long("hex") if spec("hex").commands.contains(&cmd) && subcommand.is_some() => {
                if hex {
                    return Err(twice("hex"));
                }
                hex = true;
            }
            Value(arg) if open && arg == "help" => {
                // `lox help [COMMAND]`
                let topic = p.raw_args()?.next();
                return match topic.as_deref().and_then(OsStr::to_str) {
                    None => Ok(Parsed::Print(help(None))),
                    Some(t) => match SUBCOMMANDS.into_iter().find(|&s| s == t) {
                        Some(s) => Ok(Parsed::Print(help(Some(s)))),
                        None => Err(Usage(format!("unrecognized subcommand '{t}'"))),
                    },
                };
            }
            Value(arg) if open && SUBCOMMANDS.iter().any(|&s| arg == s) => {
                *subcommand = SUBCOMMANDS.into_iter().find(|&s| arg == s);
            }
            Value(arg) if file.is_none() => file = Some(arg),
            Value(arg) => return Err(unexpected(&arg)),
            Short(c) => return Err(unexpected(format!("-{c}"))),
            Long(name) => {
                let mut arg = OsString::from(format!("--{name}"));
                if let Some(value) = p.optional_value() {
                    arg.push("=");
                    arg.push(value);
                }
                return Err(unexpected(arg));
            }
        }
    }
    if let Some(topic) = help_for {
        return Ok(Parsed::Print(help(topic)));
    }
    // Each command takes only its own options.
    let cmd = Cmd::of(*subcommand);
    if let Some(long) = given
        .iter()
        .find(|long| !spec(long).commands.contains(&cmd))
    {
        return Err(unexpected(format!("--{long}")));
    }
    let mut file = file.map(PathBuf::from);
    let command = match *subcommand {
        None => None,
        // The playground reads no file.
        Some("playground") => {
            if let Some(file) = file.take() {
                return Err(unexpected(file));
            }
            Some(Command::Playground {
                port: port.unwrap_or(8000),
                host: host.unwrap_or(std::net::IpAddr::from([127, 0, 0, 1])),
                open: open_browser,
                clients: {
                    let defaults = super::playground::ClientLimits::default();
                    super::playground::ClientLimits {
                        request_time: request_timeout.unwrap_or(defaults.request_time),
                        runs: client_runs.unwrap_or(defaults.runs),
                        connections: client_connections.unwrap_or(defaults.connections),
                    }
                },
            })
        }
        Some(name) => {
            let missing = |what: &str| {
                Usage(format!(
                    "the following required arguments were not provided: {what}"
                ))
            };
            if name == "lsp" {
                // The language server talks on standard input and output: no FILE.
                if let Some(file) = file.take() {
                    return Err(unexpected(file));
                }
                return Ok(Parsed::Run(Cli {
                    file: None,
                    limits: limits.unwrap_or(LimitsArg::Default),
                    lang,
                    max_steps,
                    max_heap,
                    max_depth,
                    gc_stats,
                    error_format,
                    command: Some(Command::Lsp),
                }));
            }
            // The subcommand takes the FILE.
            let file = file.take().ok_or_else(|| missing("<FILE>"))?;
            Some(match name {
                "run" => Command::Run { file },
                "compile" => Command::Compile { file, output },
                "verify" => Command::Verify { file },
                "disasm" => Command::Disasm { file, hex },
                "check" => Command::Check { file },
                "trace" => Command::Trace { file },
                _ => Command::Dump {
                    stage: stage.ok_or_else(|| missing(&flag("stage")))?,
                    hex,
                    file,
                },
            })
        }
    };
    Ok(Parsed::Run(Cli {
        file,
        limits: limits.unwrap_or(LimitsArg::Default),
        lang,
        max_steps,
        max_heap,
        max_depth,
        gc_stats,
        error_format,
        command,
    }))
}

/// Reads the value of an option that may be given once, and converts it with `convert`
/// (given the value and the option's name for messages).
fn once<T>(
    slot: &mut Option<T>,
    p: &mut lexopt::Parser,
    long: &str,
    convert: impl FnOnce(&str, &str) -> Result<T, Usage>,
) -> Result<(), Usage> {
    let value = p.value()?;
    let Some(value) = value.to_str() else {
        return Err(invalid_as(&value.to_string_lossy(), long, "UTF-8 text"));
    };
    if slot.is_some() {
        return Err(twice(long));
    }
    *slot = Some(convert(value, long)?);
    Ok(())
}

/// lexopt's errors, in the words of the others (which follow clap's).
impl From<lexopt::Error> for Usage {
    fn from(e: lexopt::Error) -> Usage {
        Usage(match e {
            lexopt::Error::MissingValue {
                option: Some(option),
            } => format!("a value is required for '{option}' but none was supplied"),
            lexopt::Error::UnexpectedValue { option, .. } => {
                format!("unexpected value for '{option}'")
            }
            other => other.to_string(),
        })
    }
}

fn unexpected(arg: impl AsRef<OsStr>) -> Usage {
    let arg = arg.as_ref().to_string_lossy();
    Usage(format!("unexpected argument '{arg}' found"))
}

fn twice(long: &str) -> Usage {
    Usage(format!(
        "the argument '{}' cannot be used multiple times",
        flag(long)
    ))
}

/// A value outside the option's list of values.
fn invalid(value: &str, long: &str) -> Usage {
    let names: Vec<&str> = spec(long).values.iter().map(|(name, _)| *name).collect();
    invalid_as(value, long, &names.join(", "))
}

fn invalid_as(value: &str, long: &str, expected: &str) -> Usage {
    Usage(format!(
        "invalid value '{value}' for '{}' (expected {expected})",
        flag(long)
    ))
}

/// A usage error's text, with the usage of the command it is about.
fn usage_error(message: &str, subcommand: Option<&str>) -> String {
    let more = match subcommand {
        Some(name) => format!("lox {name} --help"),
        None => "--help".into(),
    };
    format!(
        "error: {message}\n\nUsage: {}\n\nFor more information, try '{more}'.\n",
        usage_of(subcommand)
    )
}

fn usage_of(subcommand: Option<&str>) -> String {
    match subcommand {
        None => "lox [OPTIONS] [FILE] [COMMAND]".into(),
        Some("dump") => "lox dump [OPTIONS] --stage <STAGE> <FILE>".into(),
        Some("lsp") => "lox lsp".into(),
        Some("playground") => "lox playground [OPTIONS]".into(),
        Some(other) => format!("lox {other} [OPTIONS] <FILE>"),
    }
}

const ABOUT: &str = "\
loxide: a fast bytecode virtual machine for the Lox language (and Potato).

`lox FILE` runs a program, from source or from a bytecode file made by `lox compile`
(told apart by content, not by name); `lox` alone starts an interactive session.
";

const COMMANDS: &str = "\
Commands:
  run         Run a program, from source or bytecode (the same as `lox FILE`)
  compile     Compile a program to a bytecode file; on compile errors, write nothing
  verify      Check a bytecode file without running it
  disasm      Disassemble a bytecode file, without its source
  dump        Show what one stage of the compiler makes of a program
  check       Report a program's compile errors and semantic warnings without running it
  lsp         Serve the Language Server Protocol on standard input and output (for editors)
  trace       Run a program one instruction at a time, showing each with the stack
  playground  Serve the playground: a page that compiles, runs and steps programs
  help        Print this message or the help of the given subcommand
";

/// The width help text is wrapped to.
const HELP_WIDTH: usize = 88;

/// The options section of a command's help: its own options from `SPECS`, then help
/// (and version, for `lox` itself), in two aligned columns.
fn options_help(subcommand: Option<&str>) -> String {
    let cmd = Cmd::of(subcommand);
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    for spec in SPECS.iter().filter(|spec| spec.commands.contains(&cmd)) {
        let short = spec.short.map_or("    ".to_string(), |c| format!("-{c}, "));
        let left = format!("  {short}{}", flag(spec.long));
        let mut right = vec![spec.about.to_string()];
        let name_width = spec
            .values
            .iter()
            .map(|(name, _)| name.len())
            .max()
            .unwrap_or(0);
        for (name, about) in spec.values {
            right.push(format!(
                "- {name}:{:pad$} {about}",
                "",
                pad = name_width - name.len()
            ));
        }
        rows.push((left, right));
    }
    rows.push(("  -h, --help".into(), vec!["Print help".into()]));
    if subcommand.is_none() {
        rows.push(("  -V, --version".into(), vec!["Print version".into()]));
    }
    let column = rows.iter().map(|(left, _)| left.len()).max().unwrap_or(0) + 2;
    let mut out = String::from("Options:\n");
    for (left, right) in rows {
        let mut first = true;
        for paragraph in right {
            // A value's description continues under its text, not under its `-`.
            let indent = match paragraph.find(':') {
                Some(colon) if paragraph.starts_with("- ") => {
                    let text = &paragraph[colon + 1..];
                    colon + 1 + (text.len() - text.trim_start().len())
                }
                _ => 0,
            };
            for line in wrap(&paragraph, HELP_WIDTH - column, indent) {
                if first {
                    out.push_str(&format!("{left:column$}{line}\n"));
                    first = false;
                } else {
                    out.push_str(&format!("{:column$}{line}\n", ""));
                }
            }
        }
    }
    out
}

/// Splits `text` at spaces into lines of at most `width` characters; lines after the
/// first are indented by `indent`.
fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
            line = " ".repeat(indent);
        }
        if !line.trim().is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// The help text of the command, or of one subcommand.
fn help(subcommand: Option<&str>) -> String {
    let options = options_help(subcommand);
    let Some(name) = subcommand else {
        return format!(
            "{ABOUT}\nUsage: {}\n\n{COMMANDS}\nArguments:\n  [FILE]  The program to run \
             (source or bytecode), or `-` for standard input. Without\n          \
             FILE, `lox` starts an interactive session on a terminal, and runs\n          \
             standard input as a program otherwise\n\n{options}",
            usage_of(None)
        );
    };
    let (about, file) = match name {
        "run" => (
            "Run a program, from source or bytecode (the same as `lox FILE`)",
            "The program (source or bytecode), or `-` for standard input",
        ),
        "compile" => (
            "Compile a program to a bytecode file; on compile errors, write nothing",
            "The source file, or `-` for standard input",
        ),
        "verify" => (
            "Check a bytecode file without running it",
            "The bytecode file, or `-` for standard input",
        ),
        "disasm" => (
            "Disassemble a bytecode file, without its source",
            "The bytecode file, or `-` for standard input",
        ),
        "check" => (
            "Report a program's compile errors and semantic warnings without running it \
             (exit 0 with warnings only, 65 with errors; rich format unless \
             --error-format says otherwise; docs/editor.md lists the warnings)",
            "The source file, or `-` for standard input",
        ),
        "lsp" => {
            return format!(
                "Serve the Language Server Protocol on standard input and output, for \
                 editors (docs/editor.md)\n\nUsage: {}\n\n{options}",
                usage_of(Some(name))
            );
        }
        "trace" => (
            "Run a program one instruction at a time, showing each with the stack",
            "The source file, or `-` for standard input",
        ),
        "playground" => {
            return format!(
                "Serve the playground: a page that compiles, runs and steps programs, \
                 and its JSON API\n(docs/playground.md)\n\nUsage: {}\n\n{options}",
                usage_of(Some(name))
            );
        }
        _ => (
            "Show what one stage of the compiler makes of a program",
            "The source file, or `-` for standard input",
        ),
    };
    format!(
        "{about}\n\nUsage: {}\n\nArguments:\n  <FILE>  {file}\n\n{options}",
        usage_of(Some(name))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Parses a command line given as one string, split at spaces.
    fn parse_line(line: &str) -> Parsed {
        parse(line.split_whitespace().map(OsString::from))
    }

    fn cli(line: &str) -> Cli {
        match parse_line(line) {
            Parsed::Run(cli) => cli,
            Parsed::Print(text) => panic!("{line:?} printed {text}"),
            Parsed::Usage(text) => panic!("{line:?} is a usage error: {text}"),
        }
    }

    fn printed(line: &str) -> String {
        match parse_line(line) {
            Parsed::Print(text) => text,
            _ => panic!("{line:?} printed nothing"),
        }
    }

    /// The first line of the usage error, or `None` if it is not one.
    fn usage_error(line: &str) -> Option<String> {
        match parse_line(line) {
            Parsed::Usage(text) => text.lines().next().map(str::to_owned),
            _ => None,
        }
    }

    #[test]
    fn files_subcommands_and_global_options() {
        let c = cli("");
        assert!(c.file.is_none() && c.command.is_none());
        let c = cli("--limits=clox p.lox --max-steps 10");
        assert_eq!(c.file, Some(PathBuf::from("p.lox")));
        assert_eq!(c.limits, LimitsArg::Clox);
        assert_eq!(c.max_steps, Some(10));
        let c = cli("compile p.lox -o out --lang potato");
        assert!(
            matches!(&c.command, Some(Command::Compile { file, output: Some(out) })
                if file == Path::new("p.lox") && out == Path::new("out"))
        );
        assert_eq!(c.lang, Some(LangArg::Potato));
        for form in ["-oout", "-o=out", "--output=out", "--output out"] {
            assert!(matches!(
                cli(&format!("compile p.lox {form}")).command,
                Some(Command::Compile { output: Some(out), .. }) if out == Path::new("out")
            ));
        }
        let c = cli("--limits clox dump --hex --stage ir p.lox");
        assert!(matches!(
            c.command,
            Some(Command::Dump {
                stage: Stage::Ir,
                hex: true,
                ..
            })
        ));
        assert_eq!(c.limits, LimitsArg::Clox);
        assert_eq!(cli("--max-heap 64M p.lox").max_heap, Some(64 << 20));
        assert!(matches!(
            cli("run compile").command,
            Some(Command::Run { .. })
        ));
        assert_eq!(cli("-- -p.lox").file, Some(PathBuf::from("-p.lox")));
        // After `--`, a subcommand's name is a file's.
        let c = cli("-- run");
        assert!(c.command.is_none() && c.file == Some(PathBuf::from("run")));
        assert!(matches!(
            cli("run -- -h").command,
            Some(Command::Run { file }) if file == Path::new("-h")
        ));
        assert_eq!(cli("-").file, Some(PathBuf::from("-")));
        assert_eq!(cli("--max-depth 1").max_depth, Some(1));
    }

    #[test]
    fn check_takes_a_file_and_lsp_takes_none() {
        assert!(matches!(
            cli("check p.lox --error-format json --lang potato").command,
            Some(Command::Check { file }) if file == Path::new("p.lox")
        ));
        assert!(matches!(cli("lsp").command, Some(Command::Lsp)));
        assert_eq!(
            usage_error("lsp p.lox"),
            Some("error: unexpected argument 'p.lox' found".into())
        );
        assert_eq!(
            usage_error("check"),
            Some("error: the following required arguments were not provided: <FILE>".into())
        );
        assert_eq!(
            usage_error("check --max-steps 3 p.lox"),
            Some("error: unexpected argument '--max-steps' found".into())
        );
        assert!(printed("help lsp").contains("Usage: lox lsp\n"));
        assert!(printed("check -h").contains("--error-format"));
        assert!(printed("--help").contains("  lsp "));
    }

    #[test]
    fn usage_errors() {
        for line in [
            "--no-such-flag",
            "compile",
            "dump p.lox",
            "dump --stage nonsense p.lox",
            "--limits=fast p.lox",
            "--limits",
            "a.lox b.lox",
            "--max-depth 0",
            "--max-steps -1",
            "--max-heap 1.5M",
            "--limits=clox --limits=clox",
            "-o out p.lox",
            "--stage ir p.lox",
            "run --hex p.lox",
            "--hex disasm p.lox",
            "disasm --hex=1 p.lox",
            "disasm --hex --hex p.lox",
            "compile p.lox -o",
            "-x",
            "-hV",
            "-Vx",
            "--bogus=1 p.lox",
            "-- run p.lox",
            "p.lox help",
        ] {
            assert!(usage_error(line).is_some(), "{line:?}");
        }
    }

    #[test]
    fn usage_error_messages() {
        for (line, message) in [
            ("--bogus=1 p.lox", "unexpected argument '--bogus=1' found"),
            ("a.lox b.lox", "unexpected argument 'b.lox' found"),
            (
                "--limits",
                "a value is required for '--limits' but none was supplied",
            ),
            (
                "--lang=rust",
                "invalid value 'rust' for '--lang <LANG>' (expected lox, potato)",
            ),
            (
                "--max-depth=1 --max-depth=2",
                "the argument '--max-depth <N>' cannot be used multiple times",
            ),
            (
                "--max-heap 1.5M",
                "invalid value for '--max-heap': '1.5M' is not a size (try 64M, 1G, 512K or bytes)",
            ),
            (
                "dump p.lox",
                "the following required arguments were not provided: --stage <STAGE>",
            ),
            ("help nope", "unrecognized subcommand 'nope'"),
        ] {
            assert_eq!(
                usage_error(line),
                Some(format!("error: {message}")),
                "{line:?}"
            );
        }
        let Parsed::Usage(text) = parse_line("compile") else {
            panic!("`lox compile` is not a usage error");
        };
        assert!(
            text.contains("\nUsage: lox compile [OPTIONS] <FILE>\n"),
            "{text}"
        );
    }

    #[test]
    fn trace_and_playground_parse() {
        let c = cli("trace --lang potato p.lox");
        assert!(matches!(&c.command, Some(Command::Trace { file }) if file == Path::new("p.lox")));
        assert_eq!(c.lang, Some(LangArg::Potato));
        let c = cli("playground");
        assert!(matches!(
            c.command,
            Some(Command::Playground { port: 8000, open: false, host, clients })
                if host == std::net::IpAddr::from([127, 0, 0, 1])
                    && clients == super::super::playground::ClientLimits::default()
        ));
        let c = cli("playground --port 0 --host 0.0.0.0 --open");
        assert!(matches!(
            c.command,
            Some(Command::Playground { port: 0, open: true, host, .. })
                if host == std::net::IpAddr::from([0, 0, 0, 0])
        ));
        let c = cli("playground --request-timeout 0.25 --client-runs 3 --client-connections 5");
        assert!(matches!(
            c.command,
            Some(Command::Playground { clients, .. })
                if clients == super::super::playground::ClientLimits {
                    request_time: std::time::Duration::from_millis(250),
                    runs: 3,
                    connections: 5,
                }
        ));
        for line in [
            "playground p.lox",
            "playground --port 70000",
            "playground --host nowhere",
            "playground --open --open",
            "playground --request-timeout 0",
            "playground --request-timeout never",
            "playground --request-timeout NaN",
            "playground --client-runs 0",
            "playground --client-connections -1",
            "playground --client-runs 1 --client-runs 2",
            "playground --stage ir",
            "trace",
            "trace --port 1 p.lox",
            "--port 1 p.lox",
            "playground --max-steps 5",
        ] {
            assert!(matches!(parse_line(line), Parsed::Usage(_)), "{line:?}");
        }
        assert!(printed("playground --help").contains("--port <N>"));
        assert!(!printed("playground --help").contains("<FILE>"));
        assert!(printed("trace --help").contains("one instruction at a time"));
    }

    #[test]
    fn help_and_version_print() {
        for line in [
            "--help",
            "-h",
            "--version",
            "-V",
            "help",
            "help dump",
            "help compile extra",
            "compile --help",
            "dump -h",
        ] {
            assert!(matches!(parse_line(line), Parsed::Print(_)), "{line:?}");
        }
        assert_eq!(
            printed("-V"),
            concat!("lox ", env!("CARGO_PKG_VERSION"), "\n")
        );
        // `lox -h run` is the command's help, `lox run -h` the subcommand's.
        assert!(printed("-h run").starts_with("loxide:"));
        assert_eq!(printed("run -h"), printed("help run"));
        assert!(printed("dump --help").contains("--stage <STAGE>"));
    }

    #[test]
    fn each_command_lists_only_its_own_options_aligned() {
        // (help of, options it must list, options it must not list)
        let run = [
            "--limits",
            "--lang",
            "--max-steps",
            "--max-heap",
            "--max-depth",
        ];
        let cases: [(&str, &[&str], &[&str]); 6] = [
            ("-h", &run, &["--output", "--stage", "--hex"]),
            (
                "run -h",
                &run,
                &["--output", "--stage", "--hex", "--version"],
            ),
            (
                "compile -h",
                &["--output", "--limits", "--lang"],
                &["--max-steps", "--hex"],
            ),
            (
                "verify -h",
                &[],
                &["--limits", "--lang", "--max-steps", "--hex"],
            ),
            (
                "disasm -h",
                &["--hex"],
                &["--limits", "--lang", "--max-depth"],
            ),
            (
                "dump -h",
                &["--stage", "--hex", "--limits", "--lang"],
                &["--max-heap"],
            ),
        ];
        for (line, listed, absent) in cases {
            let text = printed(line);
            let options = &text[text.find("Options:\n").expect("an options section")..];
            for option in listed.iter().chain(["--help"].iter()) {
                assert!(
                    options.contains(&format!(" {option}")),
                    "{line}: {option}\n{text}"
                );
            }
            for option in absent {
                assert!(
                    !options.contains(&format!(" {option}")),
                    "{line}: {option}\n{text}"
                );
            }
            // Every description starts in the same column; no line is too wide.
            let rows: Vec<&str> = options.lines().skip(1).collect();
            let column = description_column(rows[0]).expect("a description");
            assert!(column > 10, "{line}: {}", rows[0]);
            for row in &rows {
                assert!(row.chars().count() <= HELP_WIDTH, "{line}: too wide: {row}");
                let indent = row.len() - row.trim_start().len();
                if indent < column {
                    assert_eq!(description_column(row), Some(column), "{line}: {row}");
                } else {
                    assert!(indent >= column, "{line}: {row}");
                }
            }
            assert!(text.contains("`-` for standard input"), "{line}");
        }
    }

    /// Where the description of an option's row starts: after the option and at least
    /// two spaces.
    fn description_column(row: &str) -> Option<usize> {
        let start = row.len() - row.trim_start().len();
        let gap = row[start..].find("  ")? + start;
        Some(gap + row[gap..].len() - row[gap..].trim_start().len())
    }

    #[test]
    fn a_subcommand_usage_error_shows_its_own_usage() {
        for (line, usage) in [
            (
                "dump --stage foo p.lox",
                "lox dump [OPTIONS] --stage <STAGE> <FILE>",
            ),
            ("verify --max-steps 3 p.loxc", "lox verify [OPTIONS] <FILE>"),
            (
                "--max-steps 3 compile p.lox",
                "lox compile [OPTIONS] <FILE>",
            ),
            ("--stage ir p.lox", "lox [OPTIONS] [FILE] [COMMAND]"),
        ] {
            let Parsed::Usage(text) = parse_line(line) else {
                panic!("{line:?} is not a usage error");
            };
            assert!(
                text.contains(&format!("\nUsage: {usage}\n")),
                "{line:?}: {text}"
            );
        }
        assert_eq!(
            usage_error("verify --max-steps 3 p.loxc"),
            Some("error: unexpected argument '--max-steps' found".into())
        );
    }
}

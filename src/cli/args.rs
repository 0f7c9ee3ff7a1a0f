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

use super::{Cli, Command, LangArg, LimitsArg, parse_size};

/// What the command line asks for.
pub enum Parsed {
    /// Run a command.
    Run(Cli),
    /// Print this (help or version) to standard output and succeed.
    Print(String),
    /// A usage error: print this to standard error and exit 64.
    Usage(String),
}

const SUBCOMMANDS: [&str; 5] = ["run", "compile", "verify", "disasm", "dump"];

const VERSION: &str = concat!("lox ", env!("CARGO_PKG_VERSION"), "\n");

/// Parses the arguments after the program's name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Parsed {
    match read(lexopt::Parser::from_args(args)) {
        Ok(parsed) => parsed,
        Err(Usage(message)) => Parsed::Usage(message),
    }
}

/// A usage error's message.
struct Usage(String);

fn read(mut p: lexopt::Parser) -> Result<Parsed, Usage> {
    let mut subcommand: Option<&'static str> = None;
    let mut file: Option<OsString> = None;
    let mut help_for = None;
    let (mut limits, mut lang, mut max_steps, mut max_heap, mut max_depth) =
        (None, None, None, None, None);
    let (mut output, mut stage, mut hex) = (None, None, false);
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
        match arg {
            // Neither takes a value nor other letters after it (`-hV` is an error).
            Short('h') | Long("help") => {
                p.raw_args()?;
                help_for = Some(subcommand);
            }
            Short('V') | Long("version") => {
                p.raw_args()?;
                return Ok(Parsed::Print(VERSION.into()));
            }
            Long("limits") => once(
                &mut limits,
                &mut p,
                "--limits <LIMITS>",
                |v, flag| match v {
                    "default" => Ok(LimitsArg::Default),
                    "clox" => Ok(LimitsArg::Clox),
                    _ => Err(invalid(v, flag, "default, clox")),
                },
            )?,
            Long("lang") => once(&mut lang, &mut p, "--lang <LANG>", |v, flag| match v {
                "lox" => Ok(LangArg::Lox),
                "potato" => Ok(LangArg::Potato),
                _ => Err(invalid(v, flag, "lox, potato")),
            })?,
            Long("max-steps") => once(&mut max_steps, &mut p, "--max-steps <N>", |v, flag| {
                v.parse()
                    .map_err(|_| invalid(v, flag, "a whole number of steps"))
            })?,
            Long("max-heap") => once(&mut max_heap, &mut p, "--max-heap <SIZE>", |v, _| {
                parse_size(v)
                    .map_err(|why| error(&format!("invalid value for '--max-heap': {why}")))
            })?,
            Long("max-depth") => once(&mut max_depth, &mut p, "--max-depth <N>", |v, flag| {
                v.parse()
                    .ok()
                    .filter(|&depth| depth >= 1)
                    .ok_or_else(|| invalid(v, flag, "a whole number from 1"))
            })?,
            Short('o') | Long("output") if subcommand == Some("compile") => {
                once(&mut output, &mut p, "--output <OUT>", |v, _| {
                    Ok(PathBuf::from(v))
                })?
            }
            Long("stage") if subcommand == Some("dump") => {
                once(&mut stage, &mut p, "--stage <STAGE>", |v, flag| {
                    v.parse::<Stage>().map_err(|_| {
                        invalid(v, flag, "tokens, ast, desugared, scopes, ir, bytecode")
                    })
                })?
            }
            Long("hex") if matches!(subcommand, Some("disasm" | "dump")) => {
                if hex {
                    return Err(twice("--hex"));
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
                        None => Err(error(&format!("unrecognized subcommand '{t}'"))),
                    },
                };
            }
            Value(arg) if open && SUBCOMMANDS.iter().any(|&s| arg == s) => {
                subcommand = SUBCOMMANDS.into_iter().find(|&s| arg == s);
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
    let mut file = file.map(PathBuf::from);
    let command = match subcommand {
        None => None,
        Some(name) => {
            let missing = |what: &str| {
                let message = format!("the following required arguments were not provided: {what}");
                error_usage(&message, &usage_of(name))
            };
            // The subcommand takes the FILE.
            let file = file.take().ok_or_else(|| missing("<FILE>"))?;
            Some(match name {
                "run" => Command::Run { file },
                "compile" => Command::Compile { file, output },
                "verify" => Command::Verify { file },
                "disasm" => Command::Disasm { file, hex },
                _ => Command::Dump {
                    stage: stage.ok_or_else(|| missing("--stage <STAGE>"))?,
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
        command,
    }))
}

/// Reads the value of an option that may be given once, and converts it with `convert`
/// (given the value and the option's name for messages).
fn once<T>(
    slot: &mut Option<T>,
    p: &mut lexopt::Parser,
    flag: &str,
    convert: impl FnOnce(&str, &str) -> Result<T, Usage>,
) -> Result<(), Usage> {
    let value = p.value()?;
    let Some(value) = value.to_str() else {
        return Err(invalid(&value.to_string_lossy(), flag, "UTF-8 text"));
    };
    if slot.is_some() {
        return Err(twice(flag));
    }
    *slot = Some(convert(value, flag)?);
    Ok(())
}

/// lexopt's errors, in the words of the others (which follow clap's).
impl From<lexopt::Error> for Usage {
    fn from(e: lexopt::Error) -> Usage {
        error(&match e {
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
    error(&format!("unexpected argument '{arg}' found"))
}

fn twice(flag: &str) -> Usage {
    error(&format!(
        "the argument '{flag}' cannot be used multiple times"
    ))
}

fn invalid(value: &str, flag: &str, expected: &str) -> Usage {
    error(&format!(
        "invalid value '{value}' for '{flag}' (expected {expected})"
    ))
}

fn error(message: &str) -> Usage {
    error_usage(message, "lox [OPTIONS] [FILE] [COMMAND]")
}

fn error_usage(message: &str, usage: &str) -> Usage {
    Usage(format!(
        "error: {message}\n\nUsage: {usage}\n\nFor more information, try '--help'.\n"
    ))
}

fn usage_of(subcommand: &str) -> String {
    match subcommand {
        "dump" => "lox dump [OPTIONS] --stage <STAGE> <FILE>".into(),
        other => format!("lox {other} [OPTIONS] <FILE>"),
    }
}

const ABOUT: &str = "\
loxide: a fast bytecode virtual machine for the Lox language (and Potato).

`lox FILE` runs a program, from source or from a bytecode file made by `lox compile`
(told apart by content, not by name); `lox` alone starts an interactive session.
";

const COMMANDS: &str = "\
Commands:
  run      Run a program, from source or bytecode (the same as `lox FILE`)
  compile  Compile a program to a bytecode file; on compile errors, write nothing
  verify   Check a bytecode file without running it
  disasm   Disassemble a bytecode file, without its source
  dump     Show what one stage of the compiler makes of a program
  help     Print this message or the help of the given subcommand
";

const OPTIONS: &str = "\
      --limits <LIMITS>
          Which limits to enforce (when compiling and when running)
          - default: loxide's limits: deep recursion and large functions work
          - clox:    clox's limits and messages, exactly (64 frames, 256 constants,
                     64 KiB jumps)
          [default: default]

      --lang <LANG>
          The source language [default: Potato for `.potato` files, else Lox]. A
          bytecode file records its own
          - lox:    Lox, the language of Crafting Interpreters
          - potato: Potato (see docs/potato.md)

      --max-steps <N>
          Stop a program after N units of work (one per loop iteration and per call)
          with the runtime error `Execution budget exceeded.`

      --max-heap <SIZE>
          Bound the collector's heap: `64M`, `1G`, `512K` or plain bytes (K, M and G
          are powers of 1024). A program that needs more ends with `Out of memory.`

      --max-depth <N>
          The call depth limit (`Stack overflow.` beyond it) [default: 100000, or 64
          with --limits=clox]

  -h, --help
          Print help
";

/// The help text of the command, or of one subcommand.
fn help(subcommand: Option<&str>) -> String {
    let Some(name) = subcommand else {
        return format!(
            "{ABOUT}\nUsage: lox [OPTIONS] [FILE] [COMMAND]\n\n{COMMANDS}\nArguments:\n  \
             [FILE]\n          The program to run (source or bytecode); without one, start \
             an interactive session\n\nOptions:\n{OPTIONS}\n  -V, --version\n          \
             Print version\n"
        );
    };
    let (about, file, own) = match name {
        "run" => (
            "Run a program, from source or bytecode (the same as `lox FILE`)",
            "The program (source or bytecode)",
            "",
        ),
        "compile" => (
            "Compile a program to a bytecode file; on compile errors, write nothing",
            "The source file",
            "  -o, --output <OUT>\n          Where to write the bytecode [default: FILE with \
             the extension `.loxc`]\n\n",
        ),
        "verify" => (
            "Check a bytecode file without running it",
            "The bytecode file",
            "",
        ),
        "disasm" => (
            "Disassemble a bytecode file, without its source",
            "The bytecode file",
            "      --hex\n          Show each instruction's bytes\n\n",
        ),
        _ => (
            "Show what one stage of the compiler makes of a program",
            "The source file",
            "      --stage <STAGE>\n          The stage to show\n          \
             - tokens:    One token a line: line number, kind and lexeme\n          \
             - ast:       The syntax tree as parsed\n          \
             - desugared: The core tree after desugaring\n          \
             - scopes:    The resolved symbol tree\n          \
             - ir:        The IR, one instruction a line, per function\n          \
             - bytecode:  The bytecode, disassembled\n\n      \
             --hex\n          With `--stage bytecode`, show each instruction's bytes\n\n",
        ),
    };
    format!(
        "{about}\n\nUsage: {}\n\nArguments:\n  <FILE>\n          {file}\n\nOptions:\n{own}{OPTIONS}",
        usage_of(name)
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
        let c = cli("--max-heap 64M dump --hex --stage ir p.lox");
        assert!(matches!(
            c.command,
            Some(Command::Dump {
                stage: Stage::Ir,
                hex: true,
                ..
            })
        ));
        assert_eq!(c.max_heap, Some(64 << 20));
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
}

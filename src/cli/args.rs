//! Parsing the command line by hand. It is a small grammar (`lox [OPTIONS] [FILE]` and
//! five subcommands, every option global), and an argument-parsing library was a quarter
//! of the binary and the largest part of start-up's own work. Options take their value
//! as `--name value` or `--name=value` (`-o OUT`, `-oOUT` or `-o=OUT` for `--output`);
//! `--` ends the options; a usage error prints a short message and exits 64.

use std::ffi::OsString;
use std::path::PathBuf;

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

/// Parses the arguments after the program's name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Parsed {
    match Parser::default().parse(args.into_iter()) {
        Ok(parsed) => parsed,
        Err(message) => Parsed::Usage(message),
    }
}

#[derive(Default)]
struct Parser {
    subcommand: Option<&'static str>,
    positionals: Vec<OsString>,
    limits: Option<LimitsArg>,
    lang: Option<LangArg>,
    max_steps: Option<u64>,
    max_heap: Option<usize>,
    max_depth: Option<u64>,
    output: Option<PathBuf>,
    stage: Option<Stage>,
    hex: bool,
}

impl Parser {
    fn parse(mut self, mut args: impl Iterator<Item = OsString>) -> Result<Parsed, String> {
        let mut help_for: Option<Option<&'static str>> = None;
        while let Some(arg) = args.next() {
            let Some(text) = arg.to_str() else {
                self.positional(arg)?;
                continue;
            };
            if text == "--" {
                for arg in args.by_ref() {
                    self.positional(arg)?;
                }
                break;
            }
            if let Some(long) = text.strip_prefix("--") {
                let (name, inline) = match long.split_once('=') {
                    Some((name, value)) => (name, Some(value.to_owned())),
                    None => (long, None),
                };
                match name {
                    "help" => help_for = Some(self.subcommand),
                    "version" => {
                        return Ok(Parsed::Print(format!(
                            "lox {}\n",
                            env!("CARGO_PKG_VERSION")
                        )));
                    }
                    "hex" if matches!(self.subcommand, Some("disasm" | "dump")) => {
                        if inline.is_some() {
                            return Err(error(&format!("unexpected value for '--{name}'")));
                        }
                        if self.hex {
                            return Err(twice("--hex"));
                        }
                        self.hex = true;
                    }
                    _ if self.takes_value(name) => {
                        let value = value_of(&format!("--{name}"), inline, &mut args)?;
                        self.option(name, &value)?;
                    }
                    _ => return Err(error(&format!("unexpected argument '{text}' found"))),
                }
            } else if text == "-h" {
                help_for = Some(self.subcommand);
            } else if text == "-V" {
                return Ok(Parsed::Print(format!(
                    "lox {}\n",
                    env!("CARGO_PKG_VERSION")
                )));
            } else if let Some(rest) = text.strip_prefix("-o")
                && self.subcommand == Some("compile")
            {
                let inline = match rest.strip_prefix('=').unwrap_or(rest) {
                    "" => None,
                    value => Some(value.to_owned()),
                };
                let value = value_of("-o", inline, &mut args)?;
                self.option("output", &value)?;
            } else if text.len() > 1 && text.starts_with('-') {
                return Err(error(&format!("unexpected argument '{text}' found")));
            } else if self.subcommand.is_none()
                && self.positionals.is_empty()
                && (SUBCOMMANDS.contains(&text) || text == "help")
            {
                if text == "help" {
                    // `lox help [COMMAND]`
                    let topic = args.next();
                    let topic = topic.as_ref().and_then(|t| t.to_str());
                    return match topic {
                        None => Ok(Parsed::Print(help(None))),
                        Some(t) => match SUBCOMMANDS.iter().find(|&&s| s == t) {
                            Some(&s) => Ok(Parsed::Print(help(Some(s)))),
                            None => Err(error(&format!("unrecognized subcommand '{t}'"))),
                        },
                    };
                }
                self.subcommand = SUBCOMMANDS.iter().copied().find(|&s| s == text);
            } else {
                self.positional(arg)?;
            }
        }
        if let Some(topic) = help_for {
            return Ok(Parsed::Print(help(topic)));
        }
        self.finish().map(Parsed::Run)
    }

    /// Whether `--name VALUE` is an option here.
    fn takes_value(&self, name: &str) -> bool {
        match name {
            "limits" | "lang" | "max-steps" | "max-heap" | "max-depth" => true,
            "output" => self.subcommand == Some("compile"),
            "stage" => self.subcommand == Some("dump"),
            _ => false,
        }
    }

    fn positional(&mut self, arg: OsString) -> Result<(), String> {
        if !self.positionals.is_empty() {
            return Err(error(&format!(
                "unexpected argument '{}' found",
                arg.to_string_lossy()
            )));
        }
        self.positionals.push(arg);
        Ok(())
    }

    fn option(&mut self, name: &str, value: &str) -> Result<(), String> {
        let set = |seen: bool, flag: &str| if seen { Err(twice(flag)) } else { Ok(()) };
        match name {
            "limits" => {
                set(self.limits.is_some(), "--limits <LIMITS>")?;
                self.limits = Some(match value {
                    "default" => LimitsArg::Default,
                    "clox" => LimitsArg::Clox,
                    _ => return Err(invalid(value, "--limits <LIMITS>", "default, clox")),
                });
            }
            "lang" => {
                set(self.lang.is_some(), "--lang <LANG>")?;
                self.lang = Some(match value {
                    "lox" => LangArg::Lox,
                    "potato" => LangArg::Potato,
                    _ => return Err(invalid(value, "--lang <LANG>", "lox, potato")),
                });
            }
            "max-steps" => {
                set(self.max_steps.is_some(), "--max-steps <N>")?;
                self.max_steps =
                    Some(value.parse().map_err(|_| {
                        invalid(value, "--max-steps <N>", "a whole number of steps")
                    })?);
            }
            "max-heap" => {
                set(self.max_heap.is_some(), "--max-heap <SIZE>")?;
                self.max_heap = Some(
                    parse_size(value)
                        .map_err(|why| error(&format!("invalid value for '--max-heap': {why}")))?,
                );
            }
            "max-depth" => {
                set(self.max_depth.is_some(), "--max-depth <N>")?;
                match value.parse::<u64>() {
                    Ok(depth) if depth >= 1 => self.max_depth = Some(depth),
                    _ => return Err(invalid(value, "--max-depth <N>", "a whole number from 1")),
                }
            }
            "output" => {
                set(self.output.is_some(), "--output <OUT>")?;
                self.output = Some(PathBuf::from(value));
            }
            "stage" => {
                set(self.stage.is_some(), "--stage <STAGE>")?;
                self.stage = Some(value.parse().map_err(|_| {
                    invalid(
                        value,
                        "--stage <STAGE>",
                        "tokens, ast, desugared, scopes, ir, bytecode",
                    )
                })?);
            }
            _ => return Err(error(&format!("unexpected argument '--{name}' found"))),
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Cli, String> {
        let file = self.positionals.pop().map(PathBuf::from);
        let command = match self.subcommand {
            None => None,
            Some(name) => {
                let Some(file) = file.clone() else {
                    return Err(error_in(
                        name,
                        "the following required arguments were not provided: <FILE>",
                    ));
                };
                Some(match name {
                    "run" => Command::Run { file },
                    "compile" => Command::Compile {
                        file,
                        output: self.output,
                    },
                    "verify" => Command::Verify { file },
                    "disasm" => Command::Disasm {
                        file,
                        hex: self.hex,
                    },
                    _ => Command::Dump {
                        stage: self.stage.ok_or_else(|| {
                            error_in(
                                name,
                                "the following required arguments were not provided: --stage <STAGE>",
                            )
                        })?,
                        hex: self.hex,
                        file,
                    },
                })
            }
        };
        Ok(Cli {
            file: if command.is_some() { None } else { file },
            limits: self.limits.unwrap_or(LimitsArg::Default),
            lang: self.lang,
            max_steps: self.max_steps,
            max_heap: self.max_heap,
            max_depth: self.max_depth,
            command,
        })
    }
}

/// An option's value: the part after `=`, or else the next argument.
fn value_of(
    flag: &str,
    inline: Option<String>,
    args: &mut impl Iterator<Item = OsString>,
) -> Result<String, String> {
    if let Some(value) = inline {
        return Ok(value);
    }
    match args.next() {
        Some(value) => value
            .into_string()
            .map_err(|v| invalid(&v.to_string_lossy(), flag, "UTF-8 text")),
        None => Err(error(&format!(
            "a value is required for '{flag}' but none was supplied"
        ))),
    }
}

fn twice(flag: &str) -> String {
    error(&format!(
        "the argument '{flag}' cannot be used multiple times"
    ))
}

fn invalid(value: &str, flag: &str, expected: &str) -> String {
    error(&format!(
        "invalid value '{value}' for '{flag}' (expected {expected})"
    ))
}

fn error(message: &str) -> String {
    error_usage(message, "lox [OPTIONS] [FILE] [COMMAND]")
}

fn error_in(subcommand: &str, message: &str) -> String {
    error_usage(message, &usage_of(subcommand))
}

fn error_usage(message: &str, usage: &str) -> String {
    format!("error: {message}\n\nUsage: {usage}\n\nFor more information, try '--help'.\n")
}

fn usage_of(subcommand: &str) -> String {
    match subcommand {
        "compile" => "lox compile [OPTIONS] <FILE>".into(),
        "disasm" => "lox disasm [OPTIONS] <FILE>".into(),
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

    fn parse_strs(args: &[&str]) -> Parsed {
        parse(args.iter().map(OsString::from))
    }

    fn cli(args: &[&str]) -> Cli {
        match parse_strs(args) {
            Parsed::Run(cli) => cli,
            Parsed::Print(text) => panic!("{args:?} printed {text}"),
            Parsed::Usage(text) => panic!("{args:?} is a usage error: {text}"),
        }
    }

    fn is_usage_error(args: &[&str]) -> bool {
        matches!(parse_strs(args), Parsed::Usage(_))
    }

    #[test]
    fn files_subcommands_and_global_options() {
        let c = cli(&[]);
        assert!(c.file.is_none() && c.command.is_none());
        let c = cli(&["--limits=clox", "p.lox", "--max-steps", "10"]);
        assert_eq!(c.file, Some(PathBuf::from("p.lox")));
        assert_eq!(c.limits, LimitsArg::Clox);
        assert_eq!(c.max_steps, Some(10));
        let c = cli(&["compile", "p.lox", "-o", "out", "--lang", "potato"]);
        assert!(
            matches!(&c.command, Some(Command::Compile { file, output: Some(out) })
                if file == &PathBuf::from("p.lox") && out == &PathBuf::from("out"))
        );
        assert_eq!(c.lang, Some(LangArg::Potato));
        for form in [
            &["-oout"][..],
            &["-o=out"],
            &["--output=out"],
            &["--output", "out"],
        ] {
            let mut args = vec!["compile", "p.lox"];
            args.extend(form);
            assert!(matches!(
                cli(&args).command,
                Some(Command::Compile {
                    output: Some(_),
                    ..
                })
            ));
        }
        let c = cli(&[
            "--max-heap",
            "64M",
            "dump",
            "--hex",
            "--stage",
            "ir",
            "p.lox",
        ]);
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
            cli(&["run", "compile"]).command,
            Some(Command::Run { .. })
        ));
        assert_eq!(cli(&["--", "-p.lox"]).file, Some(PathBuf::from("-p.lox")));
        assert_eq!(cli(&["-"]).file, Some(PathBuf::from("-")));
        assert_eq!(cli(&["--max-depth", "1"]).max_depth, Some(1));
    }

    #[test]
    fn usage_errors() {
        for args in [
            &["--no-such-flag"][..],
            &["compile"],
            &["dump", "p.lox"],
            &["dump", "--stage", "nonsense", "p.lox"],
            &["--limits=fast", "p.lox"],
            &["--limits"],
            &["a.lox", "b.lox"],
            &["--max-depth", "0"],
            &["--max-steps", "-1"],
            &["--max-heap", "1.5M"],
            &["--limits=clox", "--limits=clox"],
            &["-o", "out", "p.lox"],
            &["--stage", "ir", "p.lox"],
            &["run", "--hex", "p.lox"],
            &["-x"],
            &["--bogus=1", "p.lox"],
        ] {
            assert!(is_usage_error(args), "{args:?}");
        }
    }

    #[test]
    fn help_and_version_print() {
        for args in [
            &["--help"][..],
            &["-h"],
            &["--version"],
            &["-V"],
            &["help"],
            &["help", "dump"],
            &["compile", "--help"],
            &["dump", "-h"],
        ] {
            assert!(matches!(parse_strs(args), Parsed::Print(_)), "{args:?}");
        }
    }
}

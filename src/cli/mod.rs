//! Command-line parsing and the commands. Exit codes follow clox (and sysexits):
//! 0 success, 64 usage, 65 compile error, 70 runtime error, 74 I/O error.

mod repl;

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use loxide::driver;
use loxide::ir::Limits;
use loxide::vm::{Options, Vm};

pub const EXIT_OK: i32 = 0;
pub const EXIT_USAGE: i32 = 64;
pub const EXIT_COMPILE: i32 = 65;
pub const EXIT_RUNTIME: i32 = 70;
pub const EXIT_IO: i32 = 74;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LimitsArg {
    /// loxide's limits: deep recursion and large functions work.
    Default,
    /// clox's limits and messages, exactly (64 frames, 256 constants, 64 KiB jumps).
    Clox,
}

/// loxide: a fast bytecode virtual machine for the Lox language.
#[derive(Parser, Debug)]
#[command(name = "lox", version, about, long_about = None)]
pub struct Cli {
    /// The program to run; without one, start an interactive session.
    pub file: Option<PathBuf>,

    /// Which limits to enforce.
    #[arg(long, value_enum, default_value = "default")]
    pub limits: LimitsArg,
}

impl Cli {
    pub fn compile_limits(&self) -> Limits {
        match self.limits {
            LimitsArg::Default => Limits::Default,
            LimitsArg::Clox => Limits::Clox,
        }
    }

    pub fn vm_options(&self) -> Options {
        match self.limits {
            LimitsArg::Default => Options::default(),
            LimitsArg::Clox => Options::clox(),
        }
    }
}

/// Parses the arguments and runs the command; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    match &cli.file {
        Some(path) => run_file(&cli, path),
        None => repl::run(&cli),
    }
}

/// Reads a source file; invalid UTF-8 is replaced rather than rejected.
pub fn read_source(path: &PathBuf) -> Result<String, i32> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }),
        Err(_) => {
            eprintln!("Could not open file \"{}\".", path.display());
            Err(EXIT_IO)
        }
    }
}

fn run_file(cli: &Cli, path: &PathBuf) -> i32 {
    let source = match read_source(path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let program = match driver::compile(&source, cli.compile_limits()) {
        Ok(p) => p,
        Err(e) => {
            eprint!("{e}");
            return EXIT_COMPILE;
        }
    };
    let mut vm = Vm::new(cli.vm_options());
    match vm.run(&program) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            vm.flush();
            eprint!("{e}");
            EXIT_RUNTIME
        }
    }
}

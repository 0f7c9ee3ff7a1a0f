//! `lox FILE`: runs a program from source or from a bytecode file, told apart by the
//! file's first byte (`file::is_bytecode`), never by its name. Both paths end in the same
//! verified module, language and VM, so output, errors and exit codes are identical.
//! `Program` is the VM with its output and error renderer, shared with the REPL.

use std::path::Path;
use std::sync::Arc;

use loxide::bytecode::file;
use loxide::bytecode::verify::Verified;
use loxide::driver;
use loxide::vm::{GcStats, Vm};
use loxide_ide::analysis::Collector;

use super::interrupt::{self, WhenIdle};
use super::report::{self, Renderer};
use super::stream::{self, ProgramOutput};
use super::{
    Cli, EXIT_COMPILE, EXIT_INTERRUPTED, EXIT_OK, EXIT_RUNTIME, read_bytes, source_name,
    source_text,
};

/// A VM printing to standard output (`stream::ProgramOutput`), and how errors are shown.
pub struct Program {
    pub vm: Vm,
    pub output: Arc<stream::Shared>,
    pub renderer: Box<dyn Renderer>,
    /// Show the trace of an interrupted program (the REPL), or only `Interrupted.`.
    pub trace_interrupts: bool,
}

/// How a run ended.
pub enum Ended {
    Ok,
    /// A runtime error (reported).
    Failed,
    /// Ctrl-C stopped it (reported).
    Interrupted,
    /// Standard output could not be written (reported); `lox` must exit with this.
    OutputFailed(i32),
}

impl Program {
    pub fn new(cli: &Cli) -> Program {
        let (out, output) = ProgramOutput::new();
        let vm = Vm::with_output(cli.vm_options(), Box::new(out));
        output.stop_with(vm.interrupt_handle());
        Program {
            vm,
            output,
            renderer: report::for_cli(cli),
            trace_interrupts: false,
        }
    }

    /// Runs a verified program; its output is flushed before any error is printed. An
    /// interrupted program prints `Interrupted.`, with its trace if
    /// `trace_interrupts`.
    pub fn run(&mut self, program: &Verified) -> Ended {
        let result = interrupt::running(|| self.vm.run(program));
        self.vm.flush();
        if let Some(e) = self.output.take_failure() {
            return Ended::OutputFailed(stream::stdout_failed(&e));
        }
        match result {
            Ok(()) => Ended::Ok,
            Err(e) if e.message == interrupt::MESSAGE && !self.trace_interrupts => {
                stream::error(&format!("{}\n", e.message));
                Ended::Interrupted
            }
            Err(e) => {
                stream::error(&self.renderer.runtime_error(&e));
                if e.message == interrupt::MESSAGE {
                    Ended::Interrupted
                } else {
                    Ended::Failed
                }
            }
        }
    }
}

pub fn file(cli: &Cli, path: &Path) -> i32 {
    // The VM exists before anything else so that Ctrl-C, from here on, stops the
    // program (or, before it runs, the process) with `Interrupted.` and exit 130.
    let mut program = Program::new(cli);
    interrupt::install(&program.vm, WhenIdle::Exit);
    let bytes = match read_bytes(path) {
        Ok(bytes) => bytes,
        Err(code) => return code,
    };
    let verified = if file::is_bytecode(&bytes) {
        match file::load(&bytes) {
            Ok(loaded) => loaded,
            Err(e) => {
                stream::error(&format!("{e}\n"));
                return EXIT_COMPILE;
            }
        }
    } else {
        let source = match source_text(bytes, path) {
            Ok(source) => source,
            Err(code) => return code,
        };
        let lang = cli.lang_of(Some(path));
        program.renderer.set_source(&source_name(path), &source);
        // The rich and JSON formats show semantic warnings before the program runs;
        // clox's shows none, and then nothing looks for them.
        let compiled = if program.renderer.shows_warnings() {
            let mut collector = Collector::new(&source, lang);
            let compiled =
                driver::compile_observed(&source, lang, cli.compile_limits(), &[], &mut collector);
            // A program that does not compile gets its errors only: it will not run,
            // and warnings about a broken tree are mostly noise.
            let warnings = program.renderer.warnings(&collector.into_warnings());
            if compiled.is_ok() && !warnings.is_empty() {
                stream::error(&format!("{warnings}{}", program.renderer.separator()));
            }
            compiled
        } else {
            driver::compile_with(&source, lang, cli.compile_limits())
        };
        match compiled {
            Ok(verified) => verified,
            Err(e) => {
                stream::error(&program.renderer.compile_error(&e));
                return EXIT_COMPILE;
            }
        }
    };
    let ended = program.run(&verified);
    if cli.gc_stats {
        stream::error(&gc_report(&program.vm.gc_stats()));
    }
    match ended {
        Ended::Ok => EXIT_OK,
        Ended::Failed => EXIT_RUNTIME,
        Ended::Interrupted => EXIT_INTERRUPTED,
        Ended::OutputFailed(code) => code,
    }
}

/// `--gc-stats`: one line of what the collector did, for a user tuning a program:
/// `gc: 12 collections in 310 steps, 8.31 ms paused in all, longest 0.13 ms, 99th
/// percentile 0.09 ms; heap peak 9.1 MB, 3.2 MB at the end` (each step of the
/// incremental collector is a pause).
pub fn gc_report(stats: &GcStats) -> String {
    let ms = |d: std::time::Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    let mb = |bytes: usize| match bytes {
        0..1_000_000 => format!("{} KB", bytes.div_ceil(1000)),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    };
    let mut pauses = stats.pauses.clone();
    pauses.sort();
    // The nearest-rank percentile: the pause that 99% of them do not exceed.
    let p99 = match pauses.len() {
        0 => String::new(),
        n => format!(
            ", 99th percentile {}",
            ms(pauses[(n * 99).div_ceil(100) - 1])
        ),
    };
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    format!(
        "gc: {} collection{} in {} step{}, {} paused in all, longest {}{p99}; heap peak {}, {} at the end\n",
        stats.collections,
        plural(stats.collections),
        stats.steps,
        plural(stats.steps),
        ms(stats.total_pause),
        ms(stats.longest_pause),
        mb(stats.peak_heap_bytes),
        mb(stats.heap_bytes),
    )
}

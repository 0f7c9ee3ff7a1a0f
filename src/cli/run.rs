//! `lox FILE`: runs a program from source or from a bytecode file, told apart by the
//! file's first byte (`file::is_bytecode`), never by its name. Both paths end in the same
//! verified module, language and VM, so output, errors and exit codes are identical.

use std::path::Path;

use loxide::bytecode::file;
use loxide::bytecode::verify::Verified;
use loxide::driver;
use loxide::vm::Vm;

use super::interrupt::{self, WhenIdle};
use super::{Cli, EXIT_COMPILE, EXIT_INTERRUPTED, EXIT_OK, EXIT_RUNTIME, read_bytes, source_text};

pub fn file(cli: &Cli, path: &Path) -> i32 {
    // The VM exists before anything else so that Ctrl-C, from here on, stops the
    // program (or, before it runs, the process) with `Interrupted.` and exit 130.
    let mut vm = Vm::new(cli.vm_options());
    interrupt::install(&vm, WhenIdle::Exit);
    let bytes = match read_bytes(path) {
        Ok(bytes) => bytes,
        Err(code) => return code,
    };
    let program = if file::is_bytecode(&bytes) {
        match file::load(&bytes) {
            Ok(loaded) => loaded,
            Err(e) => {
                eprintln!("{e}");
                return EXIT_COMPILE;
            }
        }
    } else {
        let lang = cli.lang_of(Some(path));
        match driver::compile_with(&source_text(bytes), lang, cli.compile_limits()) {
            Ok(verified) => verified,
            Err(e) => {
                eprint!("{e}");
                return EXIT_COMPILE;
            }
        }
    };
    run(&mut vm, &program)
}

/// Runs a verified program; its output is flushed before any error is printed.
/// An interrupted program prints only `Interrupted.` and exits 130.
fn run(vm: &mut Vm, program: &Verified) -> i32 {
    match interrupt::running(|| vm.run(program)) {
        Ok(()) => EXIT_OK,
        Err(e) if e.message == interrupt::MESSAGE => {
            vm.flush();
            eprintln!("{}", e.message);
            EXIT_INTERRUPTED
        }
        Err(e) => {
            vm.flush();
            eprint!("{e}");
            EXIT_RUNTIME
        }
    }
}

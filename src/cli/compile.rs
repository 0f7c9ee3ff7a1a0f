//! `lox compile FILE [-o OUT]`: source to a bytecode file. The file is written only when
//! the program compiles and the bytes read back into the very module the verifier
//! accepted (a cheap self-check that keeps `lox compile` from ever writing a file `lox`
//! would refuse: `lox` runs what reads back and verifies, and this module verified), so
//! a failed compile leaves nothing behind.

use std::path::{Path, PathBuf};

use loxide::bytecode::file;
use loxide::driver;

use super::{Cli, EXIT_COMPILE, EXIT_IO, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE};
use super::{read_bytes, source_text};

/// The extension `lox compile` gives its output by default.
pub const EXTENSION: &str = "loxc";

pub fn file(cli: &Cli, path: &Path, output: Option<&Path>) -> i32 {
    let out: PathBuf = output.map_or_else(|| path.with_extension(EXTENSION), Path::to_path_buf);
    let bytes = match read_bytes(path) {
        Ok(bytes) => bytes,
        Err(code) => return code,
    };
    if file::is_bytecode(&bytes) {
        eprintln!("\"{}\" is already a bytecode file.", path.display());
        return EXIT_COMPILE;
    }
    if same_file(path, &out) {
        eprintln!(
            "Refusing to overwrite the source \"{}\" with its bytecode.",
            path.display()
        );
        return EXIT_USAGE;
    }
    let lang = cli.lang_of(Some(path));
    let verified = match driver::compile_with(&source_text(bytes), lang, cli.compile_limits()) {
        Ok(verified) => verified,
        Err(e) => {
            eprint!("{e}");
            return EXIT_COMPILE;
        }
    };
    let encoded = file::write(verified.module());
    match file::read(&encoded) {
        Ok(read) if read == *verified.module() => {}
        Ok(_) => {
            eprintln!("Internal error: the compiled program reads back as another program.");
            return EXIT_RUNTIME;
        }
        Err(e) => {
            eprintln!("Internal error: the compiled program does not read back: {e}");
            return EXIT_RUNTIME;
        }
    }
    match std::fs::write(&out, &encoded) {
        Ok(()) => EXIT_OK,
        Err(_) => {
            eprintln!("Could not write file \"{}\".", out.display());
            EXIT_IO
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

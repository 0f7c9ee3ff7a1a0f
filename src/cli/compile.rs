//! `lox compile FILE [-o OUT]`: source to a bytecode file. The file is written only when
//! the program compiles and the bytes read back into the very module the verifier
//! accepted (a cheap self-check that keeps `lox compile` from ever writing a file `lox`
//! would refuse: `lox` runs what reads back and verifies, and this module verified), so
//! a failed compile leaves nothing behind. `lox compile -` reads standard input and,
//! without `-o`, writes the bytecode to standard output (as `-o -` does), unless that is
//! a terminal.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use loxide::bytecode::file;
use loxide::driver;

use super::{Cli, EXIT_COMPILE, EXIT_IO, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE};
use super::{display_name, read_bytes, report, source_name, source_text, stream};

/// The extension `lox compile` gives its output by default.
pub const EXTENSION: &str = "loxc";

pub fn file(cli: &Cli, path: &Path, output: Option<&Path>) -> i32 {
    let stdin = path.as_os_str() == "-";
    let out: PathBuf = match output {
        Some(out) => out.to_path_buf(),
        None if stdin => PathBuf::from("-"),
        None => path.with_extension(EXTENSION),
    };
    let to_stdout = out.as_os_str() == "-";
    if to_stdout && std::io::stdout().is_terminal() {
        stream::error(
            "Refusing to write bytecode to a terminal: redirect standard output or give \
             `-o OUT`.\n",
        );
        return EXIT_USAGE;
    }
    let bytes = match read_bytes(path) {
        Ok(bytes) => bytes,
        Err(code) => return code,
    };
    if file::is_bytecode(&bytes) {
        stream::error(&format!(
            "{} is already a bytecode file.\n",
            display_name(path)
        ));
        return EXIT_COMPILE;
    }
    if !stdin && !to_stdout && same_file(path, &out) {
        stream::error(&format!(
            "Refusing to overwrite the source \"{}\" with its bytecode.\n",
            path.display()
        ));
        return EXIT_USAGE;
    }
    let source = match source_text(bytes, path) {
        Ok(source) => source,
        Err(code) => return code,
    };
    let lang = cli.lang_of(Some(path));
    let verified = match driver::compile_with(&source, lang, cli.compile_limits()) {
        Ok(verified) => verified,
        Err(e) => {
            let mut renderer = report::for_cli(cli);
            renderer.set_source(&source_name(path), &source);
            stream::error(&renderer.compile_error(&e));
            return EXIT_COMPILE;
        }
    };
    // Every count is checked against the reader's caps before anything is written, so
    // a file that could not be read back is never made; the bytes then go out a
    // function at a time, never all in memory at once.
    if let Err(e) = file::check_caps(verified.module()) {
        stream::error(&format!(
            "Internal error: the compiled program cannot be written: {e}.\n"
        ));
        return EXIT_RUNTIME;
    }
    if to_stdout {
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        let written = file::write_to(verified.module(), &mut stdout).and_then(|()| stdout.flush());
        return match written {
            Ok(()) => EXIT_OK,
            Err(e) => stream::stdout_failed(&e),
        };
    }
    let written = std::fs::File::create(&out).and_then(|f| {
        let mut f = std::io::BufWriter::new(f);
        file::write_to(verified.module(), &mut f)?;
        f.flush()
    });
    match written {
        Ok(()) => EXIT_OK,
        Err(e) => {
            stream::error(&format!(
                "Could not write file \"{}\": {}.\n",
                out.display(),
                stream::reason(&e)
            ));
            EXIT_IO
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

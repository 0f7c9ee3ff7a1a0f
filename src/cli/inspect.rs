//! The commands that look at a program without running it: `lox verify` and
//! `lox disasm` for bytecode files, `lox dump` for any compiler stage of a source file.
//! A file of the wrong kind gets a sentence saying so (exit 65), never a guess.

use std::io::Write;
use std::path::Path;

use loxide::bytecode::file::{self, VERSION};
use loxide::bytecode::verify::{self, MaxStack};
use loxide::bytecode::{Constant, disasm};
use loxide::dump::{self, Stage};

use super::{Cli, EXIT_COMPILE, EXIT_OK, read_bytes, source_text};

/// Reads a file that must be bytecode.
fn bytecode_bytes(path: &Path) -> Result<Vec<u8>, i32> {
    let bytes = read_bytes(path)?;
    if !file::is_bytecode(&bytes) {
        eprintln!(
            "\"{}\" is not a bytecode file (make one with `lox compile`).",
            path.display()
        );
        return Err(EXIT_COMPILE);
    }
    Ok(bytes)
}

/// `lox verify FILE`: decode and verify, report a one-line summary.
pub fn verify(path: &Path) -> i32 {
    let bytes = match bytecode_bytes(path) {
        Ok(bytes) => bytes,
        Err(code) => return code,
    };
    match file::load(&bytes) {
        Ok(verified) => {
            let module = verified.module();
            let code: usize = module.functions.iter().map(|f| f.code.len()).sum();
            let constants: usize = module.functions.iter().map(|f| f.constants.len()).sum();
            let strings = module
                .functions
                .iter()
                .flat_map(|f| &f.constants)
                .filter(|c| matches!(c, Constant::Str(_)))
                .count();
            println!(
                "ok: {} functions, {code} bytes of code, {constants} constants ({strings} strings), \
                 {} globals; front-end {}, format version {VERSION}",
                module.functions.len(),
                module.globals.len(),
                module.dialect.name(),
            );
            EXIT_OK
        }
        Err(e) => {
            eprintln!("{e}");
            EXIT_COMPILE
        }
    }
}

/// `lox disasm FILE [--hex]`: the disassembly of whatever decodes, then the verifier's
/// verdict; a file that fails verification is still shown, and the command fails.
pub fn disasm(path: &Path, hex: bool) -> i32 {
    let bytes = match bytecode_bytes(path) {
        Ok(bytes) => bytes,
        Err(code) => return code,
    };
    let module = match file::read(&bytes) {
        Ok(module) => module,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_COMPILE;
        }
    };
    print_all(&disasm::module(&module, hex));
    match verify::verify(module, MaxStack::Check) {
        Ok(_) => EXIT_OK,
        Err(e) => {
            eprintln!("{e}");
            EXIT_COMPILE
        }
    }
}

/// `lox dump --stage STAGE [--hex] FILE`: one compiler stage of a source file.
pub fn dump(cli: &Cli, stage: Stage, hex: bool, path: &Path) -> i32 {
    let bytes = match read_bytes(path) {
        Ok(bytes) => bytes,
        Err(code) => return code,
    };
    if file::is_bytecode(&bytes) {
        eprintln!(
            "\"{}\" is a bytecode file; `lox dump` reads source (use `lox disasm`).",
            path.display()
        );
        return EXIT_COMPILE;
    }
    let lang = cli.lang_of(Some(path));
    match dump::stage_for(lang, stage, &source_text(bytes), cli.compile_limits(), hex) {
        Ok(text) => {
            print_all(&text);
            EXIT_OK
        }
        Err(e) => {
            eprint!("{e}");
            EXIT_COMPILE
        }
    }
}

/// Prints to stdout, ignoring a closed pipe (`lox disasm f.loxc | head`).
fn print_all(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

//! The commands that look at a program without running it: `lox verify` and
//! `lox disasm` for bytecode files, `lox dump` for any compiler stage of a source file.
//! A file of the wrong kind gets a sentence saying so (exit 65), never a guess.

use std::path::Path;

use loxide::bytecode::file::{self, VERSION};
use loxide::bytecode::verify::{self, MaxStack};
use loxide::bytecode::{Constant, disasm};
use loxide::dump::{self, Stage};

use super::{
    Cli, EXIT_COMPILE, EXIT_OK, display_name, read_bytes, report, source_name, source_text, stream,
};

/// Reads a file that must be bytecode.
fn bytecode_bytes(path: &Path) -> Result<Vec<u8>, i32> {
    let bytes = read_bytes(path)?;
    if !file::is_bytecode(&bytes) {
        stream::error(&format!(
            "{} is not a bytecode file (make one with `lox compile`).\n",
            display_name(path)
        ));
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
            let status = print_all(&format!(
                "ok: {} functions, {code} bytes of code, {constants} constants ({strings} strings), \
                 {} globals; front-end {}, format version {VERSION}\n",
                module.functions.len(),
                module.globals.len(),
                module.dialect.name(),
            ));
            // The process ends next: freeing the module's many small vectors one by one
            // would only delay that (a tenth of the command's work on a large file).
            std::mem::forget(verified);
            status
        }
        Err(e) => {
            stream::error(&format!("{e}\n"));
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
            stream::error(&format!("{e}\n"));
            return EXIT_COMPILE;
        }
    };
    if let Err(code) = stream::print(&disasm::module(&module, hex)) {
        return code;
    }
    match verify::verify(module, MaxStack::Check) {
        Ok(_) => EXIT_OK,
        Err(e) => {
            stream::error(&format!("{e}\n"));
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
        stream::error(&format!(
            "{} is a bytecode file; `lox dump` reads source (use `lox disasm`).\n",
            display_name(path)
        ));
        return EXIT_COMPILE;
    }
    let source = match source_text(bytes, path) {
        Ok(source) => source,
        Err(code) => return code,
    };
    let lang = cli.lang_of(Some(path));
    match dump::stage_for(lang, stage, &source, cli.compile_limits(), hex) {
        Ok(text) => print_all(&text),
        Err(e) => {
            let mut renderer = report::for_cli(cli);
            renderer.set_source(&source_name(path), &source);
            stream::error(&renderer.compile_error(&e));
            EXIT_COMPILE
        }
    }
}

/// Prints a command's result; the exit status is `EXIT_OK`, or `EXIT_IO` when standard
/// output cannot be written.
fn print_all(text: &str) -> i32 {
    match stream::print(text) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    }
}

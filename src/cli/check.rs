//! `lox check FILE`: compiles a program without running it and reports its compile
//! errors and its semantic warnings (`loxide_ide::warnings`). Warnings alone exit 0,
//! errors exit 65. The format is rich unless `--error-format` or `LOX_ERROR_FORMAT` asks
//! for another; clox's format shows the errors only, as clox would.

use std::path::Path;

use loxide::driver;
use loxide_ide::analysis::Collector;

use super::{Cli, EXIT_COMPILE, EXIT_OK, read_bytes, report, source_name, source_text, stream};

pub fn file(cli: &Cli, path: &Path) -> i32 {
    let bytes = match read_bytes(path) {
        Ok(bytes) => bytes,
        Err(code) => return code,
    };
    let source = match source_text(bytes, path) {
        Ok(source) => source,
        Err(code) => return code,
    };
    let lang = cli.lang_of(Some(path));
    let mut renderer = report::for_check(cli);
    renderer.set_source(&source_name(path), &source);
    let mut collector = Collector::new(&source, lang);
    let compiled =
        driver::compile_observed(&source, lang, cli.compile_limits(), &[], &mut collector);
    let mut text = renderer.warnings(&collector.into_warnings());
    let code = match compiled {
        Ok(_) => EXIT_OK,
        Err(e) => {
            if !text.is_empty() {
                text.push_str(renderer.separator());
            }
            text.push_str(&renderer.compile_error(&e));
            EXIT_COMPILE
        }
    };
    stream::error(&text);
    code
}

//! The interactive session: line editing and history, multi-line input for incomplete
//! statements, errors reported without ending the session, globals kept between lines.
//! Ctrl-C at the prompt clears the input; while a program runs, it stops the program
//! (`Interrupted.`) and the session goes on with its globals.

use loxide::driver;
use loxide::vm::Vm;
use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

use super::interrupt::{self, WhenIdle};
use super::{Cli, EXIT_IO, EXIT_OK};

pub fn run(cli: &Cli) -> i32 {
    let Ok(mut editor) = DefaultEditor::new() else {
        super::stream::error("Could not start the line editor.\n");
        return EXIT_IO;
    };
    let lang = cli.lang_of(None);
    let mut vm = Vm::new(cli.vm_options());
    interrupt::install(&vm, WhenIdle::Ignore);
    let mut pending = String::new();
    loop {
        let prompt = if pending.is_empty() { "> " } else { "... " };
        match editor.readline(prompt) {
            Ok(line) => {
                pending.push_str(&line);
                pending.push('\n');
                // Potato checks that names are defined before use: earlier inputs' globals are.
                let defined = if lang == loxide::frontend::Lang::Potato {
                    vm.defined_globals()
                } else {
                    Vec::new()
                };
                match driver::compile_after(&pending, lang, cli.compile_limits(), &defined) {
                    Err(e) if e.at_end && !line.trim().is_empty() => continue,
                    Err(e) => super::stream::error(&e.to_string()),
                    Ok(program) => {
                        if let Err(e) = interrupt::running(|| vm.run(&program)) {
                            super::stream::error(&e.to_string());
                        }
                    }
                }
                let _ = editor.add_history_entry(pending.trim_end());
                pending.clear();
            }
            Err(ReadlineError::Interrupted) => pending.clear(),
            Err(ReadlineError::Eof) => return EXIT_OK,
            Err(_) => return EXIT_IO,
        }
    }
}

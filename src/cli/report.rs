//! How errors are shown: a `Renderer` turns a compile error or a runtime error into the
//! text written to standard error. Every command and the REPL go through one, so a
//! richer format (source lines with the span underlined, JSON) is one more
//! implementation of the trait, chosen in one place (`for_cli`). The only renderer
//! today is clox's format, with long traces folded (`trace`) unless `--limits=clox`.

use loxide::driver::CompileError;
use loxide::vm::RuntimeError;

use super::trace::{self, Line};
use super::{Cli, LimitsArg};

/// Turns errors into the text written to standard error.
pub trait Renderer {
    /// A compile error (every diagnostic of one compilation).
    fn compile_error(&self, e: &CompileError) -> String;
    /// A runtime error with its trace.
    fn runtime_error(&self, e: &RuntimeError) -> String;
}

/// clox's format: `[line N] Error at 'x': message` and `[line N] in f()` traces.
pub struct Clox {
    /// Fold traces deeper than clox's 64 frames (`trace::fold`).
    pub fold_traces: bool,
}

/// The renderer the command line asks for.
pub fn for_cli(cli: &Cli) -> Box<dyn Renderer> {
    Box::new(Clox {
        fold_traces: cli.limits != LimitsArg::Clox,
    })
}

impl Renderer for Clox {
    fn compile_error(&self, e: &CompileError) -> String {
        e.to_string()
    }

    fn runtime_error(&self, e: &RuntimeError) -> String {
        let frame = |out: &mut String, (line, function): &(u32, Option<String>)| {
            use std::fmt::Write;
            let _ = match function {
                Some(name) => writeln!(out, "[line {line}] in {name}()"),
                None => writeln!(out, "[line {line}] in script"),
            };
        };
        let mut out = String::with_capacity(e.message.len() + 1 + 24 * e.trace.len());
        out.push_str(&e.message);
        out.push('\n');
        if !self.fold_traces {
            for entry in &e.trace {
                frame(&mut out, entry);
            }
            return out;
        }
        for line in trace::fold(&e.trace) {
            match line {
                Line::Frame(entry) => frame(&mut out, entry),
                Line::Repeated { lines, times } => {
                    out.push_str(&trace::fold_line(lines, times));
                    out.push('\n');
                }
                Line::Omitted(frames) => {
                    out.push_str(&trace::omitted_line(frames));
                    out.push('\n');
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clox_traces_fold_only_when_asked() {
        let mut trace = vec![(1, Some("f".to_string())); 99];
        trace.push((2, None));
        let e = RuntimeError {
            message: "Stack overflow.".into(),
            trace,
            limit: None,
        };
        let folded = Clox { fold_traces: true }.runtime_error(&e);
        assert_eq!(
            folded,
            "Stack overflow.\n[line 1] in f()\n[previous line repeated 98 more times]\n\
             [line 2] in script\n"
        );
        let whole = Clox { fold_traces: false }.runtime_error(&e);
        assert_eq!(whole, e.to_string());
    }
}

//! How errors are shown: a `Renderer` turns a compile error or a runtime error into the
//! text written to standard error. Every command and the REPL go through one, chosen in
//! one place (`for_cli`, `for_repl`) from `--error-format` or `LOX_ERROR_FORMAT`:
//!
//! - `Clox`: clox's format, with long traces folded (`trace`) unless `--limits=clox`;
//! - `Rich`: the source line with the error's span underlined (codespan-reporting), in
//!   colour when standard error is a terminal and `NO_COLOR` is unset;
//! - `Json`: one JSON object a line per error (docs/diagnostics.md gives the fields).
//!
//! Rich and JSON need the program's text for line contents and spans: the command that
//! read it hands it over with `set_source`.

use std::io::IsTerminal;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config, termcolor::Buffer};
use loxide::driver::CompileError;
use loxide::vm::RuntimeError;
use loxide_ide::warnings::Warning;
use serde_json::json;

use super::trace::{self, Line};
use super::{Cli, ErrorFormat, LimitsArg};

/// The environment variable that picks the error format when `--error-format` does not.
pub const FORMAT_VARIABLE: &str = "LOX_ERROR_FORMAT";

/// Turns errors into the text written to standard error.
pub trait Renderer {
    /// A compile error (every diagnostic of one compilation).
    fn compile_error(&self, e: &CompileError) -> String;
    /// A runtime error with its trace.
    fn runtime_error(&self, e: &RuntimeError) -> String;
    /// The program's name and text, for the formats that show source lines and spans.
    fn set_source(&mut self, _name: &str, _text: &str) {}
    /// Names defined outside the source (an interactive session's earlier inputs), which
    /// "did you mean" may suggest too.
    fn set_known_names(&mut self, _names: &[String]) {}
    /// The functions the source declares, when a session runs code from other sources
    /// too (an interactive session's earlier inputs): a runtime error inside any other
    /// function did not happen in this source, so its line and span are not shown
    /// against it. `None` (the default): every function is the source's.
    fn set_functions(&mut self, _names: Option<Vec<String>>) {}
    /// Whether this format shows semantic warnings (clox's never does).
    fn shows_warnings(&self) -> bool {
        false
    }
    /// Semantic warnings about the source given to `set_source`; empty when the format
    /// does not show them.
    fn warnings(&self, _warnings: &[Warning]) -> String {
        String::new()
    }
    /// What goes between two reports written one after the other.
    fn separator(&self) -> &'static str {
        ""
    }
}

/// Where a warning is: its 1-based line and 1-based byte columns (end exclusive), from
/// its byte span in `text`.
fn warning_place(text: &str, w: &Warning) -> (u32, [u32; 2]) {
    let start = w.span.start.min(text.len());
    let end = w.span.end.clamp(start, text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |nl| nl + 1);
    let line = 1 + text[..start].matches('\n').count() as u32;
    // A span running onto later lines is shown up to the end of its first line.
    let line_end = text[start..].find('\n').map_or(text.len(), |nl| start + nl);
    let end = end.min(line_end);
    (
        line,
        [
            (start - line_start + 1) as u32,
            (end - line_start + 1) as u32,
        ],
    )
}

/// clox's format: `[line N] Error at 'x': message` and `[line N] in f()` traces.
pub struct Clox {
    /// Fold traces deeper than clox's 64 frames (`trace::fold`).
    pub fold_traces: bool,
}

/// The renderer the command line asks for: `--error-format`, else `LOX_ERROR_FORMAT`,
/// else clox's format.
pub fn for_cli(cli: &Cli) -> Box<dyn Renderer> {
    make(cli, chosen(cli).unwrap_or(ErrorFormat::Clox))
}

/// The renderer of `lox check`: as `for_cli`, but rich by default (clox's format shows
/// no warnings).
pub fn for_check(cli: &Cli) -> Box<dyn Renderer> {
    make(cli, chosen(cli).unwrap_or(ErrorFormat::Rich))
}

/// The renderer of the interactive session: as `for_cli`, but rich by default.
pub fn for_repl(cli: &Cli) -> Box<dyn Renderer> {
    make(cli, chosen(cli).unwrap_or(ErrorFormat::Rich))
}

/// The format the command line or the environment names. An unknown name in the
/// variable is ignored (the option's values are checked when it is parsed).
fn chosen(cli: &Cli) -> Option<ErrorFormat> {
    cli.error_format.or_else(|| {
        std::env::var(FORMAT_VARIABLE)
            .ok()
            .and_then(|name| ErrorFormat::from_name(name.trim()))
    })
}

fn make(cli: &Cli, format: ErrorFormat) -> Box<dyn Renderer> {
    let clox = Clox {
        fold_traces: cli.limits != LimitsArg::Clox,
    };
    match format {
        ErrorFormat::Clox => Box::new(clox),
        ErrorFormat::Rich => Box::new(Rich {
            clox,
            colour: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            source: None,
            known_names: String::new(),
            functions: None,
        }),
        ErrorFormat::Json => Box::new(Json {
            fold_traces: cli.limits != LimitsArg::Clox,
            source: String::new(),
            functions: None,
        }),
    }
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

/// The rich format: each error as a header with the message, the source line with the
/// error's span underlined, and for a runtime error its trace as notes.
pub struct Rich {
    /// Traces are folded as clox's format folds them.
    clox: Clox,
    colour: bool,
    /// The program's name and text.
    source: Option<SimpleFile<String, String>>,
    /// `set_known_names`, one a line.
    known_names: String,
    /// `set_functions`.
    functions: Option<Vec<String>>,
}

impl Rich {
    /// One report, ending with a single line break (codespan-reporting ends each with
    /// a blank line; reports are separated by one instead, in `compile_error`).
    fn emit(&self, report: &Report<()>) -> String {
        let mut text = self.emit_raw(report);
        text.truncate(text.trim_end().len());
        text.push('\n');
        text
    }

    fn emit_raw(&self, report: &Report<()>) -> String {
        let config = Config::default();
        match &self.source {
            Some(file) if self.colour => {
                let mut buffer = Buffer::ansi();
                match term::emit_to_write_style(&mut buffer, &config, file, report) {
                    Ok(()) => String::from_utf8_lossy(buffer.as_slice()).into_owned(),
                    Err(_) => plain(report),
                }
            }
            Some(file) => {
                term::emit_into_string(&config, file, report).unwrap_or_else(|_| plain(report))
            }
            None => plain(report),
        }
    }

    /// The byte range of a line's text (1-based line; without its newline), if the
    /// source has that line.
    fn line_range(&self, line: u32) -> Option<std::ops::Range<usize>> {
        let text = self.source.as_ref()?.source();
        let start = if line <= 1 {
            0
        } else {
            text.match_indices('\n').nth(line as usize - 2)?.0 + 1
        };
        let end = text[start..].find('\n').map_or(text.len(), |at| start + at);
        (line >= 1).then_some(start..end)
    }
}

/// A report without source lines: the header, then the notes.
fn plain(report: &Report<()>) -> String {
    let mut out = format!("error: {}\n", report.message);
    for note in &report.notes {
        out.push_str(&format!("  = {note}\n"));
    }
    out
}

/// For an error about a missing token (`Expect ';' after value.`), where the token was
/// missed: just past the last thing before `at` on the lines up to it (skipping spaces
/// and `//` comments), as an empty range.
fn just_after_previous(text: &str, at: usize) -> Option<usize> {
    let mut end = at;
    loop {
        let line_start = text[..end].rfind('\n').map_or(0, |nl| nl + 1);
        let mut line = &text[line_start..end];
        if let Some(comment) = line.find("//") {
            line = &line[..comment];
        }
        let trimmed = line.trim_end();
        if !trimmed.is_empty() {
            return Some(line_start + trimmed.len());
        }
        if line_start == 0 {
            return None;
        }
        end = line_start - 1;
    }
}

impl Renderer for Rich {
    fn set_source(&mut self, name: &str, text: &str) {
        self.source = Some(SimpleFile::new(name.to_string(), text.to_string()));
    }

    fn set_known_names(&mut self, names: &[String]) {
        self.known_names = names.join("\n");
    }

    fn set_functions(&mut self, names: Option<Vec<String>>) {
        self.functions = names;
    }

    fn shows_warnings(&self) -> bool {
        true
    }

    fn separator(&self) -> &'static str {
        "\n"
    }

    fn warnings(&self, warnings: &[Warning]) -> String {
        let mut out = String::new();
        let len = self.source.as_ref().map_or(0, |f| f.source().len());
        for w in warnings {
            let span = w.span.start.min(len)..w.span.end.min(len);
            let report = Report::warning()
                .with_message(&w.message)
                .with_code(w.code)
                .with_labels(vec![Label::primary((), span)]);
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&self.emit(&report));
        }
        out
    }

    fn compile_error(&self, e: &CompileError) -> String {
        if e.diagnostics.is_empty() {
            // An internal error: no position to show.
            return e
                .lines
                .iter()
                .map(|line| format!("error: {line}\n"))
                .collect();
        }
        let mut out = String::new();
        for d in &e.diagnostics {
            let mut report = Report::error().with_message(&d.message);
            if let Some(range) = self.line_range(d.line) {
                let text = self.source.as_ref().map_or("", |f| f.source().as_str());
                let token = if d.columns.start >= 1 && d.columns.end >= d.columns.start {
                    let start = (range.start + d.columns.start as usize - 1).min(text.len());
                    let end = (range.start + d.columns.end as usize - 1).min(text.len());
                    Some(start..end)
                } else {
                    None
                };
                let missing = d.message.starts_with("Expect '") && d.message.contains("' after");
                let label = match token {
                    Some(token) if missing => match just_after_previous(text, token.start) {
                        Some(at) => Label::primary((), at..at).with_message("expected here"),
                        None => Label::primary((), token),
                    },
                    Some(token) if token.is_empty() => {
                        Label::primary((), token).with_message("here")
                    }
                    Some(token) => Label::primary((), token),
                    // No token (an unexpected character, an unterminated string): the line.
                    None => Label::primary((), range),
                };
                report = report.with_labels(vec![label]);
            }
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&self.emit(&report));
        }
        out
    }

    fn runtime_error(&self, e: &RuntimeError) -> String {
        // A type error says what the values were: `Operands must be numbers (the
        // operands are a string and a number)`.
        let message = match &e.detail {
            Some(detail) => format!("{} ({detail})", e.message.trim_end_matches('.')),
            None => e.message.clone(),
        };
        let mut report = Report::error().with_message(message);
        if let Some((line, function)) = e.trace.first()
            && from_source(self.functions.as_deref(), function.as_deref())
            && let Some(range) = self.line_range(*line)
        {
            let text = self.source.as_ref().map_or("", |f| f.source().as_str());
            let label = match function {
                Some(name) => format!("in {name}()"),
                None => "in script".to_string(),
            };
            // The failing operator, name or call when the bytecode says which; else the
            // line's code, without its indentation.
            let underlined = match span_in(text, e.span.as_ref()) {
                Some(span) => span,
                None => {
                    let indent = text[range.clone()].len() - text[range.clone()].trim_start().len();
                    range.start + indent..range.end
                }
            };
            report = report.with_labels(vec![Label::primary((), underlined).with_message(label)]);
        }
        // The trace as clox's format (folded the same way) gives it, as notes.
        let trace = self.clox.runtime_error(e);
        let mut notes: Vec<String> = trace
            .lines()
            .skip(1)
            .map(|line| format!("trace: {line}"))
            .collect();
        let text = self.source.as_ref().map_or("", |f| f.source().as_str());
        if let Some(suggestion) = did_you_mean(&e.message, &format!("{text}\n{}", self.known_names))
        {
            notes.push(format!("help: did you mean '{suggestion}'?"));
        }
        self.emit(&report.with_notes(notes))
    }
}

/// Whether code in `function` (`None`: the script) came from the source at hand, given
/// the functions it declares (`None`: all of them).
fn from_source(functions: Option<&[String]>, function: Option<&str>) -> bool {
    match (functions, function) {
        (Some(declared), Some(name)) => declared.iter().any(|f| f == name),
        _ => true,
    }
}

/// A runtime error's span as a byte range of `text`, if it is one: inside the text,
/// on character boundaries and not empty. A bytecode file may carry spans of a source
/// other than the one at hand, so they are checked, not trusted.
fn span_in(text: &str, span: Option<&std::ops::Range<u32>>) -> Option<std::ops::Range<usize>> {
    let span = span?;
    let (start, end) = (span.start as usize, span.end as usize);
    (start < end && text.get(start..end).is_some()).then_some(start..end)
}

/// The 1-based byte columns `[start, end)` of a span that lies on one line of `text`,
/// as compile errors give theirs.
fn columns_of(text: &str, span: &std::ops::Range<usize>) -> Option<[usize; 2]> {
    let line_start = text[..span.start].rfind('\n').map_or(0, |at| at + 1);
    let on_one_line = !text[span.clone()].contains('\n');
    on_one_line.then_some([span.start - line_start + 1, span.end - line_start + 1])
}

/// For `Undefined variable 'x'.` or `Undefined property 'x'.`, the name in the program
/// closest to `x` in spelling, if there is one within one edit per three characters
/// (so none for names shorter than three): names are the source's identifiers that are
/// not keywords, and an edit is a character inserted, removed, changed, or two
/// neighbours swapped.
fn did_you_mean(message: &str, text: &str) -> Option<String> {
    let missing = ["Undefined variable '", "Undefined property '"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))?
        .strip_suffix("'.")?;
    const KEYWORDS: [&str; 16] = [
        "and", "class", "else", "false", "for", "fun", "if", "nil", "or", "print", "return",
        "super", "this", "true", "var", "while",
    ];
    let budget = missing.chars().count() / 3;
    if budget == 0 {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    let words = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
    for word in words {
        let starts_like_a_name = word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
        if !starts_like_a_name || word == missing || KEYWORDS.contains(&word) {
            continue;
        }
        let distance = edit_distance(missing, word);
        if distance <= budget && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, word));
        }
    }
    best.map(|(_, word)| word.to_string())
}

/// The edit distance between two names, by characters, where swapping two neighbours
/// is one edit (the optimal string alignment distance).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the table: two back, one back, and the one being filled.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut current = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            current[j] = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                current[j] = current[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut previous, current);
    }
    previous[b.len()]
}

/// The JSON format: one object a line per error. A compile error has `line`, `columns`
/// (`[start, end]`, 1-based bytes, end exclusive; `null` when the error has no token)
/// and `rendered` (clox's line); a runtime error has `line`, `trace` (innermost first,
/// folded as clox's format folds it: `{"repeated": {"lines": L, "times": N}}` and
/// `{"omitted": N}` entries stand for frames left out), `limit` (`null`, or the limit
/// that stopped the program), `detail` (`null`, or for a type error what the values
/// were: `the operands are a string and a number`), `span` (`null`, or the failing
/// operator's, name's or call's bytes in the source, `[start, end]`, end exclusive) and
/// `columns` (as a compile error's, when the span is known and lies on one line).
pub struct Json {
    fold_traces: bool,
    /// The program's text: the places of warnings, and a runtime error's columns.
    source: String,
    /// `set_functions`.
    functions: Option<Vec<String>>,
}

/// The JSON format with traces folded, for the playground's API.
pub fn json() -> Json {
    Json {
        fold_traces: true,
        source: String::new(),
        functions: None,
    }
}

impl Renderer for Json {
    fn set_source(&mut self, _name: &str, text: &str) {
        self.source = text.to_string();
    }

    fn set_functions(&mut self, names: Option<Vec<String>>) {
        self.functions = names;
    }

    fn shows_warnings(&self) -> bool {
        true
    }

    /// A warning has `severity` `warning`, a `code` (`unused-variable`...), `line`,
    /// `columns` and `rendered` as a compile error has.
    fn warnings(&self, warnings: &[Warning]) -> String {
        let mut out = String::new();
        for w in warnings {
            let (line, columns) = warning_place(&self.source, w);
            let object = json!({
                "kind": "compile",
                "severity": "warning",
                "code": w.code,
                "message": w.message,
                "line": line,
                "columns": columns,
                "rendered": format!("[line {line}] Warning: {}", w.message),
            });
            out.push_str(&object.to_string());
            out.push('\n');
        }
        out
    }

    fn compile_error(&self, e: &CompileError) -> String {
        let mut out = String::new();
        if e.diagnostics.is_empty() {
            for line in &e.lines {
                out.push_str(&json!({"kind": "compile", "severity": "error", "message": line, "line": null, "columns": null, "rendered": line}).to_string());
                out.push('\n');
            }
        }
        for d in &e.diagnostics {
            let columns = (d.columns.start >= 1).then_some([d.columns.start, d.columns.end]);
            let object = json!({
                "kind": "compile",
                "severity": "error",
                "message": d.message,
                "line": d.line,
                "columns": columns,
                "rendered": d.rendered,
            });
            out.push_str(&object.to_string());
            out.push('\n');
        }
        out
    }

    fn runtime_error(&self, e: &RuntimeError) -> String {
        let frame =
            |(line, function): &(u32, Option<String>)| json!({"line": line, "function": function});
        let trace: Vec<serde_json::Value> = if self.fold_traces {
            trace::fold(&e.trace)
                .into_iter()
                .map(|entry| match entry {
                    Line::Frame(f) => frame(f),
                    Line::Repeated { lines, times } => {
                        json!({"repeated": {"lines": lines, "times": times}})
                    }
                    Line::Omitted(frames) => json!({"omitted": frames}),
                })
                .collect()
        } else {
            e.trace.iter().map(frame).collect()
        };
        let limit = e.limit.map(|limit| format!("{limit:?}").to_lowercase());
        let span = e.span.as_ref().map(|span| [span.start, span.end]);
        let innermost = e.trace.first().and_then(|(_, f)| f.as_deref());
        let columns = span_in(&self.source, e.span.as_ref())
            .filter(|_| from_source(self.functions.as_deref(), innermost))
            .and_then(|span| columns_of(&self.source, &span));
        let object = json!({
            "kind": "runtime",
            "severity": "error",
            "message": e.message,
            "line": e.trace.first().map(|(line, _)| *line),
            "columns": columns,
            "span": span,
            "trace": trace,
            "limit": limit,
            "detail": e.detail,
        });
        format!("{object}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_the_closest_name_of_the_program() {
        let text = "var count = 1;\nvar counter = 2;\nprint cuont;\n";
        assert_eq!(
            did_you_mean("Undefined variable 'cuont'.", text).as_deref(),
            Some("count")
        );
        assert_eq!(did_you_mean("Undefined variable 'zzz'.", text), None);
        assert_eq!(did_you_mean("Operands must be numbers.", text), None);
        assert_eq!(
            did_you_mean("Undefined property 'nmae'.", "this.name = 1;").as_deref(),
            Some("name")
        );
        assert_eq!(did_you_mean("Undefined property 'y'.", "this.x = 1;"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("cuont", "count"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn a_runtime_error_in_another_inputs_function_is_not_shown_against_this_one() {
        let e = |function: Option<&str>| RuntimeError {
            message: "Operands must be numbers.".into(),
            trace: vec![(1, function.map(str::to_string)), (1, None)],
            limit: None,
            detail: None,
            span: Some(10..11),
        };
        let mut rich = Rich {
            clox: Clox { fold_traces: true },
            colour: false,
            source: None,
            known_names: String::new(),
            functions: None,
        };
        rich.set_source("input", "fun g(a) { a - 1; }\ng(nil);\n");
        rich.set_functions(Some(vec!["g".to_string()]));
        // `g` is this input's: its line and the operator are shown.
        assert!(rich.runtime_error(&e(Some("g"))).contains("^"));
        // `f` came from an earlier input: no line of this one is shown for it.
        let other = rich.runtime_error(&e(Some("f")));
        assert!(
            !other.contains("┌─") && other.contains("trace: [line 1] in f()"),
            "{other}"
        );
        let mut json = json();
        json.set_source("input", "fun g(a) { a - 1; }\ng(nil);\n");
        json.set_functions(Some(vec!["g".to_string()]));
        assert!(
            json.runtime_error(&e(Some("g")))
                .contains("\"columns\":[11,12]")
        );
        assert!(
            json.runtime_error(&e(Some("f")))
                .contains("\"columns\":null")
        );
    }

    #[test]
    fn clox_traces_fold_only_when_asked() {
        let mut trace = vec![(1, Some("f".to_string())); 99];
        trace.push((2, None));
        let e = RuntimeError {
            message: "Stack overflow.".into(),
            trace,
            limit: None,
            detail: None,
            span: None,
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

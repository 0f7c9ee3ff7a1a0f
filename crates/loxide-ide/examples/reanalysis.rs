//! How long the language server takes on a large document: generates a Lox program of
//! 10,000 lines (or as many as the first argument says), then reports, each the best
//! of several rounds, the time of a full-document change through the server (the text
//! parsed from JSON, reanalysed, its diagnostics published) and of each request
//! answered from the analysis.
//!
//! Run it with a release build: `cargo run --release -p loxide-ide --example
//! reanalysis [LINES] [ROUNDS]`. It measures the machine it runs on as much as the
//! server, so its figures are for comparing changes on one machine, not for tests.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::{Duration, Instant};

use loxide::Lang;
use loxide_ide::{analyze, server};
use serde_json::json;

/// A Lox program of about `lines` lines: classes with an initializer, methods, fields
/// and a subclass; functions with locals, loops, closures and calls; globals.
fn program(lines: usize) -> String {
    let mut out = String::new();
    let mut i = 0;
    let mut written = 0;
    while written < lines {
        let before = out.len();
        write!(
            out,
            "class Shape{i} {{
  init(w, h) {{
    this.w = w;
    this.h = h;
  }}
  area() {{
    return this.w * this.h;
  }}
  scaled(k) {{
    return Shape{i}(this.w * k, this.h * k);
  }}
}}
class Square{i} < Shape{i} {{
  init(s) {{
    super.init(s, s);
  }}
}}
fun counter{i}(start) {{
  var count = start;
  fun step(by) {{
    count = count + by;
    return count;
  }}
  return step;
}}
fun sum{i}(n) {{
  var total = 0;
  for (var j = 0; j < n; j = j + 1) {{
    if (j / 2 == 0) {{
      total = total + j;
    }} else {{
      total = total - 1;
    }}
  }}
  return total;
}}
var shape{i} = Square{i}(3);
var next{i} = counter{i}(shape{i}.area());
print sum{i}(next{i}(2)) + shape{i}.scaled(2).area();
// Done with round {i}.
"
        )
        .unwrap();
        written += out[before..].matches('\n').count();
        i += 1;
    }
    out
}

/// One framed protocol message.
fn frame(message: serde_json::Value) -> Vec<u8> {
    let body = message.to_string();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend(body.as_bytes());
    out
}

/// The best of `rounds` runs of `work`.
fn best(rounds: usize, mut work: impl FnMut()) -> Duration {
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let lines: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5).max(1);
    let text = program(lines);
    let uri = "file:///big.lox";
    println!(
        "{} lines, {} bytes, best of {rounds} rounds",
        text.lines().count(),
        text.len()
    );

    // The server, from the message's bytes to the published diagnostics: one session
    // with the opening and then `rounds` changes; the opening's time is taken apart.
    let open = [
        frame(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})),
        frame(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}})),
        frame(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "lox", "version": 1, "text": text}}})),
    ]
    .concat();
    let change = |version: usize| {
        frame(
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"text": text}]}}),
        )
    };
    let changes: Vec<Vec<u8>> = (0..rounds).map(|r| change(r + 2)).collect();
    let session_time = |changes: &[Vec<u8>]| {
        let input = [open.clone(), changes.concat()].concat();
        let mut output = Vec::new();
        let start = Instant::now();
        server::run(&input[..], &mut output);
        let time = start.elapsed();
        let published = String::from_utf8_lossy(&output)
            .matches("publishDiagnostics")
            .count();
        assert_eq!(published, 1 + changes.len(), "every change is answered");
        time
    };
    let opened = (0..rounds)
        .map(|_| session_time(&[]))
        .min()
        .unwrap_or_default();
    let changed = (0..rounds)
        .map(|_| session_time(&changes))
        .min()
        .unwrap_or_default();
    let per_change = changed.saturating_sub(opened) / rounds as u32;
    report("change -> diagnostics published (server)", per_change);

    let mut analysis = analyze(&text, Lang::Lox);
    report(
        "analysis (compile, index, warnings)",
        best(rounds, || analysis = analyze(&text, Lang::Lox)),
    );
    println!(
        "  {} tokens, {} declarations, {} occurrences, {} errors, {} warnings",
        analysis.tokens.len(),
        analysis.index.decls.len(),
        analysis.index.occurrences.len(),
        analysis.errors.len(),
        analysis.warnings.len()
    );
    // A spot in the middle of the file: the `count` of a closure.
    let middle = text.len() / 2;
    let spot = middle + text[middle..].find("count = count").unwrap_or(0);
    let requests: [(&str, &dyn Fn()); 9] = [
        ("hover", &|| drop(analysis.hover(spot))),
        ("definition", &|| drop(analysis.definition(spot))),
        ("references", &|| drop(analysis.references(spot, true))),
        ("document highlight", &|| drop(analysis.highlights(spot))),
        ("rename", &|| drop(analysis.rename(spot, "tally"))),
        ("completion", &|| drop(analysis.completion(spot))),
        ("signature help", &|| {
            drop(analysis.signature_help(spot + 14))
        }),
        ("semantic tokens (whole file)", &|| {
            drop(analysis.semantic_tokens())
        }),
        ("document symbols (whole file)", &|| {
            drop(analysis.document_symbols().to_string())
        }),
    ];
    for (name, request) in requests {
        report(name, best(rounds, request));
    }
    let _ = std::io::stdout().flush();
}

fn report(what: &str, time: Duration) {
    println!("{what:<45} {:>8.2} ms", time.as_secs_f64() * 1e3);
}

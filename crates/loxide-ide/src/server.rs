//! The language server: JSON-RPC messages framed by `Content-Length` headers on
//! standard input and output, as the Language Server Protocol specifies.
//!
//! One thread reads a message, answers it and reads the next: every answer is computed
//! from the document's analysis, which is redone on each change (full-document sync),
//! so there is no state to go stale. Messages are read here rather than by
//! `lsp_server`'s reader so that a malformed message gets an error response
//! (`ParseError`, `InvalidRequest`) and the session goes on; replies are written with
//! `lsp_server::Message`, and parameters read with `lsp_types`. A handler that panics
//! (a bug) answers `InternalError`; no input ends the server but `exit` or the end of
//! its input.

use std::collections::HashMap;
use std::io::{self, BufRead, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};

use lsp_server::{Message, Notification, Request, RequestId, Response, ResponseError};
use lsp_types as lsp;
use serde_json::{Value, json};

use loxide::Lang;

use crate::analysis::{Analysis, analyze_text};
use crate::features::{TOKEN_MODIFIERS, TOKEN_TYPES};
use crate::lines::Position;

/// The largest message accepted; a bigger one is read past and refused.
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;
/// The longest header line accepted.
const MAX_HEADER_BYTES: u64 = 8 << 10;

/// JSON-RPC's and the protocol's error codes.
mod code {
    pub const PARSE_ERROR: i32 = -32700;
    pub const INVALID_REQUEST: i32 = -32600;
    pub const METHOD_NOT_FOUND: i32 = -32601;
    pub const INVALID_PARAMS: i32 = -32602;
    pub const INTERNAL_ERROR: i32 = -32603;
    pub const SERVER_NOT_INITIALIZED: i32 = -32002;
    pub const REQUEST_FAILED: i32 = -32803;
}

/// Runs the server on standard input and output until `exit` or the end of input;
/// returns the process's exit code (0 after `shutdown` then `exit`, 1 otherwise).
pub fn run_stdio() -> i32 {
    let stdin = io::stdin();
    let stdout = io::stdout();
    run(stdin.lock(), stdout.lock())
}

/// Runs the server over any reader and writer.
pub fn run(mut input: impl BufRead, output: impl Write) -> i32 {
    let mut server = Server {
        out: output,
        docs: HashMap::new(),
        initialized: false,
        shut_down: false,
    };
    loop {
        let body = match read_frame(&mut input) {
            Ok(Some(body)) => body,
            Ok(None) => return i32::from(!server.shut_down),
            Err(message) => {
                server.send_error(Value::Null, code::PARSE_ERROR, &message);
                continue;
            }
        };
        if let Some(exit_code) = server.handle(&body) {
            return exit_code;
        }
    }
}

/// Reads one message's body. `Ok(None)` at the end of the input; `Err` for a frame
/// that was read past but is unusable (no or a bad `Content-Length`, too large).
fn read_frame(input: &mut impl BufRead) -> Result<Option<Vec<u8>>, String> {
    let mut length: Option<Result<usize, String>> = None;
    let mut any_header = false;
    loop {
        let mut line = Vec::new();
        let n = input
            .by_ref()
            .take(MAX_HEADER_BYTES)
            .read_until(b'\n', &mut line)
            .map_err(|e| e.to_string());
        match n {
            Ok(0) | Err(_) => return Ok(None),
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if any_header {
                break;
            }
            // Blank lines between messages are skipped.
            continue;
        }
        any_header = true;
        if let Some((name, value)) = text.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = Some(
                value
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| format!("Bad Content-Length header: {}", value.trim())),
            );
        }
    }
    let length = match length {
        None => return Err("A message without a Content-Length header.".into()),
        Some(Err(e)) => return Err(e),
        Some(Ok(length)) => length,
    };
    if length > MAX_MESSAGE_BYTES {
        let skipped = io::copy(&mut input.by_ref().take(length as u64), &mut io::sink());
        return match skipped {
            Ok(n) if n == length as u64 => Err(format!(
                "A message of {length} bytes; the limit is {MAX_MESSAGE_BYTES}."
            )),
            _ => Ok(None),
        };
    }
    let mut body = vec![0; length];
    match input.read_exact(&mut body) {
        Ok(()) => Ok(Some(body)),
        Err(_) => Ok(None),
    }
}

/// An open document.
struct Document {
    uri: lsp::Uri,
    analysis: Analysis,
}

struct Server<W: Write> {
    out: W,
    docs: HashMap<String, Document>,
    initialized: bool,
    shut_down: bool,
}

/// A handler's failure: an error code and message for the response.
struct Failure(i32, String);

fn invalid_params(e: impl std::fmt::Display) -> Failure {
    Failure(code::INVALID_PARAMS, format!("Invalid parameters: {e}"))
}

impl<W: Write> Server<W> {
    fn send(&mut self, message: Message) {
        // A client that stopped reading cannot be told anything; the next read ends.
        let _ = message.write(&mut self.out);
        let _ = self.out.flush();
    }

    /// An error response with any id (`null` when the request's id is unknown).
    fn send_error(&mut self, id: Value, code: i32, message: &str) {
        let body = json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {"code": code, "message": message},
        })
        .to_string();
        let _ = write!(self.out, "Content-Length: {}\r\n\r\n{body}", body.len());
        let _ = self.out.flush();
    }

    fn respond(&mut self, id: RequestId, result: Result<Value, Failure>) {
        let response_result = result.map_err(|Failure(code, message)| ResponseError {
            code,
            message,
            data: None,
        });
        self.send(Message::Response(Response {
            id,
            response_result,
        }));
    }

    /// Handles one message; `Some(code)` when the server must exit.
    fn handle(&mut self, body: &[u8]) -> Option<i32> {
        let value: Value = match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(e) => {
                self.send_error(Value::Null, code::PARSE_ERROR, &format!("Not JSON: {e}"));
                return None;
            }
        };
        let id = value
            .get("id")
            .cloned()
            .filter(|id| id.is_number() || id.is_string());
        let has_method = value.get("method").is_some_and(Value::is_string);
        if !has_method {
            // A response to a request of ours (we send none), or nonsense.
            let is_response =
                id.is_some() && (value.get("result").is_some() || value.get("error").is_some());
            if !is_response {
                let message = "Not a request, a notification or a response.";
                self.send_error(id.unwrap_or(Value::Null), code::INVALID_REQUEST, message);
            }
            return None;
        }
        if id.is_none() && value.get("id").is_some_and(|id| !id.is_null()) {
            self.send_error(
                Value::Null,
                code::INVALID_REQUEST,
                "A request id must be a number or a string.",
            );
            return None;
        }
        if id.is_some() {
            match serde_json::from_value::<Request>(value) {
                Ok(request) => self.request(request),
                Err(e) => {
                    let message = format!("Invalid request: {e}");
                    self.send_error(id.unwrap_or(Value::Null), code::INVALID_REQUEST, &message);
                }
            }
            None
        } else {
            match serde_json::from_value::<Notification>(value) {
                Ok(notification) => self.notification(notification),
                // A notification gets no response, even a malformed one.
                Err(_) => None,
            }
        }
    }

    fn request(&mut self, request: Request) {
        let Request { id, method, params } = request;
        if method == "initialize" {
            let result = if self.initialized {
                Err(Failure(
                    code::INVALID_REQUEST,
                    "The server is already initialized.".into(),
                ))
            } else {
                self.initialized = true;
                Ok(capabilities())
            };
            self.respond(id, result);
            return;
        }
        if !self.initialized {
            let failure = Failure(
                code::SERVER_NOT_INITIALIZED,
                "The server is not initialized.".into(),
            );
            self.respond(id, Err(failure));
            return;
        }
        if self.shut_down {
            let failure = Failure(code::INVALID_REQUEST, "The server is shutting down.".into());
            self.respond(id, Err(failure));
            return;
        }
        if method == "shutdown" {
            self.shut_down = true;
            self.respond(id, Ok(Value::Null));
            return;
        }
        let result = catch_unwind(AssertUnwindSafe(|| self.answer(&method, params)))
            .unwrap_or_else(|_| {
                Err(Failure(
                    code::INTERNAL_ERROR,
                    "The server failed on this request.".into(),
                ))
            });
        self.respond(id, result);
    }

    fn notification(&mut self, n: Notification) -> Option<i32> {
        match n.method.as_str() {
            "exit" => return Some(i32::from(!self.shut_down)),
            _ if !self.initialized || self.shut_down => {}
            "textDocument/didOpen" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params) {
                    let lang = language(&p.text_document.uri, &p.text_document.language_id);
                    self.update(
                        p.text_document.uri,
                        p.text_document.version,
                        p.text_document.text,
                        lang,
                    );
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params)
                {
                    let doc = self.docs.get(p.text_document.uri.as_str())?;
                    let lang = doc.analysis.lang;
                    // A whole-document change (what this server asks for) replaces the
                    // text: the old one is not copied.
                    let mut text: Option<String> = None;
                    for change in p.content_changes {
                        match change.range {
                            None => text = Some(change.text),
                            Some(range) => {
                                let text = text.get_or_insert_with(|| doc.analysis.text.clone());
                                let lines = crate::lines::LineIndex::new(text);
                                let start = lines.offset(text, position(range.start));
                                let end = lines.offset(text, position(range.end)).max(start);
                                text.replace_range(start..end, &change.text);
                            }
                        }
                    }
                    let text = text.unwrap_or_else(|| doc.analysis.text.clone());
                    self.update(p.text_document.uri, p.text_document.version, text, lang);
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params)
                    && self.docs.remove(p.text_document.uri.as_str()).is_some()
                {
                    let params = json!({"uri": p.text_document.uri.as_str(), "diagnostics": []});
                    self.notify("textDocument/publishDiagnostics", params);
                }
            }
            _ => {}
        }
        None
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(Message::Notification(Notification {
            method: method.into(),
            params,
        }));
    }

    /// Analyses a document's new text and publishes its diagnostics.
    fn update(&mut self, uri: lsp::Uri, version: i32, text: String, lang: Lang) {
        let analysis = catch_unwind(AssertUnwindSafe(|| analyze_text(text, lang)));
        let Ok(analysis) = analysis else {
            return;
        };
        let diagnostics = diagnostics(&analysis);
        let params = json!({"uri": uri.as_str(), "version": version, "diagnostics": diagnostics});
        self.docs
            .insert(uri.as_str().to_string(), Document { uri, analysis });
        self.notify("textDocument/publishDiagnostics", params);
    }

    fn doc(&self, uri: &lsp::Uri) -> Result<&Document, Failure> {
        self.docs.get(uri.as_str()).ok_or_else(|| {
            Failure(
                code::INVALID_PARAMS,
                format!("The document {} is not open.", uri.as_str()),
            )
        })
    }

    /// The document and offset a position request is about.
    fn at(&self, p: &lsp::TextDocumentPositionParams) -> Result<(&Document, usize), Failure> {
        let doc = self.doc(&p.text_document.uri)?;
        let a = &doc.analysis;
        Ok((doc, a.lines.offset(&a.text, position(p.position))))
    }

    fn answer(&mut self, method: &str, params: Value) -> Result<Value, Failure> {
        fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, Failure> {
            serde_json::from_value(params).map_err(invalid_params)
        }
        let locations = |doc: &Document, spans: Vec<std::ops::Range<usize>>| -> Value {
            Value::Array(
                spans
                    .iter()
                    .map(|s| json!({"uri": doc.uri.as_str(), "range": doc.analysis.range(s)}))
                    .collect(),
            )
        };
        match method {
            "textDocument/hover" => {
                let p: lsp::HoverParams = parse(params)?;
                let (doc, offset) = self.at(&p.text_document_position_params)?;
                Ok(doc.analysis.hover(offset))
            }
            "textDocument/definition" => {
                let p: lsp::GotoDefinitionParams = parse(params)?;
                let (doc, offset) = self.at(&p.text_document_position_params)?;
                Ok(locations(doc, doc.analysis.definition(offset)))
            }
            "textDocument/references" => {
                let p: lsp::ReferenceParams = parse(params)?;
                let (doc, offset) = self.at(&p.text_document_position)?;
                let spans = doc
                    .analysis
                    .references(offset, p.context.include_declaration);
                Ok(locations(doc, spans))
            }
            "textDocument/documentHighlight" => {
                let p: lsp::DocumentHighlightParams = parse(params)?;
                let (doc, offset) = self.at(&p.text_document_position_params)?;
                Ok(doc.analysis.highlights(offset))
            }
            "textDocument/prepareRename" => {
                let p: lsp::TextDocumentPositionParams = parse(params)?;
                let (doc, offset) = self.at(&p)?;
                match doc.analysis.prepare_rename(offset) {
                    Ok(span) => Ok(doc.analysis.range(&span)),
                    Err(why) => Err(Failure(code::REQUEST_FAILED, why)),
                }
            }
            "textDocument/rename" => {
                let p: lsp::RenameParams = parse(params)?;
                let (doc, offset) = self.at(&p.text_document_position)?;
                match doc.analysis.rename(offset, &p.new_name) {
                    Ok(spans) => {
                        let edits: Vec<Value> = spans
                            .iter()
                            .map(|s| json!({"range": doc.analysis.range(s), "newText": p.new_name}))
                            .collect();
                        let mut changes = serde_json::Map::new();
                        changes.insert(doc.uri.as_str().to_string(), Value::Array(edits));
                        Ok(json!({"changes": changes}))
                    }
                    Err(why) => Err(Failure(code::REQUEST_FAILED, why)),
                }
            }
            "textDocument/documentSymbol" => {
                let p: lsp::DocumentSymbolParams = parse(params)?;
                Ok(self.doc(&p.text_document.uri)?.analysis.document_symbols())
            }
            "textDocument/completion" => {
                let p: lsp::CompletionParams = parse(params)?;
                let (doc, offset) = self.at(&p.text_document_position)?;
                Ok(doc.analysis.completion(offset))
            }
            "textDocument/signatureHelp" => {
                let p: lsp::SignatureHelpParams = parse(params)?;
                let (doc, offset) = self.at(&p.text_document_position_params)?;
                Ok(doc.analysis.signature_help(offset))
            }
            "textDocument/semanticTokens/full" => {
                let p: lsp::SemanticTokensParams = parse(params)?;
                let data = self.doc(&p.text_document.uri)?.analysis.semantic_tokens();
                Ok(json!({"data": data}))
            }
            _ => Err(Failure(
                code::METHOD_NOT_FOUND,
                format!("Unknown method '{method}'."),
            )),
        }
    }
}

/// A protocol position from `lsp_types`.
fn position(p: lsp::Position) -> Position {
    Position {
        line: p.line,
        character: p.character,
    }
}

/// The language of a document: `potato` by its language id or its name, else Lox.
fn language(uri: &lsp::Uri, language_id: &str) -> Lang {
    if language_id == "potato" || uri.as_str().ends_with(".potato") {
        Lang::Potato
    } else {
        Lang::Lox
    }
}

/// A document's errors and warnings as the protocol's diagnostics.
fn diagnostics(a: &Analysis) -> Vec<Value> {
    let errors = a.errors.iter().map(|e| {
        json!({"range": a.range(&e.span), "severity": 1, "source": "lox", "message": e.message})
    });
    let warnings = a.warnings.iter().map(|w| {
        let mut d = json!({
            "range": a.range(&w.span),
            "severity": 2,
            "source": "lox",
            "code": w.code,
            "message": w.message,
        });
        if matches!(
            w.code,
            "unused-variable" | "unused-parameter" | "unreachable"
        ) {
            // Unnecessary: editors fade the code.
            d["tags"] = json!([1]);
        }
        d
    });
    errors.chain(warnings).collect()
}

/// The answer to `initialize`: what this server can do.
fn capabilities() -> Value {
    json!({
        "capabilities": {
            "positionEncoding": "utf-16",
            "textDocumentSync": {"openClose": true, "change": 1},
            "hoverProvider": true,
            "definitionProvider": true,
            "referencesProvider": true,
            "documentHighlightProvider": true,
            "documentSymbolProvider": true,
            "renameProvider": {"prepareProvider": true},
            "completionProvider": {"triggerCharacters": ["."]},
            "signatureHelpProvider": {"triggerCharacters": ["(", ","]},
            "semanticTokensProvider": {
                "legend": {"tokenTypes": TOKEN_TYPES, "tokenModifiers": TOKEN_MODIFIERS},
                "full": true,
            },
        },
        "serverInfo": {"name": "lox lsp", "version": env!("CARGO_PKG_VERSION")},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyses_run;

    fn frame(message: Value) -> Vec<u8> {
        let body = message.to_string();
        let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        out.extend(body.as_bytes());
        out
    }

    fn at(id: i64, method: &str, line: u32, character: u32) -> Vec<u8> {
        let mut params = json!({
            "textDocument": {"uri": "file:///a.lox"},
            "position": {"line": line, "character": character},
            "newName": "other",
        });
        if method == "textDocument/references" {
            params["context"] = json!({"includeDeclaration": true});
        }
        frame(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
    }

    /// Every request is answered from the analysis of the last change: a session of
    /// one opening, two changes (one whole, one ranged) and a dozen requests analyses
    /// the document three times.
    #[test]
    fn the_document_is_analysed_once_per_change_and_never_per_request() {
        let uri = "file:///a.lox";
        let text = "fun f(a) {\n  var b = a;\n  return b;\n}\nprint f(1);\n";
        let mut input = frame(json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"capabilities": {}}}));
        input.extend(frame(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": uri, "languageId": "lox", "version": 1, "text": text}}})));
        let requests = [
            "textDocument/hover",
            "textDocument/definition",
            "textDocument/references",
            "textDocument/documentHighlight",
            "textDocument/prepareRename",
            "textDocument/rename",
            "textDocument/completion",
            "textDocument/signatureHelp",
            "textDocument/semanticTokens/full",
            "textDocument/documentSymbol",
        ];
        let mut id = 1;
        let mut ask = |input: &mut Vec<u8>| {
            for method in requests {
                input.extend(at(id, method, 1, 6));
                id += 1;
            }
        };
        ask(&mut input);
        input.extend(frame(
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
            "params": {"textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"text": text.replace('b', "c")}]}}),
        ));
        ask(&mut input);
        input.extend(frame(
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
            "params": {"textDocument": {"uri": uri, "version": 3},
                "contentChanges": [{"range": {"start": {"line": 4, "character": 8},
                    "end": {"line": 4, "character": 9}}, "text": "2"}]}}),
        ));
        ask(&mut input);
        let before = analyses_run();
        let mut output = Vec::new();
        run(&input[..], &mut output);
        assert_eq!(analyses_run() - before, 3);
        let output = String::from_utf8(output).expect("UTF-8");
        assert_eq!(output.matches("publishDiagnostics").count(), 3);
        // Every request was answered, none with an error.
        let answered = output
            .split("Content-Length")
            .filter(|frame| frame.contains("\"id\":"))
            .count();
        assert_eq!(answered, 1 + 3 * requests.len(), "{output}");
        assert!(!output.contains("\"error\""), "{output}");
    }
}

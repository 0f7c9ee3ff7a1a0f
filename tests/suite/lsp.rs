//! `lox lsp` at the protocol level: the built binary is started, JSON-RPC messages
//! framed as the Language Server Protocol frames them go in, and the responses and
//! notifications that come out are checked, one test per feature. Malformed and
//! hostile messages get error responses and the session goes on.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

/// How long any one message may take to arrive.
const PATIENCE: Duration = Duration::from_secs(30);

/// A running `lox lsp` and the messages it has sent.
pub struct Lsp {
    child: Child,
    /// `None` once closed.
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    /// Messages read while waiting for another.
    pending: Vec<Value>,
    next_id: i64,
}

impl Lsp {
    /// Starts `lox lsp` and initializes it.
    pub fn start() -> Lsp {
        let mut lsp = Lsp::spawn();
        let response = lsp.request("initialize", json!({"capabilities": {}}));
        assert!(response["result"]["capabilities"].is_object(), "{response}");
        lsp.notify("initialized", json!({}));
        lsp
    }

    /// Starts `lox lsp` without initializing it.
    pub fn spawn() -> Lsp {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lox"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("lox lsp starts");
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_frame(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Lsp {
            child,
            stdin: Some(stdin),
            messages: rx,
            pending: Vec::new(),
            next_id: 1,
        }
    }

    /// Writes bytes as they are.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("the input is open");
        stdin.write_all(bytes).expect("lox lsp reads");
        stdin.flush().expect("lox lsp reads");
    }

    /// Writes one framed message.
    pub fn send(&mut self, message: &Value) {
        let body = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    /// Sends a request and returns its response (the whole object).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(|m| m["id"] == json!(id) && m.get("method").is_none())
    }

    /// Sends a request and returns its result, which must not be an error.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let response = self.request(method, params);
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message that satisfies `wanted` (others are kept for later).
    pub fn wait(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(at) = self.pending.iter().position(&wanted) {
            return self.pending.remove(at);
        }
        loop {
            let message = self
                .messages
                .recv_timeout(PATIENCE)
                .expect("lox lsp answers in time");
            if wanted(&message) {
                return message;
            }
            self.pending.push(message);
        }
    }

    /// The next diagnostics published for a document.
    pub fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let message = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        message["params"]["diagnostics"]
            .as_array()
            .expect("a list")
            .clone()
    }

    /// Opens a document and returns its first diagnostics.
    pub fn open(&mut self, uri: &str, text: &str) -> Vec<Value> {
        let language = if uri.ends_with(".potato") {
            "potato"
        } else {
            "lox"
        };
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
        );
        self.diagnostics(uri)
    }

    /// Shuts the server down and waits for it to exit.
    pub fn finish(mut self) -> ExitStatus {
        assert_eq!(self.call("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        self.wait_exit()
    }

    pub fn wait_exit(&mut self) -> ExitStatus {
        for _ in 0..300 {
            if let Some(status) = self.child.try_wait().expect("waits") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        panic!("lox lsp did not exit");
    }
}

impl Drop for Lsp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads one framed message; `None` at the end of the stream.
fn read_frame(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn at(uri: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
}

fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}})
}

/// The program most tests ask about; the comments give 0-based line numbers.
pub const PROGRAM: &str = "\
var greeting = \"hi\";
fun makeCounter() {
  var count = 0;
  fun increment() {
    count = count + 1;
    return count;
  }
  return increment;
}
fun add(a, b) {
  return a + b;
}
class Circle {
  init(radius) {
    this.radius = radius;
  }
  area() {
    return 3.14 * this.radius * this.radius;
  }
}
fun main() {
  var i = 1;
  {
    var i = 2;
    print i;
  }
  print add(i, 2);
  print Circle(2).area();
}
main();
print greeting;
";
// Lines: 0 greeting, 1 makeCounter, 2 count, 3 increment, 4 count = count + 1,
// 5 return count, 9 add, 10 a + b, 12 Circle, 13 init, 16 area, 20 main, 21 outer i,
// 23 inner i, 24 print i, 26 add(i, 2), 27 Circle(2).area().

const URI: &str = "file:///tmp/program.lox";

fn hover_text(lsp: &mut Lsp, line: u32, character: u32) -> String {
    let result = lsp.call("textDocument/hover", at(URI, line, character));
    result["contents"]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("no hover at {line}:{character}: {result}"))
        .to_string()
}

#[test]
fn initialize_announces_the_features_and_comes_first() {
    let mut lsp = Lsp::spawn();
    let early = lsp.request("textDocument/hover", at(URI, 0, 0));
    assert_eq!(early["error"]["code"], -32002, "{early}");
    let response = lsp.request("initialize", json!({"capabilities": {}}));
    let capabilities = &response["result"]["capabilities"];
    assert_eq!(capabilities["positionEncoding"], "utf-16");
    assert_eq!(capabilities["textDocumentSync"]["change"], 1);
    for feature in [
        "hoverProvider",
        "definitionProvider",
        "referencesProvider",
        "documentHighlightProvider",
        "documentSymbolProvider",
        "renameProvider",
        "completionProvider",
        "signatureHelpProvider",
        "semanticTokensProvider",
    ] {
        assert!(
            !capabilities[feature].is_null(),
            "{feature}: {capabilities}"
        );
    }
    let again = lsp.request("initialize", json!({"capabilities": {}}));
    assert_eq!(again["error"]["code"], -32600, "{again}");
    assert!(lsp.finish().success());
}

#[test]
fn diagnostics_follow_the_text_as_it_changes() {
    let mut lsp = Lsp::start();
    let uri = "file:///tmp/changing.lox";
    let errors = lsp.open(uri, "var a = 1\nprint a;\n");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0]["message"],
        "Expect ';' after variable declaration."
    );
    assert_eq!(errors[0]["severity"], 1);
    assert_eq!(errors[0]["range"]["start"]["line"], 1);
    let change = |lsp: &mut Lsp, version: i32, text: &str| {
        lsp.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
        lsp.diagnostics(uri)
    };
    let warnings = change(&mut lsp, 2, "fun f() { var unused = 1; }\n");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["severity"], 2);
    assert_eq!(warnings[0]["code"], "unused-variable");
    assert_eq!(warnings[0]["range"], range(0, 14, 0, 20));
    assert_eq!(change(&mut lsp, 3, "print 1;\n"), Vec::<Value>::new());
    // An incremental change (which the server does not ask for) is applied too.
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [
            {"range": range(0, 6, 0, 7), "text": "nil + 1"}
        ]}),
    );
    let after = lsp.diagnostics(uri);
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["code"], "operand-types");
    lsp.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(lsp.diagnostics(uri), Vec::<Value>::new());
    assert!(lsp.finish().success());
}

#[test]
fn hover_says_what_a_name_is_and_where_it_lives() {
    let mut lsp = Lsp::start();
    lsp.open(URI, PROGRAM);
    // (line, character, what the hover must start with)
    let cases = [
        (21, 6, "local `i`, slot 1 of `main`"),
        (24, 10, "local `i`, slot 2 of `main`"),
        (4, 4, "upvalue `count` captured from `makeCounter`"),
        (
            2,
            6,
            "local `count`, slot 1 of `makeCounter`, captured by a closure",
        ),
        (26, 8, "global function `add(a, b)`"),
        (10, 9, "parameter `a` of `add`, slot 1"),
        (27, 18, "method `area()` of class `Circle`"),
        (27, 8, "global class `Circle`"),
        (14, 9, "field `radius`"),
        (0, 5, "global variable `greeting`, global slot 0"),
    ];
    for (line, character, expected) in cases {
        let text = hover_text(&mut lsp, line, character);
        assert!(text.starts_with(expected), "{line}:{character}: {text}");
    }
    assert_eq!(lsp.call("textDocument/hover", at(URI, 19, 0)), Value::Null);
    assert!(lsp.finish().success());
}

#[test]
fn definition_references_and_highlight_respect_scopes() {
    let mut lsp = Lsp::start();
    lsp.open(URI, PROGRAM);
    let location = |r: Value| json!({"uri": URI, "range": r});
    // The inner `i` goes to the inner declaration, the outer one to the outer.
    let inner = lsp.call("textDocument/definition", at(URI, 24, 10));
    assert_eq!(inner, json!([location(range(23, 8, 23, 9))]));
    let outer = lsp.call("textDocument/definition", at(URI, 26, 12));
    assert_eq!(outer, json!([location(range(21, 6, 21, 7))]));
    // A use before the declaration in the text, of a global: still found.
    let main = lsp.call("textDocument/definition", at(URI, 29, 0));
    assert_eq!(main, json!([location(range(20, 4, 20, 8))]));
    // A method call goes to the method.
    let area = lsp.call("textDocument/definition", at(URI, 27, 19));
    assert_eq!(area, json!([location(range(16, 2, 16, 6))]));
    let mut params = at(URI, 21, 6);
    params["context"] = json!({"includeDeclaration": true});
    let references = lsp.call("textDocument/references", params.clone());
    assert_eq!(
        references,
        json!([
            location(range(21, 6, 21, 7)),
            location(range(26, 12, 26, 13))
        ])
    );
    params["context"] = json!({"includeDeclaration": false});
    let uses = lsp.call("textDocument/references", params);
    assert_eq!(uses, json!([location(range(26, 12, 26, 13))]));
    // Highlights: 3 for writes (and the declaration), 2 for reads.
    let highlights = lsp.call("textDocument/documentHighlight", at(URI, 4, 12));
    assert_eq!(
        highlights,
        json!([
            {"range": range(2, 6, 2, 11), "kind": 3},
            {"range": range(4, 4, 4, 9), "kind": 3},
            {"range": range(4, 12, 4, 17), "kind": 2},
            {"range": range(5, 11, 5, 16), "kind": 2},
        ])
    );
    assert!(lsp.finish().success());
}

#[test]
fn rename_changes_one_variable_and_refuses_bad_names() {
    let mut lsp = Lsp::start();
    lsp.open(URI, PROGRAM);
    let rename = |lsp: &mut Lsp, line, character, name: &str| {
        let mut params = at(URI, line, character);
        params["newName"] = json!(name);
        lsp.request("textDocument/rename", params)
    };
    let edit = |r: Value, text: &str| json!({"range": r, "newText": text});
    // The outer `i`: its declaration and its one use, not the shadowing inner `i`.
    let outer = rename(&mut lsp, 26, 12, "total");
    assert_eq!(
        outer["result"]["changes"][URI],
        json!([
            edit(range(21, 6, 21, 7), "total"),
            edit(range(26, 12, 26, 13), "total")
        ])
    );
    // A parameter: in its function only (`a` of `add`).
    let param = rename(&mut lsp, 9, 8, "x");
    assert_eq!(
        param["result"]["changes"][URI],
        json!([
            edit(range(9, 8, 9, 9), "x"),
            edit(range(10, 9, 10, 10), "x")
        ])
    );
    for bad in ["1x", "class", "two words", ""] {
        let refused = rename(&mut lsp, 26, 12, bad);
        assert_eq!(refused["error"]["code"], -32803, "{bad:?}: {refused}");
    }
    let prepared = lsp.call("textDocument/prepareRename", at(URI, 26, 8));
    assert_eq!(prepared, range(26, 8, 26, 11));
    let init = lsp.request("textDocument/prepareRename", at(URI, 13, 3));
    assert_eq!(init["error"]["code"], -32803, "{init}");
    assert!(lsp.finish().success());
}

#[test]
fn document_symbols_list_classes_functions_and_globals() {
    let mut lsp = Lsp::start();
    lsp.open(URI, PROGRAM);
    let symbols = lsp.call(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": URI}}),
    );
    let outline: Vec<(String, u64, Vec<String>)> = symbols
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| {
            let children = s["children"]
                .as_array()
                .map(|c| {
                    c.iter()
                        .map(|c| c["name"].as_str().unwrap_or("").to_string())
                        .collect()
                })
                .unwrap_or_default();
            (
                s["name"].as_str().unwrap_or("").to_string(),
                s["kind"].as_u64().unwrap_or(0),
                children,
            )
        })
        .collect();
    let own = |s: &str| s.to_string();
    assert_eq!(
        outline,
        vec![
            (own("greeting"), 13, vec![]),
            (own("makeCounter"), 12, vec![]),
            (own("add"), 12, vec![]),
            (own("Circle"), 5, vec![own("init"), own("area")]),
            (own("main"), 12, vec![]),
        ]
    );
    assert!(lsp.finish().success());
}

#[test]
fn document_symbols_cover_whole_declarations_and_select_their_names() {
    let mut lsp = Lsp::start();
    lsp.open(URI, PROGRAM);
    let symbols = lsp.call(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": URI}}),
    );
    let spans = |s: &Value| {
        (
            s["name"].clone(),
            s["range"].clone(),
            s["selectionRange"].clone(),
        )
    };
    let top: Vec<_> = symbols
        .as_array()
        .expect("a list")
        .iter()
        .map(spans)
        .collect();
    assert_eq!(
        top,
        vec![
            // The `var` statement, to its `;`.
            (json!("greeting"), range(0, 0, 0, 20), range(0, 4, 0, 12)),
            // Functions and classes from their keyword to their closing brace.
            (json!("makeCounter"), range(1, 0, 8, 1), range(1, 4, 1, 15)),
            (json!("add"), range(9, 0, 11, 1), range(9, 4, 9, 7)),
            (json!("Circle"), range(12, 0, 19, 1), range(12, 6, 12, 12)),
            (json!("main"), range(20, 0, 28, 1), range(20, 4, 20, 8)),
        ]
    );
    // Methods from their name to their closing brace.
    let methods: Vec<_> = symbols[3]["children"]
        .as_array()
        .expect("methods")
        .iter()
        .map(spans)
        .collect();
    assert_eq!(
        methods,
        vec![
            (json!("init"), range(13, 2, 15, 3), range(13, 2, 13, 6)),
            (json!("area"), range(16, 2, 18, 3), range(16, 2, 16, 6)),
        ]
    );
    // A declaration whose `;` is missing ends before what follows it.
    let uri = "file:///tmp/unfinished.lox";
    lsp.open(uri, "var a = (1 +\n 2)\nvar b = 3;\n");
    let symbols = lsp.call(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(symbols[0]["selectionRange"], range(0, 4, 0, 5), "{symbols}");
    let end = &symbols[0]["range"]["end"];
    assert!(end["line"].as_u64() <= Some(2), "{symbols}");
    assert!(lsp.finish().success());
}

/// A program with `this` and `super`, in methods and in a function nested in one.
const RECEIVERS: &str = "\
class A {
  greet() { return \"A\"; }
}
class B < A {
  init(n) {
    this.n = n;
  }
  greet() {
    fun inner() { return this.n; }
    return super.greet() + inner();
  }
}
print this;
";

#[test]
fn hover_on_this_and_super_names_the_instance_and_the_superclass() {
    let mut lsp = Lsp::start();
    let uri = "file:///tmp/receivers.lox";
    let diagnostics = lsp.open(uri, RECEIVERS);
    // `this` outside a class is an error; the rest compiles.
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let hover =
        |lsp: &mut Lsp, line, character| lsp.call("textDocument/hover", at(uri, line, character));
    let this_in_init = hover(&mut lsp, 5, 5);
    assert_eq!(
        this_in_init["contents"]["value"],
        "`this`: the instance of class `B` that method `init(n)` runs on (slot 0 of `init`)"
    );
    assert_eq!(this_in_init["range"], range(5, 4, 5, 8));
    let this_in_closure = hover(&mut lsp, 8, 26);
    assert_eq!(
        this_in_closure["contents"]["value"],
        "`this`: the instance of class `B` that method `greet()` runs on \
         (upvalue 0 of `inner`, captured from `greet`)"
    );
    let super_call = hover(&mut lsp, 9, 12);
    assert_eq!(
        super_call["contents"]["value"],
        "`super`: the superclass `A` of class `B`; `super.name` finds `A`'s method and \
         binds it to `this` (the hidden variable `super`, upvalue 0 of `greet`, captured \
         from `script`)"
    );
    assert_eq!(super_call["range"], range(9, 11, 9, 16));
    // Keywords, not names: nothing to rename or find.
    let rename = lsp.request("textDocument/prepareRename", at(uri, 5, 5));
    assert_eq!(rename["error"]["code"], -32803, "{rename}");
    let definition = lsp.call("textDocument/definition", at(uri, 9, 12));
    assert_eq!(definition, json!([]));
    // `this` outside any method.
    let outside = hover(&mut lsp, 12, 7);
    assert_eq!(outside["contents"]["value"], "`this`, outside any method");
    assert!(lsp.finish().success());
}

/// Two classes with a method of the same name, and a variable of that name.
const PROPERTIES: &str = "\
class Cat { speak() { return this.sound; } init() { this.sound = \"meow\"; } }
class Dog { speak() { return \"woof\"; } }
var pet = Cat();
print pet.speak();
var speak = \"a variable\";
print speak + pet.sound;
";

#[test]
fn rename_of_a_property_covers_that_name_on_every_object_and_nothing_else() {
    let mut lsp = Lsp::start();
    let uri = "file:///tmp/properties.lox";
    lsp.open(uri, PROPERTIES);
    let rename = |lsp: &mut Lsp, line, character, name: &str| {
        let mut params = at(uri, line, character);
        params["newName"] = json!(name);
        lsp.call("textDocument/rename", params)["changes"][uri].clone()
    };
    let edit = |r: Value| json!({"range": r, "newText": "talk"});
    // A method called through a variable: every method and every `.speak` in the
    // file (the object is not known before the program runs), never the variable.
    let expected = json!([
        edit(range(0, 12, 0, 17)),
        edit(range(1, 12, 1, 17)),
        edit(range(3, 10, 3, 15)),
    ]);
    assert_eq!(rename(&mut lsp, 3, 11, "talk"), expected);
    assert_eq!(rename(&mut lsp, 1, 13, "talk"), expected);
    // A field: `this.sound` in the class and `pet.sound` outside alike.
    let edit = |r: Value| json!({"range": r, "newText": "noise"});
    assert_eq!(
        rename(&mut lsp, 0, 36, "noise"),
        json!([
            edit(range(0, 34, 0, 39)),
            edit(range(0, 57, 0, 62)),
            edit(range(5, 18, 5, 23)),
        ])
    );
    // The variable `speak` stays a variable.
    let edit = |r: Value| json!({"range": r, "newText": "said"});
    assert_eq!(
        rename(&mut lsp, 5, 7, "said"),
        json!([edit(range(4, 4, 4, 9)), edit(range(5, 6, 5, 11))])
    );
    assert!(lsp.finish().success());
}

#[test]
fn completion_offers_the_names_in_scope_and_the_keywords() {
    let mut lsp = Lsp::start();
    lsp.open(URI, PROGRAM);
    let labels = |result: Value| -> Vec<String> {
        result["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["label"].as_str().unwrap_or("").to_string())
            .collect()
    };
    // Inside `main`, after its block.
    let inside_main = labels(lsp.call("textDocument/completion", at(URI, 26, 2)));
    for name in [
        "i",
        "add",
        "Circle",
        "main",
        "makeCounter",
        "greeting",
        "clock",
        "while",
        "fun",
    ] {
        assert!(
            inside_main.iter().any(|l| l == name),
            "{name}: {inside_main:?}"
        );
    }
    for name in ["count", "a", "radius", "increment"] {
        assert!(
            !inside_main.iter().any(|l| l == name),
            "{name}: {inside_main:?}"
        );
    }
    assert_eq!(inside_main.iter().filter(|l| *l == "i").count(), 1);
    // Inside `increment`: the captured `count` and the function itself.
    let inside_increment = labels(lsp.call("textDocument/completion", at(URI, 5, 4)));
    for name in ["count", "increment", "makeCounter"] {
        assert!(
            inside_increment.iter().any(|l| l == name),
            "{name}: {inside_increment:?}"
        );
    }
    // After a dot: the properties the program uses.
    let after_dot = labels(lsp.call("textDocument/completion", at(URI, 27, 18)));
    assert!(
        after_dot.contains(&"area".to_string()) && after_dot.contains(&"radius".to_string()),
        "{after_dot:?}"
    );
    assert!(!after_dot.contains(&"while".to_string()));
    assert!(lsp.finish().success());
}

#[test]
fn signature_help_follows_the_argument_being_typed() {
    let mut lsp = Lsp::start();
    let uri = "file:///tmp/typing.lox";
    lsp.open(uri, "fun add(a, b) { return a + b; }\nadd(1, \n");
    let help = lsp.call("textDocument/signatureHelp", at(uri, 1, 4));
    assert_eq!(help["signatures"][0]["label"], "add(a, b)");
    assert_eq!(
        help["signatures"][0]["parameters"],
        json!([{"label": "a"}, {"label": "b"}])
    );
    assert_eq!(help["activeParameter"], 0);
    let second = lsp.call("textDocument/signatureHelp", at(uri, 1, 7));
    assert_eq!(second["activeParameter"], 1);
    let outside = lsp.call("textDocument/signatureHelp", at(uri, 0, 2));
    assert_eq!(outside, Value::Null);
    lsp.open(URI, PROGRAM);
    let class = lsp.call("textDocument/signatureHelp", at(URI, 27, 15));
    assert_eq!(class["signatures"][0]["label"], "Circle(radius)");
    assert!(lsp.finish().success());
}

#[test]
fn semantic_tokens_classify_every_word() {
    let mut lsp = Lsp::start();
    let uri = "file:///tmp/tokens.lox";
    let text = "// note\nfun f(p) {\n  var s = \"a\nb\";\n  return p + 1;\n}\nprint clock();\n";
    lsp.open(uri, text);
    let response = lsp.call(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri}}),
    );
    let data: Vec<u64> = response["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|n| n.as_u64().expect("a number"))
        .collect();
    assert_eq!(data.len() % 5, 0);
    // Decode to (line, character, length, type, modifiers).
    let (mut line, mut character) = (0, 0);
    let mut tokens = Vec::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            character = 0;
        }
        line += t[0];
        character += t[1];
        tokens.push((line, character, t[2], t[3], t[4]));
    }
    // Types: 0 keyword, 1 string, 2 number, 3 operator, 4 comment, 5 variable,
    // 6 parameter, 7 function. Modifiers: 1 declaration, 2 default library.
    let expected = [
        (0, 0, 7, 4, 0),
        (1, 0, 3, 0, 0),
        (1, 4, 1, 7, 1),
        (1, 6, 1, 6, 1),
        (2, 2, 3, 0, 0),
        (2, 6, 1, 5, 1),
        (2, 8, 1, 3, 0),
        // The string runs over two lines: one token per line.
        (2, 10, 2, 1, 0),
        (3, 0, 2, 1, 0),
        (4, 2, 6, 0, 0),
        (4, 9, 1, 6, 0),
        (4, 11, 1, 3, 0),
        (4, 13, 1, 2, 0),
        (6, 0, 5, 0, 0),
        (6, 6, 5, 7, 2),
    ];
    assert_eq!(tokens, expected);
    assert!(lsp.finish().success());
}

#[test]
fn positions_are_utf16_in_potato_too() {
    let mut lsp = Lsp::start();
    let uri = "file:///tmp/bees.potato";
    let text = "🐝 is \"bumble\"\nbuzz (x) say x\nbuzz (🐝)\n";
    assert_eq!(lsp.open(uri, text), Vec::<Value>::new());
    // The bee is two UTF-16 units; a position inside it means the bee.
    for character in [6, 7] {
        let definition = lsp.call("textDocument/definition", at(uri, 2, character));
        assert_eq!(
            definition,
            json!([{"uri": uri, "range": range(0, 0, 0, 2)}])
        );
    }
    let hover = lsp.call("textDocument/hover", at(uri, 2, 6));
    assert_eq!(hover["range"], range(2, 6, 2, 8));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .starts_with("global variable `🐝`")
    );
    let signature = lsp.call("textDocument/signatureHelp", at(uri, 2, 6));
    assert_eq!(signature["signatures"][0]["label"], "buzz(x)");
    let mut params = at(uri, 0, 0);
    params["newName"] = json!("🌻");
    let renamed = lsp.call("textDocument/rename", params);
    assert_eq!(
        renamed["changes"][uri],
        json!([
            {"range": range(0, 0, 0, 2), "newText": "🌻"},
            {"range": range(2, 6, 2, 8), "newText": "🌻"},
        ])
    );
    assert!(lsp.finish().success());
}

#[test]
fn malformed_messages_get_error_responses_and_the_session_goes_on() {
    let mut lsp = Lsp::start();
    lsp.open(URI, PROGRAM);
    let error_for = |lsp: &mut Lsp, raw: &[u8]| {
        lsp.send_raw(raw);
        lsp.wait(|m| m.get("error").is_some() && m["id"].is_null())
    };
    let body = "{oops";
    let not_json = error_for(
        &mut lsp,
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes(),
    );
    assert_eq!(not_json["error"]["code"], -32700);
    let no_length = error_for(&mut lsp, b"Content-Type: nothing\r\n\r\n");
    assert_eq!(no_length["error"]["code"], -32700);
    let bad_length = error_for(&mut lsp, b"Content-Length: lots\r\n\r\n");
    assert_eq!(bad_length["error"]["code"], -32700);
    for body in [
        json!([1, 2]),
        json!({"jsonrpc": "2.0", "id": {"no": 1}, "method": "textDocument/hover"}),
        json!({"jsonrpc": "2.0", "id": null}),
        json!(17),
    ] {
        let text = body.to_string();
        let invalid = error_for(
            &mut lsp,
            format!("Content-Length: {}\r\n\r\n{text}", text.len()).as_bytes(),
        );
        assert_eq!(invalid["error"]["code"], -32600, "{body}");
    }
    let unknown = lsp.request("textDocument/teleport", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    for params in [
        json!({"textDocument": 5}),
        json!(null),
        json!({"textDocument": {"uri": URI}, "position": {"line": -1, "character": 0}}),
        at("file:///tmp/never-opened.lox", 0, 0),
    ] {
        let bad = lsp.request("textDocument/hover", params.clone());
        assert_eq!(bad["error"]["code"], -32602, "{params}: {bad}");
    }
    // Positions far outside the text are clamped, never a crash.
    for (line, character) in [(0, 999_999), (999_999, 0), (u32::MAX, u32::MAX)] {
        for method in [
            "textDocument/hover",
            "textDocument/definition",
            "textDocument/completion",
            "textDocument/signatureHelp",
            "textDocument/documentHighlight",
        ] {
            let response = lsp.request(method, at(URI, line, character));
            assert!(response.get("error").is_none(), "{method}: {response}");
        }
    }
    // A notification of unknown method and a malformed one are ignored.
    lsp.notify("$/cancelRequest", json!({"id": 1}));
    lsp.notify("textDocument/didChange", json!({"nonsense": true}));
    // Still answering.
    assert!(hover_text(&mut lsp, 26, 8).starts_with("global function"));
    assert!(lsp.finish().success());
}

#[test]
fn requests_after_shutdown_fail_and_exit_without_it_is_an_error() {
    let mut lsp = Lsp::start();
    assert_eq!(lsp.call("shutdown", Value::Null), Value::Null);
    let late = lsp.request("textDocument/hover", at(URI, 0, 0));
    assert_eq!(late["error"]["code"], -32600);
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait_exit().code(), Some(0));

    let mut abrupt = Lsp::start();
    abrupt.notify("exit", Value::Null);
    assert_eq!(abrupt.wait_exit().code(), Some(1));

    // The end of the input ends the server.
    let mut closed = Lsp::start();
    closed.stdin = None;
    assert_eq!(closed.wait_exit().code(), Some(1));
}

#[test]
fn the_vscode_extension_is_whole() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode");
    let read = |path: &str| -> Value {
        let text =
            std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let manifest = read("package.json");
    let main = manifest["main"].as_str().expect("a main script");
    assert!(root.join(main).is_file(), "{main}");
    let contributes = &manifest["contributes"];
    let mut ids = Vec::new();
    for language in contributes["languages"].as_array().expect("languages") {
        ids.push(language["id"].as_str().expect("an id").to_string());
        read(language["configuration"].as_str().expect("a configuration"));
    }
    assert_eq!(ids, ["lox", "potato"]);
    for grammar in contributes["grammars"].as_array().expect("grammars") {
        let path = grammar["path"].as_str().expect("a path");
        let syntax = read(path);
        assert_eq!(syntax["scopeName"], grammar["scopeName"], "{path}");
        // Every keyword of the language is highlighted by its grammar.
        let lang = if grammar["language"] == "lox" {
            loxide::Lang::Lox
        } else {
            loxide::Lang::Potato
        };
        let text = syntax.to_string();
        for keyword in loxide_ide::text::keywords(lang) {
            let escaped = keyword.replace('?', "\\\\?");
            assert!(text.contains(&escaped), "{path}: {keyword}");
        }
    }
    let client = std::fs::read_to_string(root.join(main)).expect("reads");
    assert!(
        client.contains("args: ['lsp']"),
        "the client starts `lox lsp`"
    );
}

/// Random ranged edits through the protocol, with multi-byte characters and positions
/// anywhere (inside surrogate pairs, past line ends, past the last line): every edit is
/// analysed and published, every request answered without an error.
#[test]
fn random_edits_through_the_protocol_are_always_answered() {
    let mut lsp = Lsp::start();
    let uri = "file:///tmp/edited.lox";
    lsp.open(uri, PROGRAM);
    let mut state: u64 = 0x1234_5678_9abc_def1;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n.max(1)
    };
    const TEXTS: &[&str] = &[
        "", "x", "🐝", "é\n", "(", "}", "fun g(", "\"", "\n\n", "var ", "1 + nil",
    ];
    for version in 2..202 {
        let (l1, c1) = (next(40) as u32, next(30) as u32);
        let (l2, c2) = (l1 + next(3) as u32, next(30) as u32);
        let text = TEXTS[next(TEXTS.len() as u64) as usize];
        lsp.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"range": range(l1, c1, l2, c2), "text": text}]}),
        );
        let published = lsp.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == version
        });
        assert!(published["params"]["diagnostics"].is_array());
        let (line, character) = (next(45) as u32, next(40) as u32);
        let method = [
            "textDocument/hover",
            "textDocument/definition",
            "textDocument/completion",
            "textDocument/signatureHelp",
            "textDocument/documentHighlight",
        ][next(5) as usize];
        let response = lsp.request(method, at(uri, line, character));
        assert!(
            response.get("error").is_none(),
            "{method} {line}:{character}: {response}"
        );
        if version % 20 == 0 {
            lsp.call(
                "textDocument/semanticTokens/full",
                json!({"textDocument": {"uri": uri}}),
            );
            lsp.call(
                "textDocument/documentSymbol",
                json!({"textDocument": {"uri": uri}}),
            );
        }
    }
    assert!(lsp.finish().success());
}

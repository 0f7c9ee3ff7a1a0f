//! `lox playground`'s server and API, over real HTTP: the page and its files, each API
//! call, and hostile requests (endless loops, allocation bombs, deep recursion, floods
//! of output, oversized and malformed bodies, more runs at once than the server
//! takes), after which the server must still answer. Also `lox trace`'s golden files
//! (`tests/golden/NAME.trace.txt`, blessed with `LOX_BLESS=1`).
//!
//! The server is the `lox` binary itself, started on a free port (`--port 0`), which
//! it prints on its first line. Requests go through the test kit's small HTTP/1.1
//! client (one request per connection), so the tests need no HTTP library. A short
//! load test runs the test kit's `load` mix; the page itself is tested in headless
//! Chromium when `LOX_BROWSER_TESTS=1` (which `.ci/run` sets).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use loxide_testkit::{http, load};
use serde_json::{Value, json};

/// A running `lox playground`, stopped when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
}

impl Server {
    /// Starts `lox playground --port 0` and reads the address it listens on.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts `lox playground --port 0` with more options.
    pub fn start_with(options: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lox"))
            .args(["playground", "--port", "0"])
            .args(options)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("lox playground starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("the server prints its address");
        let address = line
            .trim()
            .strip_prefix("lox playground: listening on http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Server { child, address }
    }

    /// Sends one request; returns the status and the body.
    pub fn request(&self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        http::request(&self.address, method, path, body, Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// POSTs JSON to an API call; returns the status and the JSON answer.
    pub fn post(&self, call: &str, body: &Value) -> (u16, Value) {
        let (status, body) =
            self.request("POST", &format!("/api/{call}"), body.to_string().as_bytes());
        let value = serde_json::from_slice(&body).unwrap_or_else(|e| {
            panic!("{call}: not JSON ({e}): {}", String::from_utf8_lossy(&body))
        });
        (status, value)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn program(source: &str) -> Value {
    json!({ "source": source })
}

#[test]
fn the_page_and_its_files_are_served_from_the_binary() {
    let server = Server::start();
    let (status, page) = server.request("GET", "/", b"");
    assert_eq!(status, 200);
    let page = String::from_utf8_lossy(&page);
    assert!(page.contains("/assets/app.js"), "{page}");
    assert!(page.contains("/assets/app.css"), "{page}");
    for file in ["app.js", "app.css"] {
        let (status, body) = server.request("GET", &format!("/assets/{file}"), b"");
        assert_eq!(status, 200, "{file}");
        assert!(body.len() > 1000, "{file} is {} bytes", body.len());
    }
    assert_eq!(server.request("GET", "/assets/nothing.js", b"").0, 404);
    let (status, limits) = server.request("GET", "/api/limits", b"");
    assert_eq!(status, 200);
    let limits: Value = serde_json::from_slice(&limits).expect("JSON limits");
    assert_eq!(limits["max_trace_steps"], 100_000);
    assert_eq!(limits["request_timeout_ms"], 10_000);
    assert_eq!(limits["client_runs"], 2);
    assert_eq!(limits["client_connections"], 16);
}

#[test]
fn run_answers_with_the_output_and_the_runtime_error() {
    let server = Server::start();
    let (status, answer) = server.post("run", &program("print 1 + 2;\nprint \"a\" + 1;\n"));
    assert_eq!(status, 200);
    assert_eq!(answer["output"], "3\n");
    assert_eq!(answer["diagnostics"], json!([]));
    let error = &answer["error"];
    assert_eq!(
        error["message"],
        "Operands must be two numbers or two strings."
    );
    assert_eq!(error["line"], 2);
    assert_eq!(error["trace"], json!([{"line": 2, "function": null}]));

    let potato = json!({"source": "bumble is \"honey\"\nsay bumble\n", "lang": "potato"});
    let (status, answer) = server.post("run", &potato);
    assert_eq!(status, 200);
    assert_eq!(answer["output"], "honey\n", "{answer}");
}

#[test]
fn compile_errors_come_as_the_json_diagnostics() {
    let server = Server::start();
    for call in ["compile", "run", "trace", "snapshot"] {
        let (status, answer) = server.post(call, &program("var x = 1;\nprint x +;\n"));
        assert_eq!(status, 200, "{call}");
        let diagnostics = answer["diagnostics"].as_array().expect("diagnostics");
        assert_eq!(diagnostics.len(), 1, "{call}: {answer}");
        assert_eq!(diagnostics[0]["line"], 2);
        assert_eq!(diagnostics[0]["columns"], json!([10, 11]));
        assert_eq!(diagnostics[0]["message"], "Expect expression.");
    }
}

#[test]
fn compile_shows_every_stage_with_source_lines() {
    let server = Server::start();
    let source = "fun add(a, b) {\n  return a + b;\n}\nprint add(1, 2);\n";
    let (status, answer) = server.post("compile", &program(source));
    assert_eq!(status, 200);
    for stage in ["tokens", "ast", "desugared", "scopes", "ir", "bytecode"] {
        let items = answer["stages"][stage]
            .as_array()
            .unwrap_or_else(|| panic!("{stage}"));
        assert!(!items.is_empty(), "{stage}");
        assert!(
            items.iter().all(|i| i["text"].is_string()
                && i["line"].is_u64()
                && (i["span"].is_null() || i["span"].is_array())),
            "{stage}"
        );
    }
    let lines_of = |stage: &str, needle: &str| -> Vec<u64> {
        answer["stages"][stage]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["text"].as_str().unwrap().contains(needle))
            .map(|i| i["line"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(lines_of("ast", "PLUS"), [2]);
    assert_eq!(
        lines_of("ir", "    add "),
        [2],
        "{}",
        answer["stages"]["ir"]
    );
    assert_eq!(lines_of("bytecode", "OP_ADD"), [2]);
    assert_eq!(lines_of("tokens", "PLUS"), [2]);
    // The bytecode pane has the hex bytes.
    assert!(answer["stages"]["bytecode"].to_string().contains("OP_ADD"));
}

/// Each stage item's `span` (bytes of the source, or null) slices what it came from.
#[test]
fn compile_gives_stage_items_their_source_spans() {
    let server = Server::start();
    // Non-ASCII text before the code: spans are bytes, not characters.
    let source = "// süß\nfun add(a, b) {\n  return a + b;\n}\nprint add(1, 2);\n";
    let (status, answer) = server.post("compile", &program(source));
    assert_eq!(status, 200);
    let slice = |stage: &str, needle: &str| -> Option<&str> {
        let item = answer["stages"][stage]
            .as_array()
            .unwrap_or_else(|| panic!("{stage}"))
            .iter()
            .find(|i| i["text"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("{stage}: no {needle}"));
        match &item["span"] {
            Value::Null => None,
            span => {
                let start = span[0].as_u64().expect("start") as usize;
                let end = span[1].as_u64().expect("end") as usize;
                Some(&source[start..end])
            }
        }
    };
    assert_eq!(slice("tokens", "PRINT"), Some("print"));
    assert_eq!(slice("tokens", "IDENTIFIER     b"), Some("b"));
    assert_eq!(slice("tokens", "EOF"), None);
    assert_eq!(slice("ast", "PLUS"), Some("a + b"));
    assert_eq!(slice("ast", "CALL"), Some("add(1, 2)"));
    assert_eq!(slice("ast", "RETURN"), Some("return a + b"));
    assert_eq!(slice("desugared", "PLUS"), Some("a + b"));
    assert_eq!(slice("scopes", "@a"), Some("a"));
    assert_eq!(slice("ir", "    add "), Some("+"));
    assert_eq!(slice("ir", "constant 1"), None);
    assert_eq!(slice("bytecode", "OP_ADD"), Some("+"));
    assert_eq!(slice("bytecode", "OP_CALL"), Some("add(1, 2)"));
    // An instruction that cannot fail has no span: the page falls back to its line.
    assert_eq!(slice("bytecode", "OP_CONSTANT"), None);
    // Every span of every stage lies within the source, on character boundaries.
    for stage in ["tokens", "ast", "desugared", "scopes", "ir", "bytecode"] {
        for item in answer["stages"][stage].as_array().unwrap() {
            if let Some(span) = item["span"].as_array() {
                let (start, end) = (span[0].as_u64().unwrap(), span[1].as_u64().unwrap());
                assert!(
                    start < end && source.get(start as usize..end as usize).is_some(),
                    "{stage}: {item}"
                );
            } else {
                assert!(item["span"].is_null(), "{stage}: {item}");
            }
        }
    }

    // Potato's items have spans too, spelled as Potato spells them.
    let bee = "bumble is \"honey\"\nsay bumble potato \"!\"\n";
    let (_, answer) = server.post("compile", &json!({"source": bee, "lang": "potato"}));
    let potato = answer["stages"]["ast"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["text"].as_str().unwrap().contains("POTATO"))
        .expect("a POTATO node")["span"]
        .clone();
    let (start, end) = (potato[0].as_u64().unwrap(), potato[1].as_u64().unwrap());
    assert_eq!(&bee[start as usize..end as usize], "bumble potato \"!\"");
}

#[test]
fn trace_and_snapshot_step_through_a_run() {
    let server = Server::start();
    let source = "var a = \"honey\";\nfun f(b) {\n  var c = b + \"!\";\n  print c;\n}\nf(a);\n";
    let (status, answer) = server.post("trace", &program(source));
    assert_eq!(status, 200);
    assert_eq!(answer["output"], "honey!\n");
    assert_eq!(answer["cut_off"], false);
    let steps = answer["steps"].as_array().expect("steps");
    // Every step is [function, offset, line, depth, output bytes before it].
    let in_f: Vec<&Value> = steps.iter().filter(|s| s[0] == 1).collect();
    assert!(!in_f.is_empty());
    assert!(
        in_f.iter()
            .all(|s| s[3] == 2 && (3..=5).contains(&s[2].as_u64().unwrap()))
    );
    assert_eq!(
        steps.last().unwrap()[4],
        7,
        "the output is printed before the end"
    );

    // The state before the first step of `f` that is on line 4: `c` is in its slot.
    let at = steps
        .iter()
        .position(|s| s[0] == 1 && s[2] == 4)
        .expect("a step on line 4");
    let (status, answer) = server.post("snapshot", &json!({"source": source, "step": at}));
    assert_eq!(status, 200);
    let snapshot = &answer["snapshot"];
    let stack: Vec<&str> = snapshot["stack"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["text"].as_str().unwrap())
        .collect();
    assert_eq!(stack, ["<script>", "<fn f>", "\"honey\"", "\"honey!\""]);
    let frames = snapshot["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[1]["name"], "f");
    assert_eq!(frames[1]["base"], 1);
    assert_eq!(frames[1]["line"], 4);
    let globals: Vec<&str> = snapshot["globals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(globals, ["a", "f"]);
    // A string on the stack and in a global is one object.
    let object = snapshot["stack"][2]["object"].as_u64().expect("an object");
    assert_eq!(snapshot["globals"][0]["value"]["object"], object);
    assert_eq!(snapshot["objects"][object as usize]["kind"], "string");

    // Past the end, there is no snapshot.
    let (_, answer) = server.post("snapshot", &json!({"source": source, "step": steps.len()}));
    assert_eq!(answer["snapshot"], Value::Null);
}

#[test]
fn snapshots_draw_instances_closures_and_classes() {
    let server = Server::start();
    let source = "class Bee { init(name) { this.name = name; } }\n\
                  fun make() { var n = 0; fun count() { n = n + 1; return n; } return count; }\n\
                  var bee = Bee(\"bumble\");\nvar counter = make();\nprint bee.name;\n";
    let (_, trace) = server.post("trace", &program(source));
    let last = trace["steps"].as_array().unwrap().len() - 1;
    let (_, answer) = server.post("snapshot", &json!({"source": source, "step": last}));
    let snapshot = &answer["snapshot"];
    let objects = snapshot["objects"].as_array().unwrap();
    let global = |name: &str| {
        snapshot["globals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))["value"]["object"]
            .as_u64()
            .unwrap() as usize
    };
    let bee = &objects[global("bee")];
    assert_eq!(bee["kind"], "instance");
    assert_eq!(bee["fields"][1]["name"], "name");
    assert_eq!(bee["fields"][1]["value"]["text"], "\"bumble\"");
    let class = bee["fields"][0]["value"]["object"].as_u64().unwrap() as usize;
    assert_eq!(objects[class]["kind"], "class");
    assert_eq!(objects[class]["fields"][0]["name"], "init");
    let counter = &objects[global("counter")];
    assert_eq!(counter["kind"], "closure");
    assert_eq!(counter["fields"][0]["name"], "^0");
    assert_eq!(counter["fields"][0]["value"]["text"], "0");
}

#[test]
fn a_long_run_is_cut_off_in_the_trace() {
    let server = Server::start();
    let (status, answer) = server.post("trace", &program("while (true) {}"));
    assert_eq!(status, 200);
    assert_eq!(answer["cut_off"], true);
    assert_eq!(answer["error"], Value::Null);
    assert_eq!(answer["steps"].as_array().unwrap().len(), 100_000);
}

#[test]
fn hostile_programs_stop_at_their_limits() {
    let server = Server::start();
    // An endless loop spends its step budget within the time limit in an optimized
    // build; a debug build may reach the time limit first.
    let cases: [(&str, &[&str]); 5] = [
        ("while (true) {}", &["steps", "time"]),
        ("var s = \"ab\"; while (true) s = s + s;", &["heap"]),
        ("fun f() { f(); } f();", &["depth"]),
        ("while (true) print \"flood\";", &["output"]),
        (
            // Each iteration copies the string: few steps, much time.
            "var s = \"x\"; for (var i = 0; i < 100000000; i = i + 1) { s = s + \"x\"; }",
            &["time"],
        ),
    ];
    for (source, limits) in cases {
        let started = Instant::now();
        let (status, answer) = server.post("run", &program(source));
        assert_eq!(status, 200, "{source}");
        let limit = answer["error"]["limit"].as_str().unwrap_or_default();
        assert!(limits.contains(&limit), "{source}: {answer}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{source} took {:?}",
            started.elapsed()
        );
    }
    // And the server still works.
    let (_, answer) = server.post("run", &program("print \"still here\";"));
    assert_eq!(answer["output"], "still here\n");
}

#[test]
fn malformed_and_oversized_requests_get_clear_errors() {
    let server = Server::start();
    let (status, body) = server.request("POST", "/api/run", b"{\"source\": ");
    assert_eq!(status, 400);
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["error"], "bad_request");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("not the JSON expected")
    );

    let (status, _) = server.request("POST", "/api/run", b"{\"program\": 1}");
    assert_eq!(status, 400);
    let (status, _) = server.request("POST", "/api/run", b"[1, 2]");
    assert_eq!(status, 400);
    let (status, _) = server.request(
        "POST",
        "/api/run",
        b"{\"source\": \"\", \"lang\": \"cobol\"}",
    );
    assert_eq!(status, 400);

    // A megabyte of source is beyond the body limit.
    let big = program(&"print 1;\n".repeat(1 << 17));
    let (status, body) = server.request("POST", "/api/run", big.to_string().as_bytes());
    assert_eq!(status, 413);
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["error"], "too_large");

    // Just under it compiles and runs.
    let (status, answer) = server.post("run", &program(&"print 1;\n".repeat(50_000)));
    assert_eq!(status, 200);
    assert_eq!(answer["output"].as_str().unwrap().len(), 100_000);

    assert_eq!(server.request("GET", "/api/run", b"").0, 405);
    assert_eq!(server.request("GET", "/nowhere", b"").0, 404);
    let (_, answer) = server.post("run", &program("print 2;"));
    assert_eq!(answer["output"], "2\n");
}

#[test]
fn more_runs_than_the_server_takes_get_a_busy_answer() {
    // All the runs come from this one address: lift its own limit, to reach the
    // server's.
    let server = Server::start_with(&["--client-runs", "10"]);
    // Each holds its turn until the two-second time limit.
    let slow =
        program("var s = \"x\"; for (var i = 0; i < 100000000; i = i + 1) { s = s + \"x\"; }");
    let answers: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..10)
            .map(|_| scope.spawn(|| server.post("run", &slow)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let busy = answers.iter().filter(|(status, _)| *status == 503).count();
    let limited = answers
        .iter()
        .filter(|(status, answer)| *status == 200 && answer["error"]["limit"] == "time")
        .count();
    assert_eq!(busy + limited, answers.len(), "{answers:?}");
    assert!(busy >= 1, "{answers:?}");
    assert!(limited >= 4, "{answers:?}");
    let (status, answer) = answers.iter().find(|(status, _)| *status == 503).unwrap();
    assert_eq!(*status, 503);
    assert_eq!(answer["error"], "busy");
}

/// Opens a connection, sends `sent`, and reads until the server closes it; returns what
/// was read and how long the server took to close. A read that waits longer than
/// `patience` fails the test: the server kept the connection open.
fn read_until_closed(server: &Server, sent: &[u8], patience: Duration) -> (String, Duration) {
    let mut stream = TcpStream::connect(&server.address).expect("connects");
    stream.set_read_timeout(Some(patience)).unwrap();
    stream.write_all(sent).unwrap();
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            // A reset is a close too.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the server kept the connection open ({e}) after {received:?}"),
        }
    }
    (
        String::from_utf8_lossy(&received).into_owned(),
        started.elapsed(),
    )
}

/// A client that opens a connection and sends nothing, or half a request's head, or
/// that keeps its connection open after an answer, is cut off after the request
/// timeout: it holds no connection for ever.
#[test]
fn silent_and_idle_connections_are_closed_after_the_request_timeout() {
    let server = Server::start_with(&["--request-timeout", "0.5"]);
    let patience = Duration::from_secs(5);
    for sent in [&b""[..], b"POST /api/run HTTP/1.1\r\nHost: x\r\n"] {
        let (received, took) = read_until_closed(&server, sent, patience);
        assert_eq!(received, "", "{sent:?}");
        assert!(
            took >= Duration::from_millis(400) && took < Duration::from_secs(3),
            "{sent:?}: closed after {took:?}"
        );
    }
    // An answered request on a connection kept alive: the connection is closed the
    // request timeout after the answer.
    let (received, took) = read_until_closed(
        &server,
        b"GET /api/limits HTTP/1.1\r\nHost: x\r\n\r\n",
        patience,
    );
    assert!(received.starts_with("HTTP/1.1 200 OK\r\n"), "{received}");
    assert!(received.contains("\"max_jobs\":4"), "{received}");
    assert!(took < Duration::from_secs(3), "closed after {took:?}");
    // The server still answers.
    let (_, answer) = server.post("run", &program("print 1;"));
    assert_eq!(answer["output"], "1\n");
}

/// A body sent a byte at a time is cut off at the request timeout, however steadily
/// the bytes come, with a 408 answer, and the connection is closed.
#[test]
fn a_body_sent_too_slowly_is_answered_408() {
    let server = Server::start_with(&["--request-timeout", "0.5"]);
    let mut stream = TcpStream::connect(&server.address).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    let mut writer = stream.try_clone().unwrap();
    // One byte every 50 ms: each arrives well within the timeout, the whole body
    // would take 50 s.
    let trickle = std::thread::spawn(move || {
        for _ in 0..200 {
            if writer.write_all(b" ").is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("no answer, the connection still open ({e})"),
        }
    }
    let took = started.elapsed();
    let (status, body) =
        http::parse(&received).unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(&received)));
    assert_eq!(status, 408);
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["error"], "slow_request");
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(3),
        "answered after {took:?}"
    );
    let _ = stream.shutdown(std::net::Shutdown::Both);
    trickle.join().unwrap();
    let (_, answer) = server.post("run", &program("print 1;"));
    assert_eq!(answer["output"], "1\n");
}

/// A client that sends requests and never reads the answers is cut off once the
/// server has been stuck writing to it for the request timeout.
#[test]
fn a_client_that_does_not_read_its_answers_is_cut_off() {
    // The test needs the server to fill the sockets' buffers within the three seconds
    // the client waits: a debug build records traces too slowly for that (its reads
    // then let every answer through), so it checks this in release builds only.
    if cfg!(debug_assertions) {
        return;
    }
    let server = Server::start_with(&["--request-timeout", "0.5"]);
    let mut stream = TcpStream::connect(&server.address).expect("connects");
    // Thirty traces of an endless loop, each answer over a megabyte, asked for at once
    // on one connection kept alive: more than the sockets' buffers hold.
    const ASKED: usize = 30;
    let body = program("while (true) {}").to_string();
    let request = format!(
        "POST /api/trace HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.repeat(ASKED).as_bytes()).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the connection is still open ({e})"),
        }
    }
    let answers = String::from_utf8_lossy(&received)
        .matches("HTTP/1.1 200 OK\r\n")
        .count();
    assert!(answers < ASKED, "all {answers} answers were written");
    let (_, answer) = server.post("run", &program("print 1;"));
    assert_eq!(answer["output"], "1\n");
}

/// One address gets `CLIENT_RUNS` (2) runs at once, and no more connections than
/// `--client-connections`; beyond either, the answer is "busy".
#[test]
fn one_client_gets_its_share_of_runs_and_connections() {
    let server = Server::start();
    // Each holds its run until the two-second time limit; four at once fit in the
    // server's turns, but not in one address's share.
    let slow =
        program("var s = \"x\"; for (var i = 0; i < 100000000; i = i + 1) { s = s + \"x\"; }");
    let answers: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| server.post("run", &slow)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let busy: Vec<&Value> = answers
        .iter()
        .filter(|(status, _)| *status == 503)
        .map(|(_, answer)| answer)
        .collect();
    let limited = answers
        .iter()
        .filter(|(status, answer)| *status == 200 && answer["error"]["limit"] == "time")
        .count();
    assert_eq!((busy.len(), limited), (2, 2), "{answers:?}");
    for answer in busy {
        assert_eq!(answer["error"], "busy");
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .starts_with("Your address already has 2 programs"),
            "{answer}"
        );
    }

    let server = Server::start_with(&["--client-connections", "3"]);
    let mut idle: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(&server.address).expect("connects"))
        .collect();
    let (status, answer) = server.post("run", &program("print 1;"));
    assert_eq!(status, 503, "{answer}");
    assert_eq!(answer["error"], "busy");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .starts_with("Too many connections from your address"),
        "{answer}"
    );
    // Once one closes, there is room again (as soon as the server sees it close).
    drop(idle.pop());
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let (status, answer) = server.post("run", &program("print 1;"));
        if status == 200 {
            assert_eq!(answer["output"], "1\n");
            break;
        }
        assert!(Instant::now() < deadline, "still busy: {answer}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
}

/// `lox trace` on each golden program equals `NAME.trace.txt`.
#[test]
fn traces_match_golden_files() {
    let bless = std::env::var_os("LOX_BLESS").is_some();
    let mut sources: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("tests/golden exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "lox" || e == "potato"))
        .collect();
    sources.sort();
    let mut failures = Vec::new();
    for source in &sources {
        let output = Command::new(env!("CARGO_BIN_EXE_lox"))
            .arg("trace")
            .arg(source)
            .output()
            .expect("lox trace runs");
        let actual = String::from_utf8_lossy(&output.stdout).into_owned();
        let golden = source.with_extension("trace.txt");
        if bless {
            std::fs::write(&golden, &actual).expect("writable golden file");
            continue;
        }
        match std::fs::read_to_string(&golden) {
            Ok(expected) if expected == actual => {}
            Ok(_) => failures.push(format!("{} differs", golden.display())),
            Err(_) => failures.push(format!("{} is missing (LOX_BLESS=1)", golden.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn trace_cuts_off_an_endless_run_and_reports_errors() {
    let dir = std::env::temp_dir().join(format!("lox-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let endless = dir.join("endless.lox");
    std::fs::write(&endless, "while (true) {}\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lox"))
        .arg("trace")
        .arg(&endless)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.matches("OP_").count(), 100_000);
    assert!(stdout.ends_with(
        "-- cut off after 100000 instructions: `lox trace` records at most that many --\n"
    ));

    // A deep recursion shows the top of the stack only.
    let deep = dir.join("deep.lox");
    std::fs::write(&deep, "fun f(n) { return f(n + 1); }\nf(0);\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lox"))
        .arg("trace")
        .arg(&deep)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last_stack = stdout
        .lines()
        .rfind(|l| l.starts_with("          ["))
        .unwrap();
    assert!(last_stack.starts_with("          [ … "), "{last_stack}");
    assert_eq!(last_stack.matches("][").count(), 32, "{last_stack}");

    let failing = dir.join("failing.lox");
    std::fs::write(&failing, "print 1;\nprint -\"a\";\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lox"))
        .arg("trace")
        .arg(&failing)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(70));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Operand must be a number.\n[line 2] in script\n"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("\n1\n"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A short run of the load test (`playground-load` runs it longer): every request is
/// answered in time, and the server's memory stays bounded.
#[test]
fn concurrent_ordinary_and_hostile_clients_are_all_answered() {
    // The clients all come from this one address; they stand for many, so the limits
    // on one address are lifted.
    let server = Server::start_with(&["--client-runs", "64", "--client-connections", "64"]);
    let report = load::run(
        &server.address,
        12,
        Duration::from_secs(4),
        Duration::from_secs(12),
        server.child.id(),
    );
    assert!(
        report.failures.is_empty(),
        "{:?}\n{}",
        report.failures,
        report.markdown()
    );
    assert!(report.requests() >= 12, "{}", report.markdown());
    // Four runs at 64 MiB of heap each, plus the server: well under a gigabyte.
    if let Some(peak) = report.peak_rss_kib {
        assert!(peak < 1 << 20, "peak RSS {peak} KiB\n{}", report.markdown());
    }
}

/// The environment variable that turns on the browser test; `.ci/run` sets it, and
/// then a missing browser, Node.js or playwright-core is a failure, not a skip.
const BROWSER_VARIABLE: &str = "LOX_BROWSER_TESTS";

/// The page in headless Chromium (web/playground/test/browser.mjs): type and run a
/// program, a compile error's mark, stepping with the stack panel, the cursor's
/// highlights in the stage panes, a hovered item's source span, and Potato's bee. Screenshots go to
/// target/playground-screenshots.
#[test]
fn the_page_works_in_a_browser() {
    if std::env::var_os(BROWSER_VARIABLE).is_none_or(|v| v != "1") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let web = root.join("web").join("playground");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{BROWSER_VARIABLE}=1 but there is no Chromium at {chromium} (apt-get install chromium)"
    );
    assert!(
        web.join("node_modules").join("playwright-core").exists(),
        "{BROWSER_VARIABLE}=1 but playwright-core is not installed (cd web/playground && npm ci)"
    );
    let server = Server::start();
    let artifacts = root.join("target").join("playground-screenshots");
    let status = Command::new("node")
        .current_dir(&web)
        .arg("test/browser.mjs")
        .arg(format!("http://{}/", server.address))
        .arg(&artifacts)
        .env("CHROMIUM", &chromium)
        .status()
        .expect("node runs (Node.js is needed for the browser test)");
    assert!(
        status.success(),
        "the browser test failed (screenshots in {})",
        artifacts.display()
    );
    for shot in [
        "1-run",
        "2-compile-error",
        "3-stepping",
        "4-cursor-highlight",
        "4b-hover-span",
        "5-potato-bee",
    ] {
        assert!(artifacts.join(format!("{shot}.png")).exists(), "{shot}.png");
    }
}

// ----- The library side: stepping runs and the time limit -------------------------

/// Counts the steps of a stepping run and checks each state is readable.
struct Counter {
    steps: usize,
    deepest: usize,
}

impl loxide::vm::step::Stepper for Counter {
    fn step(&mut self, state: &loxide::vm::step::State<'_>) -> bool {
        self.steps += 1;
        self.deepest = self.deepest.max(state.depth());
        // The top of the stack only: rendering all of it at every step of a deep
        // recursion would be quadratic.
        assert_eq!(state.stack_top(2).len(), state.stack_len().min(2));
        let frame = state.current();
        assert!(frame.base < state.stack_len().max(1));
        true
    }
}

/// A stepping run prints what an ordinary run prints and ends with the same error, for
/// every program of the Lox corpus that needs no options: the hooked loop is the loop.
#[test]
fn stepping_runs_behave_as_ordinary_runs() {
    use loxide::vm::{Options, SharedBuffer, Vm};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("lox");
    let files = loxide_testkit::corpus::discover(&root, "", "lox").expect("tests/lox");
    let mut compared = 0;
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap_or_default();
        if source.starts_with("// args:") {
            continue;
        }
        let Ok(program) = loxide::driver::compile(&source, loxide::ir::Limits::Default) else {
            continue;
        };
        let options = Options {
            max_steps: Some(1_000_000),
            ..Options::default()
        };
        let plain_out = SharedBuffer::new();
        let mut vm = Vm::with_output(options.clone(), Box::new(plain_out.clone()));
        let plain = vm.run(&program);
        let stepped_out = SharedBuffer::new();
        let mut vm = Vm::with_output(options, Box::new(stepped_out.clone()));
        let mut counter = Counter {
            steps: 0,
            deepest: 0,
        };
        let stepped = vm.run_stepping(&program, &mut counter);
        assert_eq!(
            plain_out.contents(),
            stepped_out.contents(),
            "{}",
            file.display()
        );
        assert_eq!(plain, stepped, "{}", file.display());
        assert!(counter.steps > 0, "{}", file.display());
        compared += 1;
    }
    assert!(compared > 100, "only {compared} programs compared");
}

#[test]
fn the_time_limit_stops_a_run_and_the_vm_runs_again() {
    use loxide::Limit;
    use loxide::vm::{Options, SharedBuffer, Vm};
    let out = SharedBuffer::new();
    let mut vm = Vm::with_output(
        Options {
            max_time: Some(Duration::from_millis(100)),
            ..Options::default()
        },
        Box::new(out.clone()),
    );
    for source in [
        "while (true) {}",
        "var s = \"x\"; while (true) s = s + \"x\";",
        "fun f() { while (true) {} } f();",
    ] {
        let program = loxide::compile(source).expect("compiles");
        let started = Instant::now();
        let error = vm.run(&program).expect_err("stopped");
        assert_eq!(error.limit, Some(Limit::Time), "{source}");
        assert_eq!(error.message, "Time limit exceeded.");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{source}: {:?}",
            started.elapsed()
        );
    }
    vm.run(&loxide::compile("print \"again\";").unwrap())
        .expect("runs");
    vm.flush();
    assert_eq!(out.contents(), "again\n");
}

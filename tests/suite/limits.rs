//! Resource limits: `--max-steps`, `--max-heap` and `--max-depth` and their errors and
//! exit codes, through the binary (source files, compiled files, the REPL) and through
//! the library (`vm::Options`); Ctrl-C, for real, by sending SIGINT to a running `lox`;
//! and, after every one of these errors, the same VM running the next program.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use loxide::bytecode::file;
use loxide::driver;
use loxide::ir::Limits;
use loxide::vm::{Options, RuntimeError, SharedBuffer, Vm};

use super::bytecode_file::scratch;
use super::hostile_source::{Run, run_binary};

const BUDGET: &str = "Execution budget exceeded.";
const OUT_OF_MEMORY: &str = "Out of memory.";
const STACK_OVERFLOW: &str = "Stack overflow.";
const INTERRUPTED: &str = "Interrupted.";

/// How long a limited program may take through the binary: every one stops quickly.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A loop that never ends, printing as it goes.
const COUNTING_FOREVER: &str = "var i = 0;\nwhile (true) {\n  print i;\n  i = i + 1;\n}\n";
/// A program whose heap doubles until it runs out (in a local: garbage after the error).
const DOUBLING_FOREVER: &str = "{\n  var s = \"ab\";\n  while (true) {\n    s = s + s;\n  }\n}\n";
/// Live objects that pile up forever (a linked list in a local), without big strings.
const LIST_FOREVER: &str = "class Node {\n  init(next) { this.next = next; }\n}\n\
                            fun grow() {\n  var head = nil;\n  while (true) head = Node(head);\n}\n\
                            grow();\n";
/// Recursion that never ends.
const RECURSING_FOREVER: &str = "fun f(n) {\n  return f(n + 1);\n}\nf(0);\n";

/// Writes `source` to a scratch file and runs `lox ARGS FILE`.
fn lox_file(dir: &str, source: &str, args: &[&str]) -> Run {
    let path = scratch(dir).join("program.lox");
    std::fs::write(&path, source).expect("a writable scratch file");
    let mut all: Vec<&str> = args.to_vec();
    all.push(path.to_str().expect("a UTF-8 path"));
    run_binary(&all, TIMEOUT).unwrap_or_else(|e| panic!("lox {all:?}: {e}"))
}

/// The first line of standard error.
fn first_error_line(run: &Run) -> &str {
    run.stderr.lines().next().unwrap_or("")
}

/// Compiles Lox source with the library.
fn compile(source: &str) -> loxide::bytecode::verify::Verified {
    driver::compile(source, Limits::Default).expect("the test program compiles")
}

/// A VM with the given options, printing into a buffer the test can read.
fn vm_with(options: Options) -> (Vm, SharedBuffer) {
    let out = SharedBuffer::new();
    (Vm::with_output(options, Box::new(out.clone())), out)
}

fn options(change: impl FnOnce(&mut Options)) -> Options {
    let mut options = Options::default();
    change(&mut options);
    options
}

// ----- The flags, through the binary ----------------------------------------------------

#[test]
fn max_steps_stops_an_endless_loop_with_a_trace() {
    let run = lox_file("limits_steps", COUNTING_FOREVER, &["--max-steps", "1000"]);
    assert_eq!(run.exit, 70, "{run:?}");
    let mut stderr = run.stderr.lines();
    assert_eq!(stderr.next(), Some(BUDGET));
    let trace = stderr.next().unwrap_or("");
    assert!(
        trace.starts_with("[line ") && trace.ends_with("] in script"),
        "the budget runs out at the loop's back-edge: {trace}"
    );
    assert_eq!(stderr.next(), None);
    let printed = run.stdout.lines().count();
    assert!(
        (1000..=1001).contains(&printed),
        "about one iteration per step: {printed} lines"
    );
    // Deterministic: the same budget stops at the same point.
    let again = lox_file("limits_steps", COUNTING_FOREVER, &["--max-steps", "1000"]);
    assert_eq!(again, run);
}

#[test]
fn max_steps_counts_calls_and_spares_a_program_within_budget() {
    // Recursion without a loop is stopped by the budget long before the frame limit.
    let run = lox_file(
        "limits_steps_calls",
        RECURSING_FOREVER,
        &["--max-steps", "500"],
    );
    assert_eq!(first_error_line(&run), BUDGET, "{run:?}");
    assert_eq!(run.exit, 70);
    assert!(run.stderr.contains("[line 2] in f()"), "{}", run.stderr);
    let fits = "var n = 0;\nfor (var i = 0; i < 100; i = i + 1) n = n + i;\nprint n;\n";
    let run = lox_file("limits_steps_fits", fits, &["--max-steps", "1000"]);
    assert_eq!(
        (run.exit, run.stdout.as_str(), run.stderr.as_str()),
        (0, "4950\n", "")
    );
}

#[test]
fn max_heap_stops_a_growing_heap() {
    for (name, source) in [("strings", DOUBLING_FOREVER), ("objects", LIST_FOREVER)] {
        // Under gc-stress every allocation collects a live heap that grows to the
        // limit, which is quadratic: one small limit is enough to check it there.
        let sizes: &[&str] = if cfg!(feature = "gc-stress") {
            &["256K"]
        } else {
            &["1M", "4m", "2097152", "512K", "1MiB"]
        };
        for &size in sizes {
            let run = lox_file("limits_heap", source, &["--max-heap", size]);
            assert_eq!(run.exit, 70, "{name} under {size}: {run:?}");
            assert_eq!(first_error_line(&run), OUT_OF_MEMORY, "{name} under {size}");
            assert!(run.stderr.contains("[line "), "{}", run.stderr);
        }
    }
    let small =
        "var s = \"\";\nfor (var i = 0; i < 100; i = i + 1) s = s + \"x\";\nprint s == s;\n";
    for size in ["64M", "1G"] {
        let run = lox_file("limits_heap_fits", small, &["--max-heap", size]);
        assert_eq!((run.exit, run.stdout.as_str()), (0, "true\n"), "{run:?}");
    }
}

#[test]
fn max_depth_sets_the_call_depth_limit() {
    let counted = "fun f(n) {\n  if (n == 0) return 0;\n  return 1 + f(n - 1);\n}\nprint f(100);\n";
    let run = lox_file("limits_depth", counted, &["--max-depth", "50"]);
    assert_eq!(run.exit, 70, "{run:?}");
    assert_eq!(first_error_line(&run), STACK_OVERFLOW);
    // The trace has a line per frame: the script and 49 calls of f.
    assert_eq!(
        run.stderr.lines().filter(|l| l.contains("in f()")).count(),
        49
    );
    let run = lox_file("limits_depth", counted, &["--max-depth", "102"]);
    assert_eq!((run.exit, run.stdout.as_str()), (0, "100\n"), "{run:?}");
    // Past clox's 64 frames with --limits=clox: the flag wins over the preset.
    let run = lox_file(
        "limits_depth",
        counted,
        &["--limits=clox", "--max-depth", "1000"],
    );
    assert_eq!((run.exit, run.stdout.as_str()), (0, "100\n"), "{run:?}");
    let run = lox_file("limits_depth", counted, &["--limits=clox"]);
    assert_eq!(first_error_line(&run), STACK_OVERFLOW);
}

#[test]
fn bad_limit_values_are_usage_errors() {
    for args in [
        &["--max-steps", "many"][..],
        &["--max-steps", "-1"],
        &["--max-steps", ""],
        &["--max-heap", "12Q"],
        &["--max-heap", "1.5M"],
        &["--max-heap", "-1"],
        &["--max-heap", "M"],
        &["--max-heap", ""],
        &["--max-heap", "99999999999999999999G"],
        &["--max-heap", "17179869184G"],
        &["--max-depth", "0"],
        &["--max-depth", "deep"],
    ] {
        let run = lox_file("limits_usage", "print 1;\n", args);
        assert_eq!(run.exit, 64, "{args:?}: {run:?}");
        assert_eq!(run.stdout, "", "{args:?}");
    }
}

#[test]
fn limits_apply_to_compiled_files_and_the_run_command() {
    let dir = scratch("limits_compiled");
    let source = dir.join("forever.lox");
    std::fs::write(&source, COUNTING_FOREVER).unwrap();
    let compiled = dir.join("forever.loxc");
    let made = run_binary(
        &[
            "compile",
            source.to_str().unwrap(),
            "-o",
            compiled.to_str().unwrap(),
        ],
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(made.exit, 0, "{made:?}");
    let from_source =
        run_binary(&["--max-steps", "300", source.to_str().unwrap()], TIMEOUT).unwrap();
    let from_file =
        run_binary(&["--max-steps", "300", compiled.to_str().unwrap()], TIMEOUT).unwrap();
    let subcommand = run_binary(
        &["run", "--max-steps", "300", compiled.to_str().unwrap()],
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(from_source.exit, 70);
    assert_eq!(
        from_file, from_source,
        "a compiled file stops where its source does"
    );
    assert_eq!(subcommand, from_source);
    let list = dir.join("list.lox");
    std::fs::write(&list, LIST_FOREVER).unwrap();
    let list_compiled = dir.join("list.loxc");
    run_binary(
        &[
            "compile",
            list.to_str().unwrap(),
            "-o",
            list_compiled.to_str().unwrap(),
        ],
        TIMEOUT,
    )
    .unwrap();
    let heap = run_binary(
        &["--max-heap", "1M", list_compiled.to_str().unwrap()],
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(first_error_line(&heap), OUT_OF_MEMORY, "{heap:?}");
    let depth = dir.join("recursion.lox");
    std::fs::write(&depth, RECURSING_FOREVER).unwrap();
    let depth_compiled = dir.join("recursion.loxc");
    run_binary(
        &[
            "compile",
            depth.to_str().unwrap(),
            "-o",
            depth_compiled.to_str().unwrap(),
        ],
        TIMEOUT,
    )
    .unwrap();
    let deep = run_binary(
        &["--max-depth", "10", depth_compiled.to_str().unwrap()],
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(first_error_line(&deep), STACK_OVERFLOW, "{deep:?}");
    assert_eq!(deep.stderr.lines().count(), 11, "{}", deep.stderr);
}

/// A REPL session on a terminal: types each line and returns what each one showed,
/// up to the next prompt.
fn repl(args: &[&str], lines: &[&str]) -> Vec<String> {
    let state = scratch("limits_repl").join("state");
    let mut lox = super::pty::Pty::spawn(args, &state, false);
    lox.expect("> ");
    let shown = lines.iter().map(|line| lox.line(line)).collect();
    lox.send(":quit\r");
    assert_eq!(lox.wait(), 0);
    shown
}

#[test]
fn the_repl_applies_the_limits_to_each_input_and_goes_on() {
    let lines = [
        "var kept = 41;",
        "while (true) {}",
        "for (var i = 0; i < 50; i = i + 1) {}",
        "print kept + 1;",
    ];
    let shown = repl(&["--max-steps", "100"], &lines);
    assert_eq!(
        shown[1],
        format!("{}\n{BUDGET}\n[line 1] in script\n> ", lines[1])
    );
    assert_eq!(shown[2], format!("{}\n> ", lines[2]));
    assert_eq!(shown[3], format!("{}\n42\n> ", lines[3]));

    let lines = [
        "var kept = \"yes\";",
        "var s = \"ab\";",
        "while (true) s = s + s;",
        "print kept;",
    ];
    let shown = repl(&["--max-heap", "1M"], &lines);
    assert!(shown[2].contains(OUT_OF_MEMORY), "{shown:?}");
    assert_eq!(shown[3], format!("{}\nyes\n> ", lines[3]));

    let lines = ["fun f() { f(); }", "f();", "print \"after\";"];
    let shown = repl(&["--max-depth", "5"], &lines);
    assert!(shown[1].contains(STACK_OVERFLOW), "{shown:?}");
    assert_eq!(shown[1].matches("[line 1] in f()").count(), 4, "{shown:?}");
    assert_eq!(shown[2], format!("{}\nafter\n> ", lines[2]));
}

// ----- Ctrl-C ---------------------------------------------------------------------------

/// Sends SIGINT to a child process.
fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -INT failed");
}

/// Collects a pipe's text on a thread, readable while the process runs.
fn collect(mut pipe: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buffer) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    });
    text
}

/// Waits for a child with a deadline, killing it if it does not finish.
fn wait_for(child: &mut Child, timeout: Duration) -> Option<i32> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status.code().unwrap_or(-1));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn ctrl_c_stops_a_running_file_with_exit_130() {
    let path = scratch("limits_sigint").join("forever.lox");
    std::fs::write(&path, COUNTING_FOREVER).unwrap();
    // Until `lox` has installed its handler, SIGINT would end it the default way (by
    // the signal): give it a moment, and more on a busy machine.
    for pause_ms in [300, 1500, 5000] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lox"))
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("lox starts");
        let stderr = collect(child.stderr.take().unwrap());
        thread::sleep(Duration::from_millis(pause_ms));
        interrupt(&child);
        let code = wait_for(&mut child, TIMEOUT).expect("lox stops after SIGINT");
        if code == -1 {
            continue; // The signal came before the handler: try again, later.
        }
        thread::sleep(Duration::from_millis(50));
        assert_eq!(code, 130);
        assert_eq!(stderr.lock().unwrap().as_str(), format!("{INTERRUPTED}\n"));
        return;
    }
    panic!("lox never got to install its Ctrl-C handler");
}

// Ctrl-C in the REPL, typed on a terminal: tests/suite/repl.rs.

// ----- The library ----------------------------------------------------------------------

/// Runs `source` on `vm`, returning the error message if any.
fn run_on(vm: &mut Vm, source: &str) -> Result<(), RuntimeError> {
    vm.run(&compile(source))
}

#[test]
fn the_same_vm_runs_the_next_program_after_each_limit() {
    let cases: [(&str, Options, &str); 4] = [
        (
            BUDGET,
            options(|o| o.max_steps = Some(10_000)),
            COUNTING_FOREVER,
        ),
        (
            OUT_OF_MEMORY,
            options(|o| o.max_heap = Some(1 << 20)),
            DOUBLING_FOREVER,
        ),
        (
            OUT_OF_MEMORY,
            options(|o| o.max_heap = Some(1 << 20)),
            LIST_FOREVER,
        ),
        (
            STACK_OVERFLOW,
            options(|o| o.max_frames = 100),
            RECURSING_FOREVER,
        ),
    ];
    for (message, options, source) in cases {
        let (mut vm, out) = vm_with(options);
        run_on(
            &mut vm,
            "var kept = \"before\";\nfun twice(x) { return x + x; }\n",
        )
        .unwrap();
        let error = run_on(&mut vm, source).expect_err(message);
        assert_eq!(error.message, message);
        assert!(!error.trace.is_empty(), "{message}: no trace");
        // The stack is unwound, globals are kept, and the limits hold again, afresh.
        run_on(
            &mut vm,
            "print twice(kept);\nvar n = 0;\nwhile (n < 100) n = n + 1;\nprint n;\n",
        )
        .unwrap_or_else(|e| panic!("after {message}: {e}"));
        assert!(
            out.contents().ends_with("beforebefore\n100\n"),
            "{}",
            out.contents()
        );
        let again = run_on(&mut vm, source).expect_err(message);
        assert_eq!(
            again.message, message,
            "the limit holds on the next run too"
        );
    }
}

#[test]
fn memory_a_global_holds_stays_held_until_it_is_released() {
    let (mut vm, out) = vm_with(options(|o| o.max_heap = Some(1 << 20)));
    let error = run_on(&mut vm, "var s = \"ab\";\nwhile (true) s = s + s;\n").unwrap_err();
    assert_eq!(error.message, OUT_OF_MEMORY);
    // `s` survives the error, and with it the memory, until the program lets go of it.
    run_on(&mut vm, "print s == s;\ns = nil;\n").unwrap();
    run_on(
        &mut vm,
        "var u = \"\";\nfor (var i = 0; i < 1000; i = i + 1) u = u + \"x\";\nprint u == u;\n",
    )
    .expect("the heap is usable again once the global is released");
    assert_eq!(out.contents(), "true\ntrue\n");
}

#[test]
fn the_budget_is_per_run_and_deterministic() {
    let counted = "var n = 0;\nwhile (n < 600) n = n + 1;\nprint n;\n";
    let (mut vm, out) = vm_with(options(|o| o.max_steps = Some(1000)));
    for _ in 0..5 {
        run_on(&mut vm, counted).expect("each run gets the whole budget");
    }
    assert_eq!(out.contents(), "600\n".repeat(5));
    // Where the budget stops a program does not depend on the VM or on earlier runs.
    let stopped_at = |vm: &mut Vm, out: &SharedBuffer| {
        let before = out.contents().len();
        let error = run_on(vm, COUNTING_FOREVER).unwrap_err();
        (error, out.contents()[before..].to_string())
    };
    let first = stopped_at(&mut vm, &out);
    let second = stopped_at(&mut vm, &out);
    let (mut fresh, fresh_out) = vm_with(options(|o| o.max_steps = Some(1000)));
    let third = stopped_at(&mut fresh, &fresh_out);
    assert_eq!(first.0.message, BUDGET);
    assert_eq!(first, second);
    assert_eq!(first, third);
    // A budget of 0 stops a program at its first back-edge or call. (The loop is
    // bounded so that a budget that is not enforced fails the test instead of hanging.)
    let (mut vm, out) = vm_with(options(|o| o.max_steps = Some(0)));
    let bounded = "var i = 0;\nwhile (i < 100000) {\n  print i;\n  i = i + 1;\n}\n";
    assert_eq!(run_on(&mut vm, bounded).unwrap_err().message, BUDGET);
    assert_eq!(out.contents(), "0\n");
    run_on(&mut vm, "print \"no loops, no calls\";\n").expect("straight-line code costs nothing");
}

/// Each backward test at the bottom of an inverted loop counts a step when it jumps
/// back, as `LOOP` does, and is where an interrupt is seen: a budget stops every kind of
/// loop, after as many iterations as the budget's steps, and the error blames the
/// loop's test.
#[test]
fn every_backward_loop_test_counts_a_step() {
    // Each loop ends by itself after 100,000 iterations, so that a test that did not
    // count fails this test instead of hanging it.
    let loops = [
        (
            "LOOP_IF_LOCALS_LESS",
            "var j = 0;\nvar n = 100000;\nwhile (j < n) { i = i + 1; j = j + 1; }",
        ),
        (
            "LOOP_IF_LOCAL_LESS_CONSTANT",
            "var j = 0;\nwhile (j < 100000) { i = i + 1; j = j + 1; }",
        ),
        (
            "LOOP_IF_LOCAL_GREATER_CONSTANT",
            "var j = 100000;\nwhile (j > 0) { i = i + 1; j = j - 1; }",
        ),
        (
            "LOOP_UNLESS_LOCAL_NIL",
            "var p = true;\nwhile (p != nil) { i = i + 1; if (i == 100000) p = nil; }",
        ),
        (
            "LOOP_UNLESS_FALSE_POP",
            "var p = true;\nwhile (p) { i = i + 1; if (i == 100000) p = false; }",
        ),
        (
            "LOOP_IF_LESS",
            "var p = 0;\nwhile (p < 100000 - i) i = i + 1;",
        ),
        (
            "LOOP_UNLESS_GREATER",
            "var p = 1;\nwhile (p <= 100000 - i) i = i + 1;",
        ),
        (
            "LOOP_UNLESS_GREATER_CONSTANT",
            "var p = 0;\nwhile (p + i <= 100000) i = i + 1;",
        ),
        (
            "LOOP_UNLESS_LESS_CONSTANT",
            "var p = 0;\nwhile (p - i >= -100000) i = i + 1;",
        ),
    ];
    for (op, body) in loops {
        // In a function, so that the loop's variables are locals; `i` counts the
        // iterations in a global.
        let source = format!("var i = 0;\nfun f() {{\n{body}\n}}\nf();\n");
        let line = 2 + body.lines().count() as u32;
        check_budget_stops(op, &source, line, Some("f"));
    }
    // A global surely defined, at the top level.
    let source = "var i = 0;\nvar k = 0;\nwhile (k < 100000) { i = i + 1; k = k + 1; }\n";
    check_budget_stops("LOOP_IF_GLOBAL_LESS_CONSTANT", source, 3, None);
}

/// Runs `source`, whose one loop ends in `op` and counts its iterations in the global
/// `i`, under a budget of 100 steps: it stops at the loop's test, on `line` in `frame`,
/// after about 100 iterations.
fn check_budget_stops(op: &str, source: &str, line: u32, frame: Option<&str>) {
    let program = compile(source);
    let listing = loxide::bytecode::disasm::module(program.module(), false);
    assert!(listing.contains(&format!("OP_{op} ")), "{op}:\n{listing}");
    let (mut vm, _) = vm_with(options(|o| o.max_steps = Some(100)));
    let error = vm.run(&program).unwrap_err();
    assert_eq!(error.message, BUDGET, "{op}");
    assert_eq!(
        error.trace.first(),
        Some(&(line, frame.map(String::from))),
        "{op}"
    );
    let iterations: f64 = vm.get_global("i").expect("the counter");
    assert!((98.0..=101.0).contains(&iterations), "{op}: {iterations}");
}

#[test]
fn limits_from_a_compiled_file_stop_where_the_source_does() {
    for (message, options, source) in [
        (
            BUDGET,
            options(|o| o.max_steps = Some(777)),
            COUNTING_FOREVER,
        ),
        (
            OUT_OF_MEMORY,
            options(|o| o.max_heap = Some(1 << 20)),
            LIST_FOREVER,
        ),
        (
            STACK_OVERFLOW,
            options(|o| o.max_frames = 33),
            RECURSING_FOREVER,
        ),
    ] {
        let compiled = compile(source);
        let bytes = file::write(compiled.module());
        let loaded = file::load(&bytes).expect("the file loads back");
        assert_eq!(loaded.module().dialect, loxide::bytecode::Dialect::Lox);
        let (mut direct, direct_out) = vm_with(options.clone());
        let (mut from_file, file_out) = vm_with(options);
        let a = direct.run(&compiled).unwrap_err();
        let b = from_file.run(&loaded).unwrap_err();
        assert_eq!(a.message, message);
        assert_eq!(a, b);
        assert_eq!(direct_out.contents(), file_out.contents());
    }
}

#[test]
fn set_options_changes_the_limits_between_runs() {
    let (mut vm, out) = vm_with(Options::default());
    vm.set_options(options(|o| o.max_steps = Some(50)));
    assert_eq!(
        run_on(&mut vm, COUNTING_FOREVER).unwrap_err().message,
        BUDGET
    );
    vm.set_options(options(|o| o.max_frames = 20));
    assert_eq!(
        run_on(&mut vm, RECURSING_FOREVER).unwrap_err().message,
        STACK_OVERFLOW
    );
    vm.set_options(Options::default());
    run_on(
        &mut vm,
        "var n = 0;\nwhile (n < 100000) n = n + 1;\nprint n;\n",
    )
    .unwrap();
    assert!(out.contents().ends_with("100000\n"));
}

#[test]
fn the_interrupt_handle_stops_a_run_from_another_thread() {
    let (mut vm, out) = vm_with(Options::default());
    run_on(&mut vm, "var kept = 1;\n").unwrap();
    let handle = vm.interrupt_handle();
    // A flag raised before a run is cleared when the run starts.
    handle.store(true, Ordering::SeqCst);
    run_on(
        &mut vm,
        "var n = 0;\nwhile (n < 1000) n = n + 1;\nprint n;\n",
    )
    .expect("a stale interrupt does not stop the next run");
    let program = compile("while (true) kept = kept + 1;\n");
    let raiser = {
        let handle = Arc::clone(&handle);
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(100));
            handle.store(true, Ordering::SeqCst);
        })
    };
    let error = vm.run(&program).unwrap_err();
    raiser.join().unwrap();
    assert_eq!(error.message, INTERRUPTED);
    assert_eq!(error.trace, vec![(1, None)]);
    run_on(&mut vm, "print kept > 1;\n").expect("the VM runs on after an interrupt");
    assert_eq!(out.contents(), "1000\ntrue\n");
}

// ----- The collector's statistics -------------------------------------------------------

/// Short-lived instances, enough for the collector to run several times.
const CHURN: &str = "class Node {\n  init(next) { this.next = next; }\n}\n\
                     for (var i = 0; i < 200000; i = i + 1) { var n = Node(Node(nil)); }\n\
                     print \"done\";\n";

/// Checks a `--gc-stats` line and returns its number of collections.
fn gc_line(stderr: &str) -> u64 {
    let line = stderr.lines().last().unwrap_or("");
    let rest = line
        .strip_prefix("gc: ")
        .unwrap_or_else(|| panic!("{stderr:?}"));
    let (count, rest) = rest.split_once(" collection").expect("a count");
    for part in [" paused in all, longest ", "; heap peak ", " at the end"] {
        assert!(rest.contains(part), "{line:?} lacks {part:?}");
    }
    count.parse().expect("a whole number")
}

#[test]
fn gc_stats_reports_collections_and_pauses_after_the_program() {
    let quiet = lox_file("gc-stats-off", CHURN, &[]);
    assert_eq!(
        (quiet.exit, quiet.stdout.as_str(), quiet.stderr.as_str()),
        (0, "done\n", "")
    );

    let run = lox_file("gc-stats", CHURN, &["--gc-stats"]);
    assert_eq!((run.exit, run.stdout.as_str()), (0, "done\n"));
    assert!(gc_line(&run.stderr) >= 2, "{}", run.stderr);
    assert!(run.stderr.contains("99th percentile"), "{}", run.stderr);
    let via_run = lox_file("gc-stats-run", CHURN, &["run", "--gc-stats"]);
    assert!(gc_line(&via_run.stderr) >= 2, "{}", via_run.stderr);

    // After a runtime error too, below its trace; and a program that never collects
    // says so.
    let failing = format!("{CHURN}print nil + 1;\n");
    let failed = lox_file("gc-stats-error", &failing, &["--gc-stats"]);
    assert_eq!(failed.exit, 70);
    assert!(
        failed
            .stderr
            .starts_with("Operands must be two numbers or two strings.")
    );
    assert!(gc_line(&failed.stderr) >= 2);
    // (A gc-stress build collects at every allocation, even this program's.)
    if !cfg!(feature = "gc-stress") {
        let idle = lox_file("gc-stats-idle", "print 1;\n", &["--gc-stats"]);
        assert_eq!(gc_line(&idle.stderr), 0, "{}", idle.stderr);
        assert!(!idle.stderr.contains("percentile"), "{}", idle.stderr);
    }
}

#[test]
fn gc_stats_are_kept_by_the_vm() {
    let program = compile(CHURN);
    let (mut vm, _) = vm_with(Options::default());
    let before = vm.gc_stats().collections;
    assert!(before == 0 || cfg!(feature = "gc-stress"));
    vm.run(&program).expect("runs");
    let stats = vm.gc_stats();
    assert!(stats.collections >= before + 2, "{stats:?}");
    assert!(stats.longest_pause <= stats.total_pause);
    assert!(stats.peak_heap_bytes >= stats.heap_bytes && stats.heap_bytes > 0);
    // Each pause is kept only when asked for.
    assert!(stats.pauses.is_empty());
    let (mut vm, _) = vm_with(options(|o| o.record_pauses = true));
    vm.run(&program).expect("runs");
    let stats = vm.gc_stats();
    assert_eq!(stats.pauses.len() as u64, stats.steps);
    // Each cycle takes one step or more (a gc-stress build also ends cycles inside the
    // whole collection it runs at every allocation).
    if !cfg!(feature = "gc-stress") {
        assert!(stats.steps >= stats.collections);
    }
    assert_eq!(stats.pauses.iter().max(), Some(&stats.longest_pause));
}

/// A list of 100,000 nodes that lives to the end, while 200,000 new objects are stored
/// into its nodes, each new one reachable only through the old node it was stored in.
const OLD_HOLDS_NEW: &str = "class Node {\n  init(value, next) { this.value = value; this.next = next; }\n}\n\
     var list = nil;\n\
     for (var i = 0; i < 100000; i = i + 1) list = Node(nil, list);\n\
     var cur = list;\n\
     for (var i = 0; i < 200000; i = i + 1) {\n\
       if (cur == nil) cur = list;\n\
       cur.value = Node(i, Node(1, nil));\n\
       cur = cur.next;\n\
     }\n\
     var count = 0;\n\
     var good = 0;\n\
     var expect = 100000;\n\
     for (var n = list; n != nil; n = n.next) {\n\
       if (n.value.value == expect and n.value.next.value == 1) good = good + 1;\n\
       expect = expect + 1;\n\
       count = count + 1;\n\
     }\n\
     print count;\n\
     print good;\n";

#[test]
fn a_large_heap_is_collected_in_steps_and_keeps_what_old_objects_hold() {
    // A gc-stress build collects this heap at every allocation: far too slow, and the
    // stress collector's cycles are not the ones checked here.
    if cfg!(feature = "gc-stress") {
        return;
    }
    let program = compile(OLD_HOLDS_NEW);
    let (mut vm, out) = vm_with(options(|o| o.record_pauses = true));
    vm.run(&program).expect("runs");
    // Each node holds what the second pass stored in it, in list order.
    assert_eq!(out.contents(), "100000\n100000\n");
    let stats = vm.gc_stats();
    assert!(stats.collections >= 2, "{stats:?}");
    // The heap is far above the size whose cycles run whole: each takes many steps.
    assert!(
        stats.steps >= 10 * stats.collections,
        "{} collections in {} steps",
        stats.collections,
        stats.steps
    );
}

/// `nil`s compared in a balanced tree of `==` (shallow nesting): `2 * leaves - 1` bytes
/// of clox bytecode, and no constants.
fn nil_tree(leaves: usize) -> String {
    if leaves == 1 {
        return "nil".into();
    }
    let half = leaves / 2;
    format!("({} == {})", nil_tree(half), nil_tree(leaves - half))
}

/// Conditions made of `and`, `or` and `!` are lowered as branches, not as clox's code;
/// under `--limits=clox` their jumps are still measured in clox's bytes, so "Too much
/// code to jump over." comes exactly where clox reports it. Each case gives the fewest
/// leaves of the tree (`{}`) at which clox reports it.
#[test]
fn conditions_lowered_as_branches_keep_clox_jump_limits_exactly() {
    let cases = [
        ("var x = true;\nif (x and {}) print 1;\n", 32768),
        ("var x = false;\nif (x or {}) print 1;\n", 32768),
        ("var x = true;\nif (!(x and {})) print 1;\n", 32768),
        (
            "var x = false;\nif ((x or x) and (x or {})) print 1;\n",
            32764,
        ),
        (
            "var x = false;\nwhile (x or {}) { print 1; x = nil; }\n",
            32768,
        ),
        (
            "var x = true;\nif (x or x and x) { var y = {}; } else print 3;\n",
            32766,
        ),
    ];
    for (shape, first_error) in cases {
        for leaves in [first_error - 1, first_error] {
            let source = shape.replace("{}", &nil_tree(leaves));
            let result = driver::compile(&source, Limits::Clox);
            let jump_error = match &result {
                Ok(_) => false,
                Err(e) => e
                    .lines
                    .iter()
                    .any(|l| l.contains("Too much code to jump over.")),
            };
            assert_eq!(
                jump_error,
                leaves == first_error,
                "{shape} with {leaves} leaves: {:?}",
                result.err().map(|e| e.lines)
            );
        }
    }
}

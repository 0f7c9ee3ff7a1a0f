//! The embedding API (`docs/embedding.md`): host functions and their conversions, errors
//! as data, globals, calls from Rust with every limit, re-entrancy, rooted handles that
//! outlive runs and VMs, userdata, panics at the boundary, out-of-memory, and the
//! examples in `crates/loxide/examples`. This module runs under `gc-stress` too (CI's
//! second pass), where every allocation collects: a missing root fails there.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use loxide::{Error, Function, Instance, Lang, Limit, Options, SharedBuffer, UserData, Value, Vm};

#[allow(dead_code)]
#[path = "../../crates/loxide/examples/game.rs"]
mod game;
#[path = "../../crates/loxide/examples/hello.rs"]
mod hello;
#[allow(dead_code)]
#[path = "../../crates/loxide/examples/host_calls.rs"]
mod host_calls;
#[allow(dead_code)]
#[path = "../../crates/loxide/examples/sandbox.rs"]
mod sandbox;

fn vm() -> (Vm, SharedBuffer) {
    let out = SharedBuffer::new();
    let vm = Vm::with_output(Options::embedded(), Box::new(out.clone()));
    (vm, out)
}

fn run(vm: &mut Vm, source: &str) -> Result<(), Error> {
    vm.run(&loxide::compile(source)?)?;
    Ok(())
}

/// The runtime error of a failed run (panics on any other outcome).
fn runtime_error(result: Result<(), Error>) -> loxide::RuntimeError {
    match result {
        Err(Error::Runtime(e)) => e,
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

#[test]
fn a_host_function_adds_and_a_global_reads_back() {
    let (mut vm, out) = vm();
    vm.register_fn("host_add", |_vm, (a, b): (f64, f64)| Ok(a + b))
        .unwrap();
    run(&mut vm, "var x = host_add(2, 3); print x;").unwrap();
    assert_eq!(out.contents(), "5\n");
    assert_eq!(vm.get_global::<f64>("x").unwrap(), 5.0);
}

#[test]
fn values_convert_both_ways() {
    let (mut vm, out) = vm();
    vm.register_fn("echo", |_vm, (v,): (Value,)| Ok(v)).unwrap();
    vm.register_fn("negate", |_vm, (b,): (bool,)| Ok(!b))
        .unwrap();
    vm.register_fn("shout", |_vm, (s,): (String,)| Ok(s.to_uppercase()))
        .unwrap();
    vm.register_fn("greet", |_vm, ()| Ok("hi")).unwrap();
    vm.register_fn("nothing", |_vm, ()| Ok(())).unwrap();
    vm.register_fn("maybe", |_vm, (n,): (Option<f64>,)| Ok(n.map(|n| n * 10.0)))
        .unwrap();
    vm.register_fn("count", |_vm, ()| Ok(7_i32)).unwrap();
    run(
        &mut vm,
        "print echo(1.5); print echo(\"s\"); print echo(nil); print echo(true);\n\
         print negate(false); print shout(\"abc\"); print greet(); print nothing();\n\
         print maybe(nil); print maybe(2); print count();",
    )
    .unwrap();
    assert_eq!(
        out.contents(),
        "1.5\ns\nnil\ntrue\ntrue\nABC\nhi\nnil\nnil\n20\n7\n"
    );

    vm.set_global("n", 42.0).unwrap();
    vm.set_global("s", "text").unwrap();
    vm.set_global("b", true).unwrap();
    vm.set_global("none", None::<f64>).unwrap();
    vm.set_global("u", ()).unwrap();
    assert_eq!(vm.get_global::<f64>("n").unwrap(), 42.0);
    assert_eq!(vm.get_global::<String>("s").unwrap(), "text");
    assert!(vm.get_global::<bool>("b").unwrap());
    assert_eq!(vm.get_global::<Option<f64>>("none").unwrap(), None);
    assert_eq!(
        vm.get_global::<Option<String>>("s").unwrap().as_deref(),
        Some("text")
    );
    vm.get_global::<()>("u").unwrap();
    assert!(matches!(vm.get_global::<Value>("n").unwrap(), Value::Number(n) if n == 42.0));
    assert_eq!(
        vm.get_global::<f64>("s"),
        Err(Error::Type {
            expected: "a number",
            found: "a string"
        })
    );
    assert!(
        matches!(vm.get_global::<f64>("missing"), Err(Error::Usage(m)) if m == "Undefined variable 'missing'.")
    );
    run(&mut vm, "print n + 1; print s + \"!\";").unwrap();
    assert!(out.contents().ends_with("43\ntext!\n"));
}

#[test]
fn wrong_argument_counts_and_types_are_runtime_errors_with_a_trace() {
    let (mut vm, _) = vm();
    vm.register_fn("host_add", |_vm, (a, b): (f64, f64)| Ok(a + b))
        .unwrap();
    let e = runtime_error(run(&mut vm, "fun f() {\n  host_add(1);\n}\nf();"));
    assert_eq!(e.message, "Expected 2 arguments but got 1.");
    assert_eq!(e.trace, vec![(2, Some("f".into())), (4, None)]);
    let e = runtime_error(run(&mut vm, "\nhost_add(1, \"two\");"));
    assert_eq!(
        e.message,
        "Argument 2 of host_add() must be a number, not a string."
    );
    assert_eq!(e.trace, vec![(2, None)]);
    // The VM is usable after an error.
    run(&mut vm, "var ok = host_add(1, 2);").unwrap();
    assert_eq!(vm.get_global::<f64>("ok").unwrap(), 3.0);
}

#[test]
fn a_host_error_becomes_a_runtime_error_at_the_call() {
    let (mut vm, _) = vm();
    vm.register_fn("checked_sqrt", |_vm, (x,): (f64,)| {
        if x < 0.0 {
            return Err(Error::Host(format!("No square root of {x}.")));
        }
        Ok(x.sqrt())
    })
    .unwrap();
    let e = runtime_error(run(
        &mut vm,
        "print checked_sqrt(4);\nprint checked_sqrt(-1);",
    ));
    assert_eq!(e.message, "No square root of -1.");
    assert_eq!(e.trace, vec![(2, None)]);
}

#[test]
fn a_panicking_host_function_is_a_runtime_error_and_the_vm_lives_on() {
    let (mut vm, out) = vm();
    vm.register_fn("boom", |_vm, ()| -> Result<(), Error> {
        panic!("host bug")
    })
    .unwrap();
    vm.register_fn("call_boom", |vm, (f,): (Function,)| {
        vm.call::<_, ()>(&f, ())
    })
    .unwrap();
    let e = runtime_error(run(&mut vm, "fun g() { boom(); }\ng();"));
    assert_eq!(e.message, "Host function 'boom' panicked.");
    assert_eq!(e.trace, vec![(1, Some("g".into())), (2, None)]);
    // Through a Lox call made by another host function, the innermost boundary catches.
    let e = runtime_error(run(&mut vm, "call_boom(boom);"));
    assert_eq!(e.message, "Host function 'boom' panicked.");
    run(&mut vm, "print \"still here\";").unwrap();
    assert_eq!(out.contents(), "still here\n");
}

#[test]
fn compile_errors_are_diagnostics_with_positions() {
    let Err(Error::Compile(e)) = loxide::compile("var x = 1;\nprint x +;\nvar = 2;") else {
        panic!("expected a compile error");
    };
    assert_eq!(e.diagnostics.len(), 2);
    let first = &e.diagnostics[0];
    assert_eq!(
        (first.line, first.columns.clone(), first.message.as_str()),
        (2, 10..11, "Expect expression.")
    );
    assert_eq!(first.rendered, "[line 2] Error at ';': Expect expression.");
    assert_eq!(e.diagnostics[1].line, 3);
    assert_eq!(e.diagnostics[1].columns, 5..6);
    assert_eq!(
        e.to_string(),
        "[line 2] Error at ';': Expect expression.\n[line 3] Error at '=': Expect variable name.\n"
    );
    // A lexical error names no token in clox's words, but has the columns of its
    // characters; an unterminated string over several lines has none.
    let Err(Error::Compile(e)) = loxide::compile("\n\"unterminated") else {
        panic!("expected a compile error");
    };
    assert_eq!(e.diagnostics[0].line, 2);
    assert_eq!(e.diagnostics[0].columns, 1..14);
    assert_eq!(e.diagnostics[0].message, "Unterminated string.");
    assert_eq!(
        e.diagnostics[0].rendered,
        "[line 2] Error: Unterminated string."
    );
    let Err(Error::Compile(e)) = loxide::compile("\"two\nlines") else {
        panic!("expected a compile error");
    };
    assert_eq!(
        (e.diagnostics[0].line, e.diagnostics[0].columns.clone()),
        (2, 0..0)
    );
}

#[test]
fn lox_functions_and_methods_are_called_from_rust() {
    let (mut vm, _) = vm();
    run(
        &mut vm,
        "fun add(a, b) { return a + b; }\n\
         fun shout(s) { return s + \"!\"; }\n\
         class Counter {\n  init(n) { this.n = n; }\n  bump(by) { this.n = this.n + by; return this.n; }\n}\n\
         var c = Counter(10);\n\
         c.shout = shout;",
    )
    .unwrap();
    let add: Function = vm.get_global("add").unwrap();
    assert_eq!(vm.call::<_, f64>(&add, (2, 3)).unwrap(), 5.0);
    assert_eq!(vm.call::<_, String>(&add, ("a", "b")).unwrap(), "ab");
    let c: Instance = vm.get_global("c").unwrap();
    assert_eq!(vm.call_method::<_, f64>(&c, "bump", (5,)).unwrap(), 15.0);
    assert_eq!(vm.call_method::<_, f64>(&c, "bump", (1,)).unwrap(), 16.0);
    // A field holding a function is called without the receiver.
    assert_eq!(
        vm.call_method::<_, String>(&c, "shout", ("hey",)).unwrap(),
        "hey!"
    );
    let e = vm.call_method::<_, ()>(&c, "nope", ()).unwrap_err();
    assert_eq!(e.message(), "Undefined property 'nope'.");
    // A class is callable: it makes an instance.
    let class: Function = vm.get_global("Counter").unwrap();
    let made: Instance = vm.call(&class, (1,)).unwrap();
    assert_eq!(vm.call_method::<_, f64>(&made, "bump", (1,)).unwrap(), 2.0);
    // Wrong arity and runtime errors come back with the usual messages and traces.
    let e = vm.call::<_, f64>(&add, (1,)).unwrap_err();
    assert_eq!(e.message(), "Expected 2 arguments but got 1.");
    let e = vm.call::<_, f64>(&add, (1, true)).unwrap_err();
    assert_eq!(
        e.runtime().unwrap().message,
        "Operands must be two numbers or two strings."
    );
    assert_eq!(e.runtime().unwrap().trace, vec![(1, Some("add".into()))]);
    // A result of the wrong type for the caller.
    assert!(matches!(
        vm.call::<_, bool>(&add, (1, 2)),
        Err(Error::Type { .. })
    ));
    // And the VM still runs programs.
    run(&mut vm, "print add(1, 1);").unwrap();
}

#[test]
fn every_limit_applies_inside_calls_from_rust() {
    let (mut vm, _) = vm();
    vm.set_options(Options {
        max_steps: Some(10_000),
        max_frames: 100,
        max_heap: Some(4 << 20),
        ..Options::default()
    });
    run(
        &mut vm,
        "fun spin() { while (true) {} }\n\
         fun deep(n) { return deep(n + 1); }\n\
         fun hoard() { var s = \"ab\"; while (true) s = s + s; }\n\
         fun interrupted() { stop(); while (true) {} }",
    )
    .unwrap_or_else(|e| {
        // `stop` is defined below; Lox binds globals late, so this compiles and runs.
        panic!("{e}")
    });
    let handle = vm.interrupt_handle();
    vm.register_fn("stop", move |_vm, ()| {
        handle.store(true, Ordering::Relaxed);
        Ok(())
    })
    .unwrap();
    for (name, limit) in [
        ("spin", Limit::Steps),
        ("deep", Limit::Depth),
        ("hoard", Limit::Heap),
        ("interrupted", Limit::Interrupt),
    ] {
        let f: Function = vm.get_global(name).unwrap();
        let result = if name == "deep" {
            vm.call::<_, ()>(&f, (0,))
        } else {
            vm.call::<_, ()>(&f, ())
        };
        match result {
            Err(Error::Limit(which, e)) => {
                assert_eq!(which, limit, "{name}");
                assert_eq!(e.message, limit.message());
                assert!(!e.trace.is_empty(), "{name}: a trace");
            }
            other => panic!("{name}: expected the {limit:?} limit, got {other:?}"),
        }
    }
    // Each call from outside starts a fresh budget, as a run does.
    let f: Function = vm.get_global("deep").unwrap();
    assert!(matches!(
        vm.call::<_, ()>(&f, (0,)),
        Err(Error::Limit(Limit::Depth, _))
    ));
}

#[test]
fn calls_nest_lox_to_host_to_lox_to_host() {
    let (mut vm, out) = vm();
    let depth = Arc::new(AtomicUsize::new(0));
    let deepest = Arc::new(AtomicUsize::new(0));
    let (d, m) = (Arc::clone(&depth), Arc::clone(&deepest));
    // `twice(f, x)` calls the Lox function `f` twice; `f` calls `twice` again.
    vm.register_fn("twice", move |vm, (f, x): (Function, f64)| {
        let now = d.fetch_add(1, Ordering::SeqCst) + 1;
        m.fetch_max(now, Ordering::SeqCst);
        let once: f64 = vm.call(&f, (x,))?;
        let result: Result<f64, Error> = vm.call(&f, (once,));
        d.fetch_sub(1, Ordering::SeqCst);
        result
    })
    .unwrap();
    vm.register_fn("note", |_vm, (s,): (String,)| Ok(s + "."))
        .unwrap();
    run(
        &mut vm,
        "fun inc(x) { return x + 1; }\n\
         fun quad(x) { return twice(inc, twice(inc, x)); }\n\
         fun outer(x) { return twice(quad, x); }\n\
         print outer(0);\n\
         fun says(s) { return note(s); }\n\
         fun relay(s) { return twice(says_twice, 0); }\n\
         fun says_twice(x) { print says(\"hi\"); return x; }\n\
         relay(0);",
    )
    .unwrap();
    assert_eq!(out.contents(), "8\nhi.\nhi.\n");
    assert_eq!(deepest.load(Ordering::SeqCst), 2);
    assert_eq!(depth.load(Ordering::SeqCst), 0);

    // An error deep inside keeps every frame in its trace; the host saw it as an `Err`.
    let e = runtime_error(run(
        &mut vm,
        "fun bad(x) {\n  return x + nil;\n}\nfun go() {\n  return twice(bad, 1);\n}\ngo();",
    ));
    assert_eq!(e.message, "Operands must be two numbers or two strings.");
    assert_eq!(
        e.trace,
        vec![(2, Some("bad".into())), (5, Some("go".into())), (7, None)]
    );

    // A host function that handles a Lox error itself goes on, and so does the caller.
    vm.register_fn("attempt", |vm, (f,): (Function,)| {
        Ok(vm.call::<_, f64>(&f, ()).unwrap_or(-1.0))
    })
    .unwrap();
    run(
        &mut vm,
        "fun fails() { var local = \"x\"; fun c() { return local; } return nil + 1; }\n\
         fun one() { return 1; }\n\
         var before = 1;\n\
         print attempt(fails) + before;\n\
         print attempt(one) + before;",
    )
    .unwrap();
    assert!(out.contents().ends_with("0\n2\n"), "{}", out.contents());
}

/// A host function whose Lox call recurses deep grows the frame vector, which moves the
/// frames of the run that called it. The interpreter keeps a pointer to its running
/// frame, so it must take it again after the host function returns, and go on in the
/// right frame with the right slots.
#[test]
fn frames_that_grow_inside_a_host_call_leave_the_caller_running() {
    let (mut vm, out) = vm();
    vm.register_fn("deep", |vm, (f, n): (Function, f64)| {
        vm.call::<_, f64>(&f, (n,))
    })
    .unwrap();
    run(
        &mut vm,
        "fun down(n) { if (n == 0) return 0; return down(n - 1) + 1; }\n\
         fun caller(a, b) { var r = deep(down, 5000); return a + r + b; }\n\
         fun outer() { return caller(1, 2) + caller(3, 4); }\n\
         print outer();\n\
         print caller(5, 6);",
    )
    .unwrap();
    assert_eq!(out.contents(), "10010\n5011\n");
}

#[test]
fn a_host_function_cannot_run_a_program_inside_a_run() {
    let (mut vm, _) = vm();
    let program = loxide::compile("print 1;").unwrap();
    vm.register_fn("nested", move |vm, ()| {
        vm.run(&program)?;
        Ok(())
    })
    .unwrap();
    let e = runtime_error(run(&mut vm, "nested();"));
    assert_eq!(e.message, "The VM is already running a program.");
}

#[test]
fn a_host_function_called_straight_from_rust_keeps_the_vm_consistent() {
    // No Lox frame is running, but a host function is: the VM is busy all the same.
    let (mut vm, out) = vm();
    let program = loxide::compile("print 1;").unwrap();
    vm.register_fn("nested_run", move |vm, ()| {
        vm.run(&program)?;
        Ok(())
    })
    .unwrap();
    vm.register_fn("apply", |vm, (f, x): (Function, f64)| {
        vm.call::<_, f64>(&f, (x,))
    })
    .unwrap();
    run(
        &mut vm,
        "fun bad(x) { return x + nil; }\nfun inc(x) { return x + 1; }",
    )
    .unwrap();
    let nested: Function = vm.get_global("nested_run").unwrap();
    let e = vm.call::<_, ()>(&nested, ()).unwrap_err();
    assert_eq!(e.message(), "The VM is already running a program.");
    let apply: Function = vm.get_global("apply").unwrap();
    let bad: Function = vm.get_global("bad").unwrap();
    let inc: Function = vm.get_global("inc").unwrap();
    let e = vm.call::<_, f64>(&apply, (bad, 1)).unwrap_err();
    assert_eq!(e.message(), "Operands must be two numbers or two strings.");
    assert_eq!(vm.call::<_, f64>(&apply, (inc.clone(), 1)).unwrap(), 2.0);
    run(&mut vm, "print inc(1);").unwrap();
    assert_eq!(out.contents(), "2\n");
}

#[test]
fn handles_outlive_runs_and_collections() {
    // The use-after-free: a value kept by the host across runs that allocate.
    // Handles are roots, so the objects survive, whatever the collector does.
    let (mut vm, out) = vm();
    run(
        &mut vm,
        "class Box { init(s) { this.s = s; } get() { return this.s; } }\n\
         var kept = Box(\"kept\" + \" by the host\");\n\
         fun make() { var n = 0; fun next() { n = n + 1; return n; } return next; }\n\
         var counter = make();",
    )
    .unwrap();
    let kept: Instance = vm.get_global("kept").unwrap();
    let counter: Function = vm.get_global("counter").unwrap();
    let copy = kept.clone();
    // Nothing in the program reaches them any more.
    run(&mut vm, "kept = nil; counter = nil;").unwrap();
    let churn = "var s = \"\"; for (var i = 0; i < 20000; i = i + 1) { s = \"x\" + s; if (i > 100) s = \"\"; var b = Box(s); }";
    run(&mut vm, churn).unwrap();
    run(&mut vm, churn).unwrap();
    drop(copy);
    run(&mut vm, churn).unwrap();
    assert_eq!(
        vm.call_method::<_, String>(&kept, "get", ()).unwrap(),
        "kept by the host"
    );
    assert_eq!(vm.call::<_, f64>(&counter, ()).unwrap(), 1.0);
    assert_eq!(vm.call::<_, f64>(&counter, ()).unwrap(), 2.0);
    // A handle can go back into the program.
    vm.set_global("again", kept.clone()).unwrap();
    run(&mut vm, "print again.get();").unwrap();
    assert_eq!(out.contents(), "kept by the host\n");
}

#[test]
fn a_vm_dropped_while_handles_live_and_handles_of_another_vm() {
    let (mut first, _) = vm();
    run(&mut first, "fun f() { return 1; } class C {} var c = C();").unwrap();
    let f: Function = first.get_global("f").unwrap();
    let c: Instance = first.get_global("c").unwrap();
    let (mut second, _) = vm();
    run(&mut second, "fun f() { return 2; }").unwrap();
    let expected = Error::Usage("A handle was used with a VM that did not make it.".into());
    assert_eq!(second.call::<_, f64>(&f, ()), Err(expected.clone()));
    assert_eq!(
        second.call_method::<_, ()>(&c, "x", ()),
        Err(expected.clone())
    );
    assert_eq!(second.set_global("g", f.clone()), Err(expected));
    drop(first);
    // The handles outlive their VM: they can be cloned and dropped, and do nothing.
    let g = f.clone();
    drop(f);
    drop(c);
    assert!(matches!(
        second.call::<_, f64>(&g, ()),
        Err(Error::Usage(_))
    ));
    drop(g);
}

#[test]
fn userdata_is_opaque_to_scripts_and_comes_back() {
    #[derive(Debug, PartialEq)]
    struct Account {
        balance: f64,
    }
    let (mut vm, out) = vm();
    vm.register_fn("deposit", |vm, (account, amount): (UserData, f64)| {
        let account = vm.userdata_mut::<Account>(&account)?;
        account.balance += amount;
        Ok(account.balance)
    })
    .unwrap();
    vm.register_fn("open", |vm, ()| {
        vm.create_userdata(Account { balance: 0.0 })
    })
    .unwrap();
    run(
        &mut vm,
        "var a = open(); deposit(a, 10); print deposit(a, 5); print a;\n\
         var b = a; print a == b; print a == open();",
    )
    .unwrap();
    assert_eq!(out.contents(), "15\n<userdata>\ntrue\nfalse\n");
    let a: UserData = vm.get_global("a").unwrap();
    assert_eq!(
        vm.userdata::<Account>(&a).unwrap(),
        &Account { balance: 15.0 }
    );
    assert!(matches!(vm.userdata::<String>(&a), Err(Error::Type { .. })));
    let e = runtime_error(run(&mut vm, "deposit(1, 2);"));
    assert_eq!(
        e.message,
        "Argument 1 of deposit() must be userdata, not a number."
    );
}

#[test]
fn host_functions_capture_state_and_serve_potato() {
    let (mut vm, out) = self::vm();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    vm.register_fn("tally", move |_vm, (n,): (f64,)| {
        Ok(seen.fetch_add(n as usize, Ordering::SeqCst) as f64 + n)
    })
    .unwrap();
    // Potato requires globals to be defined before use: the VM's count.
    let program = loxide::compile_for("say tally(2)\nsay tally(3)\n", Lang::Potato, &vm).unwrap();
    vm.run(&program).unwrap();
    assert_eq!(out.contents(), "2\n5\n");
    assert_eq!(calls.load(Ordering::SeqCst), 5);
    // Without the VM's globals, Potato rejects the use.
    assert!(matches!(
        loxide::compile_for("say tally(2)\n", Lang::Potato, &self::vm().0),
        Err(Error::Compile(_))
    ));
}

#[test]
fn a_million_host_calls() {
    // Under gc-stress every allocation collects: the string results and userdata below
    // make collections happen while host functions hold arguments and handles.
    let (mut vm, out) = vm();
    vm.register_fn("inc", |_vm, (n,): (f64,)| Ok(n + 1.0))
        .unwrap();
    vm.register_fn("label", |_vm, (n,): (f64,)| Ok(format!("#{n}")))
        .unwrap();
    vm.register_fn("wrap", |vm, (s,): (String,)| vm.create_userdata(s))
        .unwrap();
    vm.register_fn("unwrap", |vm, (u,): (UserData,)| {
        Ok(vm.userdata::<String>(&u)?.clone())
    })
    .unwrap();
    run(
        &mut vm,
        "var n = 0; for (var i = 0; i < 1000000; i = i + 1) n = inc(n); print n;\n\
         var last; for (var i = 0; i < 2000; i = i + 1) last = unwrap(wrap(label(i))); print last;",
    )
    .unwrap();
    assert_eq!(out.contents(), "1e+06\n#1999\n");
}

#[test]
fn a_vm_moves_to_another_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<Vm>();
    assert_send::<Function>();
    assert_send::<Error>();
    let (mut vm, out) = vm();
    vm.register_fn("twice", |_vm, (x,): (f64,)| Ok(2.0 * x))
        .unwrap();
    run(&mut vm, "fun f(x) { return twice(x) + 1; }").unwrap();
    let f: Function = vm.get_global("f").unwrap();
    let result = std::thread::spawn(move || {
        let r: f64 = vm.call(&f, (20,)).unwrap();
        run(&mut vm, "print f(1);").unwrap();
        r
    })
    .join()
    .unwrap();
    assert_eq!(result, 41.0);
    assert_eq!(out.contents(), "3\n");
}

#[test]
fn a_runaway_string_is_out_of_memory_not_an_abort() {
    // With the embedded heap cap (1 GiB), the doubling string stops with the heap limit.
    let (mut vm, _) = vm();
    let result = run(&mut vm, "var s = \"ab\"; while (true) s = s + s;");
    match result {
        Err(Error::Limit(Limit::Heap, e)) => assert_eq!(e.message, "Out of memory."),
        other => panic!("expected Out of memory., got {other:?}"),
    }
}

#[test]
fn the_examples_run() {
    hello::main().unwrap_or_else(|e| panic!("{e}"));
    // The benchmark, briefly: both callees add up (it checks), and time is measured.
    let (lox, host) = host_calls::measure(1000).unwrap_or_else(|e| panic!("{e}"));
    assert!(lox > 0.0 && host > 0.0);
    let report = game::run().unwrap_or_else(|e| panic!("{e}"));
    assert!(report.contains("frame 6: x = 7\n"), "{report}");
    assert!(report.contains("log: bounce 1 at frame 6\n"), "{report}");
    assert!(
        report.ends_with("x = -1, speed = -2\nbounces = 1\n"),
        "{report}"
    );
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let report = sandbox::run();
    std::panic::set_hook(previous);
    assert_eq!(
        report,
        "polite: ok, printed \"hello from the sandbox\\n\"\n\
         spins: stopped by the Steps limit\n\
         recurses: stopped by the Depth limit\n\
         hoards: stopped by the Heap limit\n\
         crashes a host function: failed: Host function 'fragile' panicked. (line 1)\n\
         does not compile: rejected: Expect expression. at line 1, columns 7..8\n\
         fails: failed: Operands must be two numbers or two strings. (line 1)\n"
    );
}

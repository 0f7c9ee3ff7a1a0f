//! A compilation the allocator refuses memory to ends with `Out of memory.`, never with
//! an abort of the process (issue 12; `loxide_syntax::memory`).
//!
//! This test program has a global allocator of its own that can refuse one chosen
//! allocation. A first compilation counts the large allocations (those of at least
//! `LARGE` bytes: every vector that grows with the source passes that size on these
//! programs); then, for each of them in turn, the same compilation runs again with that
//! one refused. Each must either succeed or fail with `Out of memory.`: an allocation
//! that is not asked for fallibly aborts the whole test program, which fails the test.
//!
//! It is a program of its own because the allocator is global: the one test in it runs
//! the sweeps one after another, so nothing else allocates large blocks meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use loxide::Lang;
use loxide::driver;
use loxide::ir::Limits;

/// Allocations (and reallocations) of at least this many bytes are counted and may be
/// refused.
const LARGE: usize = 4096;

/// The allocator of this test program: the system's, refusing the large allocation
/// whose number is `REFUSE_AT` while `ARMED`.
struct Refusing;

static ARMED: AtomicBool = AtomicBool::new(false);
static SEEN: AtomicUsize = AtomicUsize::new(0);
static REFUSE_AT: AtomicUsize = AtomicUsize::new(0);

impl Refusing {
    /// Whether to refuse an allocation of `size` bytes: counts it when it is large.
    fn refuses(size: usize) -> bool {
        if size < LARGE || !ARMED.load(Ordering::Relaxed) {
            return false;
        }
        let n = SEEN.fetch_add(1, Ordering::Relaxed) + 1;
        n == REFUSE_AT.load(Ordering::Relaxed)
    }
}

#[global_allocator]
static ALLOCATOR: Refusing = Refusing;

// SAFETY: every call is forwarded unchanged to `System`, which upholds `GlobalAlloc`'s
// contract, or answered with null, which the contract allows for any request (it means
// the memory could not be had). The counting touches only atomics and never allocates.
unsafe impl GlobalAlloc for Refusing {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if Refusing::refuses(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's layout, forwarded (see the impl's note).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if Refusing::refuses(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's layout, forwarded (see the impl's note).
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's pointer and layout, forwarded (see the impl's note).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() && Refusing::refuses(new_size) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's pointer, layout and size, forwarded (see the impl's note).
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// How a compilation ended, as the test compares it.
#[derive(Debug, PartialEq)]
enum Outcome {
    Compiled,
    OutOfMemory,
    Failed(Vec<String>),
}

/// Runs `compile` with the large allocation number `refuse_at` refused (none if 0), and
/// returns how it ended and how many large allocations it made.
fn run(compile: &dyn Fn() -> Outcome, refuse_at: usize) -> (Outcome, usize) {
    SEEN.store(0, Ordering::Relaxed);
    REFUSE_AT.store(refuse_at, Ordering::Relaxed);
    ARMED.store(true, Ordering::Relaxed);
    let outcome = compile();
    ARMED.store(false, Ordering::Relaxed);
    (outcome, SEEN.load(Ordering::Relaxed))
}

/// Refuses each large allocation of `compile` in turn. Every run must end as the
/// unrefused one did, which must match `expected`, or with `Out of memory.`; the count
/// of runs that ran out of memory is returned.
fn sweep(name: &str, expected: fn(&Outcome) -> bool, compile: &dyn Fn() -> Outcome) -> usize {
    let (unrefused, large) = run(compile, 0);
    assert!(
        expected(&unrefused),
        "{name}: the unrefused compilation: {unrefused:?}"
    );
    assert!(large > 20, "{name}: only {large} large allocations");
    let expected = &unrefused;
    let mut refused = 0;
    for n in 1..=large {
        let (outcome, _) = run(compile, n);
        match outcome {
            Outcome::OutOfMemory => refused += 1,
            other => assert_eq!(
                &other, expected,
                "{name}: allocation {n} of {large} refused"
            ),
        }
    }
    eprintln!("{name}: {refused} of {large} large allocations refused were out of memory");
    refused
}

fn outcome(result: Result<loxide::Program, driver::CompileError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Compiled,
        Err(e) if e.lines == ["Out of memory."] => Outcome::OutOfMemory,
        Err(e) => Outcome::Failed(e.lines),
    }
}

/// A Lox program with a piece of every kind of declaration, `copies` times over, and a
/// function of `statements` statements (so that one function's vectors grow large too).
fn lox_program(copies: usize, statements: usize) -> String {
    let mut source = String::new();
    for i in 0..copies {
        source.push_str(&format!(
            "class Base{i} {{ init(x) {{ this.x = x; }} get() {{ return this.x; }} }}\n\
             class Derived{i} < Base{i} {{ get() {{ return super.get() + {i}; }} }}\n\
             fun counter{i}() {{ var n = 0; fun next() {{ n = n + 1; return n; }} return next; }}\n\
             var d{i} = Derived{i}({i}.5);\n\
             for (var j = 0; j < 3; j = j + 1) {{ if (j == 1 and d{i}.get() > 0 or !true) print \"s{i}\" + \"t\"; }}\n\
             while (false) {{ print d{i}.get(); }}\n"
        ));
    }
    source.push_str("fun long() {\n  var s = 0;\n");
    for i in 0..statements {
        source.push_str(&format!("  s = s + {i} * 2 - 1; print \"line {i}\";\n"));
    }
    source.push_str("  return s;\n}\nprint long();\n");
    source
}

/// A Potato program of `copies` closures made and called.
fn potato_program(copies: usize) -> String {
    let mut source = String::new();
    for i in 0..copies {
        source.push_str(&format!(
            "adder{i} (x)\n    add (y) x potato y\n    add\na{i} is adder{i}({i})\nsay a{i}(10)\n"
        ));
    }
    source
}

fn compiled(outcome: &Outcome) -> bool {
    *outcome == Outcome::Compiled
}

fn failed(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Failed(_))
}

#[test]
fn every_large_allocation_of_the_compiler_may_be_refused_without_an_abort() {
    let lox = lox_program(200, 1000);
    let mut refused = 0;

    // Compiling by pieces (what `lox` and `loxide::compile` do), on the compiler's thread.
    refused += sweep("pieces", compiled, &|| {
        outcome(driver::compile(&lox, Limits::Default))
    });
    // The whole pipeline, under loxide's limits and under clox's (whose limit on
    // constants the program crosses: an error found by lowering).
    refused += sweep("pipeline", compiled, &|| {
        outcome(driver::compile_here(&lox, Limits::Default))
    });
    refused += sweep("clox limits", failed, &|| {
        outcome(driver::compile(&lox, Limits::Clox))
    });

    // A program with errors: the pipeline reports them as clox does, replaying the parse.
    let broken = format!("{lox}\nvar = 1;\nprint undefined_thing;\nreturn 2;\n");
    refused += sweep("errors", failed, &|| {
        outcome(driver::compile_here(&broken, Limits::Default))
    });

    // Potato, the other front-end.
    let potato = potato_program(300);
    refused += sweep("potato", compiled, &|| {
        outcome(driver::compile_with(&potato, Lang::Potato, Limits::Default))
    });

    // Refusing a large allocation must mostly be noticed: a sweep where nothing ran out of
    // memory would not have refused anything.
    assert!(refused > 100, "only {refused} refusals were noticed");
}

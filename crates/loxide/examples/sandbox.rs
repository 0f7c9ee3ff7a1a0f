//! A sandbox for untrusted scripts: every limit set, each script run in a fresh VM,
//! and every way a script can fail reported as data. None of them can take the host
//! down: not an endless loop, not runaway recursion or allocation, not a host function
//! that panics.
//!
//! Run it with `cargo run -p loxide --example sandbox`.

use loxide::{Error, Options, SharedBuffer, Vm};

/// Untrusted scripts, one per way to misbehave, and one that behaves.
const SCRIPTS: &[(&str, &str)] = &[
    ("polite", "print \"hello from the sandbox\";"),
    ("spins", "while (true) {}"),
    ("recurses", "fun f() { f(); } f();"),
    ("hoards", "var s = \"ab\"; while (true) s = s + s;"),
    ("crashes a host function", "fragile();"),
    ("does not compile", "print ;"),
    ("fails", "print nil + 1;"),
];

/// The sandbox's limits: a step budget, a small heap, a shallow stack.
fn options() -> Options {
    Options {
        max_steps: Some(1_000_000),
        max_heap: Some(16 << 20),
        max_frames: 256,
        ..Options::default()
    }
}

/// Runs one untrusted script; says what became of it.
fn run_one(source: &str) -> String {
    let out = SharedBuffer::new();
    let mut vm = Vm::with_output(options(), Box::new(out.clone()));
    let registered = vm.register_fn("fragile", |_vm, ()| -> Result<(), Error> {
        panic!("a bug in the host")
    });
    if let Err(e) = registered {
        return format!("could not set up: {e}");
    }
    let result = loxide::compile(source).and_then(|program| Ok(vm.run(&program)?));
    match result {
        Ok(()) => format!("ok, printed {:?}", out.contents()),
        Err(Error::Limit(limit, _)) => format!("stopped by the {limit:?} limit"),
        Err(Error::Compile(e)) => format!(
            "rejected: {} at line {}, columns {:?}",
            e.diagnostics[0].message, e.diagnostics[0].line, e.diagnostics[0].columns
        ),
        Err(Error::Runtime(e)) => format!("failed: {} (line {})", e.message, e.trace[0].0),
        Err(other) => format!("error: {other}"),
    }
}

/// Runs every script; returns the report.
pub fn run() -> String {
    SCRIPTS
        .iter()
        .map(|(name, source)| format!("{name}: {}\n", run_one(source)))
        .collect()
}

fn main() {
    // The panic in `fragile` is caught; keep the default hook's report off the output.
    std::panic::set_hook(Box::new(|_| {}));
    print!("{}", run());
}

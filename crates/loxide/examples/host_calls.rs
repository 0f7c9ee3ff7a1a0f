//! A benchmark: a call from Lox to a host function against a call to a Lox function
//! doing the same work (`bench/host/host_calls.lox`). Prints the time per call of each
//! and their ratio. `cargo run --release -p loxide --example host_calls [COUNT [WHICH]]`;
//! WHICH (`lox_add` or `host_add`) runs only that callee, for instruction counts
//! under `valgrind --tool=callgrind`, which do not move with the machine's load.

use std::time::Instant;

use loxide::{Error, Function, Options, Vm};

/// Rounds of each measurement.
const ROUNDS: usize = 3;

const PROGRAM: &str = include_str!("../../../bench/host/host_calls.lox");

/// Runs `count` calls through each callee; returns the seconds each took.
pub fn measure(count: u32) -> Result<(f64, f64), Error> {
    let seconds = measure_callees(count, &["lox_add", "host_add"])?;
    Ok((seconds[0], seconds[1]))
}

/// Runs `count` calls through each of `callees`; returns the seconds each took.
fn measure_callees(count: u32, callees: &[&str]) -> Result<Vec<f64>, Error> {
    let mut vm = Vm::new(Options::default());
    vm.register_fn("host_add", |_vm, (a, b): (f64, f64)| Ok(a + b))?;
    vm.run(&loxide::compile(PROGRAM)?)?;
    let run: Function = vm.get_global("run")?;
    // Interleaved rounds, the fastest of each kept: the first round also pays for
    // warming up (pages of the stack, caches), which would favour whoever runs second.
    let mut seconds = vec![f64::INFINITY; callees.len()];
    for _round in 0..ROUNDS {
        for (i, &callee) in callees.iter().enumerate() {
            let add: Function = vm.get_global(callee)?;
            let start = Instant::now();
            let n: f64 = vm.call(&run, (add, count))?;
            seconds[i] = seconds[i].min(start.elapsed().as_secs_f64());
            assert_eq!(n, f64::from(count), "{callee} added up");
        }
    }
    Ok(seconds)
}

fn main() -> Result<(), Error> {
    let count = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    if let Some(which) = std::env::args().nth(2) {
        let seconds = measure_callees(count, &[&which])?;
        println!("{which}: {:.3} s", seconds[0]);
        return Ok(());
    }
    let (lox, host) = measure(count)?;
    let per_call = |s: f64| s * 1e9 / f64::from(count);
    println!("calls: {count}");
    println!("Lox function:  {:.1} ns/call", per_call(lox));
    println!("host function: {:.1} ns/call", per_call(host));
    println!("host / Lox:    {:.2}", host / lox);
    Ok(())
}

//! The short version: a host function, a run, a global read back, a Lox function
//! called from Rust. `cargo run -p loxide --example hello`.
use loxide::{Error, Function, Options, Vm};

pub fn main() -> Result<(), Error> {
    let mut vm = Vm::new(Options::embedded()); // limits: see docs/embedding.md
    vm.register_fn("host_add", |_vm, (a, b): (f64, f64)| Ok(a + b))?;
    let program = loxide::compile("var x = host_add(2, 3); fun twice(n) { return 2 * n; }")?;
    vm.run(&program)?; // globals persist between runs
    let x: f64 = vm.get_global("x")?;
    let twice: Function = vm.get_global("twice")?; // a handle: keeps `twice` alive
    let y: f64 = vm.call(&twice, (x,))?;
    println!("x = {x}, twice(x) = {y}");
    Ok(())
}

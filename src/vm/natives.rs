//! Native functions: Lox functions written in Rust. The book defines one, `clock`.

use std::sync::OnceLock;
use std::time::Instant;

use super::Vm;
use super::object::{Header, NativeFn, ObjKind, ObjNative};
use super::value::Value;

/// Defines every native as a global.
pub fn define_all(vm: &mut Vm) {
    define(vm, "clock", 0, clock);
}

fn define(vm: &mut Vm, name: &'static str, arity: u8, function: NativeFn) {
    // The slot first: making it may collect, and the native is not rooted until stored.
    vm.define_global(name, Value::NIL);
    vm.maybe_collect();
    let native = vm.heap.alloc(ObjNative {
        header: Header::new(ObjKind::Native),
        name,
        arity,
        function,
    });
    vm.define_global(name, Value::object(native));
}

/// Seconds since the program started, as a number. Like clox's, it ignores arguments.
fn clock(_args: &[Value]) -> Result<Value, String> {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = START.get_or_init(Instant::now);
    Ok(Value::number(start.elapsed().as_secs_f64()))
}

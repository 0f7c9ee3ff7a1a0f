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

/// Processor time used by the program, in seconds, as clox's `clock()` (C's `clock()`)
/// gives it; wall time where the platform has no process clock. Like clox's, it ignores
/// its arguments.
fn clock(_args: &[Value]) -> Result<Value, String> {
    #[cfg(unix)]
    {
        use nix::time::{ClockId, clock_gettime};
        if let Ok(t) = clock_gettime(ClockId::CLOCK_PROCESS_CPUTIME_ID) {
            return Ok(Value::number(t.tv_sec() as f64 + t.tv_nsec() as f64 * 1e-9));
        }
    }
    static START: OnceLock<Instant> = OnceLock::new();
    let start = START.get_or_init(Instant::now);
    Ok(Value::number(start.elapsed().as_secs_f64()))
}

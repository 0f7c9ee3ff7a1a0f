//! Native functions: Lox functions written in Rust. The book defines one, `clock`;
//! hosts add their own through `Vm::register_fn` (see `embed`).

use super::Vm;
use super::object::{Header, NativeFn, ObjKind, ObjNative};
use super::value::Value;

/// Defines every built-in native as a global.
pub fn define_all(vm: &mut Vm) {
    // Clox's `clock` ignores its arguments.
    define(vm, "clock", None, Box::new(|vm, _argc| Ok(clock(vm))))
        .expect("a fresh VM has room for its built-in globals");
}

/// Allocates a native and stores it in global `name`.
pub fn define(
    vm: &mut Vm,
    name: &str,
    arity: Option<u8>,
    function: NativeFn,
) -> Result<(), super::RuntimeError> {
    // The slot first: making it may collect, and the native is not rooted until stored.
    let slot = vm.global_slot(name)? as usize;
    if vm.maybe_collect().is_err() {
        return Err(vm.limit_error(super::Limit::Heap));
    }
    let native = vm.heap.alloc(ObjNative {
        header: Header::new(ObjKind::Native),
        name: name.into(),
        arity,
        function,
    });
    vm.globals[slot] = Value::object(native);
    Ok(())
}

/// Processor time used by the program, in seconds, as clox's `clock()` (C's `clock()`)
/// gives it; where the platform has no process clock, the time since the VM was made.
fn clock(vm: &Vm) -> Value {
    #[cfg(unix)]
    {
        use nix::time::{ClockId, clock_gettime};
        if let Ok(t) = clock_gettime(ClockId::CLOCK_PROCESS_CPUTIME_ID) {
            return Value::number(t.tv_sec() as f64 + t.tv_nsec() as f64 * 1e-9);
        }
    }
    Value::number(vm.started.elapsed().as_secs_f64())
}

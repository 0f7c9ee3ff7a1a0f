//! What the fuzz targets check, kept apart from libFuzzer so that `replay` and `seed`
//! build without it. The trade-off: every input that verifies also runs, but under a
//! small step budget, call depth and heap, so that a mutated loop stops in well under a
//! second; deep or long programs are cut short rather than explored.

use loxide::bytecode::verify::{self, MaxStack};
use loxide::bytecode::{disasm, file};
use loxide::vm::{Options, Vm};

/// Call depth for fuzzed programs.
pub const FUZZ_MAX_FRAMES: usize = 64;
/// Value-stack size for fuzzed programs (values, not bytes).
pub const FUZZ_STACK_VALUES: usize = 1 << 14;
/// Loop back-edges plus calls a fuzzed program may make: between two of them execution
/// only moves forward through code, so this bounds the time of any input.
pub const FUZZ_MAX_STEPS: u64 = 2_000;
/// Heap bytes a fuzzed program may keep.
pub const FUZZ_MAX_HEAP: usize = 64 << 20;

/// The loader target: decode, disassemble, verify, and run with output discarded. Any
/// panic or crash in here is a bug.
pub fn loader(data: &[u8]) {
    let Ok((module, frontend)) = file::read(data) else {
        return;
    };
    // `lox disasm` shows files that fail verification, so it must survive them too.
    std::hint::black_box(disasm::module(&module, true));
    let Ok(program) = verify::verify(module, MaxStack::Check) else {
        return;
    };
    let options = Options {
        max_frames: FUZZ_MAX_FRAMES,
        stack_values: FUZZ_STACK_VALUES,
        max_steps: Some(FUZZ_MAX_STEPS),
        max_heap: Some(FUZZ_MAX_HEAP),
    };
    let mut vm = Vm::with_output(options, Box::new(std::io::sink()));
    vm.set_lang(frontend);
    let _ = vm.run(&program);
}

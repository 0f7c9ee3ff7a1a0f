//! What the fuzz targets check, kept apart from libFuzzer so that `replay` and `seed`
//! build without it. The trade-off: a loaded program runs only when it cannot loop
//! (no `LOOP` instruction) and under a tiny call-depth limit, because the VM has no
//! step budget yet; reading, disassembling and verifying run on every input.

use loxide::bytecode::verify::{self, MaxStack};
use loxide::bytecode::{Op, disasm, file};
use loxide::vm::{Options, Vm};

/// Call depth for fuzzed programs: small, so that recursion without loops stays cheap.
pub const FUZZ_MAX_FRAMES: usize = 8;
/// Value-stack size for fuzzed programs (values, not bytes).
pub const FUZZ_STACK_VALUES: usize = 1 << 14;

/// The loader target: decode, verify, and (when it cannot loop) run with output
/// discarded. Any panic or crash in here is a bug.
pub fn loader(data: &[u8]) {
    let Ok((module, frontend)) = file::read(data) else {
        return;
    };
    // `lox disasm` shows files that fail verification, so it must survive them too.
    std::hint::black_box(disasm::module(&module, true));
    let Ok(program) = verify::verify(module, MaxStack::Check) else {
        return;
    };
    if program.module().functions.iter().any(|f| has_loop(&f.code)) {
        return;
    }
    let options = Options {
        max_frames: FUZZ_MAX_FRAMES,
        stack_values: FUZZ_STACK_VALUES,
    };
    let mut vm = Vm::with_output(options, Box::new(std::io::sink()));
    vm.set_lang(frontend);
    let _ = vm.run(&program);
}

/// True when verified code holds a backward jump (the only way a function loops).
fn has_loop(code: &[u8]) -> bool {
    let mut offset = 0;
    while let Some(op) = code.get(offset).and_then(|&b| Op::from_byte(b)) {
        if op == Op::Loop {
            return true;
        }
        offset += op.size();
    }
    false
}

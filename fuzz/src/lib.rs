//! What the fuzz targets check, kept apart from libFuzzer so that `replay`, `seeded`
//! and `seed` build without it. Four targets: `loader` (bytes as a bytecode file),
//! `source` (bytes as a program, through the whole pipeline), `roundtrip` (a program
//! runs the same from its bytecode file) and `generated` (bytes as a seed for
//! `testgen`). The trade-off: every input that compiles or verifies also runs, but
//! under a small step budget, call depth and heap, so that a mutated loop stops in well
//! under a second; deep or long programs are cut short rather than explored.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use loxide::bytecode::verify::{self, MaxStack, Verified};
use loxide::bytecode::{disasm, file};
use loxide::driver;
use loxide::frontend::Lang;
use loxide::ir::Limits;
use loxide_testgen as testgen;
use loxide::vm::{Options, RuntimeError, Vm};

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
    let Ok(module) = file::read(data) else {
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
        max_time: None,
        record_pauses: false,
    };
    let mut vm = Vm::with_output(options, Box::new(std::io::sink()));
    let _ = vm.run(&program);
}

// ----- Source targets -------------------------------------------------------------------

/// Loop back-edges plus calls a fuzzed source program may make: enough for real loops
/// and recursion. A step is not a fixed amount of time: one loop iteration may run a
/// body of thousands of instructions, or concatenate strings as long as the heap allows,
/// so the budget times the largest body, or the heap, bounds an input's time. 100,000
/// steps let a 100 KB input with one huge loop take over 10 seconds (a libFuzzer
/// timeout); 10,000 keep every input near a second.
pub const SOURCE_MAX_STEPS: u64 = 10_000;
/// Heap bytes a fuzzed source program may keep: small, because concatenating two
/// strings costs time in proportion to their length and is only one step.
pub const SOURCE_MAX_HEAP: usize = 1 << 20;
/// Steps a generated program may make; it promises far fewer (`Config::run_budget`).
pub const GENERATED_MAX_STEPS: u64 = 1_000_000;
/// How many bytes of a program's output are hashed; past them, only the length counts,
/// so a program printing a huge string in a loop costs no more than its budget.
pub const DIGEST_BYTES: u64 = 1 << 20;

/// A fuzzed program's VM limits: a small stack, `max_steps` steps and `max_heap` bytes.
fn source_options(lang_limits: Limits, max_steps: u64, max_heap: usize) -> Options {
    Options {
        max_frames: match lang_limits {
            Limits::Clox => loxide::vm::CLOX_MAX_FRAMES,
            Limits::Default => FUZZ_MAX_FRAMES,
        },
        stack_values: FUZZ_STACK_VALUES,
        max_steps: Some(max_steps),
        max_heap: Some(max_heap),
        max_time: None,
        record_pauses: false,
    }
}

/// The source target: arbitrary bytes as a program (as `lox FILE` reads them: invalid
/// UTF-8 replaced) through the whole pipeline, as Lox under both sets of limits and as
/// Potato; whatever compiles then runs under a step budget with its output discarded.
/// A panic anywhere, or a compiler that gives up (`Internal compiler error`), is a bug.
pub fn source(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for (lang, limits) in [
        (Lang::Lox, Limits::Default),
        (Lang::Lox, Limits::Clox),
        (Lang::Potato, Limits::Default),
    ] {
        match driver::compile_with(&text, lang, limits) {
            Ok(program) => {
                let mut vm = Vm::with_output(
                    source_options(limits, SOURCE_MAX_STEPS, SOURCE_MAX_HEAP),
                    Box::new(io::sink()),
                );
                let _ = vm.run(&program);
            }
            Err(e) => assert!(
                !e.lines
                    .iter()
                    .any(|l| l.starts_with("Internal compiler error")),
                "{lang:?} {limits:?}: {e}"
            ),
        }
    }
}

/// A program's output, as a digest: a hash of its first `DIGEST_BYTES` bytes and its
/// total length, so outputs compare in constant memory.
#[derive(Clone, Default)]
pub struct Digest(Arc<Mutex<(u64, u64)>>);

impl Digest {
    /// `(hash of the first DIGEST_BYTES bytes, total length)`.
    pub fn value(&self) -> (u64, u64) {
        *self.0.lock().expect("the digest")
    }
}

impl Write for Digest {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut state = self.0.lock().expect("the digest");
        let (hash, length) = &mut *state;
        let room = DIGEST_BYTES.saturating_sub(*length) as usize;
        for &byte in &buf[..buf.len().min(room)] {
            // FNV-1a.
            *hash = (*hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        *length += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What running a program did: its output's digest and its runtime error.
pub type Outcome = ((u64, u64), Option<RuntimeError>);

/// Runs a verified program on a fresh VM.
pub fn outcome(program: &Verified, options: Options) -> Outcome {
    let digest = Digest::default();
    let mut vm = Vm::with_output(options, Box::new(digest.clone()));
    let error = vm.run(program).err();
    vm.flush();
    (digest.value(), error)
}

/// Compiled code, written as a bytecode file and loaded back, must give the same bytes
/// when written again, and must run exactly as the code it came from. Panics otherwise.
pub fn check_roundtrip(
    program: &Verified,
    lang: Lang,
    limits: Limits,
    max_steps: u64,
    max_heap: usize,
) {
    let bytes = file::write(program.module());
    let loaded = match file::load(&bytes) {
        Ok(loaded) => loaded,
        Err(e) => panic!("compiled {lang:?} does not load back: {e}"),
    };
    assert_eq!(
        loaded.module().dialect,
        loxide::driver::dialect(lang),
        "the file's dialect"
    );
    assert!(
        file::write(loaded.module()) == bytes,
        "writing the loaded module gives other bytes"
    );
    std::hint::black_box(disasm::module(loaded.module(), false));
    let options = source_options(limits, max_steps, max_heap);
    let direct = outcome(program, options.clone());
    let from_file = outcome(&loaded, options);
    assert_eq!(direct, from_file, "from source vs from its bytecode file");
}

/// The roundtrip target: whatever of the input compiles (as the source target reads
/// it) runs the same from its bytecode file as directly, under a step budget.
pub fn roundtrip(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for (lang, limits) in [
        (Lang::Lox, Limits::Default),
        (Lang::Lox, Limits::Clox),
        (Lang::Potato, Limits::Default),
    ] {
        if let Ok(program) = driver::compile_with(&text, lang, limits) {
            check_roundtrip(&program, lang, limits, SOURCE_MAX_STEPS, SOURCE_MAX_HEAP);
        }
    }
}

/// The generator's knobs from fuzzer bytes: each byte picks one knob in a range the
/// generator supports; missing bytes leave the default.
pub fn config_from(bytes: &[u8]) -> testgen::Config {
    let mut config = testgen::Config::default();
    let pick = |i: usize, lo: u64, hi: u64, default: u64| -> u64 {
        bytes
            .get(i)
            .map_or(default, |&b| lo + u64::from(b) % (hi - lo + 1))
    };
    config.max_items = pick(0, 1, 48, config.max_items as u64) as usize;
    config.max_block = pick(1, 1, 8, config.max_block as u64) as usize;
    config.max_depth = pick(2, 1, 6, config.max_depth as u64) as usize;
    config.max_expr_depth = pick(3, 1, 5, config.max_expr_depth as u64) as usize;
    config.max_statements = pick(4, 20, 400, config.max_statements as u64) as usize;
    config.error_percent = pick(5, 0, 100, u64::from(config.error_percent)) as u32;
    config
}

/// The generated target: the first 8 bytes are a seed for `testgen`, the next ones its
/// knobs. The valid program it writes must compile, and run the same from source and
/// from its bytecode file; a mutation of it goes through the source target.
pub fn generated(data: &[u8]) {
    let mut seed = [0u8; 8];
    let head = data.len().min(8);
    seed[..head].copy_from_slice(&data[..head]);
    let seed = u64::from_le_bytes(seed);
    let config = config_from(data.get(8..).unwrap_or_default());
    let source = testgen::program_with(seed, &config);
    let program = match driver::compile(&source, Limits::Default) {
        Ok(program) => program,
        Err(e) => panic!("generated program {seed} ({config:?}) does not compile:\n{e}"),
    };
    check_roundtrip(
        &program,
        Lang::Lox,
        Limits::Default,
        GENERATED_MAX_STEPS,
        FUZZ_MAX_HEAP,
    );
    self::source(testgen::mutate(&source, seed).as_bytes());
}

/// A target by its name, for the replay and seeded runners.
pub fn target(name: &str) -> Option<fn(&[u8])> {
    match name {
        "loader" => Some(loader),
        "source" => Some(source),
        "roundtrip" => Some(roundtrip),
        "generated" => Some(generated),
        _ => None,
    }
}

/// The target names.
pub const TARGETS: [&str; 4] = ["loader", "source", "roundtrip", "generated"];

/// The `n`th input of a deterministic stream for a target, for runs without libFuzzer:
/// generated and mutated programs for the source targets, mutated compiled programs
/// for the loader, seeds for the generator.
pub fn seeded_input(name: &str, seed: u64) -> Vec<u8> {
    let mut rng = testgen::Rng::new(seed ^ 0x5eed_f022);
    match name {
        "loader" => {
            let source = testgen::program(seed);
            let Ok(program) = driver::compile(&source, Limits::Default) else {
                return Vec::new();
            };
            let mut bytes = file::write(program.module());
            for _ in 0..rng.range(0, 4) {
                let at = rng.below(bytes.len() as u64) as usize;
                bytes[at] = rng.next_u64() as u8;
            }
            bytes
        }
        "generated" => {
            let mut bytes = seed.to_le_bytes().to_vec();
            bytes.extend((0..rng.range(0, 6)).map(|_| rng.next_u64() as u8));
            bytes
        }
        _ if seed % 4 == 0 => testgen::program(seed).into_bytes(),
        _ => testgen::mutated(seed).into_bytes(),
    }
}

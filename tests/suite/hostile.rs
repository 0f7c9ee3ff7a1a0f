//! Bytecode files that lie: one hand-written file per class of defect in
//! `tests/bytecode/` (annotated hex, with the message fragment it must produce), every
//! truncation of compiled programs, thousands of seeded random mutations, the reader's
//! caps, and verified-but-odd programs (every opcode in a strange frame, a class that
//! inherits from itself, an error that leaves upvalues open). Every file must be
//! rejected with exit 65, or verify and then run without crashing: a crash is a death by
//! signal, a panic (101) or an abort (134). The seeds are fixed, so a failure reproduces.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use loxide::bytecode::verify::{self, MAX_FUNCTION_NESTING, MaxStack};
use loxide::bytecode::{Constant, Function, LineRun, Module, Op, disasm};
use loxide::bytecode::{Dialect, file};
use loxide::driver;

use super::bytecode_file::{corpus, lox, scratch};

/// Mutants of the file's bytes, most of them caught by the reader.
const BYTE_MUTANTS: usize = 6000;
/// Mutants of the decoded module, written back well formed for the verifier to judge.
const MODULE_MUTANTS: usize = 4000;
/// How long a mutant that verified may run: a mutated jump can loop forever.
const MUTANT_TIMEOUT: Duration = Duration::from_secs(2);

/// Parses an annotated hex file: `#` starts a comment, the rest is hex byte pairs.
/// Returns the bytes and the `# expect:` fragment.
fn parse_hex(text: &str, path: &Path) -> (Vec<u8>, String) {
    let mut bytes = Vec::new();
    let mut expect = None;
    for line in text.lines() {
        let (data, comment) = line.split_once('#').unwrap_or((line, ""));
        if let Some(fragment) = comment.trim().strip_prefix("expect:") {
            expect = Some(fragment.trim().to_string());
        }
        for pair in data.split_whitespace() {
            let byte = u8::from_str_radix(pair, 16)
                .unwrap_or_else(|_| panic!("{}: '{pair}' is not a hex byte", path.display()));
            bytes.push(byte);
        }
    }
    let expect = expect.unwrap_or_else(|| panic!("{} has no '# expect:' line", path.display()));
    (bytes, expect)
}

fn hostile_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("bytecode");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/bytecode exists")
        .map(|e| e.expect("a readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "hex"))
        .collect();
    files.sort();
    files
}

#[test]
fn each_hostile_file_is_rejected_with_its_message() {
    let files = hostile_files();
    assert!(files.len() >= 40, "only {} hostile files", files.len());
    let dir = scratch("hostile");
    let mut failures = Vec::new();
    for path in &files {
        let (bytes, expect) = parse_hex(&fs::read_to_string(path).unwrap(), path);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let loaded = catch_unwind(|| file::load(&bytes).map(|_| ()).map_err(|e| e.to_string()));
        let binary = dir.join(name.replace(".hex", ".loxc"));
        fs::write(&binary, &bytes).unwrap();
        let run = lox(&[binary.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        match (expect.as_str(), loaded) {
            (_, Err(_)) => failures.push(format!("{name}: the loader panicked")),
            ("ok", Ok(Ok(()))) if run.status.success() => {}
            ("ok", other) => {
                failures.push(format!("{name}: expected to load, got {other:?}, {stderr}"))
            }
            (_, Ok(Ok(()))) => failures.push(format!("{name}: accepted; expected '{expect}'")),
            (_, Ok(Err(message))) => {
                if !message.contains(&expect) {
                    failures.push(format!("{name}: '{message}' does not contain '{expect}'"));
                }
                if run.status.code() != Some(65) || stderr.trim_end() != message {
                    failures.push(format!(
                        "{name}: the CLI said {:?}: {stderr}",
                        run.status.code()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Compiled files of a spread of corpus programs, each under 4 KiB so that random
/// mutations often land in code rather than only in long strings.
fn compiled_sample() -> Vec<(String, Vec<u8>)> {
    let mut sample = Vec::new();
    for program in corpus() {
        let Ok(verified) = program.compile() else {
            continue;
        };
        let bytes = file::write(verified.module());
        if bytes.len() <= 4096 && !program.clox_limits() {
            sample.push((program.name(), bytes));
        }
    }
    sample
}

/// The verifier's fast path vouches for every compiled function but those whose
/// closures capture their locals (which the general walk tracks): it is what keeps
/// verification cheap, so a compiler change that drops off it shows here.
#[test]
fn compiled_code_takes_the_verifiers_fast_path() {
    let mut fast = 0;
    for program in corpus() {
        let Ok(verified) = program.compile() else {
            continue;
        };
        let module = verified.module();
        for (index, takes) in verify::fast_path_verdicts(module).into_iter().enumerate() {
            let f = &module.functions[index];
            let captures_locals = f.constants.iter().any(|c| {
                matches!(c, Constant::Function(child)
                    if module.functions[*child as usize].upvalues.iter().any(|u| u.is_local))
            });
            assert!(
                takes || captures_locals,
                "{}: function #{index} '{}' leaves the fast path",
                program.name(),
                f.name
            );
            fast += usize::from(takes);
        }
    }
    assert!(fast > 500, "only {fast} functions took the fast path");
}

#[test]
fn every_truncation_is_rejected() {
    let sample = compiled_sample();
    let mut truncations = 0;
    // Every sixth program, so every feature folder: every prefix of each.
    for (name, bytes) in sample.iter().step_by(6) {
        for len in 0..bytes.len() {
            let result = catch_unwind(|| file::load(&bytes[..len]).is_err());
            assert_eq!(
                result.ok(),
                Some(true),
                "{name} cut to {len} bytes was not rejected"
            );
            truncations += 1;
        }
    }
    println!("{truncations} truncations, all rejected");
    assert!(truncations > 5_000, "only {truncations} truncations");
}

/// A small, fixed pseudo-random generator (xorshift64*), so the mutations reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Applies one to three random edits: flip a bit, set a byte, insert or delete one.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(bytes.len());
        match rng.below(4) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => bytes[at] = rng.next() as u8,
            2 => bytes.insert(at, rng.next() as u8),
            _ => {
                bytes.remove(at);
            }
        }
        if bytes.is_empty() {
            bytes.push(0);
        }
    }
}

/// How one mutant fared.
#[derive(Debug, PartialEq)]
enum Fate {
    Rejected,
    Ran,
    TimedOut,
    Crashed(String),
}

/// Runs a verified mutant in a child process, killing it after `MUTANT_TIMEOUT`.
fn run_mutant(path: &Path) -> Fate {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lox"))
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the lox binary starts");
    let deadline = Instant::now() + MUTANT_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("waiting works") {
            return judge(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Fate::TimedOut;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn judge(status: ExitStatus) -> Fate {
    match status.code() {
        // Success, a runtime error, or a load error the library missed (then the CLI
        // would disagree with `file::load`, which a later check would show).
        Some(0) | Some(70) => Fate::Ran,
        Some(65) => Fate::Rejected,
        Some(code) => Fate::Crashed(format!("exit code {code}")),
        None => Fate::Crashed(format!("killed by a signal ({status})")),
    }
}

/// Applies one to three random edits to a decoded module, keeping the file well formed
/// so that the verifier (not the reader) has to catch them: code bytes, constants,
/// upvalue descriptors, arity, the recorded stack depth, line runs, global names.
fn mutate_module(rng: &mut Rng, module: &mut Module) {
    for _ in 0..1 + rng.below(3) {
        let n_functions = module.functions.len();
        let f = &mut module.functions[rng.below(n_functions)];
        match rng.below(10) {
            0..=3 => {
                let at = rng.below(f.code.len());
                f.code[at] = if rng.below(2) == 0 {
                    f.code[at] ^ (1 << rng.below(8))
                } else {
                    rng.next() as u8
                };
            }
            4 if !f.constants.is_empty() => {
                let at = rng.below(f.constants.len());
                f.constants[at] = match rng.below(3) {
                    0 => Constant::Number(rng.next() as f64),
                    1 => Constant::Str("mutant".into()),
                    _ => Constant::Function(rng.below(n_functions + 1) as u32),
                };
            }
            5 if !f.upvalues.is_empty() => {
                let at = rng.below(f.upvalues.len());
                f.upvalues[at].is_local = !f.upvalues[at].is_local;
                f.upvalues[at].index = rng.below(8) as u8;
            }
            6 => f.arity = rng.below(4) as u8,
            7 => {
                f.max_stack = f
                    .max_stack
                    .saturating_add(rng.below(3) as u32)
                    .saturating_sub(1 + rng.below(2) as u32)
            }
            8 if !f.lines.is_empty() => {
                let at = rng.below(f.lines.len());
                f.lines[at].offset = rng.below(f.code.len() + 1) as u32;
            }
            _ if !module.globals.is_empty() => {
                let at = rng.below(module.globals.len());
                module.globals[at] = module.globals[rng.below(module.globals.len())].clone();
            }
            _ => {}
        }
    }
}

/// What became of a batch of mutants.
#[derive(Default)]
struct Tally {
    rejected: usize,
    ran: usize,
    timed_out: usize,
    crashes: Vec<String>,
}

/// Loads every mutant in the library (a panic is a crash); runs those that load in the
/// `lox` binary, a few at a time, each with a timeout.
fn try_mutants(label: &str, mutants: Vec<(String, Vec<u8>)>) -> Tally {
    let dir = scratch(label);
    let mut tally = Tally::default();
    let mut loaded = Vec::new();
    for (i, (name, bytes)) in mutants.iter().enumerate() {
        // `lox disasm` shows whatever decodes, verified or not: it must survive too.
        let judged = catch_unwind(AssertUnwindSafe(|| {
            if let Ok(module) = file::read(bytes) {
                std::hint::black_box(disasm::module(&module, true));
            }
            file::load(bytes).is_ok()
        }));
        match judged {
            Ok(false) => tally.rejected += 1,
            Ok(true) => {
                let path = dir.join(format!("{i}.loxc"));
                fs::write(&path, bytes).unwrap();
                loaded.push((name.clone(), path));
            }
            Err(_) => tally
                .crashes
                .push(format!("mutant {i} of {name}: the loader panicked")),
        }
    }
    let next = AtomicUsize::new(0);
    let fates = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                while let Some((name, path)) = loaded.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let fate = run_mutant(path);
                    fates
                        .lock()
                        .unwrap()
                        .push((name.clone(), path.clone(), fate));
                }
            });
        }
    });
    for (name, path, fate) in fates.into_inner().unwrap() {
        match fate {
            Fate::Ran => tally.ran += 1,
            Fate::TimedOut => tally.timed_out += 1,
            Fate::Crashed(how) => tally
                .crashes
                .push(format!("{} (from {name}): {how}", path.display())),
            Fate::Rejected => tally.crashes.push(format!(
                "{} (from {name}): loaded in the library but rejected by the CLI",
                path.display()
            )),
        }
    }
    println!(
        "{label}: {} mutants, {} rejected, {} verified and ran ({} of them stopped after {}s), {} crashed",
        mutants.len(),
        tally.rejected,
        tally.ran + tally.timed_out,
        tally.timed_out,
        MUTANT_TIMEOUT.as_secs(),
        tally.crashes.len()
    );
    if tally.crashes.is_empty() {
        let _ = fs::remove_dir_all(&dir);
    }
    tally
}

#[test]
fn random_byte_mutations_are_rejected_or_run() {
    let sample = compiled_sample();
    assert!(sample.len() > 100, "only {} sample programs", sample.len());
    let mut rng = Rng(0x5eed_1e55_c0de_f00d);
    let mutants = (0..BYTE_MUTANTS)
        .map(|_| {
            let (name, original) = &sample[rng.below(sample.len())];
            let mut bytes = original.clone();
            mutate(&mut rng, &mut bytes);
            (name.clone(), bytes)
        })
        .collect();
    let tally = try_mutants("byte-mutants", mutants);
    assert!(tally.crashes.is_empty(), "{}", tally.crashes.join("\n"));
    assert_eq!(tally.rejected + tally.ran + tally.timed_out, BYTE_MUTANTS);
}

#[test]
fn random_module_mutations_are_rejected_or_run() {
    let sample = compiled_sample();
    let mut rng = Rng(0x0dd_ba11_cafe_d00d);
    let mutants = (0..MODULE_MUTANTS)
        .map(|_| {
            let (name, original) = &sample[rng.below(sample.len())];
            let mut module = file::read(original).expect("compiled files read back");
            mutate_module(&mut rng, &mut module);
            (name.clone(), file::write(&module))
        })
        .collect();
    let tally = try_mutants("module-mutants", mutants);
    assert!(tally.crashes.is_empty(), "{}", tally.crashes.join("\n"));
    assert_eq!(tally.rejected + tally.ran + tally.timed_out, MODULE_MUTANTS);
    // Most of these get past the reader, so the verifier and the VM are what is tested.
    assert!(
        tally.ran + tally.timed_out > MODULE_MUTANTS / 20,
        "too few mutants ran"
    );
}

/// A module whose functions nest `depth` deep: each one makes a closure of the next.
fn nested(depth: usize) -> Module {
    let functions = (0..=depth)
        .map(|i| {
            let (code, constants) = if i < depth {
                (
                    vec![Op::Closure as u8, 0, 0, 0, Op::Return as u8],
                    vec![Constant::Function(i as u32 + 1)],
                )
            } else {
                (vec![Op::Nil as u8, Op::Return as u8], Vec::new())
            };
            Function {
                name: if i == 0 {
                    String::new()
                } else {
                    format!("f{i}")
                },
                arity: 0,
                upvalues: Vec::new(),
                code,
                constants,
                lines: vec![LineRun { offset: 0, line: 1 }],
                spans: Default::default(),
                max_stack: 2,
            }
        })
        .collect();
    Module {
        functions,
        globals: Vec::new(),
        dialect: Dialect::Lox,
    }
}

#[test]
fn function_nesting_is_bounded() {
    let deepest = file::write(&nested(MAX_FUNCTION_NESTING));
    let program = file::load(&deepest).expect("the deepest allowed nesting loads");
    let mut vm = loxide::vm::Vm::with_output(Default::default(), Box::new(std::io::sink()));
    vm.run(&program).expect("and runs");

    let too_deep = file::write(&nested(MAX_FUNCTION_NESTING + 1));
    let error = file::load(&too_deep).unwrap_err().to_string();
    assert!(
        error.contains(&format!("nest more than {MAX_FUNCTION_NESTING} deep")),
        "{error}"
    );
}

/// `LOAD_LOCAL_PROPERTY` leaves the stack as it found it, but its slow path pushes the
/// receiver above the top: both of the verifier's walks count that slot into
/// `max_stack` (`Op::scratch`), the fast one for `f` and the general one for `g`, whose
/// closure captures a local.
#[test]
fn the_slot_a_slow_path_borrows_is_counted_in_max_stack() {
    let source = "fun f(a) { var b = nil; b = a.x; }\n\
                  fun g(a) { var b = nil; fun h() { return b; } b = a.x; }\n";
    let program = driver::compile(source, Default::default()).unwrap();
    let module = program.module();
    let listing = loxide::bytecode::disasm::module(module, false);
    assert_eq!(
        listing.matches("LOAD_LOCAL_PROPERTY").count(),
        2,
        "{listing}"
    );
    for (name, depth) in [("f", 3), ("g", 4)] {
        let f = module.functions.iter().find(|f| f.name == name).unwrap();
        assert_eq!(f.max_stack, depth + 1, "{name}: {listing}");
    }
    let verdicts = verify::fast_path_verdicts(module);
    let index = |name: &str| {
        module
            .functions
            .iter()
            .position(|f| f.name == name)
            .unwrap()
    };
    assert!(verdicts[index("f")] && !verdicts[index("g")]);
    for name in ["f", "g"] {
        let mut short = module.clone();
        short.functions[index(name)].max_stack -= 1;
        assert!(verify::verify(short, MaxStack::Check).is_err(), "{name}");
    }
}

#[test]
fn recorded_max_stack_is_checked_not_trusted() {
    let program = driver::compile("var a = 1; print a + 2 * 3;", Default::default()).unwrap();
    let mut module = program.module().clone();
    let needed = module.functions[0].max_stack;
    assert!(verify::verify(module.clone(), MaxStack::Check).is_ok());
    module.functions[0].max_stack = needed - 1;
    let error = verify::verify(module, MaxStack::Check)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(&format!("stack reaches {needed} values")),
        "{error}"
    );
}

#[test]
fn a_runtime_error_closes_the_upvalues_it_leaves_open() {
    // The REPL's situation: a closure escapes into a global, then its frame dies in an
    // error while the captured variable is still on the stack. Later lines reuse that
    // stack slot; the closure must still see its own variable.
    let compile = |source: &str| driver::compile(source, Default::default()).unwrap();
    let out = loxide::vm::SharedBuffer::new();
    let mut vm = loxide::vm::Vm::with_output(Default::default(), Box::new(out.clone()));
    vm.run(&compile(
        "var g; fun f() { var x = \"a\" + \"b\"; fun h() { return x; } g = h; nil + 1; }",
    ))
    .unwrap();
    assert!(vm.run(&compile("f();")).is_err());
    vm.run(&compile("{ var a = 1; var b = 2; var c = 3; var d = 4; }"))
        .unwrap();
    vm.run(&compile("print g();")).unwrap();
    assert_eq!(out.contents(), "ab\n");
}

#[test]
fn every_cap_of_the_reader_is_enforced() {
    // A one-function file (the script `NIL RETURN`) whose fields sit at fixed offsets.
    let script = Function {
        name: String::new(),
        arity: 0,
        upvalues: Vec::new(),
        code: vec![Op::Nil as u8, Op::Return as u8],
        constants: Vec::new(),
        lines: vec![LineRun { offset: 0, line: 1 }],
        spans: Default::default(),
        max_stack: 2,
    };
    let module = Module {
        functions: vec![script],
        globals: Vec::new(),
        dialect: Dialect::Lox,
    };
    let valid = file::write(&module);
    assert!(file::load(&valid).is_ok());
    let cases = [
        (12, file::MAX_GLOBALS, "global names"),
        (16, file::MAX_FUNCTIONS, "functions"),
        (20, file::MAX_STRING_BYTES, "bytes in the function's name"),
        (29, file::MAX_UPVALUES, "upvalues"),
        (33, file::MAX_CODE_BYTES, "code bytes"),
        (39, file::MAX_CONSTANTS, "constants"),
        (43, 2, "line runs"),
    ];
    for (offset, cap, what) in cases {
        let mut bytes = valid.clone();
        let over = u32::try_from(cap + 1).unwrap();
        bytes[offset..offset + 4].copy_from_slice(&over.to_le_bytes());
        let error = file::read(&bytes).unwrap_err();
        let expected = format!("{} {what} exceed the limit of {cap}", cap + 1);
        assert_eq!(error.offset, offset, "{error}");
        assert!(
            error.message.contains(&expected),
            "{error} (expected '{expected}')"
        );
        // At the cap itself, the count is refused only for the bytes that are missing.
        bytes[offset..offset + 4].copy_from_slice(&u32::try_from(cap).unwrap().to_le_bytes());
        let error = file::read(&bytes).unwrap_err();
        assert!(!error.message.contains("exceed the limit"), "{error}");
    }
}

/// A module whose function #1 runs `op` once, in a frame where every operand is valid
/// and the stack holds exactly what the instruction pops (nils): verified, but odd.
fn exercise(op: Op) -> Module {
    let needs = match op.pops() {
        loxide::bytecode::Pops::Fixed(n) => n as usize,
        loxide::bytecode::Pops::ArgcPlus(n) => n as usize,
    } + usize::from(op == Op::Method);
    let mut code = vec![Op::Nil as u8; needs];
    code.push(op as u8);
    for operand in op.operands() {
        let value: u32 = if *operand == loxide::bytecode::Operand::Func {
            1
        } else {
            0
        };
        code.extend_from_slice(&value.to_le_bytes()[..operand.width()]);
    }
    code.push(Op::Return as u8);
    let line = vec![LineRun { offset: 0, line: 1 }];
    let function = |name: &str, upvalues, code, constants| Function {
        name: name.into(),
        arity: 0,
        upvalues,
        code,
        constants,
        lines: line.clone(),
        spans: Default::default(),
        max_stack: 16,
    };
    // The script captures its slot 1 in the closure it calls, then closes it.
    let script = vec![
        Op::Nil as u8,
        Op::Closure as u8,
        0,
        0,
        0,
        Op::Call as u8,
        0,
        Op::Pop as u8,
        Op::CloseUpvalue as u8,
        Op::Nil as u8,
        Op::Return as u8,
    ];
    let captured = vec![loxide::bytecode::UpvalueDesc {
        is_local: true,
        index: 1,
    }];
    Module {
        functions: vec![
            function("", Vec::new(), script, vec![Constant::Function(1)]),
            function(
                "exercise",
                captured,
                code,
                vec![Constant::Str("name".into()), Constant::Function(2)],
            ),
            function(
                "inner",
                Vec::new(),
                vec![Op::Nil as u8, Op::Return as u8],
                Vec::new(),
            ),
        ],
        globals: vec!["g".into()],
        dialect: Dialect::Lox,
    }
}

#[test]
fn every_opcode_reaches_its_interpreter_arm() {
    // The interpreter's `unreachable!` arm must be unreachable for verified code: every
    // opcode the verifier accepts runs (to the end or to a runtime error), never panics.
    for &op in Op::ALL {
        let bytes = file::write(&exercise(op));
        let program = file::load(&bytes)
            .unwrap_or_else(|e| panic!("{}: the exercise does not verify: {e}", op.name()));
        let ran = catch_unwind(AssertUnwindSafe(|| {
            let mut vm = loxide::vm::Vm::with_output(Default::default(), Box::new(std::io::sink()));
            let _ = vm.run(&program);
        }));
        assert!(ran.is_ok(), "{} panicked in the interpreter", op.name());
    }
}

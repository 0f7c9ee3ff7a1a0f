//! Running out of memory is an error, never an abort (issue 12). `lox` runs under a
//! limit on its address space (`ulimit -v`), so the system's allocator refuses memory as
//! it does on a full machine: programs that grow without end stop with `Out of memory.`
//! and exit 70, a compiled file too large for the memory left is a load error (65), a
//! source too large to compile is a compile error (65), and a host that runs such a
//! program through the library gets an error value and goes on. `tests/compile_oom.rs`
//! refuses each of the compiler's large allocations in turn.
//!
//! Each test holds `ONE_AT_A_TIME`: they fill hundreds of megabytes, and the machine
//! running the suite should not hold several of them at once.

use std::process::{Command, Output};
use std::sync::Mutex;

use loxide::{Error, Limit, Options, SharedBuffer, Vm};

use super::bytecode_file::scratch;

/// The address space `lox` gets, in KiB: far more than it needs to start (about 50 MiB
/// with its value stack), little enough that the growing programs reach it in a second.
const LIMIT_KIB: usize = 256 * 1024;

/// Serializes the tests that fill memory.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The first line of standard error after every out-of-memory error.
const OUT_OF_MEMORY: &str = "Out of memory.\n";

/// Runs `program ARGS` with its address space limited to `limit_kib`.
fn limited(program: &str, args: &[&str], limit_kib: usize) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {limit_kib} && exec \"$0\" \"$@\""))
        .arg(program)
        .args(args)
        .output()
        .expect("sh runs")
}

/// Writes `source` to a scratch file and runs `lox FILE` under the limit. Panics if
/// `lox` died of a signal (an abort is SIGABRT).
fn lox_limited(dir: &str, name: &str, contents: &[u8]) -> (i32, String) {
    let (code, _, stderr) = lox_limited_to(dir, name, contents, LIMIT_KIB);
    (code, stderr)
}

/// `lox_limited` under a limit of `limit_kib`: the exit code, standard output and
/// standard error.
fn lox_limited_to(
    dir: &str,
    name: &str,
    contents: &[u8],
    limit_kib: usize,
) -> (i32, String, String) {
    let path = scratch(dir).join(name);
    std::fs::write(&path, contents).expect("a writable scratch file");
    let output = limited(
        env!("CARGO_BIN_EXE_lox"),
        &[path.to_str().expect("a UTF-8 path")],
        limit_kib,
    );
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("lox died: {}; stderr: {stderr}", output.status));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (code, stdout, stderr)
}

fn lock() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn a_doubling_string_is_out_of_memory_not_an_abort() {
    // The program: it used to abort with `memory allocation of 2147483648
    // bytes failed`. The string's memory is reserved fallibly.
    let _one = lock();
    let (code, stderr) = lox_limited(
        "oom-double",
        "double.lox",
        b"var s = \"ab\"; while (true) s = s + s;\n",
    );
    assert_eq!(code, 70, "{stderr}");
    assert_eq!(stderr, format!("{OUT_OF_MEMORY}[line 1] in script\n"));
}

#[test]
fn a_growing_list_is_out_of_memory() {
    // Small objects without end: the pools' chunks run out, and the spare chunk lets
    // the program stop before the process does.
    if cfg!(feature = "gc-stress") {
        // As for the distinct strings below: quadratic under gc-stress.
        return;
    }
    let _one = lock();
    let (code, stderr) = lox_limited(
        "oom-list",
        "list.lox",
        b"class Node { init(next) { this.next = next; } }\nvar head = nil;\n\
          while (true) head = Node(head);\n",
    );
    assert_eq!(code, 70, "{stderr}");
    assert!(stderr.starts_with(OUT_OF_MEMORY), "{stderr}");
    assert!(stderr.ends_with("[line 3] in script\n"), "{stderr}");
}

#[test]
fn many_distinct_strings_are_out_of_memory() {
    // Every string of 40 letters `a` and `b`, each kept alive in a list: the intern set
    // grows by doubling along with the strings, the gray stack with the list.
    if cfg!(feature = "gc-stress") {
        // A collection before every allocation makes filling 256 MiB with small objects
        // quadratic; the doubling string above still runs under gc-stress.
        return;
    }
    let _one = lock();
    let (code, stderr) = lox_limited(
        "oom-distinct",
        "distinct.lox",
        b"class Node { init(v, next) { this.v = v; this.next = next; } }\n\
          var head = nil;\n\
          fun gen(prefix, n) {\n\
          \x20 if (n == 0) { head = Node(prefix, head); return; }\n\
          \x20 gen(prefix + \"a\", n - 1);\n\
          \x20 gen(prefix + \"b\", n - 1);\n\
          }\n\
          gen(\"\", 40);\n",
    );
    assert_eq!(code, 70, "{stderr}");
    assert!(stderr.starts_with(OUT_OF_MEMORY), "{stderr}");
    assert!(stderr.contains("] in gen()\n"), "{stderr}");
    assert!(stderr.ends_with("[line 8] in script\n"), "{stderr}");
}

/// The address space for the compile tests, in KiB: the compiler's thread reserves a
/// stack of 256 MiB (`driver::COMPILER_STACK_BYTES`), which counts against the limit.
const COMPILE_LIMIT_KIB: usize = 640 * 1024;

/// One function of `bytes` of statements like `s = s + 5 * 2 - 1;`: one piece, whose
/// stages take about 30 times its size (docs/performance.md). It prints whether it
/// summed what it should.
fn one_long_function(bytes: usize) -> String {
    let mut source = String::from("fun f() {\n  var s = 0;\n");
    let mut statements = 0;
    while source.len() < bytes {
        source.push_str("  s = s + 5 * 2 - 1;\n");
        statements += 1;
    }
    source.push_str(&format!(
        "  return s;\n}}\nprint f() == {};\n",
        statements * 9
    ));
    source
}

/// Runs `lox FILE` on `source` with its address space limited to `COMPILE_LIMIT_KIB`.
fn compile_limited(name: &str, source: &str) -> (i32, String, String) {
    lox_limited_to("oom-compile", name, source.as_bytes(), COMPILE_LIMIT_KIB)
}

#[test]
fn a_source_too_large_to_compile_is_a_compile_error() {
    // 12 MB in one function needs more memory than the limit leaves: a vector of some
    // stage is refused its growth, the compilation unwinds, and `lox` reports it.
    let _one = lock();
    let (code, stdout, stderr) = compile_limited("big.lox", &one_long_function(12_000_000));
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (65, "", OUT_OF_MEMORY)
    );
}

#[test]
fn a_source_that_fits_compiles_under_the_same_limit() {
    // The same shape at a quarter of the size fits: nothing refuses a compilation by
    // an estimate of what it will need, only an allocation that fails does.
    let _one = lock();
    let (code, stdout, stderr) = compile_limited("fits.lox", &one_long_function(3_000_000));
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "true\n", ""));
}

#[test]
fn a_deeply_nested_program_reserves_no_more_than_it_needs() {
    // 1,000 nested functions around 20,000 statements: lowering reserves room for a
    // function's code by its tokens, and reserving at every level of the nesting asked
    // for the same tokens 1,000 times over (gigabytes of address space).
    let _one = lock();
    let mut source = "fun f() {\n".repeat(1_000);
    source.push_str("var s = 0;\n");
    for _ in 0..20_000 {
        source.push_str("s = s + 5 * 2 - 1;\n");
    }
    source.push_str(&"}\n".repeat(1_000));
    source.push_str("print \"compiled\";\n");
    let (code, stdout, stderr) = compile_limited("nested.lox", &source);
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (0, "compiled\n", "")
    );
}

/// A bytecode file's first bytes: the header, no globals, one function named `f` of
/// arity 0 and stack 1, with no upvalues and `code` as its code. What follows is the
/// constant count.
fn bytecode_prefix(code: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::from(loxide::bytecode::file::MAGIC);
    bytes.extend_from_slice(&loxide::bytecode::file::VERSION.to_le_bytes());
    bytes.push(loxide::bytecode::file::dialect_tag(
        loxide::bytecode::Dialect::Lox,
    ));
    bytes.push(0);
    bytes.extend_from_slice(&0u32.to_le_bytes()); // globals
    bytes.extend_from_slice(&1u32.to_le_bytes()); // functions
    bytes.extend_from_slice(&1u32.to_le_bytes()); // the name's length
    bytes.push(b'f');
    bytes.push(0); // arity
    bytes.extend_from_slice(&1u32.to_le_bytes()); // max stack
    bytes.extend_from_slice(&0u32.to_le_bytes()); // upvalues
    bytes.extend_from_slice(&(code.len() as u32).to_le_bytes());
    bytes.extend_from_slice(code);
    bytes
}

#[test]
fn a_bytecode_file_that_claims_huge_sizes_allocates_nothing_for_them() {
    // Each count is checked against the bytes the file has left before anything is
    // allocated for it, so a 60-byte file cannot make the loader ask for gigabytes.
    let _one = lock();
    let mut huge_code = bytecode_prefix(&[]);
    huge_code.truncate(huge_code.len() - 4);
    huge_code.extend_from_slice(&((1u32 << 28) - 1).to_le_bytes());
    let mut huge_constants = bytecode_prefix(&[0]);
    huge_constants.extend_from_slice(&(1u32 << 24).to_le_bytes());
    let mut huge_globals = bytecode_prefix(&[]);
    huge_globals[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    for (name, mut file, says) in [
        ("code", huge_code, "268435455 code bytes need at least"),
        (
            "constants",
            huge_constants,
            "16777216 constants need at least",
        ),
        ("globals", huge_globals, "exceed the limit"),
    ] {
        // Room for the function's smallest size, so that the count is what fails.
        file.extend_from_slice(&[0; 64]);
        let (code, stderr) = lox_limited("oom-claims", "claims.loxc", &file);
        assert_eq!(code, 65, "{name}: {stderr}");
        assert!(
            stderr.starts_with("Invalid bytecode file at byte "),
            "{name}: {stderr}"
        );
        assert!(stderr.contains(says), "{name}: {stderr}");
    }
}

#[test]
fn a_bytecode_file_larger_in_memory_than_there_is_is_a_load_error() {
    // Ten million constants of five bytes each fit in the file's 50 MB, but take 320
    // MB in memory: more than the limit. The loader reserves them fallibly.
    let _one = lock();
    let n = 10_000_000u32;
    let mut file = bytecode_prefix(&[0]);
    file.extend_from_slice(&n.to_le_bytes());
    for _ in 0..n {
        file.push(b's');
        file.extend_from_slice(&0u32.to_le_bytes());
    }
    let (code, stderr) = lox_limited("oom-constants", "constants.loxc", &file);
    assert_eq!(code, 65, "{stderr}");
    assert!(
        stderr.starts_with("Invalid bytecode file at byte ")
            && stderr.ends_with("(function #0): out of memory for 10000000 constants\n"),
        "{stderr}"
    );
}

/// Set in the environment of the child process `a_host_gets_an_error_and_goes_on`
/// starts: the test then plays the host, under the limit.
const HOST_UNDER_LIMIT: &str = "LOXIDE_TEST_HOST_UNDER_LIMIT";

#[test]
fn a_host_gets_an_error_and_goes_on() {
    if std::env::var_os(HOST_UNDER_LIMIT).is_some() {
        host_under_limit();
        return;
    }
    // The suite's own binary runs this test again, alone, under the limit.
    let _one = lock();
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", 2 * LIMIT_KIB))
        .arg(exe)
        .args([
            "--exact",
            "out_of_memory::a_host_gets_an_error_and_goes_on",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HOST_UNDER_LIMIT, "1")
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{}: {stdout}{stderr}",
        output.status
    );
    let mut expected = vec!["host: the string: Out of memory. at line 2\n"];
    if !cfg!(feature = "gc-stress") {
        expected.push("host: the list: Out of memory. at line 4\n");
    }
    expected.push(if cfg!(feature = "gc-stress") {
        "host: after them, the VM printed \"3\\n\"\n"
    } else {
        "host: after them, the VM printed \"3\\n9\\n\"\n"
    });
    for line in expected {
        assert!(
            stdout.contains(line),
            "{line} missing from: {stdout}{stderr}"
        );
    }
}

/// The host's side: VMs with the command line's limits (no heap cap, so only the
/// system says no) run programs that exhaust memory, and the host gets an error value
/// each time. After the string, whose allocation failed on its own, the same VM runs on.
/// After the list, which filled the heap's pools, the VM is dropped, which gives the
/// memory back (the pools keep their chunks while the VM lives, docs/embedding.md), and
/// a new one runs.
fn host_under_limit() {
    let out = SharedBuffer::new();
    let mut vm = Vm::with_output(Options::default(), Box::new(out.clone()));
    let report =
        |name: &str, result: Result<(), loxide::RuntimeError>| match result.map_err(Error::from) {
            Err(Error::Limit(Limit::Heap, e)) => {
                let line = e.trace.last().map_or(0, |&(line, _)| line);
                println!("host: {name}: {} at line {line}", e.message);
            }
            other => panic!("{name}: expected Out of memory., got {other:?}"),
        };
    let compile = |source: &str| loxide::compile(source).expect("the program compiles");
    report(
        "the string",
        vm.run(&compile("var s = \"ab\";\nwhile (true) s = s + s;\n")),
    );
    // The string was a global: let it go, so the next run has room again.
    vm.run(&compile("s = nil; print 1 + 2;"))
        .expect("the VM runs after running out of memory");
    if !cfg!(feature = "gc-stress") {
        // Under gc-stress, filling the memory with small objects is quadratic (see
        // `many_distinct_strings_are_out_of_memory`): the list is left out there.
        let list = compile(
            "class Node { init(next) { this.next = next; } }\n{\n  var head = nil;\n  \
             while (true) head = Node(head);\n}\n",
        );
        let mut full = Vm::with_output(Options::default(), Box::new(SharedBuffer::new()));
        report("the list", full.run(&list));
        drop(full);
        vm.run(&compile("print 4 + 5;"))
            .expect("a VM runs after another ran out of memory");
    }
    println!("host: after them, the VM printed {:?}", out.contents());
}

//! `stage-stats FILE [--lang lox|potato] [--limits default|clox]`: compiles a program
//! once, as `lox compile` does, and reports for each stage of the pipeline the time it
//! took, the heap it allocated, the heap still live when it ended and the highest the
//! heap got while it ran.
//!
//! The stages are told apart by the driver's observer calls, which come right after
//! each stage (tokens, syntax tree, core tree, resolved names, optimized IR); encoding
//! and verification are what remains after the IR until the compilation returns. The
//! heap is counted by a global allocator that wraps the system's, so the figures are
//! the compiler's own data structures, not the process's resident set. The numbers
//! feed the compiler section of `docs/performance.md`; `bench/compile.py --stages`
//! runs this on its generated programs.

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use loxide::driver::{self, Observer};
use loxide::frontend::Lang;
use loxide::ir::Limits;

/// The system allocator, counting: bytes allocated in all, bytes live, and the most
/// bytes live since `Counting::reset_peak`.
struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

impl Counting {
    fn grew(bytes: usize) {
        ALLOCATED.fetch_add(bytes, Ordering::Relaxed);
        let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
        PEAK.fetch_max(live, Ordering::Relaxed);
    }

    fn shrank(bytes: usize) {
        LIVE.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// The counters now, the peak since the last call, which restarts it from here.
    fn reading() -> Reading {
        let live = LIVE.load(Ordering::Relaxed);
        Reading {
            at: Instant::now(),
            allocated: ALLOCATED.load(Ordering::Relaxed),
            live,
            peak: PEAK.swap(live, Ordering::Relaxed),
        }
    }
}

// SAFETY: every method forwards to `System` with the caller's own arguments, so it
// upholds `GlobalAlloc`'s contract exactly as `System` does; the counting around the
// calls touches only atomics and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout, forwarded (see the impl's note).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            Counting::grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout, forwarded (see the impl's note).
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            Counting::grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's pointer and layout, forwarded (see the impl's note).
        unsafe { System.dealloc(ptr, layout) };
        Counting::shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's pointer, layout and size, forwarded (see the impl's note).
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            Counting::shrank(layout.size());
            Counting::grew(new_size);
        }
        p
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// The counters at one moment.
#[derive(Clone, Copy)]
struct Reading {
    at: Instant,
    allocated: usize,
    live: usize,
    /// The most bytes live since the reading before.
    peak: usize,
}

/// Takes a reading at the end of each stage.
struct Stages {
    readings: Vec<(&'static str, Reading)>,
}

impl Stages {
    fn mark(&mut self, stage: &'static str) {
        self.readings.push((stage, Counting::reading()));
    }
}

impl Observer for Stages {
    /// The driver's memory check reserved (and never touched) many times the source
    /// just before: the readings start after it, so no stage's peak includes it.
    fn started(&mut self) {
        self.readings.clear();
        self.mark("start");
    }
    fn lox_tokens(&mut self, _: &loxide::frontend::lox::lexer::Tokens) {
        self.mark("lexing");
    }
    fn potato_tokens(&mut self, _: &loxide::frontend::potato::Tokens) {
        self.mark("lexing");
    }
    fn ast(&mut self, _: &loxide::ast::Program, _: Lang) {
        self.mark("parsing");
    }
    fn desugared(&mut self, _: &loxide::desugar::core::Program) {
        self.mark("desugaring");
    }
    fn resolved(&mut self, _: &loxide::sema::Resolved) {
        self.mark("semantic analysis");
    }
    fn ir(&mut self, _: &loxide::ir::Module) {
        self.mark("lowering and optimizing");
    }
}

fn mb(bytes: usize) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut lang = None;
    let mut limits = Limits::Default;
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--lang", Some(l)) if l == "lox" => lang = Some(Lang::Lox),
            ("--lang", Some(l)) if l == "potato" => lang = Some(Lang::Potato),
            ("--limits", Some(l)) if l == "default" => limits = Limits::Default,
            ("--limits", Some(l)) if l == "clox" => limits = Limits::Clox,
            (file, None) if path.is_none() && !file.starts_with('-') => path = Some(arg),
            _ => {
                eprintln!("usage: stage-stats FILE [--lang lox|potato] [--limits default|clox]");
                return ExitCode::from(64);
            }
        }
    }
    let Some(path) = path else {
        eprintln!("usage: stage-stats FILE [--lang lox|potato] [--limits default|clox]");
        return ExitCode::from(64);
    };
    let source = match std::fs::read_to_string(&path) {
        Ok(source) => source,
        Err(e) => {
            eprintln!("stage-stats: cannot read {path}: {e}");
            return ExitCode::from(74);
        }
    };
    let lang = lang.unwrap_or_else(|| Lang::from_path(std::path::Path::new(&path)));
    let lines = source.lines().count().max(1);

    let mut stages = Stages {
        readings: Vec::new(),
    };
    stages.mark("start");
    let compiled = driver::compile_observed(&source, lang, limits, &[], &mut stages);
    stages.mark("encoding and verifying");
    let verified = match compiled {
        Ok(verified) => verified,
        Err(e) => {
            eprint!("{e}");
            return ExitCode::from(65);
        }
    };
    let code_bytes: usize = verified
        .module()
        .functions
        .iter()
        .map(|f| f.code.len())
        .sum();
    drop(verified);

    println!(
        "{path}: {lines} lines, {} MB of source, {} MB of bytecode",
        mb(source.len()),
        mb(code_bytes)
    );
    println!("| stage | ms | ns/line | allocated MB | live after MB | peak MB | peak / source |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let start = stages.readings[0].1;
    for pair in stages.readings.windows(2) {
        let ((_, before), (stage, after)) = (pair[0], pair[1]);
        let seconds = after.at.duration_since(before.at).as_secs_f64();
        println!(
            "| {stage} | {:.1} | {:.0} | {} | {} | {} | {:.1}× |",
            seconds * 1e3,
            seconds * 1e9 / lines as f64,
            mb(after.allocated - before.allocated),
            mb(after.live.saturating_sub(start.live)),
            mb(after.peak.saturating_sub(start.live)),
            after.peak.saturating_sub(start.live) as f64 / source.len().max(1) as f64,
        );
    }
    let end = stages.readings.last().map_or(start, |(_, r)| *r);
    let total = end.at.duration_since(start.at).as_secs_f64();
    // The start's reading holds the peak before it (the driver's memory check).
    let peak = stages
        .readings
        .iter()
        .skip(1)
        .map(|(_, r)| r.peak)
        .max()
        .unwrap_or(0)
        .saturating_sub(start.live);
    println!(
        "| **all** | {:.1} | {:.0} | {} | | {} | {:.1}× |",
        total * 1e3,
        total * 1e9 / lines as f64,
        mb(end.allocated - start.allocated),
        mb(peak),
        peak as f64 / source.len().max(1) as f64,
    );
    println!(
        "{:.0} lines a second",
        lines as f64 / total.max(f64::MIN_POSITIVE)
    );
    ExitCode::SUCCESS
}

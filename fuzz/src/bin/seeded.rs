//! Runs fuzz targets on a deterministic stream of inputs (`loxide_fuzz::seeded_input`),
//! without libFuzzer: a smoke run on stable Rust, for CI. A crash names its seed; the
//! same seed gives the same input on every machine.
//!
//! `cargo run --release --manifest-path fuzz/Cargo.toml --bin seeded -- TARGET COUNT [FIRST_SEED] [--save DIR]`
//!
//! `TARGET` is a target name or `all`. With `--save DIR`, each input is also written to
//! `DIR/TARGET/SEED` before it runs, so a crash can be replayed with `replay`.

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut save: Option<PathBuf> = None;
    if let Some(at) = args.iter().position(|a| a == "--save") {
        args.remove(at);
        if at < args.len() {
            save = Some(PathBuf::from(args.remove(at)));
        }
    }
    let usage = || -> ! {
        eprintln!("usage: seeded TARGET|all COUNT [FIRST_SEED] [--save DIR]");
        std::process::exit(64);
    };
    let (Some(name), Some(count)) = (
        args.first(),
        args.get(1).and_then(|c| c.parse::<u64>().ok()),
    ) else {
        usage()
    };
    let first: u64 = match args.get(2) {
        Some(text) => text.parse().unwrap_or_else(|_| usage()),
        None => 0,
    };
    let names: Vec<&str> = if name == "all" {
        loxide_fuzz::TARGETS.to_vec()
    } else {
        vec![name.as_str()]
    };
    for name in names {
        let Some(target) = loxide_fuzz::target(name) else {
            eprintln!(
                "unknown target '{name}' (one of {:?})",
                loxide_fuzz::TARGETS
            );
            std::process::exit(64);
        };
        let start = Instant::now();
        let mut slowest = (0.0, first);
        for seed in first..first + count {
            let input_start = Instant::now();
            let input = loxide_fuzz::seeded_input(name, seed);
            if let Some(dir) = &save {
                let dir = dir.join(name);
                std::fs::create_dir_all(&dir).expect("a writable directory");
                std::fs::write(dir.join(seed.to_string()), &input).expect("a writable file");
            }
            if let Err(panic) = std::panic::catch_unwind(|| target(&input)) {
                let what = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("a panic");
                eprintln!("{name}: seed {seed} crashed: {what}");
                std::process::exit(1);
            }
            let took = input_start.elapsed().as_secs_f64();
            if took > slowest.0 {
                slowest = (took, seed);
            }
        }
        println!(
            "{name}: {count} seeded inputs (seeds {first}..{}) without a crash in {:.1}s; \
             the slowest, seed {}, took {:.2}s",
            first + count,
            start.elapsed().as_secs_f64(),
            slowest.1,
            slowest.0
        );
    }
}

//! Runs a fuzz target over every file of the given directories (or files), without
//! libFuzzer: replays a corpus or a crash on stable Rust, and needs no cargo-fuzz. The
//! target is `loader` unless `--target NAME` (`source`, `roundtrip`, `generated`) says.
//!
//! `cargo run --release --manifest-path fuzz/Cargo.toml --bin replay -- fuzz/corpus/loader`
//! `cargo run --release --manifest-path fuzz/Cargo.toml --bin replay -- --target source tests/lox`

use std::path::PathBuf;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut name = "loader".to_string();
    if let Some(at) = args.iter().position(|a| a == "--target") {
        args.remove(at);
        if at < args.len() {
            name = args.remove(at);
        }
    }
    let Some(target) = loxide_fuzz::target(&name) else {
        eprintln!(
            "unknown target '{name}' (one of {:?})",
            loxide_fuzz::TARGETS
        );
        std::process::exit(64);
    };
    let mut pending: Vec<PathBuf> = args.into_iter().map(PathBuf::from).collect();
    let mut count = 0;
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            let entries = std::fs::read_dir(&path).expect("a readable directory");
            pending.extend(entries.map(|e| e.expect("a readable entry").path()));
        } else {
            let data = std::fs::read(&path).expect("a readable file");
            target(&data);
            count += 1;
        }
    }
    println!("{name}: replayed {count} inputs without a crash");
}

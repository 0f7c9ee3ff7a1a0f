//! Runs the loader target over every file of the given directories (or files), without
//! libFuzzer: replays a corpus or a crash on stable Rust, and needs no cargo-fuzz.
//!
//! `cargo run --release --manifest-path fuzz/Cargo.toml --bin replay -- fuzz/corpus/loader`

use std::path::PathBuf;

fn main() {
    let mut pending: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let mut count = 0;
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            let entries = std::fs::read_dir(&path).expect("a readable directory");
            pending.extend(entries.map(|e| e.expect("a readable entry").path()));
        } else {
            let data = std::fs::read(&path).expect("a readable file");
            loxide_fuzz::loader(&data);
            count += 1;
        }
    }
    println!("replayed {count} inputs without a crash");
}

//! Writes the seed corpus for the loader target: every program of `tests/lox/`,
//! `tests/potato/` and `examples/` that compiles, as a bytecode file in
//! `fuzz/corpus/loader/`.
//!
//! `cargo run --release --manifest-path fuzz/Cargo.toml --bin seed`

use std::path::{Path, PathBuf};

use loxide::bytecode::file;
use loxide::driver;
use loxide::frontend::Lang;
use loxide::ir::Limits;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("fuzz/ has a parent")
        .to_path_buf();
    let out = root.join("fuzz").join("corpus").join("loader");
    std::fs::create_dir_all(&out).expect("a writable corpus directory");
    let mut pending = vec![
        root.join("tests").join("lox"),
        root.join("tests").join("potato"),
        root.join("examples"),
    ];
    let mut sources: Vec<PathBuf> = Vec::new();
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "lox" || e == "potato")
            {
                sources.push(path);
            }
        }
    }
    sources.sort();
    let mut written = 0;
    for (i, path) in sources.iter().enumerate() {
        let source = String::from_utf8_lossy(&std::fs::read(path).expect("readable")).into_owned();
        let lang = Lang::from_path(path);
        if let Ok(program) = driver::compile_with(&source, lang, Limits::Default) {
            let bytes = file::write(program.module());
            std::fs::write(out.join(format!("{i:04}.loxc")), bytes)
                .expect("a writable corpus file");
            written += 1;
        }
    }
    println!("wrote {written} seeds to {}", out.display());
}

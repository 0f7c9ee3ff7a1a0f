//! The `lox` command: runs a Lox program or starts the REPL.

// `unsafe` is allowed only in `cli::interrupt` (the signal handler), which says why.
#![deny(unsafe_code)]

mod cli;

fn main() {
    std::process::exit(cli::main());
}

//! The `lox` command: runs a Lox program or starts the REPL.

mod cli;

fn main() {
    std::process::exit(cli::main());
}

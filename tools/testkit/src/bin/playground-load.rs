//! `playground-load [LOX] [CLIENTS] [SECONDS]`: starts `lox playground` on a free port
//! and runs the load test (`loxide_testkit::load`) against it, printing the figures
//! as Markdown. LOX defaults to the release build's `lox`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use loxide_testkit::load;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lox = args
        .first()
        .cloned()
        .unwrap_or_else(|| "target/x86_64-unknown-linux-gnu/release/lox".into());
    let clients: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(32);
    let seconds: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(60);
    let mut server = Command::new(&lox)
        // The clients all come from this one address; they stand for many, so the
        // limits on one address are lifted.
        .args(["playground", "--port", "0", "--client-runs", "64"])
        .args(["--client-connections", "64"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {lox}: {e}"));
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("the server's address");
    let address = line
        .trim()
        .trim_start_matches("lox playground: listening on http://")
        .trim_end_matches('/')
        .to_string();
    println!("{clients} clients for {seconds} s against {address}\n");
    let report = load::run(
        &address,
        clients,
        Duration::from_secs(seconds),
        Duration::from_secs(12),
        server.id(),
    );
    print!("{}", report.markdown());
    for failure in report.failures.iter().take(20) {
        println!("failure: {failure}");
    }
    let _ = server.kill();
    let _ = server.wait();
    std::process::exit(if report.failures.is_empty() { 0 } else { 1 });
}

//! A load test for `lox playground`: many clients at once, each sending a mix of
//! ordinary and hostile requests in turn for a bounded time, while the server's
//! memory is sampled. Every request must be answered, with a result or a limit error,
//! within a deadline; the report gives the figures docs/playground.md quotes. Run
//! briefly by the test suite and at length by the `playground-load` program.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::http;

/// One kind of request.
pub struct Case {
    /// What it is, in the report.
    pub name: &'static str,
    /// The API call.
    pub path: &'static str,
    /// The request's body.
    pub body: Vec<u8>,
}

fn program(name: &'static str, path: &'static str, source: &str) -> Case {
    Case {
        name,
        path,
        body: format!("{{\"source\": {}}}", http::json_string(source)).into_bytes(),
    }
}

/// The mix: ordinary programs and every kind of hostile request the server must
/// survive.
pub fn cases() -> Vec<Case> {
    vec![
        program(
            "run fib(20)",
            "/api/run",
            "fun fib(n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); } print fib(20);",
        ),
        program(
            "compile",
            "/api/compile",
            "class A { init(x) { this.x = x; } get() { return this.x; } } print A(1).get();",
        ),
        program(
            "trace",
            "/api/trace",
            "var a = 1; while (a < 100) a = a + 1; print a;",
        ),
        program("endless loop", "/api/run", "while (true) {}"),
        program(
            "allocation bomb",
            "/api/run",
            "var s = \"ab\"; while (true) s = s + s;",
        ),
        program(
            "deep recursion",
            "/api/run",
            "fun f(n) { return f(n + 1) + 1; } f(0);",
        ),
        program(
            "output flood",
            "/api/run",
            "while (true) print \"flood flood flood\";",
        ),
        program(
            "slow loop",
            "/api/run",
            "var s = \"x\"; for (var i = 0; i < 100000000; i = i + 1) s = s + \"x\";",
        ),
        program("endless trace", "/api/trace", "while (true) {}"),
        program("megabyte source", "/api/run", &"print 1;\n".repeat(120_000)),
        Case {
            name: "malformed JSON",
            path: "/api/run",
            body: b"{\"source\": \"print 1;\", ".to_vec(),
        },
    ]
}

/// What the load test saw.
#[derive(Default)]
pub struct Report {
    /// For each case: how many answers of each status.
    pub statuses: BTreeMap<&'static str, BTreeMap<u16, usize>>,
    /// For each case: the slowest answer.
    pub slowest: BTreeMap<&'static str, Duration>,
    /// Every answer's time, sorted.
    pub latencies: Vec<Duration>,
    /// Requests that got no answer, or a late or unexpected one.
    pub failures: Vec<String>,
    /// The server's peak resident memory, in KiB (from /proc, on Linux).
    pub peak_rss_kib: Option<u64>,
    /// Its resident memory at the end.
    pub end_rss_kib: Option<u64>,
}

impl Report {
    /// All requests answered.
    pub fn requests(&self) -> usize {
        self.latencies.len()
    }

    /// The answer time below which `fraction` of the answers came.
    pub fn percentile(&self, fraction: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let at = ((self.latencies.len() - 1) as f64 * fraction).round() as usize;
        self.latencies[at]
    }

    /// The report as a Markdown table, with the totals below it.
    pub fn markdown(&self) -> String {
        let mut out =
            String::from("| request | answers | statuses | slowest |\n|---|---:|---|---:|\n");
        for (name, statuses) in &self.statuses {
            let count: usize = statuses.values().sum();
            let list: Vec<String> = statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect();
            out.push_str(&format!(
                "| {name} | {count} | {} | {:.2} s |\n",
                list.join(", "),
                self.slowest[name].as_secs_f64()
            ));
        }
        out.push_str(&format!(
            "\n{} requests, {} failures; answer times: median {:.3} s, 99th percentile {:.3} s, slowest {:.3} s; server memory: peak {} MiB, at the end {} MiB\n",
            self.requests(),
            self.failures.len(),
            self.percentile(0.5).as_secs_f64(),
            self.percentile(0.99).as_secs_f64(),
            self.latencies.last().copied().unwrap_or_default().as_secs_f64(),
            self.peak_rss_kib.map_or("?".into(), |k| (k / 1024).to_string()),
            self.end_rss_kib.map_or("?".into(), |k| (k / 1024).to_string()),
        ));
        out
    }
}

/// The resident memory of process `pid`, in KiB (Linux only; `None` elsewhere).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `clients` clients against the server at `address` for `duration`; each
/// answer must come within `deadline` with a status the server gives on purpose
/// (200, 400, 413 or 503). `pid` is the server's process, whose memory is sampled.
pub fn run(
    address: &str,
    clients: usize,
    duration: Duration,
    deadline: Duration,
    pid: u32,
) -> Report {
    let cases = Arc::new(cases());
    let report = Arc::new(Mutex::new(Report::default()));
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(Mutex::new(None::<u64>));
    let sampler = {
        let (done, peak) = (Arc::clone(&done), Arc::clone(&peak));
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if let Some(rss) = rss_kib(pid) {
                    let mut peak = peak.lock().unwrap();
                    *peak = Some(peak.map_or(rss, |p: u64| p.max(rss)));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let started = Instant::now();
    std::thread::scope(|scope| {
        for client in 0..clients {
            let (cases, report) = (Arc::clone(&cases), Arc::clone(&report));
            scope.spawn(move || {
                let mut turn = client;
                while started.elapsed() < duration {
                    let case = &cases[turn % cases.len()];
                    turn += 1;
                    let sent = Instant::now();
                    let answer = http::request(address, "POST", case.path, &case.body, deadline);
                    let took = sent.elapsed();
                    let mut report = report.lock().unwrap();
                    match answer {
                        Ok((status, _)) => {
                            *report
                                .statuses
                                .entry(case.name)
                                .or_default()
                                .entry(status)
                                .or_default() += 1;
                            let slowest = report.slowest.entry(case.name).or_default();
                            *slowest = (*slowest).max(took);
                            report.latencies.push(took);
                            if ![200, 400, 413, 503].contains(&status) {
                                report
                                    .failures
                                    .push(format!("{}: status {status}", case.name));
                            }
                            if took > deadline {
                                report
                                    .failures
                                    .push(format!("{}: answered after {took:?}", case.name));
                            }
                        }
                        Err(e) => report
                            .failures
                            .push(format!("{}: no answer ({e})", case.name)),
                    }
                }
            });
        }
    });
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let mut report = Arc::try_unwrap(report)
        .map_err(|_| ())
        .expect("every client is done")
        .into_inner()
        .unwrap();
    report.latencies.sort();
    report.peak_rss_kib = *peak.lock().unwrap();
    report.end_rss_kib = rss_kib(pid);
    report
}

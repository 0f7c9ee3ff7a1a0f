//! A pseudo-terminal for the REPL's tests: `lox` runs with a terminal as its standard
//! input, output and error, made its controlling terminal (`setsid --ctty`, from
//! util-linux), so that typing Ctrl-C sends SIGINT as on a real terminal. The test
//! types bytes and waits for text to appear; escape sequences are stripped from what it
//! reads. The editor's cursor-position queries are answered as a terminal would.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use nix::pty::{Winsize, openpty};

/// How long to wait for expected output.
pub const TIMEOUT: Duration = Duration::from_secs(15);

pub struct Pty {
    child: Child,
    input: File,
    /// Everything read from the terminal so far, raw.
    output: Arc<Mutex<Vec<u8>>>,
    /// How much of the plain output earlier `expect`s consumed.
    seen: usize,
}

impl Pty {
    /// Starts `lox ARGS` on a new terminal, with `XDG_STATE_HOME` set to `state` (the
    /// history's directory) and colours off unless `colour`. Errors are shown in clox's
    /// format (`LOX_ERROR_FORMAT=clox`), which the tests of other features compare
    /// against; `spawn_in_format` leaves the format to the session.
    pub fn spawn(args: &[&str], state: &Path, colour: bool) -> Pty {
        Pty::spawn_in_format(args, state, colour, Some("clox"))
    }

    /// Like `spawn`, with `LOX_ERROR_FORMAT` set to `format`, or unset for `None`.
    pub fn spawn_in_format(args: &[&str], state: &Path, colour: bool, format: Option<&str>) -> Pty {
        let size = Winsize {
            ws_row: 50,
            ws_col: 200,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = openpty(&size, None).expect("a pseudo-terminal");
        let slave = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("a terminal fd"));
        let mut command = Command::new("setsid");
        command
            .args(["--ctty", "--wait", env!("CARGO_BIN_EXE_lox")])
            .args(args)
            .env("TERM", "xterm")
            .env("XDG_STATE_HOME", state)
            .env_remove("NO_COLOR")
            .stdin(slave(&pty.slave))
            .stdout(slave(&pty.slave))
            .stderr(slave(&pty.slave));
        if !colour {
            command.env("NO_COLOR", "1");
        }
        match format {
            Some(format) => command.env("LOX_ERROR_FORMAT", format),
            None => command.env_remove("LOX_ERROR_FORMAT"),
        };
        let child = command.spawn().expect("setsid runs lox");
        drop(pty.slave);
        let master = File::from(pty.master);
        let mut reader = master.try_clone().expect("a second master fd");
        let mut answer = master.try_clone().expect("a third master fd");
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&output);
        thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            // The read fails (EIO) once every process has closed the terminal.
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                let chunk = &buffer[..n];
                // The editor asks where the cursor is; say the first column.
                if chunk.windows(4).any(|w| w == b"\x1b[6n") {
                    let _ = answer.write_all(b"\x1b[1;1R");
                }
                sink.lock().unwrap().extend_from_slice(chunk);
            }
        });
        Pty {
            child,
            input: master,
            output,
            seen: 0,
        }
    }

    /// Types `text` (a `\r` is Enter, `\x03` Ctrl-C, `\x04` Ctrl-D, `\t` Tab).
    pub fn send(&mut self, text: &str) {
        self.input.write_all(text.as_bytes()).expect("typing");
        self.input.flush().expect("typing");
    }

    /// The raw bytes read so far.
    pub fn raw(&self) -> Vec<u8> {
        self.output.lock().unwrap().clone()
    }

    /// What the terminal shows so far, without escape sequences and carriage returns.
    pub fn plain(&self) -> String {
        plain(&self.raw())
    }

    /// Waits until `text` appears after what earlier calls found; returns the output up
    /// to and including it.
    pub fn expect(&mut self, text: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let all = self.plain();
            if let Some(at) = all.get(self.seen..).and_then(|rest| rest.find(text)) {
                let end = self.seen + at + text.len();
                let found = all[self.seen..end].to_string();
                self.seen = end;
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "{text:?} never appeared; the terminal shows:\n{all}"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Types one line and waits for the next prompt (`> ` or `... `); returns what the
    /// terminal showed from the line's echo to the prompt. The editor drops what is typed
    /// ahead of its prompt, so a test types one line at a time.
    pub fn line(&mut self, text: &str) -> String {
        self.send(text);
        self.send("\r");
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let all = self.plain();
            let rest = &all[self.seen.min(all.len())..];
            // The prompt after the echoed line: the last thing on the screen.
            if rest.len() > text.len() && (rest.ends_with("\n> ") || rest.ends_with("\n... ")) {
                self.seen = all.len();
                return rest.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no prompt after {text:?}; the terminal shows:\n{all}"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits for the session to end; returns its exit status.
    pub fn wait(mut self) -> i32 {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("waitable") {
                return status.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the session did not end; it shows:\n{}", self.plain());
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Terminal output without CSI escape sequences and carriage returns.
pub fn plain(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                if chars.next_if_eq(&'[').is_some() {
                    // Parameters, then one final byte in @..~.
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                } else {
                    chars.next();
                }
            }
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

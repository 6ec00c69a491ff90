//! Running child processes with a time bound, capturing their output.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Ran {
    /// Exit code; None when killed by a signal or by the timeout.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub timed_out: bool,
    pub elapsed: Duration,
}

impl Ran {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    /// Both streams, for messages in assertions (bounded).
    pub fn describe(&self) -> String {
        fn clip(s: String) -> String {
            const MAX: usize = 4000;
            if s.len() <= MAX {
                return s;
            }
            let mut cut = MAX;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}... [{} more bytes]", &s[..cut], s.len() - cut)
        }
        format!(
            "exit {:?}{} after {:.1?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code,
            if self.timed_out { " (TIMED OUT)" } else { "" },
            self.elapsed,
            clip(self.stdout_str()),
            clip(self.stderr_str())
        )
    }
}

/// Run `cmd` (stdin from /dev/null) and wait at most `limit`; on timeout the
/// child is killed and `timed_out` is set.
pub fn run(cmd: &mut Command, limit: Duration) -> Ran {
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    // Wait in a thread so a quick child costs no polling latency; on timeout
    // kill it by pid (`kill -9`, the child is ours).
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let st = child.wait();
        let _ = tx.send(());
        st
    });
    let mut timed_out = false;
    if rx.recv_timeout(limit).is_err() {
        timed_out = true;
        let _ = Command::new("kill")
            .arg("-9")
            .arg(pid.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let status = match waiter.join() {
        Ok(Ok(st)) => Some(st),
        Ok(Err(e)) => panic!("waiting for {cmd:?}: {e}"),
        Err(_) => None,
    };
    let stdout = t_out.join().unwrap_or_default();
    let stderr = t_err.join().unwrap_or_default();
    Ran {
        code: if timed_out {
            None
        } else {
            status.and_then(|s| s.code())
        },
        stdout,
        stderr,
        timed_out,
        elapsed: start.elapsed(),
    }
}

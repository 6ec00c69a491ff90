//! A real public-inbox server for the fetch tests: Debian's `public-inbox`
//! package (public-inbox-init -V2, -mda, -index with Xapian search,
//! public-inbox-httpd) on 127.0.0.1, serving an inbox made from the
//! project's own fixture threads (tests/fixtures/lore/, README there).
//! No mock of the HTTP side.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const INBOX: &str = "test";
pub const ADDRESS: &str = "test@example.org";

pub struct Server {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lore")
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("{what}: cannot run ({e}); install public-inbox (scripts/host-packages.txt)")
    });
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A free TCP port on 127.0.0.1 (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Server {
    /// The inbox URL: `http://127.0.0.1:PORT/test`.
    pub fn inbox_url(&self) -> String {
        format!("http://127.0.0.1:{}/{INBOX}", self.port)
    }

    /// A fresh harness cache directory inside the server's scratch dir.
    pub fn cache(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Create the inbox, import `mboxes` (one message at a time through
    /// public-inbox-mda, as a list delivers it), index, serve.
    pub fn start(mboxes: &[PathBuf]) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = dir.path().join("pi-config");
        let inbox = dir.path().join("inbox");
        let env = |c: &mut Command| {
            c.env("PI_CONFIG", &cfg).env("HOME", dir.path());
        };
        let mut c = Command::new("public-inbox-init");
        env(&mut c);
        c.args(["-V2", INBOX])
            .arg(&inbox)
            .arg(format!("http://127.0.0.1/{INBOX}"))
            .arg(ADDRESS);
        run(&mut c, "public-inbox-init");
        let mut c = Command::new("git");
        c.args(["config", "-f"])
            .arg(&cfg)
            .args(["publicinboxmda.spamcheck", "none"]);
        run(&mut c, "git config");
        for m in mboxes {
            let data = std::fs::read(m).unwrap_or_else(|e| panic!("{}: {e}", m.display()));
            for msg in split(&data) {
                deliver(&cfg, dir.path(), &msg);
            }
        }
        let mut c = Command::new("public-inbox-index");
        env(&mut c);
        c.arg(&inbox);
        run(&mut c, "public-inbox-index");
        let port = free_port();
        let mut c = Command::new("public-inbox-httpd");
        env(&mut c);
        let log = std::fs::File::create(dir.path().join("httpd.log")).expect("log");
        let child = c
            .arg("-l")
            .arg(format!("http://127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("public-inbox-httpd (install public-inbox)");
        let server = Server { dir, port, child };
        server.wait_ready();
        server
    }

    /// Wait until the server accepts connections (it is a readiness wait,
    /// not a timing assertion: up to a minute on a loaded machine).
    fn wait_ready(&self) {
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            let log =
                std::fs::read_to_string(self.dir.path().join("httpd.log")).unwrap_or_default();
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "public-inbox-httpd did not listen on {}: {log}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The messages of an mboxrd fixture (the `From mboxrd@z` lines removed).
pub fn split(data: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(data);
    let mut out: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("From mboxrd@z ") {
            out.push(String::new());
        } else if let Some(cur) = out.last_mut() {
            cur.push_str(
                line.strip_prefix('>')
                    .filter(|r| r.trim_start_matches('>').starts_with("From "))
                    .unwrap_or(line),
            );
        }
    }
    out.into_iter()
        .map(|m| {
            m.strip_suffix('\n')
                .map(str::to_owned)
                .unwrap_or(m)
                .into_bytes()
        })
        .collect()
}

fn deliver(cfg: &Path, home: &Path, msg: &[u8]) {
    let mut child = Command::new("public-inbox-mda")
        .arg("--no-precheck")
        .env("PI_CONFIG", cfg)
        .env("HOME", home)
        .env("ORIGINAL_RECIPIENT", ADDRESS)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("public-inbox-mda (install public-inbox)");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(msg).expect("feed public-inbox-mda");
    }
    let out = child.wait_with_output().expect("public-inbox-mda");
    assert!(
        out.status.success(),
        "public-inbox-mda refused a fixture message: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(msg)
            .lines()
            .take(6)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

//! A fake "kernel tree" whose Makefile tries to escape: write outside the build
//! directory, read a file from $HOME, connect to a loopback port the test
//! listens on. Under the sandbox each attempt fails and leaves no trace; without
//! it each succeeds (which proves the test can fail).

use harness_sandbox::Sandbox;
use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::PathBuf;

const MAKEFILE: &str = r#"
all:
	-echo pwned > $(OUTSIDE)/escaped; echo "write-outside rc=$$?"
	-cat $(SECRET); echo "read-home rc=$$?"
	-bash -c 'echo hello > /dev/tcp/127.0.0.1/$(PORT)'; echo "connect rc=$$?"
	echo built > $(O)/built; echo "write-build rc=$$?"
"#;

struct Fixture {
    _tmp: tempfile::TempDir,
    _outside_tmp: tempfile::TempDir,
    tree: PathBuf,
    build: PathBuf,
    outside: PathBuf,
    secret: PathBuf,
    listener: TcpListener,
}

impl Fixture {
    fn new() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let tree = tmp.path().join("tree");
        let build = tmp.path().join("build");
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::create_dir_all(&build).unwrap();
        std::fs::write(tree.join("Makefile"), MAKEFILE).unwrap();
        // Outside every writable directory and not under /tmp (which the sandbox
        // replaces with a private tmpfs).
        let outside_tmp = tempfile::Builder::new()
            .prefix("harness-sbx-")
            .tempdir_in("/var/tmp")
            .unwrap();
        let home = PathBuf::from(std::env::var_os("HOME").expect("HOME must be set"));
        let secret = home.join(format!(
            ".harness-sandbox-test-secret-{}",
            std::process::id()
        ));
        std::fs::write(&secret, "TOP-SECRET\n").unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Fixture {
            _tmp: tmp,
            outside: outside_tmp.path().to_owned(),
            _outside_tmp: outside_tmp,
            tree,
            build,
            secret,
            listener,
        }
    }

    fn make(&self, sandbox: &Sandbox) -> String {
        let port = self.listener.local_addr().unwrap().port();
        let out = sandbox
            .command(
                "make",
                [
                    "-s".to_string(),
                    "-C".into(),
                    self.tree.display().to_string(),
                    format!("O={}", self.build.display()),
                    format!("OUTSIDE={}", self.outside.display()),
                    format!("SECRET={}", self.secret.display()),
                    format!("PORT={port}"),
                ],
            )
            .output()
            .expect("make must be installed");
        let s = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "make failed:\n{s}");
        s
    }

    fn connection_seen(&self) -> bool {
        match self.listener.accept() {
            Ok(_) => true,
            Err(e) if e.kind() == ErrorKind::WouldBlock => false,
            Err(e) => panic!("accept: {e}"),
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.secret);
    }
}

fn rc(out: &str, what: &str) -> i32 {
    let key = format!("{what} rc=");
    out.lines()
        .find_map(|l| l.strip_prefix(&key))
        .unwrap_or_else(|| panic!("no `{key}` in output:\n{out}"))
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn sandbox_blocks_write_outside_home_read_and_network() {
    Sandbox::new()
        .probe()
        .expect("bubblewrap must work on this machine");
    let f = Fixture::new();
    let sb = Sandbox::new().writable(&f.tree).writable(&f.build);
    let out = f.make(&sb);
    assert_ne!(rc(&out, "write-outside"), 0, "{out}");
    assert_ne!(rc(&out, "read-home"), 0, "{out}");
    assert_ne!(rc(&out, "connect"), 0, "{out}");
    assert_eq!(
        rc(&out, "write-build"),
        0,
        "the build directory must stay writable:\n{out}"
    );
    assert!(!out.contains("TOP-SECRET"), "{out}");
    assert!(
        !f.outside.join("escaped").exists(),
        "a file was written outside"
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(
        !f.connection_seen(),
        "the listener saw a connection from the sandbox"
    );
    assert_eq!(
        std::fs::read_to_string(f.build.join("built")).unwrap(),
        "built\n"
    );
}

#[test]
fn without_sandbox_the_same_makefile_escapes() {
    let f = Fixture::new();
    let out = f.make(&Sandbox::disabled());
    assert_eq!(rc(&out, "write-outside"), 0, "{out}");
    assert_eq!(rc(&out, "read-home"), 0, "{out}");
    assert_eq!(rc(&out, "connect"), 0, "{out}");
    assert!(out.contains("TOP-SECRET"));
    assert!(f.outside.join("escaped").exists());
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(f.connection_seen());
}

#[test]
fn sandbox_protects_read_only_base_files_linked_into_a_worktree_even_as_root() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    let wt = tmp.path().join("wt");
    std::fs::create_dir_all(&base).unwrap();
    std::fs::create_dir_all(&wt).unwrap();
    let f = base.join("file.c");
    std::fs::write(&f, "base\n").unwrap();
    std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o444)).unwrap();
    std::fs::hard_link(&f, wt.join("file.c")).unwrap();
    let sb = Sandbox::new().writable(&wt);
    let st = sb
        .command(
            "sh",
            [
                "-c",
                &format!("echo evil >> {}", wt.join("file.c").display()),
            ],
        )
        .status()
        .unwrap();
    assert!(
        !st.success(),
        "in-place write through a hard link must fail in the sandbox"
    );
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "base\n");
    // Replacing by rename (the worktree contract) works.
    let st = sb
        .command(
            "sh",
            [
                "-c",
                &format!("cd {} && echo new > .t && mv -f .t file.c", wt.display()),
            ],
        )
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(std::fs::read_to_string(wt.join("file.c")).unwrap(), "new\n");
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "base\n");
}

#[test]
fn probe_explains_a_missing_bwrap() {
    let sb = Sandbox {
        bwrap: "/nonexistent/bwrap".into(),
        ..Sandbox::new()
    };
    let msg = sb.probe().unwrap_err().to_string();
    assert!(
        msg.contains("apt-get install bubblewrap") && msg.contains("--no-sandbox"),
        "{msg}"
    );
}

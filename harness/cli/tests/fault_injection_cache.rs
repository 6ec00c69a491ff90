//! Fault injection (issue 23) on the tree cache and the trust decision, fast:
//! the fake kernel tree packed as tarball trees in a private cache.
//!
//! * Untrusted by content: a format-patch mail alone in a patch directory,
//!   applied with `apply --into`, is then configured and built sandboxed (its
//!   script's write outside the sandbox never lands; with `--sandbox off` it
//!   does, which proves the test can fail).
//! * A cached tree changed in place is refused by every command that uses
//!   it, naming the tree and the file, exit 2.
//! * Two runs on one cache: a re-pin of a tree waits for a build using it.
//! * A re-pin SIGKILLed at each of its renames (strace injects the signal)
//!   never leaves the old tree to be adopted as the new pin.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::harness::{assert_no_panic, command};
use support::proc::{self, Ran};

const LIMIT: Duration = Duration::from_secs(120);

fn fake_tree() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kbuild/tests/fixtures/fake-kernel")
}

fn sh(script: &str, args: &[&Path]) {
    let st = Command::new("sh")
        .arg("-ec")
        .arg(script)
        .arg("sh")
        .args(args)
        .status()
        .expect("run sh");
    assert!(st.success(), "sh -c {script:?} failed");
}

fn sha256(file: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(file)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

struct Fx {
    tmp: tempfile::TempDir,
}

impl Fx {
    fn new() -> Fx {
        Fx {
            tmp: tempfile::Builder::new()
                .prefix("fault-cache-")
                .tempdir()
                .expect("tempdir"),
        }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    /// The fake kernel tree with `VERSION` holding `version`, packed as
    /// `<version>.tar`, and a trees.yaml `<version>.yaml` pinning it as `t`.
    fn tarball_tree(&self, version: &str) -> PathBuf {
        let src = self.path(&format!("src-{version}/linux"));
        std::fs::create_dir_all(&src).expect("mkdir");
        sh("cp -R \"$1\"/. \"$2\"/", &[&fake_tree(), &src]);
        std::fs::write(src.join("VERSION"), format!("{version}\n")).expect("write");
        // Every object of a build carries the version of the tree it came
        // from (the fake link is the objects concatenated).
        for c in ["init/main.c", "net/core.c"] {
            let mut text = std::fs::read_to_string(src.join(c)).expect("read source");
            text.push_str(&format!("/* tree {version} */\n"));
            std::fs::write(src.join(c), text).expect("write source");
        }
        let tar = self.path(&format!("{version}.tar"));
        sh(
            "tar -C \"$1\" -cf \"$2\" linux",
            &[src.parent().expect("parent"), &tar],
        );
        let yaml = self.path(&format!("{version}.yaml"));
        let text = format!(
            "trees:\n  t:\n    tarball: {{ path: {}, sha256: \"{}\" }}\n",
            tar.display(),
            sha256(&tar)
        );
        std::fs::write(&yaml, text).expect("write trees.yaml");
        yaml
    }
    fn harness(&self) -> Command {
        let mut c = command();
        c.env("HARNESS_CACHE", self.path("cache"));
        c
    }
    fn run(&self, args: &[&std::ffi::OsStr]) -> Ran {
        let ran = proc::run(self.harness().args(args), LIMIT);
        assert_no_panic(&ran, "harness");
        ran
    }
    fn fetch(&self, yaml: &Path) -> Ran {
        self.run(&[
            "tree".as_ref(),
            "fetch".as_ref(),
            "t".as_ref(),
            "--trees".as_ref(),
            yaml.as_ref(),
        ])
    }
    fn cached_tree(&self) -> PathBuf {
        self.path("cache/trees/t/tree")
    }
    fn fragment(&self) -> PathBuf {
        let f = self.path("f.config");
        std::fs::write(&f, "CONFIG_NET=y\n").expect("write fragment");
        f
    }
}

/// A format-patch mail (no `[PATCH n/m]`) appending `line` to the fake
/// tree's `file` (`diff -u` of the file and its changed copy gives the hunk).
fn mail_appending(fx: &Fx, file: &str, line: &str) -> String {
    let orig = fake_tree().join(file);
    let changed = fx.path("changed");
    let mut text = std::fs::read_to_string(&orig).expect("read file");
    text.push_str(line);
    std::fs::write(&changed, text).expect("write");
    let out = Command::new("diff")
        .arg("-u")
        .arg(&orig)
        .arg(&changed)
        .output()
        .expect("run diff");
    let diff = String::from_utf8_lossy(&out.stdout);
    let hunks = &diff[diff.find("@@").expect("diff -u gave a hunk")..];
    format!(
        "From 2222222222222222222222222222222222222222 Mon Sep 17 00:00:00 2001\n\
         From: Mallory <m@example.org>\n\
         Date: Mon, 1 Jan 2024 00:00:00 +0000\n\
         Subject: [PATCH] a helpful change\n\n\
         ---\n\
         diff --git a/{file} b/{file}\n\
         --- a/{file}\n\
         +++ b/{file}\n{hunks}"
    )
}

/// The mail making the olddefconfig script write `$CANARY`.
fn evil_mail(fx: &Fx) -> String {
    mail_appending(
        fx,
        "scripts/fake-olddefconfig.sh",
        "echo pwned > \"$CANARY\" || true\n",
    )
}

/// A directory outside /tmp (which the sandbox replaces with its own
/// tmpfs) for a canary file only an unsandboxed step can write.
fn canary_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("harness-canary-")
        .tempdir_in("/var/tmp")
        .expect("tempdir in /var/tmp")
}

#[test]
fn a_per_patch_walk_of_a_mail_series_builds_sandboxed() {
    support::require_tool("bwrap");
    let fx = Fx::new();
    std::fs::create_dir(fx.path("mail")).expect("mkdir");
    // A rule bzImage now depends on, run at every build.
    let rule =
        "\nbzImage: helpful\n.PHONY: helpful\nhelpful:\n\t@echo pwned > \"$$CANARY\" || true\n";
    let mail = mail_appending(&fx, "Makefile", rule);
    std::fs::write(fx.path("mail/0001-helpful.patch"), mail).expect("write");
    let outside = canary_dir();
    let canary = outside.path().join("pwned");
    let frag = fx.fragment();
    let walk = |sandbox: &str, out: &str| {
        let mut c = fx.harness();
        c.env("CANARY", &canary)
            .args(["build", "--tree"])
            .arg(fake_tree())
            .arg("--fragment")
            .arg(&frag)
            .arg("--out")
            .arg(fx.path(out))
            .arg("--per-patch")
            .arg(fx.path("mail"))
            .args(["-j", "2", "--no-ccache", "--sandbox", sandbox]);
        proc::run(&mut c, LIMIT)
    };
    let ran = walk("auto", "o");
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    assert!(
        !canary.exists(),
        "the walk built the mail's Makefile unsandboxed"
    );
    let ran = walk("off", "o-off");
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    assert!(
        canary.exists(),
        "--sandbox off: the recipe did not run (test is void)"
    );
}

#[test]
fn a_mail_alone_in_a_patch_directory_is_configured_and_built_sandboxed() {
    support::require_tool("bwrap");
    let fx = Fx::new();
    std::fs::create_dir(fx.path("mail")).expect("mkdir");
    std::fs::write(fx.path("mail/0001-helpful.patch"), evil_mail(&fx)).expect("write");
    let tree = fx.path("tree");
    sh("cp -R \"$1\" \"$2\"", &[&fake_tree(), &tree]);
    let patched = fx.path("patched");
    let ran = fx.run(&[
        "apply".as_ref(),
        fx.path("mail").as_os_str(),
        "--tree".as_ref(),
        tree.as_os_str(),
        "--into".as_ref(),
        patched.as_os_str(),
    ]);
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    let outside = canary_dir();
    let canary = outside.path().join("pwned");
    let frag = fx.fragment();
    let step = |cmd: &str, sandbox: &str, out: &str| {
        let mut c = fx.harness();
        c.env("CANARY", &canary)
            .arg(cmd)
            .arg("--tree")
            .arg(&patched);
        if cmd == "build" {
            c.arg("--fragment")
                .arg(&frag)
                .args(["-j", "2", "--no-ccache"]);
        } else {
            c.arg(&frag);
        }
        c.arg("--out")
            .arg(fx.path(out))
            .args(["--sandbox", sandbox]);
        proc::run(&mut c, LIMIT)
    };
    for (cmd, out) in [("kconfig", "o-k"), ("build", "o-b")] {
        let ran = step(cmd, "auto", out);
        assert_eq!(ran.code, Some(0), "{cmd}: {}", ran.describe());
        assert!(
            !canary.exists(),
            "harness {cmd} ran the mail's script unsandboxed under --sandbox auto"
        );
    }
    let ran = step("kconfig", "off", "o-off");
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    assert!(
        canary.exists(),
        "--sandbox off: the script did not run (test is void)"
    );
}

#[test]
fn a_cached_tree_changed_in_place_is_refused_naming_the_tree_and_the_file() {
    let fx = Fx::new();
    let yaml = fx.tarball_tree("v1");
    let ran = fx.fetch(&yaml);
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    // What a build writing through a hard-link worktree does (as root the
    // read-only mode would not stop it): change a file in place.
    let victim = fx.cached_tree().join("init/main.c");
    sh(
        "chmod u+w \"$1\" && echo '/* changed */' >> \"$1\"",
        &[&victim],
    );
    let frag = fx.fragment();
    let dest = fx.path("wt");
    let runs: Vec<(&str, Vec<&std::ffi::OsStr>)> = vec![
        (
            "kconfig",
            vec![
                "kconfig".as_ref(),
                "--tree".as_ref(),
                "t".as_ref(),
                frag.as_os_str(),
                "--out".as_ref(),
                "o".as_ref(),
            ],
        ),
        (
            "build",
            vec![
                "build".as_ref(),
                "--tree".as_ref(),
                "t".as_ref(),
                "--fragment".as_ref(),
                frag.as_os_str(),
                "--out".as_ref(),
                "o".as_ref(),
            ],
        ),
        (
            "tree worktree",
            vec![
                "tree".as_ref(),
                "worktree".as_ref(),
                "t".as_ref(),
                dest.as_os_str(),
                "--trees".as_ref(),
                yaml.as_os_str(),
            ],
        ),
    ];
    for (what, args) in runs {
        let ran = proc::run(fx.harness().current_dir(fx.path("")).args(&args), LIMIT);
        assert_eq!(ran.code, Some(2), "{what}: {}", ran.describe());
        let err = ran.stderr_str();
        assert!(
            err.contains("changed since it was fetched") && err.contains("init/main.c"),
            "{what}: the message names neither the change nor the file: {err}"
        );
        assert!(
            err.contains("tree t") || err.contains("`t`") || err.contains(" t:"),
            "{what}: tree not named: {err}"
        );
    }
    assert!(
        !dest.exists(),
        "tree worktree made a worktree of a changed tree"
    );
}

fn pinned_version(fx: &Fx) -> String {
    std::fs::read_to_string(fx.cached_tree().join("VERSION"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

#[test]
fn a_re_pin_waits_for_a_build_using_the_tree() {
    use std::io::BufRead;
    let fx = Fx::new();
    let v1 = fx.tarball_tree("v1");
    let v2 = fx.tarball_tree("v2");
    assert_eq!(fx.fetch(&v1).code, Some(0));
    let frag = fx.fragment();
    // Run A: a build of `t` whose two recipes sleep 5 s each, one at a time.
    let mut a = fx.harness();
    a.args(["build", "--tree", "t", "--fragment"])
        .arg(&frag)
        .arg("--out")
        .arg(fx.path("o"))
        .args(["-j", "1", "--no-ccache"])
        .env("FAKE_SLEEP", "5")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut a = a.spawn().expect("start build");
    let t0 = Instant::now();
    while !fx.path("o/.config").exists() {
        assert!(t0.elapsed() < LIMIT, "the build never configured");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Run B: a re-pin of `t` from another project's trees.yaml.
    let mut b = fx.harness();
    b.args(["tree", "fetch", "t", "--trees"])
        .arg(&v2)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut b = b.spawn().expect("start re-pin");
    let stderr = b.stderr.take().expect("piped stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("waiting for the lock") {
                let _ = tx.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let waited = rx.recv_timeout(Duration::from_secs(60)).is_ok();
    let a_running = a.try_wait().expect("try_wait").is_none();
    let during = pinned_version(&fx);
    let a_status = a.wait().expect("wait build");
    let b_status = b.wait().expect("wait re-pin");
    let b_err = reader.join().expect("reader");
    assert!(waited, "the re-pin never waited for the build: {b_err}");
    assert!(
        a_running,
        "the build ended before the re-pin waited: the test proves nothing"
    );
    assert_eq!(during, "v1", "the tree was replaced while a build used it");
    assert!(a_status.success(), "build failed: {a_status}");
    assert!(b_status.success(), "re-pin failed: {b_err}");
    assert_eq!(pinned_version(&fx), "v2", "the re-pin did not take place");
    let kernel = std::fs::read_to_string(fx.path("o/vmlinux")).expect("read vmlinux");
    assert_eq!(
        (
            kernel.matches("/* tree v1 */").count(),
            kernel.contains("/* tree v2 */")
        ),
        (2, false),
        "the build mixed objects of two pins:\n{kernel}"
    );
}

#[test]
fn a_re_pin_killed_at_each_rename_never_leaves_the_old_tree_as_the_new_pin() {
    support::require_tool("strace");
    let fx = Fx::new();
    let v1 = fx.tarball_tree("v1");
    let v2 = fx.tarball_tree("v2");
    // The renames of a re-pin: `rename` moves trees (old aside, new in),
    // `renameat` publishes stat.list and pin.json (tempfile's persist).
    for (syscall, nth) in [
        ("rename", 1),
        ("rename", 2),
        ("renameat", 1),
        ("renameat", 2),
    ] {
        let _ = std::fs::remove_dir_all(fx.path("cache"));
        assert_eq!(fx.fetch(&v1).code, Some(0), "fetch v1");
        let inject = format!("inject={syscall}:signal=KILL:when={nth}");
        let ran = proc::run(
            Command::new("strace")
                .args(["-f", "-o", "/dev/null", "-e"])
                .arg(&inject)
                .arg(support::harness::bin())
                .args(["tree", "fetch", "t", "--trees"])
                .arg(&v2)
                .env("HARNESS_CACHE", fx.path("cache")),
            LIMIT,
        );
        assert_ne!(ran.code, Some(0), "{inject}: the re-pin was not killed");
        let ran = fx.fetch(&v2);
        assert_eq!(
            ran.code,
            Some(0),
            "{inject}: next fetch: {}",
            ran.describe()
        );
        assert_eq!(
            pinned_version(&fx),
            "v2",
            "{inject}: the next fetch kept the old tree under the new pin: {}",
            ran.stderr_str()
        );
        let ran = fx.run(&[
            "tree".as_ref(),
            "verify".as_ref(),
            "t".as_ref(),
            "--trees".as_ref(),
            v2.as_os_str(),
        ]);
        assert_eq!(ran.code, Some(0), "{inject}: verify: {}", ran.describe());
    }
}

//! `harness tree ...` against the real cache (linux-6.1) and small temporary
//! caches. Reference values: hashes are computed with `sha256sum` (coreutils),
//! the lock is held with `flock` (util-linux), both independent of the harness.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn harness() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_harness"));
    c.env_remove("HARNESS_TREES");
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn check(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
}

/// sha256 by the reference tool.
fn sha256sum(p: &Path) -> String {
    let o = Command::new("sha256sum")
        .arg(p)
        .output()
        .expect("sha256sum (coreutils) must be installed");
    assert!(o.status.success());
    text(&o.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// The real linux-6.1 tree via `harness tree path` (fetches when absent).
fn real_tree_path() -> PathBuf {
    let o = harness()
        .args(["tree", "path", "linux-6.1"])
        .output()
        .unwrap();
    check(&o, 0);
    PathBuf::from(text(&o.stdout).trim())
}

fn real_cache() -> PathBuf {
    let o = harness()
        .args(["tree", "fetch", "linux-6.1", "--json", "-"])
        .output()
        .unwrap();
    check(&o, 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let p = PathBuf::from(v["trees"][0]["path"].as_str().unwrap());
    // <cache>/trees/linux-6.1/tree
    p.parent()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_owned()
}

#[test]
fn fetch_path_verify_linux_6_1() {
    let t0 = Instant::now();
    let p = real_tree_path();
    let mk = std::fs::read_to_string(p.join("Makefile")).unwrap();
    // Debian's linux-source-6.1 6.1.192: the top Makefile says so.
    assert!(
        mk.contains("VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 192\n"),
        "{}",
        &mk[..200]
    );
    let o = harness()
        .args(["tree", "fetch", "linux-6.1", "--json", "-"])
        .output()
        .unwrap();
    check(&o, 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let prov = &v["trees"][0]["provenance"];
    assert_eq!(prov["version"], "6.1.192-3");
    assert_eq!(
        prov["sha256"],
        "cacdc3830989309d042083be3307969e55600ed7f908cf00df544c5ff50759a1"
    );
    assert_eq!(prov["pinned"], true);
    assert!(prov["manifest"]["files"].as_u64().unwrap() > 70_000);
    let o = harness()
        .args(["tree", "verify", "linux-6.1", "--json", "-"])
        .output()
        .unwrap();
    check(&o, 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true);
    // pin, package, tarball in the package, listing, content.
    assert_eq!(v["verify"][0]["checks"].as_array().unwrap().len(), 5, "{v}");
    // The base is read-only (a-w), so non-root in-place writes fail.
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(p.join("Makefile")).unwrap().permissions(),
    );
    assert_eq!(mode & 0o222, 0, "base files must be read-only");
    let o = harness().args(["tree", "list"]).output().unwrap();
    check(&o, 0);
    assert!(
        text(&o.stdout)
            .lines()
            .any(|l| l.starts_with("linux-6.1 ") && l.contains(" yes ")),
        "{}",
        text(&o.stdout)
    );
    assert!(t0.elapsed() < Duration::from_secs(300));
}

#[test]
fn verify_names_path_and_both_hashes_after_one_corrupted_byte_in_a_copy_of_the_deb() {
    let real = real_cache();
    let pin: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(real.join("trees/linux-6.1/pin.json")).unwrap(),
    )
    .unwrap();
    let deb_name = pin["deb"].as_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path();
    std::fs::create_dir_all(cache.join("downloads")).unwrap();
    std::fs::create_dir_all(cache.join("trees/linux-6.1")).unwrap();
    let deb = cache.join("downloads").join(deb_name);
    std::fs::copy(real.join("downloads").join(deb_name), &deb).unwrap(); // a copy, never the real file
    std::fs::copy(
        real.join("trees/linux-6.1/pin.json"),
        cache.join("trees/linux-6.1/pin.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        real.join("trees/linux-6.1/tree"),
        cache.join("trees/linux-6.1/tree"),
    )
    .unwrap();
    // Intact copy: verify passes (proves the failure below is the corruption).
    let o = harness()
        .args(["tree", "verify", "linux-6.1"])
        .env("HARNESS_CACHE", cache)
        .output()
        .unwrap();
    check(&o, 0);
    // Flip one byte in the middle.
    let mut bytes = std::fs::read(&deb).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&deb, &bytes).unwrap();
    drop(bytes);
    let actual = sha256sum(&deb);
    let expected = pin["deb_sha256"].as_str().unwrap();
    assert_ne!(actual, expected);
    let o = harness()
        .args(["tree", "verify", "linux-6.1"])
        .env("HARNESS_CACHE", cache)
        .output()
        .unwrap();
    check(&o, 1);
    let err = text(&o.stderr);
    assert!(err.contains(&deb.display().to_string()), "{err}");
    assert!(err.contains(expected) && err.contains(&actual), "{err}");
}

/// A small tarball tree in a temporary cache and project.
struct Small {
    dir: tempfile::TempDir,
    tarball: PathBuf,
}

impl Small {
    fn new(files: usize) -> Small {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src/mini-1.0");
        std::fs::create_dir_all(src.join("scripts")).unwrap();
        std::fs::write(src.join("Makefile"), "VERSION = 1\n").unwrap();
        for i in 0..files {
            std::fs::write(src.join(format!("scripts/f{i}.c")), format!("int f{i};\n")).unwrap();
        }
        let tarball = dir.path().join("mini-1.0.tar.gz");
        let st = Command::new("tar")
            .arg("-C")
            .arg(dir.path().join("src"))
            .arg("-czf")
            .arg(&tarball)
            .arg("mini-1.0")
            .status()
            .expect("tar must be installed");
        assert!(st.success());
        let sha = sha256sum(&tarball);
        std::fs::write(
            dir.path().join("trees.yaml"),
            format!(
                "trees:\n  mini:\n    tarball:\n      path: mini-1.0.tar.gz\n      sha256: {sha}\n"
            ),
        )
        .unwrap();
        Small { dir, tarball }
    }
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = harness();
        c.args(args)
            .env("HARNESS_CACHE", self.dir.path().join("cache"))
            .env("HARNESS_TREES", self.dir.path().join("trees.yaml"));
        c
    }
}

#[test]
fn tarball_tree_fetch_then_verify_fails_after_one_corrupted_byte() {
    let s = Small::new(3);
    let o = s.cmd(&["tree", "path", "mini"]).output().unwrap();
    check(&o, 0);
    let p = PathBuf::from(text(&o.stdout).trim());
    assert_eq!(p, s.dir.path().join("cache/trees/mini/tree"));
    assert_eq!(
        std::fs::read_to_string(p.join("Makefile")).unwrap(),
        "VERSION = 1\n"
    );
    check(&s.cmd(&["tree", "verify", "mini"]).output().unwrap(), 0);
    let expected = sha256sum(&s.tarball);
    let mut b = std::fs::read(&s.tarball).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0x80;
    std::fs::write(&s.tarball, &b).unwrap();
    let actual = sha256sum(&s.tarball);
    let o = s.cmd(&["tree", "verify", "mini"]).output().unwrap();
    check(&o, 1);
    let err = text(&o.stderr);
    assert!(
        err.contains(&s.tarball.display().to_string())
            && err.contains(&expected)
            && err.contains(&actual),
        "{err}"
    );
}

#[test]
fn verify_detects_a_damaged_extracted_tree() {
    let s = Small::new(3);
    let o = s.cmd(&["tree", "path", "mini"]).output().unwrap();
    check(&o, 0);
    let p = PathBuf::from(text(&o.stdout).trim());
    let victim = p.join("scripts/f1.c");
    std::fs::remove_file(&victim).unwrap();
    let o = s.cmd(&["tree", "verify", "mini"]).output().unwrap();
    check(&o, 1);
    assert!(
        text(&o.stderr).contains("extracted tree"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn second_fetch_waits_for_the_lock() {
    let s = Small::new(50);
    let lock_dir = s.dir.path().join("cache/trees/mini");
    std::fs::create_dir_all(&lock_dir).unwrap();
    let lock = lock_dir.join(".lock");
    // Another "fetch" holds the lock (flock(1) and the harness both use flock(2)).
    let mut holder = Command::new("flock")
        .arg(&lock)
        .args(["sleep", "2"])
        .spawn()
        .expect("flock (util-linux) must be installed");
    std::thread::sleep(Duration::from_millis(300));
    let t0 = Instant::now();
    let o = s.cmd(&["tree", "fetch", "mini"]).output().unwrap();
    let waited = t0.elapsed();
    holder.wait().unwrap();
    check(&o, 0);
    assert!(
        text(&o.stderr).contains("waiting for the lock"),
        "{}",
        text(&o.stderr)
    );
    assert!(
        waited >= Duration::from_millis(1200),
        "did not wait: {waited:?}"
    );
    // Two real fetches at once: both succeed and agree on one complete tree.
    let s = Small::new(2000);
    let spawn = || {
        s.cmd(&["tree", "fetch", "mini", "--json", "-"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    check(&a, 0);
    check(&b, 0);
    let files = |o: &Output| {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["trees"][0]["provenance"]["manifest"].clone()
    };
    assert_eq!(files(&a), files(&b));
    assert_eq!(files(&a)["files"], 2001);
    check(&s.cmd(&["tree", "verify", "mini"]).output().unwrap(), 0);
    // No temporary directories left behind.
    let leftovers: Vec<_> = std::fs::read_dir(s.dir.path().join("cache/trees"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn unoffered_version_names_versions_on_offer_and_how_to_repin() {
    let dir = tempfile::tempdir().unwrap();
    let y = dir.path().join("trees.yaml");
    std::fs::write(&y, "trees:\n  old:\n    debian:\n      package: linux-source-6.1\n      version: 6.1.1-9\n      sha256: 0000000000000000000000000000000000000000000000000000000000000000\n").unwrap();
    let o = harness()
        .args(["tree", "fetch", "old"])
        .env("HARNESS_CACHE", dir.path().join("cache"))
        .env("HARNESS_TREES", &y)
        .output()
        .unwrap();
    check(&o, 2);
    let err = text(&o.stderr);
    // apt-cache madison linux-source-6.1 on these machines offers 6.1.192-3 (the default pin).
    assert!(
        err.contains("6.1.1-9") && err.contains("versions on offer") && err.contains("6.1.192-3"),
        "{err}"
    );
    assert!(err.contains("re-pin in trees.yaml"), "{err}");
}

#[test]
fn directory_trees_are_unpinned_and_unknown_names_fail() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("src");
    std::fs::create_dir(&d).unwrap();
    let o = harness().args(["tree", "path"]).arg(&d).output().unwrap();
    check(&o, 0);
    assert_eq!(
        text(&o.stdout).trim(),
        std::fs::canonicalize(&d).unwrap().display().to_string()
    );
    let o = harness()
        .args(["tree", "path", "no-such-tree"])
        .output()
        .unwrap();
    check(&o, 2);
    assert!(
        text(&o.stderr).contains("unknown tree `no-such-tree`")
            && text(&o.stderr).contains("linux-6.1")
    );
}

/// One resolver for every command's TREE (issue 17 item 5): the pinned tree
/// `mini` named by its name, by its cache directory `<cache>/trees/mini/tree`
/// or by the cache entry `<cache>/trees/mini` is the same pinned tree in
/// `harness apply`'s report (it was "directory", unpinned, when named by
/// path). Once a file of it is changed in place, `refresh-check` (which
/// checks the whole tree, as `build` and `kconfig` do) refuses every form;
/// `apply` checks the files it read, so it refuses only when one of those
/// changed.
#[test]
fn a_pinned_tree_is_the_same_tree_by_name_by_path_and_by_entry() {
    let s = Small::new(2);
    check(&s.cmd(&["tree", "fetch", "mini"]).output().unwrap(), 0);
    let patch = s.dir.path().join("p.patch");
    std::fs::write(
        &patch,
        "--- a/scripts/f0.c\n+++ b/scripts/f0.c\n@@ -1 +1 @@\n-int f0;\n+int f0 = 1;\n",
    )
    .unwrap();
    let entry = s.dir.path().join("cache/trees/mini");
    let forms = [
        "mini".to_owned(),
        entry.join("tree").display().to_string(),
        entry.display().to_string(),
    ];
    for form in &forms {
        let o = s
            .cmd(&[
                "apply",
                &patch.display().to_string(),
                "--tree",
                form,
                "--json",
                "-",
            ])
            .output()
            .unwrap();
        check(&o, 0);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        let id = &v["tree_identity"];
        assert_eq!(
            (&id["name"], &id["kind"], &id["pinned"]),
            (&"mini".into(), &"tarball".into(), &true.into()),
            "{form}: {id}"
        );
    }
    // A file the patch does not read changed: `apply` (which checks the
    // files it read) still answers; `refresh-check` (whole tree) refuses.
    let p = patch.display().to_string();
    let f1 = entry.join("tree/scripts/f1.c");
    std::fs::write(&f1, "int f1 = 2;\n").unwrap();
    for form in &forms {
        let o = s.cmd(&["apply", &p, "--tree", form]).output().unwrap();
        check(&o, 0);
        let o = s
            .cmd(&["refresh-check", &p, "--tree", form])
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(2),
            "refresh-check --tree {form}: {}",
            text(&o.stderr)
        );
    }
    // The file it reads changed (same size, new mtime): every form refuses.
    std::fs::write(entry.join("tree/scripts/f0.c"), "int f0;\n").unwrap();
    for form in &forms {
        let o = s.cmd(&["apply", &p, "--tree", form]).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "apply --tree {form}");
        let err = text(&o.stderr);
        assert!(
            err.contains("changed since it was fetched (scripts/f0.c:"),
            "{err}"
        );
    }
}

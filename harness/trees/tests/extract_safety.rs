//! Tarball trees are extracted without setuid/setgid bits and without special
//! files (issue 23): a hostile tarball extracted as root must not leave a
//! setuid binary or a device node in the shared cache.
//!
//! The tarballs are made here with the system `tar` from small fake trees.
//! A FIFO stands in for device nodes (creating a device node needs root;
//! both are "special files" to the check, which refuses any non-regular,
//! non-directory, non-symlink entry).

use harness_trees::{TreeCache, TreeSpecs};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn tar_of(dir: &Path, top: &str, out: &Path) {
    let st = Command::new("tar")
        .arg("-C")
        .arg(dir)
        .arg("-cf")
        .arg(out)
        .arg(top)
        .status()
        .expect("run tar");
    assert!(st.success());
}

fn fetch(tmp: &Path, tarball: &Path) -> harness_trees::Result<harness_trees::BaseTree> {
    let sha = harness_trees::sha256_file(tarball).expect("hash");
    let yaml = format!(
        "trees:\n  fake:\n    tarball: {{ path: {}, sha256: \"{sha}\" }}\n",
        tarball.display()
    );
    let specs = TreeSpecs::parse(&yaml, Path::new("trees.yaml"), tmp).expect("specs");
    let cache = TreeCache::open(tmp.join("cache")).expect("cache");
    cache.fetch(specs.get("fake").expect("defined"))
}

#[test]
fn setuid_and_setgid_bits_are_dropped() {
    let d = tempfile::tempdir().expect("tmp");
    let src = d.path().join("src/fake-1.0");
    std::fs::create_dir_all(src.join("scripts")).expect("mkdir");
    std::fs::write(src.join("Makefile"), "all:\n").expect("write");
    let suid = src.join("scripts/run");
    std::fs::write(&suid, "#!/bin/sh\n").expect("write");
    std::fs::set_permissions(&suid, std::fs::Permissions::from_mode(0o6755)).expect("chmod");
    assert_eq!(
        std::fs::metadata(&suid).expect("stat").permissions().mode() & 0o7777,
        0o6755,
        "fixture: this file system keeps setuid bits"
    );
    let tb = d.path().join("fake.tar");
    tar_of(&d.path().join("src"), "fake-1.0", &tb);
    let tree = fetch(d.path(), &tb).expect("fetch");
    let mode = std::fs::metadata(tree.path.join("scripts/run"))
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o7000, 0, "setuid/setgid kept: {mode:o}");
    // Still executable (the manifest keeps exec bits), read-only.
    assert_eq!(mode & 0o777, 0o555, "{mode:o}");
}

#[test]
fn a_tarball_with_a_special_file_is_refused_and_nothing_is_cached() {
    let d = tempfile::tempdir().expect("tmp");
    let src = d.path().join("src/fake-1.0");
    std::fs::create_dir_all(&src).expect("mkdir");
    std::fs::write(src.join("Makefile"), "all:\n").expect("write");
    let st = Command::new("mkfifo")
        .arg(src.join("dev-mem"))
        .status()
        .expect("mkfifo");
    assert!(st.success());
    let tb = d.path().join("fake.tar");
    tar_of(&d.path().join("src"), "fake-1.0", &tb);
    let err = fetch(d.path(), &tb).expect_err("a special file must be refused");
    assert!(err.to_string().contains("dev-mem"), "{err}");
    assert!(err.to_string().contains("special file"), "{err}");
    let trees = d.path().join("cache/trees");
    assert!(!trees.join("fake/tree").exists(), "a tree was published");
    // The extraction directory is gone too.
    let left: Vec<_> = std::fs::read_dir(&trees)
        .expect("read")
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with(".tmp-"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn verify_catches_a_same_size_change_in_place() {
    // Issue 23: a build running as root rewrote a base file in place through
    // a hard link (same size); verify checked names and sizes only, said ok.
    let d = tempfile::tempdir().expect("tmp");
    let src = d.path().join("src/fake-1.0");
    std::fs::create_dir_all(src.join("net")).expect("mkdir");
    std::fs::write(src.join("Makefile"), "all:\n").expect("write");
    std::fs::write(src.join("net/core.c"), "int x = 1;\n").expect("write");
    let tb = d.path().join("fake.tar");
    tar_of(&d.path().join("src"), "fake-1.0", &tb);
    let tree = fetch(d.path(), &tb).expect("fetch");
    let sha = harness_trees::sha256_file(&tb).expect("hash");
    let yaml = format!(
        "trees:\n  fake:\n    tarball: {{ path: {}, sha256: \"{sha}\" }}\n",
        tb.display()
    );
    let specs = TreeSpecs::parse(&yaml, Path::new("trees.yaml"), d.path()).expect("specs");
    let cache = TreeCache::open(d.path().join("cache")).expect("cache");
    let spec = specs.get("fake").expect("defined");
    let before = cache.verify(spec).expect("verify");
    assert!(before.ok, "fresh tree: {:?}", before.checks);
    let f = tree.path.join("net/core.c");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::write(&f, "int x = 2;\n").expect("in-place write, same size");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let after = cache.verify(spec).expect("verify");
    assert!(
        !after.ok,
        "a changed file passed verify: {:?}",
        after.checks
    );
    let bad: Vec<_> = after.checks.iter().filter(|c| !c.ok).collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].what.contains("content"), "{bad:?}");
}

fn small_tarball(d: &Path) -> std::path::PathBuf {
    let src = d.join("src/fake-1.0");
    std::fs::create_dir_all(&src).expect("mkdir");
    std::fs::write(src.join("Makefile"), "all:\n").expect("write");
    let tb = d.join("fake.tar");
    tar_of(&d.join("src"), "fake-1.0", &tb);
    tb
}

#[test]
fn fetching_a_tree_leaves_another_trees_extraction_alone() {
    // `fake` and `fake-rt` share a name prefix: fetching `fake` cleaned
    // `.tmp-fake-*`, which took `fake-rt`'s extraction in progress.
    let d = tempfile::tempdir().expect("tmp");
    let tb = small_tarball(d.path());
    let trees = d.path().join("cache/trees");
    std::fs::create_dir_all(&trees).expect("mkdir");
    let others = [".tmp-fake-rt=Ab12Cd", ".tmp-fake-rt-Ab12Cd"];
    for o in others {
        std::fs::create_dir(trees.join(o)).expect("mkdir");
    }
    // A stale extraction of `fake` itself (old and new form) is cleaned.
    let stale = [".tmp-fake=Zz99Yy", ".tmp-fake-Zz99Yy"];
    for s in stale {
        std::fs::create_dir(trees.join(s)).expect("mkdir");
    }
    fetch(d.path(), &tb).expect("fetch");
    for o in others {
        assert!(trees.join(o).is_dir(), "{o} was deleted");
    }
    for s in stale {
        assert!(!trees.join(s).exists(), "{s} was left");
    }
}

#[test]
fn a_download_that_fails_its_hash_is_removed() {
    let d = tempfile::tempdir().expect("tmp");
    let tb = small_tarball(d.path());
    let wrong = "0".repeat(64);
    let yaml = format!(
        "trees:\n  fake:\n    tarball: {{ url: \"file://{}\", sha256: \"{wrong}\" }}\n",
        tb.display()
    );
    let specs = TreeSpecs::parse(&yaml, Path::new("trees.yaml"), d.path()).expect("specs");
    let cache = TreeCache::open(d.path().join("cache")).expect("cache");
    let err = cache
        .fetch(specs.get("fake").expect("defined"))
        .expect_err("wrong hash");
    assert!(err.to_string().contains(&wrong), "{err}");
    let dl = d.path().join("cache/downloads/fake.tar");
    assert!(
        !dl.exists(),
        "the bad download was kept and would be re-hashed forever"
    );
    // A tarball given by `path` is the user's: never removed.
    let yaml = format!(
        "trees:\n  fake:\n    tarball: {{ path: {}, sha256: \"{wrong}\" }}\n",
        tb.display()
    );
    let specs = TreeSpecs::parse(&yaml, Path::new("trees.yaml"), d.path()).expect("specs");
    assert!(cache.fetch(specs.get("fake").expect("defined")).is_err());
    assert!(tb.is_file(), "the user's tarball was removed");
}

#[test]
fn a_tree_changed_in_place_fails_its_fingerprint() {
    let d = tempfile::tempdir().expect("tmp");
    let tb = small_tarball(d.path());
    let tree = fetch(d.path(), &tb).expect("fetch");
    tree.check_fingerprint().expect("fresh tree passes");
    // A same-size in-place write (as a build running as root could do
    // through a hard link): the mtime moves.
    let f = tree.path.join("Makefile");
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::write(&f, "xyz\n\n").expect("write");
    let err = tree.check_fingerprint().expect_err("changed tree accepted");
    assert!(
        err.to_string().contains("changed since it was fetched")
            && err.to_string().contains("tree `fake`")
            && err.to_string().contains("Makefile: size/mtime"),
        "the refusal names neither the tree nor the file: {err}"
    );
    // A pin from before stat.list: the file written last is named.
    std::fs::remove_file(d.path().join("cache/trees/fake/stat.list")).expect("rm stat.list");
    let err = tree.check_fingerprint().expect_err("changed tree accepted");
    assert!(err.to_string().contains("the newest is Makefile"), "{err}");
}

#[test]
fn a_pin_from_before_content_hashes_is_re_extracted_by_the_next_fetch() {
    let d = tempfile::tempdir().expect("tmp");
    let tb = small_tarball(d.path());
    fetch(d.path(), &tb).expect("fetch");
    // What an older harness wrote: a manifest without the two hashes.
    let pin_path = d.path().join("cache/trees/fake/pin.json");
    let mut pin: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&pin_path).expect("pin")).expect("json");
    let m = pin["manifest"].as_object_mut().expect("manifest");
    assert!(m.remove("content_sha256").is_some() && m.remove("stat_sha256").is_some());
    std::fs::write(&pin_path, serde_json::to_vec(&pin).expect("ser")).expect("write");
    let tree = fetch(d.path(), &tb).expect("re-fetch");
    let m = tree.provenance.manifest.as_ref().expect("manifest");
    assert!(
        m.content_sha256.is_some() && m.stat_sha256.is_some(),
        "{m:?}"
    );
    tree.check_fingerprint().expect("fingerprint");
}

//! A re-pin never replaces a tree in use (issue 23): while a run holds the
//! tree ([`TreeCache::hold`]), a fetch of another pin of the same name
//! prepares the new tree and then waits; the old tree stays in place until
//! the hold is dropped, then the new one is published whole.

use harness_trees::{TreeCache, TreeEvent, TreeSpecs};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

/// A tarball of a one-file tree whose `VERSION` says `version`, and its spec.
fn pin(d: &Path, version: &str) -> TreeSpecs {
    let src = d.join(format!("src-{version}/fake"));
    std::fs::create_dir_all(&src).expect("mkdir");
    std::fs::write(src.join("VERSION"), version).expect("write");
    let tb = d.join(format!("{version}.tar"));
    let st = Command::new("tar")
        .arg("-C")
        .arg(src.parent().expect("parent"))
        .arg("-cf")
        .arg(&tb)
        .arg("fake")
        .status()
        .expect("run tar");
    assert!(st.success());
    let sha = harness_trees::sha256_file(&tb).expect("hash");
    let yaml = format!(
        "trees:\n  fake:\n    tarball: {{ path: {}, sha256: \"{sha}\" }}\n",
        tb.display()
    );
    TreeSpecs::parse(&yaml, Path::new("trees.yaml"), d).expect("specs")
}

fn version(tree: &Path) -> String {
    std::fs::read_to_string(tree.join("VERSION")).unwrap_or_default()
}

#[test]
fn a_re_pin_waits_for_the_hold_and_then_publishes_the_new_tree_whole() {
    let d = tempfile::tempdir().expect("tmp");
    let (v1, v2) = (pin(d.path(), "v1"), pin(d.path(), "v2"));
    let root = d.path().join("cache");
    let cache = TreeCache::open(&root).expect("cache");
    let (tree, hold) = cache
        .fetch_in_use(v1.get("fake").expect("defined"))
        .expect("fetch v1");
    let hold = hold.expect("a pinned tree is held");
    let (tx, rx) = mpsc::channel();
    let repin = std::thread::spawn(move || {
        let cache = TreeCache::open(&root)
            .expect("cache")
            .with_events(move |e| {
                if let TreeEvent::WaitingForLock { lock, .. } = e {
                    let _ = tx.send(lock.clone());
                }
            });
        cache.fetch(v2.get("fake").expect("defined"))
    });
    let lock: PathBuf = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the re-pin never waited for the tree in use");
    assert!(lock.ends_with(".use"), "waited for {}", lock.display());
    assert_eq!(version(&tree.path), "v1", "replaced while held");
    drop(hold);
    let new = repin.join().expect("thread").expect("re-pin");
    assert_eq!(version(&new.path), "v2");
    assert_eq!(new.path, tree.path, "published at the same place");
    new.check_fingerprint()
        .expect("the new tree's own fingerprint");
}

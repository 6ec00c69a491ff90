//! A matrix project whose one tree `fake` is a copy of harness-build's fake
//! kernel (`harness/kbuild/tests/fixtures/fake-kernel`), for fast matrix
//! tests that build: the project in `dir/proj`, the tree in `dir/tree`.

use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `cp -R from to`.
pub fn copy_dir(from: &Path, to: &Path) {
    let st = std::process::Command::new("cp")
        .arg("-R")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp");
    assert!(st.success(), "copying {}", from.display());
}

/// The project with `matrix.yaml` = `yaml`, config `c` (CONFIG_NET=y) and,
/// for each `(name, fixture dir)`, the series `patches/<name>/` holding the
/// files of `harness/cli/tests/fixtures/<fixture dir>`.
pub fn project(dir: &Path, yaml: &str, series: &[(&str, &str)]) -> PathBuf {
    let root = dir.join("proj");
    std::fs::create_dir_all(root.join("kernel-configs")).expect("mkdir");
    for (name, from) in series {
        let patches = root.join("patches").join(name);
        std::fs::create_dir_all(&patches).expect("mkdir");
        let src = fixture("tests/fixtures").join(from);
        for e in std::fs::read_dir(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display())) {
            let e = e.expect("entry");
            std::fs::copy(e.path(), patches.join(e.file_name())).expect("copy");
        }
    }
    std::fs::write(root.join("kernel-configs/c.config"), "CONFIG_NET=y\n").expect("write");
    let tree = dir.join("tree");
    copy_dir(&fixture("../kbuild/tests/fixtures/fake-kernel"), &tree);
    std::fs::write(root.join("matrix.yaml"), yaml).expect("write");
    let trees = format!(
        "trees:\n  fake:\n    directory:\n      path: {}\n",
        tree.display()
    );
    std::fs::write(root.join("trees.yaml"), trees).expect("write");
    root
}

/// The repository's own guest (`qemu/`) copied into the project.
pub fn with_guest(root: &Path) {
    copy_dir(&fixture("../../qemu"), &root.join("qemu"));
}

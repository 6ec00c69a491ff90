//! Shared by the build integration tests: the fake kernel tree
//! (fixtures/fake-kernel), a private copy of it, its configuration and the
//! build options every test starts from.
#![allow(dead_code)]

use harness_build::build::BuildOptions;
use harness_build::kconfig::{merge, MergeOptions};
use harness_build::HostCommands;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-kernel")
}

/// A private copy of the fake tree (tests modify sources).
pub fn copy_tree(dest: &Path) -> PathBuf {
    let st = Command::new("cp")
        .arg("-a")
        .arg(fixture())
        .arg(dest)
        .status()
        .expect("cp");
    assert!(st.success());
    dest.to_owned()
}

/// `olddefconfig` of the fake tree with CONFIG_NET=y into `out`.
pub fn configure(tree: &Path, out: &Path) {
    let frag = out.with_extension("frag");
    std::fs::write(&frag, "CONFIG_NET=y\n").expect("frag");
    let k = merge(tree, out, &[frag], &MergeOptions::default(), &HostCommands).expect("merge");
    assert!(k.ok());
}

/// Two jobs, no host-tool check (the fake tree needs none), log in `out`.
pub fn opts(out: &Path) -> BuildOptions {
    let mut o = BuildOptions::new(out.join("build.log"));
    o.jobs = 2;
    o.skip_host_check = true;
    o
}

//! Test helper: run the git CLI in a fixture repository.

use std::path::Path;
use std::process::Command;

/// `git ARGS` in `dir` with a fixed identity; panics (failing the test) when
/// git is missing or the command fails. Returns stdout.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=T", "-c", "user.email=t@example.org"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("the git CLI is needed for this test (host package `git`): {e}")
        });
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

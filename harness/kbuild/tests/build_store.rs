//! Build directory locks and the stored result (issue 23), on the fake kernel
//! tree: a second run waits for the first instead of deleting its objects; a
//! stored kernel whose bytes changed (0-byte, truncated) is never reused; an
//! artifact that is a symlink out of the build directory is not copied out.
mod common;
use common::{configure, fixture, opts};
use harness_build::build::{build, BuildStatus, RUNNING_MARKER};
use harness_build::{lock_build_dir, HostCommands};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

/// The stored kernels under `out`'s result store.
fn stored_kernels(out: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(out.join(".harness-results"))
        .expect("results")
        .flatten()
    {
        let k = e.path().join("bzImage");
        if k.is_file() {
            v.push(k);
        }
    }
    v
}

#[test]
fn a_truncated_stored_kernel_is_never_reused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    configure(&fixture(), &out);
    let o = build(&fixture(), &out, &opts(&out), &HostCommands).expect("build");
    assert_eq!(o.status, BuildStatus::Passed, "{}", o.log_excerpt);
    let kernels = stored_kernels(&out);
    assert_eq!(kernels.len(), 1, "{kernels:?}");
    // What a kill during a re-store left before this fix: outcome.json of
    // the earlier store, and the kernel copy truncated to 0 bytes.
    std::fs::write(&kernels[0], b"").expect("truncate");
    let again = build(&fixture(), &out, &opts(&out), &HostCommands).expect("build");
    assert!(!again.reused, "a 0-byte stored kernel was reused");
    assert_eq!(again.status, BuildStatus::Passed);
    let k = std::fs::read(&stored_kernels(&out)[0]).expect("stored");
    assert!(!k.is_empty(), "the store was not repaired");
    // Same size, other bytes: also refused (sha256 recorded at store time).
    let len = k.len();
    std::fs::write(&stored_kernels(&out)[0], vec![b'x'; len]).expect("overwrite");
    let third = build(&fixture(), &out, &opts(&out), &HostCommands).expect("build");
    assert!(!third.reused, "a changed stored kernel was reused");
    // And intact: reused.
    let fourth = build(&fixture(), &out, &opts(&out), &HostCommands).expect("build");
    assert!(fourth.reused, "an intact stored kernel must be reused");
}

#[test]
fn a_second_run_waits_for_the_build_dir_instead_of_deleting_objects() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    configure(&fixture(), &out);
    // The first run: holds the lock, and its make is "running" (marker
    // written, a fresh object newer than the marker).
    let lock = lock_build_dir(&out).expect("lock");
    std::fs::write(out.join(RUNNING_MARKER), "pid 1\n").expect("marker");
    std::thread::sleep(Duration::from_millis(20));
    std::fs::create_dir_all(out.join("net")).expect("mkdir");
    std::fs::write(out.join("net/fresh.o"), "first run's object").expect("object");
    let (tx, rx) = mpsc::channel();
    let out2 = out.clone();
    let second = std::thread::spawn(move || {
        let r = build(&fixture(), &out2, &opts(&out2), &HostCommands);
        let _ = tx.send(());
        r
    });
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "the second run did not wait for the lock"
    );
    assert!(
        out.join("net/fresh.o").exists(),
        "the second run deleted the first run's object"
    );
    // The first run ends normally: marker removed, lock released.
    std::fs::remove_file(out.join(RUNNING_MARKER)).expect("rm marker");
    drop(lock);
    let r = second.join().expect("thread").expect("build");
    assert!(
        !r.recovered_interrupted,
        "a finished run is not an interruption"
    );
    assert_eq!(r.status, BuildStatus::Passed, "{}", r.log_excerpt);
}

#[test]
fn the_same_thread_may_lock_around_kconfig_and_build() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    let _lock = lock_build_dir(&out).expect("lock");
    configure(&fixture(), &out);
    let o = build(&fixture(), &out, &opts(&out), &HostCommands).expect("no deadlock");
    assert_eq!(o.status, BuildStatus::Passed, "{}", o.log_excerpt);
}

#[test]
fn an_artifact_symlinked_out_of_the_build_dir_is_not_copied() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    let secret = tmp.path().join("id_rsa");
    std::fs::write(&secret, "PRIVATE KEY").expect("secret");
    configure(&fixture(), &out);
    // The "build" makes the kernel a symlink to a host file.
    let script = format!(
        "make \"$@\" && ln -sf {} {}/arch/x86/boot/bzImage",
        secret.display(),
        out.display()
    );
    let factory = move |_: &str| {
        let mut c = Command::new("sh");
        c.args(["-c", &script, "make"]);
        c
    };
    let arts = tmp.path().join("artifacts");
    let mut op = opts(&out);
    op.artifacts_dir = Some(arts.clone());
    let o = build(&fixture(), &out, &op, &factory).expect("build ran");
    assert!(
        o.artifact.is_none(),
        "a symlink was taken as the kernel: {:?}",
        o.artifact
    );
    assert!(
        !arts.join("bzImage").exists(),
        "the host file was copied out"
    );
    for k in stored_kernels(&out) {
        assert_ne!(std::fs::read(&k).expect("read"), b"PRIVATE KEY");
    }
}

//! An installed `harness` (as `cargo install --path harness/cli` leaves it)
//! run in an empty directory, away from any checkout: it finds the project
//! files it was built with (embedded, written once into the cache), and an
//! explicit `--project` that lacks a file is named in the error.

use std::path::Path;
use std::process::Command;

/// The binary under test, copied out of the build tree as an install would,
/// run with `cwd` as the current directory and a private cache.
fn installed(cwd: &Path, cache: &Path, args: &[&str]) -> (i32, String, String) {
    let bin = cwd.join("bin/harness");
    if !bin.exists() {
        std::fs::create_dir_all(cwd.join("bin")).expect("bin dir");
        std::fs::copy(env!("CARGO_BIN_EXE_harness"), &bin).expect("copy the binary");
    }
    let out = Command::new(&bin)
        .args(args)
        .current_dir(cwd)
        .env("HARNESS_CACHE", cache)
        .env_remove("HARNESS_PROJECT")
        .env("NO_COLOR", "1")
        .output()
        .expect("run harness");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_series_name_resolves_to_the_embedded_patches() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (cwd, cache) = (tmp.path().join("empty"), tmp.path().join("cache"));
    std::fs::create_dir_all(&cwd).expect("cwd");
    let (code, stdout, stderr) = installed(&cwd, &cache, &["series", "netns-l2-l3", "--json", "-"]);
    // The founding series has patches 1..11 missing: a gap is a finding (1).
    assert_eq!(code, 1, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("harness.series/1 JSON");
    assert_eq!(v["schema"], "harness.series/1");
    let source = v["source"].as_str().unwrap_or_default();
    assert!(
        source.starts_with(cache.join("project").to_str().expect("utf8")),
        "the series was read from {source}, not from the cache's embedded copy"
    );
    // The embedded copy is complete enough to boot and build: guest files
    // and the default fragments are there as files, init executable.
    let project = Path::new(source).ancestors().nth(2).expect("project dir");
    use std::os::unix::fs::PermissionsExt;
    let init = std::fs::metadata(project.join("qemu/init")).expect("qemu/init extracted");
    assert_ne!(init.permissions().mode() & 0o111, 0);
    assert!(project.join("kernel-configs/netns-base.config").is_file());
    assert!(project.join("qemu/tests").is_dir());
    // Nothing was written into the empty directory.
    let left: Vec<_> = std::fs::read_dir(&cwd)
        .expect("ls")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("bin")]);
}

#[test]
fn the_default_matrix_is_the_embedded_one() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (cwd, cache) = (tmp.path().join("empty"), tmp.path().join("cache"));
    std::fs::create_dir_all(&cwd).expect("cwd");
    // An unknown tree is refused after the matrix is loaded: the message
    // lists the default matrix's trees, so the embedded matrix.yaml was read.
    let (code, _, stderr) = installed(&cwd, &cache, &["matrix", "--tree", "nosuch"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("linux-6.1") && stderr.contains("nosuch"),
        "{stderr}"
    );
    assert!(!cwd.join("results").exists(), "a refused run wrote results");
}

#[test]
fn an_explicit_project_names_the_missing_matrix() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (cwd, cache) = (tmp.path().join("mine"), tmp.path().join("cache"));
    std::fs::create_dir_all(&cwd).expect("cwd");
    let dir = cwd.to_str().expect("utf8");
    let (code, _, stderr) = installed(&cwd, &cache, &["--project", dir, "matrix"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(&format!("{dir}/matrix.yaml")), "{stderr}");
    assert!(
        !cache.join("project").exists(),
        "fell back to the embedded copy"
    );
    let (code, _, stderr) = installed(
        &cwd,
        &cache,
        &["--project", "/nonexistent-harness-project", "series", "x"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("not a directory"), "{stderr}");
}

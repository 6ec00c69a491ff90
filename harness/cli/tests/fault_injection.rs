//! Fault injection and hostile output targets (issue 23), fast: fake trees and
//! temporary directories only, no kernel.
//!
//! Output files: `--json FILE` is written atomically (temporary file +
//! rename) only when FILE is a regular file or new; a FIFO (standing in for
//! `/dev/null` and other devices: never test against the real one) is
//! written directly and stays a FIFO; a symlink is written through; an
//! existing file keeps its mode; a new one gets 0666 minus the umask.
//! Closed pipes: `harness series ... | head` exits quietly, no panic.

mod support;

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::harness::{assert_no_panic, command};
use support::proc::{self, Ran};

const LIMIT: Duration = Duration::from_secs(60);

// The one-patch mail (format-patch style) adding a line to `f`.
use support::matrix::PATCH;

struct Fx {
    tmp: tempfile::TempDir,
}

impl Fx {
    fn new() -> Fx {
        let tmp = tempfile::Builder::new()
            .prefix("fault-")
            .tempdir()
            .expect("tempdir");
        std::fs::write(tmp.path().join("p.patch"), PATCH).expect("write patch");
        std::fs::create_dir(tmp.path().join("tree")).expect("mkdir tree");
        std::fs::write(tmp.path().join("tree/f"), "one\ntwo\nthree\n").expect("write tree");
        Fx { tmp }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    /// `harness series p.patch --json DEST`.
    fn series_json(&self, dest: &Path) -> Ran {
        let ran = proc::run(
            command()
                .arg("series")
                .arg(self.path("p.patch"))
                .arg("--json")
                .arg(dest),
            LIMIT,
        );
        assert_no_panic(&ran, "series --json");
        ran
    }
}

fn assert_series_json(bytes: &[u8], what: &str) {
    let v: serde_json::Value = serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", String::from_utf8_lossy(bytes)));
    assert_eq!(v["schema"], "harness.series/1", "{what}");
}

fn mkfifo(path: &Path) {
    let st = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(st.success(), "mkfifo {}", path.display());
}

#[test]
fn json_to_a_fifo_is_written_directly_and_the_fifo_stays() {
    // A FIFO stands for every non-regular output (/dev/null, /dev/stdout, a
    // tty): the old code renamed a temporary file over it.
    let fx = Fx::new();
    let fifo = fx.path("out.fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).expect("read fifo"))
    };
    let ran = fx.series_json(&fifo);
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    let got = reader.join().expect("reader thread");
    assert_series_json(&got, "read from the FIFO");
    let meta = std::fs::symlink_metadata(&fifo).expect("stat fifo");
    assert!(
        meta.file_type().is_fifo(),
        "the FIFO was replaced: {:?}",
        meta.file_type()
    );
}

#[test]
fn json_through_a_symlink_writes_the_target_and_keeps_the_link_and_mode() {
    let fx = Fx::new();
    let target = fx.path("real.json");
    std::fs::write(&target, "old\n").expect("write");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let link = fx.path("link.json");
    std::os::unix::fs::symlink("real.json", &link).expect("symlink");
    let ran = fx.series_json(&link);
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    let meta = std::fs::symlink_metadata(&link).expect("stat link");
    assert!(meta.file_type().is_symlink(), "the symlink was replaced");
    assert_series_json(&std::fs::read(&target).expect("read target"), "target");
    let mode = std::fs::metadata(&target)
        .expect("stat")
        .permissions()
        .mode()
        & 0o7777;
    assert_eq!(mode, 0o640, "the existing file's mode was not kept");
}

#[test]
fn json_through_a_dangling_symlink_creates_its_target() {
    let fx = Fx::new();
    std::fs::create_dir(fx.path("sub")).expect("mkdir");
    let link = fx.path("link.json");
    std::os::unix::fs::symlink("sub/new.json", &link).expect("symlink");
    let ran = fx.series_json(&link);
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    assert!(std::fs::symlink_metadata(&link)
        .expect("stat")
        .file_type()
        .is_symlink());
    assert_series_json(
        &std::fs::read(fx.path("sub/new.json")).expect("read"),
        "target",
    );
}

#[test]
fn a_new_report_file_is_readable_under_the_usual_umask() {
    // Under umask 022 a new file is 0644 (0666 & !022), like `touch` makes;
    // the old code left the temporary file's 0600.
    let fx = Fx::new();
    let dest = fx.path("new.json");
    let ran = proc::run(
        Command::new("sh")
            .arg("-c")
            .arg("umask 022; exec \"$0\" series \"$1\" --json \"$2\"")
            .arg(support::harness::bin())
            .arg(fx.path("p.patch"))
            .arg(&dest),
        LIMIT,
    );
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    let mode = std::fs::metadata(&dest).expect("stat").permissions().mode() & 0o7777;
    assert_eq!(mode, 0o644);
}

#[test]
fn json_to_a_directory_is_refused_and_the_directory_kept() {
    let fx = Fx::new();
    let dir = fx.path("adir");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("keep"), "x").expect("write");
    let ran = fx.series_json(&dir);
    assert_eq!(ran.code, Some(2), "{}", ran.describe());
    assert!(ran.stderr_str().contains("adir"), "{}", ran.describe());
    assert_eq!(std::fs::read(dir.join("keep")).expect("read"), b"x");
}

/// Run `harness ARGS` with stdout a pipe whose reader has already exited
/// (`{ sleep; harness ...; } | true`), returning the shell's stderr with the
/// harness's exit code on the last line as `rc=N`.
fn into_closed_pipe(args: &[&std::ffi::OsStr]) -> (Ran, i32) {
    let ran = proc::run(
        Command::new("sh")
            .arg("-c")
            .arg("{ sleep 0.3; \"$0\" \"$@\"; echo \"rc=$?\" >&2; } | true")
            .arg(support::harness::bin())
            .args(args),
        LIMIT,
    );
    assert_eq!(ran.code, Some(0), "shell: {}", ran.describe());
    let err = ran.stderr_str();
    let rc = err
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("rc="))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no rc line: {}", ran.describe()));
    (ran, rc)
}

#[test]
fn series_into_a_closed_pipe_exits_quietly() {
    let fx = Fx::new();
    let p = fx.path("p.patch");
    let (ran, rc) = into_closed_pipe(&["series".as_ref(), p.as_os_str()]);
    // 101 is Rust's panic exit; "failed printing to stdout" its message.
    assert_ne!(rc, 101, "{}", ran.describe());
    assert!(!ran.stderr_str().contains("panicked"), "{}", ran.describe());
    assert!(!ran.stderr_str().contains("error"), "{}", ran.describe());
    // The series was read fine: the outcome stays 0.
    assert_eq!(rc, 0, "{}", ran.describe());
}

#[test]
fn refresh_check_into_a_closed_pipe_exits_quietly() {
    let fx = Fx::new();
    let p = fx.path("p.patch");
    let tree = fx.path("tree");
    let (ran, rc) = into_closed_pipe(&[
        "refresh-check".as_ref(),
        p.as_os_str(),
        p.as_os_str(),
        "--tree".as_ref(),
        tree.as_os_str(),
    ]);
    assert_ne!(rc, 101, "{}", ran.describe());
    assert!(!ran.stderr_str().contains("panicked"), "{}", ran.describe());
    // The same patch twice applies: refresh-only, exit 0.
    assert_eq!(rc, 0, "{}", ran.describe());
}

/// A project with one two-patch series and one config, and its own cache.
fn matrix_project(fx: &Fx, yaml: &str) -> PathBuf {
    let root = fx.path("proj");
    std::fs::create_dir_all(root.join("patches/two")).expect("mkdir");
    std::fs::create_dir_all(root.join("kernel-configs")).expect("mkdir");
    for n in ["0001-a.patch", "0002-b.patch"] {
        std::fs::write(root.join("patches/two").join(n), PATCH).expect("write");
    }
    std::fs::write(root.join("kernel-configs/c.config"), "CONFIG_NET=y\n").expect("write");
    std::fs::write(root.join("matrix.yaml"), yaml).expect("write");
    root
}

fn matrix(fx: &Fx, root: &Path, extra: &[&str]) -> Ran {
    support::matrix::run(&fx.path("cache"), root, extra)
}

const TREE_AND_CONFIG: &str = "configs: [{name: c, fragments: [kernel-configs/c.config]}]\n";

#[test]
fn matrix_config_errors_exit_2_at_load_naming_the_file_and_the_reason() {
    let cases = [
        (
            "trees: [{name: linux-6.1}]\nseries: [{name: 'x/../../../victim', source: two}]\n",
            "bad name",
        ),
        (
            "trees: [{name: nosuchtree}]\nseries: [{name: s, source: two}]\n",
            "tree `nosuchtree` is not defined",
        ),
        (
            "trees: [{name: linux-6.1}]\nseries: [{name: s, source: nothere}]\n",
            "not found",
        ),
        (
            "trees: [{name: linux-6.1}]\nseries: [{name: s, source: two, take: 1-5}]\n",
            "out of range",
        ),
    ];
    for (yaml, want) in cases {
        let fx = Fx::new();
        let root = matrix_project(&fx, &format!("{yaml}{TREE_AND_CONFIG}"));
        let ran = matrix(&fx, &root, &[]);
        assert_eq!(ran.code, Some(2), "{yaml}: {}", ran.describe());
        let err = ran.stderr_str();
        assert!(
            err.contains("matrix.yaml") && err.contains(want),
            "{yaml}: wanted {want:?}: {}",
            ran.describe()
        );
        // Nothing ran: no run directory, no victim outside the cache.
        assert!(
            !root.join("results").exists(),
            "{yaml}: a run directory was made"
        );
        assert!(!fx.path("victim").exists());
    }
}

#[test]
fn a_run_id_that_climbs_out_of_results_is_refused() {
    let fx = Fx::new();
    let root = matrix_project(
        &fx,
        &format!(
            "trees: [{{name: linux-6.1}}]\nseries: [{{name: s, source: two}}]\n{TREE_AND_CONFIG}"
        ),
    );
    let ran = matrix(&fx, &root, &["--run-id", "../../escaped"]);
    assert_eq!(ran.code, Some(2), "{}", ran.describe());
    assert!(ran.stderr_str().contains("--run-id"), "{}", ran.describe());
    assert!(!fx.path("escaped").exists() && !root.join("escaped").exists());
}

/// `harness tree worktree` on a directory tree defined in a trees.yaml.
fn tree_worktree(fx: &Fx, dest: &Path, method: &str) -> Ran {
    let yaml = fx.path("trees.yaml");
    std::fs::write(
        &yaml,
        format!(
            "trees:\n  fake:\n    directory: {{ path: {} }}\n",
            fx.path("tree").display()
        ),
    )
    .expect("write trees.yaml");
    let ran = proc::run(
        command()
            .env("HARNESS_CACHE", fx.path("cache"))
            .args(["tree", "worktree", "fake"])
            .arg(dest)
            .args(["--method", method, "--trees"])
            .arg(&yaml),
        LIMIT,
    );
    assert_no_panic(&ran, "tree worktree");
    ran
}

#[test]
fn tree_worktree_refuses_a_non_empty_dest_and_deletes_nothing() {
    for method in ["hardlink", "copy"] {
        let fx = Fx::new();
        let dest = fx.path("mine");
        std::fs::create_dir(&dest).expect("mkdir");
        std::fs::write(dest.join("thesis.tex"), "years of work").expect("write");
        let ran = tree_worktree(&fx, &dest, method);
        assert_eq!(ran.code, Some(2), "{method}: {}", ran.describe());
        assert!(ran.stderr_str().contains("not empty"), "{}", ran.describe());
        assert_eq!(
            std::fs::read(dest.join("thesis.tex")).expect("still there"),
            b"years of work"
        );
        assert!(
            !dest.join("f").exists(),
            "{method}: worktree written anyway"
        );
    }
}

#[test]
fn tree_worktree_refuses_a_dest_inside_the_cache() {
    let fx = Fx::new();
    let cached = fx.path("cache/trees/linux-6.1/tree");
    std::fs::create_dir_all(&cached).expect("mkdir");
    std::fs::write(cached.join("Makefile"), "all:\n").expect("write");
    for dest in [cached.clone(), fx.path("cache/work/x")] {
        let ran = tree_worktree(&fx, &dest, "copy");
        assert_eq!(ran.code, Some(2), "{}: {}", dest.display(), ran.describe());
        assert!(
            ran.stderr_str().contains("tree cache"),
            "{}",
            ran.describe()
        );
    }
    assert_eq!(
        std::fs::read(cached.join("Makefile")).expect("kept"),
        b"all:\n"
    );
}

#[test]
fn tree_worktree_into_a_new_dest_works() {
    let fx = Fx::new();
    let dest = fx.path("wt");
    let ran = tree_worktree(&fx, &dest, "hardlink");
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    assert_eq!(
        std::fs::read(dest.join("f")).expect("f"),
        b"one\ntwo\nthree\n"
    );
}

/// The complete fixture run of harness-report, and a copy of it marked as an
/// interrupted run (`complete: false`, as `harness matrix` leaves it when
/// killed: the flag is set true only after the last cell).
fn complete_and_interrupted(fx: &Fx) -> (PathBuf, PathBuf) {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join("../report/tests/fixtures/full.json");
    let text = std::fs::read_to_string(&full).expect("fixture");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["complete"], true, "fixture must be a complete run");
    v["complete"] = serde_json::Value::Bool(false);
    let partial = fx.path("interrupted.json");
    std::fs::write(&partial, serde_json::to_string(&v).expect("ser")).expect("write");
    (full, partial)
}

#[test]
fn report_compare_and_kcidb_refuse_an_incomplete_report_unless_allowed() {
    let fx = Fx::new();
    let (full, partial) = complete_and_interrupted(&fx);
    let run = |args: &[&std::ffi::OsStr]| {
        let ran = proc::run(command().current_dir(fx.path("")).args(args), LIMIT);
        assert_no_panic(&ran, "report");
        ran
    };
    let cmp = run(&[
        "report".as_ref(),
        "compare".as_ref(),
        partial.as_os_str(),
        full.as_os_str(),
    ]);
    assert_eq!(cmp.code, Some(2), "{}", cmp.describe());
    assert!(
        cmp.stderr_str().contains("incomplete"),
        "{}",
        cmp.describe()
    );
    assert!(
        cmp.stderr_str().contains("interrupted.json"),
        "{}",
        cmp.describe()
    );
    let out = fx.path("k.json");
    let k = run(&[
        "report".as_ref(),
        "kcidb".as_ref(),
        partial.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(k.code, Some(2), "{}", k.describe());
    assert!(!out.exists(), "an export was written");
    // Told to: both work (the same fixture compared with itself: exit 0).
    let cmp = run(&[
        "report".as_ref(),
        "compare".as_ref(),
        partial.as_os_str(),
        full.as_os_str(),
        "--allow-incomplete".as_ref(),
    ]);
    assert_eq!(cmp.code, Some(0), "{}", cmp.describe());
    let k = run(&[
        "report".as_ref(),
        "kcidb".as_ref(),
        partial.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--allow-incomplete".as_ref(),
    ]);
    assert_eq!(k.code, Some(0), "{}", k.describe());
}

#[test]
fn matrix_compare_refuses_an_incomplete_baseline_before_running() {
    let fx = Fx::new();
    let (_, partial) = complete_and_interrupted(&fx);
    let root = matrix_project(
        &fx,
        &format!(
            "trees: [{{name: linux-6.1}}]\nseries: [{{name: s, source: two}}]\n{TREE_AND_CONFIG}"
        ),
    );
    let ran = matrix(&fx, &root, &["--compare", partial.to_str().expect("utf-8")]);
    assert_eq!(ran.code, Some(2), "{}", ran.describe());
    assert!(
        ran.stderr_str().contains("incomplete"),
        "{}",
        ran.describe()
    );
    assert!(!root.join("results").exists(), "the matrix ran anyway");
}

#[test]
fn tree_worktree_resync_only_re_syncs_a_worktree_of_that_tree() {
    let fx = Fx::new();
    let dest = fx.path("wt");
    assert_eq!(tree_worktree(&fx, &dest, "hardlink").code, Some(0));
    let resync = |dest: &Path| {
        proc::run(
            command()
                .env("HARNESS_CACHE", fx.path("cache"))
                .args(["tree", "worktree", "fake"])
                .arg(dest)
                .arg("--resync")
                .arg("--trees")
                .arg(fx.path("trees.yaml")),
            LIMIT,
        )
    };
    // Re-sync of the harness's own worktree (scripts/bench-worktree.sh).
    let ran = resync(&dest);
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    // A user's directory is still refused with --resync.
    let mine = fx.path("mine");
    std::fs::create_dir(&mine).expect("mkdir");
    std::fs::write(mine.join("notes"), "keep").expect("write");
    let ran = resync(&mine);
    assert_eq!(ran.code, Some(2), "{}", ran.describe());
    assert_eq!(std::fs::read(mine.join("notes")).expect("kept"), b"keep");
}

#[test]
fn matrix_compare_with_json_on_stdout_keeps_stdout_json_only() {
    // An apply-only matrix on a directory tree: run 1 applies; the tree then
    // changes so the patch no longer applies; run 2 compared with run 1 is a
    // regression (exit 1), said on stderr, while stdout is the report alone.
    let fx = Fx::new();
    let yaml = "trees: [{name: mine, build: false}]\nseries: [{name: s, source: one}]\n\
                configs: [{name: c, fragments: [kernel-configs/c.config]}]\n";
    let root = fx.path("proj");
    std::fs::create_dir_all(root.join("patches/one")).expect("mkdir");
    std::fs::create_dir_all(root.join("kernel-configs")).expect("mkdir");
    std::fs::write(root.join("patches/one/0001-a.patch"), PATCH).expect("write");
    std::fs::write(root.join("kernel-configs/c.config"), "CONFIG_NET=y\n").expect("write");
    std::fs::write(root.join("matrix.yaml"), yaml).expect("write");
    let trees = format!(
        "trees:\n  mine:\n    directory:\n      path: {}\n",
        fx.path("tree").display()
    );
    std::fs::write(root.join("trees.yaml"), trees).expect("write");
    let ran = matrix(&fx, &root, &["--run-id", "run1"]);
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    // (Other lines alone would not do: a 3-line file takes the hunk at fuzz 2.)
    std::fs::remove_file(fx.path("tree/f")).expect("remove the file the patch changes");
    let baseline = root.join("results/run1");
    let baseline = baseline.to_str().expect("utf8");
    let ran = matrix(
        &fx,
        &root,
        &["--run-id", "run2", "--compare", baseline, "--json", "-"],
    );
    assert_eq!(ran.code, Some(1), "{}", ran.describe());
    let v: serde_json::Value = serde_json::from_slice(&ran.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", ran.describe()));
    assert_eq!(v["schema"], "harness.matrix/1");
    assert!(
        ran.stderr_str().contains("REGRESSION"),
        "{}",
        ran.describe()
    );
}

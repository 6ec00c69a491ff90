//! `checkpatch: true` on a matrix series (issue 19 item 2, matrix part): the
//! pinned linux-6.1 tree's own scripts/checkpatch.pl on the first three
//! PREEMPT_RT patches as posted, sandboxed, reported in the cell. The
//! expected counts come from the reference tool: the same checkpatch.pl run
//! directly, with the arguments the report records, on each patch file. Then
//! the cell's reproducer, run as printed, gives the same counts again.
//!
//! Apply-only tree (`build: false`): checkpatch needs no build, so this takes
//! seconds.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const MATRIX: &str = "trees: [{name: linux-6.1, build: false}]
series:
  - {name: rt, source: preempt-rt, take: 1-3, checkpatch: true}
configs: [{name: c, fragments: [kernel-configs/c.config]}]
";

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// A project using the repository's patches/ and trees.yaml (the real cache).
fn project(dir: &Path) -> PathBuf {
    let root = dir.join("proj");
    std::fs::create_dir_all(root.join("kernel-configs")).expect("mkdir");
    std::os::unix::fs::symlink(repo("patches"), root.join("patches")).expect("symlink");
    std::fs::copy(repo("trees.yaml"), root.join("trees.yaml")).expect("trees.yaml");
    std::fs::write(root.join("kernel-configs/c.config"), "CONFIG_NET=y\n").expect("write");
    std::fs::write(root.join("matrix.yaml"), MATRIX).expect("write");
    root
}

/// `(errors, warnings)` from checkpatch.pl's `total:` line (none: clean, as
/// `-q` prints nothing for a clean patch).
fn totals(out: &str) -> (u64, u64) {
    let Some(line) = out.lines().find(|l| l.starts_with("total: ")) else {
        return (0, 0);
    };
    let num = |word: &str| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let i = words.iter().position(|w| w.starts_with(word)).expect(word);
        words[i - 1].parse::<u64>().expect("a number")
    };
    (num("error"), num("warning"))
}

/// The tree's checkpatch.pl run directly on `patch` with `args` (`-` last: stdin).
fn reference(tree: &Path, args: &[String], patch: &Path) -> (u64, u64) {
    let mut child = Command::new("perl")
        .arg(tree.join("scripts/checkpatch.pl"))
        .args(args)
        .current_dir(tree)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("perl");
    let text = std::fs::read(patch).expect("patch");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&text)
        .expect("write");
    let out = child.wait_with_output().expect("checkpatch");
    totals(&String::from_utf8_lossy(&out.stdout))
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json")
}

#[test]
fn checkpatch_in_a_cell_counts_what_checkpatch_pl_counts() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = project(dir.path());
    let ran = support::proc::run(
        support::harness::command()
            .current_dir(&root)
            .env("HARNESS_PROJECT", &root)
            .args(["matrix", "--config", "matrix.yaml", "--results", "results"])
            .args(["--run-id", "r"]),
        std::time::Duration::from_secs(300),
    );
    support::harness::assert_no_panic(&ran, "matrix");
    let report = json(&root.join("results/r/report.json"));
    let cell = &report["cells"][0];
    let k = &cell["checkpatch"];
    assert_eq!(k["sandboxed"], true, "{k:#}");
    let r = &k["report"];
    let tree = PathBuf::from(r["tree"].as_str().expect("tree"));
    let args: Vec<String> = (r["args"].as_array().expect("args").iter())
        .map(|a| a.as_str().expect("arg").to_owned())
        .collect();
    let series: Vec<String> = std::fs::read_to_string(repo("patches/preempt-rt/series"))
        .expect("series")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .take(3)
        .map(str::to_owned)
        .collect();
    let patches = r["patches"].as_array().expect("patches");
    assert_eq!(patches.len(), 3);
    let mut any_failed = false;
    for (p, name) in patches.iter().zip(&series) {
        let want = reference(&tree, &args, &repo("patches/preempt-rt").join(name));
        let got = (
            p["totals"]["errors"].as_u64().expect("errors"),
            p["totals"]["warnings"].as_u64().expect("warnings"),
        );
        assert_eq!(got, want, "{name}: harness vs checkpatch.pl");
        any_failed |= want != (0, 0);
    }
    // The stage's status follows the counts; undeclared, a failure makes the
    // cell unexpected (exit 1) and gives a reproducer.
    let status = if any_failed { "failed" } else { "passed" };
    assert_eq!(k["status"], status, "{k:#}");
    assert_eq!(cell["actual"]["checkpatch"], status);
    assert_eq!(
        ran.code,
        Some(if any_failed { 1 } else { 0 }),
        "{}",
        ran.describe()
    );
    if any_failed {
        let cmd = cell["reproduce"][0]["command"]
            .as_str()
            .expect("reproducer");
        assert_eq!(
            cmd,
            "harness checkpatch patches/preempt-rt --tree linux-6.1 --take 1-3"
        );
        let out = dir.path().join("cp.json");
        let words: Vec<&str> = cmd.split(' ').skip(1).collect();
        let again = support::proc::run(
            support::harness::command()
                .current_dir(&root)
                .env("HARNESS_PROJECT", &root)
                .args(&words)
                .arg("--json")
                .arg(&out),
            std::time::Duration::from_secs(300),
        );
        assert_eq!(again.code, Some(1), "{}", again.describe());
        let again = json(&out);
        for (a, b) in again["patches"]
            .as_array()
            .expect("patches")
            .iter()
            .zip(patches)
        {
            assert_eq!(a["totals"], b["totals"], "{}", a["name"]);
        }
    }
    let md = std::fs::read_to_string(root.join("results/r/summary.md")).expect("md");
    assert!(md.contains("## checkpatch"), "{md}");
}

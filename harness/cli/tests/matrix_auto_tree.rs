//! `tree: auto` on a matrix series (issue 21 item 3): the PREEMPT_RT series
//! (written for 6.1) is applied to both pinned trees, apply-only, and only
//! the cells of the tree it applies best to are kept, with every
//! candidate's counts. Expected: linux-6.1 (the series' own base: 4 of 504
//! hunks fail there, as the GNU differential test records; on linux-6.12
//! over a hundred do), and each candidate's counts equal those of
//! `harness apply --tree NAME --json` on that tree (one computation for both).

mod support;

use std::path::{Path, PathBuf};

const MATRIX: &str = "trees: [{name: linux-6.12, build: false}, {name: linux-6.1, build: false}]
series:
  - {name: rt, source: preempt-rt, tree: auto}
configs: [{name: c, fragments: [kernel-configs/c.config]}]
";

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).expect("json")
}

/// (applied, already applied, failed or malformed) of a harness.apply/1 report.
fn counts(report: &serde_json::Value) -> (u64, u64, u64) {
    let mut c = (0, 0, 0);
    for p in report["patches"].as_array().expect("patches") {
        for f in p["files"].as_array().expect("files") {
            for h in f["hunks"].as_array().expect("hunks") {
                match h["status"].as_str().expect("status") {
                    "applied" => c.0 += 1,
                    "already-applied" => c.1 += 1,
                    _ => c.2 += 1,
                }
            }
        }
    }
    c
}

#[test]
fn tree_auto_keeps_the_cells_of_the_tree_the_series_applies_best_to() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().join("proj");
    std::fs::create_dir_all(root.join("kernel-configs")).expect("mkdir");
    std::os::unix::fs::symlink(repo("patches"), root.join("patches")).expect("symlink");
    std::fs::copy(repo("trees.yaml"), root.join("trees.yaml")).expect("trees.yaml");
    std::fs::write(root.join("kernel-configs/c.config"), "CONFIG_NET=y\n").expect("write");
    std::fs::write(root.join("matrix.yaml"), MATRIX).expect("write");
    let run = |args: &[&str]| {
        let ran = support::proc::run(
            support::harness::command()
                .current_dir(&root)
                .env("HARNESS_PROJECT", &root)
                .args(args),
            std::time::Duration::from_secs(300),
        );
        support::harness::assert_no_panic(&ran, &args.join(" "));
        ran
    };
    let ran = run(&[
        "matrix",
        "--config",
        "matrix.yaml",
        "--results",
        "results",
        "--run-id",
        "a",
    ]);
    // 4 hunks fail on linux-6.1 and nothing declared it: unexpected.
    assert_eq!(ran.code, Some(1), "{}", ran.describe());
    let report = json(&std::fs::read(root.join("results/a/report.json")).expect("report"));
    let cells = report["cells"].as_array().expect("cells");
    let ids: Vec<&str> = cells
        .iter()
        .map(|c| c["id"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(ids, ["rt@linux-6.1:c"], "only the picked tree's cells");
    let choice = &cells[0]["tree_choice"];
    assert_eq!(choice["picked"], "linux-6.1", "{choice:#}");
    let candidates = choice["candidates"].as_array().expect("candidates");
    let trees: Vec<&str> = candidates
        .iter()
        .map(|c| c["tree"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(trees, ["linux-6.12", "linux-6.1"], "in trees: order");
    let mut failed = Vec::new();
    for c in candidates {
        let tree = c["tree"].as_str().expect("tree");
        let alone = run(&["apply", "patches/preempt-rt", "--tree", tree, "--json", "-"]);
        let want = counts(&json(&alone.stdout));
        let got = (
            c["applied"].as_u64().expect("n"),
            c["already_applied"].as_u64().expect("n"),
            c["failed"].as_u64().expect("n"),
        );
        assert_eq!(got, want, "{tree}: the matrix's counts vs harness apply's");
        failed.push(want.2);
    }
    assert!(
        failed[1] < failed[0],
        "linux-6.1 fails fewer hunks: {failed:?}"
    );
    assert_eq!(
        choice["why"],
        format!(
            "fewest failed hunks ({}), then most in the tree ({})",
            failed[1],
            candidates[1]["applied"].as_u64().unwrap_or(0)
                + candidates[1]["already_applied"].as_u64().unwrap_or(0)
        )
    );
    let md = std::fs::read_to_string(root.join("results/a/summary.md")).expect("md");
    assert!(md.contains("`rt`: linux-6.1 ("), "{md}");
}

//! `harness report merge|render|compare|kcidb` run as a user would, on the
//! fixture reports of harness-report (harness/report/tests/fixtures):
//! full.json is a run with two unexpected preempt-rt cells; previous.json is
//! the same matrix a night earlier when those cells were fine — so comparing
//! previous -> full is a run with injected regressions.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../report/tests/fixtures")
}

fn harness(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .current_dir(cwd)
        .env("HARNESS_PROJECT", cwd)
        .output()
        .expect("run harness");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn read_json(p: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn compare_exits_1_and_names_injected_regressions() {
    let tmp = tempfile::tempdir().expect("tmp");
    let old = fixtures().join("previous.json");
    let new = fixtures().join("full.json");
    let json = tmp.path().join("cmp.json");
    let (code, stdout, stderr) = harness(
        &[
            "report",
            "compare",
            old.to_str().expect("utf8"),
            new.to_str().expect("utf8"),
            "--json",
            json.to_str().expect("utf8"),
        ],
        tmp.path(),
    );
    assert_eq!(
        code, 1,
        "a regression must exit 1\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    // Each regression is named with its cell and what changed.
    for needle in [
        "REGRESSION preempt-rt@linux-6.1:ip-multiple-tables-y: build newly failing (passed -> failed)",
        "REGRESSION preempt-rt@linux-6.1:ip-multiple-tables-y: new build error kernel/printk/printk.c:2318",
        "REGRESSION preempt-rt@linux-6.1:ip-multiple-tables-n: guest test veth_ping_both_ways newly failing (was pass)",
    ] {
        assert!(stdout.contains(needle), "missing `{needle}` in:\n{stdout}");
    }
    let v = read_json(&json);
    assert_eq!(v["schema"], "harness.compare/1");
    assert_eq!(v["regressions"].as_array().map(|a| a.len()), Some(6));

    // Same run against itself: nothing to report, exit 0.
    let (code, stdout, _) = harness(
        &[
            "report",
            "compare",
            new.to_str().expect("utf8"),
            new.to_str().expect("utf8"),
        ],
        tmp.path(),
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("0 regressions, 0 fixes"), "{stdout}");

    // A run id under results/ is accepted too.
    let results = tmp.path().join("results/run-a");
    std::fs::create_dir_all(&results).expect("mkdir");
    std::fs::copy(&new, results.join("report.json")).expect("copy");
    let (code, stdout, stderr) = harness(&["report", "compare", "run-a", "run-a"], tmp.path());
    assert_eq!(code, 0, "{stdout}{stderr}");

    // Unreadable input is exit 2 with the path.
    let (code, _, stderr) = harness(&["report", "compare", "nope.json", "run-a"], tmp.path());
    assert_eq!(code, 2);
    assert!(stderr.contains("nope.json"), "{stderr}");
}

/// Split full.json into two shard reports the way `harness matrix --shard i/2`
/// would (harness_report::shard_filter), then merge them with the CLI.
#[test]
fn merge_of_two_shards_equals_the_whole_run() {
    let tmp = tempfile::tempdir().expect("tmp");
    let full = harness_report::load_report(&fixtures().join("full.json")).expect("fixture");
    let ids: Vec<String> = full.cells.iter().map(|c| c.id.clone()).collect();
    let mut shard_paths = Vec::new();
    for i in 1..=2 {
        let mut s = full.clone();
        let keep = harness_report::shard_filter(&ids, i, 2).expect("shard");
        s.cells = keep.into_iter().map(|k| full.cells[k].clone()).collect();
        s.shard = Some(format!("{i}/2"));
        harness_report::recompute_summary(&mut s);
        let dir = tmp.path().join(format!("shard-{i}"));
        harness_report::write_run_dir(&dir, &s).expect("write shard");
        shard_paths.push(dir);
    }
    let out = tmp.path().join("merged");
    let (code, stdout, stderr) = harness(
        &[
            "report",
            "merge",
            shard_paths[1].to_str().expect("utf8"),
            shard_paths[0].to_str().expect("utf8"),
            "--out",
            out.to_str().expect("utf8"),
        ],
        tmp.path(),
    );
    // The fixture has two unexpected cells, so the merged run exits 1.
    assert_eq!(code, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains("8 cells, 6 as expected, 2 unexpected"),
        "{stdout}"
    );
    let mut expected = full.clone();
    harness_report::normalize(&mut expected);
    assert_eq!(
        read_json(&out.join("report.json")),
        serde_json::to_value(&expected).expect("json")
    );
    for f in ["summary.md", "junit.xml", "index.html"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }

    // Only one of two shards: written, but incomplete -> exit 2.
    let out2 = tmp.path().join("partial");
    let (code, _, stderr) = harness(
        &[
            "report",
            "merge",
            shard_paths[0].to_str().expect("utf8"),
            "--out",
            out2.to_str().expect("utf8"),
        ],
        tmp.path(),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("INCOMPLETE"), "{stderr}");
    assert_eq!(read_json(&out2.join("report.json"))["complete"], false);
}

#[test]
fn render_and_kcidb_from_the_command_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let full = fixtures().join("full.json");
    let out = tmp.path().join("r");
    let (code, stdout, stderr) = harness(
        &[
            "report",
            "render",
            full.to_str().expect("utf8"),
            "--out",
            out.to_str().expect("utf8"),
        ],
        tmp.path(),
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let md = std::fs::read_to_string(out.join("summary.md")).expect("summary.md");
    assert!(
        md.starts_with("# harness matrix run `20261128T2340Z-fixture`"),
        "{md}"
    );
    let xml = std::fs::read_to_string(out.join("junit.xml")).expect("junit.xml");
    assert!(xml.contains("<testsuites name=\"harness matrix 20261128T2340Z-fixture\""));

    let k = tmp.path().join("kcidb.json");
    let (code, _, stderr) = harness(
        &[
            "report",
            "kcidb",
            full.to_str().expect("utf8"),
            "--out",
            k.to_str().expect("utf8"),
            "--origin",
            "harness",
        ],
        tmp.path(),
    );
    assert_eq!(code, 0, "{stderr}");
    let v = read_json(&k);
    assert_eq!(v["version"]["major"], 5);
    assert_eq!(v["builds"].as_array().map(|a| a.len()), Some(8));
    assert!(v["builds"][0]["id"]
        .as_str()
        .is_some_and(|s| s.starts_with("harness:")));
}

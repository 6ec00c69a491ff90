//! `harness apply SERIES --tree auto` on the pinned trees (fetched into the
//! cache if needed): PREEMPT_RT patches 1..39 (the matrix's
//! preempt-rt-prefix) apply with no failure to linux-6.1 (the differential
//! tests against GNU patch say so) and not to linux-6.12, so linux-6.1
//! ranks first; the chosen tree's report is the one `--tree linux-6.1` gives.

use std::path::Path;
use std::process::Command;

fn harness(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .env("NO_COLOR", "1")
        .output()
        .expect("run harness")
}

/// `candidate NAME (pinned tree): A applied, B already applied, F failed`
fn counts(stderr: &str, name: &str) -> (u64, u64, u64) {
    let line = stderr
        .lines()
        .find(|l| l.contains(&format!("candidate {name} (pinned tree): ")))
        .unwrap_or_else(|| panic!("no candidate line for {name}: {stderr}"));
    let nums: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    // the name's own digits come first (linux-6.1 -> 6, 1)
    let n = nums.len();
    assert!(n >= 3, "{line}");
    (nums[n - 3], nums[n - 2], nums[n - 1])
}

#[test]
fn auto_ranks_linux_6_1_above_linux_6_12_for_preempt_rt_prefix() {
    let args = [
        "apply",
        "patches/preempt-rt",
        "--patches",
        "1-39",
        "--json",
        "-",
    ];
    let auto = harness(&[&args[..], &["--tree", "auto"]].concat());
    let err = String::from_utf8_lossy(&auto.stderr).into_owned();
    assert_eq!(auto.status.code(), Some(0), "{err}");
    let (a61, _, f61) = counts(&err, "linux-6.1");
    let (_, _, f612) = counts(&err, "linux-6.12");
    assert_eq!(f61, 0, "{err}");
    assert!(a61 > 0 && f612 > 0, "{err}");
    assert!(
        err.contains("picked linux-6.1: fewest failed hunks"),
        "{err}"
    );
    let direct = harness(&[&args[..], &["--tree", "linux-6.1"]].concat());
    assert_eq!(direct.status.code(), Some(0));
    let mut auto_json: serde_json::Value = serde_json::from_slice(&auto.stdout).expect("auto JSON");
    let direct_json: serde_json::Value =
        serde_json::from_slice(&direct.stdout).expect("direct JSON");
    // --json of --tree auto carries the candidates, the rest is the report
    let resolution = auto_json
        .as_object_mut()
        .and_then(|o| o.remove("base_resolution"))
        .expect("base_resolution in --tree auto's JSON");
    assert_eq!(resolution["picked"], "linux-6.1");
    let kinds: Vec<&str> = resolution["candidates"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["pinned", "pinned"], "{resolution}");
    assert_eq!(
        auto_json, direct_json,
        "the report on the picked tree is the report of that tree"
    );
}

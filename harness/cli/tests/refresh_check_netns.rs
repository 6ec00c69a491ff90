//! `harness refresh-check` on the founding case: v1 of "[PATCH 12/12] network
//! namespace: L2 and L3 intro" against the tree v2 was refreshed for
//! (patches/netns-l2-l3/base-v2, rebuilt from v2's preimage).
//!
//! Reference: GNU patch. `patch -p1 --dry-run` of v1 in a copy of base-v2
//! says: veth.c hunk 1 succeeded at 320 with fuzz 1 (offset -7); net_namespace.c
//! hunks 1, 2, 4 FAILED, hunk 3 succeeded at 80 (offset -6); v2 applies
//! cleanly. The test runs GNU patch itself and compares.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn gnu_failed_hunks(patch: &Path, tree: &Path) -> Vec<(String, usize)> {
    let tmp = tempfile::tempdir().expect("tmp");
    let status = Command::new("cp")
        .arg("-r")
        .arg(format!("{}/.", tree.display()))
        .arg(tmp.path())
        .status()
        .expect("cp");
    assert!(status.success());
    let out = Command::new("patch")
        .args(["-p1", "--dry-run", "-i"])
        .arg(patch)
        .current_dir(tmp.path())
        .output()
        .expect("GNU patch is required for this test (apt-get install patch)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut file = String::new();
    let mut failed = Vec::new();
    for l in text.lines() {
        if let Some(f) = l.strip_prefix("checking file ") {
            file = f.to_owned();
        } else if let Some(rest) = l.strip_prefix("Hunk #") {
            if rest.contains("FAILED") {
                let n: usize = rest
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("hunk no");
                failed.push((file.clone(), n));
            }
        }
    }
    failed
}

fn failed_hunks(side: &serde_json::Value) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for f in side["files"].as_array().expect("files") {
        for h in f["hunks"].as_array().expect("hunks") {
            if h["status"] != "applied" && h["status"] != "already-applied" {
                out.push((
                    f["path"].as_str().unwrap_or("").to_owned(),
                    h["index"].as_u64().unwrap_or(0) as usize,
                ));
            }
        }
    }
    out
}

fn run(args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("refresh-check")
        .args(args)
        .args(["--json", "-"])
        .current_dir(repo())
        .output()
        .expect("run harness");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let v = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), v)
}

fn check(v: &serde_json::Value) {
    let dir = repo().join("patches/netns-l2-l3");
    assert_eq!(v["schema"], "harness.refresh-check/1");
    let patches = v["patches"].as_array().expect("patches");
    assert_eq!(patches.len(), 1);
    let p = &patches[0];
    assert_eq!(p["number"], 12);
    let expected_old = gnu_failed_hunks(
        &dir.join("v1/0012-network-namespace-L2-and-L3-intro.patch"),
        &dir.join("base-v2"),
    );
    assert_eq!(
        expected_old,
        vec![
            ("net/core/net_namespace.c".to_string(), 1),
            ("net/core/net_namespace.c".to_string(), 2),
            ("net/core/net_namespace.c".to_string(), 4)
        ],
        "GNU patch's verdict on v1 changed: update README and this test"
    );
    assert_eq!(failed_hunks(&p["old"]), expected_old);
    assert_eq!(
        gnu_failed_hunks(
            &dir.join("v2/0012-network-namespace-L2-and-L3-intro.patch"),
            &dir.join("base-v2")
        ),
        vec![]
    );
    assert_eq!(failed_hunks(&p["new"]), vec![]);
    assert_eq!(p["change"], "content-changed");
    // the refreshed patch follows the base: ip_fib_struct_init() gained `ns`
    let diffs = p["differences"].as_array().expect("differences");
    let fib = diffs
        .iter()
        .find(|d| {
            d["kind"] == "added"
                && d["new"]
                    .as_str()
                    .is_some_and(|s| s.contains("ip_fib_struct_init(ns)"))
        })
        .expect("the ip_fib_struct_init(ns) line is reported");
    assert_eq!(fib["cause"], "mirrors-base", "{fib:#}");
}

#[test]
fn one_source_with_the_reply_revision() {
    let (_code, v) = run(&["netns-l2-l3", "--tree", "patches/netns-l2-l3/base-v2"]);
    check(&v);
}

#[test]
fn old_new_form() {
    let (_code, v) = run(&[
        "patches/netns-l2-l3/v1",
        "patches/netns-l2-l3/v2",
        "--tree",
        "patches/netns-l2-l3/base-v2",
    ]);
    check(&v);
}

//! `harness series`: the contract fields of harness.series/1 and exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

mod support;
use support::{corpus_series, seed_page};

fn series(args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("series")
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
    (
        out.status.code().unwrap_or(-1),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn netns_series_by_name() {
    // a series NAME under patches/ works like a path
    let (code, v, err) = series(&["netns-l2-l3"]);
    assert_eq!(v["schema"], "harness.series/1");
    let s = &v["series"][0];
    assert_eq!(s["title"], "network namespace: L2 and L3 intro");
    assert_eq!(s["total"], 12);
    assert_eq!(
        s["missing"],
        serde_json::json!((1..=11).collect::<Vec<u32>>())
    );
    let p = &s["patches"][0];
    assert_eq!(p["number"], 12);
    let revs = p["revisions"].as_array().expect("revisions");
    assert_eq!(revs.len(), 2);
    assert_eq!(revs[0]["found_as"], "original");
    assert_eq!(revs[1]["found_as"], "reply");
    assert!(
        revs[0]["message_id"].is_null(),
        "the archive has no Message-IDs"
    );
    assert_eq!(
        revs[0]["subject"],
        "[PATCH 12/12] network namespace: L2 and L3 intro"
    );
    assert_eq!(revs[0]["from"], "Mishin Dmitry <dim@openvz.org>");
    assert_eq!(revs[0]["date"], "Wed, 06 Dec 2006 22:30:28 GMT");
    assert_eq!(p["reviews"][0]["kind"], "review");
    assert_eq!(
        p["reviews"][0]["quoted_hunks"].as_array().map(Vec::len),
        Some(4)
    );
    // gaps are a finding: exit 1
    assert_eq!(code, 1, "{err}");
}

#[test]
fn seed_archive_reports_the_unrecoverable_hunk() {
    let seed = seed_page();
    assert!(seed.is_file(), "seed missing: {}", seed.display());
    let (code, v, _) = series(&[seed.to_str().expect("utf8")]);
    assert_eq!(code, 1);
    assert_eq!(v["kind"], "archive");
    let bad: Vec<&str> = v["damage"]
        .as_array()
        .expect("damage")
        .iter()
        .filter_map(|d| d["problem"].as_str())
        .filter(|p| p.contains("cannot be recovered"))
        .collect();
    assert_eq!(bad.len(), 1, "{bad:#?}");
    assert!(bad[0].contains("net/core/net_namespace.c @@ -55,19 +61,24 @@"));
}

#[test]
fn rt_quilt_series_is_clean() {
    let rt = corpus_series("patches-rt");
    assert!(rt.is_dir(), "corpus missing: {}", rt.display());
    let (code, v, err) = series(&[rt.to_str().expect("utf8")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["series"][0]["total"], 72);
    assert_eq!(v["series"][0]["patches"].as_array().map(Vec::len), Some(72));
}

#[test]
fn unreadable_source_is_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["series", "/nonexistent/x.mbox"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.mbox"));
}

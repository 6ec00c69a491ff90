//! `harness refresh` on a small crafted tree and series, then `harness apply`
//! of the refreshed series on the same tree: every hunk that had applied now
//! applies exactly (offset 0, fuzz 0), rejected hunks are in `.rej` files and
//! in the summary, already-applied hunks are listed, and the final tree is
//! the same as applying the original series.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn harness() -> Command {
    support::harness::command()
}

fn base_lines() -> Vec<String> {
    (1..=40).map(|i| format!("int v{i};")).collect()
}

/// A one-hunk unified diff of src/a.c replacing line `n` (1-based) of the
/// base, with 3 lines of context either side.
fn hunk(n: usize, new: &str) -> String {
    let b = base_lines();
    let mut s = format!("@@ -{},7 +{},7 @@\n", n - 3, n - 3);
    for l in &b[n - 4..n - 1] {
        s.push_str(&format!(" {l}\n"));
    }
    s.push_str(&format!("-{}\n+{new}\n", b[n - 1]));
    for l in &b[n..n + 3] {
        s.push_str(&format!(" {l}\n"));
    }
    s
}

fn write(p: &Path, s: &str) {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(p, s).expect("write");
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn refresh_then_apply_is_exact_and_keeps_rejects() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    // The tree: 5 new lines on top (every hunk moves by +5), line 20 renamed
    // (hunk 2 of p1 needs fuzz 1: its first context line differs), line 36
    // rewritten (p2's hunk cannot apply), line 10 already patched (p3).
    let mut tree: Vec<String> = (1..=5).map(|i| format!("/* header {i} */")).collect();
    for l in base_lines() {
        tree.push(match l.as_str() {
            "int v20;" => "int v20_renamed;".into(),
            "int v36;" => "long v36;".into(),
            "int v10;" => "int v10 = 10;".into(),
            _ => l,
        });
    }
    write(&t.join("tree/src/a.c"), &(tree.join("\n") + "\n"));
    let hdr = "--- a/src/a.c\n+++ b/src/a.c\n";
    write(
        &t.join("series/p1.patch"),
        &format!(
            "Subject: [PATCH 1/3] p1\n\n---\n{hdr}{}{}",
            hunk(6, "int v6 = 6;"),
            hunk(23, "int v23 = 23;")
        ),
    );
    write(
        &t.join("series/p2.patch"),
        &format!(
            "Subject: [PATCH 2/3] p2\n\n---\n{hdr}{}--- /dev/null\n+++ b/src/b.c\n@@ -0,0 +1,2 @@\n+int b1;\n+int b2;\n",
            hunk(36, "int v36 = 36;")
        ),
    );
    write(
        &t.join("series/p3.patch"),
        &format!(
            "Subject: [PATCH 3/3] p3\n\n---\n{hdr}{}",
            hunk(10, "int v10 = 10;")
        ),
    );
    write(&t.join("series/series"), "p1.patch\np2.patch\np3.patch\n");

    // The original series: p1 applies with offset 5 (hunk 2 also fuzz 1),
    // p2's a.c hunk fails, p3 is already applied.
    let orig = harness()
        .args(["apply"])
        .arg(t.join("series"))
        .arg("--tree")
        .arg(t.join("tree"))
        .args(["--json", "-"])
        .output()
        .expect("run harness apply");
    let r = json_of(&orig);
    let h = |p: usize, f: usize, k: usize| r["patches"][p]["files"][f]["hunks"][k].clone();
    assert_eq!(h(0, 0, 0)["offset"], 5, "{r:#}");
    assert_eq!(h(0, 0, 1)["fuzz"], 1, "{r:#}");
    assert_eq!(h(1, 0, 0)["status"], "failed");
    assert_eq!(h(2, 0, 0)["status"], "already-applied");

    let out = t.join("refreshed");
    let ran = harness()
        .args(["refresh"])
        .arg(t.join("series"))
        .arg("--tree")
        .arg(t.join("tree"))
        .arg("--out")
        .arg(&out)
        .args(["--json", "-"])
        .output()
        .expect("run harness refresh");
    // Exit 1: a hunk was rejected.
    assert_eq!(
        ran.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let j = json_of(&ran);
    assert_eq!(j["schema"], "harness.refresh/1");
    let series = std::fs::read_to_string(out.join("series")).expect("series");
    // p3 has nothing left: commented out, not silently gone.
    assert!(
        series.contains("\np1.patch\np2.patch\n# p3.patch"),
        "{series}"
    );
    let rej = std::fs::read_to_string(out.join("p2.patch.rej")).expect("p2 rej");
    assert!(rej.contains("-int v36;\n+int v36 = 36;"), "{rej}");
    let summary = std::fs::read_to_string(out.join("summary.txt")).expect("summary");
    assert!(summary.contains("p2.patch: src/a.c hunk #1"), "{summary}");
    assert!(summary.contains("target-changed"), "{summary}");
    assert!(summary.contains("p3.patch: src/a.c hunk #1"), "{summary}");
    // The refreshed p1 carries the tree's real context (v20_renamed).
    let p1 = std::fs::read_to_string(out.join("p1.patch")).expect("p1");
    assert!(
        p1.contains(" int v20_renamed;\n") && p1.contains("@@ -8,7 +8,7 @@"),
        "{p1}"
    );
    assert!(p1.starts_with("Subject: [PATCH 1/3] p1\n"), "{p1}");

    // Apply the refreshed series: every hunk applied, offset 0, fuzz 0.
    let again = harness()
        .args(["apply"])
        .arg(&out)
        .arg("--tree")
        .arg(t.join("tree"))
        .args(["--json", "-"])
        .arg("--into")
        .arg(t.join("tree-refreshed"))
        .output()
        .expect("apply refreshed");
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let r2 = json_of(&again);
    let mut n = 0;
    for p in r2["patches"].as_array().expect("patches") {
        for f in p["files"].as_array().expect("files") {
            for h in f["hunks"].as_array().expect("hunks") {
                assert_eq!(h["status"], "applied", "{h}");
                assert_eq!(h["offset"], 0, "{h}");
                assert_eq!(h["fuzz"], 0, "{h}");
                n += 1;
            }
        }
    }
    // p1: 2 hunks, p2: b.c creation = 3 (p2's a.c hunk and p3 are left out).
    assert_eq!(n, 3);
    // Same result as the original series.
    let first = harness()
        .args(["apply"])
        .arg(t.join("series"))
        .arg("--tree")
        .arg(t.join("tree"))
        .arg("--into")
        .arg(t.join("tree-orig"))
        .output()
        .expect("apply original --into");
    assert_eq!(first.status.code(), Some(1));
    for f in ["src/a.c", "src/b.c"] {
        assert_eq!(
            std::fs::read(t.join("tree-orig").join(f)).expect("orig"),
            std::fs::read(t.join("tree-refreshed").join(f)).expect("refreshed"),
            "{f}"
        );
    }
}

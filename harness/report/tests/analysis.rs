//! Compare, shard/merge and KCIDB export on the fixture reports.
//! tests/fixtures/previous.json is full.json as an earlier night saw it:
//! the two preempt-rt@linux-6.1 cells were fine then (build passed, boot
//! passed, all guest tests passing).

use harness_report::model::MatrixReport;
use harness_report::{compare, merge, normalize, shard_filter, to_kcidb, ChangeKind};
use std::path::PathBuf;

fn fixture(name: &str) -> MatrixReport {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    harness_report::load_report(&p).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

#[test]
fn compare_identical_runs_finds_nothing() {
    let r = fixture("full.json");
    let c = compare(&r, &r);
    assert!(
        c.regressions.is_empty() && c.fixes.is_empty() && c.other.is_empty(),
        "{c:?}"
    );
}

#[test]
fn compare_names_each_injected_regression() {
    let c = compare(&fixture("previous.json"), &fixture("full.json"));
    let kinds: Vec<(ChangeKind, &str, &str)> = c
        .regressions
        .iter()
        .map(|r| (r.kind, r.cell.as_str(), r.key.as_str()))
        .collect();
    let y = "preempt-rt@linux-6.1:ip-multiple-tables-y";
    let n = "preempt-rt@linux-6.1:ip-multiple-tables-n";
    for want in [
        (ChangeKind::BuildFailing, y, "build"),
        (ChangeKind::BuildError, y, "kernel/printk/printk.c:2318: implicit declaration of function 'cons_atomic_flush' [-Werror=implicit-function-declaration]"),
        (ChangeKind::BootSkipped, y, "boot"),
        (ChangeKind::NowUnexpected, y, "expectation"),
        (ChangeKind::TestFailing, n, "test veth_ping_both_ways"),
        (ChangeKind::NowUnexpected, n, "expectation"),
    ] {
        assert!(kinds.contains(&want), "missing {want:?} in {kinds:#?}");
    }
    // Tests of the cell that no longer boots are not listed one by one
    // (the boot regression covers them), and nothing else regressed.
    assert_eq!(kinds.len(), 6, "{kinds:#?}");
    assert!(c.fixes.is_empty(), "{:?}", c.fixes);
    // The reverse direction: the same changes are fixes.
    let back = compare(&fixture("full.json"), &fixture("previous.json"));
    assert!(back
        .fixes
        .iter()
        .any(|f| f.kind == ChangeKind::BuildFixed && f.cell == y));
    assert!(back
        .fixes
        .iter()
        .any(|f| f.kind == ChangeKind::TestFixed && f.cell == n));
}

#[test]
fn compare_hunk_newly_failing_keyed_by_patch_file_and_index() {
    let old = fixture("full.json");
    let mut new = old.clone();
    let cell = new
        .cells
        .iter_mut()
        .find(|c| c.id == "preempt-rt-prefix@linux-6.1:ip-multiple-tables-y")
        .expect("cell");
    let hunk = &mut cell.apply.patches[1].files[0].hunks[0];
    hunk.status = harness_report::model::HunkStatus::Failed;
    hunk.offset = None;
    hunk.fuzz = None;
    // A new warning too.
    let mut w = cell.build.warnings[0].clone();
    w.message = "'x' may be used uninitialized [-Wmaybe-uninitialized]".into();
    cell.build.warnings.push(w);
    let c = compare(&old, &new);
    let keys: Vec<(ChangeKind, &str)> = c
        .regressions
        .iter()
        .map(|r| (r.kind, r.key.as_str()))
        .collect();
    assert_eq!(
        keys,
        vec![
            (
                ChangeKind::HunkFailing,
                "0002-signal-Don-t-disable-preemption-in-ptrace_stop-on-PR.patch / kernel/signal.c / hunk #1"
            ),
            (
                ChangeKind::BuildWarning,
                "kernel/sched/core.c:3312: 'x' may be used uninitialized [-Wmaybe-uninitialized]"
            ),
        ]
    );
    // Removing a cell is a regression (coverage lost); adding one is not.
    let mut fewer = old.clone();
    fewer
        .cells
        .retain(|c| c.id != "preempt-rt-prefix@linux-6.1:ip-multiple-tables-y");
    let c = compare(&old, &fewer);
    assert_eq!(c.regressions.len(), 1);
    assert_eq!(c.regressions[0].kind, ChangeKind::CellRemoved);
    let c = compare(&fewer, &old);
    assert!(c.regressions.is_empty());
    assert_eq!(c.other[0].kind, ChangeKind::CellAdded);
}

#[test]
fn shard_filter_partitions_and_is_order_independent() {
    let r = fixture("full.json");
    let ids: Vec<String> = r.cells.iter().map(|c| c.id.clone()).collect();
    for n in 1..=5 {
        let mut seen = vec![0usize; ids.len()];
        for i in 1..=n {
            let part = shard_filter(&ids, i, n).expect("valid shard");
            // Balanced: sizes differ by at most one.
            let lo = ids.len() / n;
            assert!(
                part.len() == lo || part.len() == lo + 1,
                "n={n} i={i} size {}",
                part.len()
            );
            for k in part {
                seen[k] += 1;
            }
        }
        assert!(
            seen.iter().all(|&s| s == 1),
            "n={n}: every cell in exactly one shard: {seen:?}"
        );
    }
    // Same assignment whatever order the matrix lists its cells in.
    let mut rev = ids.clone();
    rev.reverse();
    let a: Vec<&String> = shard_filter(&ids, 1, 2)
        .expect("ok")
        .into_iter()
        .map(|k| &ids[k])
        .collect();
    let mut b: Vec<&String> = shard_filter(&rev, 1, 2)
        .expect("ok")
        .into_iter()
        .map(|k| &rev[k])
        .collect();
    b.reverse();
    assert_eq!(a, b);
    assert!(shard_filter(&ids, 0, 2).is_err());
    assert!(shard_filter(&ids, 3, 2).is_err());
    assert!(harness_report::parse_shard("2/2").is_ok());
    assert!(harness_report::parse_shard("2").is_err());
}

fn split(r: &MatrixReport, n: usize) -> Vec<MatrixReport> {
    let ids: Vec<String> = r.cells.iter().map(|c| c.id.clone()).collect();
    (1..=n)
        .map(|i| {
            let keep = shard_filter(&ids, i, n).expect("shard");
            let mut s = r.clone();
            s.cells = keep.into_iter().map(|k| r.cells[k].clone()).collect();
            s.shard = Some(format!("{i}/{n}"));
            harness_report::recompute_summary(&mut s);
            // Through JSON, as CI artifacts travel.
            serde_json::from_str(&serde_json::to_string(&s).expect("ser")).expect("de")
        })
        .collect()
}

#[test]
fn two_shards_merged_equal_one_run() {
    let full = fixture("full.json");
    let mut shards = split(&full, 2);
    assert!(shards.iter().all(|s| !s.cells.is_empty()));
    shards.reverse(); // order given on the command line does not matter
    let merged = merge(shards).expect("merge");
    let mut expected = full.clone();
    normalize(&mut expected);
    assert_eq!(
        serde_json::to_value(&merged).expect("json"),
        serde_json::to_value(&expected).expect("json")
    );
    assert!(merged.complete && merged.shard.is_none());
}

#[test]
fn merge_with_a_missing_or_incomplete_shard_is_incomplete() {
    let full = fixture("full.json");
    let mut shards = split(&full, 3);
    let missing = shards.remove(1);
    let merged = merge(shards.clone()).expect("merge");
    assert!(!merged.complete);
    assert_eq!(merged.shard.as_deref(), Some("1,3/3"));
    assert_eq!(merged.summary.cells, full.cells.len() - missing.cells.len());
    // An interrupted shard makes the merge incomplete.
    let mut all = split(&full, 2);
    all[0].complete = false;
    assert!(!merge(all).expect("merge").complete);
    // Duplicates and mixed splits are refused with a reason.
    let twice = vec![shards[0].clone(), shards[0].clone()];
    assert!(merge(twice)
        .expect_err("dup")
        .to_string()
        .contains("given twice"));
    let mut mixed = split(&full, 2);
    mixed.push(split(&full, 3).remove(0));
    assert!(merge(mixed).is_err());
    assert!(merge(vec![full.clone()])
        .expect_err("no shard")
        .to_string()
        .contains("no `shard` field"));
}

#[test]
fn kcidb_export_has_required_fields_of_schema_v5() {
    let r = fixture("full.json");
    let k = to_kcidb(&r, "harness");
    assert_eq!(k["version"]["major"], 5);
    assert_eq!(k["version"]["minor"], 0);
    let origin_id = |v: &serde_json::Value| {
        v.as_str()
            .is_some_and(|s| s.starts_with("harness:") && s.len() > "harness:".len())
    };
    let statuses = ["FAIL", "ERROR", "MISS", "PASS", "DONE", "SKIP"];
    let checkouts = k["checkouts"].as_array().expect("checkouts");
    // One per series x tree: netns-l2-l3 on two trees, preempt-rt-prefix and preempt-rt on 6.1.
    assert_eq!(checkouts.len(), 4);
    let mut checkout_ids = Vec::new();
    for c in checkouts {
        assert!(origin_id(&c["id"]), "{c}");
        assert_eq!(c["origin"], "harness");
        assert!(c["tree_name"].is_string() && c["valid"].is_boolean());
        checkout_ids.push(c["id"].as_str().expect("id").to_string());
    }
    let builds = k["builds"].as_array().expect("builds");
    assert_eq!(builds.len(), r.cells.len());
    let mut build_ids = Vec::new();
    for b in builds {
        for f in ["id", "checkout_id", "origin"] {
            assert!(b.get(f).is_some(), "build lacks required {f}: {b}");
        }
        assert!(origin_id(&b["id"]));
        assert!(checkout_ids.contains(&b["checkout_id"].as_str().expect("s").to_string()));
        assert_eq!(b["architecture"], "x86_64");
        assert!(b["config_name"].is_string());
        assert!(statuses.contains(&b["status"].as_str().expect("status")));
        assert!(
            b.get("valid").is_none(),
            "v5 builds have `status`, not v4's `valid`"
        );
        build_ids.push(b["id"].as_str().expect("id").to_string());
    }
    let tests = k["tests"].as_array().expect("tests");
    let guest: usize = r.cells.iter().map(|c| c.tests.len()).sum();
    assert_eq!(
        tests.len(),
        r.cells.len() + guest,
        "one boot test per cell plus guest tests"
    );
    let path_ok = |p: &str| {
        p.split('.').all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
    };
    let mut ids = std::collections::BTreeSet::new();
    for t in tests {
        for f in ["id", "build_id", "origin"] {
            assert!(t.get(f).is_some(), "test lacks required {f}: {t}");
        }
        assert!(
            ids.insert(t["id"].as_str().expect("id").to_string()),
            "duplicate id {}",
            t["id"]
        );
        assert!(build_ids.contains(&t["build_id"].as_str().expect("s").to_string()));
        assert!(path_ok(t["path"].as_str().expect("path")), "{}", t["path"]);
        assert!(statuses.contains(&t["status"].as_str().expect("status")));
    }
    assert!(tests
        .iter()
        .any(|t| t["path"] == "netns.veth_ping_both_ways" && t["status"] == "FAIL"));
    assert!(tests
        .iter()
        .any(|t| t["path"] == "boot" && t["status"] == "SKIP"));
    // No nulls anywhere (the schema forbids them).
    fn no_null(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::Null => false,
            serde_json::Value::Array(a) => a.iter().all(no_null),
            serde_json::Value::Object(o) => o.values().all(no_null),
            _ => true,
        }
    }
    assert!(no_null(&k));
    // Without a base URL no log_url is emitted (it must be an absolute URI),
    // but the relative path is kept in misc.
    assert!(builds.iter().all(|b| b.get("log_url").is_none()));
    let with = harness_report::to_kcidb_with(
        &r,
        &harness_report::KcidbOptions {
            origin: "harness".into(),
            base_url: Some("https://ci.example.org/runs/1/".into()),
            compiler: Some("gcc (Debian 12.2.0-14) 12.2.0".into()),
        },
    );
    let b0 = with["builds"]
        .as_array()
        .and_then(|a| a.iter().find(|b| b["misc"].get("log_path").is_some()))
        .expect("a build with a log");
    assert!(
        b0["log_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://ci.example.org/runs/1/cells/")),
        "{b0}"
    );
    assert_eq!(b0["compiler"], "gcc (Debian 12.2.0-14) 12.2.0");
}

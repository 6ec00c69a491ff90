//! Diagnoses on the real PREEMPT_RT series (patches/preempt-rt):
//! - linux-6.12: every hunk that does not apply carries a cause other than
//!   `unknown`, a summary and a next step;
//! - linux-6.1: the two patches with failing hunks (0040, 0071) and the one
//!   already applied upstream (0056) are explained as found by reading the
//!   tree (see the reasoning at each assertion).

mod support;

use serde_json::Value;
use std::time::Duration;
use support::{harness, trees};

fn apply_rt(tree_name: &str) -> Value {
    let series = support::corpus_series("patches-rt");
    let tree = trees::kernel_tree(tree_name);
    let ran = harness::apply(&series, &tree, &[], Duration::from_secs(600));
    assert!(
        ran.code == Some(0) || ran.code == Some(1),
        "harness apply on {tree_name}: {}",
        ran.describe()
    );
    serde_json::from_str(ran.stdout_str().as_ref())
        .unwrap_or_else(|e| panic!("apply JSON on {tree_name}: {e}"))
}

fn patch<'a>(r: &'a Value, prefix: &str) -> &'a Value {
    r["patches"]
        .as_array()
        .and_then(|ps| {
            ps.iter()
                .find(|p| p["name"].as_str().is_some_and(|n| n.starts_with(prefix)))
        })
        .unwrap_or_else(|| panic!("no patch {prefix} in the report"))
}

fn file<'a>(p: &'a Value, path: &str) -> &'a Value {
    p["files"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["path"] == path))
        .unwrap_or_else(|| panic!("no file {path} in {}", p["name"]))
}

#[test]
fn rt_on_6_12_every_failed_hunk_has_a_cause() {
    let r = apply_rt("linux-6.12");
    let mut failed = 0;
    let mut by_cause: std::collections::BTreeMap<String, usize> = Default::default();
    let mut unknown = Vec::new();
    for p in r["patches"].as_array().expect("patches") {
        for f in p["files"].as_array().expect("files") {
            for h in f["hunks"].as_array().expect("hunks") {
                if h["status"] != "failed" {
                    continue;
                }
                failed += 1;
                let d = &h["diagnosis"];
                let cause = d["cause"].as_str().unwrap_or("(none)").to_owned();
                assert!(
                    !d["summary"].as_str().unwrap_or("").is_empty(),
                    "{} {} #{}: empty summary",
                    p["name"],
                    f["path"],
                    h["index"]
                );
                if cause == "unknown" || cause == "(none)" {
                    unknown.push(format!(
                        "{} {} #{}: {}",
                        p["name"], f["path"], h["index"], d
                    ));
                }
                *by_cause.entry(cause).or_default() += 1;
            }
        }
    }
    eprintln!("linux-6.12: {failed} failed hunks, causes: {by_cause:?}");
    // Measured with GNU patch: against 6.12.117, 45 of the 72 RT patches fail; there must
    // be failed hunks to diagnose, and every one must have a real cause.
    assert!(
        failed >= 45,
        "expected many failed hunks on 6.12, got {failed}"
    );
    assert!(
        unknown.is_empty(),
        "hunks with cause unknown:\n{}",
        unknown.join("\n")
    );
}

#[test]
fn rt_on_6_1_explains_0040_0056_0071() {
    let r = apply_rt("linux-6.1");
    // 0040 hunk #2: 6.1.192 added a harden_branch_predictor() block at the
    // top of do_sect_fault(); the insertion point (after `{`, line 528) is
    // intact, the context after it changed -> context-drifted.
    let h = &file(patch(&r, "0040-"), "arch/arm/mm/fault.c")["hunks"][1];
    assert_eq!(h["status"], "failed");
    assert_eq!(h["diagnosis"]["cause"], "context-drifted", "{h:#}");
    assert_eq!(h["diagnosis"]["closest"]["line"], 526, "{h:#}");
    // 0071: the regparm(0) declaration of vmread_error_trampoline it rewrites
    // is gone from 6.1.192's vmx_ops.h -> target-changed.
    let h = &file(patch(&r, "0071-"), "arch/x86/kvm/vmx/vmx_ops.h")["hunks"][0];
    assert_eq!(h["diagnosis"]["cause"], "target-changed", "{h:#}");
    assert!(h["diagnosis"]["summary"]
        .as_str()
        .unwrap_or("")
        .contains("vmread_error_trampoline"));
    // 0056: upstream already (GNU: Reversed) in lockdep_types.h; lib/debugobjects.c
    // has a reworked version (can_fill_pool(), LD_WAIT_CONFIG) -> partly-applied.
    let p = patch(&r, "0056-");
    assert_eq!(
        file(p, "include/linux/lockdep_types.h")["hunks"][0]["status"],
        "already-applied"
    );
    let h = &file(p, "lib/debugobjects.c")["hunks"][0];
    assert_eq!(h["diagnosis"]["cause"], "partly-applied", "{h:#}");
}

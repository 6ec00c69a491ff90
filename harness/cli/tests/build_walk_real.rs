//! `harness build --per-patch` on linux-6.1 (tinyconfig + netns fragments)
//! with the project's perpatch-demo series (patches/perpatch-demo, see its
//! make.sh). What the kernel's build must say, by construction of the series:
//! patch 1 adds an unused local (gcc -Wall: -Wunused-variable), patch 2 calls
//! a function nothing declares (kbuild's -Werror=implicit-function-declaration
//! stops the build), patch 3 defines it above its caller (the build passes
//! again; the unused local stays), patch 4 only adds a comment.
//!
//! The build directory is kept in the cache across runs (an incremental
//! walk over a warm directory is what the walk is for), and ccache serves the
//! base build when another test built the same config.

mod support;

use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;
use support::{harness::command, proc, repo_root, trees::kernel_tree};

fn cache() -> PathBuf {
    support::trees::cache_root()
}

fn names(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .expect(key)
        .iter()
        .map(|d| d["message"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn per_patch_walk_finds_the_break_the_fix_and_the_warning() {
    let tree = kernel_tree("linux-6.1");
    let out = cache().join("builds/test-walk-linux-6.1-netns/obj");
    let ran = proc::run(
        command()
            .arg("build")
            .arg("--tree")
            .arg(&tree)
            .args([
                "--fragment",
                "netns-base",
                "--fragment",
                "ip-multiple-tables-y",
            ])
            .arg("--out")
            .arg(&out)
            .arg("--per-patch")
            .arg(repo_root().join("patches/perpatch-demo"))
            // The project's own fixture mails are trusted here: unsandboxed,
            // the walk shares the ccache the other kernel tests fill (a
            // sandboxed build gets a private, cold one). The sandboxed walk
            // is tested on the fake tree (fault_injection_cache.rs).
            .args(["--sandbox", "off"])
            .args(["-j", "2", "--json", "-"]),
        Duration::from_secs(3600),
    );
    // Patch 2 fails to build: exit 1.
    assert_eq!(ran.code, Some(1), "{}", ran.describe());
    let r: Value = serde_json::from_str(&ran.stdout_str()).expect("walk JSON");
    assert_eq!(r["schema"], "harness.walk/1");
    let steps = r["steps"].as_array().expect("steps");
    let status: Vec<&str> = steps
        .iter()
        .map(|s| s["status"].as_str().expect("status"))
        .collect();
    assert_eq!(
        status,
        ["passed", "passed", "failed", "passed", "passed"],
        "{r:#}"
    );

    let p1 = &steps[1];
    let added = p1["warnings_added"].as_array().expect("added");
    assert_eq!(added.len(), 1, "{p1:#}");
    assert_eq!(added[0]["file"], "net/core/net_namespace.c");
    assert!(added[0]["message"]
        .as_str()
        .expect("message")
        .contains("unused_default"));
    let patch1 = steps[1]["name"].as_str().expect("name");
    assert_eq!(added[0]["patch"], patch1, "the line is patch 1's");
    assert_eq!(p1["changed_files"][0], "net/core/net_namespace.c");

    let p2 = &steps[2];
    let err = &p2["errors"][0];
    assert_eq!(err["file"], "net/core/net_namespace.c", "{p2:#}");
    assert!(err["message"]
        .as_str()
        .expect("message")
        .contains("net_demo_defaults"));
    assert_eq!(err["patch"], steps[2]["name"], "the line is patch 2's");

    // Patch 3 fixes the build and changes no warning; the unused local stays.
    for i in [3, 4] {
        assert!(
            names(&steps[i], "warnings_added").is_empty(),
            "{:#}",
            steps[i]
        );
        assert!(
            names(&steps[i], "warnings_removed").is_empty(),
            "{:#}",
            steps[i]
        );
        assert_eq!(steps[i]["warnings_total"], steps[1]["warnings_total"]);
    }
    let breaks = r["breaks"].as_array().expect("breaks");
    assert_eq!(breaks.len(), 1, "{r:#}");
    assert_eq!(breaks[0]["broken_by"], 2);
    assert_eq!(breaks[0]["fixed_by"], 3);
    // Incremental: each step recompiles a handful of objects, not the tree.
    for s in &steps[1..] {
        let n = s["recompiled"].as_u64().expect("recompiled");
        assert!(n < 20, "step {} recompiled {n} objects", s["index"]);
    }
    assert!(
        ran.stderr_str().contains("2/4 breaks the build")
            && ran.stderr_str().contains("3/4 fixes it"),
        "{}",
        ran.describe()
    );
}

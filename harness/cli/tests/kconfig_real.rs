//! `harness kconfig` on the real linux-6.1 tree (tinyconfig + olddefconfig
//! take seconds). IP_MULTIPLE_TABLES `depends on IP_ADVANCED_ROUTER`
//! (net/ipv4/Kconfig), so asking for the first without the second must fail
//! naming both; the project's fragments must merge with nothing dropped.
use std::path::PathBuf;
use std::process::Command;

/// The pinned tree's source root. One place to switch to `harness tree path`.
fn linux_tree(name: &str) -> PathBuf {
    let cache = std::env::var_os("HARNESS_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/harness")))
        .expect("HOME or HARNESS_CACHE set");
    let tree = cache.join("trees").join(name).join("tree");
    assert!(
        tree.join("Makefile").is_file(),
        "kernel tree {name} not found at {} (fetch it: `harness tree fetch {name}`)",
        tree.display()
    );
    tree
}

fn configs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../kernel-configs")
}

fn kconfig(
    tree: &PathBuf,
    out: &PathBuf,
    frags: &[PathBuf],
    json: &PathBuf,
) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["kconfig", "--tree"])
        .arg(tree)
        .args(frags)
        .arg("--out")
        .arg(out)
        .arg("--json")
        .arg(json)
        .output()
        .expect("run harness");
    (
        o.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn linux_6_1_drop_is_named_and_project_fragments_hold() {
    let tree = linux_tree("linux-6.1");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    let json = tmp.path().join("k.json");

    let bad = tmp.path().join("inconsistent.config");
    std::fs::write(
        &bad,
        "CONFIG_IP_MULTIPLE_TABLES=y\n# CONFIG_IP_ADVANCED_ROUTER is not set\n",
    )
    .expect("write fragment");
    let (code, text) = kconfig(
        &tree,
        &out,
        &[configs().join("netns-base.config"), bad],
        &json,
    );
    assert_eq!(code, Some(1), "{text}");
    // IP_MULTIPLE_TABLES depends on IP_ADVANCED_ROUTER; with the router off,
    // Kconfig does not write the symbol at all (so "absent", not "n"), and
    // the explanation names the conflicting request.
    assert!(
        text.contains("DROPPED: CONFIG_IP_MULTIPLE_TABLES wanted y got absent"),
        "{text}"
    );
    assert!(
        text.contains("conflicts with CONFIG_IP_ADVANCED_ROUTER=n requested at"),
        "{text}"
    );
    assert!(
        text.contains("net/ipv4/Kconfig:"),
        "definition site named: {text}"
    );
    assert!(
        text.contains("note: CONFIG_IP_ADVANCED_ROUTER: y"),
        "override noted: {text}"
    );

    for variant in ["ip-multiple-tables-y.config", "ip-multiple-tables-n.config"] {
        let (code, text) = kconfig(
            &tree,
            &out,
            &[configs().join("netns-base.config"), configs().join(variant)],
            &json,
        );
        assert_eq!(code, Some(0), "{variant}: {text}");
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("valid json");
        let checks = v["checks"].as_array().expect("checks");
        assert!(checks.len() > 30, "every request is checked");
        for c in checks {
            assert_eq!(c["status"], "held", "{variant}: {c}");
        }
        let cfg = std::fs::read_to_string(out.join(".config")).expect(".config");
        let want = if variant.contains("-y") {
            "CONFIG_IP_MULTIPLE_TABLES=y\n"
        } else {
            "# CONFIG_IP_MULTIPLE_TABLES is not set\n"
        };
        assert!(cfg.contains(want), "{variant}");
        // the symbols tinyconfig silently loses without MULTIUSER
        assert!(cfg.contains("CONFIG_NET_NS=y\n") && cfg.contains("CONFIG_VETH=y\n"));
    }
}

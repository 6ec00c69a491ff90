//! `harness build` on the fake kernel tree: exit codes, JSON, reuse, failure.
use std::path::PathBuf;
use std::process::Command;

fn fake_tree() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../build/tests/fixtures/fake-kernel")
}

fn build(
    out: &std::path::Path,
    frag: &std::path::Path,
    json: &std::path::Path,
    fail: bool,
) -> (Option<i32>, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_harness"));
    c.args(["build", "--tree"])
        .arg(fake_tree())
        .arg("--fragment")
        .arg(frag)
        .arg("--out")
        .arg(out)
        .arg("--json")
        .arg(json)
        .args(["-j", "2", "--no-ccache"])
        .env("HARNESS_CACHE", out.with_extension("cache"));
    if fail {
        c.env("FAKE_FAIL", "1");
    }
    let o = c.output().expect("run harness");
    (
        o.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

fn json(p: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).expect("json written")).expect("valid json")
}

#[test]
fn build_passes_then_reuses_then_reports_failure() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let frag = tmp.path().join("f.config");
    std::fs::write(&frag, "CONFIG_NET=y\nCONFIG_INET=y\n").expect("frag");
    let j = tmp.path().join("b.json");

    let (code, text) = build(&tmp.path().join("o"), &frag, &j, false);
    assert_eq!(code, Some(0), "{text}");
    let v = json(&j);
    assert_eq!(v["schema"], "harness.build/1");
    assert_eq!(v["build"]["status"], "passed");
    assert_eq!(v["build"]["recompiled_objects"], 2);
    assert_eq!(v["build"]["reused"], false);
    assert!(v["build"]["artifact"]
        .as_str()
        .is_some_and(|a| a.ends_with("bzImage")));

    let (code, text) = build(&tmp.path().join("o"), &frag, &j, false);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("reused (inputs unchanged; no make)"),
        "{text}"
    );
    assert_eq!(json(&j)["build"]["reused"], true);

    let (code, text) = build(&tmp.path().join("o2"), &frag, &j, true);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("error: init/main.c:3: undefined reference to `fake_fail'"),
        "{text}"
    );
    assert_eq!(json(&j)["build"]["status"], "failed");
}

#[test]
fn dropped_symbol_stops_before_building() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let frag = tmp.path().join("f.config");
    std::fs::write(&frag, "CONFIG_IP_MULTIPLE_TABLES=y\n").expect("frag");
    let j = tmp.path().join("b.json");
    let (code, text) = build(&tmp.path().join("o"), &frag, &j, false);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("DROPPED: CONFIG_IP_MULTIPLE_TABLES"),
        "{text}"
    );
    assert!(text.contains("not building"), "{text}");
    assert!(json(&j).get("build").is_none());
}

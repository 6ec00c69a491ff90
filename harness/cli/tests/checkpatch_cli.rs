//! `harness checkpatch` on the project's perpatch-demo series (patches/perpatch-demo,
//! written for these tests: see its make.sh) with linux-6.1's own checkpatch.pl.
//!
//! The expected findings come from checkpatch.pl itself, two ways: the literal
//! list below was read off `checkpatch.pl --strict --codespell --show-types`
//! run by hand on each patch; and every run also asks the script directly,
//! in its `--terse` form (one `-:LINE: LEVEL:TYPE: message` line per report,
//! a different output path than the one the harness parses), and compares.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::{harness::command, proc, repo_root, require_tool, trees::kernel_tree};

fn demo() -> PathBuf {
    repo_root().join("patches/perpatch-demo")
}

fn patch_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(demo())
        .expect("patches/perpatch-demo")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "patch")
                && !p.to_string_lossy().contains("cover-letter")
        })
        .collect();
    v.sort();
    v
}

/// checkpatch.pl --terse on one patch mail as posted (the file without its
/// mbox `From <sha> <date>` separator line, which is not part of the
/// message), on stdin as b4 feeds it: (level, type, patch line) per report.
fn terse(tree: &Path, patch: &Path, dictionary: &str) -> Vec<(String, String, Option<u64>)> {
    let text = std::fs::read_to_string(patch).expect("read patch");
    let message = match text.split_once('\n') {
        Some((first, rest)) if first.starts_with("From ") => rest.to_owned(),
        _ => text.clone(),
    };
    let mut child = Command::new("perl")
        .arg(tree.join("scripts/checkpatch.pl"))
        .args(["--terse", "--show-types", "--color=never", "--strict"])
        .arg("--codespell")
        .arg(format!("--codespellfile={dictionary}"))
        .arg(format!("--root={}", tree.display()))
        .args(["--no-summary", "-"])
        .current_dir(tree)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("perl runs");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), message.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("checkpatch output");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("-:")?;
            let (line, rest) = rest.split_once(": ")?;
            let (level, rest) = rest.split_once(':')?;
            let (ty, _) = rest.split_once(':')?;
            Some((level.to_owned(), ty.to_owned(), line.parse().ok()))
        })
        .collect()
}

fn findings(p: &Value) -> Vec<(String, String, Option<u64>)> {
    p["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["level"].as_str().expect("level").to_uppercase(),
                f["type"].as_str().expect("type").to_owned(),
                f["patch_line"].as_u64(),
            )
        })
        .collect()
}

#[test]
fn checkpatch_per_patch_matches_checkpatch_itself() {
    require_tool("perl");
    require_tool("codespell");
    let tree = kernel_tree("linux-6.1");
    let dir = tempfile::tempdir().expect("tempdir");
    let (junit, md, html) = (
        dir.path().join("j.xml"),
        dir.path().join("c.md"),
        dir.path().join("c.html"),
    );
    let ran = proc::run(
        command()
            .arg("checkpatch")
            .arg(demo())
            .arg("--tree")
            .arg(&tree)
            .args(["--json", "-", "--codespell", "on", "--junit"])
            .arg(&junit)
            .arg("--markdown")
            .arg(&md)
            .arg("--html")
            .arg(&html),
        Duration::from_secs(600),
    );
    // Patch 2 has an ERROR and a WARNING, patch 4 an ERROR: exit 1.
    assert_eq!(ran.code, Some(1), "{}", ran.describe());
    let doc: Value = serde_json::from_str(&ran.stdout_str()).expect("JSON report");
    assert_eq!(doc["schema"], "harness.checkpatch/1");
    assert_eq!(doc["codespell"], true);
    assert_eq!(doc["status"], "errors");
    let patches = doc["patches"].as_array().expect("patches");
    assert_eq!(patches.len(), 4, "the cover letter is not a patch");

    // Read off checkpatch.pl 6.1 by hand (see the module comment); lines
    // count in the mail, which starts after the file's mbox `From ` line.
    let want: [Vec<(&str, &str, Option<u64>)>; 4] = [
        vec![],
        vec![
            ("WARNING", "TYPO_SPELLING", Some(23)),
            ("ERROR", "CODE_INDENT", Some(23)),
        ],
        vec![("CHECK", "BRACES", Some(25)), ("CHECK", "BRACES", Some(26))],
        vec![("ERROR", "MISSING_SIGN_OFF", None)],
    ];
    let words = ["clean", "errors", "checks", "errors"];
    let dictionary = doc["args"]
        .as_array()
        .expect("args")
        .iter()
        .filter_map(|a| a.as_str()?.strip_prefix("--codespellfile="))
        .next()
        .expect("--codespellfile in args")
        .to_owned();
    for (i, (p, file)) in patches.iter().zip(patch_files()).enumerate() {
        let got = findings(p);
        let lit: Vec<(String, String, Option<u64>)> = want[i]
            .iter()
            .map(|(l, t, n)| (l.to_string(), t.to_string(), *n))
            .collect();
        assert_eq!(got, lit, "patch {} ({})", i + 1, file.display());
        assert_eq!(p["status"], words[i], "patch {}", i + 1);
        // The terse oracle prints every report on one line with a line
        // number (for reports about the whole patch, the last line read):
        // the same reports in the same order, and the same line wherever
        // the verbose output gave one.
        let oracle = terse(&tree, &file, &dictionary);
        assert_eq!(
            got.len(),
            oracle.len(),
            "patch {}: {got:?} vs {oracle:?}",
            i + 1
        );
        for (g, o) in got.iter().zip(&oracle) {
            assert_eq!(
                (&g.0, &g.1),
                (&o.0, &o.1),
                "patch {} against --terse",
                i + 1
            );
            if g.2.is_some() {
                assert_eq!(g.2, o.2, "patch {} line against --terse", i + 1);
            }
        }
    }
    let f = &patches[1]["findings"][1];
    assert_eq!(f["file"], "net/core/net_namespace.c");
    assert_eq!(f["line"], 384);
    assert_eq!(f["message"], "code indent should use tabs where possible");
    assert_eq!(patches[1]["totals"]["lines"], 8);

    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert_eq!(xml.matches("<testcase ").count(), 4, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 2, "{xml}");
    assert!(
        xml.contains("net/core/net_namespace.c:384: ERROR:CODE_INDENT"),
        "{xml}"
    );
    let md = std::fs::read_to_string(&md).expect("markdown");
    assert!(
        md.contains("| ERROR | MISSING_SIGN_OFF |  | Missing Signed-off-by: line(s) |"),
        "{md}"
    );
    let html = std::fs::read_to_string(&html).expect("html");
    assert_eq!(html.matches("data-verdict=").count(), 4);
    assert!(!html.contains("<script"), "{html}");
}

#[test]
fn a_tree_without_checkpatch_is_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("Makefile"), "all:\n").expect("write");
    let ran = proc::run(
        command()
            .arg("checkpatch")
            .arg(demo())
            .arg("--tree")
            .arg(dir.path()),
        Duration::from_secs(60),
    );
    assert_eq!(ran.code, Some(2), "{}", ran.describe());
    assert!(
        ran.stderr_str().contains("no scripts/checkpatch.pl"),
        "{}",
        ran.describe()
    );
}

/// In a git checkout checkpatch checks that `Fixes:` names a real commit.
/// The checkout is scratch: linux-6.1's checkpatch.pl with the two data files
/// it reads, the entries checkpatch's `--root` check wants, and one commit.
/// Expected (checkpatch 6.1 run by hand the same way): one WARNING
/// UNKNOWN_COMMIT_ID for the made-up id on the first `Fixes:` line (patch
/// line 6), nothing for the id of the real commit.
#[test]
fn fixes_tag_is_checked_against_the_git_history() {
    require_tool("git");
    let linux = kernel_tree("linux-6.1");
    let dir = tempfile::tempdir().expect("tempdir");
    let t = dir.path().join("tree");
    std::fs::create_dir_all(t.join("scripts")).expect("mkdir");
    for f in ["checkpatch.pl", "spelling.txt", "const_structs.checkpatch"] {
        std::fs::copy(linux.join("scripts").join(f), t.join("scripts").join(f)).expect("copy");
    }
    for f in [
        "COPYING",
        "CREDITS",
        "Kbuild",
        "MAINTAINERS",
        "Makefile",
        "README",
    ] {
        std::fs::write(t.join(f), "").expect("write");
    }
    for d in [
        "Documentation",
        "arch",
        "include",
        "drivers",
        "fs",
        "init",
        "ipc",
        "kernel",
        "lib",
        "net",
    ] {
        std::fs::create_dir_all(t.join(d)).expect("mkdir");
    }
    std::fs::write(
        t.join("net/a.c"),
        "// SPDX-License-Identifier: GPL-2.0\nint a;\n",
    )
    .expect("write");
    let git = |args: &[&str]| -> String {
        let o = Command::new("git")
            .args(["-c", "user.name=A", "-c", "user.email=a@example.org"])
            .args(args)
            .current_dir(&t)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git");
        assert!(o.status.success(), "git {args:?}");
        String::from_utf8_lossy(&o.stdout).trim().to_owned()
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "net: add a.c"]);
    let sha = git(&["rev-parse", "--short=12", "HEAD"]);
    let patch = dir.path().join("fix.patch");
    std::fs::write(
        &patch,
        format!(
            "From: A <a@example.org>\nSubject: [PATCH] net: widen a\n\nWiden a.\n\n\
Fixes: 0123456789ab (\"net: nothing\")\nFixes: {sha} (\"net: add a.c\")\n\
Signed-off-by: A <a@example.org>\n---\n net/a.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\n\
diff --git a/net/a.c b/net/a.c\n--- a/net/a.c\n+++ b/net/a.c\n@@ -1,2 +1,2 @@\n \
// SPDX-License-Identifier: GPL-2.0\n-int a;\n+long a;\n"
        ),
    )
    .expect("write patch");
    let ran = proc::run(
        command()
            .arg("checkpatch")
            .arg(&patch)
            .arg("--tree")
            .arg(&t)
            .args(["--json", "-", "--codespell", "off"]),
        Duration::from_secs(120),
    );
    assert_eq!(ran.code, Some(1), "{}", ran.describe());
    let doc: Value = serde_json::from_str(&ran.stdout_str()).expect("JSON");
    let got = findings(&doc["patches"][0]);
    assert_eq!(
        got,
        vec![(
            "WARNING".to_owned(),
            "UNKNOWN_COMMIT_ID".to_owned(),
            Some(6)
        )],
        "{doc:#}"
    );
    assert!(doc["patches"][0]["findings"][0]["message"]
        .as_str()
        .expect("message")
        .contains("0123456789ab"));
}

/// A tree's checkpatch.pl is the tree's code: on a tree patched from mail it
/// is as hostile as the patch. This one tries to write outside the tree (a
/// directory on the host's root file system), into the tree, and to read
/// /etc/shadow, then reports nothing. Sandboxed (the default) every attempt
/// fails and the run still passes; with `--sandbox off` the same script does
/// write both files, which shows the check can fail.
#[test]
fn checkpatch_runs_the_trees_script_in_the_sandbox() {
    require_tool("bwrap");
    let tree = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(tree.path().join("scripts")).expect("mkdir");
    std::fs::write(
        tree.path().join("scripts/checkpatch.pl"),
        concat!(
            "my $d = $ENV{CANARY_DIR};\n",
            "if (open(my $f, '>', \"$d/escaped\")) { print $f \"x\"; close $f; }\n",
            "if (open(my $g, '>', 'scripts/written')) { print $g \"x\"; close $g; }\n",
            "if (open(my $s, '<', '/etc/shadow')) { my $l = <$s>;\n",
            "  if (defined $l && length $l) { open(my $h, '>', \"$d/shadow\"); print $h $l; } }\n",
            "while (<STDIN>) {}\nexit 0;\n",
        ),
    )
    .expect("write script");
    let outside = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let run = |extra: &[&str]| {
        let mut c = command();
        c.arg("checkpatch")
            .arg(demo())
            .arg("--tree")
            .arg(tree.path())
            .arg("--codespell")
            .arg("off")
            .args(extra)
            .env("CANARY_DIR", outside.path());
        proc::run(&mut c, Duration::from_secs(120))
    };
    let sandboxed = run(&[]);
    assert_eq!(sandboxed.code, Some(0), "{}", sandboxed.describe());
    for (what, path) in [
        ("outside the tree", outside.path().join("escaped")),
        ("into the tree", tree.path().join("scripts/written")),
        ("a copy of /etc/shadow", outside.path().join("shadow")),
    ] {
        assert!(
            !path.exists(),
            "the sandboxed script wrote {what}: {}",
            path.display()
        );
    }
    let host = run(&["--sandbox", "off"]);
    assert_eq!(host.code, Some(0), "{}", host.describe());
    assert!(
        outside.path().join("escaped").exists(),
        "{}",
        host.describe()
    );
    assert!(
        tree.path().join("scripts/written").exists(),
        "{}",
        host.describe()
    );
}

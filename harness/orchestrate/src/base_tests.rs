//! Unit tests of base.rs / base_tree.rs on fixture repositories made with
//! the git CLI; expected blob ids and commits are what git itself says.

use super::*;
use crate::base_tree::{export_commit, rank, CandidateKind, Pick, Scored};
use crate::test_git::git;
use harness_ingest::{SeriesPatch, SourceKind};

fn patch(index: usize, text: &str) -> SeriesPatch {
    SeriesPatch {
        index,
        name: format!("{index}.patch"),
        subject: None,
        strip: 1,
        content: text.as_bytes().to_vec(),
        from_mail: true,
        message_id: None,
        revision: None,
    }
}

fn series(texts: &[&str]) -> Series {
    Series {
        name: "s".into(),
        kind: SourceKind::PatchDir,
        root: PathBuf::from("."),
        patches: texts
            .iter()
            .enumerate()
            .map(|(i, t)| patch(i + 1, t))
            .collect(),
    }
}

#[test]
fn preimages_are_first_touches_only_and_skip_created_files() {
    let s = series(&[
        "Date: Mon, 2 Nov 2026 10:00:00 +0000\n\nx\n---\ndiff --git a/f b/f\nindex abc1234..def5678 100644\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\ndiff --git a/new b/new\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/new\n@@ -0,0 +1 @@\n+n\n",
        "Date: Tue, 3 Nov 2026 10:00:00 +0000\n\ny\n---\ndiff --git a/f b/f\nindex def5678..9999999 100644\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-b\n+c\ndiff --git a/g b/g\nindex AAAA000..bbbb111\n--- a/g\n+++ b/g\n@@ -1 +1 @@\n-a\n+b\n",
    ]);
    assert_eq!(
        preimages(&s),
        vec![
            Preimage {
                path: "f".into(),
                blob: "abc1234".into()
            },
            Preimage {
                path: "g".into(),
                blob: "aaaa000".into()
            },
        ]
    );
    // 3 Nov 2026 10:00 UTC: 20760 days after the epoch plus 10 h
    assert_eq!(posted_at(&s), Some(20760 * 86400 + 36000));
}

#[test]
fn the_named_base_commit_is_the_first_hex_line() {
    let cover: &[u8] = b"Subject: [PATCH 0/2] x\n\nbla\n\nbase-commit: not-a-commit\n";
    let patch: &[u8] = b"---\n2.47\n\nbase-commit: 0123456789ABCDEF\n";
    assert_eq!(
        named_base_commit(&[cover, patch]).as_deref(),
        Some("0123456789abcdef")
    );
    assert_eq!(named_base_commit(&[cover]), None);
}

/// A repository with three commits of `f` on days 1, 2 and 3 (committer
/// dates set so `--before` has something to cut).
fn three_commits(dir: &Path) -> Vec<String> {
    git(dir, &["init", "-q"]);
    let mut ids = Vec::new();
    for day in 1..=3u32 {
        std::fs::write(dir.join("f"), format!("line {day}\n")).expect("write f");
        std::fs::write(dir.join("other"), format!("o {day}\n")).expect("write other");
        git(dir, &["add", "-A"]);
        let when = format!("@{} +0000", 1_700_000_000 + day * 86400);
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=T", "-c", "user.email=t@example.org"])
            .args(["commit", "-qm", &format!("day {day}")])
            .env("GIT_COMMITTER_DATE", &when)
            .env("GIT_AUTHOR_DATE", &when)
            .current_dir(dir)
            .output()
            .expect("git commit");
        assert!(out.status.success());
        ids.push(git(dir, &["rev-parse", "HEAD"]).trim().to_owned());
    }
    ids
}

#[test]
fn guess_takes_the_commit_holding_the_preimage_and_honours_the_date() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ids = three_commits(tmp.path());
    // the blob of f at day 2, as git names it
    let blob = git(tmp.path(), &["rev-parse", &format!("{}:f", ids[1])]);
    let pre = vec![Preimage {
        path: "f".into(),
        blob: blob.trim()[..12].to_owned(),
    }];
    let g = guess_base(tmp.path(), &pre, None).expect("guess");
    let Guess::Found { best, .. } = g else {
        panic!("{g:?}")
    };
    assert_eq!((best.commit.as_str(), best.matched), (ids[1].as_str(), 1));
    // posted before day 2's commit: day 2 is not a candidate
    let before = Some(1_700_000_000 + 86400 + 3600);
    let g = guess_base(tmp.path(), &pre, before).expect("guess");
    assert!(matches!(g, Guess::NoMatch { .. }), "{g:?}");
    assert_eq!(
        guess_base(tmp.path(), &[], None).ok(),
        Some(Guess::NoIndexLines)
    );
}

#[test]
fn base_commit_found_or_said_missing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ids = three_commits(tmp.path());
    let short = &ids[0][..10];
    assert_eq!(
        find_base_commit(Some(short), Some(tmp.path())),
        BaseCommit::Found {
            named: short.into(),
            commit: ids[0].clone()
        }
    );
    let missing = "0123456789abcdef0123456789abcdef01234567";
    assert!(matches!(
        find_base_commit(Some(missing), Some(tmp.path())),
        BaseCommit::NotInRepository { .. }
    ));
    assert_eq!(
        find_base_commit(None, Some(tmp.path())),
        BaseCommit::NotNamed
    );
}

#[test]
fn export_writes_the_commit_not_the_checkout() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ids = three_commits(tmp.path());
    let out = tempfile::tempdir().expect("out");
    let paths = vec!["f".to_owned(), "absent".to_owned()];
    export_commit(tmp.path(), &ids[0], Some(&paths), out.path()).expect("export");
    assert_eq!(
        std::fs::read_to_string(out.path().join("f"))
            .ok()
            .as_deref(),
        Some("line 1\n")
    );
    assert!(!out.path().join("other").exists() && !out.path().join("absent").exists());
    let full = tempfile::tempdir().expect("full");
    export_commit(tmp.path(), &ids[1], None, full.path()).expect("export all");
    assert_eq!(
        std::fs::read_to_string(full.path().join("other"))
            .ok()
            .as_deref(),
        Some("o 2\n")
    );
}

fn scored(name: &str, applied: usize, failed: usize) -> Scored {
    Scored {
        kind: CandidateKind::Pinned,
        name: name.into(),
        commit: None,
        applied,
        already_applied: 0,
        failed,
    }
}

#[test]
fn rank_fewest_failed_then_most_in_tree_then_order_with_ties_named() {
    let s = [scored("a", 10, 2), scored("b", 8, 0), scored("c", 8, 0)];
    assert_eq!(
        rank(&s),
        Some((
            1,
            Pick::Tie {
                with: vec!["c".into()]
            }
        ))
    );
    let s = [scored("a", 10, 2), scored("b", 9, 0)];
    assert_eq!(rank(&s), Some((1, Pick::FewestFailed)));
    assert_eq!(rank(&[]), None);
}

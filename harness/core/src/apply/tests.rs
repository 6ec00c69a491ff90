//! Expected verdicts come from GNU patch 2.7.6 run by hand on the same
//! fixtures (`patch -p1 -N -F2 --dry-run < p.patch`); its output is quoted
//! beside each test.
use super::*;
use crate::parse::parse_patch;

#[test]
fn split_lines_matches_split_inclusive() {
    // The reference is std's split_inclusive on b'\n'.
    for input in ["", "a", "a\n", "a\nb", "\n\n", "x\r\ny\n\nz", "\nlast"] {
        let want: Vec<&[u8]> = input.as_bytes().split_inclusive(|&c| c == b'\n').collect();
        assert_eq!(split_lines(input.as_bytes()), want, "{input:?}");
    }
    // Newlines at every offset of the 8-byte words and in the tail, next to
    // bytes one off `\n` (0x09, 0x0b) and with the high bit set.
    let mut bytes: Vec<u8> = Vec::new();
    for i in 0..300u32 {
        bytes.extend((0..i % 19).map(|k| [b'a', 0x09, 0x0b, 0x8a, 0xff][(k % 5) as usize]));
        bytes.push(b'\n');
        if i % 7 == 0 {
            bytes.push(b'\n');
        }
    }
    for len in (0..bytes.len()).step_by(13) {
        let input = &bytes[..len];
        let want: Vec<&[u8]> = input.split_inclusive(|&c| c == b'\n').collect();
        assert_eq!(split_lines(input), want, "length {len}");
    }
    // The 64-byte masks: only newlines, no newline at all, and a newline at
    // each position of a chunk (bytes 63 and 64 straddle two masks).
    for input in [vec![b'\n'; 200], vec![0x8a; 200]] {
        let want: Vec<&[u8]> = input.split_inclusive(|&c| c == b'\n').collect();
        assert_eq!(split_lines(&input), want);
    }
    for at in 0..130 {
        let mut input = vec![0x0b; 130];
        input[at] = b'\n';
        let want: Vec<&[u8]> = input.split_inclusive(|&c| c == b'\n').collect();
        assert_eq!(split_lines(&input), want, "newline at {at}");
    }
}

fn base() -> String {
    (1..=30).map(|i| format!("line{i}\n")).collect()
}

fn run(files: &[(&str, &str)], patch: &str) -> SeriesOutcome {
    let mut t = MemTree::default();
    for (p, c) in files {
        t.files.insert((*p).to_owned(), c.as_bytes().to_vec());
    }
    let parsed = parse_patch(patch.as_bytes(), 1);
    let inputs = [PatchInput {
        index: 1,
        name: "p.patch",
        subject: None,
        parsed: &parsed,
    }];
    apply_series(&t, &t, "s", "t", &inputs, ApplyOptions::default())
}

fn verdicts(o: &SeriesOutcome) -> Vec<(HunkStatus, Option<usize>, Option<i64>, Option<usize>)> {
    o.report.patches[0].files[0]
        .hunks
        .iter()
        .map(|h| (h.status, h.line, h.offset, h.fuzz))
        .collect()
}

const TWO: &str = "--- a/f.txt\n+++ b/f.txt\n@@ -9,7 +9,7 @@\n line9\n line10\n line11\n-line12\n+LINE12\n line13\n line14\n line15\n@@ -20,7 +20,7 @@\n line20\n line21\n line22\n-line23\n+LINE23\n line24\n line25\n line26\n";
const ONE: &str = "--- a/f.txt\n+++ b/f.txt\n@@ -9,7 +9,7 @@\n line9\n line10\n line11\n-line12\n+LINE12\n line13\n line14\n line15\n";
use HunkStatus::*;

#[test]
fn offset() {
    // GNU: Hunk #1 succeeded at 12 (offset 3 lines). Hunk #2 succeeded at 23 (offset 3 lines).
    let f = format!("x\ny\nz\n{}", base());
    let o = run(&[("f.txt", &f)], TWO);
    assert_eq!(
        verdicts(&o),
        vec![
            (Applied, Some(12), Some(3), Some(0)),
            (Applied, Some(23), Some(3), Some(0))
        ]
    );
    let Some(FileChange::Write { bytes, .. }) = o.changes.files.get("f.txt") else {
        panic!("no change")
    };
    let expect = f
        .replace("line12\n", "LINE12\n")
        .replace("line23\n", "LINE23\n");
    assert_eq!(String::from_utf8_lossy(bytes), expect);
}

#[test]
fn fuzz_one() {
    // GNU: Hunk #1 succeeded at 9 with fuzz 1.
    let f = base().replace("line9\n", "line9 changed\n");
    let o = run(&[("f.txt", &f)], ONE);
    assert_eq!(verdicts(&o), vec![(Applied, Some(9), Some(0), Some(1))]);
    // The file's own context line is kept.
    let Some(FileChange::Write { bytes, .. }) = o.changes.files.get("f.txt") else {
        panic!("no change")
    };
    assert!(String::from_utf8_lossy(bytes).contains("line9 changed\n"));
}

#[test]
fn fuzz_two_with_offset() {
    // GNU: Hunk #1 succeeded at 10 with fuzz 2 (offset 1 line).
    let f = format!(
        "a\n{}",
        base()
            .replace("line9\n", "l9\n")
            .replace("line10\n", "l10\n")
    );
    let o = run(&[("f.txt", &f)], ONE);
    assert_eq!(verdicts(&o), vec![(Applied, Some(10), Some(1), Some(2))]);
}

#[test]
fn last_frozen_line_misordered() {
    // GNU: Hunk #1 succeeded at 14 (offset 3 lines).
    //      misordered hunks! output would be garbled
    //      Hunk #2 FAILED at 2.
    let blk: String = "c1\nc2\nc3\ntarget\nd1\nd2\nd3\n".into();
    let mids: String = (1..10).map(|i| format!("m{i}\n")).collect();
    let f = format!("head\n{blk}{mids}{blk}tail\n");
    let p = "--- a/f.txt\n+++ b/f.txt\n@@ -11,3 +11,3 @@\n m6\n-m7\n+M7\n m8\n@@ -2,7 +2,7 @@\n c1\n c2\n c3\n-target\n+TARGET\n d1\n d2\n d3\n";
    let o = run(&[("f.txt", &f)], p);
    let v = verdicts(&o);
    assert_eq!(v[0], (Applied, Some(14), Some(3), Some(0)));
    assert_eq!((v[1].0, v[1].1), (Failed, Some(2)));
}

#[test]
fn already_applied_second_hunk() {
    // GNU: Hunk #2 FAILED at 20 (it does not look beyond hunk 1 for
    // reversed hunks); the postimage applies in reverse exactly, so the
    // harness says already-applied.
    let f = base().replace("line23\n", "LINE23\n");
    let o = run(&[("f.txt", &f)], TWO);
    let v = verdicts(&o);
    assert_eq!(v[0], (Applied, Some(9), Some(0), Some(0)));
    assert_eq!(v[1].0, AlreadyApplied);
    assert_eq!(o.report.patches[0].status, AggregateStatus::Applied);
}

#[test]
fn first_hunk_reversed_skips_rest_of_file_like_gnu() {
    // GNU (patch -p1 -N -F2 on this fixture): "Reversed (or previously
    // applied) patch detected!  Skipping patch.  2 out of 2 hunks ignored",
    // exit 1, file untouched, although hunk #2 alone would apply exactly.
    // The harness: hunk #1 already-applied, hunk #2 not applied (failed,
    // explained as a partly patched file), nothing written, a reject kept.
    let f = base().replace("line12\n", "LINE12\n");
    let o = run(&[("f.txt", &f)], TWO);
    let v = verdicts(&o);
    assert_eq!(v[0].0, AlreadyApplied);
    assert_eq!(v[1].0, Failed);
    let h2 = &o.report.patches[0].files[0].hunks[1];
    let d = h2.diagnosis.as_ref().expect("diagnosis");
    assert_eq!(d.cause, Cause::PartlyApplied);
    assert!(
        d.summary
            .contains("hunk #1 of this file is already in the tree"),
        "{}",
        d.summary
    );
    assert!(
        !o.changes.files.contains_key("f.txt"),
        "file must stay untouched"
    );
    assert!(
        o.changes.rejects.contains_key("f.txt"),
        "the skipped hunk is kept in a reject"
    );
}

#[test]
fn first_hunk_reversed_later_hunk_also_present() {
    // GNU: "Reversed ... Skipping patch. 2 out of 2 hunks ignored"; here
    // hunk #2 reverses exactly too, so both are already-applied.
    let f = base()
        .replace("line12\n", "LINE12\n")
        .replace("line23\n", "LINE23\n");
    let o = run(&[("f.txt", &f)], TWO);
    let v = verdicts(&o);
    assert_eq!((v[0].0, v[1].0), (AlreadyApplied, AlreadyApplied));
    assert_eq!(o.report.patches[0].status, AggregateStatus::AlreadyApplied);
    assert!(o.changes.rejects.is_empty());
}

#[test]
fn fuzz_over_generic_context_warns() {
    // GNU: "Hunk #1 succeeded at 1 with fuzz 2." The two context lines
    // fuzz ignored on each side are `}` and blank; what is left to place
    // the hunk (`int a;` `old` `int b;`) is distinctive and occurs once,
    // so the place is confirmed and there is no warning. With `}`, `{` and
    // a blank line in the middle, only generic lines place it: warned.
    let f = "x1\nx2\nint a;\nold\nint b;\ny1\ny2\n";
    let patch =
        "--- a/f.c\n+++ b/f.c\n@@ -1,7 +1,7 @@\n }\n \n int a;\n-old\n+new\n int b;\n \n }\n";
    let o = run(&[("f.c", f)], patch);
    assert_eq!(verdicts(&o), vec![(Applied, Some(1), Some(0), Some(2))]);
    let w = &o.report.patches[0].files[0].hunks[0].warnings;
    assert!(w.is_empty(), "{w:?}");
    let f = "x1\nx2\n}\n{\n\ny1\ny2\n";
    let patch = "--- a/f.c\n+++ b/f.c\n@@ -1,7 +1,7 @@\n }\n \n }\n-{\n+new\n \n \n }\n";
    let o = run(&[("f.c", f)], patch);
    assert_eq!(verdicts(&o), vec![(Applied, Some(1), Some(0), Some(2))]);
    let w = &o.report.patches[0].files[0].hunks[0].warnings;
    assert!(
        w.iter().any(|w| w.contains("generic") && w.contains("`}`")),
        "{w:?}"
    );
}

#[test]
fn failed_hunk_and_reject() {
    // GNU: Hunk #1 FAILED at 9.  (hunk 2 exact)
    let p = TWO.replace("-line12\n", "-nothere\n");
    let o = run(&[("f.txt", &base())], &p);
    let v = verdicts(&o);
    assert_eq!((v[0].0, v[0].1, v[0].2), (Failed, Some(9), None));
    assert_eq!(v[1], (Applied, Some(20), Some(0), Some(0)));
    assert_eq!(o.report.patches[0].status, AggregateStatus::Partial);
    let rej = String::from_utf8_lossy(&o.changes.rejects["f.txt"]).into_owned();
    assert!(
        rej.starts_with("--- f.txt\n+++ f.txt\n@@ -9,7 +9,7 @@\n line9\n"),
        "{rej}"
    );
    assert!(o.report.patches[0].files[0].hunks[0].diagnosis.is_some());
}

#[test]
fn beginning_of_file_anchor() {
    // GNU: Hunk #1 FAILED at 1.  (no leading context: must match line 1)
    let f = format!("new0\n{}", base());
    let p = "--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,4 @@\n+top\n line1\n line2\n line3\n";
    let o = run(&[("f.txt", &f)], p);
    assert_eq!(verdicts(&o)[0].0, Failed);
    assert_eq!(verdicts(&o)[0].1, Some(1));
}

#[test]
fn no_newline_at_end() {
    // GNU: applies exactly (no message); the result ends with "c\n".
    let p =
        "--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,3 @@\n a\n b\n-c\n\\ No newline at end of file\n+c\n";
    let o = run(&[("f.txt", "a\nb\nc")], p);
    assert_eq!(verdicts(&o), vec![(Applied, Some(1), Some(0), Some(0))]);
    assert_eq!(
        o.changes.files.get("f.txt"),
        Some(&FileChange::Write {
            bytes: Arc::new(b"a\nb\nc\n".to_vec()),
            mode: None
        })
    );
}

#[test]
fn crlf_patch() {
    // GNU: (Stripping trailing CRs from patch; use --binary to disable.) applies exactly.
    let p = "--- a/f.txt\r\n+++ b/f.txt\r\n@@ -1,3 +1,3 @@\r\n a\r\n-b\r\n+B\r\n c\r\n";
    let o = run(&[("f.txt", "a\nb\nc\n")], p);
    assert_eq!(verdicts(&o), vec![(Applied, Some(1), Some(0), Some(0))]);
}

#[test]
fn create_delete_rename_missing() {
    let p = "diff --git a/new.c b/new.c\nnew file mode 100644\n--- /dev/null\n+++ b/new.c\n@@ -0,0 +1,2 @@\n+a\n+b\ndiff --git a/old.c b/old.c\ndeleted file mode 100644\n--- a/old.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\ndiff --git a/r1 b/r2\nsimilarity index 100%\nrename from r1\nrename to r2\ndiff --git a/nope.c b/nope.c\n--- a/nope.c\n+++ b/nope.c\n@@ -1 +1 @@\n-q\n+Q\n";
    let o = run(&[("old.c", "x\n"), ("r1", "r\n")], p);
    let files = &o.report.patches[0].files;
    assert_eq!(files[0].status, AggregateStatus::Applied);
    assert_eq!(files[1].status, AggregateStatus::Applied);
    assert_eq!(files[2].status, AggregateStatus::Applied);
    assert_eq!(files[3].status, AggregateStatus::Failed);
    assert_eq!(
        files[3].hunks[0].diagnosis.as_ref().map(|d| d.cause),
        Some(Cause::FileMissing)
    );
    let c = &o.changes.files;
    assert!(
        matches!(c.get("new.c"), Some(FileChange::Write { bytes, .. }) if bytes.as_slice() == b"a\nb\n")
    );
    assert_eq!(c.get("old.c"), Some(&FileChange::Delete));
    assert_eq!(c.get("r1"), Some(&FileChange::Delete));
    assert!(
        matches!(c.get("r2"), Some(FileChange::Write { bytes, .. }) if bytes.as_slice() == b"r\n")
    );
    // Creating it again: identical content -> already-applied.
    let mut t = MemTree::default();
    t.files.insert("new.c".into(), b"a\nb\n".to_vec());
    let parsed = parse_patch(p.as_bytes(), 1);
    let inputs = [PatchInput {
        index: 1,
        name: "p",
        subject: None,
        parsed: &parsed,
    }];
    let o2 = apply_series(&t, &t, "s", "t", &inputs, ApplyOptions::default());
    assert_eq!(
        o2.report.patches[0].files[0].status,
        AggregateStatus::AlreadyApplied
    );
}

#[test]
fn escaping_paths_are_malformed() {
    let p = "--- a/../etc/passwd\n+++ b/../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n";
    let o = run(&[], p);
    let f = &o.report.patches[0].files[0];
    assert_eq!(f.status, AggregateStatus::Malformed);
    let r = f.reason.clone().unwrap_or_default();
    assert!(r.contains("p.patch") && r.contains("../etc/passwd"), "{r}");
    assert!(o.changes.files.is_empty());
}

#[test]
fn git_metadata_paths_are_malformed() {
    // `git apply` refuses the same patch: "invalid path '.git/hooks/...'"
    // (git 2.47, checked by hand, for both paths below); .gitignore is an ordinary file.
    for path in [".git/hooks/post-checkout", "sub/.GIT/config"] {
        let p = format!("--- /dev/null\n+++ b/{path}\n@@ -0,0 +1 @@\n+#!/bin/sh\n");
        let o = run(&[], &p);
        let f = &o.report.patches[0].files[0];
        assert_eq!(f.status, AggregateStatus::Malformed, "{path}");
        let r = f.reason.clone().unwrap_or_default();
        assert!(r.contains(".git") && r.contains(path), "{r}");
        assert!(o.changes.files.is_empty(), "{path}");
    }
    assert_eq!(check_path(".gitignore"), Ok(".gitignore".to_string()));
}

#[test]
fn git_dir_names_as_git_verify_path() {
    // `git apply --check` (git 2.47) on a creation of each path answers
    // "invalid path" for the first list and accepts the second.
    let refused = [
        ".git",
        ".git/hooks/post-checkout",
        "sub/.GIT/config",
        ".Git/x",
        ".git./hooks/x",
        ".git /hooks/x",
        "a/.git. . /x",
        "git~1/hooks/x",
        "GIT~1/x",
        ".git:x/y",
        ".git::$DATA/y",
        "x/.git:foo",
        ".git\\hooks\\x",
    ];
    for p in refused {
        let e = check_path(p).expect_err(p);
        assert!(e.contains(".git") && e.contains(p), "{e}");
    }
    for p in [
        ".gitignore",
        ".gitmodules",
        "git~2/x",
        ".git.x/y",
        ".gitx/y",
        "a\\b",
        "a:b",
    ] {
        assert_eq!(check_path(p).as_deref(), Ok(p), "{p}");
    }
}

#[test]
fn cumulative_series() {
    let mut t = MemTree::default();
    t.files.insert("f.txt".into(), base().into_bytes());
    let p1 = parse_patch(ONE.as_bytes(), 1);
    // Patch 2 needs patch 1's change as context.
    let p2 = parse_patch(
        b"--- a/f.txt\n+++ b/f.txt\n@@ -11,3 +11,3 @@\n line11\n-LINE12\n+L12\n line13\n",
        1,
    );
    let inputs = [
        PatchInput {
            index: 1,
            name: "1",
            subject: None,
            parsed: &p1,
        },
        PatchInput {
            index: 2,
            name: "2",
            subject: None,
            parsed: &p2,
        },
    ];
    let o = apply_series(&t, &t, "s", "t", &inputs, ApplyOptions::default());
    assert_eq!(o.report.status, AggregateStatus::Applied);
    assert!(
        matches!(o.changes.files.get("f.txt"), Some(FileChange::Write { bytes, .. }) if String::from_utf8_lossy(bytes).contains("L12\n"))
    );
}

#[test]
fn malformed_hunk_keeps_going() {
    let p = "--- a/f.txt\n+++ b/f.txt\n@@ -9,9 +9,9 @@\n line9\n-line10\n+X\n@@ -20,7 +20,7 @@\n line20\n line21\n line22\n-line23\n+LINE23\n line24\n line25\n line26\n";
    let o = run(&[("f.txt", &base())], p);
    let v = &o.report.patches[0].files[0].hunks;
    assert_eq!(v[0].status, Malformed);
    assert_eq!(v[0].source_line, Some(3));
    assert_eq!(v[1].status, Applied);
}

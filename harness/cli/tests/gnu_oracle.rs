//! Checks of the GNU patch oracle itself (tests/support/gnu.rs): its parser
//! is run on GNU's real output for constructed cases whose verdicts follow
//! from how each case was built (reasoning beside each), and on the real
//! PREEMPT_RT series, where patches/preempt-rt/README.md records what GNU patch does.

mod support;

use std::path::PathBuf;
use support::gnu::{self, Skip, Status};
use support::series::Entry;

fn numbers(n: usize) -> String {
    (1..=n).map(|i| format!("{i}\n")).collect()
}

struct Case {
    _tmp: tempfile::TempDir,
    tree: PathBuf,
    patches: PathBuf,
}

fn case(files: &[(&str, &str)]) -> Case {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("tree");
    let patches = tmp.path().join("patches");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::create_dir_all(&patches).unwrap();
    for (p, text) in files {
        let f = tree.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    }
    Case {
        _tmp: tmp,
        tree,
        patches,
    }
}

fn series(c: &Case, patches: &[(&str, &str)]) -> Vec<Entry> {
    patches
        .iter()
        .enumerate()
        .map(|(i, (name, text))| {
            let path = c.patches.join(name);
            std::fs::write(&path, text).unwrap();
            Entry {
                index: i + 1,
                name: name.to_string(),
                path,
                strip: 1,
            }
        })
        .collect()
}

fn run(c: &Case, s: &[Entry]) -> (gnu::SeriesRun, tempfile::TempDir) {
    let (run, tmp) = gnu::apply_series(s, &c.tree, &gnu::Options::default())
        .unwrap_or_else(|e| panic!("oracle failed: {e}"));
    for p in &run.patches {
        assert!(
            p.unknown.is_empty(),
            "unrecognised GNU output: {:?}\n{}",
            p.unknown,
            p.output
        );
    }
    (run, tmp)
}

fn statuses(run: &gnu::SeriesRun, patch: usize, file: usize) -> Vec<Status> {
    run.patches[patch].files[file]
        .hunks
        .iter()
        .map(|h| h.status.clone())
        .collect()
}

const TWO_HUNKS: &str = "\
--- a/f.txt
+++ b/f.txt
@@ -9,3 +9,3 @@
 9
-10
+ten
 11
@@ -49,3 +49,3 @@
 49
-50
+fifty
 51
";

#[test]
fn exact_and_offsets_plus_and_minus_one() {
    // f.txt holds 1..100; g.txt the same with one extra line on top (every
    // line one further down: offset +1) and h.txt without its first line
    // (offset -1). GNU prints "offset 1 line" / "offset -1 lines".
    let plain = numbers(100);
    let c = case(&[
        ("f.txt", plain.as_str()),
        ("g.txt", format!("0\n{plain}").as_str()),
        ("h.txt", &plain["1\n".len()..]),
    ]);
    let p = format!(
        "{TWO_HUNKS}{}{}",
        TWO_HUNKS.replace("f.txt", "g.txt"),
        TWO_HUNKS.replace("f.txt", "h.txt")
    );
    let s = series(&c, &[("a.patch", p.as_str())]);
    let (r, _t) = run(&c, &s);
    let files: Vec<_> = r.patches[0].files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(files, ["f.txt", "g.txt", "h.txt"]);
    assert_eq!(
        statuses(&r, 0, 0),
        [
            Status::Applied {
                line: 9,
                offset: 0,
                fuzz: 0
            },
            Status::Applied {
                line: 49,
                offset: 0,
                fuzz: 0
            }
        ]
    );
    assert_eq!(
        statuses(&r, 0, 1),
        [
            Status::Applied {
                line: 10,
                offset: 1,
                fuzz: 0
            },
            Status::Applied {
                line: 50,
                offset: 1,
                fuzz: 0
            }
        ]
    );
    assert_eq!(
        statuses(&r, 0, 2),
        [
            Status::Applied {
                line: 8,
                offset: -1,
                fuzz: 0
            },
            Status::Applied {
                line: 48,
                offset: -1,
                fuzz: 0
            }
        ]
    );
    assert_eq!(r.patches[0].exit, Some(0));
}

#[test]
fn fuzz_failure_and_line_shift_from_earlier_hunks() {
    // Context line "49" changed to "49x": the hunk needs fuzz 1 (its first
    // context line is ignored). Hunk 1 adds a line, so GNU prints hunk 2 at
    // new-file line 50 ("succeeded at" counts in the output file). "70" changed
    // to "seventy" makes hunk 3 (which removes "70") fail. (Numbers: line k
    // of f.txt holds k, so a hunk whose first line is "9" starts at 9.)
    let text = numbers(100)
        .replace("49\n", "49x\n")
        .replace("70\n", "seventy\n");
    let c = case(&[("f.txt", text.as_str())]);
    let p = "\
--- a/f.txt
+++ b/f.txt
@@ -9,3 +9,4 @@
 9
+9.5
 10
 11
@@ -49,3 +50,3 @@
 49
-50
+fifty
 51
@@ -69,3 +70,3 @@
 69
-70
+SEVENTY
 71
";
    let s = series(&c, &[("a.patch", p)]);
    let (r, _t) = run(&c, &s);
    let st = statuses(&r, 0, 0);
    assert_eq!(
        st[0],
        Status::Applied {
            line: 9,
            offset: 0,
            fuzz: 0
        }
    );
    assert_eq!(
        st[1],
        Status::Applied {
            line: 50,
            offset: 0,
            fuzz: 1
        }
    );
    assert!(
        matches!(
            st[2],
            Status::Failed {
                line_endings: false,
                ..
            }
        ),
        "{st:?}"
    );
    assert_eq!(r.patches[0].exit, Some(1));
    // The failed hunk does not apply in reverse either.
    assert_eq!(r.patches[0].files[0].hunks[2].reverse_exact, Some(false));
}

#[test]
fn cumulative_reversed_missing_create_delete_rename() {
    // Patch 1 changes f.txt; patch 2 is the same change again, so GNU -N
    // sees it reversed and skips the file (all hunks "ignored"), and the
    // reverse check confirms each hunk is already there. It also names a
    // file that does not exist, creates a file that exists (identical
    // content), deletes one that does not exist, and renames g.txt to r.txt.
    let c = case(&[
        ("f.txt", numbers(100).as_str()),
        ("g.txt", numbers(5).as_str()),
        ("dir/new.txt", "hello\nworld\n"),
    ]);
    let p2 = format!(
        "{TWO_HUNKS}\
--- a/missing.c
+++ b/missing.c
@@ -1,2 +1,2 @@
 a
-b
+c
diff --git a/dir/new.txt b/dir/new.txt
new file mode 100644
--- /dev/null
+++ b/dir/new.txt
@@ -0,0 +1,2 @@
+hello
+world
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
--- a/gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-x
diff --git a/g.txt b/r.txt
similarity index 80%
rename from g.txt
rename to r.txt
--- a/g.txt
+++ b/r.txt
@@ -1,3 +1,3 @@
 1
-2
+two
 3
"
    );
    let s = series(&c, &[("1.patch", TWO_HUNKS), ("2.patch", p2.as_str())]);
    let (r, tmp) = run(&c, &s);
    let p = &r.patches[1];
    let names: Vec<_> = p.files.iter().map(|f| (f.path.as_str(), f.skip)).collect();
    assert_eq!(
        names,
        [
            ("f.txt", Some(Skip::Reversed)),
            ("missing.c", Some(Skip::Missing)),
            ("dir/new.txt", Some(Skip::CreateExists)),
            ("gone.txt", Some(Skip::DeleteMissing)),
            ("r.txt", None),
        ],
        "{}",
        p.output
    );
    for h in &p.files[0].hunks {
        assert!(matches!(
            h.status,
            Status::Ignored {
                why: Skip::Reversed,
                ..
            }
        ));
        assert_eq!(h.reverse_exact, Some(true), "{h:?}");
    }
    assert_eq!(p.files[1].hunks[0].reverse_exact, Some(false));
    assert_eq!(
        p.files[2].hunks[0].reverse_exact,
        Some(true),
        "creating an identical file"
    );
    assert_eq!(
        p.files[4].hunks[0].status,
        Status::Applied {
            line: 1,
            offset: 0,
            fuzz: 0
        }
    );
    // The scratch tree holds GNU's cumulative result.
    let scratch = tmp.path().join("tree");
    assert!(scratch.join("r.txt").is_file() && !scratch.join("g.txt").exists());
    let f = std::fs::read_to_string(scratch.join("f.txt")).unwrap();
    assert_eq!(
        f.matches("ten\n").count(),
        1,
        "patch 1 once, patch 2 skipped"
    );
}

#[test]
fn same_file_twice_and_dash_dash_line_inside_a_hunk() {
    // A removed line "-- x" reads "--- x" in the patch: it must stay in the
    // hunk (body lengths come from the header), not start a file. The same
    // file appears twice in one patch: GNU numbers hunks from 1 again.
    let c = case(&[("f.txt", numbers(20).replacen("5\n", "-- x\n", 1).as_str())]);
    let p = "\
--- a/f.txt
+++ b/f.txt
@@ -4,3 +4,2 @@
 4
--- x
 6
--- a/f.txt
+++ b/f.txt
@@ -14,3 +13,3 @@
 14
-15
+fifteen
 16
";
    let s = series(&c, &[("a.patch", p)]);
    let (r, _t) = run(&c, &s);
    let f = &r.patches[0].files;
    assert_eq!(f.len(), 2, "{}", r.patches[0].output);
    assert_eq!((f[0].path.as_str(), f[0].occurrence), ("f.txt", 0));
    assert_eq!((f[1].path.as_str(), f[1].occurrence), ("f.txt", 1));
    // Second section: old line 14 is now line 13 in GNU's output (one line
    // was removed by the first section), which GNU reports as offset -1.
    assert_eq!(
        f[0].hunks[0].status,
        Status::Applied {
            line: 4,
            offset: 0,
            fuzz: 0
        }
    );
    assert_eq!(
        f[1].hunks[0].status,
        Status::Applied {
            line: 13,
            offset: -1,
            fuzz: 0
        }
    );
    let sections = support::patchfile::parse(p.as_bytes(), 1);
    assert_eq!(sections.len(), 2);
    assert_eq!(sections[0].hunks[0].body.len(), 3);
}

#[test]
fn parser_reads_captured_messages() {
    // Verbatim GNU patch 2.7.6 output (LC_ALL=C, --verbose) for a patch with
    // an offset+fuzz hunk, a failure with CRLF mismatch, a quoted name.
    let out = "\
Hmm...  Looks like a unified diff to me...
The text leading up to this was:
--------------------------
|--- a/x y.c
|+++ b/x y.c
--------------------------
patching file 'x y.c'
Using Plan A...
Hunk #1 succeeded at 7 with fuzz 2 (offset -3 lines).
Hunk #2 FAILED at 40 (different line endings).
1 out of 2 hunks FAILED -- saving rejects to file 'x y.c.rej'
done
";
    let (files, errors, unknown) = gnu::parse_output(out, 1).unwrap();
    assert!(
        errors.is_empty() && unknown.is_empty(),
        "{errors:?} {unknown:?}"
    );
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].path, "x y.c");
    assert_eq!(
        files[0].hunks[0].status,
        Status::Applied {
            line: 7,
            offset: -3,
            fuzz: 2
        }
    );
    assert_eq!(
        files[0].hunks[1].status,
        Status::Failed {
            line: 40,
            line_endings: true
        }
    );
    // A summary that disagrees with the hunk lines is an oracle error.
    let bad = out.replace("1 out of 2", "2 out of 2");
    assert!(gnu::parse_output(&bad, 1).is_err());
}

fn rt_series() -> (PathBuf, Vec<Entry>) {
    let dir = support::corpus_series("patches-rt");
    let s = support::series::load_quilt(&dir);
    (dir, s)
}

#[test]
fn oracle_on_rt_series_matches_design_measurements() {
    // Measured with GNU patch (patches/preempt-rt/README.md): against Debian's 6.1.192 tree, GNU patch applies 69 of the
    // 72 RT patches; 0040 and 0071 have failing hunks; 0056 is partly
    // upstream already: one of its files is reversed (skipped with -N), and
    // a hunk in another of its files fails.
    let (_dir, s) = rt_series();
    assert_eq!(s.len(), 72);
    let tree = support::trees::kernel_tree("linux-6.1");
    let (r, _t) =
        gnu::apply_series(&s, &tree, &gnu::Options::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut not_clean = Vec::new();
    for p in &r.patches {
        assert!(
            p.unknown.is_empty(),
            "{}: unrecognised GNU output {:?}",
            p.name,
            p.unknown
        );
        assert!(p.errors.is_empty(), "{}: GNU errors {:?}", p.name, p.errors);
        let failed = p
            .files
            .iter()
            .flat_map(|f| &f.hunks)
            .any(|h| matches!(h.status, Status::Failed { .. }));
        let reversed = p.files.iter().any(|f| f.skip == Some(Skip::Reversed));
        if failed || reversed || p.exit != Some(0) {
            not_clean.push((p.name[..4].to_string(), failed, reversed));
        }
    }
    assert_eq!(
        not_clean,
        [
            ("0040".to_string(), true, false),
            ("0056".to_string(), true, true),
            ("0071".to_string(), true, false)
        ]
    );
    let hunks: usize = r
        .patches
        .iter()
        .flat_map(|p| &p.files)
        .map(|f| f.hunks.len())
        .sum();
    let sections: usize = s
        .iter()
        .map(|e| {
            support::patchfile::parse(&std::fs::read(&e.path).unwrap(), 1)
                .iter()
                .map(|sec| sec.hunks.len())
                .sum::<usize>()
        })
        .sum();
    assert_eq!(
        hunks, sections,
        "GNU reported a verdict for every hunk the splitter found"
    );
}

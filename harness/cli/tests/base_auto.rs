//! `harness apply SERIES --tree auto --repo DIR` on a fixture repository
//! made here with the git CLI: five commits on `main` changing the same
//! files (days 1..5), a two-patch series written with `git format-patch`
//! against commit 3, then commits 4 and 5 that make it fail on HEAD.
//! Expected values come from git itself: `git am` succeeds on commit 3 and
//! fails on HEAD; the patched files are the series branch's files
//! (`git show`); commit ids are `git rev-parse`'s.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn git_in(dir: &Path, args: &[&str], day: Option<u32>) -> Output {
    let mut c = Command::new("git");
    c.args(["-c", "user.name=T", "-c", "user.email=t@example.org"])
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir);
    if let Some(day) = day {
        let when = format!("@{} +0000", 1_790_000_000 + u64::from(day) * 43_200);
        c.env("GIT_AUTHOR_DATE", &when)
            .env("GIT_COMMITTER_DATE", &when);
    }
    c.output().expect("the git CLI (host package `git`)")
}

fn git(dir: &Path, args: &[&str]) -> String {
    let o = git_in(dir, args, None);
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

/// `a.c` with line `n` (1-based) set to `text`, of 12 numbered lines.
fn a_c(changes: &[(usize, &str)]) -> String {
    (1..=12)
        .map(|n| {
            let l = changes
                .iter()
                .find(|(k, _)| *k == n)
                .map_or(format!("int a{n} = {n};"), |(_, t)| (*t).to_owned());
            l + "\n"
        })
        .collect()
}

/// Commit everything in `dir` as `msg` on half-day `day`.
fn commit(dir: &Path, msg: &str, day: u32) -> String {
    git(dir, &["add", "-A"]);
    let o = git_in(dir, &["commit", "-qm", msg], Some(day));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    git(dir, &["rev-parse", "HEAD"])
}

struct Fixture {
    _tmp: tempfile::TempDir,
    repo: PathBuf,
    /// commits 1..5 of main
    main: Vec<String>,
    /// `git format-patch` output without and with `--base`
    plain: PathBuf,
    based: PathBuf,
    /// the series branch's last commit (what applying it gives)
    tip: String,
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write fixture file");
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().expect("tmp");
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).expect("repo dir");
    git(&repo, &["init", "-q"]);
    write(&repo, "README", "untouched by the series\n");
    let mut main = Vec::new();
    let states: [(&[(usize, &str)], &str); 3] = [
        (&[], "b one\n"),
        (&[(2, "int a2 = 20;")], "b two\n"),
        (&[(2, "int a2 = 20;"), (11, "int a11 = 110;")], "b three\n"),
    ];
    for (i, (a, b)) in states.iter().enumerate() {
        write(&repo, "a.c", &a_c(a));
        write(&repo, "b.c", b);
        main.push(commit(&repo, &format!("main {}", i + 1), 2 * i as u32 + 2));
    }
    // the series, on a branch from commit 3: two patches, both on a.c
    git(&repo, &["checkout", "-q", "-b", "series"]);
    let base = [(2, "int a2 = 20;"), (11, "int a11 = 110;")];
    write(&repo, "a.c", &a_c(&[base[0], base[1], (6, "int a6 = 66;")]));
    write(&repo, "b.c", "b three\nb series\n");
    commit(&repo, "series 1", 7);
    write(
        &repo,
        "a.c",
        &a_c(&[base[0], base[1], (6, "int a6 = 66;"), (8, "int a8 = 88;")]),
    );
    let tip = commit(&repo, "series 2", 7);
    let plain = tmp.path().join("plain");
    let based = tmp.path().join("based");
    let range = format!("{}..series", main[2]);
    for (out, extra) in [(&plain, None), (&based, Some(main[2].as_str()))] {
        let o = out.to_string_lossy().into_owned();
        let mut args = vec!["format-patch", "-q", "-o", &o];
        let base_arg = extra.map(|b| format!("--base={b}"));
        args.extend(base_arg.as_deref());
        args.push(&range);
        git(&repo, &args);
    }
    // later commits on main make the series fail on HEAD; the series
    // branch goes (the series is known from its mails only)
    git(&repo, &["checkout", "-q", "main"]);
    write(
        &repo,
        "a.c",
        &a_c(&[base[0], base[1], (6, "int a6 = 6000;")]),
    );
    main.push(commit(&repo, "main 4", 8));
    write(&repo, "b.c", "b four\n");
    main.push(commit(&repo, "main 5", 10));
    git(&repo, &["branch", "-q", "-D", "series"]);
    Fixture {
        _tmp: tmp,
        repo,
        main,
        plain,
        based,
        tip,
    }
}

fn patches(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("series dir")
        .filter_map(|e| e.ok().map(|e| e.path().to_string_lossy().into_owned()))
        .collect();
    v.sort();
    v
}

/// Does `git am` of `series` succeed on `commit` (in a scratch clone)?
fn git_am_applies(f: &Fixture, series: &Path, commit: &str) -> bool {
    let scratch = tempfile::tempdir().expect("scratch");
    let w = scratch.path().join("w");
    let repo = f.repo.to_string_lossy().into_owned();
    git(scratch.path(), &["clone", "-q", &repo, "w"]);
    git(&w, &["checkout", "-q", commit]);
    let list = patches(series);
    let mut args = vec!["am", "-q"];
    args.extend(list.iter().map(String::as_str));
    git_in(&w, &args, None).status.success()
}

fn harness(args: &[&str]) -> (Option<i32>, Value, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run harness");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {err}"));
    (o.status.code(), v, err)
}

fn candidate<'a>(v: &'a Value, kind: &str) -> &'a Value {
    v["base_resolution"]["candidates"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["kind"] == kind))
        .unwrap_or_else(|| panic!("no {kind} candidate: {v}"))
}

fn auto(series: &Path, repo: &Path, extra: &[&str]) -> (Option<i32>, Value, String) {
    let s = series.to_string_lossy().into_owned();
    let r = repo.to_string_lossy().into_owned();
    let mut args = vec!["apply", &s, "--tree", "auto", "--repo", &r, "--json", "-"];
    args.extend(extra);
    harness(&args)
}

#[test]
fn git_am_itself_applies_the_series_on_commit_3_and_not_on_head() {
    let f = fixture();
    assert!(git_am_applies(&f, &f.plain, &f.main[2]));
    assert!(!git_am_applies(&f, &f.plain, &f.main[4]));
    assert!(!git_am_applies(&f, &f.plain, &f.main[1]));
}

#[test]
fn blob_ids_pick_the_commit_the_series_was_written_against() {
    let f = fixture();
    let out = tempfile::tempdir().expect("out");
    let into = out.path().join("patched");
    let (code, v, err) = auto(&f.plain, &f.repo, &["--into", &into.to_string_lossy()]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(v["base_resolution"]["base_commit"]["status"], "not-named");
    let guess = &v["base_resolution"]["guess"];
    assert_eq!(guess["commit"], f.main[2].as_str(), "{err}");
    // a.c and b.c: the first patch's preimages (the second's a.c is the first's result)
    assert_eq!(
        (guess["matched"].as_u64(), guess["total"].as_u64()),
        (Some(2), Some(2))
    );
    let g = candidate(&v, "blob-guess");
    assert_eq!(g["commit"], f.main[2].as_str());
    assert_eq!(g["failed"], 0, "{err}");
    assert!(
        candidate(&v, "checkout")["failed"].as_u64() > Some(0),
        "{err}"
    );
    assert_eq!(v["tree_identity"]["commit"], f.main[2].as_str());
    assert!(err.contains("picked "), "{err}");
    // the patched tree is the series branch's tree, untouched files included
    let rev = |p: &str| git(&f.repo, &["show", &format!("{}:{p}", f.tip)]) + "\n";
    for p in ["a.c", "b.c", "README"] {
        let got = std::fs::read_to_string(into.join(p)).unwrap_or_default();
        assert_eq!(got, rev(p), "{p}");
    }
    // the user's checkout was not touched
    assert_eq!(git(&f.repo, &["status", "--porcelain"]), "");
    assert_eq!(git(&f.repo, &["rev-parse", "HEAD"]), f.main[4]);
}

#[test]
fn a_named_base_commit_is_used_and_agrees_with_the_guess() {
    let f = fixture();
    let (code, v, err) = auto(&f.based, &f.repo, &[]);
    assert_eq!(code, Some(0), "{err}");
    let b = &v["base_resolution"]["base_commit"];
    assert_eq!(b["status"], "found", "{err}");
    assert_eq!(b["commit"], f.main[2].as_str());
    assert_eq!(v["base_resolution"]["guess_is_base_commit"], true);
    let c = candidate(&v, "base-commit");
    assert_eq!(c["failed"], 0, "{err}");
    assert_eq!(v["base_resolution"]["picked"], c["name"]);
    assert_eq!(v["tree_identity"]["commit"], f.main[2].as_str());
}

#[test]
fn a_missing_base_commit_is_said_and_the_guess_is_used() {
    let f = fixture();
    let missing = "0123456789abcdef0123456789abcdef01234567";
    for p in patches(&f.based) {
        let t = std::fs::read_to_string(&p).expect("patch");
        std::fs::write(&p, t.replace(f.main[2].as_str(), missing)).expect("rewrite");
    }
    let (code, v, err) = auto(&f.based, &f.repo, &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        v["base_resolution"]["base_commit"]["status"],
        "not-in-repository"
    );
    assert!(
        err.contains(&format!("base-commit {missing} is not in ")),
        "{err}"
    );
    assert_eq!(candidate(&v, "blob-guess")["commit"], f.main[2].as_str());
    assert_eq!(v["tree_identity"]["commit"], f.main[2].as_str());
}

#[test]
fn without_index_lines_the_checkout_is_all_there_is_and_it_fails() {
    let f = fixture();
    // the same series as plain diffs: no `index` lines, no base-commit
    let plain = f.repo.parent().expect("tmp").join("noindex");
    std::fs::create_dir(&plain).expect("dir");
    for p in patches(&f.plain) {
        let t = std::fs::read_to_string(&p).expect("patch");
        let kept: String = t
            .split_inclusive('\n')
            .filter(|l| !l.starts_with("index "))
            .collect();
        let name = Path::new(&p).file_name().expect("name").to_owned();
        std::fs::write(plain.join(name), kept).expect("write");
    }
    let (code, v, err) = auto(&plain, &f.repo, &[]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(v["base_resolution"]["guess"]["status"], "no-index-lines");
    assert!(err.contains("no `index` lines"), "{err}");
    assert_eq!(
        v["base_resolution"]["candidates"].as_array().map(Vec::len),
        Some(1)
    );
}

#[test]
fn an_explicit_checkout_not_at_the_base_commit_gets_a_note() {
    let f = fixture();
    let s = f.based.to_string_lossy().into_owned();
    let r = f.repo.to_string_lossy().into_owned();
    let (code, v, err) = harness(&["apply", &s, "--tree", &r, "--json", "-"]);
    // HEAD is commit 5, where `git am` fails too
    assert_eq!(code, Some(1), "{err}");
    assert!(v.get("base_resolution").is_none());
    assert!(
        err.contains(&format!(
            "note: the series names base-commit {}, which {r} has",
            f.main[2]
        )),
        "{err}"
    );
    assert!(err.contains("`--tree auto --repo "), "{err}");
}

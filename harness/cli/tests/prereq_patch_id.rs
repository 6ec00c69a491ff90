//! `prerequisite-patch-id:` resolved by stable patch-id. The fixture is
//! made here with the git CLI: a base commit, a prerequisite commit P
//! (adds `sub()`), and a two-patch series S on top of P whose context
//! needs P. `git format-patch --base=BASE P..S` writes the
//! `prerequisite-patch-id:` line itself (git's own `patch-id --stable` of
//! P); the input mbox holds S's thread and, as a separate thread, P.
//! Expected: `git am` of S alone fails on BASE, of P then S succeeds; the
//! harness, with prerequisites, applies P first and every hunk applies;
//! with `--no-prerequisites` it fails as `git am` does. The last test
//! serves both threads from a real public-inbox (tests/lore/) with S's cover
//! letter also naming P's thread by `prerequisite-message-id:`: P is fetched,
//! applied once, and the patch-id is said to be that prerequisite.

mod lore;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn git_out(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(["-c", "user.name=T", "-c", "user.email=t@example.org"])
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the git CLI (host package `git`)")
}

fn git(dir: &Path, args: &[&str]) -> String {
    let o = git_out(dir, args);
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

fn commit(dir: &Path, file: &str, text: &str, msg: &str) -> String {
    std::fs::write(dir.join(file), text).expect("write");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

struct Fixture {
    _tmp: tempfile::TempDir,
    repo: PathBuf,
    base: String,
    /// P's patch and S's patches (`git format-patch` files)
    p_patch: PathBuf,
    s_patches: Vec<PathBuf>,
    mbox: PathBuf,
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    v.sort();
    v
}

/// `P`'s Message-ID as `git format-patch --thread` wrote it.
fn message_id(patch: &Path) -> String {
    let t = std::fs::read_to_string(patch).expect("patch");
    t.lines()
        .find_map(|l| {
            l.strip_prefix("Message-ID: <")
                .or_else(|| l.strip_prefix("Message-Id: <"))
        })
        .and_then(|v| v.strip_suffix('>'))
        .unwrap_or_else(|| panic!("no Message-ID header in {}: {t}", patch.display()))
        .to_owned()
}

fn fixture() -> Fixture {
    fixture_with(false)
}

/// With `name_thread`, S's cover letter also says `prerequisite-message-id:`
/// for P's mail.
fn fixture_with(name_thread: bool) -> Fixture {
    let tmp = tempfile::tempdir().expect("tmp");
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).expect("repo");
    git(&repo, &["init", "-q"]);
    let h = "#ifndef UTIL_H\n#define UTIL_H\nint add(int a, int b);\n#endif\n";
    let base = commit(&repo, "util.h", h, "util: add()");
    let with_sub = h.replace("b);\n", "b);\nint sub(int a, int b);\n");
    let p = commit(&repo, "util.h", &with_sub, "util: add sub()");
    let with_mul = with_sub.replace(
        "int sub(int a, int b);\n",
        "int sub(int a, int b);\nint mul(int a, int b);\n",
    );
    commit(&repo, "util.h", &with_mul, "util: add mul()");
    let with_div = with_mul.replace(
        "int mul(int a, int b);\n",
        "int mul(int a, int b);\nint div(int a, int b);\n",
    );
    commit(&repo, "util.h", &with_div, "util: add div()");
    let out = |name: &str| tmp.path().join(name).to_string_lossy().into_owned();
    let to = "--to=test@example.org";
    let p_range = format!("{base}..{p}");
    let p_dir = out("p");
    git(
        &repo,
        &["format-patch", "-q", "--thread", to, "-o", &p_dir, &p_range],
    );
    let base_arg = format!("--base={base}");
    let range = format!("{p}..HEAD");
    let s_dir = out("s");
    let s_args = [
        "format-patch",
        "-q",
        "--cover-letter",
        &base_arg,
        "--thread",
        to,
    ];
    git(&repo, &[&s_args[..], &["-o", &s_dir, &range]].concat());
    let p_patch = files(&tmp.path().join("p")).remove(0);
    let s_patches = files(&tmp.path().join("s"));
    if name_thread {
        let cover = &s_patches[0];
        let text = std::fs::read_to_string(cover).expect("cover");
        let line = format!("prerequisite-message-id: <{}>", message_id(&p_patch));
        std::fs::write(cover, text.replace("*** BLURB HERE ***", &line)).expect("cover");
    }
    let mut mbox = Vec::new();
    for f in s_patches.iter().chain([&p_patch]) {
        mbox.extend(std::fs::read(f).expect("patch"));
        mbox.push(b'\n');
    }
    let mbox_path = tmp.path().join("thread.mbox");
    std::fs::write(&mbox_path, mbox).expect("mbox");
    Fixture {
        _tmp: tmp,
        repo,
        base,
        p_patch,
        s_patches,
        mbox: mbox_path,
    }
}

/// A fresh clone of the fixture checked out at BASE (the tree to apply to).
fn tree_at_base(f: &Fixture, dest: &Path) -> PathBuf {
    let repo = f.repo.to_string_lossy().into_owned();
    git(dest, &["clone", "-q", &repo, "w"]);
    let w = dest.join("w");
    git(&w, &["checkout", "-q", &f.base]);
    w
}

fn git_am(f: &Fixture, patches: &[&PathBuf]) -> bool {
    let scratch = tempfile::tempdir().expect("scratch");
    let w = tree_at_base(f, scratch.path());
    let list: Vec<String> = patches
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["am", "-q"];
    args.extend(list.iter().map(String::as_str));
    git_out(&w, &args).status.success()
}

fn harness(args: &[&str]) -> (Option<i32>, Value, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("HARNESS_OFFLINE", "true")
        .output()
        .expect("run harness");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {err}"));
    (o.status.code(), v, err)
}

fn patch_id_line(s_patches: &[PathBuf]) -> Option<String> {
    s_patches.iter().find_map(|p| {
        let t = std::fs::read_to_string(p).ok()?;
        t.lines()
            .find_map(|l| l.strip_prefix("prerequisite-patch-id: ").map(str::to_owned))
    })
}

#[test]
fn git_writes_p_s_patch_id_and_git_am_needs_p_first() {
    let f = fixture();
    let named =
        patch_id_line(&f.s_patches).expect("format-patch --base wrote prerequisite-patch-id");
    let mut child = Command::new("git")
        .args(["patch-id", "--stable"])
        .stdin(std::fs::File::open(&f.p_patch).expect("P"))
        .output()
        .expect("git patch-id");
    child.stdout.truncate(40);
    assert_eq!(String::from_utf8_lossy(&child.stdout), named);
    let s: Vec<&PathBuf> = f.s_patches.iter().skip(1).collect();
    assert!(!git_am(&f, &s), "S alone applies on BASE");
    let with_p: Vec<&PathBuf> = [&f.p_patch].into_iter().chain(s).collect();
    assert!(git_am(&f, &with_p));
}

#[test]
fn the_patch_id_names_p_which_is_applied_first() {
    let f = fixture();
    let named = patch_id_line(&f.s_patches).expect("prerequisite-patch-id");
    let scratch = tempfile::tempdir().expect("scratch");
    let tree = tree_at_base(&f, scratch.path());
    let t = tree.to_string_lossy().into_owned();
    let m = f.mbox.to_string_lossy().into_owned();
    let args = ["apply", &m, "--series", "1", "--tree", &t, "--json", "-"];
    let (code, v, err) = harness(&[&args[..], &["--no-prerequisites"]].concat());
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(v["patches"].as_array().map(Vec::len), Some(2), "{err}");
    let (code, v, err) = harness(&args);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains(&format!(
            "prerequisite-patch-id {named}: \"[PATCH] util: add sub()\""
        )),
        "{err}"
    );
    let names: Vec<&str> = v["patches"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        names[0].starts_with(&format!("prerequisite patch-id {}: ", &named[..12])),
        "{names:?}"
    );
}

/// `git format-patch` output as mboxrd, as a list archive holds it.
fn as_mboxrd(patches: &[&PathBuf], dest: &Path) {
    let mut out = String::new();
    for p in patches {
        let t = std::fs::read_to_string(p).expect("patch");
        let (_, rest) = t.split_once('\n').expect("From line");
        out.push_str("From mboxrd@z Thu Jan  1 00:00:00 1970\n");
        out.push_str(rest);
    }
    std::fs::write(dest, out).expect("mbox");
}

#[test]
fn served_by_public_inbox_the_named_thread_is_fetched_and_applied_once() {
    let f = fixture_with(true);
    let named = patch_id_line(&f.s_patches).expect("prerequisite-patch-id");
    let p_id = message_id(&f.p_patch);
    let dir = f.mbox.parent().expect("tmp").to_owned();
    let (p_mbox, s_mbox) = (dir.join("p.mbox"), dir.join("s.mbox"));
    as_mboxrd(&[&f.p_patch], &p_mbox);
    as_mboxrd(&f.s_patches.iter().collect::<Vec<_>>(), &s_mbox);
    let srv = lore::Server::start(&[p_mbox, s_mbox]);
    let scratch = tempfile::tempdir().expect("scratch");
    let tree = tree_at_base(&f, scratch.path());
    let url = format!("{}/{}/", srv.inbox_url(), message_id(&f.s_patches[0]));
    let o = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "apply",
            &url,
            "--tree",
            &tree.to_string_lossy(),
            "--json",
            "-",
        ])
        .env("HARNESS_CACHE", srv.cache("cache"))
        .env("NO_COLOR", "1")
        .env_remove("HARNESS_LORE_SERVERS")
        .env_remove("HARNESS_OFFLINE")
        .output()
        .expect("run harness");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!(
            "prerequisite <{p_id}>: 1 patch(es), applied first"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "prerequisite-patch-id {named}: is prerequisite <{p_id}>: "
        )),
        "{err}"
    );
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(
        v["patches"].as_array().map(Vec::len),
        Some(3),
        "P applied once: {v}"
    );
}

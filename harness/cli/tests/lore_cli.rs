//! Series from a public-inbox server: a real public-inbox (Debian's
//! package: -init -V2, -mda, -index with Xapian, -httpd) on 127.0.0.1
//! serving the fixture threads of tests/fixtures/lore/ (README there).
//! Expected values: the same thread read from its fixture file (the
//! reference for "fetched = read from a file"), and the versions the
//! fixtures were written with (v1..v3, prerequisite declaring sub()).

mod lore;

use lore::{fixtures, Server};
use std::path::Path;
use std::process::{Command, Output};

fn harness(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .env("HARNESS_CACHE", cache)
        .env("NO_COLOR", "1")
        .env_remove("HARNESS_LORE_SERVERS")
        .env_remove("HARNESS_OFFLINE")
        .output()
        .expect("run harness")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            text(&o.stdout),
            text(&o.stderr)
        )
    })
}

/// The series report with the source path replaced by `FILE` (the one
/// thing that must differ between a fetched thread and the file).
fn normalized(o: &Output, path: &str) -> String {
    let v = json(o);
    let src = v["source"].as_str().unwrap_or_default().to_owned();
    assert!(!src.is_empty(), "no source in {v}");
    let s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.replace(&src, "FILE").replace(path, "FILE")
}

const V1: &str = "20261101-greeting-v1-0-a1b2@example.org";
const V3: &str = "20261101-greeting-v3-0-a1b2@example.org";
const FOUNDING: &str = "200612070934.review@fr.ibm.com";

fn all_fixtures() -> Vec<std::path::PathBuf> {
    [
        "founding-thread",
        "greeting-v1",
        "greeting-v2",
        "greeting-v3",
        "prerequisite",
    ]
    .iter()
    .map(|n| fixtures().join(format!("{n}.mbox")))
    .collect()
}

#[test]
fn fetched_thread_reports_as_the_file_then_offline_from_the_cache() {
    let srv = Server::start(&all_fixtures());
    let cache = srv.cache("cache");
    for (id, file) in [(FOUNDING, "founding-thread"), (V3, "greeting-v3")] {
        let f = fixtures().join(format!("{file}.mbox"));
        let fs = f.to_string_lossy().into_owned();
        let from_file = harness(&cache, &["series", &fs, "--json", "-"]);
        // a URL naming a reply (the whole thread comes back), and the
        // bare Message-ID asked of a configured server
        let url = format!("{}/{id}/", srv.inbox_url());
        let by_url = harness(&cache, &["series", &url, "--json", "-"]);
        assert_eq!(
            by_url.status.code(),
            from_file.status.code(),
            "{}",
            text(&by_url.stderr)
        );
        assert_eq!(
            normalized(&by_url, &fs),
            normalized(&from_file, &fs),
            "{url}"
        );
        assert!(
            text(&by_url.stderr).contains("fetched from"),
            "{}",
            text(&by_url.stderr)
        );
        let by_id = harness(
            &cache,
            &[
                "series",
                &format!("<{id}>"),
                "--lore-server",
                &srv.inbox_url(),
                "--json",
                "-",
            ],
        );
        assert_eq!(
            normalized(&by_id, &fs),
            normalized(&from_file, &fs),
            "<{id}>"
        );
        assert!(
            text(&by_id.stderr).contains("cached from"),
            "{}",
            text(&by_id.stderr)
        );
    }
    // the greeting threads are separate: v3's thread holds only v3 (4 messages)
    let v3 = harness(
        &cache,
        &[
            "series",
            &format!("{}/{V3}/t.mbox.gz", srv.inbox_url()),
            "--json",
            "-",
        ],
    );
    assert_eq!(json(&v3)["messages"], 4);
    let inbox = srv.inbox_url();
    let keep = srv.dir.path().to_owned();
    let cache = keep.join("cache-kept");
    let _ = harness(
        &cache,
        &[
            "series",
            &format!("lore:{FOUNDING}"),
            "--lore-server",
            &inbox,
        ],
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let moved = tmp.path().join("cache");
    std::fs::rename(&cache, &moved).expect("keep the cache");
    drop(srv); // the server is gone: only the cache can answer
    let cache_only = harness(
        &moved,
        &[
            "series",
            &format!("lore:{FOUNDING}"),
            "--offline",
            "--lore-server",
            &inbox,
            "--json",
            "-",
        ],
    );
    assert_eq!(
        cache_only.status.code(),
        Some(1),
        "1: patches 1..11 of 12 missing; {}",
        text(&cache_only.stderr)
    );
    assert_eq!(json(&cache_only)["messages"], 3);
}

#[test]
fn unreachable_server_and_cold_offline_cache_exit_2_naming_the_server() {
    let port = lore::free_port(); // nobody listens there
    let dir = tempfile::tempdir().expect("tempdir");
    let server = format!("http://127.0.0.1:{port}/all");
    let o = harness(
        dir.path(),
        &["series", "<x@example.org>", "--lore-server", &server],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains(&server) && err.contains("cannot reach"),
        "{err}"
    );
    let o = harness(
        dir.path(),
        &[
            "series",
            "x@example.org",
            "--offline",
            "--lore-server",
            &server,
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains(&server) && err.contains("not in the cache"),
        "{err}"
    );
}

#[test]
fn check_newer_on_v1_names_v3() {
    let srv = Server::start(&all_fixtures());
    let cache = srv.cache("cache");
    let url = format!("{}/{V1}/", srv.inbox_url());
    let o = harness(&cache, &["series", &url, "--check-newer", "--json", "-"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v = json(&o);
    let n = &v["newer"];
    assert_eq!(n["current"], 1, "{n}");
    assert_eq!(n["newest"]["version"], 3, "{n}");
    assert_eq!(n["newest"]["message_id"], V3, "{n}");
    assert_eq!(n["newest"]["matched_by"], "change-id", "{n}");
    let versions: Vec<u64> = n["found"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["version"].as_u64()).collect())
        .unwrap_or_default();
    assert_eq!(versions, vec![1, 2, 3], "{n}");
    // the human form says it too; on v3 there is nothing newer
    let o = harness(&cache, &["series", &url, "--check-newer"]);
    assert!(
        text(&o.stdout).contains(&format!("v3 is the newest (this is v1): <{V3}>")),
        "{}",
        text(&o.stdout)
    );
    let o = harness(
        &cache,
        &[
            "series",
            &format!("{}/{V3}/", srv.inbox_url()),
            "--check-newer",
        ],
    );
    assert!(
        text(&o.stdout).contains("no newer revision than v3 found"),
        "{}",
        text(&o.stdout)
    );
}

/// The tree the greeting series was written against, less the
/// prerequisite (util.h without sub()).
fn greeting_tree(dir: &Path) {
    std::fs::write(
        dir.join("util.h"),
        "#ifndef UTIL_H\n#define UTIL_H\nint add(int a, int b);\n#endif\n",
    )
    .expect("util.h");
    std::fs::write(
        dir.join("hello.c"),
        "#include <stdio.h>\n\nint main(void)\n{\n\tprintf(\"hello\\n\");\n\treturn 0;\n}\n",
    )
    .expect("hello.c");
}

#[test]
fn a_series_with_a_prerequisite_applies_only_with_it_and_says_so() {
    let srv = Server::start(&all_fixtures());
    let cache = srv.cache("cache");
    let tree = tempfile::tempdir().expect("tree");
    greeting_tree(tree.path());
    let t = tree.path().to_string_lossy().into_owned();
    let url = format!("{}/{V3}/", srv.inbox_url());
    // without it: 1/2's context names sub(), which the tree lacks
    let o = harness(
        &cache,
        &[
            "apply",
            &url,
            "--tree",
            &t,
            "--no-prerequisites",
            "--json",
            "-",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert_eq!(json(&o)["patches"].as_array().map(Vec::len), Some(2));
    // with it: fetched, applied first, every hunk applies
    let out = tempfile::tempdir().expect("out");
    let into = out.path().join("patched");
    let o = harness(
        &cache,
        &[
            "apply",
            &url,
            "--tree",
            &t,
            "--json",
            "-",
            "--into",
            &into.to_string_lossy(),
        ],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "prerequisite <20261025-util-sub-v1-1-0d4f@example.org>: 1 patch(es), applied first"
        ),
        "{err}"
    );
    let v = json(&o);
    let names: Vec<String> = v["patches"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        names[0].starts_with("prerequisite <20261025-util-sub-v1-1-0d4f@example.org>: "),
        "{names:?}"
    );
    let util = std::fs::read_to_string(into.join("util.h")).unwrap_or_default();
    assert_eq!(util, "#ifndef UTIL_H\n#define UTIL_H\nint add(int a, int b);\nint sub(int a, int b);\nint mul(int a, int b);\n#endif\n");
    let hello = std::fs::read_to_string(into.join("hello.c")).unwrap_or_default();
    assert!(
        hello.contains("printf(\"hello, world!\\n\");"),
        "v3's greeting: {hello}"
    );
}

//! `HARNESS_OFFLINE` reads as a boolean the way environment switches do: any
//! value but an empty or falsey one (0, false, no, off) turns on `--offline`.
//! Offline, a Message-ID that is not in the cache is refused naming the
//! cache; online it is asked of the server (here a closed local port, so
//! "cannot reach"). Both are exit 2: the tool could not do its job.

mod support;

use std::time::Duration;
use support::harness::command;
use support::proc;

fn series_with(offline: &str) -> (Option<i32>, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ran = proc::run(
        command()
            .env("HARNESS_CACHE", tmp.path())
            .env("HARNESS_OFFLINE", offline)
            .args(["series", "20240102123456.1234-1-dev@example.org"])
            .args(["--lore-server", "http://127.0.0.1:9/all"]),
        Duration::from_secs(60),
    );
    (ran.code, ran.stderr_str())
}

#[test]
fn harness_offline_takes_the_usual_true_and_false_words() {
    for on in ["1", "yes", "true", "on"] {
        let (code, err) = series_with(on);
        assert_eq!(code, Some(2), "{on}: {err}");
        assert!(
            err.contains("--offline:") && err.contains("not in the cache"),
            "{on}: {err}"
        );
    }
    for off in ["0", "false", "no", "off"] {
        let (code, err) = series_with(off);
        assert_eq!(code, Some(2), "{off}: {err}");
        assert!(
            err.contains("cannot reach public-inbox server"),
            "{off}: {err}"
        );
    }
}

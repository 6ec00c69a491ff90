//! The PREEMPT_RT series (72 format-patch mails in a quilt directory) read as a
//! directory and as one concatenated mboxrd (`From ` separators added here)
//! must give the same 72 patches in the same order.

use harness_ingest::{load, series_report};
use std::path::{Path, PathBuf};

mod common;
use common::rt_series_dir;

fn rt_dir() -> PathBuf {
    let p = rt_series_dir();
    assert!(
        p.join("series").is_file(),
        "PREEMPT_RT series missing: {}",
        p.display()
    );
    p
}

/// Concatenate the series' files into an mboxrd: `From ` separator lines,
/// body lines matching `^>*From ` quoted with one more `>`.
fn concat_mboxrd(dir: &Path) -> Vec<u8> {
    let series = std::fs::read_to_string(dir.join("series")).expect("series");
    let mut out = Vec::new();
    for name in series
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let data = std::fs::read(dir.join(name)).expect("patch");
        out.extend_from_slice(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n");
        for line in data.split_inclusive(|&b| b == b'\n') {
            let gts = line.iter().take_while(|&&b| b == b'>').count();
            if line.get(gts..).is_some_and(|r| r.starts_with(b"From ")) {
                out.push(b'>');
            }
            out.extend_from_slice(line);
        }
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}

#[test]
fn rt_directory_and_mbox_agree() {
    let dir = rt_dir();
    let as_dir = load(&dir).expect("load dir");
    assert_eq!(as_dir.patches.len(), 72);

    let tmp = tempfile::tempdir().expect("tempdir");
    let mbox = tmp.path().join("rt.mbox");
    std::fs::write(&mbox, concat_mboxrd(&dir)).expect("write mbox");
    let as_mbox = load(&mbox).expect("load mbox");
    assert_eq!(as_mbox.patches.len(), 72);

    for (a, b) in as_dir.patches.iter().zip(&as_mbox.patches) {
        assert_eq!(a.index, b.index);
        // subjects are the same mail subject (the quilt loader reads the first
        // physical line; compare the numbered prefix and the start)
        let sa = a.subject.clone().unwrap_or_default();
        let sb = b.subject.clone().unwrap_or_default();
        assert!(
            sb.starts_with(&sa) || sa.starts_with(&sb),
            "{sa:?} vs {sb:?}"
        );
        assert!(
            sb.starts_with(&format!("[PATCH {:02}/72]", a.index)),
            "{sb}"
        );
        // content: the mbox message is the file without the separator (files
        // that end without a blank line are identical; others differ only in
        // the separator's trailing blank line)
        let ca = String::from_utf8_lossy(&a.content);
        let cb = String::from_utf8_lossy(&b.content);
        assert_eq!(ca.trim_end(), cb.trim_end(), "patch {} differs", a.index);
    }

    let report = series_report(&mbox).expect("report");
    assert_eq!(report.series.len(), 1);
    let s = &report.series[0];
    assert_eq!(s.total, 72);
    assert!(s.missing.is_empty());
    assert!(s.duplicates.is_empty());
    let numbers: Vec<u32> = s.patches.iter().map(|p| p.number).collect();
    assert_eq!(numbers, (1..=72).collect::<Vec<u32>>());
    // the RT mails carry no Message-ID
    assert!(s
        .patches
        .iter()
        .all(|p| p.revisions[0].message_id.is_none()));

    let dir_report = series_report(&dir).expect("dir report");
    assert_eq!(dir_report.series[0].patches.len(), 72);
    let titles_dir: Vec<&str> = dir_report.series[0]
        .patches
        .iter()
        .map(|p| p.title.as_str())
        .collect();
    let titles_mbox: Vec<&str> = s.patches.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles_dir, titles_mbox);
}

#[test]
fn rt_format_patch_directory_without_series_file() {
    // the same files without `series`: ordered by their n/72 counters
    let dir = rt_dir();
    let tmp = tempfile::tempdir().expect("tempdir");
    for e in std::fs::read_dir(&dir).expect("read dir") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "patch") {
            std::fs::copy(&p, tmp.path().join(p.file_name().expect("name"))).expect("copy");
        }
    }
    let s = load(tmp.path()).expect("load");
    assert_eq!(s.patches.len(), 72);
    assert!(s.patches[71]
        .subject
        .as_deref()
        .unwrap_or("")
        .starts_with("[PATCH 72/72]"));
}

//! index.html in a real browser: render the fixture report (a failed apply
//! with diagnoses, passing cells, an unexpected build failure, skipped
//! boots), load it in headless Chromium, and check that
//! - a screenshot is produced and is a real 1280x900 PNG with content;
//! - the DOM Chromium built holds the grid: every cell id with its colour class;
//! - a second screenshot with a cell's details opened (via the URL fragment,
//!   no JavaScript) is produced too;
//! - that opened cell fits a 760 px window (no horizontal scrolling), as
//!   measured by Chromium's layout in a copy of the page with a probe script.
//!
//! Chromium is a host package (scripts/host-packages.txt); if it is missing
//! the test fails saying so. Set HARNESS_UPDATE_SCREENSHOT=1 to copy the
//! grid screenshot to docs/report-screenshot.png.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium(profile: &Path, extra: &[&str], url: &str) -> std::process::Output {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install the `chromium` package (scripts/host-packages.txt) to run the browser check"
    );
    let mut cmd = Command::new(CHROMIUM);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1280,900",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(url)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let child = cmd.spawn().expect("start chromium");
    // Bounded: Chromium normally takes 1-5 s here; give up after 90 s.
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let start = Instant::now();
    match rx.recv_timeout(Duration::from_secs(90)) {
        Ok(out) => out.expect("chromium output"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("chromium did not finish within {:?}", start.elapsed());
        }
    }
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(
        bytes.len() > 24 && &bytes[..8] == b"\x89PNG\r\n\x1a\n",
        "not a PNG"
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    (w, h)
}

#[test]
fn index_html_renders_grid_in_headless_chromium() {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/full.json");
    let report = harness_report::load_report(&fixture).expect("fixture");
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = tmp.path().join("run");
    let files = harness_report::write_run_dir(&run, &report).expect("write run dir");
    let url = format!("file://{}", files.index_html.display());

    // 1. Screenshot of the grid.
    let shot = tmp.path().join("grid.png");
    let out = chromium(
        &tmp.path().join("profile1"),
        &[&format!("--screenshot={}", shot.display())],
        &url,
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot at {} ({e}); chromium said:\n{}",
            shot.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(png_size(&png), (1280, 900));
    // A blank 1280x900 PNG compresses to a few KB; a rendered grid with text
    // and coloured cells is far larger.
    assert!(
        png.len() > 30_000,
        "screenshot suspiciously small: {} bytes",
        png.len()
    );

    // 2. The DOM as Chromium parsed it holds the grid, each cell with its colour.
    let out = chromium(&tmp.path().join("profile2"), &["--dump-dom"], &url);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("<table class=\"grid\" id=\"grid\">"),
        "grid table missing from DOM:\n{dom}"
    );
    for c in &report.cells {
        let class = harness_report::view::cell_verdict(c).class();
        let needle = format!("<td class=\"cell {class}\" data-cell-id=\"{}\"", c.id);
        assert!(dom.contains(&needle), "DOM lacks {needle}");
    }
    // Three colours of the legend are used by this fixture ("skipped", a
    // cell where nothing ran and nothing failed, has none: its cells on the
    // apply-only tree failed to apply, which outranks "not built").
    for class in ["passed", "unexpected", "expected-failure"] {
        assert!(
            dom.contains(&format!("class=\"cell {class}\" data-cell-id")),
            "no {class} cell"
        );
    }
    // The untrusted diagnosis text stayed text: no script element was created.
    assert!(
        !dom.contains("<script"),
        "a script element appeared in the DOM"
    );
    assert!(
        dom.contains("switch_ns() &lt;script&gt;"),
        "escaped diagnosis text missing"
    );

    // 3. A cell's details, opened by its fragment (CSS :target, no JS).
    let target = report
        .cells
        .iter()
        .position(|c| c.id == "netns-l2-l3@linux-6.1:ip-multiple-tables-y")
        .expect("cell");
    let dom_id = format!(
        "cell-{}-netns-l2-l3_linux-6.1_ip-multiple-tables-y",
        target + 1
    );
    assert!(
        dom.contains(&format!("id=\"{dom_id}\"")),
        "no details section {dom_id}"
    );
    let shot2 = tmp.path().join("cell.png");
    chromium(
        &tmp.path().join("profile3"),
        &[&format!("--screenshot={}", shot2.display())],
        &format!("{url}#{dom_id}"),
    );
    let png2 = std::fs::read(&shot2).expect("second screenshot");
    assert_eq!(png_size(&png2), (1280, 900));
    assert!(png2.len() > 30_000);
    assert_ne!(png, png2, "opening a cell must change what is shown");

    // 4. Readable without horizontal scrolling: the opened cell (long
    // diagnoses, long paths) is no wider than a narrow 760 px window. A copy of
    // the page gets a script that records the widths after layout.
    let page = std::fs::read_to_string(&files.index_html).expect("index.html");
    let probe = "<script>addEventListener('load', () => { \
        const d = document.getElementById(location.hash.slice(1)); \
        document.body.dataset.pageWidth = document.documentElement.scrollWidth; \
        document.body.dataset.cellWidth = d ? d.scrollWidth : -1; });</script></body>";
    let measure = run.join("measure.html");
    std::fs::write(&measure, page.replace("</body>", probe)).expect("write measure.html");
    let out = chromium(
        &tmp.path().join("profile4"),
        &["--dump-dom", "--window-size=760,900"],
        &format!("file://{}#{dom_id}", measure.display()),
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let width = |attr: &str| -> i64 {
        let at = dom.find(&format!("{attr}=\"")).unwrap_or_else(|| {
            panic!("{attr} not recorded; DOM:\n{}", &dom[..dom.len().min(2000)])
        });
        let rest = &dom[at + attr.len() + 2..];
        rest[..rest.find('"').expect("quote")]
            .parse()
            .expect("a width")
    };
    let (page_w, cell_w) = (width("data-page-width"), width("data-cell-width"));
    assert!(cell_w > 0, "the opened cell was not found");
    assert!(
        page_w <= 760 && cell_w <= 760,
        "page {page_w} px, cell {cell_w} px wide in a 760 px window"
    );

    if std::env::var_os("HARNESS_UPDATE_SCREENSHOT").is_some() {
        let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs");
        std::fs::create_dir_all(&docs).expect("docs dir");
        std::fs::copy(&shot, docs.join("report-screenshot.png")).expect("copy screenshot");
    }
}

//! Damaged and hostile input: a clear error or a damage report, never a panic.

use harness_ingest::{ingest, load, mime, series_report};

fn write(dir: &std::path::Path, name: &str, data: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("write");
    p
}

#[test]
fn truncated_headers() {
    let t = tempfile::tempdir().expect("tmp");
    let p = write(t.path(), "t.mbox", b"From x Thu Jan  1 00:00:00 1970\nSubject: [PATCH 1/1] x\nFrom: a\nContent-Type: multipart/mixed; bound");
    let r = series_report(&p).expect("report");
    assert!(r.series.is_empty());
    assert!(
        r.damage
            .iter()
            .any(|d| d.problem.contains("ends inside its headers")),
        "{:?}",
        r.damage
    );
    let e = load(&p).expect_err("no patch");
    assert!(e.to_string().contains("none carries a patch"), "{e}");
}

#[test]
fn bad_encodings() {
    let raw = b"Subject: =?UTF-8?B?!!!?= =?x-unknown?Q?abc?=\nContent-Type: text/plain; charset=klingon\nContent-Transfer-Encoding: base64\n\n@@@@ not base64 at all\xff\xfe\n";
    let m = mime::parse_mail(raw);
    assert!(
        m.damage.iter().any(|d| d.contains("base64")),
        "{:?}",
        m.damage
    );
    let raw = b"Content-Transfer-Encoding: quoted-printable\n\n=G1=\n=";
    let m = mime::parse_mail(raw);
    assert!(
        m.damage.iter().any(|d| d.contains("quoted-printable")),
        "{:?}",
        m.damage
    );
    let raw = b"Content-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nunterminated";
    let m = mime::parse_mail(raw);
    assert!(
        m.damage.iter().any(|d| d.contains("closing boundary")),
        "{:?}",
        m.damage
    );
    assert_eq!(m.body, b"unterminated");
}

#[test]
fn ten_megabyte_lines() {
    let t = tempfile::tempdir().expect("tmp");
    let mut data = b"From x Thu Jan  1 00:00:00 1970\nSubject: [PATCH] big\nX-Long: ".to_vec();
    data.extend(std::iter::repeat_n(b'a', 10 * 1024 * 1024));
    data.extend_from_slice(b"\n\n---\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-");
    data.extend(std::iter::repeat_n(b'b', 10 * 1024 * 1024));
    data.extend_from_slice(b"\n+c\n");
    let p = write(t.path(), "big.mbox", &data);
    let start = std::time::Instant::now();
    let r = series_report(&p).expect("report");
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    assert!(
        r.damage.iter().any(|d| d.problem.contains("longer than")),
        "{:?}",
        r.damage
    );
    assert_eq!(r.series.len(), 1);
}

#[test]
fn invalid_utf8_everywhere() {
    let t = tempfile::tempdir().expect("tmp");
    let p = write(
        t.path(),
        "u.mbox",
        b"From x Thu Jan  1 00:00:00 1970\nSubject: [PATCH] caf\xe9 \xff\nContent-Type: text/plain; charset=utf-8\n\n---\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-\xc3\x28\n+\xff\xfe\n",
    );
    let r = series_report(&p).expect("report");
    assert!(
        r.damage.iter().any(|d| d.problem.contains("UTF-8")),
        "{:?}",
        r.damage
    );
    let s = load(&p).expect("load");
    // bytes are kept as sent: the apply engine sees what the author sent
    assert!(s.patches[0].content.windows(2).any(|w| w == b"\xff\xfe"));
}

#[test]
fn deep_multipart_and_garbage() {
    let mut raw = Vec::new();
    for i in 0..50 {
        raw.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n").as_bytes(),
        );
    }
    raw.extend_from_slice(b"\nhello\n");
    let m = mime::parse_mail(&raw);
    assert!(
        m.damage.iter().any(|d| d.contains("nested deeper")),
        "{:?}",
        m.damage
    );

    // arbitrary bytes: no panic whatever they are
    let mut seed: u32 = 12345;
    for _ in 0..200 {
        let mut buf = Vec::new();
        for _ in 0..400 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let pick = (seed >> 16) % 12;
            let piece: &[u8] = match pick {
                0 => b"\n",
                1 => b"From x\n",
                2 => b"Subject: =?utf-8?q?=FF?=\n",
                3 => b"--- a/f\n+++ b/f\n",
                4 => b"@@ -1,3 +1,2 @@\n",
                5 => b"> ",
                6 => b"```\n",
                7 => b"Content-Type: multipart/x; boundary=q\n\n--q\n",
                8 => b"Posted by [x](#) on Mon, 1 Jan 2000 00:00:00 GMT\n",
                9 => b"\xff\xfe\x00",
                10 => b"Content-Transfer-Encoding: base64\n",
                _ => b" x\n-y\n+z\n",
            };
            buf.extend_from_slice(piece);
        }
        let _ = mime::parse_mail(&buf);
        let t = tempfile::tempdir().expect("tmp");
        let p = write(t.path(), "g.txt", &buf);
        let _ = ingest(&p);
    }
}

#[test]
fn unreadable_path_is_a_clear_error() {
    let e = load(std::path::Path::new("/nonexistent/series.mbox")).expect_err("missing");
    assert!(e.to_string().contains("/nonexistent/series.mbox"), "{e}");
}

//! Hunks as text: `.rej` files and hunks rewritten at their real place.

use super::*;

pub(super) fn push_line(buf: &mut Vec<u8>, prefix: u8, text: &[u8]) {
    buf.push(prefix);
    buf.extend_from_slice(text);
    if !text.ends_with(b"\n") {
        buf.extend_from_slice(b"\n\\ No newline at end of file\n");
    }
}

/// GNU `print_unidiff_range`.
pub(super) fn unidiff_range(start: i64, count: usize) -> String {
    match count {
        0 => format!("{},0", start - 1),
        1 => format!("{start}"),
        n => format!("{start},{n}"),
    }
}

pub(super) fn hunk_header(
    old: i64,
    oldn: usize,
    new: i64,
    newn: usize,
    func: Option<&str>,
) -> String {
    let mut s = format!(
        "@@ -{} +{} @@",
        unidiff_range(old, oldn),
        unidiff_range(new, newn)
    );
    if let Some(f) = func {
        s.push(' ');
        s.push_str(f);
    }
    s.push('\n');
    s
}

/// The hunk as it applies at `at`: positions and context from the file.
pub(super) fn rewrite_hunk(h: &Hunk, input: &Input<'_>, at: i64, new_at: i64) -> Vec<u8> {
    let oldn = h.old_lines().count();
    let newn = h.new_lines().count();
    let mut out = hunk_header(at, oldn, new_at, newn, h.function.as_deref()).into_bytes();
    let mut k = 0i64;
    for l in &h.lines {
        match l.kind {
            LineKind::Context => {
                let t = input.get(at + k);
                push_line(&mut out, b' ', if t.is_empty() { &l.text } else { t });
                k += 1;
            }
            LineKind::Remove => {
                let t = input.get(at + k);
                push_line(&mut out, b'-', if t.is_empty() { &l.text } else { t });
                k += 1;
            }
            LineKind::Add => push_line(&mut out, b'+', &l.text),
        }
    }
    out
}

/// The hunk in GNU's reject format, with `out_offset` added.
pub(super) fn reject_hunk(h: &Hunk, out_offset: i64) -> Vec<u8> {
    let oldn = h.old_lines().count();
    let newn = h.new_lines().count();
    let mut out = hunk_header(
        h.gnu_first() as i64 + out_offset,
        oldn,
        h.gnu_newfirst() as i64 + out_offset,
        newn,
        h.function.as_deref(),
    )
    .into_bytes();
    for l in &h.lines {
        let c = match l.kind {
            LineKind::Context => b' ',
            LineKind::Remove => b'-',
            LineKind::Add => b'+',
        };
        push_line(&mut out, c, &l.text);
    }
    out
}

pub(super) fn reject_header(f: &FilePatch) -> Vec<u8> {
    let name = |p: &Option<String>, t: &Option<String>| {
        format!(
            "{}{}",
            p.as_deref().unwrap_or("/dev/null"),
            t.as_deref().unwrap_or("")
        )
    };
    let old = if f.op == FileOp::Create {
        None
    } else {
        f.old_path.clone()
    };
    let new = if f.op == FileOp::Delete {
        None
    } else {
        f.new_path.clone()
    };
    format!(
        "--- {}\n+++ {}\n",
        name(&old, &f.old_time),
        name(&new, &f.new_time)
    )
    .into_bytes()
}

//! Ground truth for the placement warnings (issue 15, item 4): synthetic
//! look-alike code where the right place of every hunk is known by
//! construction. A file is a run of blocks (tables of register entries that
//! differ in one value, copies of one function under different names) with
//! filler between them. A hunk is cut with 3 lines of context from the
//! original file, inside block K; the tree it is applied to is that file
//! after a drift:
//!
//! - correct-place drifts keep block K and move or touch it: lines inserted
//!   above (offsets up to 2,000 lines), an edge context line changed (fuzz 1),
//!   both edge lines changed (fuzz 2);
//! - misplacing drifts take block K away or change a line of its core, so
//!   the engine (GNU's search) finds a look-alike block instead: near (a
//!   neighbouring table, fuzz 0 at a small offset), or far (1,000+ lines).
//!
//! A hunk is placed right when its preimage starts inside block K of the
//! drifted tree. The test prints the scores and requires every misplacement
//! to be warned about and at most 15% false alarms on right fuzzy applies.

use harness_core::apply::{apply_series, ApplyOptions, MemTree, PatchInput};
use harness_core::parse::parse_patch;
use harness_core::report::HunkStatus;

/// Small deterministic generator (64-bit LCG, Knuth's constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// One block of look-alike code; `k` names it, `v` varies one value.
fn block(kind: usize, k: usize, v: usize) -> Vec<String> {
    let s: Vec<String> = match kind {
        0 => vec![
            format!("static const struct reg_desc tab{k}[] = {{"),
            "\t{ REG_CTRL, 0x10 },".into(),
            "\t{ REG_STATUS, 0x20 },".into(),
            format!("\t{{ REG_MASK, 0x{v:02x} }},"),
            "\t{ REG_DATA, 0x40 },".into(),
            "\t{ REG_IRQ, 0x50 },".into(),
            "\t{ REG_DMA, 0x60 },".into(),
            "\t{ REG_CLK, 0x70 },".into(),
            "};".into(),
        ],
        _ => vec![
            format!("static int probe_{k}(struct device *dev)"),
            "{".into(),
            "\tint ret;".into(),
            "\tret = setup_clocks(dev);".into(),
            "\tif (ret)".into(),
            "\t\treturn ret;".into(),
            format!("\tret = setup_irq(dev, {v});"),
            "\tif (ret)".into(),
            "\t\treturn ret;".into(),
            "\treturn 0;".into(),
            "}".into(),
        ],
    };
    s
}

struct File {
    lines: Vec<String>,
    /// (start, len) of each block, 0-based.
    blocks: Vec<(usize, usize)>,
}

fn filler(r: &mut Lcg, tag: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|j| format!("int {tag}_{}_{j};", r.next(1_000_000)))
        .collect()
}

fn build(r: &mut Lcg, kind: usize, nblocks: usize, gap: usize) -> File {
    let mut lines = Vec::new();
    let mut blocks = Vec::new();
    for k in 0..nblocks {
        let n = 1 + r.next(gap);
        lines.extend(filler(r, "pad", n));
        lines.push(String::new());
        let b = block(kind, k, 0x30 + r.next(6));
        blocks.push((lines.len(), b.len()));
        lines.extend(b);
        lines.push(String::new());
    }
    File { lines, blocks }
}

/// Unified hunk inserting `add` before 0-based line `at` of `lines`, with 3
/// context lines each side.
fn hunk(lines: &[String], at: usize, add: &str) -> String {
    let from = at.saturating_sub(3);
    let to = (at + 3).min(lines.len());
    let mut h = format!(
        "--- a/f.c\n+++ b/f.c\n@@ -{},{} +{},{} @@\n",
        from + 1,
        to - from,
        from + 1,
        to - from + 1
    );
    for (i, l) in lines.iter().enumerate().take(to).skip(from) {
        if i == at {
            h.push_str(&format!("+{add}\n"));
        }
        h.push_str(&format!(" {l}\n"));
    }
    h
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Drift {
    Shift,
    EdgeOne,
    EdgeBoth,
    RemoveBlock,
    ChangeCore,
    RemoveBlockFar,
}

struct Outcome {
    applied: bool,
    right: bool,
    fuzz: usize,
    offset: i64,
    warned: bool,
    warnings: Vec<String>,
}

fn run_case(r: &mut Lcg, kind: usize, drift: Drift) -> Outcome {
    let far = drift == Drift::RemoveBlockFar;
    let f = build(r, kind, if far { 3 } else { 6 }, if far { 8 } else { 30 });
    let k = if far { 0 } else { 1 + r.next(4) };
    let (start, len) = f.blocks[k];
    // Insert after the 4th line of the block: context is block lines 1..=3
    // before and 4..=6 after (both inside the block's look-alike body).
    let at = start + 4;
    let p = hunk(&f.lines, at, "\t/* added */");
    let mut tree = f.lines.clone();
    let mut right = Some((start, start + len));
    match drift {
        Drift::Shift => {
            let n = 1 + r.next(2000);
            let pad = filler(r, "new", n);
            tree.splice(start - 1..start - 1, pad);
            right = Some((start + n, start + n + len));
        }
        Drift::EdgeOne => tree[at - 3] = format!("{} /* edited */", tree[at - 3]),
        Drift::EdgeBoth => {
            tree[at - 3] = format!("{} /* edited */", tree[at - 3]);
            tree[at + 2] = format!("{} /* edited */", tree[at + 2]);
        }
        Drift::RemoveBlock => {
            tree.drain(start..start + len);
            right = None;
        }
        Drift::ChangeCore => {
            tree[at - 1] = format!("{} /* changed */", tree[at - 1]);
            tree[at] = format!("{} /* changed */", tree[at]);
            right = None;
        }
        Drift::RemoveBlockFar => {
            tree.drain(start..start + len);
            let n = 1000 + r.next(1000);
            let pad = filler(r, "far", n);
            let after = f.blocks[1].0 - len;
            tree.splice(after..after, pad);
            right = None;
        }
    }
    let mut t = MemTree::default();
    let text: String = tree.iter().map(|l| format!("{l}\n")).collect();
    t.files.insert("f.c".into(), text.into_bytes());
    let parsed = parse_patch(p.as_bytes(), 1);
    let input = PatchInput {
        index: 1,
        name: "p.patch",
        subject: None,
        parsed: &parsed,
    };
    let o = apply_series(&t, &t, "s", "t", &[input], ApplyOptions::default());
    let h = &o.report.patches[0].files[0].hunks[0];
    let placed = o.placements.first().map(|p| p.old_start).unwrap_or(0);
    let right = right.is_some_and(|(a, b)| placed > a && placed <= b);
    Outcome {
        applied: h.status == HunkStatus::Applied,
        right,
        fuzz: h.fuzz.unwrap_or(0),
        offset: h.offset.unwrap_or(0),
        warned: !h.warnings.is_empty(),
        warnings: h.warnings.clone(),
    }
}

#[test]
fn placement_warnings_catch_every_misplacement_with_few_false_alarms() {
    let mut r = Lcg(15);
    let drifts = [
        Drift::Shift,
        Drift::EdgeOne,
        Drift::EdgeBoth,
        Drift::RemoveBlock,
        Drift::ChangeCore,
        Drift::RemoveBlockFar,
    ];
    let (mut misplaced, mut caught, mut right_fuzzy, mut false_alarms) = (0, 0, 0, 0);
    let (mut right_exact, mut exact_alarms) = (0, 0);
    let mut missed = Vec::new();
    for round in 0..40 {
        for kind in 0..2 {
            for &d in &drifts {
                let o = run_case(&mut r, kind, d);
                if !o.applied {
                    continue;
                }
                if !o.right {
                    misplaced += 1;
                    if o.warned {
                        caught += 1;
                    } else {
                        missed.push(format!(
                            "round {round} kind {kind} {d:?}: fuzz {} offset {}",
                            o.fuzz, o.offset
                        ));
                    }
                } else if o.fuzz > 0 {
                    right_fuzzy += 1;
                    false_alarms += usize::from(o.warned);
                    if o.warned {
                        eprintln!("false alarm ({d:?}): {:?}", o.warnings);
                    }
                } else {
                    right_exact += 1;
                    exact_alarms += usize::from(o.warned);
                }
            }
        }
    }
    println!(
        "placement warnings: {caught} of {misplaced} misplacements caught; \
         {false_alarms} false alarms on {right_fuzzy} right fuzzy applies; \
         {exact_alarms} on {right_exact} right fuzz-0 applies"
    );
    assert!(
        misplaced >= 40,
        "the fixture must misplace hunks: {misplaced}"
    );
    assert!(
        right_fuzzy >= 40,
        "the fixture must apply with fuzz: {right_fuzzy}"
    );
    assert!(missed.is_empty(), "misplacements not warned: {missed:#?}");
    assert!(
        false_alarms * 100 <= right_fuzzy * 15,
        "{false_alarms} false alarms on {right_fuzzy} right fuzzy applies"
    );
}

//! Parse arbitrary input and apply it twice in a series (cumulative, so
//! the second application sees the first one's changes: already-applied
//! detection, reversed files) to an empty tree and to a small tree whose
//! files are taken from the input itself, so the search finds partial
//! matches, offsets and fuzz. Must never panic.
#![no_main]

use harness_core::apply::{apply_series, ApplyOptions, MemTree, PatchInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = harness_core::parse::parse_patch(data, 1);
    let empty = MemTree::default();
    let mut small = MemTree::default();
    // Files named by the patch, with the input's own lines as content: the
    // engine then finds (some of) each hunk's context.
    for f in &parsed.files {
        let p = f.display_path();
        small.files.insert(p, data.to_vec());
    }
    small.files.insert("Makefile".into(), b"all:\n\ttrue\n".to_vec());
    let inputs = [
        PatchInput { index: 1, name: "fuzz.patch", subject: None, parsed: &parsed },
        PatchInput { index: 2, name: "fuzz.patch", subject: None, parsed: &parsed },
    ];
    for tree in [&empty, &small] {
        for max_fuzz in [0usize, 2] {
            let out = apply_series(tree, tree, "fuzz", "mem", &inputs, ApplyOptions { max_fuzz });
            let _ = out.report.patches.len();
        }
    }
});

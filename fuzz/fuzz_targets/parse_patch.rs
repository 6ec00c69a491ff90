//! Any byte string must parse without panicking, at every strip level a
//! series may ask for; the parsed model must be internally consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for strip in [0usize, 1, 2] {
        let parsed = harness_core::parse::parse_patch(data, strip);
        // Walk the model so lazily computed parts are exercised too.
        let _ = parsed.hunk_count();
        for f in &parsed.files {
            let _ = f.display_path();
            for h in &f.hunks {
                let _ = (h.prefix_context(), h.suffix_context(), h.gnu_first(), h.gnu_newfirst());
                let _ = h.old_lines().count() + h.new_lines().count();
            }
        }
    }
});

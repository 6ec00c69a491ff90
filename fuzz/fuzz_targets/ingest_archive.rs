//! Fuzz archive-page recovery (fences, lost spaces, blank-line decisions).
//! Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let msgs = harness_ingest::archive::parse_archive(std::path::Path::new("fuzz.txt"), &text, 0);
    let _ = harness_ingest::model::build("fuzz", harness_ingest::SourceKind::Archive, &msgs);
});

//! Fuzz the mail side of ingest: MIME decoding, mbox splitting, the series
//! model. Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = harness_ingest::mime::parse_mail(data);
    let path = std::path::Path::new("fuzz.mbox");
    let msgs: Vec<harness_ingest::Message> = harness_ingest::mbox::split_mbox(path, data)
        .into_iter()
        .enumerate()
        .map(|(i, r)| harness_ingest::Message::from_raw(i, r.path, r.line, &r.bytes))
        .collect();
    let _ = harness_ingest::model::build("fuzz", harness_ingest::SourceKind::Mbox, &msgs);
});

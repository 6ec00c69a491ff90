//! Fuzz the build-log parser (`file:line:col: warning: ...`, make errors,
//! kbuild's quiet lines). Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let prefixes = vec!["/src/linux".to_string(), "/build/out".to_string()];
    let _ = harness_build::parse_log(&text, &prefixes);
    let _ = harness_build::log::count_compiled(&text);
});

//! Fuzz the KTAP/TAP parser that reads the guest's serial console (nested
//! subtests, directives, kernel noise between lines). Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = harness_boot::ktap::parse(&text);
    for line in text.lines().take(64) {
        let _ = harness_boot::ktap::clean_console_line(line);
    }
});

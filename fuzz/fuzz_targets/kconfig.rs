//! Fuzz the kconfig readers: config fragments, .config files, Kconfig text
//! and its dependency expressions. Must never panic.
#![no_main]
use harness_build::dotconfig::DotConfig;
use harness_build::kconfig_db::{conjuncts, eval, symbols_in, KconfigDb};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let fragment = harness_build::Fragment::parse(std::path::Path::new("fuzz.config"), &text);
    let _ = harness_build::fragment::effective_requests(&[fragment]);
    let cfg = DotConfig::parse(&text);
    let _ = KconfigDb::parse_text("Kconfig", &text);
    for line in text.lines().take(32) {
        let _ = eval(line, &cfg);
        let _ = symbols_in(line);
        let _ = conjuncts(line);
    }
});

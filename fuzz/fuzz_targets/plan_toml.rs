//! The plan TOML parser on arbitrary text: no panic, errors that render, and a parsed file that
//! serialises back to TOML parses to the same settings (what `plan` relies on when it writes
//! the rerunnable `config.toml`).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use mechpert::plan::config::PlanFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz/plan.toml");
    match PlanFile::parse(text, path) {
        Ok(mut file) => {
            let again = toml::to_string(&file).expect("a parsed plan file serialises");
            let reparsed = PlanFile::parse(&again, path)
                .unwrap_or_else(|e| panic!("{again:?} does not parse back: {e}"));
            assert_eq!(reparsed, file, "round trip through {again:?}");
            file.rebase(Path::new("/base"));
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains("plan.toml"),
                "error names no file: {message}"
            );
        }
    }
});

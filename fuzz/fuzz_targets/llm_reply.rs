//! The LLM reply extractor (proposals out of free text, fenced blocks, JSON) followed by the
//! validation every reply goes through, and the `Retry-After` header parser, on arbitrary text.
#![no_main]

use std::sync::LazyLock;
use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use mechpert::agents::{Pool, extract, retry_after, validate};
use mechpert::data::GeneSymbols;

static POOL: LazyLock<Pool> =
    LazyLock::new(|| Pool::new(["GATA1", "TAL1", "KLF1", "MYC", "TP53"].map(String::from)));

fuzz_target!(
    // The symbol table loads once, before the first input (not inside its time limit).
    init: {
        GeneSymbols::embedded();
        LazyLock::force(&POOL);
    },
    |data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(raw) = extract::proposals(&text) {
        let answer = validate::validate(raw, Some("KLF1"), GeneSymbols::embedded(), &POOL);
        let mut seen = std::collections::HashSet::new();
        for p in &answer.proposals {
            assert!(POOL.contains(&p.gene), "{:?} is not in the pool", p.gene);
            assert_ne!(
                p.gene, "KLF1",
                "the target was proposed as its own regulator"
            );
            assert!(seen.insert(&p.gene), "{:?} kept twice", p.gene);
            assert!(
                (0.0..=1.0).contains(&p.confidence),
                "confidence {}",
                p.confidence
            );
        }
    }
    let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    if let Some(wait) = retry_after::parse(&text, now) {
        assert!(wait <= retry_after::MAX_WAIT, "{text:?} waits {wait:?}");
    }
});

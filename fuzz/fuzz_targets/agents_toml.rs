//! The agents.toml parser and the checks of `build` (every number range-checked, keys,
//! templates, endpoints) on arbitrary text: no panic, no hang, errors whose chain renders.
//! Files it names do not exist (the file sits in a folder that does not) and graphs fail to
//! load, so only the parsing and checking run; no request is ever sent.
#![no_main]

use std::path::Path;
use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use mechpert::agents::config::{AgentsFile, BuildEnv};
use mechpert::data::GeneSymbols;

static SYMBOLS: LazyLock<Arc<GeneSymbols>> =
    LazyLock::new(|| Arc::new(GeneSymbols::embedded().clone()));

fuzz_target!(
    // The symbol table loads once, before the first input (not inside its time limit).
    init: {
        LazyLock::force(&SYMBOLS);
    },
    |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("/nonexistent-mechpert-fuzz/agents.toml");
    let result = AgentsFile::parse(text, path).and_then(|file| {
        let env = BuildEnv {
            env: &|name| Some(format!("fuzz-value-of-{name}")),
            graphs: &|spec| anyhow::bail!("no graph {spec} while fuzzing"),
            symbols: Arc::clone(&SYMBOLS),
            cache: None,
            offline: true,
            simulated_truth: None,
        };
        file.build(path, &env).map(|_| ())
    });
    if let Err(e) = result {
        mechpert_fuzz::render_chain(&e);
    }
});

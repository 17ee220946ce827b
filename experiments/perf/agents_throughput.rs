//! Throughput of the LLM agent layer against the loopback fake server, and of cache replay.
//!
//! Run from the repository root:
//!
//! ```sh
//! CARGO_BUILD_JOBS=1 cargo run --release --example agents_throughput [-- REQUESTS]
//! ```
//!
//! 1. requests/s: `REQUESTS` (default 20,000) distinct chat requests, 64 in flight
//!    (`[limits] concurrency = 64`), through the real client (prompt rendering, reqwest, JSON
//!    extraction, validation) against the in-process OpenAI-compatible fake server; once without
//!    a cache and once writing every reply to a fresh cache folder;
//! 2. replay: the same queries again from that cache (no server hit): full agent answers/s, and
//!    raw `Cache::get` lookups/s on a fresh handle (cold: read from disk) and memoised (warm).
//!
//! Target: ≥ 2,000 requests/s and ≥ 100,000 cache lookups/s.

#[path = "../../tests/fake_llm.rs"]
mod fake_llm;

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mechpert::agents::cache::{self, Cache};
use mechpert::agents::limits::LimitParams;
use mechpert::agents::llm::{LlmAgent, LlmSettings, PoolStrategy, Secret, StructuredOutput};
use mechpert::agents::prompt::Prompts;
use mechpert::agents::{Agent, Context, Pool, QueryKind, Tally, ask_all};
use mechpert::data::GeneSymbols;

const TARGETS: usize = 100;
const CONCURRENCY: usize = 64;

fn agents(base_url: &str, runs: u32, cache: Option<Arc<Cache>>) -> Vec<Arc<dyn Agent>> {
    let limits = LimitParams {
        concurrency: NonZeroUsize::new(CONCURRENCY).unwrap(),
        ..LimitParams::default()
    }
    .check()
    .unwrap();
    let settings = LlmSettings {
        base_url: base_url.to_string(),
        api_key: Secret::new(Some("sk-perf".into())),
        model: "perf-model".into(),
        temperature: 0.7,
        max_tokens: 512,
        seed: 0,
        send_seed: true,
        structured: StructuredOutput::JsonSchema,
        strategy: PoolStrategy::Chunk,
        chunk_size: 1000,
        prompts: Prompts::embedded(),
        timeout: Duration::from_secs(30),
        retries: 2,
        backoff: Duration::from_millis(10),
        symbols: Arc::new(GeneSymbols::identity()),
        cache,
        offline: false,
        limits: Arc::new(limits),
    };
    LlmAgent::runs("perf", settings, runs)
        .into_iter()
        .map(|a| Arc::new(a) as Arc<dyn Agent>)
        .collect()
}

fn ask(
    rt: &tokio::runtime::Runtime,
    agents: &[Arc<dyn Agent>],
    ctx: &Arc<Context>,
) -> (f64, Tally) {
    let tally = Arc::new(Tally::default());
    let targets: Vec<String> = ctx.pool.genes().to_vec();
    let start = Instant::now();
    let collected = rt
        .block_on(ask_all(
            agents,
            &targets,
            QueryKind::Regulators,
            Arc::clone(ctx),
            Arc::clone(&tally),
            &mechpert::progress::Silent,
        ))
        .expect("no fatal error");
    let secs = start.elapsed().as_secs_f64();
    assert!(
        collected.failures.is_empty(),
        "{:?}",
        &collected.failures[..1]
    );
    (secs, Arc::try_unwrap(tally).unwrap())
}

fn main() {
    let requests: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("REQUESTS is a number"))
        .unwrap_or(20_000);
    let runs = (requests / TARGETS).max(1) as u32;
    let n = runs as usize * TARGETS;
    let server = fake_llm::FakeLlm::start_with(
        |_, body| fake_llm::Reply::Content(fake_llm::default_reply(body)),
        false,
        1,
    );
    let ctx = Arc::new(Context {
        cell: "K562".into(),
        pool: Pool::new((0..TARGETS).map(|i| format!("G{i:04}"))),
        k: 20,
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "agents_throughput: {n} requests ({TARGETS} targets × {runs} runs), {CONCURRENCY} in flight, loopback fake server"
    );

    let (secs, tally) = ask(&rt, &agents(&server.base_url, runs, None), &ctx);
    let sent = tally.snapshot().requests;
    assert_eq!(sent as usize, n);
    println!(
        "  no cache:      {:>9.0} requests/s  ({sent} requests in {secs:.2} s)",
        n as f64 / secs
    );

    let dir = tempfile::tempdir().unwrap();
    let cache = Arc::new(Cache::open(dir.path()).unwrap());
    let (secs, _) = ask(
        &rt,
        &agents(&server.base_url, runs, Some(Arc::clone(&cache))),
        &ctx,
    );
    println!(
        "  writing cache: {:>9.0} requests/s  ({n} replies written in {secs:.2} s)",
        n as f64 / secs
    );

    let hits_before = server.hits();
    let fresh = Arc::new(Cache::open(dir.path()).unwrap());
    let (secs, tally) = ask(&rt, &agents(&server.base_url, runs, Some(fresh)), &ctx);
    assert_eq!(server.hits(), hits_before, "replay sends nothing");
    assert_eq!(tally.snapshot().cache_hits as usize, n);
    println!(
        "  replay:        {:>9.0} answers/s   (full agent path from a fresh cache handle, {secs:.2} s)",
        n as f64 / secs
    );

    // Raw lookups: the keys of every entry, looked up on a new handle (disk) and again (memory).
    let keys: Vec<String> = walk(dir.path());
    assert_eq!(keys.len(), n);
    let start = Instant::now();
    let mut bytes = 0;
    for k in &keys {
        bytes += std::fs::read(dir.path().join(&k[..2]).join(format!("{k}.json")))
            .unwrap()
            .len();
    }
    let read_s = start.elapsed().as_secs_f64();
    let cold = Cache::open(dir.path()).unwrap();
    let start = Instant::now();
    for k in &keys {
        assert!(cold.get(k).unwrap().is_some());
    }
    let cold_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let rounds = 20;
    for _ in 0..rounds {
        for k in &keys {
            assert!(cold.get(k).unwrap().is_some());
        }
    }
    let warm_s = start.elapsed().as_secs_f64();
    println!(
        "  file reads:    {:>9.0} reads/s    (std::fs::read alone, {} bytes per entry)",
        n as f64 / read_s,
        bytes / n
    );
    println!(
        "  lookups cold:  {:>9.0} lookups/s  (read + parse from disk)",
        n as f64 / cold_s
    );
    println!(
        "  lookups warm:  {:>9.0} lookups/s  (memoised)",
        (n * rounds) as f64 / warm_s
    );
    // Key computation alone (sha256 of a request identity of typical size).
    let body = serde_json::json!({"request": {"model": "m", "messages": [{"role": "user", "content": "x".repeat(1500)}]}, "run": 0});
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(cache::key(&body));
    }
    println!(
        "  key hashing:   {:>9.0} keys/s     (1.5 kB prompt)",
        n as f64 / start.elapsed().as_secs_f64()
    );
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut keys = Vec::new();
    for sub in std::fs::read_dir(dir).unwrap().flatten() {
        if sub.path().is_dir() {
            for f in std::fs::read_dir(sub.path()).unwrap().flatten() {
                let name = f.file_name().to_string_lossy().to_string();
                if let Some(k) = name.strip_suffix(".json") {
                    keys.push(k.to_string());
                }
            }
        }
    }
    keys
}

//! SIGKILL at seeded random moments of `consensus` and `simulate` (`plan` has its own in
//! `plan.rs`): whatever a killed run left at an output path is complete, every cache entry is
//! whole and filed under the sha256 of its request, and a rerun gives byte-identical results
//! without asking an answered request again.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::Value;

use crate::agents::{agents, cache_files, consensus, read};
use crate::fake_llm::{FakeLlm, Reply, default_reply};
use crate::util::{Dir, POOL, pool_screen as screen};

/// Every cache entry parses, and its key is its file name and the sha256 of its request.
fn assert_cache_whole(dir: &Dir) {
    for file in dir.listing().iter().filter(|f| f.ends_with(".json")) {
        let text = read(dir, file);
        let entry: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let key = entry["key"].as_str().unwrap();
        assert_eq!(
            Path::new(file).file_stem().unwrap().to_str().unwrap(),
            key,
            "{file}"
        );
        assert_eq!(
            mechpert::agents::cache::key(&entry["request"]),
            key,
            "{file}: the request does not hash to its key"
        );
        assert!(entry["reply"].is_string(), "{file}");
    }
}

mptest!(
    consensus_killed_at_random_moments_resumes_to_the_same_table,
    |dir| {
        let server = FakeLlm::start(|_, body| {
            Reply::Delay(
                Duration::from_millis(40),
                Box::new(Reply::Content(default_reply(body))),
            )
        });
        let runs = 3;
        let total = runs * POOL.len();
        let setup = |d: &Dir| {
            screen(d);
            agents(
                d,
                &server.base_url,
                &format!("runs = {runs}"),
                "[limits]\nconcurrency = 2\n",
            );
        };
        let whole = Dir::new();
        setup(&whole);
        consensus(&whole, &[]).both(0);
        setup(&dir);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(17);
        let mut interrupted = 0;
        for _ in 0..4 {
            // Kill once a random number of answers is on disk, a random few ms later.
            let wanted = rng.random_range(0..total);
            let mut child = consensus(&dir, &["--cache", "cache"]).spawn();
            let start = Instant::now();
            while cache_files(&dir) < wanted && child.try_wait().unwrap().is_none() {
                assert!(start.elapsed() < Duration::from_secs(60), "no progress");
                std::thread::sleep(Duration::from_millis(2));
            }
            std::thread::sleep(Duration::from_millis(rng.random_range(0..40)));
            let _ = child.kill(); // SIGKILL
            interrupted += usize::from(child.wait().unwrap().signal() == Some(9));
            assert_cache_whole(&dir);
            if dir.path().join("out.tsv").exists() {
                assert_eq!(read(&dir, "out.tsv"), read(&whole, "out.tsv"));
            }
        }
        assert!(interrupted > 0, "every run finished before its kill");
        let cached = cache_files(&dir);
        let before = server.hits();
        let (out, _) = consensus(&dir, &["--cache", "cache"]).both(0);
        assert_eq!(
            server.hits() - before,
            total - cached,
            "only unanswered requests are sent again"
        );
        assert!(out.contains(&format!("{cached} cache hits")), "{out}");
        assert_eq!(read(&dir, "out.tsv"), read(&whole, "out.tsv"));
        assert_cache_whole(&dir);
    }
);

mptest!(
    simulate_killed_at_random_moments_leaves_whole_files_or_none,
    |dir| {
        const OUTPUTS: [&str; 4] = ["c.h5ad", "t.tsv", "t.knockdown.tsv", "t.params.toml"];
        let args = [
            "simulate",
            "--network",
            "synthetic",
            "--seed",
            "5",
            "--cells",
            "--out",
            "c.h5ad",
            "--truth",
            "t.tsv",
        ];
        let whole = Dir::new();
        let start = Instant::now();
        whole.command().args(args).both(0);
        let took = start.elapsed();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(23);
        let mut interrupted = 0;
        for _ in 0..4 {
            let mut child = dir.command().args(args).spawn();
            // The moment of the kill: anywhere in an undisturbed run's length, or just after.
            let at = took.mul_f64(rng.random_range(0.05..1.1));
            std::thread::sleep(at);
            let _ = child.kill(); // SIGKILL
            interrupted += usize::from(child.wait().unwrap().signal() == Some(9));
            for name in OUTPUTS {
                if dir.path().join(name).exists() {
                    assert_eq!(
                        std::fs::read(dir.path().join(name)).unwrap(),
                        std::fs::read(whole.path().join(name)).unwrap(),
                        "{name} was left incomplete by a kill after {at:?}"
                    );
                }
            }
        }
        assert!(interrupted > 0, "every run finished before its kill");
        dir.command().args(args).both(0);
        for name in OUTPUTS {
            assert_eq!(
                std::fs::read(dir.path().join(name)).unwrap(),
                std::fs::read(whole.path().join(name)).unwrap(),
                "{name} after the rerun"
            );
        }
    }
);

//! `mechpert consensus` with LLM agents: the real binary and its HTTP client against a loopback
//! OpenAI-compatible server started by each test.

use std::time::Duration;

use serde_json::Value;

use crate::fake_llm::{FakeLlm, Reply, candidates_of, default_reply, target_of};
use crate::util::{Dir, pool_screen as screen};

pub(crate) const KEY: &str = "sk-test-5ecret-never-written-9f3a";

/// agents.toml with one LLM agent at `url`, plus extra agent keys and top-level text.
pub(crate) fn agents(dir: &Dir, url: &str, agent_extra: &str, top: &str) {
    dir.create(
        "agents.toml",
        format!(
            "cell_context = \"K562 cells\"\nk = 5\n{top}\n[[agent]]\nbackend = \"llm\"\nname = \"fake\"\nbase_url = \"{url}\"\nmodel = \"test-model\"\napi_key_env = \"MECHPERT_TEST_API_KEY\"\nbackoff_ms = 1\n{agent_extra}\n"
        ),
    );
}

/// `consensus` over agents.toml into out.tsv, with the fake endpoint's API key set.
pub(crate) fn consensus<'d>(dir: &'d Dir, extra: &[&str]) -> crate::util::TestCommand<'d> {
    let mut cmd = crate::consensus::consensus(dir, "agents.toml", "out.tsv");
    cmd.args(extra).env("MECHPERT_TEST_API_KEY", KEY);
    cmd
}

pub(crate) fn cache_files(dir: &Dir) -> usize {
    dir.listing()
        .iter()
        .filter(|p| p.starts_with("cache/") && p.ends_with(".json"))
        .count()
}

pub(crate) fn read(dir: &Dir, name: &str) -> String {
    std::fs::read_to_string(dir.path().join(name)).unwrap()
}

mptest!(request_shape_headers_body_and_schema, |dir| {
    let server = FakeLlm::start(|_, body| Reply::Content(default_reply(body)));
    screen(&dir);
    agents(
        &dir,
        &server.base_url,
        "runs = 2\nseed = 40\ntemperature = 0.3\nmax_tokens = 256",
        "",
    );
    let (stdout, _) = consensus(&dir, &["--cache", "cache"]).both(0);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 12, "6 targets × 2 runs");
    for r in &reqs {
        assert_eq!(
            r.authorization.as_deref(),
            Some(format!("Bearer {KEY}").as_str())
        );
        assert_eq!(r.content_type.as_deref(), Some("application/json"));
        let b = &r.body;
        assert_eq!(b["model"], "test-model");
        assert_eq!(b["temperature"], 0.3);
        assert_eq!(b["max_tokens"], 256);
        assert_eq!(b["messages"][0]["role"], "system");
        assert_eq!(b["messages"][1]["role"], "user");
        assert!(
            b["messages"][1]["content"]
                .as_str()
                .unwrap()
                .contains("K562 cells")
        );
        assert_eq!(b["response_format"]["type"], "json_schema");
        let schema = &b["response_format"]["json_schema"]["schema"];
        assert_eq!(schema["required"], serde_json::json!(["genes"]));
        assert_eq!(
            schema["properties"]["genes"]["items"]["required"],
            serde_json::json!(["gene", "confidence", "rationale"])
        );
        // The target is not among its own candidates; the other five are.
        let target = target_of(b);
        let cands = candidates_of(b);
        assert_eq!(cands.len(), 5);
        assert!(!cands.contains(&target));
    }
    let mut seeds: Vec<u64> = reqs
        .iter()
        .map(|r| r.body["seed"].as_u64().unwrap())
        .collect();
    seeds.sort();
    seeds.dedup();
    assert_eq!(seeds, [40, 41], "run r sends seed + r");
    // Each target: both runs propose the first two candidates (0.9, 0.6): weight = 2·c/2.
    let tsv = read(&dir, "out.tsv");
    let lines: Vec<&str> = tsv.lines().collect();
    assert_eq!(lines[0], "target\tneighbour\tweight\tvotes\tagents");
    assert_eq!(lines[1], "GATA1\tTAL1\t0.9000\t2\tfake#1,fake#2");
    assert_eq!(lines[2], "GATA1\tKLF1\t0.6000\t2\tfake#1,fake#2");
    assert_eq!(lines[3], "TAL1\tGATA1\t0.9000\t2\tfake#1,fake#2");
    assert_eq!(lines.len(), 1 + 12);
    assert!(
        stdout.contains("12 requests (0 retries), 0 cache hits, 0 failures, 180 tokens"),
        "{stdout}"
    );
    assert_eq!(cache_files(&dir), 12);
});

mptest!(api_key_never_written_and_cache_replays, |dir| {
    let server = FakeLlm::start(|_, body| Reply::Content(default_reply(body)));
    screen(&dir);
    agents(&dir, &server.base_url, "runs = 2", "");
    let (out1, err1) = consensus(&dir, &["--cache", "cache", "-vvv"]).both(0);
    assert_eq!(server.hits(), 12);
    let first = read(&dir, "out.tsv");
    // Rerun: every reply from the cache, the same output, no request.
    let (out2, err2) = consensus(&dir, &["--cache", "cache", "-vvv"]).both(0);
    assert_eq!(server.hits(), 12, "no request on rerun");
    assert!(
        out2.contains("0 requests (0 retries), 12 cache hits"),
        "{out2}"
    );
    assert_eq!(read(&dir, "out.tsv"), first);
    // Offline replay needs no key at all.
    let (out3, _) = dir
        .command()
        .args([
            "consensus",
            "--data",
            "screen.csv",
            "--agents",
            "agents.toml",
            "--out",
            "o3.tsv",
        ])
        .args(["--cache", "cache", "--offline"])
        .both(0);
    assert!(out3.contains("12 cache hits"), "{out3}");
    assert_eq!(read(&dir, "o3.tsv"), first);
    for text in [&out1, &err1, &out2, &err2, &out3] {
        assert!(!text.contains(KEY), "key leaked in output");
    }
    assert!(
        err1.contains("DEBUG") || err1.contains("INFO"),
        "verbose logging was on: {err1}"
    );
    for file in dir.listing() {
        let bytes = std::fs::read(dir.path().join(&file)).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(KEY),
            "key written to {file}"
        );
    }
});

mptest!(offline_miss_names_target_and_key, |dir| {
    screen(&dir);
    agents(&dir, "http://127.0.0.1:9/v1", "runs = 1", "");
    let err = consensus(
        &dir,
        &["--cache", "cache", "--offline", "--targets", "t.txt"],
    )
    .assert_failure();
    assert!(err.contains("t.txt: cannot read targets"), "{err}");
    dir.create("t.txt", "# one target\nklf1\n");
    let err = consensus(
        &dir,
        &["--cache", "cache", "--offline", "--targets", "t.txt"],
    )
    .assert_failure();
    assert!(
        err.contains("offline: no cached reply for target KLF1 (agent fake, cache key "),
        "{err}"
    );
    let key = err.split("cache key ").nth(1).unwrap();
    assert_eq!(
        key.chars().take_while(|c| c.is_ascii_hexdigit()).count(),
        64,
        "{err}"
    );
    assert!(!dir.path().join("out.tsv").exists());
});

mptest!(retry_after_429_is_honoured, |dir| {
    let server = FakeLlm::start(|n, body| {
        if n == 0 {
            Reply::Status(429, Some(1), "slow down".into())
        } else {
            Reply::Content(default_reply(body))
        }
    });
    screen(&dir);
    agents(
        &dir,
        &server.base_url,
        "runs = 1",
        "[limits]\nconcurrency = 1\n",
    );
    dir.create("t.txt", "GATA1\n");
    let (out, _) = consensus(&dir, &["--targets", "t.txt"]).both(0);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let gap = reqs[1].at - reqs[0].at;
    assert!(
        gap >= Duration::from_millis(950),
        "waited only {gap:?}; backoff_ms is 1"
    );
    assert!(
        out.contains("2 requests (1 retries), 0 cache hits, 0 failures"),
        "{out}"
    );
});

mptest!(server_errors_retry_then_fail_per_gene, |dir| {
    // Two 500s then success for everyone but MYB, which always gets 503.
    let server = FakeLlm::start(|n, body| {
        if n < 2 || target_of(body) == "MYB" {
            Reply::Status(if n < 2 { 500 } else { 503 }, None, "boom".into())
        } else {
            Reply::Content(default_reply(body))
        }
    });
    screen(&dir);
    agents(
        &dir,
        &server.base_url,
        "runs = 1\nretries = 3",
        "[limits]\nconcurrency = 1\n",
    );
    let (out, err) = consensus(&dir, &["--cache", "cache", "--allow-failures", "0.2"]).both(0);
    assert!(out.contains("1 failures"), "{out}");
    assert!(
        out.contains("failed: MYB (agent fake): http://127.0.0.1:"),
        "{out}"
    );
    assert!(out.contains("HTTP 503 after 4 attempt(s): boom"), "{out}");
    assert!(err.contains("query failed") && err.contains("MYB"), "{err}");
    let tsv = read(&dir, "out.tsv");
    assert!(!tsv.lines().any(|l| l.starts_with("MYB\t")), "{tsv}");
    assert_eq!(tsv.lines().filter(|l| l.starts_with("GATA1\t")).count(), 2);
    assert_eq!(cache_files(&dir), 5, "the failure is not cached");
});

mptest!(timeouts_are_retried_then_reported, |dir| {
    let server = FakeLlm::start(|_, body| {
        let reply = Reply::Content(default_reply(body));
        if target_of(body) == "KLF1" {
            Reply::Delay(Duration::from_secs(3), Box::new(reply))
        } else {
            reply
        }
    });
    screen(&dir);
    agents(
        &dir,
        &server.base_url,
        "runs = 1\ntimeout_s = 0.3\nretries = 1",
        "",
    );
    let (out, _) = consensus(&dir, &["--allow-failures", "0.2"]).both(0);
    assert!(out.contains("failed: KLF1"), "{out}");
    assert!(out.contains("timed out after 0.3 s, 2 attempt(s)"), "{out}");
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| target_of(&r.body) == "KLF1")
            .count(),
        2
    );
});

mptest!(
    truncated_json_fails_prose_json_passes_invented_genes_dropped,
    |dir| {
        let server = FakeLlm::start(|_, body| {
            match target_of(body).as_str() {
        "GATA1" => Reply::Content(r#"{"genes": [{"gene": "TAL1", "confidence": 0.9}, {"gene": "KL"#.into()),
        "TAL1" => Reply::Content(format!(
            "Sure. Based on the literature:\n```json\n{}\n```\nLet me know if you need more.",
            default_reply(body)
        )),
        "KLF1" => Reply::Content(
            r#"{"genes": [{"gene": "MADEUPGENE7", "confidence": 0.99}, {"gene": "TP53", "confidence": 0.8}, {"gene": "gata-1", "confidence": 1.5}, {"gene": "TAL1"}]}"#.into(),
        ),
        _ => Reply::Content(default_reply(body)),
    }
        });
        screen(&dir);
        agents(
            &dir,
            &server.base_url,
            "runs = 1\nstructured_output = \"none\"",
            "",
        );
        let (out, _) = consensus(
            &dir,
            &[
                "--cache",
                "cache",
                "--proposals",
                "p.tsv",
                "--allow-failures",
                "0.2",
            ],
        )
        .both(0);
        assert!(out.contains("failed: GATA1"), "{out}");
        // Every validated proposal with its rationale; KLF1 kept two of its four.
        let p = read(&dir, "p.tsv");
        assert!(
            p.starts_with("target\tagent\tgene\tconfidence\trationale\n"),
            "{p}"
        );
        assert!(p.contains("TAL1\tfake\tGATA1\t0.9000\ttest\n"), "{p}");
        assert_eq!(
            p.lines().filter(|l| l.starts_with("KLF1\t")).count(),
            2,
            "{p}"
        );
        assert!(
            out.contains("no complete JSON object or array in the reply (truncated?)"),
            "{out}"
        );
        assert!(
            out.contains("1 invented genes, 0 placeholders, 0 the target itself, 0 duplicates, 1 outside the pool"),
            "{out}"
        );
        assert!(
            server
                .requests()
                .iter()
                .all(|r| r.body.get("response_format").is_none())
        );
        let tsv = read(&dir, "out.tsv");
        // Prose around fenced JSON: TAL1's first two candidates.
        assert!(tsv.contains("TAL1\tGATA1\t0.9000\t1\tfake\n"), "{tsv}");
        // gata-1 is an alias of GATA1 (confidence clamped to 1); TAL1 without confidence gets 0.5.
        assert!(
            tsv.contains("KLF1\tGATA1\t1.0000\t1\tfake\nKLF1\tTAL1\t0.5000\t1\tfake\n"),
            "{tsv}"
        );
        assert!(
            !tsv.contains("MADEUPGENE7") && !tsv.contains("TP53"),
            "{tsv}"
        );
        assert_eq!(cache_files(&dir), 6, "the truncated reply is cached too");
    }
);

mptest!(budget_cap_stops_with_a_clear_error, |dir| {
    let server = FakeLlm::start(|_, body| Reply::Content(default_reply(body)));
    screen(&dir);
    agents(
        &dir,
        &server.base_url,
        "runs = 1",
        "[limits]\nconcurrency = 1\nmax_requests = 2\n",
    );
    let err = consensus(&dir, &["--cache", "cache"]).assert_failure();
    assert!(
        err.contains(
            "budget exhausted: 2 requests used of max_requests = 2; raise the limit in [limits]"
        ),
        "{err}"
    );
    assert_eq!(server.hits(), 2);
    assert_eq!(cache_files(&dir), 2, "answered requests are kept");
    assert!(!dir.path().join("out.tsv").exists());
    // Token budget: 15 tokens per reply, max 20 → the third request is refused.
    agents(
        &dir,
        &server.base_url,
        "runs = 1\nseed = 9",
        "[limits]\nconcurrency = 1\nmax_tokens = 20\n",
    );
    let err = consensus(&dir, &["--cache", "cache2"]).assert_failure();
    assert!(
        err.contains("budget exhausted: 30 tokens used of max_tokens = 20"),
        "{err}"
    );
});

mptest!(
    killed_run_resumes_without_repeating_answered_requests,
    |dir| {
        let server = FakeLlm::start(|_, body| {
            Reply::Delay(
                Duration::from_millis(250),
                Box::new(Reply::Content(default_reply(body))),
            )
        });
        screen(&dir);
        agents(
            &dir,
            &server.base_url,
            "runs = 2",
            "[limits]\nconcurrency = 1\n",
        );
        let mut child = consensus(&dir, &["--cache", "cache"]).spawn();
        let start = std::time::Instant::now();
        while cache_files(&dir) < 4 {
            assert!(start.elapsed() < Duration::from_secs(30), "no progress");
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let hits_first = server.hits();
        let cached = cache_files(&dir);
        assert!(cached < 12, "killed before the end");
        assert!(!dir.path().join("out.tsv").exists());
        // Every entry on disk is complete JSON (written by rename).
        for f in dir.listing().iter().filter(|f| f.ends_with(".json")) {
            let text = read(&dir, f);
            serde_json::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{f}: {e}"));
        }
        let (out, _) = consensus(&dir, &["--cache", "cache"]).both(0);
        let asked_again = server.hits() - hits_first;
        assert_eq!(
            asked_again,
            12 - cached,
            "only unanswered requests are sent again"
        );
        assert!(out.contains(&format!("{cached} cache hits")), "{out}");
        assert_eq!(cache_files(&dir), 12);
        assert_eq!(read(&dir, "out.tsv").lines().count(), 13);
    }
);

mptest!(missing_key_variable_is_named, |dir| {
    screen(&dir);
    agents(&dir, "http://127.0.0.1:9/v1", "", "");
    let err = dir
        .command()
        .args([
            "consensus",
            "--data",
            "screen.csv",
            "--agents",
            "agents.toml",
            "--out",
            "o.tsv",
        ])
        .assert_failure();
    assert!(
        err.contains(
            "agent `fake`: environment variable MECHPERT_TEST_API_KEY (its api_key_env) is not set"
        ),
        "{err}"
    );
});

mptest!(unreachable_endpoint_is_a_per_gene_failure, |dir| {
    screen(&dir);
    agents(&dir, "http://127.0.0.1:9/v1", "runs = 1\nretries = 0", "");
    // Every target unanswered: exit 1, nothing written, each agent's tally in the message.
    let err = consensus(&dir, &[]).assert_failure();
    assert!(
        err.contains(
            "6 of 6 targets got no answer from any agent (GATA1, TAL1, KLF1, MYB, SPI1, …)"
        ),
        "{err}"
    );
    assert!(
        err.contains("more than --allow-failures 0 allows, so nothing was written"),
        "{err}"
    );
    assert!(
        err.contains("per agent: `fake` answered 0, failed 6 (first: GATA1: "),
        "{err}"
    );
    assert!(
        err.contains("connection failed after 1 attempt(s)"),
        "{err}"
    );
    assert!(!dir.path().join("out.tsv").exists());
    // Allowed: the run goes through, says so per agent and writes the (empty) graph.
    let (out, _) = consensus(&dir, &["--allow-failures", "1"]).both(0);
    assert!(out.contains("6 failures"), "{out}");
    assert!(out.contains("  agent fake: 0 answered, 6 failed"), "{out}");
    assert_eq!(
        read(&dir, "out.tsv"),
        "target\tneighbour\tweight\tvotes\tagents\n"
    );
});

mptest!(similar_question_and_llm_hubs_use_their_prompts, |dir| {
    let server = FakeLlm::start(|_, body| Reply::Content(default_reply(body)));
    screen(&dir);
    agents(&dir, &server.base_url, "runs = 1", "question = \"similar\"");
    let (out, _) = consensus(&dir, &["--hubs", "hubs.tsv"]).both(0);
    assert!(out.contains("question similar"), "{out}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 7, "6 targets and one hubs question");
    let similar = reqs
        .iter()
        .filter(|r| crate::fake_llm::user_message(&r.body).contains("similar to knocking down"))
        .count();
    assert_eq!(similar, 6);
    let hubs: Vec<_> = reqs
        .iter()
        .filter(|r| crate::fake_llm::user_message(&r.body).contains("regulatory hubs"))
        .collect();
    assert_eq!(hubs.len(), 1);
    // The hubs prompt lists the whole pool; the fake proposes its first two genes.
    assert_eq!(candidates_of(&hubs[0].body).len(), 6);
    assert_eq!(
        read(&dir, "hubs.tsv"),
        "rank\tgene\tvotes\tconfidence\tagents\n1\tGATA1\t1\t0.9000\tfake\n2\tTAL1\t1\t0.6000\tfake\n"
    );
});

mptest!(shipped_agent_configs_parse, |dir| {
    // Every example under experiments/agents/ is a valid agents.toml (offline: no key needed).
    screen(&dir);
    let examples = crate::util::repo().join("experiments/agents");
    let mut checked = 0;
    for entry in std::fs::read_dir(&examples).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        if text.contains("trrust:") {
            continue; // needs ../shared/data; run by tests/consensus.rs
        }
        dir.create("t.txt", "GATA1\n");
        let mut cmd = crate::consensus::consensus(&dir, path.to_str().unwrap(), "o.tsv");
        cmd.args(["--cache", "empty-cache", "--offline", "--targets", "t.txt"]);
        if text.contains("\"@simulated\"") {
            // Truth agents of a screen that `mechpert plan` simulates: outside plan, a clear error.
            let err = cmd.assert_failure();
            assert!(
                err.contains("names the truth of a screen that `mechpert plan` simulates"),
                "{err}"
            );
        } else if !text.contains("backend = \"llm\"") {
            // Knowledge only: no request, so offline runs through.
            cmd.stdout();
        } else {
            // Parsing and building succeeded: the run stops only at the first cache miss.
            let err = cmd.assert_failure();
            assert!(
                err.contains("offline: no cached reply for target GATA1"),
                "{}: {err}",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(checked >= 4, "checked {checked} example configs");
});

mptest!(
    client_errors_fail_at_once_and_echoed_keys_are_masked,
    |dir| {
        // 401 echoing the Authorization header (some proxies do); 200 that is not JSON; 200 JSON
        // without choices; everyone else answers.
        let server = FakeLlm::start(|_, body| match target_of(body).as_str() {
            "GATA1" => Reply::Status(401, None, format!("invalid key Bearer {KEY}")),
            "TAL1" => Reply::Status(200, None, "<html>proxy error</html>".into()),
            "KLF1" => Reply::Status(200, None, "{\"object\": \"error\"}".into()),
            _ => Reply::Content(default_reply(body)),
        });
        screen(&dir);
        agents(&dir, &server.base_url, "runs = 1\nretries = 3", "");
        let (out, err) = consensus(&dir, &["--allow-failures", "0.5"]).both(0);
        assert!(out.contains("3 failures"), "{out}");
        assert!(
            out.contains("HTTP 401 after 1 attempt(s): invalid key Bearer ***"),
            "{out}"
        );
        assert!(out.contains("the completion is not JSON"), "{out}");
        assert!(
            out.contains("the completion has no choices[0].message.content"),
            "{out}"
        );
        assert!(!out.contains(KEY) && !err.contains(KEY), "key leaked");
        let gata1 = server
            .requests()
            .iter()
            .filter(|r| target_of(&r.body) == "GATA1")
            .count();
        assert_eq!(gata1, 1, "a 401 is not retried");
    }
);

mptest!(empty_targets_file_is_refused, |dir| {
    screen(&dir);
    agents(&dir, "http://127.0.0.1:9/v1", "", "");
    dir.create("t.txt", "# nothing here\n\n");
    let err = consensus(&dir, &["--targets", "t.txt"]).assert_failure();
    assert!(err.contains("t.txt: no target genes in the file"), "{err}");
});

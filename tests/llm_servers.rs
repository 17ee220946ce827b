//! Real LLM servers (issue 16): structured-output negotiation against the error llama-cpp-python
//! really sends, which errors are retried, answers that are not answers, every reply cached, the
//! logs at -v/-vv/-vvv, and the recorded SmolLM2-135M run under experiments/llm/ replayed offline.

use serde_json::Value;

use crate::agents::{KEY, agents, cache_files, consensus, read};
use crate::fake_llm::{FakeLlm, Reply, default_reply, llama_cpp_python, target_of};
use crate::util::{Dir, pool_screen as screen, repo};

/// Starts a fake server with `responder`, writes the screen and an agents.toml pointing at it.
fn serve(
    dir: &Dir,
    responder: impl Fn(usize, &Value) -> Reply + Send + Sync + 'static,
    agent_extra: &str,
    top: &str,
) -> FakeLlm {
    let server = FakeLlm::start(responder);
    screen(dir);
    agents(dir, &server.base_url, agent_extra, top);
    server
}

fn format_of(body: &Value) -> String {
    match &body["response_format"] {
        Value::Null => "none".into(),
        rf if rf.get("schema").is_some() => format!("{}+schema", rf["type"].as_str().unwrap()),
        rf => rf["type"].as_str().unwrap().to_string(),
    }
}

mptest!(
    auto_falls_back_once_from_json_schema_like_llama_cpp_python,
    |dir| {
        let server = serve(
            &dir,
            |_, body| llama_cpp_python(body),
            "runs = 1",
            "[limits]\nconcurrency = 1\n",
        );
        let (out, err) = consensus(&dir, &["--cache", "cache", "-v"]).both(0);
        let formats: Vec<String> = server
            .requests()
            .iter()
            .map(|r| format_of(&r.body))
            .collect();
        // The first request is refused once; it and the other five go out as json_object + schema.
        assert_eq!(formats[0], "json_schema");
        assert!(
            formats[1..].iter().all(|f| f == "json_object+schema"),
            "{formats:?}"
        );
        assert_eq!(formats.len(), 7);
        assert!(
            out.contains("7 requests (0 retries), 0 cache hits, 0 failures"),
            "{out}"
        );
        assert_eq!(
            err.matches("structured output: the endpoint refused a response format")
                .count(),
            1,
            "logged once: {err}"
        );
        assert!(err.contains("using=json_object with schema"), "{err}");
        assert_eq!(read(&dir, "out.tsv").lines().count(), 13);
        // The cache does not depend on what was negotiated: an offline replay finds every reply.
        let (out, _) = consensus(&dir, &["--cache", "cache", "--offline"]).both(0);
        assert!(
            out.contains("0 requests (0 retries), 6 cache hits"),
            "{out}"
        );

        // Concurrent requests that all meet the refusal step down once, and each is resent.
        let server = FakeLlm::start(|_, body| llama_cpp_python(body));
        agents(
            &dir,
            &server.base_url,
            "runs = 2",
            "[limits]\nconcurrency = 8\n",
        );
        let (out, err) = consensus(&dir, &["-v"]).both(0);
        assert!(out.contains("0 failures"), "{out}");
        assert_eq!(err.matches("refused a response format").count(), 1, "{err}");
        let refused = server
            .requests()
            .iter()
            .filter(|r| format_of(&r.body) == "json_schema")
            .count();
        assert_eq!(server.hits(), 12 + refused);

        // An endpoint that refuses every response_format (400) ends at prompt-only JSON.
        let server = FakeLlm::start(|_, body| {
            if body.get("response_format").is_some() {
                Reply::Status(400, None, "unsupported parameter".into())
            } else {
                Reply::Content(default_reply(body))
            }
        });
        agents(
            &dir,
            &server.base_url,
            "runs = 1",
            "[limits]\nconcurrency = 1\n",
        );
        let (out, _) = consensus(&dir, &[]).both(0);
        let formats: Vec<String> = server
            .requests()
            .iter()
            .map(|r| format_of(&r.body))
            .collect();
        assert_eq!(
            formats[..4],
            ["json_schema", "json_object+schema", "json_object", "none"]
        );
        assert!(formats[4..].iter().all(|f| f == "none"), "{formats:?}");
        assert!(out.contains("9 requests (0 retries)"), "{out}");
    }
);

mptest!(
    an_explicit_format_is_sent_exactly_and_a_refusal_is_final,
    |dir| {
        let server = serve(
            &dir,
            |_, body| llama_cpp_python(body),
            "runs = 1\nstructured_output = \"json-schema\"\nretries = 4",
            "",
        );
        let err = consensus(&dir, &[]).assert_failure();
        // A validation failure is not transient: one attempt per query, not five.
        assert_eq!(server.hits(), 6, "{err}");
        assert!(err.contains("HTTP 500 after 1 attempt(s)"), "{err}");
        assert!(
            err.contains("Input should be 'text' or 'json_object'"),
            "{err}"
        );
        assert!(
            server
                .requests()
                .iter()
                .all(|r| format_of(&r.body) == "json_schema")
        );
        // json-object is sent without a schema, as before.
        let server = FakeLlm::start(|_, body| llama_cpp_python(body));
        agents(
            &dir,
            &server.base_url,
            "runs = 1\nstructured_output = \"json-object\"",
            "",
        );
        consensus(&dir, &[]).both(0);
        assert!(
            server
                .requests()
                .iter()
                .all(|r| format_of(&r.body) == "json_object")
        );
    }
);

mptest!(only_errors_that_can_succeed_are_retried, |dir| {
    // Per target: the first request gets this status and body, later ones an answer.
    fn first(target: &str) -> Option<(u16, &'static str)> {
        match target {
            "GATA1" => Some((408, "request timeout")),
            "TAL1" => Some((502, "bad gateway")),
            "KLF1" => Some((400, "context length exceeded")),
            "MYB" => Some((422, "unprocessable")),
            "SPI1" => Some((500, "1 validation error for ChatRequest")),
            _ => None,
        }
    }
    let seen = std::sync::Mutex::new(std::collections::HashSet::new());
    let server = FakeLlm::start(move |_, body| {
        let t = target_of(body);
        match first(&t) {
            Some((code, text)) if seen.lock().unwrap().insert(t) => {
                Reply::Status(code, None, text.into())
            }
            _ => Reply::Content(default_reply(body)),
        }
    });
    screen(&dir);
    agents(
        &dir,
        &server.base_url,
        "runs = 1\nstructured_output = \"json-object\"\nretries = 3",
        "[limits]\nconcurrency = 1\n",
    );
    let (out, _) = consensus(&dir, &["--allow-failures", "0.5"]).both(0);
    let count = |t: &str| {
        server
            .requests()
            .iter()
            .filter(|r| target_of(&r.body) == t)
            .count()
    };
    assert_eq!(
        (count("GATA1"), count("TAL1")),
        (2, 2),
        "408 and 502 are retried"
    );
    assert_eq!(
        (count("KLF1"), count("MYB"), count("SPI1")),
        (1, 1, 1),
        "400, 422 and a validation 500 are not"
    );
    assert!(out.contains("2 retries"), "{out}");
    assert!(out.contains("3 failures"), "{out}");
    assert!(
        out.contains("HTTP 422 after 1 attempt(s): unprocessable"),
        "{out}"
    );
    // Each failure names the endpoint once.
    let line = out.lines().find(|l| l.contains("failed: KLF1")).unwrap();
    assert_eq!(line.matches(&server.base_url).count(), 1, "{line}");
});

mptest!(
    placeholders_echoes_and_drops_are_counted_and_cached,
    |dir| {
        // SmolLM2-135M's habits: the template word, the target, a repeat; an echo of the prompt.
        const GATA1: &str = r#"{"genes": [{"gene": "SYMBOL", "confidence": 0.9}, {"gene": "GATA1"}, {"gene": "TAL1", "confidence": 0.3}, {"gene": "tal1", "confidence": 0.7}, {"gene": "KLF1"}]}"#;
        let responder = |_: usize, body: &Value| {
            let user = crate::fake_llm::user_message(body);
            Reply::Content(match target_of(body).as_str() {
                "GATA1" => GATA1.to_string(),
                "TAL1" => format!("{user}\n{user}"),
                _ => default_reply(body),
            })
        };
        let none = "runs = 1\nstructured_output = \"none\"";
        let server = serve(&dir, responder, none, "");
        let args = ["--cache", "cache", "--allow-failures", "0.2"];
        let (out, _) = consensus(&dir, &args).both(0);
        assert!(
        out.contains("dropped proposals: 0 invented genes, 1 placeholders, 1 the target itself, 1 duplicates, 0 outside the pool"),
        "{out}"
    );
        assert!(out.contains("failed: TAL1"), "{out}");
        assert!(out.contains("only repeats JSON from the prompt"), "{out}");
        let tsv = read(&dir, "out.tsv");
        assert!(tsv.contains("GATA1\tTAL1\t0.7000\t1\tfake\n"), "{tsv}");
        assert!(!tsv.lines().any(|l| l.starts_with("TAL1\t")), "{tsv}");
        // Every reply is on disk, the echo marked unusable with its reason.
        assert_eq!(cache_files(&dir), 6);
        let entries: Vec<Value> = dir
            .listing()
            .iter()
            .filter(|f| f.starts_with("cache/") && f.ends_with(".json"))
            .map(|f| serde_json::from_str(&read(&dir, f)).unwrap())
            .collect();
        let unusable: Vec<&Value> = entries.iter().filter(|e| e["usable"] == false).collect();
        assert_eq!(unusable.len(), 1);
        assert!(unusable[0]["problem"].as_str().unwrap().contains("echo"));
        // A rerun and an offline replay meet the same replies: no request, the same graph and drops.
        let hits = server.hits();
        let (again, _) = consensus(&dir, &args).both(0);
        let (offline, _) = consensus(&dir, &[&args[..], &["--offline"][..]].concat()).both(0);
        assert_eq!(server.hits(), hits);
        for o in [&again, &offline] {
            assert!(
                o.contains("0 requests (0 retries), 6 cache hits, 1 failures"),
                "{o}"
            );
            assert!(
                o.contains("1 placeholders, 1 the target itself, 1 duplicates"),
                "{o}"
            );
        }
        assert_eq!(read(&dir, "out.tsv"), tsv);
        // --retry-unusable asks again only the unusable one.
        let (out, _) = consensus(&dir, &[&args[..], &["--retry-unusable"][..]].concat()).both(0);
        assert_eq!(server.hits(), hits + 1);
        assert!(
            out.contains("1 requests (0 retries), 5 cache hits"),
            "{out}"
        );
        let err =
            consensus(&dir, &["--cache", "cache", "--offline", "--retry-unusable"]).assert_exit(2);
        assert!(
            err.contains("--retry-unusable") && err.contains("--offline"),
            "{err}"
        );
    }
);

mptest!(requests_and_agents_are_logged_at_each_verbosity, |dir| {
    let server = FakeLlm::start(|_, body| {
        Reply::Content(format!(
            "key {KEY} {}{}",
            default_reply(body),
            "x".repeat(2000)
        ))
    });
    screen(&dir);
    agents(&dir, &server.base_url, "runs = 2", "");
    dir.create("t.txt", "GATA1\n");
    let cmd = |v: &str| {
        consensus(&dir, &["--targets", "t.txt", "--cache", "cache", v])
            .both(0)
            .1
    };
    let v = cmd("-v");
    // -v: one line per agent run, with requests, failures, mean latency and tokens.
    for run in ["fake#1", "fake#2"] {
        let line = v
            .lines()
            .find(|l| l.contains(&format!("agent={run} ")))
            .unwrap_or_else(|| panic!("{v}"));
        for field in [
            "answered=1",
            "failed=0",
            "requests=1",
            "mean_latency_ms=",
            "tokens=15",
        ] {
            assert!(line.contains(field), "{line}");
        }
    }
    assert!(!v.contains("cache="), "no request lines at -v: {v}");
    // -vv (a rerun, from the cache): one line per request, cache hits marked.
    let vv = cmd("-vv");
    let lines: Vec<&str> = vv
        .lines()
        .filter(|l| l.contains(" request ") || l.ends_with(" request"))
        .collect();
    assert_eq!(lines.len(), 2, "{vv}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains("target=GATA1") && l.contains("cache=hit")),
        "{vv}"
    );
    assert!(!vv.contains("raw reply"), "{vv}");
    std::fs::remove_dir_all(dir.path().join("cache")).unwrap();
    let vvv = cmd("-vvv");
    let request = vvv
        .lines()
        .find(|l| l.contains("cache=miss"))
        .unwrap_or_else(|| panic!("{vvv}"));
    for field in [
        "target=GATA1",
        "agent=fake#",
        "run=",
        "status=200",
        "latency_ms=",
        "prompt_tokens=10",
        "completion_tokens=5",
    ] {
        assert!(request.contains(field), "{request}");
    }
    let raw = vvv
        .lines()
        .find(|l| l.contains("raw reply"))
        .unwrap_or_else(|| panic!("{vvv}"));
    assert!(raw.contains("key ***"), "{raw}");
    assert!(raw.chars().count() < 900, "cut: {raw}");
    assert!(!vvv.contains(KEY));
});

mptest!(recorded_smollm2_run_replays_offline, |dir| {
    // experiments/llm/smollm2-renge/: the cache of a real SmolLM2-135M run (make test-llm) on the
    // embedded Renge screen with experiments/agents/llamacpp.toml, and the TSV it gave.
    let recorded = repo().join("experiments/llm/smollm2-renge");
    if !recorded.join("consensus.tsv").is_file() {
        crate::util::skip(
            "recorded_smollm2_run_replays_offline",
            &format!(
                "{} is not recorded yet (RECORD=1 make test-llm)",
                recorded.display()
            ),
        );
        return;
    }
    let mut cmd = dir.command();
    let path = |p: std::path::PathBuf| p.to_str().unwrap().to_string();
    cmd.args([
        "consensus".to_string(),
        "--data".into(),
        path(repo().join("experiments/data/embedded/renge_ipsc.h5ad")),
        "--agents".into(),
        path(repo().join("experiments/agents/llamacpp.toml")),
        "--cache".into(),
        path(recorded.join("cache")),
    ])
    .args(["--out", "out.tsv", "--proposals", "p.tsv", "--offline"]);
    let (out, _) = cmd.both(0);
    assert!(
        out.contains("0 requests (0 retries), 69 cache hits, 0 failures"),
        "{out}"
    );
    assert_eq!(
        read(&dir, "out.tsv"),
        std::fs::read_to_string(recorded.join("consensus.tsv")).unwrap()
    );
    assert_eq!(
        read(&dir, "p.tsv"),
        std::fs::read_to_string(recorded.join("proposals.tsv")).unwrap()
    );
});

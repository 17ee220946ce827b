//! [`LlmAgent`]: an LLM behind an OpenAI-compatible `POST {base_url}/chat/completions`.
//!
//! In flows a [`Query`] in a [`Context`]; the agent renders the prompt templates, looks the
//! request up in the [`Cache`], and otherwise sends it (within the shared [`Limits`], retrying
//! what can succeed when sent again, with exponential backoff and jitter, honouring
//! `Retry-After`); out comes the validated [`Answer`]. Every reply is cached, usable or not.
//!
//! Retries: 408, 429, timeouts, connection errors and 5xx are retried, except a 501 and a 5xx
//! whose body is a request validation failure (it names `response_format`, or is a pydantic
//! "Input should be …" / "validation error"): the same request fails the same way. Other 4xx are
//! final after one attempt.
//!
//! Structured output: `auto` (the default) sends [`Format::LADDER`] in order, starting with
//! `json_schema`. When the endpoint rejects a format (a 4xx other than 401, 403, 404, 408 and
//! 429, or a 5xx whose body names `response_format`, `json_schema` or `json_object`, as
//! llama-cpp-python's "Input should be 'text' or 'json_object'" does), the request is sent again
//! at once with the next format, and the endpoint keeps that format for the rest of the run
//! (logged once, at `-v`). The cache identity of an `auto` request holds `"response_format":
//! "auto"`, not the format negotiated, so a cache replays whichever server filled it. An explicit
//! `json-schema`, `json-object` or `none` is sent exactly, with no fallback.
//!
//! Logging: at `-vv` one line per request (target, agent, run, HTTP status or cache hit,
//! latency, tokens), at `-vvv` the raw reply (masked, cut at [`LOGGED_REPLY_CHARS`]).
//!
//! One configured LLM agent with `runs = 3` becomes three `LlmAgent`s (`name#1`, `name#2`,
//! `name#3`) that vote independently in the consensus. The run index is part of the request
//! identity (so each run has its own cache entry), and run `r` sends `seed = seed + r` where
//! `send_seed` is on (OpenAI, vLLM, Ollama and llama.cpp accept `seed`).
//!
//! Large pools: with [`PoolStrategy::Chunk`] (the default, `chunk_size = 1000`) the pool is
//! listed in the prompt, split into chunks of `chunk_size` genes with one request per chunk
//! (proposals merged, a gene named in two chunks keeps its higher confidence); with
//! [`PoolStrategy::Open`] the question is asked open-ended (`{candidates}` becomes
//! [`OPEN_CANDIDATES`](super::prompt::OPEN_CANDIDATES)) in one request and the answer is
//! intersected with the pool. Chunking costs one request per chunk and keeps answers in the pool;
//! open-ended costs one short request but loses out-of-pool answers.
//!
//! The API key is read from the environment variable named by `api_key_env` when the agent is
//! built; it is sent only in the `Authorization: Bearer` header, masked in error messages, and is
//! never part of the cache identity, cache files, logs or reports.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::{Value, json};

use super::cache::{self, Cache, Entry, Usage};
use super::limits::Limits;
use super::prompt::{self, Prompts, Vars};
use super::validate::{RawProposal, validate};
use super::{Agent, AgentError, AgentFuture, AgentUsage, Answer, Context, Query, Tally, extract};
use crate::data::GeneSymbols;

/// How a large candidate pool goes into prompts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PoolStrategy {
    /// List the pool in the prompt, `chunk_size` genes per request (default).
    #[default]
    Chunk,
    /// Ask open-ended in one request, keep the answers that are in the pool.
    Open,
}

/// How the answer format is requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StructuredOutput {
    /// Negotiate (default): [`Format::LADDER`] from `json_schema` down, stepping down when the
    /// endpoint rejects a format.
    #[default]
    Auto,
    /// Always `response_format: {type: json_schema, json_schema: {name, schema, strict}}`.
    JsonSchema,
    /// Always `response_format: {type: json_object}`.
    JsonObject,
    /// No `response_format`; the JSON is extracted from free text.
    None,
}

/// A `response_format` as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `{type: json_schema, json_schema: {name, schema, strict}}` (OpenAI, vLLM, recent Ollama
    /// and llama.cpp's `llama-server`).
    JsonSchema,
    /// `{type: json_object, schema}`: llama-cpp-python's server constrains the reply to the
    /// schema; servers that take `json_object` alone ignore it or reject it.
    JsonObjectSchema,
    /// `{type: json_object}`: any JSON.
    JsonObject,
    /// No `response_format`: only the prompt asks for JSON.
    Prompt,
}

impl Format {
    /// The formats `auto` tries, in order.
    pub const LADDER: [Format; 4] = [
        Format::JsonSchema,
        Format::JsonObjectSchema,
        Format::JsonObject,
        Format::Prompt,
    ];

    /// A short name for logs.
    pub fn name(self) -> &'static str {
        match self {
            Format::JsonSchema => "json_schema",
            Format::JsonObjectSchema => "json_object with schema",
            Format::JsonObject => "json_object",
            Format::Prompt => "none (JSON asked in the prompt)",
        }
    }

    /// The `response_format` field, if any.
    fn response_format(self) -> Option<Value> {
        match self {
            Format::JsonSchema => Some(json!({
                "type": "json_schema",
                "json_schema": {"name": "genes", "schema": prompt::answer_schema(), "strict": true}
            })),
            Format::JsonObjectSchema => {
                Some(json!({"type": "json_object", "schema": prompt::answer_schema()}))
            }
            Format::JsonObject => Some(json!({"type": "json_object"})),
            Format::Prompt => None,
        }
    }
}

impl StructuredOutput {
    /// The one format an explicit setting sends (`None` for `auto`).
    fn fixed(self) -> Option<Format> {
        match self {
            StructuredOutput::Auto => None,
            StructuredOutput::JsonSchema => Some(Format::JsonSchema),
            StructuredOutput::JsonObject => Some(Format::JsonObject),
            StructuredOutput::None => Some(Format::Prompt),
        }
    }
}

/// How many characters of a raw reply `-vvv` logs.
pub const LOGGED_REPLY_CHARS: usize = 600;

/// Whether an HTTP error can succeed when sent again: 408, 429, and 5xx other than 501 and
/// request validation failures.
fn retryable(status: u16, body: &str) -> bool {
    match status {
        408 | 429 => true,
        501 => false,
        500..=599 => !validation_failure(body),
        _ => false,
    }
}

/// Whether an error body says the request itself is invalid (so it fails again as sent).
fn validation_failure(body: &str) -> bool {
    let b = body.to_ascii_lowercase();
    names_format(&b)
        || ["input should be", "validation error", "literal_error"]
            .iter()
            .any(|w| b.contains(w))
}

/// Whether a lower-cased body names the answer format.
fn names_format(lower: &str) -> bool {
    ["response_format", "json_schema", "json_object"]
        .iter()
        .any(|w| lower.contains(w))
}

/// Whether an error is the endpoint refusing the request's `response_format`.
fn rejects_format(status: u16, body: &str) -> bool {
    match status {
        401 | 403 | 404 | 408 | 429 => false,
        400..=499 => true,
        500..=599 => names_format(&body.to_ascii_lowercase()),
        _ => false,
    }
}

/// A secret string whose `Debug` never shows it.
#[derive(Clone, Default)]
pub struct Secret(Option<String>);

impl Secret {
    /// Wraps a value (`None`: no key).
    pub fn new(value: Option<String>) -> Secret {
        Secret(value.filter(|v| !v.is_empty()))
    }
    fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
    /// Whether there is a secret.
    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }
    /// Replaces the secret in `text` with `***`.
    pub fn mask(&self, text: &str) -> String {
        match self.get() {
            Some(k) => text.replace(k, "***"),
            None => text.to_string(),
        }
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Secret(***)"
        } else {
            "Secret(none)"
        })
    }
}

/// Checked settings of one configured LLM agent, shared by its runs.
#[derive(Debug)]
pub struct LlmSettings {
    /// Base URL without the trailing `/chat/completions` (e.g. `http://localhost:8000/v1`).
    pub base_url: String,
    /// The API key (from the environment).
    pub api_key: Secret,
    /// Model name.
    pub model: String,
    /// Sampling temperature.
    pub temperature: f64,
    /// Completion token limit.
    pub max_tokens: u32,
    /// Base seed; run `r` sends `seed + r`.
    pub seed: u64,
    /// Whether to send `seed`.
    pub send_seed: bool,
    /// Answer format request.
    pub structured: StructuredOutput,
    /// Large-pool strategy.
    pub strategy: PoolStrategy,
    /// Genes per chunk for [`PoolStrategy::Chunk`].
    pub chunk_size: usize,
    /// Prompt templates.
    pub prompts: Prompts,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
    /// First backoff delay (doubles per retry, plus up to 50 % jitter, at most 60 s).
    pub backoff: Duration,
    /// Symbol table for validation.
    pub symbols: Arc<GeneSymbols>,
    /// Reply cache (none: always ask).
    pub cache: Option<Arc<Cache>>,
    /// Fail on cache misses instead of asking.
    pub offline: bool,
    /// Shared concurrency, rate and budget limits.
    pub limits: Arc<Limits>,
}

/// One run of an LLM agent.
#[derive(Debug, Clone)]
pub struct LlmAgent {
    name: String,
    run: u32,
    shared: Arc<Shared>,
    stats: Arc<Stats>,
}

#[derive(Debug)]
struct Shared {
    settings: LlmSettings,
    url: String,
    http: reqwest::Client,
    /// With `auto`: the index in [`Format::LADDER`] this endpoint is at.
    rung: AtomicUsize,
}

/// What one run sent: HTTP requests, their summed latency and tokens.
#[derive(Debug, Default)]
struct Stats {
    requests: AtomicU64,
    latency_us: AtomicU64,
    tokens: AtomicU64,
}

impl LlmAgent {
    /// The `runs` independent runs of one configured agent, named `name#1` … `name#runs`
    /// (just `name` when `runs` is 1).
    pub fn runs(name: &str, settings: LlmSettings, runs: u32) -> Vec<LlmAgent> {
        let base = settings.base_url.trim_end_matches('/').to_string();
        let shared = Arc::new(Shared {
            url: format!("{base}/chat/completions"),
            http: reqwest::Client::new(),
            rung: AtomicUsize::new(0),
            settings: LlmSettings {
                base_url: base,
                ..settings
            },
        });
        (0..runs)
            .map(|run| LlmAgent {
                name: if runs == 1 {
                    name.to_string()
                } else {
                    format!("{name}#{}", run + 1)
                },
                run,
                shared: Arc::clone(&shared),
                stats: Arc::default(),
            })
            .collect()
    }

    /// The request body of one prompt as the cache knows it: what is POSTed (without headers),
    /// except that with `auto` the `response_format` is `"auto"` ([`LlmAgent::wire`] puts the
    /// negotiated one in).
    pub fn body(&self, messages: Value) -> Value {
        let s = &self.shared.settings;
        let mut body = json!({
            "model": s.model,
            "messages": messages,
            "temperature": s.temperature,
            "max_tokens": s.max_tokens,
        });
        if s.send_seed {
            body["seed"] = json!(s.seed.wrapping_add(u64::from(self.run)));
        }
        match s.structured.fixed() {
            Some(format) => {
                if let Some(rf) = format.response_format() {
                    body["response_format"] = rf;
                }
            }
            None => body["response_format"] = json!("auto"),
        }
        body
    }

    /// The format the next request sends: the explicit one, or where `auto` has got to.
    pub fn format(&self) -> Format {
        let s = &self.shared.settings;
        s.structured.fixed().unwrap_or_else(|| {
            Format::LADDER[self
                .shared
                .rung
                .load(Ordering::Relaxed)
                .min(Format::LADDER.len() - 1)]
        })
    }

    /// The body POSTed for `body` ([`LlmAgent::body`]) in `format`.
    pub fn wire(&self, body: &Value, format: Format) -> Value {
        let mut wire = body.clone();
        if let Some(map) = wire.as_object_mut() {
            match format.response_format() {
                Some(rf) => map.insert("response_format".into(), rf),
                None => map.remove("response_format"),
            };
        }
        wire
    }

    /// Under `auto`, steps this endpoint down from `format` after `status` and `text` rejected
    /// it; false when the error is something else, the setting is explicit, or nothing is left.
    fn step_down(&self, format: Format, status: u16, text: &str) -> bool {
        let s = &self.shared.settings;
        if s.structured != StructuredOutput::Auto || !rejects_format(status, text) {
            return false;
        }
        let Some(i) = Format::LADDER.iter().position(|f| *f == format) else {
            return false;
        };
        let Some(next) = Format::LADDER.get(i + 1) else {
            return false;
        };
        // Only the request that moves the rung logs; concurrent ones just resend.
        if self
            .shared
            .rung
            .compare_exchange(i, i + 1, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            let body: String = s.api_key.mask(text).chars().take(200).collect();
            tracing::info!(
                endpoint = %s.base_url,
                status,
                rejected = %format.name(),
                using = %next.name(),
                %body,
                "structured output: the endpoint refused a response format; using the next one for the rest of the run"
            );
        }
        true
    }

    /// The cache identity of a request body: the body plus the run index.
    pub fn identity(&self, body: &Value) -> Value {
        json!({"request": body, "run": self.run})
    }

    /// The chat messages of each request a query needs (one per chunk).
    pub fn messages(&self, query: Query<'_>, ctx: &Context) -> Vec<Value> {
        let s = &self.shared.settings;
        let target = query.target().unwrap_or("");
        let render = |candidates: &str| {
            s.prompts.render(
                query.kind(),
                Vars {
                    target,
                    cell_context: &ctx.cell,
                    candidates,
                    k: ctx.k,
                },
            )
        };
        match s.strategy {
            PoolStrategy::Open => vec![render(prompt::OPEN_CANDIDATES)],
            PoolStrategy::Chunk => {
                let genes: Vec<&str> = ctx
                    .pool
                    .genes()
                    .iter()
                    .map(String::as_str)
                    .filter(|g| *g != target)
                    .collect();
                genes
                    .chunks(s.chunk_size.max(1))
                    .map(|c| render(&c.join(", ")))
                    .collect()
            }
        }
    }

    async fn answer(
        &self,
        query: Query<'_>,
        ctx: &Context,
        tally: &Tally,
    ) -> Result<Answer, AgentError> {
        let mut raw: Vec<RawProposal> = Vec::new();
        for messages in self.messages(query, ctx) {
            let prompt = messages
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| m["content"].as_str())
                .collect::<Vec<_>>()
                .join("\n");
            let body = self.body(messages);
            let identity = self.identity(&body);
            let key = cache::key(&identity);
            raw.extend(
                self.reply(query, &prompt, body, identity, key, tally)
                    .await?,
            );
        }
        Ok(validate(
            raw,
            query.target(),
            &self.shared.settings.symbols,
            &ctx.pool,
        ))
    }

    async fn reply(
        &self,
        query: Query<'_>,
        prompt: &str,
        body: Value,
        identity: Value,
        key: String,
        tally: &Tally,
    ) -> Result<Vec<RawProposal>, AgentError> {
        let s = &self.shared.settings;
        let target = query.target().unwrap_or("hubs");
        if let Some(cache) = &s.cache
            && let Some(entry) = cache.get(&key)?
            && (entry.usable || s.offline || !cache.retries_unusable())
        {
            Tally::bump(&tally.cache_hits, 1);
            tracing::debug!(target = %target, agent = %self.name, run = self.run + 1, cache = %"hit", usable = entry.usable, tokens = entry.usage.total_tokens, "request");
            self.log_reply(target, &entry.reply);
            return extract::proposals(&entry.reply, prompt).map_err(|e| AgentError::Reply {
                endpoint: format!("cache {}", cache.path_of(&key).display()),
                reason: e.to_string(),
            });
        }
        if s.offline {
            return Err(AgentError::OfflineMiss {
                target: target.to_string(),
                agent: self.name.clone(),
                key,
            });
        }
        let (reply, usage) = self.send(target, &body, &key, tally).await?;
        self.log_reply(target, &reply);
        let extracted = extract::proposals(&reply, prompt);
        if let Some(cache) = &s.cache {
            // The write syncs to disk; run it off the async workers so other requests proceed.
            let cache = Arc::clone(cache);
            let entry = Entry {
                key,
                request: identity,
                reply,
                usage,
                usable: extracted.is_ok(),
                problem: extracted.as_ref().err().map(ToString::to_string),
            };
            tokio::task::spawn_blocking(move || cache.put(entry))
                .await
                .expect("cache writes do not panic")?;
        }
        extracted.map_err(|e| AgentError::Reply {
            endpoint: s.base_url.clone(),
            reason: e.to_string(),
        })
    }

    /// The raw reply at `-vvv` (already masked), cut at [`LOGGED_REPLY_CHARS`].
    fn log_reply(&self, target: &str, reply: &str) {
        if tracing::enabled!(tracing::Level::TRACE) {
            let mut shown: String = reply.chars().take(LOGGED_REPLY_CHARS).collect();
            if shown.len() < reply.len() {
                shown.push('…');
            }
            tracing::trace!(target = %target, agent = %self.name, run = self.run + 1, reply = %shown, "raw reply");
        }
    }

    /// The per-request line at `-vv`, and the run's counters.
    fn log_request(
        &self,
        target: &str,
        status: Option<u16>,
        format: Format,
        started: Instant,
        usage: Usage,
    ) {
        let latency = started.elapsed();
        Tally::bump(&self.stats.requests, 1);
        Tally::bump(
            &self.stats.latency_us,
            latency.as_micros().try_into().unwrap_or(u64::MAX),
        );
        Tally::bump(&self.stats.tokens, usage.total_tokens);
        let status = status.map_or_else(|| "none".to_string(), |c| c.to_string());
        tracing::debug!(
            target = %target,
            agent = %self.name,
            run = self.run + 1,
            %status,
            format = %format.name(),
            latency_ms = latency.as_millis() as u64,
            prompt_tokens = usage.prompt_tokens,
            completion_tokens = usage.completion_tokens,
            cache = %"miss",
            "request"
        );
    }

    /// Sends one request with retries (and, under `auto`, format fallbacks); returns the reply
    /// text and token usage.
    async fn send(
        &self,
        target: &str,
        body: &Value,
        key: &str,
        tally: &Tally,
    ) -> Result<(String, Usage), AgentError> {
        let s = &self.shared.settings;
        let endpoint = || s.base_url.clone();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(super::stable_hash(key));
        // Attempts in the current format: a format fallback starts the count again.
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let stopping = || tally.stopping.load(Ordering::Relaxed);
            if stopping() {
                return Err(AgentError::Stopped);
            }
            let permit = s.limits.acquire().await?;
            if stopping() {
                return Err(AgentError::Stopped);
            }
            Tally::bump(&tally.requests, 1);
            let format = self.format();
            let mut request = self
                .shared
                .http
                .post(&self.shared.url)
                .timeout(s.timeout)
                .json(&self.wire(body, format));
            if let Some(k) = s.api_key.get() {
                request = request.bearer_auth(k);
            }
            let started = Instant::now();
            let (error, retry_after) = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let code = status.as_u16();
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| super::retry_after::parse(v, std::time::SystemTime::now()));
                    match response.text().await {
                        Ok(text) if status.is_success() => {
                            drop(permit);
                            let done = self.completion(&text, tally);
                            let usage = done.as_ref().map_or(Usage::default(), |(_, u)| *u);
                            self.log_request(target, Some(code), format, started, usage);
                            return done;
                        }
                        Ok(text) => {
                            self.log_request(target, Some(code), format, started, Usage::default());
                            if self.step_down(format, code, &text) {
                                drop(permit);
                                attempt = 0;
                                continue;
                            }
                            let error = AgentError::Http {
                                endpoint: endpoint(),
                                status: code,
                                attempts: attempt,
                                // Mask first: a cut could split the key and hide it from the mask.
                                body: s.api_key.mask(&text).chars().take(200).collect(),
                            };
                            if !retryable(code, &text) {
                                return Err(error);
                            }
                            (error, retry_after)
                        }
                        Err(e) => {
                            self.log_request(target, Some(code), format, started, Usage::default());
                            (self.transport_error(e, attempt), retry_after)
                        }
                    }
                }
                Err(e) => {
                    self.log_request(target, None, format, started, Usage::default());
                    (self.transport_error(e, attempt), None)
                }
            };
            drop(permit);
            if attempt > s.retries {
                return Err(error);
            }
            let delay = retry_after.unwrap_or_else(|| {
                let base = s.backoff.saturating_mul(1 << (attempt - 1).min(16));
                let base = base.min(Duration::from_secs(60));
                base + base.mul_f64(rng.random_range(0.0..0.5))
            });
            tracing::debug!(agent = %self.name, target = %target, attempt, ?delay, error = %error, "retrying");
            Tally::bump(&tally.retries, 1);
            tokio::time::sleep(delay).await;
        }
    }

    fn transport_error(&self, e: reqwest::Error, attempts: u32) -> AgentError {
        let s = &self.shared.settings;
        if e.is_timeout() {
            AgentError::Timeout {
                endpoint: s.base_url.clone(),
                timeout_s: s.timeout.as_secs_f64(),
                attempts,
            }
        } else {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(inner) = source {
                message.push_str(": ");
                message.push_str(&inner.to_string());
                source = inner.source();
            }
            AgentError::Transport {
                endpoint: s.base_url.clone(),
                attempts,
                message: s.api_key.mask(&message),
            }
        }
    }

    /// Reads `choices[0].message.content` and `usage` from a completion.
    fn completion(&self, text: &str, tally: &Tally) -> Result<(String, Usage), AgentError> {
        let s = &self.shared.settings;
        let bad = |reason: String| AgentError::Reply {
            endpoint: s.base_url.clone(),
            reason,
        };
        let v: Value = serde_json::from_str(text).map_err(|e| {
            bad(format!(
                "the completion is not JSON ({e}): {:?}",
                s.api_key.mask(text).chars().take(120).collect::<String>()
            ))
        })?;
        let usage: Usage = v
            .get("usage")
            .and_then(|u| serde_json::from_value(u.clone()).ok())
            .unwrap_or_default();
        let total = if usage.total_tokens > 0 {
            usage.total_tokens
        } else {
            usage.prompt_tokens.saturating_add(usage.completion_tokens)
        };
        Tally::bump(&tally.tokens, total);
        s.limits.charge_tokens(total);
        let content = v
            .pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("the completion has no choices[0].message.content".into()))?;
        // An endpoint that echoes the key in its reply must not get it into the cache,
        // --proposals or messages: everything downstream sees the masked text.
        Ok((s.api_key.mask(content), usage))
    }
}

impl Agent for LlmAgent {
    fn name(&self) -> &str {
        &self.name
    }
    fn endpoint(&self) -> String {
        self.shared.settings.base_url.clone()
    }
    fn usage(&self) -> Option<AgentUsage> {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Some(AgentUsage {
            requests: g(&self.stats.requests),
            latency: Duration::from_micros(g(&self.stats.latency_us)),
            tokens: g(&self.stats.tokens),
        })
    }
    fn ask<'a>(&'a self, query: Query<'a>, ctx: &'a Context, tally: &'a Tally) -> AgentFuture<'a> {
        Box::pin(self.answer(query, ctx, tally))
    }
}

//! [`LlmAgent`]: an LLM behind an OpenAI-compatible `POST {base_url}/chat/completions`.
//!
//! In flows a [`Query`] in a [`Context`]; the agent renders the prompt templates, looks the
//! request up in the [`Cache`], and otherwise sends it (within the shared [`Limits`], retrying
//! 429, 5xx, timeouts and connection errors with exponential backoff and jitter, honouring
//! `Retry-After`); out comes the validated [`Answer`].
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
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::{Value, json};

use super::cache::{self, Cache, Entry, Usage};
use super::limits::Limits;
use super::prompt::{self, Prompts, Vars};
use super::validate::{RawProposal, validate};
use super::{Agent, AgentError, AgentFuture, Answer, Context, Query, Tally, extract};
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
    /// `response_format: {type: json_schema, json_schema: {name, schema, strict}}` (default).
    #[default]
    JsonSchema,
    /// `response_format: {type: json_object}`.
    JsonObject,
    /// No `response_format`; the JSON is extracted from free text.
    None,
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
}

#[derive(Debug)]
struct Shared {
    settings: LlmSettings,
    url: String,
    http: reqwest::Client,
}

impl LlmAgent {
    /// The `runs` independent runs of one configured agent, named `name#1` … `name#runs`
    /// (just `name` when `runs` is 1).
    pub fn runs(name: &str, settings: LlmSettings, runs: u32) -> Vec<LlmAgent> {
        let base = settings.base_url.trim_end_matches('/').to_string();
        let shared = Arc::new(Shared {
            url: format!("{base}/chat/completions"),
            http: reqwest::Client::new(),
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
            })
            .collect()
    }

    /// The request body of one prompt (what is POSTed, without headers).
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
        match s.structured {
            StructuredOutput::JsonSchema => {
                body["response_format"] = json!({
                    "type": "json_schema",
                    "json_schema": {"name": "genes", "schema": prompt::answer_schema(), "strict": true}
                });
            }
            StructuredOutput::JsonObject => {
                body["response_format"] = json!({"type": "json_object"});
            }
            StructuredOutput::None => {}
        }
        body
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
            let body = self.body(messages);
            let identity = self.identity(&body);
            let key = cache::key(&identity);
            raw.extend(self.reply(query, body, identity, key, tally).await?);
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
        body: Value,
        identity: Value,
        key: String,
        tally: &Tally,
    ) -> Result<Vec<RawProposal>, AgentError> {
        let s = &self.shared.settings;
        if let Some(cache) = &s.cache
            && let Some(entry) = cache.get(&key)?
        {
            Tally::bump(&tally.cache_hits, 1);
            return extract::proposals(&entry.reply).map_err(|e| AgentError::Reply {
                endpoint: format!("cache {}", cache.path_of(&key).display()),
                reason: e.to_string(),
            });
        }
        if s.offline {
            return Err(AgentError::OfflineMiss {
                target: query.target().unwrap_or("hubs").to_string(),
                agent: self.name.clone(),
                key,
            });
        }
        let (reply, usage) = self.send(&body, &key, tally).await?;
        let proposals = extract::proposals(&reply).map_err(|e| AgentError::Reply {
            endpoint: s.base_url.clone(),
            reason: e.to_string(),
        })?;
        if let Some(cache) = &s.cache {
            // The write syncs to disk; run it off the async workers so other requests proceed.
            let cache = Arc::clone(cache);
            let entry = Entry {
                key,
                request: identity,
                reply,
                usage,
            };
            tokio::task::spawn_blocking(move || cache.put(entry))
                .await
                .expect("cache writes do not panic")?;
        }
        Ok(proposals)
    }

    /// Sends one request with retries; returns the reply text and token usage.
    async fn send(
        &self,
        body: &Value,
        key: &str,
        tally: &Tally,
    ) -> Result<(String, Usage), AgentError> {
        let s = &self.shared.settings;
        let endpoint = || s.base_url.clone();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(super::stable_hash(key));
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let stopping = || tally.stopping.load(std::sync::atomic::Ordering::Relaxed);
            if stopping() {
                return Err(AgentError::Stopped);
            }
            let permit = s.limits.acquire().await?;
            if stopping() {
                return Err(AgentError::Stopped);
            }
            Tally::bump(&tally.requests, 1);
            let mut request = self
                .shared
                .http
                .post(&self.shared.url)
                .timeout(s.timeout)
                .json(body);
            if let Some(k) = s.api_key.get() {
                request = request.bearer_auth(k);
            }
            let (error, retry_after) = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| super::retry_after::parse(v, std::time::SystemTime::now()));
                    match response.text().await {
                        Ok(text) if status.is_success() => {
                            drop(permit);
                            return self.completion(&text, tally);
                        }
                        Ok(text) => {
                            let error = AgentError::Http {
                                endpoint: endpoint(),
                                status: status.as_u16(),
                                attempts: attempt,
                                // Mask first: a cut could split the key and hide it from the mask.
                                body: s.api_key.mask(&text).chars().take(200).collect(),
                            };
                            if !(status.as_u16() == 429 || status.is_server_error()) {
                                return Err(error);
                            }
                            (error, retry_after)
                        }
                        Err(e) => (self.transport_error(e, attempt), retry_after),
                    }
                }
                Err(e) => (self.transport_error(e, attempt), None),
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
            tracing::debug!(agent = %self.name, endpoint = %s.base_url, attempt, ?delay, error = %error, "retrying");
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
    fn ask<'a>(&'a self, query: Query<'a>, ctx: &'a Context, tally: &'a Tally) -> AgentFuture<'a> {
        Box::pin(self.answer(query, ctx, tally))
    }
}

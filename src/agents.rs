//! Agents: who proposes the upstream regulators of a gene.
//!
//! In flows a question about a target gene (its upstream regulators, genes whose perturbation
//! acts alike, or the hubs of a cell type) with a [`Context`] (cell line description and the
//! candidate pool, usually a screen's perturbations); out comes an [`Answer`]: proposals of pool
//! genes with a confidence in [0, 1] and a short rationale, plus counts of what was dropped.
//!
//! Backends, one per file:
//! - [`llm::LlmAgent`]: an LLM behind any OpenAI-compatible `/chat/completions` endpoint, with a
//!   content-addressed reply [`cache`], rate and budget [`limits`], retries and robust JSON
//!   [`extract`]ion; every proposed gene is [`validate`]d against the symbol table and the pool.
//! - [`knowledge::KnowledgeAgent`]: a prior-knowledge [`Graph`](crate::priors::Graph): directed
//!   TF resources answer with in-neighbours, undirected similarity graphs with neighbours.
//! - [`text::TextAgent`]: TF-IDF similarity of gene [`summaries`] (NCBI Gene / UniProt texts),
//!   offline: the genes whose descriptions read most alike.
//! - [`embedding::EmbeddingAgent`]: cosine similarity of precomputed gene vectors (GenePT-style
//!   embeddings of the same summaries, or any other), read from a table.
//! - [`truth::NoisyTruthAgent`]: the stand-in for LLM knowledge in simulated studies: it sees the
//!   true network through configurable recall, false positives and confidence calibration.
//!
//! [`config`] reads `agents.toml`; [`fanout::ask_all`] asks every agent about every target
//! concurrently, counting requests, cache hits, failures and tokens in a [`Tally`].

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

pub mod cache;
pub mod config;
pub mod embedding;
pub mod extract;
pub mod fanout;
pub mod knowledge;
pub mod limits;
pub mod llm;
pub mod prompt;
pub mod retry_after;
pub mod summaries;
pub mod text;
pub mod truth;
pub mod validate;

pub use cache::Cache;
pub use fanout::{AgentOutcome, Collected, Failure, ask_all};
pub use knowledge::KnowledgeAgent;
pub use llm::LlmAgent;
pub use text::TextAgent;
pub use truth::NoisyTruthAgent;

/// Confidence given to a proposal whose answer carries no usable confidence.
pub const DEFAULT_CONFIDENCE: f32 = 0.5;

/// What an agent is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query<'a> {
    /// Upstream regulators of the target (the MechPert question: directed regulatory logic).
    Regulators(&'a str),
    /// Genes whose perturbation has a similar effect to the target's (the LangPert question).
    Similar(&'a str),
    /// Genes of the pool that control many targets in this cell type.
    Hubs,
}

impl Query<'_> {
    /// The target gene, or `None` for [`Query::Hubs`].
    pub fn target(&self) -> Option<&str> {
        match self {
            Query::Regulators(t) | Query::Similar(t) => Some(t),
            Query::Hubs => None,
        }
    }

    /// The question's kind.
    pub fn kind(&self) -> QueryKind {
        match self {
            Query::Regulators(_) => QueryKind::Regulators,
            Query::Similar(_) => QueryKind::Similar,
            Query::Hubs => QueryKind::Hubs,
        }
    }
}

/// The kind of a [`Query`], without its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueryKind {
    /// [`Query::Regulators`].
    Regulators,
    /// [`Query::Similar`].
    Similar,
    /// [`Query::Hubs`].
    Hubs,
}

impl QueryKind {
    /// The name used in prompt file names (`regulators`, `similar`, `hubs`).
    pub fn as_str(self) -> &'static str {
        match self {
            QueryKind::Regulators => "regulators",
            QueryKind::Similar => "similar",
            QueryKind::Hubs => "hubs",
        }
    }
}

/// The candidate genes answers must come from (official symbols), in a fixed order.
#[derive(Debug, Clone, Default)]
pub struct Pool {
    genes: Vec<String>,
    index: HashSet<String>,
}

impl Pool {
    /// A pool of distinct genes (later duplicates are ignored), order kept.
    pub fn new(genes: impl IntoIterator<Item = String>) -> Pool {
        let mut pool = Pool::default();
        for g in genes {
            if pool.index.insert(g.clone()) {
                pool.genes.push(g);
            }
        }
        pool
    }
    /// Whether `gene` is a candidate.
    pub fn contains(&self, gene: &str) -> bool {
        self.index.contains(gene)
    }
    /// The candidates in order.
    pub fn genes(&self) -> &[String] {
        &self.genes
    }
    /// Number of candidates.
    pub fn len(&self) -> usize {
        self.genes.len()
    }
    /// Whether there are no candidates.
    pub fn is_empty(&self) -> bool {
        self.genes.is_empty()
    }
}

/// What every question is asked in.
#[derive(Debug, Clone)]
pub struct Context {
    /// Free-text description of the cell line or type (`{cell_context}` in prompts).
    pub cell: String,
    /// Candidate genes answers must come from.
    pub pool: Pool,
    /// How many genes to ask for (`{k}` in prompts); knowledge agents return at most this many.
    pub k: usize,
}

/// One proposed gene.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// Official symbol, a member of the pool.
    pub gene: String,
    /// Confidence in [0, 1].
    pub confidence: f32,
    /// Short reason given by the agent (may be empty).
    pub rationale: String,
}

/// How many proposed genes were dropped, and why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Names the symbol table does not know and the pool does not hold (invented genes).
    pub invented: usize,
    /// Template words copied from the prompt's example instead of a gene (`SYMBOL`, `GENE`, …).
    pub placeholder: usize,
    /// The target itself, proposed as its own regulator or neighbour.
    pub target: usize,
    /// A gene named again in the same answer (the higher confidence is kept).
    pub duplicate: usize,
    /// Known genes outside the candidate pool.
    pub out_of_pool: usize,
}

impl Dropped {
    /// Adds another count.
    pub fn add(&mut self, other: Dropped) {
        self.invented += other.invented;
        self.placeholder += other.placeholder;
        self.target += other.target;
        self.duplicate += other.duplicate;
        self.out_of_pool += other.out_of_pool;
    }
}

/// An agent's answer to one query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// Valid proposals, best first, each gene once.
    pub proposals: Vec<Proposal>,
    /// What was dropped during validation.
    pub dropped: Dropped,
}

impl Answer {
    /// Genes ranked by a similarity to the target (best first), as proposals whose confidence
    /// is the similarity over the best one's; `measure` names the similarity in each rationale.
    pub(crate) fn by_similarity(ranked: Vec<(String, f32)>, measure: &str) -> Answer {
        let top = ranked.first().map_or(1.0, |b| b.1);
        Answer {
            proposals: ranked
                .into_iter()
                .map(|(gene, s)| Proposal {
                    gene,
                    confidence: (s / top).clamp(0.0, 1.0),
                    rationale: format!("{measure} {s:.3}"),
                })
                .collect(),
            dropped: Default::default(),
        }
    }
}

/// Why an agent could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The endpoint kept failing (HTTP status) until retries ran out, or refused outright.
    #[error("{endpoint}: HTTP {status} after {attempts} attempt(s): {body}")]
    Http {
        /// Base URL of the endpoint.
        endpoint: String,
        /// Last HTTP status.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// Start of the response body (the API key, if echoed, is masked).
        body: String,
    },
    /// The endpoint did not answer in time until retries ran out.
    #[error("{endpoint}: timed out after {timeout_s} s, {attempts} attempt(s)")]
    Timeout {
        /// Base URL of the endpoint.
        endpoint: String,
        /// Per-request timeout in seconds.
        timeout_s: f64,
        /// Attempts made.
        attempts: u32,
    },
    /// The connection failed until retries ran out.
    #[error("{endpoint}: connection failed after {attempts} attempt(s): {message}")]
    Transport {
        /// Base URL of the endpoint.
        endpoint: String,
        /// Attempts made.
        attempts: u32,
        /// What failed.
        message: String,
    },
    /// The reply held no usable JSON answer.
    #[error("{endpoint}: unusable reply: {reason}")]
    Reply {
        /// Base URL of the endpoint.
        endpoint: String,
        /// What was wrong.
        reason: String,
    },
    /// `--offline` and the cache does not hold this request.
    #[error(
        "offline: no cached reply for target {target} (agent {agent}, cache key {key}); rerun without --offline to ask the endpoint"
    )]
    OfflineMiss {
        /// Target gene (or `hubs`).
        target: String,
        /// Agent name.
        agent: String,
        /// The missing cache key (sha256, hex).
        key: String,
    },
    /// The configured request or token budget is spent.
    #[error(
        "budget exhausted: {spent} {what} used of max_{what} = {limit}; raise the limit in [limits] or rerun (answered requests are cached)"
    )]
    Budget {
        /// `requests` or `tokens`.
        what: &'static str,
        /// The limit.
        limit: u64,
        /// Amount used.
        spent: u64,
    },
    /// The reply cache could not be read or written.
    #[error("reply cache {}", .path.display())]
    Cache {
        /// File or folder.
        path: std::path::PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// Another query hit a fatal error; this one was not asked.
    #[error("not asked: the run is stopping")]
    Stopped,
}

impl AgentError {
    /// Whether the whole run must stop (offline miss, budget, cache I/O) rather than skip the
    /// one query.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            AgentError::OfflineMiss { .. }
                | AgentError::Budget { .. }
                | AgentError::Cache { .. }
                | AgentError::Stopped
        )
    }
}

/// The future an agent returns.
pub type AgentFuture<'a> = Pin<Box<dyn Future<Output = Result<Answer, AgentError>> + Send + 'a>>;

/// Something that answers questions about genes. Object-safe: configs build `Arc<dyn Agent>`.
pub trait Agent: Send + Sync {
    /// Name used in consensus output (`agents` column) and logs; unique within a run.
    fn name(&self) -> &str;
    /// Where answers come from, for failure logs (a base URL, or `knowledge:NAME`).
    fn endpoint(&self) -> String;
    /// What the agent sent over the network so far (`None`: it sends nothing).
    fn usage(&self) -> Option<AgentUsage> {
        None
    }
    /// Answers one query in a context; `tally` counts requests, cache hits and tokens.
    fn ask<'a>(&'a self, query: Query<'a>, ctx: &'a Context, tally: &'a Tally) -> AgentFuture<'a>;

    /// Upstream regulators of `target`.
    fn regulators<'a>(
        &'a self,
        target: &'a str,
        ctx: &'a Context,
        tally: &'a Tally,
    ) -> AgentFuture<'a> {
        self.ask(Query::Regulators(target), ctx, tally)
    }
    /// Genes whose perturbation acts like `target`'s (the LangPert similarity baseline).
    fn similar<'a>(
        &'a self,
        target: &'a str,
        ctx: &'a Context,
        tally: &'a Tally,
    ) -> AgentFuture<'a> {
        self.ask(Query::Similar(target), ctx, tally)
    }
    /// Genes of `ctx.pool` that control many targets in this cell type.
    fn hubs<'a>(&'a self, ctx: &'a Context, tally: &'a Tally) -> AgentFuture<'a> {
        self.ask(Query::Hubs, ctx, tally)
    }
}

/// What one agent sent over the network: for the per-agent line at `-v`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentUsage {
    /// HTTP requests sent (retries and format fallbacks included).
    pub requests: u64,
    /// Their summed latency.
    pub latency: std::time::Duration,
    /// Tokens the endpoint reported.
    pub tokens: u64,
}

impl AgentUsage {
    /// Mean latency per request (zero without requests).
    pub fn mean_latency(&self) -> std::time::Duration {
        match u32::try_from(self.requests) {
            Ok(0) => std::time::Duration::ZERO,
            Ok(n) => self.latency / n,
            Err(_) => self.latency.div_f64(self.requests as f64),
        }
    }
}

/// Counters shared by all agents of a run (read by progress bars and summaries).
#[derive(Debug, Default)]
pub struct Tally {
    /// HTTP requests sent (retries included).
    pub requests: AtomicU64,
    /// Replies served from the cache.
    pub cache_hits: AtomicU64,
    /// Queries that failed (after retries).
    pub failures: AtomicU64,
    /// Prompt + completion tokens reported by endpoints (`usage.total_tokens`).
    pub tokens: AtomicU64,
    /// Retries after 429, 5xx, timeouts or connection errors.
    pub retries: AtomicU64,
    /// Proposed genes dropped as invented.
    pub invented: AtomicU64,
    /// Proposed genes dropped as placeholders copied from the prompt.
    pub placeholder: AtomicU64,
    /// Proposed genes dropped as the target itself.
    pub target: AtomicU64,
    /// Proposed genes dropped as repeats within an answer.
    pub duplicate: AtomicU64,
    /// Proposed genes dropped as outside the pool.
    pub out_of_pool: AtomicU64,
    /// Set when the run is stopping after a fatal error: LLM agents send no further request.
    pub stopping: std::sync::atomic::AtomicBool,
}

/// A plain copy of a [`Tally`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TallySnapshot {
    /// HTTP requests sent.
    pub requests: u64,
    /// Cache hits.
    pub cache_hits: u64,
    /// Failed queries.
    pub failures: u64,
    /// Tokens used.
    pub tokens: u64,
    /// Retries.
    pub retries: u64,
    /// Invented genes dropped.
    pub invented: u64,
    /// Placeholders dropped.
    pub placeholder: u64,
    /// Proposals of the target itself dropped.
    pub target: u64,
    /// Repeated genes dropped.
    pub duplicate: u64,
    /// Out-of-pool genes dropped.
    pub out_of_pool: u64,
}

impl Tally {
    /// Current values.
    pub fn snapshot(&self) -> TallySnapshot {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        TallySnapshot {
            requests: g(&self.requests),
            cache_hits: g(&self.cache_hits),
            failures: g(&self.failures),
            tokens: g(&self.tokens),
            retries: g(&self.retries),
            invented: g(&self.invented),
            placeholder: g(&self.placeholder),
            target: g(&self.target),
            duplicate: g(&self.duplicate),
            out_of_pool: g(&self.out_of_pool),
        }
    }

    /// Counts the drops of one answer.
    pub(crate) fn add_dropped(&self, d: Dropped) {
        for (counter, n) in [
            (&self.invented, d.invented),
            (&self.placeholder, d.placeholder),
            (&self.target, d.target),
            (&self.duplicate, d.duplicate),
            (&self.out_of_pool, d.out_of_pool),
        ] {
            Self::bump(counter, n as u64);
        }
    }

    /// Adds `n`, saturating: a hostile `usage` field cannot wrap a counter.
    pub(crate) fn bump(counter: &AtomicU64, n: u64) {
        saturating_add(counter, n);
    }
}

impl std::fmt::Display for TallySnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} requests, {} cache hits, {} failures, {} tokens",
            self.requests, self.cache_hits, self.failures, self.tokens
        )
    }
}

/// Adds `n` to `counter`, stopping at `u64::MAX`.
pub(crate) fn saturating_add(counter: &AtomicU64, n: u64) {
    let _ = counter.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
        Some(v.saturating_add(n))
    });
}

/// A small, stable (FNV-1a) hash of a string, for per-gene seeds that do not depend on order.
pub(crate) fn stable_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Pool genes present in `graph` with their out-degree into the pool (degree when undirected),
/// in pool order; the hubs answer of graph-reading agents.
pub(crate) fn pool_out_degrees(graph: &crate::priors::Graph, pool: &Pool) -> Vec<(u32, usize)> {
    pool.genes()
        .iter()
        .filter_map(|gene| graph.node(gene))
        .map(|n| {
            let d = graph
                .out_neighbours(n)
                .filter(|(m, _)| pool.contains(graph.name(*m)))
                .count();
            (n, d)
        })
        .collect()
}

/// Sorts proposals by confidence (highest first, ties by name) and keeps the first `k`.
pub(crate) fn keep_best(proposals: &mut Vec<Proposal>, k: usize) {
    proposals.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then_with(|| a.gene.cmp(&b.gene))
    });
    proposals.truncate(k);
}

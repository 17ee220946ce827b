//! `agents.toml`: in flows the file's text; out come the checked agents (as `Arc<dyn Agent>`),
//! the shared limits, the question and the consensus options.
//!
//! ```toml
//! cell_context = "K562 chronic myelogenous leukaemia cells, CRISPRi knockdown"
//! question = "regulators"      # or "similar" (the LangPert baseline)
//! k = 20                       # genes asked for per question
//!
//! [limits]
//! concurrency = 16             # requests in flight
//! rpm = 500                    # requests per minute (default unlimited)
//! max_requests = 20000         # budget (default unlimited)
//! max_tokens = 20000000
//!
//! [consensus]
//! tau = "majority"             # a vote count (2), a fraction (0.5) or "majority" = ⌈A/2⌉
//! weighting = "sum-over-agents" # or "mean-confidence", "borda"
//!
//! [[agent]]
//! backend = "llm"
//! name = "gpt"
//! base_url = "https://api.openai.com/v1"
//! model = "gpt-4o-mini"
//! api_key_env = "OPENAI_API_KEY"
//!
//! [[agent]]
//! backend = "knowledge"
//! name = "collectri"
//! graph = "collectri"          # a priors spec
//!
//! [[agent]]
//! backend = "text"
//! name = "summaries"
//! summaries = "gene_summaries.json" # TF-IDF similarity of gene summaries
//!
//! [[agent]]
//! backend = "embedding"
//! name = "genept"
//! vectors = "gene_vectors.tsv"  # gene, v1, …, vd: cosine similarity of the vectors
//!
//! [[agent]]
//! backend = "truth"
//! name = "noisy"
//! truth = "truth.tsv"
//! instances = 3
//! ```
//!
//! Unknown keys are errors naming the key and the file. Relative paths are relative to the
//! folder holding `agents.toml`. Defaults of every key are documented on the fields below.

use std::num::{NonZeroU32, NonZeroUsize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::cache::Cache;
use super::embedding::{EmbeddingAgent, VectorsError};
use super::limits::{LimitError, LimitParams, Limits};
use super::llm::{LlmAgent, LlmSettings, PoolStrategy, Secret, StructuredOutput};
use super::prompt::{PromptError, Prompts};
use super::summaries::{Summaries, SummariesError};
use super::text::TextAgent;
use super::truth::{NoisyTruthAgent, TruthParamError, TruthParams, TruthReadError, read_truth};
use super::{Agent, KnowledgeAgent, QueryKind};
use crate::consensus::{Tau, Weighting};
use crate::data::GeneSymbols;
use crate::priors::Graph;

/// What `--agents` (or `agents =` in a plan TOML) names to use the panel compiled into mechpert,
/// [`BUNDLED_PANEL_TOML`]: no file, no network. `./bundled` reads a file of that name.
pub const BUNDLED_PANEL: &str = "bundled";

/// The bundled panel: knowledge agents over CollecTRI, DoRothEA and OmniPath's transcriptional
/// layer (regulators) and GO biological process (associated genes), τ 1: of the panels the
/// embedded resources allow, the one with the best consensus measured (README "Knowledge without
/// an agents file"). Shipped as `experiments/agents/bundled.toml`.
pub const BUNDLED_PANEL_TOML: &str = include_str!("../../experiments/agents/bundled.toml");

/// Whether `path` names the bundled panel rather than a file.
pub fn is_bundled_panel(path: &Path) -> bool {
    path.as_os_str() == BUNDLED_PANEL
}

/// The whole file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentsFile {
    /// Cell line or type description for prompts (default empty).
    #[serde(default)]
    pub cell_context: String,
    /// Which question builds the consensus (default `regulators`).
    #[serde(default = "default_question")]
    pub question: QueryKind,
    /// How many genes each question asks for (default 20).
    #[serde(default = "default_k")]
    pub k: NonZeroUsize,
    /// Shared limits.
    #[serde(default)]
    pub limits: LimitParams,
    /// Consensus options.
    #[serde(default)]
    pub consensus: ConsensusSection,
    /// The agents.
    #[serde(default)]
    pub agent: Vec<AgentSpec>,
    /// The file's text, to name the line of a setting in errors.
    #[serde(skip)]
    text: String,
}

fn default_question() -> QueryKind {
    QueryKind::Regulators
}
fn default_k() -> NonZeroUsize {
    NonZeroUsize::new(20).expect("non-zero")
}

/// `[consensus]`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsensusSection {
    /// Vote threshold (default majority, ⌈A/2⌉).
    #[serde(default)]
    pub tau: Tau,
    /// Edge weighting (default `sum-over-agents`).
    #[serde(default)]
    pub weighting: Weighting,
}

/// One `[[agent]]` table, by `backend`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "backend", rename_all = "kebab-case")]
pub enum AgentSpec {
    /// An OpenAI-compatible LLM.
    Llm(LlmSpec),
    /// A prior-knowledge graph.
    Knowledge(KnowledgeSpec),
    /// The noisy-truth agent of simulations.
    Truth(TruthSpec),
    /// Similarity of gene summaries (TF-IDF).
    Text(TextSpec),
    /// Cosine similarity of precomputed gene vectors.
    Embedding(EmbeddingSpec),
}

/// `backend = "llm"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmSpec {
    /// Agent name (runs become `name#1`, `name#2`, …).
    pub name: String,
    /// Base URL, e.g. `http://localhost:8000/v1` (`/chat/completions` is appended).
    pub base_url: String,
    /// Model name sent as `model`.
    pub model: String,
    /// Environment variable holding the API key (none: no `Authorization` header).
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Independent runs (default 3).
    #[serde(default = "default_runs")]
    pub runs: NonZeroU32,
    /// Temperature (default 0.7).
    #[serde(default = "default_temperature")]
    pub temperature: f64,
    /// Completion token limit (default 1024).
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// Base seed; run r sends seed + r (default 0).
    #[serde(default)]
    pub seed: u64,
    /// Whether to send `seed` (default true).
    #[serde(default = "yes")]
    pub send_seed: bool,
    /// `auto` (default: json-schema, falling back when the endpoint refuses it), `json-schema`,
    /// `json-object` or `none`.
    #[serde(default)]
    pub structured_output: StructuredOutput,
    /// `chunk` (default) or `open`.
    #[serde(default)]
    pub pool_strategy: PoolStrategy,
    /// Genes per prompt with `chunk` (default 1000).
    #[serde(default = "default_chunk")]
    pub chunk_size: NonZeroUsize,
    /// Folder of prompt templates (default: the shipped `experiments/prompts/`).
    #[serde(default)]
    pub prompts: Option<PathBuf>,
    /// Per-request timeout in seconds (default 120).
    #[serde(default = "default_timeout")]
    pub timeout_s: f64,
    /// Retries after a 408, 429, retryable 5xx, timeout or connection error (default 4).
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// First backoff delay in milliseconds, doubled per retry (default 1000).
    #[serde(default = "default_backoff")]
    pub backoff_ms: u64,
    /// Send the API key over plain `http://` to a host that is not loopback (default false:
    /// such a `base_url` with `api_key_env` is refused, since anyone on the path reads the key).
    #[serde(default)]
    pub allow_insecure_http: bool,
}

fn default_runs() -> NonZeroU32 {
    NonZeroU32::new(3).expect("non-zero")
}
fn default_temperature() -> f64 {
    0.7
}
fn default_max_tokens() -> u32 {
    1024
}
fn yes() -> bool {
    true
}
fn default_chunk() -> NonZeroUsize {
    NonZeroUsize::new(1000).expect("non-zero")
}
fn default_timeout() -> f64 {
    120.0
}
fn default_retries() -> u32 {
    4
}
fn default_backoff() -> u64 {
    1000
}

/// `backend = "knowledge"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeSpec {
    /// Agent name.
    pub name: String,
    /// Graph spec handed to the priors resolver (e.g. `collectri`, `trrust:PATH`, `edges:PATH`).
    pub graph: String,
}

/// `backend = "text"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextSpec {
    /// Agent name.
    pub name: String,
    /// Gene summaries: a JSON object (symbol → text), a JSON list of `gene`/`summary` records,
    /// or a TSV/CSV table with columns `gene` and `summary`; gzip or not.
    pub summaries: PathBuf,
}

/// `backend = "embedding"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbeddingSpec {
    /// Agent name.
    pub name: String,
    /// Gene vectors: CSV or TSV with a header, one row `gene, v1, …, vd` per gene; gzip or not.
    pub vectors: PathBuf,
}

/// `backend = "truth"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TruthSpec {
    /// Agent name (instances become `name#1`, …).
    pub name: String,
    /// The simulator's truth TSV (`regulator, target, weight`).
    pub truth: PathBuf,
    /// Independent instances (default 1); instance i uses seed + i.
    #[serde(default = "one")]
    pub instances: NonZeroU32,
    /// Recall (default 0.7).
    #[serde(default = "default_recall")]
    pub recall: f64,
    /// False-positive probability per non-regulator pool gene (default 0.005).
    #[serde(default = "default_fpr")]
    pub fpr: f64,
    /// Beta(a, b) of true-edge confidence (default [4, 2]).
    #[serde(default = "default_beta")]
    pub beta: [f64; 2],
    /// Base seed (default 0).
    #[serde(default)]
    pub seed: u64,
}

fn one() -> NonZeroU32 {
    NonZeroU32::new(1).expect("non-zero")
}
fn default_recall() -> f64 {
    0.7
}
fn default_fpr() -> f64 {
    0.005
}
fn default_beta() -> [f64; 2] {
    [4.0, 2.0]
}

/// A problem with `agents.toml` or what it points to.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error(
        "{}: cannot read ({error}): expected a TOML file of [[agent]] tables",
        .path.display()
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// What failed (shown in the message: callers pass it on as text).
        error: std::io::Error,
    },
    /// The TOML is malformed, has an unknown key or a bad value.
    #[error("{}{at}: {message}", .path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// `:LINE:COLUMN` of the offending key or value; empty when unknown.
        at: String,
        /// The parser's message (line, column, key).
        message: String,
    },
    /// The file lists no agents.
    #[error("{}: no [[agent]] tables; list at least one agent", .path.display())]
    NoAgents {
        /// The file.
        path: PathBuf,
    },
    /// Two agents share a name.
    #[error("{}: two agents are named `{name}`; names must be unique", .path.display())]
    DuplicateName {
        /// The file.
        path: PathBuf,
        /// The name.
        name: String,
    },
    /// The API key variable is not set.
    #[error("agent `{agent}`: environment variable {var} (its api_key_env) is not set")]
    MissingKey {
        /// The agent.
        agent: String,
        /// The variable name.
        var: String,
    },
    /// A numeric agent setting is out of range.
    #[error("agent `{agent}`: invalid {field} = {value}{at}: expected {expected}")]
    Setting {
        /// The agent.
        agent: String,
        /// The key.
        field: &'static str,
        /// Its value, as written.
        value: String,
        /// ` (line N)` where the file sets it; empty when not found.
        at: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// The key would cross the network in the clear.
    #[error(
        "agent `{agent}`{at}: base_url {url} is plain http:// to a host that is not loopback, and the API key would be sent in the clear: expected https://, a loopback host, or allow_insecure_http = true"
    )]
    InsecureHttp {
        /// The agent.
        agent: String,
        /// The base URL.
        url: String,
        /// ` (line N)` of `base_url`.
        at: String,
    },
    /// Prompt templates could not be loaded.
    #[error("agent `{agent}`")]
    Prompt {
        /// The agent.
        agent: String,
        /// What failed.
        #[source]
        source: PromptError,
    },
    /// The graph spec could not be loaded.
    #[error("agent `{agent}`: graph `{spec}`")]
    Graph {
        /// The agent.
        agent: String,
        /// The spec.
        spec: String,
        /// What failed.
        #[source]
        source: anyhow::Error,
    },
    /// `truth = "@simulated"` outside a run that simulates its screen.
    #[error(
        "agent `{agent}`: truth = \"@simulated\" names the truth of a screen that `mechpert plan` simulates (a [[screen]] with `simulate = ...`); this run has none: give the truth TSV's path instead"
    )]
    NoSimulatedTruth {
        /// The agent.
        agent: String,
    },
    /// The truth TSV could not be read.
    #[error("agent `{agent}`")]
    Truth {
        /// The agent.
        agent: String,
        /// What failed.
        #[source]
        source: TruthReadError,
    },
    /// The summaries file could not be read.
    #[error("agent `{agent}`")]
    Summaries {
        /// The agent.
        agent: String,
        /// What failed.
        #[source]
        source: SummariesError,
    },
    /// The vectors file could not be read.
    #[error("agent `{agent}`")]
    Vectors {
        /// The agent.
        agent: String,
        /// What failed.
        #[source]
        source: VectorsError,
    },
    /// A noise setting is out of range.
    #[error("agent `{agent}`")]
    TruthParam {
        /// The agent.
        agent: String,
        /// What failed.
        #[source]
        source: TruthParamError,
    },
    /// A limit is out of range.
    #[error("{}{at}", .path.display())]
    Limits {
        /// The file.
        path: PathBuf,
        /// `:N`, the line of the key; empty when not found.
        at: String,
        /// What failed.
        #[source]
        source: LimitError,
    },
}

/// Everything a run needs besides the file: the environment and the resources agents share.
pub struct BuildEnv<'a> {
    /// Reads an environment variable (tests pass a map).
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// Loads a knowledge graph from its spec.
    pub graphs: &'a dyn Fn(&str) -> anyhow::Result<Graph>,
    /// Symbol table for validation and truth files.
    pub symbols: Arc<GeneSymbols>,
    /// Reply cache.
    pub cache: Option<Arc<Cache>>,
    /// Fail on cache misses.
    pub offline: bool,
    /// The truth TSV of the screen the run simulated, which `truth = "@simulated"` names.
    pub simulated_truth: Option<PathBuf>,
}

/// What a truth agent's `truth = "…"` names instead of a path: the run's simulated truth.
pub const SIMULATED_TRUTH: &str = "@simulated";

/// Checked contents of `agents.toml`.
pub struct Built {
    /// The agents, runs and instances expanded.
    pub agents: Vec<Arc<dyn Agent>>,
    /// The raw file (question, k, cell context, consensus options).
    pub file: AgentsFile,
    /// The shared limits.
    pub limits: Arc<Limits>,
}

impl AgentsFile {
    /// Parses TOML text (`path` names the file in errors).
    pub fn parse(text: &str, path: &Path) -> Result<AgentsFile, ConfigError> {
        let mut file: AgentsFile = toml::from_str(text).map_err(|e| {
            let (at, message) = locate(text, &e);
            ConfigError::Parse {
                path: path.to_path_buf(),
                at,
                message,
            }
        })?;
        file.text = text.to_string();
        if file.agent.is_empty() {
            return Err(ConfigError::NoAgents {
                path: path.to_path_buf(),
            });
        }
        let mut names = std::collections::HashSet::new();
        for a in &file.agent {
            let name = spec_name(a);
            if !names.insert(name) {
                return Err(ConfigError::DuplicateName {
                    path: path.to_path_buf(),
                    name: name.to_string(),
                });
            }
        }
        Ok(file)
    }

    /// Reads and parses a file; the name [`BUNDLED_PANEL`] is the panel compiled into mechpert.
    pub fn read(path: &Path) -> Result<AgentsFile, ConfigError> {
        if is_bundled_panel(path) {
            return Self::parse(BUNDLED_PANEL_TOML, path);
        }
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Self::parse(&text, path)
    }

    /// Builds the agents. `path` is the file (relative paths start from its folder).
    pub fn build(self, path: &Path, env: &BuildEnv<'_>) -> Result<Built, ConfigError> {
        let base = path.parent().unwrap_or(Path::new("."));
        let limits = Arc::new(self.limits.check().map_err(|source| {
            ConfigError::Limits {
                path: path.to_path_buf(),
                at: line_of(&self.text, "[limits]", 0, source.key)
                    .map_or(String::new(), |n| format!(":{n}")),
                source,
            }
        })?);
        let mut agents: Vec<Arc<dyn Agent>> = Vec::new();
        for (index, spec) in self.agent.iter().enumerate() {
            let at = |key: &str| {
                line_of(&self.text, "[[agent]]", index, key)
                    .map_or(String::new(), |n| format!(" (line {n})"))
            };
            let counted = |field, value: u32, max: u32, expected| {
                if value > max {
                    return Err(ConfigError::Setting {
                        agent: spec_name(spec).to_string(),
                        field,
                        value: value.to_string(),
                        at: at(field),
                        expected,
                    });
                }
                Ok(())
            };
            match spec {
                AgentSpec::Llm(s) => {
                    counted("runs", s.runs.get(), MAX_RUNS, "1 to 100 runs")?;
                    let settings = llm_settings(s, base, env, &limits, &at)?;
                    for a in LlmAgent::runs(&s.name, settings, s.runs.get()) {
                        agents.push(Arc::new(a));
                    }
                }
                AgentSpec::Knowledge(s) => {
                    let graph = (env.graphs)(&s.graph).map_err(|source| ConfigError::Graph {
                        agent: s.name.clone(),
                        spec: s.graph.clone(),
                        source,
                    })?;
                    agents.push(Arc::new(KnowledgeAgent::new(
                        &s.name,
                        &s.graph,
                        Arc::new(graph),
                    )));
                }
                AgentSpec::Text(s) => {
                    let path = base.join(&s.summaries);
                    let summaries = Summaries::read(&path, &env.symbols).map_err(|source| {
                        ConfigError::Summaries {
                            agent: s.name.clone(),
                            source,
                        }
                    })?;
                    agents.push(Arc::new(TextAgent::new(&s.name, &path, &summaries)));
                }
                AgentSpec::Embedding(s) => {
                    let agent = EmbeddingAgent::read(&s.name, &base.join(&s.vectors), &env.symbols)
                        .map_err(|source| ConfigError::Vectors {
                            agent: s.name.clone(),
                            source,
                        })?;
                    agents.push(Arc::new(agent));
                }
                AgentSpec::Truth(s) => {
                    counted(
                        "instances",
                        s.instances.get(),
                        MAX_RUNS,
                        "1 to 100 instances",
                    )?;
                    let path = if s.truth.as_os_str() == SIMULATED_TRUTH {
                        env.simulated_truth.clone().ok_or_else(|| {
                            ConfigError::NoSimulatedTruth {
                                agent: s.name.clone(),
                            }
                        })?
                    } else {
                        base.join(&s.truth)
                    };
                    let truth =
                        read_truth(&path, &env.symbols).map_err(|source| ConfigError::Truth {
                            agent: s.name.clone(),
                            source,
                        })?;
                    let truth = Arc::new(truth);
                    let n = s.instances.get();
                    for i in 0..n {
                        let params = TruthParams {
                            recall: s.recall,
                            fpr: s.fpr,
                            beta: s.beta,
                            seed: s.seed.wrapping_add(u64::from(i)),
                        }
                        .check()
                        .map_err(|source| ConfigError::TruthParam {
                            agent: s.name.clone(),
                            source,
                        })?;
                        let name = if n == 1 {
                            s.name.clone()
                        } else {
                            format!("{}#{}", s.name, i + 1)
                        };
                        agents.push(Arc::new(NoisyTruthAgent::new(
                            &name,
                            Arc::clone(&truth),
                            params,
                        )));
                    }
                }
            }
        }
        Ok(Built {
            agents,
            file: self,
            limits,
        })
    }
}

/// `(":LINE:COLUMN", message)` of a parse error. An error inside an `[[agent]]` table comes
/// back from the tagged `AgentSpec` pointing at the first table's header (serde buffers tagged
/// enums and loses positions), so each table is parsed again on its own as its backend's
/// struct, with its lines kept in place, to find the key or value at fault.
fn locate(text: &str, e: &toml::de::Error) -> (String, String) {
    // `:LINE:COLUMN`, and `: key `K`` when the line sets a key.
    let position = |text: &str, offset: usize| {
        let offset = offset.min(text.len());
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count() + 1;
        let column = before.len() - line_start + 1;
        let rest = &text[line_start..];
        let key = rest
            .lines()
            .next()
            .and_then(|l| l.split_once('='))
            .map(|(k, _)| k.trim())
            .filter(|k| !k.is_empty() && !k.starts_with('['))
            .map_or(String::new(), |k| format!(": key `{k}`"));
        format!(":{line}:{column}{key}")
    };
    let whole = (
        e.span().map_or(String::new(), |s| position(text, s.start)),
        e.message().trim_end().to_string(),
    );
    let starts: Vec<usize> = text
        .match_indices("[[agent]]")
        .map(|(i, _)| i)
        .filter(|&i| i == 0 || text[..i].ends_with('\n'))
        .collect();
    for (n, &start) in starts.iter().enumerate() {
        // The table runs to the next header of any kind.
        let body_start = start + "[[agent]]".len();
        let end = text[body_start..]
            .match_indices("\n[")
            .next()
            .map_or(text.len(), |(i, _)| body_start + i + 1);
        let end = starts.get(n + 1).copied().unwrap_or(end).min(end);
        // Blank everything outside the table, and its header and `backend` line, keeping
        // byte offsets, so positions in the copy are positions in the file.
        let mut copy: Vec<u8> = text
            .bytes()
            .map(|b| if b == b'\n' { b'\n' } else { b' ' })
            .collect();
        copy[body_start..end].copy_from_slice(&text.as_bytes()[body_start..end]);
        let mut copy = String::from_utf8(copy).unwrap_or_default();
        let Ok(table) = toml::from_str::<toml::Table>(&copy[body_start..end]) else {
            continue;
        };
        let backend = table
            .get("backend")
            .and_then(toml::Value::as_str)
            .unwrap_or("");
        if let Some((i, line)) = copy[body_start..end]
            .match_indices("backend")
            .next()
            .and_then(|(i, _)| copy[body_start + i..].lines().next().map(|l| (i, l.len())))
        {
            copy.replace_range(body_start + i..body_start + i + line, &" ".repeat(line));
        }
        let err = match backend {
            "llm" => toml::from_str::<LlmSpec>(&copy).err(),
            "knowledge" => toml::from_str::<KnowledgeSpec>(&copy).err(),
            "truth" => toml::from_str::<TruthSpec>(&copy).err(),
            "text" => toml::from_str::<TextSpec>(&copy).err(),
            "embedding" => toml::from_str::<EmbeddingSpec>(&copy).err(),
            _ => None,
        };
        if let Some(err) = err {
            return (
                err.span()
                    .map_or(String::new(), |s| position(&copy, s.start)),
                err.message().trim_end().to_string(),
            );
        }
    }
    whole
}

/// Most runs of an LLM agent, or instances of a truth agent.
const MAX_RUNS: u32 = 100;

fn spec_name(spec: &AgentSpec) -> &str {
    match spec {
        AgentSpec::Llm(s) => &s.name,
        AgentSpec::Knowledge(s) => &s.name,
        AgentSpec::Truth(s) => &s.name,
        AgentSpec::Text(s) => &s.name,
        AgentSpec::Embedding(s) => &s.name,
    }
}

/// The 1-based line where `key` is set in the `index`-th table with header `table`
/// (`[limits]`, `[[agent]]`); `None` when the key is not written there (a default).
fn line_of(text: &str, table: &str, index: usize, key: &str) -> Option<usize> {
    let mut seen = 0;
    let mut inside = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line.starts_with(table) && {
                seen += 1;
                seen == index + 1
            };
        } else if inside
            && let Some(rest) = line.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return Some(n + 1);
        }
    }
    None
}

/// Whether `url` is `http://` to a host other than loopback (`localhost`, 127.0.0.0/8, ::1).
fn insecure_http(url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(url) else {
        return false;
    };
    let host = url.host_str().unwrap_or("");
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    url.scheme() == "http" && !loopback
}

/// A number as the user would have written it (`3`, `0.5`, `1e300`).
fn shown(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:?}")
    }
}

fn llm_settings(
    s: &LlmSpec,
    base: &Path,
    env: &BuildEnv<'_>,
    limits: &Arc<Limits>,
    at: &dyn Fn(&str) -> String,
) -> Result<LlmSettings, ConfigError> {
    let check = |field, value: f64, range: std::ops::RangeInclusive<f64>, expected| {
        if value.is_finite() && range.contains(&value) {
            return Ok(());
        }
        Err(ConfigError::Setting {
            agent: s.name.clone(),
            field,
            value: shown(value),
            at: at(field),
            expected,
        })
    };
    check(
        "temperature",
        s.temperature,
        0.0..=2.0,
        "a number in [0, 2]",
    )?;
    check(
        "timeout_s",
        s.timeout_s,
        0.001..=86_400.0,
        "seconds from 0.001 to 86400",
    )?;
    check(
        "max_tokens",
        f64::from(s.max_tokens),
        1.0..=10_000_000.0,
        "a token count from 1 to 10000000",
    )?;
    check(
        "retries",
        f64::from(s.retries),
        0.0..=100.0,
        "0 to 100 retries",
    )?;
    check(
        "backoff_ms",
        s.backoff_ms as f64,
        0.0..=600_000.0,
        "milliseconds from 0 to 600000",
    )?;
    let api_key = match &s.api_key_env {
        Some(var) => match (env.env)(var) {
            Some(k) if !k.is_empty() => Secret::new(Some(k)),
            // Replaying from the cache needs no key.
            _ if env.offline => Secret::new(None),
            _ => {
                return Err(ConfigError::MissingKey {
                    agent: s.name.clone(),
                    var: var.clone(),
                });
            }
        },
        None => Secret::new(None),
    };
    if api_key.is_set() && !s.allow_insecure_http && insecure_http(&s.base_url) {
        return Err(ConfigError::InsecureHttp {
            agent: s.name.clone(),
            url: s.base_url.clone(),
            at: at("base_url"),
        });
    }
    let prompts = match &s.prompts {
        Some(dir) => Prompts::from_dir(&base.join(dir)).map_err(|source| ConfigError::Prompt {
            agent: s.name.clone(),
            source,
        })?,
        None => Prompts::embedded(),
    };
    Ok(LlmSettings {
        base_url: s.base_url.clone(),
        api_key,
        model: s.model.clone(),
        temperature: s.temperature,
        max_tokens: s.max_tokens,
        seed: s.seed,
        send_seed: s.send_seed,
        structured: s.structured_output,
        strategy: s.pool_strategy,
        chunk_size: s.chunk_size.get(),
        prompts,
        timeout: Duration::from_secs_f64(s.timeout_s),
        retries: s.retries,
        backoff: Duration::from_millis(s.backoff_ms),
        symbols: Arc::clone(&env.symbols),
        cache: env.cache.clone(),
        offline: env.offline,
        limits: Arc::clone(limits),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<AgentsFile, ConfigError> {
        AgentsFile::parse(text, Path::new("agents.toml"))
    }

    fn env<'a>(
        vars: &'a dyn Fn(&str) -> Option<String>,
        graphs: &'a dyn Fn(&str) -> anyhow::Result<Graph>,
    ) -> BuildEnv<'a> {
        BuildEnv {
            env: vars,
            graphs,
            symbols: Arc::new(GeneSymbols::identity()),
            cache: None,
            offline: false,
            simulated_truth: None,
        }
    }

    const LLM: &str = "[[agent]]\nbackend = \"llm\"\nname = \"g\"\nbase_url = \"http://localhost:9/v1\"\nmodel = \"m\"\napi_key_env = \"MY_KEY\"\n";

    #[test]
    fn unknown_keys_name_the_key_and_file() {
        let err = parse(&format!("{LLM}tmperature = 1\n")).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("agents.toml:7:1: key `tmperature`: "),
            "{msg}"
        );
        assert!(msg.contains("unknown field `tmperature`"), "{msg}");
        let err = parse(&format!("colour = 1\n{LLM}"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `colour`"), "{err}");
        let err = parse("[[agent]]\nbackend = \"psychic\"\nname = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown variant `psychic`"), "{err}");
        let err = parse("[limits]\nburst = 3\n[[agent]]\nbackend = \"knowledge\"\nname = \"k\"\ngraph = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `burst`"), "{err}");
    }

    #[test]
    fn defaults_runs_and_names() {
        let f = parse(LLM).unwrap();
        assert_eq!(f.k.get(), 20);
        assert_eq!(f.question, QueryKind::Regulators);
        let AgentSpec::Llm(s) = &f.agent[0] else {
            panic!()
        };
        assert_eq!(s.runs.get(), 3);
        assert_eq!(s.pool_strategy, PoolStrategy::Chunk);
        let vars = |v: &str| (v == "MY_KEY").then(|| "sk-test".to_string());
        let graphs = |_: &str| -> anyhow::Result<Graph> { unreachable!() };
        let built = f
            .build(Path::new("agents.toml"), &env(&vars, &graphs))
            .unwrap();
        let names: Vec<&str> = built.agents.iter().map(|a| a.name()).collect();
        assert_eq!(names, ["g#1", "g#2", "g#3"]);
        assert!(!format!("{:?}", built.agents.len()).contains("sk-test"));
    }

    #[test]
    fn build_errors_name_agent_and_setting() {
        let no_vars = |_: &str| None;
        let graphs = |spec: &str| -> anyhow::Result<Graph> { anyhow::bail!("no resource {spec}") };
        let e = env(&no_vars, &graphs);
        let err = parse(LLM)
            .unwrap()
            .build(Path::new("a.toml"), &e)
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "agent `g`: environment variable MY_KEY (its api_key_env) is not set"
        );
        let err = parse(&format!("{LLM}temperature = 3.5\n"))
            .unwrap()
            .build(Path::new("a.toml"), &e)
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("invalid temperature = 3.5"),
            "{err}"
        );
        let err = parse("[[agent]]\nbackend = \"knowledge\"\nname = \"k\"\ngraph = \"nope\"\n")
            .unwrap()
            .build(Path::new("a.toml"), &e)
            .err()
            .unwrap();
        assert_eq!(format!("{err:#}"), "agent `k`: graph `nope`");
        assert_eq!(
            std::error::Error::source(&err).unwrap().to_string(),
            "no resource nope"
        );
        let err = parse("[[agent]]\nbackend = \"truth\"\nname = \"t\"\ntruth = \"none.tsv\"\n")
            .unwrap()
            .build(Path::new("dir/a.toml"), &e)
            .err()
            .unwrap();
        let chain = anyhow::Error::from(err)
            .chain()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join(": ");
        assert!(
            chain.contains("dir/none.tsv: cannot read truth network"),
            "{chain}"
        );
        let err = parse(
            "[limits]\nrpm = -1\n[[agent]]\nbackend = \"knowledge\"\nname = \"k\"\ngraph = \"x\"\n",
        )
        .unwrap()
        .build(Path::new("a.toml"), &e)
        .err()
        .unwrap();
        assert!(matches!(err, ConfigError::Limits { .. }));
    }

    fn build_err(text: &str, e: &BuildEnv<'_>) -> ConfigError {
        parse(text)
            .unwrap()
            .build(Path::new("a.toml"), e)
            .err()
            .unwrap()
    }

    #[test]
    fn every_number_is_checked_with_its_key_and_line() {
        let key = |_: &str| Some("sk-x".to_string());
        let graphs = |_: &str| -> anyhow::Result<Graph> { anyhow::bail!("none") };
        let e = env(&key, &graphs);
        let build = |text: &str| {
            let err = build_err(text, &e);
            anyhow::Error::from(err)
                .chain()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(": ")
        };
        let cases = [
            (
                "timeout_s = 1e300",
                "agent `g`: invalid timeout_s = 1e300 (line 7): expected seconds from 0.001 to 86400",
            ),
            ("timeout_s = 0", "invalid timeout_s = 0 (line 7)"),
            ("timeout_s = nan", "invalid timeout_s = NaN (line 7)"),
            (
                "max_tokens = 0",
                "invalid max_tokens = 0 (line 7): expected a token count",
            ),
            (
                "retries = 4000000000",
                "invalid retries = 4000000000 (line 7): expected 0 to 100",
            ),
            (
                "backoff_ms = 99999999999",
                "invalid backoff_ms = 99999999999 (line 7)",
            ),
            (
                "runs = 100000",
                "invalid runs = 100000 (line 7): expected 1 to 100 runs",
            ),
            (
                "temperature = -1",
                "invalid temperature = -1 (line 7): expected a number in [0, 2]",
            ),
        ];
        for (line, want) in cases {
            let err = build(&format!("{LLM}{line}\n"));
            assert!(err.contains(want), "{line}: {err}");
        }
        let err = build(&format!(
            "k = 3\n[limits]\nconcurrency = 2\nrpm = 1e-300\n{LLM}"
        ));
        assert_eq!(
            err,
            "a.toml:4: invalid [limits] rpm = 1e-300: expected requests per minute from 0.1 to 1000000"
        );
    }

    #[test]
    fn a_key_over_plain_http_to_another_host_needs_an_opt_in() {
        let key = |_: &str| Some("sk-x".to_string());
        let graphs = |_: &str| -> anyhow::Result<Graph> { anyhow::bail!("none") };
        let e = env(&key, &graphs);
        let remote = LLM.replace("http://localhost:9/v1", "http://gpu-box.lab:8000/v1");
        let err = build_err(&remote, &e);
        assert_eq!(
            err.to_string(),
            "agent `g` (line 4): base_url http://gpu-box.lab:8000/v1 is plain http:// to a host that is not loopback, and the API key would be sent in the clear: expected https://, a loopback host, or allow_insecure_http = true"
        );
        let opted = format!("{remote}allow_insecure_http = true\n");
        assert!(
            parse(&opted)
                .unwrap()
                .build(Path::new("a.toml"), &e)
                .is_ok()
        );
        for url in [
            "https://api.x/v1",
            "http://localhost:8000/v1",
            "http://127.0.0.1:9/v1",
            "http://[::1]:80/v1",
        ] {
            let text = LLM.replace("http://localhost:9/v1", url);
            assert!(
                parse(&text).unwrap().build(Path::new("a.toml"), &e).is_ok(),
                "{url}"
            );
        }
        // Without a key nothing secret is sent.
        let no_key = remote.replace("api_key_env = \"MY_KEY\"\n", "");
        assert!(
            parse(&no_key)
                .unwrap()
                .build(Path::new("a.toml"), &e)
                .is_ok()
        );
    }

    #[test]
    fn empty_and_duplicate_agent_lists_are_refused() {
        assert!(matches!(
            parse("k = 3\n").unwrap_err(),
            ConfigError::NoAgents { .. }
        ));
        let err = parse(&format!("{LLM}{LLM}")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "agents.toml: two agents are named `g`; names must be unique"
        );
    }
}

//! What `evaluate`, `plan` and `design` build alike: the prior graph, the consensus graph (from
//! an agent panel or a consensus TSV), the agents' hub answers, and predictors by name.
//!
//! In flow command-line or TOML settings and a loaded screen; out come checked, shared objects
//! (`Arc`s), each built once per run, plus one human line per input for the summaries.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::UsageError;
use super::consensus::Panel;
use crate::agents::config::{BUNDLED_PANEL, is_bundled_panel};
use crate::agents::summaries::Summaries;
use crate::agents::text::TextIndex;
use crate::agents::{Pool, QueryKind};
use crate::consensus::hubs::{self, Hub};
use crate::consensus::io::table as consensus_tsv;
use crate::consensus::{Tau, Weighting};
use crate::data::{GeneSymbols, Layout};
use crate::plan::config::{CENTRALITY, KnowledgeFile};
use crate::plan::jobs::Chooser;
use crate::plan::strategy::anchors::{Anchors, kernel_of};
use crate::plan::strategy::centrality::Central;
use crate::plan::strategy::coverage::{Coverage, CoverageGraph, Hybrid};
use crate::plan::strategy::diversity::Diversity;
use crate::plan::strategy::hubs::Hubs;
use crate::plan::strategy::oracle::UpperBound;
use crate::plan::strategy::random::Random;
use crate::plan::strategy::uncertainty::Uncertainty;
use crate::predict::{
    Additive, Embedding, Neighbours, Predictor, Ridge, Shrunk, Stack, TrainingMean,
};
use crate::priors::Graph;
use crate::priors::centrality::cache::ScoreCache;
use crate::priors::centrality::{Direction, Iteration, Measure};
use crate::progress::Progress;

/// Predictor base names, as spelled on the command line.
pub const PREDICTORS: &[&str] = &[
    "mean",
    "consensus",
    "similarity",
    "graph",
    "ridge",
    "additive",
    "stack",
    "text",
];

/// Observed neighbours the `text` predictor averages (the most similar summaries first).
const TEXT_K: usize = 20;

/// Most similar perturbations kept per perturbation in the summary-similarity graph: every
/// other one in screens of up to this many perturbations, so `text` finds its `TEXT_K` nearest
/// among any observed set.
const TEXT_GRAPH_NEIGHBOURS: usize = 1000;

/// Dimensions of the spectral embedding ridge uses (the paper's K = 10).
const EMBEDDING_DIM: usize = 10;

/// A predictor as named on the command line: a base name, optionally `:shrunk`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Base name, one of [`PREDICTORS`].
    pub base: String,
    /// Blended with the mean by leave-one-out.
    pub shrunk: bool,
}

impl Choice {
    /// Parses `NAME[:shrunk]`; `flag` names the setting in errors.
    pub fn parse(name: &str, flag: &str) -> Result<Choice, UsageError> {
        let name = name.trim();
        let (base, suffix) = match name.split_once(':') {
            Some((b, s)) => (b, Some(s)),
            None => (name, None),
        };
        if !PREDICTORS.contains(&base) {
            return Err(UsageError(format!(
                "unknown predictor `{base}` in {flag}: expected {}, optionally with :shrunk",
                PREDICTORS.join(", ")
            )));
        }
        let shrunk = match suffix {
            None => false,
            Some("shrunk") => true,
            Some(other) => {
                return Err(UsageError(format!(
                    "unknown suffix `:{other}` on predictor `{base}`: expected :shrunk"
                )));
            }
        };
        Ok(Choice {
            base: base.into(),
            shrunk,
        })
    }

    /// The name in tables.
    pub fn name(&self) -> String {
        if self.shrunk {
            format!("{}:shrunk", self.base)
        } else {
            self.base.clone()
        }
    }
}

/// Parses a predictor list; `mean` comes first whatever the order (it is the baseline).
pub fn parse_choices(names: &[String], flag: &str) -> Result<Vec<Choice>, UsageError> {
    let mut out = vec![Choice {
        base: "mean".into(),
        shrunk: false,
    }];
    for name in names {
        let choice = Choice::parse(name, flag)?;
        if !out.contains(&choice) {
            out.push(choice);
        }
    }
    Ok(out)
}

/// Where the consensus graph comes from.
#[derive(Debug, Clone)]
pub enum ConsensusSource<'a> {
    /// Ask the agents of an agents.toml (replies cached in `cache`, `offline` forbids calls).
    Agents {
        /// The agents.toml.
        file: &'a Path,
        /// Reply cache.
        cache: Option<&'a Path>,
        /// Fail on cache misses.
        offline: bool,
        /// Vote threshold overriding the file's.
        tau: Option<Tau>,
        /// Weighting overriding the file's.
        weighting: Option<Weighting>,
        /// Also ask the hubs question.
        hubs: bool,
        /// A simulated screen's truth, for truth agents whose `truth = "@simulated"`.
        truth: Option<&'a Path>,
        /// Fraction of targets that may go unanswered by every agent before the run fails.
        allow_failures: f64,
    },
    /// Read a consensus TSV written by `mechpert consensus` (and optionally its `--hubs` TSV).
    Table {
        /// The consensus TSV.
        neighbours: &'a Path,
        /// The hubs TSV.
        hubs: Option<&'a Path>,
    },
}

/// The public knowledge of a run about one screen.
#[derive(Debug, Default)]
pub struct Knowledge {
    /// The prior graph (`--graph`) and its spec.
    pub graph: Option<(String, Arc<Graph>)>,
    /// The consensus graph, regulator → target.
    pub consensus: Option<Arc<Graph>>,
    /// Similarity of the perturbations' gene summaries (`--summaries`), neighbour → target
    /// weighted by TF-IDF cosine.
    pub text: Option<Arc<Graph>>,
    /// Ranked hub answers and the number of agents asked.
    pub hubs: Option<(Vec<Hub>, usize)>,
    /// One line per input, for summaries.
    pub lines: Vec<String>,
    /// Agent requests, cache hits and failures, when agents were asked.
    pub agent_tally: Option<serde_json::Value>,
}

impl Knowledge {
    /// Opens `--graph SPEC` (a bundled name or `KIND:PATH`).
    pub fn open_graph(
        &mut self,
        spec: &str,
        symbols: &GeneSymbols,
        layout: &Layout,
    ) -> anyhow::Result<()> {
        let l = match crate::priors::open(spec, symbols) {
            Ok(l) => l,
            // A spec that names no known kind is a usage error, as in `mechpert priors`.
            Err(e) if e.is_usage() => return Err(UsageError(format!("--graph {spec}: {e}")).into()),
            Err(e) => return Err(anyhow::Error::new(e).context(format!("loading --graph {spec}"))),
        };
        self.lines.push(format!(
            "graph `{spec}`: {} nodes, {} edges ({}), {} of {} perturbations in it",
            l.graph.node_count(),
            l.graph.edge_count(),
            if l.graph.is_directed() {
                "directed"
            } else {
                "undirected"
            },
            covered(&l.graph, layout),
            layout.n_perturbations()
        ));
        self.graph = Some((spec.to_string(), Arc::new(l.graph)));
        Ok(())
    }

    /// Reads gene summaries (`--summaries PATH`) and links every perturbation to the
    /// `TEXT_GRAPH_NEIGHBOURS` perturbations whose summaries are most similar (TF-IDF cosine,
    /// as the `text` agent computes it).
    pub fn open_summaries(
        &mut self,
        path: &Path,
        symbols: &GeneSymbols,
        layout: &Layout,
    ) -> anyhow::Result<()> {
        use rayon::prelude::*;
        let summaries = Summaries::read(path, symbols).context("loading --summaries")?;
        let index = TextIndex::new(&summaries);
        let perturbations = layout.perturbations();
        let nearest: Vec<Vec<(String, f32)>> = perturbations
            .par_iter()
            .map(|p| index.most_similar(p, perturbations, TEXT_GRAPH_NEIGHBOURS))
            .collect();
        let mut b = Graph::builder(true);
        for (target, near) in perturbations.iter().zip(&nearest) {
            for (neighbour, cosine) in near {
                b.add_edge(neighbour, target, *cosine, 0);
            }
        }
        let graph = b.build();
        let missing = perturbations.iter().filter(|p| !index.contains(p)).count();
        if missing > 0 {
            tracing::warn!(
                file = %path.display(),
                "{missing} of {} perturbations have no summary; `text` predicts them as the mean",
                perturbations.len()
            );
        }
        self.lines.push(format!(
            "summaries `{}`: {} genes with a summary, {} of {} perturbations have one ({missing} without); TF-IDF cosine graph with {} edges",
            path.display(),
            index.len(),
            perturbations.len() - missing,
            perturbations.len(),
            graph.edge_count()
        ));
        self.text = Some(Arc::new(graph));
        Ok(())
    }

    /// Builds the consensus graph (and the hubs) from `source`.
    pub fn open_consensus(
        &mut self,
        source: &ConsensusSource<'_>,
        symbols: &GeneSymbols,
        layout: &Layout,
        progress: &dyn Progress,
    ) -> anyhow::Result<()> {
        match source {
            ConsensusSource::Agents {
                file,
                cache,
                offline,
                tau,
                weighting,
                hubs: want_hubs,
                truth,
                allow_failures,
            } => {
                let symbols = Arc::new(symbols.clone());
                let pool = Pool::new(layout.perturbations().iter().cloned());
                let targets = pool.genes().to_vec();
                let panel = Panel::open(file, pool, &symbols, *cache, *offline, false, *truth)?
                    .allow_failures(*allow_failures);
                let rule = panel.consensus(*tau, *weighting);
                let collected = panel.ask(&targets, panel.question(), progress)?;
                let graph = rule.build(&collected).graph;
                let panel_name = if is_bundled_panel(file) {
                    format!(
                        "the bundled knowledge panel of CollecTRI, DoRothEA, OmniPath and GO-BP, --agents {BUNDLED_PANEL}"
                    )
                } else {
                    format!("agents `{}`", file.display())
                };
                self.lines.push(format!(
                    "consensus neighbours from {panel_name} ({} agents, τ {}, weighting {}): {} regulator → target edges over {} genes, {} of {} perturbations in it",
                    collected.agents.len(),
                    rule.tau,
                    rule.weighting.as_str(),
                    graph.edge_count(),
                    graph.node_count(),
                    covered(&graph, layout),
                    layout.n_perturbations()
                ));
                if *want_hubs {
                    let asked = panel
                        .ask(&["hubs".to_string()], QueryKind::Hubs, progress)
                        .context("asking agents for hubs")?;
                    let ranked = hubs::rank(&asked);
                    self.lines.push(format!(
                        "hubs from {panel_name}: {} genes named",
                        ranked.len()
                    ));
                    self.hubs = Some((ranked, asked.agents.len()));
                }
                self.agent_tally = Some(serde_json::to_value(panel.tally())?);
                self.consensus = Some(Arc::new(graph));
            }
            ConsensusSource::Table { neighbours, hubs } => {
                let g = consensus_tsv::read(neighbours, symbols).context("loading --neighbours")?;
                self.lines.push(format!(
                    "consensus neighbours `{}`: {} regulator → target edges over {} genes, {} of {} perturbations in it",
                    neighbours.display(),
                    g.edge_count(),
                    g.node_count(),
                    covered(&g, layout),
                    layout.n_perturbations()
                ));
                self.consensus = Some(Arc::new(g));
                if let Some(path) = hubs {
                    let (ranked, agents) = crate::consensus::io::hubs::read_hubs(path, symbols)
                        .with_context(|| format!("loading --hubs {}", path.display()))?;
                    self.lines.push(format!(
                        "hubs `{}`: {} genes named by {agents} agents",
                        path.display(),
                        ranked.len()
                    ));
                    self.hubs = Some((ranked, agents));
                }
            }
        }
        Ok(())
    }

    /// Makes the consensus graph the prior graph too (`--graph consensus`).
    pub fn consensus_as_graph(&mut self) -> Result<(), UsageError> {
        let g = self
            .consensus
            .clone()
            .ok_or_else(|| UsageError("--graph consensus needs --agents or --neighbours".into()))?;
        self.lines
            .push("prior graph: the consensus graph itself".into());
        self.graph = Some(("consensus".into(), g));
        Ok(())
    }

    /// Checks that every choice has the knowledge it needs; `flags` says how to give it.
    pub fn check_needs(
        choices: &[Choice],
        has_consensus: bool,
        has_graph: bool,
    ) -> Result<(), UsageError> {
        let needs = |bases: &[&str]| choices.iter().any(|c| bases.contains(&c.base.as_str()));
        if needs(&["consensus", "similarity"]) && !has_consensus {
            return Err(UsageError(
                "predictors consensus and similarity need --agents agents.toml or --neighbours TSV (the consensus table)"
                    .into(),
            ));
        }
        if needs(&["graph"]) && !has_graph {
            return Err(UsageError("predictor graph needs --graph SPEC".into()));
        }
        let embedded: Vec<&str> = ["ridge", "stack"]
            .into_iter()
            .filter(|base| needs(&[base]))
            .collect();
        if !embedded.is_empty() && !has_graph && !has_consensus {
            return Err(UsageError(format!(
                "{} --graph SPEC or --neighbours TSV for a perturbation embedding",
                they_need("predictor", &embedded)
            )));
        }
        Ok(())
    }

    /// Checks that `text` is chosen only with gene summaries.
    pub fn check_text_needs(choices: &[Choice], has_summaries: bool) -> Result<(), UsageError> {
        if choices.iter().any(|c| c.base == "text") && !has_summaries {
            return Err(UsageError(
                "predictor text needs --summaries PATH (gene summaries, e.g. ../shared/data/knowledge/gene_summaries_ncbi_uniprot.json)".into(),
            ));
        }
        Ok(())
    }

    /// Builds the predictors of `choices` (checked by [`Knowledge::check_needs`]).
    pub fn predictors(
        &self,
        choices: &[Choice],
        layout: &Layout,
        seed: u64,
    ) -> anyhow::Result<Vec<Box<dyn Predictor>>> {
        let mut out: Vec<Box<dyn Predictor>> = Vec::new();
        for choice in choices {
            let inner = if choice.base == "stack" {
                // The training mean, and every predictor the run's knowledge supports.
                let mut members: Vec<(&'static str, Box<dyn Predictor>)> =
                    vec![("w_mean", Box::new(TrainingMean))];
                if self.consensus.is_some() {
                    members.push((
                        "w_consensus",
                        self.base_predictor("consensus", layout, seed)?,
                    ));
                }
                if self.graph.is_some() {
                    members.push(("w_graph", self.base_predictor("graph", layout, seed)?));
                }
                members.push(("w_ridge", self.base_predictor("ridge", layout, seed)?));
                if self.text.is_some() {
                    members.push(("w_text", self.base_predictor("text", layout, seed)?));
                }
                Box::new(Stack::params(members).check()?)
            } else {
                self.base_predictor(&choice.base, layout, seed)?
            };
            out.push(if choice.shrunk {
                Box::new(Shrunk::params(inner).check()?)
            } else {
                inner
            });
        }
        Ok(out)
    }

    /// One predictor by base name (not `stack`), over this knowledge (checked by
    /// [`Knowledge::check_needs`]).
    fn base_predictor(
        &self,
        base: &str,
        layout: &Layout,
        seed: u64,
    ) -> anyhow::Result<Box<dyn Predictor>> {
        let graph = self.graph.as_ref().map(|g| &g.1);
        Ok(match base {
            "mean" => Box::new(TrainingMean),
            "consensus" => Box::new(
                Neighbours::params(Arc::clone(self.consensus.as_ref().expect("checked")))
                    .name("consensus")
                    .check()?,
            ),
            "similarity" => Box::new(
                Neighbours::params(Arc::clone(self.consensus.as_ref().expect("checked")))
                    .name("similarity")
                    .unweighted()
                    .check()?,
            ),
            "graph" => Box::new(Neighbours::params(Arc::clone(graph.expect("checked"))).check()?),
            "ridge" => {
                let g = graph.or(self.consensus.as_ref()).expect("checked");
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
                let e = Embedding::spectral(g, layout, EMBEDDING_DIM, &mut rng)
                    .map_err(|m| anyhow::anyhow!("spectral embedding for ridge: {m}"))?;
                Box::new(Ridge::params(Arc::new(e)).check()?)
            }
            "additive" => Box::new(Additive),
            "text" => Box::new(
                Neighbours::params(Arc::clone(self.text.as_ref().ok_or_else(|| {
                    UsageError(
                        "predictor text needs gene summaries (`mechpert evaluate --summaries`)"
                            .into(),
                    )
                })?))
                .name("text")
                .max_neighbours(NonZeroUsize::new(TEXT_K))
                .check()?,
            ),
            other => unreachable!("Choice::parse admits only known names, got {other}"),
        })
    }
}

/// The prior graph of the centrality and diversity strategies (and the graph predictor) when
/// none is given: the bundled CollecTRI, the graph the shipped experiments rank genes on.
pub const DEFAULT_GRAPH: &str = "collectri";

/// The anchor family: strategies that read the consensus kernel.
const ANCHORS: &[&str] = &[
    "anchors",
    "anchors:per-target",
    "anchors:symmetric",
    "anchors:graph",
    "anchors:facility",
];

/// Fills in the knowledge `strategies` and `predictors` need and `k` does not give, so a run
/// with only a screen works: the bundled agent panel ([`BUNDLED_PANEL`]) as the consensus source
/// (it answers the hubs question too) and [`DEFAULT_GRAPH`] as the prior graph. Knowledge the
/// user gave is never replaced. Returns one sentence per default taken, for the log.
pub fn fill_default_knowledge(
    k: &mut KnowledgeFile,
    strategies: &[String],
    predictors: &[Choice],
) -> Vec<String> {
    let wants = |names: &[&str]| strategies.iter().any(|s| names.contains(&s.as_str()));
    let predicts = |bases: &[&str]| predictors.iter().any(|c| bases.contains(&c.base.as_str()));
    let mut taken = Vec::new();
    let needs_consensus = wants(&[ANCHORS, &["consensus", "hybrid", "hubs"]].concat())
        || predicts(&["consensus", "similarity"])
        || k.graph.as_deref() == Some("consensus");
    if needs_consensus && k.agents.is_none() && k.neighbours.is_none() {
        k.agents = Some(BUNDLED_PANEL.into());
        taken.push(format!(
            "no --agents or --neighbours given: the consensus comes from the bundled knowledge panel (--agents {BUNDLED_PANEL}: CollecTRI, DoRothEA and OmniPath regulators and GO-BP associated genes, τ 1, no network; experiments/agents/bundled.toml); give --agents FILE for your own panel (examples in experiments/agents/)"
        ));
    }
    let needs_graph = wants(&[CENTRALITY, &["diversity", "anchors:graph"]].concat())
        || predicts(&["graph"])
        || (predicts(&["ridge", "stack"]) && k.agents.is_none() && k.neighbours.is_none());
    if needs_graph && k.graph.is_none() {
        k.graph = Some(DEFAULT_GRAPH.into());
        taken.push(format!(
            "no --graph given: centrality and diversity strategies rank genes on the bundled CollecTRI graph (--graph {DEFAULT_GRAPH})"
        ));
    }
    taken
}

/// Checks that every strategy has the knowledge it needs in `k` (before any work); an error
/// names only the strategies asked for.
pub fn check_strategy_needs(strategies: &[String], k: &KnowledgeFile) -> Result<(), UsageError> {
    let asked = |names: &[&str]| -> Vec<&str> {
        strategies
            .iter()
            .map(String::as_str)
            .filter(|s| names.contains(s))
            .collect()
    };
    let has_consensus_source = k.agents.is_some() || k.neighbours.is_some();
    let consensus = asked(&[ANCHORS, &["consensus", "hybrid"]].concat());
    if !consensus.is_empty() && !has_consensus_source {
        return Err(UsageError(format!(
            "{} --agents TOML (`bundled`, or a panel such as experiments/agents/knowledge_k562.toml) or --neighbours TSV",
            they_need("strategy", &consensus)
        )));
    }
    if !asked(&["hubs"]).is_empty() && k.agents.is_none() && k.hubs.is_none() {
        return Err(UsageError(
            "strategy hubs needs --agents TOML (asked the hubs question; `bundled` or a panel such as experiments/agents/knowledge_k562.toml) or, with --neighbours, the --hubs TSV of `mechpert consensus --hubs`".into(),
        ));
    }
    let ranked = asked(&[CENTRALITY, &["diversity", "anchors:graph"]].concat());
    if !ranked.is_empty() && k.graph.is_none() {
        return Err(UsageError(format!(
            "{} --graph SPEC (a bundled graph such as {DEFAULT_GRAPH}, KIND:PATH, or `consensus`)",
            they_need("strategy", &ranked)
        )));
    }
    Ok(())
}

/// "strategy x needs" or "strategies x and y need": the subject and verb of a message about
/// what `names` (of one `kind`) need.
fn they_need(kind: &str, names: &[&str]) -> String {
    match names {
        [one] => format!("{kind} {one} needs"),
        [init @ .., last] => {
            let plural = match kind.strip_suffix('y') {
                Some(stem) => format!("{stem}ies"),
                None => format!("{kind}s"),
            };
            format!("{plural} {} and {last} need", init.join(", "))
        }
        [] => format!("{kind} needs"),
    }
}

/// Where `k` says the consensus comes from (`hubs`: also ask the agents the hubs question;
/// `truth`: a simulated screen's truth for `@simulated` agents), its τ and weighting checked.
pub fn consensus_source<'a>(
    k: &'a KnowledgeFile,
    hubs: bool,
    truth: Option<&'a Path>,
) -> Result<Option<ConsensusSource<'a>>, UsageError> {
    let tau: Option<Tau> = k
        .tau
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e| UsageError(format!("tau: {e}")))?;
    let weighting: Option<Weighting> = k
        .weighting
        .as_deref()
        .map(|w| <Weighting as clap::ValueEnum>::from_str(w, false))
        .transpose()
        .map_err(|e| UsageError(format!("weighting: {e}")))?;
    Ok(match (&k.agents, &k.neighbours) {
        (Some(file), _) => Some(ConsensusSource::Agents {
            file,
            cache: k.cache.as_deref(),
            offline: k.offline.unwrap_or(false),
            tau,
            weighting,
            hubs,
            truth,
            // A plan or design whose agents answered nothing for some target fails (exit 1).
            allow_failures: 0.0,
        }),
        (None, Some(neighbours)) => Some(ConsensusSource::Table {
            neighbours,
            hubs: k.hubs.as_deref(),
        }),
        (None, None) => None,
    })
}

/// Builds every strategy once (names checked, knowledge checked by [`check_strategy_needs`]);
/// centrality scores are computed once per measure, or read from `score_cache` when an earlier
/// run (another shard) stored them there. `plan` and `design` both build theirs here.
pub fn build_choosers(
    strategies: &[String],
    uncertainty_draws: usize,
    hybrid_weight: f64,
    knowledge: &Knowledge,
    layout: &Layout,
    score_cache: Option<&ScoreCache>,
) -> anyhow::Result<Vec<Chooser>> {
    let coverage = knowledge
        .consensus
        .as_ref()
        .map(|g| Arc::new(CoverageGraph::new(g, layout)));
    let anchors = strategies.iter().any(|s| s.starts_with("anchors"));
    let consensus_kernel = knowledge
        .consensus
        .as_ref()
        .filter(|_| anchors)
        .map(|g| kernel_of(g, layout));
    let graph_kernel = knowledge
        .graph
        .as_ref()
        .filter(|_| strategies.iter().any(|s| s == "anchors:graph"))
        .map(|(_, g)| kernel_of(g, layout));
    let uncertainty = Uncertainty::new(NonZeroUsize::new(uncertainty_draws).expect("checked ≥ 2"));
    let mut scores_cache: HashMap<String, Arc<Vec<f64>>> = HashMap::new();
    strategies
        .iter()
        .map(|name| {
            let graph = || -> anyhow::Result<(String, Arc<Graph>)> {
                knowledge
                    .graph
                    .clone()
                    .ok_or_else(|| UsageError(format!("strategy {name} needs --graph")).into())
            };
            Ok(match name.as_str() {
                anchors if anchors.starts_with("anchors") => Chooser::Sealed(Box::new(
                    Anchors::new(
                        anchors,
                        consensus_kernel.as_ref().expect("checked"),
                        graph_kernel.as_ref(),
                    )
                    .expect("checked"),
                )),
                "consensus" => Chooser::Sealed(Box::new(Coverage::new(Arc::clone(
                    coverage.as_ref().expect("checked"),
                )))),
                "hybrid" => Chooser::Sealed(Box::new(Hybrid::new(
                    Arc::clone(coverage.as_ref().expect("checked")),
                    uncertainty,
                    hybrid_weight,
                ))),
                "hubs" => {
                    let (hubs, agents) = knowledge.hubs.as_ref().expect("checked");
                    Chooser::Sealed(Box::new(Hubs::new(hubs, *agents)))
                }
                "random" => Chooser::Sealed(Box::new(Random)),
                "uncertainty" => Chooser::Sealed(Box::new(uncertainty)),
                "diversity" => {
                    let (spec, g) = graph()?;
                    Chooser::Sealed(Box::new(Diversity::new(g, &spec, layout)))
                }
                "oracle" => Chooser::UpperBound(UpperBound::default()),
                measure => {
                    let (spec, g) = graph()?;
                    let m = match measure {
                        "degree" => Measure::Degree {
                            direction: Direction::Out,
                            weighted: false,
                        },
                        "pagerank" => Measure::PageRank(Default::default()),
                        "betweenness" => Measure::Betweenness,
                        "eigenvector" => Measure::Eigenvector(Iteration::default()),
                        "closeness" => Measure::Closeness,
                        other => unreachable!("checked strategy name {other}"),
                    };
                    // Regulators that reach much: PageRank and friends run on the reversed graph
                    // of a directed prior, as `priors centrality --reverse` does.
                    let ranked_on = if g.is_directed() && measure != "degree" {
                        Arc::new(g.reversed())
                    } else {
                        Arc::clone(&g)
                    };
                    let scores = match scores_cache.get(measure) {
                        Some(s) => Arc::clone(s),
                        None => {
                            let scores = match score_cache {
                                Some(c) => c
                                    .scores(&ranked_on, &m)
                                    .map(|(s, _)| s)
                                    .map_err(anyhow::Error::new),
                                None => m.scores(&ranked_on).map_err(anyhow::Error::new),
                            };
                            let s =
                                Arc::new(scores.with_context(|| format!("{measure} on {spec}"))?);
                            scores_cache.insert(measure.to_string(), Arc::clone(&s));
                            s
                        }
                    };
                    Chooser::Sealed(Box::new(Central::new(measure, &spec, ranked_on, scores)))
                }
            })
        })
        .collect()
}

/// Perturbations of the layout that are nodes of the graph.
pub fn covered(graph: &Graph, layout: &Layout) -> usize {
    layout
        .perturbations()
        .iter()
        .filter(|p| graph.node(p).is_some())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_comes_first_and_names_are_checked() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let c = parse_choices(
            &names(&["graph:shrunk", "mean", "graph:shrunk"]),
            "--predictors",
        )
        .unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].base, "mean");
        assert!(c[1].shrunk);
        assert_eq!(c[1].name(), "graph:shrunk");
        let err = parse_choices(&names(&["knn"]), "--predictors")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("unknown predictor `knn` in --predictors: expected mean,"),
            "{err}"
        );
        let err = parse_choices(&names(&["graph:fast"]), "--predictors")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown suffix `:fast`"), "{err}");
    }
}

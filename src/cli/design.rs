//! `mechpert design` arguments: the next screen of a real experiment.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::Args;

use super::ScreenArgs;

/// `mechpert design`: rank the genes to perturb next.
#[derive(Debug, Args)]
pub struct DesignArgs {
    /// Perturbations to choose (per strategy). Example: 50
    #[arg(long, value_name = "N")]
    pub budget: NonZeroUsize,
    /// The ranked picks (CSV: rank,gene,strategy,score,…,rationale), written atomically.
    #[arg(long, value_name = "CSV", default_value = "next_screen.csv")]
    pub out: PathBuf,
    /// The screen so far (.h5ad, .csv, .tsv, optionally .gz): its perturbations count as
    /// observed and are never picked. Without it the design starts from scratch.
    #[arg(long, value_name = "SCREEN")]
    pub data: Option<PathBuf>,
    /// Genes that may be picked: a file with one gene per line (aliases mapped to official
    /// symbols), or `all` = every gene of the prior graph, consensus graph and hub answers.
    #[arg(long, value_name = "FILE|all", default_value = "all")]
    pub candidates: String,
    /// Genes never to pick (one per line), e.g. known lethal or already ordered.
    #[arg(long, value_name = "FILE")]
    pub exclude: Option<PathBuf>,
    /// Strategies, comma-separated, one block of ranks each, or `auto`. `auto` with --data
    /// backtests anchors, the centralities of --graph, uncertainty and random on the screen so
    /// far (replayed design rounds, scored on measured perturbations set aside) and ranks with
    /// the winner; without --data it is `anchors`. Named strategies: anchors (and its ablation
    /// variants anchors:per-target, anchors:symmetric, anchors:graph, anchors:facility),
    /// consensus (set cover), hubs, degree, pagerank, betweenness, eigenvector, closeness,
    /// random, diversity; with --data also uncertainty and hybrid. Example: --strategy
    /// anchors,degree
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LIST",
        default_value = "auto"
    )]
    pub strategy: Vec<String>,
    /// Replayed design rounds of `--strategy auto` (each: a fifth of the screen so far set
    /// aside for scoring, half the rest as the start, the other half as the pool).
    #[arg(long, value_name = "N", default_value = "10")]
    pub backtest_repeats: NonZeroUsize,
    /// Where the consensus, hubs and prior graph come from.
    #[command(flatten)]
    pub knowledge: super::KnowledgeArgs,
    /// Genes whose responses the design should cover (one per line); default the screen's
    /// measured genes and the candidates. Coverage is counted on the consensus graph.
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// The predictor fitted on the screen so far (for uncertainty, hybrid and --predictions):
    /// mean, consensus, similarity, graph, ridge, additive, stack, optionally :shrunk.
    #[arg(long, value_name = "NAME", default_value = "consensus:shrunk")]
    pub predictor: String,
    /// With --data: write the predicted response of every unobserved candidate (.csv wide
    /// table with predictor and fallback columns, or .h5ad).
    #[arg(long, value_name = "FILE", requires = "data")]
    pub predictions: Option<PathBuf>,
    /// Seed of the ranking's random tie-breaks (the same picks as `plan --test-fraction 0` round 1 with this seed).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// How to read --data.
    #[command(flatten)]
    pub screen: ScreenArgs,
}

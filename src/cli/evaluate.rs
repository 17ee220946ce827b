//! `mechpert evaluate` arguments.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::Args;

use super::ScreenArgs;

/// The metrics of `metrics.csv` with their units, shown after `evaluate --help` (the table in
/// [`crate::eval`] defines them in full).
const METRICS_HELP: &str = "\
Metrics (per held-out perturbation p, then averaged over the queries; Δ = measured response,
Δ̂ = predicted response, both in the screen's units):
  pearson_delta       Pearson r(Δ̂, Δ) over all genes; unitless, in [-1, 1]
  pearson_delta_de20  the same over p's top-20 DE genes (largest measured |Δ|); [-1, 1]
  systema_pearson     in [-1, 1]: Pearson r(Δ̂ - μ, Δ - μ), μ = mean response of the
                      observed perturbations
  mse                 mean over all genes of (Δ̂ - Δ)²; squared screen units, ≥ 0, lower is better
  mse_de20            the same over the top-20 DE genes; squared screen units, ≥ 0
  direction_de20      fraction of the top-20 DE genes where sign(Δ̂) = sign(Δ); in [0, 1]
  discrimination_l1   in [0, 1]: 1 - r/N, r = queries whose Δ is strictly closer (L1) to Δ̂
                      than p's own; 1 = nearest its own response (cell-eval)
  overlap@20          |top-20 |Δ̂| ∩ top-20 |Δ|| / 20; fraction in [0, 1]
  overlap@100         the same with the top 100 genes; fraction in [0, 1]
A constant prediction scores 0 on the correlations.";

/// `mechpert evaluate`: the few-shot prediction benchmark.
#[derive(Debug, Args)]
#[command(after_help = METRICS_HELP)]
pub struct EvaluateArgs {
    /// The screen file (.h5ad, .csv, .tsv, optionally .gz), e.g. a ranked-signature table.
    #[arg(long, value_name = "SCREEN")]
    pub data: PathBuf,
    /// How to read the screen.
    #[command(flatten)]
    pub screen: ScreenArgs,
    /// Observed (training) perturbations per draw, at least 1 and fewer than the screen's
    /// perturbations; all others are predicted. Example: 50.
    #[arg(long, default_value = "50", value_name = "N", value_parser = parse_observed)]
    pub observed: NonZeroUsize,
    /// Random observed sets; every predictor sees the same ones (at most 1,000: every draw's
    /// per-perturbation scores stay in memory). Example: 10.
    #[arg(long, default_value = "10", value_name = "N", value_parser = parse_draws)]
    pub draws: NonZeroUsize,
    /// Fixed train/test splits instead of random draws: a CSV/TSV with columns `perturbation`,
    /// `split` (train or test) and optionally `draw` (one split per draw number), as
    /// --write-split writes it. Example: --split splits/k562_fold0.csv
    #[arg(long, value_name = "FILE", conflicts_with_all = ["observed", "draws", "write_split"])]
    pub split: Option<PathBuf>,
    /// Also write the random draws' splits to this file (the format --split reads).
    #[arg(long, value_name = "FILE")]
    pub write_split: Option<PathBuf>,
    /// Also write every predictor's predictions, per draw, as AnnData: DIR/draw0/ridge.h5ad
    /// (obs = predicted perturbations with a `perturbation` column, plus a `non-targeting`
    /// row when the screen has a control; var = genes; X = predicted expression, or response
    /// when the screen has no control) and DIR/draw0/real.h5ad, the measured values of the
    /// same perturbations (for `mechpert score` or cell-eval).
    #[arg(long, value_name = "DIR")]
    pub predictions: Option<PathBuf>,
    /// Seed of the draws, the ridge embedding and the bootstrap intervals.
    #[arg(long, default_value = "1")]
    pub seed: u64,
    /// Predictors, comma-separated: mean (always included, the baseline), consensus (weighted
    /// mean of observed consensus regulators; needs --neighbours or --agents), similarity
    /// (unweighted mean of the same neighbours), graph (weighted mean of observed neighbours in
    /// --graph), ridge (Ahlmann-Eltze linear model with a spectral embedding of --graph, or of
    /// the consensus graph), additive (A+B = A + B), text (similarity-weighted mean of the 20
    /// observed perturbations whose gene summaries are most similar; needs --summaries), stack
    /// (the mean, consensus, graph, ridge and text, whichever the given knowledge supports,
    /// combined with non-negative weights summing to 1 fitted by leave-one-out on the observed
    /// set). Append `:shrunk` to blend any of them
    /// with the mean by leave-one-out, e.g. graph:shrunk. Default: every one of mean, consensus,
    /// similarity, graph and ridge that the given --graph / --neighbours / --agents allow (the
    /// others are named as skipped).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub predictors: Vec<String>,
    /// Consensus neighbour table `target<TAB>neighbour<TAB>weight<TAB>votes<TAB>agents` (as
    /// written by `mechpert consensus`), read as regulator → target edges.
    #[arg(long, value_name = "TSV", conflicts_with = "agents")]
    pub neighbours: Option<PathBuf>,
    /// Build the consensus neighbours here instead: ask the agents of this agents.toml (see
    /// `mechpert consensus --help`) about every perturbation of the screen, with the file's τ and
    /// weighting. Example: --agents experiments/agents/knowledge_k562.toml
    #[arg(long, value_name = "TOML")]
    pub agents: Option<PathBuf>,
    /// With --agents: vote threshold overriding agents.toml (a count, a fraction, or
    /// `majority`), as `mechpert consensus --tau`.
    #[arg(long, value_name = "TAU", requires = "agents", value_parser = super::consensus::parse_tau)]
    pub tau: Option<crate::consensus::Tau>,
    /// With --agents: edge weighting overriding agents.toml, as `mechpert consensus --weighting`.
    #[arg(long, value_enum, value_name = "SCHEME", requires = "agents")]
    pub weighting: Option<crate::consensus::Weighting>,
    /// Reply cache folder for --agents (reruns are served from it).
    #[arg(long, value_name = "DIR", requires = "agents")]
    pub cache: Option<PathBuf>,
    /// With --cache: fail on a cache miss instead of calling an endpoint.
    #[arg(long, requires = "cache")]
    pub offline: bool,
    /// With --agents: the fraction of perturbations (0 to 1) that may get no answer from any
    /// agent before the run fails (see `mechpert consensus --help`). Default 0.
    #[arg(long, value_name = "FRACTION", default_value = "0", requires = "agents",
          value_parser = super::consensus::parse_fraction)]
    pub allow_failures: f64,
    /// Prior graph for `graph` and `ridge`: a bundled name (collectri, dorothea, omnipath, …) or
    /// KIND:PATH, e.g. string:../shared/data/priors/string_v12_edges.tsv.gz.
    #[arg(long, value_name = "SPEC")]
    pub graph: Option<String>,
    /// Gene summaries for the `text` predictor (and a `text` member of `stack`): a JSON object
    /// symbol → summary, a JSON list of gene/summary records, or a TSV/CSV with columns gene and
    /// summary, gzip or not; similarity = TF-IDF cosine, as the `text` agent computes it.
    /// Example: --summaries ../shared/data/knowledge/gene_summaries_ncbi_uniprot.json
    #[arg(long, value_name = "FILE")]
    pub summaries: Option<PathBuf>,
    /// Output folder for metrics.csv, per_perturbation.csv, summary.md and the figures
    /// (created if missing). Example: --out results/k562
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace output files that already exist (without it, an existing metrics.csv,
    /// per_perturbation.csv, summary.md, --write-split file or --predictions file is refused).
    #[arg(long)]
    pub force: bool,
}

/// Parses `--observed N`, saying what is expected when N is not a whole number ≥ 1.
fn parse_observed(text: &str) -> Result<NonZeroUsize, String> {
    text.trim()
        .parse::<NonZeroUsize>()
        .map_err(|_| format!("expected a whole number of observed perturbations ≥ 1, got {text:?}"))
}

/// The most draws `evaluate` runs. Every draw's split and the score of every query perturbation
/// under every predictor and metric are kept for per_perturbation.csv, the bootstrap intervals
/// and the paired tests: on K562 (535 queries, 5 predictors, 4 metrics) 1,000 draws hold about
/// 10 million scores, about 1 GB, and take hours (10 draws take about 15 s).
pub const MAX_DRAWS: usize = 1_000;

/// Parses `--draws`: a count in 1..=[`MAX_DRAWS`], refused before anything is read or allocated.
fn parse_draws(text: &str) -> Result<NonZeroUsize, String> {
    let n: NonZeroUsize = text
        .parse()
        .map_err(|_| format!("expected a whole number of draws in 1..={MAX_DRAWS}"))?;
    if n.get() > MAX_DRAWS {
        return Err(format!(
            "expected at most {MAX_DRAWS} draws (every draw's per-perturbation scores are kept in memory)"
        ));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn evaluate_parses_lists_and_refuses_zero_draws() {
        let cli = Cli::try_parse_from([
            "mechpert",
            "evaluate",
            "--data",
            "s.csv",
            "--observed",
            "20",
            "--predictors",
            "mean,graph:shrunk",
            "--graph",
            "collectri",
            "--out",
            "o",
        ])
        .unwrap();
        let Command::Evaluate(a) = cli.command else {
            panic!("not evaluate")
        };
        assert_eq!(a.predictors, ["mean", "graph:shrunk"]);
        assert_eq!(a.observed.get(), 20);
        assert_eq!(a.draws.get(), 10);
        let err = Cli::try_parse_from([
            "mechpert", "evaluate", "--data", "s.csv", "--draws", "0", "--out", "o",
        ])
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        for (draws, ok) in [("1000", true), ("1001", false), ("100000000", false)] {
            let parsed = Cli::try_parse_from([
                "mechpert", "evaluate", "--data", "s.csv", "--draws", draws, "--out", "o",
            ]);
            assert_eq!(parsed.is_ok(), ok, "--draws {draws}");
        }
        let err = Cli::try_parse_from([
            "mechpert",
            "evaluate",
            "--data",
            "s.csv",
            "--observed",
            "0",
            "--out",
            "o",
        ])
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.to_string()
                .contains("expected a whole number of observed perturbations ≥ 1, got \"0\""),
            "{err}"
        );
        let err = Cli::try_parse_from([
            "mechpert", "evaluate", "--data", "s.csv", "--split", "f.csv", "--draws", "3", "--out",
            "o",
        ])
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}

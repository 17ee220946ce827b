//! `mechpert evaluate` arguments.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::Args;

use super::ScreenArgs;

/// `mechpert evaluate`: the few-shot prediction benchmark.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The screen file (.h5ad, .csv, .tsv, optionally .gz), e.g. a ranked-signature table.
    #[arg(long, value_name = "SCREEN")]
    pub data: PathBuf,
    /// How to read the screen.
    #[command(flatten)]
    pub screen: ScreenArgs,
    /// Observed (training) perturbations per draw; all others are predicted. Example: 50.
    #[arg(long, default_value = "50", value_name = "N")]
    pub observed: NonZeroUsize,
    /// Random observed sets; every predictor sees the same ones (at most 100,000: every draw's
    /// scores stay in memory for the summary). Example: 10.
    #[arg(long, default_value = "10", value_name = "N", value_parser = parse_draws)]
    pub draws: NonZeroUsize,
    /// Seed of the draws, the ridge embedding and the bootstrap intervals.
    #[arg(long, default_value = "1")]
    pub seed: u64,
    /// Predictors, comma-separated: mean (always included, the baseline), consensus (weighted
    /// mean of observed consensus regulators; needs --neighbours), similarity (unweighted mean of
    /// the same neighbours; needs --neighbours), graph (weighted mean of observed neighbours in
    /// --graph), ridge (Ahlmann-Eltze linear model with a spectral embedding of --graph, or of
    /// the --neighbours graph), additive (A+B = A + B), stack (the mean, consensus, graph and
    /// ridge, whichever the given knowledge supports, combined with non-negative weights summing
    /// to 1 fitted by leave-one-out on the observed set). Append `:shrunk` to blend any of them
    /// with the mean by leave-one-out, e.g. graph:shrunk.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "mean,consensus,similarity,graph,ridge",
        value_name = "LIST"
    )]
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
    /// Output folder for metrics.csv and summary.md (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// The most draws `evaluate` runs. Each keeps its scores (predictors × metrics) for the
/// bootstrap intervals and paired tests, and fits every predictor, so this bounds memory to a
/// few hundred MB and is beyond any run that finishes (10 draws on K562 take about 15 s).
pub const MAX_DRAWS: usize = 100_000;

/// Parses `--draws`: a count in 1..=[`MAX_DRAWS`], refused before anything is read or allocated.
fn parse_draws(text: &str) -> Result<NonZeroUsize, String> {
    let n: NonZeroUsize = text
        .parse()
        .map_err(|_| format!("expected a whole number of draws in 1..={MAX_DRAWS}"))?;
    if n.get() > MAX_DRAWS {
        return Err(format!(
            "expected at most {MAX_DRAWS} draws (every draw's scores are kept for the summary)"
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
        for (draws, ok) in [("100000", true), ("100001", false), ("100000000", false)] {
            let parsed = Cli::try_parse_from([
                "mechpert", "evaluate", "--data", "s.csv", "--draws", draws, "--out", "o",
            ]);
            assert_eq!(parsed.is_ok(), ok, "--draws {draws}");
        }
    }
}

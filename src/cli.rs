//! Command-line arguments as typed (the raw layer). Checked, resolved configuration is built
//! from these in [`crate::run`]; nothing here touches the file system.
//!
//! Doc comments on fields are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::data::ValueKind;
use crate::data::io::Format;

pub mod consensus;
pub mod design;
pub mod evaluate;
pub mod inspect;
pub mod merge;
pub mod plan;
pub mod priors;
pub mod report;
pub mod score;
pub mod simulate;

pub use consensus::ConsensusArgs;
pub use design::DesignArgs;
pub use evaluate::EvaluateArgs;
pub use inspect::InspectArgs;
pub use merge::MergeArgs;
pub use plan::PlanArgs;
pub use priors::PriorsArgs;
pub use report::ReportArgs;
pub use score::ScoreArgs;
pub use simulate::SimulateArgs;

/// mechpert plans Perturb-seq screens: it predicts the response of genes nobody perturbed yet
/// from the few that were, and chooses which genes to perturb next.
///
/// Exit codes: 0 success, 1 data or runtime error, 2 usage error.
#[derive(Debug, Parser)]
#[command(
    name = "mechpert",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr; no progress bars.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise a screen file: format, perturbations, genes, control, cells, unmapped names.
    ///
    /// Example: mechpert inspect experiments/data/embedded/renge_ipsc.h5ad --json
    Inspect(InspectArgs),
    /// Simulate a Perturb-seq screen over a known regulatory network, with its true edges.
    ///
    /// Example: mechpert simulate --preset k562-like --seed 1 --out screen.h5ad --truth truth.tsv
    Simulate(Box<SimulateArgs>),
    /// Prior-knowledge graphs: centrality rankings and statistics.
    ///
    /// Example: mechpert priors centrality --graph collectri --measure pagerank --top 20
    Priors(PriorsArgs),
    /// Ask agents (LLMs, prior knowledge, noisy truth) for each gene's upstream regulators and
    /// keep the ones they agree on as a weighted, directed consensus graph.
    ///
    /// Example: mechpert consensus --data screen.csv.gz --agents agents.toml --out
    /// neighbourhoods.tsv --cache cache/llm
    Consensus(ConsensusArgs),
    /// Few-shot prediction benchmark: random observed sets, every predictor, field-standard
    /// metrics, mean ± 95 % CI and a paired test against the training mean.
    ///
    /// Example: mechpert evaluate --data k562.csv.gz --observed 50 --draws 10 --graph
    /// string:string_v12_edges.tsv.gz --predictors mean,graph,ridge --out results/k562
    Evaluate(EvaluateArgs),
    /// Score any model's predictions (GEARS, scGPT, a linear model, `evaluate --predictions`)
    /// against a measured screen with evaluate's metrics, aligning perturbations and genes by
    /// name and saying what did not align.
    ///
    /// Example: mechpert score --pred results/pred/draw0/ridge.h5ad --real
    /// results/pred/draw0/real.h5ad --out scores.csv
    Score(ScoreArgs),
    /// The budgeted design loop on a held-out screen: each round every strategy picks a batch,
    /// the picks are revealed, the predictor is refitted and a fixed test set per seed (never
    /// offered to a strategy; --test-fraction, default 0.2) is predicted and scored, or with
    /// --test-fraction 0 every perturbation not yet picked; strategies × seeds run in
    /// parallel, checkpointed every round.
    ///
    /// Example: mechpert plan --data screen.h5ad --neighbours consensus.tsv --graph collectri
    /// --strategies consensus,degree,pagerank,random --seeds 5 --rounds 5 --batch 10 --out
    /// results/my_plan
    Plan(Box<PlanArgs>),
    /// Combine the shards of one sharded plan run (`plan --shard I/N`) into exactly the files
    /// of the unsharded run; refuses shards of different settings and missing or doubled jobs.
    ///
    /// Example: mechpert merge shards/1 shards/2 shards/3 --out results/my_plan
    Merge(MergeArgs),
    /// Propose the next genes to perturb for a real screen: each strategy of `plan` ranks the
    /// candidates from the screen so far (or none), with its reasons and the coverage gained.
    ///
    /// Example: mechpert design --data screen.csv --neighbours consensus.tsv --budget 50 --out
    /// next_screen.csv
    Design(Box<DesignArgs>),
    /// One self-contained HTML page (tables, figures, picks, configuration) over output
    /// directories of plan or evaluate; opens offline from a file:// URL.
    ///
    /// Example: mechpert report results/default results/k562 --out report.html
    Report(ReportArgs),
}

/// Where the consensus graph, the hub answers and the prior graph come from: shared by `plan`
/// and `design`.
#[derive(Debug, Clone, Default, Args)]
pub struct KnowledgeArgs {
    /// Agents to ask for each perturbation's regulators (and the hubs question); answers are
    /// cached with --cache. `bundled` is the panel compiled in (CollecTRI, DoRothEA and OmniPath
    /// regulators and GO-BP associated genes, τ 1, no network), the default when a strategy or the predictor needs a
    /// consensus and neither --agents nor --neighbours is given.
    /// Example: --agents experiments/agents/knowledge_k562.toml
    #[arg(long, value_name = "TOML", conflicts_with = "neighbours")]
    pub agents: Option<PathBuf>,
    /// Instead of --agents: a consensus table written by `mechpert consensus`.
    #[arg(long, value_name = "TSV")]
    pub neighbours: Option<PathBuf>,
    /// With --neighbours: the hubs table written by `mechpert consensus --hubs` (needed by the
    /// `hubs` strategy).
    #[arg(long, value_name = "TSV", requires = "neighbours")]
    pub hubs: Option<PathBuf>,
    /// Reply cache folder for --agents.
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// With --cache: fail on a cache miss instead of calling an endpoint.
    #[arg(long)]
    pub offline: bool,
    /// Vote threshold overriding agents.toml: a count, a fraction, or `majority`.
    #[arg(long, value_name = "TAU", value_parser = consensus::parse_tau)]
    pub tau: Option<crate::consensus::Tau>,
    /// Edge weighting overriding agents.toml.
    #[arg(long, value_enum, value_name = "SCHEME")]
    pub weighting: Option<crate::consensus::Weighting>,
    /// Prior graph for the centrality and diversity strategies (and the graph and ridge
    /// predictors): a bundled name (collectri, dorothea, omnipath, go-bp, …), KIND:PATH, or
    /// `consensus` (the consensus graph itself). Default collectri when a strategy needs one.
    /// Example: --graph string:../shared/data/priors/string_v12_edges.tsv.gz
    #[arg(long, value_name = "SPEC")]
    pub graph: Option<String>,
}

/// How to read a screen file. In a plan TOML the same settings are fields of a `[[screen]]`
/// table (`perturbation_key = "guide_target"`, `control = ["NTC"]`, `layer = "counts"`), so
/// each screen is read its own way and `config.toml` records how.
#[derive(Debug, Clone, Default, PartialEq, Args, serde::Serialize, serde::Deserialize)]
#[command(next_help_heading = "Reading the screen")]
#[serde(default, deny_unknown_fields)]
pub struct ScreenArgs {
    /// Format of the screen; detected from the first bytes and the extension when omitted.
    /// h5ad: AnnData (single cells or one row per perturbation); wide: one row per perturbation,
    /// one column per gene; long: `perturbation,gene,value`; ranked: `perturbation,rank,gene`.
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// Column holding the perturbation label (h5ad obs column or table column). Default: the
    /// first of perturbation, condition, gene, target_gene that exists.
    #[arg(long, value_name = "COLUMN")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub perturbation_key: Option<String>,
    /// Label of control cells or rows; repeat for several. Default: non-targeting, control, ctrl,
    /// NT (case-insensitive).
    #[arg(long = "control", value_name = "LABEL")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub control: Vec<String>,
    /// What the values are. expression: mean expression, a control row or control cells are
    /// required and responses are profile − control; z-score / response: already relative to
    /// control (control profile 0). Default: expression, except ranked signatures (rank-score)
    /// and Replogle-style normalised bulk h5ad (z-score).
    #[arg(long, value_enum, value_name = "KIND")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<ValuesArg>,
    /// Normalise single cells before averaging them, for an h5ad whose X holds raw counts
    /// (refused without it): log1p-cp10k is ln(1 + 10⁴ x / Σ x) per cell, as scanpy's
    /// normalize_total(target_sum=1e4) + log1p.
    #[arg(long, value_enum, value_name = "METHOD")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalize: Option<crate::data::io::reader::Normalize>,
    /// Read the h5ad layer layers/NAME instead of X (for example --layer counts with
    /// --normalize log1p-cp10k); h5ad only.
    #[arg(long, value_name = "NAME")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Per-cell labels for a table of single cells (first column the cell id, one column per
    /// gene): a CSV/TSV with a cell-id column and the --perturbation-key column, or one-hot 0/1
    /// columns (no 1 = control). Joined on cell id; cells are averaged per label.
    #[arg(long, value_name = "CSV")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<PathBuf>,
    /// Gene-symbol table `name<TAB>symbol<TAB>kind` (official/alias/ensembl) to use instead of
    /// the embedded NCBI table.
    #[arg(long, value_name = "TSV", conflicts_with = "no_aliases")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aliases: Option<PathBuf>,
    /// Keep gene and perturbation names exactly as written (no alias resolution).
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_aliases: bool,
    /// What missing values in CSV/TSV tables become: empty, NA, NaN, N/A, #N/A or null cells
    /// (any case), and pairs a long table has no row for. h5ad files are not affected.
    /// Default: refuse.
    #[arg(long, value_enum, value_name = "HOW")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<crate::data::io::missing::Missing>,
    /// A screen already read (by a library caller, e.g. Python's `Screen.from_anndata`) that
    /// stands for the screen file the command names; never set from the command line or TOML.
    #[arg(skip)]
    #[serde(skip)]
    pub preloaded: Option<Preloaded>,
}

/// A screen read in memory, shared rather than copied; two are equal when they are the same
/// reading (a screen's identity, not its numbers, is what a setting compares).
#[derive(Debug, Clone)]
pub struct Preloaded(pub std::sync::Arc<crate::data::io::reader::Loaded>);

impl PartialEq for Preloaded {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

/// `--values` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValuesArg {
    /// Mean expression (control required).
    Expression,
    /// Already z-scored against control.
    ZScore,
    /// Responses (profile − control) given directly.
    Response,
}

impl From<ValuesArg> for ValueKind {
    fn from(v: ValuesArg) -> ValueKind {
        match v {
            ValuesArg::Expression => ValueKind::Expression,
            ValuesArg::ZScore => ValueKind::ZScore,
            ValuesArg::Response => ValueKind::Response,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn inspect_parses_repeated_controls_and_formats() {
        let cli = Cli::try_parse_from([
            "mechpert",
            "inspect",
            "s.csv",
            "--control",
            "NT",
            "--control",
            "ctrl",
            "--format",
            "long",
        ])
        .unwrap();
        let Command::Inspect(a) = cli.command else {
            panic!("not inspect")
        };
        assert_eq!(a.screen.control, vec!["NT", "ctrl"]);
        assert_eq!(a.screen.format, Some(Format::Long));
    }

    #[test]
    fn layer_and_labels_parse_for_every_screen_reader() {
        let cli = Cli::try_parse_from([
            "mechpert",
            "inspect",
            "cells.csv",
            "--labels",
            "labels.csv",
            "--layer",
            "counts",
        ])
        .unwrap();
        let Command::Inspect(a) = cli.command else {
            panic!("not inspect")
        };
        assert_eq!(a.screen.layer.as_deref(), Some("counts"));
        assert_eq!(a.screen.labels, Some(PathBuf::from("labels.csv")));
    }

    #[test]
    fn missing_defaults_to_refuse_and_takes_its_three_values() {
        use crate::data::io::missing::Missing;
        let parse = |extra: &[&str]| {
            let mut args = vec!["mechpert", "inspect", "s.csv"];
            args.extend_from_slice(extra);
            match Cli::try_parse_from(args).map(|c| c.command) {
                Ok(Command::Inspect(a)) => Ok(a.screen.missing.unwrap_or_default()),
                Ok(_) => panic!("not inspect"),
                Err(e) => Err(e.exit_code()),
            }
        };
        assert_eq!(parse(&[]), Ok(Missing::Refuse));
        assert_eq!(parse(&["--missing", "zero"]), Ok(Missing::Zero));
        assert_eq!(parse(&["--missing", "drop-genes"]), Ok(Missing::DropGenes));
        assert_eq!(parse(&["--missing", "mean"]), Err(2));
    }

    #[test]
    fn bad_values_are_usage_errors() {
        let err =
            Cli::try_parse_from(["mechpert", "inspect", "s.csv", "--format", "xlsx"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let err = Cli::try_parse_from(["mechpert", "-v", "-q", "inspect", "s.csv"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}

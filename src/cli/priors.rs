//! `mechpert priors` arguments: `centrality` and `stats`.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::ScreenArgs;

/// `mechpert priors`.
#[derive(Debug, Args)]
pub struct PriorsArgs {
    /// What to do with the graph.
    #[command(subcommand)]
    pub command: PriorsCommand,
}

/// The `priors` subcommands.
#[derive(Debug, Subcommand)]
pub enum PriorsCommand {
    /// Rank genes by a centrality of a prior graph.
    ///
    /// Example: mechpert priors centrality --graph collectri --measure pagerank --top 20
    Centrality(CentralityArgs),
    /// Summarise a prior graph: nodes, edges, components, degrees, overlap with a screen.
    ///
    /// Example: mechpert priors stats --graph string:string_v12_edges.tsv.gz --screen screen.csv.gz
    Stats(StatsArgs),
}

/// The graph to read.
#[derive(Debug, Clone, Args)]
pub struct GraphArgs {
    /// The graph: a bundle (collectri, dorothea, omnipath, omnipath-signalling, omnipath-all,
    /// go-bp) or KIND:PATH[@OPTION] with KIND one of collectri, dorothea, omnipath,
    /// omnipath-signalling, omnipath-all, trrust, pathwaycommons, encode (@CELL_LINE), string
    /// (@CHANNEL), go, reactome, gmt, progeny, edges, undirected-edges.
    /// Example: --graph string:../shared/data/priors/string_v12_edges.tsv.gz@experiments
    #[arg(long, value_name = "NAME|KIND:PATH")]
    pub graph: String,
    /// Reverse every edge first (directed graphs): rank regulators by what they reach rather than
    /// targets by what reaches them.
    #[arg(long)]
    pub reverse: bool,
}

/// `mechpert priors centrality`.
#[derive(Debug, Args)]
pub struct CentralityArgs {
    /// The graph.
    #[command(flatten)]
    pub graph: GraphArgs,
    /// The centrality: degree counts, weighted strengths, pagerank (weighted), betweenness and
    /// closeness (unweighted, hop distances), eigenvector and katz (weighted), random.
    #[arg(long, value_enum, default_value_t = MeasureArg::Pagerank)]
    pub measure: MeasureArg,
    /// Rows to print (the --out file always holds the whole ranking).
    #[arg(long, default_value = "50", value_name = "N")]
    pub top: NonZeroUsize,
    /// A screen whose perturbations are the candidates to rank (any format `mechpert inspect`
    /// reads); default: every node of the graph. Candidates absent from the graph rank last in
    /// an order shuffled by --seed.
    #[arg(long, value_name = "SCREEN")]
    pub candidates: Option<PathBuf>,
    /// Write the whole ranking as CSV (`rank,gene,score`, empty score for absent genes).
    #[arg(long, value_name = "FILE.csv")]
    pub out: Option<PathBuf>,
    /// Seed for `random` and for the order of candidates absent from the graph.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// PageRank damping factor (probability of following an edge), in [0, 1).
    #[arg(long, default_value_t = 0.85, value_name = "ALPHA")]
    pub damping: f64,
    /// Katz attenuation; default 0.9 / min(largest in-strength, largest out-strength).
    #[arg(long, value_name = "ALPHA")]
    pub katz_alpha: Option<f64>,
    /// Convergence tolerance of the iterative measures, per node (L1 change < N × tolerance).
    #[arg(long, default_value_t = 1e-6)]
    pub tolerance: f64,
    /// Most iterations of the iterative measures (default: 100 for pagerank and eigenvector,
    /// 1000 for katz).
    #[arg(long, value_name = "N")]
    pub max_iter: Option<NonZeroUsize>,
    /// How to read the --candidates screen, and gene-alias options for graph and screen.
    #[command(flatten)]
    pub read: ScreenArgs,
}

/// `--measure` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MeasureArg {
    /// Number of regulators (edges in).
    InDegree,
    /// Number of targets (edges out).
    OutDegree,
    /// In + out (neighbours when undirected).
    Degree,
    /// Sum of incoming weights.
    WeightedInDegree,
    /// Sum of outgoing weights.
    WeightedOutDegree,
    /// Sum of all edge weights.
    WeightedDegree,
    /// Weighted PageRank.
    Pagerank,
    /// Unweighted betweenness (normalised).
    Betweenness,
    /// Unweighted closeness (Wasserman–Faust).
    Closeness,
    /// Weighted eigenvector centrality.
    Eigenvector,
    /// Weighted Katz centrality.
    Katz,
    /// Seeded random scores.
    Random,
}

/// `mechpert priors stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The graph.
    #[command(flatten)]
    pub graph: GraphArgs,
    /// A screen to compare with: how many of its perturbations and measured genes are nodes.
    #[arg(long, value_name = "SCREEN")]
    pub screen: Option<PathBuf>,
    /// Print one JSON object instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// How to read the --screen file, and gene-alias options for graph and screen.
    #[command(flatten)]
    pub read: ScreenArgs,
}

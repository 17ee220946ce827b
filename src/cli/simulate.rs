//! `mechpert simulate` arguments.

use std::path::PathBuf;

use clap::Args;

use crate::sim::{Preset, SimOverrides};

/// `mechpert simulate`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    mechpert simulate --preset small --seed 1 --out screen.csv --truth truth.tsv\n  \
    mechpert simulate --preset k562-like --seed 1 --out screen.h5ad\n  \
    mechpert simulate --preset small --cells --out cells.h5ad --cells-mean 20\n  \
    mechpert simulate --config sim.toml --network synthetic --out screen.csv.gz")]
pub struct SimulateArgs {
    /// Starting values of every model knob. small: 200 perturbations × 1,000 genes; k562-like:
    /// 2,000 perturbed × 8,000 measured genes with essential-screen effect sizes; sparse-noisy:
    /// 600 × 5,000, few regulators in the pool, ~30 cells per perturbation.
    #[arg(long, value_enum, default_value = "small")]
    pub preset: Preset,
    /// Random seed; the same seed gives byte-identical files. Example: --seed 7.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output screen: .h5ad (pseudo-bulk, or single cells with --cells), .csv or .csv.gz (wide
    /// pseudo-bulk table with a `non-targeting` control row).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Write single cells (log1p-normalised counts per 10,000, CSR) instead of pseudo-bulk
    /// profiles; needs an .h5ad output.
    #[arg(long)]
    pub cells: bool,
    /// Also write the true network `regulator<TAB>target<TAB>weight` here, the knockdown
    /// efficiencies `perturbation<TAB>efficiency` to `<stem>.knockdown.tsv` beside it, and every
    /// knob to `<stem>.params.toml` (a `--config` file that reproduces the run).
    #[arg(long, value_name = "TSV")]
    pub truth: Option<PathBuf>,
    /// TOML file of model knobs (keys as the flags below, with underscores: `genes = 500`);
    /// flags override it, it overrides the preset. Unknown keys are an error.
    #[arg(long, value_name = "TOML")]
    pub config: Option<PathBuf>,
    /// The regulatory network: a priors spec (collectri, edges:PATH, …) or `synthetic` (a random
    /// signed graph over real gene symbols, not biology; needs no data).
    #[arg(long, value_name = "SPEC", default_value = "collectri")]
    pub network: String,
    /// Model knobs.
    #[command(flatten)]
    pub knobs: SimOverrides,
}

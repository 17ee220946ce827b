//! `mechpert score` arguments.

use std::path::PathBuf;

use clap::Args;

use super::ScreenArgs;

/// `mechpert score`: any model's predictions against a measured screen.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Predictions: any screen file mechpert reads (.h5ad as `evaluate --predictions` or
    /// cell-eval write it, one row or many cells per perturbation plus control; CSV/TSV).
    /// Example: --pred results/k562_pred/draw0/ridge.h5ad
    #[arg(long, value_name = "SCREEN")]
    pub pred: PathBuf,
    /// The measured screen, read the same way. Example: --real results/k562_pred/draw0/real.h5ad
    #[arg(long, value_name = "SCREEN")]
    pub real: PathBuf,
    /// How to read both files (--control, --perturbation-key, --values, … apply to each).
    #[command(flatten)]
    pub screen: ScreenArgs,
    /// Metrics, comma-separated (default all): pearson_delta, pearson_delta_de20,
    /// systema_pearson, mse, mse_de20, direction_de20, discrimination_l1, overlap@20,
    /// overlap@100 (see `mechpert evaluate --help` for their definitions).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub metrics: Vec<String>,
    /// Also write `perturbation,metric,value` rows to this CSV (parents created).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace --out when it exists.
    #[arg(long, requires = "out")]
    pub force: bool,
}

//! `mechpert inspect` arguments.

use std::path::PathBuf;

use clap::Args;

use super::ScreenArgs;

/// `mechpert inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The screen file (.h5ad, .csv, .tsv, .txt, optionally .gz).
    pub path: PathBuf,
    /// How to read the screen.
    #[command(flatten)]
    pub screen: ScreenArgs,
    /// Print one JSON object instead of the human summary (it lists the unmapped names under
    /// `unmapped` and says why the format was chosen under `format_reason`).
    #[arg(long)]
    pub json: bool,
    /// Also list the gene and perturbation names the alias table did not know.
    #[arg(long)]
    pub unmapped: bool,
}

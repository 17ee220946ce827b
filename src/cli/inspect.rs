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
    /// Print one JSON object instead of the human summary.
    #[arg(long)]
    pub json: bool,
}

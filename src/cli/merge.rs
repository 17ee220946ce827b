//! `mechpert merge` arguments.

use std::path::PathBuf;

use clap::Args;

/// `mechpert merge`: shards of one plan run into the run's files.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' output folders (each the --out of one `mechpert plan --shard I/N`).
    #[arg(required = true, value_name = "DIR")]
    pub shards: Vec<PathBuf>,
    /// Where the merged run goes (rounds.csv, picks.csv, summary.md, config.toml, run.json,
    /// figures; one subfolder per screen when the run has several).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace a different run found in --out.
    #[arg(long)]
    pub force: bool,
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn merge_needs_shards_and_an_out_folder() {
        let cli = Cli::try_parse_from(["mechpert", "merge", "a", "b", "--out", "m"]).unwrap();
        let Command::Merge(a) = cli.command else {
            panic!("not merge")
        };
        assert_eq!(a.shards.len(), 2);
        for bad in [&["merge", "--out", "m"][..], &["merge", "a"]] {
            let err = Cli::try_parse_from(std::iter::once("mechpert").chain(bad.iter().copied()))
                .unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
    }
}

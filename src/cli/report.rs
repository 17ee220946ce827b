//! `mechpert report` arguments.

use std::path::PathBuf;

use clap::Args;

/// `mechpert report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output directories of `mechpert plan` or `mechpert evaluate`; each becomes a section of
    /// the page, in the order given.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// The HTML file to write (self-contained: inline figures, styles and script; opens offline).
    #[arg(long, short, default_value = "report.html", value_name = "HTML")]
    pub out: PathBuf,
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use clap::Parser;

    use crate::cli::{Cli, Command};

    #[test]
    fn report_takes_several_dirs_and_an_out_file() {
        let cli = Cli::try_parse_from(["mechpert", "report", "a", "b", "--out", "r.html"]).unwrap();
        let Command::Report(args) = cli.command else {
            panic!("not report")
        };
        assert_eq!(args.dirs, [PathBuf::from("a"), PathBuf::from("b")]);
        assert_eq!(args.out, PathBuf::from("r.html"));
        let cli = Cli::try_parse_from(["mechpert", "report", "a"]).unwrap();
        let Command::Report(args) = cli.command else {
            panic!("not report")
        };
        assert_eq!(args.out, PathBuf::from("report.html"));
        let err = Cli::try_parse_from(["mechpert", "report"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}

//! The `mechpert` binary: parses arguments and hands them to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = mechpert::cli::Cli::parse();
    mechpert::run::init_logging(cli.verbose, cli.quiet);
    let stdout = std::io::stdout();
    match mechpert::run::run(cli, &mut stdout.lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if mechpert::run::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mechpert: {err:#}");
            ExitCode::from(mechpert::run::exit_code(&err))
        }
    }
}

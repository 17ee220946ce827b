//! From parsed arguments to work: resolves configuration (reads files, fills defaults), calls the
//! library and hands results to [`crate::report`]. The one place where a run's outcome becomes an
//! exit code.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::cli::{Cli, Command, ScreenArgs};
use crate::data::GeneSymbols;
use crate::data::io::{Builder, reader::Loaded};

pub mod consensus;
mod design;
mod evaluate;
mod inspect;
mod merge;
pub mod plan;
mod priors;
mod report;
pub mod resolve;
mod score;
mod simulate;

/// A request the user can fix by changing the command line (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Runs one parsed command, writing its result to `out`.
pub fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<()> {
    crate::threads::init_global();
    crate::threads::single_threaded_blas();
    let quiet = cli.quiet;
    match cli.command {
        Command::Inspect(args) => inspect::run(args, out),
        Command::Simulate(args) => simulate::run(*args, progress_bar(quiet), out),
        Command::Priors(args) => priors::run(args, out),
        Command::Consensus(args) => consensus::run(args, cli.quiet, out),
        Command::Evaluate(args) => evaluate::run(args, cli.quiet, out),
        Command::Plan(args) => plan::run(*args, quiet, out),
        Command::Merge(args) => merge::run(args, out),
        Command::Design(args) => design::run(*args, quiet, out),
        Command::Report(args) => report::run(args, out),
        Command::Score(args) => score::run(args, out),
    }
}

/// The gene-symbol table the screen arguments ask for.
pub fn resolve_symbols(
    args: &ScreenArgs,
) -> anyhow::Result<std::borrow::Cow<'static, GeneSymbols>> {
    Ok(match (&args.aliases, args.no_aliases) {
        (Some(path), _) => std::borrow::Cow::Owned(GeneSymbols::from_path(path)?),
        (None, true) => std::borrow::Cow::Owned(GeneSymbols::identity()),
        (None, false) => std::borrow::Cow::Borrowed(GeneSymbols::embedded()),
    })
}

/// The reader the screen arguments ask for.
pub fn screen_builder<'s>(args: &ScreenArgs, symbols: &'s GeneSymbols) -> Builder<'s> {
    Builder::new(symbols)
        .format(args.format)
        .perturbation_key(args.perturbation_key.clone())
        .control_labels(args.control.clone())
        .values(args.values.map(Into::into))
        .normalize(args.normalize)
        .layer(args.layer.clone())
        .labels(args.labels.clone())
        .missing(args.missing.unwrap_or_default())
}

/// Reads a screen as the arguments ask (or hands back the one they carry already read).
pub fn read_screen(
    path: &Path,
    args: &ScreenArgs,
    symbols: &GeneSymbols,
) -> anyhow::Result<Loaded> {
    if let Some(loaded) = &args.preloaded {
        return Ok(Loaded::clone(&loaded.0));
    }
    let loaded = screen_builder(args, symbols).build_from_path(path);
    let loaded = match loaded {
        Err(e) if e.is_usage() => return Err(UsageError(format!("loading screen: {e}")).into()),
        other => other.context("loading screen")?,
    };
    tracing::info!(
        path = %path.display(),
        format = %loaded.format,
        why = %loaded.reason,
        perturbations = loaded.screen.n_perturbations(),
        genes = loaded.screen.n_genes(),
        "read screen"
    );
    Ok(loaded)
}

/// Refuses an existing output file unless `force`, and says when one is replaced.
pub(crate) fn refuse_to_replace(path: &Path, force: bool) -> Result<(), UsageError> {
    if !path.exists() {
        return Ok(());
    }
    if !force {
        return Err(UsageError(format!(
            "{} already exists: pass --force to replace it (or write elsewhere)",
            path.display()
        )));
    }
    tracing::warn!("replacing {} (--force)", path.display());
    Ok(())
}

/// Creates the folder `path` is to be written in, when missing.
pub(crate) fn create_parent(path: &Path) -> anyhow::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the folder {}", dir.display())),
        _ => Ok(()),
    }
}

/// The exit code for a failed run: 130 when interrupted, 2 for usage errors, 1 otherwise.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.chain().any(|e| e.is::<plan::Interrupted>()) {
        130
    } else if err.chain().any(|e| e.is::<UsageError>()) {
        2
    } else {
        1
    }
}

/// Whether the run failed only because stdout was closed (`mechpert … | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || e.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// Sets up logging on stderr: warnings by default, more with `-v`, errors only with `-q`;
/// `RUST_LOG` overrides both. Colours only when stderr is a terminal and `NO_COLOR` is unset
/// (or empty), so log files hold no escape codes.
pub fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour(
            std::io::IsTerminal::is_terminal(&std::io::stderr()),
            std::env::var_os("NO_COLOR"),
        ))
        .with_target(false)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        )
        .try_init();
}

/// Whether log lines are coloured: only on a terminal, and never when `NO_COLOR` is set to
/// anything but the empty string (<https://no-color.org>), so a log redirected to a file or a
/// pipe holds no escape codes.
fn colour(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

/// A progress bar on stderr, hidden when stderr is not a terminal or the run is quiet.
pub fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix:>12} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta} {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar
}

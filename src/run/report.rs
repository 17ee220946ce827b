//! `mechpert report`: read every directory, then write one HTML page atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cli::ReportArgs;
use crate::data::io::writer::write_atomically;
use crate::report::html::{Section, write_page};

pub(super) fn run(args: ReportArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let sections = args
        .dirs
        .iter()
        .flat_map(|d| screens_of(d))
        .map(|d| Section::read(&d).map_err(anyhow::Error::from))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    write_atomically(&args.out, |f| write_page(&sections, f))
        .with_context(|| format!("writing {}", args.out.display()))?;
    let figures: usize = sections.iter().map(|s| s.figures().count()).sum();
    writeln!(
        out,
        "wrote {} ({} section{}, {figures} figures)",
        args.out.display(),
        sections.len(),
        if sections.len() == 1 { "" } else { "s" }
    )?;
    Ok(())
}

/// A plan run over several screens writes one folder per screen: such a folder (no tables of
/// its own, results folders below it) stands for its screens, in name order. Anything else is
/// itself, and `Section::read` says what is missing.
fn screens_of(dir: &Path) -> Vec<PathBuf> {
    let is_results = |d: &Path| d.join("rounds.csv").is_file() || d.join("metrics.csv").is_file();
    if is_results(dir) {
        return vec![dir.to_path_buf()];
    }
    let mut below: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && is_results(p))
        .collect();
    below.sort();
    if below.is_empty() {
        vec![dir.to_path_buf()]
    } else {
        below
    }
}

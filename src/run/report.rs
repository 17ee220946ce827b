//! `mechpert report`: read every directory, then write one HTML page atomically.

use std::io::Write;

use anyhow::Context;

use crate::cli::ReportArgs;
use crate::data::io::writer::write_atomically;
use crate::report::html::{Section, write_page};

pub(super) fn run(args: ReportArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let sections = args
        .dirs
        .iter()
        .map(|d| Section::read(d).map_err(anyhow::Error::from))
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

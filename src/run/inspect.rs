//! `mechpert inspect`: read a screen and summarise it.

use std::io::Write;

use crate::cli::InspectArgs;
use crate::report::inspect::Summary;

pub(super) fn run(args: InspectArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let symbols = super::resolve_symbols(&args.screen)?;
    let loaded = super::read_screen(&args.path, &args.screen, &symbols)?;
    let summary = Summary::of(&args.path, &loaded);
    if args.json {
        serde_json::to_writer(&mut *out, &summary)?;
        writeln!(out)?;
    } else {
        summary.write_human(out)?;
    }
    Ok(())
}

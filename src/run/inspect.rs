//! `mechpert inspect`: read a screen and summarise it, saying why it was read as it was and,
//! on request, which names the alias table did not know.

use std::io::Write;

use crate::cli::InspectArgs;
use crate::data::GeneSymbols;
use crate::report::inspect::Summary;

pub(super) fn run(args: InspectArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let symbols = super::resolve_symbols(&args.screen)?;
    let loaded = super::read_screen(&args.path, &args.screen, &symbols)?;
    let summary = Summary::of(&args.path, &loaded);
    let screen = &loaded.screen;
    let unmapped_genes = unmapped(&symbols, screen.genes());
    let unmapped_perturbations = unmapped(&symbols, screen.perturbations());
    if args.json {
        let mut value = serde_json::to_value(&summary)?;
        value["format_reason"] = loaded.reason.clone().into();
        value["unmapped"] = serde_json::json!({
            "genes": unmapped_genes,
            "perturbations": unmapped_perturbations,
        });
        serde_json::to_writer(&mut *out, &value)?;
        writeln!(out)?;
        return Ok(());
    }
    summary.write_human(out)?;
    writeln!(
        out,
        "  read as           {} because {}",
        loaded.format, loaded.reason
    )?;
    if args.unmapped {
        for (what, names) in [
            ("unmapped genes", &unmapped_genes),
            ("unmapped perturbations", &unmapped_perturbations),
        ] {
            writeln!(out, "{what} ({}):", names.len())?;
            for name in names {
                writeln!(out, "  {name}")?;
            }
        }
    }
    Ok(())
}

/// The names the symbol table does not know (kept as written when the screen was read).
fn unmapped(symbols: &GeneSymbols, names: &[String]) -> Vec<String> {
    names
        .iter()
        .filter(|n| {
            let mut count = 0;
            symbols.normalise(n, &mut count);
            count > 0
        })
        .cloned()
        .collect()
}

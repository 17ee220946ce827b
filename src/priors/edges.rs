//! Generic edge lists: any CSV/TSV with named columns.
//!
//! In flows a table with a header: `source` (or `regulator`, `from`, `gene_a`, `node1`),
//! `target` (or `to`, `gene_b`, `node2`), optional `weight` (finite, ≥ 0; default 1) and
//! optional `sign` (1, −1, 0, `+`, `-`). Out comes a directed (`edges:PATH`, regulator → target)
//! or undirected (`undirected-edges:PATH`) graph; weights are kept as given.

use std::io::BufRead;

use super::collect::Collector;
use super::table::Table;
use super::{Loaded, PriorsError};
use crate::data::GeneSymbols;

/// Reads a generic edge list.
pub fn read(
    reader: impl BufRead,
    file: &str,
    directed: bool,
    symbols: &GeneSymbols,
) -> Result<Loaded, PriorsError> {
    let mut t = Table::with_header(reader, file, "`source`, `target`[, `weight`, `sign`]")?;
    let source = t.require(&["source", "regulator", "from", "gene_a", "node1"])?;
    let target = t.require(&["target", "to", "gene_b", "node2"])?;
    let weight = t.column(&["weight"]);
    let sign = t.column(&["sign"]);
    let mut c = Collector::new(symbols, directed);
    let mut above_one = 0;
    while t.next_row()? {
        c.read_row();
        let w = match weight {
            Some(i) => t.weight(i)?,
            None => 1.0,
        };
        if w > 1.0 {
            above_one += 1;
        }
        let s = match sign {
            Some(i) => t.sign(i)?,
            None => 0,
        };
        let (a, b) = (t.get(source)?.to_string(), t.get(target)?.to_string());
        c.add_row(&a, &b, w as f32, s);
    }
    c.note("weights above 1 (kept; not confidences)", above_one);
    c.finish(t.file())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::priors::collect::{DUPLICATE, EMPTY_NAME, SELF_LOOP};

    #[test]
    fn reads_weights_signs_and_counts_drops() {
        let ids = GeneSymbols::identity();
        let text =
            "regulator,target,weight,sign\nA,B,0.5,-1\nA,A,1,1\nA,B,0.7,-1\n,B,1,1\nB,C,2,+\n";
        let loaded = read(text.as_bytes(), "e.csv", true, &ids).unwrap();
        let g = &loaded.graph;
        assert_eq!(g.edge_count(), 2);
        assert_eq!((g.edges()[0].weight, g.edges()[0].sign), (0.7, -1));
        assert_eq!(loaded.report.rows_read, 5);
        assert_eq!(
            loaded.report.reasons,
            vec![
                (DUPLICATE.into(), 1),
                (EMPTY_NAME.into(), 1),
                (SELF_LOOP.into(), 1)
            ]
        );
        assert!(
            loaded
                .report
                .notes
                .iter()
                .any(|(n, k)| n.starts_with("weights above 1") && *k == 1)
        );
    }

    #[test]
    fn undirected_lists_merge_both_orders() {
        let ids = GeneSymbols::identity();
        let text = "gene_a\tgene_b\nA\tB\nB\tA\n";
        let loaded = read(text.as_bytes(), "e.tsv", false, &ids).unwrap();
        assert!(!loaded.graph.is_directed());
        assert_eq!(loaded.graph.edge_count(), 1);
    }

    #[test]
    fn bad_files_give_exact_errors() {
        let ids = GeneSymbols::identity();
        let err = read("source,weight\nA,1\n".as_bytes(), "e.csv", true, &ids).unwrap_err();
        assert_eq!(
            err.to_string(),
            "e.csv:1: missing column `target` or `to` or `gene_b` or `node2`; the header has [\"source\", \"weight\"]"
        );
        let err = read(
            "source,target,weight\nA,B,high\n".as_bytes(),
            "e.csv",
            true,
            &ids,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "e.csv:2:3: column `weight`: expected a finite non-negative number, got \"high\""
        );
        let err = read(
            "source,target,weight\nA,B,-0.5\n".as_bytes(),
            "e.csv",
            true,
            &ids,
        )
        .unwrap_err();
        assert!(err.to_string().contains("got \"-0.5\""), "{err}");
        let err = read("source,target\nA\n".as_bytes(), "e.csv", true, &ids).unwrap_err();
        assert_eq!(
            err.to_string(),
            "e.csv:2: expected at least 2 fields, got 1"
        );
        let err = read("".as_bytes(), "e.csv", true, &ids).unwrap_err();
        assert!(err.to_string().starts_with("e.csv: empty"), "{err}");
    }
}

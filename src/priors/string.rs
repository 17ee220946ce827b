//! STRING protein associations (Szklarczyk et al. 2023), undirected.
//!
//! In flows a table with two gene columns (`symbol_a`/`symbol_b`, `gene_a`/`gene_b`,
//! `preferred_name_a`/`preferred_name_b`, or `protein1`/`protein2` holding symbols) and score
//! columns in 0–1000: `combined_score` by default, or the channel named by the spec option
//! (`string:PATH@experiments`). Out comes an undirected, unsigned graph with weight
//! score / 1000; rows whose chosen score is 0 are dropped. Licence of the data: CC BY 4.0.

use std::io::BufRead;

use super::collect::Collector;
use super::table::Table;
use super::{Loaded, PriorsError};
use crate::data::GeneSymbols;

/// Reads STRING edges weighted by `channel` (default `combined_score`).
pub fn read(
    reader: impl BufRead,
    file: &str,
    channel: Option<&str>,
    symbols: &GeneSymbols,
) -> Result<Loaded, PriorsError> {
    let mut t = Table::with_header(reader, file, "`symbol_a`, `symbol_b`, `combined_score`")?;
    let a = t.require(&[
        "symbol_a",
        "gene_a",
        "preferred_name_a",
        "protein1",
        "node1",
    ])?;
    let b = t.require(&[
        "symbol_b",
        "gene_b",
        "preferred_name_b",
        "protein2",
        "node2",
    ])?;
    let score = match channel {
        None => t.require(&["combined_score"])?,
        Some(ch) => t.column(&[ch]).ok_or_else(|| PriorsError::BadOption {
            spec: format!("string:{file}"),
            option: ch.to_string(),
            expected: "a score column of the file (e.g. combined_score, experiments, database, coexpression)".into(),
        })?,
    };
    let mut c = Collector::new(symbols, false);
    while t.next_row()? {
        c.read_row();
        let s = t.number(score)?;
        if !(0.0..=1000.0).contains(&s) {
            return Err(t.field_error(score, "a STRING score in 0..=1000"));
        }
        if s == 0.0 {
            c.drop_row("score 0 in the chosen channel");
            continue;
        }
        let (x, y) = (t.get(a)?.to_string(), t.get(b)?.to_string());
        c.add_row(&x, &y, (s / 1000.0) as f32, 0);
    }
    c.finish(t.file())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "symbol_a\tsymbol_b\tcombined_score\texperiments\n\
        CYP2E1\tCES1\t905\t0\nCES1\tCYP2E1\t950\t100\nMPO\tCES1\t700\t300\n";

    #[test]
    fn weights_are_scores_over_1000_per_channel() {
        let ids = GeneSymbols::identity();
        let all = read(TEXT.as_bytes(), "s.tsv", None, &ids).unwrap();
        assert_eq!(all.graph.edge_count(), 2);
        assert_eq!(
            all.graph.edges()[0].weight,
            0.95,
            "reversed duplicate merged by max"
        );
        let exp = read(TEXT.as_bytes(), "s.tsv", Some("experiments"), &ids).unwrap();
        assert_eq!(exp.graph.edges()[0].weight, 0.1);
        assert_eq!(
            exp.report.reasons,
            vec![("score 0 in the chosen channel".into(), 1)]
        );
    }

    #[test]
    fn bad_channel_and_scores_are_errors() {
        let ids = GeneSymbols::identity();
        let err = read(TEXT.as_bytes(), "s.tsv", Some("textmining"), &ids).unwrap_err();
        assert!(err.is_usage());
        let bad = "symbol_a\tsymbol_b\tcombined_score\nA\tB\t1200\n";
        let err = read(bad.as_bytes(), "s.tsv", None, &ids).unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.tsv:2:3: column `combined_score`: expected a STRING score in 0..=1000, got \"1200\""
        );
    }
}

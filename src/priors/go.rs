//! Gene Ontology co-annotation: genes sharing specific biological-process terms.
//!
//! In flows either a GO annotation table (`symbol` (or `gene`), `go_id`, optional `ontology`:
//! only `BP` rows are kept when present, optional `evidence`: `ND` rows are dropped; e.g. the
//! shared `hs_go_annotations_direct.tsv.gz`) or a GMT with one GO term a line (the embedded
//! `go-bp` bundle, from org.Hs.eg.db's `go_bp` table). Out comes an undirected graph of
//! information-content-weighted Jaccard similarity ([`super::gmt`]) over direct annotations to
//! specific terms: terms with more than [`Params::default`]'s 100 genes are left out, and pairs
//! need a similarity of at least 0.3.

use std::collections::BTreeMap;
use std::io::BufRead;

use super::gmt::{self, GeneSet, Weighting};
use super::table::Table;
use super::{Loaded, PriorsError};
use crate::data::GeneSymbols;

/// Parameters of the GO co-annotation graph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params(pub gmt::Params);

impl Default for Params {
    /// Terms of at most 100 genes, information-content weighting, similarity ≥ 0.3.
    fn default() -> Params {
        Params(gmt::Params {
            max_set_size: 100,
            min_similarity: 0.3,
            weighting: Weighting::InformationContent,
        })
    }
}

/// Reads a GO annotation table into a co-annotation graph.
pub fn read_annotations(
    reader: impl BufRead,
    file: &str,
    params: &Params,
    symbols: &GeneSymbols,
) -> Result<Loaded, PriorsError> {
    let mut t = Table::with_header(reader, file, "`symbol`, `go_id`[, `ontology`]")?;
    let gene = t.require(&["symbol", "gene", "gene_symbol"])?;
    let term = t.require(&["go_id", "go", "term"])?;
    let ontology = t.column(&["ontology", "ont", "aspect"]);
    let evidence = t.column(&["evidence"]);
    let mut terms: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let (mut read, mut other, mut no_data) = (0, 0, 0);
    while t.next_row()? {
        read += 1;
        if let Some(o) = ontology {
            let o = t.get(o)?;
            if !(o.eq_ignore_ascii_case("BP") || o.eq_ignore_ascii_case("P")) {
                other += 1;
                continue;
            }
        }
        if let Some(e) = evidence {
            if t.get(e)? == "ND" {
                no_data += 1;
                continue;
            }
        }
        let go_id = t.get(term)?;
        if go_id.is_empty() {
            return Err(t.field_error(term, "a GO term id"));
        }
        terms
            .entry(go_id.to_string())
            .or_default()
            .push(t.get(gene)?.to_string());
    }
    let sets: Vec<GeneSet> = terms
        .into_iter()
        .map(|(name, genes)| GeneSet { name, genes })
        .collect();
    let mut loaded = gmt::similarity_graph(&sets, file, &params.0, symbols)?;
    // Report annotation rows rather than terms.
    let r = &mut loaded.report;
    r.notes.push((
        format!("GO BP terms from {read} annotation rows"),
        sets.len(),
    ));
    for (reason, n) in [
        ("not biological process", other),
        ("evidence ND (no data)", no_data),
    ] {
        if n > 0 {
            r.notes
                .push((format!("annotation rows skipped: {reason}"), n));
        }
    }
    r.notes.sort();
    Ok(loaded)
}

/// Reads a GMT of GO terms into a co-annotation graph.
pub fn read_gmt(
    reader: impl BufRead,
    file: &str,
    params: &Params,
    symbols: &GeneSymbols,
) -> Result<Loaded, PriorsError> {
    gmt::read(reader, file, &params.0, symbols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_bp_and_drops_no_data() {
        let text = "symbol\tentrez_id\tontology\tgo_id\tevidence\n\
            A\t1\tBP\tGO:1\tIDA\nB\t2\tBP\tGO:1\tIEA\nC\t3\tMF\tGO:1\tIDA\nD\t4\tBP\tGO:1\tND\n\
            E\t5\tBP\tGO:2\tIDA\nF\t6\tBP\tGO:2\tIDA\n";
        let loaded = read_annotations(
            text.as_bytes(),
            "go.tsv",
            &Params::default(),
            &GeneSymbols::identity(),
        )
        .unwrap();
        let g = &loaded.graph;
        assert_eq!(g.edge_count(), 2, "A–B and E–F");
        assert!(g.node("C").is_none() && g.node("D").is_none());
        assert_eq!(loaded.report.rows_read, 2, "two terms");
    }

    #[test]
    fn missing_go_column_is_an_error() {
        let err = read_annotations(
            "symbol\tx\n".as_bytes(),
            "go.tsv",
            &Params::default(),
            &GeneSymbols::identity(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("missing column `go_id`"), "{err}");
    }
}

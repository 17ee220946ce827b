//! PROGENy pathway footprints (Schubert et al. 2018): genes responsive to a pathway's activity.
//!
//! In flows a table `gene, pathway, weight[, p.value]` (the shared
//! `progeny_human_top500.tsv.gz`, from Debian `r-bioc-progeny`). Out comes a directed graph from
//! one node per pathway, named `PROGENY:<pathway>` (never alias-resolved), to its footprint genes:
//! sign = sign of the weight, weight = |weight| / the pathway's largest |weight| (in (0, 1]).
//! Directed rather than undirected because a footprint says which way the response runs; the
//! gene nodes can still be ranked by any centrality. Zero weights are dropped. Licence: Apache-2.0.

use std::collections::BTreeMap;
use std::io::BufRead;

use super::collect::Collector;
use super::table::Table;
use super::{Loaded, PriorsError};
use crate::data::GeneSymbols;

/// Reads PROGENy footprints.
pub fn read(
    reader: impl BufRead,
    file: &str,
    symbols: &GeneSymbols,
) -> Result<Loaded, PriorsError> {
    let mut t = Table::with_header(reader, file, "`gene`, `pathway`, `weight`")?;
    let gene = t.require(&["gene", "target"])?;
    let pathway = t.require(&["pathway", "source"])?;
    let weight = t.require(&["weight"])?;
    let mut rows: Vec<(String, String, f64)> = Vec::new();
    let mut largest: BTreeMap<String, f64> = BTreeMap::new();
    while t.next_row()? {
        let w = t.number(weight)?;
        let p = t.get(pathway)?.to_string();
        let m = largest.entry(p.clone()).or_default();
        *m = m.max(w.abs());
        rows.push((p, t.get(gene)?.to_string(), w));
    }
    let mut c = Collector::new(symbols, true);
    c.read_rows(rows.len());
    for (p, g, w) in rows {
        if w == 0.0 {
            c.drop_row("zero weight");
            continue;
        }
        let source = c.raw_node(&format!("PROGENY:{p}"));
        let targets = c.nodes(&g);
        let sign = if w > 0.0 { 1 } else { -1 };
        c.add_ids(&[source], &targets, (w.abs() / largest[&p]) as f32, sign);
    }
    c.finish(t.file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footprints_are_scaled_per_pathway() {
        let text = "gene\tpathway\tweight\tp.value\nTMPRSS2\tAndrogen\t11.5\t1e-40\n\
            KLK3\tAndrogen\t-5.75\t1e-3\nEGR1\tEGFR\t2\t0.1\nX\tEGFR\t0\t1\n";
        let loaded = read(text.as_bytes(), "p.tsv", &GeneSymbols::identity()).unwrap();
        let g = &loaded.graph;
        let a = g.node("PROGENY:Androgen").unwrap();
        let out: Vec<_> = g.out_neighbours(a).map(|(n, w)| (g.name(n), w)).collect();
        assert_eq!(out, vec![("TMPRSS2", 1.0), ("KLK3", 0.5)]);
        assert_eq!(g.edges()[1].sign, -1);
        assert_eq!(loaded.report.reasons, vec![("zero weight".into(), 1)]);
        let err = read(
            "gene\tpathway\tweight\nA\tB\tNaN\n".as_bytes(),
            "p.tsv",
            &GeneSymbols::identity(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "p.tsv:2:3: column `weight`: expected a finite number, got \"NaN\""
        );
    }
}

//! OmniPath-style edge tables: regulator → target with sign and evidence counts.
//!
//! In flows a table with a header (tab or comma): `source` (or `regulator`, `tf`,
//! `source_genesymbol`), `target` (or `target_genesymbol`), and optionally `sign` (or `mor`;
//! +1/−1/0), `type` (`transcriptional`/`T`, `post_translational`/`P`, …), `curation_effort`,
//! `n_references`, `n_sources`, `sources` (`;`-separated resource names) and 0/1 flag columns
//! `collectri` and `dorothea`. Out comes a directed graph whose weights are confidences
//! ([`crate::priors::evidence_confidence`] of `curation_effort + n_sources`). Reads the shared
//! `omnipath_all_edges.tsv.gz` / `omnipath_signalling_edges.tsv.gz`, the CollecTRI and DoRothEA
//! exports, and the embedded bundle (`regulator, target, type, sign, curation_effort,
//! n_references, n_sources, collectri, dorothea`).

use std::io::BufRead;

use super::collect::Collector;
use super::table::Table;
use super::{Loaded, PriorsError, evidence_confidence};
use crate::data::GeneSymbols;

/// Which rows of an OmniPath-style table to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    /// Rows of type transcriptional (all rows when there is no `type` column).
    Transcriptional,
    /// Rows of type post-translational (all rows when there is no `type` column).
    Signalling,
    /// Every row.
    All,
    /// Rows from a resource (lower-case name): its 0/1 flag column when present, else its name in
    /// `sources` (case-insensitive), else
    /// every row (the file is taken to be that resource's export).
    Resource(&'static str),
}

const REGULATOR: &[&str] = &["source", "regulator", "tf", "source_genesymbol"];
const TARGET: &[&str] = &["target", "target_genesymbol"];

/// Reads an OmniPath-style table into a directed, signed graph of confidences.
pub fn read(
    reader: impl BufRead,
    file: &str,
    select: Select,
    symbols: &GeneSymbols,
) -> Result<Loaded, PriorsError> {
    let mut t = Table::with_header(reader, file, "`source`, `target`")?;
    let source = t.require(REGULATOR)?;
    let target = t.require(TARGET)?;
    let sign = t.column(&["sign", "mor"]);
    let kind = t.column(&["type"]);
    let effort = t.column(&["curation_effort"]);
    let refs = t.column(&["n_references"]);
    let n_sources = t.column(&["n_sources"]);
    let (flag, sources) = match select {
        Select::Resource(name) => (t.column(&[name]), t.column(&["sources"])),
        _ => (None, None),
    };
    let want_type: Option<&[&str]> = match select {
        Select::Transcriptional => Some(&["transcriptional", "T"]),
        Select::Signalling => Some(&["post_translational", "P"]),
        _ => None,
    };
    let mut c = Collector::new(symbols, true);
    while t.next_row()? {
        c.read_row();
        if let (Some(want), Some(k)) = (want_type, kind) {
            let k = t.get(k)?;
            if !want.iter().any(|w| w.eq_ignore_ascii_case(k)) {
                c.drop_row("other interaction type");
                continue;
            }
        }
        if let Select::Resource(name) = select {
            let keep = match (flag, sources) {
                (Some(f), _) => t.sign(f)? == 1,
                (None, Some(s)) => t.get(s)?.to_ascii_lowercase().contains(name),
                (None, None) => true,
            };
            if !keep {
                c.drop_row("not from the selected resource");
                continue;
            }
        }
        let evidence = match (effort, refs) {
            (Some(e), _) => t.count(e)?,
            (None, Some(r)) => t.count(r)?,
            (None, None) => 0.0,
        } + match n_sources {
            Some(n) => t.count(n)?,
            None => 1.0,
        };
        let s = match sign {
            Some(i) => t.sign(i)?,
            None => 0,
        };
        let (a, b) = (t.get(source)?.to_string(), t.get(target)?.to_string());
        c.add_row(&a, &b, evidence_confidence(evidence), s);
    }
    c.finish(t.file())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "source\ttarget\ttype\tsign\tcuration_effort\tn_sources\tsources\n\
        MYC\tTERT\ttranscriptional\t1\t76\t15\tCollecTRI;DoRothEA\n\
        CALM1\tTRPC1\tpost_translational\t-1\t3\t1\tTRIP\n\
        COMPLEX:JUN_FOS\tMMP1\ttranscriptional\t1\t0\t1\tCollecTRI\n";

    #[test]
    fn selects_by_type_and_resource_and_weights_by_evidence() {
        let ids = GeneSymbols::identity();
        let tx = read(TABLE.as_bytes(), "o.tsv", Select::Transcriptional, &ids).unwrap();
        assert_eq!(tx.graph.edge_count(), 3);
        assert_eq!(
            tx.report.reasons,
            vec![("other interaction type".into(), 1)]
        );
        let g = &tx.graph;
        let myc_tert = g.edges()[0];
        assert_eq!(myc_tert.weight, evidence_confidence(91.0));
        let jun_mmp1 = g.edges()[1];
        assert_eq!(g.name(jun_mmp1.source), "JUN");
        // effort 0, one source: 1 − e^(−1/4)
        assert!((jun_mmp1.weight - 0.2212).abs() < 1e-4);
        let sig = read(TABLE.as_bytes(), "o.tsv", Select::Signalling, &ids).unwrap();
        assert_eq!(sig.graph.edge_count(), 1);
        assert_eq!(sig.graph.edges()[0].sign, -1);
        let dor = read(
            TABLE.as_bytes(),
            "o.tsv",
            Select::Resource("dorothea"),
            &ids,
        )
        .unwrap();
        assert_eq!(dor.graph.edge_count(), 1);
        assert_eq!(dor.report.rows_dropped, 2);
    }

    #[test]
    fn bad_sign_and_counts_name_the_cell() {
        let ids = GeneSymbols::identity();
        let bad = "source\ttarget\tsign\nA\tB\tup\n";
        let err = read(bad.as_bytes(), "o.tsv", Select::All, &ids).unwrap_err();
        assert_eq!(
            err.to_string(),
            "o.tsv:2:3: column `sign`: expected a sign: 1, -1 or 0, got \"up\""
        );
        let bad = "source\ttarget\tn_sources\nA\tB\tmany\n";
        let err = read(bad.as_bytes(), "o.tsv", Select::All, &ids).unwrap_err();
        assert!(
            err.to_string().starts_with("o.tsv:2:3: column `n_sources`"),
            "{err}"
        );
        let err = read("regulator\tgene\n".as_bytes(), "o.tsv", Select::All, &ids).unwrap_err();
        assert!(err.to_string().contains("missing column `target`"), "{err}");
    }
}

//! DoRothEA: TF → target edges (Garcia-Alonso et al. 2019), through OmniPath (no A–D levels).
//!
//! In flows an OmniPath-style table (see [`super::omnipath`]): the shared
//! `dorothea_edges.tsv.gz`, or the embedded bundle (rows flagged `dorothea`). Out comes a
//! directed, signed graph of confidences, weighted as CollecTRI.

use std::io::BufRead;

use super::omnipath::{self, Select};
use super::{Loaded, PriorsError};
use crate::data::GeneSymbols;

/// Reads DoRothEA edges.
pub fn read(
    reader: impl BufRead,
    file: &str,
    symbols: &GeneSymbols,
) -> Result<Loaded, PriorsError> {
    omnipath::read(reader, file, Select::Resource("dorothea"), symbols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_flagged_rows_only() {
        let ids = GeneSymbols::identity();
        let t = "regulator\ttarget\tsign\tcollectri\tdorothea\nA\tB\t1\t1\t0\nA\tC\t-1\t0\t1\n";
        let loaded = read(t.as_bytes(), "d.tsv", &ids).unwrap();
        assert_eq!(loaded.graph.edge_count(), 1);
        assert!(loaded.graph.node("C").is_some() && loaded.graph.node("B").is_none());
        assert_eq!(
            loaded.report.reasons,
            vec![("not from the selected resource".into(), 1)]
        );
    }
}

//! CollecTRI: curated, signed TF → target edges (Müller-Dott et al. 2023), through OmniPath.
//!
//! In flows an OmniPath-style table (see [`super::omnipath`]): the shared
//! `collectri_edges.tsv.gz` (`source, target, sign, curation_effort, n_references, n_sources,
//! sources`), a decoupler export (`source, target, mor`), or the embedded bundle (rows flagged
//! `collectri`). Out comes a directed, signed graph whose weights are confidences in [0, 1]
//! (`1 − exp(−(curation_effort + n_sources)/4)`). Licence of the data: CC BY 4.0.

use std::io::BufRead;

use super::omnipath::{self, Select};
use super::{Loaded, PriorsError};
use crate::data::GeneSymbols;

/// Reads CollecTRI edges.
pub fn read(
    reader: impl BufRead,
    file: &str,
    symbols: &GeneSymbols,
) -> Result<Loaded, PriorsError> {
    omnipath::read(reader, file, Select::Resource("collectri"), symbols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shared_layout_and_a_decoupler_export() {
        let ids = GeneSymbols::identity();
        let shared = "source\ttarget\tsign\tcuration_effort\tn_references\tn_sources\tsources\n\
            MYC\tTERT\t1\t76\t74\t15\tCollecTRI;DoRothEA\n\
            SPI1\tBGLAP\t-1\t1\t1\t2\tCollecTRI;ExTRI_CollecTRI\n";
        let g = read(shared.as_bytes(), "c.tsv", &ids).unwrap().graph;
        assert_eq!(g.edge_count(), 2);
        assert_eq!(g.edges()[1].sign, -1);
        assert!(g.edges()[0].weight > g.edges()[1].weight);
        let decoupler = "source,target,mor\nMYC,TERT,1\nMYC,TERT,1\n";
        let loaded = read(decoupler.as_bytes(), "c.csv", &ids).unwrap();
        assert_eq!(loaded.graph.edge_count(), 1);
        assert_eq!(loaded.report.rows_dropped, 1);
    }
}

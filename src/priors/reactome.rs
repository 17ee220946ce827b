//! Reactome pathways (GMT) as a gene–gene Jaccard graph.
//!
//! In flows Reactome's GMT (`pathway name<TAB>R-HSA id<TAB>gene…`, e.g.
//! `ReactomePathways.gmt`); out comes an undirected graph joining genes whose pathway lists have
//! Jaccard similarity ≥ 0.25, counting pathways of at most 200 genes ([`super::gmt`]). Licence of
//! the data: CC BY 4.0.

use std::io::BufRead;

use super::gmt::{self, Params};
use super::{Loaded, PriorsError};
use crate::data::GeneSymbols;

/// Reads a Reactome GMT into a Jaccard graph with the default [`Params`].
pub fn read(
    reader: impl BufRead,
    file: &str,
    symbols: &GeneSymbols,
) -> Result<Loaded, PriorsError> {
    gmt::read(reader, file, &Params::default(), symbols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pathways_sharing_genes_join_them() {
        let text = "2-LTR circle formation\tR-HSA-164843\tBANF1\tHMGA1\tLIG4\n\
                    NHEJ\tR-HSA-1\tLIG4\tXRCC4\n";
        let g = read(text.as_bytes(), "r.gmt", &GeneSymbols::identity())
            .unwrap()
            .graph;
        // BANF1–HMGA1 share their only pathway (1), LIG4–XRCC4 share 1 of 2 (0.5),
        // BANF1–LIG4 and HMGA1–LIG4 share 1 of 2 (0.5): four edges, none BANF1–XRCC4.
        assert_eq!(g.edge_count(), 4);
        let (banf1, xrcc4) = (g.node("BANF1").unwrap(), g.node("XRCC4").unwrap());
        assert!(g.out_neighbours(banf1).all(|(n, _)| n != xrcc4));
    }
}

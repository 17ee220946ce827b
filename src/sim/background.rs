//! Background gene symbols: official human symbols of the embedded NCBI table
//! (`experiments/data/embedded/gene_symbols.tsv.gz`, NCBI Gene 2022-09 via org.Hs.eg.db) that
//! look protein-coding by name, in table order. The simulator fills the measured genes beyond
//! the resource network from this list, and draws synthetic networks over it.
//!
//! The table has no gene types, so names decide (about 20,500 remain, close to the ~20,600
//! protein-coding genes of NCBI): dropped are `LOC…` placeholders, names with a `-` (antisense,
//! divergent and read-through transcripts), RNA families (`MIR`, `RNU`, `RNA5`, `RNY`, `SNOR`,
//! `SCARNA`, `RN7S`, `LINC`, `Y_RNA`), immune receptor segments (`TRAV…`, `IGHV…`) and
//! pseudogenes named `<symbol>P<n>` after an existing symbol (HSPD1P12; MMP2 stays).

use std::io::{BufRead, BufReader};

static TABLE: &[u8] = include_bytes!("../../experiments/data/embedded/gene_symbols.tsv.gz");

/// Prefixes of RNA genes and immune receptor segments.
const DROPPED_PREFIXES: &[&str] = &[
    "LOC", "MIR", "RNU", "RNA5", "RNY", "SNOR", "SCARNA", "RN7S", "LINC", "Y_RNA", "TRAV", "TRAJ",
    "TRAC", "TRBV", "TRBJ", "TRBC", "TRDV", "TRDJ", "TRDC", "TRGV", "TRGJ", "TRGC", "IGHV", "IGHJ",
    "IGHD", "IGKV", "IGKJ", "IGLV", "IGLJ",
];

/// The official symbols of the embedded table that look protein-coding (see the module docs).
pub fn official_symbols() -> Vec<String> {
    let reader = BufReader::new(flate2::read::GzDecoder::new(TABLE));
    let official: Vec<String> = reader
        .lines()
        .map(|l| l.expect("the embedded gene table decompresses (checked by a test)"))
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let (name, symbol, kind) = (cols.next()?, cols.next()?, cols.next()?);
            (kind == "official" && name == symbol).then(|| symbol.to_string())
        })
        .collect();
    let all: std::collections::HashSet<&str> = official.iter().map(String::as_str).collect();
    let pseudogene = |s: &str| {
        let stem = s.trim_end_matches(|c: char| c.is_ascii_digit());
        stem.len() < s.len()
            && stem
                .strip_suffix('P')
                .is_some_and(|parent| all.contains(parent))
    };
    official
        .iter()
        .filter(|s| {
            !s.contains('-') && !DROPPED_PREFIXES.iter().any(|p| s.starts_with(p)) && !pseudogene(s)
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_kept_symbols_look_protein_coding_and_are_distinct() {
        let symbols = super::official_symbols();
        assert!(
            (18_000..25_000).contains(&symbols.len()),
            "{}",
            symbols.len()
        );
        for kept in ["TP53", "MMP2", "CASP3", "GATA1"] {
            assert!(symbols.iter().any(|s| s == kept), "{kept}");
        }
        for dropped in ["HSPD1P12", "MIR6750", "ITGA6-AS1", "RNU6-1264P"] {
            assert!(!symbols.iter().any(|s| s == dropped), "{dropped}");
        }
        let distinct: std::collections::HashSet<_> = symbols.iter().collect();
        assert_eq!(distinct.len(), symbols.len());
    }
}

//! Gene sets (GMT) and the co-membership similarity graph built from them.
//!
//! In flows a GMT file (one set a line: `name<TAB>description<TAB>gene…`) or any list of sets;
//! out comes an undirected graph joining two genes whose set memberships are similar:
//!
//! ```text
//! sim(a, b) = Σ_{t ∋ a, b} w(t) / Σ_{t ∋ a or b} w(t)
//! ```
//!
//! over the sets `t` with at most `max_set_size` genes (larger sets are too unspecific and are
//! dropped, with reason `gene set larger than the size cap`). `w(t) = 1` gives the Jaccard index
//! of the two genes' set lists; `w(t) = −ln(|t| / N)` (N = genes in any set) is the
//! information-content weighting used for GO ([`super::go`]). Pairs below `min_similarity` are
//! left out. `rows_read` counts sets.

use std::collections::HashMap;
use std::io::BufRead;

use super::collect::Collector;
use super::table::Table;
use super::{Loaded, PriorsError};
use crate::data::GeneSymbols;

/// How sets are weighted in the similarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weighting {
    /// Every set counts 1: plain Jaccard.
    Jaccard,
    /// A set counts its information content −ln(|t| / N).
    InformationContent,
}

/// Parameters of a co-membership graph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Largest set (in genes) that still counts.
    pub max_set_size: usize,
    /// Smallest similarity kept as an edge.
    pub min_similarity: f64,
    /// Set weighting.
    pub weighting: Weighting,
}

impl Default for Params {
    /// Jaccard over sets of at most 200 genes, edges with similarity ≥ 0.25.
    fn default() -> Params {
        Params {
            max_set_size: 200,
            min_similarity: 0.25,
            weighting: Weighting::Jaccard,
        }
    }
}

/// One gene set.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneSet {
    /// Set name.
    pub name: String,
    /// Member gene names as written.
    pub genes: Vec<String>,
}

/// Parses a GMT file (`name<TAB>description<TAB>gene…`; empty fields ignored).
pub fn parse(reader: impl BufRead, file: &str) -> Result<Vec<GeneSet>, PriorsError> {
    let mut t = Table::with_names(reader, file, '\t', &["name", "description"]);
    let mut sets = Vec::new();
    while t.next_row()? {
        if t.len() < 2 {
            t.get(1)?;
        }
        let genes = (2..t.len())
            .map(|i| t.get(i).map(str::to_string))
            .filter(|g| g.as_ref().map_or(true, |g| !g.is_empty()))
            .collect::<Result<Vec<_>, _>>()?;
        sets.push(GeneSet {
            name: t.get(0)?.to_string(),
            genes,
        });
    }
    Ok(sets)
}

/// Reads a GMT file into a co-membership graph.
pub fn read(
    reader: impl BufRead,
    file: &str,
    params: &Params,
    symbols: &GeneSymbols,
) -> Result<Loaded, PriorsError> {
    let sets = parse(reader, file)?;
    similarity_graph(&sets, file, params, symbols)
}

/// Builds the co-membership graph of `sets` (see the module docs).
pub fn similarity_graph(
    sets: &[GeneSet],
    file: &str,
    params: &Params,
    symbols: &GeneSymbols,
) -> Result<Loaded, PriorsError> {
    let mut c = Collector::new(symbols, false);
    c.read_rows(sets.len());
    // Members as node ids (complexes expanded, duplicates within a set removed).
    let mut members: Vec<Vec<u32>> = Vec::with_capacity(sets.len());
    for s in sets {
        let mut ids: Vec<u32> = s.genes.iter().flat_map(|g| c.nodes(g)).collect();
        ids.sort_unstable();
        ids.dedup();
        members.push(ids);
    }
    let n_genes = {
        let mut all: Vec<u32> = members.iter().flatten().copied().collect();
        all.sort_unstable();
        all.dedup();
        all.len().max(1)
    };
    let mut total: HashMap<u32, f64> = HashMap::new();
    let mut shared: HashMap<u64, f64> = HashMap::new();
    for ids in &members {
        if ids.len() > params.max_set_size {
            c.drop_row("gene set larger than the size cap");
            continue;
        }
        if ids.len() < 2 {
            c.drop_row("gene set with fewer than 2 genes");
            continue;
        }
        let w = match params.weighting {
            Weighting::Jaccard => 1.0,
            Weighting::InformationContent => -(ids.len() as f64 / n_genes as f64).ln(),
        };
        for (i, &a) in ids.iter().enumerate() {
            *total.entry(a).or_default() += w;
            for &b in &ids[i + 1..] {
                *shared
                    .entry((u64::from(a) << 32) | u64::from(b))
                    .or_default() += w;
            }
        }
    }
    let mut pairs: Vec<(u64, f64)> = shared.into_iter().collect();
    pairs.sort_unstable_by_key(|p| p.0);
    let mut below = 0;
    for (key, s) in pairs {
        let (a, b) = ((key >> 32) as u32, key as u32);
        let union = total[&a] + total[&b] - s;
        let sim = if union > 0.0 { s / union } else { 0.0 };
        if sim >= params.min_similarity {
            c.add_ids(&[a], &[b], sim as f32, 0);
        } else {
            below += 1;
        }
    }
    c.note(
        "gene pairs below the similarity threshold (not edges)",
        below,
    );
    c.finish(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaccard_by_hand() {
        // A: {s1, s2}, B: {s1, s2, s3}, C: {s3}; J(A,B) = 2/3, J(B,C) = 1/3, J(A,C) = 0.
        let gmt = "s1\tx\tA\tB\ns2\tx\tA\tB\ns3\tx\tB\tC\t\nbig\tx\tA\tB\tC\tD\n";
        let p = Params {
            max_set_size: 3,
            min_similarity: 0.3,
            weighting: Weighting::Jaccard,
        };
        let loaded = read(gmt.as_bytes(), "g.gmt", &p, &GeneSymbols::identity()).unwrap();
        let g = &loaded.graph;
        let w = |x: &str, y: &str| {
            let (x, y) = (g.node(x).unwrap(), g.node(y).unwrap());
            g.out_neighbours(x).find(|(n, _)| *n == y).map(|(_, w)| w)
        };
        assert!((w("A", "B").unwrap() - 2.0 / 3.0).abs() < 1e-6);
        assert!((w("C", "B").unwrap() - 1.0 / 3.0).abs() < 1e-6);
        assert_eq!(w("A", "C"), None);
        assert_eq!(loaded.report.rows_read, 4);
        assert_eq!(
            loaded.report.reasons,
            vec![("gene set larger than the size cap".into(), 1)]
        );
    }

    #[test]
    fn information_content_favours_small_sets() {
        // N = 4 genes. A,B share the small set t1 (IC ln 2); C,D share t2 = {B,C,D} (IC ln 4/3).
        let sets = vec![
            GeneSet {
                name: "t1".into(),
                genes: vec!["A".into(), "B".into()],
            },
            GeneSet {
                name: "t2".into(),
                genes: vec!["B".into(), "C".into(), "D".into()],
            },
        ];
        let p = Params {
            max_set_size: 10,
            min_similarity: 0.0,
            weighting: Weighting::InformationContent,
        };
        let g = similarity_graph(&sets, "s", &p, &GeneSymbols::identity())
            .unwrap()
            .graph;
        let sim = |x: &str, y: &str| {
            let (x, y) = (g.node(x).unwrap(), g.node(y).unwrap());
            g.out_neighbours(x).find(|(n, _)| *n == y).unwrap().1 as f64
        };
        let (ic1, ic2) = (2f64.ln(), (4.0f64 / 3.0).ln());
        assert!((sim("A", "B") - ic1 / (ic1 + ic2)).abs() < 1e-6);
        assert!((sim("C", "D") - 1.0).abs() < 1e-6);
    }

    #[test]
    fn a_line_without_description_is_an_error() {
        let err = parse("only_name\n".as_bytes(), "g.gmt").unwrap_err();
        assert_eq!(
            err.to_string(),
            "g.gmt:1: expected at least 2 fields, got 1"
        );
    }
}

//! Centrality heuristics: rank genes by their position in a prior graph.
//!
//! In flows a [`Graph`] and a measure (a [`Centrality`], implemented in each measure's file;
//! [`Measure`] is the enum the CLI picks from); out comes one score per node,
//! and from the scores a ranking over candidate genes ([`rank`]), e.g. a screen's perturbations.
//! These are the baselines MechPert is compared against: "perturb the most central genes first".
//!
//! | measure | definition (matches networkx 3.x where named) | weighted |
//! |---|---|---|
//! | `in-degree`, `out-degree`, `degree` | neighbour counts (degree = in + out when directed) | no |
//! | `weighted-in-degree`, … | sums of edge weights (strength) | yes |
//! | `pagerank` | `pagerank(G, alpha=0.85, weight='weight', tol=1e-6)`: own power iteration, dangling mass spread uniformly ([`pagerank`]) | yes |
//! | `betweenness` | `betweenness_centrality(G, normalized=True)`: own Brandes search, parallel, bit-identical to rustworkx-core's ([`betweenness`]) | **no** |
//! | `closeness` | `closeness_centrality(G, wf_improved=True)`: own breadth-first searches; incoming distances when directed ([`closeness`]) | no |
//! | `eigenvector` | `eigenvector_centrality(G, weight='weight')`: power iteration on `Aᵀ + I` ([`eigenvector`]) | yes |
//! | `katz` | `katz_centrality(G, alpha, beta=1, weight='weight')` with `alpha = 0.9 / min(max in-strength, max out-strength)` unless given ([`katz`]) | yes |
//! | `random` | uniform scores from a seeded generator ([`random`]) | — |
//!
//! Undirected graphs count every edge in both directions (networkx's `to_directed()`). Every
//! measure is computed in `f64` over all nodes; ties in a ranking break by gene name.

use std::num::NonZeroUsize;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::Graph;

pub mod betweenness;
pub mod cache;
pub mod closeness;
pub mod degree;
pub mod eigenvector;
pub mod katz;
pub mod pagerank;
pub mod random;

pub use degree::Direction;

/// An error computing a centrality.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CentralityError {
    /// A power iteration did not reach its tolerance.
    #[error(
        "{measure} did not converge within {iterations} iterations (L1 change {change:.3e} > tolerance {tolerance:.1e} × {nodes} nodes); raise --max-iter or lower --alpha"
    )]
    NotConverged {
        /// The measure.
        measure: &'static str,
        /// Iterations run.
        iterations: usize,
        /// Last L1 change.
        change: f64,
        /// Per-node tolerance.
        tolerance: f64,
        /// Nodes.
        nodes: usize,
    },
    /// A parameter out of range.
    #[error("invalid {name} {value}: expected {expected}")]
    BadParameter {
        /// Parameter name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What is accepted.
        expected: &'static str,
    },
}

/// A centrality: one score per node of a graph (higher = more central). Each measure's file
/// implements it; [`Measure`] is the enum the command line chooses from.
pub trait Centrality: Send + Sync {
    /// A short name for tables (`pagerank`, `weighted-in-degree`, …).
    fn name(&self) -> String;
    /// One score per node (indexed by node id).
    fn scores(&self, graph: &Graph) -> Result<Vec<f64>, CentralityError>;
}

impl Centrality for Measure {
    fn name(&self) -> String {
        Measure::name(self)
    }
    fn scores(&self, graph: &Graph) -> Result<Vec<f64>, CentralityError> {
        Measure::scores(self, graph)
    }
}

/// Settings of the iterative measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Iteration {
    /// Per-node tolerance: iteration stops when the L1 change is below `tolerance × nodes`.
    pub tolerance: f64,
    /// Most iterations before giving up.
    pub max_iter: NonZeroUsize,
}

impl Default for Iteration {
    /// networkx's defaults for PageRank: tolerance 1e-6, 100 iterations.
    fn default() -> Iteration {
        Iteration {
            tolerance: 1e-6,
            max_iter: NonZeroUsize::new(100).expect("non-zero"),
        }
    }
}

impl Iteration {
    /// The L1 change between two iterates, and whether it is below `tolerance × nodes`.
    pub(crate) fn converged(&self, next: &[f64], last: &[f64]) -> (f64, bool) {
        let change: f64 = next.iter().zip(last).map(|(a, b)| (a - b).abs()).sum();
        (change, change < next.len() as f64 * self.tolerance)
    }

    /// The error after `max_iter` iterations without convergence.
    pub(crate) fn not_converged(
        &self,
        measure: &'static str,
        change: f64,
        nodes: usize,
    ) -> CentralityError {
        CentralityError::NotConverged {
            measure,
            iterations: self.max_iter.get(),
            change,
            tolerance: self.tolerance,
            nodes,
        }
    }

    fn check(&self) -> Result<(), CentralityError> {
        if self.tolerance.is_finite() && self.tolerance > 0.0 {
            Ok(())
        } else {
            Err(CentralityError::BadParameter {
                name: "tolerance",
                value: self.tolerance,
                expected: "a positive number",
            })
        }
    }
}

/// A centrality measure with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// Neighbour counts or weight sums in a direction.
    Degree {
        /// In, out or both.
        direction: Direction,
        /// Sum weights instead of counting edges.
        weighted: bool,
    },
    /// Weighted PageRank.
    PageRank(pagerank::Params),
    /// Unweighted betweenness.
    Betweenness,
    /// Unweighted closeness.
    Closeness,
    /// Weighted eigenvector centrality.
    Eigenvector(Iteration),
    /// Weighted Katz centrality.
    Katz(katz::Params),
    /// Seeded random scores.
    Random {
        /// Seed of the generator.
        seed: u64,
    },
}

impl Measure {
    /// A short name for tables (`pagerank`, `weighted-in-degree`, …).
    pub fn name(&self) -> String {
        match self {
            Measure::Degree {
                direction,
                weighted,
            } => format!(
                "{}{}",
                if *weighted { "weighted-" } else { "" },
                match direction {
                    Direction::In => "in-degree",
                    Direction::Out => "out-degree",
                    Direction::Total => "degree",
                }
            ),
            Measure::PageRank(_) => "pagerank".into(),
            Measure::Betweenness => "betweenness".into(),
            Measure::Closeness => "closeness".into(),
            Measure::Eigenvector(_) => "eigenvector".into(),
            Measure::Katz(_) => "katz".into(),
            Measure::Random { .. } => "random".into(),
        }
    }

    /// One score per node (indexed by node id).
    pub fn scores(&self, graph: &Graph) -> Result<Vec<f64>, CentralityError> {
        match self {
            Measure::Degree {
                direction,
                weighted,
            } => Ok(degree::scores(graph, *direction, *weighted)),
            Measure::PageRank(p) => pagerank::scores(graph, p),
            Measure::Betweenness => Ok(betweenness::scores(graph)),
            Measure::Closeness => Ok(closeness::scores(graph)),
            Measure::Eigenvector(it) => eigenvector::scores(graph, it),
            Measure::Katz(p) => katz::scores(graph, p),
            Measure::Random { seed } => Ok(random::scores(graph, *seed)),
        }
    }
}

/// One row of a ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Gene symbol.
    pub gene: String,
    /// Its score, `None` when the gene is not in the graph.
    pub score: Option<f64>,
    /// 1-based rank.
    pub rank: usize,
}

/// Ranks candidate genes by score, highest first.
///
/// `candidates` = `None` ranks every node. Ties break by gene name. Candidates absent from the
/// graph come last, in an order shuffled by a generator seeded with `seed` (from the
/// alphabetically sorted names, so the order depends only on the seed and the set of names);
/// duplicates among the candidates are ranked once.
///
/// ```
/// use mechpert::priors::{Graph, centrality::{rank, Measure, Direction}};
/// let mut b = Graph::builder(true);
/// b.add_edge("GATA1", "KLF1", 1.0, 1);
/// b.add_edge("GATA1", "TAL1", 1.0, 1);
/// let g = b.build();
/// let m = Measure::Degree { direction: Direction::Out, weighted: false };
/// let scores = m.scores(&g).unwrap();
/// let cands = ["KLF1".to_string(), "MYC".to_string(), "GATA1".to_string()];
/// let r = rank(&g, &scores, Some(&cands), 7);
/// assert_eq!(r[0].gene, "GATA1");
/// assert_eq!((r[2].gene.as_str(), r[2].score), ("MYC", None));
/// ```
pub fn rank(
    graph: &Graph,
    scores: &[f64],
    candidates: Option<&[String]>,
    seed: u64,
) -> Vec<Ranked> {
    assert_eq!(scores.len(), graph.node_count(), "one score per node");
    let mut present: Vec<(&str, f64)> = Vec::new();
    let mut absent: Vec<&str> = Vec::new();
    match candidates {
        None => present.extend(
            graph
                .names()
                .iter()
                .map(|n| n.as_str())
                .zip(scores.iter().copied()),
        ),
        Some(c) => {
            let mut seen = std::collections::HashSet::new();
            for g in c {
                if !seen.insert(g.as_str()) {
                    continue;
                }
                match graph.node(g) {
                    Some(i) => present.push((g, scores[i as usize])),
                    None => absent.push(g),
                }
            }
        }
    }
    present.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    absent.sort_unstable();
    absent.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
    present
        .into_iter()
        .map(|(g, s)| (g, Some(s)))
        .chain(absent.into_iter().map(|g| (g, None)))
        .enumerate()
        .map(|(i, (g, s))| Ranked {
            gene: g.to_string(),
            score: s,
            rank: i + 1,
        })
        .collect()
}

/// Out-edges of every node as (target, weight) in `f64`, both directions when undirected
/// (the CSR the power iterations run over).
pub(crate) fn out_lists(graph: &Graph) -> Vec<Vec<(usize, f64)>> {
    (0..graph.node_count() as u32)
        .map(|u| {
            graph
                .out_neighbours(u)
                .map(|(v, w)| (v as usize, f64::from(w)))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_candidates_rank_last_in_seeded_order() {
        let mut b = Graph::builder(false);
        b.add_edge("A", "B", 1.0, 0);
        b.add_edge("B", "C", 1.0, 0);
        let g = b.build();
        let s = Measure::Degree {
            direction: Direction::Total,
            weighted: false,
        }
        .scores(&g)
        .unwrap();
        let cands: Vec<String> = ["X1", "C", "X2", "B", "X3", "A", "X4", "B"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let r = rank(&g, &s, Some(&cands), 1);
        let names: Vec<&str> = r.iter().map(|x| x.gene.as_str()).collect();
        assert_eq!(
            &names[..3],
            ["B", "A", "C"],
            "B first, then a tie broken by name"
        );
        assert_eq!(r.len(), 7, "duplicate B ranked once");
        assert!(r[3..].iter().all(|x| x.score.is_none()));
        // Same seed, same order whatever the candidate order; another seed, another order.
        let mut rev = cands.clone();
        rev.reverse();
        assert_eq!(rank(&g, &s, Some(&rev), 1), r);
        let orders: std::collections::HashSet<Vec<String>> = (0..20)
            .map(|seed| {
                rank(&g, &s, Some(&cands), seed)[3..]
                    .iter()
                    .map(|x| x.gene.clone())
                    .collect()
            })
            .collect();
        assert!(orders.len() > 1);
        assert_eq!(r.last().unwrap().rank, 7);
    }

    #[test]
    fn every_measure_works_as_a_trait_object() {
        // A → B (1), A → C (0.25), B → A, C → A: A sends four times more to B than to C.
        let mut b = Graph::builder(true);
        b.add_edge("A", "B", 1.0, 0);
        b.add_edge("A", "C", 0.25, 0);
        b.add_edge("B", "A", 1.0, 0);
        b.add_edge("C", "A", 1.0, 0);
        let g = b.build();
        let all: Vec<Box<dyn Centrality>> = vec![
            Box::new(degree::Degree {
                direction: Direction::In,
                weighted: true,
            }),
            Box::new(pagerank::Params::default()),
            Box::new(betweenness::Betweenness),
            Box::new(closeness::Closeness),
            Box::new(eigenvector::Eigenvector(Iteration::default())),
            Box::new(katz::Params::default()),
            Box::new(random::Random { seed: 1 }),
        ];
        let names: std::collections::HashSet<String> = all.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), all.len());
        for c in &all {
            let s = c.scores(&g).unwrap();
            assert_eq!(s.len(), 3, "{}", c.name());
            // Every weighted measure puts B (the heavier target) above C.
            if ["weighted-in-degree", "pagerank", "eigenvector", "katz"]
                .contains(&c.name().as_str())
            {
                assert!(s[1] > s[2], "{}: {s:?}", c.name());
            }
        }
    }

    #[test]
    fn names_are_stable() {
        let m = Measure::Degree {
            direction: Direction::In,
            weighted: true,
        };
        assert_eq!(m.name(), "weighted-in-degree");
        assert_eq!(Measure::Betweenness.name(), "betweenness");
    }

    #[test]
    fn bad_tolerance_is_rejected() {
        let it = Iteration {
            tolerance: 0.0,
            ..Iteration::default()
        };
        assert!(matches!(
            it.check(),
            Err(CentralityError::BadParameter {
                name: "tolerance",
                ..
            })
        ));
    }
}

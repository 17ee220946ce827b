//! Centrality heuristics (`degree`, `pagerank`, `betweenness`, `eigenvector`, `closeness`):
//! perturb the most central unmeasured genes of a prior graph first.
//!
//! The scores come from [`crate::priors::centrality`], computed once per graph and measure by
//! whoever builds the strategy and shared by every job and round (betweenness on STRING takes
//! minutes). Candidates absent from the graph rank last in the round's shuffled order.

use std::sync::Arc;

use rand::RngCore;

use super::{Pick, Strategy, StrategyError, View, rank_by};
use crate::priors::Graph;

/// A centrality strategy over one graph.
#[derive(Debug, Clone)]
pub struct Central {
    name: String,
    graph_label: String,
    graph: Arc<Graph>,
    scores: Arc<Vec<f64>>,
}

impl Central {
    /// `name` (the measure as spelled on the command line), over `graph` (named `graph_label`
    /// in rationales) with one precomputed `scores` entry per node.
    ///
    /// # Panics
    /// When `scores` does not have one entry per node (caller bug).
    pub fn new(name: &str, graph_label: &str, graph: Arc<Graph>, scores: Arc<Vec<f64>>) -> Central {
        assert_eq!(scores.len(), graph.node_count(), "one score per node");
        Central {
            name: name.to_string(),
            graph_label: graph_label.to_string(),
            graph,
            scores,
        }
    }
}

impl Strategy for Central {
    fn name(&self) -> &str {
        &self.name
    }
    fn select(
        &self,
        view: &View<'_, '_>,
        k: usize,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<Pick>, StrategyError> {
        let names = view.observed.perturbations();
        let score = |r: usize| self.graph.node(&names[r]).map(|n| self.scores[n as usize]);
        let ranked = rank_by(view.candidates, score, rng);
        let in_graph = ranked.iter().filter(|x| x.1.is_some()).count();
        Ok(ranked
            .into_iter()
            .take(k)
            .enumerate()
            .map(|(i, (row, s))| {
                let rationale = match s {
                    Some(v) => format!(
                        "{} {v:.4} in {}: rank {} of the {in_graph} unmeasured candidates in the graph",
                        self.name,
                        self.graph_label,
                        i + 1
                    ),
                    None => format!(
                        "not in {}: ranked after every gene it holds, in random order",
                        self.graph_label
                    ),
                };
                Pick {
                    score: s,
                    centrality: s,
                    ..Pick::new(row, rationale)
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Screen, ValueKind};
    use crate::predict::{Observed, TrainingMean};
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn the_most_central_unmeasured_genes_come_first_and_unknown_genes_last() {
        let s = Screen::from_responses(
            ["A", "B", "C", "D", "E"].map(String::from).to_vec(),
            vec!["x".into()],
            ndarray::array![[1.0], [2.0], [3.0], [4.0], [5.0]],
            ValueKind::Response,
        )
        .unwrap();
        let mut b = Graph::builder(true);
        for (u, v) in [("A", "B"), ("A", "C"), ("A", "D"), ("B", "C"), ("C", "D")] {
            b.add_edge(u, v, 1.0, 0);
        }
        let g = Arc::new(b.build());
        // Out-degree by hand: A 3, B 1, C 1, D 0; E is not in the graph.
        let scores: Vec<f64> = (0..g.node_count() as u32)
            .map(|n| g.out_degree(n) as f64)
            .collect();
        let strategy = Central::new("degree", "toy", g, Arc::new(scores));
        let observed = Observed::reveal(&s, vec![0]);
        let view = View {
            observed: &observed,
            candidates: &[1, 2, 3, 4],
            model: None,
            predictor: &TrainingMean,
        };
        let picks = strategy
            .select(&view, 4, &mut Xoshiro256PlusPlus::seed_from_u64(5))
            .unwrap();
        let rows: Vec<usize> = picks.iter().map(|p| p.row).collect();
        // B and C tie at 1 (order from the shuffle), then D at 0, then E.
        assert_eq!(&rows[2..], &[3, 4]);
        assert!(rows[..2].contains(&1) && rows[..2].contains(&2));
        assert_eq!(picks[0].centrality, Some(1.0));
        assert_eq!(picks[3].centrality, None);
        assert!(
            picks[3].rationale.starts_with("not in toy"),
            "{}",
            picks[3].rationale
        );
    }
}

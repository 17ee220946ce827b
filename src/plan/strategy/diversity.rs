//! `diversity`: greedy k-center in a prior graph — each pick is the unmeasured gene farthest,
//! in hops (edges in either direction), from everything measured or picked so far. Needs no
//! response, so it works from the first round. Genes in the graph but unreachable from the
//! measured set count as infinitely far (picked first); genes absent from the graph come last.

use std::collections::VecDeque;
use std::sync::Arc;

use rand::RngCore;
use rand::seq::SliceRandom;

use super::{Pick, Strategy, StrategyError, View};
use crate::data::Layout;
use crate::priors::Graph;

/// The diversity strategy over one graph.
#[derive(Debug, Clone)]
pub struct Diversity {
    graph: Arc<Graph>,
    graph_label: String,
    node_of_row: Arc<Vec<Option<u32>>>,
}

impl Diversity {
    /// Over `graph` (named `graph_label` in rationales) for the perturbations of `layout`.
    pub fn new(graph: Arc<Graph>, graph_label: &str, layout: &Layout) -> Diversity {
        let node_of_row = layout
            .perturbations()
            .iter()
            .map(|p| graph.node(p))
            .collect();
        Diversity {
            graph,
            graph_label: graph_label.to_string(),
            node_of_row: Arc::new(node_of_row),
        }
    }

    /// Hops from every node to the nearest source (`u32::MAX` when unreachable).
    fn distances(&self, sources: &[u32]) -> Vec<u32> {
        let mut dist = vec![u32::MAX; self.graph.node_count()];
        let mut queue = VecDeque::new();
        for &s in sources {
            if dist[s as usize] != 0 {
                dist[s as usize] = 0;
                queue.push_back(s);
            }
        }
        while let Some(u) = queue.pop_front() {
            let d = dist[u as usize] + 1;
            for (v, _) in self
                .graph
                .out_neighbours(u)
                .chain(self.graph.in_neighbours(u))
            {
                if dist[v as usize] == u32::MAX {
                    dist[v as usize] = d;
                    queue.push_back(v);
                }
            }
        }
        dist
    }
}

impl Strategy for Diversity {
    fn name(&self) -> &str {
        "diversity"
    }
    fn select(
        &self,
        view: &View<'_, '_>,
        k: usize,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<Pick>, StrategyError> {
        let mut sources: Vec<u32> = view
            .observed
            .rows()
            .iter()
            .filter_map(|&r| self.node_of_row[r])
            .collect();
        let mut order: Vec<usize> = view.candidates.to_vec();
        order.shuffle(rng);
        let mut picks = Vec::new();
        for _ in 0..k.min(order.len()) {
            let dist = self.distances(&sources);
            let best = order
                .iter()
                .enumerate()
                .filter_map(|(i, &r)| self.node_of_row[r].map(|n| (i, dist[n as usize])))
                .max_by_key(|&(i, d)| (d, std::cmp::Reverse(i)));
            let (i, rationale, hops) = match best {
                Some((i, d)) if d == u32::MAX => (
                    i,
                    format!(
                        "in {} but unreachable from every measured or picked gene",
                        self.graph_label
                    ),
                    None,
                ),
                Some((i, d)) => (
                    i,
                    format!(
                        "{d} hops in {} from the nearest measured or picked gene, the farthest left",
                        self.graph_label
                    ),
                    Some(f64::from(d)),
                ),
                None => (
                    0,
                    format!(
                        "not in {}: ranked after every gene it holds, in random order",
                        self.graph_label
                    ),
                    None,
                ),
            };
            let row = order.remove(i);
            if let Some(n) = self.node_of_row[row] {
                sources.push(n);
            }
            picks.push(Pick {
                score: hops,
                ..Pick::new(row, rationale)
            });
        }
        Ok(picks)
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
    fn the_farthest_gene_from_the_measured_set_comes_next() {
        // A path A – B – C – D – E and a lone F; G is not in the graph.
        let names = ["A", "B", "C", "D", "E", "F", "G"];
        let s = Screen::from_responses(
            names.map(String::from).to_vec(),
            vec!["x".into()],
            ndarray::Array2::zeros((7, 1)),
            ValueKind::Response,
        )
        .unwrap();
        let mut b = Graph::builder(false);
        for (u, v) in [("A", "B"), ("B", "C"), ("C", "D"), ("D", "E")] {
            b.add_edge(u, v, 1.0, 0);
        }
        b.node("F");
        let g = Arc::new(b.build());
        let strategy = Diversity::new(g, "path", s.layout());
        let observed = Observed::reveal(&s, vec![0]);
        let candidates = observed.unobserved();
        let view = View {
            observed: &observed,
            candidates: &candidates,
            model: None,
            predictor: &TrainingMean,
        };
        let picks = strategy
            .select(&view, 4, &mut Xoshiro256PlusPlus::seed_from_u64(9))
            .unwrap();
        let rows: Vec<usize> = picks.iter().map(|p| p.row).collect();
        // F (unreachable) first, then E (4 hops from A), then C (2 from A and from E), then B
        // or D (1 hop each).
        assert_eq!(&rows[..3], &[5, 4, 2]);
        assert!(rows[3] == 1 || rows[3] == 3);
        assert_eq!(picks[1].score, Some(4.0));
    }
}

//! Random scores: the "perturb anything" baseline.
//!
//! Every node gets a uniform score in [0, 1) from a `Xoshiro256PlusPlus` seeded with `seed`,
//! drawn in the order of the sorted node names, so the scores depend only on the seed and the
//! set of names (not on file order or thread count).

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::priors::Graph;

/// Seeded uniform scores for every node.
pub fn scores(graph: &Graph, seed: u64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..graph.node_count()).collect();
    order.sort_by(|&a, &b| graph.names()[a].cmp(&graph.names()[b]));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut s = vec![0.0; graph.node_count()];
    for i in order {
        s[i] = rng.random::<f64>();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_scores_regardless_of_node_order() {
        let mut a = Graph::builder(false);
        a.add_edge("A", "B", 1.0, 0);
        a.add_edge("C", "D", 1.0, 0);
        let mut b = Graph::builder(false);
        b.add_edge("D", "C", 1.0, 0);
        b.add_edge("B", "A", 1.0, 0);
        let (ga, gb) = (a.build(), b.build());
        let (sa, sb) = (scores(&ga, 3), scores(&gb, 3));
        for name in ["A", "B", "C", "D"] {
            assert_eq!(
                sa[ga.node(name).unwrap() as usize],
                sb[gb.node(name).unwrap() as usize]
            );
        }
        assert_ne!(scores(&ga, 4), sa);
    }
}

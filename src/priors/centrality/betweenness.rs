//! Betweenness centrality via rustworkx-core 0.18 (Brandes' algorithm), **unweighted**.
//!
//! Shortest paths are counted in hops (edge weights ignored: a confidence is not a length), and
//! scores are normalised by `1 / ((n − 1)(n − 2))` as networkx's
//! `betweenness_centrality(G, normalized=True)` does. Directed graphs follow edge direction. Runs
//! on one thread so that the floating-point sums, and with them the ranking, do not depend on the
//! thread count.

use crate::priors::Graph;

/// Betweenness of every node.
pub fn scores(graph: &Graph) -> Vec<f64> {
    let raw = if graph.is_directed() {
        let g = graph.to_petgraph::<petgraph::Directed>();
        rustworkx_core::centrality::betweenness_centrality(&g, false, true, usize::MAX)
    } else {
        let g = graph.to_petgraph::<petgraph::Undirected>();
        rustworkx_core::centrality::betweenness_centrality(&g, false, true, usize::MAX)
    };
    raw.into_iter().map(|s| s.unwrap_or(0.0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_middle_carries_all_shortest_paths() {
        // A – B – C – D: B lies on A–C and A–D, C on A–D and B–D; normalised by (n−1)(n−2) = 6
        // with each unordered pair counted twice: B = 2·2/6.
        let mut b = Graph::builder(false);
        b.add_edge("A", "B", 0.1, 0);
        b.add_edge("B", "C", 0.9, 0);
        b.add_edge("C", "D", 0.5, 0);
        let g = b.build();
        let s = scores(&g);
        assert!((s[1] - 4.0 / 6.0).abs() < 1e-12, "{s:?}");
        assert_eq!(s[0], 0.0);
        assert!((s[1] - s[2]).abs() < 1e-12, "weights are ignored");
        let mut b = Graph::builder(true);
        b.add_edge("A", "B", 1.0, 0);
        b.add_edge("B", "C", 1.0, 0);
        let d = scores(&b.build());
        // Only A → C passes through B: 1 / ((3−1)(3−2)).
        assert!((d[1] - 0.5).abs() < 1e-12, "{d:?}");
    }
}

//! Closeness centrality via rustworkx-core 0.18, **unweighted** (hop distances).
//!
//! networkx's `closeness_centrality(G, wf_improved=True)`: for a node u reaching r − 1 others at
//! total distance d, `C(u) = (r − 1)/d · (r − 1)/(n − 1)` (Wasserman–Faust scaling for graphs in
//! pieces); 0 for isolated nodes. Directed graphs use distances *to* u (incoming paths).

use crate::priors::Graph;

/// Closeness of every node.
pub fn scores(graph: &Graph) -> Vec<f64> {
    let raw = if graph.is_directed() {
        let g = graph.to_petgraph::<petgraph::Directed>();
        rustworkx_core::centrality::closeness_centrality(&g, true, usize::MAX)
    } else {
        let g = graph.to_petgraph::<petgraph::Undirected>();
        rustworkx_core::centrality::closeness_centrality(&g, true, usize::MAX)
    };
    raw.into_iter().map(|s| s.unwrap_or(0.0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_and_pieces_by_hand() {
        // Star A–B, A–C plus a separate pair D–E; n = 5.
        let mut b = Graph::builder(false);
        b.add_edge("A", "B", 1.0, 0);
        b.add_edge("A", "C", 1.0, 0);
        b.add_edge("D", "E", 1.0, 0);
        let s = scores(&b.build());
        // A reaches 2 at distance 2: (2/2)·(2/4) = 0.5. B reaches 2 at 1 + 2: (2/3)·(2/4).
        assert!((s[0] - 0.5).abs() < 1e-12, "{s:?}");
        assert!((s[1] - 1.0 / 3.0).abs() < 1e-12);
        // D reaches 1 at 1: 1 · 1/4.
        assert!((s[3] - 0.25).abs() < 1e-12);
    }
}

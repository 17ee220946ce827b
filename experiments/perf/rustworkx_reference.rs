//! The betweenness mechpert computed before its own Brandes search: rustworkx-core 0.18's
//! `betweenness_centrality` (unweighted, normalised, one thread) on a petgraph copy of the graph.
//! Shared by the bit-identity tests in `src/priors/centrality/betweenness.rs` and the benchmark
//! `experiments/perf/betweenness_rustworkx.rs`; the includer provides `Graph` in scope.

use super::Graph;

/// Betweenness of every node, as rustworkx-core computes it.
pub fn betweenness(graph: &Graph) -> Vec<f64> {
    let raw = if graph.is_directed() {
        let g = graph.to_petgraph::<petgraph::Directed>();
        rustworkx_core::centrality::betweenness_centrality(&g, false, true, usize::MAX)
    } else {
        let g = graph.to_petgraph::<petgraph::Undirected>();
        rustworkx_core::centrality::betweenness_centrality(&g, false, true, usize::MAX)
    };
    raw.into_iter()
        .map(|s| s.expect("a score for every node"))
        .collect()
}

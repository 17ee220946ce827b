//! Betweenness centrality, **unweighted**: Brandes' algorithm, one breadth-first search per source.
//!
//! Shortest paths are counted in hops (edge weights ignored: a confidence is not a length), and
//! scores are normalised by `1 / ((n − 1)(n − 2))` as networkx's
//! `betweenness_centrality(G, normalized=True)` does (no scaling when n ≤ 2). Directed graphs
//! follow edge direction; undirected graphs count each unordered pair twice, as networkx does.
//!
//! In flows a [`Graph`]; out comes one score per node. The searches run over a compact adjacency
//! (`u32` neighbours, CSR) with buffers reused from source to source, in parallel over blocks of
//! [`SOURCES_PER_BLOCK`] sources. Each source's dependencies are kept apart and added to the
//! totals in source order, so every sum is the same sequence of additions for any thread count.
//! Neighbours are visited in petgraph's adjacency order (newest edge first; for undirected graphs
//! edges leaving a node before edges entering it): with it, the scores are bit-identical to
//! rustworkx-core 0.18's `betweenness_centrality`, which computed the committed results before
//! (checked in the tests; `experiments/perf/centrality.sh` compares the two on STRING).

use rayon::prelude::*;

use super::{Centrality, CentralityError};
use crate::priors::{Edge, Graph};

/// Sources searched between two additions to the totals. Fixed, not derived from the thread
/// count, so the order of additions never changes; 64 dependency vectors of STRING's 17,286 nodes
/// take 9 MB.
pub const SOURCES_PER_BLOCK: usize = 64;

/// Totals are updated in parallel over node ranges of this length (each node's sum stays in
/// source order).
const NODES_PER_TASK: usize = 4096;

const UNSEEN: u32 = u32::MAX;

/// Betweenness as a [`Centrality`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Betweenness;

impl Centrality for Betweenness {
    fn name(&self) -> String {
        "betweenness".into()
    }
    fn scores(&self, graph: &Graph) -> Result<Vec<f64>, CentralityError> {
        Ok(scores(graph))
    }
}

/// Betweenness of every node.
pub fn scores(graph: &Graph) -> Vec<f64> {
    let n = graph.node_count();
    let adjacency = Adjacency::new(graph);
    let mut totals = vec![0.0f64; n];
    let mut dependencies = vec![vec![0.0f64; n]; SOURCES_PER_BLOCK.min(n)];
    for first in (0..n).step_by(SOURCES_PER_BLOCK) {
        let sources = first..(first + SOURCES_PER_BLOCK).min(n);
        let block = &mut dependencies[..sources.len()];
        block
            .par_iter_mut()
            .zip(sources.clone().into_par_iter())
            .for_each_init(
                || Search::new(n),
                |search, (delta, source)| search.dependencies(&adjacency, source as u32, delta),
            );
        let block = &*block;
        totals
            .par_chunks_mut(NODES_PER_TASK)
            .enumerate()
            .for_each(|(task, chunk)| {
                let offset = task * NODES_PER_TASK;
                for delta in block {
                    for (total, d) in chunk.iter_mut().zip(&delta[offset..]) {
                        *total += d;
                    }
                }
            });
    }
    if n > 2 {
        let scale = 1.0 / ((n - 1) * (n - 2)) as f64;
        for t in &mut totals {
            *t *= scale;
        }
    }
    totals
}

/// Neighbour lists as CSR with `u32` ids: `forward` are the nodes a search steps to, in
/// petgraph's order; `backward` the nodes a search may have come from (in-neighbours when
/// directed, any order: each predecessor's sum does not depend on it).
struct Adjacency {
    forward_offsets: Vec<usize>,
    forward: Vec<u32>,
    backward_offsets: Vec<usize>,
    backward: Vec<u32>,
}

impl Adjacency {
    fn new(graph: &Graph) -> Adjacency {
        let n = graph.node_count();
        let edges = graph.edges();
        // petgraph lists a node's outgoing edges newest first, then (undirected) its incoming
        // edges newest first, skipping self-loops there.
        let leaving = |e: &Edge| (e.source, e.target);
        let entering = |e: &Edge| (e.target, e.source);
        let mut forward_parts: Vec<Vec<(u32, u32)>> =
            vec![edges.iter().rev().map(leaving).collect()];
        if !graph.is_directed() {
            forward_parts.push(
                edges
                    .iter()
                    .rev()
                    .filter(|e| e.source != e.target)
                    .map(entering)
                    .collect(),
            );
        }
        let (forward_offsets, forward) = csr(n, &forward_parts);
        let (backward_offsets, backward) = if graph.is_directed() {
            csr(n, &[edges.iter().map(entering).collect()])
        } else {
            (forward_offsets.clone(), forward.clone())
        };
        Adjacency {
            forward_offsets,
            forward,
            backward_offsets,
            backward,
        }
    }

    fn forward(&self, node: u32) -> &[u32] {
        let v = node as usize;
        &self.forward[self.forward_offsets[v]..self.forward_offsets[v + 1]]
    }

    fn backward(&self, node: u32) -> &[u32] {
        let v = node as usize;
        &self.backward[self.backward_offsets[v]..self.backward_offsets[v + 1]]
    }
}

/// CSR of `(from, to)` pairs: each node's list holds its pairs part by part, each part in its
/// given order.
fn csr(n: usize, parts: &[Vec<(u32, u32)>]) -> (Vec<usize>, Vec<u32>) {
    let mut offsets = vec![0usize; n + 1];
    for &(from, _) in parts.iter().flatten() {
        offsets[from as usize + 1] += 1;
    }
    for v in 0..n {
        offsets[v + 1] += offsets[v];
    }
    let mut cursor = offsets[..n].to_vec();
    let mut neighbours = vec![0u32; offsets[n]];
    for &(from, to) in parts.iter().flatten() {
        neighbours[cursor[from as usize]] = to;
        cursor[from as usize] += 1;
    }
    (offsets, neighbours)
}

/// One search's buffers, reset between sources through the list of nodes the last one reached.
struct Search {
    nodes: Vec<NodeState>,
    order: Vec<u32>,
}

/// What a search knows of one node, kept together so that visiting a neighbour touches one
/// cache line rather than one per array.
#[derive(Debug, Clone, Copy)]
struct NodeState {
    /// Shortest paths from the source (σ).
    paths: f64,
    /// The source's dependency on the node (δ).
    dependency: f64,
    /// Hops from the source, [`UNSEEN`] when not reached.
    distance: u32,
}

const UNREACHED: NodeState = NodeState {
    paths: 0.0,
    dependency: 0.0,
    distance: UNSEEN,
};

impl Search {
    fn new(n: usize) -> Search {
        Search {
            nodes: vec![UNREACHED; n],
            order: Vec::with_capacity(n),
        }
    }

    /// Writes into `delta` the dependency of `source` on every node (0 for the source itself
    /// and for nodes it does not reach).
    fn dependencies(&mut self, adjacency: &Adjacency, source: u32, delta: &mut [f64]) {
        let Search { nodes, order } = self;
        for &v in order.iter() {
            nodes[v as usize] = UNREACHED;
        }
        order.clear();
        nodes[source as usize].distance = 0;
        nodes[source as usize].paths = 1.0;
        order.push(source);
        // Breadth first: `order` doubles as the queue, and ends sorted by distance.
        let mut head = 0;
        while let Some(&v) = order.get(head) {
            head += 1;
            let NodeState {
                paths: through_v,
                distance,
                ..
            } = nodes[v as usize];
            let next = distance + 1;
            for &w in adjacency.forward(v) {
                let state = &mut nodes[w as usize];
                if state.distance == UNSEEN {
                    state.distance = next;
                    order.push(w);
                }
                if state.distance == next {
                    state.paths += through_v;
                }
            }
        }
        // Farthest first, each node passes its dependency back to its predecessors.
        for &w in order.iter().rev() {
            let NodeState {
                paths,
                dependency,
                distance,
            } = nodes[w as usize];
            let previous = distance.wrapping_sub(1);
            let coefficient = (1.0 + dependency) / paths;
            for &v in adjacency.backward(w) {
                let state = &mut nodes[v as usize];
                if state.distance == previous {
                    state.dependency += state.paths * coefficient;
                }
            }
        }
        delta.fill(0.0);
        for &v in order.iter().filter(|&&v| v != source) {
            delta[v as usize] = nodes[v as usize].dependency;
        }
    }
}

#[cfg(test)]
#[path = "../../../experiments/perf/rustworkx_reference.rs"]
mod rustworkx_reference;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

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

    #[test]
    fn split_shortest_paths_share_the_dependency() {
        // Square A–B–D, A–C–D plus isolated E (n = 5, scale 1/12). A and D are joined by two
        // shortest paths, one through B and one through C: B carries ½ for (A, D) and ½ for
        // (D, A), and nothing else. Directed A→B→D, A→C→D: B carries ½ of A → D only.
        let mut b = Graph::builder(false);
        for (s, t) in [("A", "B"), ("A", "C"), ("B", "D"), ("C", "D")] {
            b.add_edge(s, t, 1.0, 0);
        }
        b.node("E");
        let s = scores(&b.build());
        for v in 0..4 {
            assert!((s[v] - 1.0 / 12.0).abs() < 1e-15, "{s:?}");
        }
        assert_eq!(s[4], 0.0);
        let mut b = Graph::builder(true);
        for (s, t) in [("A", "B"), ("A", "C"), ("B", "D"), ("C", "D")] {
            b.add_edge(s, t, 1.0, 0);
        }
        let d = scores(&b.build());
        // n = 4: scale 1/6.
        assert_eq!(d, [0.0, 0.5 / 6.0, 0.5 / 6.0, 0.0]);
    }

    #[test]
    fn tiny_graphs_are_not_scaled() {
        assert!(scores(&Graph::builder(true).build()).is_empty());
        let mut b = Graph::builder(false);
        b.add_edge("A", "B", 1.0, 0);
        assert_eq!(scores(&b.build()), [0.0, 0.0]);
    }

    /// A graph on `n` nodes (the last ones often isolated) from edge index pairs, with repeated
    /// edges, both directions of a pair and self-loops as the generator draws them.
    fn graph(directed: bool, n: usize, pairs: &[(usize, usize)]) -> Graph {
        let mut b = Graph::builder(directed);
        for v in 0..n {
            b.node(&format!("g{v}"));
        }
        for &(s, t) in pairs {
            b.add_edge_ids((s % n) as u32, (t % n) as u32, 1.0, 0);
        }
        b.build()
    }

    fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
            .install(f)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn bit_identical_to_rustworkx_core(
            directed in any::<bool>(),
            n in 1usize..90,
            pairs in prop::collection::vec((0usize..70, 0usize..70), 0..260),
        ) {
            // Nodes ≥ 70 are never drawn: isolated. Sparse draws leave the graph in pieces.
            let g = graph(directed, n, &pairs);
            let ours = scores(&g);
            let theirs = rustworkx_reference::betweenness(&g);
            for (v, (a, b)) in ours.iter().zip(&theirs).enumerate() {
                prop_assert!(
                    (a - b).abs() <= 1e-12 * b.abs(),
                    "node {v}: ours {a}, rustworkx-core {b}"
                );
                prop_assert_eq!(a.to_bits(), b.to_bits(), "node {}", v);
            }
        }
    }

    #[test]
    fn the_thread_count_does_not_change_a_bit() {
        // Enough nodes for several source blocks and node ranges.
        let mut pairs = Vec::new();
        let mut x: u64 = 7;
        for _ in 0..30_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            pairs.push(((x >> 20) as usize % 5_000, (x >> 40) as usize % 5_000));
        }
        for directed in [false, true] {
            let g = graph(directed, 5_200, &pairs);
            let one = in_pool(1, || scores(&g));
            let four = in_pool(4, || scores(&g));
            assert!(one.iter().any(|&s| s > 0.0));
            assert!(
                one.iter()
                    .zip(&four)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "directed {directed}"
            );
        }
    }
}

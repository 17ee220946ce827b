//! [`Graph`]: a weighted, optionally signed gene graph with compressed adjacency both ways.

use std::collections::HashMap;

/// One edge. For undirected graphs `source` and `target` are in insertion order and the edge is
/// listed in both nodes' adjacency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// Source node (regulator for directed graphs).
    pub source: u32,
    /// Target node.
    pub target: u32,
    /// Non-negative strength (confidence, score or vote-weighted confidence).
    pub weight: f32,
    /// +1 activation, −1 repression, 0 unknown or unsigned.
    pub sign: i8,
}

/// A gene graph with adjacency lists in compressed (CSR) form for both directions.
///
/// ```
/// use mechpert::priors::Graph;
/// let mut b = Graph::builder(true);
/// b.add_edge("GATA1", "KLF1", 0.9, 1);
/// b.add_edge("TAL1", "KLF1", 0.5, 1);
/// let g = b.build();
/// let klf1 = g.node("KLF1").unwrap();
/// let regulators: Vec<&str> = g.in_neighbours(klf1).map(|(n, _)| g.name(n)).collect();
/// assert_eq!(regulators, ["GATA1", "TAL1"]);
/// ```
#[derive(Debug, Clone)]
pub struct Graph {
    directed: bool,
    names: Vec<String>,
    index: HashMap<String, u32>,
    edges: Vec<Edge>,
    out_offsets: Vec<usize>,
    out_adj: Vec<(u32, f32)>,
    in_offsets: Vec<usize>,
    in_adj: Vec<(u32, f32)>,
}

/// Collects nodes and edges, then freezes them into a [`Graph`].
#[derive(Debug, Clone)]
pub struct GraphBuilder {
    directed: bool,
    names: Vec<String>,
    index: HashMap<String, u32>,
    edges: Vec<Edge>,
}

impl GraphBuilder {
    /// Index of a node, adding it when new.
    pub fn node(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = u32::try_from(self.names.len()).expect("fewer than 2^32 nodes");
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }

    /// Adds an edge between two named nodes (nodes are created on first sight).
    pub fn add_edge(&mut self, source: &str, target: &str, weight: f32, sign: i8) {
        let source = self.node(source);
        let target = self.node(target);
        self.add_edge_ids(source, target, weight, sign);
    }

    /// Adds an edge between node indices returned by [`GraphBuilder::node`].
    pub fn add_edge_ids(&mut self, source: u32, target: u32, weight: f32, sign: i8) {
        self.edges.push(Edge {
            source,
            target,
            weight,
            sign,
        });
    }

    /// Number of edges added so far.
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Freezes the graph, building adjacency in both directions (in insertion order).
    pub fn build(self) -> Graph {
        let n = self.names.len();
        let (out_offsets, out_adj, in_offsets, in_adj) = if self.directed {
            let (oo, oa) = csr(n, self.edges.iter().map(|e| (e.source, e.target, e.weight)));
            let (io, ia) = csr(n, self.edges.iter().map(|e| (e.target, e.source, e.weight)));
            (oo, oa, io, ia)
        } else {
            let both = self.edges.iter().flat_map(|e| {
                [
                    (e.source, e.target, e.weight),
                    (e.target, e.source, e.weight),
                ]
            });
            let (oo, oa) = csr(n, both);
            (oo.clone(), oa.clone(), oo, oa)
        };
        Graph {
            directed: self.directed,
            names: self.names,
            index: self.index,
            edges: self.edges,
            out_offsets,
            out_adj,
            in_offsets,
            in_adj,
        }
    }
}

fn csr(
    n: usize,
    pairs: impl Iterator<Item = (u32, u32, f32)> + Clone,
) -> (Vec<usize>, Vec<(u32, f32)>) {
    let mut offsets = vec![0usize; n + 1];
    for (from, _, _) in pairs.clone() {
        offsets[from as usize + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let mut cursor = offsets.clone();
    let mut adj = vec![(0u32, 0f32); offsets[n]];
    for (from, to, w) in pairs {
        adj[cursor[from as usize]] = (to, w);
        cursor[from as usize] += 1;
    }
    (offsets, adj)
}

impl Graph {
    /// An empty builder for a directed (`true`) or undirected graph.
    pub fn builder(directed: bool) -> GraphBuilder {
        GraphBuilder {
            directed,
            names: Vec::new(),
            index: HashMap::new(),
            edges: Vec::new(),
        }
    }

    /// Whether edges have a direction (regulator → target).
    pub fn is_directed(&self) -> bool {
        self.directed
    }
    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.names.len()
    }
    /// Number of edges (an undirected edge counts once).
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }
    /// Node names, indexed by node id.
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// The name of a node.
    pub fn name(&self, node: u32) -> &str {
        &self.names[node as usize]
    }
    /// The id of a named node.
    pub fn node(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }
    /// All edges in insertion order.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }
    /// Targets of `node` with edge weights (all neighbours when undirected).
    pub fn out_neighbours(&self, node: u32) -> impl ExactSizeIterator<Item = (u32, f32)> + '_ {
        let n = node as usize;
        self.out_adj[self.out_offsets[n]..self.out_offsets[n + 1]]
            .iter()
            .copied()
    }
    /// Sources of edges into `node` with weights (all neighbours when undirected).
    pub fn in_neighbours(&self, node: u32) -> impl ExactSizeIterator<Item = (u32, f32)> + '_ {
        let n = node as usize;
        self.in_adj[self.in_offsets[n]..self.in_offsets[n + 1]]
            .iter()
            .copied()
    }
    /// Out-degree (degree when undirected).
    pub fn out_degree(&self, node: u32) -> usize {
        self.out_neighbours(node).len()
    }
    /// In-degree (degree when undirected).
    pub fn in_degree(&self, node: u32) -> usize {
        self.in_neighbours(node).len()
    }

    /// The same graph as a petgraph graph (node index = node id, edge weight = weight), for
    /// algorithms from petgraph and rustworkx-core. `Ty` is `petgraph::Directed` or
    /// `petgraph::Undirected`; a directed graph read as undirected keeps each edge once.
    pub fn to_petgraph<Ty: petgraph::EdgeType>(&self) -> petgraph::Graph<(), f32, Ty, u32> {
        let mut g = petgraph::Graph::with_capacity(self.node_count(), self.edge_count());
        for _ in 0..self.node_count() {
            g.add_node(());
        }
        for e in &self.edges {
            g.add_edge(
                petgraph::graph::NodeIndex::new(e.source as usize),
                petgraph::graph::NodeIndex::new(e.target as usize),
                e.weight,
            );
        }
        g
    }

    /// The graph with every edge reversed (target → source); undirected graphs are returned as
    /// they are.
    pub fn reversed(&self) -> Graph {
        if !self.directed {
            return self.clone();
        }
        let mut b = Graph::builder(true);
        for n in &self.names {
            b.node(n);
        }
        for e in &self.edges {
            b.add_edge_ids(e.target, e.source, e.weight, e.sign);
        }
        b.build()
    }

    /// The same nodes and edges, undirected (a pair linked both ways keeps the larger weight, and
    /// its sign when both agree, else 0).
    pub fn to_undirected(&self) -> Graph {
        if !self.directed {
            return self.clone();
        }
        let mut seen: HashMap<(u32, u32), usize> = HashMap::new();
        let mut edges: Vec<Edge> = Vec::new();
        for e in &self.edges {
            let key = (e.source.min(e.target), e.source.max(e.target));
            match seen.get(&key) {
                Some(&i) => {
                    let kept = &mut edges[i];
                    kept.weight = kept.weight.max(e.weight);
                    if kept.sign != e.sign {
                        kept.sign = 0;
                    }
                }
                None => {
                    seen.insert(key, edges.len());
                    edges.push(*e);
                }
            }
        }
        let mut b = Graph::builder(false);
        for n in &self.names {
            b.node(n);
        }
        for e in edges {
            b.add_edge_ids(e.source, e.target, e.weight, e.sign);
        }
        b.build()
    }

    /// Weakly connected components: a component id per node (ids 0.. in order of first node).
    pub fn components(&self) -> Vec<u32> {
        let n = self.node_count();
        let mut comp = vec![u32::MAX; n];
        let mut next = 0;
        let mut stack = Vec::new();
        for start in 0..n {
            if comp[start] != u32::MAX {
                continue;
            }
            comp[start] = next;
            stack.push(start as u32);
            while let Some(u) = stack.pop() {
                for (v, _) in self.out_neighbours(u).chain(self.in_neighbours(u)) {
                    if comp[v as usize] == u32::MAX {
                        comp[v as usize] = next;
                        stack.push(v);
                    }
                }
            }
            next += 1;
        }
        comp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directed_adjacency_runs_both_ways() {
        let mut b = Graph::builder(true);
        b.add_edge("A", "B", 1.0, 1);
        b.add_edge("A", "C", 0.5, -1);
        b.add_edge("C", "B", 0.25, 0);
        let g = b.build();
        let (a, bn, c) = (
            g.node("A").unwrap(),
            g.node("B").unwrap(),
            g.node("C").unwrap(),
        );
        assert_eq!(
            g.out_neighbours(a).collect::<Vec<_>>(),
            vec![(bn, 1.0), (c, 0.5)]
        );
        assert_eq!(
            g.in_neighbours(bn).collect::<Vec<_>>(),
            vec![(a, 1.0), (c, 0.25)]
        );
        assert_eq!(g.in_degree(a), 0);
        assert_eq!(g.out_degree(c), 1);
        assert_eq!(g.edge_count(), 3);
    }

    #[test]
    fn reversal_components_and_petgraph_view() {
        let mut b = Graph::builder(true);
        b.add_edge("A", "B", 1.0, 1);
        b.add_edge("B", "A", 0.5, -1);
        b.add_edge("C", "D", 0.2, 1);
        let g = b.build();
        let r = g.reversed();
        assert_eq!(r.name(r.edges()[2].source), "D");
        assert_eq!(g.components(), vec![0, 0, 1, 1]);
        let u = g.to_undirected();
        assert_eq!(u.edge_count(), 2);
        assert_eq!((u.edges()[0].weight, u.edges()[0].sign), (1.0, 0));
        let p = g.to_petgraph::<petgraph::Directed>();
        assert_eq!((p.node_count(), p.edge_count()), (4, 3));
    }

    #[test]
    fn undirected_edges_appear_at_both_ends() {
        let mut b = Graph::builder(false);
        b.add_edge("A", "B", 0.7, 0);
        let g = b.build();
        let (a, bn) = (g.node("A").unwrap(), g.node("B").unwrap());
        assert_eq!(g.out_neighbours(bn).collect::<Vec<_>>(), vec![(a, 0.7)]);
        assert_eq!(g.in_neighbours(a).collect::<Vec<_>>(), vec![(bn, 0.7)]);
        assert_eq!(g.edge_count(), 1);
    }
}

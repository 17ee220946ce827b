//! Degree and strength: how many edges a node has, or the sum of their weights.

use crate::priors::Graph;

/// Which edges count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Edges into the node (regulators of a target).
    In,
    /// Edges out of the node (targets of a regulator).
    Out,
    /// Both (for undirected graphs: the degree, each edge once).
    Total,
}

/// Degree (or strength when `weighted`) of every node.
pub fn scores(graph: &Graph, direction: Direction, weighted: bool) -> Vec<f64> {
    let sum = |it: &mut dyn Iterator<Item = (u32, f32)>| -> f64 {
        if weighted {
            it.map(|(_, w)| f64::from(w)).sum()
        } else {
            it.count() as f64
        }
    };
    (0..graph.node_count() as u32)
        .map(|u| {
            let out = sum(&mut graph.out_neighbours(u));
            if !graph.is_directed() {
                return out;
            }
            let inn = sum(&mut graph.in_neighbours(u));
            match direction {
                Direction::In => inn,
                Direction::Out => out,
                Direction::Total => inn + out,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_strengths_by_hand() {
        let mut b = Graph::builder(true);
        b.add_edge("A", "B", 0.5, 1);
        b.add_edge("A", "C", 0.25, 1);
        b.add_edge("C", "B", 1.0, 1);
        let g = b.build();
        // Node order A, B, C.
        assert_eq!(scores(&g, Direction::Out, false), [2.0, 0.0, 1.0]);
        assert_eq!(scores(&g, Direction::In, true), [0.0, 1.5, 0.25]);
        assert_eq!(scores(&g, Direction::Total, false), [2.0, 2.0, 2.0]);
        let mut b = Graph::builder(false);
        b.add_edge("A", "B", 0.5, 0);
        let g = b.build();
        assert_eq!(scores(&g, Direction::Total, true), [0.5, 0.5]);
        assert_eq!(scores(&g, Direction::In, false), [1.0, 1.0]);
    }
}

//! Weighted eigenvector centrality, as networkx's `eigenvector_centrality(G, weight='weight')`.
//!
//! Power iteration on `Aᵀ + I` (the identity shift makes it converge on bipartite graphs), from
//! `x = 1/N`, each step L2-normalised, until `Σ|x' − x| < N · tolerance`. For directed graphs a
//! node is central when central nodes point *to* it (left eigenvector, in-edges). Scores are ≥ 0
//! with unit L2 norm.

use super::{CentralityError, Iteration, out_lists};
use crate::priors::Graph;

/// Eigenvector centrality of every node.
pub fn scores(graph: &Graph, iteration: &Iteration) -> Result<Vec<f64>, CentralityError> {
    iteration.check()?;
    let n = graph.node_count();
    if n == 0 {
        return Ok(Vec::new());
    }
    let lists = out_lists(graph);
    let nf = n as f64;
    let mut x = vec![1.0 / nf; n];
    let mut change = f64::INFINITY;
    for _ in 0..iteration.max_iter.get() {
        let mut next = x.clone();
        for (u, l) in lists.iter().enumerate() {
            for &(v, w) in l {
                next[v] += x[u] * w;
            }
        }
        let norm = next.iter().map(|v| v * v).sum::<f64>().sqrt();
        let norm = if norm == 0.0 { 1.0 } else { norm };
        next.iter_mut().for_each(|v| *v /= norm);
        change = next.iter().zip(&x).map(|(a, b)| (a - b).abs()).sum();
        x = next;
        if change < nf * iteration.tolerance {
            return Ok(x);
        }
    }
    Err(CentralityError::NotConverged {
        measure: "eigenvector",
        iterations: iteration.max_iter.get(),
        change,
        tolerance: iteration.tolerance,
        nodes: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroUsize;

    #[test]
    fn path_of_three_has_the_known_eigenvector() {
        // A–B–C: adjacency eigenvalue √2 with eigenvector (1, √2, 1)/2.
        let mut b = Graph::builder(false);
        b.add_edge("A", "B", 1.0, 0);
        b.add_edge("B", "C", 1.0, 0);
        let it = Iteration {
            tolerance: 1e-12,
            max_iter: NonZeroUsize::new(1000).unwrap(),
        };
        let x = scores(&b.build(), &it).unwrap();
        let want = [0.5, 0.5 * 2f64.sqrt(), 0.5];
        for (a, b) in x.iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{x:?}");
        }
    }
}

//! Weighted PageRank by power iteration, as networkx's `pagerank(G, weight='weight')` defines it.
//!
//! With `P(u → v) = w(u, v) / Σ_x w(u, x)`, damping `α`, `N` nodes and `D` the dangling nodes
//! (no out-weight), every iteration computes
//!
//! ```text
//! x'(v) = α Σ_u x(u) P(u → v) + α Σ_{d ∈ D} x(d) / N + (1 − α) / N
//! ```
//!
//! from `x = 1/N`, until `Σ_v |x'(v) − x(v)| < N · tolerance`. Undirected edges count both ways.
//! Zero-weight edges carry nothing (a node whose edges all weigh 0 is dangling), as in networkx.

use super::{CentralityError, Iteration, out_lists};
use crate::priors::Graph;

/// PageRank parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Damping factor α in [0, 1) (probability of following an edge).
    pub damping: f64,
    /// Tolerance and iteration cap.
    pub iteration: Iteration,
}

impl Default for Params {
    /// α = 0.85, tolerance 1e-6 per node, at most 100 iterations (networkx's defaults).
    fn default() -> Params {
        Params {
            damping: 0.85,
            iteration: Iteration::default(),
        }
    }
}

/// PageRank of every node (sums to 1).
pub fn scores(graph: &Graph, params: &Params) -> Result<Vec<f64>, CentralityError> {
    params.iteration.check()?;
    let alpha = params.damping;
    if !(0.0..1.0).contains(&alpha) {
        return Err(CentralityError::BadParameter {
            name: "damping",
            value: alpha,
            expected: "a number in [0, 1)",
        });
    }
    let n = graph.node_count();
    if n == 0 {
        return Ok(Vec::new());
    }
    // Row-normalised transition weights in CSR.
    let lists = out_lists(graph);
    let mut offsets = Vec::with_capacity(n + 1);
    let mut adj: Vec<(u32, f64)> = Vec::new();
    let mut dangling = Vec::new();
    offsets.push(0);
    for (u, l) in lists.iter().enumerate() {
        let total: f64 = l.iter().map(|(_, w)| w).sum();
        if total > 0.0 {
            adj.extend(l.iter().map(|&(v, w)| (v as u32, w / total)));
        } else {
            dangling.push(u);
        }
        offsets.push(adj.len());
    }
    let nf = n as f64;
    let mut x = vec![1.0 / nf; n];
    let mut next = vec![0.0; n];
    let mut change = f64::INFINITY;
    for _ in 0..params.iteration.max_iter.get() {
        let dangling_mass: f64 = dangling.iter().map(|&d| x[d]).sum();
        let base = (1.0 - alpha) / nf + alpha * dangling_mass / nf;
        next.fill(base);
        for u in 0..n {
            let xu = alpha * x[u];
            if xu == 0.0 {
                continue;
            }
            for &(v, p) in &adj[offsets[u]..offsets[u + 1]] {
                next[v as usize] += xu * p;
            }
        }
        change = next.iter().zip(&x).map(|(a, b)| (a - b).abs()).sum();
        std::mem::swap(&mut x, &mut next);
        if change < nf * params.iteration.tolerance {
            return Ok(x);
        }
    }
    Err(CentralityError::NotConverged {
        measure: "pagerank",
        iterations: params.iteration.max_iter.get(),
        change,
        tolerance: params.iteration.tolerance,
        nodes: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroUsize;

    #[test]
    fn matches_a_hand_solved_chain_with_a_dangling_end() {
        // A → B (1), A → C (3), C → A (1); B dangles. Stationary solution of
        // x = 0.85 Pᵀx + 0.85 x_B / 3 + 0.05, solved exactly:
        let mut b = Graph::builder(true);
        b.add_edge("A", "B", 1.0, 0);
        b.add_edge("A", "C", 3.0, 0);
        b.add_edge("C", "A", 1.0, 0);
        let g = b.build();
        let p = Params {
            iteration: Iteration {
                tolerance: 1e-12,
                max_iter: NonZeroUsize::new(1000).unwrap(),
            },
            ..Params::default()
        };
        let x = scores(&g, &p).unwrap();
        // Unknowns a, b, c with k = 0.05 + 0.85 b / 3:
        // a = 0.85 c + k, b = 0.85 a / 4 + k, c = 0.85 · 3a / 4 + k, a + b + c = 1.
        let (a, b, c) = (x[0], x[1], x[2]);
        let k = 0.05 + 0.85 * b / 3.0;
        assert!((a - (0.85 * c + k)).abs() < 1e-9);
        assert!((b - (0.85 * a / 4.0 + k)).abs() < 1e-9);
        assert!((c - (0.85 * 0.75 * a + k)).abs() < 1e-9);
        assert!((a + b + c - 1.0).abs() < 1e-9);
        assert!(a > c && c > b);
    }

    #[test]
    fn undirected_star_centre_wins_and_errors_are_reported() {
        let mut b = Graph::builder(false);
        for leaf in ["B", "C", "D"] {
            b.add_edge("A", leaf, 1.0, 0);
        }
        let g = b.build();
        let x = scores(&g, &Params::default()).unwrap();
        assert!(x[0] > x[1] && (x[1] - x[2]).abs() < 1e-12);
        let once = Params {
            iteration: Iteration {
                tolerance: 1e-15,
                max_iter: NonZeroUsize::new(1).unwrap(),
            },
            ..Params::default()
        };
        assert!(matches!(
            scores(&g, &once),
            Err(CentralityError::NotConverged { .. })
        ));
        let bad = Params {
            damping: 1.0,
            ..Params::default()
        };
        assert!(matches!(
            scores(&g, &bad),
            Err(CentralityError::BadParameter {
                name: "damping",
                ..
            })
        ));
    }
}

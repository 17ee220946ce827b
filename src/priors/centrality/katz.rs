//! Weighted Katz centrality, as networkx's `katz_centrality(G, alpha, beta=1, weight='weight')`.
//!
//! Iterates `x' = α Aᵀ x + β` from `x = 0` until `Σ|x' − x| < N · tolerance`, then scales to unit
//! L2 norm. The series converges only for `α < 1/λ_max`; by default `α = 0.9 / s`, with `s` the
//! smaller of the largest in-strength and the largest out-strength, an upper bound of `λ_max`
//! (so the default always converges). [`alpha_for`] gives it.

use std::num::NonZeroUsize;

use super::{CentralityError, Iteration, out_lists};
use crate::priors::Graph;

/// Katz parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Attenuation α; `None` = `0.9 / min(max in-strength, max out-strength)`.
    pub alpha: Option<f64>,
    /// Tolerance and iteration cap.
    pub iteration: Iteration,
}

impl Default for Params {
    /// Automatic α, tolerance 1e-6 per node, at most 1000 iterations (networkx's cap).
    fn default() -> Params {
        Params {
            alpha: None,
            iteration: Iteration {
                tolerance: 1e-6,
                max_iter: NonZeroUsize::new(1000).expect("non-zero"),
            },
        }
    }
}

/// The default α for a graph: `0.9 / min(max in-strength, max out-strength)` (1 for no edges).
pub fn alpha_for(graph: &Graph) -> f64 {
    let strength =
        |f: &dyn Fn(u32) -> f64| (0..graph.node_count() as u32).map(f).fold(0.0f64, f64::max);
    let out = strength(&|u| graph.out_neighbours(u).map(|(_, w)| f64::from(w)).sum());
    let inn = strength(&|u| graph.in_neighbours(u).map(|(_, w)| f64::from(w)).sum());
    let bound = out.min(inn);
    if bound > 0.0 { 0.9 / bound } else { 1.0 }
}

/// Katz centrality of every node.
pub fn scores(graph: &Graph, params: &Params) -> Result<Vec<f64>, CentralityError> {
    params.iteration.check()?;
    let alpha = params.alpha.unwrap_or_else(|| alpha_for(graph));
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(CentralityError::BadParameter {
            name: "alpha",
            value: alpha,
            expected: "a positive number below 1/λ_max",
        });
    }
    let n = graph.node_count();
    if n == 0 {
        return Ok(Vec::new());
    }
    let lists = out_lists(graph);
    let nf = n as f64;
    let mut x = vec![0.0; n];
    let mut change = f64::INFINITY;
    for _ in 0..params.iteration.max_iter.get() {
        let mut next = vec![0.0; n];
        for (u, l) in lists.iter().enumerate() {
            for &(v, w) in l {
                next[v] += x[u] * w;
            }
        }
        next.iter_mut().for_each(|v| *v = alpha * *v + 1.0);
        change = next.iter().zip(&x).map(|(a, b)| (a - b).abs()).sum();
        x = next;
        if change < nf * params.iteration.tolerance {
            let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
            return Ok(x.into_iter().map(|v| v / norm).collect());
        }
        if !change.is_finite() {
            break;
        }
    }
    Err(CentralityError::NotConverged {
        measure: "katz",
        iterations: params.iteration.max_iter.get(),
        change,
        tolerance: params.iteration.tolerance,
        nodes: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_matches_the_series() {
        // A → B → C, α = 0.5: raw x = (1, 1.5, 1.75), then L2-normalised.
        let mut b = Graph::builder(true);
        b.add_edge("A", "B", 1.0, 0);
        b.add_edge("B", "C", 1.0, 0);
        let g = b.build();
        let p = Params {
            alpha: Some(0.5),
            ..Params::default()
        };
        let x = scores(&g, &p).unwrap();
        let norm = (1.0f64 + 2.25 + 3.0625).sqrt();
        for (a, b) in x.iter().zip([1.0 / norm, 1.5 / norm, 1.75 / norm]) {
            assert!((a - b).abs() < 1e-6, "{x:?}");
        }
        assert!((alpha_for(&g) - 0.9).abs() < 1e-12);
    }

    #[test]
    fn too_large_alpha_diverges_with_an_error() {
        let mut b = Graph::builder(false);
        b.add_edge("A", "B", 1.0, 0);
        b.add_edge("B", "C", 1.0, 0);
        let g = b.build();
        let p = Params {
            alpha: Some(2.0),
            ..Params::default()
        };
        assert!(matches!(
            scores(&g, &p),
            Err(CentralityError::NotConverged { .. })
        ));
        let p = Params {
            alpha: Some(-1.0),
            ..Params::default()
        };
        assert!(matches!(
            scores(&g, &p),
            Err(CentralityError::BadParameter { name: "alpha", .. })
        ));
    }
}

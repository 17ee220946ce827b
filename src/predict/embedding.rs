//! [`Embedding`]: one vector per perturbation of a screen, from prior knowledge only (never from
//! responses), so it exists for perturbations nobody observed. Used by [`super::Ridge`].
//!
//! The spectral embedding takes, for every screen perturbation, its row of the prior graph's
//! adjacency (all neighbours, both directions, edge weights, plus itself with weight 1), scales
//! each row to unit length, and keeps the top `dim` left singular vectors times the singular
//! values (a PCA of the adjacency rows without centring). Perturbations absent from the graph
//! get the zero vector, which makes ridge predict the training mean for them.

use std::collections::HashMap;

use ndarray::{Array2, ArrayView1};
use rand::RngCore;

use super::linalg::truncated_svd;
use crate::data::Layout;
use crate::priors::Graph;

/// Perturbation embedding, one row per screen perturbation.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    vectors: Array2<f32>,
}

impl Embedding {
    /// The spectral embedding of `screen`'s perturbations in `graph` (see the module docs).
    pub fn spectral(
        graph: &Graph,
        layout: &Layout,
        dim: usize,
        rng: &mut dyn RngCore,
    ) -> Result<Embedding, String> {
        let n = layout.n_perturbations();
        let mut column: HashMap<u32, usize> = HashMap::new();
        let mut rows: Vec<Vec<(usize, f32)>> = vec![Vec::new(); n];
        for (p, name) in layout.perturbations().iter().enumerate() {
            let Some(node) = graph.node(name) else {
                continue;
            };
            let mut entries: Vec<(u32, f32)> = vec![(node, 1.0)];
            entries.extend(graph.in_neighbours(node));
            if graph.is_directed() {
                entries.extend(graph.out_neighbours(node));
            }
            for (other, w) in entries {
                let next = column.len();
                let c = *column.entry(other).or_insert(next);
                rows[p].push((c, w));
            }
        }
        let mut a = Array2::<f32>::zeros((n, column.len()));
        for (p, entries) in rows.iter().enumerate() {
            for &(c, w) in entries {
                a[[p, c]] += w;
            }
            let norm = a.row(p).dot(&a.row(p)).sqrt();
            if norm > 0.0 {
                a.row_mut(p).mapv_inplace(|v| v / norm);
            }
        }
        let (u, s, _) = truncated_svd(a.view(), dim, rng)?;
        Ok(Embedding {
            vectors: u * &s.insert_axis(ndarray::Axis(0)),
        })
    }

    /// An embedding given directly (rows aligned with the screen's perturbations).
    pub fn from_vectors(vectors: Array2<f32>) -> Embedding {
        Embedding { vectors }
    }

    /// Number of perturbations embedded.
    pub fn len(&self) -> usize {
        self.vectors.nrows()
    }
    /// Whether no perturbation is embedded.
    pub fn is_empty(&self) -> bool {
        self.vectors.nrows() == 0
    }
    /// Dimensions.
    pub fn dim(&self) -> usize {
        self.vectors.ncols()
    }
    /// The vector of screen row `p`.
    pub fn row(&self, p: usize) -> ArrayView1<'_, f32> {
        self.vectors.row(p)
    }
    /// All vectors.
    pub fn vectors(&self) -> &Array2<f32> {
        &self.vectors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Screen;
    use crate::data::ValueKind;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn linked_perturbations_embed_close_and_absent_ones_at_zero() {
        let mut b = Graph::builder(false);
        b.add_edge("A", "B", 1.0, 0);
        b.add_edge("C", "D", 1.0, 0);
        let g = b.build();
        let s = Screen::from_responses(
            ["A", "B", "C", "D", "E"].map(String::from).to_vec(),
            vec!["x".into()],
            Array2::zeros((5, 1)),
            ValueKind::Response,
        )
        .unwrap();
        let e = Embedding::spectral(&g, s.layout(), 2, &mut Xoshiro256PlusPlus::seed_from_u64(1))
            .unwrap();
        assert_eq!(e.len(), 5);
        let dist = |i: usize, j: usize| (&e.row(i) - &e.row(j)).mapv(|v| v * v).sum();
        assert!(dist(0, 1) < 1e-8, "A and B share their adjacency row");
        assert!(dist(0, 2) > 0.5, "A and C do not");
        assert!(e.row(4).iter().all(|&v| v == 0.0), "E is not in the graph");
    }
}

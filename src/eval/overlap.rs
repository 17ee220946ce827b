//! [`Overlap`]: overlap@k of the predicted and measured top-k genes by |response|.

use ndarray::Axis;

use super::{Metric, MetricInput};
use crate::data::screen::top_k_per_row;

/// |top-k(|predicted|) ∩ top-k(|measured|)| / k (`overlap@{k}`); ties by lower gene index.
#[derive(Debug, Clone, Copy)]
pub struct Overlap {
    /// Genes compared (capped at the number of genes).
    pub k: usize,
}

impl Metric for Overlap {
    fn name(&self) -> &str {
        match self.k {
            20 => "overlap@20",
            100 => "overlap@100",
            _ => "overlap@k",
        }
    }
    fn definition(&self) -> &str {
        "|top-k genes by |predicted| ∩ top-k genes by |measured|| / k (ties: lower gene index first)"
    }
    fn per_perturbation(&self, input: &MetricInput<'_>) -> Vec<f64> {
        let k = self.k.min(input.screen.n_genes());
        let depth = input.screen.top_de().ncols();
        input.per_query(|i, p, t| {
            let pred = p.mapv(f32::abs).insert_axis(Axis(0));
            let top_pred = top_k_per_row(pred.view(), k);
            let top_true: Vec<usize> = if k <= depth {
                input.top_de(i, k)
            } else {
                let t = t.mapv(f32::abs).insert_axis(Axis(0));
                top_k_per_row(t.view(), k)
                    .iter()
                    .map(|&g| g as usize)
                    .collect()
            };
            let hits = top_pred
                .iter()
                .filter(|&&g| top_true.contains(&(g as usize)))
                .count();
            hits as f64 / k as f64
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::fixture;

    #[test]
    fn by_hand_on_the_fixture() {
        let (s, p, r) = fixture::parts();
        let input = fixture::input(&s, &p, &r);
        // Top-1: A pred gene 0 = measured 0; B 3 = 3; C pred 0 (tie → lowest index) ≠ 3.
        assert_eq!(
            Overlap { k: 1 }.per_perturbation(&input),
            vec![1.0, 1.0, 0.0]
        );
        // Top-2: A {0,1} vs {0,2}; B {3,2} vs {3,1}; C {0,1} vs {3,0}: one of two each.
        assert_eq!(
            Overlap { k: 2 }.per_perturbation(&input),
            vec![0.5, 0.5, 0.5]
        );
        // k above the gene count is capped: all 4 genes overlap.
        assert_eq!(
            Overlap { k: 100 }.per_perturbation(&input),
            vec![1.0, 1.0, 1.0]
        );
    }
}

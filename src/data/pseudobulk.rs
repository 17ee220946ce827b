//! Single cells → one mean profile per perturbation, streaming.
//!
//! [`Accumulator`] keeps, per group (perturbation or control) and gene, the count, sum and sum of
//! squares in `f64`: memory grows with genes × groups, never with cells. [`Accumulator::finish`]
//! returns the mean profiles and, by a Welch t-test of every perturbation against the control
//! cells, the top differentially expressed genes.

use ndarray::Array2;

use super::screen::{DE_DEPTH, top_k_per_row};

/// Running per-group, per-gene sums over cells.
#[derive(Debug, Clone)]
pub struct Accumulator {
    n_genes: usize,
    cells: Vec<u32>,
    sum: Array2<f64>,
    sum_sq: Array2<f64>,
}

/// What an accumulator yields: group means and per-group Welch statistics against a reference.
#[derive(Debug, Clone)]
pub struct PseudoBulk {
    /// Mean profile per group (groups × genes).
    pub means: Array2<f32>,
    /// Cells per group.
    pub cells: Vec<u32>,
    /// For every group, the top DE gene indices against the reference group by |Welch t|
    /// (ties broken by |mean difference|, then gene index).
    pub top_de: Array2<u32>,
}

impl Accumulator {
    /// An accumulator for `n_groups` groups over `n_genes` genes.
    pub fn new(n_groups: usize, n_genes: usize) -> Accumulator {
        Accumulator {
            n_genes,
            cells: vec![0; n_groups],
            sum: Array2::zeros((n_groups, n_genes)),
            sum_sq: Array2::zeros((n_groups, n_genes)),
        }
    }

    /// Adds one cell given as its non-zero `(gene, value)` entries (sparse rows).
    pub fn add_sparse(&mut self, group: usize, entries: impl IntoIterator<Item = (usize, f32)>) {
        self.cells[group] += 1;
        self.add_entries(group, entries);
    }

    /// Adds values to a group without counting a cell, for column-major sources (CSC) where a
    /// cell's values arrive gene by gene; count each cell once with `add_sparse(group, [])`.
    pub fn add_entries(&mut self, group: usize, entries: impl IntoIterator<Item = (usize, f32)>) {
        let mut sum = self.sum.row_mut(group);
        let mut sum_sq = self.sum_sq.row_mut(group);
        for (g, v) in entries {
            let v = f64::from(v);
            sum[g] += v;
            sum_sq[g] += v * v;
        }
    }

    /// Adds one cell given as a dense row over all genes.
    pub fn add_dense(&mut self, group: usize, row: &[f32]) {
        assert_eq!(
            row.len(),
            self.n_genes,
            "dense cell row has one value per gene"
        );
        self.add_sparse(group, row.iter().copied().enumerate());
    }

    /// Number of genes.
    pub fn n_genes(&self) -> usize {
        self.n_genes
    }

    /// Cells seen per group so far.
    pub fn cells(&self) -> &[u32] {
        &self.cells
    }

    /// Means per group and the top DE genes of every group against `reference` (the control).
    pub fn finish(&self, reference: usize) -> PseudoBulk {
        let (n_groups, n_genes) = self.sum.dim();
        let mut means = Array2::<f32>::zeros((n_groups, n_genes));
        let mut var = Array2::<f64>::zeros((n_groups, n_genes));
        for grp in 0..n_groups {
            let n = f64::from(self.cells[grp]);
            if n == 0.0 {
                continue;
            }
            for g in 0..n_genes {
                let mean = self.sum[[grp, g]] / n;
                means[[grp, g]] = mean as f32;
                if n > 1.0 {
                    // Sample variance; clamp tiny negative round-off.
                    var[[grp, g]] =
                        ((self.sum_sq[[grp, g]] - n * mean * mean) / (n - 1.0)).max(0.0);
                }
            }
        }
        let n_ref = f64::from(self.cells[reference]).max(1.0);
        let ref_mean = means.row(reference).to_owned();
        let ref_var = var.row(reference).to_owned();
        let mut score = Array2::<f32>::zeros((n_groups, n_genes));
        for grp in 0..n_groups {
            let n = f64::from(self.cells[grp]).max(1.0);
            for g in 0..n_genes {
                let diff = f64::from(means[[grp, g]] - ref_mean[g]);
                let se = (var[[grp, g]] / n + ref_var[g] / n_ref).sqrt();
                score[[grp, g]] = welch_score(diff, se);
            }
        }
        PseudoBulk {
            means,
            cells: self.cells.clone(),
            top_de: top_k_per_row(score.view(), DE_DEPTH.min(n_genes)),
        }
    }
}

/// |t| as a sortable score. A difference with zero standard error ranks above every finite t, by
/// its size; no difference ranks last.
fn welch_score(diff: f64, se: f64) -> f32 {
    if se > 0.0 {
        (diff / se).abs() as f32
    } else if diff != 0.0 {
        1e30 * (1.0 + diff.abs().min(1e6) as f32 * 1e-6)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Welch's t statistic for two samples (used by tests as the textbook definition).
    fn welch_t(a: &[f64], b: &[f64]) -> f64 {
        let stats = |x: &[f64]| {
            let n = x.len() as f64;
            let mean = x.iter().sum::<f64>() / n;
            let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (n, mean, var)
        };
        let (na, ma, va) = stats(a);
        let (nb, mb, vb) = stats(b);
        (ma - mb) / (va / na + vb / nb).sqrt()
    }

    #[test]
    fn means_and_welch_ranking_match_the_textbook() {
        // group 0 = control, group 1 = perturbation; gene 1 shifts a lot with little noise,
        // gene 0 shifts more but noisily, gene 2 does not move.
        let control = [
            [1.0, 2.0, 5.0],
            [1.2, 2.1, 5.0],
            [0.8, 1.9, 5.0],
            [1.0, 2.0, 5.0],
        ];
        let pert = [
            [3.0, 3.0, 5.0],
            [0.0, 3.1, 5.0],
            [5.0, 2.9, 5.0],
            [1.0, 3.0, 5.0],
        ];
        let mut acc = Accumulator::new(2, 3);
        for c in &control {
            acc.add_dense(0, c);
        }
        for c in &pert {
            acc.add_sparse(1, c.iter().copied().enumerate().filter(|(_, v)| *v != 0.0));
        }
        let pb = acc.finish(0);
        assert_eq!(pb.cells, vec![4, 4]);
        assert!((pb.means[[1, 0]] - 2.25).abs() < 1e-6);
        let col = |m: &[[f64; 3]; 4], g: usize| m.iter().map(|r| r[g]).collect::<Vec<_>>();
        let t0 = welch_t(
            &col(&pert.map(|r| r.map(f64::from)), 0),
            &col(&control.map(|r| r.map(f64::from)), 0),
        );
        let t1 = welch_t(
            &col(&pert.map(|r| r.map(f64::from)), 1),
            &col(&control.map(|r| r.map(f64::from)), 1),
        );
        assert!(t1.abs() > t0.abs(), "t1 {t1} t0 {t0}");
        assert_eq!(pb.top_de.row(1).to_vec(), vec![1, 0, 2]);
    }
}

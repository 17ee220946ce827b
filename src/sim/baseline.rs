//! Per-gene baseline expression.
//!
//! Mean UMI count per cell m_g ~ LogNormal(baseline_log_mean, baseline_log_sd). With the expected
//! library size L = Σ_g m_g and s = 10⁴ / L, the log-normalised control level is
//! b_g = ln(1 + s m_g) and the cell-level SD of the log-normalised value (delta method for
//! y ~ NB(m_g, θ), Var y = m_g + m_g²/θ) is σ_g = s √(m_g + m_g²/θ) / (1 + s m_g).

use ndarray::Array1;
use rand_distr::{Distribution, LogNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::Checked;

/// Counts per 10,000 used by the log-normalisation.
pub const NORMALISED_TOTAL: f64 = 1e4;

/// Baseline means and the derived log-normalised levels and cell-level SDs.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// Mean UMI count per cell, m_g.
    pub mean_counts: Array1<f64>,
    /// Log-normalised control level b_g.
    pub level: Array1<f64>,
    /// Cell-level SD σ_g of the log-normalised value.
    pub cell_sd: Array1<f64>,
}

impl Baseline {
    /// Draws m_g gene by gene from the caller's RNG.
    pub fn draw(params: &Checked, genes: usize, rng: &mut Xoshiro256PlusPlus) -> Baseline {
        let dist = LogNormal::new(params.baseline_log_mean, params.baseline_log_sd)
            .expect("finite mean, sd ≥ 0 checked");
        let mean_counts = Array1::from_shape_simple_fn(genes, || dist.sample(rng));
        Baseline::from_means(mean_counts, params.gene_dispersion)
    }

    /// Derives levels and SDs from given means and dispersion θ.
    pub fn from_means(mean_counts: Array1<f64>, dispersion: f64) -> Baseline {
        let s = NORMALISED_TOTAL / mean_counts.sum();
        let level = mean_counts.mapv(|m| (s * m).ln_1p());
        let cell_sd = mean_counts.mapv(|m| s * (m + m * m / dispersion).sqrt() / (1.0 + s * m));
        Baseline {
            mean_counts,
            level,
            cell_sd,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn levels_and_sds_follow_the_formulas() {
        // Two genes with means 1 and 3: L = 4, s = 2500.
        let b = Baseline::from_means(array![1.0, 3.0], 2.0);
        assert!((b.level[0] - 2501f64.ln()).abs() < 1e-12);
        assert!((b.level[1] - 7501f64.ln()).abs() < 1e-12);
        // σ = 2500 · √(3 + 4.5) / 7501 for the second gene.
        assert!((b.cell_sd[1] - 2500.0 * 7.5f64.sqrt() / 7501.0).abs() < 1e-12);
    }
}

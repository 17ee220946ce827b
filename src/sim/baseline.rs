//! Per-gene baseline expression.
//!
//! Mean UMI count per cell m_g ~ LogNormal(baseline_log_mean, baseline_log_sd). With the expected
//! library size L = Σ_g m_g and s = 10⁴ / L, a control cell's log-normalised value of gene g is
//! z = ln(1 + s y) with y ~ NB(m_g, θ) (library-size variation ignored). The control level b_g
//! and the cell-level SD σ_g are the exact mean and SD of z, summed over the NB probabilities
//! (until the remaining mass is below 10⁻¹²), so pseudo-bulk noise is right for low counts too,
//! where the delta method would overstate it.

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
        let moments: Vec<(f64, f64)> = mean_counts
            .iter()
            .map(|&m| log1p_moments(m, dispersion, s))
            .collect();
        let level = moments.iter().map(|m| m.0).collect();
        let cell_sd = moments.iter().map(|m| m.1).collect();
        Baseline {
            mean_counts,
            level,
            cell_sd,
        }
    }
}

/// Mean and SD of ln(1 + s y) for y ~ NB(mean m, dispersion θ), by summing the probabilities
/// P(0) = (θ/(θ+m))^θ, P(y+1) = P(y) (y+θ)/(y+1) · m/(θ+m).
pub fn log1p_moments(m: f64, dispersion: f64, s: f64) -> (f64, f64) {
    let q = m / (dispersion + m);
    let mut prob = (dispersion / (dispersion + m)).powf(dispersion);
    let (mut mass, mut mean, mut second) = (0.0, 0.0, 0.0);
    let mut y = 0.0f64;
    // Stop when the remaining mass is negligible (and never beyond a far tail).
    let limit = m + 50.0 * (m + m * m / dispersion).sqrt() + 50.0;
    while mass < 1.0 - 1e-12 && y <= limit {
        let z = (s * y).ln_1p();
        mass += prob;
        mean += prob * z;
        second += prob * z * z;
        prob *= (y + dispersion) / (y + 1.0) * q;
        y += 1.0;
    }
    let mean = mean / mass;
    let var = (second / mass - mean * mean).max(0.0);
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn moments_match_hand_computed_bernoulli_like_counts() {
        // θ → ∞ is Poisson; with m = 0.1, P(0) = e^-0.1, P(1) = 0.1 e^-0.1, P(2) = 0.005 e^-0.1…
        // With s = 9, z takes ln 1 = 0, ln 10, ln 19, …
        let (mean, sd) = log1p_moments(0.1, 1e9, 9.0);
        let p: Vec<f64> = (0..8)
            .map(|k| (-0.1f64).exp() * 0.1f64.powi(k) / (1..=k).product::<i32>().max(1) as f64)
            .collect();
        let z: Vec<f64> = (0..8).map(|k| (9.0 * k as f64).ln_1p()).collect();
        let e: f64 = p.iter().zip(&z).map(|(p, z)| p * z).sum();
        let e2: f64 = p.iter().zip(&z).map(|(p, z)| p * z * z).sum();
        assert!((mean - e).abs() < 1e-6, "{mean} vs {e}");
        assert!((sd - (e2 - e * e).sqrt()).abs() < 1e-6, "{sd}");
    }

    #[test]
    fn moments_agree_with_sampling() {
        use rand::SeedableRng;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        let (m, theta, s) = (3.0, 2.0, 5.0);
        let z: Vec<f64> = (0..200_000)
            .map(|_| (s * f64::from(crate::sim::cells::neg_bin(m, theta, &mut rng))).ln_1p())
            .collect();
        let mean = z.iter().sum::<f64>() / z.len() as f64;
        let sd = (z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / z.len() as f64).sqrt();
        let (em, es) = log1p_moments(m, theta, s);
        assert!((mean - em).abs() < 0.01, "{mean} vs {em}");
        assert!((sd - es).abs() < 0.01, "{sd} vs {es}");
    }

    #[test]
    fn levels_use_the_library_normalisation() {
        // Two genes with means 1 and 3: L = 4, s = 2500.
        let b = Baseline::from_means(array![1.0, 3.0], 2.0);
        assert_eq!(b.level[1], log1p_moments(3.0, 2.0, 2500.0).0);
        assert!(b.level[1] > b.level[0] && b.cell_sd.iter().all(|&s| s > 0.0));
    }
}

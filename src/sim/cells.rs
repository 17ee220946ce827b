//! Cells: how many per perturbation, and single-cell counts.
//!
//! Cell numbers: n_p ~ NegBin(cells_mean, cells_dispersion) per perturbation and
//! n_0 ~ NegBin(control_cells_mean, cells_dispersion) for the control, drawn as Gamma–Poisson
//! mixtures and raised to at least 1.
//!
//! Single cells: cell c of perturbation p (μ_p = 0 for control cells) has a library size factor
//! ℓ_c ~ LogNormal(0, library_log_sd) and counts y_cg ~ NB(mean ℓ_c m_g e^{μ_pg}, dispersion θ)
//! (Gamma–Poisson), normalised as z_cg = ln(1 + 10⁴ y_cg / Σ_g y_cg). Each group draws from its
//! own stream; groups are generated in parallel and handed to the sink in order (control first,
//! then perturbations in row order).

use rand::Rng;
use rand_distr::{Distribution, Gamma, LogNormal, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::baseline::NORMALISED_TOTAL;
use super::{CONTROL_LABEL, Checked, Model, SimError, rng};
use crate::progress::Progress;

/// Cells per perturbation and control cells.
#[derive(Debug, Clone, PartialEq)]
pub struct CellCounts {
    /// Cells of each perturbation, in row order.
    pub perturbed: Vec<u32>,
    /// Control cells.
    pub control: u32,
}

impl CellCounts {
    /// Draws the control count, then one count per perturbation, from the caller's RNG.
    pub fn draw(params: &Checked, rng: &mut Xoshiro256PlusPlus) -> CellCounts {
        let control = neg_bin(params.control_cells_mean, params.cells_dispersion, rng).max(1);
        let perturbed = (0..params.perturbations)
            .map(|_| neg_bin(params.cells_mean, params.cells_dispersion, rng).max(1))
            .collect();
        CellCounts { perturbed, control }
    }
}

/// A NegBin(mean, θ) draw as Poisson(Gamma(θ, mean / θ)).
pub fn neg_bin(mean: f64, dispersion: f64, rng: &mut impl Rng) -> u32 {
    let rate = Gamma::new(dispersion, mean / dispersion)
        .expect("mean, dispersion > 0")
        .sample(rng);
    poisson(rate, rng)
}

fn poisson(rate: f64, rng: &mut impl Rng) -> u32 {
    if rate <= 0.0 || !rate.is_finite() {
        return 0;
    }
    let draw: f64 = Poisson::new(rate).expect("positive rate").sample(rng);
    draw.min(f64::from(u32::MAX)) as u32
}

/// The cells of one group (the control or one perturbation) in CSR form.
#[derive(Debug, Clone, PartialEq)]
pub struct CellBatch {
    /// The group's label: [`CONTROL_LABEL`] or the perturbed gene.
    pub label: String,
    /// Row pointers: cell i's entries are `indptr[i]..indptr[i + 1]`.
    pub indptr: Vec<usize>,
    /// Gene index of each non-zero entry, ascending within a cell.
    pub indices: Vec<u32>,
    /// Raw UMI count of each entry.
    pub counts: Vec<u32>,
    /// Log-normalised value ln(1 + 10⁴ y / Σ y) of each entry.
    pub normalised: Vec<f32>,
}

impl CellBatch {
    /// Number of cells.
    pub fn n_cells(&self) -> usize {
        self.indptr.len() - 1
    }
}

/// Groups generated together before handing them to the sink, bounding memory.
const CHUNK: usize = 32;
/// Distinguishes the cell streams from the pseudo-bulk noise streams.
const SALT: u64 = 0xCE11_5EED;

pub(super) fn draw<E>(
    model: &Model,
    progress: &dyn Progress,
    mut sink: impl FnMut(CellBatch) -> Result<(), E>,
) -> Result<Result<(), E>, SimError> {
    let params = model.params();
    if !params.noise {
        return Err(SimError::CellsWithoutNoise);
    }
    let counts = model.cell_counts();
    let total =
        u64::from(counts.control) + counts.perturbed.iter().map(|&n| u64::from(n)).sum::<u64>();
    progress.start(total, "cells");
    let n_groups = counts.perturbed.len() + 1;
    let seed = model.noise_seed() ^ SALT;
    for start in (0..n_groups).step_by(CHUNK) {
        let batches: Vec<CellBatch> = (start..(start + CHUNK).min(n_groups))
            .into_par_iter()
            .map(|group| {
                let mut rng = rng::stream(seed, group as u64);
                let batch = if group == 0 {
                    let zeros = ndarray::Array1::zeros(model.network().genes().len());
                    group_cells(model, CONTROL_LABEL, &zeros, counts.control, &mut rng)
                } else {
                    let p = group - 1;
                    group_cells(
                        model,
                        &model.perturbations()[p],
                        &model.mean_log_fold(p),
                        counts.perturbed[p],
                        &mut rng,
                    )
                };
                progress.advance(batch.n_cells() as u64);
                batch
            })
            .collect();
        for batch in batches {
            if let Err(e) = sink(batch) {
                return Ok(Err(e));
            }
        }
    }
    progress.finish();
    Ok(Ok(()))
}

fn group_cells(
    model: &Model,
    label: &str,
    mu: &ndarray::Array1<f64>,
    n: u32,
    rng: &mut Xoshiro256PlusPlus,
) -> CellBatch {
    let params = model.params();
    let theta = params.gene_dispersion;
    let library = LogNormal::new(0.0, params.library_log_sd).expect("sd ≥ 0 checked");
    let means: Vec<f64> = model
        .baseline()
        .mean_counts
        .iter()
        .zip(mu)
        .map(|(m, u)| m * u.exp())
        .collect();
    let gamma = Gamma::new(theta, 1.0 / theta).expect("θ > 0 checked");
    let mut batch = CellBatch {
        label: label.to_string(),
        indptr: vec![0],
        indices: Vec::new(),
        counts: Vec::new(),
        normalised: Vec::new(),
    };
    for _ in 0..n {
        let l = library.sample(rng);
        let start = batch.indices.len();
        let mut total = 0u64;
        for (g, &m) in means.iter().enumerate() {
            // Gamma(θ, 1/θ) has mean 1: the NB is Poisson(ℓ m · G).
            let y = poisson(l * m * gamma.sample(rng), rng);
            if y > 0 {
                batch.indices.push(g as u32);
                batch.counts.push(y);
                total += u64::from(y);
            }
        }
        let s = NORMALISED_TOTAL / total.max(1) as f64;
        batch.normalised.extend(
            batch.counts[start..]
                .iter()
                .map(|&y| (s * f64::from(y)).ln_1p() as f32),
        );
        batch.indptr.push(batch.indices.len());
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Preset, SimParams};
    use rand::SeedableRng;

    #[test]
    fn cell_numbers_have_the_negative_binomial_mean_and_variance() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let draws: Vec<f64> = (0..20_000)
            .map(|_| f64::from(neg_bin(50.0, 5.0, &mut rng)))
            .collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (draws.len() - 1) as f64;
        // NegBin(50, 5): variance 50 + 50²/5 = 550, SD 23.5; SE of the mean 0.17.
        assert!((mean - 50.0).abs() < 1.0, "{mean}");
        assert!((var - 550.0).abs() < 40.0, "{var}");
    }

    #[test]
    fn counts_are_at_least_one_cell() {
        let mut p = SimParams::preset(Preset::Small);
        p.cells_mean = 0.01;
        let c = CellCounts::draw(
            &p.check().unwrap(),
            &mut Xoshiro256PlusPlus::seed_from_u64(1),
        );
        assert!(c.perturbed.iter().all(|&n| n == 1));
    }
}

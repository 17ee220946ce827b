//! Pseudo-bulk profiles drawn directly, without simulating cells.
//!
//! The mean log-normalised profile of n_p cells of perturbation p is drawn as
//! profile_pg = b_g + μ_pg + σ_g / √n_p · ξ_pg with ξ ~ N(0, 1) independent, and the control
//! profile as b_g + σ_g / √n_0 · ξ_0g: the noise of a mean of n cells shrinks as 1/√n. The
//! response the screen reports is profile − control. With `noise = false` the profiles are
//! exactly b + μ and b. Each perturbation draws from its own stream (thread-count independent).

use ndarray::{Array1, Array2};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use super::{CONTROL_LABEL, Model, SimError, rng};
use crate::data::{Screen, ValueKind};
use crate::progress::Progress;

/// Distinguishes the pseudo-bulk streams from the single-cell ones.
const SALT: u64 = 0xB01C_5EED;

pub(super) fn draw(model: &Model, progress: &dyn Progress) -> Result<Screen, SimError> {
    let params = model.params();
    let baseline = model.baseline();
    let counts = model.cell_counts();
    let genes = model.network().genes().to_vec();
    let n_pert = counts.perturbed.len();
    let seed = model.noise_seed() ^ SALT;
    let noisy = |mut profile: Array1<f64>, n: u32, group: u64| -> Vec<f32> {
        if params.noise {
            let mut rng = rng::stream(seed, group);
            let shrink = 1.0 / f64::from(n).sqrt();
            for (v, sd) in profile.iter_mut().zip(&baseline.cell_sd) {
                let xi: f64 = StandardNormal.sample(&mut rng);
                *v += sd * shrink * xi;
            }
        }
        profile.iter().map(|&v| v as f32).collect()
    };
    progress.start(n_pert as u64, "pseudo-bulk");
    let rows: Vec<Vec<f32>> = (0..n_pert)
        .into_par_iter()
        .map(|p| {
            let row = noisy(
                &baseline.level + &model.mean_log_fold(p),
                counts.perturbed[p],
                p as u64,
            );
            progress.advance(1);
            row
        })
        .collect();
    progress.finish();
    let control = Array1::from(noisy(baseline.level.clone(), counts.control, n_pert as u64));
    let mut profiles = Array2::zeros((n_pert, genes.len()));
    for (mut dst, row) in profiles.outer_iter_mut().zip(rows) {
        dst.assign(&Array1::from(row));
    }
    debug_assert!(!genes.iter().any(|g| g == CONTROL_LABEL));
    let screen = Screen::from_profiles(
        model.perturbations().to_vec(),
        genes,
        control,
        profiles,
        ValueKind::Expression,
    )?;
    Ok(screen.with_cells(counts.perturbed.clone(), counts.control))
}

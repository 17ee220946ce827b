//! The low-rank systematic shift: programmes shared by many perturbations (growth, stress), the
//! effect Systema (Viñas Torné et al. 2025) showed dominates naive similarity metrics.
//!
//! S = L F with programmes F (rank r × genes), F_rg ~ N(0, systematic_sd²), and loadings L
//! (perturbations × r): a perturbation carries the shift with probability
//! `systematic_fraction`, then L_pr ~ N(1, systematic_loading_sd²), else L_p = 0. Loadings of
//! mean 1 make carriers move the same way, so the mean perturbation differs from control.

use ndarray::{Array2, ArrayViewMut1};
use rand::Rng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::Checked;

/// The factors of the systematic shift.
#[derive(Debug, Clone)]
pub struct Systematic {
    /// Loadings, perturbations × rank.
    pub loadings: Array2<f64>,
    /// Programmes, rank × genes.
    pub programmes: Array2<f64>,
}

impl Systematic {
    /// Draws programmes (gene by gene within each programme), then loadings (perturbation by
    /// perturbation), from the caller's RNG.
    pub fn draw(params: &Checked, genes: usize, rng: &mut Xoshiro256PlusPlus) -> Systematic {
        let r = params.systematic_rank;
        let gene_effect = Normal::new(0.0, params.systematic_sd).expect("sd ≥ 0 checked");
        let loading = Normal::new(1.0, params.systematic_loading_sd).expect("sd ≥ 0 checked");
        let programmes = Array2::from_shape_simple_fn((r, genes), || gene_effect.sample(rng));
        let mut loadings = Array2::zeros((params.perturbations, r));
        for mut row in loadings.outer_iter_mut() {
            if rng.random_bool(params.systematic_fraction) {
                row.iter_mut().for_each(|l| *l = loading.sample(rng));
            }
        }
        Systematic {
            loadings,
            programmes,
        }
    }

    /// Adds S_p to `row`.
    pub fn add_to(&self, p: usize, mut row: ArrayViewMut1<'_, f64>) {
        for (l, f) in self
            .loadings
            .row(p)
            .iter()
            .zip(self.programmes.outer_iter())
        {
            row.scaled_add(*l, &f);
        }
    }

    /// S_p as a vector over genes.
    pub fn shift(&self, p: usize) -> ndarray::Array1<f64> {
        let mut row = ndarray::Array1::zeros(self.programmes.ncols());
        self.add_to(p, row.view_mut());
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Preset, SimParams};
    use rand::SeedableRng;

    #[test]
    fn carriers_share_the_direction_and_others_are_untouched() {
        let mut p = SimParams::preset(Preset::Small);
        p.systematic_rank = 1;
        p.systematic_loading_sd = 0.0;
        p.systematic_fraction = 0.5;
        let p = p.check().unwrap();
        let s = Systematic::draw(&p, 300, &mut Xoshiro256PlusPlus::seed_from_u64(4));
        let carriers: Vec<usize> = (0..200).filter(|&i| s.loadings[[i, 0]] != 0.0).collect();
        // Binomial(200, 0.5): within 4 SD of 100.
        assert!((60..=140).contains(&carriers.len()), "{}", carriers.len());
        let (a, b) = (s.shift(carriers[0]), s.shift(carriers[1]));
        assert_eq!(a, b, "loading sd 0: every carrier gets the same shift");
        let non = (0..200).find(|i| !carriers.contains(i)).unwrap();
        assert!(s.shift(non).iter().all(|&v| v == 0.0));
    }
}

//! Perturbation-specific off-network effects: for every perturbation, each gene other than the
//! targeted one is hit with probability `off_network_fraction` by an effect ~ N(0, off_network_sd²)
//! (guide off-targets, biology outside the resource). Each perturbation draws from its own
//! stream, so the draw is the same for any thread count.

use ndarray::ArrayViewMut1;
use rand::Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;

use super::{Checked, rng};

/// Sparse effects: per perturbation, `(gene, effect)` pairs in gene order.
#[derive(Debug, Clone)]
pub struct OffNetwork {
    effects: Vec<Vec<(u32, f64)>>,
}

impl OffNetwork {
    /// Draws the effects of every perturbation from streams of `seed`.
    pub fn draw(params: &Checked, genes: usize, seed: u64) -> OffNetwork {
        let fraction = params.off_network_fraction;
        let size = Normal::new(0.0, params.off_network_sd).expect("sd ≥ 0 checked");
        let effects = (0..params.perturbations)
            .into_par_iter()
            .map(|p| {
                if fraction == 0.0 {
                    return Vec::new();
                }
                let mut rng = rng::stream(seed, p as u64);
                let mut hits = Vec::new();
                for g in (0..genes as u32).filter(|&g| g as usize != p) {
                    if rng.random_bool(fraction) {
                        hits.push((g, size.sample(&mut rng)));
                    }
                }
                hits
            })
            .collect();
        OffNetwork { effects }
    }

    /// The effects of perturbation `p`.
    pub fn of(&self, p: usize) -> &[(u32, f64)] {
        &self.effects[p]
    }

    /// Adds O_p to `row`.
    pub fn add_to(&self, p: usize, mut row: ArrayViewMut1<'_, f64>) {
        for &(g, v) in &self.effects[p] {
            row[g as usize] += v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Preset, SimParams};

    #[test]
    fn the_hit_fraction_is_respected_and_the_target_is_spared() {
        let mut p = SimParams::preset(Preset::Small);
        p.off_network_fraction = 0.1;
        let p = p.check().unwrap();
        let o = OffNetwork::draw(&p, 1000, 11);
        let hits: usize = (0..200).map(|i| o.of(i).len()).sum();
        // Binomial(200 · 999, 0.1): mean 19,980, SD 134.
        assert!((19_300..=20_700).contains(&hits), "{hits}");
        assert!((0..200).all(|i| o.of(i).iter().all(|&(g, _)| g as usize != i)));
        let again = OffNetwork::draw(&p, 1000, 11);
        assert_eq!(o.of(7), again.of(7));
    }
}

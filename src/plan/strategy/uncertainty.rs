//! `uncertainty`: measure the perturbations whose predicted response is least certain — the
//! largest variance of the run's predictor across bootstrap refits on the revealed rows
//! ([`crate::predict::uncertainty::bootstrap_variance`], averaged over genes).

use std::num::NonZeroUsize;

use rand::RngCore;

use super::{Pick, Strategy, StrategyError, View, rank_by};
use crate::predict::uncertainty::bootstrap_variance;

/// The uncertainty strategy.
#[derive(Debug, Clone, Copy)]
pub struct Uncertainty {
    draws: NonZeroUsize,
}

impl Uncertainty {
    /// With `draws` bootstrap refits per round.
    pub fn new(draws: NonZeroUsize) -> Uncertainty {
        Uncertainty { draws }
    }

    /// Bootstrap variance of every candidate, in `view.candidates` order.
    pub fn scores(
        &self,
        view: &View<'_, '_>,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<f64>, StrategyError> {
        bootstrap_variance(
            view.predictor,
            view.observed,
            view.candidates,
            self.draws.get(),
            rng,
        )
        .map_err(|e| StrategyError::Refit {
            strategy: "uncertainty".into(),
            message: e.to_string(),
        })
    }
}

impl Strategy for Uncertainty {
    fn name(&self) -> &str {
        "uncertainty"
    }
    fn needs_model(&self) -> bool {
        true
    }
    fn select(
        &self,
        view: &View<'_, '_>,
        k: usize,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<Pick>, StrategyError> {
        let variance = self.scores(view, rng)?;
        let at: std::collections::HashMap<usize, f64> = view
            .candidates
            .iter()
            .copied()
            .zip(variance.iter().copied())
            .collect();
        let n = view.candidates.len();
        Ok(rank_by(view.candidates, |r| at.get(&r).copied(), rng)
            .into_iter()
            .take(k)
            .enumerate()
            .map(|(i, (row, v))| Pick {
                score: v,
                uncertainty: v,
                ..Pick::new(
                    row,
                    format!(
                        "bootstrap variance {:.3e} over {} refits of {}: rank {} of {n}",
                        v.unwrap_or(f64::NAN),
                        self.draws,
                        view.predictor.name(),
                        i + 1
                    ),
                )
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::suite::planted;
    use crate::predict::{Neighbours, Observed, Predictor};
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;
    use std::sync::Arc;

    #[test]
    fn genes_whose_neighbours_disagree_are_the_least_certain() {
        // Two modules of 8 with distinct signatures. Observing 0, 1 (module 0) and 8, 9
        // (module 1) makes kNN predictions depend on which of them a resample keeps.
        let (s, g) = planted(2, 8, 10, 0.5);
        let knn = Neighbours::params(Arc::new(g)).check().unwrap();
        let observed = Observed::reveal(&s, vec![0, 1, 8, 9]);
        let model = knn.fit(&observed).unwrap();
        let candidates: Vec<usize> = observed.unobserved();
        let view = View {
            observed: &observed,
            candidates: &candidates,
            model: Some(&*model),
            predictor: &knn,
        };
        let strategy = Uncertainty::new(NonZeroUsize::new(16).unwrap());
        let a = strategy
            .select(&view, 3, &mut Xoshiro256PlusPlus::seed_from_u64(2))
            .unwrap();
        let b = strategy
            .select(&view, 3, &mut Xoshiro256PlusPlus::seed_from_u64(2))
            .unwrap();
        assert_eq!(a, b, "same generator, same picks");
        let v: Vec<f64> = a.iter().map(|p| p.uncertainty.unwrap()).collect();
        assert!(v.windows(2).all(|w| w[0] >= w[1]), "{v:?}");
        assert!(v[0] > 0.0);
        assert!(a.iter().all(|p| candidates.contains(&p.row)));
    }
}

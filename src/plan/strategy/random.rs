//! `random`: uniformly at random among the candidates, from the round's seeded generator.

use rand::RngCore;
use rand::seq::index::sample;

use super::{Pick, Strategy, StrategyError, View};

/// The random strategy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Random;

impl Random {
    /// `k` candidates drawn without replacement, with `why` as every rationale.
    pub fn draw(candidates: &[usize], k: usize, rng: &mut dyn RngCore, why: &str) -> Vec<Pick> {
        let k = k.min(candidates.len());
        sample(rng, candidates.len(), k)
            .into_iter()
            .map(|i| Pick::new(candidates[i], why))
            .collect()
    }
}

impl Strategy for Random {
    fn name(&self) -> &str {
        "random"
    }
    fn select(
        &self,
        view: &View<'_, '_>,
        k: usize,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<Pick>, StrategyError> {
        Ok(Random::draw(
            view.candidates,
            k,
            rng,
            "drawn uniformly at random from the unmeasured perturbations",
        ))
    }
}

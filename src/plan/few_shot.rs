//! The few-shot prediction benchmark (`mechpert evaluate`): for each of `draws` random
//! observed sets of `observed` perturbations (the same sets for every predictor), reveal them
//! through the [`Oracle`], fit every predictor, predict every other perturbation and score it
//! with every metric — one round of the design loop per draw, through the same
//! [`score_round`]. Out come tidy records (draw, predictor, metric, value; plus `n_fallback` and
//! the fitted hyper-parameters a model reports, such as the shrinkage `alpha` and `knob`).

use std::num::NonZeroUsize;

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::oracle::Oracle;
use super::round::{RoundError, score_round};
use crate::data::Screen;
use crate::eval::Metric;
use crate::eval::summary::Record;
use crate::predict::{Predictor, Split};
use crate::progress::Progress;

/// Benchmark settings.
#[derive(Debug, Clone, Copy)]
pub struct BenchmarkConfig {
    /// Observed (training) perturbations per draw.
    pub observed: NonZeroUsize,
    /// Random draws.
    pub draws: NonZeroUsize,
    /// Seed of the draws (and of the bootstrap intervals).
    pub seed: u64,
}

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BenchmarkError {
    /// Too many observed perturbations for the screen.
    #[error(
        "cannot observe {observed} of {total} perturbations: at least one must be left to predict"
    )]
    TooManyObserved {
        /// Asked.
        observed: usize,
        /// Perturbations in the screen.
        total: usize,
    },
    /// A predictor failed.
    #[error("draw {draw}")]
    Predictor {
        /// Draw index.
        draw: usize,
        /// Which predictor and why.
        #[source]
        source: RoundError,
    },
}

/// Runs the benchmark; progress counts draws.
pub fn run(
    screen: &Screen,
    predictors: &[Box<dyn Predictor>],
    metrics: &[Box<dyn Metric>],
    config: &BenchmarkConfig,
    progress: &dyn Progress,
) -> Result<Vec<Record>, BenchmarkError> {
    let total = screen.n_perturbations();
    let n_obs = config.observed.get();
    if n_obs >= total {
        return Err(BenchmarkError::TooManyObserved {
            observed: n_obs,
            total,
        });
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(config.seed);
    let oracle = Oracle::new(screen);
    progress.start(config.draws.get() as u64, "draws");
    let mut records = Vec::new();
    // Draws are made one at a time from the one RNG (the same sets as drawing them all first),
    // so memory does not grow with a split per draw.
    for draw in 0..config.draws.get() {
        let split = Split::random(total, n_obs, &mut rng);
        let train = oracle.reveal(split.observed);
        let scored = score_round(
            &oracle,
            &train,
            &split.queries,
            predictors,
            metrics,
            |_, _| {},
        )
        .map_err(|source| BenchmarkError::Predictor { draw, source })?;
        for s in scored {
            for (metric, value) in s.values {
                records.push(Record {
                    draw,
                    predictor: s.predictor.clone(),
                    metric,
                    value,
                });
            }
        }
        progress.advance(1);
    }
    progress.finish();
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::standard_metrics;
    use crate::eval::summary::summarise;
    use crate::predict::suite::planted;
    use crate::predict::{Neighbours, TrainingMean};
    use crate::progress::Silent;
    use std::sync::Arc;

    #[test]
    fn every_predictor_sees_the_same_draws_and_the_graph_wins_on_planted_modules() {
        let (s, g) = planted(4, 8, 40, 0.3);
        let predictors: Vec<Box<dyn Predictor>> = vec![
            Box::new(TrainingMean),
            Box::new(Neighbours::params(Arc::new(g)).check().unwrap()),
        ];
        let config = BenchmarkConfig {
            observed: NonZeroUsize::new(16).unwrap(),
            draws: NonZeroUsize::new(6).unwrap(),
            seed: 3,
        };
        let records = run(&s, &predictors, &standard_metrics(), &config, &Silent).unwrap();
        // 6 draws × 2 predictors × (9 metrics + n_fallback).
        assert_eq!(records.len(), 6 * 2 * 10);
        let again = run(&s, &predictors, &standard_metrics(), &config, &Silent).unwrap();
        assert_eq!(records, again);
        let summary = summarise(&records, "mean", 3);
        let cell = |p: &str, m: &str| {
            summary
                .iter()
                .find(|c| c.predictor == p && c.metric == m)
                .unwrap()
                .clone()
        };
        assert!(cell("graph", "pearson_delta").mean > cell("mean", "pearson_delta").mean + 0.2);
        assert_eq!(cell("mean", "systema_pearson").mean, 0.0);
        // The graph beats the mean on all 6 draws: exact p = 2/2⁶.
        assert!((cell("graph", "mse").p_vs_baseline.unwrap() - 2.0 / 64.0).abs() < 1e-12);
        assert_eq!(cell("mean", "mse").p_vs_baseline, None);
        let c = cell("graph", "pearson_delta");
        assert!(c.ci95.0 <= c.mean && c.mean <= c.ci95.1);
    }

    #[test]
    fn observing_everything_is_refused() {
        let (s, _) = planted(1, 4, 3, 0.1);
        let config = BenchmarkConfig {
            observed: NonZeroUsize::new(4).unwrap(),
            draws: NonZeroUsize::new(1).unwrap(),
            seed: 0,
        };
        let err = run(
            &s,
            &[Box::new(TrainingMean)],
            &standard_metrics(),
            &config,
            &Silent,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot observe 4 of 4 perturbations: at least one must be left to predict"
        );
    }
}

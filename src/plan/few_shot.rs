//! The few-shot prediction benchmark (`mechpert evaluate`): for each observed / query split
//! (random draws of `observed` perturbations from [`BenchmarkConfig::random_splits`], or fixed
//! ones read from a split file; the same splits for every predictor), reveal the observed rows
//! through the [`Oracle`], fit every predictor, predict the query perturbations and score them
//! with every metric — one round of the design loop per draw, through the same [`score_round`].
//! Out come tidy records (draw, predictor, metric, value; plus `n_fallback` and the fitted
//! hyper-parameters a model reports, such as the shrinkage `alpha` and `knob`), the value of
//! every metric for every query perturbation, and, on request, every predicted response handed
//! to a caller's sink.

use std::num::NonZeroUsize;

use ndarray::ArrayView2;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::oracle::Oracle;
use super::round::{RoundError, Scoring, score_round};
use crate::data::Screen;
use crate::eval::Metric;
use crate::eval::summary::Record;
use crate::predict::{Fitted, Predictor, Split, predict};
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

impl BenchmarkConfig {
    /// `draws` random splits of `total` perturbations, `observed` of them observed in each,
    /// from the seed.
    pub fn random_splits(&self, total: usize) -> Result<Vec<Split>, BenchmarkError> {
        let n_obs = self.observed.get();
        if n_obs >= total {
            return Err(BenchmarkError::TooManyObserved {
                observed: n_obs,
                total,
            });
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        Ok((0..self.draws.get())
            .map(|_| Split::random(total, n_obs, &mut rng))
            .collect())
    }
}

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BenchmarkError {
    /// Too many observed perturbations for the screen.
    #[error(
        "cannot observe {observed} of {total} perturbations: at least one must be left to predict (at most {})",
        .total.saturating_sub(1)
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
    /// The predictions sink refused a batch (for example a file could not be written).
    #[error("draw {draw}: predictions of `{predictor}`")]
    Sink {
        /// Draw index.
        draw: usize,
        /// Predictor.
        predictor: String,
        /// What the sink said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// One metric's value for one query perturbation in one draw.
#[derive(Debug, Clone, PartialEq)]
pub struct PerPerturbation {
    /// Draw index from 0.
    pub draw: usize,
    /// Predictor name.
    pub predictor: String,
    /// Screen row of the query perturbation.
    pub perturbation: usize,
    /// Metric name.
    pub metric: String,
    /// Its value.
    pub value: f64,
}

/// What the benchmark measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Per draw, predictor and metric: the mean over the draw's queries.
    pub records: Vec<Record>,
    /// Per draw, predictor, query perturbation and metric.
    pub per_perturbation: Vec<PerPerturbation>,
}

/// One predictor's predicted responses in one draw: one row per query.
#[derive(Debug, Clone, Copy)]
pub struct Predictions<'a> {
    /// Draw index from 0.
    pub draw: usize,
    /// Predictor name.
    pub predictor: &'a str,
    /// Screen rows of the queries, in row order of `response`.
    pub queries: &'a [usize],
    /// Predicted responses (queries × genes).
    pub response: ArrayView2<'a, f32>,
}

/// Receives predictions as they are made (so they need not all be held at once).
pub type PredictionSink<'a> =
    &'a mut dyn FnMut(Predictions<'_>) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Runs the benchmark over `splits` (observed and query rows must be disjoint and non-empty);
/// progress counts draws. With `sink`, every predictor's predicted responses of every draw go
/// to it.
pub fn run(
    screen: &Screen,
    predictors: &[Box<dyn Predictor>],
    metrics: &[Box<dyn Metric>],
    splits: &[Split],
    progress: &dyn Progress,
    mut sink: Option<PredictionSink<'_>>,
) -> Result<Outcome, BenchmarkError> {
    let oracle = Oracle::new(screen);
    progress.start(splits.len() as u64, "draws");
    let mut outcome = Outcome::default();
    for (draw, split) in splits.iter().enumerate() {
        let train = oracle.reveal(split.observed.clone());
        let mut models: Vec<Box<dyn Fitted + '_>> = Vec::new();
        let scored = score_round(
            &oracle,
            &train,
            &split.queries,
            predictors,
            metrics,
            Scoring::Formed,
            |_, model| {
                if sink.is_some() {
                    models.push(model);
                }
            },
        )
        .map_err(|source| BenchmarkError::Predictor { draw, source })?;
        for s in scored {
            for (metric, values) in metrics.iter().zip(&s.per_query) {
                for (&perturbation, &value) in split.queries.iter().zip(values) {
                    outcome.per_perturbation.push(PerPerturbation {
                        draw,
                        predictor: s.predictor.clone(),
                        perturbation,
                        metric: metric.name().to_string(),
                        value,
                    });
                }
            }
            for (metric, value) in s.values {
                outcome.records.push(Record {
                    draw,
                    predictor: s.predictor.clone(),
                    metric,
                    value,
                });
            }
        }
        if let Some(sink) = sink.as_mut() {
            for (predictor, model) in predictors.iter().zip(&models) {
                let (response, _) = predict(model.as_ref(), &split.queries);
                sink(Predictions {
                    draw,
                    predictor: predictor.name(),
                    queries: &split.queries,
                    response: response.view(),
                })
                .map_err(|source| BenchmarkError::Sink {
                    draw,
                    predictor: predictor.name().to_string(),
                    source,
                })?;
            }
        }
        progress.advance(1);
    }
    progress.finish();
    Ok(outcome)
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
        let splits = config.random_splits(s.n_perturbations()).unwrap();
        let outcome = run(&s, &predictors, &standard_metrics(), &splits, &Silent, None).unwrap();
        let records = outcome.records;
        // 6 draws × 2 predictors × (9 metrics + n_fallback).
        assert_eq!(records.len(), 6 * 2 * 10);
        // 6 draws × 2 predictors × 16 queries (32 − 16) × 9 metrics, whose means are the records.
        assert_eq!(outcome.per_perturbation.len(), 6 * 2 * 16 * 9);
        for r in records.iter().filter(|r| r.metric != "n_fallback") {
            let v: Vec<f64> = outcome
                .per_perturbation
                .iter()
                .filter(|p| p.draw == r.draw && p.predictor == r.predictor && p.metric == r.metric)
                .map(|p| p.value)
                .collect();
            assert_eq!(v.len(), 16);
            assert_eq!(v.iter().sum::<f64>() / 16.0, r.value, "{r:?}");
        }
        let again = run(&s, &predictors, &standard_metrics(), &splits, &Silent, None).unwrap();
        assert_eq!(records, again.records);
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
        let err = config.random_splits(s.n_perturbations()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot observe 4 of 4 perturbations: at least one must be left to predict (at most 3)"
        );
    }
}

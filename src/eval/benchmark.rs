//! The few-shot prediction benchmark: for each of `draws` random observed sets of `observed`
//! perturbations (the same sets for every predictor), fit every predictor, predict every other
//! perturbation and score it with every metric. Out come tidy records (draw, predictor, metric,
//! value; plus `n_fallback`, the query rows a predictor answered with the training mean) and a
//! summary per predictor × metric: mean, bootstrap 95 % CI over draws, and the paired Wilcoxon
//! p-value against the baseline predictor (the first one, normally `mean`). Fitted
//! hyper-parameters a model reports (the shrinkage `alpha` and `knob`) are recorded too.

use std::num::NonZeroUsize;

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::stats::{bootstrap_ci95, mean};
use super::wilcoxon::wilcoxon;
use super::{Metric, MetricInput};
use crate::data::Screen;
use crate::predict::{Observed, PredictError, Predictor, Split, predict};
use crate::progress::Progress;

/// Name of the per-draw fallback count in the records.
pub const N_FALLBACK: &str = "n_fallback";

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

/// One tidy row.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Draw index from 0.
    pub draw: usize,
    /// Predictor name.
    pub predictor: String,
    /// Metric name (or [`N_FALLBACK`]).
    pub metric: String,
    /// Its value (mean over the draw's query perturbations).
    pub value: f64,
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
    #[error("draw {draw}: predictor `{predictor}`")]
    Predictor {
        /// Draw index.
        draw: usize,
        /// Predictor name.
        predictor: String,
        /// Why.
        #[source]
        source: PredictError,
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
    let splits: Vec<Split> = (0..config.draws.get())
        .map(|_| Split::random(total, n_obs, &mut rng))
        .collect();
    progress.start(splits.len() as u64, "draws");
    let mut records = Vec::new();
    for (draw, split) in splits.iter().enumerate() {
        let train = Observed::new(screen, split.observed.clone());
        let reference = train.mean();
        for predictor in predictors {
            let model = predictor
                .fit(&train)
                .map_err(|source| BenchmarkError::Predictor {
                    draw,
                    predictor: predictor.name().to_string(),
                    source,
                })?;
            let (predicted, support) = predict(&*model, &split.queries);
            let input = MetricInput {
                screen,
                queries: &split.queries,
                predicted: predicted.view(),
                reference: reference.view(),
            };
            let mut push = |metric: &str, value: f64| {
                records.push(Record {
                    draw,
                    predictor: predictor.name().to_string(),
                    metric: metric.to_string(),
                    value,
                })
            };
            for metric in metrics {
                push(metric.name(), metric.score(&input));
            }
            push(N_FALLBACK, support.fallbacks as f64);
            for (name, value) in model.fitted_parameters() {
                push(name, value);
            }
        }
        progress.advance(1);
    }
    progress.finish();
    Ok(records)
}

/// One cell of the summary table.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryCell {
    /// Predictor.
    pub predictor: String,
    /// Metric.
    pub metric: String,
    /// Mean over draws.
    pub mean: f64,
    /// Bootstrap 95 % CI of the mean (10,000 resamples, seeded).
    pub ci95: (f64, f64),
    /// Paired Wilcoxon signed-rank p-value against the baseline over draws (None for the
    /// baseline itself).
    pub p_vs_baseline: Option<f64>,
}

/// Summarises records per predictor × metric against `baseline` (in record order).
pub fn summarise(records: &[Record], baseline: &str, seed: u64) -> Vec<SummaryCell> {
    let mut keys: Vec<(String, String)> = Vec::new();
    for r in records {
        let key = (r.predictor.clone(), r.metric.clone());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let values = |predictor: &str, metric: &str| -> Vec<f64> {
        let mut v: Vec<(usize, f64)> = records
            .iter()
            .filter(|r| r.predictor == predictor && r.metric == metric)
            .map(|r| (r.draw, r.value))
            .collect();
        v.sort_by_key(|x| x.0);
        v.into_iter().map(|x| x.1).collect()
    };
    keys.into_iter()
        .map(|(predictor, metric)| {
            let v = values(&predictor, &metric);
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let p = (predictor != baseline).then(|| {
                let base = values(baseline, &metric);
                if base.len() == v.len() {
                    wilcoxon(&v, &base).pvalue
                } else {
                    f64::NAN
                }
            });
            SummaryCell {
                mean: mean(&v),
                ci95: bootstrap_ci95(&v, 10_000, &mut rng),
                p_vs_baseline: p,
                predictor,
                metric,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::standard_metrics;
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

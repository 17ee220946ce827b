//! Summaries of tidy score records: per predictor × metric, the mean over draws, its bootstrap
//! 95 % CI and the paired Wilcoxon p-value against the baseline predictor (normally `mean`).
//!
//! In flow [`Record`]s (draw, predictor, metric, value) as `mechpert evaluate` writes them; out
//! come [`SummaryCell`]s for the summary table.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::stats::{bootstrap_ci95, mean};
use super::wilcoxon::wilcoxon;

/// One tidy row.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Draw index from 0.
    pub draw: usize,
    /// Predictor name.
    pub predictor: String,
    /// Metric name (or [`N_FALLBACK`](super::N_FALLBACK)).
    pub metric: String,
    /// Its value (mean over the draw's query perturbations).
    pub value: f64,
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

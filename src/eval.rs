//! Scoring predictions: metrics per held-out perturbation and statistics over draws. The
//! few-shot benchmark and the design loop that use them live in [`crate::plan`].
//!
//! In flow predicted responses Δ̂ (one row per query perturbation), the screen holding the
//! measured responses Δ, and the training mean (the reference of Systema-corrected metrics); out
//! come one number per (metric, query perturbation), averaged over the queries by
//! [`Metric::score`].
//!
//! | metric | definition (per query perturbation p; averaged over queries) |
//! |---|---|
//! | `pearson_delta` | Pearson r(Δ̂_p, Δ_p) over all genes |
//! | `pearson_delta_de20` | Pearson r over the top-20 DE genes of p (largest measured \|Δ_p\|, from `Screen::top_de`) |
//! | `systema_pearson` | Pearson r(Δ̂_p − μ, Δ_p − μ), μ = mean response of the training (observed) perturbations |
//! | `mse` | mean over all genes of (Δ̂_p − Δ_p)² |
//! | `mse_de20` | the same over the top-20 DE genes |
//! | `direction_de20` | fraction of the top-20 DE genes where sign(Δ̂) = sign(Δ) (sign 0 only matches 0) |
//! | `discrimination_l1` | 1 − r/N: r = number of query perturbations q whose measured Δ_q is strictly closer (L1, target gene's column excluded) to Δ̂_p than Δ_p is; N = number of queries (cell-eval `discrimination_score_l1`) |
//! | `overlap@k` | \|top-k(\|Δ̂_p\|) ∩ top-k(\|Δ_p\|)\| / k, k = 20 and 100 |
//!
//! **Constant vectors.** [`pearson`] returns NaN when either vector has zero variance (as scipy
//! does). The correlation metrics score such a perturbation 0, so a constant prediction (the
//! training mean under Systema correction) counts as "no linear agreement" instead of vanishing
//! from the average. Every other metric is defined for constant vectors.
//!
//! Statistics over draws are in [`stats`] (mean, bootstrap 95 % CI, area under a learning
//! curve) and [`wilcoxon`] (paired signed-rank test matching `scipy.stats.wilcoxon`).

use ndarray::{ArrayView1, ArrayView2};

use crate::data::Screen;

pub mod direction;
pub mod discrimination;
pub mod mse;
pub mod overlap;
pub mod pearson_delta;
pub mod stats;
pub mod summary;
pub mod systema;
pub mod wilcoxon;

pub use direction::DirectionDe;
pub use discrimination::DiscriminationL1;
pub use mse::Mse;
pub use overlap::Overlap;
pub use pearson_delta::PearsonDelta;
pub use systema::SystemaPearson;

/// What a metric sees: predictions for some query perturbations and the screen measuring them.
#[derive(Debug, Clone, Copy)]
pub struct MetricInput<'a> {
    /// The screen holding the measured responses.
    pub screen: &'a Screen,
    /// Screen rows of the query perturbations.
    pub queries: &'a [usize],
    /// Predicted responses, one row per query (queries × genes).
    pub predicted: ArrayView2<'a, f32>,
    /// Mean response of the training perturbations (the Systema reference).
    pub reference: ArrayView1<'a, f32>,
}

impl<'a> MetricInput<'a> {
    /// The measured response of query `i`.
    pub fn truth(&self, i: usize) -> ArrayView1<'a, f32> {
        self.screen
            .response()
            .index_axis_move(ndarray::Axis(0), self.queries[i])
    }
    /// One value per query from `f(i, predicted row, measured row)`.
    pub fn per_query(
        &self,
        f: impl Fn(usize, ArrayView1<'a, f32>, ArrayView1<'a, f32>) -> f64,
    ) -> Vec<f64> {
        (0..self.queries.len())
            .map(|i| {
                let predicted = self.predicted.index_axis_move(ndarray::Axis(0), i);
                f(i, predicted, self.truth(i))
            })
            .collect()
    }
    /// The top-`k` DE genes of query `i` (k capped at what the screen keeps).
    pub fn top_de(&self, i: usize, k: usize) -> Vec<usize> {
        let row = self
            .screen
            .top_de()
            .index_axis_move(ndarray::Axis(0), self.queries[i]);
        row.iter().take(k).map(|&g| g as usize).collect()
    }
}

/// One evaluation metric.
pub trait Metric: Send + Sync {
    /// Column name in `metrics.csv` (`pearson_delta`, `overlap@20`, …).
    fn name(&self) -> &str;
    /// The exact definition, for the docs and every results table.
    fn definition(&self) -> &str;
    /// Whether larger is better (false for errors).
    fn higher_is_better(&self) -> bool {
        true
    }
    /// One value per query perturbation.
    fn per_perturbation(&self, input: &MetricInput<'_>) -> Vec<f64>;
    /// The mean over query perturbations (NaN when there is none).
    fn score(&self, input: &MetricInput<'_>) -> f64 {
        let v = self.per_perturbation(input);
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Name of the count of query perturbations a predictor answered with the training mean,
/// recorded beside the metrics.
pub const N_FALLBACK: &str = "n_fallback";

/// The metrics every benchmark table reports, in table order.
pub fn standard_metrics() -> Vec<Box<dyn Metric>> {
    vec![
        Box::new(PearsonDelta::all()),
        Box::new(PearsonDelta::top_de(20)),
        Box::new(SystemaPearson),
        Box::new(Mse::all()),
        Box::new(Mse::top_de(20)),
        Box::new(DirectionDe { k: 20 }),
        Box::new(DiscriminationL1),
        Box::new(Overlap { k: 20 }),
        Box::new(Overlap { k: 100 }),
    ]
}

/// Pearson correlation of two equally long vectors, in f64; NaN when either has zero variance
/// or they are shorter than 2 (as `scipy.stats.pearsonr`).
///
/// ```
/// use mechpert::eval::pearson;
/// assert!((pearson([1.0, 2.0, 3.0].into_iter(), [2.0, 4.0, 7.0].into_iter()) - 0.9933992677987828).abs() < 1e-12);
/// assert!(pearson([1.0, 1.0].into_iter(), [1.0, 2.0].into_iter()).is_nan());
/// ```
pub fn pearson(x: impl Iterator<Item = f64> + Clone, y: impl Iterator<Item = f64> + Clone) -> f64 {
    let (mut n, mut sx, mut sy) = (0usize, 0.0, 0.0);
    for (a, b) in x.clone().zip(y.clone()) {
        n += 1;
        sx += a;
        sy += b;
    }
    if n < 2 {
        return f64::NAN;
    }
    let (mx, my) = (sx / n as f64, sy / n as f64);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.zip(y) {
        let (da, db) = (a - mx, b - my);
        sxy += da * db;
        sxx += da * da;
        syy += db * db;
    }
    if sxx == 0.0 || syy == 0.0 {
        return f64::NAN;
    }
    (sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0)
}

/// [`pearson`] with a constant vector scored 0 (the metrics' convention).
pub(crate) fn pearson_or_zero(
    x: impl Iterator<Item = f64> + Clone,
    y: impl Iterator<Item = f64> + Clone,
) -> f64 {
    let r = pearson(x, y);
    if r.is_nan() { 0.0 } else { r }
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A hand-sized screen for metric tests: three perturbations A, B, C over genes A, x, y, z.
    use ndarray::{Array1, Array2, array};

    use crate::data::{Screen, ValueKind};

    pub(crate) fn screen() -> Screen {
        Screen::from_responses(
            ["A", "B", "C"].map(String::from).to_vec(),
            ["A", "x", "y", "z"].map(String::from).to_vec(),
            array![
                [-4.0, 1.0, 2.0, 0.0],
                [0.0, -1.0, 0.5, 3.0],
                [1.0, 1.0, 1.0, 2.0]
            ],
            ValueKind::Response,
        )
        .unwrap()
    }

    pub(crate) fn predicted() -> Array2<f32> {
        array![
            [-2.0, 1.0, 1.0, 1.0],
            [0.0, 0.0, 1.0, 2.0],
            [1.0, 1.0, 1.0, 1.0]
        ]
    }

    pub(crate) fn reference() -> Array1<f32> {
        array![0.0, 0.5, 1.0, 1.0]
    }

    /// The screen, the predictions and the reference.
    pub(crate) fn parts() -> (Screen, Array2<f32>, Array1<f32>) {
        (screen(), predicted(), reference())
    }

    /// All three perturbations as queries.
    pub(crate) fn input<'a>(
        s: &'a Screen,
        p: &'a Array2<f32>,
        r: &'a Array1<f32>,
    ) -> super::MetricInput<'a> {
        super::MetricInput {
            screen: s,
            queries: &[0, 1, 2],
            predicted: p.view(),
            reference: r.view(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_by_hand_and_constant_vectors() {
        // x = (1, 2, 3), y = (1, 3, 2): sxy = 1·... centred (−1,0,1)·(−1,1,0) = 1; sxx = syy = 2.
        let r = pearson([1.0, 2.0, 3.0].into_iter(), [1.0, 3.0, 2.0].into_iter());
        assert!((r - 0.5).abs() < 1e-12);
        assert!(pearson([2.0, 2.0, 2.0].into_iter(), [1.0, 3.0, 2.0].into_iter()).is_nan());
        assert!(pearson([1.0].into_iter(), [1.0].into_iter()).is_nan());
        assert_eq!(
            pearson_or_zero([2.0, 2.0].into_iter(), [1.0, 3.0].into_iter()),
            0.0
        );
    }
}

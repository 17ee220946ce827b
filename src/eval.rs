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

pub mod curves;
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
    /// Whether values lie in a fixed range (correlations, fractions): such metrics are compared
    /// by absolute difference, since a relative gain over a value near 0 is meaningless; only
    /// unbounded errors (MSE) are compared in percent.
    fn bounded(&self) -> bool {
        true
    }
    /// Whether a query's value depends on the other queries (so queries cannot be scored in
    /// blocks): `discrimination_l1` ranks each prediction among all measured queries.
    fn needs_all_queries(&self) -> bool {
        false
    }
    /// One value per query perturbation.
    fn per_perturbation(&self, input: &MetricInput<'_>) -> Vec<f64>;
    /// The value of one query from its [`QuerySummary`], when the metric needs no more than
    /// that: the design loop then scores predictions that are linear in the observed responses
    /// without forming them. `None` for metrics that need whole vectors.
    fn of_summary(&self, _summary: &QuerySummary<'_>) -> Option<f64> {
        None
    }
    /// How many of the query's top DE genes [`of_summary`](Metric::of_summary) reads.
    fn summary_top_de(&self) -> usize {
        0
    }
    /// The mean over query perturbations (NaN when there is none).
    fn score(&self, input: &MetricInput<'_>) -> f64 {
        let v = self.per_perturbation(input);
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Sums over the genes of a predicted row x and a measured row y.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    /// Number of genes.
    pub n: usize,
    /// Σx.
    pub sx: f64,
    /// Σy.
    pub sy: f64,
    /// Σx².
    pub sxx: f64,
    /// Σy².
    pub syy: f64,
    /// Σxy.
    pub sxy: f64,
}

impl Moments {
    /// Pearson r (NaN for a constant vector, as [`pearson`]).
    pub fn pearson(&self) -> f64 {
        if self.n < 2 {
            return f64::NAN;
        }
        let n = self.n as f64;
        finish(
            self.sxy - self.sx * self.sy / n,
            (self.sxx - self.sx * self.sx / n).max(0.0),
            (self.syy - self.sy * self.sy / n).max(0.0),
        )
    }

    /// Mean of (x − y)² over the genes.
    pub fn mean_squared_error(&self) -> f64 {
        (self.sxx - 2.0 * self.sxy + self.syy).max(0.0) / self.n as f64
    }
}

/// What the summarisable metrics need of one query: sums over genes of the predicted and
/// measured rows, raw and both minus the training mean (the Systema reference), and the two rows
/// at the query's top DE genes.
#[derive(Debug, Clone, Copy)]
pub struct QuerySummary<'a> {
    /// Predicted vs measured.
    pub raw: Moments,
    /// Predicted − reference vs measured − reference.
    pub centred: Moments,
    /// `(predicted, measured)` at the query's top DE genes, most DE first (as
    /// [`MetricInput::top_de`] lists them), as many as the metrics' largest
    /// [`Metric::summary_top_de`].
    pub top_de: &'a [(f64, f64)],
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
pub fn pearson(x: impl Iterator<Item = f64>, y: impl Iterator<Item = f64>) -> f64 {
    let (xs, ys): (Vec<f64>, Vec<f64>) = x.zip(y).unzip();
    pearson_plain(&xs, &ys)
}

/// [`pearson`] of two response rows, optionally both minus a reference row (f32 differences,
/// as the Systema correction computes them), in one vectorised pass without copying (results
/// agree with [`pearson`] to ~1e-12, not to the last bit): the design loop scores thousands of
/// 8,000-gene rows per round, and this is its inner loop.
pub(crate) fn pearson_rows(x: &[f32], y: &[f32], minus: Option<&[f32]>) -> f64 {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let m = minus.map(|m| &m[..n.min(m.len())]);
    let (x, y) = (
        &x[..m.map_or(n, <[f32]>::len)],
        &y[..m.map_or(n, <[f32]>::len)],
    );
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above. Same operations, wider registers:
        // the result is bit-identical to the portable path (no FMA).
        return unsafe { pearson_rows_avx2(x, y, m) };
    }
    pearson_rows_portable(x, y, m)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn pearson_rows_avx2(x: &[f32], y: &[f32], m: Option<&[f32]>) -> f64 {
    pearson_rows_portable(x, y, m)
}

#[inline(always)]
fn pearson_rows_portable(x: &[f32], y: &[f32], m: Option<&[f32]>) -> f64 {
    match m {
        None => pearson_one_pass::<false>(x, y, x),
        Some(m) => pearson_one_pass::<true>(x, y, m),
    }
}

/// The pair at one position: (x − m, y − m) in f32 when `MINUS`, converted to f64.
#[inline(always)]
fn pair<const MINUS: bool>(x: f32, y: f32, m: f32) -> (f64, f64) {
    if MINUS {
        (f64::from(x - m), f64::from(y - m))
    } else {
        (f64::from(x), f64::from(y))
    }
}

/// One pass over equally long slices accumulating Σx, Σy, Σx², Σy², Σxy of the values shifted
/// by the first pair (which keeps the cancellation in Σx² − (Σx)²/n small), each sum in eight
/// interleaved partial sums over exact chunks so that the loop vectorises.
#[inline(always)]
fn pearson_one_pass<const MINUS: bool>(x: &[f32], y: &[f32], m: &[f32]) -> f64 {
    const L: usize = 8;
    let n = x.len();
    if n < 2 {
        return f64::NAN;
    }
    let (kx, ky) = pair::<MINUS>(x[0], y[0], m[0]);
    let (mut sx, mut sy, mut sxx, mut syy, mut sxy) =
        ([0.0; L], [0.0; L], [0.0; L], [0.0; L], [0.0; L]);
    let chunks = x
        .chunks_exact(L)
        .zip(y.chunks_exact(L))
        .zip(m.chunks_exact(L));
    for ((a, b), c) in chunks {
        for l in 0..L {
            let (u, v) = pair::<MINUS>(a[l], b[l], c[l]);
            let (u, v) = (u - kx, v - ky);
            sx[l] += u;
            sy[l] += v;
            sxx[l] += u * u;
            syy[l] += v * v;
            sxy[l] += u * v;
        }
    }
    let fold = |s: [f64; L]| s.iter().sum::<f64>();
    let (mut sx, mut sy, mut sxx, mut syy, mut sxy) =
        (fold(sx), fold(sy), fold(sxx), fold(syy), fold(sxy));
    for i in n / L * L..n {
        let (u, v) = pair::<MINUS>(x[i], y[i], m[i]);
        let (u, v) = (u - kx, v - ky);
        sx += u;
        sy += v;
        sxx += u * u;
        syy += v * v;
        sxy += u * v;
    }
    let nf = n as f64;
    finish(
        sxy - sx * sy / nf,
        (sxx - sx * sx / nf).max(0.0),
        (syy - sy * sy / nf).max(0.0),
    )
}

/// r from the centred sums; NaN for a constant vector.
fn finish(sxy: f64, sxx: f64, syy: f64) -> f64 {
    if sxx == 0.0 || syy == 0.0 {
        return f64::NAN;
    }
    (sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0)
}

/// The plain two-pass form, for short gathered vectors (top-DE genes).
fn pearson_plain(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    if n < 2 {
        return f64::NAN;
    }
    let (mx, my) = (
        x.iter().sum::<f64>() / n as f64,
        y.iter().sum::<f64>() / n as f64,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        let (da, db) = (a - mx, b - my);
        sxy += da * db;
        sxx += da * da;
        syy += db * db;
    }
    finish(sxy, sxx, syy)
}

/// [`pearson`] with a constant vector scored 0 (the metrics' convention).
pub(crate) fn pearson_or_zero(x: impl Iterator<Item = f64>, y: impl Iterator<Item = f64>) -> f64 {
    zero_if_nan(pearson(x, y))
}

/// The metrics' convention for an undefined correlation (a constant vector): 0.
pub(crate) fn zero_if_nan(r: f64) -> f64 {
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
    fn the_vectorised_sums_match_a_plain_two_pass_computation() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        for n in [2, 3, 5, 8, 13, 1000, 8001] {
            let x: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0) + 5.0).collect();
            let y: Vec<f64> = x
                .iter()
                .map(|v| v * 0.3 + rng.random_range(-1.0..1.0))
                .collect();
            let (mx, my) = (
                x.iter().sum::<f64>() / n as f64,
                y.iter().sum::<f64>() / n as f64,
            );
            let sxy: f64 = x.iter().zip(&y).map(|(a, b)| (a - mx) * (b - my)).sum();
            let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
            let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
            let plain = sxy / (sxx.sqrt() * syy.sqrt());
            let fast = pearson(x.iter().copied(), y.iter().copied());
            assert!((fast - plain).abs() < 1e-12, "n = {n}: {fast} vs {plain}");
            let (xf, yf): (Vec<f32>, Vec<f32>) = x
                .iter()
                .zip(&y)
                .map(|(&a, &b)| (a as f32, b as f32))
                .unzip();
            let zero = vec![0f32; n];
            let narrow = pearson(
                xf.iter().map(|&v| f64::from(v)),
                yf.iter().map(|&v| f64::from(v)),
            );
            assert!((pearson_rows(&xf, &yf, None) - narrow).abs() < 1e-12);
            assert_eq!(
                pearson_rows(&xf, &yf, Some(&zero)),
                pearson_rows(&xf, &yf, None)
            );
        }
    }

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

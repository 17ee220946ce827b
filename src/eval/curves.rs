//! Learning curves of the design loop: per strategy, predictor and metric, the value at the
//! final budget and the area under the curve, with bootstrap 95 % CIs over seeds, and paired
//! comparisons between strategies across seeds.
//!
//! In flow tidy [`RoundRow`]s (`rounds.csv`); out come [`CurveCell`]s and [`Comparison`]s for
//! `summary.md`. The area under the learning curve (AULC) is the trapezoid area over the number
//! of observed perturbations divided by the budget range, so it is on the metric's own scale
//! (the mean value along the curve). Gains are signed so that positive means better (for errors
//! such as `mse`, lower is better): absolute differences for bounded metrics (correlations),
//! relative in percent for unbounded errors, each with a paired bootstrap CI over seeds.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::stats::{self, area_under_curve, bootstrap_ci95, mean};
use super::wilcoxon::wilcoxon;

/// One tidy score row of `rounds.csv`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RoundRow {
    /// Strategy name.
    pub strategy: String,
    /// Seed.
    pub seed: u64,
    /// Round (0 = the initial set).
    pub round: usize,
    /// Perturbations observed when the predictor was fitted.
    pub n_observed: usize,
    /// Predictor name.
    pub predictor: String,
    /// Metric name (or `n_fallback`, or a fitted parameter).
    pub metric: String,
    /// Its value.
    pub value: f64,
}

/// One strategy's curve summary for one predictor and metric.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveCell {
    /// Strategy.
    pub strategy: String,
    /// Value at the final budget, per seed (in seed order).
    pub final_values: Vec<f64>,
    /// Area under the curve per seed, normalised by the budget range (NaN with one point).
    pub aulc_values: Vec<f64>,
    /// Mean of `final_values` and its bootstrap 95 % CI.
    pub final_mean: (f64, (f64, f64)),
    /// Mean of `aulc_values` and its bootstrap 95 % CI.
    pub aulc_mean: (f64, (f64, f64)),
    /// Observed perturbations at the final budget.
    pub final_n: usize,
}

/// How a gain is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GainScale {
    /// Difference of means in the metric's units (bounded metrics such as Pearson correlations).
    Absolute,
    /// Relative difference of means, percent (unbounded errors such as MSE).
    Percent,
}

/// One paired gain: its size, the paired bootstrap 95 % CI, and the two-sided exact paired
/// Wilcoxon p-value across seeds (`None` when neither strategy varies across seeds: the same
/// run repeated, whose "test" would only count seeds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gain {
    /// Positive = better, on the comparison's scale.
    pub value: f64,
    /// Paired bootstrap 95 % CI of `value` (seeds resampled together).
    pub ci: (f64, f64),
    /// Exact paired Wilcoxon p-value, or `None` without seed variation.
    pub p: Option<f64>,
}

/// A strategy against a reference strategy, paired over seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The reference strategy.
    pub reference: String,
    /// Absolute difference or percent.
    pub scale: GainScale,
    /// The gain at the final budget.
    pub final_gain: Gain,
    /// The gain of the area under the learning curve.
    pub aulc_gain: Gain,
}

/// Summarises the curves of `predictor` on `metric` for each strategy (in first-seen order).
pub fn summarise(rows: &[RoundRow], predictor: &str, metric: &str, seed: u64) -> Vec<CurveCell> {
    let mut strategies: Vec<&str> = Vec::new();
    for r in rows {
        if !strategies.contains(&r.strategy.as_str()) {
            strategies.push(&r.strategy);
        }
    }
    strategies
        .into_iter()
        .map(|strategy| {
            let mut seeds: Vec<u64> = rows
                .iter()
                .filter(|r| r.strategy == strategy)
                .map(|r| r.seed)
                .collect();
            seeds.sort_unstable();
            seeds.dedup();
            let mut final_values = Vec::new();
            let mut aulc_values = Vec::new();
            let mut final_n = 0;
            for &s in &seeds {
                let mut points: Vec<(usize, usize, f64)> = rows
                    .iter()
                    .filter(|r| {
                        r.strategy == strategy
                            && r.seed == s
                            && r.predictor == predictor
                            && r.metric == metric
                    })
                    .map(|r| (r.round, r.n_observed, r.value))
                    .collect();
                points.sort_by_key(|p| p.0);
                let Some(last) = points.last() else { continue };
                final_values.push(last.2);
                final_n = last.1;
                let x: Vec<f64> = points.iter().map(|p| p.1 as f64).collect();
                let y: Vec<f64> = points.iter().map(|p| p.2).collect();
                aulc_values.push(area_under_curve(&x, &y));
            }
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let final_mean = (
                mean(&final_values),
                bootstrap_ci95(&final_values, 10_000, &mut rng),
            );
            let aulc_mean = (
                mean(&aulc_values),
                bootstrap_ci95(&aulc_values, 10_000, &mut rng),
            );
            CurveCell {
                strategy: strategy.to_string(),
                final_values,
                aulc_values,
                final_mean,
                aulc_mean,
                final_n,
            }
        })
        .collect()
}

/// `cell` against `reference`, paired by seed; `higher_is_better` signs the gains, `scale` says
/// how they are measured (see [`GainScale`]).
pub fn compare(
    cell: &CurveCell,
    reference: &CurveCell,
    higher_is_better: bool,
    scale: GainScale,
) -> Comparison {
    let sign = if higher_is_better { 1.0 } else { -1.0 };
    let gain_of = |a: &[f64], b: &[f64]| {
        let (ma, mb) = (mean(a), mean(b));
        match scale {
            GainScale::Absolute => sign * (ma - mb),
            GainScale::Percent => sign * (ma - mb) / mb.abs() * 100.0,
        }
    };
    let gain = |a: &[f64], b: &[f64]| {
        let paired = a.len() == b.len() && !a.is_empty();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        Gain {
            value: gain_of(a, b),
            ci: stats::paired_bootstrap_ci95(a, b, gain_of, 10_000, &mut rng),
            p: (paired && (varies(a) || varies(b))).then(|| wilcoxon(a, b).pvalue),
        }
    };
    Comparison {
        reference: reference.strategy.clone(),
        scale,
        final_gain: gain(&cell.final_values, &reference.final_values),
        aulc_gain: gain(&cell.aulc_values, &reference.aulc_values),
    }
}

/// Whether the values differ across seeds.
fn varies(values: &[f64]) -> bool {
    values.windows(2).any(|w| w[0] != w[1])
}

/// The best of `cells` whose strategy is in `among`, by mean final value.
pub fn best_of<'c>(
    cells: &'c [CurveCell],
    among: &[&str],
    higher_is_better: bool,
) -> Option<&'c CurveCell> {
    cells
        .iter()
        .filter(|c| among.contains(&c.strategy.as_str()) && c.final_mean.0.is_finite())
        .max_by(|a, b| {
            let o = a.final_mean.0.total_cmp(&b.final_mean.0);
            if higher_is_better { o } else { o.reverse() }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(strategy: &str, seed: u64, round: usize, n: usize, value: f64) -> RoundRow {
        RoundRow {
            strategy: strategy.into(),
            seed,
            round,
            n_observed: n,
            predictor: "p".into(),
            metric: "m".into(),
            value,
        }
    }

    #[test]
    fn final_values_areas_and_paired_gains_by_hand() {
        // Strategy a: seed 1 goes 0.1 → 0.3 → 0.5 over 10, 20, 30 observed; seed 2 0.2 → 0.4 →
        // 0.4. Areas: (10·0.2 + 10·0.4)/20 = 0.3 and (10·0.3 + 10·0.4)/20 = 0.35.
        let mut rows = vec![
            row("a", 1, 0, 10, 0.1),
            row("a", 1, 1, 20, 0.3),
            row("a", 1, 2, 30, 0.5),
            row("a", 2, 0, 10, 0.2),
            row("a", 2, 1, 20, 0.4),
            row("a", 2, 2, 30, 0.4),
        ];
        // Strategy b: flat 0.25 on both seeds.
        for s in [1, 2] {
            for (round, n) in [(0, 10), (1, 20), (2, 30)] {
                rows.push(row("b", s, round, n, 0.25));
            }
        }
        let cells = summarise(&rows, "p", "m", 1);
        let a = &cells[0];
        assert_eq!(a.final_values, vec![0.5, 0.4]);
        assert!((a.aulc_values[0] - 0.3).abs() < 1e-12 && (a.aulc_values[1] - 0.35).abs() < 1e-12);
        assert!((a.final_mean.0 - 0.45).abs() < 1e-12);
        assert_eq!(a.final_n, 30);
        let c = compare(a, &cells[1], true, GainScale::Percent);
        // (0.45 − 0.25) / 0.25 = +80 %; areas (0.325 − 0.25) / 0.25 = +30 %.
        assert!((c.final_gain.value - 80.0).abs() < 1e-9, "{c:?}");
        assert!((c.aulc_gain.value - 30.0).abs() < 1e-9, "{c:?}");
        // Absolute: 0.45 − 0.25 = 0.2; the paired CI spans the two seeds' differences.
        let abs = compare(a, &cells[1], true, GainScale::Absolute);
        assert!((abs.final_gain.value - 0.2).abs() < 1e-12, "{abs:?}");
        let (lo, hi) = abs.final_gain.ci;
        assert!(
            (lo - 0.15).abs() < 1e-12 && (hi - 0.25).abs() < 1e-12,
            "{abs:?}"
        );
        // b is flat on both seeds but a varies: the test is done.
        assert!(abs.final_gain.p.is_some());
        // Lower is better: the same numbers become losses.
        let loss = compare(a, &cells[1], false, GainScale::Percent);
        assert!((loss.final_gain.value + 80.0).abs() < 1e-9);
        assert_eq!(best_of(&cells, &["a", "b"], true).unwrap().strategy, "a");
        assert_eq!(best_of(&cells, &["a", "b"], false).unwrap().strategy, "b");
        // Two strategies that repeat one run on every seed: no p-value, a point CI.
        let flat = |name: &str, v: f64| {
            [1, 2, 3, 4, 5]
                .into_iter()
                .flat_map(|s| [row(name, s, 0, 10, v - 0.1), row(name, s, 1, 20, v)])
                .collect::<Vec<_>>()
        };
        let rows = [flat("x", 0.5), flat("y", 0.3)].concat();
        let cells = summarise(&rows, "p", "m", 1);
        let c = compare(&cells[0], &cells[1], true, GainScale::Absolute);
        assert_eq!(c.final_gain.p, None, "{c:?}");
        assert!((c.final_gain.ci.0 - 0.2).abs() < 1e-12 && (c.final_gain.ci.1 - 0.2).abs() < 1e-12);
    }
}

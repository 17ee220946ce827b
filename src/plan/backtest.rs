//! Which strategy to trust on *this* screen: a backtest on the perturbations measured so far.
//!
//! In flow the screen so far, the candidate strategies (built over the screen's own layout) and
//! the predictor; out comes each strategy's score on each repeat. A repeat replays one design
//! round inside the screen: a random fifth of the measured perturbations is set aside as the
//! test set, half of the rest is "measured" (the start) and the other half is the pool the
//! strategies pick from. Every strategy picks from the same pool given the same start, the
//! predictor is refitted on start + picks, and PearsonΔ is scored on the same test set, so the
//! strategies are compared pair by pair on each repeat. Strategies see sealed views only: the
//! pool's and the test set's responses never enter them.

use rand::seq::SliceRandom;

use super::jobs::{Chooser, stream};
use super::strategy::{StrategyError, View};
use crate::data::Screen;
use crate::eval::wilcoxon::wilcoxon;
use crate::eval::{Metric, MetricInput, PearsonDelta};
use crate::predict::{Observed, PredictError, Predictor, predict};

/// The fewest measured perturbations a backtest accepts: below this a fifth for testing and
/// two halves of the rest leave too little for any strategy to differ from another.
pub const MIN_MEASURED: usize = 20;

/// Why a backtest could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BacktestError {
    /// Too few perturbations measured.
    #[error(
        "a backtest needs at least {MIN_MEASURED} measured perturbations in the screen so far, got {0}"
    )]
    TooSmall(usize),
    /// A strategy failed.
    #[error(transparent)]
    Strategy(#[from] StrategyError),
    /// The predictor failed.
    #[error("backtest repeat {repeat}: {source}")]
    Predictor {
        /// The repeat (1-based).
        repeat: usize,
        /// What the predictor said.
        source: PredictError,
    },
}

/// The sizes of every repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// Perturbations set aside for scoring.
    pub test: usize,
    /// Perturbations measured before the replayed round.
    pub start: usize,
    /// Perturbations the strategies pick from.
    pub pool: usize,
    /// Picks per strategy.
    pub picks: usize,
}

impl Sizes {
    /// For `measured` perturbations and a wanted `budget`: a fifth for testing (at least 2),
    /// half of the rest as the start, the other half as the pool, and at most half the pool
    /// picked (a strategy that must take the whole pool cannot differ from another).
    pub fn new(measured: usize, budget: usize) -> Result<Sizes, BacktestError> {
        if measured < MIN_MEASURED {
            return Err(BacktestError::TooSmall(measured));
        }
        let test = measured.div_ceil(5);
        let start = (measured - test) / 2;
        let pool = measured - test - start;
        Ok(Sizes {
            test,
            start,
            pool,
            picks: budget.clamp(1, pool / 2),
        })
    }
}

/// Scores of every strategy on every repeat (PearsonΔ on the repeat's test set).
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    /// Strategy names, in the order given.
    pub strategies: Vec<String>,
    /// `scores[s][r]`: strategy `s` on repeat `r`.
    pub scores: Vec<Vec<f64>>,
    /// The sizes of every repeat.
    pub sizes: Sizes,
}

/// One strategy against the winner, paired over repeats.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The strategy.
    pub strategy: String,
    /// Its mean score.
    pub mean: f64,
    /// Mean of (strategy − winner) over repeats (0 for the winner itself).
    pub difference: f64,
    /// Standard deviation of that difference over repeats.
    pub spread: f64,
    /// Repeats on which it scored strictly above the winner.
    pub beats_winner: usize,
    /// Exact paired Wilcoxon signed-rank p against the winner (`None` for the winner, or when
    /// every difference is zero).
    pub p: Option<f64>,
}

impl Backtest {
    /// The strategy with the highest mean score (the first of equals).
    pub fn winner(&self) -> usize {
        let means: Vec<f64> = self.scores.iter().map(|s| mean(s)).collect();
        (0..means.len()).fold(0, |best, s| if means[s] > means[best] { s } else { best })
    }

    /// Every strategy against the winner, winner first, then by mean score.
    pub fn comparisons(&self) -> Vec<Comparison> {
        let w = self.winner();
        let mut out: Vec<Comparison> = (0..self.strategies.len())
            .map(|s| {
                let d: Vec<f64> = self.scores[s]
                    .iter()
                    .zip(&self.scores[w])
                    .map(|(a, b)| a - b)
                    .collect();
                let m = mean(&d);
                let spread = if d.len() > 1 {
                    (d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (d.len() - 1) as f64).sqrt()
                } else {
                    0.0
                };
                Comparison {
                    strategy: self.strategies[s].clone(),
                    mean: mean(&self.scores[s]),
                    difference: m,
                    spread,
                    beats_winner: d.iter().filter(|&&x| x > 0.0).count(),
                    p: (s != w && d.iter().any(|&x| x != 0.0))
                        .then(|| wilcoxon(&self.scores[s], &self.scores[w]).pvalue),
                }
            })
            .collect();
        out.sort_by(|a, b| b.mean.total_cmp(&a.mean));
        out
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Replays `repeats` design rounds of `budget` picks inside `screen` (every row measured) for
/// each of `choosers` (sealed strategies over `screen`'s layout), scoring `predictor`.
pub fn backtest(
    screen: &Screen,
    choosers: &[Chooser],
    predictor: &dyn Predictor,
    budget: usize,
    repeats: usize,
    seed: u64,
) -> Result<Backtest, BacktestError> {
    let sizes = Sizes::new(screen.n_perturbations(), budget)?;
    let metric = PearsonDelta::all();
    let mut scores = vec![Vec::with_capacity(repeats); choosers.len()];
    for repeat in 1..=repeats {
        let mut rows: Vec<usize> = (0..screen.n_perturbations()).collect();
        rows.shuffle(&mut stream(seed, "backtest", repeat));
        let (test, rest) = rows.split_at(sizes.test);
        let (start, pool) = rest.split_at(sizes.start);
        let mut test = test.to_vec();
        test.sort_unstable();
        let mut pool = pool.to_vec();
        pool.sort_unstable();
        let observed = Observed::reveal(screen, start.to_vec());
        let model = predictor
            .fit(&observed)
            .map_err(|source| BacktestError::Predictor { repeat, source })?;
        let view = View {
            observed: &observed,
            candidates: &pool,
            model: Some(&*model),
            predictor,
        };
        for (s, chooser) in choosers.iter().enumerate() {
            let Chooser::Sealed(strategy) = chooser else {
                continue;
            };
            let picks = strategy.select(
                &view,
                sizes.picks,
                &mut stream(seed, strategy.name(), repeat),
            )?;
            let mut measured = start.to_vec();
            measured.extend(picks.iter().map(|p| p.row));
            let after = Observed::reveal(screen, measured);
            let refit = predictor
                .fit(&after)
                .map_err(|source| BacktestError::Predictor { repeat, source })?;
            let (predicted, _) = predict(&*refit, &test);
            let reference = after.mean();
            scores[s].push(metric.score(&MetricInput {
                screen,
                queries: &test,
                predicted: predicted.view(),
                reference: reference.view(),
            }));
        }
    }
    Ok(Backtest {
        strategies: choosers.iter().map(|c| c.name().to_string()).collect(),
        scores,
        sizes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(scores: Vec<Vec<f64>>) -> Backtest {
        Backtest {
            strategies: (0..scores.len()).map(|i| format!("s{i}")).collect(),
            scores,
            sizes: Sizes::new(40, 10).unwrap(),
        }
    }

    #[test]
    fn sizes_split_the_screen_and_cap_the_picks() {
        let s = Sizes::new(100, 50).unwrap();
        assert_eq!((s.test, s.start, s.pool, s.picks), (20, 40, 40, 20));
        let s = Sizes::new(21, 3).unwrap();
        assert_eq!((s.test, s.start, s.pool, s.picks), (5, 8, 8, 3));
        assert!(matches!(
            Sizes::new(19, 3),
            Err(BacktestError::TooSmall(19))
        ));
    }

    #[test]
    fn the_winner_has_the_highest_mean_and_the_others_are_paired_against_it() {
        let b = table(vec![
            vec![0.30, 0.32, 0.31],
            vec![0.35, 0.36, 0.30],
            vec![0.10, 0.10, 0.10],
        ]);
        assert_eq!(b.winner(), 1);
        let c = b.comparisons();
        assert_eq!(c[0].strategy, "s1");
        assert_eq!((c[0].difference, c[0].p), (0.0, None));
        assert_eq!(c[1].strategy, "s0");
        assert!((c[1].difference - (-0.08 / 3.0)).abs() < 1e-12);
        assert_eq!(c[1].beats_winner, 1);
        assert!(c[1].p.is_some_and(|p| p > 0.0 && p <= 1.0));
        assert_eq!(c[2].beats_winner, 0);
    }
}

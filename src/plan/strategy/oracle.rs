//! `oracle`: an upper bound, not a design. It reads the held-out responses — through
//! [`Oracle::held_out_response_for_upper_bound`], the one door that allows it — and picks the
//! perturbations whose measured responses best represent the rest: greedy facility location on
//! Pearson correlations, each pick maximising Σ_q max(0, r(q, c) − best_q) over the unmeasured
//! queries q, where best_q is q's highest correlation with anything measured or picked so far.
//! No real screen can choose this way; every table labels it as the ceiling.
//!
//! A fixed test set is out of its reach too: test rows are never candidates and its gains sum
//! over candidates only, so no test response enters a pick (`tests/plan.rs` turns one seed's
//! test rows into noise and gets the same picks).
//!
//! It is deliberately not a [`Strategy`](super::Strategy): strategies receive sealed views
//! only, and this one needs the oracle as an explicit extra argument.

use std::sync::OnceLock;

use ndarray::{Array2, Axis};
use rand::RngCore;
use rand::seq::SliceRandom;

use super::{Pick, View};
use crate::plan::oracle::Oracle;

/// The oracle reference strategy; the correlation matrix of the truth is computed once.
#[derive(Debug, Default)]
pub struct UpperBound {
    correlation: OnceLock<Array2<f32>>,
}

impl UpperBound {
    /// Its name in every output.
    pub const NAME: &'static str = "oracle";

    fn correlation(&self, oracle: &Oracle<'_>) -> &Array2<f32> {
        self.correlation.get_or_init(|| {
            let layout = oracle.layout();
            let (n, g) = (layout.n_perturbations(), layout.n_genes());
            let mut z = Array2::<f32>::zeros((n, g));
            for (r, mut row) in z.axis_iter_mut(Axis(0)).enumerate() {
                let y = oracle.held_out_response_for_upper_bound(r);
                let mean = y.iter().map(|&v| f64::from(v)).sum::<f64>() / g as f64;
                let sd = (y
                    .iter()
                    .map(|&v| (f64::from(v) - mean).powi(2))
                    .sum::<f64>())
                .sqrt();
                if sd > 0.0 {
                    for (o, &v) in row.iter_mut().zip(y) {
                        *o = ((f64::from(v) - mean) / sd) as f32;
                    }
                }
            }
            z.dot(&z.t())
        })
    }

    /// Chooses `k` of `view.candidates` with the measured truth in view.
    pub fn select(
        &self,
        view: &View<'_, '_>,
        oracle: &Oracle<'_>,
        k: usize,
        rng: &mut dyn RngCore,
    ) -> Vec<Pick> {
        let r = self.correlation(oracle);
        let n = r.nrows();
        let mut open = vec![false; n];
        for &c in view.candidates {
            open[c] = true;
        }
        let mut best = vec![0f32; n];
        for q in 0..n {
            for &p in view.observed.rows() {
                best[q] = best[q].max(r[[q, p]]);
            }
        }
        let mut order = view.candidates.to_vec();
        order.shuffle(rng);
        let mut picks = Vec::new();
        for _ in 0..k.min(order.len()) {
            let gain = |c: usize| -> f64 {
                (0..n)
                    .filter(|&q| open[q] && q != c)
                    .map(|q| f64::from((r[[q, c]] - best[q]).max(0.0)))
                    .sum()
            };
            let (i, g) = order.iter().enumerate().map(|(i, &c)| (i, gain(c))).fold(
                (0, f64::NEG_INFINITY),
                |acc, x| if x.1 > acc.1 { x } else { acc },
            );
            let c = order.remove(i);
            open[c] = false;
            for q in 0..n {
                best[q] = best[q].max(r[[q, c]]);
            }
            picks.push(Pick {
                score: Some(g),
                ..Pick::new(
                    c,
                    format!(
                        "ORACLE (upper bound, reads held-out responses): raises the unmeasured genes' best correlation by {g:.2} in total"
                    ),
                )
            });
        }
        picks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::TrainingMean;
    use crate::predict::suite::planted;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn one_pick_per_module_when_modules_share_a_response() {
        let (s, _) = planted(3, 6, 30, 0.05);
        let oracle = Oracle::new(&s);
        let observed = crate::predict::Observed::nothing(s.layout());
        let candidates: Vec<usize> = (0..s.n_perturbations()).collect();
        let view = View {
            observed: &observed,
            candidates: &candidates,
            model: None,
            predictor: &TrainingMean,
        };
        let picks = UpperBound::default().select(
            &view,
            &oracle,
            3,
            &mut Xoshiro256PlusPlus::seed_from_u64(4),
        );
        let mut modules: Vec<usize> = picks.iter().map(|p| p.row / 6).collect();
        modules.sort_unstable();
        assert_eq!(modules, vec![0, 1, 2], "{picks:?}");
    }
}

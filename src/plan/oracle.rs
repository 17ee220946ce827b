//! [`Oracle`]: owns the held-out screen and is the only door to its unrevealed rows.
//!
//! In flow a complete [`Screen`] (a simulated screen or a real one replayed as if it were
//! being measured); out come sealed [`Observed`] views of the rows revealed so far and scores of
//! predictions against the measured truth. Predictors and strategies never see the oracle: they
//! get the views, which hold no unrevealed row. The `oracle` reference strategy, an upper bound
//! in every table, reads held-out rows through the one explicitly named method
//! [`Oracle::held_out_response_for_upper_bound`].
//!
//! Under [`Feedback::Permuted`] (the permuted-feedback control) the oracle shows each revealed
//! perturbation another revealed perturbation's measured response, to the strategy and to the
//! scored predictors alike, while it still scores predictions against the true responses. Under
//! [`Feedback::PermutedToStrategy`] only the strategy (its view and the model it reads) is
//! shown the reassigned responses; the scored predictors train on the true ones, so a strategy
//! that learns from feedback loses its gain while the predictor is left as it was.

use std::str::FromStr;

use ndarray::{ArrayView1, ArrayView2};
use rand::Rng;

use super::jobs::stream;
use crate::data::{Layout, Screen};
use crate::eval::{Metric, MetricInput};
use crate::predict::Observed;

/// What a design loop is shown for the perturbations it picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Feedback {
    /// Their measured responses.
    #[default]
    True,
    /// The control: each revealed perturbation is shown the measured response of the next
    /// revealed one along a cycle through the whole pool, drawn once per seed (the same for
    /// every strategy of that seed). The shown responses are the revealed ones, reassigned, so
    /// no held-out response enters a view and the training mean is unchanged; a lone revealed
    /// perturbation has no other to take from and keeps its own.
    Permuted,
    /// The same reassignment shown to the strategy only: its view and the model it reads are
    /// fitted on the reassigned responses, the scored predictors on the measured ones. This
    /// isolates what a strategy takes from feedback from what the predictor does.
    PermutedToStrategy,
}

impl Feedback {
    /// The name in the TOML file, on the command line and in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Feedback::True => "true",
            Feedback::Permuted => "permuted",
            Feedback::PermutedToStrategy => "permuted-to-strategy",
        }
    }

    /// Whether the strategy is shown reassigned responses (either control).
    pub fn misleads_strategy(self) -> bool {
        self != Feedback::True
    }
}

impl FromStr for Feedback {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        use clap::ValueEnum;
        <Feedback as ValueEnum>::from_str(s, false).map_err(|_| {
            let names: Vec<&str> = Feedback::value_variants()
                .iter()
                .map(|f| f.as_str())
                .collect();
            let (last, rest) = names.split_last().expect("Feedback has variants");
            format!("feedback `{s}`: expected {} or {last}", rest.join(", "))
        })
    }
}

/// The held-out screen of a design loop or benchmark.
#[derive(Debug)]
pub struct Oracle<'s> {
    screen: &'s Screen,
    feedback: Feedback,
}

impl<'s> Oracle<'s> {
    /// An oracle over `screen`, which it treats as measured but unrevealed, showing true
    /// feedback.
    pub fn new(screen: &'s Screen) -> Oracle<'s> {
        Oracle::with_feedback(screen, Feedback::True)
    }

    /// An oracle over `screen` whose design-loop views follow `feedback`.
    pub fn with_feedback(screen: &'s Screen, feedback: Feedback) -> Oracle<'s> {
        Oracle { screen, feedback }
    }

    /// What it shows a design loop.
    pub fn feedback(&self) -> Feedback {
        self.feedback
    }

    /// The public facts: perturbation and gene names.
    pub fn layout(&self) -> &'s Layout {
        self.screen.layout()
    }

    /// Reveals screen rows `rows`: a sealed view holding a copy of their responses only.
    pub fn reveal(&self, rows: Vec<usize>) -> Observed<'s> {
        Observed::reveal(self.screen, rows)
    }

    /// Reveals screen rows `rows` to the strategy of the design-loop job of `seed`: a sealed
    /// view of their measured responses, or under either permuted control of the responses of
    /// [`Oracle::feedback_sources`].
    pub fn reveal_to_strategy(&self, seed: u64, rows: Vec<usize>) -> Observed<'s> {
        if self.feedback.misleads_strategy() {
            let sources = self.feedback_sources(seed, &rows);
            Observed::reveal_mislabelled(self.screen, rows, &sources)
        } else {
            self.reveal(rows)
        }
    }

    /// Reveals screen rows `rows` to the scored predictors of the job of `seed`: reassigned
    /// only under [`Feedback::Permuted`].
    pub fn reveal_to_predictors(&self, seed: u64, rows: Vec<usize>) -> Observed<'s> {
        match self.feedback {
            Feedback::Permuted => self.reveal_to_strategy(seed, rows),
            Feedback::True | Feedback::PermutedToStrategy => self.reveal(rows),
        }
    }

    /// Under permuted feedback, whose response each of `rows` is shown in the job of `seed`:
    /// the first other member of `rows` met walking from it along the seed's cycle through
    /// the pool (a cyclic permutation by Sattolo's algorithm, so every walk comes back round).
    /// Restricted to `rows` that cycle is itself one cycle, so each shown response is a
    /// revealed one and none is shown twice.
    pub fn feedback_sources(&self, seed: u64, rows: &[usize]) -> Vec<usize> {
        let n = self.screen.n_perturbations();
        let mut next: Vec<usize> = (0..n).collect();
        let mut rng = stream(seed, "permuted feedback", 0);
        for i in (1..n).rev() {
            let j = rng.random_range(0..i);
            next.swap(i, j);
        }
        let mut revealed = vec![false; n];
        for &r in rows {
            revealed[r] = true;
        }
        rows.iter()
            .map(|&r| {
                let mut x = next[r];
                while !revealed[x] {
                    x = next[x];
                }
                x
            })
            .collect()
    }

    /// Scores `predicted` (one row per query) against the measured responses of `queries`
    /// with each metric: one value per metric and query. `reference` is the training mean (the
    /// Systema reference). Metrics get the truth here and only here.
    pub fn score(
        &self,
        metrics: &[Box<dyn Metric>],
        queries: &[usize],
        predicted: ArrayView2<'_, f32>,
        reference: ArrayView1<'_, f32>,
    ) -> Vec<Vec<f64>> {
        let input = MetricInput {
            screen: self.screen,
            queries,
            predicted,
            reference,
        };
        metrics.iter().map(|m| m.per_perturbation(&input)).collect()
    }

    /// The measured response of any row, revealed or not. Only the `oracle` reference strategy
    /// calls this, to give an upper bound no real design can reach.
    pub fn held_out_response_for_upper_bound(&self, row: usize) -> ArrayView1<'s, f32> {
        self.screen
            .response()
            .index_axis_move(ndarray::Axis(0), row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValueKind;
    use ndarray::Array2;

    /// Twelve perturbations whose one-gene response is their row number.
    fn numbered() -> Screen {
        let names = (0..12).map(|i| format!("G{i}")).collect();
        let response = Array2::from_shape_fn((12, 1), |(r, _)| r as f32);
        Screen::from_responses(names, vec!["x".into()], response, ValueKind::Response).unwrap()
    }

    #[test]
    fn permuted_feedback_reassigns_the_revealed_responses_within_the_revealed_rows() {
        let s = numbered();
        let oracle = Oracle::with_feedback(&s, Feedback::Permuted);
        let rows = vec![3, 7, 0, 11, 5];
        let sources = oracle.feedback_sources(2, &rows);
        // Every row is shown another revealed row's response, each response once.
        let mut sorted = sources.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 3, 5, 7, 11]);
        assert!(
            rows.iter().zip(&sources).all(|(r, s)| r != s),
            "{sources:?}"
        );
        let view = oracle.reveal_to_strategy(2, rows.clone());
        for (&r, &src) in rows.iter().zip(&sources) {
            assert_eq!(view.response(r).to_vec(), vec![src as f32]);
        }
        // The training mean is that of the true revealed rows.
        assert_eq!(view.mean().to_vec(), vec![26.0 / 5.0]);
        // Fixed per seed, different across seeds (seeds 1–4 give 4 distinct maps here).
        assert_eq!(oracle.feedback_sources(2, &rows), sources);
        let maps: std::collections::HashSet<Vec<usize>> = (1..=4)
            .map(|seed| oracle.feedback_sources(seed, &rows))
            .collect();
        assert!(maps.len() > 1, "{maps:?}");
        // Two revealed rows can only swap; a lone one keeps its own response.
        assert_eq!(oracle.feedback_sources(9, &[4, 8]), [8, 4]);
        assert_eq!(oracle.feedback_sources(9, &[4]), [4]);
    }

    #[test]
    fn true_feedback_reveals_the_measured_rows_and_names_parse() {
        let s = numbered();
        let view = Oracle::new(&s).reveal_to_strategy(2, vec![3, 7]);
        assert_eq!(view.response(3).to_vec(), vec![3.0]);
        assert_eq!(view.response(7).to_vec(), vec![7.0]);
        assert_eq!("permuted".parse::<Feedback>(), Ok(Feedback::Permuted));
        assert_eq!("true".parse::<Feedback>(), Ok(Feedback::True));
        assert_eq!(
            "shuffled".parse::<Feedback>(),
            Err("feedback `shuffled`: expected true, permuted or permuted-to-strategy".to_string())
        );
        assert_eq!(Feedback::Permuted.as_str(), "permuted");
    }
}

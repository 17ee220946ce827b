//! [`Oracle`]: owns the held-out screen and is the only door to its unrevealed rows.
//!
//! In flow a complete [`Screen`] (a simulated screen or a real one replayed as if it were
//! being measured); out come sealed [`Observed`] views of the rows revealed so far and scores of
//! predictions against the measured truth. Predictors and strategies never see the oracle: they
//! get the views, which hold no unrevealed row. The `oracle` reference strategy, an upper bound
//! in every table, reads held-out rows through the one explicitly named method
//! [`Oracle::held_out_response_for_upper_bound`].

use ndarray::{ArrayView1, ArrayView2};

use crate::data::{Layout, Screen};
use crate::eval::{Metric, MetricInput};
use crate::predict::Observed;

/// The held-out screen of a design loop or benchmark.
#[derive(Debug)]
pub struct Oracle<'s> {
    screen: &'s Screen,
}

impl<'s> Oracle<'s> {
    /// An oracle over `screen`, which it treats as measured but unrevealed.
    pub fn new(screen: &'s Screen) -> Oracle<'s> {
        Oracle { screen }
    }

    /// The public facts: perturbation and gene names.
    pub fn layout(&self) -> &'s Layout {
        self.screen.layout()
    }

    /// Reveals screen rows `rows`: a sealed view holding a copy of their responses only.
    pub fn reveal(&self, rows: Vec<usize>) -> Observed<'s> {
        Observed::reveal(self.screen, rows)
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

//! Predicting the responses of perturbations nobody observed yet.
//!
//! In flow a [`Screen`](crate::data::Screen) seen through an [`Observed`] index view (which
//! perturbations were measured so far) and, for most predictors, prior knowledge (a
//! [`Graph`](crate::priors::Graph)); out comes one predicted response row per query perturbation.
//!
//! Every predictor follows one shape (linfa style): parameters are checked when built, then
//! [`Predictor::fit`] learns from the observed set and returns a boxed [`Fitted`] model whose
//! [`Fitted::predict_into`] writes predictions into a caller-owned buffer. Fitting is cheap, so a
//! design loop refits every round.
//!
//! | predictor | file | idea |
//! |---|---|---|
//! | [`TrainingMean`] | `mean.rs` | mean observed response; the baseline every table shows |
//! | [`Neighbours`] | `neighbours.rs` | (weighted) mean of a query's observed graph neighbours: consensus kNN, similarity kNN, graph kNN |
//! | [`Ridge`] | `ridge.rs` | Y ≈ G K Pᵀ (Ahlmann-Eltze et al. 2024) |
//! | [`Additive`] | `additive.rs` | combinations `A+B` as the sum of single responses |
//! | [`Shrunk`] | `shrinkage.rs` | α·pred + (1−α)·mean with α fitted by leave-one-out |
//! | [`Stack`] | `stack.rs` | Σ β_k pred_k over several predictors, β on the simplex fitted by leave-one-out |
//!
//! [`uncertainty`] scores how much a prediction can be trusted (for acquisition).

use ndarray::{Array2, ArrayViewMut2};

/// The shared test suite every predictor runs (see `tests` in each predictor file).
#[cfg(test)]
#[macro_use]
pub(crate) mod suite;

pub mod additive;
pub mod embedding;
mod linalg;
pub mod linear;
pub mod mean;
pub mod neighbours;
pub mod observed;
pub mod ridge;
pub mod shrinkage;
pub mod stack;
pub mod uncertainty;

pub use additive::Additive;
pub use embedding::Embedding;
pub use linear::{LinearForm, Span};
pub use mean::TrainingMean;
pub use neighbours::{Direction, NeighbourParams, Neighbours};
pub use observed::{Observed, Split};
pub use ridge::{Ridge, RidgeParams};
pub use shrinkage::{ShrinkParams, Shrunk};
pub use stack::{Stack, StackParams};

/// Why a predictor could not be built or fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PredictError {
    /// Fitting needs at least `needed` observed perturbations.
    #[error("{predictor}: needs at least {needed} observed perturbation(s), got {got}")]
    TooFewObserved {
        /// The predictor.
        predictor: String,
        /// Its minimum.
        needed: usize,
        /// Observed perturbations given.
        got: usize,
    },
    /// A hyper-parameter is out of range.
    #[error("{predictor}: invalid {parameter} {value}: expected {expected}")]
    InvalidParameter {
        /// The predictor.
        predictor: String,
        /// The parameter.
        parameter: &'static str,
        /// Its value as given.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// A linear-algebra routine failed (singular system, no convergence).
    #[error("{predictor}: linear algebra failed: {message}")]
    Linalg {
        /// The predictor.
        predictor: String,
        /// What LAPACK or the solver said.
        message: String,
    },
    /// The leave-one-out optimiser failed.
    #[error("{predictor}: fitting the shrinkage by leave-one-out failed: {message}")]
    Optimiser {
        /// The predictor.
        predictor: String,
        /// What argmin said.
        message: String,
    },
}

/// How a prediction was backed: rows that fell back to the training mean because the predictor
/// had nothing to say about them (no observed neighbour, no embedding).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Support {
    /// Query rows predicted as the training mean for lack of information.
    pub fallbacks: usize,
}

/// A predictor configuration: checked parameters plus the prior knowledge it uses.
///
/// Object safe, so a command line can choose predictors at run time.
pub trait Predictor: Send + Sync {
    /// A short name for tables (`mean`, `consensus`, `graph`, `ridge`, …).
    fn name(&self) -> &str;
    /// Learns from the observed perturbations; called once per round or draw.
    /// The model may borrow the screen (`'s`) instead of copying responses.
    fn fit<'s>(&self, train: &Observed<'s>) -> Result<Box<dyn Fitted + 's>, PredictError>;
    /// The one continuous hyper-parameter that [`Shrunk`] may tune by leave-one-out, if any.
    fn knob(&self) -> Option<Knob> {
        None
    }
    /// A copy with the knob set to `value` (clamped to the knob's range); `None` when there is no
    /// knob.
    fn with_knob(&self, _value: f64) -> Option<Box<dyn Predictor>> {
        None
    }
    /// Whether its fitted models give every query a [`LinearForm`] whose terms depend only on
    /// which other rows are observed (never on their responses, never on the query's own row).
    /// Then the model fitted without observed row i predicts i with the terms the model fitted
    /// on every row gives it, its mean weight applying to the mean without i, and
    /// [`Shrunk`]'s leave-one-out needs no refit.
    fn linear_smoother(&self) -> bool {
        false
    }
}

/// A tunable continuous hyper-parameter: its name, current value and allowed range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Knob {
    /// Name for tables and logs (for example `power`).
    pub name: &'static str,
    /// Current value.
    pub value: f64,
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
}

/// A fitted model.
pub trait Fitted: Send + Sync {
    /// Number of measured genes (columns of a prediction).
    fn n_genes(&self) -> usize;
    /// Writes one predicted response row per query perturbation (row indices of the screen the
    /// model was fitted on) into `out`, which must be `queries.len() × n_genes()`.
    ///
    /// # Panics
    /// When `out` has the wrong shape or a query is out of range (caller bugs).
    fn predict_into(&self, queries: &[usize], out: ArrayViewMut2<'_, f32>) -> Support;
    /// Fitted hyper-parameters worth reporting (for example the shrinkage α), by name.
    fn fitted_parameters(&self) -> Vec<(&'static str, f64)> {
        Vec::new()
    }
    /// Query row `q`'s prediction as a [`LinearForm`] over the rows the model was fitted on,
    /// equal to what [`predict_into`](Fitted::predict_into) writes up to f32 rounding; `None`
    /// for models without one (ridge, stack, …), which are scored from their formed
    /// predictions.
    fn linear_form(&self, _q: usize) -> Option<LinearForm> {
        None
    }
}

/// The allocating form of [`Fitted::predict_into`].
pub fn predict(model: &dyn Fitted, queries: &[usize]) -> (Array2<f32>, Support) {
    let mut out = Array2::zeros((queries.len(), model.n_genes()));
    let support = model.predict_into(queries, out.view_mut());
    (out, support)
}

fn check_shape(out: &ArrayViewMut2<'_, f32>, queries: &[usize], genes: usize) {
    assert_eq!(
        out.shape(),
        &[queries.len(), genes],
        "prediction buffer must be queries × genes"
    );
}

fn require_observed(name: &str, train: &Observed<'_>, needed: usize) -> Result<(), PredictError> {
    if train.len() < needed {
        return Err(PredictError::TooFewObserved {
            predictor: name.to_string(),
            needed,
            got: train.len(),
        });
    }
    Ok(())
}

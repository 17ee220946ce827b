//! [`TrainingMean`]: every query is predicted as the mean observed response. The baseline every
//! results table shows; other predictors fall back to it.

use ndarray::{Array1, ArrayViewMut2};

use super::{
    Fitted, LinearForm, Observed, PredictError, Predictor, Support, check_shape, require_observed,
};

/// The training-mean predictor.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrainingMean;

/// A fitted training mean.
#[derive(Debug, Clone)]
pub struct FittedMean {
    mean: Array1<f32>,
}

impl FittedMean {
    /// The mean observed response.
    pub fn mean(&self) -> &Array1<f32> {
        &self.mean
    }
}

impl Predictor for TrainingMean {
    fn name(&self) -> &str {
        "mean"
    }
    fn fit<'s>(&self, train: &Observed<'s>) -> Result<Box<dyn Fitted + 's>, PredictError> {
        require_observed(self.name(), train, 1)?;
        Ok(Box::new(FittedMean { mean: train.mean() }))
    }
    fn linear_smoother(&self) -> bool {
        true
    }
}

impl Fitted for FittedMean {
    fn n_genes(&self) -> usize {
        self.mean.len()
    }
    fn predict_into(&self, queries: &[usize], mut out: ArrayViewMut2<'_, f32>) -> Support {
        check_shape(&out, queries, self.mean.len());
        for mut row in out.rows_mut() {
            row.assign(&self.mean);
        }
        Support::default()
    }
    fn linear_form(&self, _q: usize) -> Option<LinearForm> {
        // The mean is the prediction itself, not a fallback.
        Some(LinearForm {
            fallback: false,
            ..LinearForm::fallback()
        })
    }
}

#[cfg(test)]
mod tests {
    predictor_suite!(
        |_s: &crate::data::Screen, _g: &crate::priors::Graph| {
            Box::new(crate::predict::TrainingMean) as Box<dyn crate::predict::Predictor>
        },
        planted = false
    );
}

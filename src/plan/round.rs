//! One round's work, shared by `mechpert evaluate` (one round per draw) and `mechpert plan`
//! (every round of every job): fit each predictor on the observed view, predict every query
//! perturbation, score the predictions against the oracle.
//!
//! In flow the [`Oracle`], a sealed [`Observed`] view and the query rows; out come, per
//! predictor, one value per metric, the number of queries that fell back to the training mean,
//! and the fitted hyper-parameters the model reports.

use crate::eval::{Metric, N_FALLBACK};
use crate::predict::{Fitted, Observed, PredictError, Predictor, predict};

use super::oracle::Oracle;


/// What one predictor scored in one round.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// Predictor name.
    pub predictor: String,
    /// `(metric, value)` in metric order, then [`N_FALLBACK`], then fitted parameters.
    pub values: Vec<(String, f64)>,
}

/// A predictor that failed to fit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("predictor `{predictor}`")]
pub struct RoundError {
    /// The predictor.
    pub predictor: String,
    /// Why.
    #[source]
    pub source: PredictError,
}

/// Fits every predictor on `train`, predicts `queries` and scores them. Also hands each fitted
/// model to `keep` (in predictor order), so a caller can reuse it (acquisition by uncertainty)
/// without fitting twice.
pub fn score_round<'s>(
    oracle: &Oracle<'s>,
    train: &Observed<'s>,
    queries: &[usize],
    predictors: &[Box<dyn Predictor>],
    metrics: &[Box<dyn Metric>],
    mut keep: impl FnMut(usize, Box<dyn Fitted + 's>),
) -> Result<Vec<Scored>, RoundError> {
    let reference = train.mean();
    let mut out = Vec::with_capacity(predictors.len());
    for (i, predictor) in predictors.iter().enumerate() {
        let model = predictor.fit(train).map_err(|source| RoundError {
            predictor: predictor.name().to_string(),
            source,
        })?;
        let (predicted, support) = predict(&*model, queries);
        let mut values: Vec<(String, f64)> = metrics
            .iter()
            .map(|m| m.name().to_string())
            .zip(oracle.score(metrics, queries, predicted.view(), reference.view()))
            .collect();
        values.push((N_FALLBACK.to_string(), support.fallbacks as f64));
        values.extend(
            model
                .fitted_parameters()
                .into_iter()
                .map(|(name, v)| (name.to_string(), v)),
        );
        out.push(Scored {
            predictor: predictor.name().to_string(),
            values,
        });
        keep(i, model);
    }
    Ok(out)
}

//! One round's work, shared by `mechpert evaluate` (one round per draw) and `mechpert plan`
//! (every round of every job): fit each predictor on the observed view, predict every query
//! perturbation, score the predictions against the oracle.
//!
//! In flow the [`Oracle`], a sealed [`Observed`] view and the query rows; out come, per
//! predictor, one value per metric, the number of queries that fell back to the training mean,
//! and the fitted hyper-parameters the model reports.

use crate::eval::{Metric, N_FALLBACK};
use ndarray::Array2;

use crate::predict::{Fitted, Observed, PredictError, Predictor};

/// Queries predicted and scored at once: 16 predicted and 16 measured rows of 8,000 genes are
/// 1 MB, which stays in a core's cache while every metric reads it.
const BLOCK: usize = 16;

use super::oracle::Oracle;

/// How a round scores predictions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scoring {
    /// Form every prediction and score it: the numbers of the committed `evaluate` tables, to
    /// the bit.
    Formed,
    /// Score predictions that are linear in the observed responses from inner products
    /// ([`Oracle::linear_scorer`]), and form the others: equal up to floating-point rounding
    /// and O(observed × terms) per query instead of O(genes).
    Algebraic,
}

/// What one predictor scored in one round.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// Predictor name.
    pub predictor: String,
    /// `(metric, value)` in metric order, then [`N_FALLBACK`], then fitted parameters.
    pub values: Vec<(String, f64)>,
    /// Per metric (in metric order), one value per query (in query order); `values` holds
    /// their means.
    pub per_query: Vec<Vec<f64>>,
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

/// Fits every predictor on `train`, predicts `queries` (the rows scored this round, whichever
/// they are) and scores them as `scoring` says. Also hands each fitted model to `keep` (in
/// predictor order), so a caller can reuse it (acquisition by uncertainty) without fitting
/// twice.
pub fn score_round<'s>(
    oracle: &Oracle<'s>,
    train: &Observed<'s>,
    queries: &[usize],
    predictors: &[Box<dyn Predictor>],
    metrics: &[Box<dyn Metric>],
    scoring: Scoring,
    mut keep: impl FnMut(usize, Box<dyn Fitted + 's>),
) -> Result<Vec<Scored>, RoundError> {
    let reference = train.mean();
    let linear = match scoring {
        Scoring::Formed => None,
        Scoring::Algebraic => oracle.linear_scorer(train, queries),
    };
    // Queries are predicted and scored in blocks, each block's rows scored by every metric while
    // they are in cache; a metric that ranks among all queries gets them all at once. The mean
    // over queries sums the per-query values in query order either way.
    let block = if metrics.iter().any(|m| m.needs_all_queries()) {
        queries.len().max(1)
    } else {
        BLOCK
    };
    let mut buffer = Array2::<f32>::zeros((block.min(queries.len()), train.n_genes()));
    let mut out = Vec::with_capacity(predictors.len());
    for (i, predictor) in predictors.iter().enumerate() {
        let model = predictor.fit(train).map_err(|source| RoundError {
            predictor: predictor.name().to_string(),
            source,
        })?;
        let (per_query, fallbacks) = linear
            .as_ref()
            .and_then(|scorer| scorer.score(metrics, &*model))
            .unwrap_or_else(|| {
                let mut per_query = vec![Vec::with_capacity(queries.len()); metrics.len()];
                let mut fallbacks = 0;
                for chunk in queries.chunks(block) {
                    let mut rows = buffer.slice_mut(ndarray::s![..chunk.len(), ..]);
                    fallbacks += model.predict_into(chunk, rows.view_mut()).fallbacks;
                    let scores = oracle.score(metrics, chunk, rows.view(), reference.view());
                    for (all, part) in per_query.iter_mut().zip(scores) {
                        all.extend(part);
                    }
                }
                (per_query, fallbacks)
            });
        let mut values: Vec<(String, f64)> = metrics
            .iter()
            .zip(&per_query)
            .map(|(m, v)| (m.name().to_string(), v.iter().sum::<f64>() / v.len() as f64))
            .collect();
        values.push((N_FALLBACK.to_string(), fallbacks as f64));
        values.extend(
            model
                .fitted_parameters()
                .into_iter()
                .map(|(name, v)| (name.to_string(), v)),
        );
        out.push(Scored {
            predictor: predictor.name().to_string(),
            values,
            per_query,
        });
        keep(i, model);
    }
    Ok(out)
}

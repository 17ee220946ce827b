//! [`Shrunk`]: any predictor blended with the training mean, ŷ = α·pred + (1 − α)·mean.
//!
//! α ∈ [0, 1] (and, when the inner predictor has a [`Knob`](super::Knob), that knob too: the
//! weight power of a neighbour predictor) minimises the leave-one-out squared error on the
//! observed set: for each observed perturbation i the inner predictor is refitted without i and
//! predicts i, the mean is taken without i, and the cost is
//! Σ_i ‖α(ŷ₋ᵢ − m₋ᵢ) + m₋ᵢ − yᵢ‖². The minimiser is argmin's Nelder–Mead on `Vec<f64>` (α and the
//! knob are clamped to their ranges inside the cost). With weak priors α goes to 0 and the method
//! becomes the mean; with strong ones α goes to 1.

use std::collections::HashMap;
use std::sync::Mutex;

use argmin::core::{CostFunction, Executor};
use argmin::solver::neldermead::NelderMead;
use ndarray::{Array1, Array2, ArrayViewMut2};

use super::linear::Coefficients;
use super::{
    Fitted, LinearForm, Observed, PredictError, Predictor, Span, Support, check_shape, predict,
    require_observed,
};

/// Unchecked parameters of [`Shrunk`].
pub struct ShrinkParams {
    inner: Box<dyn Predictor>,
    tune_knob: bool,
    max_iters: u64,
}

/// A predictor shrunk towards the training mean.
pub struct Shrunk {
    params: ShrinkParams,
    name: String,
}

impl std::fmt::Debug for Shrunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shrunk").field("name", &self.name).finish()
    }
}

impl Shrunk {
    /// Shrinks `inner`; tunes its knob too by default.
    pub fn params(inner: Box<dyn Predictor>) -> ShrinkParams {
        ShrinkParams {
            inner,
            tune_knob: true,
            max_iters: 40,
        }
    }
}

impl ShrinkParams {
    /// Whether to tune the inner predictor's knob along with α.
    pub fn tune_knob(mut self, tune: bool) -> Self {
        self.tune_knob = tune;
        self
    }
    /// Nelder–Mead iterations (at least 1).
    pub fn max_iters(mut self, iters: u64) -> Self {
        self.max_iters = iters;
        self
    }
    /// Checks the parameters.
    pub fn check(self) -> Result<Shrunk, PredictError> {
        let name = format!("{}:shrunk", self.inner.name());
        if self.max_iters == 0 {
            return Err(PredictError::InvalidParameter {
                predictor: name,
                parameter: "max_iters",
                value: "0".into(),
                expected: "at least 1",
            });
        }
        Ok(Shrunk { params: self, name })
    }
}

/// The fitted blend, with the chosen α and knob.
pub struct FittedShrunk<'s> {
    inner: Box<dyn Fitted + 's>,
    mean: Array1<f32>,
    /// The chosen α.
    pub alpha: f64,
    /// The chosen knob value, when tuned.
    pub knob: Option<f64>,
}

/// The leave-one-out cost as a function of α, for one knob value.
#[derive(Clone)]
enum Profile {
    /// The formed leave-one-out predictions, one row per observed perturbation (predictors
    /// without a linear form).
    Formed(Array2<f32>),
    /// Σ_i ‖α d_i + e_i‖² = α² a + 2α b + c with d_i = ŷ₋ᵢ − m₋ᵢ and e_i = m₋ᵢ − yᵢ, from
    /// the inner products of the observed responses (linear smoothers).
    Quadratic { a: f64, b: f64, c: f64 },
}

/// Leave-one-out profiles of the observed set, cached per knob value.
struct Loo<'a, 's> {
    inner: &'a dyn Predictor,
    train: &'a Observed<'s>,
    knob: Option<super::Knob>,
    cache: Mutex<HashMap<u64, Result<Profile, PredictError>>>,
    /// The inner products of `train`, when the inner predictor is a linear smoother.
    span: Option<Span>,
    /// The leave-one-out means, for the formed profile (empty with a span).
    loo_mean: Array2<f32>,
}

impl Loo<'_, '_> {
    fn profile(&self, knob: Option<f64>) -> Result<Profile, PredictError> {
        let key = knob.map_or(u64::MAX, f64::to_bits);
        if let Some(hit) = self.cache.lock().expect("not poisoned").get(&key) {
            return hit.clone();
        }
        let tuned = knob.and_then(|v| self.inner.with_knob(v));
        let model: &dyn Predictor = tuned.as_deref().unwrap_or(self.inner);
        let result = match &self.span {
            Some(span) => self.quadratic(model, span),
            None => self.formed(model),
        };
        self.cache
            .lock()
            .expect("not poisoned")
            .insert(key, result.clone());
        result
    }

    /// Refits `model` without each observed perturbation and predicts it.
    fn formed(&self, model: &dyn Predictor) -> Result<Profile, PredictError> {
        let n = self.train.len();
        let mut out = Array2::zeros((n, self.train.n_genes()));
        for i in 0..n {
            let fitted = model.fit(&self.train.without(i))?;
            let row = self.train.rows()[i];
            let (p, _) = predict(&*fitted, &[row]);
            out.row_mut(i).assign(&p.row(0));
        }
        Ok(Profile::Formed(out))
    }

    /// The quadratic in α of a linear smoother: one fit on every row gives each left-out
    /// perturbation its terms (see [`Predictor::linear_smoother`]); m₋ᵢ = (Σ x − xᵢ)/(n − 1).
    fn quadratic(&self, model: &dyn Predictor, span: &Span) -> Result<Profile, PredictError> {
        let fitted = model.fit(self.train)?;
        let shrink = 1.0 / (self.train.len() as f64 - 1.0);
        let (mut a, mut b, mut c) = (0.0, 0.0, 0.0);
        for (i, &row) in self.train.rows().iter().enumerate() {
            let form = fitted
                .linear_form(row)
                .expect("a linear smoother gives every query a linear form");
            // d_i = Σ a_j x_j + (β − 1) m₋ᵢ, e_i = m₋ᵢ − x_i, as coefficients on positions.
            let to_mean = (form.mean_weight - 1.0) * shrink;
            let mut d = span.coefficients(&LinearForm {
                mean_weight: 0.0,
                ..form
            });
            d.uniform = to_mean;
            d.sparse.push((i, -to_mean));
            let e = Coefficients {
                sparse: vec![(i, -shrink - 1.0)],
                uniform: shrink,
            };
            let gd = span.apply(&d);
            a += Span::weigh(&d, &gd);
            b += Span::weigh(&e, &gd);
            c += span.inner(&e, &e);
        }
        Ok(Profile::Quadratic { a, b, c })
    }

    fn clamp(&self, theta: &[f64]) -> (f64, Option<f64>) {
        let alpha = theta[0].clamp(0.0, 1.0);
        let knob = self
            .knob
            .map(|k| theta.get(1).copied().unwrap_or(k.value).clamp(k.min, k.max));
        (alpha, knob)
    }
}

impl CostFunction for &Loo<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, theta: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let (alpha, knob) = self.clamp(theta);
        let total = match self.profile(knob)? {
            Profile::Quadratic { a, b, c } => alpha * alpha * a + 2.0 * alpha * b + c,
            Profile::Formed(pred) => {
                let mut total = 0.0;
                for (i, &r) in self.train.rows().iter().enumerate() {
                    let y = self.train.response(r);
                    for ((&p, &m), &t) in pred.row(i).iter().zip(self.loo_mean.row(i)).zip(y) {
                        let blended = alpha * f64::from(p - m) + f64::from(m);
                        total += (blended - f64::from(t)).powi(2);
                    }
                }
                total
            }
        };
        // Outside the box the cost grows, so the simplex walks back in.
        let outside =
            (theta[0] - alpha).abs() + theta.get(1).zip(knob).map_or(0.0, |(t, k)| (t - k).abs());
        Ok(total * (1.0 + outside))
    }
}

impl Predictor for Shrunk {
    fn name(&self) -> &str {
        &self.name
    }
    fn fit<'s>(&self, train: &Observed<'s>) -> Result<Box<dyn Fitted + 's>, PredictError> {
        Ok(Box::new(self.fit_shrunk(train)?))
    }
}

impl Shrunk {
    /// Fits, keeping the concrete type (to read α and the knob).
    pub fn fit_shrunk<'s>(&self, train: &Observed<'s>) -> Result<FittedShrunk<'s>, PredictError> {
        require_observed(&self.name, train, 2)?;
        let inner = &*self.params.inner;
        let knob = if self.params.tune_knob {
            inner.knob()
        } else {
            None
        };
        let n = train.len() as f32;
        let mean = train.mean();
        let span = inner.linear_smoother().then(|| Span::new(train));
        let mut loo_mean = Array2::zeros((
            if span.is_some() { 0 } else { train.len() },
            train.n_genes(),
        ));
        for (i, mut row) in loo_mean.rows_mut().into_iter().enumerate() {
            let y = train.response(train.rows()[i]);
            row.assign(&((&mean * n - y) / (n - 1.0)));
        }
        let loo = Loo {
            inner,
            train,
            knob,
            cache: Mutex::new(HashMap::new()),
            span,
            loo_mean,
        };
        let simplex = match knob {
            None => vec![vec![0.25], vec![0.75]],
            Some(k) => {
                let step = 0.25 * (k.max - k.min);
                let v = k.value.clamp(k.min, k.max - step);
                vec![vec![0.25, v], vec![0.75, v], vec![0.5, v + step]]
            }
        };
        let optimiser_error = |message: String| PredictError::Optimiser {
            predictor: self.name.clone(),
            message,
        };
        // Stop when the simplex's costs agree to 1e-5 of the mean's own leave-one-out cost.
        let scale = (&loo)
            .cost(&vec![0.0])
            .unwrap_or(1.0)
            .max(f64::MIN_POSITIVE);
        let solver = NelderMead::new(simplex)
            .with_sd_tolerance(1e-5 * scale)
            .map_err(|e| optimiser_error(e.to_string()))?;
        let result = Executor::new(&loo, solver)
            .configure(|state| state.max_iters(self.params.max_iters))
            .run();
        let result = match result {
            Ok(r) => r,
            Err(e) => {
                // A predictor error inside the cost comes back as an argmin error; surface it.
                return Err(match e.downcast::<PredictError>() {
                    Ok(inner) => inner,
                    Err(e) => optimiser_error(e.to_string()),
                });
            }
        };
        let best = result
            .state
            .best_param
            .clone()
            .ok_or_else(|| optimiser_error("no parameter found".into()))?;
        let (alpha, knob_value) = loo.clamp(&best);
        tracing::debug!(predictor = %self.name, alpha, knob = ?knob_value, "leave-one-out shrinkage");
        let tuned = knob_value.and_then(|v| inner.with_knob(v));
        let model: &dyn Predictor = tuned.as_deref().unwrap_or(inner);
        Ok(FittedShrunk {
            inner: model.fit(train)?,
            mean,
            alpha,
            knob: knob_value,
        })
    }
}

impl Fitted for FittedShrunk<'_> {
    fn n_genes(&self) -> usize {
        self.mean.len()
    }
    fn predict_into(&self, queries: &[usize], mut out: ArrayViewMut2<'_, f32>) -> Support {
        check_shape(&out, queries, self.mean.len());
        let support = self.inner.predict_into(queries, out.view_mut());
        let a = self.alpha as f32;
        for mut row in out.rows_mut() {
            row.zip_mut_with(&self.mean, |p, &m| *p = a * *p + (1.0 - a) * m);
        }
        support
    }
    fn linear_form(&self, q: usize) -> Option<LinearForm> {
        let inner = self.inner.linear_form(q)?;
        let a = self.alpha;
        Some(LinearForm {
            terms: inner.terms.into_iter().map(|(r, w)| (r, a * w)).collect(),
            // A fallback stays exactly the mean.
            mean_weight: if inner.mean_weight == 1.0 {
                1.0
            } else {
                a * inner.mean_weight + (1.0 - a)
            },
            fallback: inner.fallback,
        })
    }
    fn fitted_parameters(&self) -> Vec<(&'static str, f64)> {
        let mut out = vec![("alpha", self.alpha)];
        if let Some(k) = self.knob {
            out.push(("knob", k));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::suite::planted;
    use crate::predict::{Neighbours, TrainingMean};
    use crate::priors::Graph;
    use std::sync::Arc;

    predictor_suite!(
        |_s: &crate::data::Screen, g: &crate::priors::Graph| {
            let inner = Neighbours::params(std::sync::Arc::new(g.clone()))
                .check()
                .unwrap();
            Box::new(Shrunk::params(Box::new(inner)).check().unwrap()) as Box<dyn Predictor>
        },
        planted = true
    );

    fn obs(s: &crate::data::Screen) -> Observed<'_> {
        Observed::reveal(s, vec![0, 3, 5, 8, 11, 13, 16, 19, 21, 24, 27, 29])
    }

    #[test]
    fn a_good_graph_keeps_alpha_high_and_a_scrambled_one_drives_it_down() {
        let (s, g) = planted(4, 8, 40, 0.3);
        let good = Shrunk::params(Box::new(Neighbours::params(Arc::new(g)).check().unwrap()))
            .check()
            .unwrap()
            .fit_shrunk(&obs(&s))
            .unwrap();
        assert!(good.alpha > 0.8, "alpha {}", good.alpha);
        // Link every perturbation to members of other modules only: a misleading prior.
        let mut b = Graph::builder(false);
        for p in 0..32 {
            b.add_edge(&format!("P{p}"), &format!("P{}", (p + 8) % 32), 1.0, 0);
            b.add_edge(&format!("P{p}"), &format!("P{}", (p + 13) % 32), 1.0, 0);
        }
        let bad = Shrunk::params(Box::new(
            Neighbours::params(Arc::new(b.build())).check().unwrap(),
        ))
        .check()
        .unwrap()
        .fit_shrunk(&obs(&s))
        .unwrap();
        assert!(bad.alpha < 0.2, "alpha {}", bad.alpha);
    }

    #[test]
    fn errors_name_the_shrunk_predictor() {
        let (s, _) = planted(2, 4, 5, 0.3);
        let shrunk = Shrunk::params(Box::new(TrainingMean)).check().unwrap();
        let err = shrunk.fit(&Observed::reveal(&s, vec![0])).err().unwrap();
        assert!(
            err.to_string().starts_with("mean:shrunk: needs at least 2"),
            "{err}"
        );
        let err = Shrunk::params(Box::new(TrainingMean))
            .max_iters(0)
            .check()
            .unwrap_err();
        assert!(err.to_string().contains("invalid max_iters 0"), "{err}");
    }
}

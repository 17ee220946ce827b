//! [`Additive`]: the additive baseline for combination perturbations. A query `A+B` is predicted
//! as δ_A + δ_B when every single part was observed; otherwise (and for single perturbations) as
//! the training mean, counted as a fallback.

use std::collections::HashMap;

use ndarray::{Array1, ArrayViewMut2};

use super::{Fitted, Observed, PredictError, Predictor, Support, check_shape, require_observed};

/// The additive combination baseline.
#[derive(Debug, Clone, Copy, Default)]
pub struct Additive;

/// A fitted additive model.
#[derive(Debug, Clone)]
pub struct FittedAdditive<'s> {
    train: Observed<'s>,
    observed: HashMap<&'s str, usize>,
    mean: Array1<f32>,
}

impl Predictor for Additive {
    fn name(&self) -> &str {
        "additive"
    }
    fn fit<'s>(&self, train: &Observed<'s>) -> Result<Box<dyn Fitted + 's>, PredictError> {
        require_observed(self.name(), train, 1)?;
        let observed = train
            .rows()
            .iter()
            .map(|&r| (train.perturbations()[r].as_str(), r))
            .collect();
        Ok(Box::new(FittedAdditive {
            train: train.clone(),
            observed,
            mean: train.mean(),
        }))
    }
}

impl Fitted for FittedAdditive<'_> {
    fn n_genes(&self) -> usize {
        self.mean.len()
    }
    fn predict_into(&self, queries: &[usize], mut out: ArrayViewMut2<'_, f32>) -> Support {
        check_shape(&out, queries, self.mean.len());
        let mut support = Support::default();
        for (&q, mut row) in queries.iter().zip(out.rows_mut()) {
            let name = &self.train.perturbations()[q];
            let parts: Option<Vec<usize>> = name
                .contains('+')
                .then(|| {
                    name.split('+')
                        .map(|p| self.observed.get(p).copied())
                        .collect()
                })
                .flatten();
            match parts {
                Some(rows) => {
                    row.fill(0.0);
                    for r in rows {
                        row += &self.train.response(r);
                    }
                }
                None => {
                    row.assign(&self.mean);
                    support.fallbacks += 1;
                }
            }
        }
        support
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Screen;
    use crate::data::ValueKind;
    use crate::predict::predict;
    use ndarray::array;

    predictor_suite!(
        |_s: &crate::data::Screen, _g: &crate::priors::Graph| Box::new(Additive)
            as Box<dyn Predictor>,
        planted = false
    );

    #[test]
    fn combinations_add_observed_singles() {
        let s = Screen::from_responses(
            ["A", "B", "C", "A+B", "A+C"].map(String::from).to_vec(),
            vec!["x".into(), "y".into()],
            array![[1.0, 0.0], [2.0, 3.0], [5.0, 5.0], [0.0, 0.0], [0.0, 0.0]],
            ValueKind::Response,
        )
        .unwrap();
        let model = Additive.fit(&Observed::reveal(&s, vec![0, 1])).unwrap();
        let (p, support) = predict(&*model, &[3, 4, 2]);
        assert_eq!(p.row(0).to_vec(), vec![3.0, 3.0]);
        // C unobserved: the mean (1.5, 1.5), twice.
        assert_eq!(p.row(1).to_vec(), vec![1.5, 1.5]);
        assert_eq!(p.row(2).to_vec(), vec![1.5, 1.5]);
        assert_eq!(support.fallbacks, 2);
    }
}

//! [`SystemaPearson`]: PearsonΔ after subtracting the mean response of the training
//! perturbations from both vectors (Viñas Torné et al., Systema), so that matching the average
//! perturbation effect earns nothing. The training mean itself scores 0 (a constant vector).

use super::{Metric, MetricInput, QuerySummary, pearson_or_zero, pearson_rows, zero_if_nan};

/// Systema-corrected PearsonΔ (`systema_pearson`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemaPearson;

impl Metric for SystemaPearson {
    fn name(&self) -> &str {
        "systema_pearson"
    }
    fn definition(&self) -> &str {
        "Pearson r of (predicted − μ) vs (measured − μ) over all genes, μ = mean response of the \
         training perturbations; constant vector → 0"
    }
    fn per_perturbation(&self, input: &MetricInput<'_>) -> Vec<f64> {
        let mu = input.reference;
        input.per_query(
            |_, p, t| match (p.as_slice(), t.as_slice(), mu.as_slice()) {
                (Some(p), Some(t), Some(m)) => zero_if_nan(pearson_rows(p, t, Some(m))),
                _ => pearson_or_zero(
                    p.iter().zip(mu).map(|(&v, &m)| f64::from(v - m)),
                    t.iter().zip(mu).map(|(&v, &m)| f64::from(v - m)),
                ),
            },
        )
    }
    fn of_summary(&self, summary: &QuerySummary<'_>) -> Option<f64> {
        Some(zero_if_nan(summary.centred.pearson()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::fixture;

    #[test]
    fn by_hand_and_the_mean_scores_zero() {
        let (s, p, r) = fixture::parts();
        let input = fixture::input(&s, &p, &r);
        // C: pred − μ = (1, .5, 0, 0), truth − μ = (1, .5, 0, 1): sxy = .3125, sxx = syy = .6875.
        let v = SystemaPearson.per_perturbation(&input);
        assert!((v[2] - 5.0 / 11.0).abs() < 1e-9, "{v:?}");
        assert!((v[0] - 0.9270301012034888).abs() < 1e-9);
        let mean = ndarray::Array2::from_shape_fn((3, 4), |(_, g)| r[g]);
        let input = MetricInput {
            predicted: mean.view(),
            ..input
        };
        assert_eq!(SystemaPearson.score(&input), 0.0);
    }
}

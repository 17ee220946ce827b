//! [`PearsonDelta`]: Pearson r between predicted and measured responses of a query
//! perturbation, over all genes or over its top-k DE genes. A constant vector scores 0.

use super::{Metric, MetricInput, QuerySummary, pearson_or_zero, pearson_rows, zero_if_nan};

/// PearsonΔ over all genes (`pearson_delta`) or the top-k DE genes (`pearson_delta_de{k}`).
#[derive(Debug, Clone)]
pub struct PearsonDelta {
    top_de: Option<usize>,
    name: String,
}

impl PearsonDelta {
    /// Over all genes.
    pub fn all() -> PearsonDelta {
        PearsonDelta {
            top_de: None,
            name: "pearson_delta".into(),
        }
    }
    /// Over the top-`k` DE genes of each perturbation.
    pub fn top_de(k: usize) -> PearsonDelta {
        PearsonDelta {
            top_de: Some(k),
            name: format!("pearson_delta_de{k}"),
        }
    }
}

impl Metric for PearsonDelta {
    fn name(&self) -> &str {
        &self.name
    }
    fn definition(&self) -> &str {
        match self.top_de {
            None => {
                "Pearson r of predicted vs measured response over all genes; constant vector → 0"
            }
            Some(_) => {
                "Pearson r of predicted vs measured response over the perturbation's top DE genes \
                 (largest measured |response|); constant vector → 0"
            }
        }
    }
    fn per_perturbation(&self, input: &MetricInput<'_>) -> Vec<f64> {
        input.per_query(|i, p, t| match self.top_de {
            None => match (p.as_slice(), t.as_slice()) {
                (Some(p), Some(t)) => zero_if_nan(pearson_rows(p, t, None)),
                _ => pearson_or_zero(
                    p.iter().map(|&v| f64::from(v)),
                    t.iter().map(|&v| f64::from(v)),
                ),
            },
            Some(k) => {
                let genes = input.top_de(i, k);
                pearson_or_zero(
                    genes.iter().map(|&g| f64::from(p[g])),
                    genes.iter().map(|&g| f64::from(t[g])),
                )
            }
        })
    }
    fn summary_top_de(&self) -> usize {
        self.top_de.unwrap_or(0)
    }
    fn of_summary(&self, summary: &QuerySummary<'_>) -> Option<f64> {
        Some(match self.top_de {
            None => zero_if_nan(summary.raw.pearson()),
            Some(k) => {
                let top = &summary.top_de[..k.min(summary.top_de.len())];
                pearson_or_zero(top.iter().map(|v| v.0), top.iter().map(|v| v.1))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::fixture;

    #[test]
    fn by_hand_on_the_fixture() {
        let (s, p, r) = fixture::parts();
        let input = fixture::input(&s, &p, &r);
        // A: centred pred (−2.25, .75, .75, .75), truth (−3.75, 1.25, 2.25, .25):
        // 11.25 / √(6.75 · 20.75). C's prediction is constant → 0.
        let v = PearsonDelta::all().per_perturbation(&input);
        assert!(
            (v[0] - 11.25 / (6.75f64 * 20.75).sqrt()).abs() < 1e-9,
            "{v:?}"
        );
        assert!((v[1] - 0.9462327631819942).abs() < 1e-9);
        assert_eq!(v[2], 0.0);
        // Top-3 DE of A are genes 0, 2, 1: pred (−2, 1, 1), truth (−4, 2, 1).
        let v = PearsonDelta::top_de(3).per_perturbation(&input);
        let hand = crate::eval::pearson([-2.0, 1.0, 1.0].into_iter(), [-4.0, 2.0, 1.0].into_iter());
        assert!((v[0] - hand).abs() < 1e-12 && (hand - 0.9878291611472618).abs() < 1e-12);
        assert_eq!(PearsonDelta::top_de(20).name(), "pearson_delta_de20");
    }
}

//! [`Mse`]: mean squared error between predicted and measured responses of a query
//! perturbation, over all genes or its top-k DE genes.

use super::{Metric, MetricInput, QuerySummary};

/// MSE over all genes (`mse`) or the top-k DE genes (`mse_de{k}`).
#[derive(Debug, Clone)]
pub struct Mse {
    top_de: Option<usize>,
    name: String,
}

impl Mse {
    /// Over all genes.
    pub fn all() -> Mse {
        Mse {
            top_de: None,
            name: "mse".into(),
        }
    }
    /// Over the top-`k` DE genes of each perturbation.
    pub fn top_de(k: usize) -> Mse {
        Mse {
            top_de: Some(k),
            name: format!("mse_de{k}"),
        }
    }
}

impl Metric for Mse {
    fn name(&self) -> &str {
        &self.name
    }
    fn definition(&self) -> &str {
        match self.top_de {
            None => "mean over all genes of (predicted − measured)²",
            Some(_) => "mean over the perturbation's top DE genes of (predicted − measured)²",
        }
    }
    fn higher_is_better(&self) -> bool {
        false
    }
    fn bounded(&self) -> bool {
        false
    }
    fn per_perturbation(&self, input: &MetricInput<'_>) -> Vec<f64> {
        input.per_query(|i, p, t| {
            let sq = |g: usize| f64::from(p[g] - t[g]).powi(2);
            match self.top_de {
                None => match (p.as_slice(), t.as_slice()) {
                    // The same terms summed in the same order, without index checks.
                    (Some(ps), Some(ts)) => {
                        ps.iter()
                            .zip(ts)
                            .map(|(&a, &b)| f64::from(a - b).powi(2))
                            .sum::<f64>()
                            / ps.len() as f64
                    }
                    _ => (0..p.len()).map(sq).sum::<f64>() / p.len() as f64,
                },
                Some(k) => {
                    let genes = input.top_de(i, k);
                    genes.iter().map(|&g| sq(g)).sum::<f64>() / genes.len() as f64
                }
            }
        })
    }
    fn summary_top_de(&self) -> usize {
        self.top_de.unwrap_or(0)
    }
    fn of_summary(&self, summary: &QuerySummary<'_>) -> Option<f64> {
        Some(match self.top_de {
            None => summary.raw.mean_squared_error(),
            Some(k) => {
                let top = &summary.top_de[..k.min(summary.top_de.len())];
                top.iter().map(|(p, t)| (p - t).powi(2)).sum::<f64>() / top.len() as f64
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
        // A: (2² + 0 + 1 + 1)/4; B: (0 + 1 + .25 + 1)/4; C: (0 + 0 + 0 + 1)/4.
        assert_eq!(Mse::all().per_perturbation(&input), vec![1.5, 0.5625, 0.25]);
        // Top-2 DE: A genes 0, 2 → (4 + 1)/2; B genes 3, 1 → (1 + 1)/2; C genes 3, 0 → 1/2.
        assert_eq!(Mse::top_de(2).per_perturbation(&input), vec![2.5, 1.0, 0.5]);
        assert!((Mse::all().score(&input) - (1.5 + 0.5625 + 0.25) / 3.0).abs() < 1e-12);
        assert!(!Mse::all().higher_is_better());
    }
}

//! [`DirectionDe`]: how often the predicted direction of change matches the measured one on a
//! perturbation's top-k DE genes.

use super::{Metric, MetricInput};

/// Direction accuracy on the top-k DE genes (`direction_de{k}`).
#[derive(Debug, Clone, Copy)]
pub struct DirectionDe {
    /// DE genes considered.
    pub k: usize,
}

impl Metric for DirectionDe {
    fn name(&self) -> &str {
        if self.k == 20 {
            "direction_de20"
        } else {
            "direction_de"
        }
    }
    fn definition(&self) -> &str {
        "fraction of the perturbation's top DE genes where sign(predicted) = sign(measured); \
         sign 0 matches only 0"
    }
    fn per_perturbation(&self, input: &MetricInput<'_>) -> Vec<f64> {
        let sign = |v: f32| {
            if v > 0.0 {
                1
            } else if v < 0.0 {
                -1
            } else {
                0
            }
        };
        input.per_query(|i, p, t| {
            let genes = input.top_de(i, self.k);
            let hits = genes.iter().filter(|&&g| sign(p[g]) == sign(t[g])).count();
            hits as f64 / genes.len() as f64
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
        // B's top-3 DE genes 3, 1, 2: pred signs (+, 0, +), measured (+, −, +) → 2/3.
        let v = DirectionDe { k: 3 }.per_perturbation(&input);
        assert_eq!(v[0], 1.0);
        assert!((v[1] - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(v[2], 1.0);
    }
}

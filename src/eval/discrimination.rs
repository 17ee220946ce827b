//! [`DiscriminationL1`]: can the prediction for p pick p's measured response out of all query
//! perturbations? Matches cell-eval 0.8.2 `discrimination_score` with `metric="l1"`: L1
//! distances from Δ̂_p to every measured Δ_q over the genes except p's own target gene (the column
//! named like the perturbation, when there is one); r = the position of p in ascending distance
//! (counted here as the number of q strictly closer, so ties favour the truth; cell-eval's
//! `argsort` leaves tie order unspecified); score 1 − r / N with N queries. 1 is best, 1/N worst.

use super::{Metric, MetricInput};

/// cell-eval's `discrimination_score_l1` (`discrimination_l1`).
#[derive(Debug, Clone, Copy, Default)]
pub struct DiscriminationL1;

impl Metric for DiscriminationL1 {
    fn name(&self) -> &str {
        "discrimination_l1"
    }
    fn definition(&self) -> &str {
        "1 − r/N, r = number of query perturbations whose measured response is strictly closer in \
         L1 (target gene excluded) to the prediction than the true one, N = number of queries \
         (cell-eval discrimination_score_l1)"
    }
    fn per_perturbation(&self, input: &MetricInput<'_>) -> Vec<f64> {
        let n = input.queries.len();
        let genes = input.screen.gene_index();
        (0..n)
            .map(|i| {
                let name = input.screen.perturbations()[input.queries[i]].as_str();
                let skip = genes.get(name).copied();
                let pred = input.predicted.row(i);
                let dist = |j: usize| -> f64 {
                    pred.iter()
                        .zip(input.truth(j))
                        .enumerate()
                        .filter(|(g, _)| Some(*g) != skip)
                        .map(|(_, (&a, &b))| f64::from((a - b).abs()))
                        .sum()
                };
                let own = dist(i);
                let closer = (0..n).filter(|&j| j != i && dist(j) < own).count();
                1.0 - closer as f64 / n as f64
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::fixture;

    #[test]
    fn by_hand_on_the_fixture() {
        let (s, p, r) = (
            fixture::screen(),
            fixture::predicted(),
            fixture::reference(),
        );
        let input = MetricInput {
            screen: &s,
            queries: &[0, 1, 2],
            predicted: p.view(),
            reference: r.view(),
        };
        // A (gene column A excluded): distances to A, B, C = 2, 4.5, 1 → one closer → 1 − 1/3.
        // B: 8, 2.5, 2 → C closer → 2/3. C: 7, 5.5, 1 → none closer → 1.
        let v = DiscriminationL1.per_perturbation(&input);
        assert!((v[0] - 2.0 / 3.0).abs() < 1e-12, "{v:?}");
        assert!((v[1] - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(v[2], 1.0);
    }
}

//! [`DiscriminationL1`]: can the prediction for p pick p's measured response out of all query
//! perturbations? Matches cell-eval 0.8.2 `discrimination_score` with `metric="l1"`: L1
//! distances from Δ̂_p to every measured Δ_q over the genes except p's own target gene (the column
//! named like the perturbation, when there is one); r = the position of p in ascending distance
//! (counted here as the number of q strictly closer, so ties favour the truth; cell-eval's
//! `argsort` leaves tie order unspecified); score 1 − r / N with N queries. 1 is best, 1/N worst.

use rayon::prelude::*;

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
    fn needs_all_queries(&self) -> bool {
        true
    }
    fn per_perturbation(&self, input: &MetricInput<'_>) -> Vec<f64> {
        let n = input.queries.len();
        let genes = input.screen.gene_index();
        let truths: Vec<_> = (0..n).map(|j| input.truth(j)).collect();
        let skip: Vec<Option<usize>> = input
            .queries
            .iter()
            .map(|&q| genes.get(input.screen.perturbations()[q].as_str()).copied())
            .collect();
        // Distances in blocks of predictions, so each measured row is read once per block;
        // blocks run in parallel and write disjoint rows (the result does not depend on threads).
        let mut dist = vec![0f64; n * n];
        dist.par_chunks_mut(BLOCK * n.max(1))
            .enumerate()
            .for_each(|(b, rows)| {
                let start = b * BLOCK;
                for (j, t) in truths.iter().enumerate() {
                    for (offset, out) in rows.chunks_mut(n).enumerate() {
                        let i = start + offset;
                        let pred = input.predicted.row(i);
                        let all = match (pred.as_slice(), t.as_slice()) {
                            (Some(a), Some(b)) => l1(a, b),
                            _ => pred
                                .iter()
                                .zip(t)
                                .map(|(&a, &b)| f64::from((a - b).abs()))
                                .sum(),
                        };
                        let own_gene = skip[i].map_or(0.0, |g| f64::from((pred[g] - t[g]).abs()));
                        out[j] = all - own_gene;
                    }
                }
            });
        (0..n)
            .map(|i| {
                let row = &dist[i * n..(i + 1) * n];
                let own = row[i];
                let closer = row
                    .iter()
                    .enumerate()
                    .filter(|&(j, &d)| j != i && d < own)
                    .count();
                1.0 - closer as f64 / n as f64
            })
            .collect()
    }
}

/// Predictions per block of the distance computation.
const BLOCK: usize = 16;

/// L1 distance; on x86-64 CPUs with AVX2 the same code compiled for 256-bit registers.
fn l1(a: &[f32], b: &[f32]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { l1_avx2(a, b) };
    }
    l1_portable(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn l1_avx2(a: &[f32], b: &[f32]) -> f64 {
    l1_portable(a, b)
}

/// L1 distance with eight f32 lanes (vectorised) per block of 1,024 genes, blocks summed in f64.
#[inline(always)]
fn l1_portable(a: &[f32], b: &[f32]) -> f64 {
    let mut total = 0.0f64;
    for (ba, bb) in a.chunks(1024).zip(b.chunks(1024)) {
        let mut lanes = [0f32; 8];
        let (ca, cb) = (ba.chunks_exact(8), bb.chunks_exact(8));
        let tail: f32 = ca
            .remainder()
            .iter()
            .zip(cb.remainder())
            .map(|(x, y)| (x - y).abs())
            .sum();
        for (x, y) in ca.zip(cb) {
            for k in 0..8 {
                lanes[k] += (x[k] - y[k]).abs();
            }
        }
        total += f64::from(lanes.iter().sum::<f32>() + tail);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::fixture;

    #[test]
    fn by_hand_on_the_fixture() {
        let (s, p, r) = fixture::parts();
        let input = fixture::input(&s, &p, &r);
        // A (gene column A excluded): distances to A, B, C = 2, 4.5, 1 → one closer → 1 − 1/3.
        // B: 8, 2.5, 2 → C closer → 2/3. C: 7, 5.5, 1 → none closer → 1.
        let v = DiscriminationL1.per_perturbation(&input);
        assert!((v[0] - 2.0 / 3.0).abs() < 1e-12, "{v:?}");
        assert!((v[1] - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(v[2], 1.0);
    }
}

//! How far a prediction can be trusted, per query perturbation, for acquisition strategies.
//!
//! - [`hops_to_observed`]: graph distance (edges, either direction) from the query to the
//!   nearest observed perturbation; `None` when none is reachable within `max_hops`. 1 means an
//!   observed neighbour backs the prediction directly.
//! - Neighbour-set support: [`FittedNeighbours::support`](super::neighbours::FittedNeighbours::support)
//!   gives the count and summed weight of the observed neighbours a neighbour prediction uses.
//! - [`bootstrap_variance`]: refit the predictor on `draws` bootstrap resamples of the observed
//!   set and report, per query, the variance of its predictions across resamples averaged over
//!   genes. A resample draws `n` rows with replacement and keeps each distinct row once (the
//!   [`Observed`] view has no weights), about 63 % of the set.

use std::collections::VecDeque;

use ndarray::Array3;
use rand::{Rng, RngCore};

use super::linear::Coefficients;
use super::{Observed, PredictError, Predictor, Span};
use crate::priors::Graph;

/// Hops from screen row `q` to the nearest observed perturbation in `graph` (BFS over edges in
/// both directions), at most `max_hops`.
pub fn hops_to_observed(
    graph: &Graph,
    train: &Observed<'_>,
    q: usize,
    max_hops: usize,
) -> Option<usize> {
    let names = train.perturbations();
    let observed: std::collections::HashSet<u32> = train
        .rows()
        .iter()
        .filter_map(|&r| graph.node(&names[r]))
        .collect();
    let start = graph.node(&names[q])?;
    let mut seen = vec![false; graph.node_count()];
    seen[start as usize] = true;
    let mut queue = VecDeque::from([(start, 0usize)]);
    while let Some((node, d)) = queue.pop_front() {
        if d > 0 && observed.contains(&node) {
            return Some(d);
        }
        if d == max_hops {
            continue;
        }
        for (next, _) in graph.out_neighbours(node).chain(graph.in_neighbours(node)) {
            if !seen[next as usize] {
                seen[next as usize] = true;
                queue.push_back((next, d + 1));
            }
        }
    }
    None
}

/// Per query, the variance of predictions across `draws` bootstrap refits, averaged over genes.
///
/// The refitted models are kept and the queries predicted in blocks, so memory grows with
/// `draws × block × genes`, not with the number of queries.
pub fn bootstrap_variance(
    predictor: &dyn Predictor,
    train: &Observed<'_>,
    queries: &[usize],
    draws: usize,
    rng: &mut dyn RngCore,
) -> Result<Vec<f64>, PredictError> {
    let n = train.len();
    let mut models = Vec::with_capacity(draws);
    let mut subsets = Vec::with_capacity(draws);
    for _ in 0..draws {
        let mut picked = vec![false; n];
        // Predictors that need two observations (the shrinkage's leave-one-out) must get two:
        // a resample of one distinct row is drawn again.
        while picked.iter().filter(|&&p| p).count() < n.min(2) {
            picked.fill(false);
            for _ in 0..n {
                picked[rng.random_range(0..n)] = true;
            }
        }
        let rows = (0..n)
            .filter(|&i| picked[i])
            .map(|i| train.rows()[i])
            .collect();
        models.push(predictor.fit(&train.with_rows(rows))?);
        subsets.push((0..n).filter(|&i| picked[i]).collect::<Vec<_>>());
    }
    Ok(linear_variance(train, &models, &subsets, queries)
        .unwrap_or_else(|| formed_variance(train, &models, queries)))
}

/// [`bootstrap_variance`] from the refits' formed predictions, in blocks of queries.
fn formed_variance(
    train: &Observed<'_>,
    models: &[Box<dyn super::Fitted + '_>],
    queries: &[usize],
) -> Vec<f64> {
    const BLOCK: usize = 128;
    let draws = models.len();
    let genes = train.n_genes();
    let mut out = Vec::with_capacity(queries.len());
    let mut block = Array3::<f32>::zeros((draws, BLOCK.min(queries.len()), genes));
    for chunk in queries.chunks(BLOCK) {
        for (b, model) in models.iter().enumerate() {
            let slot = block.slice_mut(ndarray::s![b, ..chunk.len(), ..]);
            model.predict_into(chunk, slot);
        }
        for q in 0..chunk.len() {
            // Each draw's prediction row once per query: a view per (query, gene) made the
            // slicing cost more than the sums.
            let rows: Vec<_> = (0..draws)
                .map(|b| block.slice(ndarray::s![b, q, ..]))
                .collect();
            let mut total = 0.0;
            for g in 0..genes {
                let values = rows.iter().map(|row| f64::from(row[g]));
                let mean = values.clone().sum::<f64>() / draws as f64;
                total += values.map(|v| (v - mean).powi(2)).sum::<f64>() / draws as f64;
            }
            out.push(total / genes.max(1) as f64);
        }
    }
    out
}

/// [`bootstrap_variance`] from inner products, when every refit has a [`LinearForm`]: draw b
/// predicts f_b = Σ_j a_j x_j + β μ_b (μ_b the mean of its `subsets[b]`, positions in
/// `train`), and the variance averaged over genes is Σ_b ‖f_b − f̄‖² / (draws × genes), a
/// quadratic form in the Gram matrix of `train`. `None` when a refit has no linear form.
fn linear_variance(
    train: &Observed<'_>,
    models: &[Box<dyn super::Fitted + '_>],
    subsets: &[Vec<usize>],
    queries: &[usize],
) -> Option<Vec<f64>> {
    let span = Span::new(train);
    let n = span.len();
    let draws = models.len();
    // ⟨x_p, μ_b⟩ for every position p, per draw.
    let with_means: Vec<Vec<f64>> = subsets
        .iter()
        .map(|subset| {
            let share = 1.0 / subset.len() as f64;
            span.apply(&Coefficients {
                sparse: subset.iter().map(|&p| (p, share)).collect(),
                uniform: 0.0,
            })
        })
        .collect();
    let scale = 1.0 / (draws as f64 * train.n_genes().max(1) as f64);
    let mut coefficients = vec![vec![0f64; n]; draws];
    let mut products = vec![vec![0f64; n]; draws];
    let mut out = Vec::with_capacity(queries.len());
    for &q in queries {
        for b in 0..draws {
            let form = models[b].linear_form(q)?;
            let (c, h) = (&mut coefficients[b], &mut products[b]);
            c.fill(0.0);
            let share = form.mean_weight / subsets[b].len() as f64;
            for &p in &subsets[b] {
                c[p] += share;
            }
            for (h, &w) in h.iter_mut().zip(&with_means[b]) {
                *h = form.mean_weight * w;
            }
            for &(r, a) in &form.terms {
                let p = span.position(r);
                c[p] += a;
                for (k, h) in h.iter_mut().enumerate() {
                    *h += a * span.gram(k, p);
                }
            }
        }
        let centre =
            |rows: &[Vec<f64>], p: usize| rows.iter().map(|r| r[p]).sum::<f64>() / draws as f64;
        let (c_mean, h_mean): (Vec<f64>, Vec<f64>) = (0..n)
            .map(|p| (centre(&coefficients, p), centre(&products, p)))
            .unzip();
        let total: f64 = (0..draws)
            .map(|b| {
                (0..n)
                    .map(|p| (coefficients[b][p] - c_mean[p]) * (products[b][p] - h_mean[p]))
                    .sum::<f64>()
            })
            .sum();
        out.push(total * scale);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::suite::planted;
    use crate::predict::{Neighbours, Shrunk, TrainingMean};
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;
    use std::sync::Arc;

    #[test]
    fn hops_count_edges_to_the_nearest_observed_node() {
        let mut b = Graph::builder(true);
        b.add_edge("P0", "P1", 1.0, 0);
        b.add_edge("P2", "P1", 1.0, 0);
        b.add_edge("P3", "P2", 1.0, 0);
        let g = b.build();
        let (s, _) = planted(1, 6, 3, 0.1);
        let obs = Observed::reveal(&s, vec![0]);
        assert_eq!(hops_to_observed(&g, &obs, 1, 5), Some(1));
        assert_eq!(hops_to_observed(&g, &obs, 2, 5), Some(2));
        assert_eq!(hops_to_observed(&g, &obs, 3, 5), Some(3));
        assert_eq!(hops_to_observed(&g, &obs, 3, 2), None);
        assert_eq!(
            hops_to_observed(&g, &obs, 5, 5),
            None,
            "P5 is not in the graph"
        );
    }

    #[test]
    fn bootstrap_variance_is_zero_for_identical_responses_and_positive_otherwise() {
        let (s, g) = planted(2, 8, 10, 0.5);
        let obs = Observed::reveal(&s, vec![0, 1, 2, 3, 8, 9, 10, 11]);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let v = bootstrap_variance(&TrainingMean, &obs, &[4, 12], 20, &mut rng).unwrap();
        assert!(v.iter().all(|&x| x > 0.0), "{v:?}");
        let knn = Neighbours::params(Arc::new(g)).check().unwrap();
        let v2 = bootstrap_variance(&knn, &obs, &[4, 12], 20, &mut rng).unwrap();
        assert_eq!(v2.len(), 2);
        let constant = crate::predict::suite::constant(&planted(2, 8, 10, 0.5).1, 10);
        let obs = Observed::reveal(&constant, vec![0, 1, 2, 3]);
        let v3 = bootstrap_variance(&TrainingMean, &obs, &[5], 10, &mut rng).unwrap();
        assert!(v3[0] < 1e-10, "{v3:?}");
    }

    #[test]
    fn the_linear_variance_is_the_formed_one() {
        let (s, g) = planted(4, 8, 40, 0.3);
        let inner = Neighbours::params(Arc::new(g)).check().unwrap();
        let predictor = Shrunk::params(Box::new(inner)).check().unwrap();
        let train = Observed::reveal(&s, vec![0, 3, 5, 8, 11, 13, 16, 19, 21, 24, 27, 29]);
        let queries = train.unobserved();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let mut models = Vec::new();
        let mut subsets = Vec::new();
        for b in 0..3 {
            let subset: Vec<usize> = (0..12).filter(|i| (i + b) % 3 != 0).collect();
            let rows = subset.iter().map(|&i| train.rows()[i]).collect();
            models.push(predictor.fit(&train.with_rows(rows)).unwrap());
            subsets.push(subset);
        }
        let linear = linear_variance(&train, &models, &subsets, &queries).unwrap();
        let formed = formed_variance(&train, &models, &queries);
        for (a, b) in linear.iter().zip(&formed) {
            assert!((a - b).abs() <= 1e-6 * b.abs().max(1e-9), "{a} vs {b}");
        }
        assert!(formed.iter().any(|&v| v > 0.0));
        let v = bootstrap_variance(&predictor, &train, &queries, 4, &mut rng).unwrap();
        assert_eq!(v.len(), queries.len());
    }
}

//! [`Observed`]: which perturbations of a screen have been measured, as an index view (no copy of
//! the response matrix), and [`Split`]: a random observed / query partition.

use ndarray::{Array1, ArrayView1};
use rand::RngCore;
use rand::seq::index::sample;

use crate::data::Screen;

/// A screen seen through the perturbations observed so far.
///
/// ```
/// use mechpert::data::{Screen, ValueKind};
/// use mechpert::predict::Observed;
/// use ndarray::array;
/// let s = Screen::from_responses(
///     vec!["A".into(), "B".into(), "C".into()], vec!["x".into()],
///     array![[1.0], [3.0], [8.0]], ValueKind::Response).unwrap();
/// let obs = Observed::new(&s, vec![0, 1]);
/// assert_eq!(obs.mean().to_vec(), vec![2.0]);
/// assert!(obs.contains(1) && !obs.contains(2));
/// ```
#[derive(Debug, Clone)]
pub struct Observed<'a> {
    screen: &'a Screen,
    rows: Vec<usize>,
    is_observed: Vec<bool>,
    /// The mean observed response, computed once (leave-one-out views derive theirs in O(genes)).
    mean: std::sync::OnceLock<Array1<f32>>,
}

impl<'a> Observed<'a> {
    /// A view of `screen` where the perturbation rows `rows` are observed.
    ///
    /// # Panics
    /// When a row is out of range or repeated (caller bugs).
    pub fn new(screen: &'a Screen, rows: Vec<usize>) -> Observed<'a> {
        let mut is_observed = vec![false; screen.n_perturbations()];
        for &r in &rows {
            assert!(r < is_observed.len(), "observed row {r} out of range");
            assert!(!is_observed[r], "observed row {r} repeated");
            is_observed[r] = true;
        }
        Observed {
            screen,
            rows,
            is_observed,
            mean: std::sync::OnceLock::new(),
        }
    }

    /// The screen.
    pub fn screen(&self) -> &'a Screen {
        self.screen
    }
    /// Observed perturbation rows, in the order given.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }
    /// Number of observed perturbations.
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    /// Whether nothing is observed.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
    /// Whether screen row `row` is observed.
    pub fn contains(&self, row: usize) -> bool {
        self.is_observed[row]
    }
    /// The response of screen row `row` (observed or not: callers decide what they may read).
    pub fn response(&self, row: usize) -> ArrayView1<'a, f32> {
        self.screen
            .response()
            .index_axis_move(ndarray::Axis(0), row)
    }
    /// Number of measured genes.
    pub fn n_genes(&self) -> usize {
        self.screen.n_genes()
    }
    /// Mean observed response per gene (zeros when nothing is observed). Computed once per view.
    pub fn mean(&self) -> Array1<f32> {
        self.mean
            .get_or_init(|| {
                let mut sum = vec![0f64; self.n_genes()];
                for &r in &self.rows {
                    for (s, &v) in sum.iter_mut().zip(self.response(r)) {
                        *s += f64::from(v);
                    }
                }
                let n = self.rows.len().max(1) as f64;
                sum.into_iter().map(|s| (s / n) as f32).collect()
            })
            .clone()
    }
    /// The same screen with observed position `i` (not row) left out: for leave-one-out. Its
    /// mean is derived from this view's, (n·m − yᵢ)/(n − 1), without a pass over the rows.
    pub fn without(&self, i: usize) -> Observed<'a> {
        let mut rows = self.rows.clone();
        let left_out = rows.remove(i);
        let out = Observed::new(self.screen, rows);
        if !out.rows.is_empty() {
            let n = self.rows.len() as f64;
            let mean: Array1<f32> = self
                .mean()
                .iter()
                .zip(self.response(left_out))
                .map(|(&m, &y)| ((n * f64::from(m) - f64::from(y)) / (n - 1.0)) as f32)
                .collect();
            let _ = out.mean.set(mean);
        }
        out
    }
    /// The same screen with a different observed set (for bootstrap or growing sets).
    pub fn with_rows(&self, rows: Vec<usize>) -> Observed<'a> {
        Observed::new(self.screen, rows)
    }
    /// Screen rows not observed, ascending.
    pub fn unobserved(&self) -> Vec<usize> {
        (0..self.is_observed.len())
            .filter(|&r| !self.is_observed[r])
            .collect()
    }
}

/// A partition of a screen's perturbation rows into observed (training) and query rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Observed rows, ascending.
    pub observed: Vec<usize>,
    /// Query rows (everything else), ascending.
    pub queries: Vec<usize>,
}

impl Split {
    /// Draws `n_observed` of `n` rows uniformly without replacement.
    ///
    /// # Panics
    /// When `n_observed > n`.
    pub fn random(n: usize, n_observed: usize, rng: &mut dyn RngCore) -> Split {
        let mut observed = sample(rng, n, n_observed).into_vec();
        observed.sort_unstable();
        let mut is_obs = vec![false; n];
        for &r in &observed {
            is_obs[r] = true;
        }
        let queries = (0..n).filter(|&r| !is_obs[r]).collect();
        Split { observed, queries }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn random_splits_partition_and_repeat_with_the_seed() {
        let a = Split::random(20, 5, &mut Xoshiro256PlusPlus::seed_from_u64(3));
        let b = Split::random(20, 5, &mut Xoshiro256PlusPlus::seed_from_u64(3));
        let c = Split::random(20, 5, &mut Xoshiro256PlusPlus::seed_from_u64(4));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.observed.len(), 5);
        assert_eq!(a.queries.len(), 15);
        let mut all: Vec<usize> = a.observed.iter().chain(&a.queries).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..20).collect::<Vec<_>>());
    }

    #[test]
    fn leave_one_out_means_match_a_direct_pass() {
        let s = Screen::from_responses(
            ["A", "B", "C", "D"].map(String::from).to_vec(),
            vec!["x".into(), "y".into()],
            ndarray::array![[1.0, 2.0], [3.0, -2.0], [8.0, 0.5], [0.0, 0.0]],
            crate::data::ValueKind::Response,
        )
        .unwrap();
        let obs = Observed::new(&s, vec![0, 1, 2]);
        // y: (2 − 2 + 0.5) / 3.
        assert_eq!(obs.mean().to_vec(), vec![4.0, 0.5 / 3.0]);
        let loo = obs.without(1);
        assert_eq!(loo.rows(), &[0, 2]);
        assert_eq!(loo.mean().to_vec(), vec![4.5, 1.25]);
        assert_eq!(Observed::new(&s, vec![0, 2]).mean(), loo.mean());
    }

    #[test]
    #[should_panic(expected = "repeated")]
    fn repeated_rows_are_a_caller_bug() {
        let s = Screen::from_responses(
            vec!["A".into()],
            vec!["x".into()],
            ndarray::array![[1.0]],
            crate::data::ValueKind::Response,
        )
        .unwrap();
        let _ = Observed::new(&s, vec![0, 0]);
    }
}

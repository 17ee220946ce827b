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
    /// Mean observed response per gene (zeros when nothing is observed).
    pub fn mean(&self) -> Array1<f32> {
        let mut sum = Array1::<f64>::zeros(self.n_genes());
        for &r in &self.rows {
            sum.zip_mut_with(&self.response(r), |s, &v| *s += f64::from(v));
        }
        let n = self.rows.len().max(1) as f64;
        sum.mapv(|s| (s / n) as f32)
    }
    /// The same screen with observed position `i` (not row) left out: for leave-one-out.
    pub fn without(&self, i: usize) -> Observed<'a> {
        let mut rows = self.rows.clone();
        rows.remove(i);
        Observed::new(self.screen, rows)
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

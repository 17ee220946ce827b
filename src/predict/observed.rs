//! [`Observed`]: the perturbations of a screen measured so far — and nothing else — and
//! [`Split`]: a random observed / query partition.
//!
//! An [`Observed`] view is sealed by construction: it holds the screen's public [`Layout`]
//! (perturbation and gene names) and a copy of the responses of the revealed rows only. A
//! predictor or design strategy handed one cannot read an unmeasured perturbation, because the
//! view does not contain it; asking for a row outside the view is a caller bug and panics. Views
//! for leave-one-out and bootstrap refits ([`Observed::without`], [`Observed::with_rows`]) share
//! the same copy and can only narrow it.

use std::sync::{Arc, OnceLock};

use ndarray::{Array1, Array2, ArrayView1, Axis};
use rand::RngCore;
use rand::seq::index::sample;

use super::linear::dot;
use crate::data::{Layout, Screen};

/// Marks a screen row that is not in the revealed copy.
const NOT_REVEALED: u32 = u32::MAX;

/// The revealed responses, shared by every view derived from one reveal.
#[derive(Debug)]
struct Revealed {
    /// Position in `responses` of each screen row, or [`NOT_REVEALED`].
    slot: Vec<u32>,
    /// One response row per revealed perturbation.
    responses: Array2<f32>,
    /// Inner products among the responses and each one's sum over genes, by slot: computed
    /// on first use, once for every view derived from this reveal.
    gram: OnceLock<(Array2<f64>, Vec<f64>)>,
}

impl Revealed {
    fn new(slot: Vec<u32>, responses: Array2<f32>) -> Revealed {
        Revealed {
            slot,
            responses,
            gram: OnceLock::new(),
        }
    }

    fn gram(&self) -> &(Array2<f64>, Vec<f64>) {
        self.gram.get_or_init(|| {
            let n = self.responses.nrows();
            let row = |i: usize| {
                self.responses
                    .row(i)
                    .to_slice()
                    .expect("owned rows are contiguous")
            };
            let mut gram = Array2::zeros((n, n));
            for i in 0..n {
                for j in 0..=i {
                    let v = dot(row(i), row(j));
                    gram[[i, j]] = v;
                    gram[[j, i]] = v;
                }
            }
            let sums = (0..n)
                .map(|i| row(i).iter().map(|&v| f64::from(v)).sum())
                .collect();
            (gram, sums)
        })
    }
}

/// A screen seen through the perturbations observed so far.
///
/// ```
/// use mechpert::data::{Screen, ValueKind};
/// use mechpert::predict::Observed;
/// use ndarray::array;
/// let s = Screen::from_responses(
///     vec!["A".into(), "B".into(), "C".into()], vec!["x".into()],
///     array![[1.0], [3.0], [8.0]], ValueKind::Response).unwrap();
/// let obs = Observed::reveal(&s, vec![0, 1]);
/// assert_eq!(obs.mean().to_vec(), vec![2.0]);
/// assert!(obs.contains(1) && !obs.contains(2));
/// assert_eq!(obs.response(1).to_vec(), vec![3.0]);
/// ```
#[derive(Debug, Clone)]
pub struct Observed<'a> {
    layout: &'a Layout,
    revealed: Arc<Revealed>,
    rows: Vec<usize>,
    in_view: Vec<bool>,
    /// The mean observed response, computed once (leave-one-out views derive theirs in O(genes)).
    mean: OnceLock<Array1<f32>>,
}

impl<'a> Observed<'a> {
    /// Copies the responses of screen rows `rows` out of `screen` into a new sealed view. This
    /// and [`Observed::reveal_mislabelled`] are the only ways responses enter a view; the view
    /// keeps no reference to `screen`.
    ///
    /// # Panics
    /// When a row is out of range or repeated (caller bugs).
    pub fn reveal(screen: &'a Screen, rows: Vec<usize>) -> Observed<'a> {
        let responses = screen.response().select(Axis(0), &rows);
        Observed::sealed(screen, rows, responses)
    }

    /// Reveals screen rows `rows`, each with the measured response of the row at the same
    /// position in `sources` instead of its own: the permuted-feedback control, in which every
    /// revealed perturbation is shown another's response. Sealed as [`Observed::reveal`] is;
    /// the oracle takes `sources` among `rows`, so no unrevealed response enters the view.
    ///
    /// # Panics
    /// When a row is out of range or repeated, or the two lists differ in length (caller bugs).
    pub fn reveal_mislabelled(
        screen: &'a Screen,
        rows: Vec<usize>,
        sources: &[usize],
    ) -> Observed<'a> {
        assert_eq!(rows.len(), sources.len(), "one source row per revealed row");
        let responses = screen.response().select(Axis(0), sources);
        Observed::sealed(screen, rows, responses)
    }

    /// The view of `rows` holding `responses` (one row each, in order).
    fn sealed(screen: &'a Screen, rows: Vec<usize>, responses: Array2<f32>) -> Observed<'a> {
        let n = screen.n_perturbations();
        let mut slot = vec![NOT_REVEALED; n];
        for (i, &r) in rows.iter().enumerate() {
            assert!(r < n, "observed row {r} out of range");
            assert!(slot[r] == NOT_REVEALED, "observed row {r} repeated");
            slot[r] = i as u32;
        }
        Observed::over(
            screen.layout(),
            Arc::new(Revealed::new(slot, responses)),
            rows,
        )
    }

    /// Every row of `screen` revealed, inside a wider `layout` whose first rows are the
    /// screen's perturbations and whose further rows (genes not perturbed yet) are never
    /// revealed: a real screen so far, seen by `mechpert design`.
    ///
    /// # Panics
    /// When `layout` does not start with the screen's perturbations or has other genes.
    pub fn within(layout: &'a Layout, screen: &Screen) -> Observed<'a> {
        let n = screen.n_perturbations();
        assert!(
            layout.perturbations().get(..n) == Some(screen.perturbations())
                && layout.genes() == screen.genes(),
            "the layout does not start with the screen's rows"
        );
        let mut slot = vec![NOT_REVEALED; layout.n_perturbations()];
        for (r, s) in slot.iter_mut().enumerate().take(n) {
            *s = r as u32;
        }
        let responses = screen.response().to_owned();
        Observed::over(
            layout,
            Arc::new(Revealed::new(slot, responses)),
            (0..n).collect(),
        )
    }

    /// A view with nothing observed yet (the first round of a design from scratch).
    pub fn nothing(layout: &'a Layout) -> Observed<'a> {
        let revealed = Revealed::new(
            vec![NOT_REVEALED; layout.n_perturbations()],
            Array2::zeros((0, layout.n_genes())),
        );
        Observed::over(layout, Arc::new(revealed), Vec::new())
    }

    fn over(layout: &'a Layout, revealed: Arc<Revealed>, rows: Vec<usize>) -> Observed<'a> {
        let mut in_view = vec![false; layout.n_perturbations()];
        for &r in &rows {
            assert!(
                revealed.slot[r] != NOT_REVEALED,
                "row {r} was never revealed"
            );
            assert!(!in_view[r], "observed row {r} repeated");
            in_view[r] = true;
        }
        Observed {
            layout,
            revealed,
            rows,
            in_view,
            mean: OnceLock::new(),
        }
    }

    /// The public facts of the screen: perturbation and gene names.
    pub fn layout(&self) -> &'a Layout {
        self.layout
    }
    /// Perturbation names of the whole screen (observed or not), one per row.
    pub fn perturbations(&self) -> &'a [String] {
        self.layout.perturbations()
    }
    /// Number of perturbations in the whole screen.
    pub fn n_perturbations(&self) -> usize {
        self.layout.n_perturbations()
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
    /// Whether screen row `row` is observed in this view.
    pub fn contains(&self, row: usize) -> bool {
        self.in_view[row]
    }
    /// The measured response of observed screen row `row`.
    ///
    /// # Panics
    /// When `row` is not observed in this view: its response is not here to read.
    pub fn response(&self, row: usize) -> ArrayView1<'_, f32> {
        assert!(
            self.in_view[row],
            "row {row} is not observed in this view; its response is sealed"
        );
        let slot = self.revealed.slot[row] as usize;
        self.revealed.responses.row(slot)
    }
    /// The observed responses as a matrix, one row per observed perturbation in [`rows`](Self::rows) order.
    pub fn matrix(&self) -> Array2<f32> {
        let slots: Vec<usize> = self
            .rows
            .iter()
            .map(|&r| self.revealed.slot[r] as usize)
            .collect();
        self.revealed.responses.select(Axis(0), &slots)
    }
    /// ⟨x_a, x_b⟩ over genes of the responses of observed rows `a` and `b` (f64 sums of the
    /// exact f32 products, [`dot`]). The inner products of a reveal are computed on first use,
    /// once for every view derived from it.
    ///
    /// # Panics
    /// When a row is not observed in this view.
    pub fn inner(&self, a: usize, b: usize) -> f64 {
        let (gram, _) = self.revealed.gram();
        gram[[self.slot_of(a), self.slot_of(b)]]
    }
    /// Σ_g of the response of observed row `row`, in f64.
    ///
    /// # Panics
    /// When `row` is not observed in this view.
    pub fn total(&self, row: usize) -> f64 {
        let (_, sums) = self.revealed.gram();
        sums[self.slot_of(row)]
    }
    fn slot_of(&self, row: usize) -> usize {
        assert!(
            self.in_view[row],
            "row {row} is not observed in this view; its response is sealed"
        );
        self.revealed.slot[row] as usize
    }
    /// Number of measured genes.
    pub fn n_genes(&self) -> usize {
        self.layout.n_genes()
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
    /// The same view with observed position `i` (not row) left out: for leave-one-out. Its
    /// mean is derived from this view's, (n·m − yᵢ)/(n − 1), without a pass over the rows.
    pub fn without(&self, i: usize) -> Observed<'a> {
        let mut rows = self.rows.clone();
        let left_out = rows.remove(i);
        let out = Observed::over(self.layout, Arc::clone(&self.revealed), rows);
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
    /// A narrower view observing only `rows` (for bootstrap refits).
    ///
    /// # Panics
    /// When a row was not revealed to this view's source: a view can narrow, never widen.
    pub fn with_rows(&self, rows: Vec<usize>) -> Observed<'a> {
        for &r in &rows {
            assert!(self.in_view[r], "row {r} is not observed in this view");
        }
        Observed::over(self.layout, Arc::clone(&self.revealed), rows)
    }
    /// Screen rows not observed, ascending.
    pub fn unobserved(&self) -> Vec<usize> {
        (0..self.in_view.len())
            .filter(|&r| !self.in_view[r])
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
    fn a_screen_within_a_wider_layout_reveals_only_its_rows() {
        let s = four();
        let mut names = s.perturbations().to_vec();
        names.push("NEW".into());
        let layout = Layout::new(names, s.genes().to_vec());
        let obs = Observed::within(&layout, &s);
        assert_eq!(obs.rows(), &[0, 1, 2, 3]);
        assert_eq!(obs.unobserved(), vec![4]);
        assert_eq!(obs.response(2), s.response().row(2));
        assert_eq!(obs.mean(), Observed::reveal(&s, vec![0, 1, 2, 3]).mean());
    }

    fn four() -> Screen {
        Screen::from_responses(
            ["A", "B", "C", "D"].map(String::from).to_vec(),
            vec!["x".into(), "y".into()],
            ndarray::array![[1.0, 2.0], [3.0, -2.0], [8.0, 0.5], [0.0, 0.0]],
            crate::data::ValueKind::Response,
        )
        .unwrap()
    }

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
        let s = four();
        let obs = Observed::reveal(&s, vec![0, 1, 2]);
        // y: (2 − 2 + 0.5) / 3.
        assert_eq!(obs.mean().to_vec(), vec![4.0, 0.5 / 3.0]);
        let loo = obs.without(1);
        assert_eq!(loo.rows(), &[0, 2]);
        assert_eq!(loo.mean().to_vec(), vec![4.5, 1.25]);
        assert_eq!(Observed::reveal(&s, vec![0, 2]).mean(), loo.mean());
    }

    #[test]
    fn a_view_holds_only_the_revealed_rows() {
        let s = four();
        let obs = Observed::reveal(&s, vec![2, 0]);
        assert_eq!(obs.matrix(), ndarray::array![[8.0, 0.5], [1.0, 2.0]]);
        assert_eq!(obs.unobserved(), vec![1, 3]);
        let narrowed = obs.with_rows(vec![0]);
        assert_eq!(narrowed.mean().to_vec(), vec![1.0, 2.0]);
        let empty = Observed::nothing(s.layout());
        assert!(empty.is_empty());
        assert_eq!(empty.mean().to_vec(), vec![0.0, 0.0]);
    }

    #[test]
    #[should_panic(expected = "sealed")]
    fn reading_an_unrevealed_row_is_refused() {
        let s = four();
        let obs = Observed::reveal(&s, vec![0, 1]);
        let _ = obs.response(2);
    }

    #[test]
    #[should_panic(expected = "not observed in this view")]
    fn a_view_cannot_widen() {
        let s = four();
        let obs = Observed::reveal(&s, vec![0, 1]);
        let _ = obs.without(0).with_rows(vec![0, 1]);
    }

    #[test]
    #[should_panic(expected = "repeated")]
    fn repeated_rows_are_a_caller_bug() {
        let s = four();
        let _ = Observed::reveal(&s, vec![0, 0]);
    }
}

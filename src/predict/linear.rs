//! [`LinearForm`]: a prediction written as a combination of observed responses, and [`Span`]:
//! the inner-product algebra that scores, tunes and compares such predictions without forming
//! them.
//!
//! The training mean, a neighbour mean and either one shrunk to the mean all predict a query as
//! ŷ = Σ_j a_j x_j + β μ, the x_j observed responses and μ their mean. Norms, sums and inner
//! products of such vectors need only the inner products among the observed responses (their
//! Gram matrix, computed once per reveal) and each response's sum over genes: O(observed ×
//! terms) per query instead of O(genes). Leave-one-out shrinkage and bootstrap variance use it
//! on the sealed view; the oracle uses it to score, adding the inner products with the measured
//! truth that only it holds.

use ndarray::Array2;

use super::Observed;

/// ŷ = Σ_j a_j x_j + β μ over the rows a model was fitted on.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearForm {
    /// `(screen row, a_j)` of the observed responses x_j; a row may repeat (the entries add
    /// up).
    pub terms: Vec<(usize, f64)>,
    /// β, the weight on the training mean μ of the view the model was fitted on.
    pub mean_weight: f64,
    /// Whether the model had nothing to say and answered with the training mean (counted in
    /// [`Support::fallbacks`](super::Support::fallbacks)).
    pub fallback: bool,
}

impl LinearForm {
    /// The training mean, as the answer of a model with nothing to say about the query.
    pub fn fallback() -> LinearForm {
        LinearForm {
            terms: Vec::new(),
            mean_weight: 1.0,
            fallback: true,
        }
    }
}

/// Σ_g a_g b_g of two equally long f32 rows, each product exact in f64 and summed in f64 in
/// eight interleaved partial sums (so the loop vectorises). Used for every inner product of
/// responses, by the view and by the oracle alike, so both see the same numbers.
pub fn dot(a: &[f32], b: &[f32]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above; the same operations in wider
        // registers give the same result.
        return unsafe { dot_avx2(a, b) };
    }
    dot_portable(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_avx2(a: &[f32], b: &[f32]) -> f64 {
    dot_portable(a, b)
}

#[inline(always)]
fn dot_portable(a: &[f32], b: &[f32]) -> f64 {
    const L: usize = 8;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f64; L];
    for (x, y) in a.chunks_exact(L).zip(b.chunks_exact(L)) {
        for l in 0..L {
            acc[l] += f64::from(x[l]) * f64::from(y[l]);
        }
    }
    let mut total: f64 = acc.iter().sum();
    for i in n / L * L..n {
        total += f64::from(a[i]) * f64::from(b[i]);
    }
    total
}

/// Σ_g m_g y_g of an f64 row and an f32 row, in f64 (the training mean against a measured
/// row), vectorised as [`dot`].
pub fn dot_mixed(m: &[f64], y: &[f32]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: as in `dot`.
        return unsafe { dot_mixed_avx2(m, y) };
    }
    dot_mixed_portable(m, y)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_mixed_avx2(m: &[f64], y: &[f32]) -> f64 {
    dot_mixed_portable(m, y)
}

#[inline(always)]
fn dot_mixed_portable(m: &[f64], y: &[f32]) -> f64 {
    const L: usize = 8;
    let n = m.len().min(y.len());
    let (m, y) = (&m[..n], &y[..n]);
    let mut acc = [0f64; L];
    for (a, b) in m.chunks_exact(L).zip(y.chunks_exact(L)) {
        for l in 0..L {
            acc[l] += a[l] * f64::from(b[l]);
        }
    }
    let mut total: f64 = acc.iter().sum();
    for i in n / L * L..n {
        total += m[i] * f64::from(y[i]);
    }
    total
}

/// A vector of the span as coefficients on the view's positions: Σ_p c_p x_p with
/// c = `sparse` + `uniform`·1, so the training mean costs one number, not one per position.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coefficients {
    /// `(position, c_p)`; a position may repeat (the entries add up).
    pub sparse: Vec<(usize, f64)>,
    /// Added to every position.
    pub uniform: f64,
}

/// The inner products among a view's observed responses, by position in
/// [`Observed::rows`].
#[derive(Debug, Clone)]
pub struct Span {
    position: Vec<u32>,
    gram: Array2<f64>,
    gram_row_sums: Vec<f64>,
    sums: Vec<f64>,
}

const ABSENT: u32 = u32::MAX;

impl Span {
    /// The span of `view`'s responses.
    pub fn new(view: &Observed<'_>) -> Span {
        let rows = view.rows();
        let n = rows.len();
        let mut position = vec![ABSENT; view.n_perturbations()];
        for (p, &r) in rows.iter().enumerate() {
            position[r] = p as u32;
        }
        let gram = Array2::from_shape_fn((n, n), |(i, j)| view.inner(rows[i], rows[j]));
        let gram_row_sums = gram.rows().into_iter().map(|r| r.sum()).collect();
        let sums = rows.iter().map(|&r| view.total(r)).collect();
        Span {
            position,
            gram,
            gram_row_sums,
            sums,
        }
    }

    /// Observed perturbations.
    pub fn len(&self) -> usize {
        self.sums.len()
    }

    /// Whether nothing is observed.
    pub fn is_empty(&self) -> bool {
        self.sums.is_empty()
    }

    /// The position of observed screen row `row`.
    ///
    /// # Panics
    /// When `row` is not observed (a caller bug).
    pub fn position(&self, row: usize) -> usize {
        let p = self.position[row];
        assert!(p != ABSENT, "row {row} is not observed in this span");
        p as usize
    }

    /// ⟨x_p, x_q⟩ of positions `p` and `q`.
    pub fn gram(&self, p: usize, q: usize) -> f64 {
        self.gram[[p, q]]
    }

    /// `form` (fitted on this span's view) as coefficients.
    pub fn coefficients(&self, form: &LinearForm) -> Coefficients {
        Coefficients {
            sparse: form
                .terms
                .iter()
                .map(|&(r, a)| (self.position(r), a))
                .collect(),
            uniform: form.mean_weight / self.len() as f64,
        }
    }

    /// G c: the inner product of the vector `c` with every observed response, by position.
    pub fn apply(&self, c: &Coefficients) -> Vec<f64> {
        let mut out: Vec<f64> = self.gram_row_sums.iter().map(|&s| c.uniform * s).collect();
        for &(p, a) in &c.sparse {
            for (o, &g) in out.iter_mut().zip(self.gram.row(p)) {
                *o += a * g;
            }
        }
        out
    }

    /// Σ_p c_p v_p.
    pub fn weigh(c: &Coefficients, v: &[f64]) -> f64 {
        c.uniform * v.iter().sum::<f64>() + c.sparse.iter().map(|&(p, a)| a * v[p]).sum::<f64>()
    }

    /// ⟨u, w⟩ of two vectors of the span.
    pub fn inner(&self, u: &Coefficients, w: &Coefficients) -> f64 {
        Span::weigh(u, &self.apply(w))
    }

    /// Σ_g of the vector `c` over genes.
    pub fn sum(&self, c: &Coefficients) -> f64 {
        Span::weigh(c, &self.sums)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Screen, ValueKind};
    use ndarray::array;

    #[test]
    fn span_algebra_matches_the_formed_vectors() {
        let s = Screen::from_responses(
            ["A", "B", "C", "D"].map(String::from).to_vec(),
            vec!["x".into(), "y".into(), "z".into()],
            array![
                [1.0, 2.0, -1.0],
                [3.0, -2.0, 0.5],
                [8.0, 0.5, 2.0],
                [0.0, 1.0, 1.0]
            ],
            ValueKind::Response,
        )
        .unwrap();
        let view = Observed::reveal(&s, vec![2, 0, 1]);
        let span = Span::new(&view);
        // u = 2·C − A + 0.5·μ, μ = (4, 1/6, 0.5); w = μ.
        let form = LinearForm {
            terms: vec![(2, 2.0), (0, -1.0)],
            mean_weight: 0.5,
            fallback: false,
        };
        let u = span.coefficients(&form);
        let w = span.coefficients(&LinearForm::fallback());
        let mu = [4.0, 1.0 / 6.0, 0.5];
        let x = [[8.0, 0.5, 2.0], [1.0, 2.0, -1.0]];
        let formed: Vec<f64> = (0..3)
            .map(|g| 2.0 * x[0][g] - x[1][g] + 0.5 * mu[g])
            .collect();
        let inner: f64 = formed.iter().zip(mu).map(|(a, b)| a * b).sum();
        assert!((span.inner(&u, &w) - inner).abs() < 1e-12);
        let norm: f64 = formed.iter().map(|a| a * a).sum();
        assert!((span.inner(&u, &u) - norm).abs() < 1e-12);
        assert!((span.sum(&u) - formed.iter().sum::<f64>()).abs() < 1e-12);
        assert_eq!(span.position(1), 2);
        assert_eq!(dot(&[1.0; 19], &[2.0; 19]), 38.0);
    }
}

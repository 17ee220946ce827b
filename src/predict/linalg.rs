//! Every linear-algebra call of the predictors, in one place: a randomized truncated SVD
//! (Halko, Martinsson & Tropp 2011) and a small symmetric ridge inverse, via ndarray-linalg
//! (LAPACK) for the small dense factorisations and ndarray's matrix product for the large ones.

use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use ndarray_linalg::{Eigh, Inverse, QR, Solve, UPLO};
use rand::RngCore;
use rand_distr::{Distribution, StandardNormal};

/// `U`, singular values and `Vt` of a truncated SVD.
pub(crate) type Svd = (Array2<f32>, Array1<f32>, Array2<f32>);

/// Top-`k` singular triplets of `a` (n × m): `U` (n × k), singular values (descending, k),
/// `Vt` (k × m). Components with a singular value below 1e-6 · the largest are dropped, so
/// fewer than `k` may come back (none for a zero matrix).
pub(crate) fn truncated_svd(
    a: ArrayView2<'_, f32>,
    k: usize,
    rng: &mut dyn RngCore,
) -> Result<Svd, String> {
    let (n, m) = a.dim();
    let l = (k + 10).min(n).min(m);
    if k == 0 || l == 0 {
        return Ok((
            Array2::zeros((n, 0)),
            Array1::zeros(0),
            Array2::zeros((0, m)),
        ));
    }
    let omega = Array2::from_shape_simple_fn((m, l), || StandardNormal.sample(&mut *rng));
    let mut y = a.dot(&omega);
    for _ in 0..2 {
        let q = orthonormal(y)?;
        let z = orthonormal(a.t().dot(&q))?;
        y = a.dot(&z);
    }
    let q = orthonormal(y)?;
    let b = q.t().dot(&a); // l × m
    let gram = b.mapv(f64::from).dot(&b.t().mapv(f64::from));
    let (values, vectors) = gram.eigh(UPLO::Upper).map_err(|e| e.to_string())?;
    let largest = values.iter().copied().fold(0.0, f64::max).sqrt();
    let keep: Vec<usize> = (0..values.len())
        .rev()
        .filter(|&i| values[i] > 0.0 && values[i].sqrt() > 1e-6 * largest)
        .take(k)
        .collect();
    let w = vectors.select(Axis(1), &keep); // l × r, descending
    let sigma: Array1<f64> = keep.iter().map(|&i| values[i].sqrt()).collect();
    let w32 = w.mapv(|v| v as f32);
    let u = q.dot(&w32);
    let mut vt = w32.t().dot(&b);
    for (mut row, &sv) in vt.outer_iter_mut().zip(&sigma) {
        row /= sv as f32;
    }
    Ok((u, sigma.mapv(|v| v as f32), vt))
}

/// An orthonormal basis of the columns of `y` (thin QR).
fn orthonormal(y: Array2<f32>) -> Result<Array2<f32>, String> {
    let cols = y.ncols().min(y.nrows());
    let (q, _) = y.qr().map_err(|e| e.to_string())?;
    Ok(q.slice(s![.., ..cols]).to_owned())
}

/// (PᵀP + λI)⁻¹ for a small (d × d after the product) design `p` (n × d).
pub(crate) fn ridge_inverse(p: ArrayView2<'_, f32>, lambda: f64) -> Result<Array2<f64>, String> {
    let p64 = p.mapv(f64::from);
    let mut gram = p64.t().dot(&p64);
    for i in 0..gram.nrows() {
        gram[[i, i]] += lambda;
    }
    gram.inv().map_err(|e| e.to_string())
}

/// x solving the small dense system `a` x = `b` (LU with partial pivoting); an error when `a`
/// is singular.
pub(crate) fn solve_small(a: Array2<f64>, b: Array1<f64>) -> Result<Array1<f64>, String> {
    let x = a.solve_into(b).map_err(|e| e.to_string())?;
    if x.iter().all(|v| v.is_finite()) {
        Ok(x)
    } else {
        Err("singular system".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn recovers_a_planted_low_rank_matrix() {
        // Rank 2: singular values 5 and 2.
        let u = array![[0.6f32, 0.0], [0.8, 0.0], [0.0, 1.0]];
        let vt = array![[1.0f32, 0.0, 0.0, 0.0], [0.0, 0.0, 0.6, 0.8]];
        let a = u
            .dot(&ndarray::Array2::from_diag(&array![5.0f32, 2.0]))
            .dot(&vt);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let (uu, sv, vv) = truncated_svd(a.view(), 3, &mut rng).unwrap();
        assert_eq!(sv.len(), 2, "rank 2: the third component is dropped");
        assert!(
            (sv[0] - 5.0).abs() < 1e-4 && (sv[1] - 2.0).abs() < 1e-4,
            "{sv}"
        );
        let back = uu.dot(&ndarray::Array2::from_diag(&sv)).dot(&vv);
        for (x, y) in back.iter().zip(a.iter()) {
            assert!((x - y).abs() < 1e-4);
        }
        let (_, none, _) = truncated_svd(Array2::zeros((3, 4)).view(), 2, &mut rng).unwrap();
        assert_eq!(none.len(), 0);
    }

    #[test]
    fn ridge_inverse_by_hand() {
        // PᵀP = [[2]], + λ = 0.5 → 1/2.5.
        let inv = ridge_inverse(array![[1.0f32], [1.0]].view(), 0.5).unwrap();
        assert!((inv[[0, 0]] - 0.4).abs() < 1e-12);
    }

    #[test]
    fn solve_small_by_hand() {
        // 2x + y = 5, x + 3y = 10 → x = 1, y = 3.
        let x = solve_small(array![[2.0, 1.0], [1.0, 3.0]], array![5.0, 10.0]).unwrap();
        assert!((x[0] - 1.0).abs() < 1e-12 && (x[1] - 3.0).abs() < 1e-12);
        assert!(solve_small(array![[1.0, 2.0], [2.0, 4.0]], array![1.0, 2.0]).is_err());
    }
}

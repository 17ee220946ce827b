//! [`Ridge`]: the linear baseline of Ahlmann-Eltze, Huber & Anders (2024),
//! Y ≈ G K Pᵀ + b.
//!
//! - b: the training mean per gene;
//! - G (genes × k): the top-k principal components of the centred observed responses (gene
//!   loadings), by randomized truncated SVD;
//! - P (perturbations × d): a perturbation [`Embedding`] from prior knowledge (spectral embedding
//!   of a graph's adjacency), so unseen perturbations have one;
//! - K = (GᵀG + λI)⁻¹ Gᵀ (Y − b)ᵀ P (PᵀP + λI)⁻¹ in closed form. G has orthonormal columns, so
//!   the first factor is 1/(1 + λ) and Gᵀ(Y − b)ᵀ = S Uᵀ from the SVD.
//!
//! A query is predicted as b + G K p_q; a query with a zero embedding (absent from the graph) is
//! predicted as b and counted as a fallback. Fitting copies the observed rows once (the SVD needs
//! a contiguous matrix).

use std::num::NonZeroUsize;
use std::sync::Arc;

use ndarray::{Array1, Array2, ArrayViewMut2, Axis};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::embedding::Embedding;
use super::linalg::{ridge_inverse, truncated_svd};
use super::{Fitted, Observed, PredictError, Predictor, Support, check_shape, require_observed};

/// Unchecked parameters of [`Ridge`].
#[derive(Debug, Clone)]
pub struct RidgeParams {
    embedding: Arc<Embedding>,
    pcs: NonZeroUsize,
    lambda: f64,
    seed: u64,
}

/// The checked ridge predictor.
#[derive(Debug, Clone)]
pub struct Ridge {
    params: RidgeParams,
}

impl Ridge {
    /// Parameters over a perturbation embedding: 10 gene PCs, λ = 0.1 (the paper's defaults),
    /// SVD seed 0.
    pub fn params(embedding: Arc<Embedding>) -> RidgeParams {
        RidgeParams {
            embedding,
            pcs: NonZeroUsize::new(10).expect("10 > 0"),
            lambda: 0.1,
            seed: 0,
        }
    }
}

impl RidgeParams {
    /// Gene-side principal components k (capped at observed − 1 and genes).
    pub fn pcs(mut self, pcs: NonZeroUsize) -> Self {
        self.pcs = pcs;
        self
    }
    /// Ridge penalty λ > 0.
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.lambda = lambda;
        self
    }
    /// Seed of the randomized SVD.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Checks the parameters.
    pub fn check(self) -> Result<Ridge, PredictError> {
        if !(self.lambda.is_finite() && self.lambda > 0.0) {
            return Err(PredictError::InvalidParameter {
                predictor: "ridge".into(),
                parameter: "lambda",
                value: self.lambda.to_string(),
                expected: "a finite number > 0",
            });
        }
        Ok(Ridge { params: self })
    }
}

/// A fitted ridge model: b and W = G K.
#[derive(Debug, Clone)]
pub struct FittedRidge {
    mean: Array1<f32>,
    weights: Array2<f32>,
    embedding: Arc<Embedding>,
}

impl Predictor for Ridge {
    fn name(&self) -> &str {
        "ridge"
    }

    fn fit<'s>(&self, train: &Observed<'s>) -> Result<Box<dyn Fitted + 's>, PredictError> {
        Ok(Box::new(self.fit_ridge(train)?))
    }
}

impl Ridge {
    /// Fits, keeping the concrete type.
    pub fn fit_ridge(&self, train: &Observed<'_>) -> Result<FittedRidge, PredictError> {
        require_observed(self.name(), train, 1)?;
        let p = &self.params;
        if p.embedding.len() != train.n_perturbations() {
            return Err(PredictError::InvalidParameter {
                predictor: "ridge".into(),
                parameter: "embedding rows",
                value: p.embedding.len().to_string(),
                expected: "one row per screen perturbation",
            });
        }
        let linalg = |message: String| PredictError::Linalg {
            predictor: "ridge".into(),
            message,
        };
        let mut y = train.matrix();
        let mean = train.mean();
        y -= &mean;
        let k = p
            .pcs
            .get()
            .min(train.len().saturating_sub(1))
            .min(y.ncols());
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(p.seed);
        let (u, s, vt) = truncated_svd(y.view(), k, &mut rng).map_err(linalg)?;
        let p_obs = p.embedding.vectors().select(Axis(0), train.rows());
        let inv = ridge_inverse(p_obs.view(), p.lambda).map_err(linalg)?;
        // K = S Uᵀ P (PᵀP + λI)⁻¹ / (1 + λ): r × d.
        let su = (&u * &s.insert_axis(Axis(0))).t().mapv(f64::from);
        let k_mat = su.dot(&p_obs.mapv(f64::from)).dot(&inv) / (1.0 + p.lambda);
        let weights = vt.t().dot(&k_mat.mapv(|v| v as f32)); // genes × d
        Ok(FittedRidge {
            mean,
            weights,
            embedding: Arc::clone(&p.embedding),
        })
    }
}

impl Fitted for FittedRidge {
    fn n_genes(&self) -> usize {
        self.mean.len()
    }
    fn predict_into(&self, queries: &[usize], mut out: ArrayViewMut2<'_, f32>) -> Support {
        check_shape(&out, queries, self.mean.len());
        let mut support = Support::default();
        for (&q, mut row) in queries.iter().zip(out.rows_mut()) {
            let e = self.embedding.row(q);
            if e.iter().all(|&v| v == 0.0) {
                support.fallbacks += 1;
            }
            row.assign(&self.mean);
            if self.weights.ncols() > 0 {
                row += &self.weights.dot(&e);
            }
        }
        support
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Screen, ValueKind};
    use crate::predict::predict;
    use ndarray::array;

    predictor_suite!(
        |s: &crate::data::Screen, g: &crate::priors::Graph| {
            let mut rng = <Xoshiro256PlusPlus as rand::SeedableRng>::seed_from_u64(1);
            let e = Embedding::spectral(g, s.layout(), 8, &mut rng).unwrap();
            Box::new(Ridge::params(Arc::new(e)).check().unwrap()) as Box<dyn Predictor>
        },
        planted = true
    );

    #[test]
    fn one_pc_one_dimension_by_hand() {
        // Responses of A, B lie on one gene direction v = (1, 0); embedding p = (1), (−1), (2).
        // Centred Y = [[1, 0], [−1, 0]] → G = ±(1, 0), S Uᵀ = ±(1, −1).
        // K = (1·1 + (−1)(−1)) / (2 + λ) / (1 + λ) with λ = 1: 2/3/2 = 1/3, so C gets
        // b + (1/3)·2·(1, 0) = (2, 5) + (2/3, 0).
        let s = Screen::from_responses(
            ["A", "B", "C"].map(String::from).to_vec(),
            vec!["x".into(), "y".into()],
            array![[3.0, 5.0], [1.0, 5.0], [9.0, 9.0]],
            ValueKind::Response,
        )
        .unwrap();
        let e = Arc::new(Embedding::from_vectors(array![[1.0], [-1.0], [2.0]]));
        let model = Ridge::params(e).lambda(1.0).check().unwrap();
        let (p, _) = predict(
            &*model.fit(&Observed::reveal(&s, vec![0, 1])).unwrap(),
            &[2],
        );
        assert!((p[[0, 0]] - (2.0 + 2.0 / 3.0)).abs() < 1e-5, "{p}");
        assert!((p[[0, 1]] - 5.0).abs() < 1e-5, "{p}");
    }

    #[test]
    fn a_graph_without_the_screen_s_perturbations_gives_the_mean() {
        let s = Screen::from_responses(
            ["A", "B", "C"].map(String::from).to_vec(),
            vec!["x".into()],
            array![[1.0], [3.0], [9.0]],
            ValueKind::Response,
        )
        .unwrap();
        let mut b = crate::priors::Graph::builder(false);
        b.add_edge("Y", "Z", 1.0, 0);
        let mut rng = <Xoshiro256PlusPlus as rand::SeedableRng>::seed_from_u64(1);
        let e = Embedding::spectral(&b.build(), s.layout(), 4, &mut rng).unwrap();
        assert_eq!(e.dim(), 0);
        let model = Ridge::params(Arc::new(e)).check().unwrap();
        let (p, support) = predict(
            &*model.fit(&Observed::reveal(&s, vec![0, 1])).unwrap(),
            &[2],
        );
        assert_eq!(p[[0, 0]], 2.0);
        assert_eq!(support.fallbacks, 1);
    }

    #[test]
    fn bad_lambda_and_misaligned_embeddings_are_refused() {
        let e = Arc::new(Embedding::from_vectors(array![[1.0]]));
        let err = Ridge::params(Arc::clone(&e))
            .lambda(0.0)
            .check()
            .unwrap_err();
        assert!(err.to_string().contains("invalid lambda 0"), "{err}");
        let s = Screen::from_responses(
            ["A", "B"].map(String::from).to_vec(),
            vec!["x".into()],
            array![[1.0], [2.0]],
            ValueKind::Response,
        )
        .unwrap();
        let err = Ridge::params(e)
            .check()
            .unwrap()
            .fit(&Observed::reveal(&s, vec![0]))
            .err()
            .unwrap();
        assert!(err.to_string().contains("embedding rows 1"), "{err}");
    }
}

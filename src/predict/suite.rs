//! `predictor_suite!`: the tests every predictor runs, on a screen with planted structure.
//!
//! The planted screen has modules of perturbations sharing one response signature (plus noise)
//! and a graph linking perturbations within a module, so a method that reads the graph can beat
//! the training mean, which cannot.

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::data::{Screen, ValueKind};
use crate::priors::Graph;

/// A planted screen: `modules × per_module` perturbations `P0…`, `genes` readouts `g0…`; a module
/// shares a signature; the undirected graph links members of one module (ring plus chords).
pub(crate) fn planted(
    modules: usize,
    per_module: usize,
    genes: usize,
    noise: f32,
) -> (Screen, Graph) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let n = modules * per_module;
    let signatures: Vec<Vec<f32>> = (0..modules)
        .map(|_| {
            (0..genes)
                .map(|_| 2.0 * Distribution::<f32>::sample(&StandardNormal, &mut rng))
                .collect()
        })
        .collect();
    let mut y = Array2::<f32>::zeros((n, genes));
    for p in 0..n {
        for g in 0..genes {
            let e: f32 = StandardNormal.sample(&mut rng);
            y[[p, g]] = signatures[p / per_module][g] + noise * e;
        }
    }
    let names: Vec<String> = (0..n).map(|p| format!("P{p}")).collect();
    let mut b = Graph::builder(false);
    for m in 0..modules {
        for i in 0..per_module {
            let a = m * per_module + i;
            let c = m * per_module + (i + 1) % per_module;
            b.add_edge(&names[a], &names[c], 1.0, 0);
            let d = m * per_module + (i + 3) % per_module;
            if d != a && rng.random_bool(0.7) {
                b.add_edge(&names[a], &names[d], 0.5, 0);
            }
        }
    }
    let screen = Screen::from_responses(
        names,
        (0..genes).map(|g| format!("g{g}")).collect(),
        y,
        ValueKind::Response,
    )
    .unwrap();
    (screen, b.build())
}

/// A screen whose perturbations all have the same response: no predictor can beat the mean and
/// none may do worse.
pub(crate) fn constant(graph_from: &Graph, genes: usize) -> Screen {
    let n = graph_from.node_count();
    let row: Vec<f32> = (0..genes).map(|g| g as f32 * 0.5 - 3.0).collect();
    let y = Array2::from_shape_fn((n, genes), |(_, g)| row[g]);
    Screen::from_responses(
        graph_from.names().to_vec(),
        (0..genes).map(|g| format!("g{g}")).collect(),
        y,
        ValueKind::Response,
    )
    .unwrap()
}

/// Mean squared error of predictions against the screen rows.
pub(crate) fn mse(screen: &Screen, queries: &[usize], pred: &Array2<f32>) -> f64 {
    let mut total = 0.0;
    for (i, &q) in queries.iter().enumerate() {
        for (a, b) in pred.row(i).iter().zip(screen.response().row(q)) {
            total += f64::from(a - b).powi(2);
        }
    }
    total / pred.len() as f64
}

/// Runs the shared predictor tests. `$make` is a closure `|&Screen, &Graph| -> Box<dyn Predictor>`;
/// `planted = true` also asserts the predictor beats the training mean on the planted screen.
macro_rules! predictor_suite {
    ($make:expr, planted = $planted:expr) => {
        mod suite {
            #[allow(unused_imports)]
            use super::*;
            use crate::predict::suite::{constant, mse, planted};
            use crate::predict::{Observed, PredictError, Predictor, TrainingMean, predict};

            fn make(s: &crate::data::Screen, g: &crate::priors::Graph) -> Box<dyn Predictor> {
                #[allow(clippy::redundant_closure_call)]
                ($make)(s, g)
            }

            #[test]
            fn an_empty_observed_set_is_an_error() {
                let (s, g) = planted(3, 6, 12, 0.3);
                let err = make(&s, &g)
                    .fit(&Observed::reveal(&s, vec![]))
                    .err()
                    .unwrap();
                assert!(
                    matches!(err, PredictError::TooFewObserved { got: 0, .. }),
                    "{err:?}"
                );
            }

            #[test]
            fn predictions_have_one_row_per_query() {
                let (s, g) = planted(3, 6, 12, 0.3);
                let obs = Observed::reveal(&s, vec![0, 1, 2, 6, 7, 8, 12, 13, 14]);
                let model = make(&s, &g).fit(&obs).unwrap();
                assert_eq!(model.n_genes(), 12);
                let (p, support) = predict(&*model, &[3, 4, 17]);
                assert_eq!(p.shape(), &[3, 12]);
                assert!(support.fallbacks <= 3);
                assert!(p.iter().all(|v| v.is_finite()));
                let (p0, _) = predict(&*model, &[]);
                assert_eq!(p0.shape(), &[0, 12]);
            }

            #[test]
            fn fitting_twice_gives_identical_predictions() {
                let (s, g) = planted(3, 6, 12, 0.3);
                let obs = Observed::reveal(&s, vec![0, 2, 6, 8, 12, 14]);
                let queries = obs.unobserved();
                let a = predict(&*make(&s, &g).fit(&obs).unwrap(), &queries).0;
                let b = predict(&*make(&s, &g).fit(&obs).unwrap(), &queries).0;
                assert_eq!(a, b);
            }

            #[test]
            fn when_every_response_is_the_same_the_prediction_is_that_response() {
                let (_, g) = planted(3, 6, 12, 0.3);
                let s = constant(&g, 12);
                let obs = Observed::reveal(&s, vec![0, 1, 5, 9, 13]);
                let queries = obs.unobserved();
                let (p, _) = predict(&*make(&s, &g).fit(&obs).unwrap(), &queries);
                for (i, &q) in queries.iter().enumerate() {
                    for (a, b) in p.row(i).iter().zip(s.response().row(q)) {
                        assert!((a - b).abs() < 1e-4, "query {q}: {a} vs {b}");
                    }
                }
            }

            #[test]
            fn on_planted_modules_the_graph_beats_the_mean_when_it_should() {
                let (s, g) = planted(4, 8, 40, 0.3);
                // Three observed members per module.
                let obs = Observed::reveal(&s, vec![0, 3, 5, 8, 11, 13, 16, 19, 21, 24, 27, 29]);
                let queries = obs.unobserved();
                let ours = mse(
                    &s,
                    &queries,
                    &predict(&*make(&s, &g).fit(&obs).unwrap(), &queries).0,
                );
                let mean = mse(
                    &s,
                    &queries,
                    &predict(&*TrainingMean.fit(&obs).unwrap(), &queries).0,
                );
                if $planted {
                    assert!(ours < 0.5 * mean, "ours {ours} vs mean {mean}");
                } else {
                    assert!(ours <= mean * 1.0001, "ours {ours} vs mean {mean}");
                }
            }
        }
    };
}

//! Times the ridge predictor's fit on a synthetic 2,000 × 8,000 screen (all 2,000 perturbations
//! observed) with a 10-dimensional spectral embedding of a random graph. Run through
//! `experiments/perf/ridge_fit.sh`; prints one line per repetition and the median.
//!
//! The data are built outside the timed region; the embedding (prior-only, computed once per
//! screen and graph) is timed separately from the fit (what a design loop repeats every round).

use std::sync::Arc;
use std::time::Instant;

use mechpert::data::{Screen, ValueKind};
use mechpert::predict::{Embedding, Observed, Predictor, Ridge};
use mechpert::priors::Graph;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

fn main() {
    let (perts, genes, rank) = (2_000, 8_000, 20);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut normal = || -> f32 { StandardNormal.sample(&mut rng) };
    let a = Array2::from_shape_simple_fn((perts, rank), &mut normal);
    let b = Array2::from_shape_simple_fn((rank, genes), &mut normal);
    let mut y = a.dot(&b);
    y.mapv_inplace(|v| v + normal());
    let names: Vec<String> = (0..perts).map(|p| format!("P{p}")).collect();
    let screen = Screen::from_responses(
        names.clone(),
        (0..genes).map(|g| format!("g{g}")).collect(),
        y,
        ValueKind::Response,
    )
    .expect("valid screen");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
    let mut gb = Graph::builder(false);
    for p in 0..perts {
        for _ in 0..10 {
            let q = rng.random_range(0..perts);
            if q != p {
                gb.add_edge(&names[p], &names[q], rng.random_range(0.4..1.0), 0);
            }
        }
    }
    let graph = gb.build();
    let t = Instant::now();
    let embedding = Embedding::spectral(&graph, screen.layout(), 10, &mut rng).expect("embedding");
    let embed_s = t.elapsed().as_secs_f64();
    let ridge = Ridge::params(Arc::new(embedding)).check().expect("valid");
    let observed = Observed::reveal(&screen, (0..perts).collect());
    let mut times = Vec::new();
    for rep in 0..5 {
        let t = Instant::now();
        let model = ridge.fit(&observed).expect("fit");
        let s = t.elapsed().as_secs_f64();
        std::hint::black_box(&model);
        println!("rep {rep}: ridge fit {perts} x {genes}: {s:.3} s");
        times.push(s);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "median ridge fit {perts} x {genes} (10 PCs, 10-dim embedding): {:.3} s; spectral embedding once: {embed_s:.3} s",
        times[2]
    );
}

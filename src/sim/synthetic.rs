//! A synthetic regulatory network over real gene symbols, for tests and for simulations that
//! should not depend on a resource. It is a random graph, not biology.
//!
//! From background symbols (shuffled with the caller's RNG), the first
//! ⌈0.6 · perturbations⌉ become regulators and the first `genes` the target pool; every regulator
//! gets 1 + NegBin(mean 9, dispersion 1) distinct targets drawn uniformly from the pool
//! (heavy-tailed out-degrees, as in CollecTRI), each edge activating with probability 0.6.

use rand::Rng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::Checked;
use super::cells::neg_bin;
use crate::priors::Graph;

/// Fraction of perturbations that are regulators in the synthetic network.
const REGULATOR_FRACTION: f64 = 0.6;
/// Mean extra out-degree of a regulator.
const EXTRA_DEGREE: f64 = 9.0;
/// Probability that an edge activates.
const ACTIVATING: f64 = 0.6;

/// Draws a synthetic directed, signed graph (edge weights 1).
pub fn network(params: &Checked, background: &[String], rng: &mut Xoshiro256PlusPlus) -> Graph {
    let mut names: Vec<&str> = background.iter().map(String::as_str).collect();
    names.shuffle(rng);
    let pool = &names[..params.genes.min(names.len())];
    let regulators =
        ((params.perturbations as f64 * REGULATOR_FRACTION).ceil() as usize).min(pool.len());
    let mut b = Graph::builder(true);
    for &reg in &pool[..regulators] {
        let degree = (1 + neg_bin(EXTRA_DEGREE, 1.0, rng) as usize).min(pool.len());
        let mut seen = std::collections::HashSet::new();
        while seen.len() < degree {
            let t = pool[rng.random_range(0..pool.len())];
            if seen.insert(t) {
                let sign = if rng.random_bool(ACTIVATING) { 1 } else { -1 };
                b.add_edge(reg, t, 1.0, sign);
            }
        }
    }
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Preset, SimParams};
    use rand::SeedableRng;

    #[test]
    fn regulators_and_degrees_are_as_documented() {
        let bg: Vec<String> = (0..5000).map(|i| format!("G{i}")).collect();
        let p = SimParams::preset(Preset::Small).check().unwrap();
        let g = network(&p, &bg, &mut Xoshiro256PlusPlus::seed_from_u64(1));
        let regs = (0..g.node_count() as u32)
            .filter(|&n| g.out_degree(n) > 0)
            .count();
        assert_eq!(regs, 120);
        let mean = g.edge_count() as f64 / regs as f64;
        // 1 + NegBin(9, 1): mean 10, SD ≈ 9.5; SE of the mean of 120 ≈ 0.9.
        assert!((mean - 10.0).abs() < 3.0, "{mean}");
        let positive = g.edges().iter().filter(|e| e.sign > 0).count() as f64;
        assert!((positive / g.edge_count() as f64 - 0.6).abs() < 0.06);
    }
}

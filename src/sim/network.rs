//! The simulated gene universe and its weighted regulatory network.
//!
//! In: a directed, signed resource [`Graph`], background gene symbols, checked knobs and the
//! caller's RNG. Out: a [`Network`] over the measured genes (perturbed genes first) with signed
//! weights W, rescaled so that ρ(|W|) is at most `spectral_radius` (hence ρ(W) < 1 and the
//! steady state exists).
//!
//! Choosing genes, like an essential screen:
//! 1. perturbed genes ([`super::pool`]): ⌈`pool_regulators` · perturbations⌉ resource
//!    regulators (out-degree > 0) in random order, then their targets (round-robin), then other
//!    regulators, other resource nodes and background genes, until `perturbations` are chosen;
//! 2. measured genes: the perturbed genes, then their targets (round-robin over the perturbed
//!    genes, each one's targets in random order, so every regulator keeps targets when the
//!    universe is small), then other resource nodes, then background genes, until `genes` are
//!    chosen.
//!
//! Resource names containing `:` (complexes such as `COMPLEX:A_B`, unmapped identifiers) are
//! skipped. Edges of the resource between two measured genes are kept (repeated edges once); each
//! gets |w| ~ LogNormal(weight_log_mean, weight_log_sd) times the resource's sign (an unsigned
//! edge activates with probability `unknown_sign_positive`); each magnitude is then divided by
//! (Σ of its target's input magnitudes)^α (α = `input_normalisation`; with α = 1 the inputs of
//! every target sum to 1, so hubs of the resource do not dominate); finally all weights are
//! multiplied by one factor
//! c = spectral_radius / bound(ρ(|W|)) (see [`super::spectral`]), or c = spectral_radius when
//! the network has no cycle (ρ = 0).

use std::collections::{HashMap, HashSet};

use rand::Rng;
use rand::seq::SliceRandom;
use rand_distr::{Distribution, LogNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::spectral::{RadiusBound, is_acyclic, radius_bound};
use super::{Checked, SimError, pool};
use crate::priors::Graph;

/// One weighted edge of the simulated network, between measured-gene indices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimEdge {
    /// Regulator (column of W).
    pub regulator: u32,
    /// Target (row of W).
    pub target: u32,
    /// Signed weight W[target, regulator] after rescaling.
    pub weight: f64,
}

/// The measured genes and the weighted network between them.
#[derive(Debug, Clone)]
pub struct Network {
    genes: Vec<String>,
    n_perturbed: usize,
    edges: Vec<SimEdge>,
    scale: f64,
    radius: RadiusBound,
}

impl Network {
    /// Picks the genes and weights the edges (see the module documentation).
    pub fn build(
        params: &Checked,
        graph: &Graph,
        background: &[String],
        rng: &mut Xoshiro256PlusPlus,
    ) -> Result<Network, SimError> {
        if !graph.is_directed() && graph.edge_count() > 0 {
            return Err(SimError::Undirected);
        }
        let usable = |name: &str| !name.contains(':') && !name.trim().is_empty();
        let mut regulators: Vec<u32> = Vec::new();
        let mut others: Vec<u32> = Vec::new();
        for node in 0..graph.node_count() as u32 {
            if !usable(graph.name(node)) {
                continue;
            }
            if graph.out_degree(node) > 0 {
                regulators.push(node);
            } else {
                others.push(node);
            }
        }
        regulators.shuffle(rng);
        others.shuffle(rng);
        let mut in_graph: HashSet<&str> = graph.names().iter().map(String::as_str).collect();
        let mut fill: Vec<&str> = Vec::new();
        for name in background {
            // `insert` also drops repeated background names.
            if usable(name) && in_graph.insert(name.as_str()) {
                fill.push(name);
            }
        }
        fill.shuffle(rng);

        let mut picker = Picker::default();
        let names = |ids: &[u32]| ids.iter().map(|&n| graph.name(n)).collect::<Vec<_>>();
        let first = pool::regulator_slots(params.pool_regulators, params.perturbations);
        picker.take(names(&regulators), first);
        let chosen = picker.genes.clone();
        let regulated = pool::round_robin_targets(graph, &chosen, usable, rng);
        picker.take(regulated, params.perturbations);
        picker.take(names(&regulators), params.perturbations);
        picker.take(names(&others), params.perturbations);
        picker.take(fill.clone(), params.perturbations);
        if picker.genes.len() < params.perturbations {
            return Err(SimError::TooFewGenes {
                what: "perturbed genes",
                wanted: params.perturbations,
                available: picker.genes.len(),
            });
        }
        let n_perturbed = picker.genes.len();
        // Targets round-robin over the perturbed genes, so that every regulator keeps some
        // targets when the universe is smaller than all their targets.
        let perturbed = picker.genes.clone();
        let targets = pool::round_robin_targets(graph, &perturbed, usable, rng);
        picker.take(targets, params.genes);
        picker.take(names(&regulators), params.genes);
        picker.take(names(&others), params.genes);
        picker.take(fill, params.genes);
        if picker.genes.len() < params.genes {
            return Err(SimError::TooFewGenes {
                what: "measured genes",
                wanted: params.genes,
                available: picker.genes.len(),
            });
        }
        let genes: Vec<String> = picker.genes.iter().map(|s| s.to_string()).collect();

        let index: HashMap<&str, u32> = genes
            .iter()
            .enumerate()
            .map(|(i, g)| (g.as_str(), i as u32))
            .collect();
        let magnitude = LogNormal::new(params.weight_log_mean, params.weight_log_sd)
            .expect("finite mean and sd ≥ 0 checked");
        let mut kept = HashSet::new();
        let mut raw: Vec<(u32, u32, f64)> = Vec::new();
        for e in graph.edges() {
            let (Some(&r), Some(&t)) = (
                index.get(graph.name(e.source)),
                index.get(graph.name(e.target)),
            ) else {
                continue;
            };
            if !kept.insert((r, t)) {
                continue;
            }
            let sign = match e.sign {
                s if s > 0 => 1.0,
                s if s < 0 => -1.0,
                _ if rng.random_bool(params.unknown_sign_positive) => 1.0,
                _ => -1.0,
            };
            raw.push((r, t, sign * magnitude.sample(rng)));
        }
        let mut input_sum = vec![0.0f64; genes.len()];
        for &(_, t, w) in &raw {
            input_sum[t as usize] += w.abs();
        }
        for e in &mut raw {
            e.2 /= input_sum[e.1 as usize].powf(params.input_normalisation);
        }
        // An acyclic network has ρ = 0 exactly (the power iteration would only creep towards
        // it): it is damped by spectral_radius per edge instead.
        let acyclic = is_acyclic(genes.len(), &raw);
        let before = radius_bound(genes.len(), &raw, params.power_iterations);
        let scale = if acyclic {
            params.spectral_radius
        } else {
            params.spectral_radius / before.bound
        };
        for e in &mut raw {
            e.2 *= scale;
        }
        let radius = if acyclic {
            RadiusBound {
                estimate: 0.0,
                bound: 0.0,
                iterations: 0,
            }
        } else {
            radius_bound(genes.len(), &raw, params.power_iterations)
        };
        // The bound is rigorous; the estimate must come close to it, or the rescaled network
        // propagates much less than asked for.
        if radius.bound.is_nan()
            || radius.bound >= 1.0
            || (!acyclic && radius.estimate < 0.9 * params.spectral_radius)
        {
            return Err(SimError::SpectralRadius {
                target: params.spectral_radius,
                iterations: radius.iterations,
                estimate: radius.estimate,
                bound: radius.bound,
            });
        }
        let edges = raw
            .into_iter()
            .map(|(regulator, target, weight)| SimEdge {
                regulator,
                target,
                weight,
            })
            .collect();
        Ok(Network {
            genes,
            n_perturbed,
            edges,
            scale,
            radius,
        })
    }

    /// Measured gene names; the first [`Network::n_perturbed`] are the perturbed genes.
    pub fn genes(&self) -> &[String] {
        &self.genes
    }
    /// Number of perturbed genes.
    pub fn n_perturbed(&self) -> usize {
        self.n_perturbed
    }
    /// Edges with their final signed weights, in resource order.
    pub fn edges(&self) -> &[SimEdge] {
        &self.edges
    }
    /// The factor all drawn weights were multiplied by.
    pub fn scale(&self) -> f64 {
        self.scale
    }
    /// ρ(|W|) after rescaling: estimate and rigorous bound.
    pub fn radius(&self) -> RadiusBound {
        self.radius
    }
}

/// Collects distinct names in order up to a limit.
#[derive(Default)]
struct Picker<'a> {
    genes: Vec<&'a str>,
    chosen: HashSet<&'a str>,
}

impl<'a> Picker<'a> {
    fn take(&mut self, candidates: Vec<&'a str>, limit: usize) {
        for name in candidates {
            if self.genes.len() >= limit {
                return;
            }
            if self.chosen.insert(name) {
                self.genes.push(name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Preset, SimParams};
    use rand::SeedableRng;

    /// A pool of regulators first (`pool_regulators` = 1), as a TF screen draws it.
    fn params(perturbations: usize, genes: usize) -> Checked {
        let mut p = SimParams::preset(Preset::Small);
        p.perturbations = perturbations;
        p.genes = genes;
        p.pool_regulators = 1.0;
        p.check().unwrap()
    }

    fn toy() -> Graph {
        let mut b = Graph::builder(true);
        b.add_edge("A", "B", 1.0, 1);
        b.add_edge("B", "A", 1.0, -1);
        b.add_edge("B", "C", 1.0, 0);
        b.add_edge("C", "D", 1.0, 1);
        b.add_edge("C", "D", 1.0, 1);
        b.add_edge("COMPLEX:X_Y", "D", 1.0, 1);
        b.add_edge("A", "D", 1.0, -1);
        b.build()
    }

    #[test]
    fn regulators_are_perturbed_first_and_targets_measured_next() {
        let bg: Vec<String> = ["Z1", "Z2", "A", "Z3"].map(String::from).to_vec();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let n = Network::build(&params(3, 6), &toy(), &bg, &mut rng).unwrap();
        let perturbed: HashSet<&str> = n.genes()[..3].iter().map(String::as_str).collect();
        assert_eq!(perturbed, HashSet::from(["A", "B", "C"]));
        assert_eq!(n.genes()[3], "D", "the only remaining target comes next");
        assert!(n.genes()[4..].iter().all(|g| g.starts_with('Z')));
        assert!(!n.genes().iter().any(|g| g.contains(':')));
        // A→B, B→A, B→C, C→D once, A→D.
        assert_eq!(n.edges().len(), 5);
        // Edge signs follow the resource.
        let idx = |g: &str| n.genes().iter().position(|x| x == g).unwrap() as u32;
        let w = |r, t| {
            n.edges()
                .iter()
                .find(|e| e.regulator == idx(r) && e.target == idx(t))
                .unwrap()
                .weight
        };
        assert!(w("A", "B") > 0.0 && w("B", "A") < 0.0 && w("C", "D") > 0.0);
        // The A⇄B cycle has ρ = sqrt(|w_AB w_BA|): rescaled to the target 0.8.
        let rho = (w("A", "B") * w("B", "A")).abs().sqrt();
        assert!((rho - 0.8).abs() < 1e-6, "{rho}");
        assert!(n.radius().bound <= 0.8 + 1e-9);
        // Input normalisation: D's two regulators share its 0.8; C's single regulator has it all.
        assert!((w("C", "D").abs() + w("A", "D").abs() - 0.8).abs() < 1e-9);
        assert!(
            w("C", "D") != w("A", "D").abs(),
            "shares follow the drawn magnitudes"
        );
        assert!((w("B", "C") - 0.8).abs() < 1e-9 || (w("B", "C") + 0.8).abs() < 1e-9);
    }

    #[test]
    fn an_acyclic_network_is_damped_by_the_target_radius() {
        let mut b = Graph::builder(true);
        b.add_edge("A", "B", 1.0, 1);
        b.add_edge("B", "C", 1.0, -1);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let n = Network::build(&params(2, 3), &b.build(), &[], &mut rng).unwrap();
        // Single-input targets: shares of 1, times 0.8.
        let w: Vec<f64> = n.edges().iter().map(|e| e.weight).collect();
        assert_eq!(w, [0.8, -0.8]);
        assert_eq!(n.radius().bound, 0.0);
    }

    #[test]
    fn too_few_genes_is_an_error_naming_the_counts() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let err = Network::build(&params(3, 10), &toy(), &[], &mut rng).unwrap_err();
        assert!(
            matches!(
                err,
                SimError::TooFewGenes {
                    wanted: 10,
                    available: 4,
                    ..
                }
            ),
            "{err}"
        );
        let err = Network::build(&params(5, 10), &toy(), &[], &mut rng).unwrap_err();
        assert!(err.to_string().contains("5 perturbed genes"), "{err}");
    }

    #[test]
    fn undirected_graphs_are_refused() {
        let mut b = Graph::builder(false);
        b.add_edge("A", "B", 1.0, 0);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let err = Network::build(&params(1, 2), &b.build(), &[], &mut rng).unwrap_err();
        assert!(matches!(err, SimError::Undirected));
    }

    #[test]
    fn an_unreachable_radius_is_an_error() {
        // Too few power iterations on a long cycle: the estimate has not caught up with the
        // bound, so the rescaled network would propagate far less than asked.
        let mut b = Graph::builder(true);
        let names: Vec<String> = (0..200).map(|i| format!("G{i}")).collect();
        for i in 0..200 {
            b.add_edge(&names[i], &names[(i + 1) % 200], 1.0, 1);
        }
        // A heavy edge into the cycle skews the first iterations.
        b.add_edge("H", "G0", 1.0, 1);
        let mut p = SimParams::preset(Preset::Small);
        p.perturbations = 10;
        p.genes = 201;
        p.power_iterations = 10;
        p.weight_log_sd = 2.0;
        p.input_normalisation = 0.0;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
        let err = Network::build(&p.check().unwrap(), &b.build(), &[], &mut rng).unwrap_err();
        assert!(matches!(err, SimError::SpectralRadius { .. }), "{err}");
        assert!(err.to_string().contains("raise power_iterations"), "{err}");
    }
}

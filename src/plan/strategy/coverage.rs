//! `consensus` (MechPert anchors) and `hybrid`: greedy coverage of the consensus graph.
//!
//! The consensus predictor answers a query from its observed regulators, so a measured gene
//! helps every target it regulates that has no measured regulator yet. Each pick maximises the
//! weighted number of such *uncovered* targets it covers: Σ w(c → t) over unmeasured targets t
//! of candidate c that no measured or already-picked gene regulates. Picks are therefore not
//! redundant: once a target is covered, its other regulators gain nothing from it.
//!
//! When no candidate covers anything new, the rest are ranked by their total consensus
//! out-weight towards the screen's perturbations (agreement on regulating many), and genes
//! absent from the consensus graph come last in random order. `hybrid` multiplies the gain (and
//! that out-weight) by (u / max u)^w, u being the bootstrap uncertainty of the candidate, so it
//! prefers covering targets through genes the predictor knows least about.

use std::sync::Arc;

use rand::RngCore;
use rand::seq::SliceRandom;

use super::uncertainty::Uncertainty;
use super::{Pick, Strategy, StrategyError, View, some_names};
use crate::data::Layout;
use crate::priors::Graph;

/// The consensus graph seen from a screen's rows: for each row, its regulated rows and weights.
#[derive(Debug)]
pub struct CoverageGraph {
    targets: Vec<Vec<(usize, f64)>>,
    regulators: Vec<Vec<usize>>,
    in_graph: Vec<bool>,
    out_weight: Vec<f64>,
}

impl CoverageGraph {
    /// The edges of `consensus` (regulator → target) between perturbations of `layout`.
    pub fn new(consensus: &Graph, layout: &Layout) -> CoverageGraph {
        let n = layout.n_perturbations();
        let row_of = layout.perturbation_index();
        let mut targets = vec![Vec::new(); n];
        let mut regulators = vec![Vec::new(); n];
        let mut in_graph = vec![false; n];
        for (r, name) in layout.perturbations().iter().enumerate() {
            let Some(node) = consensus.node(name) else {
                continue;
            };
            in_graph[r] = true;
            let mut out: Vec<(u32, f32)> = consensus.out_neighbours(node).collect();
            if !consensus.is_directed() {
                out.extend(consensus.in_neighbours(node));
            }
            for (t, w) in out {
                if let Some(&tr) = row_of.get(consensus.name(t)) {
                    if tr != r && w > 0.0 {
                        targets[r].push((tr, f64::from(w)));
                        regulators[tr].push(r);
                    }
                }
            }
        }
        let out_weight = targets
            .iter()
            .map(|t| t.iter().map(|x| x.1).sum())
            .collect();
        CoverageGraph {
            targets,
            regulators,
            in_graph,
            out_weight,
        }
    }

    /// Greedy coverage picks; `factor(i)` scales candidate `i`'s gain (1 for `consensus`).
    fn greedy(
        &self,
        view: &View<'_, '_>,
        k: usize,
        factor: &dyn Fn(usize) -> f64,
        rng: &mut dyn RngCore,
    ) -> Vec<(usize, f64, Vec<usize>)> {
        let n = self.targets.len();
        let mut measured = vec![false; n];
        for &r in view.observed.rows() {
            measured[r] = true;
        }
        let mut covered: Vec<bool> = (0..n)
            .map(|t| self.regulators[t].iter().any(|&g| measured[g]))
            .collect();
        // Candidate positions, shuffled once so that ties go to the generator.
        let mut order: Vec<usize> = (0..view.candidates.len()).collect();
        order.shuffle(rng);
        let mut taken = vec![false; view.candidates.len()];
        let mut out = Vec::new();
        for _ in 0..k.min(view.candidates.len()) {
            let gain_of = |i: usize| -> (f64, Vec<usize>) {
                let c = view.candidates[i];
                let open: Vec<(usize, f64)> = self.targets[c]
                    .iter()
                    .filter(|&&(t, _)| !measured[t] && !covered[t])
                    .copied()
                    .collect();
                let gain = open.iter().map(|x| x.1).sum::<f64>();
                (gain * factor(i), open.into_iter().map(|x| x.0).collect())
            };
            let mut best: Option<(usize, f64, f64, Vec<usize>)> = None;
            for &i in &order {
                if taken[i] || !self.in_graph[view.candidates[i]] {
                    continue;
                }
                let (gain, newly) = gain_of(i);
                let tie = self.out_weight[view.candidates[i]] * factor(i);
                let better = match &best {
                    None => true,
                    Some((_, g, t, _)) => gain > *g || (gain == *g && tie > *t),
                };
                if better {
                    best = Some((i, gain, tie, newly));
                }
            }
            let (i, gain, newly) = match best {
                Some((i, gain, _, newly)) => (i, gain, newly),
                // Only genes outside the graph are left: the shuffled order decides.
                None => match order.iter().find(|&&i| !taken[i]) {
                    Some(&i) => (i, 0.0, Vec::new()),
                    None => break,
                },
            };
            taken[i] = true;
            let c = view.candidates[i];
            measured[c] = true;
            for &t in &newly {
                covered[t] = true;
            }
            out.push((c, gain, newly));
        }
        out
    }

    fn rationale(&self, view: &View<'_, '_>, row: usize, gain: f64, newly: &[usize]) -> String {
        let names = view.observed.perturbations();
        if !self.in_graph[row] {
            return "not in the consensus graph: ranked after every gene it holds, in random order"
                .into();
        }
        if newly.is_empty() {
            return format!(
                "covers no new target; ranked by its consensus out-weight {:.3} over {} regulated genes",
                self.out_weight[row],
                self.targets[row].len()
            );
        }
        let listed: Vec<&str> = newly.iter().map(|&t| names[t].as_str()).collect();
        format!(
            "regulates {} of the still uncovered targets according to the consensus (gain {gain:.3}), incl. {}",
            newly.len(),
            some_names(&listed, 4)
        )
    }
}

/// The `consensus` strategy.
#[derive(Debug, Clone)]
pub struct Coverage {
    graph: Arc<CoverageGraph>,
}

impl Coverage {
    /// Greedy coverage of `graph`.
    pub fn new(graph: Arc<CoverageGraph>) -> Coverage {
        Coverage { graph }
    }
}

impl Strategy for Coverage {
    fn name(&self) -> &str {
        "consensus"
    }
    fn select(
        &self,
        view: &View<'_, '_>,
        k: usize,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<Pick>, StrategyError> {
        Ok(self
            .graph
            .greedy(view, k, &|_| 1.0, rng)
            .into_iter()
            .map(|(row, gain, newly)| Pick {
                score: Some(gain),
                coverage_gain: Some(gain),
                ..Pick::new(row, self.graph.rationale(view, row, gain, &newly))
            })
            .collect())
    }
}

/// The `hybrid` strategy: coverage gain × (uncertainty / max uncertainty)^weight.
#[derive(Debug, Clone)]
pub struct Hybrid {
    graph: Arc<CoverageGraph>,
    uncertainty: Uncertainty,
    weight: f64,
}

impl Hybrid {
    /// Over `graph`, with `uncertainty` refits and exponent `weight` (0 = pure coverage).
    pub fn new(graph: Arc<CoverageGraph>, uncertainty: Uncertainty, weight: f64) -> Hybrid {
        Hybrid {
            graph,
            uncertainty,
            weight,
        }
    }
}

impl Strategy for Hybrid {
    fn name(&self) -> &str {
        "hybrid"
    }
    fn select(
        &self,
        view: &View<'_, '_>,
        k: usize,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<Pick>, StrategyError> {
        // Before anything is observed there is no model to be uncertain about: coverage only.
        let u = match view.model {
            Some(_) if !view.observed.is_empty() => Some(self.uncertainty.scores(view, rng)?),
            _ => None,
        };
        let max = u
            .as_ref()
            .map_or(1.0, |u| u.iter().copied().fold(0.0, f64::max));
        let factor = |i: usize| match &u {
            Some(u) if max > 0.0 => (u[i] / max).powf(self.weight),
            _ => 1.0,
        };
        let at = |row: usize| view.candidates.iter().position(|&c| c == row);
        Ok(self
            .graph
            .greedy(view, k, &factor, rng)
            .into_iter()
            .map(|(row, score, newly)| {
                let unc = u.as_ref().and_then(|u| at(row).map(|i| u[i]));
                let mut rationale = self.graph.rationale(view, row, score, &newly);
                match unc {
                    Some(v) => rationale.push_str(&format!(
                        "; bootstrap variance {v:.3e} (weight {})",
                        self.weight
                    )),
                    None => rationale.push_str("; nothing observed yet, so coverage alone"),
                }
                Pick {
                    score: Some(score),
                    coverage_gain: Some(score / at(row).map_or(1.0, factor).max(f64::MIN_POSITIVE)),
                    uncertainty: unc,
                    ..Pick::new(row, rationale)
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Screen;
    use crate::plan::strategy::tests::eight_genes;
    use crate::predict::{Observed, TrainingMean};
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// The eight-gene screen of [`eight_genes`], as a coverage graph.
    fn setup() -> (Screen, Arc<CoverageGraph>) {
        let (s, g) = eight_genes();
        let g = CoverageGraph::new(&g, s.layout());
        (s, Arc::new(g))
    }

    #[test]
    fn greedy_picks_are_not_redundant() {
        let (s, g) = setup();
        let observed = Observed::nothing(s.layout());
        let candidates: Vec<usize> = (0..8).collect();
        let view = View {
            observed: &observed,
            candidates: &candidates,
            model: None,
            predictor: &TrainingMean,
        };
        let picks = Coverage::new(g)
            .select(&view, 4, &mut Xoshiro256PlusPlus::seed_from_u64(3))
            .unwrap();
        // E first (gain 4), then A (only B is left uncovered: 1, ties with F's G: 1; A's
        // out-weight 3 beats F's 1), then F (G), then nothing new: B, C, D have out-weight 0
        // and tie with G; H (not in the graph) comes last.
        let rows: Vec<usize> = picks.iter().map(|p| p.row).collect();
        assert_eq!(&rows[..3], &[4, 0, 5]);
        assert_eq!(picks[0].coverage_gain, Some(4.0));
        assert_eq!(picks[1].coverage_gain, Some(1.0));
        assert_eq!(picks[3].coverage_gain, Some(0.0));
        assert_ne!(rows[3], 7, "H is outside the graph and ranks last");
        assert!(
            picks[0]
                .rationale
                .starts_with("regulates 2 of the still uncovered targets"),
            "{}",
            picks[0].rationale
        );
    }

    #[test]
    fn a_measured_regulator_covers_its_targets_already() {
        let (s, g) = setup();
        // E is measured: C and D are covered, so A only gains B.
        let observed = Observed::reveal(&s, vec![4]);
        let candidates: Vec<usize> = observed.unobserved();
        let view = View {
            observed: &observed,
            candidates: &candidates,
            model: None,
            predictor: &TrainingMean,
        };
        let picks = Coverage::new(g)
            .select(&view, 1, &mut Xoshiro256PlusPlus::seed_from_u64(3))
            .unwrap();
        assert_eq!((picks[0].row, picks[0].coverage_gain), (0, Some(1.0)));
    }
}

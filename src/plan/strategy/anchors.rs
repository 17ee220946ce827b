//! `anchors` (MechPert): the genes whose measurement most improves the neighbourhoods the
//! consensus predictor will answer from.
//!
//! The predictor answers a gene still to be predicted (every gene not measured: the candidates
//! and, in a fixed-test run, the test genes) from its measured consensus neighbours, weighted by
//! their consensus weights. `anchors` picks greedily by the gain of a coverage objective over
//! that kernel (see [`facility`](super::facility)): saturating coverage by default, so a target
//! keeps gaining from each further strong neighbour with diminishing returns. The variants
//! exist for the ablation table:
//!
//! | name | kernel | objective |
//! |---|---|---|
//! | `anchors` | consensus weights | saturating |
//! | `anchors:per-target` | consensus weights / each target's largest | saturating |
//! | `anchors:symmetric` | max of both directions | saturating |
//! | `anchors:graph` | the `--graph` prior's weights | saturating |
//! | `anchors:facility` | consensus weights / each target's largest | facility location |

use std::sync::Arc;

use rand::RngCore;
use rand::seq::SliceRandom;

use super::facility::{Gain, Kernel, Objective, greedy};
use super::{Pick, Strategy, StrategyError, View, some_names};
use crate::data::Layout;
use crate::priors::Graph;

/// A neighbourhood kernel over `layout`'s rows from `graph`: K(t, a) is the weight of the edge
/// a → t (a proposed as a regulator of t); an undirected graph's edges count both ways.
pub fn kernel_of(graph: &Graph, layout: &Layout) -> Kernel {
    let row_of = layout.perturbation_index();
    let mut triples = Vec::new();
    for (a, name) in layout.perturbations().iter().enumerate() {
        let Some(node) = graph.node(name) else {
            continue;
        };
        let mut out: Vec<(u32, f32)> = graph.out_neighbours(node).collect();
        if !graph.is_directed() {
            out.extend(graph.in_neighbours(node));
        }
        for (t, w) in out {
            if let Some(&t) = row_of.get(graph.name(t)) {
                triples.push((t, a, f64::from(w)));
            }
        }
    }
    Kernel::from_triples(layout.n_perturbations(), triples)
}

/// One member of the anchor family, over its kernel.
#[derive(Debug, Clone)]
pub struct Anchors {
    name: &'static str,
    kernel: Arc<Kernel>,
    objective: Objective,
    source: &'static str,
}

impl Anchors {
    /// The member `name` (see the table above) over the consensus kernel `consensus` and, for
    /// `anchors:graph`, the prior-graph kernel `graph`. `None` when the name is not of the
    /// family or its kernel is missing.
    pub fn new(name: &str, consensus: &Kernel, graph: Option<&Kernel>) -> Option<Anchors> {
        let (name, kernel, source, facility) = match name {
            "anchors" => ("anchors", consensus.clone(), "consensus", false),
            "anchors:per-target" => (
                "anchors:per-target",
                consensus.per_target(),
                "consensus",
                false,
            ),
            "anchors:symmetric" => (
                "anchors:symmetric",
                consensus.symmetric(),
                "consensus",
                false,
            ),
            "anchors:graph" => ("anchors:graph", graph?.clone(), "prior graph", false),
            "anchors:facility" => (
                "anchors:facility",
                consensus.per_target(),
                "consensus",
                true,
            ),
            _ => return None,
        };
        let objective = if facility {
            Objective::FacilityLocation
        } else {
            Objective::Saturating {
                theta: kernel.typical_best().unwrap_or(1.0),
            }
        };
        Some(Anchors {
            name,
            kernel: Arc::new(kernel),
            objective,
            source,
        })
    }

    fn rationale(&self, view: &View<'_, '_>, g: &Gain) -> String {
        if !self.kernel.knows(g.row) {
            return format!(
                "informs no gene still to predict in the {} kernel: ranked after every gene that does, in random order",
                self.source
            );
        }
        if g.raised.is_empty() {
            return format!(
                "every gene it informs in the {} kernel is measured already or picked; ranked in random order",
                self.source
            );
        }
        let names = view.observed.perturbations();
        let listed: Vec<&str> = g.raised.iter().map(|&(t, _)| names[t].as_str()).collect();
        let what = match self.objective {
            Objective::Saturating { .. } => "strengthens the measured neighbourhood",
            Objective::FacilityLocation => "raises the strongest measured neighbour",
        };
        format!(
            "{what} of {} genes still to predict (gain {:.3}), most {}",
            g.raised.len(),
            g.gain,
            some_names(&listed, 4)
        )
    }
}

impl Strategy for Anchors {
    fn name(&self) -> &str {
        self.name
    }
    fn select(
        &self,
        view: &View<'_, '_>,
        k: usize,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<Pick>, StrategyError> {
        // Ties, and the genes the kernel does not know, go in the order of one shuffle.
        let mut order = view.candidates.to_vec();
        order.shuffle(rng);
        Ok(greedy(
            &self.kernel,
            self.objective,
            view.observed.rows(),
            &order,
            k,
        )
        .into_iter()
        .map(|g| Pick {
            score: Some(g.gain),
            coverage_gain: Some(g.gain),
            ..Pick::new(g.row, self.rationale(view, &g))
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

    /// The eight-gene screen of [`eight_genes`], as a kernel.
    fn setup() -> (Screen, Kernel) {
        let (s, g) = eight_genes();
        let k = kernel_of(&g, s.layout());
        (s, k)
    }

    #[test]
    fn the_kernel_points_from_regulator_to_target() {
        let (_, k) = setup();
        assert_eq!(k.informs(0), &[(1, 1.0), (2, 1.0), (3, 1.0)]);
        assert_eq!(k.informs(4), &[(2, 2.0), (3, 2.0)]);
        assert!(!k.knows(7));
    }

    #[test]
    fn a_second_strong_regulator_still_counts() {
        let (s, k) = setup();
        let observed = Observed::nothing(s.layout());
        let candidates: Vec<usize> = (0..8).collect();
        let view = View {
            observed: &observed,
            candidates: &candidates,
            model: None,
            predictor: &TrainingMean,
        };
        let anchors = Anchors::new("anchors", &k, None).unwrap();
        let picks = anchors
            .select(&view, 8, &mut Xoshiro256PlusPlus::seed_from_u64(3))
            .unwrap();
        let rows: Vec<usize> = picks.iter().map(|p| p.row).collect();
        // θ is the median strongest weight (B 1, C 2, D 2, G 1 → 1.5). E (two targets at 2)
        // beats A (three at 1); after E, A still adds B and a second regulator to C and D, so
        // it comes before F. A set cover would count C and D as done.
        assert_eq!(&rows[..3], &[4, 0, 5]);
        assert!(
            picks[1]
                .rationale
                .starts_with("strengthens the measured neighbourhood of 3 genes still to predict"),
            "{}",
            picks[1].rationale
        );
        // B, C, D, G, H inform nobody: gain 0, after every gene that does.
        assert_eq!(rows.len(), 8);
        for p in &picks[3..] {
            assert_eq!(p.coverage_gain, Some(0.0));
            assert!(
                p.rationale.starts_with("informs no gene"),
                "{}",
                p.rationale
            );
        }
    }

    #[test]
    fn measured_genes_are_neither_picked_nor_targets() {
        let (s, k) = setup();
        let observed = Observed::reveal(&s, vec![2, 3]);
        let candidates = observed.unobserved();
        let view = View {
            observed: &observed,
            candidates: &candidates,
            model: None,
            predictor: &TrainingMean,
        };
        let picks = Anchors::new("anchors:facility", &k, None)
            .unwrap()
            .select(&view, 2, &mut Xoshiro256PlusPlus::seed_from_u64(1))
            .unwrap();
        assert!(picks.iter().all(|p| p.row != 2 && p.row != 3));
        // A still informs B (1, against nothing) plus itself: gain 2; F gains G plus itself,
        // also 2; E informs only measured genes, so itself: 1.
        let mut first: Vec<usize> = picks.iter().map(|p| p.row).collect();
        first.sort();
        assert_eq!(first, vec![0, 5]);
        assert!(picks.iter().all(|p| p.coverage_gain == Some(2.0)));
    }

    #[test]
    fn only_family_names_with_their_kernels() {
        let (_, k) = setup();
        assert!(Anchors::new("consensus", &k, None).is_none());
        assert!(Anchors::new("anchors:graph", &k, None).is_none());
        assert!(Anchors::new("anchors:graph", &k, Some(&k)).is_some());
    }
}

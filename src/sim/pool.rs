//! The perturbation pool, drawn the way screens are designed rather than uniformly.
//!
//! A TF screen perturbs regulators; an essential-gene or expressed-gene screen perturbs genes
//! of which a few are regulators and many are their targets, so that a perturbed gene's
//! upstream regulators are often perturbed too. `pool_regulators` (a fraction in [0, 1]) sets
//! the regime: the first ⌈pool_regulators · perturbations⌉ perturbed genes are resource
//! regulators (random order), then come the targets of those regulators, round-robin over the
//! regulators ([`round_robin_targets`]), then any remaining regulators, other resource nodes and
//! background genes until the pool is full.

use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::priors::Graph;

/// The targets of `sources` in `graph` (names that pass `usable`), interleaved: the first target
/// of every source, then the second of every source, …; each source's targets shuffled with
/// `rng`. Every source keeps some targets when only a prefix of the list is taken.
pub fn round_robin_targets<'a>(
    graph: &'a Graph,
    sources: &[&str],
    usable: impl Fn(&str) -> bool,
    rng: &mut Xoshiro256PlusPlus,
) -> Vec<&'a str> {
    let mut lists: Vec<Vec<&str>> = Vec::with_capacity(sources.len());
    for name in sources {
        let mut own: Vec<&str> = graph
            .node(name)
            .into_iter()
            .flat_map(|n| graph.out_neighbours(n))
            .map(|(t, _)| graph.name(t))
            .filter(|t| usable(t))
            .collect();
        own.shuffle(rng);
        lists.push(own);
    }
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    (0..longest)
        .flat_map(|i| lists.iter().filter_map(move |l| l.get(i).copied()))
        .collect()
}

/// How many of `perturbations` pool slots go to regulators first.
pub fn regulator_slots(pool_regulators: f64, perturbations: usize) -> usize {
    (pool_regulators * perturbations as f64).ceil() as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn targets_alternate_between_sources() {
        let mut b = Graph::builder(true);
        for t in ["A1", "A2", "A3"] {
            b.add_edge("A", t, 1.0, 1);
        }
        b.add_edge("B", "B1", 1.0, 1);
        b.add_edge("B", "COMPLEX:X", 1.0, 1);
        let g = b.build();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let got = round_robin_targets(&g, &["B", "A", "Z"], |n| !n.contains(':'), &mut rng);
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], "B1", "B's only usable target comes first");
        let mut rest: Vec<&str> = got[1..].to_vec();
        rest.sort();
        assert_eq!(rest, ["A1", "A2", "A3"]);
    }

    #[test]
    fn regulator_slots_round_up() {
        assert_eq!(regulator_slots(0.3, 200), 60);
        assert_eq!(regulator_slots(0.001, 200), 1);
        assert_eq!(regulator_slots(0.0, 200), 0);
        assert_eq!(regulator_slots(1.0, 7), 7);
    }
}

//! Consensus: from many agents' answers to one weighted, directed regulatory graph.
//!
//! In flows a [`Collected`] (one optional answer per target and agent); out comes a
//! [`ConsensusGraph`]: a [`Graph`] with an edge regulator → target for every candidate that at
//! least τ of the A agents who answered about the target proposed, weighted by the
//! [`Weighting`], and the same edges as [`Row`]s (`target, neighbour, weight, votes, agents`).
//!
//! A is counted per target: agents whose query failed do not count against a candidate (their
//! failures are reported separately). [`hubs::rank`] ranks the answers to the hubs question by
//! votes, then summed confidence.
//!
//! ```
//! use mechpert::agents::{Answer, Collected, Proposal};
//! use mechpert::consensus::{Consensus, Tau, Weighting};
//! let p = |g: &str, c: f32| Proposal { gene: g.into(), confidence: c, rationale: String::new() };
//! let collected = Collected {
//!     targets: vec!["KLF1".into()],
//!     agents: vec!["a".into(), "b".into(), "c".into()],
//!     answers: vec![vec![
//!         Some(Answer { proposals: vec![p("GATA1", 0.9), p("TAL1", 0.3)], ..Default::default() }),
//!         Some(Answer { proposals: vec![p("GATA1", 0.6)], ..Default::default() }),
//!         Some(Answer { proposals: vec![p("TAL1", 0.8)], ..Default::default() }),
//!     ]],
//!     failures: vec![],
//! };
//! let c = Consensus { tau: Tau::Majority, weighting: Weighting::SumOverAgents }.build(&collected);
//! // GATA1: (0.9 + 0.6) / 3 = 0.5 with 2 votes; TAL1: (0.3 + 0.8) / 3.
//! assert_eq!(c.rows[0].neighbour, "GATA1");
//! assert!((c.rows[0].weight - 0.5).abs() < 1e-6);
//! assert_eq!(c.rows[0].agents, ["a", "b"]);
//! let g = c.graph;
//! assert_eq!(g.in_degree(g.node("KLF1").unwrap()), 2);
//! ```

use std::collections::HashMap;

use crate::agents::Collected;
use crate::priors::Graph;

pub mod hubs;
pub mod io;
pub mod tau;
pub mod weighting;

pub use tau::{Tau, TauError};
pub use weighting::Weighting;

/// One consensus edge.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Row {
    /// The target gene.
    pub target: String,
    /// The agreed regulator (or similar gene).
    pub neighbour: String,
    /// Edge weight.
    pub weight: f32,
    /// Number of agents that proposed it (s).
    pub votes: usize,
    /// Agents that answered about the target (A).
    pub answered: usize,
    /// Names of the agents that proposed it, in configuration order.
    pub agents: Vec<String>,
}

/// The consensus as a graph and as rows.
#[derive(Debug, Clone)]
pub struct ConsensusGraph {
    /// Edges neighbour → target with the consensus weight (sign 0).
    pub graph: Graph,
    /// The edges by target (in the order asked), weight descending, then neighbour name.
    pub rows: Vec<Row>,
}

/// Consensus settings.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Consensus {
    /// Vote threshold.
    pub tau: Tau,
    /// Edge weighting.
    pub weighting: Weighting,
}

impl Consensus {
    /// Builds the consensus graph of the answers.
    pub fn build(&self, collected: &Collected) -> ConsensusGraph {
        let mut rows = Vec::new();
        for (t, target) in collected.targets.iter().enumerate() {
            let answers = &collected.answers[t];
            let answered = answers.iter().filter(|a| a.is_some()).count();
            if answered == 0 {
                continue;
            }
            let threshold = self.tau.threshold(answered);
            // candidate → (score sum, voters)
            let mut tally: HashMap<&str, (f32, Vec<usize>)> = HashMap::new();
            let mut order: Vec<&str> = Vec::new();
            for (a, answer) in answers.iter().enumerate() {
                let Some(answer) = answer else { continue };
                let confidences: Vec<f32> = answer.proposals.iter().map(|p| p.confidence).collect();
                let scores = match self.weighting {
                    Weighting::Borda => weighting::borda_scores(&confidences),
                    Weighting::SumOverAgents | Weighting::MeanConfidence => confidences,
                };
                for (p, score) in answer.proposals.iter().zip(scores) {
                    let e = tally.entry(p.gene.as_str()).or_insert_with(|| {
                        order.push(p.gene.as_str());
                        (0.0, Vec::new())
                    });
                    e.0 += score;
                    e.1.push(a);
                }
            }
            let mut kept: Vec<Row> = order
                .into_iter()
                .filter_map(|gene| {
                    let (sum, voters) = &tally[gene];
                    let s = voters.len();
                    if s < threshold {
                        return None;
                    }
                    let a = answered as f32;
                    let weight = match self.weighting {
                        Weighting::SumOverAgents | Weighting::Borda => sum / a,
                        Weighting::MeanConfidence => sum / s as f32,
                    };
                    Some(Row {
                        target: target.clone(),
                        neighbour: gene.to_string(),
                        weight,
                        votes: s,
                        answered,
                        agents: voters
                            .iter()
                            .map(|&i| collected.agents[i].clone())
                            .collect(),
                    })
                })
                .collect();
            kept.sort_by(|x, y| {
                y.weight
                    .total_cmp(&x.weight)
                    .then_with(|| x.neighbour.cmp(&y.neighbour))
            });
            rows.extend(kept);
        }
        let mut b = Graph::builder(true);
        for target in &collected.targets {
            b.node(target);
        }
        for r in &rows {
            b.add_edge(&r.neighbour, &r.target, r.weight, 0);
        }
        ConsensusGraph {
            graph: b.build(),
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{Answer, Proposal};

    /// An answer proposing `genes` with confidences (shared with the `hubs` tests).
    pub(super) fn answer(genes: &[(&str, f32)]) -> Option<Answer> {
        Some(Answer {
            proposals: genes
                .iter()
                .map(|(g, c)| Proposal {
                    gene: g.to_string(),
                    confidence: *c,
                    rationale: String::new(),
                })
                .collect(),
            ..Default::default()
        })
    }

    /// Four agents about target T (the fourth failed), so A = 3:
    /// a: X 0.9, Y 0.6, Z 0.3 · b: X 0.5, Z 0.5 · c: Y 1.0 · d: failed.
    fn collected() -> Collected {
        Collected {
            targets: vec!["T".into(), "U".into()],
            agents: ["a", "b", "c", "d"].map(String::from).to_vec(),
            answers: vec![
                vec![
                    answer(&[("X", 0.9), ("Y", 0.6), ("Z", 0.3)]),
                    answer(&[("X", 0.5), ("Z", 0.5)]),
                    answer(&[("Y", 1.0)]),
                    None,
                ],
                vec![None, None, None, None],
            ],
            failures: vec![],
        }
    }

    fn weights(c: &ConsensusGraph) -> Vec<(&str, f32, usize)> {
        c.rows
            .iter()
            .map(|r| (r.neighbour.as_str(), r.weight, r.votes))
            .collect()
    }

    fn close(got: Vec<(&str, f32, usize)>, want: &[(&str, f32, usize)]) {
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0, g.2), (w.0, w.2), "{got:?}");
            assert!((g.1 - w.1).abs() < 1e-6, "{got:?} vs {want:?}");
        }
    }

    #[test]
    fn sum_over_agents_by_hand() {
        let c = Consensus::default().build(&collected());
        // Majority of A = 3 is 2: X (0.9+0.5)/3, Y (0.6+1.0)/3, Z (0.3+0.5)/3.
        close(
            weights(&c),
            &[
                ("Y", 1.6 / 3.0, 2),
                ("X", 1.4 / 3.0, 2),
                ("Z", 0.8 / 3.0, 2),
            ],
        );
        assert_eq!(c.rows[0].agents, ["a", "c"]);
        assert_eq!(c.rows[0].answered, 3);
        // U had no answers: no rows, but it is a node of the graph.
        assert!(c.graph.node("U").is_some());
        let t = c.graph.node("T").unwrap();
        assert_eq!(c.graph.in_degree(t), 3);
        let y = c.graph.node("Y").unwrap();
        assert_eq!(c.graph.out_neighbours(y).next().unwrap().0, t);
    }

    #[test]
    fn mean_confidence_by_hand_differs_from_sum_over_agents() {
        let c = Consensus {
            weighting: Weighting::MeanConfidence,
            ..Consensus::default()
        }
        .build(&collected());
        // Voters' mean: Y (0.6 + 1.0)/2, X (0.9 + 0.5)/2, Z (0.3 + 0.5)/2 — not the /3 of
        // sum-over-agents.
        close(weights(&c), &[("Y", 0.8, 2), ("X", 0.7, 2), ("Z", 0.4, 2)]);
    }

    #[test]
    fn borda_by_hand() {
        let c = Consensus {
            weighting: Weighting::Borda,
            ..Consensus::default()
        }
        .build(&collected());
        // a: X 3/3, Y 2/3, Z 1/3 · b: X and Z tie at rank 1.5 → (2 − 1.5 + 1)/2 = 0.75 · c: Y 1.
        // X (1 + 0.75)/3, Y (2/3 + 1)/3, Z (1/3 + 0.75)/3.
        close(
            weights(&c),
            &[
                ("X", 1.75 / 3.0, 2),
                ("Y", (2.0 / 3.0 + 1.0) / 3.0, 2),
                ("Z", (1.0 / 3.0 + 0.75) / 3.0, 2),
            ],
        );
    }

    #[test]
    fn tau_count_and_fraction() {
        let all = Consensus {
            tau: Tau::Count(std::num::NonZeroUsize::new(1).unwrap()),
            ..Consensus::default()
        }
        .build(&collected());
        assert_eq!(all.rows.len(), 3);
        let none = Consensus {
            tau: Tau::Fraction(1.0),
            ..Consensus::default()
        }
        .build(&collected());
        assert!(none.rows.is_empty());
        let three = Consensus {
            tau: Tau::Count(std::num::NonZeroUsize::new(3).unwrap()),
            ..Consensus::default()
        }
        .build(&collected());
        assert!(three.rows.is_empty());
    }
}

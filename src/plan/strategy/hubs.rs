//! `hubs`: the genes the agents name as controlling many targets in this cell type, ranked by
//! agreement (votes, then mean confidence). Reads only the agents' hub answers.

use std::collections::HashMap;
use std::sync::Arc;

use rand::RngCore;

use super::{Pick, Strategy, StrategyError, View, rank_by};
use crate::consensus::hubs::Hub;

/// The hubs strategy.
#[derive(Debug, Clone)]
pub struct Hubs {
    by_gene: Arc<HashMap<String, Hub>>,
    n_agents: usize,
}

impl Hubs {
    /// Over the ranked hub answers of a panel of `n_agents` agents.
    pub fn new(hubs: &[Hub], n_agents: usize) -> Hubs {
        Hubs {
            by_gene: Arc::new(hubs.iter().map(|h| (h.gene.clone(), h.clone())).collect()),
            n_agents,
        }
    }
}

impl Strategy for Hubs {
    fn name(&self) -> &str {
        "hubs"
    }
    fn select(
        &self,
        view: &View<'_, '_>,
        k: usize,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<Pick>, StrategyError> {
        let names = view.observed.perturbations();
        // Votes first, then mean confidence: one number that orders both (confidence < 1).
        let key = |r: usize| {
            self.by_gene
                .get(&names[r])
                .map(|h| h.votes as f64 + f64::from(h.confidence) / h.votes.max(1) as f64 / 2.0)
        };
        Ok(rank_by(view.candidates, key, rng)
            .into_iter()
            .take(k)
            .map(|(row, score)| match self.by_gene.get(&names[row]) {
                Some(h) => {
                    let mean = f64::from(h.confidence) / h.votes.max(1) as f64;
                    Pick {
                        score,
                        votes: Some(h.votes as f64),
                        confidence: Some(mean),
                        ..Pick::new(
                            row,
                            format!(
                                "named a hub by {} of {} agents ({}), mean confidence {mean:.2}",
                                h.votes,
                                self.n_agents,
                                h.agents.join(", ")
                            ),
                        )
                    }
                }
                None => Pick::new(
                    row,
                    "no agent named it a hub: ranked after the named ones, in random order",
                ),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Screen, ValueKind};
    use crate::predict::{Observed, TrainingMean};
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn votes_then_mean_confidence_then_the_unnamed() {
        let s = Screen::from_responses(
            ["A", "B", "C", "D"].map(String::from).to_vec(),
            vec!["x".into()],
            ndarray::array![[1.0], [2.0], [3.0], [4.0]],
            ValueKind::Response,
        )
        .unwrap();
        let hub = |gene: &str, votes: usize, confidence: f32| Hub {
            gene: gene.into(),
            votes,
            confidence,
            agents: (0..votes).map(|i| format!("a{i}")).collect(),
        };
        // B: 2 votes, mean 0.3; C: 2 votes, mean 0.9; A: 3 votes but already measured.
        let strategy = Hubs::new(&[hub("A", 3, 3.0), hub("B", 2, 0.6), hub("C", 2, 1.8)], 3);
        let observed = Observed::reveal(&s, vec![0]);
        let view = View {
            observed: &observed,
            candidates: &[1, 2, 3],
            model: None,
            predictor: &TrainingMean,
        };
        let picks = strategy
            .select(&view, 3, &mut Xoshiro256PlusPlus::seed_from_u64(1))
            .unwrap();
        assert_eq!(
            picks.iter().map(|p| p.row).collect::<Vec<_>>(),
            vec![2, 1, 3]
        );
        assert_eq!(picks[0].votes, Some(2.0));
        assert!((picks[0].confidence.unwrap() - 0.9).abs() < 1e-6);
        assert!(
            picks[0]
                .rationale
                .starts_with("named a hub by 2 of 3 agents")
        );
        assert_eq!(picks[2].votes, None);
    }
}

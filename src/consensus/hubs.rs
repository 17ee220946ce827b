//! Hubs consensus: in flow the agents' answers to the hubs question; out comes a ranking of
//! genes by votes, then summed confidence, then name.

use std::collections::HashMap;

use crate::agents::Collected;

/// One ranked hub.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hub {
    /// The gene.
    pub gene: String,
    /// Agents that named it.
    pub votes: usize,
    /// Sum of their confidences.
    pub confidence: f32,
    /// Their names, in configuration order.
    pub agents: Vec<String>,
}

/// Ranks the answers of every "target" row of `collected` (normally one row, `hubs`).
pub fn rank(collected: &Collected) -> Vec<Hub> {
    let mut by_gene: HashMap<String, Hub> = HashMap::new();
    for answers in &collected.answers {
        for (a, answer) in answers.iter().enumerate() {
            for p in answer.iter().flat_map(|x| &x.proposals) {
                let hub = by_gene.entry(p.gene.clone()).or_insert_with(|| Hub {
                    gene: p.gene.clone(),
                    votes: 0,
                    confidence: 0.0,
                    agents: Vec::new(),
                });
                hub.votes += 1;
                hub.confidence += p.confidence;
                hub.agents.push(collected.agents[a].clone());
            }
        }
    }
    let mut hubs: Vec<Hub> = by_gene.into_values().collect();
    hubs.sort_by(|x, y| {
        y.votes
            .cmp(&x.votes)
            .then_with(|| y.confidence.total_cmp(&x.confidence))
            .then_with(|| x.gene.cmp(&y.gene))
    });
    hubs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn votes_first_then_confidence() {
        let a = crate::consensus::tests::answer;
        let c = Collected {
            targets: vec!["hubs".into()],
            agents: vec!["x".into(), "y".into()],
            answers: vec![vec![
                a(&[("MYC", 0.2), ("GATA1", 0.9), ("TAL1", 0.95)]),
                a(&[("MYC", 0.3), ("GATA1", 0.1)]),
            ]],
            failures: vec![],
        };
        let r = rank(&c);
        let got: Vec<(&str, usize)> = r.iter().map(|h| (h.gene.as_str(), h.votes)).collect();
        // MYC and GATA1 have 2 votes; GATA1's sum 1.0 beats MYC's 0.5; TAL1 has one vote.
        assert_eq!(got, [("GATA1", 2), ("MYC", 2), ("TAL1", 1)]);
        assert_eq!(r[1].agents, ["x", "y"]);
    }
}

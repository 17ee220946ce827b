//! [`Weighting`]: how the confidences of the agents that voted for an edge become its weight.
//!
//! For a target answered by A agents, a candidate with votes from agents V (s = |V|) and
//! confidences c_a:
//! - `sum-over-agents` (default): w = Σ_{a∈V} c_a / A (an agent that did not vote adds 0);
//! - `mean-confidence`: w = Σ_{a∈V} c_a / s, the mean confidence of the voters; the number of
//!   votes matters only through τ, so one confident agent weighs as much as three that agree.
//!   (It replaces `mean-times-votes`, w = mean(c_a) × s / A, which is algebraically
//!   `sum-over-agents` and so no ablation at all.)
//! - `borda`: rank-based, ignoring confidence values: in agent a's answer of n_a genes sorted by
//!   confidence (ties share their average rank), the gene at rank r scores (n_a − r + 1) / n_a,
//!   and w = Σ_{a∈V} score_a / A.

use std::str::FromStr;

/// An edge-weighting scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Weighting {
    /// w = Σ c_a / A.
    #[default]
    SumOverAgents,
    /// w = Σ c_a / s.
    MeanConfidence,
    /// w = Σ Borda scores / A.
    Borda,
}

impl Weighting {
    /// The name as written in `agents.toml` and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Weighting::SumOverAgents => "sum-over-agents",
            Weighting::MeanConfidence => "mean-confidence",
            Weighting::Borda => "borda",
        }
    }
}

impl FromStr for Weighting {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        <Weighting as clap::ValueEnum>::from_str(s, true).map_err(|_| {
            format!("invalid weighting {s:?}: expected sum-over-agents, mean-confidence or borda")
        })
    }
}

/// Borda scores of one answer's confidences (same order as given): (n − r + 1)/n with tied
/// confidences sharing their average rank r.
pub fn borda_scores(confidences: &[f32]) -> Vec<f32> {
    let n = confidences.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| confidences[b].total_cmp(&confidences[a]));
    let mut scores = vec![0f32; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && confidences[order[j + 1]] == confidences[order[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share the average rank.
        let rank = (i + j + 2) as f32 / 2.0;
        for &k in &order[i..=j] {
            scores[k] = (n as f32 - rank + 1.0) / n as f32;
        }
        i = j + 1;
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borda_by_hand() {
        // n = 4: ranks 1..4 score 4/4, 3/4, 2/4, 1/4.
        assert_eq!(borda_scores(&[0.2, 0.9, 0.5, 0.1]), [0.5, 1.0, 0.75, 0.25]);
        // A tie at ranks 2 and 3 shares rank 2.5: (3 − 2.5 + 1)/3 = 0.5.
        assert_eq!(borda_scores(&[0.9, 0.4, 0.4]), [1.0, 0.5, 0.5]);
        assert!(borda_scores(&[]).is_empty());
    }

    #[test]
    fn names_parse_and_errors_list_the_choices() {
        assert_eq!("borda".parse::<Weighting>().unwrap(), Weighting::Borda);
        assert_eq!(
            "Mean-Confidence".parse::<Weighting>().unwrap(),
            Weighting::MeanConfidence
        );
        assert_eq!(
            "max".parse::<Weighting>().unwrap_err(),
            "invalid weighting \"max\": expected sum-over-agents, mean-confidence or borda"
        );
    }
}

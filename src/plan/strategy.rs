//! Design strategies: which unrevealed perturbations to measure next.
//!
//! In flow a sealed [`View`] (the revealed rows, the candidate rows, the current fitted model
//! when there is one) and a batch size; out come that many [`Pick`]s, each a screen row with
//! the numbers that chose it and one sentence a biologist can check. Prior knowledge (consensus
//! graph, hub answers, prior graphs and their centrality scores) is given to each strategy when
//! it is built and shared across jobs, so it is computed once per run.
//!
//! | name | file | picks |
//! |---|---|---|
//! | `anchors` (and its ablation variants `anchors:…`) | `anchors.rs`, `facility.rs` | greedy saturating coverage of the consensus neighbourhoods the predictor answers from (MechPert anchors) |
//! | `consensus` | `coverage.rs` | greedy set cover of the consensus graph: a target counts once, at its first regulator |
//! | `hubs` | `hubs.rs` | the agents' hub answers, by votes then mean confidence |
//! | `degree`, `pagerank`, `betweenness`, `eigenvector`, `closeness` | `centrality.rs` | most central in a prior graph |
//! | `random` | `random.rs` | uniformly at random |
//! | `uncertainty` | `uncertainty.rs` | largest bootstrap variance of the current predictor |
//! | `diversity` | `diversity.rs` | greedy k-center in prior-graph hops |
//! | `hybrid` | `coverage.rs` | coverage gain × uncertainty^w |
//! | `oracle` | `oracle.rs` | reads held-out responses: an upper bound, never a design |
//!
//! Genes a strategy knows nothing about (absent from its graph or answers) rank last, in the
//! order of a shuffle by the round's generator.

use rand::RngCore;
use rand::seq::SliceRandom;

use crate::predict::{Fitted, Observed, Predictor};

pub mod anchors;
pub mod centrality;
pub mod coverage;
pub mod diversity;
pub mod facility;
pub mod hubs;
pub mod oracle;
pub mod random;
pub mod uncertainty;

/// One chosen perturbation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Pick {
    /// Screen row of the chosen perturbation.
    pub row: usize,
    /// The strategy's own score (what it maximised).
    pub score: Option<f64>,
    /// Agents that named the gene (hubs).
    pub votes: Option<f64>,
    /// Their mean confidence (hubs).
    pub confidence: Option<f64>,
    /// Weighted number of uncovered targets the pick covers (coverage strategies).
    pub coverage_gain: Option<f64>,
    /// Centrality score in the strategy's graph.
    pub centrality: Option<f64>,
    /// Predictive uncertainty of the gene before it was measured.
    pub uncertainty: Option<f64>,
    /// One sentence saying why.
    pub rationale: String,
}

impl Pick {
    /// A pick with only a rationale.
    pub fn new(row: usize, rationale: impl Into<String>) -> Pick {
        Pick {
            row,
            score: None,
            votes: None,
            confidence: None,
            coverage_gain: None,
            centrality: None,
            uncertainty: None,
            rationale: rationale.into(),
        }
    }
}

/// What a strategy may see in a round: everything revealed, nothing held out.
pub struct View<'v, 's> {
    /// The revealed perturbations (empty before the first round of a design from scratch).
    pub observed: &'v Observed<'s>,
    /// Rows that may be picked: the unrevealed perturbations, ascending.
    pub candidates: &'v [usize],
    /// The run's predictor fitted on `observed`; `None` while nothing is observed.
    pub model: Option<&'v dyn Fitted>,
    /// The run's predictor, for strategies that refit it (bootstrap uncertainty).
    pub predictor: &'v dyn Predictor,
}

/// Why a strategy could not choose.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StrategyError {
    /// Refitting the predictor failed.
    #[error("strategy `{strategy}`: refitting the predictor failed: {message}")]
    Refit {
        /// The strategy.
        strategy: String,
        /// What the predictor said.
        message: String,
    },
}

/// A design strategy: object safe, so a configuration chooses strategies at run time.
pub trait Strategy: Send + Sync {
    /// Its name on the command line and in every output.
    fn name(&self) -> &str;
    /// Whether it needs a fitted model; before anything is observed such a strategy picks at
    /// random and says so.
    fn needs_model(&self) -> bool {
        false
    }
    /// Chooses `k` distinct rows among `view.candidates` (fewer only when there are fewer).
    fn select(
        &self,
        view: &View<'_, '_>,
        k: usize,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<Pick>, StrategyError>;
}

/// Candidates ordered by `score` (highest first; `None` = unknown to the strategy, last), ties
/// and unknowns in the order of a shuffle by `rng`. The shuffle comes first so that the order
/// among equals depends only on the generator.
pub(crate) fn rank_by(
    candidates: &[usize],
    score: impl Fn(usize) -> Option<f64>,
    rng: &mut dyn RngCore,
) -> Vec<(usize, Option<f64>)> {
    let mut order: Vec<(usize, Option<f64>)> = candidates.iter().map(|&r| (r, score(r))).collect();
    order.shuffle(rng);
    order.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    order
}

/// A short list of gene names for rationales: the first `n`, then "…" when there are more.
pub(crate) fn some_names(names: &[&str], n: usize) -> String {
    let mut out = names.iter().take(n).copied().collect::<Vec<_>>().join(", ");
    if names.len() > n {
        out.push_str(", …");
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::data::{Screen, ValueKind};
    use crate::priors::Graph;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Eight genes with one readout: A regulates B, C, D; E regulates C and D (weight 2);
    /// F regulates G; H is not in the graph.
    pub(crate) fn eight_genes() -> (Screen, Graph) {
        let names = ["A", "B", "C", "D", "E", "F", "G", "H"];
        let s = Screen::from_responses(
            names.map(String::from).to_vec(),
            vec!["x".into()],
            ndarray::Array2::zeros((8, 1)),
            ValueKind::Response,
        )
        .unwrap();
        let mut b = Graph::builder(true);
        for (u, v, w) in [
            ("A", "B", 1.0),
            ("A", "C", 1.0),
            ("A", "D", 1.0),
            ("E", "C", 2.0),
            ("E", "D", 2.0),
            ("F", "G", 1.0),
        ] {
            b.add_edge(u, v, w, 0);
        }
        (s, b.build())
    }

    #[test]
    fn ranking_puts_unknowns_last_and_repeats_with_the_seed() {
        let score = |r: usize| (r % 3 != 0).then_some((r % 2) as f64);
        let a = rank_by(
            &[0, 1, 2, 3, 4, 5, 6],
            score,
            &mut Xoshiro256PlusPlus::seed_from_u64(1),
        );
        let b = rank_by(
            &[0, 1, 2, 3, 4, 5, 6],
            score,
            &mut Xoshiro256PlusPlus::seed_from_u64(1),
        );
        assert_eq!(a, b);
        let scores: Vec<Option<f64>> = a.iter().map(|x| x.1).collect();
        assert_eq!(
            scores,
            vec![Some(1.0), Some(1.0), Some(0.0), Some(0.0), None, None, None]
        );
        let unknown: std::collections::BTreeSet<usize> = a[4..].iter().map(|x| x.0).collect();
        assert_eq!(unknown, [0, 3, 6].into());
    }

    #[test]
    fn name_lists_are_cut_with_an_ellipsis() {
        assert_eq!(some_names(&["A", "B", "C"], 2), "A, B, …");
        assert_eq!(some_names(&["A"], 2), "A");
    }
}

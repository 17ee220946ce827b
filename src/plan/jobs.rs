//! The loop of one job (one strategy × one seed): for each round, select → reveal → refit →
//! predict every unrevealed perturbation → score, then hand the job's state to a checkpoint.
//!
//! In flow a [`Plan`] (oracle, predictors, strategies, schedule, metrics) and optionally the
//! state a checkpoint saved; out comes the job's [`JobState`]: the revealed rows in order, one
//! tidy [`RoundRow`] per (round, predictor, metric) and one [`PickRow`] per pick.
//!
//! Each round's randomness comes from [`stream`]`(seed, strategy, round)` alone, and the
//! initial set from `stream(seed, "initial", 0)` (the same for every strategy of one seed, so
//! strategies are compared on paired observed sets). A job therefore needs nothing but its
//! revealed rows to resume, and the thread count cannot change a byte.

use std::sync::atomic::{AtomicBool, Ordering};

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use sha2::{Digest, Sha256};

use super::oracle::{Feedback, Oracle};
use super::round::{RoundError, Scoring, score_round};
use super::strategy::oracle::UpperBound;
use super::strategy::random::Random;
use super::strategy::{Pick, Strategy, StrategyError, View};
use crate::eval::Metric;
pub use crate::eval::curves::RoundRow;
use crate::predict::{Fitted, Observed, Predictor};

/// A strategy as the loop runs it: sealed, or the oracle upper bound with its explicit door.
pub enum Chooser {
    /// Sees sealed views only.
    Sealed(Box<dyn Strategy>),
    /// Reads held-out responses: the labelled upper bound.
    UpperBound(UpperBound),
}

impl Chooser {
    /// The name in every output.
    pub fn name(&self) -> &str {
        match self {
            Chooser::Sealed(s) => s.name(),
            Chooser::UpperBound(_) => UpperBound::NAME,
        }
    }
}

/// Which perturbations are observed before the first round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Initial {
    /// Nothing: the first round selects from scratch.
    Nothing,
    /// `n` perturbations drawn at random per seed (the same for every strategy).
    Random(usize),
    /// These screen rows.
    Rows(Vec<usize>),
}

impl Initial {
    /// How many rows it observes.
    pub fn len(&self) -> usize {
        match self {
            Initial::Nothing => 0,
            Initial::Random(n) => *n,
            Initial::Rows(r) => r.len(),
        }
    }
    /// Whether it observes nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Everything a job needs, shared by all jobs of a run.
pub struct Plan<'a, 's> {
    /// The held-out screen.
    pub oracle: &'a Oracle<'s>,
    /// Predictors scored each round; the first is the run's predictor (the model strategies
    /// see), the training mean is among them.
    pub predictors: &'a [Box<dyn Predictor>],
    /// The strategies.
    pub choosers: &'a [Chooser],
    /// The observed set before round 1.
    pub initial: &'a Initial,
    /// Perturbations picked in each round (round r picks `batches[r - 1]`).
    pub batches: &'a [usize],
    /// Metrics scored each round.
    pub metrics: &'a [Box<dyn Metric>],
}

/// One row of `picks.csv`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PickRow {
    /// Strategy name.
    pub strategy: String,
    /// Seed.
    pub seed: u64,
    /// Round the pick was made in (0 = the initial set).
    pub round: usize,
    /// 1-based rank within the round.
    pub rank: usize,
    /// The gene.
    pub gene: String,
    /// The strategy's numbers and reason.
    pub pick: Pick,
}

/// A job's progress: what a checkpoint stores and a finished job returns.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JobState {
    /// Strategy name.
    pub strategy: String,
    /// Seed.
    pub seed: u64,
    /// Rounds completed (0 = initial set scored or nothing yet).
    pub rounds_done: usize,
    /// Whether round 0 (the initial set) has been handled.
    pub started: bool,
    /// Revealed rows in the order they were revealed.
    pub revealed: Vec<usize>,
    /// Score rows so far.
    pub rounds: Vec<RoundRow>,
    /// Pick rows so far.
    pub picks: Vec<PickRow>,
}

/// Why a job stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// A predictor failed to fit.
    #[error("strategy `{strategy}`, seed {seed}, round {round}")]
    Round {
        /// Strategy.
        strategy: String,
        /// Seed.
        seed: u64,
        /// Round.
        round: usize,
        /// What failed.
        #[source]
        source: Box<RoundError>,
    },
    /// A strategy failed.
    #[error("seed {seed}, round {round}")]
    Strategy {
        /// Seed.
        seed: u64,
        /// Round.
        round: usize,
        /// What failed.
        #[source]
        source: StrategyError,
    },
    /// Saving the checkpoint failed.
    #[error("saving the checkpoint of strategy `{strategy}`, seed {seed}")]
    Checkpoint {
        /// Strategy.
        strategy: String,
        /// Seed.
        seed: u64,
        /// What failed.
        #[source]
        source: anyhow::Error,
    },
    /// The run was interrupted (SIGINT); the last completed round is checkpointed.
    #[error("interrupted")]
    Interrupted,
}

/// The seeded generator of one (seed, strategy, round): the same numbers whatever ran before.
pub fn stream(seed: u64, strategy: &str, round: usize) -> Xoshiro256PlusPlus {
    let digest = Sha256::new()
        .chain_update(seed.to_le_bytes())
        .chain_update(strategy.as_bytes())
        .chain_update([0u8])
        .chain_update((round as u64).to_le_bytes())
        .finalize();
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&digest);
    Xoshiro256PlusPlus::from_seed(bytes)
}

impl Plan<'_, '_> {
    /// Runs (or resumes from `state`) job `chooser` × `seed` to the last round, calling `save`
    /// after every round and stopping early, checkpointed, when `stop` is set.
    pub fn run_job(
        &self,
        chooser: &Chooser,
        seed: u64,
        state: Option<JobState>,
        save: &(dyn Fn(&JobState) -> anyhow::Result<()> + Sync),
        stop: &AtomicBool,
        mut on_round: impl FnMut(),
    ) -> Result<JobState, JobError> {
        let name = chooser.name().to_string();
        let mut state = state.unwrap_or_else(|| JobState {
            strategy: name.clone(),
            seed,
            rounds_done: 0,
            started: false,
            revealed: Vec::new(),
            rounds: Vec::new(),
            picks: Vec::new(),
        });
        let saved = |state: &JobState| {
            save(state).map_err(|source| JobError::Checkpoint {
                strategy: name.clone(),
                seed,
                source,
            })
        };
        let mut model: Option<Box<dyn Fitted + '_>> = None;
        if !state.started {
            let initial = self.initial_rows(seed);
            if !initial.is_empty() {
                let names = self.oracle.layout().perturbations();
                for (i, &row) in initial.iter().enumerate() {
                    state.picks.push(PickRow {
                        strategy: name.clone(),
                        seed,
                        round: 0,
                        rank: i + 1,
                        gene: names[row].clone(),
                        pick: self.recorded(Pick::new(
                            row,
                            "initial set, the same for every strategy of this seed",
                        )),
                    });
                }
                state.revealed = initial;
                model = self.score(&mut state, 0)?;
            }
            state.started = true;
            saved(&state)?;
        }
        while state.rounds_done < self.batches.len() {
            if stop.load(Ordering::Relaxed) {
                return Err(JobError::Interrupted);
            }
            let round = state.rounds_done + 1;
            let observed = if state.revealed.is_empty() {
                Observed::nothing(self.oracle.layout())
            } else {
                self.oracle.reveal_to_strategy(seed, state.revealed.clone())
            };
            if model.is_none() && !observed.is_empty() {
                // Resumed from a checkpoint: refit what the last round fitted (deterministic).
                model = Some(self.fit_for_strategy(&observed, &name, seed, round)?);
            }
            let candidates = observed.unobserved();
            let view = View {
                observed: &observed,
                candidates: &candidates,
                model: model.as_deref(),
                predictor: &*self.predictors[0],
            };
            let k = self.batches[round - 1];
            let mut rng = stream(seed, &name, round);
            let picks = match chooser {
                Chooser::Sealed(s) if s.needs_model() && observed.is_empty() => Random::draw(
                    &candidates,
                    k,
                    &mut rng,
                    "nothing observed yet, so no model to be uncertain about: drawn at random",
                ),
                Chooser::Sealed(s) => {
                    s.select(&view, k, &mut rng)
                        .map_err(|source| JobError::Strategy {
                            seed,
                            round,
                            source,
                        })?
                }
                Chooser::UpperBound(u) => u.select(&view, self.oracle, k, &mut rng),
            };
            let names = self.oracle.layout().perturbations();
            for (i, pick) in picks.into_iter().enumerate() {
                state.revealed.push(pick.row);
                state.picks.push(PickRow {
                    strategy: name.clone(),
                    seed,
                    round,
                    rank: i + 1,
                    gene: names[pick.row].clone(),
                    pick: self.recorded(pick),
                });
            }
            model = self.score(&mut state, round)?;
            state.rounds_done = round;
            saved(&state)?;
            on_round();
        }
        Ok(state)
    }

    /// `pick` as `picks.csv` records it: under permuted feedback its rationale says so.
    fn recorded(&self, mut pick: Pick) -> Pick {
        if self.oracle.feedback().misleads_strategy() {
            pick.rationale
                .push_str("; permuted feedback: shown another revealed gene's response");
        }
        pick
    }

    /// The initial rows of `seed`.
    pub fn initial_rows(&self, seed: u64) -> Vec<usize> {
        match self.initial {
            Initial::Nothing => Vec::new(),
            Initial::Rows(rows) => rows.clone(),
            Initial::Random(n) => {
                let total = self.oracle.layout().n_perturbations();
                let mut rng = stream(seed, "initial", 0);
                rand::seq::index::sample(&mut rng, total, *n).into_vec()
            }
        }
    }

    /// Reveals `state.revealed`, scores every predictor on the rest, appends the rows, and
    /// returns the run's fitted predictor for the next round's strategy.
    fn score<'m>(
        &'m self,
        state: &mut JobState,
        round: usize,
    ) -> Result<Option<Box<dyn Fitted + 'm>>, JobError> {
        let observed = self
            .oracle
            .reveal_to_predictors(state.seed, state.revealed.clone());
        let queries = observed.unobserved();
        let mut main = None;
        let scored = score_round(
            self.oracle,
            &observed,
            &queries,
            self.predictors,
            self.metrics,
            Scoring::Algebraic,
            |i, m| {
                if i == 0 {
                    main = Some(m);
                }
            },
        )
        .map_err(|source| JobError::Round {
            strategy: state.strategy.clone(),
            seed: state.seed,
            round,
            source: Box::new(source),
        })?;
        for s in scored {
            for (metric, value) in s.values {
                state.rounds.push(RoundRow {
                    strategy: state.strategy.clone(),
                    seed: state.seed,
                    round,
                    n_observed: state.revealed.len(),
                    predictor: s.predictor.clone(),
                    metric,
                    value,
                });
            }
        }
        if self.oracle.feedback() == Feedback::PermutedToStrategy {
            // The strategy reads a model of what it was shown, not of the scored predictors'
            // true rows.
            let shown = self
                .oracle
                .reveal_to_strategy(state.seed, state.revealed.clone());
            return Ok(Some(self.fit_for_strategy(
                &shown,
                &state.strategy,
                state.seed,
                round,
            )?));
        }
        Ok(main)
    }

    /// The run's predictor fitted on `observed`, the model the next round's strategy reads.
    fn fit_for_strategy<'m>(
        &'m self,
        observed: &Observed<'m>,
        strategy: &str,
        seed: u64,
        round: usize,
    ) -> Result<Box<dyn Fitted + 'm>, JobError> {
        self.predictors[0]
            .fit(observed)
            .map_err(|source| JobError::Round {
                strategy: strategy.to_string(),
                seed,
                round,
                source: Box::new(RoundError {
                    predictor: self.predictors[0].name().to_string(),
                    source,
                }),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::PearsonDelta;
    use crate::predict::suite::planted;
    use crate::predict::{Neighbours, TrainingMean};
    use std::sync::Arc;

    #[test]
    fn streams_depend_on_seed_strategy_and_round_only() {
        use rand::RngCore;
        let a = stream(1, "random", 2).next_u64();
        assert_eq!(a, stream(1, "random", 2).next_u64());
        assert_ne!(a, stream(2, "random", 2).next_u64());
        assert_ne!(a, stream(1, "degree", 2).next_u64());
        assert_ne!(a, stream(1, "random", 3).next_u64());
    }

    #[test]
    fn a_job_reveals_its_batches_and_resumes_to_the_same_state() {
        let (s, g) = planted(3, 8, 20, 0.3);
        let oracle = Oracle::new(&s);
        let predictors: Vec<Box<dyn Predictor>> = vec![
            Box::new(Neighbours::params(Arc::new(g)).check().unwrap()),
            Box::new(TrainingMean),
        ];
        let metrics: Vec<Box<dyn Metric>> = vec![Box::new(PearsonDelta::all())];
        let choosers = [Chooser::Sealed(Box::new(Random))];
        let plan = Plan {
            oracle: &oracle,
            predictors: &predictors,
            choosers: &choosers,
            initial: &Initial::Random(2),
            batches: &[3, 3, 4],
            metrics: &metrics,
        };
        let saves = std::sync::Mutex::new(Vec::new());
        let save = |st: &JobState| {
            saves.lock().unwrap().push(st.clone());
            Ok(())
        };
        let stop = AtomicBool::new(false);
        let full = plan
            .run_job(&choosers[0], 7, None, &save, &stop, || {})
            .unwrap();
        assert_eq!(full.revealed.len(), 2 + 3 + 3 + 4);
        let distinct: std::collections::HashSet<_> = full.revealed.iter().collect();
        assert_eq!(distinct.len(), full.revealed.len());
        // Rounds 0..=3, 2 predictors, pearson_delta + n_fallback (+ nothing fitted).
        assert_eq!(full.rounds.len(), 4 * 2 * 2);
        assert_eq!(full.picks.len(), 12);
        // Resuming from the checkpoint after round 1 gives the same final state.
        let after_round_1 = saves.lock().unwrap()[1].clone();
        assert_eq!(after_round_1.rounds_done, 1);
        let resumed = plan
            .run_job(&choosers[0], 7, Some(after_round_1), &save, &stop, || {})
            .unwrap();
        assert_eq!(resumed, full);
        // A stop request ends the job with its last round saved.
        stop.store(true, Ordering::Relaxed);
        let err = plan
            .run_job(&choosers[0], 7, None, &save, &stop, || {})
            .unwrap_err();
        assert!(matches!(err, JobError::Interrupted));
    }
}

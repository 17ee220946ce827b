//! The loop of one job (one strategy × one seed): for each round, select → reveal → refit →
//! predict every unrevealed perturbation → score, then hand the job's state to a checkpoint.
//!
//! In flow a [`Plan`] (oracle, predictors, strategies, schedule, metrics) and optionally the
//! state a checkpoint saved; out comes the job's [`JobState`]: the revealed rows in order, one
//! tidy [`RoundRow`] per (round, predictor, metric) and one [`PickRow`] per pick.
//!
//! Each round's randomness comes from [`stream`]`(seed, strategy, round)` alone. The fixed test
//! set comes first, from `stream(seed, "test set", 0)`, and the initial set from the rows outside
//! it with `stream(seed, "initial", 0)`: both the same for every strategy of one seed, so
//! strategies are compared on paired observed sets and scored on the same rows. A job therefore
//! needs nothing but its revealed rows to resume, and the thread count cannot change a byte.
//!
//! Test rows are sealed like every held-out row and more: they are never a candidate, so no
//! strategy (the `oracle` upper bound included) can pick one, and never revealed, so no view a
//! strategy or predictor reads holds their responses.

use std::sync::atomic::{AtomicBool, Ordering};

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use sha2::{Digest, Sha256};

use super::config::test_size;
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
    /// Share of the screen held out per seed as the fixed test set ([`Plan::test_rows`]); 0
    /// scores each round on the perturbations not yet revealed.
    pub test_fraction: f64,
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
    /// The seed's fixed test set (genes, in screen order), empty without one: what every round
    /// was scored on, carried so that merged shards can be checked to agree on it.
    #[serde(default)]
    pub test_set: Vec<String>,
    /// Score rows so far.
    pub rounds: Vec<RoundRow>,
    /// Pick rows so far.
    pub picks: Vec<PickRow>,
}

/// A job's state as a checkpoint or a shard stores it: sealed with the hash of the run's
/// settings and a hash over both, so that a file from another run or edited by hand is
/// recognised on load rather than trusted.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct SavedJob {
    /// The run's config hash.
    pub config_sha256: String,
    /// SHA-256 over the config hash and the state's JSON.
    pub sha256: String,
    /// The state.
    pub state: JobState,
}

impl SavedJob {
    /// `state` sealed for the run whose config hash is `config`.
    pub fn seal(state: &JobState, config: &str) -> SavedJob {
        SavedJob {
            config_sha256: config.to_string(),
            sha256: content_hash(state, config),
            state: state.clone(),
        }
    }

    /// The state in `bytes`, if they are a sealed job of the run `config` whose content is
    /// unchanged; otherwise what is wrong.
    pub fn open(bytes: &[u8], config: &str) -> Result<JobState, String> {
        let saved: SavedJob =
            serde_json::from_slice(bytes).map_err(|e| format!("not a saved job ({e})"))?;
        if saved.config_sha256 != config {
            return Err(format!(
                "saved by a run of other settings (config hash {}, this run's {config})",
                saved.config_sha256
            ));
        }
        if saved.sha256 != content_hash(&saved.state, config) {
            return Err("its content does not match its hash: edited after it was saved".into());
        }
        Ok(saved.state)
    }
}

fn content_hash(state: &JobState, config: &str) -> String {
    let json = serde_json::to_vec(state).expect("plain data serialises");
    format!(
        "{:x}",
        Sha256::new()
            .chain_update(config.as_bytes())
            .chain_update([0u8])
            .chain_update(&json)
            .finalize()
    )
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
            test_set: Vec::new(),
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
        let names = self.oracle.layout().perturbations();
        let test = self.test_rows(seed);
        state.test_set = test.iter().map(|&r| names[r].clone()).collect();
        let mut in_test = vec![false; names.len()];
        for &r in &test {
            in_test[r] = true;
        }
        let mut model: Option<Box<dyn Fitted + '_>> = None;
        if !state.started {
            let initial = self.initial_rows(seed, &test);
            if !initial.is_empty() {
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
                model = self.score(&mut state, 0, &test)?;
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
            let candidates: Vec<usize> = observed
                .unobserved()
                .into_iter()
                .filter(|&r| !in_test[r])
                .collect();
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
            model = self.score(&mut state, round, &test)?;
            state.rounds_done = round;
            saved(&state)?;
            on_round();
        }
        Ok(state)
    }

    /// Checks a saved state against this plan: job `strategy` × `seed`, revealed rows in the
    /// screen and distinct, as many as the initial set and the finished rounds' batches, one
    /// pick per revealed row, and no score or pick of a round not finished.
    pub fn check_state(&self, state: &JobState, strategy: &str, seed: u64) -> Result<(), String> {
        if state.strategy != strategy || state.seed != seed {
            return Err(format!(
                "holds job {}-seed{}, expected {strategy}-seed{seed}",
                state.strategy, state.seed
            ));
        }
        if state.rounds_done > self.batches.len() || (state.rounds_done > 0 && !state.started) {
            return Err(format!(
                "{} rounds done (started: {}) in a plan of {} rounds",
                state.rounds_done,
                state.started,
                self.batches.len()
            ));
        }
        let pool = self.oracle.layout().n_perturbations();
        if let Some(&row) = state.revealed.iter().find(|&&r| r >= pool) {
            return Err(format!(
                "revealed row {row} is outside the screen's {pool} perturbations"
            ));
        }
        let distinct: std::collections::HashSet<_> = state.revealed.iter().collect();
        if distinct.len() != state.revealed.len() {
            return Err("a row is revealed twice".into());
        }
        let initial = if state.started { self.initial.len() } else { 0 };
        let expected = initial + self.batches[..state.rounds_done].iter().sum::<usize>();
        if state.revealed.len() != expected || state.picks.len() != expected {
            return Err(format!(
                "{} revealed rows and {} picks after {} rounds, expected {expected}",
                state.revealed.len(),
                state.picks.len(),
                state.rounds_done
            ));
        }
        let late = |round: usize| round > state.rounds_done;
        if state.rounds.iter().any(|r| late(r.round)) || state.picks.iter().any(|p| late(p.round)) {
            return Err(format!(
                "holds scores or picks of a round after round {}",
                state.rounds_done
            ));
        }
        Ok(())
    }

    /// `pick` as `picks.csv` records it: under permuted feedback its rationale says so.
    fn recorded(&self, mut pick: Pick) -> Pick {
        if self.oracle.feedback().misleads_strategy() {
            pick.rationale
                .push_str("; permuted feedback: shown another revealed gene's response");
        }
        pick
    }

    /// The fixed test set of `seed`, ascending: [`test_size`] rows drawn with
    /// `stream(seed, "test set", 0)` before anything else, from the rows outside an initial set
    /// given as a gene list (those are measured already). Empty under a test fraction of 0.
    pub fn test_rows(&self, seed: u64) -> Vec<usize> {
        let n = self.oracle.layout().n_perturbations();
        let mut given = vec![false; n];
        if let Initial::Rows(rows) = self.initial {
            for &r in rows {
                given[r] = true;
            }
        }
        let eligible: Vec<usize> = (0..n).filter(|&r| !given[r]).collect();
        let size = test_size(self.test_fraction, n).min(eligible.len());
        if size == 0 {
            return Vec::new();
        }
        let mut rng = stream(seed, "test set", 0);
        let mut rows: Vec<usize> = rand::seq::index::sample(&mut rng, eligible.len(), size)
            .into_iter()
            .map(|i| eligible[i])
            .collect();
        rows.sort_unstable();
        rows
    }

    /// The initial rows of `seed`, whose test set is `test`: a random initial set is drawn
    /// from the rows outside it.
    pub fn initial_rows(&self, seed: u64, test: &[usize]) -> Vec<usize> {
        match self.initial {
            Initial::Nothing => Vec::new(),
            Initial::Rows(rows) => rows.clone(),
            Initial::Random(n) => {
                let total = self.oracle.layout().n_perturbations();
                let mut in_test = vec![false; total];
                for &r in test {
                    in_test[r] = true;
                }
                let pool: Vec<usize> = (0..total).filter(|&r| !in_test[r]).collect();
                let mut rng = stream(seed, "initial", 0);
                rand::seq::index::sample(&mut rng, pool.len(), *n)
                    .into_iter()
                    .map(|i| pool[i])
                    .collect()
            }
        }
    }

    /// Reveals `state.revealed`, scores every predictor on the test rows `test` (or, when there
    /// is no test set, on every row not revealed), appends the rows, and returns the run's
    /// fitted predictor for the next round's strategy.
    fn score<'m>(
        &'m self,
        state: &mut JobState,
        round: usize,
        test: &[usize],
    ) -> Result<Option<Box<dyn Fitted + 'm>>, JobError> {
        let observed = self
            .oracle
            .reveal_to_predictors(state.seed, state.revealed.clone());
        let queries = if test.is_empty() {
            observed.unobserved()
        } else {
            test.to_vec()
        };
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
    fn every_strategy_of_a_seed_shares_one_test_set_that_none_reveals() {
        let (s, g) = planted(3, 8, 20, 0.3);
        let oracle = Oracle::new(&s);
        let predictors: Vec<Box<dyn Predictor>> = vec![
            Box::new(Neighbours::params(Arc::new(g)).check().unwrap()),
            Box::new(TrainingMean),
        ];
        let metrics: Vec<Box<dyn Metric>> = vec![Box::new(PearsonDelta::all())];
        let choosers = [
            Chooser::Sealed(Box::new(Random)),
            Chooser::UpperBound(UpperBound::default()),
        ];
        let plan = Plan {
            oracle: &oracle,
            predictors: &predictors,
            choosers: &choosers,
            initial: &Initial::Random(4),
            batches: &[5, 5],
            metrics: &metrics,
            test_fraction: 0.25,
        };
        let stop = AtomicBool::new(false);
        let run = |c: &Chooser, seed| {
            plan.run_job(c, seed, None, &|_: &JobState| Ok(()), &stop, || {})
                .unwrap()
        };
        let names = s.layout().perturbations();
        for seed in [1, 2] {
            let test = plan.test_rows(seed);
            // 25 % of 24, drawn before anything else.
            assert_eq!(test.len(), 6);
            let genes: Vec<String> = test.iter().map(|&r| names[r].clone()).collect();
            for chooser in &choosers {
                let state = run(chooser, seed);
                assert_eq!(state.test_set, genes, "{}", chooser.name());
                assert_eq!(state.revealed.len(), 4 + 5 + 5);
                assert!(
                    state.revealed.iter().all(|r| !test.contains(r)),
                    "{} revealed a test row: {:?} vs {test:?}",
                    chooser.name(),
                    state.revealed
                );
            }
        }
        assert_ne!(plan.test_rows(1), plan.test_rows(2));
        // Without a test set the initial draw is the one every earlier run made.
        let all = Plan {
            test_fraction: 0.0,
            ..plan
        };
        assert!(all.test_rows(1).is_empty());
        let mut rng = stream(1, "initial", 0);
        assert_eq!(
            all.initial_rows(1, &[]),
            rand::seq::index::sample(&mut rng, 24, 4).into_vec()
        );
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
            test_fraction: 0.0,
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
            .run_job(
                &choosers[0],
                7,
                Some(after_round_1.clone()),
                &save,
                &stop,
                || {},
            )
            .unwrap();
        assert_eq!(resumed, full);
        // A saved state is checked against the plan, whatever its hash says.
        assert_eq!(plan.check_state(&full, "random", 7), Ok(()));
        let mut bumped = after_round_1.clone();
        bumped.rounds_done = 2;
        assert!(
            plan.check_state(&bumped, "random", 7)
                .unwrap_err()
                .starts_with("5 revealed rows and 5 picks after 2 rounds, expected 8")
        );
        let pool = oracle.layout().n_perturbations();
        let mut outside = full.clone();
        outside.revealed[0] = pool;
        assert_eq!(
            plan.check_state(&outside, "random", 7).unwrap_err(),
            format!("revealed row {pool} is outside the screen's {pool} perturbations")
        );
        let mut twice = full.clone();
        twice.revealed[1] = twice.revealed[0];
        assert_eq!(
            plan.check_state(&twice, "random", 7).unwrap_err(),
            "a row is revealed twice"
        );
        assert!(plan.check_state(&full, "random", 8).is_err());
        // Sealed: opened only by the same run and unchanged.
        let bytes = serde_json::to_vec(&SavedJob::seal(&full, "abc")).unwrap();
        assert_eq!(SavedJob::open(&bytes, "abc"), Ok(full.clone()));
        assert!(
            SavedJob::open(&bytes, "abd")
                .unwrap_err()
                .starts_with("saved by a run of other settings")
        );
        let edited =
            String::from_utf8(bytes)
                .unwrap()
                .replacen("\"rounds_done\":3", "\"rounds_done\":2", 1);
        assert_eq!(
            SavedJob::open(edited.as_bytes(), "abc").unwrap_err(),
            "its content does not match its hash: edited after it was saved"
        );
        // A stop request ends the job with its last round saved.
        stop.store(true, Ordering::Relaxed);
        let err = plan
            .run_job(&choosers[0], 7, None, &save, &stop, || {})
            .unwrap_err();
        assert!(matches!(err, JobError::Interrupted));
    }
}

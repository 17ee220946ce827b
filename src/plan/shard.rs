//! Sharding a run: which shard runs which (screen, strategy, seed) job, and whether a set of
//! shards covers a run exactly once.
//!
//! In flow the run's jobs with their expected cost ([`job_cost`], a static model per strategy
//! and predictor)
//! and a [`Shard`] `I/N`; out comes the slice of jobs shard `I` runs ([`assign`]: longest job
//! first onto the least-loaded shard, so shards are balanced by cost, not only by count, and the
//! same inputs always give the same slices). For `merge`, [`check_cover`] takes each shard's
//! jobs and refuses a set of shards that misses a job or runs one twice, naming it.
//!
//! ```
//! use mechpert::plan::shard::{Shard, assign};
//! let shard: Shard = "2/2".parse().unwrap();
//! // Costs 5, 1, 1, 3: the 5 goes to shard 1, the 3 to shard 2, then the 1s to shard 2 (3 < 5).
//! let owner = assign(&[5.0, 1.0, 1.0, 3.0], shard.count());
//! assert_eq!(owner, [0, 1, 1, 1]);
//! assert!(shard.runs(owner[3]));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count` (1-based, as written on the command line: `--shard 2/3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    index: usize,
    count: usize,
}

/// A `--shard` value that is not `I/N` with `1 ≤ I ≤ N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid shard {0:?}: expected I/N with whole numbers 1 ≤ I ≤ N, e.g. 2/3")]
pub struct ShardParseError(pub String);

impl FromStr for Shard {
    type Err = ShardParseError;
    fn from_str(s: &str) -> Result<Shard, ShardParseError> {
        let bad = || ShardParseError(s.to_string());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// 1-based index.
    pub fn index(&self) -> usize {
        self.index
    }
    /// How many shards the run is split into.
    pub fn count(&self) -> usize {
        self.count
    }
    /// Whether this shard runs a job [`assign`] gave to (0-based) `owner`.
    pub fn runs(&self, owner: usize) -> bool {
        owner + 1 == self.index
    }
}

/// Relative seconds per round of one job of `strategy`, measured by
/// `experiments/perf/shard_costs.sh k562-like 4 10` (one job alone, one thread, the loop stage of
/// `run.json`; README "Large sweeps"): `random` 2.6 s, `diversity` 2.4 s, the centrality and
/// consensus strategies 3.0–3.9 s (their rankings are computed once per run, outside the jobs),
/// `oracle` 8.9 s (it scores every candidate on held-out data), `uncertainty` 10.2 s and
/// `hybrid` 10.6 s (bootstrap refits every round). Unit: a `random` round.
pub fn strategy_cost(strategy: &str) -> f64 {
    match strategy {
        "random" | "diversity" => 1.0,
        "uncertainty" | "hybrid" => 4.0,
        "oracle" => 3.5,
        _ => 1.35,
    }
}

/// Relative seconds per round of fitting and predicting with `predictor` (a `plan` predictor,
/// `:shrunk` or not), against the default `consensus:shrunk`, measured by
/// `PREDICTOR=NAME STRATEGIES="random uncertainty" experiments/perf/shard_costs.sh k562-like 4 10`
/// (loop seconds of one job, one thread, a machine at load 15): `consensus:shrunk` random 1.7 s,
/// uncertainty 4.9 s; `ridge:shrunk` 6.1 s and 17.7 s (3.5× and 3.6×); `stack`, which fits
/// ridge among its members, 6.4 s and 14.6 s (3.7× and 3.0×). The other predictors (the mean,
/// the kNN ones, additive) are costed as the default. A strategy that refits the predictor
/// (`uncertainty`, `hybrid`) pays the factor on every refit, so the two costs multiply.
pub fn predictor_cost(predictor: &str) -> f64 {
    match predictor.split(':').next().unwrap_or(predictor) {
        "ridge" | "stack" => 3.5,
        _ => 1.0,
    }
}

/// Expected cost of one job: its strategy's cost per round × its predictor's × its rounds.
pub fn job_cost(strategy: &str, predictor: &str, rounds: usize) -> f64 {
    strategy_cost(strategy) * predictor_cost(predictor) * rounds as f64
}

/// The 0-based shard each job goes to: jobs in decreasing cost (ties in input order), each onto
/// the shard with the least cost so far (ties to the lowest shard). Deterministic.
pub fn assign(costs: &[f64], count: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..costs.len()).collect();
    order.sort_by(|&a, &b| costs[b].total_cmp(&costs[a]).then(a.cmp(&b)));
    let mut load = vec![0.0f64; count.max(1)];
    let mut owner = vec![0; costs.len()];
    for j in order {
        let (best, _) = load
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1).then(a.0.cmp(&b.0)))
            .expect("at least one shard");
        owner[j] = best;
        load[best] += costs[j];
    }
    owner
}

/// One job of a run: a strategy and a seed of one screen.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct JobKey {
    /// Strategy name.
    pub strategy: String,
    /// Seed.
    pub seed: u64,
}

impl JobKey {
    /// Every job of `settings`' screen, in the order the unsharded run runs (and writes) them:
    /// strategy by strategy, seed by seed.
    pub fn all_of(settings: &crate::plan::config::Settings) -> impl Iterator<Item = JobKey> + '_ {
        settings.strategies.iter().flat_map(|strategy| {
            settings.seeds.iter().map(move |&seed| JobKey {
                strategy: strategy.clone(),
                seed,
            })
        })
    }
}

impl fmt::Display for JobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-seed{}", self.strategy, self.seed)
    }
}

/// What one shard says it ran (from its manifest), named by where it was read.
#[derive(Debug, Clone)]
pub struct ShardJobs {
    /// Where the manifest was read (for messages).
    pub origin: String,
    /// Which shard it is.
    pub shard: Shard,
    /// Its config hash.
    pub config: String,
    /// The jobs it ran.
    pub jobs: Vec<JobKey>,
}

/// Why a set of shards does not make up one run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoverError {
    /// No shard was given.
    #[error("no shards to merge")]
    Empty,
    /// Two shards come from runs with different settings.
    #[error(
        "{a} and {b} are shards of different runs (config hash {ha} vs {hb}): merge only shards of one `mechpert plan` configuration"
    )]
    Config {
        /// First shard.
        a: String,
        /// Its hash.
        ha: String,
        /// The other shard.
        b: String,
        /// Its hash.
        hb: String,
    },
    /// Two shards split the run differently.
    #[error("{a} is shard {sa} but {b} is shard {sb}: every shard must have the same N")]
    Count {
        /// First shard.
        a: String,
        /// Its I/N.
        sa: Shard,
        /// The other shard.
        b: String,
        /// Its I/N.
        sb: Shard,
    },
    /// The same shard given twice.
    #[error("shard {shard} is given twice: {a} and {b}")]
    DuplicateShard {
        /// The shard.
        shard: Shard,
        /// First copy.
        a: String,
        /// Second copy.
        b: String,
    },
    /// Shards of the run not given.
    #[error("missing shard(s) {} of {count}: give every shard's folder", .missing.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", "))]
    MissingShards {
        /// 1-based indices missing.
        missing: Vec<usize>,
        /// N.
        count: usize,
    },
    /// A job run by two shards.
    #[error("job {job} is in both {a} and {b}")]
    DuplicateJob {
        /// The job.
        job: JobKey,
        /// First shard.
        a: String,
        /// Second shard.
        b: String,
    },
    /// A job that is not part of the run's settings.
    #[error("job {job} in {origin} is not a job of the run (strategies × seeds of its config)")]
    UnexpectedJob {
        /// The job.
        job: JobKey,
        /// Where it was.
        origin: String,
    },
    /// Jobs of the run that no shard ran.
    #[error("missing job(s) {}: no shard ran them (an unfinished shard?)", .0.iter().map(|j| j.to_string()).collect::<Vec<_>>().join(", "))]
    MissingJobs(Vec<JobKey>),
}

/// Checks that `shards` are all the shards `1..=N` of one configuration and together run each
/// job of `expected` exactly once.
pub fn check_cover(expected: &[JobKey], shards: &[ShardJobs]) -> Result<(), CoverError> {
    let first = shards.first().ok_or(CoverError::Empty)?;
    let mut seen_shard: BTreeMap<usize, &str> = BTreeMap::new();
    let mut seen_job: BTreeMap<&JobKey, &str> = BTreeMap::new();
    for s in shards {
        if s.config != first.config {
            return Err(CoverError::Config {
                a: first.origin.clone(),
                ha: first.config.clone(),
                b: s.origin.clone(),
                hb: s.config.clone(),
            });
        }
        if s.shard.count != first.shard.count {
            return Err(CoverError::Count {
                a: first.origin.clone(),
                sa: first.shard,
                b: s.origin.clone(),
                sb: s.shard,
            });
        }
        if let Some(a) = seen_shard.insert(s.shard.index, &s.origin) {
            return Err(CoverError::DuplicateShard {
                shard: s.shard,
                a: a.to_string(),
                b: s.origin.clone(),
            });
        }
        for job in &s.jobs {
            if !expected.contains(job) {
                return Err(CoverError::UnexpectedJob {
                    job: job.clone(),
                    origin: s.origin.clone(),
                });
            }
            if let Some(a) = seen_job.insert(job, &s.origin) {
                return Err(CoverError::DuplicateJob {
                    job: job.clone(),
                    a: a.to_string(),
                    b: s.origin.clone(),
                });
            }
        }
    }
    let missing: Vec<usize> = (1..=first.shard.count)
        .filter(|i| !seen_shard.contains_key(i))
        .collect();
    if !missing.is_empty() {
        return Err(CoverError::MissingShards {
            missing,
            count: first.shard.count,
        });
    }
    let missing: Vec<JobKey> = expected
        .iter()
        .filter(|j| !seen_job.contains_key(j))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(CoverError::MissingJobs(missing));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_refuse_what_is_not_i_of_n() {
        let s: Shard = "2/3".parse().unwrap();
        assert_eq!((s.index(), s.count(), s.to_string()), (2, 3, "2/3".into()));
        for bad in ["0/3", "4/3", "3", "a/3", "1/b", "1/0", ""] {
            let err = bad.parse::<Shard>().unwrap_err();
            assert_eq!(err, ShardParseError(bad.into()));
            assert!(err.to_string().contains("expected I/N"), "{err}");
        }
    }

    #[test]
    fn a_predictor_that_fits_ridge_makes_every_job_dearer() {
        assert_eq!(job_cost("random", "consensus:shrunk", 4), 4.0);
        assert_eq!(job_cost("random", "stack", 4), 14.0);
        assert_eq!(job_cost("uncertainty", "ridge:shrunk", 2), 28.0);
        assert_eq!(
            job_cost("degree", "graph", 1),
            job_cost("degree", "mean", 1)
        );
    }

    #[test]
    fn assignment_balances_cost_not_count() {
        // Two costly jobs and four cheap ones over 2 shards: by count each shard would get
        // three; by cost each gets one costly (4) and two cheap (1 + 1) jobs.
        let costs = [4.0, 1.0, 1.0, 4.0, 1.0, 1.0];
        let owner = assign(&costs, 2);
        assert_eq!(owner, [0, 0, 1, 1, 0, 1]);
        let load = |s| {
            (0..6)
                .filter(|&j| owner[j] == s)
                .map(|j| costs[j])
                .sum::<f64>()
        };
        assert_eq!((load(0), load(1)), (6.0, 6.0));
        // More shards than jobs: the extra shards run nothing.
        assert_eq!(assign(&[1.0, 2.0], 3), [1, 0]);
        assert_eq!(assign(&[], 2), Vec::<usize>::new());
    }

    fn jobs(names: &[(&str, u64)]) -> Vec<JobKey> {
        names
            .iter()
            .map(|&(s, seed)| JobKey {
                strategy: s.into(),
                seed,
            })
            .collect()
    }

    fn shard(origin: &str, s: &str, config: &str, j: &[(&str, u64)]) -> ShardJobs {
        ShardJobs {
            origin: origin.into(),
            shard: s.parse().unwrap(),
            config: config.into(),
            jobs: jobs(j),
        }
    }

    #[test]
    fn cover_accepts_exactly_once_and_names_what_is_wrong() {
        let expected = jobs(&[("random", 1), ("random", 2), ("degree", 1)]);
        let a = shard("a", "1/2", "h", &[("random", 1), ("degree", 1)]);
        let b = shard("b", "2/2", "h", &[("random", 2)]);
        assert_eq!(check_cover(&expected, &[a.clone(), b.clone()]), Ok(()));
        assert_eq!(check_cover(&expected, &[]), Err(CoverError::Empty));
        let other = shard("c", "2/2", "g", &[("random", 2)]);
        let err = check_cover(&expected, &[a.clone(), other]).unwrap_err();
        assert!(matches!(err, CoverError::Config { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("a and c are shards of different runs")
        );
        let three = shard("c", "2/3", "h", &[("random", 2)]);
        assert!(matches!(
            check_cover(&expected, &[a.clone(), three]),
            Err(CoverError::Count { .. })
        ));
        let err = check_cover(&expected, &[a.clone(), a.clone()]).unwrap_err();
        assert_eq!(err.to_string(), "shard 1/2 is given twice: a and a");
        let err = check_cover(&expected, std::slice::from_ref(&a)).unwrap_err();
        assert_eq!(
            err,
            CoverError::MissingShards {
                missing: vec![2],
                count: 2
            }
        );
        let dup = shard("b", "2/2", "h", &[("random", 2), ("degree", 1)]);
        let err = check_cover(&expected, &[a.clone(), dup]).unwrap_err();
        assert_eq!(err.to_string(), "job degree-seed1 is in both a and b");
        let short = shard("b", "2/2", "h", &[]);
        let err = check_cover(&expected, &[a.clone(), short]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "missing job(s) random-seed2: no shard ran them (an unfinished shard?)"
        );
        let stray = shard("b", "2/2", "h", &[("random", 2), ("pagerank", 1)]);
        let err = check_cover(&expected, &[a, stray]).unwrap_err();
        assert!(matches!(err, CoverError::UnexpectedJob { .. }), "{err}");
    }
}

//! The plan configuration: the TOML file as written ([`PlanFile`], unknown keys refused with
//! their line) and, once every setting is known, the checked settings of one screen's run
//! ([`Settings`]), which serialise back into a complete, rerunnable `config.toml`.
//!
//! Raw → checked, as everywhere in mechpert: names are checked against the lists of known
//! strategies, predictors and metrics, counts are positive, and the budget is checked against
//! the pool once the screen is known ([`Settings::check_budget`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::oracle::Feedback;
use crate::agents::config::is_bundled_panel;
use crate::cli::ScreenArgs;

/// Strategy names, as spelled on the command line and in every output.
pub const STRATEGIES: &[&str] = &[
    "anchors",
    "anchors:per-target",
    "anchors:symmetric",
    "anchors:graph",
    "anchors:facility",
    "consensus",
    "hubs",
    "degree",
    "pagerank",
    "betweenness",
    "eigenvector",
    "closeness",
    "random",
    "uncertainty",
    "diversity",
    "hybrid",
    "oracle",
];

/// The centrality strategies (ranked once per graph), a subset of [`STRATEGIES`].
pub const CENTRALITY: &[&str] = &[
    "degree",
    "pagerank",
    "betweenness",
    "eigenvector",
    "closeness",
];

/// The most seeds a plan runs: a bound checked before the list of seeds is built, so
/// `seeds = 1e18` is a message, not an allocation until the process is killed.
pub const MAX_SEEDS: u64 = 10_000;

/// The most rounds a plan runs: checked before the schedule is built, so `rounds = 1e18` is a
/// message rather than an allocation that aborts the process.
pub const MAX_ROUNDS: usize = 100_000;

/// The most worker threads: each reserves a large stack, so a huge count would hang starting
/// them rather than run faster.
pub const MAX_THREADS: usize = 1_024;

/// Settings a resume may change: they cannot change a byte of the results.
pub const RESULT_NEUTRAL: &[&str] = &["threads"];

/// The most bootstrap refits `uncertainty` and `hybrid` make per round: each is a full refit
/// of the predictor, so the cost grows with it without end.
pub const MAX_UNCERTAINTY_DRAWS: usize = 1_000;

/// The share of each seed's screen held out as the fixed test set unless the settings say
/// otherwise (how GeneDisco and IterPert score: every strategy of a seed on the same rows).
pub const DEFAULT_TEST_FRACTION: f64 = 0.2;

/// The largest test fraction: the rest must leave a pool worth designing from.
pub const MAX_TEST_FRACTION: f64 = 0.9;

/// How many perturbations a test fraction holds out of a screen of `n`: `fraction × n`
/// rounded, at least 1 when the fraction is positive (a fraction asks for a test set).
pub fn test_size(fraction: f64, n: usize) -> usize {
    if fraction <= 0.0 {
        0
    } else {
        ((fraction * n as f64).round() as usize).clamp(1, n)
    }
}
/// The strategies of a plan that names none.
pub const DEFAULT_STRATEGIES: &[&str] = &["anchors", "degree", "pagerank", "betweenness", "random"];

/// The predictor of a plan that names none.
pub const DEFAULT_PREDICTOR: &str = "consensus:shrunk";

/// Metrics scored unless the settings say otherwise.
pub const DEFAULT_METRICS: &[&str] = &[
    "pearson_delta",
    "pearson_delta_de20",
    "systema_pearson",
    "mse",
];

/// The plan TOML as written. Every field is optional; flags override fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    /// Run name (default output folder `results/<name>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Output folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out: Option<PathBuf>,
    /// The predictor fitted every round (`consensus:shrunk` by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predictor: Option<String>,
    /// Strategy names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategies: Option<Vec<String>>,
    /// `none`, `random:N` or a gene-list file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial: Option<String>,
    /// Rounds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounds: Option<usize>,
    /// Picks per round: one number or one per round.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<Batch>,
    /// Seeds 1…N.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seeds: Option<u64>,
    /// Metric names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Vec<String>>,
    /// Worker threads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// Bootstrap refits per round of `uncertainty` and `hybrid` (default 4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertainty_draws: Option<usize>,
    /// Exponent on the uncertainty factor of `hybrid` (default 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hybrid_weight: Option<f64>,
    /// What picked perturbations reveal: `true` (default) or `permuted`, the control in which
    /// each is shown another revealed perturbation's response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
    /// Share of each seed's perturbations held out as a fixed test set, never offered to a
    /// strategy and scored every round (default 0.2); 0 scores the perturbations not yet picked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_fraction: Option<f64>,
    /// Knowledge shared by every screen unless a screen sets its own.
    #[serde(flatten)]
    pub knowledge: KnowledgeFile,
    /// The screens, each run in turn (`[[screen]]` tables).
    #[serde(default, rename = "screen", skip_serializing_if = "Vec::is_empty")]
    pub screens: Vec<ScreenFile>,
}

/// Where the consensus and prior graph of a screen come from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeFile {
    /// agents.toml to ask.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agents: Option<PathBuf>,
    /// Or a consensus table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neighbours: Option<PathBuf>,
    /// With `neighbours`: a hubs table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hubs: Option<PathBuf>,
    /// Reply cache folder for the agents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<PathBuf>,
    /// Fail on cache misses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offline: Option<bool>,
    /// Vote threshold overriding agents.toml.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tau: Option<String>,
    /// Weighting overriding agents.toml.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weighting: Option<String>,
    /// Prior graph spec (or `consensus`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub graph: Option<String>,
}

/// One `[[screen]]` table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenFile {
    /// Its name (the output subfolder when a run has several screens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A screen file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// Or a screen simulated on the fly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulate: Option<SimulateFile>,
    /// This screen's initial set, overriding the top level's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial: Option<String>,
    /// This screen's rounds, overriding the top level's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounds: Option<usize>,
    /// This screen's batch sizes, overriding the top level's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<Batch>,
    /// How this screen's file is read: the reading flags of `mechpert plan` (`--format`,
    /// `--perturbation-key`, `--layer`, …) as fields of the same names.
    #[serde(flatten)]
    pub reading: ScreenArgs,
    /// This screen's knowledge, overriding the top level's.
    #[serde(flatten)]
    pub knowledge: KnowledgeFile,
}

/// `simulate = { preset = "k562-like", seed = 1 }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulateFile {
    /// A `mechpert simulate --preset` name.
    pub preset: String,
    /// Its seed.
    #[serde(default = "one")]
    pub seed: u64,
}

fn one() -> u64 {
    1
}

/// One batch size for every round, or one per round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Batch {
    /// The same every round.
    Each(usize),
    /// Round by round.
    PerRound(Vec<usize>),
}

/// A configuration that does not parse or check.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {message}", .path.display())]
pub struct ConfigError {
    /// The file (or `command line`).
    pub path: PathBuf,
    /// What is wrong and what would be accepted.
    pub message: String,
}

impl PlanFile {
    /// Parses TOML text; `path` names the file in errors (which carry the line and column).
    pub fn parse(text: &str, path: &Path) -> Result<PlanFile, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            message: locate_unknown_key(text, &e),
        })
    }

    /// Makes every relative path start from `base` (the TOML file's folder).
    pub fn rebase(&mut self, base: &Path) {
        let fix = |p: &mut Option<PathBuf>| {
            if let Some(path) = p {
                if path.is_relative() {
                    *path = lexical_join(base, path);
                }
            }
        };
        fix(&mut self.out);
        self.knowledge.rebase(base);
        for s in &mut self.screens {
            fix(&mut s.file);
            fix(&mut s.reading.labels);
            fix(&mut s.reading.aliases);
            s.knowledge.rebase(base);
        }
        if let Some(initial) = &mut self.initial {
            if !matches!(initial.as_str(), "none") && !initial.starts_with("random:") {
                let p = Path::new(initial.as_str());
                if p.is_relative() {
                    *initial = lexical_join(base, p).display().to_string();
                }
            }
        }
    }
}

impl KnowledgeFile {
    fn rebase(&mut self, base: &Path) {
        for path in [
            &mut self.agents,
            &mut self.neighbours,
            &mut self.hubs,
            &mut self.cache,
        ]
        .into_iter()
        .flatten()
        {
            if path.is_relative() && !is_bundled_panel(path) {
                *path = lexical_join(base, path);
            }
        }
        if let Some(spec) = &mut self.graph {
            if let Some((kind, rest)) = spec.split_once(':') {
                if Path::new(rest).is_relative() {
                    *spec = format!("{kind}:{}", lexical_join(base, Path::new(rest)).display());
                }
            }
        }
    }

    /// `self` with every unset field taken from `defaults`.
    pub fn or(&self, defaults: &KnowledgeFile) -> KnowledgeFile {
        KnowledgeFile {
            agents: self.agents.clone().or_else(|| defaults.agents.clone()),
            neighbours: self
                .neighbours
                .clone()
                .or_else(|| defaults.neighbours.clone()),
            hubs: self.hubs.clone().or_else(|| defaults.hubs.clone()),
            cache: self.cache.clone().or_else(|| defaults.cache.clone()),
            offline: self.offline.or(defaults.offline),
            tau: self.tau.clone().or_else(|| defaults.tau.clone()),
            weighting: self
                .weighting
                .clone()
                .or_else(|| defaults.weighting.clone()),
            graph: self.graph.clone().or_else(|| defaults.graph.clone()),
        }
    }
}

/// The checked settings of one screen's run.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The run's name.
    pub name: String,
    /// The screen's name.
    pub screen_name: String,
    /// Where the screen comes from.
    pub screen: ScreenSource,
    /// How its file is read.
    pub reading: ScreenArgs,
    /// Where its knowledge comes from.
    pub knowledge: KnowledgeFile,
    /// The predictor fitted every round.
    pub predictor: String,
    /// Strategies in output order.
    pub strategies: Vec<String>,
    /// The initial set as written (`none`, `random:N`, a file).
    pub initial: String,
    /// Picks per round.
    pub batches: Vec<usize>,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Metrics.
    pub metrics: Vec<String>,
    /// Worker threads.
    pub threads: usize,
    /// Bootstrap refits of `uncertainty` and `hybrid`.
    pub uncertainty_draws: usize,
    /// Exponent of `hybrid`.
    pub hybrid_weight: f64,
    /// What picked perturbations reveal.
    pub feedback: Feedback,
    /// Share of each seed's perturbations held out as the fixed test set (0: none, every
    /// round scored on the perturbations not yet picked).
    pub test_fraction: f64,
    /// The output folder of this screen.
    pub out: PathBuf,
}

/// A screen file or a simulation.
#[derive(Debug, Clone, PartialEq)]
pub enum ScreenSource {
    /// Read from a file.
    File(PathBuf),
    /// Simulated on the fly.
    Simulate(SimulateFile),
}

impl Settings {
    /// Checks names and counts that need no data. `known_metrics` lists the metric names.
    pub fn check(&self, known_metrics: &[String]) -> Result<(), String> {
        if self.strategies.is_empty() {
            return Err("strategies: expected at least one strategy".into());
        }
        for s in &self.strategies {
            if !STRATEGIES.contains(&s.as_str()) {
                return Err(format!(
                    "unknown strategy `{s}`: expected one of {}",
                    STRATEGIES.join(", ")
                ));
            }
        }
        if let Some(dup) = first_repeat(&self.strategies) {
            return Err(format!("strategy `{dup}` is listed twice"));
        }
        for m in &self.metrics {
            if !known_metrics.contains(m) {
                return Err(format!(
                    "unknown metric `{m}`: expected one of {}",
                    known_metrics.join(", ")
                ));
            }
        }
        if self.batches.is_empty() || self.batches.contains(&0) {
            return Err(format!(
                "batch {:?}: expected at least one round and a positive number of picks per round",
                self.batches
            ));
        }
        if self.seeds.is_empty() {
            return Err("seeds: expected at least 1".into());
        }
        if !(1..=MAX_THREADS).contains(&self.threads) {
            return Err(format!(
                "threads {}: expected 1 to {MAX_THREADS}",
                self.threads
            ));
        }
        if !(2..=MAX_UNCERTAINTY_DRAWS).contains(&self.uncertainty_draws) {
            return Err(format!(
                "uncertainty_draws {}: expected 2 to {MAX_UNCERTAINTY_DRAWS} bootstrap refits (each refits the predictor every round)",
                self.uncertainty_draws
            ));
        }
        if !(self.hybrid_weight.is_finite() && (0.0..=10.0).contains(&self.hybrid_weight)) {
            return Err(format!(
                "hybrid_weight {}: expected a number in [0, 10]",
                self.hybrid_weight
            ));
        }
        if !(self.test_fraction.is_finite()
            && (0.0..=MAX_TEST_FRACTION).contains(&self.test_fraction))
        {
            return Err(format!(
                "test_fraction {}: expected a number in [0, {MAX_TEST_FRACTION}] (0 scores the perturbations not yet picked)",
                self.test_fraction
            ));
        }
        let initial = self.initial.as_str();
        if let Some(n) = initial.strip_prefix("random:") {
            if n.parse::<usize>().is_err() {
                return Err(format!(
                    "initial `{initial}`: expected none, random:N with N a whole number, or a gene-list file"
                ));
            }
        }
        Ok(())
    }

    /// The total budget: initial set plus every batch.
    pub fn budget(&self, initial: usize) -> usize {
        self.batches
            .iter()
            .fold(initial, |sum, &b| sum.saturating_add(b))
    }

    /// Checks the budget against a screen of `pool` perturbations: without a test set at least
    /// one must be left to predict after the last round; with one, the budget must fit in the
    /// perturbations outside it.
    pub fn check_budget(&self, initial: usize, pool: usize) -> Result<(), String> {
        let budget = self.budget(initial);
        let test = test_size(self.test_fraction, pool);
        let most = if test == 0 {
            pool.saturating_sub(1)
        } else {
            pool - test
        };
        if budget > most {
            let what = if test == 0 {
                format!("leaves nothing to predict in a screen of {pool}")
            } else {
                format!(
                    "does not fit in the {most} perturbations of a screen of {pool} outside its test set of {test} (test_fraction {})",
                    self.test_fraction
                )
            };
            return Err(format!(
                "the budget of {budget} perturbations (initial {initial} + rounds {:?}) {what}: at most {most} can be observed",
                self.batches,
            ));
        }
        Ok(())
    }

    /// What every round is scored on, for `summary.md` and `run.json`, in a screen of `pool`.
    pub fn scored_on(&self, pool: usize) -> String {
        match test_size(self.test_fraction, pool) {
            0 => "the perturbations not yet picked".to_string(),
            n => format!(
                "a fixed test set of {n} perturbations per seed ({} %), the same for every strategy of a seed and never offered to one",
                (self.test_fraction * 1000.0).round() / 10.0
            ),
        }
    }

    /// The settings as a complete TOML file with paths relative to `from` (the folder the file
    /// is written into), so it reruns as is: `mechpert plan --config FROM/config.toml`.
    pub fn to_toml(&self, from: &Path) -> String {
        let rel = |p: &Path| relative(p, from);
        let mut knowledge = self.knowledge.clone();
        for path in [
            &mut knowledge.agents,
            &mut knowledge.neighbours,
            &mut knowledge.hubs,
            &mut knowledge.cache,
        ]
        .into_iter()
        .flatten()
        .filter(|p| !is_bundled_panel(p))
        {
            *path = rel(path);
        }
        if let Some(spec) = &mut knowledge.graph {
            if let Some((kind, rest)) = spec.split_once(':') {
                if Path::new(rest).is_absolute() {
                    *spec = format!("{kind}:{}", rel(Path::new(rest)).display());
                }
            }
        }
        let initial = match self.initial.as_str() {
            i if i == "none" || i.starts_with("random:") => i.to_string(),
            path => rel(Path::new(path)).display().to_string(),
        };
        let reading = ScreenArgs {
            labels: self.reading.labels.as_deref().map(rel),
            aliases: self.reading.aliases.as_deref().map(rel),
            ..self.reading.clone()
        };
        let screen = match &self.screen {
            ScreenSource::File(p) => ScreenFile {
                name: Some(self.screen_name.clone()),
                file: Some(rel(p)),
                reading,
                ..ScreenFile::default()
            },
            ScreenSource::Simulate(s) => ScreenFile {
                name: Some(self.screen_name.clone()),
                simulate: Some(s.clone()),
                reading,
                ..ScreenFile::default()
            },
        };
        let file = PlanFile {
            name: Some(self.name.clone()),
            out: Some(PathBuf::from(".")),
            predictor: Some(self.predictor.clone()),
            strategies: Some(self.strategies.clone()),
            initial: Some(initial),
            rounds: Some(self.batches.len()),
            batch: Some(Batch::PerRound(self.batches.clone())),
            seeds: Some(self.seeds.len() as u64),
            metrics: Some(self.metrics.clone()),
            threads: Some(self.threads),
            uncertainty_draws: Some(self.uncertainty_draws),
            hybrid_weight: Some(self.hybrid_weight),
            // Written only for the control, so a run with true feedback keeps its file.
            feedback: (self.feedback != Feedback::True).then(|| self.feedback.as_str().into()),
            test_fraction: Some(self.test_fraction),
            knowledge,
            screens: vec![screen],
        };
        let mut text = String::from(
            "# Resolved settings of this run, written by mechpert plan. Rerun with\n#   mechpert plan --config <this file>\n# (paths are relative to this file's folder).\n",
        );
        text.push_str(&toml::to_string(&file).expect("plain data serialises"));
        text
    }
}

/// What differs between two runs' settings, one `key: old → new` line per setting (keys as in
/// `config.toml`, `screen.` for the screen's), [`RESULT_NEUTRAL`] settings left out. Compared
/// through the written TOML, so a setting added to [`Settings`] is compared without listing it.
pub fn changes(recorded: &Settings, wanted: &Settings) -> Vec<String> {
    let table = |s: &Settings| {
        let mut flat = std::collections::BTreeMap::new();
        let text = s.to_toml(&recorded.out);
        let value: toml::Table = toml::from_str(&text).expect("written TOML parses");
        flatten("", &toml::Value::Table(value), &mut flat);
        flat
    };
    let (old, new) = (table(recorded), table(wanted));
    let unset = || "(unset)".to_string();
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !RESULT_NEUTRAL.contains(&k.as_str()))
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| {
            format!(
                "{k}: {} → {}",
                old.get(k).cloned().unwrap_or_else(unset),
                new.get(k).cloned().unwrap_or_else(unset)
            )
        })
        .collect()
}

/// Every leaf of `value` as `dotted.key = value text` (a one-screen run's `[[screen]]` list
/// flattened under `screen.`).
fn flatten(
    prefix: &str,
    value: &toml::Value,
    out: &mut std::collections::BTreeMap<String, String>,
) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                flatten(&key(k), v, out);
            }
        }
        toml::Value::Array(items)
            if items.iter().all(toml::Value::is_table) && !items.is_empty() =>
        {
            for v in items {
                flatten(prefix, v, out);
            }
        }
        leaf => {
            out.insert(prefix.to_string(), leaf.to_string());
        }
    }
}

/// `base/path` with `x/..` pairs removed as text (no file-system access), so that a path that
/// went out of a folder and back reads as the user would write it.
pub fn lexical_join(base: &Path, path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in base.components().chain(path.components()) {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

/// `path` relative to the folder `from` (both made absolute first); `path` itself when the
/// two share no root.
pub fn relative(path: &Path, from: &Path) -> PathBuf {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (path, from) = (abs(path), abs(from));
    let p: Vec<_> = path.components().collect();
    let f: Vec<_> = from.components().collect();
    let common = p.iter().zip(&f).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return path;
    }
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// The parser's message, with the line of an unknown key found in the text: serde's flattened
/// tables report unknown keys at the start of the table instead of at the key.
fn locate_unknown_key(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim_end();
    let key = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    let line = key.and_then(|key| {
        text.lines().position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
    });
    match (line, error.span()) {
        (Some(i), _) => format!("line {}: {message}", i + 1),
        (None, Some(span)) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        (None, None) => message.to_string(),
    }
}

fn first_repeat(names: &[String]) -> Option<&str> {
    let mut seen = std::collections::HashSet::new();
    names
        .iter()
        .find(|n| !seen.insert(n.as_str()))
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let err = PlanFile::parse("rounds = 3\nstrategy = [\"random\"]\n", Path::new("p.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("p.toml: line 2: unknown field `strategy`"),
            "{err}"
        );
        assert!(err.contains("unknown field `strategy`"), "{err}");
        let err = PlanFile::parse("[[screen]]\nfiel = \"x.csv\"\n", Path::new("p.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown field `fiel`") && err.contains("line 2"),
            "{err}"
        );
    }

    #[test]
    fn batches_take_one_number_or_a_list_and_screens_inherit_knowledge() {
        let f = PlanFile::parse(
            "batch = [10, 20]\ngraph = \"collectri\"\n[[screen]]\nfile = \"a.csv\"\n[[screen]]\nsimulate = { preset = \"small\" }\ngraph = \"dorothea\"\n",
            Path::new("p.toml"),
        )
        .unwrap();
        assert_eq!(f.batch, Some(Batch::PerRound(vec![10, 20])));
        assert_eq!(
            f.screens[0].knowledge.or(&f.knowledge).graph.as_deref(),
            Some("collectri")
        );
        assert_eq!(
            f.screens[1].knowledge.or(&f.knowledge).graph.as_deref(),
            Some("dorothea")
        );
        assert_eq!(f.screens[1].simulate.as_ref().unwrap().seed, 1);
    }

    fn settings() -> Settings {
        Settings {
            name: "t".into(),
            screen_name: "s".into(),
            screen: ScreenSource::File("/data/s.csv".into()),
            reading: ScreenArgs::default(),
            knowledge: KnowledgeFile {
                neighbours: Some("/data/n.tsv".into()),
                graph: Some("string:/data/string.tsv.gz".into()),
                ..KnowledgeFile::default()
            },
            predictor: "consensus:shrunk".into(),
            strategies: vec!["consensus".into(), "random".into()],
            initial: "random:5".into(),
            batches: vec![10, 10],
            seeds: vec![1, 2],
            metrics: vec!["pearson_delta".into()],
            threads: 2,
            uncertainty_draws: 4,
            hybrid_weight: 1.0,
            feedback: Feedback::True,
            test_fraction: 0.0,
            out: "/data/out/run".into(),
        }
    }

    #[test]
    fn names_counts_and_budgets_are_checked_with_what_is_accepted() {
        let known = vec!["pearson_delta".to_string()];
        assert_eq!(settings().check(&known), Ok(()));
        let mut s = settings();
        s.strategies.push("central".into());
        assert!(s.check(&known).unwrap_err().starts_with(
            "unknown strategy `central`: expected one of anchors, anchors:per-target,"
        ));
        let mut s = settings();
        s.metrics = vec!["r2".into()];
        assert_eq!(
            s.check(&known).unwrap_err(),
            "unknown metric `r2`: expected one of pearson_delta"
        );
        let mut s = settings();
        s.initial = "random:many".into();
        assert!(
            s.check(&known)
                .unwrap_err()
                .starts_with("initial `random:many`")
        );
        assert_eq!(settings().check_budget(5, 26), Ok(()));
        let err = settings().check_budget(5, 25).unwrap_err();
        assert!(
            err.starts_with("the budget of 25 perturbations (initial 5 + rounds [10, 10])"),
            "{err}"
        );
        assert!(err.ends_with("at most 24 can be observed"), "{err}");
    }

    #[test]
    fn a_test_set_takes_its_share_of_the_pool_out_of_the_budget() {
        assert_eq!(test_size(0.0, 200), 0);
        assert_eq!(test_size(0.2, 200), 40);
        assert_eq!(test_size(0.2, 12), 2);
        // A positive fraction always holds out at least one perturbation.
        assert_eq!(test_size(0.01, 10), 1);
        let mut s = settings();
        s.test_fraction = 0.2;
        // 25 of a screen of 31: 6 test (0.2 × 31 = 6.2), exactly 25 left to observe.
        assert_eq!(s.check_budget(5, 31), Ok(()));
        let err = s.check_budget(5, 30).unwrap_err();
        assert_eq!(
            err,
            "the budget of 25 perturbations (initial 5 + rounds [10, 10]) does not fit in the 24 perturbations of a screen of 30 outside its test set of 6 (test_fraction 0.2): at most 24 can be observed"
        );
        assert_eq!(
            s.scored_on(200),
            "a fixed test set of 40 perturbations per seed (20 %), the same for every strategy of a seed and never offered to one"
        );
        assert_eq!(
            settings().scored_on(200),
            "the perturbations not yet picked"
        );
        let known = vec!["pearson_delta".to_string()];
        for bad in [-0.1, 0.95, f64::NAN] {
            s.test_fraction = bad;
            assert!(
                s.check(&known).unwrap_err().starts_with("test_fraction "),
                "{bad}"
            );
        }
        s.test_fraction = 0.9;
        assert_eq!(s.check(&known), Ok(()));
    }

    #[test]
    fn the_resolved_file_reruns_from_its_own_folder() {
        let text = settings().to_toml(Path::new("/data/out/run"));
        let back = PlanFile::parse(&text, Path::new("config.toml")).unwrap();
        assert_eq!(
            back.screens[0].file.as_deref(),
            Some(Path::new("../../s.csv"))
        );
        assert_eq!(
            back.knowledge.neighbours.as_deref(),
            Some(Path::new("../../n.tsv"))
        );
        assert_eq!(
            back.knowledge.graph.as_deref(),
            Some("string:../../string.tsv.gz")
        );
        assert_eq!(back.batch, Some(Batch::PerRound(vec![10, 10])));
        assert_eq!(back.out.as_deref(), Some(Path::new(".")));
        let mut rebased = back.clone();
        rebased.rebase(Path::new("/data/out/run"));
        assert_eq!(
            rebased.screens[0].file.as_deref(),
            Some(Path::new("/data/s.csv"))
        );
        assert_eq!(
            lexical_join(Path::new("k2"), Path::new("../screen.csv")),
            Path::new("screen.csv")
        );
        assert_eq!(
            lexical_join(Path::new(""), Path::new("../x")),
            Path::new("../x")
        );
    }
}

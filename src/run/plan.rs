//! `mechpert plan`: resolve the settings (TOML, then flags), and for each screen load it (or
//! simulate it), build the knowledge, predictors and strategies once, run every job (strategy ×
//! seed) in parallel with a checkpoint after every round, and write the tables.

use std::collections::HashSet;
use std::io::Write;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context as _;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::UsageError;
use super::merge::Manifest;
use super::resolve::{Choice, Knowledge, fill_default_knowledge};
use crate::cli::PlanArgs;
use crate::cli::SimulateArgs;
use crate::data::io::writer::write_atomically;
use crate::data::{GeneSymbols, Screen};
use crate::eval::{Metric, standard_metrics};
use crate::plan::config::{
    Batch, DEFAULT_METRICS, DEFAULT_PREDICTOR, DEFAULT_STRATEGIES, DEFAULT_TEST_FRACTION,
    KnowledgeFile, MAX_ROUNDS, MAX_SEEDS, PlanFile, RESULT_NEUTRAL, ScreenSource, Settings,
    SimulateFile, changes,
};
use crate::plan::jobs::{Initial, JobError, JobState, PickRow, Plan, RoundRow, SavedJob};
use crate::plan::oracle::{Feedback, Oracle};
use crate::plan::shard::{JobKey, Shard, assign, job_cost};
use crate::priors::centrality::cache::ScoreCache;
use crate::report::plan::{
    PlanHeader, write_headline, write_picks_csv, write_rounds_csv, write_summary,
    write_test_set_csv,
};

/// The run stopped on SIGINT after checkpointing (exit code 130).
#[derive(Debug, thiserror::Error)]
#[error("interrupted; every finished round is checkpointed: continue with `mechpert plan --resume {}`", .0.display())]
pub struct Interrupted(pub PathBuf);

const CHECKPOINT: &str = ".checkpoint";
/// A shard's finished jobs, one `<strategy>-seed<N>.json` each (a [`JobState`]).
pub(super) const JOBS: &str = "jobs";

/// Runs the command.
pub fn run(args: PlanArgs, quiet: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&stop))
        .context("installing the SIGINT handler")?;
    let resolved = resolve(&args)?;
    let known: Vec<String> = standard_metrics()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    for (s, _) in &resolved {
        s.check(&known)
            .map_err(|m| UsageError(format!("screen `{}`: {m}", s.screen_name)))?;
        Choice::parse(&s.predictor, "predictor")?;
        check_inputs(s).map_err(|m| UsageError(format!("screen `{}`: {m}", s.screen_name)))?;
    }
    // A screen file on the default schedule is read now, to fit the schedule to its size (the
    // run then uses this reading).
    let mut all = Vec::new();
    let mut preloaded = Vec::new();
    for (mut settings, schedule_given) in resolved {
        let loaded = match &settings.screen {
            ScreenSource::File(_) if !schedule_given => {
                let symbols = super::resolve_symbols(&settings.reading)?;
                let loaded = load_screen(&settings, &symbols, Path::new(""))?;
                let chosen = fit_default_schedule(&mut settings, loaded.0.n_perturbations());
                tracing::warn!("screen `{}`: {chosen}", settings.screen_name);
                Some(loaded)
            }
            _ => None,
        };
        all.push(settings);
        preloaded.push(loaded);
    }
    if let Some(dir) = &args.resume {
        refuse_changes(dir, &all)?;
    }
    let owned = args.shard.map(|shard| (shard, shard_jobs(&all, shard)));
    for (i, (settings, loaded)) in all.iter().zip(preloaded).enumerate() {
        let shard = owned.as_ref().map(|(shard, jobs)| (*shard, &jobs[i]));
        run_screen(settings, loaded, &args, quiet, &stop, out, shard)?;
    }
    Ok(())
}

/// Per screen, the jobs shard `shard` runs: every (screen, strategy, seed) job of the run costed
/// by [`job_cost`] and dealt out by [`assign`], so the slices balance across all screens.
fn shard_jobs(all: &[Settings], shard: Shard) -> Vec<HashSet<JobKey>> {
    let jobs: Vec<(usize, JobKey, f64)> = all
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            JobKey::all_of(s).map(move |key| {
                let cost = job_cost(&key.strategy, &s.predictor, s.batches.len());
                (i, key, cost)
            })
        })
        .collect();
    let costs: Vec<f64> = jobs.iter().map(|j| j.2).collect();
    let mut mine = vec![HashSet::new(); all.len()];
    for ((i, key, _), owner) in jobs.into_iter().zip(assign(&costs, shard.count())) {
        if shard.runs(owner) {
            mine[i].insert(key);
        }
    }
    mine
}

/// A hash of the settings that decide a run's results: the same for every shard of one run
/// wherever its folder is (paths absolute, output folder and thread count left out).
pub(super) fn config_hash(settings: &Settings) -> String {
    let canonical = Settings {
        threads: 1,
        out: PathBuf::from("/"),
        ..settings.clone()
    };
    format!(
        "{:x}",
        Sha256::digest(canonical.to_toml(Path::new("/")).as_bytes())
    )
}

/// The settings in a run's `config.toml`, resolved as `plan --config CONFIG --out OUT` would.
pub(super) fn settings_of(config: &Path, out: &Path) -> anyhow::Result<Settings> {
    let args = plan_args_of(&["--config", "--out"], &[config, out])?;
    let mut all = resolve(&args)?;
    match all.len() {
        1 => Ok(all.remove(0).0),
        n => Err(anyhow::anyhow!(
            "{}: expected the settings of one screen, found {n}",
            config.display()
        )),
    }
}

/// The arguments of `mechpert plan FLAG PATH …`, as if given on the command line.
fn plan_args_of(flags: &[&str], paths: &[&Path]) -> anyhow::Result<PlanArgs> {
    let argv = std::iter::once("plan".to_string()).chain(
        flags
            .iter()
            .zip(paths)
            .flat_map(|(f, p)| [f.to_string(), p.display().to_string()]),
    );
    Ok(<PlanArgs as clap::FromArgMatches>::from_arg_matches(
        &<PlanArgs as clap::Args>::augment_args(clap::Command::new("plan"))
            .try_get_matches_from(argv)
            .map_err(|e| UsageError(format!("{}: {}", paths[0].display(), e.kind())))?,
    )?)
}

/// Refuses a resume whose flags change a setting of the checkpointed run (mixing two runs in
/// one rounds.csv), naming each with its recorded and its new value. Settings are compared as
/// resolved, so every setting is covered, [`RESULT_NEUTRAL`] ones excepted.
fn refuse_changes(dir: &Path, wanted: &[Settings]) -> anyhow::Result<()> {
    let recorded = resolve(&plan_args_of(&["--resume"], &[dir])?)?;
    let changed: Vec<String> = recorded
        .iter()
        .zip(wanted)
        .flat_map(|((r, _), w)| changes(r, w))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    Err(UsageError(format!(
        "--resume {}: the run was started with other settings ({}), and a resume continues it as it was; only {} and the output flags (-q, -v) may change. Drop the flags that differ, or start a new run with another --out:\n  {}",
        dir.display(),
        dir.join(CHECKPOINT).join("config.toml").display(),
        RESULT_NEUTRAL.iter().map(|k| format!("--{k}")).collect::<Vec<_>>().join(", "),
        changed.join("\n  ")
    ))
    .into())
}

/// Checks, before any screen is read, every file a screen's run will open and its graph spec,
/// so that a later screen's missing file is not found after an earlier screen's outputs are
/// written.
fn check_inputs(s: &Settings) -> Result<(), String> {
    let readable = |what: &str, path: &Path| {
        std::fs::File::open(path)
            .map(drop)
            .map_err(|e| format!("{what} {}: cannot read: {e}", path.display()))
    };
    match &s.screen {
        // A screen handed over in memory stands for its file.
        ScreenSource::File(_) if s.reading.preloaded.is_some() => {}
        ScreenSource::File(path) => readable("screen file", path)?,
        ScreenSource::Simulate(sim) => {
            simulate_args(sim, Path::new("screen.h5ad"), Path::new("truth.tsv"))
                .map_err(|e| e.to_string())?;
        }
    }
    let k = &s.knowledge;
    // The bundled panel is compiled in: no file to read.
    let agents = k
        .agents
        .clone()
        .filter(|p| !crate::agents::config::is_bundled_panel(p));
    for (what, path) in [
        ("labels", &s.reading.labels),
        ("aliases", &s.reading.aliases),
        ("agents", &agents),
        ("neighbours", &k.neighbours),
        ("hubs", &k.hubs),
    ] {
        if let Some(path) = path {
            readable(what, path)?;
        }
    }
    if s.initial != "none" && !s.initial.starts_with("random:") {
        readable("initial set", Path::new(&s.initial))?;
    }
    if let Some(spec) = k.graph.as_deref().filter(|g| *g != "consensus") {
        match crate::priors::Spec::parse(spec) {
            Ok(crate::priors::Spec::File { path, .. }) => readable("graph", &path)?,
            Ok(crate::priors::Spec::Bundle(_)) => {}
            // Opening a spec that does not parse reads nothing and says what would.
            Err(_) => {
                if let Err(e) = crate::priors::open(spec, &GeneSymbols::identity()) {
                    return Err(format!("graph `{spec}`: {e}"));
                }
            }
        }
    }
    Ok(())
}

/// The metrics a run's settings name, in the standard order.
pub(super) fn metrics_of(settings: &Settings) -> Vec<Box<dyn Metric>> {
    standard_metrics()
        .into_iter()
        .filter(|m| settings.metrics.iter().any(|n| n == m.name()))
        .collect()
}

/// The settings of every screen: from `--resume DIR`'s checkpoint, or the TOML then the flags;
/// beside each, whether any of rounds, batch and initial was given (when none was, the
/// schedule is the default, fitted to the screen by [`fit_default_schedule`]).
fn resolve(args: &PlanArgs) -> anyhow::Result<Vec<(Settings, bool)>> {
    let (mut file, origin) = match (&args.resume, &args.config) {
        (Some(dir), _) => {
            let path = dir.join(CHECKPOINT).join("config.toml");
            if !path.exists() {
                return Err(UsageError(format!(
                    "--resume {}: no checkpoint there ({} is missing); was the run already complete?",
                    dir.display(),
                    path.display()
                ))
                .into());
            }
            // Its paths are relative to the run's folder, where the finished config.toml lands.
            (read_file(&path, dir)?, path)
        }
        (None, Some(path)) => (
            read_file(path, path.parent().unwrap_or(Path::new("")))?,
            path.clone(),
        ),
        (None, None) => (PlanFile::default(), PathBuf::from("command line")),
    };
    if let Some(dir) = &args.resume {
        file.out = Some(dir.clone());
    }
    apply_flags(&mut file, args);
    let name = file.name.clone().unwrap_or_else(|| {
        origin
            .file_stem()
            .filter(|_| args.config.is_some())
            .map_or("plan".to_string(), |s| s.to_string_lossy().into_owned())
    });
    if file.screens.is_empty() {
        return Err(UsageError(
            "no screen: give --data SCREEN, or [[screen]] tables in --config".into(),
        )
        .into());
    }
    let out = file
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&name));
    let several = file.screens.len() > 1;
    let mut names = std::collections::HashSet::new();
    file.screens
        .iter()
        .enumerate()
        .map(|(i, screen)| {
            let source = match (&screen.file, &screen.simulate) {
                (Some(f), None) => ScreenSource::File(f.clone()),
                (None, Some(s)) => ScreenSource::Simulate(s.clone()),
                _ => {
                    return Err(UsageError(format!(
                        "{}: [[screen]] {}: expected exactly one of `file` or `simulate`",
                        origin.display(),
                        i + 1
                    ))
                    .into());
                }
            };
            let batch = screen.batch.as_ref().or(file.batch.as_ref());
            let rounds = screen.rounds.or(file.rounds);
            let initial = screen.initial.clone().or_else(|| file.initial.clone());
            let schedule_given = batch.is_some() || rounds.is_some() || initial.is_some();
            let batches = schedule(batch, rounds, &origin)?;
            let screen_name = screen.name.clone().unwrap_or_else(|| match &source {
                ScreenSource::File(f) => f
                    .file_name()
                    .map_or("screen".into(), |n| n.to_string_lossy().split('.').next().unwrap_or("screen").to_string()),
                ScreenSource::Simulate(s) => format!("{}-seed{}", s.preset, s.seed),
            });
            if !names.insert(screen_name.clone()) {
                return Err(UsageError(format!(
                    "{}: two screens are named `{screen_name}`: give each [[screen]] a distinct `name`",
                    origin.display()
                ))
                .into());
            }
            let seeds = file.seeds.unwrap_or(DEFAULT_SEEDS);
            if seeds > MAX_SEEDS {
                return Err(UsageError(format!(
                    "{}: seeds = {seeds}: expected at most {MAX_SEEDS} (every seed runs each strategy's whole loop)",
                    origin.display()
                ))
                .into());
            }
            let predictor = file.predictor.clone().unwrap_or_else(|| DEFAULT_PREDICTOR.into());
            let strategies = file.strategies.clone().unwrap_or_else(|| {
                DEFAULT_STRATEGIES.iter().copied().map(String::from).collect()
            });
            let mut knowledge = screen.knowledge.or(&file.knowledge);
            let choices = [Choice::parse(&predictor, "predictor")?];
            for default in fill_default_knowledge(&mut knowledge, &strategies, &choices) {
                tracing::warn!("screen `{screen_name}`: {default}");
            }
            Ok((Settings {
                name: name.clone(),
                out: if several { out.join(&screen_name) } else { out.clone() },
                screen_name,
                screen: source,
                reading: screen.reading.clone(),
                knowledge,
                predictor,
                strategies,
                initial: initial.unwrap_or_else(|| {
                    if schedule_given {
                        "none".into()
                    } else {
                        format!("random:{DEFAULT_BATCH}")
                    }
                }),
                batches,
                seeds: (1..=seeds).collect(),
                metrics: file
                    .metrics
                    .clone()
                    .unwrap_or_else(|| DEFAULT_METRICS.iter().map(|m| m.to_string()).collect()),
                threads: file.threads.unwrap_or_else(|| {
                    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
                }),
                uncertainty_draws: file.uncertainty_draws.unwrap_or(4),
                hybrid_weight: file.hybrid_weight.unwrap_or(1.0),
                test_fraction: file.test_fraction.unwrap_or(DEFAULT_TEST_FRACTION),
                feedback: match &file.feedback {
                    None => Feedback::True,
                    Some(f) => f
                        .parse()
                        .map_err(|m| UsageError(format!("{}: {m}", origin.display())))?,
                },
            }, schedule_given))
        })
        .collect()
}

/// Seeds of a plan that names no count.
pub const DEFAULT_SEEDS: u64 = 5;

/// Rounds of a plan that names neither rounds nor a per-round batch list.
pub const DEFAULT_ROUNDS: usize = 5;

/// Picks per round of a plan that names no batch; with no schedule at all, also the random
/// initial set (so every strategy's seeds start apart), reduced for small screens by
/// [`fit_default_schedule`].
pub const DEFAULT_BATCH: usize = 10;

/// Fits the default schedule (`random:B`, then [`DEFAULT_ROUNDS`] rounds of B) to a screen of
/// `pool` perturbations: B = [`DEFAULT_BATCH`] when the budget leaves at least half the screen
/// to score on, otherwise the largest B that does, but at least 2 (the fewest observed
/// perturbations a shrunk predictor fits on). Returns what it chose, for the log.
pub fn fit_default_schedule(settings: &mut Settings, pool: usize) -> String {
    let b = (pool / (2 * (DEFAULT_ROUNDS + 1))).clamp(2, DEFAULT_BATCH);
    settings.initial = format!("random:{b}");
    settings.batches = vec![b; DEFAULT_ROUNDS];
    format!(
        "no rounds, batch or initial given: {b} random perturbations to start (a different set per seed), then {DEFAULT_ROUNDS} rounds of {b}; {} of the screen's {pool} perturbations observed at the end, the rest scored (give --initial, --rounds and --batch to choose)",
        b * (DEFAULT_ROUNDS + 1)
    )
}

/// Picks per round from `batch` and `rounds` (defaults: [`DEFAULT_ROUNDS`] rounds of
/// [`DEFAULT_BATCH`]).
fn schedule(
    batch: Option<&Batch>,
    rounds: Option<usize>,
    origin: &Path,
) -> anyhow::Result<Vec<usize>> {
    let rounds_asked = match batch {
        Some(Batch::PerRound(b)) => b.len(),
        _ => rounds.unwrap_or(5),
    };
    if rounds_asked > MAX_ROUNDS {
        return Err(UsageError(format!(
            "{}: {rounds_asked} rounds: expected at most {MAX_ROUNDS} (each round picks at least one perturbation of the screen)",
            origin.display()
        ))
        .into());
    }
    Ok(match (batch, rounds) {
        (Some(Batch::PerRound(b)), Some(r)) if b.len() != r => {
            return Err(UsageError(format!(
                "{}: rounds = {r} but batch lists {} rounds {b:?}: give one number per round or a single batch size",
                origin.display(),
                b.len()
            ))
            .into());
        }
        (Some(Batch::PerRound(b)), _) => b.clone(),
        (Some(Batch::Each(b)), r) => vec![*b; r.unwrap_or(DEFAULT_ROUNDS)],
        (None, r) => vec![DEFAULT_BATCH; r.unwrap_or(DEFAULT_ROUNDS)],
    })
}

/// Reads a plan TOML; relative paths in it start from `base`.
fn read_file(path: &Path, base: &Path) -> anyhow::Result<PlanFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the plan configuration", path.display()))?;
    let mut file = PlanFile::parse(&text, path).map_err(|e| UsageError(e.to_string()))?;
    file.rebase(base);
    Ok(file)
}

/// Flags override the file (`--data` replaces its screens).
fn apply_flags(file: &mut PlanFile, all: &PlanArgs) {
    let args = &all.knowledge;
    if let Some(data) = &all.data {
        file.screens = vec![crate::plan::config::ScreenFile {
            file: Some(data.clone()),
            ..Default::default()
        }];
    }
    let k = &mut file.knowledge;
    if let Some(a) = &args.agents {
        k.agents = Some(a.clone());
        k.neighbours = None;
    }
    if let Some(n) = &args.neighbours {
        k.neighbours = Some(n.clone());
        k.agents = None;
    }
    let set = |slot: &mut Option<PathBuf>, v: &Option<PathBuf>| {
        if v.is_some() {
            slot.clone_from(v);
        }
    };
    set(&mut k.hubs, &args.hubs);
    set(&mut k.cache, &args.cache);
    set(&mut file.out, &all.out);
    if args.offline {
        k.offline = Some(true);
    }
    if let Some(t) = &args.tau {
        k.tau = Some(t.to_string());
    }
    if let Some(w) = &args.weighting {
        k.weighting = Some(w.as_str().to_string());
    }
    if let Some(g) = &args.graph {
        k.graph = Some(g.clone());
    }
    if all.data.is_some()
        || args.agents.is_some()
        || args.neighbours.is_some()
        || args.graph.is_some()
    {
        // A flag given for the run applies to every screen, over the screens' own settings.
        let flags = k.clone();
        for s in &mut file.screens {
            s.knowledge = KnowledgeFile {
                agents: flags
                    .agents
                    .clone()
                    .or(s.knowledge.agents.clone())
                    .filter(|_| flags.neighbours.is_none() || args.agents.is_some()),
                neighbours: flags
                    .neighbours
                    .clone()
                    .or(s.knowledge.neighbours.clone())
                    .filter(|_| args.agents.is_none()),
                graph: args.graph.clone().or(s.knowledge.graph.clone()),
                ..s.knowledge.clone()
            };
        }
    }
    if let Some(p) = &all.predictor {
        file.predictor = Some(p.clone());
    }
    if let Some(s) = &all.strategies {
        file.strategies = Some(s.iter().map(|x| x.trim().to_string()).collect());
    }
    for s in &mut file.screens {
        // A reading flag is for the whole run: it replaces the screens' own.
        s.reading = overridden(&s.reading, &all.screen);
    }
    for s in &mut file.screens {
        // A schedule flag is for the whole run: it replaces the screens' own.
        if all.initial.is_some() {
            s.initial = None;
        }
        if all.rounds.is_some() || all.batch.is_some() {
            s.rounds = None;
            s.batch = None;
        }
    }
    if let Some(i) = &all.initial {
        file.initial = Some(i.clone());
    }
    if let Some(r) = all.rounds {
        file.rounds = Some(r.get());
        if let Some(Batch::PerRound(b)) = &file.batch {
            if b.len() != r.get() {
                file.batch = Some(Batch::Each(b[0]));
            }
        }
    }
    if let Some(b) = &all.batch {
        file.batch = Some(if b.len() == 1 {
            Batch::Each(b[0].get())
        } else {
            Batch::PerRound(b.iter().map(|x| x.get()).collect())
        });
    }
    if let Some(s) = all.seeds {
        file.seeds = Some(s.get() as u64);
    }
    if let Some(m) = &all.metrics {
        file.metrics = Some(m.iter().map(|x| x.trim().to_string()).collect());
    }
    if let Some(t) = all.threads {
        file.threads = Some(t.get());
    }
    if let Some(f) = all.feedback {
        file.feedback = Some(f.as_str().into());
    }
    if let Some(f) = all.test_fraction {
        file.test_fraction = Some(f);
    }
}

/// `base` with every setting `flags` gives replaced (through their TOML form, so that a reading
/// option added to [`crate::cli::ScreenArgs`] needs no line here).
fn overridden(
    base: &crate::cli::ScreenArgs,
    flags: &crate::cli::ScreenArgs,
) -> crate::cli::ScreenArgs {
    let table =
        |a: &crate::cli::ScreenArgs| toml::Table::try_from(a).expect("plain data serialises");
    let mut merged = table(base);
    merged.extend(table(flags));
    let mut out: crate::cli::ScreenArgs = merged.try_into().expect("the fields of one struct");
    // A screen read in memory has no TOML form; it travels beside the reading options.
    out.preloaded = flags.preloaded.clone().or_else(|| base.preloaded.clone());
    out
}

/// Wall and CPU seconds of each stage, for `run.json`.
#[derive(Default)]
struct Stages(Vec<(String, f64, f64)>);

impl Stages {
    fn time<T>(&mut self, name: &str, f: impl FnOnce() -> T) -> T {
        let (wall, cpu) = (Instant::now(), cpu_seconds());
        let out = f();
        self.0.push((
            name.into(),
            wall.elapsed().as_secs_f64(),
            cpu_seconds() - cpu,
        ));
        out
    }
}

/// CPU seconds of this process so far (user + system), from /proc when available.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields 14 and 15 (utime, stime) in clock ticks, after the parenthesised command name.
    let rest = stat.rsplit_once(')').map_or("", |x| x.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Runs one screen; a refused or failed run leaves no folder it created empty and no
/// simulation behind (a checkpoint, once written, stays for `--resume`).
/// `preloaded`: the screen when it was read already (to fit the default schedule to it).
#[allow(clippy::too_many_arguments)]
fn run_screen(
    settings: &Settings,
    preloaded: Option<LoadedScreen>,
    args: &PlanArgs,
    quiet: bool,
    stop: &Arc<AtomicBool>,
    out: &mut dyn Write,
    shard: Option<(Shard, &HashSet<JobKey>)>,
) -> anyhow::Result<()> {
    let created: Vec<PathBuf> = settings
        .out
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .map(Path::to_path_buf)
        .collect();
    let sim_dir = settings.out.join(format!(".sim-{}", std::process::id()));
    let symbols = super::resolve_symbols(&settings.reading)?;
    let result = run_screen_in(
        settings, preloaded, args, &symbols, quiet, stop, out, shard, &sim_dir,
    );
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&sim_dir);
        // Deepest first; `remove_dir` leaves any folder that holds something.
        for dir in &created {
            let _ = std::fs::remove_dir(dir);
        }
    }
    result
}

#[allow(clippy::too_many_arguments)]
fn run_screen_in(
    settings: &Settings,
    preloaded: Option<LoadedScreen>,
    args: &PlanArgs,
    symbols: &GeneSymbols,
    quiet: bool,
    stop: &Arc<AtomicBool>,
    out: &mut dyn Write,
    shard: Option<(Shard, &HashSet<JobKey>)>,
    sim_dir: &Path,
) -> anyhow::Result<()> {
    let started = chrono_now();
    let mut stages = Stages::default();
    let dir = &settings.out;
    let config_text = settings.to_toml(dir);
    prepare_out(dir, &config_text, args.resume.is_some(), args.force)?;
    if let Some((shard, mine)) = shard.filter(|(_, mine)| mine.is_empty()) {
        // Nothing of this screen falls to this shard: say so, so that merge sees every shard.
        let manifest = Manifest::new(shard, settings, Vec::new(), None);
        return manifest.write(dir, &config_text, out, mine.len());
    }

    // Load (or simulate) the screen.
    let (loaded, truth, inputs) = match preloaded {
        Some(l) => l,
        None => stages.time("load", || load_screen(settings, symbols, sim_dir))?,
    };
    let screen = &loaded;
    let layout = screen.layout();
    let initial = resolve_initial(&settings.initial, screen, symbols)?;
    settings
        .check_budget(initial.len(), screen.n_perturbations())
        .map_err(|m| UsageError(format!("screen `{}`: {m}", settings.screen_name)))?;

    // Knowledge: the prior graph first (cheap, and a bad spec should fail before any request),
    // then the consensus.
    let needs = |names: &[&str]| {
        settings
            .strategies
            .iter()
            .any(|s| names.contains(&s.as_str()))
    };
    let choice = Choice::parse(&settings.predictor, "predictor")?;
    let choices = if choice.base == "mean" && !choice.shrunk {
        vec![choice.clone()]
    } else {
        vec![
            choice.clone(),
            Choice {
                base: "mean".into(),
                shrunk: false,
            },
        ]
    };
    let k = &settings.knowledge;
    let graph_is_consensus = k.graph.as_deref() == Some("consensus");
    let mut knowledge = Knowledge::default();
    if let Some(spec) = k.graph.as_deref().filter(|_| !graph_is_consensus) {
        stages.time("graph", || knowledge.open_graph(spec, symbols, layout))?;
    }
    super::resolve::check_strategy_needs(&settings.strategies, k)?;
    let has_consensus_source = k.agents.is_some() || k.neighbours.is_some();
    Knowledge::check_needs(&choices, has_consensus_source, k.graph.is_some())?;
    let source = super::resolve::consensus_source(k, needs(&["hubs"]), truth.as_deref())?;
    if let Some(source) = &source {
        stages.time("consensus", || {
            knowledge.open_consensus(source, symbols, layout, &super::progress_bar(quiet))
        })?;
    }
    let _ = std::fs::remove_dir_all(sim_dir);
    if graph_is_consensus {
        knowledge.consensus_as_graph()?;
    }
    let predictors = knowledge.predictors(&choices, layout, 1)?;
    let metrics = metrics_of(settings);
    let score_cache = args.centrality_cache.as_deref().map(ScoreCache::new);
    let choosers = stages.time("centrality", || {
        super::resolve::build_choosers(
            &settings.strategies,
            settings.uncertainty_draws,
            settings.hybrid_weight,
            &knowledge,
            layout,
            score_cache.as_ref(),
        )
    })?;

    // Jobs: strategy × seed, resumed from their checkpoints when there are some.
    let checkpoint = dir.join(CHECKPOINT);
    std::fs::create_dir_all(&checkpoint)
        .with_context(|| format!("creating {}", checkpoint.display()))?;
    write_atomically(&checkpoint.join("config.toml"), |f| {
        f.write_all(config_text.as_bytes())
    })
    .with_context(|| format!("writing {}", checkpoint.display()))?;
    let config_sha256 = config_hash(settings);
    let oracle = Oracle::with_feedback(screen, settings.feedback);
    let plan = Plan {
        oracle: &oracle,
        predictors: &predictors,
        choosers: &choosers,
        initial: &initial,
        batches: &settings.batches,
        metrics: &metrics,
        test_fraction: settings.test_fraction,
    };
    let jobs: Vec<(usize, u64)> = (0..choosers.len())
        .flat_map(|c| settings.seeds.iter().map(move |&s| (c, s)))
        .filter(|&(c, seed)| {
            shard.is_none_or(|(_, mine)| {
                mine.contains(&JobKey {
                    strategy: choosers[c].name().to_string(),
                    seed,
                })
            })
        })
        .collect();
    let bar = super::progress_bar(quiet);
    crate::progress::Progress::start(&bar, (jobs.len() * settings.batches.len()) as u64, "rounds");
    let pool = crate::threads::pool(settings.threads).context("starting the worker threads")?;
    let failed: Mutex<Option<JobError>> = Mutex::new(None);
    let states: Vec<Option<JobState>> = stages.time("loop", || {
        pool.install(|| {
            jobs.par_iter()
                .map(|&(c, seed)| {
                    let chooser = &choosers[c];
                    let file = checkpoint.join(format!("{}-seed{seed}.json", chooser.name()));
                    let saved = saved_job(&file, &config_sha256, &plan, chooser.name(), seed);
                    if let Some(s) = &saved {
                        bar.inc(s.rounds_done as u64);
                    }
                    let save = |state: &JobState| {
                        let bytes = serde_json::to_vec(&SavedJob::seal(state, &config_sha256))?;
                        write_atomically(&file, |f| f.write_all(&bytes))
                            .with_context(|| format!("writing {}", file.display()))
                    };
                    match plan.run_job(chooser, seed, saved, &save, stop, || bar.inc(1)) {
                        Ok(state) => Some(state),
                        Err(e) => {
                            stop.store(true, Ordering::Relaxed);
                            let mut slot = failed.lock().expect("not poisoned");
                            if slot.is_none() || matches!(*slot, Some(JobError::Interrupted)) {
                                *slot = Some(e);
                            }
                            None
                        }
                    }
                })
                .collect()
        })
    });
    bar.finish_and_clear();
    if let Some(e) = failed.into_inner().expect("not poisoned") {
        if matches!(e, JobError::Interrupted) {
            return Err(Interrupted(dir.clone()).into());
        }
        return Err(anyhow::Error::new(e).context(format!("screen `{}`", settings.screen_name)));
    }
    let states: Vec<JobState> = states.into_iter().flatten().collect();

    let header = PlanHeader {
        title: format!("{} / {}", settings.name, settings.screen_name),
        dataset: format!(
            "{} ({} perturbations × {} genes, values: {})",
            match &settings.screen {
                ScreenSource::File(p) => format!("`{}`", p.display()),
                ScreenSource::Simulate(s) => format!(
                    "simulated `mechpert simulate --preset {} --seed {}`",
                    s.preset, s.seed
                ),
            },
            screen.n_perturbations(),
            screen.n_genes(),
            serde_json::to_value(screen.value_kind())?
                .as_str()
                .unwrap_or_default()
        ),
        knowledge: knowledge.lines.clone(),
        predictor: predictors[0].name().to_string(),
        seeds: settings.seeds.clone(),
        initial: format!("{} ({} perturbations)", settings.initial, initial.len()),
        batches: settings.batches.clone(),
        scored_on: settings.scored_on(screen.n_perturbations()),
        feedback: match settings.feedback {
            Feedback::True => None,
            Feedback::Permuted => Some("permuted (control): each revealed perturbation was shown, to the strategy and to the scored predictors, another revealed perturbation's measured response (one seeded cycle through the pool per seed); predictions are scored against the true responses".to_string()),
            Feedback::PermutedToStrategy => Some("permuted-to-strategy (control): the strategy and the model it reads were shown, for each revealed perturbation, another revealed perturbation's measured response (one seeded cycle through the pool per seed); the scored predictors trained on the true responses".to_string()),
        },
    };
    let run_json = serde_json::json!({
        "mechpert_version": env!("CARGO_PKG_VERSION"),
        "git_describe": git_describe(),
        "name": settings.name,
        "screen": settings.screen_name,
        "dataset": header.dataset,
        "perturbations": screen.n_perturbations(),
        "genes": screen.n_genes(),
        "predictor": header.predictor,
        "strategies": settings.strategies,
        "seeds": settings.seeds,
        "initial": header.initial,
        "batches": settings.batches,
        "feedback": settings.feedback.as_str(),
        "test_fraction": settings.test_fraction,
        "scored_on": header.scored_on,
        "metrics": settings.metrics,
        "knowledge": knowledge.lines,
        "started": started,
        "finished": chrono_now(),
        "stages": stages.0.iter().map(|(n, w, c)| (n.clone(), serde_json::json!({"wall_s": w, "cpu_s": c}))).collect::<serde_json::Map<_, _>>(),
        "inputs": inputs,
        "agent_cache": knowledge.agent_tally,
        "threads": settings.threads,
    });
    if let Some((shard, mine)) = shard {
        for state in &states {
            let path = dir
                .join(JOBS)
                .join(format!("{}-seed{}.json", state.strategy, state.seed));
            let bytes = serde_json::to_vec(&SavedJob::seal(state, &config_sha256))?;
            std::fs::create_dir_all(dir.join(JOBS))
                .and_then(|()| write_atomically(&path, |f| f.write_all(&bytes)))
                .with_context(|| format!("writing {}", path.display()))?;
        }
        let keys = states
            .iter()
            .map(|s| JobKey {
                strategy: s.strategy.clone(),
                seed: s.seed,
            })
            .collect();
        let manifest = Manifest::new(shard, settings, keys, Some((header, run_json)));
        manifest.write(dir, &config_text, out, mine.len())?;
    } else {
        write_run(
            dir,
            &header,
            &metrics,
            &states,
            &config_text,
            &run_json,
            out,
        )?;
    }
    let _ = std::fs::remove_dir_all(&checkpoint);
    Ok(())
}

/// The checkpointed state of job `strategy` × `seed` in `file`, when there is one that verifies
/// (see [`SavedJob::open`] and [`Plan::check_state`]); one that does not is named in a warning
/// and its job recomputed from the start.
fn saved_job(
    file: &Path,
    config_sha256: &str,
    plan: &Plan<'_, '_>,
    strategy: &str,
    seed: u64,
) -> Option<JobState> {
    let bytes = std::fs::read(file).ok()?;
    let verified = SavedJob::open(&bytes, config_sha256)
        .and_then(|state| plan.check_state(&state, strategy, seed).map(|()| state));
    match verified {
        Ok(state) => Some(state),
        Err(why) => {
            tracing::warn!(
                "{}: {why}; recomputing job {strategy}-seed{seed} from its start",
                file.display()
            );
            None
        }
    }
}

/// Writes a run's files from its finished jobs (in output order): `rounds.csv`, `picks.csv`,
/// `summary.md`, `config.toml`, `run.json` and the figures, then prints the headline table.
/// `plan` calls it after its jobs, `merge` after reading the shards' jobs.
pub(super) fn write_run(
    dir: &Path,
    header: &PlanHeader,
    metrics: &[Box<dyn Metric>],
    states: &[JobState],
    config_text: &str,
    run_json: &serde_json::Value,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let rounds: Vec<RoundRow> = states
        .iter()
        .flat_map(|s| s.rounds.iter().cloned())
        .collect();
    let picks: Vec<PickRow> = states
        .iter()
        .flat_map(|s| s.picks.iter().cloned())
        .collect();
    let write = |name: &str, f: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>| {
        let path = dir.join(name);
        write_atomically(&path, |file| f(file))
            .with_context(|| format!("writing {}", path.display()))
    };
    let tests = test_sets(states)?;
    write("rounds.csv", &mut |f| write_rounds_csv(&rounds, f))?;
    write("picks.csv", &mut |f| write_picks_csv(&picks, f))?;
    write("test_set.csv", &mut |f| write_test_set_csv(&tests, f))?;
    write("summary.md", &mut |f| {
        write_summary(header, metrics, &rounds, f)
    })?;
    write("config.toml", &mut |f| f.write_all(config_text.as_bytes()))?;
    write("run.json", &mut |f| {
        serde_json::to_writer_pretty(&mut *f, run_json)?;
        writeln!(f)
    })?;
    let figures = crate::report::figures::write_plan_figures(dir)
        .with_context(|| format!("drawing figures into {}", dir.display()))?;
    write_headline(header, &*metrics[0], &rounds, out)?;
    writeln!(
        out,
        "  wrote {}/{{rounds.csv,picks.csv,test_set.csv,summary.md,config.toml,run.json}} and {} figures (learning_*, final_*; .svg and .png)",
        dir.display(),
        figures.len()
    )?;
    Ok(())
}

/// Each seed's test set, in seed order, checked to be the one every job of that seed was
/// scored on (shards of one run draw it from the seed alone, so they agree unless they were
/// made by different builds).
fn test_sets(states: &[JobState]) -> anyhow::Result<Vec<(u64, &[String])>> {
    let mut sets: std::collections::BTreeMap<u64, &JobState> = std::collections::BTreeMap::new();
    for state in states {
        let first = *sets.entry(state.seed).or_insert(state);
        if first.test_set != state.test_set {
            anyhow::bail!(
                "seed {}: jobs `{}` and `{}` were scored on different test sets: they come from different builds of mechpert; rerun them with one",
                state.seed,
                first.strategy,
                state.strategy
            );
        }
    }
    Ok(sets
        .into_iter()
        .map(|(seed, s)| (seed, s.test_set.as_slice()))
        .collect())
}

/// Refuses to mix runs: a folder holding a different run needs --force; a fresh run clears an
/// old checkpoint; the folder must be writable before any work.
pub(super) fn prepare_out(
    dir: &Path,
    config: &str,
    resume: bool,
    force: bool,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("--out {}: cannot create the folder", dir.display()))?;
    let probe = dir.join(format!(".write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .with_context(|| format!("--out {}: the folder is not writable", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    if resume {
        return Ok(());
    }
    for existing in [
        dir.join("config.toml"),
        dir.join(CHECKPOINT).join("config.toml"),
    ] {
        if let Ok(text) = std::fs::read_to_string(&existing) {
            if text != config && !force {
                return Err(UsageError(format!(
                    "--out {} holds a different run ({} differs from this run's settings): choose another --out, add --force to replace it, or --resume {} to continue it",
                    dir.display(),
                    existing.display(),
                    dir.display()
                ))
                .into());
            }
        }
    }
    let _ = std::fs::remove_dir_all(dir.join(CHECKPOINT));
    Ok(())
}

type LoadedScreen = (Screen, Option<PathBuf>, Vec<serde_json::Value>);

/// Reads the screen file, or simulates the screen into `sim_dir` and reads it back.
fn load_screen(
    settings: &Settings,
    symbols: &GeneSymbols,
    sim_dir: &Path,
) -> anyhow::Result<LoadedScreen> {
    match &settings.screen {
        ScreenSource::File(path) => {
            let loaded = super::read_screen(path, &settings.reading, symbols)?;
            // A screen handed over in memory has no file to record.
            let inputs = match settings.reading.preloaded {
                Some(_) => Vec::new(),
                None => vec![input_record(path)?],
            };
            Ok((loaded.screen, None, inputs))
        }
        ScreenSource::Simulate(sim) => {
            std::fs::create_dir_all(sim_dir)
                .with_context(|| format!("creating {}", sim_dir.display()))?;
            let screen_path = sim_dir.join("screen.h5ad");
            let truth = sim_dir.join("truth.tsv");
            let sim_args = simulate_args(sim, &screen_path, &truth)?;
            super::simulate::run(
                sim_args,
                indicatif::ProgressBar::hidden(),
                &mut std::io::sink(),
            )
            .context("simulating the screen")?;
            let loaded = super::read_screen(&screen_path, &settings.reading, symbols)?;
            Ok((loaded.screen, Some(truth), Vec::new()))
        }
    }
}

/// The `mechpert simulate` arguments of a `simulate = { preset, seed }` screen.
fn simulate_args(
    sim: &SimulateFile,
    screen: &Path,
    truth: &Path,
) -> Result<SimulateArgs, UsageError> {
    let SimulateFile { preset, seed } = sim;
    let parsed = <SimulateArgs as clap::Args>::augment_args(clap::Command::new("simulate"))
        .try_get_matches_from([
            "simulate".to_string(),
            "--preset".into(),
            preset.clone(),
            "--seed".into(),
            seed.to_string(),
            "--out".into(),
            screen.display().to_string(),
            "--truth".into(),
            truth.display().to_string(),
        ])
        .and_then(|m| <SimulateArgs as clap::FromArgMatches>::from_arg_matches(&m));
    parsed.map_err(|e| {
        UsageError(format!(
            "simulate = {{ preset = \"{preset}\" }}: {}",
            e.kind()
        ))
    })
}

/// `{path, bytes, sha256}` of an input file.
fn input_record(path: &Path) -> anyhow::Result<serde_json::Value> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    Ok(serde_json::json!({
        "path": path.display().to_string(),
        "bytes": bytes.len(),
        "sha256": format!("{:x}", Sha256::digest(&bytes)),
    }))
}

/// `none`, `random:N`, or a gene-list file mapped to screen rows (unknown genes listed).
fn resolve_initial(spec: &str, screen: &Screen, symbols: &GeneSymbols) -> anyhow::Result<Initial> {
    if spec == "none" {
        return Ok(Initial::Nothing);
    }
    if let Some(n) = spec.strip_prefix("random:") {
        let n: usize = n
            .parse()
            .map_err(|_| UsageError(format!("initial `{spec}`: expected random:N")))?;
        return Ok(if n == 0 {
            Initial::Nothing
        } else {
            Initial::Random(n)
        });
    }
    let text = std::fs::read_to_string(spec)
        .with_context(|| format!("initial set {spec}: cannot read"))?;
    let index = screen.perturbation_index();
    let mut rows = Vec::new();
    let mut unknown = Vec::new();
    let mut unmapped = 0;
    for line in text.lines() {
        let gene = line.split('#').next().unwrap_or("").trim();
        if gene.is_empty() {
            continue;
        }
        let g = symbols.normalise(gene, &mut unmapped);
        match index.get(g.as_str()) {
            Some(&r) if !rows.contains(&r) => rows.push(r),
            Some(_) => {}
            None => unknown.push(gene.to_string()),
        }
    }
    if !unknown.is_empty() {
        return Err(UsageError(format!(
            "initial set {spec}: {} gene(s) are not perturbations of the screen: {}",
            unknown.len(),
            unknown.join(", ")
        ))
        .into());
    }
    Ok(Initial::Rows(rows))
}

fn git_describe() -> Option<String> {
    std::process::Command::new("git")
        .args(["describe", "--always", "--dirty", "--tags"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// Seconds since the Unix epoch, as an RFC 3339 UTC timestamp.
pub(super) fn chrono_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

//! `mechpert merge`: the shards of one `plan --shard I/N` run into exactly the files of the
//! unsharded run.
//!
//! In flow shard folders, each holding (per screen) a `shard.json` manifest, the run's
//! `config.toml` and one `jobs/<strategy>-seed<N>.json` per finished job; out comes, per screen,
//! what `plan` alone writes: `rounds.csv` and `picks.csv` byte for byte, the same `summary.md`
//! and figures, and a `run.json` that also records the shards. Shards of different settings
//! (config hash), a missing or doubled shard and a missing or doubled job are refused by name
//! before anything is written.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::plan::{JOBS, chrono_now, config_hash, metrics_of, prepare_out, settings_of, write_run};
use crate::cli::MergeArgs;
use crate::data::io::writer::write_atomically;
use crate::plan::config::{Settings, changes};
use crate::plan::jobs::{JobState, SavedJob};
use crate::plan::shard::{JobKey, Shard, ShardJobs, check_cover};
use crate::report::plan::PlanHeader;

/// The manifest file of a shard's screen folder.
const MANIFEST: &str = "shard.json";

/// What one shard ran of one screen: `shard.json`, written last (its presence means the shard
/// finished that screen).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Manifest {
    mechpert_version: String,
    shard: String,
    config_sha256: String,
    screen: String,
    jobs: Vec<JobKey>,
    /// The summary header and the `run.json` a full run would write, when the shard ran jobs
    /// of this screen (it loaded the screen and built its knowledge).
    header: Option<PlanHeader>,
    run: Option<serde_json::Value>,
}

impl Manifest {
    /// The manifest of `shard` having run `jobs` of `settings`' screen.
    pub(super) fn new(
        shard: Shard,
        settings: &Settings,
        jobs: Vec<JobKey>,
        ran: Option<(PlanHeader, serde_json::Value)>,
    ) -> Manifest {
        let (header, run) = ran.unzip();
        Manifest {
            mechpert_version: env!("CARGO_PKG_VERSION").into(),
            shard: shard.to_string(),
            config_sha256: config_hash(settings),
            screen: settings.screen_name.clone(),
            jobs,
            header,
            run,
        }
    }

    /// Writes `config.toml` and then the manifest into `dir`, and says so on `out`.
    pub(super) fn write(
        &self,
        dir: &Path,
        config_text: &str,
        out: &mut dyn Write,
        n_jobs: usize,
    ) -> anyhow::Result<()> {
        let path = dir.join("config.toml");
        write_atomically(&path, |f| f.write_all(config_text.as_bytes()))
            .with_context(|| format!("writing {}", path.display()))?;
        let path = dir.join(MANIFEST);
        write_atomically(&path, |f| {
            serde_json::to_writer_pretty(&mut *f, self)?;
            writeln!(f)
        })
        .with_context(|| format!("writing {}", path.display()))?;
        writeln!(
            out,
            "shard {} of screen `{}`: {n_jobs} job(s); wrote {}/{{{MANIFEST},config.toml,{JOBS}/}} (combine the shards with `mechpert merge`)",
            self.shard,
            self.screen,
            dir.display()
        )?;
        Ok(())
    }
}

/// A manifest as read, with the folder it came from.
struct Found {
    dir: PathBuf,
    manifest: Manifest,
    shard: Shard,
}

/// Runs the command.
pub fn run(args: MergeArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    // Screens in the order first seen, each with its shards in the order given.
    let mut screens: Vec<(String, Vec<Found>)> = Vec::new();
    for dir in &args.shards {
        for found in manifests(dir)? {
            let name = found.manifest.screen.clone();
            match screens.iter_mut().find(|(s, _)| *s == name) {
                Some((_, list)) => list.push(found),
                None => screens.push((name, vec![found])),
            }
        }
    }
    let several = screens.len() > 1;
    for (name, shards) in &screens {
        let dir = if several {
            args.out.join(name)
        } else {
            args.out.clone()
        };
        merge_screen(shards, &dir, args.force, out)
            .with_context(|| format!("merging screen `{name}`"))?;
    }
    Ok(())
}

/// The manifests in `dir` (a one-screen shard) or its subfolders (one per screen).
fn manifests(dir: &Path) -> anyhow::Result<Vec<Found>> {
    let read = |dir: &Path| -> anyhow::Result<Found> {
        let path = dir.join(MANIFEST);
        let bytes =
            std::fs::read(&path).with_context(|| format!("{}: cannot read", path.display()))?;
        let manifest: Manifest = serde_json::from_slice(&bytes)
            .with_context(|| format!("{}: not a shard manifest", path.display()))?;
        let shard = manifest
            .shard
            .parse()
            .with_context(|| format!("{}: field `shard`", path.display()))?;
        Ok(Found {
            dir: dir.to_path_buf(),
            manifest,
            shard,
        })
    };
    if dir.join(MANIFEST).exists() {
        return Ok(vec![read(dir)?]);
    }
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot read the shard folder", dir.display()))?;
    let mut subs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(MANIFEST).exists())
        .collect();
    subs.sort();
    if subs.is_empty() {
        anyhow::bail!(
            "{}: no {MANIFEST} here or in its subfolders: expected the --out of a finished `mechpert plan --shard I/N`",
            dir.display()
        );
    }
    subs.iter().map(|d| read(d)).collect()
}

/// Checks the shards of one screen, reads their jobs in the unsharded run's order and writes
/// the run's files into `dir`.
fn merge_screen(
    shards: &[Found],
    dir: &Path,
    force: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let first = &shards[0];
    let each: Vec<Settings> = shards
        .iter()
        .map(|f| settings_of(&f.dir.join("config.toml"), dir))
        .collect::<anyhow::Result<_>>()?;
    refuse_edited(shards, &each)?;
    let settings = each.into_iter().next().expect("at least one shard");
    let expected: Vec<JobKey> = JobKey::all_of(&settings).collect();
    let claims: Vec<ShardJobs> = shards
        .iter()
        .map(|f| ShardJobs {
            origin: f.dir.display().to_string(),
            shard: f.shard,
            config: f.manifest.config_sha256.clone(),
            jobs: f.manifest.jobs.clone(),
        })
        .collect();
    check_cover(&expected, &claims)?;
    let owner = |job: &JobKey| {
        shards
            .iter()
            .find(|f| f.manifest.jobs.contains(job))
            .expect("checked: every job has a shard")
    };
    let states = expected
        .iter()
        .map(|job| {
            read_job(
                &owner(job).dir,
                job,
                settings.batches.len(),
                &first.manifest.config_sha256,
            )
        })
        .collect::<anyhow::Result<Vec<JobState>>>()?;
    let (header, run) = shards
        .iter()
        .find_map(|f| f.manifest.header.as_ref().zip(f.manifest.run.as_ref()))
        .ok_or_else(|| anyhow::anyhow!("no shard recorded the screen's header"))?;
    let config_text = settings.to_toml(dir);
    prepare_out(dir, &config_text, false, force)?;
    let mut run_json = run.clone();
    let record = run_json
        .as_object_mut()
        .ok_or_else(|| anyhow::anyhow!("{}: field `run` is not an object", first.dir.display()))?;
    let started = shards
        .iter()
        .filter_map(|f| f.manifest.run.as_ref()?.get("started")?.as_str())
        .min()
        .map(String::from);
    record.insert("started".into(), started.into());
    record.insert("finished".into(), chrono_now().into());
    record.remove("stages");
    record.insert(
        "shards".into(),
        shards
            .iter()
            .map(|f| {
                let field = |k: &str| {
                    f.manifest
                        .run
                        .as_ref()
                        .and_then(|r| r.get(k).cloned())
                        .unwrap_or_default()
                };
                serde_json::json!({
                    "folder": f.dir.display().to_string(),
                    "shard": f.manifest.shard,
                    "jobs": f.manifest.jobs.iter().map(JobKey::to_string).collect::<Vec<_>>(),
                    "started": field("started"),
                    "finished": field("finished"),
                    "stages": field("stages"),
                    "threads": field("threads"),
                })
            })
            .collect::<Vec<_>>()
            .into(),
    );
    record.insert(
        "config_sha256".into(),
        first.manifest.config_sha256.clone().into(),
    );
    write_run(
        dir,
        header,
        &metrics_of(&settings),
        &states,
        &config_text,
        &run_json,
        out,
    )
}

/// Refuses a shard whose `config.toml` no longer has the config hash its manifest recorded
/// (edited after it ran), naming the folder and, against a shard that is intact, each setting
/// that differs.
fn refuse_edited(shards: &[Found], settings: &[Settings]) -> anyhow::Result<()> {
    let intact = |(f, s): &(&Found, &Settings)| config_hash(s) == f.manifest.config_sha256;
    let pairs: Vec<(&Found, &Settings)> = shards.iter().zip(settings).collect();
    let Some((edited, changed)) = pairs.iter().find(|p| !intact(p)) else {
        return Ok(());
    };
    let how = match pairs.iter().find(|p| intact(p)) {
        Some((reference, recorded)) => format!(
            "; against shard {} ({}): {}",
            reference.manifest.shard,
            reference.dir.display(),
            changes(recorded, changed).join("; ")
        ),
        None => String::new(),
    };
    anyhow::bail!(
        "shard {} ({}): config.toml was edited after the shard ran (its config hash {} is not the {} its {MANIFEST} recorded){how}",
        edited.manifest.shard,
        edited.dir.display(),
        config_hash(changed),
        edited.manifest.config_sha256
    )
}

/// Reads the finished job `job` of the run `config` (its hash) from a shard folder.
fn read_job(dir: &Path, job: &JobKey, rounds: usize, config: &str) -> anyhow::Result<JobState> {
    let path = dir.join(JOBS).join(format!("{job}.json"));
    let bytes = std::fs::read(&path).with_context(|| format!("{}: cannot read", path.display()))?;
    let state = SavedJob::open(&bytes, config)
        .map_err(|why| anyhow::anyhow!("{}: {why}: rerun this shard", path.display()))?;
    if state.strategy != job.strategy || state.seed != job.seed || state.rounds_done != rounds {
        anyhow::bail!(
            "{}: expected job {job} with {rounds} rounds done, found {}-seed{} with {}",
            path.display(),
            state.strategy,
            state.seed,
            state.rounds_done
        );
    }
    Ok(state)
}

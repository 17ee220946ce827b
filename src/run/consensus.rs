//! `mechpert consensus`: read the screen and `agents.toml`, ask every agent about every target,
//! build the consensus graph and write it.

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;

use crate::agents::config::{AgentsFile, BuildEnv, Built};
use crate::agents::{Cache, Collected, Context, Pool, QueryKind, Tally, ask_all};
use crate::cli::ConsensusArgs;
use crate::consensus::io::hubs::write_hubs;
use crate::consensus::io::table::write_rows;
use crate::consensus::{Consensus, Tau, Weighting, hubs};
use crate::data::GeneSymbols;
use crate::data::io::writer::{Outputs, write_atomically};
use crate::priors::Graph;
use crate::progress::Progress;
use crate::report::consensus::{Summary, write_proposals};

use super::UsageError;

/// The agents of an `agents.toml`, built once and ready to be asked about a screen's genes:
/// shared by `mechpert consensus` and `mechpert evaluate --agents`.
pub(super) struct Panel {
    built: Built,
    ctx: Arc<Context>,
    tally: Arc<Tally>,
    runtime: tokio::runtime::Runtime,
    allow_failures: f64,
}

impl Panel {
    /// Builds the agents of `agents` with `pool` as the candidate pool; replies are cached in
    /// `cache` when given, `offline` forbids calls on a cache miss, and `retry_unusable` asks
    /// again the requests whose cached reply held no answer.
    pub(super) fn open(
        agents: &Path,
        pool: Pool,
        symbols: &Arc<GeneSymbols>,
        cache: Option<&Path>,
        offline: bool,
        retry_unusable: bool,
        simulated_truth: Option<&Path>,
    ) -> anyhow::Result<Panel> {
        let file = AgentsFile::read(agents).map_err(|e| UsageError(format!("--agents {e}")))?;
        let cache = match cache {
            Some(dir) => Some(Arc::new(
                Cache::open(dir)
                    .context("opening the reply cache")?
                    .retrying_unusable(retry_unusable),
            )),
            None => None,
        };
        let env_var = |name: &str| std::env::var(name).ok();
        // Relative paths in graph specs (`trrust:data/x.tsv`) start from the folder of agents.toml.
        let base = agents.parent().unwrap_or(Path::new("")).to_path_buf();
        let graphs = |spec: &str| {
            let spec = match spec.split_once(':') {
                Some((kind, path)) if Path::new(path).is_relative() => {
                    format!("{kind}:{}", base.join(path).display())
                }
                _ => spec.to_string(),
            };
            resolve_graph(&spec, symbols)
        };
        let built = file
            .build(
                agents,
                &BuildEnv {
                    env: &env_var,
                    graphs: &graphs,
                    symbols: Arc::clone(symbols),
                    cache,
                    offline,
                    simulated_truth: simulated_truth.map(Path::to_path_buf),
                },
            )
            .with_context(|| format!("{}: building agents", agents.display()))?;
        let ctx = Arc::new(Context {
            cell: built.file.cell_context.clone(),
            pool,
            k: built.file.k.get(),
        });
        let runtime = crate::threads::runtime().context("starting the async runtime")?;
        Ok(Panel {
            built,
            ctx,
            tally: Arc::new(Tally::default()),
            runtime,
            allow_failures: 0.0,
        })
    }

    /// The fraction of targets that may go unanswered by every agent before [`Panel::ask`]
    /// fails (0, the default: none may).
    pub(super) fn allow_failures(mut self, fraction: f64) -> Panel {
        self.allow_failures = fraction;
        self
    }

    /// The file's consensus rule, with τ and the weighting overridden where given.
    pub(super) fn consensus(&self, tau: Option<Tau>, weighting: Option<Weighting>) -> Consensus {
        Consensus {
            tau: tau.unwrap_or(self.built.file.consensus.tau),
            weighting: weighting.unwrap_or(self.built.file.consensus.weighting),
        }
    }

    /// Requests, cache hits, failures and tokens so far.
    pub(super) fn tally(&self) -> crate::agents::TallySnapshot {
        self.tally.snapshot()
    }

    /// The question the file asks about each target (regulators or similar genes).
    pub(super) fn question(&self) -> QueryKind {
        self.built.file.question
    }

    /// Asks every agent `kind` about every target. Fails when more targets than
    /// [`Panel::allow_failures`] allows got no answer from any agent (see [`check_answered`]).
    pub(super) fn ask(
        &self,
        targets: &[String],
        kind: QueryKind,
        progress: &dyn Progress,
    ) -> anyhow::Result<Collected> {
        let collected = self
            .runtime
            .block_on(ask_all(
                &self.built.agents,
                targets,
                kind,
                Arc::clone(&self.ctx),
                Arc::clone(&self.tally),
                progress,
            ))
            .context("asking agents")?;
        check_answered(&collected, self.allow_failures)?;
        Ok(collected)
    }
}

/// The failure policy: a target that no agent answered (every query about it failed after
/// retries) is a hole in the graph that looks like "the agents agree on nothing", so the run
/// fails (exit 1, before writing anything) when the fraction of such targets exceeds
/// `allow` (`--allow-failures`, default 0). Answered queries are already cached, so a rerun
/// only re-asks the failed ones. The error reports every agent's answers and failures.
fn check_answered(collected: &Collected, allow: f64) -> anyhow::Result<()> {
    let unanswered = collected.unanswered();
    if unanswered.is_empty() {
        return Ok(());
    }
    let fraction = unanswered.len() as f64 / collected.targets.len().max(1) as f64;
    let mut names = unanswered
        .iter()
        .take(5)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if unanswered.len() > 5 {
        names.push_str(", …");
    }
    if fraction <= allow {
        tracing::warn!(
            unanswered = unanswered.len(),
            targets = collected.targets.len(),
            allow,
            "targets without any answer, within --allow-failures: {names}"
        );
        return Ok(());
    }
    let agents = collected
        .outcomes()
        .iter()
        .map(|o| {
            let first = o
                .first_failure
                .as_deref()
                .map_or(String::new(), |f| format!(" (first: {f})"));
            format!(
                "`{}` answered {}, failed {}{first}",
                o.agent, o.answered, o.failed
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    anyhow::bail!(
        "{} of {} targets got no answer from any agent ({names}): more than --allow-failures {allow} allows, so nothing was written; per agent: {agents}",
        unanswered.len(),
        collected.targets.len(),
    )
}

/// Runs the command.
pub fn run(args: ConsensusArgs, quiet: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let symbols = super::resolve_symbols(&args.screen)?;
    let symbols = Arc::new(symbols.into_owned());
    let loaded = super::read_screen(&args.data, &args.screen, &symbols)?;
    let pool = Pool::new(loaded.screen.perturbations().iter().cloned());
    let targets = match &args.targets {
        Some(path) => read_targets(path, &symbols)?,
        None => pool.genes().to_vec(),
    };
    // Every output is checked before the first request and staged; all appear at the end.
    let mut outputs = Outputs::new();
    let cannot = |p: &Path| format!("{}: cannot write", p.display());
    let out_path = outputs
        .stage(&args.out)
        .with_context(|| cannot(&args.out))?;
    let mut stage = |p: &Option<std::path::PathBuf>| -> anyhow::Result<_> {
        p.as_ref()
            .map(|p| outputs.stage(p).with_context(|| cannot(p)))
            .transpose()
    };
    let proposals_path = stage(&args.proposals)?;
    let hubs_path = stage(&args.hubs)?;
    let panel = Panel::open(
        &args.agents,
        pool,
        &symbols,
        args.cache.as_deref(),
        args.offline,
        args.retry_unusable,
        None,
    )?
    .allow_failures(args.allow_failures);
    let consensus = panel.consensus(args.tau, args.weighting);
    let question = panel.question();
    let collected = panel.ask(&targets, question, &super::progress_bar(quiet))?;
    let graph = consensus.build(&collected);
    write_atomically(&out_path, |f| write_rows(&graph.rows, f))
        .with_context(|| cannot(&args.out))?;
    if let Some(path) = &proposals_path {
        write_atomically(path, |f| write_proposals(&collected, f))
            .with_context(|| cannot(args.proposals.as_deref().unwrap_or(path)))?;
    }
    if let Some(path) = &hubs_path {
        let asked = panel
            .ask(
                &["hubs".to_string()],
                QueryKind::Hubs,
                &super::progress_bar(quiet),
            )
            .context("asking agents for hubs")?;
        let ranked = hubs::rank(&asked);
        write_atomically(path, |f| write_hubs(&ranked, f))
            .with_context(|| cannot(args.hubs.as_deref().unwrap_or(path)))?;
    }
    outputs.commit().context("moving the outputs into place")?;
    let mut with_edges: Vec<&str> = graph.rows.iter().map(|r| r.target.as_str()).collect();
    with_edges.dedup();
    let summary = Summary {
        targets: targets.len(),
        pool: panel.ctx.pool.len(),
        agents: collected.agents.clone(),
        question: question.as_str().to_string(),
        tau: consensus.tau.to_string(),
        weighting: consensus.weighting.as_str().to_string(),
        edges: graph.rows.len(),
        targets_with_edges: with_edges.len(),
        tally: panel.tally.snapshot(),
        failures: collected.failures.clone(),
        outcomes: collected.outcomes(),
        out: args.out.display().to_string(),
    };
    summary.write_human(out)?;
    Ok(())
}

/// Reads a targets file: one gene per line, `#` comments, names through the symbol table.
fn read_targets(path: &Path, symbols: &GeneSymbols) -> anyhow::Result<Vec<String>> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("{}: cannot read targets", path.display()))?;
    let mut targets = Vec::new();
    let mut unmapped = 0;
    for line in std::io::BufReader::new(file).lines() {
        let line = line.with_context(|| format!("{}: cannot read targets", path.display()))?;
        let gene = line.split('#').next().unwrap_or("").trim();
        if !gene.is_empty() {
            targets.push(symbols.normalise(gene, &mut unmapped));
        }
    }
    if targets.is_empty() {
        anyhow::bail!("{}: no target genes in the file", path.display());
    }
    Ok(targets)
}

/// Loads the graph of a knowledge agent's `graph = "…"` spec through [`crate::priors::open`]:
/// a bundled name (`collectri`, `dorothea`, `omnipath`, …) or `KIND:PATH[@OPTION]`.
pub fn resolve_graph(spec: &str, symbols: &GeneSymbols) -> anyhow::Result<Graph> {
    let loaded = crate::priors::open(spec, symbols)?;
    tracing::info!(
        spec,
        nodes = loaded.graph.node_count(),
        edges = loaded.graph.edge_count(),
        rows_read = loaded.report.rows_read,
        rows_dropped = loaded.report.rows_dropped,
        "loaded knowledge graph"
    );
    Ok(loaded.graph)
}

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
use crate::data::io::writer::write_atomically;
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
}

impl Panel {
    /// Builds the agents of `agents` with `pool` as the candidate pool; replies are cached in
    /// `cache` when given, and `offline` forbids calls on a cache miss.
    pub(super) fn open(
        agents: &Path,
        pool: Pool,
        symbols: &Arc<GeneSymbols>,
        cache: Option<&Path>,
        offline: bool,
        simulated_truth: Option<&Path>,
    ) -> anyhow::Result<Panel> {
        let file = AgentsFile::read(agents).map_err(|e| UsageError(e.to_string()))?;
        let cache = match cache {
            Some(dir) => Some(Arc::new(
                Cache::open(dir).context("opening the reply cache")?,
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
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        Ok(Panel {
            built,
            ctx,
            tally: Arc::new(Tally::default()),
            runtime,
        })
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

    /// Asks every agent `kind` about every target.
    pub(super) fn ask(
        &self,
        targets: &[String],
        kind: QueryKind,
        progress: &dyn Progress,
    ) -> anyhow::Result<Collected> {
        self.runtime
            .block_on(ask_all(
                &self.built.agents,
                targets,
                kind,
                Arc::clone(&self.ctx),
                Arc::clone(&self.tally),
                progress,
            ))
            .context("asking agents")
    }
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
    let panel = Panel::open(
        &args.agents,
        pool,
        &symbols,
        args.cache.as_deref(),
        args.offline,
        None,
    )?;
    let consensus = panel.consensus(args.tau, args.weighting);
    let question = panel.question();
    let collected = panel.ask(&targets, question, &super::progress_bar(quiet))?;
    let graph = consensus.build(&collected);
    write_atomically(&args.out, |f| write_rows(&graph.rows, f))
        .with_context(|| format!("{}: cannot write", args.out.display()))?;
    if let Some(path) = &args.proposals {
        write_atomically(path, |f| write_proposals(&collected, f))
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    if let Some(path) = &args.hubs {
        let asked = panel
            .ask(
                &["hubs".to_string()],
                QueryKind::Hubs,
                &super::progress_bar(quiet),
            )
            .context("asking agents for hubs")?;
        let ranked = hubs::rank(&asked);
        write_atomically(path, |f| write_hubs(&ranked, f))
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
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

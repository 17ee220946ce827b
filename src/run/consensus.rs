//! `mechpert consensus`: read the screen and `agents.toml`, ask every agent about every target,
//! build the consensus graph and write it.

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;

use crate::agents::config::{AgentsFile, BuildEnv};
use crate::agents::{Cache, Context, Pool, QueryKind, Tally, ask_all};
use crate::cli::ConsensusArgs;
use crate::consensus::{Consensus, hubs};
use crate::data::GeneSymbols;
use crate::data::io::writer::write_atomically;
use crate::priors::Graph;
use crate::report::consensus::{Summary, write_hubs, write_rows};

use super::UsageError;

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
    let file = AgentsFile::read(&args.agents).map_err(|e| UsageError(e.to_string()))?;
    let cache = match &args.cache {
        Some(dir) => Some(Arc::new(
            Cache::open(dir).context("opening the reply cache")?,
        )),
        None => None,
    };
    let env_var = |name: &str| std::env::var(name).ok();
    // Relative paths in graph specs (`trrust:data/x.tsv`) start from the folder of agents.toml.
    let base = args.agents.parent().unwrap_or(Path::new("")).to_path_buf();
    let graphs = |spec: &str| {
        let spec = match spec.split_once(':') {
            Some((kind, path)) if Path::new(path).is_relative() => {
                format!("{kind}:{}", base.join(path).display())
            }
            _ => spec.to_string(),
        };
        resolve_graph(&spec, &symbols)
    };
    let built = file
        .build(
            &args.agents,
            &BuildEnv {
                env: &env_var,
                graphs: &graphs,
                symbols: Arc::clone(&symbols),
                cache,
                offline: args.offline,
            },
        )
        .with_context(|| format!("{}: building agents", args.agents.display()))?;
    let consensus = Consensus {
        tau: args.tau.unwrap_or(built.file.consensus.tau),
        weighting: args.weighting.unwrap_or(built.file.consensus.weighting),
    };
    let question = built.file.question;
    let ctx = Arc::new(Context {
        cell: built.file.cell_context.clone(),
        pool,
        k: built.file.k.get(),
    });
    let tally = Arc::new(Tally::default());
    let bar = super::progress_bar(quiet);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let collected = runtime
        .block_on(ask_all(
            &built.agents,
            &targets,
            question,
            Arc::clone(&ctx),
            Arc::clone(&tally),
            &bar,
        ))
        .context("asking agents")?;
    let graph = consensus.build(&collected);
    write_atomically(&args.out, |f| write_rows(&graph.rows, f))
        .with_context(|| format!("{}: cannot write", args.out.display()))?;
    if let Some(path) = &args.hubs {
        let asked = runtime
            .block_on(ask_all(
                &built.agents,
                &["hubs".to_string()],
                QueryKind::Hubs,
                Arc::clone(&ctx),
                Arc::clone(&tally),
                &bar,
            ))
            .context("asking agents for hubs")?;
        let ranked = hubs::rank(&asked);
        write_atomically(path, |f| write_hubs(&ranked, f))
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    let mut with_edges: Vec<&str> = graph.rows.iter().map(|r| r.target.as_str()).collect();
    with_edges.dedup();
    let summary = Summary {
        targets: targets.len(),
        pool: ctx.pool.len(),
        agents: collected.agents.clone(),
        question: question.as_str().to_string(),
        tau: consensus.tau.to_string(),
        weighting: consensus.weighting.as_str().to_string(),
        edges: graph.rows.len(),
        targets_with_edges: with_edges.len(),
        tally: tally.snapshot(),
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

/// Loads the graph of a knowledge agent's `graph = "…"` spec.
///
/// INTERIM resolver until the `priors` branch's `priors::open(spec, &GeneSymbols)` is merged;
/// at merge time replace the body with `Ok(crate::priors::open(spec, symbols)?.graph)`.
/// Understood here:
/// - `collectri:PATH`, `dorothea:PATH`, `omnipath:PATH`: OmniPath-style TSV (`source, target,
///   sign, curation_effort, …`), directed, weight = 1 − 1/(1 + max(curation_effort, 1));
/// - `trrust:PATH`: TRRUST v2 (`TF, target, mode, PMIDs`, no header), directed, weight =
///   1 − 0.5^(number of PMIDs);
/// - `string:PATH`: STRING edges (`symbol_a, symbol_b, …, combined_score`), undirected,
///   weight = combined_score / 1000;
/// - `edges:PATH`: a TSV with a header whose first two columns are source and target and an
///   optional `weight` column (default 1), directed.
///
/// Paths may end in `.gz`.
pub fn resolve_graph(spec: &str, symbols: &GeneSymbols) -> anyhow::Result<Graph> {
    let (kind, path) = spec.split_once(':').with_context(|| {
        format!("expected KIND:PATH with KIND one of collectri, dorothea, omnipath, trrust, string, edges; got {spec:?}")
    })?;
    let path = Path::new(path);
    let file =
        std::fs::File::open(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let reader: Box<dyn std::io::Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::GzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let directed = kind != "string";
    let mut b = Graph::builder(directed);
    let mut unmapped = 0;
    let mut header: Vec<String> = Vec::new();
    for (i, line) in std::io::BufReader::new(reader).lines().enumerate() {
        let line = line.with_context(|| format!("{}: cannot read", path.display()))?;
        let cols: Vec<&str> = line.split('\t').collect();
        if i == 0 && kind != "trrust" {
            header = cols.iter().map(|c| c.to_string()).collect();
            continue;
        }
        if cols.len() < 2 {
            anyhow::bail!(
                "{}:{}: expected at least two tab-separated columns",
                path.display(),
                i + 1
            );
        }
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|j| cols.get(j))
        };
        let num = |name: &str| -> anyhow::Result<Option<f32>> {
            match col(name) {
                None => Ok(None),
                Some(v) => v.trim().parse::<f32>().map(Some).with_context(|| {
                    format!(
                        "{}:{}: column `{name}`: expected a number, got {v:?}",
                        path.display(),
                        i + 1
                    )
                }),
            }
        };
        let (weight, sign) = match kind {
            "collectri" | "dorothea" | "omnipath" => {
                let ce = num("curation_effort")?.unwrap_or(1.0).max(1.0);
                let sign = num("sign")?.unwrap_or(0.0);
                (1.0 - 1.0 / (1.0 + ce), sign.signum() as i8)
            }
            "trrust" => {
                let n = cols.get(3).map_or(1, |p| p.split(';').count()) as i32;
                let sign = match cols.get(2) {
                    Some(&"Activation") => 1,
                    Some(&"Repression") => -1,
                    _ => 0,
                };
                (1.0 - 0.5f32.powi(n), sign)
            }
            "string" => (num("combined_score")?.unwrap_or(1000.0) / 1000.0, 0),
            "edges" => (num("weight")?.unwrap_or(1.0), 0),
            other => anyhow::bail!(
                "unknown graph kind `{other}`: expected collectri, dorothea, omnipath, trrust, string or edges"
            ),
        };
        let source = symbols.normalise(cols[0], &mut unmapped);
        let target = symbols.normalise(cols[1], &mut unmapped);
        b.add_edge(&source, &target, weight, sign);
    }
    tracing::info!(spec, edges = b.edge_count(), "loaded knowledge graph");
    Ok(b.build())
}

//! `mechpert evaluate`: resolve predictors and priors, run the benchmark, write the tables.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::UsageError;
use crate::cli::EvaluateArgs;
use crate::data::io::writer::write_atomically;
use crate::eval::benchmark::{self, BenchmarkConfig};
use crate::eval::standard_metrics;
use crate::predict::inputs::consensus_tsv;
use crate::predict::{Additive, Embedding, Neighbours, Predictor, Ridge, Shrunk, TrainingMean};
use crate::priors::Graph;
use crate::report::evaluate::{RunHeader, write_metrics_csv, write_summary};

const KNOWN: &[&str] = &[
    "mean",
    "consensus",
    "similarity",
    "graph",
    "ridge",
    "additive",
];

/// Dimensions of the spectral embedding ridge uses (the paper's K = 10).
const EMBEDDING_DIM: usize = 10;

/// A predictor as named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Choice {
    base: String,
    shrunk: bool,
}

/// Parses `--predictors`; `mean` comes first whatever the order (it is the baseline).
fn parse_choices(names: &[String]) -> Result<Vec<Choice>, UsageError> {
    let mut out = vec![Choice {
        base: "mean".into(),
        shrunk: false,
    }];
    for name in names {
        let name = name.trim();
        let (base, suffix) = match name.split_once(':') {
            Some((b, s)) => (b, Some(s)),
            None => (name, None),
        };
        if !KNOWN.contains(&base) {
            return Err(UsageError(format!(
                "unknown predictor `{base}` in --predictors: expected {}, optionally with :shrunk",
                KNOWN.join(", ")
            )));
        }
        let shrunk = match suffix {
            None => false,
            Some("shrunk") => true,
            Some(other) => {
                return Err(UsageError(format!(
                    "unknown suffix `:{other}` on predictor `{base}`: expected :shrunk"
                )));
            }
        };
        let choice = Choice {
            base: base.into(),
            shrunk,
        };
        if !out.contains(&choice) {
            out.push(choice);
        }
    }
    Ok(out)
}

pub(super) fn run(args: EvaluateArgs, quiet: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let choices = parse_choices(&args.predictors)?;
    let needs = |bases: &[&str]| choices.iter().any(|c| bases.contains(&c.base.as_str()));
    if needs(&["consensus", "similarity"]) && args.neighbours.is_none() && args.agents.is_none() {
        return Err(UsageError(
            "predictors consensus and similarity need --agents agents.toml or --neighbours TSV (the consensus table)"
                .into(),
        )
        .into());
    }
    if needs(&["graph"]) && args.graph.is_none() {
        return Err(UsageError("predictor graph needs --graph SPEC".into()).into());
    }
    if needs(&["ridge"])
        && args.graph.is_none()
        && args.neighbours.is_none()
        && args.agents.is_none()
    {
        return Err(UsageError(
            "predictor ridge needs --graph SPEC or --neighbours TSV for its perturbation embedding"
                .into(),
        )
        .into());
    }

    crate::data::io::writer::check_folder(&args.out)
        .with_context(|| format!("{}: cannot write", args.out.display()))?;
    let symbols = super::resolve_symbols(&args.screen)?;
    let loaded = super::read_screen(&args.data, &args.screen, &symbols)?;
    let screen = &loaded.screen;
    if args.observed.get() >= screen.n_perturbations() {
        return Err(UsageError(format!(
            "--observed {} leaves nothing to predict: {} has {} perturbations",
            args.observed,
            args.data.display(),
            screen.n_perturbations()
        ))
        .into());
    }

    let mut priors = Vec::new();
    let graph: Option<Arc<Graph>> = match &args.graph {
        Some(spec) => {
            let l = crate::priors::open(spec, &symbols)
                .with_context(|| format!("loading --graph {spec}"))?;
            priors.push(format!(
                "graph `{spec}`: {} nodes, {} edges ({}), {} of {} perturbations in it",
                l.graph.node_count(),
                l.graph.edge_count(),
                if l.graph.is_directed() {
                    "directed"
                } else {
                    "undirected"
                },
                covered(&l.graph, screen),
                screen.n_perturbations()
            ));
            Some(Arc::new(l.graph))
        }
        None => None,
    };
    let from_agents = match &args.agents {
        Some(agents) => Some((
            agents.display().to_string(),
            ask_panel(&args, agents, screen, &symbols, quiet)?,
        )),
        None => None,
    };
    let neighbours: Option<Arc<Graph>> = match (&args.neighbours, from_agents) {
        (_, Some((source, g))) => {
            priors.push(format!(
                "consensus neighbours from agents `{source}`: {} regulator → target edges over {} genes, {} of {} perturbations in it",
                g.edge_count(),
                g.node_count(),
                covered(&g, screen),
                screen.n_perturbations()
            ));
            Some(Arc::new(g))
        }
        (Some(path), None) => {
            let g = consensus_tsv::read(path, &symbols).context("loading --neighbours")?;
            priors.push(format!(
                "consensus neighbours `{}`: {} regulator → target edges over {} genes, {} of {} perturbations in it",
                path.display(),
                g.edge_count(),
                g.node_count(),
                covered(&g, screen),
                screen.n_perturbations()
            ));
            Some(Arc::new(g))
        }
        (None, None) => None,
    };

    let mut predictors: Vec<Box<dyn Predictor>> = Vec::new();
    for choice in &choices {
        let inner: Box<dyn Predictor> = match choice.base.as_str() {
            "mean" => Box::new(TrainingMean),
            "consensus" => Box::new(
                Neighbours::params(Arc::clone(neighbours.as_ref().expect("checked")))
                    .name("consensus")
                    .check()?,
            ),
            "similarity" => Box::new(
                Neighbours::params(Arc::clone(neighbours.as_ref().expect("checked")))
                    .name("similarity")
                    .unweighted()
                    .check()?,
            ),
            "graph" => {
                Box::new(Neighbours::params(Arc::clone(graph.as_ref().expect("checked"))).check()?)
            }
            "ridge" => {
                let g = graph.as_ref().or(neighbours.as_ref()).expect("checked");
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(args.seed);
                let e = Embedding::spectral(g, screen, EMBEDDING_DIM, &mut rng)
                    .map_err(|m| anyhow::anyhow!("spectral embedding for ridge: {m}"))?;
                Box::new(Ridge::params(Arc::new(e)).check()?)
            }
            "additive" => Box::new(Additive),
            other => unreachable!("parse_choices admits only known names, got {other}"),
        };
        predictors.push(if choice.shrunk {
            Box::new(Shrunk::params(inner).check()?)
        } else {
            inner
        });
    }

    let metrics = standard_metrics();
    let config = BenchmarkConfig {
        observed: args.observed,
        draws: args.draws,
        seed: args.seed,
    };
    let bar = super::progress_bar(quiet);
    let started = std::time::Instant::now();
    let records = benchmark::run(screen, &predictors, &metrics, &config, &bar)?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "benchmark done");
    let cells = benchmark::summarise(&records, "mean", args.seed);

    let header = RunHeader {
        dataset: args.data.display().to_string(),
        perturbations: screen.n_perturbations(),
        genes: screen.n_genes(),
        values: serde_json::to_value(screen.value_kind())?
            .as_str()
            .unwrap_or_default()
            .to_string(),
        observed: args.observed.get(),
        draws: args.draws.get(),
        seed: args.seed,
        priors,
        baseline: "mean".into(),
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let csv = args.out.join("metrics.csv");
    write_atomically(&csv, |f| write_metrics_csv(&records, f))
        .with_context(|| format!("writing {}", csv.display()))?;
    let md = args.out.join("summary.md");
    write_atomically(&md, |f| write_summary(&header, &metrics, &cells, f))
        .with_context(|| format!("writing {}", md.display()))?;
    write_summary(&header, &metrics, &cells, out)?;
    Ok(())
}

/// The consensus graph of the agents in `agents`, asked about every perturbation of the screen.
fn ask_panel(
    args: &EvaluateArgs,
    agents: &std::path::Path,
    screen: &crate::data::Screen,
    symbols: &crate::data::GeneSymbols,
    quiet: bool,
) -> anyhow::Result<Graph> {
    let symbols = Arc::new(symbols.clone());
    let pool = crate::agents::Pool::new(screen.perturbations().iter().cloned());
    let targets = pool.genes().to_vec();
    let panel =
        super::consensus::Panel::open(agents, pool, &symbols, args.cache.as_deref(), args.offline)?
            .allow_failures(args.allow_failures);
    let collected = panel.ask(&targets, panel.question(), &super::progress_bar(quiet))?;
    Ok(panel.consensus(None, None).build(&collected).graph)
}

/// Perturbations of the screen that are nodes of the graph.
fn covered(graph: &Graph, screen: &crate::data::Screen) -> usize {
    screen
        .perturbations()
        .iter()
        .filter(|p| graph.node(p).is_some())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_comes_first_and_names_are_checked() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let c = parse_choices(&names(&["graph:shrunk", "mean", "graph:shrunk"])).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].base, "mean");
        assert!(c[1].shrunk);
        let err = parse_choices(&names(&["knn"])).unwrap_err().to_string();
        assert!(
            err.starts_with("unknown predictor `knn` in --predictors: expected mean,"),
            "{err}"
        );
        let err = parse_choices(&names(&["graph:fast"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown suffix `:fast`"), "{err}");
    }
}

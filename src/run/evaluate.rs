//! `mechpert evaluate`: resolve predictors and priors, run the benchmark, write the tables.

use std::io::Write;

use anyhow::Context;

use super::UsageError;
use super::resolve::{ConsensusSource, Knowledge, parse_choices};
use crate::cli::EvaluateArgs;
use crate::data::io::writer::write_atomically;
use crate::eval::standard_metrics;
use crate::eval::summary::summarise;
use crate::plan::few_shot::{self, BenchmarkConfig};
use crate::report::evaluate::{RunHeader, write_metrics_csv, write_summary};

pub(super) fn run(args: EvaluateArgs, quiet: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let choices = parse_choices(&args.predictors, "--predictors")?;
    Knowledge::check_needs(
        &choices,
        args.neighbours.is_some() || args.agents.is_some(),
        args.graph.is_some(),
    )?;

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

    let mut knowledge = Knowledge::default();
    if let Some(spec) = &args.graph {
        knowledge.open_graph(spec, &symbols, screen.layout())?;
    }
    let source = match (&args.agents, &args.neighbours) {
        (Some(file), _) => Some(ConsensusSource::Agents {
            file,
            cache: args.cache.as_deref(),
            offline: args.offline,
            tau: None,
            weighting: None,
            hubs: false,
            truth: None,
            allow_failures: args.allow_failures,
        }),
        (None, Some(neighbours)) => Some(ConsensusSource::Table {
            neighbours,
            hubs: None,
        }),
        (None, None) => None,
    };
    if let Some(source) = &source {
        knowledge.open_consensus(
            source,
            &symbols,
            screen.layout(),
            &super::progress_bar(quiet),
        )?;
    }
    let predictors = knowledge.predictors(&choices, screen.layout(), args.seed)?;

    let metrics = standard_metrics();
    let config = BenchmarkConfig {
        observed: args.observed,
        draws: args.draws,
        seed: args.seed,
    };
    let bar = super::progress_bar(quiet);
    let started = std::time::Instant::now();
    let records = few_shot::run(screen, &predictors, &metrics, &config, &bar)?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "benchmark done");
    let cells = summarise(&records, "mean", args.seed);

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
        priors: knowledge.lines,
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
    crate::report::figures::write_evaluate_figures(&args.out)
        .with_context(|| format!("drawing figures into {}", args.out.display()))?;
    write_summary(&header, &metrics, &cells, out)?;
    Ok(())
}

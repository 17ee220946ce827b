//! `mechpert evaluate`: resolve predictors, priors and splits, run the benchmark, write the
//! tables (and, on request, the splits and every prediction as AnnData).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::resolve::{Choice, ConsensusSource, Knowledge, parse_choices};
use super::{UsageError, create_parent, refuse_to_replace};
use crate::cli::EvaluateArgs;
use crate::data::Screen;
use crate::data::io::h5ad::write_predictions;
use crate::data::io::split;
use crate::data::io::writer::write_atomically;
use crate::eval::standard_metrics;
use crate::eval::summary::summarise;
use crate::plan::few_shot::{self, BenchmarkConfig, PerPerturbation, Predictions};
use crate::report::evaluate::{RunHeader, write_metrics_csv, write_summary};

/// The predictors run when `--predictors` is not given, each used when its knowledge is there.
const DEFAULT_PREDICTORS: &[&str] = &["mean", "consensus", "similarity", "graph", "ridge"];

pub(super) fn run(args: EvaluateArgs, quiet: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let has_consensus = args.neighbours.is_some() || args.agents.is_some();
    let has_graph = args.graph.is_some();
    let choices = if args.predictors.is_empty() {
        default_choices(has_consensus, has_graph)
    } else {
        parse_choices(&args.predictors, "--predictors")?
    };
    Knowledge::check_needs(&choices, has_consensus, has_graph)?;
    Knowledge::check_text_needs(&choices, args.summaries.is_some())?;

    crate::data::io::writer::check_folder(&args.out)
        .with_context(|| format!("--out {}: cannot write there", args.out.display()))?;
    let tables = ["metrics.csv", "per_perturbation.csv", "summary.md"].map(|f| args.out.join(f));
    for path in tables.iter().chain(&args.write_split) {
        refuse_to_replace(path, args.force)?;
    }
    let symbols = super::resolve_symbols(&args.screen)?;
    let loaded = super::read_screen(&args.data, &args.screen, &symbols)?;
    let screen = &loaded.screen;
    let splits = match &args.split {
        Some(path) => split::read_path(path, screen.layout(), &symbols)
            .with_context(|| format!("reading --split {}", path.display()))?,
        None => {
            let n = screen.n_perturbations();
            if args.observed.get() >= n {
                return Err(UsageError(format!(
                    "--observed {} leaves nothing to predict: {} has {n} perturbations, so --observed can be at most {}",
                    args.observed,
                    args.data.display(),
                    n - 1
                ))
                .into());
            }
            BenchmarkConfig {
                observed: args.observed,
                draws: args.draws,
                seed: args.seed,
            }
            .random_splits(n)?
        }
    };
    if let Some(dir) = &args.predictions {
        for draw in 0..splits.len() {
            for name in choices.iter().map(Choice::name).chain(["real".to_string()]) {
                refuse_to_replace(&prediction_path(dir, draw, &name), args.force)?;
            }
        }
    }

    let mut knowledge = Knowledge::default();
    if let Some(spec) = &args.graph {
        knowledge.open_graph(spec, &symbols, screen.layout())?;
    }
    if let Some(path) = &args.summaries {
        knowledge.open_summaries(path, &symbols, screen.layout())?;
    }
    let source = match (&args.agents, &args.neighbours) {
        (Some(file), _) => Some(ConsensusSource::Agents {
            file,
            cache: args.cache.as_deref(),
            offline: args.offline,
            tau: args.tau,
            weighting: args.weighting,
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
    if let Some(path) = &args.split {
        knowledge.lines.push(format!(
            "splits: {} draw{} read from `{}`",
            splits.len(),
            if splits.len() == 1 { "" } else { "s" },
            path.display()
        ));
    }
    let predictors = knowledge.predictors(&choices, screen.layout(), args.seed)?;

    let metrics = standard_metrics();
    let bar = super::progress_bar(quiet);
    let started = std::time::Instant::now();
    let mut write_one = |p: Predictions<'_>| write_draw(screen, args.predictions.as_deref(), p);
    let sink: Option<few_shot::PredictionSink<'_>> = match args.predictions {
        Some(_) => Some(&mut write_one),
        None => None,
    };
    let outcome = few_shot::run(screen, &predictors, &metrics, &splits, &bar, sink)?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "benchmark done");
    let cells = summarise(&outcome.records, "mean", args.seed);

    let header = RunHeader {
        dataset: args.data.display().to_string(),
        perturbations: screen.n_perturbations(),
        genes: screen.n_genes(),
        values: serde_json::to_value(screen.value_kind())?
            .as_str()
            .unwrap_or_default()
            .to_string(),
        observed: splits[0].observed.len(),
        draws: splits.len(),
        seed: args.seed,
        priors: knowledge.lines,
        baseline: "mean".into(),
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let [csv, per_perturbation, md] = &tables;
    write_atomically(csv, |f| write_metrics_csv(&outcome.records, f))
        .with_context(|| format!("writing {}", csv.display()))?;
    write_atomically(per_perturbation, |f| {
        write_per_perturbation(&outcome.per_perturbation, screen, f)
    })
    .with_context(|| format!("writing {}", per_perturbation.display()))?;
    write_atomically(md, |f| write_summary(&header, &metrics, &cells, f))
        .with_context(|| format!("writing {}", md.display()))?;
    if let Some(path) = &args.write_split {
        create_parent(path)?;
        write_atomically(path, |f| split::write(&splits, screen.layout(), f))
            .with_context(|| format!("writing --write-split {}", path.display()))?;
    }
    crate::report::figures::write_evaluate_figures(&args.out)
        .with_context(|| format!("drawing figures into {}", args.out.display()))?;
    write_summary(&header, &metrics, &cells, out)?;
    Ok(())
}

/// The default predictor set: every one of [`DEFAULT_PREDICTORS`] whose knowledge was given;
/// the others are named in a warning with what they need.
fn default_choices(has_consensus: bool, has_graph: bool) -> Vec<Choice> {
    let mut skipped = Vec::new();
    let mut out = Vec::new();
    for &base in DEFAULT_PREDICTORS {
        let usable = match base {
            "consensus" | "similarity" => has_consensus,
            "graph" => has_graph,
            "ridge" => has_graph || has_consensus,
            _ => true,
        };
        if usable {
            out.push(Choice {
                base: base.into(),
                shrunk: false,
            });
        } else {
            skipped.push(base);
        }
    }
    if !skipped.is_empty() {
        tracing::warn!(
            "skipping predictors {}: consensus and similarity need --neighbours or --agents, graph needs --graph, ridge needs either",
            skipped.join(", ")
        );
    }
    out
}

/// `DIR/draw{draw}/{name}.h5ad`, `:` in predictor names (`graph:shrunk`) written as `_`.
fn prediction_path(dir: &Path, draw: usize, name: &str) -> PathBuf {
    dir.join(format!("draw{draw}"))
        .join(format!("{}.h5ad", name.replace(':', "_")))
}

/// Writes one predictor's predictions of one draw and, with the first predictor (the mean,
/// always first), the measured values of the same perturbations as `real.h5ad`.
fn write_draw(
    screen: &Screen,
    dir: Option<&Path>,
    p: Predictions<'_>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let Some(dir) = dir else { return Ok(()) };
    let path = prediction_path(dir, p.draw, p.predictor);
    create_parent(&path)?;
    if p.predictor == "mean" {
        let measured = screen.response().select(ndarray::Axis(0), p.queries);
        write_predictions(
            screen,
            p.queries,
            measured.view(),
            &prediction_path(dir, p.draw, "real"),
        )?;
    }
    write_predictions(screen, p.queries, p.response, &path)?;
    Ok(())
}

/// Writes `draw,predictor,perturbation,metric,value` rows (values with full precision), quoted
/// where a name needs it (a perturbation label may hold a comma, e.g. a combination `A,B`).
fn write_per_perturbation(
    rows: &[PerPerturbation],
    screen: &Screen,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["draw", "predictor", "perturbation", "metric", "value"])?;
    for r in rows {
        w.write_record([
            r.draw.to_string().as_str(),
            &r.predictor,
            &screen.perturbations()[r.perturbation],
            &r.metric,
            &r.value.to_string(),
        ])?;
    }
    w.flush()
}

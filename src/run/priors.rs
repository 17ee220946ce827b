//! `mechpert priors`: read a prior graph, then rank genes by a centrality or summarise it.

use std::io::Write;
use std::num::NonZeroUsize;

use anyhow::Context;

use super::UsageError;
use crate::cli::PriorsArgs;
use crate::cli::priors::{CentralityArgs, GraphArgs, MeasureArg, PriorsCommand, StatsArgs};
use crate::data::GeneSymbols;
use crate::data::io::writer::write_atomically;
use crate::priors::centrality::{self, CentralityError, Direction, Iteration, Measure};
use crate::priors::{self, Loaded, PriorsError};
use crate::report::priors::{GraphStats, write_load_report, write_ranking, write_ranking_csv};

pub(super) fn run(args: PriorsArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    match args.command {
        PriorsCommand::Centrality(a) => centrality(a, out),
        PriorsCommand::Stats(a) => stats(a, out),
    }
}

/// Reads the graph the arguments name; a bad spec is a usage error.
fn load_graph(args: &GraphArgs, symbols: &GeneSymbols) -> anyhow::Result<Loaded> {
    let mut loaded = priors::open(&args.graph, symbols)
        .map_err(|e: PriorsError| -> anyhow::Error {
            if e.is_usage() {
                UsageError(e.to_string()).into()
            } else {
                e.into()
            }
        })
        .with_context(|| format!("reading graph {}", args.graph))?;
    if args.reverse {
        loaded.graph = loaded.graph.reversed();
    }
    tracing::info!(
        graph = %args.graph,
        nodes = loaded.graph.node_count(),
        edges = loaded.graph.edge_count(),
        rows_read = loaded.report.rows_read,
        rows_dropped = loaded.report.rows_dropped,
        "read graph"
    );
    Ok(loaded)
}

fn measure(a: &CentralityArgs) -> Measure {
    let deg = |direction, weighted| Measure::Degree {
        direction,
        weighted,
    };
    let iteration = |default: usize| Iteration {
        tolerance: a.tolerance,
        max_iter: a
            .max_iter
            .unwrap_or(NonZeroUsize::new(default).expect("non-zero")),
    };
    match a.measure {
        MeasureArg::InDegree => deg(Direction::In, false),
        MeasureArg::OutDegree => deg(Direction::Out, false),
        MeasureArg::Degree => deg(Direction::Total, false),
        MeasureArg::WeightedInDegree => deg(Direction::In, true),
        MeasureArg::WeightedOutDegree => deg(Direction::Out, true),
        MeasureArg::WeightedDegree => deg(Direction::Total, true),
        MeasureArg::Pagerank => Measure::PageRank(centrality::pagerank::Params {
            damping: a.damping,
            iteration: iteration(100),
        }),
        MeasureArg::Betweenness => Measure::Betweenness,
        MeasureArg::Closeness => Measure::Closeness,
        MeasureArg::Eigenvector => Measure::Eigenvector(iteration(100)),
        MeasureArg::Katz => Measure::Katz(centrality::katz::Params {
            alpha: a.katz_alpha,
            iteration: iteration(1000),
        }),
        MeasureArg::Random => Measure::Random { seed: a.seed },
    }
}

fn centrality(a: CentralityArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let symbols = super::resolve_symbols(&a.read)?;
    let loaded = load_graph(&a.graph, &symbols)?;
    let g = &loaded.graph;
    let candidates = match &a.candidates {
        Some(path) => Some(
            super::read_screen(path, &a.read, &symbols)?
                .screen
                .perturbations()
                .to_vec(),
        ),
        None => None,
    };
    let m = measure(&a);
    let started = std::time::Instant::now();
    let scores = m.scores(g).map_err(|e| -> anyhow::Error {
        match e {
            CentralityError::BadParameter { .. } => UsageError(e.to_string()).into(),
            e => e.into(),
        }
    })?;
    tracing::info!(measure = %m.name(), seconds = started.elapsed().as_secs_f64(), "scored");
    let ranking = centrality::rank(g, &scores, candidates.as_deref(), a.seed);
    write_load_report(out, &a.graph.graph, &loaded.report)?;
    let kind = if g.is_directed() {
        "directed"
    } else {
        "undirected"
    };
    writeln!(
        out,
        "# {} nodes, {} edges ({kind}{}); measure {}",
        g.node_count(),
        g.edge_count(),
        if a.graph.reverse { ", reversed" } else { "" },
        m.name()
    )?;
    if let (Some(path), Some(c)) = (&a.candidates, &candidates) {
        let present = ranking.iter().filter(|r| r.score.is_some()).count();
        writeln!(
            out,
            "# candidates: {} perturbations of {}, {present} in the graph; the others rank last (seed {})",
            c.len(),
            path.display(),
            a.seed
        )?;
    }
    write_ranking(out, &ranking, a.top.get())?;
    if let Some(path) = &a.out {
        write_atomically(path, |f| write_ranking_csv(f, &ranking))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn stats(a: StatsArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let symbols = super::resolve_symbols(&a.read)?;
    let loaded = load_graph(&a.graph, &symbols)?;
    let screen = match &a.screen {
        Some(path) => Some((
            path.display().to_string(),
            super::read_screen(path, &a.read, &symbols)?.screen,
        )),
        None => None,
    };
    let s = GraphStats::of(
        &a.graph.graph,
        &loaded.graph,
        &loaded.report,
        screen.as_ref().map(|(n, s)| (n.as_str(), s)),
    );
    if a.json {
        serde_json::to_writer(&mut *out, &s)?;
        writeln!(out)?;
    } else {
        s.write_human(out)?;
    }
    Ok(())
}

//! `mechpert design` output: `next_screen.csv` (one block of ranks per strategy), the
//! predictions table, and the printed summary.

use std::io::{self, Write};

use ndarray::ArrayView2;

use crate::plan::backtest::Backtest;
use crate::plan::strategy::Pick;

/// One row of `next_screen.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignRow {
    /// 1-based rank within the strategy.
    pub rank: usize,
    /// The gene to perturb.
    pub gene: String,
    /// The strategy that ranked it.
    pub strategy: String,
    /// Agents that named it a hub (`hubs` picks), `;`-separated.
    pub agents: String,
    /// Targets it newly covers on the consensus graph (none without a consensus graph).
    pub coverage_gain: Option<usize>,
    /// Fraction of the targets covered once it and the picks ranked above it are measured.
    pub cumulative_coverage: Option<f64>,
    /// The strategy's numbers and reason.
    pub pick: Pick,
}

/// Writes `rank,gene,strategy,score,votes,agents,confidence,coverage_gain,cumulative_coverage,
/// centrality,uncertainty,rationale`; empty where a column does not apply.
pub fn write_design_csv(rows: &[DesignRow], out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "rank",
        "gene",
        "strategy",
        "score",
        "votes",
        "agents",
        "confidence",
        "coverage_gain",
        "cumulative_coverage",
        "centrality",
        "uncertainty",
        "rationale",
    ])?;
    let num = |v: Option<f64>| v.map_or(String::new(), |x| x.to_string());
    for r in rows {
        let p = &r.pick;
        w.write_record([
            r.rank.to_string(),
            r.gene.clone(),
            r.strategy.clone(),
            num(p.score),
            num(p.votes),
            r.agents.clone(),
            num(p.confidence),
            r.coverage_gain.map_or(String::new(), |g| g.to_string()),
            r.cumulative_coverage
                .map_or(String::new(), |c| format!("{c:.4}")),
            num(p.centrality),
            num(p.uncertainty),
            p.rationale.clone(),
        ])?;
    }
    w.flush()
}

/// Writes `perturbation,predictor,fallback,GENE…`: one predicted response per row; `fallback`
/// is 1 where the predictor answered with the training mean for lack of information.
pub fn write_predictions_csv(
    names: &[String],
    predictor: &str,
    fallback: &[bool],
    genes: &[String],
    values: ArrayView2<'_, f32>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(
        ["perturbation", "predictor", "fallback"]
            .into_iter()
            .map(String::from)
            .chain(genes.iter().cloned()),
    )?;
    for ((name, fb), row) in names.iter().zip(fallback).zip(values.outer_iter()) {
        w.write_record(
            [
                name.clone(),
                predictor.to_string(),
                u8::from(*fb).to_string(),
            ]
            .into_iter()
            .chain(row.iter().map(|v| v.to_string())),
        )?;
    }
    w.flush()
}

/// Targets covered before the design, and after each strategy's picks.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// With the screen so far (none without a consensus graph).
    pub before: Option<f64>,
    /// Per strategy, with its picks added.
    pub after: Vec<(String, Option<f64>)>,
}

/// What the printed summary says.
#[derive(Debug)]
pub struct Summary<'a> {
    /// The screen so far and its perturbations, when there is one.
    pub screen: Option<(String, usize)>,
    /// One line per knowledge input.
    pub knowledge: &'a [String],
    /// Candidate genes named (file or `all`).
    pub candidates: usize,
    /// Candidates already perturbed in the screen.
    pub already_measured: usize,
    /// Candidates in --exclude.
    pub excluded: usize,
    /// Candidates left to pick from.
    pub pickable: usize,
    /// Targets whose coverage is counted.
    pub targets: usize,
    /// Coverage before → after.
    pub coverage: Coverage,
    /// The picks.
    pub rows: &'a [DesignRow],
    /// `--predictions`: path, rows, fallbacks.
    pub predictions: Option<(String, usize, usize)>,
    /// The CSV written.
    pub out: String,
    /// How `--strategy auto` chose when it could not backtest.
    pub notes: &'a [String],
    /// `--strategy auto` with data: the backtest that chose, the predictor it scored and the
    /// CSV of every repeat's scores.
    pub backtest: Option<(&'a Backtest, String, String)>,
}

/// The backtest's scores, one row per strategy and repeat: `strategy,repeat,pearson_delta`.
pub fn write_backtest_csv(b: &Backtest, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "strategy,repeat,pearson_delta")?;
    for (s, scores) in b.strategies.iter().zip(&b.scores) {
        for (r, v) in scores.iter().enumerate() {
            writeln!(out, "{s},{},{v}", r + 1)?;
        }
    }
    Ok(())
}

/// The verdict first, then the paired table behind it.
fn write_backtest(b: &Backtest, predictor: &str, csv: &str, out: &mut dyn Write) -> io::Result<()> {
    let c = b.comparisons();
    let repeats = b.scores.first().map_or(0, Vec::len);
    let winner = &c[0];
    write!(out, "strategy auto chose {}", winner.strategy)?;
    match c.get(1) {
        // Only a runner-up the paired test separates from the winner makes the choice matter.
        Some(next) if next.p.is_some_and(|p| p < 0.05) => writeln!(
            out,
            ": PearsonΔ {:.3} against {:.3} for the runner-up {} (ahead on {} of {repeats} repeats, paired Wilcoxon p = {:.3})",
            winner.mean,
            next.mean,
            next.strategy,
            repeats - next.beats_winner,
            next.p.unwrap_or(1.0),
        )?,
        Some(next) => writeln!(
            out,
            ", but the backtest cannot tell it from the runner-up {} ({:+.3} ± {:.3} PearsonΔ, ahead on {} of {repeats} repeats{}): on this screen the choice matters little",
            next.strategy,
            -next.difference,
            next.spread,
            repeats - next.beats_winner,
            next.p
                .map_or(String::new(), |p| format!(", paired Wilcoxon p = {p:.2}")),
        )?,
        None => writeln!(out)?,
    }
    writeln!(
        out,
        "  backtest: {repeats} design rounds replayed inside the screen so far; each starts from {} measured perturbations, picks {} of {} more, and scores {predictor} (PearsonΔ, mean over {} perturbations set aside, the same for every strategy); per repeat: {csv}",
        b.sizes.start, b.sizes.picks, b.sizes.pool, b.sizes.test
    )?;
    writeln!(
        out,
        "  {:<20} {:>9} {:>16} {:>14} {:>8}",
        "strategy", "PearsonΔ", "− winner (sd)", "above winner", "p"
    )?;
    for x in &c {
        writeln!(
            out,
            "  {:<20} {:>9.3} {:>16} {:>14} {:>8}",
            x.strategy,
            x.mean,
            format!("{:+.3} ({:.3})", x.difference, x.spread),
            format!("{} of {repeats}", x.beats_winner),
            x.p.map_or("–".to_string(), |p| format!("{p:.3}")),
        )?;
    }
    Ok(())
}

impl Summary<'_> {
    /// Writes the summary for people.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        for note in self.notes {
            writeln!(out, "{note}")?;
        }
        if let Some((b, predictor, csv)) = &self.backtest {
            write_backtest(b, predictor, csv, out)?;
        }
        match &self.screen {
            Some((path, n)) => writeln!(out, "screen so far: {path} ({n} perturbations)")?,
            None => writeln!(out, "screen so far: none (a first screen)")?,
        }
        for line in self.knowledge {
            writeln!(out, "  {line}")?;
        }
        writeln!(
            out,
            "candidates: {} named, {} already in the screen, {} excluded by --exclude, {} left",
            self.candidates, self.already_measured, self.excluded, self.pickable
        )?;
        let pct = |f: f64| format!("{:.1} %", 100.0 * f);
        for (strategy, after) in &self.coverage.after {
            let picks: Vec<&DesignRow> = self
                .rows
                .iter()
                .filter(|r| &r.strategy == strategy)
                .collect();
            match (self.coverage.before, after) {
                (Some(b), Some(a)) => writeln!(
                    out,
                    "{strategy}: {} picks; targets covered on the consensus graph {} → {} of {}",
                    picks.len(),
                    pct(b),
                    pct(*a),
                    self.targets
                )?,
                _ => writeln!(
                    out,
                    "{strategy}: {} picks (no consensus graph: coverage not counted)",
                    picks.len()
                )?,
            }
            for r in picks.iter().take(5) {
                writeln!(out, "  {:>3}. {:<10} {}", r.rank, r.gene, r.pick.rationale)?;
                if !r.agents.is_empty() {
                    writeln!(
                        out,
                        "       agents agreeing: {}",
                        r.agents.replace(';', ", ")
                    )?;
                }
            }
        }
        if let Some((path, n, fallbacks)) = &self.predictions {
            writeln!(
                out,
                "predictions: {n} unobserved candidates → {path} ({fallbacks} predicted as the training mean for lack of observed neighbours)"
            )?;
        }
        writeln!(out, "wrote {} ({} rows)", self.out, self.rows.len())
    }
}

//! `mechpert plan` output: `rounds.csv`, `picks.csv` and `summary.md` (also the headline table
//! printed at the end of a run).
//!
//! `summary.md` has, per metric, one row per strategy: the run's predictor at the final budget
//! (mean over seeds, bootstrap 95 % CI) and its area under the learning curve, the gain over the
//! best centrality heuristic and over `random` with the paired Wilcoxon p-value across seeds, and
//! the training mean fitted on the same observed sets — so a reader sees whether a strategy
//! helps the predictor or only the mean.

use std::io::{self, Write};

use crate::eval::Metric;
use crate::eval::curves::{self, CurveCell, RoundRow};
use crate::plan::config::CENTRALITY;
use crate::plan::jobs::PickRow;

/// The columns of `rounds.csv`, in order; its reader checks the same list.
pub const ROUNDS_COLUMNS: &[&str] = &[
    "strategy",
    "seed",
    "round",
    "n_observed",
    "predictor",
    "metric",
    "value",
];

/// The columns of `picks.csv`, in order; its reader checks the same list.
pub const PICKS_COLUMNS: &[&str] = &[
    "strategy",
    "seed",
    "round",
    "rank",
    "gene",
    "score",
    "votes",
    "confidence",
    "coverage_gain",
    "centrality",
    "uncertainty",
    "rationale",
];

/// Writes `strategy,seed,round,n_observed,predictor,metric,value` (full precision).
pub fn write_rounds_csv(rows: &[RoundRow], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", ROUNDS_COLUMNS.join(","))?;
    for r in rows {
        writeln!(
            out,
            "{},{},{},{},{},{},{}",
            r.strategy, r.seed, r.round, r.n_observed, r.predictor, r.metric, r.value
        )?;
    }
    Ok(())
}

/// Writes `strategy,seed,round,rank,gene,score,votes,confidence,coverage_gain,centrality,
/// uncertainty,rationale`; empty where a column does not apply, the rationale quoted.
pub fn write_picks_csv(rows: &[PickRow], out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(PICKS_COLUMNS)?;
    let num = |v: Option<f64>| v.map_or(String::new(), |x| x.to_string());
    for r in rows {
        let p = &r.pick;
        w.write_record([
            r.strategy.clone(),
            r.seed.to_string(),
            r.round.to_string(),
            r.rank.to_string(),
            r.gene.clone(),
            num(p.score),
            num(p.votes),
            num(p.confidence),
            num(p.coverage_gain),
            num(p.centrality),
            num(p.uncertainty),
            p.rationale.clone(),
        ])?;
    }
    w.flush()
}

/// The columns of `test_set.csv`, in order.
pub const TEST_SET_COLUMNS: &[&str] = &["seed", "gene"];

/// Writes `seed,gene`: each seed's fixed test set (only the header without one).
pub fn write_test_set_csv(sets: &[(u64, &[String])], out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(TEST_SET_COLUMNS)?;
    for (seed, genes) in sets {
        for gene in *genes {
            w.write_record([seed.to_string().as_str(), gene])?;
        }
    }
    w.flush()
}

/// What the summary header says about the run.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PlanHeader {
    /// Run and screen name.
    pub title: String,
    /// The screen (file or simulation) and its size.
    pub dataset: String,
    /// Prior knowledge, one line each.
    pub knowledge: Vec<String>,
    /// The run's predictor.
    pub predictor: String,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Initial set as configured and its size.
    pub initial: String,
    /// Picks per round.
    pub batches: Vec<usize>,
    /// What every round is scored on: the fixed test set, or the perturbations not yet picked.
    pub scored_on: String,
    /// Under the permuted-feedback control, what the loop was shown; `None` for true feedback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
}

/// Writes `summary.md`.
pub fn write_summary(
    header: &PlanHeader,
    metrics: &[Box<dyn Metric>],
    rows: &[RoundRow],
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "# Design loop: {}\n", header.title)?;
    writeln!(out, "- dataset: {}", header.dataset)?;
    for k in &header.knowledge {
        writeln!(out, "- {k}")?;
    }
    writeln!(
        out,
        "- predictor: `{}` fitted on the observed perturbations every round; `mean` (the training mean) fitted on the same sets as the baseline",
        header.predictor
    )?;
    writeln!(
        out,
        "- budget: initial {}, then rounds of {:?} picks",
        header.initial, header.batches
    )?;
    writeln!(out, "- scored after each round on {}", header.scored_on)?;
    if let Some(feedback) = &header.feedback {
        writeln!(out, "- **feedback: {feedback}**")?;
    }
    writeln!(
        out,
        "- seeds: {} ({}); each strategy sees the same initial set per seed",
        header.seeds.len(),
        header
            .seeds
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    writeln!(
        out,
        "- statistics: mean over seeds with a bootstrap 95 % CI (10,000 resamples); AULC = area under the learning curve over the observed count divided by the budget range (the curve's mean value); gains relative, positive = better; p = two-sided exact paired Wilcoxon signed-rank test across seeds (paired because every strategy of a seed starts from the same initial set; with n seeds the smallest possible p is 2/2ⁿ, 0.0625 for 5)\n"
    )?;
    for metric in metrics {
        let m = metric.name();
        let hib = metric.higher_is_better();
        let cells = curves::summarise(rows, &header.predictor, m, 1);
        let baseline = curves::summarise(rows, "mean", m, 1);
        let best_central = curves::best_of(&cells, CENTRALITY, hib).cloned();
        let random = cells.iter().find(|c| c.strategy == "random").cloned();
        writeln!(
            out,
            "## {m} {}\n",
            if hib {
                "(higher is better)"
            } else {
                "(lower is better)"
            }
        )?;
        writeln!(out, "{}\n", metric.definition())?;
        let vs_central = best_central
            .as_ref()
            .map_or("vs best centrality".to_string(), |c| {
                format!("vs best centrality ({})", c.strategy)
            });
        writeln!(
            out,
            "| strategy | final ({} observed) | AULC | {vs_central} final / AULC | vs random final / AULC | mean predictor, final |",
            cells.first().map_or(0, |c| c.final_n)
        )?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for c in &cells {
            let versus = |reference: &Option<CurveCell>| match reference {
                Some(r) if r.strategy != c.strategy => {
                    let cmp = curves::compare(c, r, hib);
                    format!(
                        "{:+.1} % (p={:.3}) / {:+.1} % (p={:.3})",
                        cmp.final_gain_pct, cmp.final_p, cmp.aulc_gain_pct, cmp.aulc_p
                    )
                }
                _ => "–".to_string(),
            };
            let mean_cell = baseline
                .iter()
                .find(|b| b.strategy == c.strategy)
                .map_or("–".into(), |b| fmt_ci(b.final_mean));
            let label = if c.strategy == "oracle" {
                "oracle (upper bound, reads held-out data)".to_string()
            } else {
                c.strategy.clone()
            };
            writeln!(
                out,
                "| {label} | {} | {} | {} | {} | {mean_cell} |",
                fmt_ci(c.final_mean),
                fmt_ci(c.aulc_mean),
                versus(&best_central),
                versus(&random),
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn fmt_ci((mean, (lo, hi)): (f64, (f64, f64))) -> String {
    format!("{mean:.3} [{lo:.3}, {hi:.3}]")
}

/// The headline: per strategy, the first metric's final value, AULC and gains, as plain text.
pub fn write_headline(
    header: &PlanHeader,
    metric: &dyn Metric,
    rows: &[RoundRow],
    out: &mut dyn Write,
) -> io::Result<()> {
    let hib = metric.higher_is_better();
    let cells = curves::summarise(rows, &header.predictor, metric.name(), 1);
    let baseline = curves::summarise(rows, "mean", metric.name(), 1);
    let best_central = curves::best_of(&cells, CENTRALITY, hib);
    let random = cells.iter().find(|c| c.strategy == "random");
    writeln!(
        out,
        "{}: {} with `{}` over {} seeds, final budget {}",
        header.title,
        metric.name(),
        header.predictor,
        header.seeds.len(),
        cells.first().map_or(0, |c| c.final_n)
    )?;
    writeln!(
        out,
        "  {:<13} {:>8} {:>8} {:>16} {:>12} {:>8}",
        "strategy",
        "final",
        "AULC",
        format!(
            "vs {}",
            best_central.map_or("central", |c| c.strategy.as_str())
        ),
        "vs random",
        "mean"
    )?;
    for c in &cells {
        let gain = |r: Option<&CurveCell>| match r {
            Some(r) if r.strategy != c.strategy => {
                format!("{:+.1} %", curves::compare(c, r, hib).final_gain_pct)
            }
            _ => "–".into(),
        };
        let mean = baseline
            .iter()
            .find(|b| b.strategy == c.strategy)
            .map_or(f64::NAN, |b| b.final_mean.0);
        writeln!(
            out,
            "  {:<13} {:>8.3} {:>8.3} {:>16} {:>12} {:>8.3}",
            c.strategy,
            c.final_mean.0,
            c.aulc_mean.0,
            gain(best_central),
            gain(random),
            mean
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::strategy::Pick;

    #[test]
    fn picks_csv_quotes_rationales_and_leaves_missing_numbers_empty() {
        let rows = vec![PickRow {
            strategy: "hubs".into(),
            seed: 1,
            round: 2,
            rank: 1,
            gene: "MYC".into(),
            pick: Pick {
                votes: Some(3.0),
                ..Pick::new(4, "named by a, b and c, \"strongly\"")
            },
        }];
        let mut out = Vec::new();
        write_picks_csv(&rows, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "hubs,1,2,1,MYC,,3,,,,,\"named by a, b and c, \"\"strongly\"\"\""
        );
    }
}

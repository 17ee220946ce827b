//! `mechpert plan` output: `rounds.csv`, `picks.csv` and `summary.md` (also the headline table
//! printed at the end of a run).
//!
//! `summary.md` opens with the verdict; then, per metric, one row per strategy: the run's
//! predictor at the final budget (mean over seeds, bootstrap 95 % CI) and its area under the
//! learning curve, the gain over the best centrality heuristic (when one ran) and over `random`
//! (when it ran) with a paired CI and the paired Wilcoxon p-value across seeds, and the training
//! mean fitted on the same observed sets — so a reader sees whether a strategy helps the
//! predictor or only the mean; last, the run's metadata.

use std::io::{self, Write};

use super::{sig3, signed_sig3};
use crate::eval::Metric;
use crate::eval::curves::{self, CurveCell, Gain, GainScale, RoundRow};
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

/// The heading of `summary.md`'s last section, the run's metadata (the report collapses it).
pub const RUN_HEADING: &str = "## Run";

/// Writes `summary.md`: the verdict, one table per metric, then the run's metadata under
/// [`RUN_HEADING`].
pub fn write_summary(
    header: &PlanHeader,
    metrics: &[Box<dyn Metric>],
    rows: &[RoundRow],
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "# Design loop: {}\n", header.title)?;
    if let Some(first) = metrics.first() {
        write_verdict(header, &**first, rows, out)?;
    }
    for metric in metrics {
        let m = metric.name();
        let hib = metric.higher_is_better();
        let scale = scale_of(&**metric);
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
        let mut columns = vec![
            "strategy".to_string(),
            format!(
                "final ({} observed)",
                cells.first().map_or(0, |c| c.final_n)
            ),
            "AULC".to_string(),
        ];
        let references: Vec<&CurveCell> = best_central.iter().chain(&random).collect();
        for r in &references {
            columns.push(if CENTRALITY.contains(&r.strategy.as_str()) {
                format!("vs best centrality ({}): final / AULC", r.strategy)
            } else {
                format!("vs {}: final / AULC", r.strategy)
            });
        }
        columns.push("training mean, final".to_string());
        writeln!(out, "| {} |", columns.join(" | "))?;
        writeln!(out, "|{}", "---|".repeat(columns.len()))?;
        for c in &cells {
            let mut cells_of_row = vec![
                if c.strategy == "oracle" {
                    "oracle (upper bound, reads held-out data)".to_string()
                } else {
                    c.strategy.clone()
                },
                fmt_ci(c.final_mean),
                fmt_ci(c.aulc_mean),
            ];
            for r in &references {
                cells_of_row.push(if r.strategy == c.strategy {
                    "–".to_string()
                } else {
                    let cmp = curves::compare(c, r, hib, scale);
                    format!(
                        "{} / {}",
                        fmt_gain(&cmp.final_gain, scale),
                        fmt_gain(&cmp.aulc_gain, scale)
                    )
                });
            }
            cells_of_row.push(
                baseline
                    .iter()
                    .find(|b| b.strategy == c.strategy)
                    .map_or("–".into(), |b| fmt_ci(b.final_mean)),
            );
            writeln!(out, "| {} |", cells_of_row.join(" | "))?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{RUN_HEADING}\n")?;
    writeln!(out, "- dataset: {}", header.dataset)?;
    for k in &header.knowledge {
        writeln!(out, "- {k}")?;
    }
    writeln!(
        out,
        "- predictor: {} fitted on the observed perturbations every round; the training mean (the mean response of the observed perturbations) fitted on the same sets is the baseline any predictor must beat",
        header.predictor
    )?;
    writeln!(
        out,
        "- budget: initial {}, then rounds of {} picks",
        header.initial,
        header
            .batches
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ")
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
        "- statistics: mean over seeds with a bootstrap 95 % CI (10,000 resamples); AULC = area under the learning curve over the observed count divided by the budget range (the curve's mean value); gains positive = better, with a paired bootstrap 95 % CI over seeds: differences in the metric's units for correlations and other bounded scores, relative (percent) for errors such as MSE; p = two-sided exact paired Wilcoxon signed-rank test across seeds (with n seeds the smallest possible p is 2/2ⁿ, 0.0625 for 5), not computed where neither strategy varies across seeds (a deterministic strategy from the same initial set repeats one run); the best centrality is the reference because it is the heuristic a screen designer would otherwise use (perturb the most connected regulators first)"
    )?;
    Ok(())
}

/// The verdict: which strategy ends best on `metric`, and by how much over random and the
/// best centrality heuristic (paired CIs), in one paragraph.
pub fn write_verdict(
    header: &PlanHeader,
    metric: &dyn Metric,
    rows: &[RoundRow],
    out: &mut dyn Write,
) -> io::Result<()> {
    let hib = metric.higher_is_better();
    let scale = scale_of(metric);
    let cells = curves::summarise(rows, &header.predictor, metric.name(), 1);
    let designable: Vec<CurveCell> = cells
        .iter()
        .filter(|c| c.strategy != "oracle")
        .cloned()
        .collect();
    let Some(best) = curves::best_of(
        &designable,
        &designable
            .iter()
            .map(|c| c.strategy.as_str())
            .collect::<Vec<_>>(),
        hib,
    ) else {
        return Ok(());
    };
    let mut text = format!(
        "**Verdict** ({}, {} observed, {} seeds): {} ends best at {}",
        metric.name(),
        best.final_n,
        header.seeds.len(),
        best.strategy,
        fmt_ci(best.final_mean)
    );
    let central = curves::best_of(&cells, CENTRALITY, hib);
    let random = cells.iter().find(|c| c.strategy == "random");
    // The recommendation holds only where the paired CI against each reference excludes 0.
    let mut unseparated = Vec::new();
    for r in central.into_iter().chain(random) {
        if r.strategy != best.strategy {
            let cmp = curves::compare(best, r, hib, scale);
            text.push_str(&format!(
                "; vs {} {}",
                r.strategy,
                fmt_gain(&cmp.final_gain, scale)
            ));
            if cmp.final_gain.ci.0 <= 0.0 {
                unseparated.push(r.strategy.as_str());
            }
        }
    }
    if unseparated.is_empty() {
        text.push_str(&format!(
            ". On screens like this one, design with {}",
            best.strategy
        ));
    } else {
        text.push_str(&format!(
            ". The seeds do not separate it from {}: on screens like this one the choice matters little",
            unseparated.join(" or ")
        ));
    }
    writeln!(out, "{text}.\n")
}

/// How gains on `metric` are measured: absolute for bounded scores, percent for errors.
fn scale_of(metric: &dyn Metric) -> GainScale {
    if metric.bounded() {
        GainScale::Absolute
    } else {
        GainScale::Percent
    }
}

fn fmt_ci((mean, (lo, hi)): (f64, (f64, f64))) -> String {
    format!("{} [{}, {}]", sig3(mean), sig3(lo), sig3(hi))
}

/// A gain with its paired CI and p-value: `+0.0123 [-0.00400, +0.0301] (p = 0.0625)`.
fn fmt_gain(gain: &Gain, scale: GainScale) -> String {
    let unit = match scale {
        GainScale::Absolute => "",
        GainScale::Percent => " %",
    };
    let p = match gain.p {
        Some(p) => format!("p = {}", sig3(p)),
        None => "no seed variation".to_string(),
    };
    format!(
        "{}{unit} [{}, {}] ({p})",
        signed_sig3(gain.value),
        signed_sig3(gain.ci.0),
        signed_sig3(gain.ci.1)
    )
}

/// What the `mean` column of the headline means, printed under it.
pub const MEAN_COLUMN: &str = "mean = the training mean (the average response of the perturbations observed by that strategy), scored on the same held-out perturbations: a predictor that does not beat it has learnt nothing from the knowledge";

/// The headline: per strategy, the first metric's final value, AULC and gains, as plain text.
pub fn write_headline(
    header: &PlanHeader,
    metric: &dyn Metric,
    rows: &[RoundRow],
    out: &mut dyn Write,
) -> io::Result<()> {
    let hib = metric.higher_is_better();
    let scale = scale_of(metric);
    let cells = curves::summarise(rows, &header.predictor, metric.name(), 1);
    let baseline = curves::summarise(rows, "mean", metric.name(), 1);
    let best_central = curves::best_of(&cells, CENTRALITY, hib);
    let random = cells.iter().find(|c| c.strategy == "random");
    let references: Vec<&CurveCell> = best_central.into_iter().chain(random).collect();
    writeln!(
        out,
        "{}: {} with {} over {} seeds, final budget {}",
        header.title,
        metric.name(),
        header.predictor,
        header.seeds.len(),
        cells.first().map_or(0, |c| c.final_n)
    )?;
    let mut head = format!("  {:<13} {:>8} {:>8}", "strategy", "final", "AULC");
    for r in &references {
        head.push_str(&format!(" {:>16}", format!("vs {}", r.strategy)));
    }
    head.push_str(&format!(" {:>8}", "mean"));
    writeln!(out, "{head}")?;
    for c in &cells {
        let mut line = format!(
            "  {:<13} {:>8} {:>8}",
            c.strategy,
            sig3(c.final_mean.0),
            sig3(c.aulc_mean.0)
        );
        for r in &references {
            let gain = if r.strategy == c.strategy {
                "–".to_string()
            } else {
                let g = curves::compare(c, r, hib, scale).final_gain;
                match scale {
                    GainScale::Absolute => signed_sig3(g.value),
                    GainScale::Percent => format!("{} %", signed_sig3(g.value)),
                }
            };
            line.push_str(&format!(" {gain:>16}"));
        }
        let mean = baseline
            .iter()
            .find(|b| b.strategy == c.strategy)
            .map_or(f64::NAN, |b| b.final_mean.0);
        line.push_str(&format!(" {:>8}", sig3(mean)));
        writeln!(out, "{line}")?;
    }
    if let Some(c) = best_central {
        writeln!(
            out,
            "  vs {} = against the best centrality heuristic of this run (perturb the most connected regulators first: what a screen designer would do without mechpert)",
            c.strategy
        )?;
    }
    writeln!(out, "  {MEAN_COLUMN}")
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

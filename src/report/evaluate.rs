//! `mechpert evaluate` output: the tidy `metrics.csv` and the Markdown `summary.md`.

use std::io::{self, Write};

use crate::eval::Metric;
use crate::eval::N_FALLBACK;
use crate::eval::summary::{Record, SummaryCell};

/// What the summary header says about the run.
#[derive(Debug, Clone)]
pub struct RunHeader {
    /// The screen file as given.
    pub dataset: String,
    /// Perturbations in the screen.
    pub perturbations: usize,
    /// Measured genes.
    pub genes: usize,
    /// What the values mean (kebab-case name).
    pub values: String,
    /// Observed perturbations per draw.
    pub observed: usize,
    /// Draws.
    pub draws: usize,
    /// Seed.
    pub seed: u64,
    /// Prior knowledge used, one line each (spec and size).
    pub priors: Vec<String>,
    /// Baseline predictor name.
    pub baseline: String,
}

/// Writes `draw,predictor,metric,value` rows (values with full precision).
pub fn write_metrics_csv(records: &[Record], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "draw,predictor,metric,value")?;
    for r in records {
        writeln!(out, "{},{},{},{}", r.draw, r.predictor, r.metric, r.value)?;
    }
    Ok(())
}

/// Writes the Markdown summary: header, one row per metric, one column per predictor, each cell
/// `mean [95 % CI]` and, for non-baseline predictors, the paired Wilcoxon p-value.
pub fn write_summary(
    header: &RunHeader,
    metrics: &[Box<dyn Metric>],
    cells: &[SummaryCell],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut predictors: Vec<&str> = Vec::new();
    for c in cells {
        if !predictors.contains(&c.predictor.as_str()) {
            predictors.push(&c.predictor);
        }
    }
    writeln!(out, "# Few-shot prediction benchmark\n")?;
    writeln!(
        out,
        "- dataset: `{}` ({} perturbations × {} genes, values: {})",
        header.dataset, header.perturbations, header.genes, header.values
    )?;
    writeln!(
        out,
        "- N = {} observed perturbations per draw, {} queries predicted per draw; {} draw{}, seed {}",
        header.observed,
        header.perturbations - header.observed,
        header.draws,
        if header.draws == 1 { "" } else { "s" },
        header.seed
    )?;
    for p in &header.priors {
        writeln!(out, "- prior: {p}")?;
    }
    writeln!(
        out,
        "- baseline: `{}`, the mean response of the observed perturbations, predicted for every query",
        header.baseline
    )?;
    writeln!(
        out,
        "- cells: mean over draws [bootstrap 95 % CI of the mean, 10,000 resamples]; p: paired \
         two-sided Wilcoxon signed-rank test of the per-draw values against the baseline \
         (scipy.stats.wilcoxon defaults)\n"
    )?;
    write!(out, "| metric |")?;
    for p in &predictors {
        write!(out, " {p} |")?;
    }
    writeln!(out)?;
    write!(out, "|---|")?;
    for _ in &predictors {
        write!(out, "---|")?;
    }
    writeln!(out)?;
    let mut names: Vec<(&str, bool)> = metrics
        .iter()
        .map(|m| (m.name(), m.higher_is_better()))
        .collect();
    names.push((N_FALLBACK, false));
    for extra in ["alpha", "knob"] {
        if cells.iter().any(|c| c.metric == extra) {
            names.push((extra, false));
        }
    }
    for (name, higher) in &names {
        let arrow = if !metrics.iter().any(|m| m.name() == *name) {
            ""
        } else if *higher {
            " ↑"
        } else {
            " ↓"
        };
        write!(out, "| {name}{arrow} |")?;
        for p in &predictors {
            match cells
                .iter()
                .find(|c| c.predictor == *p && c.metric == *name)
            {
                Some(c) => write!(
                    out,
                    " {} |",
                    cell_text(c, *name == N_FALLBACK, is_metric(name))
                )?,
                None => write!(out, " – |")?,
            }
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "\nMetrics (per held-out perturbation, then averaged over the draw's queries):\n"
    )?;
    for m in metrics {
        writeln!(out, "- `{}`: {}", m.name(), m.definition())?;
    }
    writeln!(
        out,
        "- `{N_FALLBACK}`: query perturbations per draw that the predictor answered with the \
         training mean for lack of information (no observed neighbour, no embedding)"
    )?;
    if names.iter().any(|(n, _)| *n == "alpha") {
        writeln!(
            out,
            "- `alpha`, `knob`: the shrinkage weight α of `:shrunk` predictors (ŷ = α·pred + \
             (1 − α)·mean) and the neighbour weight power they chose by leave-one-out"
        )?;
    }
    Ok(())
}

fn is_metric(name: &str) -> bool {
    name != N_FALLBACK && name != "alpha" && name != "knob"
}

fn cell_text(c: &SummaryCell, count: bool, metric: bool) -> String {
    let digits = if count { 1 } else { 3 };
    let mut s = format!(
        "{:.d$} [{:.d$}, {:.d$}]",
        c.mean,
        c.ci95.0,
        c.ci95.1,
        d = digits
    );
    if let (Some(p), true) = (c.p_vs_baseline, metric) {
        if p.is_nan() {
            s.push_str(" p=–");
        } else if p < 0.001 {
            s.push_str(&format!(" p={p:.1e}"));
        } else {
            s.push_str(&format!(" p={p:.3}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Mse, PearsonDelta};

    #[test]
    fn csv_and_table_layout() {
        let records = vec![Record {
            draw: 0,
            predictor: "mean".into(),
            metric: "mse".into(),
            value: 0.25,
        }];
        let mut csv = Vec::new();
        write_metrics_csv(&records, &mut csv).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "draw,predictor,metric,value\n0,mean,mse,0.25\n"
        );
        let cells = vec![
            SummaryCell {
                predictor: "mean".into(),
                metric: "pearson_delta".into(),
                mean: 0.31,
                ci95: (0.3, 0.32),
                p_vs_baseline: None,
            },
            SummaryCell {
                predictor: "graph".into(),
                metric: "pearson_delta".into(),
                mean: 0.352,
                ci95: (0.34, 0.36),
                p_vs_baseline: Some(0.001953125),
            },
        ];
        let header = RunHeader {
            dataset: "k562.csv.gz".into(),
            perturbations: 585,
            genes: 7225,
            values: "rank-score".into(),
            observed: 50,
            draws: 10,
            seed: 1,
            priors: vec!["graph: string:x (10 edges)".into()],
            baseline: "mean".into(),
        };
        let metrics: Vec<Box<dyn Metric>> =
            vec![Box::new(PearsonDelta::all()), Box::new(Mse::all())];
        let mut md = Vec::new();
        write_summary(&header, &metrics, &cells, &mut md).unwrap();
        let md = String::from_utf8(md).unwrap();
        assert!(
            md.contains("535 queries predicted per draw; 10 draws, seed 1"),
            "{md}"
        );
        assert!(md.contains("| metric | mean | graph |"), "{md}");
        assert!(
            md.contains(
                "| pearson_delta ↑ | 0.310 [0.300, 0.320] | 0.352 [0.340, 0.360] p=0.002 |"
            ),
            "{md}"
        );
        assert!(md.contains("| mse ↓ | – | – |"), "{md}");
        assert!(md.contains("- `mse`: mean over all genes"), "{md}");
    }
}

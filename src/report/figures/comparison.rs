//! Dot-and-whisker comparisons: one row per strategy (at the final budget of `plan`) or per
//! predictor (`evaluate`), a point at the mean and a bar over its 95 % bootstrap interval, rows
//! ordered best first, and the gain over a reference (the best centrality heuristic, else
//! `random`; the training mean for predictors) written in a column of its own beside each row.
//! The reference's mean is a dashed vertical line. Labels sit one per row, so they never overlap.

use plotters::coord::Shift;
use plotters::element::{PathElement, Text};
use plotters::prelude::{ChartBuilder, DrawingArea, DrawingBackend, WHITE};
use plotters::series::DashedLineSeries;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{ShapeStyle, TextStyle};

use super::style::{CENTRALITY, GREY, Look, OKABE_ITO, Shape, looks};
use crate::report::signed_sig3;

use super::{
    BASELINE, DrawResult, EvaluateResults, PlanResults, bounded, distinct, higher_is_better,
    mean_ci, metric_label,
};
use crate::report::tidy::RoundRow;

const ROW: u32 = 34;
const NOTE_WIDTH: u32 = 190;

/// One row: a label, its look, the mean and interval, and the note written beside it.
#[derive(Debug, Clone)]
pub struct Row {
    /// Strategy or predictor, with its mark (`(best centrality)`, `(upper bound)`, …).
    pub label: String,
    /// Colour and marker.
    pub look: Look,
    /// Mean over seeds or draws.
    pub mean: f64,
    /// Lower end of the 95 % bootstrap interval.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// The gain over the reference, or `reference` on the reference's own row.
    pub note: String,
}

/// A comparison figure for one metric.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// File name without extension.
    pub stem: String,
    /// What the figure shows, one sentence.
    pub caption: String,
    /// Title drawn above the plot.
    pub title: String,
    /// The metric (x axis).
    pub metric: String,
    /// Rows, best first.
    pub rows: Vec<Row>,
    /// The reference's mean, drawn as a dashed line.
    pub reference: Option<f64>,
}

/// `value` against `reference` in the metric's good direction: a difference for bounded
/// metrics (a relative gain over a correlation near 0 means nothing), relative for errors when
/// the reference is away from zero.
pub fn gain_text(value: f64, reference: f64, higher: bool, bounded: bool, name: &str) -> String {
    let d = if higher {
        value - reference
    } else {
        reference - value
    };
    if !bounded && reference.abs() > 1e-9 {
        format!("{} % vs {name}", signed_sig3(100.0 * d / reference.abs()))
    } else {
        format!("{} vs {name}", signed_sig3(d))
    }
}

/// Builds rows from (name, look, values), orders them best first and writes the gains against
/// the row named `reference`.
fn rows(
    entries: Vec<(String, Look, Vec<f64>)>,
    metric: &str,
    reference: Option<&str>,
    mark: impl Fn(&str) -> Option<&'static str>,
) -> (Vec<Row>, Option<f64>) {
    let higher = higher_is_better(metric) != Some(false);
    let mut rows: Vec<(String, Row)> = entries
        .into_iter()
        .map(|(name, look, values)| {
            let finite: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
            let (mean, lo, hi) = mean_ci(&finite);
            let label = match mark(&name) {
                Some(m) => format!("{name} ({m})"),
                None => name.clone(),
            };
            let row = Row {
                label,
                look,
                mean,
                lo,
                hi,
                note: String::new(),
            };
            (name, row)
        })
        .collect();
    let key = |r: &Row| if higher { r.mean } else { -r.mean };
    rows.sort_by(|a, b| key(&b.1).total_cmp(&key(&a.1)));
    let ref_mean = reference.and_then(|n| rows.iter().find(|r| r.0 == n).map(|r| r.1.mean));
    if let (Some(name), Some(m)) = (reference, ref_mean) {
        for (n, r) in &mut rows {
            r.note = if n == name {
                "reference".to_string()
            } else {
                gain_text(r.mean, m, higher, bounded(metric) != Some(false), name)
            };
        }
    }
    (rows.into_iter().map(|r| r.1).collect(), ref_mean)
}

impl Comparison {
    /// Every strategy's `metric` at its final budget (the largest number observed), over seeds.
    pub fn final_budget(results: &PlanResults, metric: &str) -> Comparison {
        let predictor = results.predictor();
        let strategies = distinct(results.rounds.iter().map(|r| r.strategy.as_str()));
        let all_looks = looks(strategies.iter().map(String::as_str));
        let selected = |s: &str| -> Vec<&RoundRow> {
            results
                .rounds
                .iter()
                .filter(|r| r.strategy == s && r.predictor == predictor && r.metric == metric)
                .collect()
        };
        let entries: Vec<(String, Look, Vec<f64>)> = strategies
            .iter()
            .zip(all_looks)
            .filter_map(|(s, look)| {
                let rows = selected(s);
                let last = rows.iter().map(|r| r.n_observed).max()?;
                let values = rows
                    .iter()
                    .filter(|r| r.n_observed == last)
                    .map(|r| r.value)
                    .collect();
                Some((s.clone(), look, values))
            })
            .collect();
        let higher = higher_is_better(metric) != Some(false);
        let final_mean = |name: &str| {
            entries
                .iter()
                .find(|e| e.0 == name)
                .map(|e| crate::eval::stats::mean(&e.2))
        };
        let best_centrality = CENTRALITY
            .iter()
            .filter_map(|c| final_mean(c).map(|m| (*c, m)))
            .filter(|(_, m)| m.is_finite())
            .max_by(|a, b| {
                if higher {
                    a.1.total_cmp(&b.1)
                } else {
                    b.1.total_cmp(&a.1)
                }
            })
            .map(|(c, _)| c);
        let reference = best_centrality.or(final_mean("random").map(|_| "random"));
        let (rows, ref_mean) = rows(entries, metric, reference, |n| {
            if Some(n) == best_centrality {
                Some("best centrality")
            } else if n == "random" {
                Some("random baseline")
            } else if n == "oracle" {
                Some("upper bound")
            } else {
                None
            }
        });
        let seeds = results.n_seeds();
        let s = if seeds == 1 { "" } else { "s" };
        Comparison {
            stem: format!("final_{metric}"),
            caption: format!(
                "{metric} of {predictor} at the final budget: mean over {seeds} seed{s} with its \
                 95 % bootstrap interval per strategy, best first; gains (differences; percent for errors) against {}",
                reference.unwrap_or("nothing (no centrality heuristic or random in the run)")
            ),
            title: format!(
                "{}: {metric} at the final budget · predictor {predictor} · {seeds} seed{s}",
                results.dataset
            ),
            metric: metric.to_string(),
            rows,
            reference: ref_mean,
        }
    }

    /// Every `evaluate` predictor's `metric` over draws, with its gain over the training mean.
    pub fn predictors(results: &EvaluateResults, metric: &str) -> Comparison {
        let predictors = distinct(results.metrics.iter().map(|r| r.predictor.as_str()));
        let entries = predictors
            .iter()
            .map(|p| {
                let look = if p == BASELINE {
                    Look {
                        colour: GREY,
                        shape: Shape::Cross,
                        filled: false,
                    }
                } else {
                    Look {
                        colour: OKABE_ITO[5],
                        shape: Shape::Circle,
                        filled: !p.ends_with(":shrunk"),
                    }
                };
                let values = results
                    .metrics
                    .iter()
                    .filter(|r| &r.predictor == p && r.metric == metric)
                    .map(|r| r.value)
                    .collect();
                (p.clone(), look, values)
            })
            .collect();
        let has_mean = predictors.iter().any(|p| p == BASELINE);
        let (rows, reference) = rows(entries, metric, has_mean.then_some(BASELINE), |n| {
            (n == BASELINE).then_some("baseline")
        });
        let n = super::sorted_distinct(results.metrics.iter().map(|r| r.draw)).len();
        let s = if n == 1 { "" } else { "s" };
        Comparison {
            stem: format!("predictors_{metric}"),
            caption: format!(
                "{metric} per predictor: mean over {n} draw{s} with its 95 % bootstrap interval, \
                 best first; gains (differences; percent for errors) against the training mean ({BASELINE})"
            ),
            title: format!("{}: {metric} by predictor · {n} draw{s}", results.dataset),
            metric: metric.to_string(),
            rows,
            reference,
        }
    }

    /// Width and height in pixels (one row band per entry).
    pub fn size(&self) -> (u32, u32) {
        (1000, 150 + ROW * self.rows.len().max(1) as u32)
    }

    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let area = root.titled(&self.title, ("sans-serif", 20))?;
        let label_font =
            TextStyle::from(("sans-serif", 14)).pos(Pos::new(HPos::Right, VPos::Center));
        let note_font = TextStyle::from(("sans-serif", 14)).pos(Pos::new(HPos::Left, VPos::Center));
        let label_width = self
            .rows
            .iter()
            .map(|r| area.estimate_text_size(&r.label, &label_font).map(|s| s.0))
            .collect::<Result<Vec<u32>, _>>()?
            .into_iter()
            .max()
            .unwrap_or(0)
            + 24;
        let (w, _) = self.size();
        let (labels, rest) = area.split_horizontally(label_width);
        let (plot, notes) = rest.split_horizontally(w - label_width - NOTE_WIDTH);
        let n = self.rows.len();
        let xs = self
            .rows
            .iter()
            .flat_map(|r| [r.lo, r.hi, r.mean])
            .chain(self.reference);
        let (x0, x1) = super::padded_range(xs, 0.06);
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(8)
            .margin_right(12)
            .x_label_area_size(48)
            .build_cartesian_2d(x0..x1, -0.5..(n as f64 - 0.5))?;
        let x_label = metric_label(&self.metric);
        super::house_style(
            chart
                .configure_mesh()
                .disable_y_mesh()
                .disable_y_axis()
                .x_desc(x_label.as_str())
                .x_label_formatter(&|v| format!("{v:.3}")),
        )
        .draw()?;
        // Row 0 (the best) at the top.
        let y = |i: usize| (n - 1 - i) as f64;
        if let Some(r) = self.reference {
            chart.draw_series(DashedLineSeries::new(
                [(r, -0.5), (r, n as f64 - 0.5)],
                5,
                4,
                ShapeStyle::from(GREY).stroke_width(1),
            ))?;
        }
        for (i, row) in self.rows.iter().enumerate() {
            let line = ShapeStyle::from(row.look.colour).stroke_width(2);
            if row.lo.is_finite() && row.hi.is_finite() {
                chart
                    .draw_series([PathElement::new(vec![(row.lo, y(i)), (row.hi, y(i))], line)])?;
            }
            if row.mean.is_finite() {
                row.look
                    .draw_marker(chart.plotting_area(), (row.mean, y(i)), 5)?;
            }
            let (_, py) = chart.backend_coord(&(x0, y(i)));
            let label_y = py - labels.get_base_pixel().1;
            labels.draw(&Text::new(
                row.label.clone(),
                (label_width as i32 - 12, label_y),
                label_font.clone(),
            ))?;
            notes.draw(&Text::new(
                row.note.clone(),
                (8, label_y),
                note_font.clone(),
            ))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tidy::MetricRow;

    #[test]
    fn gains_follow_the_metric_direction() {
        assert_eq!(gain_text(0.44, 0.40, true, false, "mse"), "+10.0 % vs mse");
        assert_eq!(gain_text(0.44, 0.40, false, false, "mse"), "-10.0 % vs mse");
        assert_eq!(
            gain_text(0.44, 0.40, true, true, "degree"),
            "+0.0400 vs degree"
        );
        assert_eq!(gain_text(0.2, 0.0, false, false, "mean"), "-0.200 vs mean");
    }

    #[test]
    fn the_final_budget_uses_the_last_round_and_the_best_centrality() {
        let mut rounds = Vec::new();
        for (s, early, late) in [
            ("consensus", 0.1, 0.5),
            ("degree", 0.3, 0.4),
            ("pagerank", 0.35, 0.3),
            ("random", 0.2, 0.2),
        ] {
            for (n, v) in [(10, early), (20, late)] {
                rounds.push(RoundRow {
                    strategy: s.into(),
                    seed: 0,
                    round: n / 10 - 1,
                    n_observed: n,
                    predictor: "consensus:shrunk".into(),
                    metric: "pearson_delta".into(),
                    value: v,
                });
            }
        }
        let results = PlanResults {
            dataset: "toy".into(),
            rounds,
        };
        let f = Comparison::final_budget(&results, "pearson_delta");
        let labels: Vec<&str> = f.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "consensus",
                "degree (best centrality)",
                "pagerank",
                "random (random baseline)"
            ]
        );
        assert_eq!(f.rows[0].note, "+0.100 vs degree");
        assert_eq!(f.rows[1].note, "reference");
        assert_eq!(f.rows[3].note, "-0.200 vs degree");
        assert_eq!(f.reference, Some(0.4));
    }

    #[test]
    fn predictors_are_compared_with_the_mean() {
        let metrics = [("mean", 1.0), ("mean", 3.0), ("ridge", 1.0), ("ridge", 2.0)]
            .iter()
            .enumerate()
            .map(|(i, (p, v))| MetricRow {
                draw: i as u64 % 2,
                predictor: p.to_string(),
                metric: "mse".into(),
                value: *v,
            })
            .collect();
        let results = EvaluateResults {
            dataset: "k562".into(),
            metrics,
        };
        let f = Comparison::predictors(&results, "mse");
        assert_eq!(f.rows[0].label, "ridge");
        assert_eq!(f.rows[0].note, "+25.0 % vs mean");
        assert_eq!(f.rows[1].label, "mean (baseline)");
        assert_eq!(f.title, "k562: mse by predictor · 2 draws");
    }
}

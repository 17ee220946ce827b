//! Learning curves: a metric of the main predictor against perturbations observed, one line per
//! strategy (mean over seeds, shaded 95 % bootstrap band), the training-mean predictor at the
//! same observed sets dashed in the strategy's colour, and a legend beside the plot with one row
//! per strategy (so labels never overlap), `oracle` named as the upper bound.

use plotters::coord::Shift;
use plotters::element::{PathElement, Polygon, Text};
use plotters::prelude::{ChartBuilder, DrawingArea, DrawingBackend, WHITE};
use plotters::series::{DashedLineSeries, LineSeries};
use plotters::style::{Color, ShapeStyle, TextStyle};

use super::style::{GREY, Look, looks};
use super::{BASELINE, DrawResult, PlanResults, distinct, higher_is_better, mean_ci, metric_label};

const LEGEND_WIDTH: u32 = 250;
const ROW: i32 = 22;

/// One point of a curve: perturbations observed, mean over seeds and its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    /// Perturbations observed.
    pub x: f64,
    /// Mean over seeds.
    pub mean: f64,
    /// Lower end of the 95 % bootstrap interval.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

/// One strategy's curve.
#[derive(Debug, Clone)]
pub struct Curve {
    /// Strategy name.
    pub strategy: String,
    /// Colour and marker.
    pub look: Look,
    /// The main predictor, by perturbations observed.
    pub points: Vec<CurvePoint>,
    /// The training mean at the same observed sets: (perturbations observed, mean over seeds).
    pub baseline: Vec<(f64, f64)>,
}

/// A learning-curve figure for one metric.
#[derive(Debug, Clone)]
pub struct LearningCurve {
    /// File name without extension.
    pub stem: String,
    /// What the figure shows, one sentence.
    pub caption: String,
    /// Title drawn above the plot.
    pub title: String,
    /// The metric (y axis).
    pub metric: String,
    /// One curve per strategy, best final value first.
    pub curves: Vec<Curve>,
}

/// Mean and interval over seeds of `predictor`'s `metric`, per perturbations observed.
fn points(results: &PlanResults, strategy: &str, predictor: &str, metric: &str) -> Vec<CurvePoint> {
    let mut xs: Vec<u64> = results
        .rounds
        .iter()
        .filter(|r| r.strategy == strategy && r.predictor == predictor && r.metric == metric)
        .map(|r| r.n_observed)
        .collect();
    xs.sort_unstable();
    xs.dedup();
    xs.into_iter()
        .filter_map(|x| {
            let values: Vec<f64> = results
                .rounds
                .iter()
                .filter(|r| {
                    r.strategy == strategy
                        && r.predictor == predictor
                        && r.metric == metric
                        && r.n_observed == x
                        && r.value.is_finite()
                })
                .map(|r| r.value)
                .collect();
            (!values.is_empty()).then(|| {
                let (mean, lo, hi) = mean_ci(&values);
                CurvePoint {
                    x: x as f64,
                    mean,
                    lo,
                    hi,
                }
            })
        })
        .collect()
}

impl LearningCurve {
    /// The curve of `metric` for every strategy in `results`.
    pub fn from_rounds(results: &PlanResults, metric: &str) -> LearningCurve {
        let predictor = results.predictor();
        let strategies = distinct(results.rounds.iter().map(|r| r.strategy.as_str()));
        let all_looks = looks(strategies.iter().map(String::as_str));
        let mut curves: Vec<Curve> = strategies
            .iter()
            .zip(all_looks)
            .map(|(s, look)| Curve {
                strategy: s.clone(),
                look,
                points: points(results, s, predictor, metric),
                baseline: if predictor == BASELINE {
                    Vec::new()
                } else {
                    points(results, s, BASELINE, metric)
                        .iter()
                        .map(|p| (p.x, p.mean))
                        .collect()
                },
            })
            .filter(|c| !c.points.is_empty())
            .collect();
        let sign = if higher_is_better(metric) == Some(false) {
            -1.0
        } else {
            1.0
        };
        let last = |c: &Curve| c.points.last().map_or(f64::NEG_INFINITY, |p| sign * p.mean);
        curves.sort_by(|a, b| last(b).total_cmp(&last(a)));
        let seeds = results.n_seeds();
        LearningCurve {
            stem: format!("learning_{metric}"),
            caption: format!(
                "{metric} of {predictor} by perturbations observed: mean over {seeds} seed{} with \
                 its 95 % bootstrap band per strategy; dashed: the training mean ({BASELINE}) at \
                 the same observed sets",
                if seeds == 1 { "" } else { "s" }
            ),
            title: format!(
                "{}: {metric} · predictor {predictor} · {seeds} seed{}",
                results.dataset,
                if seeds == 1 { "" } else { "s" }
            ),
            metric: metric.to_string(),
            curves,
        }
    }

    /// Width and height in pixels (taller when the legend needs it).
    pub fn size(&self) -> (u32, u32) {
        let legend = 90 + ROW * (self.curves.len() as i32 + 3);
        (1000, legend.max(560) as u32)
    }

    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let area = root.titled(&self.title, ("sans-serif", 20))?;
        let (w, _) = self.size();
        let (plot, legend) = area.split_horizontally(w - LEGEND_WIDTH);
        let xs = self
            .curves
            .iter()
            .flat_map(|c| c.points.iter().map(|p| p.x));
        let ys = self.curves.iter().flat_map(|c| {
            c.points
                .iter()
                .flat_map(|p| [p.lo, p.hi])
                .chain(c.baseline.iter().map(|b| b.1))
        });
        let (x0, x1) = super::padded_range(xs, 0.03);
        let (y0, y1) = super::padded_range(ys, 0.06);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        let y_label = metric_label(&self.metric);
        super::house_style(
            chart
                .configure_mesh()
                .x_desc("perturbations observed")
                .y_desc(y_label.as_str())
                .x_label_formatter(&|v| format!("{v:.0}"))
                .y_label_formatter(&|v| format!("{v:.3}")),
        )
        .draw()?;
        for c in &self.curves {
            if c.points.len() > 1 {
                let band: Vec<(f64, f64)> = c
                    .points
                    .iter()
                    .map(|p| (p.x, p.hi))
                    .chain(c.points.iter().rev().map(|p| (p.x, p.lo)))
                    .collect();
                chart.draw_series([Polygon::new(band, c.look.colour.mix(0.14).filled())])?;
            }
        }
        for c in &self.curves {
            chart.draw_series(DashedLineSeries::new(
                c.baseline.iter().copied(),
                6,
                4,
                ShapeStyle::from(c.look.colour).stroke_width(1),
            ))?;
        }
        for c in &self.curves {
            let line = ShapeStyle::from(c.look.colour).stroke_width(2);
            chart.draw_series(LineSeries::new(
                c.points.iter().map(|p| (p.x, p.mean)),
                line,
            ))?;
            for p in &c.points {
                c.look
                    .draw_marker(chart.plotting_area(), (p.x, p.mean), 4)?;
            }
        }
        self.draw_legend(&legend)
    }

    fn draw_legend<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let font = TextStyle::from(("sans-serif", 14)).pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        ));
        let mut y = 40;
        for c in &self.curves {
            let line = ShapeStyle::from(c.look.colour).stroke_width(2);
            area.draw(&PathElement::new(vec![(8, y), (44, y)], line))?;
            c.look.draw_marker(area, (26, y), 4)?;
            let name = if c.strategy == "oracle" {
                "oracle (upper bound)".to_string()
            } else {
                c.strategy.clone()
            };
            area.draw(&Text::new(name, (54, y), font.clone()))?;
            y += ROW;
        }
        y += ROW / 2;
        if self.curves.iter().any(|c| !c.baseline.is_empty()) {
            area.draw(&PathElement::new(vec![(8, y), (18, y)], GREY))?;
            area.draw(&PathElement::new(vec![(24, y), (34, y)], GREY))?;
            area.draw(&PathElement::new(vec![(40, y), (44, y)], GREY))?;
            area.draw(&Text::new(
                format!("training mean ({BASELINE})"),
                (54, y),
                font.clone(),
            ))?;
            y += ROW;
        }
        area.draw(&plotters::element::Rectangle::new(
            [(8, y - 6), (44, y + 6)],
            GREY.mix(0.2).filled(),
        ))?;
        area.draw(&Text::new("95 % CI over seeds", (54, y), font))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tidy::RoundRow;

    fn row(strategy: &str, seed: u64, n: u64, predictor: &str, value: f64) -> RoundRow {
        RoundRow {
            strategy: strategy.into(),
            seed,
            round: n / 10,
            n_observed: n,
            predictor: predictor.into(),
            metric: "mse".into(),
            value,
        }
    }

    #[test]
    fn curves_average_over_seeds_and_put_the_best_first() {
        let results = PlanResults {
            dataset: "toy".into(),
            rounds: vec![
                row("random", 0, 10, "graph", 0.9),
                row("random", 1, 10, "graph", 0.7),
                row("random", 0, 20, "graph", 0.6),
                row("random", 1, 20, "graph", f64::NAN),
                row("random", 0, 10, "mean", 1.0),
                row("random", 1, 10, "mean", 0.8),
                row("degree", 0, 10, "graph", 0.5),
                row("degree", 1, 10, "graph", 0.5),
                row("degree", 0, 20, "graph", 0.4),
                row("degree", 1, 20, "graph", 0.2),
            ],
        };
        let f = LearningCurve::from_rounds(&results, "mse");
        // mse: lower is better, so degree (final 0.3) comes before random (final 0.6).
        assert_eq!(f.curves[0].strategy, "degree");
        let random = &f.curves[1];
        assert_eq!(random.points.len(), 2);
        assert!((random.points[0].mean - 0.8).abs() < 1e-12);
        assert_eq!(random.points[1].mean, 0.6, "NaN seeds are left out");
        assert_eq!(random.baseline.len(), 1);
        assert!((random.baseline[0].1 - 0.9).abs() < 1e-12);
        assert!((f.curves[0].points[1].mean - 0.3).abs() < 1e-12);
        assert_eq!(f.stem, "learning_mse");
        assert_eq!(f.title, "toy: mse · predictor graph · 2 seeds");
    }
}

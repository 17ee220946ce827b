//! Figures of `plan` and `evaluate` results, drawn with plotters as SVG and PNG.
//!
//! In: an output directory (`rounds.csv` and optionally `run.json` for `plan`, `metrics.csv` and
//! optionally `summary.md` for `evaluate`). Out: [`Figure`]s, which render to SVG text and PNG
//! bytes, and the `write_*` functions that put them beside the tables, each file atomically:
//!
//! - `learning_<metric>`: the metric against perturbations observed, one line per strategy with
//!   its 95 % band over seeds and the training mean dashed ([`learning`]);
//! - `final_<metric>`: every strategy at the final budget, ordered, with the gain over the best
//!   centrality heuristic ([`comparison`]);
//! - `predictors_<metric>`: every `evaluate` predictor with its CI and its gain over the mean.
//!
//! Text is drawn with the bundled DejaVu Sans (`assets/fonts/`), so no system font is needed.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, DrawingBackend, IntoDrawingArea, SVGBackend};
use rand::SeedableRng;

use super::tidy::{self, MetricRow, RoundRow, TidyError};
use crate::data::io::writer::write_atomically;
use crate::eval::N_FALLBACK;

pub mod comparison;
pub mod learning;
pub mod style;

pub use comparison::Comparison;
pub use learning::LearningCurve;

/// The font every figure uses (DejaVu Sans 2.37, Debian `fonts-dejavu-core`).
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The predictor name of the training-mean baseline.
pub const BASELINE: &str = "mean";

/// Columns that are counts or fitted knobs, not metrics; they get no figure.
const NOT_METRICS: [&str; 3] = [N_FALLBACK, "alpha", "knob"];

/// Bootstrap resamples for the bands and intervals (seeded, so figures are reproducible).
const RESAMPLES: usize = 2000;

/// A figure that could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum FigureError {
    /// An input table could not be read.
    #[error("reading the results")]
    Read(#[from] TidyError),
    /// The directory holds no metric to draw.
    #[error("{}: no metric values to draw (only {found})", .path.display())]
    Nothing {
        /// The table.
        path: PathBuf,
        /// What it did hold.
        found: String,
    },
    /// plotters failed while drawing.
    #[error("drawing {stem}: {message}")]
    Draw {
        /// The figure.
        stem: String,
        /// plotters' message.
        message: String,
    },
    /// A file could not be written.
    #[error("{}: cannot write", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// One figure, ready to render.
#[derive(Debug, Clone)]
pub enum Figure {
    /// A learning curve.
    Learning(LearningCurve),
    /// Points with intervals, one row per strategy or predictor.
    Comparison(Comparison),
}

impl Figure {
    /// File name without extension (`learning_mse`).
    pub fn stem(&self) -> &str {
        match self {
            Figure::Learning(f) => &f.stem,
            Figure::Comparison(f) => &f.stem,
        }
    }

    /// One sentence saying what the figure shows, for captions.
    pub fn caption(&self) -> &str {
        match self {
            Figure::Learning(f) => &f.caption,
            Figure::Comparison(f) => &f.caption,
        }
    }

    /// Width and height in pixels.
    pub fn size(&self) -> (u32, u32) {
        match self {
            Figure::Learning(f) => f.size(),
            Figure::Comparison(f) => f.size(),
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), FigureError> {
        register_font();
        let result = match self {
            Figure::Learning(f) => f.draw(root),
            Figure::Comparison(f) => f.draw(root),
        };
        result
            .and_then(|()| root.present())
            .map_err(|e| FigureError::Draw {
                stem: self.stem().to_string(),
                message: e.to_string(),
            })
    }

    /// The figure as an SVG document.
    pub fn svg(&self) -> Result<String, FigureError> {
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, self.size()).into_drawing_area();
            self.draw(&root)?;
        }
        Ok(text)
    }

    /// The figure as 8-bit RGB pixels, row by row.
    pub fn rgb(&self) -> Result<Vec<u8>, FigureError> {
        let (w, h) = self.size();
        let mut pixels = vec![0u8; w as usize * h as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
            self.draw(&root)?;
        }
        Ok(pixels)
    }

    /// Writes `<stem>.svg` and `<stem>.png` into `dir`, each atomically; returns both paths.
    pub fn write(&self, dir: &Path) -> Result<[PathBuf; 2], FigureError> {
        let svg_path = dir.join(format!("{}.svg", self.stem()));
        let svg = self.svg()?;
        write_atomically(&svg_path, |f| std::io::Write::write_all(f, svg.as_bytes())).map_err(
            |source| FigureError::Write {
                path: svg_path.clone(),
                source,
            },
        )?;
        let png_path = dir.join(format!("{}.png", self.stem()));
        let pixels = self.rgb()?;
        let (w, h) = self.size();
        write_atomically(&png_path, |f| {
            let mut enc = png::Encoder::new(f, w, h);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            let mut writer = enc.write_header().map_err(std::io::Error::other)?;
            writer
                .write_image_data(&pixels)
                .map_err(std::io::Error::other)?;
            writer.finish().map_err(std::io::Error::other)
        })
        .map_err(|source| FigureError::Write {
            path: png_path.clone(),
            source,
        })?;
        Ok([svg_path, png_path])
    }
}

fn register_font() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let ok =
            plotters::style::register_font("sans-serif", plotters::style::FontStyle::Normal, FONT)
                .is_ok();
        assert!(ok, "the bundled font is a valid TrueType file");
    });
}

/// What drawing on a backend returns.
type DrawResult<DB> =
    Result<(), plotters::drawing::DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// The range of finite `values` widened by `pad` of its length on each side (a unit range
/// around a single value; 0..1 when there is none).
fn padded_range(values: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    if span <= f64::EPSILON * hi.abs().max(1.0) {
        let half = (hi.abs() * 0.1).max(0.05);
        return (lo - half, hi + half);
    }
    (lo - pad * span, hi + pad * span)
}

/// The grid and label style every figure shares, on a mesh the caller has given its axes.
fn house_style<'m, 'a, 'b, X, Y, DB>(
    mesh: &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
    DB: DrawingBackend,
{
    mesh.label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .max_light_lines(0)
        .bold_line_style(plotters::style::RGBColor(215, 215, 215))
}

/// Distinct values, sorted.
pub fn sorted_distinct(values: impl Iterator<Item = u64>) -> Vec<u64> {
    let mut v: Vec<u64> = values.collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Whether larger values of `metric` are better; `None` for names mechpert does not define.
pub fn higher_is_better(metric: &str) -> Option<bool> {
    crate::eval::standard_metrics()
        .iter()
        .find(|m| m.name() == metric)
        .map(|m| m.higher_is_better())
}

/// Whether `metric` is bounded (compared by difference, see [`crate::eval::Metric::bounded`]);
/// `None` for names mechpert does not define.
pub fn bounded(metric: &str) -> Option<bool> {
    crate::eval::standard_metrics()
        .iter()
        .find(|m| m.name() == metric)
        .map(|m| m.bounded())
}

/// The axis label of a metric: its name and which way is better.
pub fn metric_label(metric: &str) -> String {
    match higher_is_better(metric) {
        Some(true) => format!("{metric} (↑ higher is better)"),
        Some(false) => format!("{metric} (↓ lower is better)"),
        None => metric.to_string(),
    }
}

/// Mean and bootstrap 95 % CI of the mean of `values` (seeded: same values, same interval).
pub fn mean_ci(values: &[f64]) -> (f64, f64, f64) {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(0);
    let (lo, hi) = crate::eval::stats::bootstrap_ci95(values, RESAMPLES, &mut rng);
    (crate::eval::stats::mean(values), lo, hi)
}

/// Names in order of first appearance.
pub fn distinct<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.iter().any(|o| o == n) {
            out.push(n.to_string());
        }
    }
    out
}

/// The metrics of a table that get figures, in order of first appearance.
fn drawn_metrics<'a>(
    path: &Path,
    metrics: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<String>, FigureError> {
    let all = distinct(metrics);
    let drawn: Vec<String> = all
        .iter()
        .filter(|m| !NOT_METRICS.contains(&m.as_str()))
        .cloned()
        .collect();
    if drawn.is_empty() {
        return Err(FigureError::Nothing {
            path: path.to_path_buf(),
            found: all.join(", "),
        });
    }
    Ok(drawn)
}

/// The tables of a `plan` output directory that figures need.
#[derive(Debug, Clone)]
pub struct PlanResults {
    /// Dataset name for titles (`run.json`'s `dataset`, else the directory name).
    pub dataset: String,
    /// `rounds.csv`.
    pub rounds: Vec<RoundRow>,
}

/// What a `plan` output directory holds, for error messages.
pub const PLAN_FILES: &str = "a `mechpert plan` output directory holds rounds.csv, picks.csv, \
                              test_set.csv, summary.md, config.toml and run.json";

/// What an `evaluate` output directory holds, for error messages.
pub const EVALUATE_FILES: &str =
    "a `mechpert evaluate` output directory holds metrics.csv and summary.md";

impl PlanResults {
    /// Reads `rounds.csv` and, when present, `run.json` from `dir`.
    pub fn read(dir: &Path) -> Result<PlanResults, TidyError> {
        let path = dir.join("rounds.csv");
        let rounds = RoundRow::read(&path, tidy::open(&path, PLAN_FILES)?)?;
        let json = dir.join("run.json");
        let dataset = if json.exists() {
            let map = tidy::read_run_json(&json, tidy::open(&json, PLAN_FILES)?)?;
            check_complete(&path, &rounds, &map)?;
            dataset_name(map.get("dataset"), map.get("screen"))
        } else {
            None
        };
        Ok(PlanResults {
            dataset: dataset.unwrap_or_else(|| dir_name(dir)),
            rounds,
        })
    }

    /// The main predictor: the first that is not the training mean (the mean if it is alone).
    pub fn predictor(&self) -> &str {
        self.rounds
            .iter()
            .map(|r| r.predictor.as_str())
            .find(|p| *p != BASELINE)
            .unwrap_or(BASELINE)
    }

    /// Number of distinct seeds.
    pub fn n_seeds(&self) -> usize {
        sorted_distinct(self.rounds.iter().map(|r| r.seed)).len()
    }

    /// Learning curves and final-budget comparisons, one of each per metric.
    pub fn figures(&self, path: &Path) -> Result<Vec<Figure>, FigureError> {
        let metrics = drawn_metrics(path, self.rounds.iter().map(|r| r.metric.as_str()))?;
        let mut out = Vec::new();
        for m in &metrics {
            out.push(Figure::Learning(LearningCurve::from_rounds(self, m)));
        }
        for m in &metrics {
            out.push(Figure::Comparison(Comparison::final_budget(self, m)));
        }
        Ok(out)
    }
}

/// Cross-checks `rounds.csv` against the strategies × seeds × rounds its `run.json` records:
/// every job must reach the last round, with as many rows as every other job.
fn check_complete(
    path: &Path,
    rounds: &[RoundRow],
    run: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), TidyError> {
    let list = |key: &str| run.get(key).and_then(serde_json::Value::as_array);
    let (Some(strategies), Some(seeds), Some(batches)) =
        (list("strategies"), list("seeds"), list("batches"))
    else {
        return Ok(());
    };
    let last = batches.len() as u64;
    let mut jobs = std::collections::BTreeMap::new();
    for r in rounds {
        let job = jobs
            .entry((r.strategy.as_str(), r.seed))
            .or_insert((0usize, 0u64));
        job.0 += 1;
        job.1 = job.1.max(r.round);
    }
    let most = jobs.values().map(|j| j.0).max().unwrap_or(0);
    let mut short = Vec::new();
    for strategy in strategies.iter().filter_map(serde_json::Value::as_str) {
        for seed in seeds.iter().filter_map(serde_json::Value::as_u64) {
            match jobs.get(&(strategy, seed)) {
                None => short.push(format!("{strategy}-seed{seed}: no rows")),
                Some(&(n, round)) if round < last || n < most => short.push(format!(
                    "{strategy}-seed{seed}: {n} rows up to round {round}, expected {most} up to round {last}"
                )),
                Some(_) => {}
            }
        }
    }
    if short.is_empty() {
        return Ok(());
    }
    Err(TidyError::Incomplete {
        path: path.to_path_buf(),
        message: format!(
            "run.json records {} strategies × {} seeds × {last} rounds, but {} job(s) are incomplete: {}",
            strategies.len(),
            seeds.len(),
            short.len(),
            short.join("; ")
        ),
    })
}

/// The tables of an `evaluate` output directory that figures need.
#[derive(Debug, Clone)]
pub struct EvaluateResults {
    /// Dataset name for titles (from `summary.md`'s `dataset:` line, else the directory name).
    pub dataset: String,
    /// `metrics.csv`.
    pub metrics: Vec<MetricRow>,
}

impl EvaluateResults {
    /// Reads `metrics.csv` and, when present, the dataset line of `summary.md` from `dir`.
    pub fn read(dir: &Path) -> Result<EvaluateResults, TidyError> {
        let path = dir.join("metrics.csv");
        let metrics = MetricRow::read(&path, tidy::open(&path, EVALUATE_FILES)?)?;
        let dataset = std::fs::read_to_string(dir.join("summary.md"))
            .ok()
            .and_then(|md| {
                md.lines()
                    .find_map(|l| l.strip_prefix("- dataset: `"))
                    .and_then(|rest| rest.split('`').next())
                    .map(file_name)
            });
        Ok(EvaluateResults {
            dataset: dataset.unwrap_or_else(|| dir_name(dir)),
            metrics,
        })
    }

    /// One comparison of the predictors per metric.
    pub fn figures(&self, path: &Path) -> Result<Vec<Figure>, FigureError> {
        let metrics = drawn_metrics(path, self.metrics.iter().map(|r| r.metric.as_str()))?;
        Ok(metrics
            .iter()
            .map(|m| Figure::Comparison(Comparison::predictors(self, m)))
            .collect())
    }
}

/// A short name for titles from `run.json`'s `dataset` (a path, or an object with `name` or
/// `path`); when `dataset` is a sentence, its `screen` name.
fn dataset_name(
    value: Option<&serde_json::Value>,
    screen: Option<&serde_json::Value>,
) -> Option<String> {
    let screen = screen.and_then(|s| s.as_str()).map(String::from);
    match value? {
        serde_json::Value::String(s) if s.contains(' ') => {
            screen.or_else(|| Some(s.chars().take(40).collect()))
        }
        serde_json::Value::String(s) => Some(file_name(s)),
        serde_json::Value::Object(o) => ["name", "path", "file"]
            .iter()
            .find_map(|k| o.get(*k)?.as_str())
            .map(file_name),
        _ => None,
    }
}

fn file_name(s: &str) -> String {
    Path::new(s)
        .file_name()
        .map_or_else(|| s.to_string(), |n| n.to_string_lossy().into_owned())
}

fn dir_name(dir: &Path) -> String {
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    abs.file_name().map_or_else(
        || dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn write_all(figures: &[Figure], dir: &Path) -> Result<Vec<PathBuf>, FigureError> {
    let mut out = Vec::new();
    for f in figures {
        out.extend(f.write(dir)?);
    }
    Ok(out)
}

/// Reads a `plan` output directory and writes `learning_<metric>.svg/.png` and
/// `final_<metric>.svg/.png` into it; returns the files written.
pub fn write_plan_figures(dir: &Path) -> Result<Vec<PathBuf>, FigureError> {
    let results = PlanResults::read(dir)?;
    write_all(&results.figures(&dir.join("rounds.csv"))?, dir)
}

/// Reads an `evaluate` output directory and writes `predictors_<metric>.svg/.png` into it;
/// returns the files written.
pub fn write_evaluate_figures(dir: &Path) -> Result<Vec<PathBuf>, FigureError> {
    let results = EvaluateResults::read(dir)?;
    write_all(&results.figures(&dir.join("metrics.csv"))?, dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_say_which_way_is_better() {
        assert_eq!(metric_label("mse"), "mse (↓ lower is better)");
        assert_eq!(
            metric_label("pearson_delta"),
            "pearson_delta (↑ higher is better)"
        );
        assert_eq!(metric_label("custom"), "custom");
    }

    #[test]
    fn the_interval_of_equal_values_is_a_point() {
        assert_eq!(mean_ci(&[0.5, 0.5, 0.5]), (0.5, 0.5, 0.5));
        let (m, lo, hi) = mean_ci(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m, 2.5);
        assert!(1.0 <= lo && lo < m && m < hi && hi <= 4.0, "{lo} {hi}");
    }

    #[test]
    fn dataset_names_come_from_strings_or_objects() {
        let v: serde_json::Value = serde_json::json!({"path": "data/k562.h5ad"});
        assert_eq!(dataset_name(Some(&v), None).as_deref(), Some("k562.h5ad"));
        let v = serde_json::json!("sim:k562-like:1");
        assert_eq!(
            dataset_name(Some(&v), None).as_deref(),
            Some("sim:k562-like:1")
        );
        assert_eq!(dataset_name(Some(&serde_json::json!(3)), None), None);
        let prose =
            serde_json::json!("simulated `mechpert simulate --preset k562-like` (2000 × 8000)");
        let screen = serde_json::json!("k562-like");
        assert_eq!(
            dataset_name(Some(&prose), Some(&screen)).as_deref(),
            Some("k562-like")
        );
    }
}

//! `mechpert report`: one self-contained HTML page over one or more output directories of
//! `plan` or `evaluate`.
//!
//! In: the directories (each read completely before anything is written, so a missing file is
//! an error naming it). Out: HTML with inline CSS, the figures as inline SVG, and six lines of
//! inline JavaScript that sort tables when a header is clicked; a Content-Security-Policy forbids
//! every network request, so the page opens from a file:// URL on a machine with no network.
//!
//! Each directory becomes a section whose first screen is the verdict of `summary.md` and the
//! first learning curve; then the result tables of `summary.md`, the other figures, the picks
//! of each strategy (first seed, all seeds behind a `<details>`), and, collapsed, the run's
//! metadata (from `run.json`, the tables and `summary.md`) with the resolved `config.toml`.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::figures::{
    EVALUATE_FILES, EvaluateResults, Figure, FigureError, PLAN_FILES, PlanResults, distinct,
    sorted_distinct,
};
use super::tidy::{self, PICK_NUMBERS, PickRow, TidyError};

pub mod markdown;

use markdown::escape;

/// A directory that cannot become a section.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The path is not a directory.
    #[error("{}: not a directory (expected an output directory of plan or evaluate)", .dir.display())]
    NotADirectory {
        /// The path given.
        dir: PathBuf,
    },
    /// Neither a `plan` nor an `evaluate` output directory.
    #[error(
        "{}: not a results directory: no rounds.csv (written by `mechpert plan`) and no \
         metrics.csv (written by `mechpert evaluate`)", .dir.display()
    )]
    NotResults {
        /// The directory.
        dir: PathBuf,
    },
    /// A file of the directory could not be read.
    #[error(transparent)]
    Read(#[from] TidyError),
    /// A figure could not be drawn.
    #[error(transparent)]
    Figure(#[from] FigureError),
}

/// What kind of run a section shows.
#[derive(Debug, Clone)]
enum Tables {
    Plan {
        results: PlanResults,
        picks: Vec<PickRow>,
    },
    Evaluate(EvaluateResults),
}

/// One directory, read and drawn.
#[derive(Debug, Clone)]
pub struct Section {
    dir: PathBuf,
    tables: Tables,
    run: Option<Map<String, Value>>,
    summary: String,
    config: Option<String>,
    figures: Vec<(Figure, String)>,
}

fn read_text(path: &Path, what: &str) -> Result<String, TidyError> {
    let mut text = String::new();
    io::Read::read_to_string(&mut tidy::open(path, what)?, &mut text).map_err(|source| {
        TidyError::Io {
            path: path.to_path_buf(),
            source,
        }
    })?;
    Ok(text)
}

impl Section {
    /// Reads an output directory of `plan` (when it has `rounds.csv`) or `evaluate` (when it has
    /// `metrics.csv`) and draws its figures.
    pub fn read(dir: &Path) -> Result<Section, ReportError> {
        if !dir.is_dir() {
            return Err(ReportError::NotADirectory {
                dir: dir.to_path_buf(),
            });
        }
        let (tables, what, figures) = if dir.join("rounds.csv").exists() {
            let results = PlanResults::read(dir)?;
            let picks_path = dir.join("picks.csv");
            let picks = PickRow::read(&picks_path, tidy::open(&picks_path, PLAN_FILES)?)?;
            let figures = results.figures(&dir.join("rounds.csv"))?;
            (Tables::Plan { results, picks }, PLAN_FILES, figures)
        } else if dir.join("metrics.csv").exists() {
            let results = EvaluateResults::read(dir)?;
            let figures = results.figures(&dir.join("metrics.csv"))?;
            (Tables::Evaluate(results), EVALUATE_FILES, figures)
        } else {
            return Err(ReportError::NotResults {
                dir: dir.to_path_buf(),
            });
        };
        let plan = matches!(tables, Tables::Plan { .. });
        let summary = read_text(&dir.join("summary.md"), what)?;
        // plan always writes these two; evaluate may not.
        let json = dir.join("run.json");
        let run = if plan || json.exists() {
            Some(tidy::read_run_json(&json, tidy::open(&json, what)?)?)
        } else {
            None
        };
        let toml = dir.join("config.toml");
        let config = if plan || toml.exists() {
            Some(read_text(&toml, what)?)
        } else {
            None
        };
        let figures = figures
            .into_iter()
            .map(|f| {
                let svg = f.svg()?;
                Ok((f, svg))
            })
            .collect::<Result<Vec<_>, FigureError>>()?;
        Ok(Section {
            dir: dir.to_path_buf(),
            tables,
            run,
            summary,
            config,
            figures,
        })
    }

    /// The figures drawn for this section.
    pub fn figures(&self) -> impl Iterator<Item = &Figure> {
        self.figures.iter().map(|f| &f.0)
    }
}

const STYLE: &str = "
body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:0 auto;max-width:1100px;padding:0 1.2em 3em;color:#1a1a1a;line-height:1.4}
h1{margin-top:.8em}h2{border-bottom:2px solid #0072B2;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.86em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#eef3f8}table.sortable th{cursor:pointer}table.sortable th:hover{background:#dbe7f3}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font-family:'DejaVu Sans Mono',monospace;font-size:.9em}
pre{background:#f6f6f6;padding:.8em;overflow-x:auto;border:1px solid #ddd}
figure{margin:1.2em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.86em;color:#444}details{margin:.4em 0 1em}summary{cursor:pointer}
nav a{margin-right:1em}";

/// Clicking a header sorts its table by that column (numbers numerically), again to reverse.
const SCRIPT: &str = "document.querySelectorAll('table.sortable th').forEach(th=>th.addEventListener('click',()=>{
const b=th.closest('table').tBodies[0],k=th.cellIndex,up=th.dataset.up!=='1';th.dataset.up=up?'1':'0';
const v=r=>r.cells[k]?r.cells[k].textContent.trim():'',n=s=>parseFloat(s.replace(/^[+]/,''));
[...b.rows].sort((x,y)=>{const p=v(x),q=v(y),a=n(p),c=n(q);
const d=isNaN(a)||isNaN(c)?p.localeCompare(q):a-c;return up?d:-d}).forEach(r=>b.appendChild(r));}));";

/// Writes the page for `sections` (in order) to `out`.
pub fn write_page(sections: &[Section], out: &mut dyn Write) -> io::Result<()> {
    let mut html = String::new();
    let title = sections
        .iter()
        .map(|s| s.dir.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>mechpert report: {}</title>\n<style>{STYLE}\n</style>\n</head>\n<body>\n\
         <h1>mechpert report</h1>\n<p>Written by mechpert {} from {} result director{}. \
         Click a table header to sort.</p>\n<nav>",
        escape(&title),
        env!("CARGO_PKG_VERSION"),
        sections.len(),
        if sections.len() == 1 { "y" } else { "ies" }
    );
    for (i, s) in sections.iter().enumerate() {
        let _ = write!(
            html,
            "<a href=\"#run-{i}\">{}</a>",
            escape(&s.dir.display().to_string())
        );
    }
    html.push_str("</nav>\n");
    for (i, s) in sections.iter().enumerate() {
        section(&mut html, i, s);
    }
    let _ = write!(html, "<script>\n{SCRIPT}\n</script>\n</body>\n</html>\n");
    out.write_all(html.as_bytes())
}

fn section(html: &mut String, i: usize, s: &Section) {
    let kind = match s.tables {
        Tables::Plan { .. } => "plan",
        Tables::Evaluate(_) => "evaluate",
    };
    let _ = writeln!(
        html,
        "<section id=\"run-{i}\" class=\"run {kind}\">\n<h2>{} <small>({kind})</small></h2>",
        escape(&s.dir.display().to_string())
    );
    // First screen: the verdict and the learning curve of the first metric; then the tables and
    // the other figures; the run's metadata last, collapsed.
    let parts = SummaryParts::split(&s.summary);
    html.push_str(&markdown::to_html(parts.verdict, 3));
    let (lead, others): (Vec<_>, Vec<_>) = s
        .figures
        .iter()
        .enumerate()
        .partition(|(k, (f, _))| *k == 0 && f.stem().starts_with("learning_"));
    for (_, (f, svg)) in &lead {
        figure(html, i, f, svg);
    }
    html.push_str("<h3>Results</h3>\n");
    html.push_str(&markdown::to_html(parts.tables, 3));
    if !others.is_empty() {
        html.push_str("<h3>Figures</h3>\n");
        for (_, (f, svg)) in &others {
            figure(html, i, f, svg);
        }
    }
    if let Tables::Plan { picks, .. } = &s.tables {
        html.push_str("<h3>Picks</h3>\n");
        picks_tables(html, picks);
    }
    html.push_str(
        "<details class=\"metadata\"><summary>Run metadata and configuration</summary>\n",
    );
    header(html, s);
    html.push_str(&markdown::to_html(parts.run, 3));
    if let Some(config) = &s.config {
        let _ = writeln!(
            html,
            "<h4>Configuration</h4>\n<pre class=\"config\">{}</pre>",
            escape(config)
        );
    }
    html.push_str("</details>\n</section>\n");
}

/// A figure with its caption; the SVG is labelled with the caption for screen readers.
fn figure(html: &mut String, i: usize, f: &Figure, svg: &str) {
    let labelled = svg.trim().replacen(
        "<svg",
        &format!("<svg role=\"img\" aria-label=\"{}\"", escape(f.caption())),
        1,
    );
    let _ = writeln!(
        html,
        "<figure id=\"run-{i}-{}\" class=\"figure\">\n{labelled}\n<figcaption>{}</figcaption>\n</figure>",
        escape(f.stem()),
        escape(f.caption())
    );
}

/// `summary.md` cut where the report lays it out: the verdict (before the first `## `
/// heading, without the `# ` title the section heading replaces), the result tables, and the
/// run's metadata (from the `## Run` heading of plan summaries).
struct SummaryParts<'a> {
    verdict: &'a str,
    tables: &'a str,
    run: &'a str,
}

impl<'a> SummaryParts<'a> {
    fn split(summary: &'a str) -> SummaryParts<'a> {
        let body = match summary.strip_prefix("# ") {
            Some(rest) => rest.split_once('\n').map_or("", |(_, b)| b),
            None => summary,
        };
        let at_heading = |text: &str, heading: &str| {
            text.match_indices(heading)
                .find(|(k, _)| *k == 0 || text.as_bytes()[k - 1] == b'\n')
                .map(|(k, _)| k)
        };
        let first_section = at_heading(body, "## ").unwrap_or(body.len());
        let (verdict, rest) = body.split_at(first_section);
        let run_at =
            at_heading(rest, &format!("{}\n", super::plan::RUN_HEADING)).unwrap_or(rest.len());
        let (tables, run) = rest.split_at(run_at);
        SummaryParts {
            verdict,
            tables,
            run: run.strip_prefix(super::plan::RUN_HEADING).unwrap_or(run),
        }
    }
}

/// A two-column table of (name, HTML value) rows.
fn key_values(html: &mut String, rows: &[(String, String)]) {
    html.push_str("<table class=\"kv\">\n");
    for (k, v) in rows {
        let _ = writeln!(
            html,
            "<tr><th scope=\"row\">{}</th><td>{v}</td></tr>",
            escape(k)
        );
    }
    html.push_str("</table>\n");
}

/// A JSON value as short HTML: scalars as text, lists of scalars joined, objects as tables.
fn json_html(v: &Value) -> String {
    match v {
        Value::Null => "–".into(),
        // Strings from run.json are the summary's own lines, with `code` spans.
        Value::String(s) => markdown::inline(s),
        Value::Bool(_) | Value::Number(_) => v.to_string(),
        Value::Array(items) if items.iter().all(|x| !x.is_object() && !x.is_array()) => {
            items.iter().map(json_html).collect::<Vec<_>>().join(", ")
        }
        Value::Array(items) => {
            // Objects with the same keys: one table, a column per key.
            let mut keys: Vec<String> = Vec::new();
            for item in items {
                if let Value::Object(o) = item {
                    for k in o.keys() {
                        if !keys.contains(k) {
                            keys.push(k.clone());
                        }
                    }
                }
            }
            // Names first: a JSON object does not keep its key order.
            keys.sort_by_key(|k| !matches!(k.as_str(), "stage" | "name" | "path"));
            let mut t = String::from("<table class=\"sortable\"><thead><tr>");
            for k in &keys {
                let _ = write!(t, "<th scope=\"col\">{}</th>", escape(k));
            }
            t.push_str("</tr></thead><tbody>");
            for item in items {
                t.push_str("<tr>");
                for k in &keys {
                    let cell = item.get(k).map_or_else(|| "–".into(), json_html);
                    let _ = write!(t, "<td>{cell}</td>");
                }
                t.push_str("</tr>");
            }
            t.push_str("</tbody></table>");
            t
        }
        Value::Object(o) => {
            let mut t = String::new();
            let rows: Vec<(String, String)> =
                o.iter().map(|(k, v)| (k.clone(), json_html(v))).collect();
            key_values(&mut t, &rows);
            t
        }
    }
}

/// `stages` (name → {wall_s, cpu_s, …}) as one table, a row per stage.
fn stages_html(stages: &Map<String, Value>) -> String {
    let rows: Vec<Value> = stages
        .iter()
        .map(|(name, v)| {
            let mut row = Map::new();
            row.insert("stage".into(), Value::String(name.clone()));
            match v {
                Value::Object(o) => row.extend(o.clone()),
                other => {
                    row.insert("value".into(), other.clone());
                }
            }
            Value::Object(row)
        })
        .collect();
    json_html(&Value::Array(rows))
}

fn list<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    escape(
        &items
            .into_iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn header(html: &mut String, s: &Section) {
    let mut rows: Vec<(String, String)> = Vec::new();
    let run = s.run.clone().unwrap_or_default();
    let mut shown: Vec<&str> = Vec::new();
    let mut from_run = |rows: &mut Vec<(String, String)>, key: &'static str, label: &str| {
        if let Some(v) = run.get(key) {
            rows.push((label.to_string(), json_html(v)));
            shown.push(key);
        }
    };
    from_run(&mut rows, "dataset", "dataset");
    if !run.contains_key("dataset") {
        let name = match &s.tables {
            Tables::Plan { results, .. } => &results.dataset,
            Tables::Evaluate(e) => &e.dataset,
        };
        rows.push(("dataset".into(), escape(name)));
    }
    from_run(&mut rows, "perturbations", "perturbations");
    from_run(&mut rows, "genes", "genes");
    match &s.tables {
        Tables::Plan { results, .. } => {
            let r = &results.rounds;
            rows.push((
                "strategies".into(),
                list(distinct(r.iter().map(|x| x.strategy.as_str()))),
            ));
            let seeds = sorted_distinct(r.iter().map(|x| x.seed));
            rows.push((
                "seeds".into(),
                format!("{} ({})", seeds.len(), list(&seeds)),
            ));
            let budget = sorted_distinct(r.iter().map(|x| x.n_observed));
            rows.push((
                "budget schedule (perturbations observed)".into(),
                escape(
                    &budget
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(" → "),
                ),
            ));
            rows.push((
                "predictor".into(),
                format!(
                    "<code>{}</code> (training mean <code>mean</code> scored beside it)",
                    escape(results.predictor())
                ),
            ));
            rows.push((
                "metrics".into(),
                list(distinct(r.iter().map(|x| x.metric.as_str()))),
            ));
        }
        Tables::Evaluate(e) => {
            let m = &e.metrics;
            rows.push((
                "predictors".into(),
                list(distinct(m.iter().map(|x| x.predictor.as_str()))),
            ));
            let draws = sorted_distinct(m.iter().map(|x| x.draw)).len();
            rows.push(("draws".into(), draws.to_string()));
            rows.push((
                "metrics".into(),
                list(distinct(m.iter().map(|x| x.metric.as_str()))),
            ));
        }
    }
    for (key, label) in [
        ("agent_cache", "agents and cache"),
        ("threads", "threads"),
        ("mechpert_version", "mechpert version"),
        ("git_describe", "git describe"),
        ("started", "started"),
        ("finished", "finished"),
    ] {
        from_run(&mut rows, key, label);
    }
    if let Some(Value::Object(stages)) = run.get("stages") {
        rows.push(("time per stage (seconds)".into(), stages_html(stages)));
    }
    from_run(&mut rows, "inputs", "input files (bytes, SHA-256)");
    for (k, v) in &run {
        if k != "stages" && !shown.contains(&k.as_str()) {
            rows.push((k.clone(), json_html(v)));
        }
    }
    if s.run.is_none() {
        rows.push(("run.json".into(), "– (not written by this command)".into()));
    }
    key_values(html, &rows);
}

fn picks_table(html: &mut String, picks: &[&PickRow], with_seed: bool) {
    html.push_str("<table class=\"sortable picks\">\n<thead><tr>");
    if with_seed {
        html.push_str("<th scope=\"col\">seed</th>");
    }
    html.push_str(
        "<th scope=\"col\">round</th><th scope=\"col\">rank</th><th scope=\"col\">gene</th>",
    );
    for n in PICK_NUMBERS {
        let _ = write!(html, "<th scope=\"col\">{n}</th>");
    }
    html.push_str("<th scope=\"col\">rationale</th></tr></thead>\n<tbody>\n");
    for p in picks {
        html.push_str("<tr>");
        if with_seed {
            let _ = write!(html, "<td class=\"num\">{}</td>", p.seed);
        }
        let _ = write!(
            html,
            "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td>",
            p.round,
            p.rank,
            escape(&p.gene)
        );
        for n in &p.numbers {
            match n {
                Some(v) => {
                    let _ = write!(html, "<td class=\"num\">{}</td>", format_number(*v));
                }
                None => html.push_str("<td></td>"),
            }
        }
        let _ = writeln!(html, "<td>{}</td></tr>", escape(&p.rationale));
    }
    html.push_str("</tbody></table>\n");
}

fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        super::sig3(v)
    }
}

fn picks_tables(html: &mut String, picks: &[PickRow]) {
    for strategy in distinct(picks.iter().map(|p| p.strategy.as_str())) {
        let mine: Vec<&PickRow> = picks.iter().filter(|p| p.strategy == strategy).collect();
        let first = mine.iter().map(|p| p.seed).min().unwrap_or(0);
        let seeds = sorted_distinct(mine.iter().map(|p| p.seed));
        let _ = writeln!(
            html,
            "<h4>{} <small>(seed {first})</small></h4>",
            escape(&strategy)
        );
        let first_rows: Vec<&PickRow> = mine.iter().copied().filter(|p| p.seed == first).collect();
        picks_table(html, &first_rows, false);
        let _ = writeln!(
            html,
            "<details><summary>all {} seeds of {} ({} picks)</summary>",
            seeds.len(),
            escape(&strategy),
            mine.len()
        );
        picks_table(html, &mine, true);
        html.push_str("</details>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_values_become_text_lists_and_tables() {
        assert_eq!(json_html(&serde_json::json!("a<b")), "a&lt;b");
        assert_eq!(json_html(&serde_json::json!([1, "x"])), "1, x");
        assert_eq!(
            json_html(&serde_json::json!([{"path": "a", "bytes": 3}, {"path": "b"}])),
            "<table class=\"sortable\"><thead><tr><th scope=\"col\">path</th><th scope=\"col\">bytes</th></tr></thead>\
             <tbody><tr><td>a</td><td>3</td></tr><tr><td>b</td><td>–</td></tr></tbody></table>"
        );
        let stages = serde_json::json!({"load": {"wall_s": 0.5}});
        assert!(
            stages_html(stages.as_object().unwrap()).contains(
                "<th scope=\"col\">stage</th><th scope=\"col\">wall_s</th></tr></thead><tbody><tr><td>load</td><td>0.5</td>"
            ),
            "{}",
            stages_html(stages.as_object().unwrap())
        );
    }

    #[test]
    fn numbers_in_pick_tables() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(0.123456), "0.123");
    }
}

//! Reading back the tidy tables that `plan` and `evaluate` write, for figures and the HTML
//! report: `rounds.csv` and `picks.csv` (plan), `metrics.csv` (evaluate), and `run.json`.
//!
//! Columns are found by name in the header, so extra columns are ignored and the order does not
//! matter. Every error names the file, and for a bad field the line, the column number and the
//! column name, and says what was expected.
//!
//! ```
//! use mechpert::report::tidy::RoundRow;
//! let csv = "strategy,seed,round,n_observed,predictor,metric,value\n\
//!            random,0,0,10,mean,mse,0.5\n";
//! let rows = RoundRow::read("rounds.csv".as_ref(), csv.as_bytes()).unwrap();
//! assert_eq!(rows[0].n_observed, 10);
//! assert_eq!(rows[0].value, 0.5);
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};

/// A table or `run.json` that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TidyError {
    /// The file is absent (an output directory without the expected file).
    #[error("{}: missing ({what})", .path.display())]
    Missing {
        /// The path that was looked for.
        path: PathBuf,
        /// What kind of directory should hold it.
        what: String,
    },
    /// The file exists but could not be opened or read.
    #[error("{}: cannot read", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The CSV itself is malformed (unbalanced quotes, rows of unequal length).
    #[error("{}: malformed CSV", .path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The parser's error, with its position.
        #[source]
        source: csv::Error,
    },
    /// A column the table needs is not in its header.
    #[error("{}:1: no column `{column}` in the header; expected the columns {expected}", .path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column looked for.
        column: String,
        /// All columns the table needs, comma-separated.
        expected: String,
    },
    /// The header is there but no data row follows.
    #[error("{}: no data rows after the header", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// One field does not hold what its column needs.
    #[error("{}:{line}:{field}: column `{column}`", .path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// 1-based field number within the line.
        field: usize,
        /// The column's name.
        column: String,
        /// What was wrong.
        #[source]
        source: FieldError,
    },
    /// `run.json` is not valid JSON or not an object.
    #[error("{}:{line}:{column}: {message}", .path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON parser or the shape check said.
        message: String,
    },
    /// `rounds.csv` lacks rows its `run.json` promises (a file cut short or edited).
    #[error("{}: {message}; was the file cut short? Rerun the plan, or merge its shards again", .path.display())]
    Incomplete {
        /// The table.
        path: PathBuf,
        /// Which jobs or rounds are missing.
        message: String,
    },
}

/// What is wrong with one field.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum FieldError {
    /// Not a number (NaN and inf are accepted, as Rust writes them).
    #[error("expected a number, got {0:?}")]
    NotNumber(String),
    /// Not a non-negative integer.
    #[error("expected a non-negative integer, got {0:?}")]
    NotCount(String),
    /// Empty where a value is required.
    #[error("expected a value, got an empty field")]
    Empty,
}

/// One row of `rounds.csv`: `strategy,seed,round,n_observed,predictor,metric,value`.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundRow {
    /// Strategy name (`consensus`, `degree`, `oracle`, …).
    pub strategy: String,
    /// Seed of the job.
    pub seed: u64,
    /// Round, from 0.
    pub round: u64,
    /// Perturbations observed when the metric was taken.
    pub n_observed: u64,
    /// Predictor (`mean` is the training-mean baseline).
    pub predictor: String,
    /// Metric name (`n_fallback` counts fallbacks, it is not a metric).
    pub metric: String,
    /// The value.
    pub value: f64,
}

/// One row of `picks.csv`. Optional numeric columns are `None` when empty.
#[derive(Debug, Clone, PartialEq)]
pub struct PickRow {
    /// Strategy name.
    pub strategy: String,
    /// Seed of the job.
    pub seed: u64,
    /// Round, from 0.
    pub round: u64,
    /// Rank of the pick within its round, from 1.
    pub rank: u64,
    /// The gene picked.
    pub gene: String,
    /// `score,votes,confidence,coverage_gain,centrality,uncertainty`, each when it applies.
    pub numbers: [Option<f64>; 6],
    /// One human sentence saying why.
    pub rationale: String,
}

/// Names of [`PickRow::numbers`], in order (columns 6 to 11 of `picks.csv`).
pub const PICK_NUMBERS: &[&str] = PickRow::COLUMNS.split_at(5).1.split_at(6).0;

/// One row of `metrics.csv` (evaluate): `draw,predictor,metric,value`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    /// Draw index.
    pub draw: u64,
    /// Predictor name.
    pub predictor: String,
    /// Metric name.
    pub metric: String,
    /// The value.
    pub value: f64,
}

/// One data line of a table: its fields, located by column name.
struct Line<'a> {
    path: &'a Path,
    line: u64,
    record: &'a csv::StringRecord,
    columns: &'a [(usize, &'static str)],
}

impl Line<'_> {
    fn field(&self, i: usize) -> (&str, impl FnOnce(FieldError) -> TidyError + '_) {
        let (index, name) = self.columns[i];
        let text = self.record.get(index).unwrap_or("");
        (text, move |source| TidyError::Field {
            path: self.path.to_path_buf(),
            line: self.line,
            field: index + 1,
            column: name.to_string(),
            source,
        })
    }

    fn text(&self, i: usize) -> String {
        self.field(i).0.to_string()
    }

    fn count(&self, i: usize) -> Result<u64, TidyError> {
        let (text, err) = self.field(i);
        text.trim()
            .parse()
            .map_err(|_| err(FieldError::NotCount(text.to_string())))
    }

    fn number(&self, i: usize) -> Result<f64, TidyError> {
        self.optional(i)?
            .ok_or_else(|| (self.field(i).1)(FieldError::Empty))
    }

    fn optional(&self, i: usize) -> Result<Option<f64>, TidyError> {
        let (text, err) = self.field(i);
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse()
            .map(Some)
            .map_err(|_| err(FieldError::NotNumber(text.to_string())))
    }
}

/// Reads a whole table, calling `row` on every data line.
fn read_table<T>(
    path: &Path,
    reader: impl Read,
    needed: &'static [&'static str],
    row: impl Fn(&Line<'_>) -> Result<T, TidyError>,
) -> Result<Vec<T>, TidyError> {
    let csv_err = |source| TidyError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut rdr = csv::ReaderBuilder::new().from_reader(reader);
    let header = rdr.headers().map_err(csv_err)?.clone();
    let columns = needed
        .iter()
        .map(|&name| {
            header
                .iter()
                .position(|h| h.trim() == name)
                .map(|i| (i, name))
                .ok_or_else(|| TidyError::MissingColumn {
                    path: path.to_path_buf(),
                    column: name.to_string(),
                    expected: needed.join(","),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    while rdr.read_record(&mut record).map_err(csv_err)? {
        let line = record.position().map_or(0, |p| p.line());
        out.push(row(&Line {
            path,
            line,
            record: &record,
            columns: &columns,
        })?);
    }
    if out.is_empty() {
        return Err(TidyError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(out)
}

/// Opens `path` for one of the readers, naming what kind of directory should have held it.
pub fn open(path: &Path, what: &str) -> Result<std::fs::File, TidyError> {
    std::fs::File::open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            TidyError::Missing {
                path: path.to_path_buf(),
                what: what.to_string(),
            }
        } else {
            TidyError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

impl RoundRow {
    const COLUMNS: &'static [&'static str] = super::plan::ROUNDS_COLUMNS;

    /// Reads `rounds.csv` from `reader`; `path` is used in errors only.
    pub fn read(path: &Path, reader: impl Read) -> Result<Vec<RoundRow>, TidyError> {
        read_table(path, reader, Self::COLUMNS, |l| {
            Ok(RoundRow {
                strategy: l.text(0),
                seed: l.count(1)?,
                round: l.count(2)?,
                n_observed: l.count(3)?,
                predictor: l.text(4),
                metric: l.text(5),
                value: l.number(6)?,
            })
        })
    }
}

impl PickRow {
    const COLUMNS: &'static [&'static str] = super::plan::PICKS_COLUMNS;

    /// Reads `picks.csv` from `reader`; `path` is used in errors only.
    pub fn read(path: &Path, reader: impl Read) -> Result<Vec<PickRow>, TidyError> {
        read_table(path, reader, Self::COLUMNS, |l| {
            let mut numbers = [None; 6];
            for (k, n) in numbers.iter_mut().enumerate() {
                *n = l.optional(5 + k)?;
            }
            Ok(PickRow {
                strategy: l.text(0),
                seed: l.count(1)?,
                round: l.count(2)?,
                rank: l.count(3)?,
                gene: l.text(4),
                numbers,
                rationale: l.text(11),
            })
        })
    }
}

impl MetricRow {
    const COLUMNS: &'static [&'static str] = &["draw", "predictor", "metric", "value"];

    /// Reads `metrics.csv` from `reader`; `path` is used in errors only.
    pub fn read(path: &Path, reader: impl Read) -> Result<Vec<MetricRow>, TidyError> {
        read_table(path, reader, Self::COLUMNS, |l| {
            Ok(MetricRow {
                draw: l.count(0)?,
                predictor: l.text(1),
                metric: l.text(2),
                value: l.number(3)?,
            })
        })
    }
}

/// Reads `run.json`: any JSON object (unknown keys are kept for whoever shows them).
pub fn read_run_json(
    path: &Path,
    reader: impl Read,
) -> Result<serde_json::Map<String, serde_json::Value>, TidyError> {
    let json_err = |line, column, message: String| TidyError::Json {
        path: path.to_path_buf(),
        line,
        column,
        message,
    };
    match serde_json::from_reader(reader) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(json_err(1, 1, "expected a JSON object".into())),
        Err(e) if e.is_io() => Err(TidyError::Io {
            path: path.to_path_buf(),
            source: e.into(),
        }),
        Err(e) => {
            // serde_json's message ends in " at line L column C"; the position goes up front.
            let text = e.to_string();
            let message = text.split(" at line ").next().unwrap_or(&text).to_string();
            Err(json_err(e.line(), e.column(), message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rounds(text: &str) -> Result<Vec<RoundRow>, TidyError> {
        RoundRow::read(Path::new("d/rounds.csv"), text.as_bytes())
    }

    const HEADER: &str = "strategy,seed,round,n_observed,predictor,metric,value\n";

    #[test]
    fn columns_are_found_by_name_and_nan_is_a_number() {
        let rows = rounds("value,metric,predictor,n_observed,round,seed,strategy,extra\nNaN,mse,mean,20,1,3,degree,x\n").unwrap();
        assert_eq!(rows[0].strategy, "degree");
        assert_eq!(
            (rows[0].seed, rows[0].round, rows[0].n_observed),
            (3, 1, 20)
        );
        assert!(rows[0].value.is_nan());
    }

    #[test]
    fn every_failure_names_file_line_and_column() {
        let err = rounds(&format!(
            "{HEADER}random,0,0,10,mean,mse,0.5\nrandom,0,x,10,mean,mse,0.5\n"
        ))
        .unwrap_err();
        assert_eq!(err.to_string(), "d/rounds.csv:3:3: column `round`");
        let TidyError::Field { source, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(source, &FieldError::NotCount("x".into()));

        let err = rounds(&format!("{HEADER}random,0,0,10,mean,mse,high\n")).unwrap_err();
        assert!(
            matches!(&err, TidyError::Field { line: 2, field: 7, source: FieldError::NotNumber(v), .. } if v == "high"),
            "{err:?}"
        );
        let err = rounds(&format!("{HEADER}random,0,0,10,mean,mse,\n")).unwrap_err();
        assert!(
            matches!(
                &err,
                TidyError::Field {
                    source: FieldError::Empty,
                    ..
                }
            ),
            "{err:?}"
        );

        let err = rounds("strategy,seed,round,predictor,metric,value\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "d/rounds.csv:1: no column `n_observed` in the header; expected the columns strategy,seed,round,n_observed,predictor,metric,value"
        );
        assert!(matches!(
            rounds(HEADER).unwrap_err(),
            TidyError::Empty { .. }
        ));
        assert!(matches!(
            rounds(&format!("{HEADER}random,0\n")).unwrap_err(),
            TidyError::Csv { .. }
        ));
    }

    #[test]
    fn picks_keep_empty_numbers_as_none() {
        let text = "strategy,seed,round,rank,gene,score,votes,confidence,coverage_gain,centrality,uncertainty,rationale\n\
                    consensus,0,0,1,GATA1,1.5,3,,,,0.25,\"covers 4, agreed\"\n";
        let rows = PickRow::read(Path::new("picks.csv"), text.as_bytes()).unwrap();
        assert_eq!(
            rows[0].numbers,
            [Some(1.5), Some(3.0), None, None, None, Some(0.25)]
        );
        assert_eq!(rows[0].rationale, "covers 4, agreed");
        let bad = text.replace("1.5", "one");
        let err = PickRow::read(Path::new("picks.csv"), bad.as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), "picks.csv:2:6: column `score`");
    }

    #[test]
    fn metrics_and_run_json() {
        let rows = MetricRow::read(
            Path::new("m.csv"),
            &b"draw,predictor,metric,value\n4,graph,mse,0.25\n"[..],
        )
        .unwrap();
        assert_eq!(rows[0].draw, 4);
        let map = read_run_json(Path::new("run.json"), &br#"{"threads": 2}"#[..]).unwrap();
        assert_eq!(map["threads"], 2);
        let err =
            read_run_json(Path::new("run.json"), &b"{\n  \"a\": 1,\n  oops\n}"[..]).unwrap_err();
        assert_eq!(err.to_string(), "run.json:3:3: key must be a string");
        let err = read_run_json(Path::new("run.json"), &b"[1]"[..]).unwrap_err();
        assert_eq!(err.to_string(), "run.json:1:1: expected a JSON object");
        let err = open(
            Path::new("/nonexistent/rounds.csv"),
            "a plan output directory holds it",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "/nonexistent/rounds.csv: missing (a plan output directory holds it)"
        );
    }
}

//! Split files: which perturbations are observed (train) and which are predicted (test), per
//! draw, so a benchmark can be rerun on exactly the same partitions or on a field-standard one.
//!
//! In flows a CSV or TSV table with a header naming the columns `perturbation` and `split`
//! (`train` or `test`; `observed` and `query` are accepted too; GEARS' `val` rows are skipped,
//! being neither trained on nor scored) and optionally `draw` (a whole
//! number; a file without it holds one draw); out come one [`Split`] per draw, in draw order,
//! over the rows of a screen's [`Layout`]. Perturbations of the screen the file does not list are
//! neither observed nor predicted. [`write()`] produces the same format.
//!
//! ```
//! use mechpert::data::{GeneSymbols, Layout, io::split};
//! let layout = Layout::new(vec!["A".into(), "B".into(), "C".into()], vec!["g".into()]);
//! let text = "perturbation,split\nA,train\nC,test\n";
//! let splits = split::read(text.as_bytes(), "s.csv".as_ref(), &layout, &GeneSymbols::identity())
//!     .unwrap();
//! assert_eq!(splits[0].observed, [0]);
//! assert_eq!(splits[0].queries, [2]);
//! let mut out = Vec::new();
//! split::write(&splits, &layout, &mut out).unwrap();
//! assert_eq!(String::from_utf8(out).unwrap(), "draw,perturbation,split\n0,A,train\n0,C,test\n");
//! ```

use std::collections::BTreeMap;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};

use crate::data::{GeneSymbols, Layout};
use crate::predict::Split;

/// Why a split file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SplitError {
    /// The file could not be opened or read.
    #[error("{}: cannot read", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: io::Error,
    },
    /// One line is wrong.
    #[error("{}:{line}: {message}", .path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// What is wrong and what was expected.
        message: String,
    },
    /// The file as a whole is wrong (a missing column, a draw with nothing to predict).
    #[error("{}: {message}", .path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong and what was expected.
        message: String,
    },
}

/// Reads a split file from a path (`.gz` not supported: split files are small).
pub fn read_path(
    path: &Path,
    layout: &Layout,
    symbols: &GeneSymbols,
) -> Result<Vec<Split>, SplitError> {
    let file = std::fs::File::open(path).map_err(|source| SplitError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read(io::BufReader::new(file), path, layout, symbols)
}

/// Reads a split file from any reader; `name` is used in errors and picks the delimiter (tab
/// for `.tsv`, else whichever of tab, comma and semicolon the header holds most of).
pub fn read(
    mut reader: impl BufRead,
    name: &Path,
    layout: &Layout,
    symbols: &GeneSymbols,
) -> Result<Vec<Split>, SplitError> {
    let io_err = |source| SplitError::Io {
        path: name.to_path_buf(),
        source,
    };
    let file_err = |message: String| SplitError::File {
        path: name.to_path_buf(),
        message,
    };
    let mut header = String::new();
    reader.read_line(&mut header).map_err(io_err)?;
    let ext = super::format::base_extension(name);
    let delimiter = super::format::sniff_delimiter(ext.as_deref(), &header);
    // Quoted fields are read as CSV: a perturbation label may hold the delimiter (`"A,B"`).
    let mut table = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(header.as_bytes().chain(reader));
    let mut records = table.records();
    let columns: Vec<String> = match records.next() {
        Some(Ok(record)) => record.iter().map(str::to_ascii_lowercase).collect(),
        Some(Err(e)) => return Err(file_err(format!("unreadable header: {e}"))),
        None => Vec::new(),
    };
    let column = |want: &str| columns.iter().position(|c| c == want);
    let (Some(p_col), Some(s_col)) = (column("perturbation"), column("split")) else {
        return Err(file_err(format!(
            "expected a header with the columns `perturbation` and `split` (and optionally `draw`), got {:?}",
            header.trim_end()
        )));
    };
    let d_col = column("draw");
    let index = layout.perturbation_index();
    let mut draws: BTreeMap<u64, Listed> = BTreeMap::new();
    let mut unmapped = 0;
    for record in records {
        let record = record.map_err(|e| match e.into_kind() {
            csv::ErrorKind::Io(source) => io_err(source),
            other => file_err(format!("unreadable CSV: {other:?}")),
        })?;
        let line_no = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let at = |message: String| SplitError::Line {
            path: name.to_path_buf(),
            line: line_no,
            message,
        };
        let fields: Vec<&str> = record.iter().collect();
        if fields.len() != columns.len() {
            return Err(at(format!(
                "expected {} fields like the header, got {}",
                columns.len(),
                fields.len()
            )));
        }
        let draw = match d_col {
            None => 0,
            Some(c) => fields[c].parse::<u64>().map_err(|_| {
                at(format!(
                    "column `draw`: expected a whole number ≥ 0, got {:?}",
                    fields[c]
                ))
            })?,
        };
        let observed = match fields[s_col].to_ascii_lowercase().as_str() {
            "train" | "observed" => true,
            "test" | "query" => false,
            // GEARS' validation perturbations choose its model: neither trained on nor scored.
            "val" | "validation" => continue,
            other => {
                return Err(at(format!(
                    "column `split`: expected train, test or val, got {other:?}"
                )));
            }
        };
        let name = symbols.normalise(fields[p_col], &mut unmapped);
        let Some(&row) = index.get(name.as_str()) else {
            return Err(at(format!(
                "column `perturbation`: {:?} is not a perturbation of the screen",
                fields[p_col]
            )));
        };
        let listed = draws.entry(draw).or_default();
        if let Some(first) = listed.line_of.insert(row, line_no) {
            return Err(at(format!(
                "perturbation {name} is listed twice in draw {draw} (first at line {first})"
            )));
        }
        if observed {
            listed.observed.push(row);
        } else {
            listed.queries.push(row);
        }
    }
    if draws.is_empty() {
        return Err(file_err(
            "no rows: expected one line per perturbation and draw".into(),
        ));
    }
    draws
        .into_iter()
        .map(|(draw, listed)| {
            let Listed {
                mut observed,
                mut queries,
                ..
            } = listed;
            if observed.is_empty() || queries.is_empty() {
                return Err(file_err(format!(
                    "draw {draw} has {} train and {} test perturbations: expected at least one of each",
                    observed.len(),
                    queries.len()
                )));
            }
            observed.sort_unstable();
            queries.sort_unstable();
            Ok(Split { observed, queries })
        })
        .collect()
}

/// One draw's rows as listed so far, and the line where each row was listed.
#[derive(Debug, Default)]
struct Listed {
    observed: Vec<usize>,
    queries: Vec<usize>,
    line_of: BTreeMap<usize, u64>,
}

/// Writes splits as `draw,perturbation,split` rows, train rows before test rows in each draw.
pub fn write(splits: &[Split], layout: &Layout, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["draw", "perturbation", "split"])?;
    for (draw, split) in splits.iter().enumerate() {
        for (rows, role) in [(&split.observed, "train"), (&split.queries, "test")] {
            for &r in rows {
                w.write_record([&draw.to_string(), &layout.perturbations()[r], role])?;
            }
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout::new(
            ["A", "B", "C", "D"].map(String::from).to_vec(),
            vec!["g".into()],
        )
    }

    fn read_text(text: &str) -> Result<Vec<Split>, SplitError> {
        read(
            text.as_bytes(),
            "s.tsv".as_ref(),
            &layout(),
            &GeneSymbols::identity(),
        )
    }

    #[test]
    fn draws_come_in_number_order_and_round_trip() {
        let splits =
            read_text("draw\tsplit\tperturbation\n3\ttest\tB\n3\ttrain\tD\n1\ttrain\tA\n1\tquery\tC\n1\tobserved\tB\n")
                .unwrap();
        assert_eq!(
            splits,
            [
                Split {
                    observed: vec![0, 1],
                    queries: vec![2]
                },
                Split {
                    observed: vec![3],
                    queries: vec![1]
                }
            ]
        );
        let mut out = Vec::new();
        write(&splits, &layout(), &mut out).unwrap();
        let back = read(
            &out[..],
            "s.csv".as_ref(),
            &layout(),
            &GeneSymbols::identity(),
        )
        .unwrap();
        assert_eq!(back, splits);
    }

    #[test]
    fn labels_holding_the_delimiter_are_quoted_and_read_back() {
        let layout = Layout::new(
            ["A,B", "C", "D\"E"].map(String::from).to_vec(),
            vec!["g".into()],
        );
        let splits = [Split {
            observed: vec![0, 2],
            queries: vec![1],
        }];
        let mut out = Vec::new();
        write(&splits, &layout, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "draw,perturbation,split\n0,\"A,B\",train\n0,\"D\"\"E\",train\n0,C,test\n"
        );
        let back = read(
            text.as_bytes(),
            "s.csv".as_ref(),
            &layout,
            &GeneSymbols::identity(),
        )
        .unwrap();
        assert_eq!(back, splits);
    }

    #[test]
    fn every_mistake_names_its_line() {
        let msg = |t: &str| read_text(t).unwrap_err().to_string();
        assert_eq!(
            msg("perturbation\tsplit\nA\ttrain\nE\ttest\n"),
            "s.tsv:3: column `perturbation`: \"E\" is not a perturbation of the screen"
        );
        assert_eq!(
            msg("perturbation\tsplit\nA\tdev\n"),
            "s.tsv:2: column `split`: expected train, test or val, got \"dev\""
        );
        // GEARS' validation rows are skipped.
        assert_eq!(
            read_text("perturbation\tsplit\nA\ttrain\nB\tval\nC\ttest\n").unwrap(),
            [Split {
                observed: vec![0],
                queries: vec![2]
            }]
        );
        assert_eq!(
            msg("draw\tperturbation\tsplit\n-1\tA\ttrain\n"),
            "s.tsv:2: column `draw`: expected a whole number ≥ 0, got \"-1\""
        );
        assert_eq!(
            msg("perturbation\tsplit\nA\ttrain\nA\ttest\n"),
            "s.tsv:3: perturbation A is listed twice in draw 0 (first at line 2)"
        );
        assert_eq!(
            msg("perturbation\tsplit\nA\ttrain\tx\n"),
            "s.tsv:2: expected 2 fields like the header, got 3"
        );
        assert_eq!(
            msg("perturbation\tsplit\nA\ttrain\nB\ttrain\n"),
            "s.tsv: draw 0 has 2 train and 0 test perturbations: expected at least one of each"
        );
        assert_eq!(
            msg("perturbation\tsplit\n"),
            "s.tsv: no rows: expected one line per perturbation and draw"
        );
        assert!(
            msg("gene\tfold\nA\ttrain\n").starts_with(
                "s.tsv: expected a header with the columns `perturbation` and `split`"
            ),
        );
    }
}

//! Errors of the screen readers: each names the file, the line or HDF5 object, and what was
//! expected.

use std::io;
use std::path::PathBuf;

use crate::data::ScreenError;

/// Why a screen could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{}: cannot read", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: io::Error,
    },
    /// Neither the extension nor `--format` says what the file is.
    #[error(
        "{}: unknown extension {ext:?}: expected .h5ad, .csv, .tsv or .txt (optionally .gz), or name the format with --format",
        .path.display()
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// The extension found (empty when none).
        ext: String,
    },
    /// The file holds no data.
    #[error("{}: the file is empty: expected a header line and at least one data row", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A row has a different number of fields than the header.
    #[error("{}:{line}: expected {expected} fields like the header, got {got}", .path.display())]
    Ragged {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Fields in the header.
        expected: usize,
        /// Fields in this row.
        got: usize,
    },
    /// A field could not be parsed.
    #[error("{}:{line}: column `{column}`", .path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Column name.
        column: String,
        /// What is wrong with the value.
        #[source]
        source: FieldError,
    },
    /// A required column is not in the header.
    #[error("{}: no column `{column}`: the header has {available}", .path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column (or the list of accepted names).
        column: String,
        /// The header's columns, abbreviated.
        available: String,
    },
    /// A name appears twice where each must be unique.
    #[error("{}:{line}: {what} {name} appears twice (first at {first})", .path.display())]
    Duplicate {
        /// The file.
        path: PathBuf,
        /// Where the second occurrence is (line, or row for HDF5).
        line: u64,
        /// `perturbation`, `gene` or `perturbation/gene pair`.
        what: &'static str,
        /// The name (after symbol normalisation; the original spelling in parentheses if it
        /// differs).
        name: String,
        /// Where the first occurrence is.
        first: String,
    },
    /// No control row or cells were found.
    #[error(
        "{}: no control found: expected {where_} labelled one of {tried:?} (set --control), or pass --values response if the values are already relative to control",
        .path.display()
    )]
    NoControl {
        /// The file.
        path: PathBuf,
        /// Where labels were looked for.
        where_: String,
        /// The labels tried.
        tried: Vec<String>,
    },
    /// A long table lacks a perturbation/gene pair.
    #[error("{}: perturbation `{perturbation}` has no value for gene `{gene}`: a long table needs every pair", .path.display())]
    MissingPair {
        /// The file.
        path: PathBuf,
        /// Perturbation.
        perturbation: String,
        /// Gene.
        gene: String,
    },
    /// An HDF5 object is missing or malformed.
    #[error("{}: HDF5 `{object}`: {message}", .path.display())]
    Hdf5 {
        /// The file.
        path: PathBuf,
        /// The HDF5 path (`/X`, `/obs/perturbation`, …).
        object: String,
        /// What was expected.
        message: String,
    },
    /// The table's columns fit no screen layout (for example a single gene ranking).
    #[error("{}: {message}", .path.display())]
    NotAScreen {
        /// The file.
        path: PathBuf,
        /// What the header looks like and what would have been read.
        message: String,
    },
    /// The parts read do not form a consistent screen.
    #[error("{}", .path.display())]
    Screen {
        /// The file.
        path: PathBuf,
        /// The inconsistency.
        #[source]
        source: ScreenError,
    },
    /// Single cells that hold raw counts, read without `--normalize`.
    #[error(
        "{}: {matrix}: holds raw counts (every value a whole number, the largest {max}): expected log-normalised expression; normalise in scanpy (sc.pp.normalize_total(adata, target_sum=1e4); sc.pp.log1p(adata)) or pass --normalize log1p-cp10k",
        .path.display()
    )]
    RawCounts {
        /// The file.
        path: PathBuf,
        /// The matrix, as the user would name it (``HDF5 `/X` ``, ``HDF5 `/layers/counts` ``).
        matrix: String,
        /// The largest value.
        max: f32,
    },
    /// An option that does not fit this file (`--layer` on a table, `--labels` on an h5ad).
    #[error("{}: {message}", .path.display())]
    Inapplicable {
        /// The file.
        path: PathBuf,
        /// Which option, why it does not fit and what to do instead.
        message: String,
    },
    /// A table of cells and its labels file share no cell id.
    #[error(
        "{}: no cell id of the labels matches a cell of {}: the labels start {labels_start}, the table starts {cells_start}: expected the same cell ids in the first column of both files",
        .labels.display(),
        .cells.display()
    )]
    NoCellMatched {
        /// The labels file.
        labels: PathBuf,
        /// The table of cells.
        cells: PathBuf,
        /// The first ids of the labels file.
        labels_start: String,
        /// The first ids of the table.
        cells_start: String,
    },
}

/// What is wrong with one field's text.
#[derive(Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    /// The text is not a number.
    #[error("expected a number, got {0:?}")]
    NotANumber(String),
    /// The number is NaN or infinite.
    #[error("expected a finite number, got {0:?}")]
    NotFinite(String),
    /// A rank that is not a whole number ≥ 1.
    #[error("expected a whole rank ≥ 1, got {0:?}")]
    BadRank(String),
    /// An empty name.
    #[error("expected a non-empty name")]
    EmptyName,
    /// Bytes that are not UTF-8.
    #[error("expected UTF-8 text, got an invalid byte after {0} valid bytes")]
    NotUtf8(usize),
}

/// Parses a finite `f32`, with the field text (trimmed) kept in the error.
pub fn parse_finite(text: &str) -> Result<f32, FieldError> {
    let trimmed = text.trim();
    match trimmed.parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(FieldError::NotFinite(trimmed.to_string())),
        Err(_) => Err(FieldError::NotANumber(trimmed.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_or_say_why_not() {
        assert_eq!(parse_finite(" 1.5 "), Ok(1.5));
        assert_eq!(
            parse_finite("NaN"),
            Err(FieldError::NotFinite("NaN".into()))
        );
        assert_eq!(
            parse_finite("inf"),
            Err(FieldError::NotFinite("inf".into()))
        );
        assert_eq!(
            parse_finite("oops"),
            Err(FieldError::NotANumber("oops".into()))
        );
        assert_eq!(parse_finite(""), Err(FieldError::NotANumber("".into())));
    }
}

//! Errors of the screen readers: each names the file, the line or HDF5 object, and what was
//! expected.

use std::io;
use std::path::PathBuf;

use super::missing::MissingAt;
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
    /// Missing values (NA or empty cells, pairs absent from a long table) under
    /// `--missing refuse`.
    #[error(
        "{}{at}; {missing} of {values} values missing, in {genes_with} of {genes} genes: pass --missing drop-genes to leave those genes out, or --missing zero to read them as 0 (responses and z-scores only); or fill them before writing the table ({fix})",
        .path.display(),
        fix = .at.pandas_fix()
    )]
    Missing {
        /// The file.
        path: PathBuf,
        /// The first missing value.
        at: MissingAt,
        /// How many values are missing.
        missing: usize,
        /// How many values the screen has (perturbations × genes, plus the control's).
        values: usize,
        /// Genes with at least one missing value.
        genes_with: usize,
        /// Genes in the table.
        genes: usize,
    },
    /// `--missing zero` for values read as expression.
    #[error(
        "{}: --missing zero reads a missing value as 0, which means \"no change\" only for values relative to control, but these are read as expression (the default for wide and long tables), where 0 means not expressed: pass --values response or --values z-score if they are relative to control, or --missing drop-genes",
        .path.display()
    )]
    ZeroForExpression {
        /// The file.
        path: PathBuf,
    },
    /// `--missing drop-genes` when every gene has a missing value.
    #[error(
        "{}: all {genes} genes have a missing value, so --missing drop-genes leaves none; {worst} misses the most ({worst_missing} of {genes}): remove it from the table, or pass --missing zero if the values are responses or z-scores",
        .path.display()
    )]
    NoCompleteGene {
        /// The file.
        path: PathBuf,
        /// Genes in the table.
        genes: usize,
        /// The row with most missing values (``perturbation `X` `` or `the control`).
        worst: String,
        /// How many values it misses.
        worst_missing: usize,
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
    /// Part of an AnnData object handed over in memory is missing or malformed.
    #[error("AnnData `{object}`: {message}")]
    InMemory {
        /// The part, named as in an h5ad file (`/X`, `/obs/perturbation`, …).
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

impl ReadError {
    /// Whether the options, not the file, are at fault: the command line has to change.
    pub fn is_usage(&self) -> bool {
        matches!(self, ReadError::ZeroForExpression { .. })
    }
}

/// What is wrong with one field's text.
#[derive(Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    /// The text is not a number.
    #[error("expected a number, got {0:?}")]
    NotANumber(String),
    /// The number is infinite or NaN.
    #[error("expected a finite number, got {0:?}")]
    NotFinite(String),
    /// A finite number beyond what a 32-bit float holds (values are stored as f32).
    #[error(
        "{0:?} is beyond the range of the values read (32-bit floats, magnitudes up to 3.4e38)"
    )]
    OutOfRange(String),
    /// A number written with the other decimal mark than the table's first number with a
    /// fraction.
    #[error(
        "expected {expected} like the first number with a fraction ({first}), got {got:?}: one table uses one decimal mark"
    )]
    MixedDecimalMarks {
        /// The text.
        got: String,
        /// `a decimal point` or `a decimal comma`.
        expected: &'static str,
        /// Where the first number with a fraction is, and its text.
        first: String,
    },
    /// A missing value among single cells, which are averaged as read.
    #[error(
        "expected a number, got the missing value {0:?}: a table of cells must be complete (--missing applies to tables of perturbations); fill the cells first, e.g. pandas df.fillna(0)"
    )]
    MissingInCells(String),
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

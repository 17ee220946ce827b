//! What matrix a screen was read from and what its values look like, for `inspect` and the
//! raw-counts check.
//!
//! In: the values of the matrix as a reader streams them ([`ValueStats::look`]). Out: a
//! [`MatrixSource`] naming the matrix (`X`, `layers/NAME`, a table), its encoding and type, the
//! value range and the layers the file holds, and, for a table of cells with a separate labels
//! file, how the two joined ([`LabelJoin`]).

use serde::Serialize;

/// Running statistics over every value of a matrix, stored or implicit (sparse zeros).
#[derive(Debug, Clone)]
pub struct ValueStats {
    min: f32,
    max: f32,
    whole: bool,
    values: u64,
    zeros: u64,
}

impl Default for ValueStats {
    fn default() -> Self {
        ValueStats {
            min: f32::INFINITY,
            max: f32::NEG_INFINITY,
            whole: true,
            values: 0,
            zeros: 0,
        }
    }
}

impl ValueStats {
    /// Takes in stored values.
    pub fn look(&mut self, values: &[f32]) {
        for &v in values {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
            self.whole &= v.fract() == 0.0;
            self.zeros += u64::from(v == 0.0);
        }
        self.values += values.len() as u64;
    }

    /// Counts the zeros a sparse matrix of `total` values leaves implicit, once every stored
    /// value has been seen.
    pub fn fill_implicit_zeros(&mut self, total: u64) {
        let implicit = total.saturating_sub(self.values);
        if implicit > 0 {
            self.min = self.min.min(0.0);
            self.max = self.max.max(0.0);
            self.zeros += implicit;
            self.values = total;
        }
    }

    /// Whether these look like raw counts: all whole, none negative, some above
    /// [`COUNTS_ABOVE`](super::reader::COUNTS_ABOVE) (log-normalised values stay below).
    pub fn is_counts(&self) -> bool {
        self.whole && self.min >= 0.0 && self.max > super::reader::COUNTS_ABOVE
    }

    /// The largest value seen.
    pub fn max(&self) -> f32 {
        self.max
    }

    /// The summary shown by `inspect`; `None` before any value.
    pub fn summary(&self) -> Option<ValueSummary> {
        (self.values > 0).then(|| ValueSummary {
            min: self.min,
            max: self.max,
            whole_numbers: self.whole,
            zero_fraction: self.zeros as f64 / self.values as f64,
        })
    }
}

/// The range and kind of a matrix's values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ValueSummary {
    /// Smallest value (0 when a sparse matrix leaves zeros implicit).
    pub min: f32,
    /// Largest value.
    pub max: f32,
    /// Whether every value is a whole number (raw counts are).
    pub whole_numbers: bool,
    /// Fraction of values that are 0, stored or implicit.
    pub zero_fraction: f64,
}

/// How a matrix is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// A dense 2-D HDF5 dataset.
    Dense,
    /// Compressed sparse rows.
    Csr,
    /// Compressed sparse columns.
    Csc,
    /// A delimited text table.
    Table,
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Encoding::Dense => "dense",
            Encoding::Csr => "CSR",
            Encoding::Csc => "CSC",
            Encoding::Table => "text table",
        })
    }
}

/// Which matrix of the file was read, and what it looks like.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixSource {
    /// `X`, `layers/NAME` (h5ad) or `table` (text).
    pub name: String,
    /// How it is stored.
    pub encoding: Encoding,
    /// The stored number type (`float32`, `int64`, …) for h5ad; `null` for text.
    pub dtype: Option<String>,
    /// Range and kind of the values read, when the reader saw them one by one (h5ad, tables of
    /// cells); `null` for per-perturbation tables.
    pub values: Option<ValueSummary>,
    /// The layers an h5ad file holds besides `X` (empty for text).
    pub layers: Vec<String>,
    /// For a table of cells read with `--labels`: how cells and labels joined.
    pub labels: Option<LabelJoin>,
}

impl MatrixSource {
    /// A per-perturbation text table, whose values the reader does not summarise.
    pub fn table() -> MatrixSource {
        MatrixSource {
            name: "table".into(),
            encoding: Encoding::Table,
            dtype: None,
            values: None,
            layers: Vec::new(),
            labels: None,
        }
    }
}

/// How the cells of a table met the rows of a separate labels file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelJoin {
    /// The labels file.
    pub file: String,
    /// `cell id` (both files have ids) or `position` (the labels file has only labels).
    pub on: &'static str,
    /// Where the label came from: the column name, or `one-hot` indicator columns.
    pub label_column: String,
    /// Cells of the table with a label (control or perturbation).
    pub cells_labelled: u64,
    /// Cells of the table left out: no row in the labels file, an empty label, or (one-hot)
    /// several perturbations.
    pub cells_without_label: u64,
    /// Rows of the labels file whose cell is not in the table.
    pub labels_without_cell: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_count_implicit_zeros_and_spot_counts() {
        let mut s = ValueStats::default();
        assert_eq!(s.summary(), None);
        s.look(&[3.0, 40.0, 0.0]);
        s.fill_implicit_zeros(10);
        let got = s.summary().unwrap();
        assert_eq!((got.min, got.max, got.whole_numbers), (0.0, 40.0, true));
        assert!((got.zero_fraction - 0.8).abs() < 1e-12);
        assert!(s.is_counts());
        s.look(&[0.5]);
        assert!(!s.is_counts());
        let mut negative = ValueStats::default();
        negative.look(&[-1.0, 31.0]);
        assert!(!negative.is_counts());
        let mut small = ValueStats::default();
        small.look(&[1.0, 30.0]);
        assert!(!small.is_counts());
    }
}

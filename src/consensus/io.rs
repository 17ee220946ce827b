//! The consensus layer's files, read and written in one place: the neighbour table
//! `target, neighbour, weight, votes, agents` ([`table`]) and the hubs ranking `rank, gene,
//! votes, confidence, agents` ([`hubs`]), both tab-separated, as `mechpert consensus` writes
//! them and `evaluate`, `plan` and `design` read them.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

pub mod hubs;
pub mod table;

/// A graph file that could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GraphFileError {
    /// The file could not be opened or read.
    #[error("{}: cannot read", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The header lacks a required column.
    #[error("{}:1: header has no column `{column}` (expected {expected})", .path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The missing column.
        column: String,
        /// What the header should look like.
        expected: &'static str,
    },
    /// A field does not parse.
    #[error("{}:{line}: column `{column}`: expected {expected}, got {value:?}", .path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The column.
        column: String,
        /// The text found.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// The file has a header but no edges.
    #[error("{}: no edges", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// Opens a possibly gzip-compressed text file (detected by its magic bytes).
fn open_text(path: &Path) -> Result<Box<dyn BufRead>, GraphFileError> {
    let io = |source| GraphFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut reader = BufReader::new(file);
    let gz = reader.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(reader)))
    } else {
        Box::new(reader)
    })
}

/// Reads tab-separated lines after the header, calling `row(line_number, fields)`.
fn each_row(
    path: &Path,
    reader: impl Read,
    mut row: impl FnMut(u64, &[&str]) -> Result<(), GraphFileError>,
) -> Result<Vec<String>, GraphFileError> {
    let io = |source| GraphFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut lines = BufReader::new(reader).lines();
    let header: Vec<String> = match lines.next() {
        Some(h) => h
            .map_err(io)?
            .split('\t')
            .map(|s| s.trim().to_string())
            .collect(),
        None => return Err(GraphFileError::Empty { path: path.into() }),
    };
    // The header is validated by the caller through `columns`; rows come after.
    for (i, line) in lines.enumerate() {
        let line = line.map_err(io)?;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        row(i as u64 + 2, &fields)?;
    }
    Ok(header)
}

/// Index of a named column in `header`.
fn column(
    path: &Path,
    header: &[String],
    name: &str,
    expected: &'static str,
) -> Result<usize, GraphFileError> {
    header
        .iter()
        .position(|h| h.eq_ignore_ascii_case(name))
        .ok_or_else(|| GraphFileError::MissingColumn {
            path: path.into(),
            column: name.into(),
            expected,
        })
}

/// Reads the header line only.
fn header_of(path: &Path) -> Result<Vec<String>, GraphFileError> {
    let mut reader = open_text(path)?;
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .map_err(|source| GraphFileError::Io {
            path: path.into(),
            source,
        })?;
    Ok(line
        .trim_end()
        .split('\t')
        .map(|s| s.trim().to_string())
        .collect())
}

fn field<'a>(
    path: &Path,
    line: u64,
    fields: &[&'a str],
    i: usize,
    header: &[String],
) -> Result<&'a str, GraphFileError> {
    match fields.get(i) {
        Some(v) if !v.is_empty() => Ok(v),
        other => Err(GraphFileError::Field {
            path: path.into(),
            line,
            column: header[i].clone(),
            value: other.copied().unwrap_or("").to_string(),
            expected: "a non-empty value",
        }),
    }
}

fn number(path: &Path, line: u64, text: &str, column: &str) -> Result<f32, GraphFileError> {
    text.parse::<f32>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| GraphFileError::Field {
            path: path.into(),
            line,
            column: column.into(),
            value: text.into(),
            expected: "a finite number ≥ 0",
        })
}

//! [`PriorsError`]: everything that can go wrong while reading a prior-knowledge resource. Each
//! variant names the file (or embedded bundle), the line and column where it can, the bad value
//! and what was expected.

use std::path::PathBuf;

/// An error while opening or reading a prior-knowledge resource.
#[derive(Debug, thiserror::Error)]
pub enum PriorsError {
    /// The `--graph` spec names no bundle and no known `KIND:PATH` form.
    #[error(
        "unknown graph {spec:?}: expected a bundle name ({bundles}) or KIND:PATH with KIND one of {kinds}"
    )]
    UnknownSpec {
        /// What the user wrote.
        spec: String,
        /// Accepted bundle names.
        bundles: String,
        /// Accepted kinds.
        kinds: String,
    },
    /// The `--graph` spec is a bare path to an existing file, without the `KIND:` that says how
    /// to read it.
    #[error("{}", bare_path_message(.spec, .readers))]
    BarePath {
        /// What the user wrote (the path).
        spec: String,
        /// The kinds whose parser reads edges from the file's first lines.
        readers: Vec<&'static str>,
    },
    /// An `@OPTION` suffix that the kind does not accept.
    #[error("graph {spec:?}: bad option {option:?}: {expected}")]
    BadOption {
        /// What the user wrote.
        spec: String,
        /// The option after `@`.
        option: String,
        /// What would have been accepted.
        expected: String,
    },
    /// The file could not be opened.
    #[error("{}: cannot open", .path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// Reading failed part-way (I/O or invalid gzip/UTF-8).
    #[error("{file}:{line}: cannot read")]
    Read {
        /// File or bundle name.
        file: String,
        /// 1-based line being read.
        line: usize,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// The file has no header line.
    #[error("{file}: empty, expected a header line with columns {expected}")]
    Empty {
        /// File or bundle name.
        file: String,
        /// The columns expected.
        expected: String,
    },
    /// A required column is missing from the header.
    #[error("{file}:{line}: missing column {expected}; the header has {found:?}")]
    MissingColumn {
        /// File or bundle name.
        file: String,
        /// Line of the header.
        line: usize,
        /// The accepted names of the missing column (`a` or `b`).
        expected: String,
        /// The columns the header has.
        found: Vec<String>,
    },
    /// A row has fewer fields than a column it needs.
    #[error("{file}:{line}: expected at least {expected} fields, got {got}")]
    ShortRow {
        /// File or bundle name.
        file: String,
        /// 1-based line.
        line: usize,
        /// Fields needed.
        expected: usize,
        /// Fields present.
        got: usize,
    },
    /// A field does not hold what its column needs.
    #[error("{file}:{line}:{column_number}: column `{column}`: expected {expected}, got {value:?}")]
    Field {
        /// File or bundle name.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column number.
        column_number: usize,
        /// Column name.
        column: String,
        /// The bad value.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// The resource yields no edge at all (every row dropped, or no rows).
    #[error("{file}: no edges left after reading {rows_read} rows ({reasons})")]
    NoEdges {
        /// File or bundle name.
        file: String,
        /// Data rows read.
        rows_read: usize,
        /// Why rows were dropped.
        reasons: String,
    },
}

impl PriorsError {
    /// Whether the user can fix this by changing the command line (a bad `--graph` spec).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            PriorsError::UnknownSpec { .. }
                | PriorsError::BarePath { .. }
                | PriorsError::BadOption { .. }
        )
    }
}

fn bare_path_message(spec: &str, readers: &[&str]) -> String {
    match readers {
        [] => format!(
            "graph {spec:?} is a file but not a graph spec, and no kind reads edges from its first \
             lines: write KIND:{spec} with KIND one of {}",
            super::Kind::ALL
                .iter()
                .map(|(_, p)| *p)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        [kind] => format!(
            "graph {spec:?} is a file but not a graph spec (it needs a KIND: prefix); its first \
             lines read as `{kind}:{spec}`"
        ),
        _ => format!(
            "graph {spec:?} is a file but not a graph spec (it needs a KIND: prefix); its first \
             lines read as KIND:{spec} with KIND one of {}",
            readers.join(", ")
        ),
    }
}

//! A generic prior edge list, as `--graph` reads it until the `priors` layer's loaders are
//! wired in: a tab-separated file (optionally gzip-compressed) with a header; the first two
//! columns are the two genes; the weight is the column `weight` if present, else
//! `combined_score` / 1000 (STRING), else 1. Spec strings:
//!
//! - `edges:PATH` — undirected (protein association, co-expression: STRING etc.);
//! - `directed:PATH` — first column regulates the second (TF → target lists);
//! - `string:PATH` — the same as `edges:PATH`, named for the shared STRING file.

use std::path::{Path, PathBuf};

use super::{GraphFileError, each_row, field, header_of, number, open_text};
use crate::data::GeneSymbols;
use crate::priors::Graph;

/// A parsed `--graph` spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeListSpec {
    /// The file.
    pub path: PathBuf,
    /// Whether the first column regulates the second.
    pub directed: bool,
}

impl std::str::FromStr for EdgeListSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (kind, path) = s.split_once(':').ok_or_else(|| {
            format!("invalid graph spec {s:?}: expected edges:PATH, directed:PATH or string:PATH")
        })?;
        let directed = match kind {
            "edges" | "string" => false,
            "directed" => true,
            other => {
                return Err(format!(
                    "invalid graph spec kind {other:?}: expected edges, directed or string"
                ));
            }
        };
        if path.is_empty() {
            return Err(format!("invalid graph spec {s:?}: the path is empty"));
        }
        Ok(EdgeListSpec {
            path: path.into(),
            directed,
        })
    }
}

/// Reads an edge list as the spec says.
pub fn read(spec: &EdgeListSpec, symbols: &GeneSymbols) -> Result<Graph, GraphFileError> {
    let path: &Path = &spec.path;
    let header = header_of(path)?;
    if header.len() < 2 {
        return Err(GraphFileError::MissingColumn {
            path: path.into(),
            column: "(second gene)".into(),
            expected: "two gene columns, then optional weight or combined_score",
        });
    }
    let find = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (weight_col, scale) = match (find("weight"), find("combined_score")) {
        (Some(i), _) => (Some(i), 1.0),
        (None, Some(i)) => (Some(i), 1000.0),
        (None, None) => (None, 1.0),
    };
    let mut b = Graph::builder(spec.directed);
    let mut unmapped = 0;
    each_row(path, open_text(path)?, |line, fields| {
        let a = symbols.normalise(field(path, line, fields, 0, &header)?, &mut unmapped);
        let c = symbols.normalise(field(path, line, fields, 1, &header)?, &mut unmapped);
        let w = match weight_col {
            Some(i) => {
                number(
                    path,
                    line,
                    field(path, line, fields, i, &header)?,
                    &header[i],
                )? / scale
            }
            None => 1.0,
        };
        b.add_edge(&a, &c, w, 0);
        Ok(())
    })?;
    if b.edge_count() == 0 {
        return Err(GraphFileError::Empty { path: path.into() });
    }
    tracing::info!(path = %path.display(), edges = b.edge_count(), unmapped, "read edge list");
    Ok(b.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_scores_are_scaled_and_specs_parse() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.tsv");
        std::fs::write(
            &p,
            "symbol_a\tsymbol_b\tcombined_score\nA\tB\t900\nB\tC\t400\n",
        )
        .unwrap();
        let spec: EdgeListSpec = format!("string:{}", p.display()).parse().unwrap();
        assert!(!spec.directed);
        let g = read(&spec, &GeneSymbols::identity()).unwrap();
        let b = g.node("B").unwrap();
        let ns: Vec<(&str, f32)> = g.in_neighbours(b).map(|(n, w)| (g.name(n), w)).collect();
        assert_eq!(ns, [("A", 0.9), ("C", 0.4)]);
        let spec: EdgeListSpec = format!("directed:{}", p.display()).parse().unwrap();
        assert!(read(&spec, &GeneSymbols::identity()).unwrap().is_directed());
        assert!(
            "collectri"
                .parse::<EdgeListSpec>()
                .unwrap_err()
                .contains("expected edges:PATH")
        );
        assert!(
            "gmt:x"
                .parse::<EdgeListSpec>()
                .unwrap_err()
                .contains("kind \"gmt\"")
        );
        assert!(
            "edges:"
                .parse::<EdgeListSpec>()
                .unwrap_err()
                .contains("path is empty")
        );
    }

    #[test]
    fn unweighted_lists_weigh_one_and_bad_rows_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("e.tsv");
        std::fs::write(&p, "a\tb\nA\tB\n").unwrap();
        let spec = EdgeListSpec {
            path: p.clone(),
            directed: false,
        };
        assert_eq!(
            read(&spec, &GeneSymbols::identity()).unwrap().edges()[0].weight,
            1.0
        );
        std::fs::write(&p, "a\tb\tweight\nA\tB\t-1\n").unwrap();
        let err = read(&spec, &GeneSymbols::identity())
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("e.tsv:2: column `weight`: expected a finite number ≥ 0, got \"-1\""),
            "{err}"
        );
        std::fs::write(&p, "only\n").unwrap();
        let err = read(&spec, &GeneSymbols::identity())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("e.tsv:1: header has no column `(second gene)`"),
            "{err}"
        );
    }
}

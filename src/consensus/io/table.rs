//! The consensus neighbour table written by `mechpert consensus`:
//! `target<TAB>neighbour<TAB>weight<TAB>votes<TAB>agents`, one row per kept (target, neighbour)
//! pair, by target (in the order asked), weight descending:
//!
//! ```text
//! target  neighbour  weight  votes  agents
//! KLF1    GATA1      0.5000  2      a,b
//! ```
//!
//! `weight` has four decimals; `votes` is s; `agents` the comma-separated names of the agents
//! that proposed the edge. Read back as a directed graph neighbour → target (the neighbour is a
//! proposed upstream regulator), weighted by `weight`; `votes` and `agents` are not needed to
//! predict.

use std::io::{self, Write};
use std::path::Path;

use super::{GraphFileError, column, each_row, field, header_of, number, open_text};
use crate::consensus::Row;
use crate::data::GeneSymbols;
use crate::priors::Graph;

const EXPECTED: &str = "target, neighbour, weight, votes, agents (tab-separated)";

/// Reads a consensus table into a directed graph neighbour → target.
///
/// ```no_run
/// use mechpert::data::GeneSymbols;
/// let g = mechpert::consensus::io::table::read(
///     "consensus.tsv".as_ref(), GeneSymbols::embedded()).unwrap();
/// assert!(g.is_directed());
/// ```
pub fn read(path: &Path, symbols: &GeneSymbols) -> Result<Graph, GraphFileError> {
    let header = header_of(path)?;
    let t = column(path, &header, "target", EXPECTED)?;
    let n = column(path, &header, "neighbour", EXPECTED)?;
    let w = column(path, &header, "weight", EXPECTED)?;
    let mut b = Graph::builder(true);
    let mut unmapped = 0;
    each_row(path, open_text(path)?, |line, fields| {
        let target = symbols.normalise(field(path, line, fields, t, &header)?, &mut unmapped);
        let neighbour = symbols.normalise(field(path, line, fields, n, &header)?, &mut unmapped);
        let weight = number(path, line, field(path, line, fields, w, &header)?, "weight")?;
        b.add_edge(&neighbour, &target, weight, 0);
        Ok(())
    })?;
    if b.edge_count() == 0 {
        return Err(GraphFileError::Empty { path: path.into() });
    }
    tracing::info!(path = %path.display(), edges = b.edge_count(), unmapped, "read consensus table");
    Ok(b.build())
}

/// Writes the neighbourhood TSV.
pub fn write_rows(rows: &[Row], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "target\tneighbour\tweight\tvotes\tagents")?;
    for r in rows {
        writeln!(
            out,
            "{}\t{}\t{:.4}\t{}\t{}",
            r.target,
            r.neighbour,
            r.weight,
            r.votes,
            r.agents.join(",")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
        let p = dir.path().join("c.tsv");
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn rows_become_regulator_to_target_edges() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "target\tneighbour\tweight\tvotes\tagents\nKLF1\tGATA1\t0.9\t3\ta,b,c\nKLF1\ttal1\t0.5\t2\ta,b\n",
        );
        let g = read(&p, GeneSymbols::embedded()).unwrap();
        let klf1 = g.node("KLF1").unwrap();
        let regs: Vec<(&str, f32)> = g.in_neighbours(klf1).map(|(n, w)| (g.name(n), w)).collect();
        assert_eq!(regs, [("GATA1", 0.9), ("TAL1", 0.5)]);
    }

    #[test]
    fn errors_name_file_line_column_and_value() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "target\tregulator\tweight\n");
        let err = read(&p, GeneSymbols::embedded()).unwrap_err().to_string();
        assert!(err.ends_with("c.tsv:1: header has no column `neighbour` (expected target, neighbour, weight, votes, agents (tab-separated))"), "{err}");
        let p = write(&dir, "target\tneighbour\tweight\nA\tB\t0.5\nA\tC\thigh\n");
        let err = read(&p, &GeneSymbols::identity()).unwrap_err().to_string();
        assert!(
            err.ends_with("c.tsv:3: column `weight`: expected a finite number ≥ 0, got \"high\""),
            "{err}"
        );
        let p = write(&dir, "target\tneighbour\tweight\nA\t\t0.5\n");
        let err = read(&p, &GeneSymbols::identity()).unwrap_err().to_string();
        assert!(
            err.contains("c.tsv:2: column `neighbour`: expected a non-empty value"),
            "{err}"
        );
        let p = write(&dir, "target\tneighbour\tweight\n");
        let err = read(&p, &GeneSymbols::identity()).unwrap_err().to_string();
        assert!(err.ends_with("c.tsv: no edges"), "{err}");
        let err = read(&dir.path().join("nope.tsv"), GeneSymbols::embedded()).unwrap_err();
        assert!(err.to_string().ends_with("nope.tsv: cannot read"), "{err}");
    }

    #[test]
    fn rows_become_tsv_lines() {
        let rows = vec![Row {
            target: "KLF1".into(),
            neighbour: "GATA1".into(),
            weight: 0.5,
            votes: 2,
            answered: 3,
            agents: vec!["a".into(), "b".into()],
        }];
        let mut out = Vec::new();
        write_rows(&rows, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "target\tneighbour\tweight\tvotes\tagents\nKLF1\tGATA1\t0.5000\t2\ta,b\n"
        );
    }
}

//! Gene summaries: one free text per gene (NCBI Gene and UniProt descriptions, GenePT-style),
//! the input of the [`text`](super::text) agent.
//!
//! In flows a file, gzip-compressed or not (detected by its magic bytes), in one of three
//! layouts (detected by its first non-blank character):
//! - a JSON object, symbol → summary: `{"GATA1": "Gene Symbol GATA1 ...", ...}`;
//! - a JSON list of records, each with a `gene` (or `symbol`) and a `summary` field;
//! - a table with a header: `gene<TAB>summary` (TSV) or `gene,summary` (CSV, quoted as usual).
//!
//! Out come [`Summaries`]: official symbols (every name through the gene table) in file order,
//! each with its text. A gene named twice keeps its first summary; blank summaries are skipped;
//! both are counted in [`Summaries::report`].

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::data::GeneSymbols;

/// The summaries of a file, by official symbol.
#[derive(Debug, Clone, Default)]
pub struct Summaries {
    genes: Vec<String>,
    texts: Vec<String>,
    /// What reading skipped.
    pub report: SummariesReport,
}

/// Rows read and skipped while reading a summaries file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SummariesReport {
    /// Entries in the file.
    pub entries: usize,
    /// Names the gene table does not know (kept as written).
    pub unmapped: usize,
    /// Entries whose gene already had a summary (the first is kept).
    pub duplicates: usize,
    /// Entries with an empty summary.
    pub blank: usize,
}

/// Why a summaries file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SummariesError {
    /// The file could not be opened or read.
    #[error("{}: cannot read gene summaries", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// The content is not one of the accepted layouts.
    #[error("{}{at}: {problem}; expected a JSON object {{\"GENE\": \"summary\", ...}}, a JSON list of {{\"gene\": ..., \"summary\": ...}} records, or a TSV/CSV table with columns gene and summary", .path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// `:LINE` (tables), `: record N` (JSON lists), or empty.
        at: String,
        /// What was wrong.
        problem: String,
    },
    /// The file holds no summary.
    #[error("{}: no gene summaries in the file", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

impl Summaries {
    /// Reads a summaries file, names through `symbols`.
    pub fn read(path: &Path, symbols: &GeneSymbols) -> Result<Summaries, SummariesError> {
        let io = |source| SummariesError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut reader = BufReader::new(file);
        let gz = reader.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
        let mut text = String::new();
        let read = if gz {
            flate2::read::MultiGzDecoder::new(reader).read_to_string(&mut text)
        } else {
            reader.read_to_string(&mut text)
        };
        read.map_err(io)?;
        Self::parse(&text, path, symbols)
    }

    /// Parses the text of a summaries file (`path` names it in errors).
    pub fn parse(
        text: &str,
        path: &Path,
        symbols: &GeneSymbols,
    ) -> Result<Summaries, SummariesError> {
        let format = |at: String, problem: String| SummariesError::Format {
            path: path.to_path_buf(),
            at,
            problem,
        };
        let mut out = Summaries::default();
        let mut seen = std::collections::HashSet::new();
        let mut add = |name: &str, summary: &str, out: &mut Summaries| {
            out.report.entries += 1;
            if summary.trim().is_empty() {
                out.report.blank += 1;
                return;
            }
            let gene = symbols.normalise(name, &mut out.report.unmapped);
            if !seen.insert(gene.clone()) {
                out.report.duplicates += 1;
                return;
            }
            out.genes.push(gene);
            out.texts.push(summary.to_string());
        };
        match text.trim_start().chars().next() {
            Some('{' | '[') => {
                let value: serde_json::Value = serde_json::from_str(text)
                    .map_err(|e| format(format!(":{}", e.line()), format!("invalid JSON ({e})")))?;
                match value {
                    serde_json::Value::Object(map) => {
                        for (gene, summary) in &map {
                            let summary = summary.as_str().ok_or_else(|| {
                                format(
                                    String::new(),
                                    format!("the value of `{gene}` is not a string"),
                                )
                            })?;
                            add(gene, summary, &mut out);
                        }
                    }
                    serde_json::Value::Array(records) => {
                        for (i, record) in records.iter().enumerate() {
                            let field = |names: &[&str]| {
                                names
                                    .iter()
                                    .find_map(|n| record.get(n).and_then(|v| v.as_str()))
                            };
                            let (Some(gene), Some(summary)) =
                                (field(&["gene", "symbol"]), field(&["summary"]))
                            else {
                                return Err(format(
                                    format!(": record {}", i + 1),
                                    "no string fields `gene` (or `symbol`) and `summary`".into(),
                                ));
                            };
                            add(gene, summary, &mut out);
                        }
                    }
                    _ => unreachable!("JSON starting with {{ or [ is an object or an array"),
                }
            }
            Some(_) => {
                let first = text.lines().next().unwrap_or("");
                let delimiter = if first.contains('\t') { b'\t' } else { b',' };
                let mut rows = csv::ReaderBuilder::new()
                    .delimiter(delimiter)
                    .flexible(true)
                    .from_reader(text.as_bytes());
                let header = rows
                    .headers()
                    .map_err(|e| format(":1".into(), e.to_string()))?
                    .clone();
                let column = |names: &[&str]| {
                    header
                        .iter()
                        .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
                };
                let (Some(g), Some(s)) = (column(&["gene", "symbol"]), column(&["summary"])) else {
                    return Err(format(
                        ":1".into(),
                        format!("header {:?} names no column gene and summary", first.trim()),
                    ));
                };
                for row in rows.records() {
                    let row = row.map_err(|e| {
                        let line = e.position().map_or(0, |p| p.line());
                        format(format!(":{line}"), e.to_string())
                    })?;
                    let line = row.position().map_or(0, |p| p.line());
                    let (Some(gene), Some(summary)) = (row.get(g), row.get(s)) else {
                        return Err(format(
                            format!(":{line}"),
                            format!("{} fields, expected a gene and a summary", row.len()),
                        ));
                    };
                    add(gene, summary, &mut out);
                }
            }
            None => {}
        }
        if out.genes.is_empty() {
            return Err(SummariesError::Empty {
                path: path.to_path_buf(),
            });
        }
        Ok(out)
    }

    /// Genes with a summary, in file order.
    pub fn genes(&self) -> &[String] {
        &self.genes
    }

    /// The summaries, in the order of [`Summaries::genes`].
    pub fn texts(&self) -> &[String] {
        &self.texts
    }

    /// Number of genes with a summary.
    pub fn len(&self) -> usize {
        self.genes.len()
    }

    /// Whether no gene has a summary (never true for a read file).
    pub fn is_empty(&self) -> bool {
        self.genes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Summaries, SummariesError> {
        Summaries::parse(text, Path::new("s.json"), &GeneSymbols::identity())
    }

    #[test]
    fn reads_every_layout_alike() {
        let layouts = [
            r#"{"GATA1": "erythroid factor", "TAL1": "haematopoietic bHLH"}"#.to_string(),
            r#"[{"gene": "GATA1", "summary": "erythroid factor"},
                {"symbol": "TAL1", "summary": "haematopoietic bHLH"}]"#
                .to_string(),
            "gene\tsummary\nGATA1\terythroid factor\nTAL1\thaematopoietic bHLH\n".to_string(),
            "Gene,Summary\nGATA1,erythroid factor\nTAL1,\"haematopoietic bHLH\"\n".to_string(),
        ];
        for text in &layouts {
            let s = parse(text).unwrap();
            assert_eq!(s.genes(), ["GATA1", "TAL1"], "{text}");
            assert_eq!(s.texts()[1], "haematopoietic bHLH", "{text}");
        }
    }

    #[test]
    fn repeats_and_blanks_are_counted_not_kept() {
        let s = parse("gene\tsummary\nA\tfirst\nA\tsecond\nB\t \nC\tthird\n").unwrap();
        assert_eq!(s.genes(), ["A", "C"]);
        assert_eq!(s.texts()[0], "first");
        assert_eq!(
            s.report,
            SummariesReport {
                entries: 4,
                unmapped: 3,
                duplicates: 1,
                blank: 1
            }
        );
    }

    #[test]
    fn bad_files_say_what_was_expected() {
        let err = parse(r#"{"A": 3}"#).unwrap_err().to_string();
        assert!(
            err.starts_with("s.json: the value of `A` is not a string; expected a JSON object"),
            "{err}"
        );
        let err = parse(r#"[{"gene": "A"}]"#).unwrap_err().to_string();
        assert!(
            err.starts_with("s.json: record 1: no string fields"),
            "{err}"
        );
        let err = parse("{\"A\": \n").unwrap_err().to_string();
        assert!(err.starts_with("s.json:2: invalid JSON"), "{err}");
        let err = parse("name\ttext\nA\tx\n").unwrap_err().to_string();
        assert!(
            err.starts_with("s.json:1: header \"name\\ttext\" names no column"),
            "{err}"
        );
        let err = parse("").unwrap_err().to_string();
        assert_eq!(err, "s.json: no gene summaries in the file");
    }
}

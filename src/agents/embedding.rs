//! [`EmbeddingAgent`]: proposes the genes whose precomputed vectors lie closest, offline.
//!
//! In flows a table of gene vectors (GenePT-style embeddings of gene summaries, or any other):
//! CSV or TSV, gzip or not, a header, then one row per gene, `gene, v1, …, vd`; names go through
//! the gene table. Every row must hold the header's d values, each finite, not all zero. Out come,
//! for a target, the pool genes of highest cosine similarity, confidence = similarity / the
//! target's best (genes of cosine ≤ 0 are never proposed). As for the [`text`](super::text)
//! agent, `regulators` and `similar` get the same answer and `hubs` gets none.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::{Agent, AgentFuture, Answer, Context, Query, Tally};
use crate::data::GeneSymbols;

/// Why a vectors file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VectorsError {
    /// The file could not be opened or read.
    #[error("{}: cannot read gene vectors", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// A row breaks the layout.
    #[error("{}:{line}: {problem}", .path.display())]
    Row {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What was wrong and what was expected.
        problem: String,
    },
}

/// An agent reading gene vectors.
#[derive(Debug)]
pub struct EmbeddingAgent {
    name: String,
    path: PathBuf,
    row_of: HashMap<String, usize>,
    /// Unit-length vectors, one per gene.
    vectors: Vec<Vec<f32>>,
}

impl EmbeddingAgent {
    /// Reads the vectors of `path` (names through `symbols`).
    pub fn read(
        name: &str,
        path: &Path,
        symbols: &GeneSymbols,
    ) -> Result<EmbeddingAgent, VectorsError> {
        let io = |source| VectorsError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut reader = BufReader::new(std::fs::File::open(path).map_err(io)?);
        let gz = reader.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
        let mut text = String::new();
        if gz {
            flate2::read::MultiGzDecoder::new(reader).read_to_string(&mut text)
        } else {
            reader.read_to_string(&mut text)
        }
        .map_err(io)?;
        let row_error = |line: usize, problem: String| VectorsError::Row {
            path: path.to_path_buf(),
            line,
            problem,
        };
        let mut lines = text.lines().enumerate();
        let (_, header) = lines
            .next()
            .ok_or_else(|| row_error(1, "empty file; expected a header gene,v1,…,vd".into()))?;
        let delimiter = if header.contains('\t') { '\t' } else { ',' };
        let dims = header.split(delimiter).count().saturating_sub(1);
        if dims == 0 {
            return Err(row_error(
                1,
                format!("header {header:?} has no vector column; expected gene,v1,…,vd"),
            ));
        }
        let mut agent = EmbeddingAgent {
            name: name.to_string(),
            path: path.to_path_buf(),
            row_of: HashMap::new(),
            vectors: Vec::new(),
        };
        let mut unmapped = 0;
        for (i, line) in lines {
            let line_no = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            let mut fields = line.split(delimiter);
            let gene = fields.next().unwrap_or("").trim();
            let values: Vec<&str> = fields.collect();
            if values.len() != dims {
                return Err(row_error(
                    line_no,
                    format!(
                        "gene {gene} has {} values, expected {dims} (the header's dimensions)",
                        values.len()
                    ),
                ));
            }
            let mut v = Vec::with_capacity(dims);
            for (c, value) in values.iter().enumerate() {
                match value.trim().parse::<f32>() {
                    Ok(x) if x.is_finite() => v.push(x),
                    _ => {
                        return Err(row_error(
                            line_no,
                            format!(
                                "gene {gene}, value {}: expected a finite number, got {value:?}",
                                c + 1
                            ),
                        ));
                    }
                }
            }
            let norm = v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
            if norm == 0.0 {
                return Err(row_error(
                    line_no,
                    format!("gene {gene} has an all-zero vector, which has no direction"),
                ));
            }
            let symbol = symbols.normalise(gene, &mut unmapped);
            if agent.row_of.contains_key(&symbol) {
                continue; // a gene named twice keeps its first vector
            }
            agent.row_of.insert(symbol, agent.vectors.len());
            agent
                .vectors
                .push(v.iter().map(|x| (f64::from(*x) / norm) as f32).collect());
        }
        if agent.vectors.is_empty() {
            return Err(row_error(1, "no gene vectors after the header".into()));
        }
        Ok(agent)
    }

    /// The answer to a query (synchronous; [`Agent::ask`] wraps it).
    pub fn answer(&self, query: Query<'_>, ctx: &Context) -> Answer {
        let Some(target) = query.target() else {
            return Answer::default();
        };
        let Some(&t) = self.row_of.get(target) else {
            return Answer::default();
        };
        let tv = &self.vectors[t];
        let mut best: Vec<(String, f32)> = ctx
            .pool
            .genes()
            .iter()
            .filter(|g| g.as_str() != target)
            .filter_map(|g| {
                let v = &self.vectors[*self.row_of.get(g)?];
                let s: f32 = tv.iter().zip(v).map(|(a, b)| a * b).sum();
                (s > 0.0).then(|| (g.clone(), s))
            })
            .collect();
        best.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        best.truncate(ctx.k);
        Answer::by_similarity(best, "vector cosine")
    }
}

impl Agent for EmbeddingAgent {
    fn name(&self) -> &str {
        &self.name
    }
    fn endpoint(&self) -> String {
        format!("vectors:{}", self.path.display())
    }
    fn ask<'a>(&'a self, query: Query<'a>, ctx: &'a Context, _tally: &'a Tally) -> AgentFuture<'a> {
        Box::pin(std::future::ready(Ok(self.answer(query, ctx))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::Pool;

    fn read(text: &str) -> Result<EmbeddingAgent, VectorsError> {
        let dir = std::env::temp_dir().join(format!("mechpert-vectors-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("v{}.tsv", crate::agents::stable_hash(text)));
        std::fs::write(&path, text).unwrap();
        let out = EmbeddingAgent::read("e", &path, &GeneSymbols::identity());
        std::fs::remove_file(&path).unwrap();
        out
    }

    #[test]
    fn cosine_by_hand() {
        // A = (1, 0), B = (3, 4) → cos 0.6, C = (0, 2) → cos 0, D = (-1, 0) → cos −1.
        let a = read("gene\tv1\tv2\nA\t1\t0\nB\t3\t4\nC\t0\t2\nD\t-1\t0\n").unwrap();
        let ctx = Context {
            cell: String::new(),
            pool: Pool::new(["A", "B", "C", "D"].map(String::from)),
            k: 5,
        };
        let ans = a.answer(Query::Similar("A"), &ctx);
        assert_eq!(ans.proposals.len(), 1);
        assert_eq!(ans.proposals[0].gene, "B");
        assert_eq!(ans.proposals[0].confidence, 1.0);
        assert_eq!(ans.proposals[0].rationale, "vector cosine 0.600");
        assert!(a.answer(Query::Hubs, &ctx).proposals.is_empty());
    }

    #[test]
    fn bad_rows_name_line_gene_and_expectation() {
        let msg = |t: &str| read(t).unwrap_err().to_string();
        assert!(
            msg("gene,v1,v2\nA,1,0\nB,1\n")
                .ends_with(":3: gene B has 1 values, expected 2 (the header's dimensions)")
        );
        assert!(
            msg("gene,v1,v2\nA,1,NaN\n")
                .ends_with(":2: gene A, value 2: expected a finite number, got \"NaN\"")
        );
        assert!(
            msg("gene,v1\nA,0\n")
                .ends_with(":2: gene A has an all-zero vector, which has no direction")
        );
        assert!(msg("gene\nA\n").contains(":1: header \"gene\" has no vector column"));
    }
}

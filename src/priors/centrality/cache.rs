//! Centrality scores kept on disk, so shards of one run (and later runs) rank a graph once.
//!
//! In flow a [`Graph`], a [`Measure`] and a cache folder; out come the measure's scores, read
//! from `<folder>/<key>.f64` when an earlier run stored them, computed and stored otherwise. The
//! key is the SHA-256 of the graph's content (direction, node names in order, every edge with
//! its weight and sign) and the measure with its parameters, so a changed graph or setting
//! never reads stale scores. Scores are stored as little-endian `f64` bits: exact, so a cached
//! ranking is the computed one byte for byte.
//!
//! ```
//! use mechpert::priors::Graph;
//! use mechpert::priors::centrality::{Measure, cache::ScoreCache};
//! let mut b = Graph::builder(true);
//! b.add_edge("GATA1", "KLF1", 1.0, 1);
//! let g = b.build();
//! let dir = std::env::temp_dir().join(format!("mechpert-doc-cache-{}", std::process::id()));
//! let cache = ScoreCache::new(&dir);
//! let (first, hit) = cache.scores(&g, &Measure::Betweenness).unwrap();
//! assert!(!hit);
//! let (again, hit) = cache.scores(&g, &Measure::Betweenness).unwrap();
//! assert!(hit);
//! assert_eq!(first, again);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{CentralityError, Measure};
use crate::data::io::writer::write_atomically;
use crate::priors::Graph;

/// A folder of cached centrality scores.
#[derive(Debug, Clone)]
pub struct ScoreCache {
    dir: PathBuf,
}

/// Why cached scores could not be read, computed or stored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreCacheError {
    /// Reading or writing the cache file failed.
    #[error("{}: centrality cache", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: io::Error,
    },
    /// Computing the scores failed.
    #[error(transparent)]
    Centrality(#[from] CentralityError),
}

impl ScoreCache {
    /// A cache in `dir` (created on the first store).
    pub fn new(dir: &Path) -> ScoreCache {
        ScoreCache {
            dir: dir.to_path_buf(),
        }
    }

    /// The file key of `measure` on `graph`: SHA-256 (hex) of the graph's content and the
    /// measure with its parameters.
    pub fn key(graph: &Graph, measure: &Measure) -> String {
        let mut h = Sha256::new();
        h.update(format!("{measure:?}\0").as_bytes());
        h.update([u8::from(graph.is_directed())]);
        h.update((graph.node_count() as u64).to_le_bytes());
        for name in graph.names() {
            h.update(name.as_bytes());
            h.update([0u8]);
        }
        for e in graph.edges() {
            h.update(e.source.to_le_bytes());
            h.update(e.target.to_le_bytes());
            h.update(e.weight.to_bits().to_le_bytes());
            h.update(e.sign.to_le_bytes());
        }
        format!("{:x}", h.finalize())
    }

    /// The scores of `measure` on `graph`, and whether they came from the cache. A cached file
    /// of the wrong length (truncated by hand) is recomputed and replaced.
    pub fn scores(
        &self,
        graph: &Graph,
        measure: &Measure,
    ) -> Result<(Vec<f64>, bool), ScoreCacheError> {
        let path = self.dir.join(format!("{}.f64", Self::key(graph, measure)));
        let io_err = |source| ScoreCacheError::Io {
            path: path.clone(),
            source,
        };
        match std::fs::read(&path) {
            Ok(bytes) if bytes.len() == 8 * graph.node_count() => {
                let scores = bytes
                    .chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                    .collect();
                return Ok((scores, true));
            }
            Ok(_) => {
                tracing::warn!(path = %path.display(), "centrality cache file has the wrong length; recomputing")
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(e)),
        }
        let scores = measure.scores(graph)?;
        std::fs::create_dir_all(&self.dir).map_err(|source| ScoreCacheError::Io {
            path: self.dir.clone(),
            source,
        })?;
        write_atomically(&path, |f| {
            for s in &scores {
                f.write_all(&s.to_le_bytes())?;
            }
            Ok(())
        })
        .map_err(io_err)?;
        Ok((scores, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(weight: f32) -> Graph {
        let mut b = Graph::builder(true);
        b.add_edge("A", "B", weight, 1);
        b.add_edge("B", "C", 1.0, -1);
        b.add_edge("A", "C", 1.0, 0);
        b.build()
    }

    #[test]
    fn keys_change_with_graph_and_measure_and_cached_scores_are_exact() {
        let m = Measure::PageRank(Default::default());
        assert_eq!(
            ScoreCache::key(&graph(0.5), &m),
            ScoreCache::key(&graph(0.5), &m)
        );
        assert_ne!(
            ScoreCache::key(&graph(0.5), &m),
            ScoreCache::key(&graph(0.6), &m)
        );
        assert_ne!(
            ScoreCache::key(&graph(0.5), &m),
            ScoreCache::key(&graph(0.5), &Measure::Betweenness)
        );
        let dir = tempfile::tempdir().unwrap();
        let cache = ScoreCache::new(&dir.path().join("c"));
        let g = graph(0.5);
        let direct = m.scores(&g).unwrap();
        let (stored, hit) = cache.scores(&g, &m).unwrap();
        assert!(!hit);
        assert_eq!(stored, direct);
        let (read, hit) = cache.scores(&g, &m).unwrap();
        assert!(hit);
        assert_eq!(
            read.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            direct.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        // A damaged file is recomputed, not trusted.
        let file = dir
            .path()
            .join("c")
            .join(format!("{}.f64", ScoreCache::key(&g, &m)));
        std::fs::write(&file, [0u8; 5]).unwrap();
        assert_eq!(cache.scores(&g, &m).unwrap(), (direct, false));
        // An unreadable cache is an error naming the file.
        let blocked = ScoreCache::new(&file);
        let err = blocked.scores(&g, &m).unwrap_err();
        assert!(err.to_string().contains("centrality cache"), "{err}");
    }
}

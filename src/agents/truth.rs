//! [`NoisyTruthAgent`]: the stand-in for LLM knowledge in simulated studies.
//!
//! In flows the true network of a simulation (the simulator's truth TSV, header
//! `regulator<TAB>target<TAB>weight`) and noise parameters; out come answers that see the truth
//! imperfectly:
//! - **recall**: each true regulator of the target that is in the pool is proposed with
//!   probability `recall`;
//! - **false positives**: each other pool gene is proposed with probability `fpr` (drawn as a
//!   binomial count, then that many distinct genes uniformly from the pool);
//! - **calibration**: a true regulator's confidence is drawn from Beta(a, b), a false one's from
//!   Beta(b, a), so with a > b true edges tend to be more confident (`beta = [a, b]`, default
//!   [4, 2]; a = b makes confidence uninformative).
//!
//! Draws are seeded per (agent seed, target), so answers do not depend on query order or thread
//! count, and instance i of a configured agent uses seed = base seed + i, so instances err
//! independently. `similar` treats targets of the gene as neighbours too; `hubs` proposes pool
//! genes with true out-degree into the pool with probability `recall`, confidence Beta(a, b) ×
//! degree / largest degree, plus false positives as above. Answers keep at most `k` genes.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_distr::{Beta, Binomial, Distribution};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{Agent, AgentFuture, Answer, Context, Proposal, Query, Tally, stable_hash};
use crate::data::GeneSymbols;
use crate::priors::Graph;

/// Noise settings of the noisy-truth agent (before checking).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruthParams {
    /// Probability of proposing each true regulator, in [0, 1].
    pub recall: f64,
    /// Probability of proposing each non-regulator of the pool, in [0, 1].
    pub fpr: f64,
    /// Beta(a, b) for true edges' confidence (false edges: Beta(b, a)); a, b > 0.
    pub beta: [f64; 2],
    /// Seed of this instance.
    pub seed: u64,
}

/// A noise setting out of range.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("invalid {field} = {value}: expected {expected}")]
pub struct TruthParamError {
    /// The setting.
    pub field: &'static str,
    /// Its value.
    pub value: f64,
    /// What is accepted.
    pub expected: &'static str,
}

/// A problem reading a truth TSV.
#[derive(Debug, thiserror::Error)]
pub enum TruthReadError {
    /// The file could not be read.
    #[error("{}: cannot read truth network", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// The header is not `regulator, target, weight`.
    #[error("{}:1: expected the header `regulator<TAB>target<TAB>weight`, got {got:?}", .path.display())]
    Header {
        /// The file.
        path: PathBuf,
        /// The first line.
        got: String,
    },
    /// A row is malformed.
    #[error("{}:{line}: expected `regulator<TAB>target<TAB>weight` with a finite weight, got {got:?}", .path.display())]
    Row {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The line.
        got: String,
    },
}

/// Reads a truth TSV into a directed graph (weight = |weight|, sign = sign of weight); names
/// pass through the symbol table like the screen's.
pub fn read_truth(path: &Path, symbols: &GeneSymbols) -> Result<Graph, TruthReadError> {
    let read_err = |source| TruthReadError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let reader: Box<dyn std::io::Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::GzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut b = Graph::builder(true);
    let mut unmapped = 0;
    for (i, line) in std::io::BufReader::new(reader).lines().enumerate() {
        let line = line.map_err(read_err)?;
        let cols: Vec<&str> = line.split('\t').collect();
        if i == 0 {
            if cols.get(..3) != Some(&["regulator", "target", "weight"][..]) {
                return Err(TruthReadError::Header {
                    path: path.to_path_buf(),
                    got: line,
                });
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let weight = cols.get(2).and_then(|w| w.trim().parse::<f32>().ok());
        let (Some(w), [reg, tgt, ..]) = (weight.filter(|w| w.is_finite()), cols.as_slice()) else {
            return Err(TruthReadError::Row {
                path: path.to_path_buf(),
                line: i + 1,
                got: line,
            });
        };
        let reg = symbols.normalise(reg, &mut unmapped);
        let tgt = symbols.normalise(tgt, &mut unmapped);
        let sign = if w > 0.0 {
            1
        } else if w < 0.0 {
            -1
        } else {
            0
        };
        b.add_edge(&reg, &tgt, w.abs(), sign);
    }
    Ok(b.build())
}

impl TruthParams {
    /// Checks the ranges.
    pub fn check(self) -> Result<TruthParams, TruthParamError> {
        let unit = |field, value: f64| {
            if (0.0..=1.0).contains(&value) {
                Ok(())
            } else {
                Err(TruthParamError {
                    field,
                    value,
                    expected: "a probability in [0, 1]",
                })
            }
        };
        unit("recall", self.recall)?;
        unit("fpr", self.fpr)?;
        for v in self.beta {
            if !(v.is_finite() && v > 0.0) {
                return Err(TruthParamError {
                    field: "beta",
                    value: v,
                    expected: "two positive numbers [a, b]",
                });
            }
        }
        Ok(self)
    }
}

/// An agent that sees the true network through noise.
#[derive(Debug, Clone)]
pub struct NoisyTruthAgent {
    name: String,
    truth: Arc<Graph>,
    params: TruthParams,
}

impl NoisyTruthAgent {
    /// An agent over `truth` with checked `params`.
    pub fn new(name: &str, truth: Arc<Graph>, params: TruthParams) -> NoisyTruthAgent {
        NoisyTruthAgent {
            name: name.to_string(),
            truth,
            params,
        }
    }

    /// The answer to a query (synchronous; [`Agent::ask`] wraps it).
    pub fn answer(&self, query: Query<'_>, ctx: &Context) -> Answer {
        let g = &*self.truth;
        let [a, b] = self.params.beta;
        let true_conf = Beta::new(a, b).expect("checked beta");
        let false_conf = Beta::new(b, a).expect("checked beta");
        let subject = query.target().unwrap_or("\u{0}hubs");
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(
            self.params.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ stable_hash(subject),
        );
        // True neighbours in the pool with a scale for the confidence.
        let mut truth: Vec<(u32, f64)> = Vec::new();
        match query {
            Query::Regulators(t) | Query::Similar(t) => {
                if let Some(node) = g.node(t) {
                    truth.extend(g.in_neighbours(node).map(|(n, _)| (n, 1.0)));
                    if matches!(query, Query::Similar(_)) {
                        truth.extend(g.out_neighbours(node).map(|(n, _)| (n, 1.0)));
                    }
                }
            }
            Query::Hubs => {
                let degrees: Vec<(u32, usize)> = ctx
                    .pool
                    .genes()
                    .iter()
                    .filter_map(|gene| g.node(gene))
                    .map(|n| {
                        let d = g
                            .out_neighbours(n)
                            .filter(|(m, _)| ctx.pool.contains(g.name(*m)))
                            .count();
                        (n, d)
                    })
                    .filter(|(_, d)| *d > 0)
                    .collect();
                let max = degrees.iter().map(|(_, d)| *d).max().unwrap_or(1) as f64;
                truth.extend(degrees.into_iter().map(|(n, d)| (n, d as f64 / max)));
            }
        }
        let mut seen: HashSet<&str> = HashSet::new();
        if let Some(t) = query.target() {
            seen.insert(t);
        }
        let mut proposals = Vec::new();
        for (node, scale) in truth {
            let gene = g.name(node);
            if !ctx.pool.contains(gene) || !seen.insert(gene) {
                continue;
            }
            if rng.random_bool(self.params.recall) {
                proposals.push(Proposal {
                    gene: gene.to_string(),
                    confidence: (true_conf.sample(&mut rng) * scale) as f32,
                    rationale: "true edge".into(),
                });
            }
        }
        let others: Vec<&String> = ctx
            .pool
            .genes()
            .iter()
            .filter(|gene| !seen.contains(gene.as_str()))
            .collect();
        let n_false = Binomial::new(others.len() as u64, self.params.fpr)
            .expect("checked fpr")
            .sample(&mut rng) as usize;
        let mut picks = rand::seq::index::sample(&mut rng, others.len(), n_false).into_vec();
        picks.sort_unstable();
        for i in picks {
            proposals.push(Proposal {
                gene: others[i].clone(),
                confidence: false_conf.sample(&mut rng) as f32,
                rationale: "false positive".into(),
            });
        }
        proposals.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then_with(|| a.gene.cmp(&b.gene))
        });
        proposals.truncate(ctx.k);
        Answer {
            proposals,
            dropped: Default::default(),
        }
    }
}

impl Agent for NoisyTruthAgent {
    fn name(&self) -> &str {
        &self.name
    }
    fn endpoint(&self) -> String {
        format!("truth:{}", self.name)
    }
    fn ask<'a>(&'a self, query: Query<'a>, ctx: &'a Context, _tally: &'a Tally) -> AgentFuture<'a> {
        let answer = self.answer(query, ctx);
        Box::pin(std::future::ready(Ok(answer)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::Pool;

    fn star(n_regs: usize, n_pool: usize) -> (Arc<Graph>, Context) {
        let mut b = Graph::builder(true);
        for i in 0..n_regs {
            b.add_edge(&format!("R{i}"), "T", 1.0, 1);
        }
        let pool = (0..n_regs)
            .map(|i| format!("R{i}"))
            .chain((0..n_pool).map(|i| format!("X{i}")))
            .chain(["T".to_string()]);
        let ctx = Context {
            cell: String::new(),
            pool: Pool::new(pool),
            k: usize::MAX,
        };
        (Arc::new(b.build()), ctx)
    }

    fn params(recall: f64, fpr: f64, seed: u64) -> TruthParams {
        TruthParams {
            recall,
            fpr,
            beta: [4.0, 2.0],
            seed,
        }
        .check()
        .unwrap()
    }

    #[test]
    fn perfect_recall_without_noise_returns_the_truth() {
        let (g, ctx) = star(5, 50);
        let a = NoisyTruthAgent::new("t", g, params(1.0, 0.0, 1));
        let mut got: Vec<String> = a
            .answer(Query::Regulators("T"), &ctx)
            .proposals
            .into_iter()
            .map(|p| p.gene)
            .collect();
        got.sort();
        assert_eq!(got, ["R0", "R1", "R2", "R3", "R4"]);
    }

    #[test]
    fn recall_fpr_and_calibration_match_their_settings_on_average() {
        let (g, ctx) = star(200, 2000);
        let a = NoisyTruthAgent::new("t", g, params(0.3, 0.01, 7));
        let ans = a.answer(Query::Regulators("T"), &ctx);
        let true_hits: Vec<f32> = ans
            .proposals
            .iter()
            .filter(|p| p.gene.starts_with('R'))
            .map(|p| p.confidence)
            .collect();
        let false_hits: Vec<f32> = ans
            .proposals
            .iter()
            .filter(|p| p.gene.starts_with('X'))
            .map(|p| p.confidence)
            .collect();
        // Expected 60 ± 6.5 (sd) true and 20 ± 4.5 false proposals.
        assert!((40..=80).contains(&true_hits.len()), "{}", true_hits.len());
        assert!((7..=35).contains(&false_hits.len()), "{}", false_hits.len());
        // Beta(4, 2) has mean 2/3, Beta(2, 4) mean 1/3.
        let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
        assert!((mean(&true_hits) - 2.0 / 3.0).abs() < 0.08);
        assert!((mean(&false_hits) - 1.0 / 3.0).abs() < 0.12);
    }

    #[test]
    fn seeds_make_instances_reproducible_and_independent() {
        let (g, ctx) = star(50, 500);
        let a = NoisyTruthAgent::new("a", g.clone(), params(0.5, 0.02, 3));
        let again = NoisyTruthAgent::new("a", g.clone(), params(0.5, 0.02, 3));
        let b = NoisyTruthAgent::new("b", g, params(0.5, 0.02, 4));
        let q = Query::Regulators("T");
        assert_eq!(a.answer(q, &ctx), again.answer(q, &ctx));
        assert_ne!(a.answer(q, &ctx), b.answer(q, &ctx));
    }

    #[test]
    fn bad_params_name_the_field() {
        let e = TruthParams {
            recall: 1.5,
            fpr: 0.0,
            beta: [1.0, 1.0],
            seed: 0,
        }
        .check()
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid recall = 1.5: expected a probability in [0, 1]"
        );
        let e = TruthParams {
            recall: 0.5,
            fpr: 0.0,
            beta: [0.0, 1.0],
            seed: 0,
        }
        .check()
        .unwrap_err();
        assert_eq!(e.field, "beta");
    }

    #[test]
    fn truth_tsv_reads_and_its_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("truth.tsv");
        std::fs::write(&p, "regulator\ttarget\tweight\nG1\tG2\t-0.5\nG3\tG2\t1\n").unwrap();
        let g = read_truth(&p, &GeneSymbols::identity()).unwrap();
        assert_eq!(g.edge_count(), 2);
        assert_eq!(g.edges()[0].sign, -1);
        assert_eq!(g.edges()[0].weight, 0.5);
        std::fs::write(&p, "a\tb\tc\n").unwrap();
        let e = read_truth(&p, &GeneSymbols::identity()).unwrap_err();
        assert!(
            e.to_string().contains("truth.tsv:1: expected the header"),
            "{e}"
        );
        std::fs::write(&p, "regulator\ttarget\tweight\nG1\tG2\tx\n").unwrap();
        let e = read_truth(&p, &GeneSymbols::identity()).unwrap_err();
        assert!(e.to_string().contains("truth.tsv:2: expected"), "{e}");
        let e = read_truth(&dir.path().join("none.tsv"), &GeneSymbols::identity()).unwrap_err();
        assert!(
            e.to_string()
                .contains("none.tsv: cannot read truth network"),
            "{e}"
        );
    }
}

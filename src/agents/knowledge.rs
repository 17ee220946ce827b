//! [`KnowledgeAgent`]: answers from a prior-knowledge [`Graph`], with no network.
//!
//! In flows a graph (directed regulator → target with confidence weights, e.g. CollecTRI,
//! DoRothEA, TRRUST, OmniPath; or undirected similarity, e.g. STRING, GO, Reactome) and a query;
//! out come the pool genes adjacent to the target:
//! - `regulators(g)`: in-neighbours of g in a directed graph; in an undirected graph all
//!   neighbours (the graph cannot tell direction, so "regulators" there means associated genes);
//! - `similar(g)`: neighbours in either direction;
//! - `hubs`: pool genes by out-degree into the pool (degree when undirected), confidence =
//!   degree / the largest degree.
//!
//! Confidence is the edge weight clamped to [0, 1] (a gene reached by several edges keeps the
//! largest). Answers hold at most `k` genes, strongest first, ties by name.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Agent, AgentFuture, Answer, Context, Dropped, Proposal, Query, Tally};
use crate::priors::Graph;

/// An agent reading a prior-knowledge graph.
#[derive(Debug, Clone)]
pub struct KnowledgeAgent {
    name: String,
    source: String,
    graph: Arc<Graph>,
}

impl KnowledgeAgent {
    /// An agent named `name` over `graph`; `source` (e.g. the graph spec) appears in failure logs.
    pub fn new(name: &str, source: &str, graph: Arc<Graph>) -> KnowledgeAgent {
        KnowledgeAgent {
            name: name.to_string(),
            source: source.to_string(),
            graph,
        }
    }

    /// The answer to a query (synchronous; [`Agent::ask`] wraps it).
    pub fn answer(&self, query: Query<'_>, ctx: &Context) -> Answer {
        let g = &*self.graph;
        let mut best: HashMap<u32, f32> = HashMap::new();
        let mut dropped = Dropped::default();
        let mut offer = |node: u32, w: f32| {
            let c = if w.is_finite() {
                w.clamp(0.0, 1.0)
            } else {
                0.0
            };
            let e = best.entry(node).or_insert(c);
            *e = e.max(c);
        };
        let target = query.target();
        match query {
            Query::Regulators(t) | Query::Similar(t) => {
                if let Some(node) = g.node(t) {
                    for (n, w) in g.in_neighbours(node) {
                        offer(n, w);
                    }
                    if matches!(query, Query::Similar(_)) && g.is_directed() {
                        for (n, w) in g.out_neighbours(node) {
                            offer(n, w);
                        }
                    }
                }
            }
            Query::Hubs => {
                let degrees = super::pool_out_degrees(g, &ctx.pool);
                let max = degrees.iter().map(|(_, d)| *d).max().unwrap_or(0).max(1);
                for (n, d) in degrees {
                    if d > 0 {
                        offer(n, d as f32 / max as f32);
                    }
                }
            }
        }
        let mut proposals: Vec<Proposal> = Vec::new();
        for (node, confidence) in best {
            let gene = g.name(node);
            if Some(gene) == target {
                dropped.target += 1;
            } else if !ctx.pool.contains(gene) {
                dropped.out_of_pool += 1;
            } else {
                proposals.push(Proposal {
                    gene: gene.to_string(),
                    confidence,
                    rationale: String::new(),
                });
            }
        }
        super::keep_best(&mut proposals, ctx.k);
        Answer { proposals, dropped }
    }
}

impl Agent for KnowledgeAgent {
    fn name(&self) -> &str {
        &self.name
    }
    fn endpoint(&self) -> String {
        format!("knowledge:{}", self.source)
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

    fn ctx(genes: &[&str], k: usize) -> Context {
        Context {
            cell: String::new(),
            pool: Pool::new(genes.iter().map(|g| g.to_string())),
            k,
        }
    }

    fn genes(a: &Answer) -> Vec<(&str, f32)> {
        a.proposals
            .iter()
            .map(|p| (p.gene.as_str(), p.confidence))
            .collect()
    }

    fn directed() -> KnowledgeAgent {
        let mut b = Graph::builder(true);
        b.add_edge("GATA1", "KLF1", 0.9, 1);
        b.add_edge("TAL1", "KLF1", 0.4, 1);
        b.add_edge("TAL1", "KLF1", 0.6, 1);
        b.add_edge("MYB", "KLF1", 2.0, 1);
        b.add_edge("SPI1", "KLF1", 0.8, -1);
        b.add_edge("KLF1", "HBB", 0.7, 1);
        b.add_edge("GATA1", "TAL1", 0.5, 1);
        KnowledgeAgent::new("collectri", "collectri", Arc::new(b.build()))
    }

    #[test]
    fn directed_regulators_are_in_neighbours_in_the_pool() {
        let a = directed();
        let c = ctx(&["GATA1", "TAL1", "MYB", "KLF1", "HBB"], 10);
        let ans = a.answer(Query::Regulators("KLF1"), &c);
        // MYB's weight 2.0 is clamped; TAL1 keeps its larger edge; SPI1 is outside the pool;
        // HBB is downstream, not a regulator.
        assert_eq!(genes(&ans), [("MYB", 1.0), ("GATA1", 0.9), ("TAL1", 0.6)]);
        assert_eq!(ans.dropped.out_of_pool, 1);
        let ans = a.answer(Query::Similar("KLF1"), &c);
        assert!(genes(&ans).contains(&("HBB", 0.7)));
        let ans = a.answer(
            Query::Regulators("KLF1"),
            &ctx(&["GATA1", "TAL1", "MYB"], 2),
        );
        assert_eq!(ans.proposals.len(), 2);
        assert!(a.answer(Query::Regulators("NOPE"), &c).proposals.is_empty());
    }

    #[test]
    fn undirected_regulators_are_all_neighbours() {
        let mut b = Graph::builder(false);
        b.add_edge("A", "B", 0.5, 0);
        b.add_edge("C", "A", 0.25, 0);
        let a = KnowledgeAgent::new("string", "string", Arc::new(b.build()));
        let ans = a.answer(Query::Regulators("A"), &ctx(&["A", "B", "C"], 5));
        assert_eq!(genes(&ans), [("B", 0.5), ("C", 0.25)]);
    }

    #[test]
    fn hubs_rank_by_out_degree_into_the_pool() {
        let a = directed();
        let ans = a.answer(
            Query::Hubs,
            &ctx(&["GATA1", "TAL1", "KLF1", "HBB", "MYB"], 5),
        );
        // GATA1 → KLF1, TAL1 (2); TAL1 → KLF1 twice (2 edges); KLF1 → HBB (1); MYB → KLF1 (1).
        assert_eq!(
            genes(&ans),
            [("GATA1", 1.0), ("TAL1", 1.0), ("KLF1", 0.5), ("MYB", 0.5)]
        );
    }
}

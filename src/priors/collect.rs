//! [`Collector`]: turns resource rows into a [`Graph`] over official symbols, with the
//! bookkeeping every loader shares.
//!
//! In flow rows (`regulators → targets, weight, sign`); out comes a [`Loaded`] graph and its
//! [`LoadReport`]. Shared handling, documented once here:
//! - names resolve through [`GeneSymbols`]; a name the table does not know is kept as written
//!   (counted in the notes);
//! - `COMPLEX:A_B_C` expands to its members: a row with a complex regulator becomes one edge per
//!   member (members resolved one by one);
//! - self-loops are dropped (reason `self-loop`);
//! - duplicate edges (the same ordered pair when directed, the same unordered pair when
//!   undirected) are merged: the largest weight wins, and the sign is kept when both agree,
//!   otherwise set to 0 (unknown). A row whose every edge was merged counts as dropped
//!   (reason `duplicate edge (merged, max weight)`).

use std::collections::{BTreeMap, HashMap};

use super::graph::{Edge, Graph};
use super::{LoadReport, Loaded, PriorsError};
use crate::data::{GeneSymbols, Resolution};

/// Reason text for self-loops.
pub(crate) const SELF_LOOP: &str = "self-loop";
/// Reason text for rows with an empty regulator or target name.
pub(crate) const EMPTY_NAME: &str = "empty gene name";
/// Reason text for rows whose edges all existed already.
pub(crate) const DUPLICATE: &str = "duplicate edge (merged, max weight)";

/// Accumulates edges over resolved symbols.
pub(crate) struct Collector<'s> {
    symbols: &'s GeneSymbols,
    directed: bool,
    names: Vec<String>,
    index: HashMap<String, u32>,
    resolved: HashMap<String, Vec<u32>>,
    edges: Vec<Edge>,
    seen: HashMap<(u32, u32), usize>,
    rows_read: usize,
    dropped: BTreeMap<String, usize>,
    notes: BTreeMap<String, usize>,
}

impl<'s> Collector<'s> {
    /// A collector for a directed (regulator → target) or undirected graph.
    pub(crate) fn new(symbols: &'s GeneSymbols, directed: bool) -> Collector<'s> {
        Collector {
            symbols,
            directed,
            names: Vec::new(),
            index: HashMap::new(),
            resolved: HashMap::new(),
            edges: Vec::new(),
            seen: HashMap::new(),
            rows_read: 0,
            dropped: BTreeMap::new(),
            notes: BTreeMap::new(),
        }
    }

    fn intern(&mut self, symbol: &str) -> u32 {
        if let Some(&i) = self.index.get(symbol) {
            return i;
        }
        let i = u32::try_from(self.names.len()).expect("fewer than 2^32 nodes");
        self.names.push(symbol.to_string());
        self.index.insert(symbol.to_string(), i);
        i
    }

    /// The node of a name taken as written (no alias resolution, no complex expansion).
    pub(crate) fn raw_node(&mut self, name: &str) -> u32 {
        self.intern(name)
    }

    /// Node ids for a name: one for a gene, one per member for `COMPLEX:A_B`.
    pub(crate) fn nodes(&mut self, name: &str) -> Vec<u32> {
        if let Some(ids) = self.resolved.get(name) {
            return ids.clone();
        }
        let members: Vec<&str> = match name.strip_prefix("COMPLEX:") {
            Some(rest) => {
                *self
                    .notes
                    .entry("complex names expanded".into())
                    .or_default() += 1;
                rest.split('_').collect()
            }
            None => vec![name],
        };
        let members: Vec<&str> = members
            .into_iter()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .collect();
        let mut ids = Vec::with_capacity(members.len());
        for m in members {
            let (symbol, how) = self.symbols.resolve(m);
            let note = match how {
                Resolution::Official => None,
                Resolution::Alias | Resolution::Ensembl => {
                    Some("names resolved to official symbols")
                }
                Resolution::Unmapped => Some("names not in the gene table (kept as written)"),
            };
            if let Some(note) = note {
                *self.notes.entry(note.into()).or_default() += 1;
            }
            let symbol = symbol.to_string();
            let id = self.intern(&symbol);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        self.resolved.insert(name.to_string(), ids.clone());
        ids
    }

    /// Counts one data row read.
    pub(crate) fn read_row(&mut self) {
        self.rows_read += 1;
    }

    /// Counts `n` data rows read at once.
    pub(crate) fn read_rows(&mut self, n: usize) {
        self.rows_read += n;
    }

    /// Records one dropped row and why.
    pub(crate) fn drop_row(&mut self, reason: &str) {
        self.drop_rows(reason, 1);
    }

    /// Records `n` dropped rows and why.
    pub(crate) fn drop_rows(&mut self, reason: &str, n: usize) {
        if n > 0 {
            *self.dropped.entry(reason.to_string()).or_default() += n;
        }
    }

    /// Adds a note (not a drop) to the report.
    pub(crate) fn note(&mut self, what: &str, n: usize) {
        if n > 0 {
            *self.notes.entry(what.to_string()).or_default() += n;
        }
    }

    /// Adds the edges of one row (every source × every target); returns whether any edge was new.
    /// When none was, the row is counted as dropped (self-loop or duplicate).
    pub(crate) fn add_row(&mut self, sources: &str, targets: &str, weight: f32, sign: i8) -> bool {
        let s = self.nodes(sources);
        let t = self.nodes(targets);
        self.add_ids(&s, &t, weight, sign)
    }

    /// Like [`Collector::add_row`] with node ids from [`Collector::nodes`].
    pub(crate) fn add_ids(
        &mut self,
        sources: &[u32],
        targets: &[u32],
        weight: f32,
        sign: i8,
    ) -> bool {
        let mut added = false;
        let mut self_loop = false;
        for &a in sources {
            for &b in targets {
                if a == b {
                    self_loop = true;
                    continue;
                }
                added |= self.add_edge(a, b, weight, sign);
            }
        }
        if !added {
            let reason = if sources.is_empty() || targets.is_empty() {
                EMPTY_NAME
            } else if !self_loop || self.edge_exists(sources, targets) {
                DUPLICATE
            } else {
                SELF_LOOP
            };
            self.drop_row(reason);
        }
        added
    }

    fn key(&self, a: u32, b: u32) -> (u32, u32) {
        if self.directed || a < b {
            (a, b)
        } else {
            (b, a)
        }
    }

    fn edge_exists(&self, sources: &[u32], targets: &[u32]) -> bool {
        sources.iter().any(|&a| {
            targets
                .iter()
                .any(|&b| a != b && self.seen.contains_key(&self.key(a, b)))
        })
    }

    fn add_edge(&mut self, a: u32, b: u32, weight: f32, sign: i8) -> bool {
        let key = self.key(a, b);
        match self.seen.get(&key) {
            Some(&i) => {
                let e = &mut self.edges[i];
                e.weight = e.weight.max(weight);
                if e.sign != sign && e.sign != 0 {
                    e.sign = 0;
                    *self
                        .notes
                        .entry("duplicate edges with conflicting signs (sign set to 0)".into())
                        .or_default() += 1;
                }
                false
            }
            None => {
                self.seen.insert(key, self.edges.len());
                self.edges.push(Edge {
                    source: a,
                    target: b,
                    weight,
                    sign,
                });
                true
            }
        }
    }

    /// Freezes the graph; an empty graph is an error naming `file`.
    pub(crate) fn finish(self, file: &str) -> Result<Loaded, PriorsError> {
        let rows_dropped = self.dropped.values().sum();
        let report = LoadReport {
            rows_read: self.rows_read,
            rows_dropped,
            reasons: self.dropped.into_iter().collect(),
            notes: self.notes.into_iter().collect(),
        };
        if self.edges.is_empty() {
            return Err(PriorsError::NoEdges {
                file: file.to_string(),
                rows_read: report.rows_read,
                reasons: report.reasons_text(),
            });
        }
        let mut b = Graph::builder(self.directed);
        for name in &self.names {
            b.node(name);
        }
        for e in &self.edges {
            b.add_edge_ids(e.source, e.target, e.weight, e.sign);
        }
        Ok(Loaded {
            graph: b.build(),
            report,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complexes_expand_and_loops_and_duplicates_are_counted() {
        let symbols = GeneSymbols::identity();
        let mut c = Collector::new(&symbols, true);
        for _ in 0..5 {
            c.read_row();
        }
        assert!(c.add_row("COMPLEX:JUN_FOS", "MYC", 0.5, 1));
        assert!(!c.add_row("MYC", "MYC", 0.9, 1));
        assert!(!c.add_row("JUN", "MYC", 0.8, -1));
        // FOS→FOS is a loop, FOS→MYC exists: the row adds nothing and counts as a duplicate.
        assert!(!c.add_row("FOS", "COMPLEX:FOS_MYC", 0.1, 1));
        assert!(c.add_row("MYC", "JUN", 0.3, 0));
        let loaded = c.finish("t").unwrap();
        let g = &loaded.graph;
        assert_eq!(g.edge_count(), 3);
        let jun_myc = g.edges()[0];
        assert_eq!(g.name(jun_myc.source), "JUN");
        assert_eq!((jun_myc.weight, jun_myc.sign), (0.8, 0));
        assert_eq!(loaded.report.rows_read, 5);
        assert_eq!(loaded.report.rows_dropped, 3);
        assert_eq!(
            loaded.report.reasons,
            vec![(DUPLICATE.to_string(), 2), (SELF_LOOP.to_string(), 1)]
        );
    }

    #[test]
    fn undirected_duplicates_ignore_order_and_aliases_resolve() {
        let symbols = GeneSymbols::embedded();
        let mut c = Collector::new(symbols, false);
        assert!(c.add_row("C-K-RAS", "TP53", 0.4, 0));
        assert!(!c.add_row("TP53", "KRAS", 0.6, 0));
        let loaded = c.finish("t").unwrap();
        assert_eq!(loaded.graph.edge_count(), 1);
        assert_eq!(loaded.graph.edges()[0].weight, 0.6);
        assert!(loaded.graph.node("KRAS").is_some());
        assert!(
            loaded
                .report
                .notes
                .iter()
                .any(|(n, k)| n.contains("resolved") && *k == 1)
        );
    }

    #[test]
    fn an_empty_graph_is_an_error() {
        let symbols = GeneSymbols::identity();
        let mut c = Collector::new(&symbols, true);
        c.read_row();
        c.add_row("A", "A", 1.0, 0);
        let err = c.finish("f.tsv").err().unwrap();
        assert_eq!(
            err.to_string(),
            "f.tsv: no edges left after reading 1 rows (self-loop: 1)"
        );
    }
}

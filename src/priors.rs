//! Prior knowledge as gene graphs.
//!
//! In flows a resource file (an edge list, a gene-set GMT, …); out comes a [`Graph`] over
//! official gene symbols: directed (regulator → target) or undirected, weighted, optionally
//! signed. Every later layer stands on this one type: centrality heuristics rank its nodes,
//! knowledge agents read regulators off it, the simulator propagates knockdowns through it, and
//! neighbour predictors average over it (a consensus graph is a `Graph` too).

pub mod graph;

pub use graph::{Edge, Graph, GraphBuilder};

//! Prior knowledge as gene graphs.
//!
//! In flows a resource (a bundled name or a user file); out comes a [`Graph`] over official gene
//! symbols: directed (regulator → target) or undirected, weighted, optionally signed. Every later
//! layer stands on this one type: centrality heuristics rank its nodes, knowledge agents read
//! regulators off it, the simulator propagates knockdowns through it, and neighbour predictors
//! average over it (a consensus graph is a `Graph` too).
//!
//! # Loading API
//!
//! ```text
//! priors::open(spec: &str, symbols: &GeneSymbols) -> Result<Loaded, PriorsError>
//! Loaded     { graph: Graph, report: LoadReport }
//! LoadReport { rows_read: usize, rows_dropped: usize,
//!              reasons: Vec<(String, usize)>,   // why rows were dropped; sums to rows_dropped
//!              notes:   Vec<(String, usize)> }  // what else happened (aliases, complexes, …)
//! priors::load(kind, option, reader: impl BufRead, file_name, symbols)  // same, from memory
//! ```
//!
//! `spec` is either the name of a bundle embedded in the binary ([`BUNDLES`]: `collectri`,
//! `dorothea`, `omnipath` (transcriptional), `omnipath-signalling`, `omnipath-all`, `go-bp`) or
//! `KIND:PATH[@OPTION]` for a user file ([`Kind`] lists the kinds and their formats; gzip is
//! detected from the first bytes). Examples: `collectri`, `string:string_v12_edges.tsv.gz`,
//! `string:edges.tsv.gz@experiments`, `encode:encode_tfchip_targets.tsv.gz@K562`,
//! `edges:my_graph.csv`.
//!
//! # Weights
//!
//! Directed TF → target resources carry a **confidence in [0, 1]** (knowledge agents use it as
//! one): with evidence `e = curation_effort + n_sources` (OmniPath's curation effort counts
//! resource–reference pairs; when a file has no `curation_effort` column, `n_references` stands in,
//! and a missing `n_sources` counts as 1),
//!
//! ```text
//! confidence = 1 − exp(−e / 4)          (see [`evidence_confidence`])
//! ```
//!
//! so one source with one reference gives 0.39, the median CollecTRI edge (effort 1, two
//! sources) 0.53, and a textbook edge like MYC → TERT (effort 76, 15 sources) ≈ 1. TRRUST uses
//! `e = number of PubMed ids + 1`; Pathway Commons and ENCODE ChIP targets, which carry no
//! evidence counts, use `e = 2` (0.39). STRING weights are `combined_score / 1000` (or the chosen
//! channel / 1000); co-annotation graphs carry a similarity in [0, 1]; PROGENy edges carry
//! |weight| / the pathway's largest |weight|. Generic edge lists keep their `weight` column
//! (default 1).
//!
//! # Row handling shared by every loader
//!
//! Names pass through [`GeneSymbols`]; `COMPLEX:A_B` names expand to their members; self-loops are
//! dropped and counted; duplicate edges are merged (largest weight, sign kept only when all
//! agree). Missing columns, short rows and non-numeric fields are errors naming
//! `file:line:column` (the shared handling is documented in `src/priors/collect.rs`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

pub mod bundle;
pub mod centrality;

mod collect;
pub mod collectri;
pub mod dorothea;
pub mod edges;
pub mod encode;
pub mod error;
pub mod gmt;
pub mod go;
pub mod graph;
pub mod omnipath;
pub mod pathwaycommons;
pub mod progeny;
pub mod reactome;
pub mod string;
mod table;
pub mod trrust;

pub use error::PriorsError;
pub use graph::{Edge, Graph, GraphBuilder};

use crate::data::GeneSymbols;

/// A graph read from a resource, with what happened to the rows.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The graph over official symbols.
    pub graph: Graph,
    /// Rows read, dropped and why.
    pub report: LoadReport,
}

/// What a loader did with the rows of its resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadReport {
    /// Data rows read (header and `#` lines excluded; for gene-set files: annotation pairs).
    pub rows_read: usize,
    /// Rows that produced no edge.
    pub rows_dropped: usize,
    /// Why rows were dropped, with counts summing to `rows_dropped`, sorted by reason.
    pub reasons: Vec<(String, usize)>,
    /// Other counts worth knowing (names resolved through aliases, unmapped names kept,
    /// complexes expanded, sign conflicts), sorted by text.
    pub notes: Vec<(String, usize)>,
}

impl LoadReport {
    /// `reason: n, reason: n` (or `none`).
    pub fn reasons_text(&self) -> String {
        if self.reasons.is_empty() {
            return "none".into();
        }
        self.reasons
            .iter()
            .map(|(r, n)| format!("{r}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The confidence in [0, 1] of a directed edge with evidence `e` (curated references plus
/// sources): `1 − exp(−e / 4)`.
pub fn evidence_confidence(evidence: f64) -> f32 {
    (1.0 - (-evidence.max(0.0) / 4.0).exp()) as f32
}

/// The kinds of resource a `KIND:PATH` spec can name, each with its own loader module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `collectri:PATH` — directed, signed; see [`collectri`].
    Collectri,
    /// `dorothea:PATH` — directed, signed; see [`dorothea`].
    Dorothea,
    /// `omnipath:PATH` — OmniPath transcriptional edges; see [`omnipath`].
    Omnipath,
    /// `omnipath-signalling:PATH` — OmniPath post-translational edges.
    OmnipathSignalling,
    /// `omnipath-all:PATH` — every OmniPath edge.
    OmnipathAll,
    /// `trrust:PATH` — TRRUST v2 (no header); see [`trrust`].
    Trrust,
    /// `pathwaycommons:PATH` — Pathway Commons controls-expression-of; see [`pathwaycommons`].
    PathwayCommons,
    /// `encode:PATH[@CELL_LINE]` — ENCODE ChIP-seq targets; see [`encode`].
    Encode,
    /// `string:PATH[@CHANNEL]` — STRING, undirected; see [`string`].
    String,
    /// `go:PATH` — GO co-annotation similarity, undirected; see [`go`].
    Go,
    /// `reactome:PATH` — Reactome GMT, Jaccard similarity, undirected; see [`reactome`].
    Reactome,
    /// `gmt:PATH` — any GMT, Jaccard similarity, undirected; see [`gmt`].
    Gmt,
    /// `progeny:PATH` — PROGENy footprints, pathway → gene; see [`progeny`].
    Progeny,
    /// `edges:PATH` — generic directed edge list; see [`edges`].
    Edges,
    /// `undirected-edges:PATH` — generic undirected edge list; see [`edges`].
    UndirectedEdges,
}

impl Kind {
    /// Every kind with its spec prefix.
    pub const ALL: [(Kind, &'static str); 15] = [
        (Kind::Collectri, "collectri"),
        (Kind::Dorothea, "dorothea"),
        (Kind::Omnipath, "omnipath"),
        (Kind::OmnipathSignalling, "omnipath-signalling"),
        (Kind::OmnipathAll, "omnipath-all"),
        (Kind::Trrust, "trrust"),
        (Kind::PathwayCommons, "pathwaycommons"),
        (Kind::Encode, "encode"),
        (Kind::String, "string"),
        (Kind::Go, "go"),
        (Kind::Reactome, "reactome"),
        (Kind::Gmt, "gmt"),
        (Kind::Progeny, "progeny"),
        (Kind::Edges, "edges"),
        (Kind::UndirectedEdges, "undirected-edges"),
    ];

    /// The spec prefix of this kind.
    pub fn prefix(self) -> &'static str {
        Kind::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map(|(_, p)| *p)
            .expect("every kind is listed")
    }
}

/// Names of the bundles embedded in the binary (see [`bundle`]).
pub const BUNDLES: [&str; 6] = [
    "collectri",
    "dorothea",
    "omnipath",
    "omnipath-signalling",
    "omnipath-all",
    "go-bp",
];

/// A parsed `--graph` spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// A bundle embedded in the binary.
    Bundle(&'static str),
    /// A user file of a given kind, with the text after `@` when given.
    File {
        /// How to read it.
        kind: Kind,
        /// The file.
        path: PathBuf,
        /// Cell line (ENCODE) or channel (STRING).
        option: Option<String>,
    },
}

impl Spec {
    /// Parses a bundle name or `KIND:PATH[@OPTION]`.
    pub fn parse(spec: &str) -> Result<Spec, PriorsError> {
        if let Some(&name) = BUNDLES.iter().find(|b| **b == spec) {
            return Ok(Spec::Bundle(name));
        }
        let unknown = || PriorsError::UnknownSpec {
            spec: spec.to_string(),
            bundles: BUNDLES.join(", "),
            kinds: Kind::ALL
                .iter()
                .map(|(_, p)| *p)
                .collect::<Vec<_>>()
                .join(", "),
        };
        let (prefix, rest) = spec.split_once(':').ok_or_else(unknown)?;
        let kind = Kind::ALL
            .iter()
            .find(|(_, p)| p.eq_ignore_ascii_case(prefix))
            .map(|(k, _)| *k)
            .ok_or_else(unknown)?;
        if rest.is_empty() {
            return Err(unknown());
        }
        // Only ENCODE and STRING take an option; an `@` elsewhere belongs to the path.
        let (path, option) = match (kind, rest.rsplit_once('@')) {
            (Kind::Encode | Kind::String, Some((p, o))) if !p.is_empty() => {
                (p, Some(o.to_string()))
            }
            _ => (rest, None),
        };
        Ok(Spec::File {
            kind,
            path: PathBuf::from(path),
            option,
        })
    }
}

/// Opens a graph by spec (a bundle name or `KIND:PATH[@OPTION]`), resolving names with `symbols`.
///
/// ```
/// use mechpert::{data::GeneSymbols, priors};
/// let loaded = priors::open("collectri", GeneSymbols::embedded()).unwrap();
/// let g = &loaded.graph;
/// assert!(g.is_directed() && g.edge_count() > 40_000);
/// let myc = g.node("MYC").unwrap();
/// assert!(g.out_neighbours(myc).all(|(_, w)| (0.0..=1.0).contains(&w)));
/// ```
pub fn open(spec: &str, symbols: &GeneSymbols) -> Result<Loaded, PriorsError> {
    let parsed = match Spec::parse(spec) {
        Err(PriorsError::UnknownSpec { .. }) if Path::new(spec).is_file() => {
            return Err(PriorsError::BarePath {
                spec: spec.to_string(),
                readers: kinds_reading(Path::new(spec)),
            });
        }
        parsed => parsed?,
    };
    match parsed {
        Spec::Bundle(name) => bundle::open(name, symbols),
        Spec::File { kind, path, option } => {
            let reader = open_path(&path)?;
            load(
                kind,
                option.as_deref(),
                reader,
                &path.display().to_string(),
                symbols,
            )
            .map_err(|e| with_spec(e, spec))
        }
    }
}

/// Lines of a bare `--graph` file that [`kinds_reading`] tries each parser on.
const SNIFF_LINES: usize = 50;

/// The kinds whose parser reads at least one edge from the first [`SNIFF_LINES`] lines of `path`
/// (names taken as they are); empty when the file cannot be read or no parser fits.
fn kinds_reading(path: &Path) -> Vec<&'static str> {
    let Ok(reader) = open_path(path) else {
        return Vec::new();
    };
    let mut head = String::new();
    for line in reader.lines().take(SNIFF_LINES) {
        let Ok(line) = line else { break };
        head.push_str(&line);
        head.push('\n');
    }
    let ids = GeneSymbols::identity();
    Kind::ALL
        .iter()
        .filter(|(kind, _)| load(*kind, None, head.as_bytes(), "", &ids).is_ok())
        .map(|(_, prefix)| *prefix)
        .collect()
}

fn with_spec(e: PriorsError, spec: &str) -> PriorsError {
    match e {
        PriorsError::BadOption {
            option, expected, ..
        } => PriorsError::BadOption {
            spec: spec.to_string(),
            option,
            expected,
        },
        e => e,
    }
}

/// Opens a file for reading, decompressing gzip (detected from the magic bytes).
pub fn open_path(path: &Path) -> Result<Box<dyn BufRead>, PriorsError> {
    let file = std::fs::File::open(path).map_err(|source| PriorsError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let gz = reader
        .fill_buf()
        .map_err(|source| PriorsError::Open {
            path: path.to_path_buf(),
            source,
        })?
        .starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(reader),
        ))
    } else {
        Box::new(reader)
    })
}

/// Decompresses embedded gzip bytes into a line reader.
pub(crate) fn gz_bytes(bytes: &'static [u8]) -> impl BufRead {
    BufReader::with_capacity(1 << 16, flate2::read::GzDecoder::new(bytes))
}

/// Reads a resource of a given kind from any reader (`file` names it in errors).
pub fn load<R: BufRead>(
    kind: Kind,
    option: Option<&str>,
    reader: R,
    file: &str,
    symbols: &GeneSymbols,
) -> Result<Loaded, PriorsError> {
    let no_option = |kind: Kind| -> Result<(), PriorsError> {
        match option {
            Some(o) => Err(PriorsError::BadOption {
                spec: kind.prefix().to_string(),
                option: o.to_string(),
                expected: format!("`{}` takes no @ option", kind.prefix()),
            }),
            None => Ok(()),
        }
    };
    match kind {
        Kind::Encode => encode::read(reader, file, option, symbols),
        Kind::String => string::read(reader, file, option, symbols),
        other => {
            no_option(other)?;
            match other {
                Kind::Collectri => collectri::read(reader, file, symbols),
                Kind::Dorothea => dorothea::read(reader, file, symbols),
                Kind::Omnipath => {
                    omnipath::read(reader, file, omnipath::Select::Transcriptional, symbols)
                }
                Kind::OmnipathSignalling => {
                    omnipath::read(reader, file, omnipath::Select::Signalling, symbols)
                }
                Kind::OmnipathAll => omnipath::read(reader, file, omnipath::Select::All, symbols),
                Kind::Trrust => trrust::read(reader, file, symbols),
                Kind::PathwayCommons => pathwaycommons::read(reader, file, symbols),
                Kind::Go => go::read_annotations(reader, file, &go::Params::default(), symbols),
                Kind::Reactome => reactome::read(reader, file, symbols),
                Kind::Gmt => gmt::read(reader, file, &gmt::Params::default(), symbols),
                Kind::Progeny => progeny::read(reader, file, symbols),
                Kind::Edges => edges::read(reader, file, true, symbols),
                Kind::UndirectedEdges => edges::read(reader, file, false, symbols),
                Kind::Encode | Kind::String => unreachable!("handled above"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_bundles_kinds_and_options() {
        assert_eq!(Spec::parse("collectri").unwrap(), Spec::Bundle("collectri"));
        assert_eq!(
            Spec::parse("encode:x/t.tsv.gz@K562").unwrap(),
            Spec::File {
                kind: Kind::Encode,
                path: "x/t.tsv.gz".into(),
                option: Some("K562".into())
            }
        );
        assert_eq!(
            Spec::parse("edges:a@b.csv").unwrap(),
            Spec::File {
                kind: Kind::Edges,
                path: "a@b.csv".into(),
                option: None
            }
        );
        let err = Spec::parse("stringdb:x").unwrap_err();
        assert!(err.is_usage());
        assert!(err.to_string().contains("KIND:PATH"), "{err}");
        assert!(Spec::parse("nonsense").is_err());
        assert!(Spec::parse("trrust:").is_err());
    }

    #[test]
    fn missing_files_name_the_path() {
        let err = open("edges:/nonexistent/e.csv", &GeneSymbols::identity()).unwrap_err();
        assert_eq!(err.to_string(), "/nonexistent/e.csv: cannot open");
        assert!(!err.is_usage());
    }

    #[test]
    fn options_only_where_accepted() {
        let err = load(
            Kind::Trrust,
            Some("K562"),
            &b""[..],
            "t",
            &GeneSymbols::identity(),
        )
        .unwrap_err();
        assert!(err.is_usage());
        assert!(err.to_string().contains("takes no @ option"), "{err}");
    }

    #[test]
    fn confidence_is_monotone_in_unit_interval() {
        assert_eq!(evidence_confidence(0.0), 0.0);
        assert!((evidence_confidence(2.0) - 0.3935).abs() < 1e-4);
        assert!(evidence_confidence(80.0) > 0.999_99 && evidence_confidence(80.0) <= 1.0);
    }
}

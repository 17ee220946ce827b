//! Perturbation screens: the model and its readers.
//!
//! In flows a file (AnnData `.h5ad`, CSV/TSV wide or long, or a ranked signature table); out comes
//! one [`Screen`]: perturbation names, measured gene names, the control profile, and one `f32`
//! response matrix (perturbation × gene, profile − control) with the top differentially expressed
//! genes of every perturbation. Gene names pass through [`GeneSymbols`] so that aliases, previous
//! symbols, Ensembl ids and case variants meet under the official symbol.
//!
//! [`io`] reads and writes; [`pseudobulk`] turns single cells into one profile per perturbation.

pub mod genes;
pub mod io;
pub mod pseudobulk;
pub mod screen;

pub use genes::{GeneSymbols, Resolution};
pub use screen::{Layout, Screen, ScreenError, ValueKind};

//! mechpert plans Perturb-seq screens.
//!
//! A biologist can perturb a few hundred of ~20,000 genes. mechpert predicts the transcriptional
//! response of genes nobody perturbed yet from the few that were, and uses those predictions to
//! decide which genes to perturb. Data flows one way:
//!
//! ```text
//! data (load, pseudo-bulk) → priors (graphs) → agents → consensus → predict / select
//!      → plan (the budgeted loop) → eval (metrics, statistics) → report
//! ```
//!
//! Library modules never print: they return values and errors, and report progress through
//! [`progress::Progress`]. The binary (`src/main.rs`) parses arguments and calls [`run::run`].
//!
//! ```
//! use mechpert::data::Screen;
//! use ndarray::array;
//! // Three perturbations of a two-gene readout, control profile (1, 2).
//! let screen = Screen::from_profiles(
//!     vec!["MYC".into(), "GATA1".into(), "KLF1".into()],
//!     vec!["HBG1".into(), "TAL1".into()],
//!     array![1.0, 2.0],
//!     array![[0.0, 2.0], [1.5, 2.5], [1.0, 1.0]],
//!     mechpert::data::ValueKind::Expression,
//! ).unwrap();
//! assert_eq!(screen.response().row(0).to_vec(), vec![-1.0, 0.0]);
//! ```
#![warn(missing_docs)]

pub mod agents;
pub mod cli;
pub mod consensus;
pub mod data;
pub mod eval;
pub mod plan;
pub mod predict;
pub mod priors;
pub mod progress;
pub mod report;
pub mod run;
pub mod sim;
pub mod threads;

//! Reading screens from files and writing tables safely.
//!
//! [`Builder`] reads a path (format detected from the extension and the first bytes, or set with
//! [`Builder::format`]) or in-memory text. Errors name the file, the line or HDF5 object, the
//! column and what was expected. [`writer`] writes every output through a temporary file and a
//! rename, so nothing is left half-written. [`source`] says which matrix a screen was read from
//! (`X`, an h5ad layer, a table, a table of cells joined with a labels file) and what its values
//! look like.

mod cell_labels;
mod cell_table;
mod cells;
mod csv;
pub mod error;
pub mod format;
pub mod h5ad;
pub mod missing;
pub mod number;
pub mod reader;
pub mod source;
pub mod split;
pub mod writer;

pub use error::{FieldError, ReadError};
pub use format::Format;
pub use reader::Builder;

//! AnnData `.h5ad` screens: reading single-cell or pseudo-bulk files into a [`Screen`], and
//! writing screens and streamed single cells back out; and the same reading of an AnnData object
//! handed over in memory ([`AnnData`], from Python).
//!
//! In flows an HDF5 file laid out by anndata; out comes a [`Screen`] (`reader`). The reverse
//! direction ([`writer`]) produces files Python's anndata reads. `encoding` holds the attribute
//! and string conventions both sides share.
//!
//! [`Screen`]: crate::data::Screen

mod encoding;
mod frame;
mod matrix;
mod memory;
mod reader;
pub mod writer;

pub use frame::Column;
pub use matrix::MatrixValues;
pub use memory::AnnData;
pub(super) use memory::read as read_in_memory;
pub use reader::SYMBOL_COLUMNS;
pub(super) use reader::read;
pub use writer::{CsrRows, H5adCellWriter, H5adWriteError, write_predictions, write_pseudobulk};

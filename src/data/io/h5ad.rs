//! AnnData `.h5ad` screens (single-cell or pseudo-bulk).

use std::path::Path;

use super::error::ReadError;
use super::reader::Builder;
use crate::data::Screen;

pub(super) fn read(_builder: &Builder<'_>, path: &Path) -> Result<Screen, ReadError> {
    Err(ReadError::Hdf5 {
        path: path.to_path_buf(),
        object: "/".into(),
        message: "h5ad reading is not built yet".into(),
    })
}

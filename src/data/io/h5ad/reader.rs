//! Reading `.h5ad` files into a [`Screen`].

use std::path::Path;

use crate::data::Screen;
use crate::data::io::error::ReadError;
use crate::data::io::reader::Builder;

pub(in crate::data::io) fn read(_builder: &Builder<'_>, path: &Path) -> Result<Screen, ReadError> {
    Err(ReadError::Hdf5 {
        path: path.to_path_buf(),
        object: "/".into(),
        message: "h5ad reading is not built yet".into(),
    })
}

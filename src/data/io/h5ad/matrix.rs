//! The `X` matrix (or a layer) of an h5ad file, read in blocks.
//!
//! In: the HDF5 object `/X` or `/layers/NAME` (anndata writes both alike), dense (a 2-D dataset) or sparse (a group with `data`, `indices`,
//! `indptr`, marked `encoding-type` = `csr_matrix` / `csc_matrix`, or by the old
//! `h5sparse_format` attribute), of any float or integer type, compressed or not. Out: blocks of
//! `f32` values ([`Block`]) handed to a visitor, so a caller never holds more than one block; or
//! the whole matrix as one dense array ([`Matrix::read_dense`]), read in a single HDF5 call when
//! `X` is dense. Every value is checked to be finite.

use hdf5::{Dataset, File, Group};
use ndarray::{Array2, ArrayView2, s};

use super::encoding::{encoding_type, str_attr};
use crate::data::io::source::Encoding;

/// Values per block (4 MiB of `f32`; a sparse block also holds its indices).
const BLOCK: usize = 1 << 20;

/// What went wrong reading the matrix; the reader adds the file and the row/column names.
#[derive(Debug)]
pub(super) enum MatrixError {
    /// An HDF5 object is missing, malformed or unreadable.
    Hdf5 { object: String, message: String },
    /// A value is NaN or infinite (row = obs index, column = var index).
    NotFinite {
        row: usize,
        column: usize,
        value: f32,
    },
}

fn hdf5_error(object: impl std::fmt::Display) -> impl Fn(hdf5::Error) -> MatrixError {
    move |e| MatrixError::Hdf5 {
        object: object.to_string(),
        message: e.to_string(),
    }
}

fn malformed(object: impl std::fmt::Display, message: String) -> MatrixError {
    MatrixError::Hdf5 {
        object: object.to_string(),
        message,
    }
}

/// How the matrix is stored.
#[derive(Debug)]
enum Layout {
    Dense(Dataset),
    /// Compressed sparse rows (`by_rows`) or columns.
    Sparse {
        data: Dataset,
        indices: Dataset,
        indptr: Dataset,
        by_rows: bool,
    },
    /// Handed over in memory (an AnnData object in Python), with its number type before the
    /// conversion to `f32`.
    InMemory {
        values: MatrixValues,
        dtype: String,
    },
}

/// A matrix held in memory, laid out as anndata holds `X`: dense, CSR or CSC. Values are
/// `f32` like every matrix read from a file; the checks (shape, offsets, indices, finite
/// values) are those of a file's matrix.
#[derive(Debug, Clone)]
pub enum MatrixValues {
    /// Rows (obs) × columns (var).
    Dense(Array2<f32>),
    /// Compressed sparse rows (`by_rows`, scipy's `csr_matrix`) or columns (`csc_matrix`).
    Sparse {
        /// CSR when true, CSC when false.
        by_rows: bool,
        /// Rows (obs) and columns (var).
        shape: (usize, usize),
        /// Offsets into `indices`/`data`, one per row (column) plus one.
        indptr: Vec<i64>,
        /// Column (row) of each stored value.
        indices: Vec<i64>,
        /// The stored values.
        data: Vec<f32>,
    },
}

/// One block of the matrix handed to a visitor.
#[derive(Debug)]
pub(super) enum Block<'a> {
    /// Dense rows starting at row `first`.
    DenseRows {
        first: usize,
        values: ArrayView2<'a, f32>,
    },
    /// Sparse rows (`by_rows`) or columns starting at `first`; `indptr` is relative to this
    /// block's `indices`/`data` and has one more entry than the block has rows (columns).
    Sparse {
        by_rows: bool,
        first: usize,
        indptr: &'a [usize],
        indices: &'a [usize],
        data: &'a [f32],
    },
}

/// HDF5's id of the lzf filter (h5py's own compressor, the default of some anndata writers).
const LZF_FILTER: hdf5::filters::H5Z_filter_t = 32000;

/// `ds` when this build can decode its filters; else an error naming the filter. Without
/// this, HDF5 reports a missing plugin directory on the first read.
fn readable(ds: Dataset, object: &str) -> Result<Dataset, MatrixError> {
    for filter in ds.filters() {
        if let hdf5::filters::Filter::User(id, _) = filter {
            let what = if id == LZF_FILTER {
                "uses the lzf filter, which this build cannot read: rewrite it with gzip, e.g. anndata's adata.write_h5ad(path, compression=\"gzip\")".to_string()
            } else {
                format!(
                    "uses HDF5 filter {id}, which this build cannot read: rewrite it with gzip or without compression"
                )
            };
            return Err(malformed(object, what));
        }
    }
    Ok(ds)
}

/// What a dataset of the matrix must hold.
#[derive(Clone, Copy)]
enum Numbers {
    /// Values: integers or floats (booleans, strings and compounds are not expression).
    Values,
    /// Positions (`indices`, `indptr`): integers.
    Indices,
}

/// `ds` when its stored type is what `numbers` needs; else an error naming the dataset and its
/// type. HDF5 would otherwise convert a boolean or a float index silently.
fn of_type(ds: Dataset, object: &str, numbers: Numbers) -> Result<Dataset, MatrixError> {
    use hdf5::types::TypeDescriptor as T;
    let Ok(dtype) = ds.dtype().and_then(|t| t.to_descriptor()) else {
        return Err(malformed(
            object,
            "has a stored type this reader does not know".into(),
        ));
    };
    let fits = matches!(
        (numbers, &dtype),
        (_, T::Integer(_) | T::Unsigned(_)) | (Numbers::Values, T::Float(_))
    );
    if fits {
        return Ok(ds);
    }
    let expected = match numbers {
        Numbers::Values => "integers or floats (expression values)",
        Numbers::Indices => "integers (positions in the matrix)",
    };
    Err(malformed(
        object,
        format!("holds {dtype}, expected {expected}"),
    ))
}

/// The `X` matrix (or a layer) of an open h5ad file.
#[derive(Debug)]
pub(super) struct Matrix {
    layout: Layout,
    rows: usize,
    cols: usize,
    /// Its HDF5 path, `/X` or `/layers/NAME`, for messages.
    object: String,
}

impl Matrix {
    /// Opens `X`, or the layer `layers/NAME` when `layer` names one, working out its layout and
    /// shape; an unknown layer is an error listing the layers present.
    pub(super) fn open(file: &File, layer: Option<&str>) -> Result<Matrix, MatrixError> {
        let (name, object) = match layer {
            Some(layer) => (format!("layers/{layer}"), format!("/layers/{layer}")),
            None => ("X".to_string(), "/X".to_string()),
        };
        if !file.link_exists(&name) {
            return Err(malformed(
                &object,
                missing_matrix(layer, &layer_names(file)),
            ));
        }
        if let Ok(ds) = file.dataset(&name) {
            let shape = ds.shape();
            if shape.len() != 2 {
                return Err(malformed(
                    &object,
                    format!("has {} dimensions, expected a 2-D matrix", shape.len()),
                ));
            }
            return Ok(Matrix {
                rows: shape[0],
                cols: shape[1],
                layout: Layout::Dense(of_type(readable(ds, &object)?, &object, Numbers::Values)?),
                object,
            });
        }
        let g = file.group(&name).map_err(hdf5_error(&object))?;
        let kind = encoding_type(&g).or_else(|| str_attr(&g, "h5sparse_format"));
        let by_rows = match kind.as_deref() {
            Some("csr_matrix" | "csr") => true,
            Some("csc_matrix" | "csc") => false,
            other => {
                return Err(malformed(
                    &object,
                    format!(
                        "a group with encoding-type {other:?}: expected a dense dataset, csr_matrix or csc_matrix"
                    ),
                ));
            }
        };
        let [rows, cols] = sparse_shape(&g, &object)?;
        let member = |name: &str| {
            let member = format!("{object}/{name}");
            let ds = g.dataset(name).map_err(|_| {
                malformed(
                    &member,
                    "missing: a sparse matrix needs data, indices and indptr".into(),
                )
            })?;
            readable(ds, &member)
        };
        let typed = |name: &str, numbers: Numbers| {
            of_type(member(name)?, &format!("{object}/{name}"), numbers)
        };
        Ok(Matrix {
            layout: Layout::Sparse {
                data: typed("data", Numbers::Values)?,
                indices: typed("indices", Numbers::Indices)?,
                indptr: typed("indptr", Numbers::Indices)?,
                by_rows,
            },
            rows,
            cols,
            object,
        })
    }

    /// A matrix handed over in memory as `object` (`/X` or `/layers/NAME`); `dtype` is its
    /// number type before the conversion to `f32`.
    pub(super) fn in_memory(values: MatrixValues, dtype: String, object: String) -> Matrix {
        let (rows, cols) = match &values {
            MatrixValues::Dense(v) => v.dim(),
            MatrixValues::Sparse { shape, .. } => *shape,
        };
        Matrix {
            layout: Layout::InMemory { values, dtype },
            rows,
            cols,
            object,
        }
    }

    /// Rows (obs) and columns (var).
    pub(super) fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Its HDF5 path, `/X` or `/layers/NAME`.
    pub(super) fn object(&self) -> &str {
        &self.object
    }

    /// How it is stored, and its stored number type (`float32`, `int64`, …) when HDF5 says.
    pub(super) fn encoding(&self) -> (Encoding, Option<String>) {
        let sparse = |by_rows: bool| {
            if by_rows {
                Encoding::Csr
            } else {
                Encoding::Csc
            }
        };
        let (encoding, values) = match &self.layout {
            Layout::Dense(ds) => (Encoding::Dense, ds),
            Layout::Sparse { data, by_rows, .. } => (sparse(*by_rows), data),
            Layout::InMemory { values, dtype } => {
                let encoding = match values {
                    MatrixValues::Dense(_) => Encoding::Dense,
                    MatrixValues::Sparse { by_rows, .. } => sparse(*by_rows),
                };
                return (encoding, Some(dtype.clone()));
            }
        };
        let dtype = values
            .dtype()
            .and_then(|t| t.to_descriptor())
            .map(|t| t.to_string())
            .ok();
        (encoding, dtype)
    }

    /// Visits the whole matrix block by block: dense rows, sparse rows (CSR) or sparse columns
    /// (CSC), each block checked for non-finite values before the visitor sees it.
    pub(super) fn visit<E: From<MatrixError>>(
        &self,
        mut visitor: impl FnMut(Block<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        match &self.layout {
            Layout::Dense(ds) => {
                let step = (BLOCK / self.cols.max(1)).max(1);
                let mut first = 0;
                while first < self.rows {
                    let end = (first + step).min(self.rows);
                    let values: Array2<f32> = if first == 0 && end == self.rows {
                        ds.read_2d().map_err(hdf5_error(&self.object))?
                    } else {
                        ds.read_slice_2d(s![first..end, ..])
                            .map_err(hdf5_error(&self.object))?
                    };
                    check_dense(first, values.view())?;
                    visitor(Block::DenseRows {
                        first,
                        values: values.view(),
                    })?;
                    first = end;
                }
                Ok(())
            }
            Layout::Sparse {
                data,
                indices,
                indptr,
                by_rows,
            } => {
                let member = |name: &str| format!("{}/{name}", self.object);
                let ptr: Vec<i64> = indptr.read_raw().map_err(hdf5_error(member("indptr")))?;
                let stored = Stored {
                    by_rows: *by_rows,
                    ptr: &ptr,
                    nnz: data.size(),
                    n_indices: indices.size(),
                };
                self.visit_sparse(
                    stored,
                    |range| {
                        data.read_slice_1d(range)
                            .map(|v| v.into_raw_vec_and_offset().0)
                            .map_err(hdf5_error(member("data")))
                    },
                    |range| {
                        indices
                            .read_slice_1d(range)
                            .map(|v| v.into_raw_vec_and_offset().0)
                            .map_err(hdf5_error(member("indices")))
                    },
                    visitor,
                )
            }
            Layout::InMemory {
                values: MatrixValues::Dense(values),
                ..
            } => {
                check_dense(0, values.view())?;
                visitor(Block::DenseRows {
                    first: 0,
                    values: values.view(),
                })
            }
            Layout::InMemory {
                values:
                    MatrixValues::Sparse {
                        by_rows,
                        indptr,
                        indices,
                        data,
                        ..
                    },
                ..
            } => {
                let stored = Stored {
                    by_rows: *by_rows,
                    ptr: indptr,
                    nnz: data.len(),
                    n_indices: indices.len(),
                };
                self.visit_sparse(
                    stored,
                    |range| Ok(data[range].to_vec()),
                    |range| Ok(indices[range].to_vec()),
                    visitor,
                )
            }
        }
    }

    /// Visits sparse rows (columns) block by block, reading each block's values and indices
    /// through `read_data` and `read_indices` (given a range of stored entries).
    fn visit_sparse<E: From<MatrixError>>(
        &self,
        stored: Stored<'_>,
        read_data: impl Fn(std::ops::Range<usize>) -> Result<Vec<f32>, MatrixError>,
        read_indices: impl Fn(std::ops::Range<usize>) -> Result<Vec<i64>, MatrixError>,
        mut visitor: impl FnMut(Block<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let Stored {
            by_rows,
            ptr,
            nnz,
            n_indices,
        } = stored;
        let (major, minor) = if by_rows {
            (self.rows, self.cols)
        } else {
            (self.cols, self.rows)
        };
        let member = |name: &str| format!("{}/{name}", self.object);
        check_indptr(&self.object, ptr, major, nnz, n_indices)?;
        let mut rel_ptr: Vec<usize> = Vec::new();
        let mut idx: Vec<usize> = Vec::new();
        let mut first = 0;
        while first < major {
            // As many rows (columns) as fit in a block, at least one.
            let lo = ptr[first] as usize;
            let mut end = first + 1;
            while end < major && (ptr[end + 1] as usize) - lo <= BLOCK {
                end += 1;
            }
            let hi = ptr[end] as usize;
            let values: Vec<f32> = if hi > lo {
                read_data(lo..hi)?
            } else {
                Vec::new()
            };
            let raw: Vec<i64> = if hi > lo {
                read_indices(lo..hi)?
            } else {
                Vec::new()
            };
            idx.clear();
            for (k, &i) in raw.iter().enumerate() {
                if i < 0 || i as usize >= minor {
                    return Err(malformed(
                        member("indices"),
                        format!("entry {} is {i}: expected an index in 0..{minor}", lo + k),
                    )
                    .into());
                }
                idx.push(i as usize);
            }
            rel_ptr.clear();
            rel_ptr.extend(ptr[first..=end].iter().map(|&p| p as usize - lo));
            for m in first..end {
                for k in rel_ptr[m - first]..rel_ptr[m - first + 1] {
                    let value = values[k];
                    if !value.is_finite() {
                        let (row, column) = if by_rows { (m, idx[k]) } else { (idx[k], m) };
                        return Err(MatrixError::NotFinite { row, column, value }.into());
                    }
                }
            }
            visitor(Block::Sparse {
                by_rows,
                first,
                indptr: &rel_ptr,
                indices: &idx,
                data: &values,
            })?;
            first = end;
        }
        Ok(())
    }

    /// The whole matrix as one dense `f32` array (for pseudo-bulk files, one row per
    /// perturbation). A dense `X` is read in one HDF5 call.
    pub(super) fn read_dense(&self) -> Result<Array2<f32>, MatrixError> {
        match &self.layout {
            Layout::Dense(ds) => {
                let values: Array2<f32> = ds.read_2d().map_err(hdf5_error(&self.object))?;
                check_dense(0, values.view())?;
                return Ok(values);
            }
            Layout::InMemory {
                values: MatrixValues::Dense(values),
                ..
            } => {
                check_dense(0, values.view())?;
                return Ok(values.clone());
            }
            _ => {}
        }
        let mut out = Array2::<f32>::zeros((self.rows, self.cols));
        self.visit(|block| {
            match block {
                Block::DenseRows { first, values } => out
                    .slice_mut(s![first..first + values.nrows(), ..])
                    .assign(&values),
                Block::Sparse {
                    by_rows,
                    first,
                    indptr,
                    indices,
                    data,
                } => {
                    for (m, w) in indptr.windows(2).enumerate() {
                        for k in w[0]..w[1] {
                            let (r, c) = if by_rows {
                                (first + m, indices[k])
                            } else {
                                (indices[k], first + m)
                            };
                            out[[r, c]] += data[k];
                        }
                    }
                }
            }
            Ok::<(), MatrixError>(())
        })?;
        Ok(out)
    }
}

/// Why the matrix (`X`, or the layer named) is absent, listing the layers present.
pub(super) fn missing_matrix(layer: Option<&str>, names: &[String]) -> String {
    match layer {
        None => {
            "missing: expected the expression matrix X (cells or perturbations × genes)".to_string()
        }
        Some(_) => {
            let present = if names.is_empty() {
                "there are no layers".to_string()
            } else {
                let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                format!("the layers are {}", quoted.join(", "))
            };
            format!("no such layer: {present}; without --layer, X is read")
        }
    }
}

/// A sparse matrix's offsets and how many values and indices it stores.
struct Stored<'a> {
    by_rows: bool,
    ptr: &'a [i64],
    nnz: usize,
    n_indices: usize,
}

/// The names under `/layers`, sorted (empty when the file has none).
pub(super) fn layer_names(file: &File) -> Vec<String> {
    let mut names = file
        .group("layers")
        .and_then(|g| g.member_names())
        .unwrap_or_default();
    names.sort();
    names
}

/// The `shape` attribute of a sparse group (`h5sparse_shape` in old files).
fn sparse_shape(g: &Group, object: &str) -> Result<[usize; 2], MatrixError> {
    let names = g.attr_names().map_err(hdf5_error(object))?;
    let name = ["shape", "h5sparse_shape"]
        .into_iter()
        .find(|n| names.iter().any(|a| a == n))
        .ok_or_else(|| malformed(object, "sparse matrix has no `shape` attribute".into()))?;
    let shape: Vec<i64> = g
        .attr(name)
        .and_then(|a| a.read_raw())
        .map_err(hdf5_error(object))?;
    match shape[..] {
        [r, c] if r >= 0 && c >= 0 => Ok([r as usize, c as usize]),
        _ => Err(malformed(
            object,
            format!("`shape` attribute is {shape:?}, expected two non-negative sizes"),
        )),
    }
}

fn check_indptr(
    object: &str,
    ptr: &[i64],
    major: usize,
    nnz: usize,
    n_indices: usize,
) -> Result<(), MatrixError> {
    let indptr = format!("{object}/indptr");
    if ptr.len() != major + 1 {
        return Err(malformed(
            &indptr,
            format!(
                "has {} entries, expected {} (one per row or column, plus one)",
                ptr.len(),
                major + 1
            ),
        ));
    }
    if n_indices != nnz {
        return Err(malformed(
            format!("{object}/indices"),
            format!(
                "has {n_indices} entries but {object}/data has {nnz}: expected the same number"
            ),
        ));
    }
    if ptr[0] != 0 || ptr[major] as usize != nnz {
        return Err(malformed(
            &indptr,
            format!(
                "runs from {} to {}, expected 0 to {nnz} (the entries in {object}/data)",
                ptr[0], ptr[major]
            ),
        ));
    }
    if let Some(i) = ptr.windows(2).position(|w| w[1] < w[0]) {
        return Err(malformed(
            &indptr,
            format!("decreases after entry {i}: expected non-decreasing offsets"),
        ));
    }
    Ok(())
}

fn check_dense(first: usize, values: ArrayView2<'_, f32>) -> Result<(), MatrixError> {
    if values.iter().all(|v| v.is_finite()) {
        return Ok(());
    }
    let ((r, c), &value) = values
        .indexed_iter()
        .find(|(_, v)| !v.is_finite())
        .expect("a non-finite value exists");
    Err(MatrixError::NotFinite {
        row: first + r,
        column: c,
        value,
    })
}

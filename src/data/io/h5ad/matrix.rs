//! The `X` matrix of an h5ad file, read in blocks.
//!
//! In: the HDF5 object `/X`, dense (a 2-D dataset) or sparse (a group with `data`, `indices`,
//! `indptr`, marked `encoding-type` = `csr_matrix` / `csc_matrix`, or by the old
//! `h5sparse_format` attribute), of any float or integer type, compressed or not. Out: blocks of
//! `f32` values ([`Block`]) handed to a visitor, so a caller never holds more than one block; or
//! the whole matrix as one dense array ([`Matrix::read_dense`]), read in a single HDF5 call when
//! `X` is dense. Every value is checked to be finite.

use hdf5::{Dataset, File, Group};
use ndarray::{Array2, ArrayView2, s};

use super::encoding::{encoding_type, str_attr};

/// Values per block (4 MiB of `f32`; a sparse block also holds its indices).
const BLOCK: usize = 1 << 20;

/// What went wrong reading `X`; the reader adds the file and the row/column names.
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

fn hdf5_error(object: &str) -> impl Fn(hdf5::Error) -> MatrixError + '_ {
    move |e| MatrixError::Hdf5 {
        object: object.to_string(),
        message: e.to_string(),
    }
}

fn malformed(object: &str, message: String) -> MatrixError {
    MatrixError::Hdf5 {
        object: object.to_string(),
        message,
    }
}

/// How `X` is stored.
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
}

/// One block of `X` handed to a visitor.
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

/// The `X` matrix of an open h5ad file.
#[derive(Debug)]
pub(super) struct Matrix {
    layout: Layout,
    rows: usize,
    cols: usize,
}

impl Matrix {
    /// Opens `/X`, working out its layout and shape.
    pub(super) fn open(file: &File) -> Result<Matrix, MatrixError> {
        if !file.link_exists("X") {
            return Err(malformed(
                "/X",
                "missing: expected the expression matrix X (cells or perturbations × genes)".into(),
            ));
        }
        if let Ok(ds) = file.dataset("X") {
            let shape = ds.shape();
            if shape.len() != 2 {
                return Err(malformed(
                    "/X",
                    format!("has {} dimensions, expected a 2-D matrix", shape.len()),
                ));
            }
            return Ok(Matrix {
                rows: shape[0],
                cols: shape[1],
                layout: Layout::Dense(readable(ds, "/X")?),
            });
        }
        let g = file.group("X").map_err(hdf5_error("/X"))?;
        let kind = encoding_type(&g).or_else(|| str_attr(&g, "h5sparse_format"));
        let by_rows = match kind.as_deref() {
            Some("csr_matrix" | "csr") => true,
            Some("csc_matrix" | "csc") => false,
            other => {
                return Err(malformed(
                    "/X",
                    format!(
                        "a group with encoding-type {other:?}: expected a dense dataset, csr_matrix or csc_matrix"
                    ),
                ));
            }
        };
        let [rows, cols] = sparse_shape(&g)?;
        let member = |name: &str| {
            let object = format!("/X/{name}");
            let ds = g.dataset(name).map_err(|_| {
                malformed(
                    &object,
                    "missing: a sparse X needs data, indices and indptr".into(),
                )
            })?;
            readable(ds, &object)
        };
        Ok(Matrix {
            layout: Layout::Sparse {
                data: member("data")?,
                indices: member("indices")?,
                indptr: member("indptr")?,
                by_rows,
            },
            rows,
            cols,
        })
    }

    /// Rows (obs) and columns (var).
    pub(super) fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
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
                        ds.read_2d().map_err(hdf5_error("/X"))?
                    } else {
                        ds.read_slice_2d(s![first..end, ..])
                            .map_err(hdf5_error("/X"))?
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
            } => self.visit_sparse(data, indices, indptr, *by_rows, visitor),
        }
    }

    fn visit_sparse<E: From<MatrixError>>(
        &self,
        data: &Dataset,
        indices: &Dataset,
        indptr: &Dataset,
        by_rows: bool,
        mut visitor: impl FnMut(Block<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let (major, minor) = if by_rows {
            (self.rows, self.cols)
        } else {
            (self.cols, self.rows)
        };
        let ptr: Vec<i64> = indptr.read_raw().map_err(hdf5_error("/X/indptr"))?;
        let nnz = data.size();
        check_indptr(&ptr, major, nnz, indices.size())?;
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
                data.read_slice_1d(lo..hi)
                    .map_err(hdf5_error("/X/data"))?
                    .into_raw_vec_and_offset()
                    .0
            } else {
                Vec::new()
            };
            let raw: Vec<i64> = if hi > lo {
                indices
                    .read_slice_1d(lo..hi)
                    .map_err(hdf5_error("/X/indices"))?
                    .into_raw_vec_and_offset()
                    .0
            } else {
                Vec::new()
            };
            idx.clear();
            for (k, &i) in raw.iter().enumerate() {
                if i < 0 || i as usize >= minor {
                    return Err(malformed(
                        "/X/indices",
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
        if let Layout::Dense(ds) = &self.layout {
            let values: Array2<f32> = ds.read_2d().map_err(hdf5_error("/X"))?;
            check_dense(0, values.view())?;
            return Ok(values);
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

/// The `shape` attribute of a sparse group (`h5sparse_shape` in old files).
fn sparse_shape(g: &Group) -> Result<[usize; 2], MatrixError> {
    let names = g.attr_names().map_err(hdf5_error("/X"))?;
    let name = ["shape", "h5sparse_shape"]
        .into_iter()
        .find(|n| names.iter().any(|a| a == n))
        .ok_or_else(|| malformed("/X", "sparse X has no `shape` attribute".into()))?;
    let shape: Vec<i64> = g
        .attr(name)
        .and_then(|a| a.read_raw())
        .map_err(hdf5_error("/X"))?;
    match shape[..] {
        [r, c] if r >= 0 && c >= 0 => Ok([r as usize, c as usize]),
        _ => Err(malformed(
            "/X",
            format!("`shape` attribute is {shape:?}, expected two non-negative sizes"),
        )),
    }
}

fn check_indptr(
    ptr: &[i64],
    major: usize,
    nnz: usize,
    n_indices: usize,
) -> Result<(), MatrixError> {
    if ptr.len() != major + 1 {
        return Err(malformed(
            "/X/indptr",
            format!(
                "has {} entries, expected {} (one per row or column, plus one)",
                ptr.len(),
                major + 1
            ),
        ));
    }
    if n_indices != nnz {
        return Err(malformed(
            "/X/indices",
            format!("has {n_indices} entries but /X/data has {nnz}: expected the same number"),
        ));
    }
    if ptr[0] != 0 || ptr[major] as usize != nnz {
        return Err(malformed(
            "/X/indptr",
            format!(
                "runs from {} to {}, expected 0 to {nnz} (the entries in /X/data)",
                ptr[0], ptr[major]
            ),
        ));
    }
    if let Some(i) = ptr.windows(2).position(|w| w[1] < w[0]) {
        return Err(malformed(
            "/X/indptr",
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

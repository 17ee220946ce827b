//! Writing AnnData `.h5ad` files that Python's anndata (≥ 0.10) reads.
//!
//! In flows a [`Screen`] ([`write_pseudobulk`]: one row per perturbation plus a `non-targeting`
//! control row) or batches of single cells ([`H5adCellWriter`]: CSR rows plus obs labels, streamed
//! to chunked gzip datasets so memory grows with the batch, not the file). Out comes one `.h5ad`
//! file, written under a temporary name and renamed into place only when complete.
//!
//! Layout written (anndata encoding 0.1.0 / 0.2.0): root attributes `encoding-type` =
//! `anndata`; `X` dense `float32` (`encoding-type` = `array`) or a CSR group (`csr_matrix`, with
//! `shape`, `data`, `indices`, `indptr`); `obs` and `var` dataframes (`_index`, `column-order`,
//! string columns as variable-length UTF-8 `string-array`s, categorical columns as
//! `categories` + `codes`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use hdf5::{Dataset, File, Group};
use ndarray::{Array2, s};

use super::encoding::{set_encoding, set_str_array_attr, set_str_attr, write_strings};
use crate::data::io::writer::AtomicFile;
use crate::data::{Screen, ValueKind};

/// Label of the control row written by [`write_pseudobulk`].
pub const CONTROL_LABEL: &str = "non-targeting";
/// obs column holding the perturbation label in files this module writes.
pub const PERTURBATION_COLUMN: &str = "perturbation";
/// Elements per chunk of the streamed single-cell datasets.
const CHUNK: usize = 1 << 16;
/// gzip level of compressed datasets.
const GZIP_LEVEL: u8 = 4;

/// Why an h5ad file could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum H5adWriteError {
    /// The temporary file could not be created or renamed into place.
    #[error("{}: cannot write", .path.display())]
    Io {
        /// The target file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// HDF5 refused an operation.
    #[error("{}: HDF5 `{object}`", .path.display())]
    Hdf5 {
        /// The target file.
        path: PathBuf,
        /// The HDF5 object being written.
        object: String,
        /// What HDF5 said.
        #[source]
        source: hdf5::Error,
    },
    /// A batch of cells is inconsistent with itself or with the file.
    #[error("{}: cell batch {batch}: {message}", .path.display())]
    Batch {
        /// The target file.
        path: PathBuf,
        /// 0-based batch number.
        batch: usize,
        /// What is wrong and what was expected.
        message: String,
    },
}

/// Adds the target path and HDF5 object to an HDF5 result.
trait Context<T> {
    fn at(self, path: &Path, object: &str) -> Result<T, H5adWriteError>;
}

impl<T> Context<T> for hdf5::Result<T> {
    fn at(self, path: &Path, object: &str) -> Result<T, H5adWriteError> {
        self.map_err(|source| H5adWriteError::Hdf5 {
            path: path.to_path_buf(),
            object: object.to_string(),
            source,
        })
    }
}

/// The stable name of a value kind, stored as `uns/value_kind` so a reader gets it back.
pub fn value_kind_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Expression => "expression",
        ValueKind::ZScore => "z-score",
        ValueKind::RankScore => "rank-score",
        ValueKind::Response => "response",
    }
}

/// The value kind `uns/value_kind` names (see [`value_kind_name`]), if any.
pub fn value_kind_from_name(name: &str) -> Option<ValueKind> {
    [
        ValueKind::Expression,
        ValueKind::ZScore,
        ValueKind::RankScore,
        ValueKind::Response,
    ]
    .into_iter()
    .find(|&kind| value_kind_name(kind) == name)
}

/// Opens the temporary file beside `path` and the HDF5 file in it.
fn create_file(path: &Path) -> Result<(AtomicFile, File), H5adWriteError> {
    let atomic = AtomicFile::create(path).map_err(|source| H5adWriteError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let file = File::create(atomic.temp_path()).at(path, "/")?;
    set_encoding(&file, "anndata", "0.1.0").at(path, "/")?;
    Ok((atomic, file))
}

/// Closes the HDF5 file and renames the temporary file into place.
fn commit(path: &Path, atomic: AtomicFile, file: File) -> Result<(), H5adWriteError> {
    file.close().at(path, "/")?;
    atomic.commit().map_err(|source| H5adWriteError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Starts a dataframe group: `_index` dataset, `column-order` attribute, encoding attributes.
fn dataframe(file: &File, name: &str, index: &[String], columns: &[&str]) -> hdf5::Result<Group> {
    let g = file.create_group(name)?;
    set_encoding(&g, "dataframe", "0.2.0")?;
    set_str_attr(&g, "_index", "_index")?;
    set_str_array_attr(&g, "column-order", columns)?;
    write_strings(&g, "_index", index)?;
    Ok(g)
}

fn empty_mappings(file: &File) -> hdf5::Result<()> {
    for name in ["layers", "obsm", "obsp", "varm", "varp"] {
        let g = file.create_group(name)?;
        set_encoding(&g, "dict", "0.1.0")?;
    }
    Ok(())
}

/// Writes `uns` with the value kind as a string scalar.
fn write_uns(file: &File, kind: ValueKind) -> hdf5::Result<()> {
    let uns = file.create_group("uns")?;
    set_encoding(&uns, "dict", "0.1.0")?;
    let value: hdf5::types::VarLenUnicode = value_kind_name(kind)
        .parse()
        .map_err(|e| hdf5::Error::from(format!("{e}")))?;
    let ds = uns
        .new_dataset::<hdf5::types::VarLenUnicode>()
        .shape(())
        .create("value_kind")?;
    ds.as_writer().write_scalar(&value)?;
    set_encoding(&ds, "string", "0.2.0")
}

/// Writes a screen as a pseudo-bulk h5ad: one obs row per perturbation (its profile, response +
/// control) and, when the control was measured, a last row `non-targeting` holding the control
/// profile. obs has the column `perturbation`; var's index is the genes; `uns/value_kind`
/// records what the values mean. X is dense `float32`, uncompressed, so it reads in one call.
///
/// ```
/// # use mechpert::data::{Screen, ValueKind, GeneSymbols, io::Builder};
/// # use mechpert::data::io::h5ad::write_pseudobulk;
/// # use ndarray::array;
/// let screen = Screen::from_profiles(
///     vec!["MYC".into()], vec!["TP53".into(), "GATA1".into()],
///     array![1.0, 2.0], array![[1.5, 2.0]], ValueKind::Expression).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("toy.h5ad");
/// write_pseudobulk(&screen, &path).unwrap();
/// let back = Builder::new(GeneSymbols::embedded()).build_from_path(&path).unwrap().screen;
/// assert_eq!(back.response(), screen.response());
/// ```
pub fn write_pseudobulk(screen: &Screen, path: &Path) -> Result<(), H5adWriteError> {
    let rows: Vec<usize> = (0..screen.n_perturbations()).collect();
    write_predictions(screen, &rows, screen.response(), path)
}

/// Writes predicted responses as a pseudo-bulk h5ad laid out as [`write_pseudobulk`] lays out a
/// screen: one obs row per predicted perturbation (`response` row `i` predicts screen row
/// `rows[i]`), X the predicted profile (response + the screen's control), and the measured
/// control as a last row `non-targeting` when there is one — the shape cell-eval and `mechpert
/// score` read as predictions.
///
/// ```
/// # use mechpert::data::{Screen, ValueKind, GeneSymbols, io::Builder};
/// # use mechpert::data::io::h5ad::write_predictions;
/// # use ndarray::array;
/// let screen = Screen::from_profiles(
///     vec!["MYC".into(), "KLF1".into()], vec!["TP53".into(), "GATA1".into()],
///     array![1.0, 2.0], array![[1.5, 2.0], [0.0, 2.5]], ValueKind::Expression).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("pred.h5ad");
/// write_predictions(&screen, &[1], array![[-0.5, 0.25]].view(), &path).unwrap();
/// let back = Builder::new(GeneSymbols::embedded()).build_from_path(&path).unwrap().screen;
/// assert_eq!(back.perturbations(), ["KLF1"]);
/// assert_eq!(back.response(), array![[-0.5, 0.25]]);
/// ```
pub fn write_predictions(
    screen: &Screen,
    rows: &[usize],
    response: ndarray::ArrayView2<'_, f32>,
    path: &Path,
) -> Result<(), H5adWriteError> {
    assert_eq!(
        response.shape(),
        [rows.len(), screen.n_genes()],
        "rows × genes"
    );
    let (atomic, file) = create_file(path)?;
    let with_control = screen.control_measured();
    let n_rows = rows.len() + usize::from(with_control);
    let mut labels: Vec<String> = rows
        .iter()
        .map(|&r| screen.perturbations()[r].clone())
        .collect();
    let mut x = Array2::<f32>::zeros((n_rows, screen.n_genes()));
    x.slice_mut(s![..rows.len(), ..])
        .assign(&(&response + &screen.control()));
    if with_control {
        x.row_mut(n_rows - 1).assign(&screen.control());
        labels.push(CONTROL_LABEL.to_string());
    }
    let ds = file
        .new_dataset::<f32>()
        .shape([n_rows, screen.n_genes()])
        .create("X")
        .at(path, "/X")?;
    ds.as_writer().write(x.view()).at(path, "/X")?;
    set_encoding(&ds, "array", "0.2.0").at(path, "/X")?;
    drop(ds);
    let obs = dataframe(&file, "obs", &labels, &[PERTURBATION_COLUMN]).at(path, "/obs")?;
    write_strings(&obs, PERTURBATION_COLUMN, &labels).at(path, "/obs/perturbation")?;
    drop(obs);
    drop(dataframe(&file, "var", screen.genes(), &[]).at(path, "/var")?);
    empty_mappings(&file).at(path, "/")?;
    write_uns(&file, screen.value_kind()).at(path, "/uns")?;
    commit(path, atomic, file)
}

/// One batch of cells as compressed sparse rows: cell `i` has the values
/// `data[indptr[i]..indptr[i+1]]` at gene columns `indices[indptr[i]..indptr[i+1]]`.
#[derive(Debug, Clone, Copy)]
pub struct CsrRows<'a> {
    /// Row offsets, one more than the cells in the batch, starting at 0.
    pub indptr: &'a [usize],
    /// Gene column of each stored value.
    pub indices: &'a [u32],
    /// The stored values.
    pub data: &'a [f32],
}

/// One categorical obs column being streamed: codes on disk, categories in memory.
#[derive(Debug)]
struct Categorical {
    name: String,
    codes: Dataset,
    categories: Vec<String>,
    code_of: HashMap<String, i32>,
}

/// Streams single cells into an h5ad file with a CSR `X` and categorical obs columns.
///
/// Cells arrive in batches ([`H5adCellWriter::append`]) and go straight to chunked, resizable,
/// gzip-compressed datasets; memory holds one batch plus the category names. Nothing appears at
/// the target path until [`H5adCellWriter::finish`] succeeds; dropping the writer unfinished
/// removes the temporary file.
///
/// ```
/// # use mechpert::data::io::h5ad::{H5adCellWriter, CsrRows};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("cells.h5ad");
/// let genes = vec!["TP53".to_string(), "MYC".to_string()];
/// let mut w = H5adCellWriter::create(&path, &genes, &["perturbation"]).unwrap();
/// // Two cells: a control with TP53 = 1, a MYC knockout with MYC = 2.
/// w.append(&[&["non-targeting", "TP53"]], CsrRows {
///     indptr: &[0, 1, 2], indices: &[0, 1], data: &[1.0, 2.0] }).unwrap();
/// w.finish().unwrap();
/// assert!(path.exists());
/// ```
#[derive(Debug)]
pub struct H5adCellWriter {
    // Field order is drop order: HDF5 handles first, the temporary file last.
    data: Dataset,
    indices: Dataset,
    indptr: Dataset,
    obs: Vec<Categorical>,
    file: File,
    atomic: AtomicFile,
    path: PathBuf,
    genes: Vec<String>,
    cells: usize,
    nnz: usize,
    batches: usize,
}

impl H5adCellWriter {
    /// Starts a file at `path` for cells measured over `genes`, with one categorical obs column
    /// per name in `obs_columns` (for example `["perturbation", "day"]`).
    pub fn create(
        path: &Path,
        genes: &[String],
        obs_columns: &[&str],
    ) -> Result<H5adCellWriter, H5adWriteError> {
        let (atomic, file) = create_file(path)?;
        let x = file.create_group("X").at(path, "/X")?;
        set_encoding(&x, "csr_matrix", "0.1.0").at(path, "/X")?;
        let stream = |g: &Group, name: &str, kind: Kind| -> hdf5::Result<Dataset> {
            let b = g.new_dataset_builder();
            let b = match kind {
                Kind::F32 => b.empty::<f32>(),
                Kind::I32 => b.empty::<i32>(),
                Kind::I64 => b.empty::<i64>(),
            };
            let ds = b.chunk(CHUNK).deflate(GZIP_LEVEL).shape(0..).create(name)?;
            set_encoding(&ds, "array", "0.2.0")?;
            Ok(ds)
        };
        let data = stream(&x, "data", Kind::F32).at(path, "/X/data")?;
        let indices = stream(&x, "indices", Kind::I64).at(path, "/X/indices")?;
        let indptr = stream(&x, "indptr", Kind::I64).at(path, "/X/indptr")?;
        indptr.resize(1).at(path, "/X/indptr")?;
        indptr
            .as_writer()
            .write_slice(&[0i64], 0..1)
            .at(path, "/X/indptr")?;
        let obs_group = file.create_group("obs").at(path, "/obs")?;
        let mut obs = Vec::with_capacity(obs_columns.len());
        for &name in obs_columns {
            let object = format!("/obs/{name}");
            let g = obs_group.create_group(name).at(path, &object)?;
            set_encoding(&g, "categorical", "0.2.0").at(path, &object)?;
            g.new_attr::<bool>()
                .shape(())
                .create("ordered")
                .and_then(|a| a.as_writer().write_scalar(&false))
                .at(path, &object)?;
            let codes = stream(&g, "codes", Kind::I32).at(path, &object)?;
            obs.push(Categorical {
                name: name.to_string(),
                codes,
                categories: Vec::new(),
                code_of: HashMap::new(),
            });
        }
        Ok(H5adCellWriter {
            data,
            indices,
            indptr,
            obs,
            file,
            atomic,
            path: path.to_path_buf(),
            genes: genes.to_vec(),
            cells: 0,
            nnz: 0,
            batches: 0,
        })
    }

    fn batch_error(&self, message: String) -> H5adWriteError {
        H5adWriteError::Batch {
            path: self.path.clone(),
            batch: self.batches,
            message,
        }
    }

    /// Appends a batch of cells: `obs_values` holds one slice per obs column (in the order given
    /// to [`H5adCellWriter::create`]) with one label per cell; `cells` their expression rows.
    /// Categories are numbered in order of first appearance. Every call resizes and writes five
    /// datasets, so batches of thousands of cells write much faster than a few at a time.
    pub fn append(
        &mut self,
        obs_values: &[&[&str]],
        cells: CsrRows<'_>,
    ) -> Result<(), H5adWriteError> {
        let n = cells.indptr.len().saturating_sub(1);
        self.check_batch(obs_values, cells)?;
        let nnz = cells.data.len();
        let path = self.path.clone();
        let (start, end) = (self.nnz, self.nnz + nnz);
        self.data.resize(end).at(&path, "/X/data")?;
        self.data
            .as_writer()
            .write_slice(cells.data, start..end)
            .at(&path, "/X/data")?;
        let indices: Vec<i64> = cells.indices.iter().map(|&g| i64::from(g)).collect();
        self.indices.resize(end).at(&path, "/X/indices")?;
        self.indices
            .as_writer()
            .write_slice(&indices, start..end)
            .at(&path, "/X/indices")?;
        let indptr: Vec<i64> = cells.indptr[1..]
            .iter()
            .map(|&p| (start + p) as i64)
            .collect();
        let (c0, c1) = (self.cells + 1, self.cells + 1 + n);
        self.indptr.resize(c1).at(&path, "/X/indptr")?;
        self.indptr
            .as_writer()
            .write_slice(&indptr, c0..c1)
            .at(&path, "/X/indptr")?;
        for (col, values) in self.obs.iter_mut().zip(obs_values) {
            let codes: Vec<i32> = values
                .iter()
                .map(|v| {
                    *col.code_of.entry((*v).to_string()).or_insert_with(|| {
                        col.categories.push((*v).to_string());
                        (col.categories.len() - 1) as i32
                    })
                })
                .collect();
            let object = format!("/obs/{}/codes", col.name);
            col.codes.resize(self.cells + n).at(&path, &object)?;
            col.codes
                .as_writer()
                .write_slice(&codes, self.cells..self.cells + n)
                .at(&path, &object)?;
        }
        self.cells += n;
        self.nnz = end;
        self.batches += 1;
        Ok(())
    }

    fn check_batch(
        &self,
        obs_values: &[&[&str]],
        cells: CsrRows<'_>,
    ) -> Result<(), H5adWriteError> {
        let Some((&first, _)) = cells.indptr.split_first() else {
            return Err(
                self.batch_error("indptr is empty: expected one offset per cell plus one".into())
            );
        };
        let n = cells.indptr.len() - 1;
        if first != 0 {
            return Err(self.batch_error(format!("indptr starts at {first}, expected 0")));
        }
        if let Some(w) = cells.indptr.windows(2).position(|w| w[1] < w[0]) {
            return Err(self.batch_error(format!(
                "indptr decreases at cell {w}: expected non-decreasing offsets"
            )));
        }
        let last = cells.indptr[n];
        if last != cells.data.len() || last != cells.indices.len() {
            return Err(self.batch_error(format!(
                "indptr ends at {last} but there are {} values and {} indices: expected all three equal",
                cells.data.len(),
                cells.indices.len()
            )));
        }
        if let Some(&g) = cells
            .indices
            .iter()
            .find(|&&g| g as usize >= self.genes.len())
        {
            return Err(self.batch_error(format!(
                "gene index {g} out of range: expected < {} genes",
                self.genes.len()
            )));
        }
        if obs_values.len() != self.obs.len() {
            return Err(self.batch_error(format!(
                "{} obs columns given, expected {} ({})",
                obs_values.len(),
                self.obs.len(),
                self.obs
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        for (col, values) in self.obs.iter().zip(obs_values) {
            if values.len() != n {
                return Err(self.batch_error(format!(
                    "obs column `{}` has {} labels for {n} cells",
                    col.name,
                    values.len()
                )));
            }
        }
        Ok(())
    }

    /// Cells appended so far.
    pub fn cells(&self) -> usize {
        self.cells
    }

    /// Writes the shape, obs (index `0..n` and the categories) and var, closes the file and
    /// moves it into place.
    pub fn finish(self) -> Result<(), H5adWriteError> {
        let H5adCellWriter {
            data,
            indices,
            indptr,
            obs,
            file,
            atomic,
            path,
            genes,
            cells,
            ..
        } = self;
        drop((data, indices, indptr));
        let x = file.group("X").at(&path, "/X")?;
        x.new_attr::<i64>()
            .shape(2)
            .create("shape")
            .and_then(|a| a.as_writer().write_raw(&[cells as i64, genes.len() as i64]))
            .at(&path, "/X")?;
        drop(x);
        let obs_group = file.group("obs").at(&path, "/obs")?;
        set_encoding(&obs_group, "dataframe", "0.2.0").at(&path, "/obs")?;
        set_str_attr(&obs_group, "_index", "_index").at(&path, "/obs")?;
        let names: Vec<&str> = obs.iter().map(|c| c.name.as_str()).collect();
        set_str_array_attr(&obs_group, "column-order", &names).at(&path, "/obs")?;
        write_cell_index(&obs_group, cells).at(&path, "/obs/_index")?;
        for col in obs {
            let object = format!("/obs/{}", col.name);
            let g = obs_group.group(&col.name).at(&path, &object)?;
            write_strings(&g, "categories", &col.categories).at(&path, &object)?;
        }
        drop(obs_group);
        drop(dataframe(&file, "var", &genes, &[]).at(&path, "/var")?);
        empty_mappings(&file).at(&path, "/")?;
        write_uns(&file, ValueKind::Expression).at(&path, "/uns")?;
        commit(&path, atomic, file)
    }
}

#[derive(Clone, Copy)]
enum Kind {
    F32,
    I32,
    I64,
}

/// Cell names `0`, `1`, … (anndata's default), written in chunks.
fn write_cell_index(obs: &Group, cells: usize) -> hdf5::Result<()> {
    let ds = obs
        .new_dataset::<hdf5::types::VarLenUnicode>()
        .shape(cells)
        .create("_index")?;
    let mut start = 0;
    while start < cells {
        let end = (start + CHUNK).min(cells);
        let names = (start..end)
            .map(|i| i.to_string().parse::<hdf5::types::VarLenUnicode>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| hdf5::Error::from(format!("{e}")))?;
        ds.as_writer().write_slice(&names, start..end)?;
        start = end;
    }
    set_encoding(&ds, "string-array", "0.2.0")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn genes() -> Vec<String> {
        ["TP53", "MYC", "GATA1"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn rows<'a>(indptr: &'a [usize], indices: &'a [u32], data: &'a [f32]) -> CsrRows<'a> {
        CsrRows {
            indptr,
            indices,
            data,
        }
    }

    #[test]
    fn streamed_cells_land_as_csr_with_categorical_obs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cells.h5ad");
        let mut w = H5adCellWriter::create(&path, &genes(), &["perturbation", "day"]).unwrap();
        w.append(
            &[&["non-targeting", "MYC"], &["2", "3"]],
            rows(&[0, 1, 3], &[0, 1, 2], &[1.0, 2.0, 3.0]),
        )
        .unwrap();
        w.append(&[&["MYC"], &["2"]], rows(&[0, 1], &[2], &[4.0]))
            .unwrap();
        assert_eq!(w.cells(), 3);
        assert!(!path.exists(), "nothing at the target before finish");
        w.finish().unwrap();
        let f = File::open(&path).unwrap();
        let x = f.group("X").unwrap();
        assert_eq!(x.attr("shape").unwrap().read_raw::<i64>().unwrap(), [3, 3]);
        let indptr: Vec<i64> = x.dataset("indptr").unwrap().read_raw().unwrap();
        assert_eq!(indptr, [0, 1, 3, 4]);
        let indices: Vec<i64> = x.dataset("indices").unwrap().read_raw().unwrap();
        assert_eq!(indices, [0, 1, 2, 2]);
        let codes: Vec<i32> = f
            .dataset("obs/perturbation/codes")
            .unwrap()
            .read_raw()
            .unwrap();
        assert_eq!(codes, [0, 1, 1]);
        let cats = super::super::encoding::read_strings(&f.dataset("obs/day/categories").unwrap())
            .unwrap();
        assert_eq!(cats, ["2", "3"]);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temporary file renamed away"
        );
    }

    #[test]
    fn an_unfinished_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cells.h5ad");
        let mut w = H5adCellWriter::create(&path, &genes(), &["perturbation"]).unwrap();
        w.append(&[&["MYC"]], rows(&[0, 1], &[0], &[1.0])).unwrap();
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn bad_batches_say_what_was_expected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cells.h5ad");
        let mut w = H5adCellWriter::create(&path, &genes(), &["perturbation"]).unwrap();
        let err = |w: &mut H5adCellWriter, obs: &[&[&str]], c: CsrRows<'_>| {
            w.append(obs, c).unwrap_err().to_string()
        };
        let e = err(&mut w, &[&[]], rows(&[], &[], &[]));
        assert!(e.contains("cell batch 0: indptr is empty"), "{e}");
        let e = err(&mut w, &[&["A"]], rows(&[1, 1], &[0], &[1.0]));
        assert!(e.contains("indptr starts at 1, expected 0"), "{e}");
        let e = err(&mut w, &[&["A", "B"]], rows(&[0, 1, 0], &[0], &[1.0]));
        assert!(e.contains("indptr decreases at cell 1"), "{e}");
        let e = err(&mut w, &[&["A"]], rows(&[0, 2], &[0], &[1.0]));
        assert!(e.contains("indptr ends at 2 but there are 1 values"), "{e}");
        let e = err(&mut w, &[&["A"]], rows(&[0, 1], &[3], &[1.0]));
        assert!(e.contains("gene index 3 out of range: expected < 3"), "{e}");
        let e = err(&mut w, &[], rows(&[0, 1], &[0], &[1.0]));
        assert!(
            e.contains("0 obs columns given, expected 1 (perturbation)"),
            "{e}"
        );
        let e = err(&mut w, &[&["A", "B"]], rows(&[0, 1], &[0], &[1.0]));
        assert!(
            e.contains("obs column `perturbation` has 2 labels for 1 cells"),
            "{e}"
        );
        assert_eq!(w.cells(), 0, "refused batches add nothing");
    }

    #[test]
    fn unwritable_targets_name_the_file_and_object() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no/such/dir/x.h5ad");
        let e = H5adCellWriter::create(&missing, &genes(), &[]).unwrap_err();
        assert!(matches!(e, H5adWriteError::Io { .. }), "{e}");
        assert!(e.to_string().contains("x.h5ad: cannot write"), "{e}");
        let path = dir.path().join("x.h5ad");
        let e = H5adCellWriter::create(&path, &genes(), &["day", "day"]).unwrap_err();
        assert!(e.to_string().contains("HDF5 `/obs/day`"), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}

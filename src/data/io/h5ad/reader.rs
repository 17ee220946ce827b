//! Reading `.h5ad` files into a [`Screen`].
//!
//! In: an AnnData file with `X` (dense, CSR or CSC; any float or integer type; compressed or
//! not) or, with `--layer NAME`, `layers/NAME` in its place, `obs` (with the perturbation label
//! column) and `var` (gene names). Out: one [`Screen`], and a [`MatrixSource`] saying which
//! matrix was read and what its values look like.
//!
//! **Single cells or pseudo-bulk?** The file holds single cells when its rows repeat labels: at
//! least twice as many obs rows as distinct perturbation labels. Single cells are streamed block
//! by block into a [`pseudobulk::Accumulator`] (memory ∝ genes × perturbations), giving mean
//! profiles, cell counts and Welch top-DE genes; control cells are required. Otherwise each row
//! is one perturbation (a repeated label is an error), rows labelled as controls are averaged
//! into the control profile, and without control rows the values must already be relative to
//! control (`--values z-score|response`, a `uns/value_kind` written by mechpert, or Replogle's
//! `*_normalized_bulk_01.h5ad` layout, recognised by its obs `gene_id` column, read as z-scores).
//!
//! **Gene names** come from a var symbol column (`gene_symbols`, `gene_symbol`, `gene_name`,
//! `gene_names`, `feature_name`, `symbol`) when present, else the var index, and pass through the
//! alias table. A symbol repeated in a symbol column falls back to that row's var index.
//!
//! [`pseudobulk::Accumulator`]: crate::data::pseudobulk::Accumulator

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;

use hdf5::File;
use ndarray::{Array1, Axis, s};

use super::frame::{Frame, Labels};
use super::matrix::{Block, Matrix, MatrixError, layer_names};
use crate::data::io::cells::{CellGroups, log1p_cp10k, screen_from_cells};
use crate::data::io::error::ReadError;
use crate::data::io::reader::{Builder, DEFAULT_PERTURBATION_KEYS};
use crate::data::io::source::{MatrixSource, ValueStats};
use crate::data::pseudobulk::Accumulator;
use crate::data::{Screen, ValueKind};

/// var columns holding gene symbols, tried in order before the var index.
pub const SYMBOL_COLUMNS: &[&str] = &[
    "gene_symbols",
    "gene_symbol",
    "gene_name",
    "gene_names",
    "feature_name",
    "symbol",
];

/// An obs column that marks Replogle's normalised bulk layout (values z-scored against controls).
const REPLOGLE_MARKER: &str = "gene_id";

/// Reads an h5ad screen, and says which matrix it was read from.
pub(in crate::data::io) fn read(
    builder: &Builder<'_>,
    path: &Path,
) -> Result<(Screen, MatrixSource), ReadError> {
    let frame_err = located(path);
    let file = File::open(path).map_err(|e| {
        let e = e.to_string();
        // HDF5 locks files it opens; a writer holding the file, or a file system without
        // locks (some NFS mounts), makes every read fail until told not to lock.
        let hint = if e.contains("lock") {
            ": another process may have it open for writing, or the file system may not support locks (HDF5_USE_FILE_LOCKING=FALSE reads without a lock)"
        } else {
            ": expected an AnnData .h5ad file"
        };
        frame_err(("/".into(), format!("cannot open as HDF5 ({e}){hint}")))
    })?;
    let x = Matrix::open(&file, builder.layer.as_deref())
        .map_err(|e| matrix_error(path, e, "/X", None, &[]))?;
    let obs = Frame::open(&file, "obs").map_err(frame_err)?;
    let var = Frame::open(&file, "var").map_err(frame_err)?;
    let parts = Parts {
        x,
        obs,
        var,
        layers: layer_names(&file),
        stored: stored_value_kind(&file),
        origin: "HDF5",
    };
    read_parts(builder, path, parts)
}

/// The error at an HDF5 object (or AnnData part) of `path`, from its name and what was expected.
fn located(path: &Path) -> impl Fn((String, String)) -> ReadError + Copy + '_ {
    move |(object, message)| ReadError::Hdf5 {
        path: path.to_path_buf(),
        object,
        message,
    }
}

/// An AnnData object's parts, from a file or from memory.
pub(super) struct Parts {
    pub(super) x: Matrix,
    pub(super) obs: Frame,
    pub(super) var: Frame,
    /// The names of its layers.
    pub(super) layers: Vec<String>,
    /// What its values are, when it says (`uns/value_kind`, written by mechpert).
    pub(super) stored: Option<ValueKind>,
    /// How messages name the kind of the matrix object (`HDF5` in a file, `matrix` in memory).
    pub(super) origin: &'static str,
}

/// Reads a screen from an AnnData object's parts; `path` names it in errors.
pub(super) fn read_parts(
    builder: &Builder<'_>,
    path: &Path,
    parts: Parts,
) -> Result<(Screen, MatrixSource), ReadError> {
    let frame_err = located(path);
    let err = |object: &str, message: String| frame_err((object.to_string(), message));
    let Parts {
        x,
        obs,
        var,
        layers,
        stored,
        origin,
    } = parts;
    let (n_rows, n_cols) = x.shape();
    let (genes, unmapped_genes) = gene_names(builder, &var, n_cols).map_err(frame_err)?;
    let key = perturbation_key(builder, &obs).map_err(frame_err)?;
    let labels = obs.column(&key).map_err(frame_err)?;
    if labels.codes.len() != n_rows {
        return Err(err(
            &format!("/obs/{key}"),
            format!(
                "has {} rows but {name} has {n_rows}: expected one label per {name} row",
                labels.codes.len(),
                name = x.object().trim_start_matches('/'),
            ),
        ));
    }
    let (encoding, dtype) = x.encoding();
    let mut matrix = MatrixSource {
        name: x.object().trim_start_matches('/').to_string(),
        encoding,
        dtype,
        values: None,
        layers,
        labels: None,
    };
    let source = Source {
        origin,
        builder,
        path,
        x: &x,
        obs: &obs,
        key: &key,
        labels: &labels,
        genes,
        unmapped_genes,
    };
    let distinct = used_values(&labels).iter().filter(|u| **u).count();
    let mut stats = ValueStats::default();
    let screen = if n_rows >= 2 * distinct.max(1) {
        tracing::debug!(cells = n_rows, labels = distinct, "h5ad holds single cells");
        source.read_cells(&mut stats)
    } else {
        let replogle = obs.has(REPLOGLE_MARKER);
        tracing::debug!(
            rows = n_rows,
            replogle,
            "h5ad holds one row per perturbation"
        );
        source.read_bulk(stored, replogle, &mut stats)
    }?;
    matrix.values = stats.summary();
    Ok((screen, matrix))
}

/// Everything read before the rows are interpreted.
struct Source<'a> {
    origin: &'static str,
    builder: &'a Builder<'a>,
    path: &'a Path,
    x: &'a Matrix,
    obs: &'a Frame,
    key: &'a str,
    labels: &'a Labels,
    genes: Vec<String>,
    unmapped_genes: usize,
}

impl Source<'_> {
    fn no_control(&self, where_: String) -> ReadError {
        ReadError::NoControl {
            path: self.path.to_path_buf(),
            where_,
            tried: self.builder.control_labels.clone(),
        }
    }

    fn matrix_error(&self, e: MatrixError) -> ReadError {
        matrix_error(self.path, e, self.x.object(), Some(self.obs), &self.genes)
    }

    /// Single cells → one mean profile per perturbation, streaming over the matrix; `stats`
    /// sees every value.
    fn read_cells(self, stats: &mut ValueStats) -> Result<Screen, ReadError> {
        let builder = self.builder;
        let used = used_values(self.labels);
        // Group 0 is the control; perturbations follow in order of first category.
        let mut group_of_value = vec![usize::MAX; self.labels.values.len()];
        let mut perturbations: Vec<String> = Vec::new();
        let mut group_of_name: HashMap<String, usize> = HashMap::new();
        let mut unmapped_perts = 0;
        let mut has_control = false;
        for (v, raw) in self.labels.values.iter().enumerate() {
            if !used[v] || raw.trim().is_empty() {
                continue;
            }
            group_of_value[v] = if builder.is_control(raw) {
                has_control = true;
                0
            } else {
                let symbol = builder.symbols.normalise(raw, &mut unmapped_perts);
                *group_of_name.entry(symbol).or_insert_with_key(|s| {
                    perturbations.push(s.clone());
                    perturbations.len()
                })
            };
        }
        if !has_control {
            return Err(self.no_control(format!("cells whose obs `{}` is", self.key)));
        }
        let group_of_row: Vec<usize> = self
            .labels
            .codes
            .iter()
            .map(|&c| {
                if c < 0 {
                    usize::MAX
                } else {
                    group_of_value[c as usize]
                }
            })
            .collect();
        let skipped = group_of_row.iter().filter(|&&g| g == usize::MAX).count();
        if skipped > 0 {
            tracing::warn!(
                cells = skipped,
                "cells without a perturbation label are left out"
            );
        }
        let mut acc = Accumulator::new(perturbations.len() + 1, self.genes.len());
        let normalize = builder.normalize.is_some();
        self.x
            .visit(|block| {
                match &block {
                    Block::DenseRows { values, .. } => match values.as_slice() {
                        Some(all) => stats.look(all),
                        None => values.outer_iter().for_each(|r| stats.look(&r.to_vec())),
                    },
                    Block::Sparse { data, .. } => stats.look(data),
                }
                accumulate(&mut acc, &group_of_row, block, normalize, self.x.object())
            })
            .map_err(|e| self.matrix_error(e))?;
        let (rows, cols) = self.x.shape();
        stats.fill_implicit_zeros(rows as u64 * cols as u64);
        if !normalize && stats.is_counts() {
            return Err(ReadError::RawCounts {
                path: self.path.to_path_buf(),
                matrix: format!("{} `{}`", self.origin, self.x.object()),
                max: stats.max(),
            });
        }
        let groups = CellGroups {
            perturbations,
            genes: self.genes,
            unmapped_genes: self.unmapped_genes,
            unmapped_perturbations: unmapped_perts,
        };
        let kind = builder.values.unwrap_or(ValueKind::Expression);
        screen_from_cells(&acc, groups, kind).map_err(|source| ReadError::Screen {
            path: self.path.to_path_buf(),
            source,
        })
    }

    /// One row per perturbation; control rows averaged into the control profile.
    fn read_bulk(
        self,
        stored: Option<ValueKind>,
        replogle: bool,
        stats: &mut ValueStats,
    ) -> Result<Screen, ReadError> {
        let builder = self.builder;
        let values = self.x.read_dense().map_err(|e| self.matrix_error(e))?;
        match values.as_slice() {
            Some(all) => stats.look(all),
            None => stats.look(&values.iter().copied().collect::<Vec<_>>()),
        }
        let obs_names = || self.obs.index().unwrap_or_default();
        let mut rows: Vec<usize> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut first_row: HashMap<String, usize> = HashMap::new();
        let mut control_rows: Vec<usize> = Vec::new();
        let mut unmapped_perts = 0;
        for r in 0..self.labels.codes.len() {
            let Some(raw) = self.labels.get(r).filter(|l| !l.trim().is_empty()) else {
                tracing::warn!(
                    row = r,
                    "an obs row without a perturbation label is left out"
                );
                continue;
            };
            if builder.is_control(raw) {
                control_rows.push(r);
                continue;
            }
            let symbol = builder.symbols.normalise(raw, &mut unmapped_perts);
            match first_row.entry(symbol) {
                Entry::Occupied(e) => {
                    let idx = obs_names();
                    let at = |r: usize| match idx.get(r) {
                        Some(n) => format!("{r} (`{n}`)"),
                        None => r.to_string(),
                    };
                    return Err(ReadError::Hdf5 {
                        path: self.path.to_path_buf(),
                        object: format!("/obs/{}", self.key),
                        message: format!(
                            "perturbation `{}` labels rows {} and {}: a pseudo-bulk file has one row per perturbation",
                            e.key(),
                            at(*e.get()),
                            at(r)
                        ),
                    });
                }
                Entry::Vacant(v) => {
                    names.push(v.key().clone());
                    v.insert(r);
                    rows.push(r);
                }
            }
        }
        let kind = builder.values.or(stored).unwrap_or(if replogle {
            ValueKind::ZScore
        } else {
            ValueKind::Expression
        });
        let control: Option<Array1<f32>> = (!control_rows.is_empty()).then(|| {
            values
                .select(Axis(0), &control_rows)
                .mean_axis(Axis(0))
                .expect("at least one control row")
        });
        // Perturbation rows usually come first and in order: keep that block without a copy.
        let profiles = if rows.iter().enumerate().all(|(i, &r)| i == r) {
            values.slice_move(s![..rows.len(), ..])
        } else {
            values.select(Axis(0), &rows)
        };
        let screen = if let Some(control) = control {
            Screen::from_profiles(names, self.genes, control, profiles, kind)
        } else if kind != ValueKind::Expression {
            Screen::from_responses(names, self.genes, profiles, kind)
        } else {
            return Err(self.no_control(format!("an obs row whose `{}` is", self.key)));
        };
        screen
            .map(|s| s.with_unmapped(self.unmapped_genes, unmapped_perts))
            .map_err(|source| ReadError::Screen {
                path: self.path.to_path_buf(),
                source,
            })
    }
}

/// Adds one block of the matrix (HDF5 `object`) to the accumulator; rows of group `usize::MAX`
/// are skipped. With `normalise`, each cell is first normalised by [`log1p_cp10k`] (cells as
/// rows only).
fn accumulate(
    acc: &mut Accumulator,
    group_of_row: &[usize],
    block: Block<'_>,
    normalise: bool,
    object: &str,
) -> Result<(), MatrixError> {
    match block {
        Block::DenseRows { first, values } => {
            for (i, row) in values.outer_iter().enumerate() {
                let g = group_of_row[first + i];
                if g != usize::MAX {
                    match (normalise, row.as_slice()) {
                        (true, _) => acc.add_dense(g, &log1p_cp10k(&row.to_vec())),
                        (false, Some(row)) => acc.add_dense(g, row),
                        (false, None) => acc.add_dense(g, &row.to_vec()),
                    }
                }
            }
        }
        Block::Sparse {
            by_rows: true,
            first,
            indptr,
            indices,
            data,
        } => {
            for (m, w) in indptr.windows(2).enumerate() {
                let g = group_of_row[first + m];
                if g != usize::MAX {
                    let range = w[0]..w[1];
                    let values = match normalise {
                        true => std::borrow::Cow::Owned(log1p_cp10k(&data[range.clone()])),
                        false => std::borrow::Cow::Borrowed(&data[range.clone()]),
                    };
                    acc.add_sparse(
                        g,
                        indices[range].iter().copied().zip(values.iter().copied()),
                    );
                }
            }
        }
        Block::Sparse { by_rows: false, .. } if normalise => {
            return Err(MatrixError::Hdf5 {
                object: object.to_string(),
                message: "is CSC (stored by gene): --normalize needs cells as rows; convert with adata.X = adata.X.tocsr() (or the layer likewise) or normalise in scanpy".into(),
            });
        }
        Block::Sparse {
            by_rows: false,
            first,
            indptr,
            indices,
            data,
        } => {
            if first == 0 {
                // Count every cell once, before any of its values arrive.
                for &g in group_of_row.iter().filter(|&&g| g != usize::MAX) {
                    acc.add_sparse(g, std::iter::empty());
                }
            }
            for (m, w) in indptr.windows(2).enumerate() {
                let gene = first + m;
                for k in w[0]..w[1] {
                    let g = group_of_row[indices[k]];
                    if g != usize::MAX {
                        acc.add_entries(g, [(gene, data[k])]);
                    }
                }
            }
        }
    }
    Ok(())
}

/// Which label values are used by at least one row.
fn used_values(labels: &Labels) -> Vec<bool> {
    let mut used = vec![false; labels.values.len()];
    for &c in &labels.codes {
        if c >= 0 {
            used[c as usize] = true;
        }
    }
    used
}

/// The obs column holding the perturbation label.
fn perturbation_key(builder: &Builder<'_>, obs: &Frame) -> Result<String, (String, String)> {
    let wanted: Vec<&str> = match &builder.perturbation_key {
        Some(k) => vec![k.as_str()],
        None => DEFAULT_PERTURBATION_KEYS.to_vec(),
    };
    if let Some(k) = wanted.iter().find(|k| obs.has(k)) {
        return Ok(k.to_string());
    }
    let columns = obs.columns();
    let available = if columns.is_empty() {
        "there are no obs columns".to_string()
    } else {
        format!(
            "the obs columns are {}",
            columns
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err((
        obs.object.clone(),
        format!(
            "no obs column {}: {available}; name the label column with --perturbation-key",
            wanted
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    ))
}

/// Gene names from a var symbol column or the var index, through the alias table.
fn gene_names(
    builder: &Builder<'_>,
    var: &Frame,
    n_cols: usize,
) -> Result<(Vec<String>, usize), (String, String)> {
    let index = var.index()?;
    if index.len() != n_cols {
        return Err((
            format!("{}/_index", var.object),
            format!(
                "has {} gene names but X has {n_cols} columns: expected one per column",
                index.len()
            ),
        ));
    }
    let symbol_column = SYMBOL_COLUMNS.iter().find(|c| var.has(c));
    let (raw, object) = match symbol_column {
        Some(c) => (var.column(c)?.to_strings(), format!("{}/{c}", var.object)),
        None => (index.clone(), format!("{}/_index", var.object)),
    };
    let mut unmapped = 0;
    let mut first: HashMap<String, usize> = HashMap::with_capacity(raw.len());
    let mut genes = Vec::with_capacity(raw.len());
    for (i, name) in raw.iter().enumerate() {
        let name = if name.trim().is_empty() {
            &index[i]
        } else {
            name
        };
        let mut symbol = builder.symbols.normalise(name, &mut unmapped);
        if first.contains_key(&symbol) && symbol_column.is_some() {
            // A symbol shared by two var rows (two Ensembl genes): keep the second by its id.
            symbol = builder.symbols.normalise(&index[i], &mut unmapped);
        }
        match first.entry(symbol) {
            Entry::Occupied(e) => {
                return Err((
                    object,
                    format!(
                        "gene `{}` names var rows {} and {i}: expected unique gene names",
                        e.key(),
                        e.get()
                    ),
                ));
            }
            Entry::Vacant(v) => {
                genes.push(v.key().clone());
                v.insert(i);
            }
        }
    }
    Ok((genes, unmapped))
}

/// The value kind mechpert's writer stored in `uns/value_kind`, if any.
fn stored_value_kind(file: &File) -> Option<ValueKind> {
    let ds = file.dataset("uns/value_kind").ok()?;
    let text: hdf5::types::VarLenUnicode = ds.read_scalar().ok()?;
    // Bytes, not `as_str`: that skips the UTF-8 check (see the encoding module).
    let name = std::str::from_utf8(text.as_bytes()).ok()?;
    super::writer::value_kind_from_name(name)
}

/// A matrix error with the file, and the obs row and gene names when known; `object` is the
/// matrix a non-finite value sits in.
fn matrix_error(
    path: &Path,
    e: MatrixError,
    object: &str,
    obs: Option<&Frame>,
    genes: &[String],
) -> ReadError {
    match e {
        MatrixError::Hdf5 { object, message } => ReadError::Hdf5 {
            path: path.to_path_buf(),
            object,
            message,
        },
        MatrixError::NotFinite { row, column, value } => {
            let row_name = obs
                .and_then(|o| o.index().ok())
                .and_then(|idx| idx.get(row).cloned())
                .map_or(String::new(), |n| format!(" (obs `{n}`)"));
            let gene = genes
                .get(column)
                .map_or(String::new(), |g| format!(" (gene `{g}`)"));
            ReadError::Hdf5 {
                path: path.to_path_buf(),
                object: object.to_string(),
                message: format!(
                    "row {row}{row_name}, column {column}{gene}: expected a finite number, got {value} (--missing applies to CSV/TSV tables only; fill or drop in Python first, e.g. adata.X = np.nan_to_num(adata.X) or adata = adata[:, ~np.isnan(adata.X).any(axis=0)])"
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::writer::{CsrRows, H5adCellWriter, write_pseudobulk};
    use crate::data::GeneSymbols;
    use crate::data::io::Builder;
    use crate::data::{Screen, ValueKind};
    use ndarray::array;
    use std::path::{Path, PathBuf};

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn read(path: &Path) -> Result<Screen, String> {
        Builder::new(GeneSymbols::embedded())
            .build_from_path(path)
            .map(|l| l.screen)
            .map_err(|e| e.to_string())
    }

    fn toy_screen(kind: ValueKind) -> Screen {
        let genes = names(&["TP53", "MYC", "GATA1"]);
        let perts = names(&["MYC", "GATA1"]);
        let values = array![[1.5, -2.0, 1.0], [0.25, 1.0, 4.0]];
        if kind == ValueKind::Expression {
            Screen::from_profiles(perts, genes, array![1.0, 0.5, 2.0], values, kind).unwrap()
        } else {
            Screen::from_responses(perts, genes, values, kind).unwrap()
        }
    }

    #[test]
    fn pseudo_bulk_round_trips_through_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        for kind in [
            ValueKind::Expression,
            ValueKind::ZScore,
            ValueKind::RankScore,
        ] {
            let screen = toy_screen(kind);
            let path = dir.path().join("pb.h5ad");
            write_pseudobulk(&screen, &path).unwrap();
            let back = read(&path).unwrap();
            assert_eq!(back.perturbations(), screen.perturbations(), "{kind:?}");
            assert_eq!(back.genes(), screen.genes());
            assert_eq!(back.response(), screen.response(), "{kind:?}");
            assert_eq!(back.control(), screen.control());
            assert_eq!(back.control_measured(), screen.control_measured());
            assert_eq!(back.value_kind(), kind);
            assert_eq!(back.top_de(), screen.top_de());
            assert_eq!(back.cells(), None);
        }
    }

    /// Cells of three groups over three genes, dense rows, written in two batches.
    fn write_cells(path: &Path) -> Vec<(&'static str, [f32; 3])> {
        let cells = vec![
            ("non-targeting", [1.0, 0.0, 2.0]),
            ("MYC", [0.0, 0.0, 4.0]),
            ("non-targeting", [3.0, 1.0, 0.0]),
            ("MYC", [2.0, 0.0, 1.0]),
            ("GATA1", [0.0, 5.0, 0.0]),
            ("GATA1", [1.0, 3.0, 0.0]),
            ("MYC", [1.0, 0.0, 1.0]),
        ];
        let mut w =
            H5adCellWriter::create(path, &names(&["TP53", "MYC", "GATA1"]), &["perturbation"])
                .unwrap();
        for batch in cells.chunks(4) {
            let (mut indptr, mut indices, mut data) = (vec![0], vec![], vec![]);
            for (_, row) in batch {
                for (g, &v) in row.iter().enumerate() {
                    if v != 0.0 {
                        indices.push(g as u32);
                        data.push(v);
                    }
                }
                indptr.push(indices.len());
            }
            let labels: Vec<&str> = batch.iter().map(|(l, _)| *l).collect();
            w.append(
                &[&labels],
                CsrRows {
                    indptr: &indptr,
                    indices: &indices,
                    data: &data,
                },
            )
            .unwrap();
        }
        w.finish().unwrap();
        cells
    }

    #[test]
    fn streamed_cells_read_back_as_group_means() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cells.h5ad");
        let cells = write_cells(&path);
        let s = read(&path).unwrap();
        assert_eq!(s.perturbations(), ["MYC", "GATA1"]);
        assert_eq!(s.cells(), Some(&[3, 2][..]));
        assert_eq!(s.control_cells(), Some(2));
        for (p, name) in s.perturbations().iter().enumerate() {
            let rows: Vec<_> = cells.iter().filter(|(l, _)| l == name).collect();
            for g in 0..3 {
                let mean = rows.iter().map(|(_, r)| r[g]).sum::<f32>() / rows.len() as f32;
                assert!((s.profile(p)[g] - mean).abs() < 1e-6, "{name} gene {g}");
            }
        }
        assert_eq!(s.control().to_vec(), vec![2.0, 0.5, 1.0]);
    }

    /// Writes a valid cell file, then lets `edit` damage it.
    fn damaged(dir: &Path, name: &str, edit: impl FnOnce(&hdf5::File)) -> PathBuf {
        let path = dir.join(name);
        write_cells(&path);
        let f = hdf5::File::open_rw(&path).unwrap();
        edit(&f);
        f.close().unwrap();
        path
    }

    #[test]
    fn malformed_files_name_the_object_and_what_was_expected() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let cases: Vec<(PathBuf, &str)> = vec![
            (
                damaged(d, "indptr.h5ad", |f| {
                    f.unlink("X/indptr").unwrap();
                    f.new_dataset_builder()
                        .with_data(&[0i64, 1])
                        .create("X/indptr")
                        .unwrap();
                }),
                "HDF5 `/X/indptr`: has 2 entries, expected 8",
            ),
            (
                damaged(d, "indices.h5ad", |f| {
                    let ds = f.dataset("X/indices").unwrap();
                    ds.as_writer().write_slice(&[7i64], 0..1).unwrap();
                }),
                "HDF5 `/X/indices`: entry 0 is 7: expected an index in 0..3",
            ),
            (
                damaged(d, "encoding.h5ad", |f| {
                    let x = f.group("X").unwrap();
                    x.delete_attr("encoding-type").unwrap();
                }),
                "HDF5 `/X`: a group with encoding-type None: expected a dense dataset, csr_matrix or csc_matrix",
            ),
            (
                damaged(d, "shape.h5ad", |f| {
                    f.group("X").unwrap().delete_attr("shape").unwrap();
                }),
                "HDF5 `/X`: sparse matrix has no `shape` attribute",
            ),
            (
                damaged(d, "data.h5ad", |f| f.unlink("X/data").unwrap()),
                "HDF5 `/X/data`: missing: a sparse matrix needs data, indices and indptr",
            ),
            (
                damaged(d, "obs.h5ad", |f| f.unlink("obs").unwrap()),
                "HDF5 `/obs`: missing or not a group: expected the obs dataframe",
            ),
            (
                damaged(d, "var.h5ad", |f| {
                    f.unlink("var/_index").unwrap();
                    super::super::encoding::write_strings(
                        &f.group("var").unwrap(),
                        "_index",
                        &["A"],
                    )
                    .unwrap();
                }),
                "HDF5 `/var/_index`: has 1 gene names but X has 3 columns",
            ),
            (
                damaged(d, "dupgene.h5ad", |f| {
                    f.unlink("var/_index").unwrap();
                    let var = f.group("var").unwrap();
                    super::super::encoding::write_strings(&var, "_index", &["TP53", "p53", "MYC"])
                        .unwrap();
                }),
                "HDF5 `/var/_index`: gene `TP53` names var rows 0 and 1: expected unique gene names",
            ),
            (
                damaged(d, "codes.h5ad", |f| {
                    let ds = f.dataset("obs/perturbation/codes").unwrap();
                    ds.as_writer().write_slice(&[9i32], 0..1).unwrap();
                }),
                "HDF5 `/obs/perturbation/codes`: row 0 has code 9: expected −1 (missing) or a category in 0..3",
            ),
            (
                damaged(d, "labels.h5ad", |f| {
                    let ds = f.dataset("obs/perturbation/codes").unwrap();
                    ds.resize(3).unwrap();
                }),
                "HDF5 `/obs/perturbation`: has 3 rows but X has 7: expected one label per X row",
            ),
            (
                damaged(d, "nested.h5ad", |f| {
                    let g = f.group("obs/perturbation").unwrap();
                    g.delete_attr("encoding-type").unwrap();
                }),
                "HDF5 `/obs/perturbation`: a group with encoding-type None: expected a categorical or string column",
            ),
        ];
        for (path, want) in cases {
            let err = read(&path).unwrap_err();
            assert!(err.contains(want), "{}: {err}", path.display());
        }
    }

    #[test]
    fn a_repeated_symbol_in_a_symbol_column_falls_back_to_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = damaged(dir.path(), "sym.h5ad", |f| {
            let var = f.group("var").unwrap();
            f.unlink("var/_index").unwrap();
            super::super::encoding::write_strings(&var, "_index", &["ENSG1", "ENSG2", "ENSG3"])
                .unwrap();
            super::super::encoding::write_strings(&var, "gene_name", &["TP53", "MYC", "TP53"])
                .unwrap();
        });
        let s = read(&path).unwrap();
        assert_eq!(s.genes(), ["TP53", "MYC", "ENSG3"]);
    }
}

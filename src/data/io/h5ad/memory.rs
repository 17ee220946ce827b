//! AnnData objects handed over in memory (from Python's `anndata`): read exactly as an h5ad
//! file's parts are, with the same checks and messages, naming `AnnData` where a file would be.

use std::path::Path;

use super::frame::{Column, Frame};
use super::matrix::{Matrix, MatrixValues, missing_matrix};
use super::reader::{Parts, read_parts};
use crate::data::io::error::ReadError;
use crate::data::io::reader::Builder;
use crate::data::io::source::MatrixSource;
use crate::data::{Screen, ValueKind};

/// How errors name an in-memory AnnData object.
const NAME: &str = "AnnData";

/// The parts of an AnnData object that a screen is read from.
#[derive(Debug, Clone)]
pub struct AnnData {
    /// `X`, or the layer the [`Builder`] names; `None` when that layer is absent.
    pub matrix: Option<MatrixValues>,
    /// The matrix's number type before the conversion to `f32` (`float32`, `float64`, …).
    pub dtype: String,
    /// The names of its layers.
    pub layers: Vec<String>,
    /// `obs_names`.
    pub obs_index: Vec<String>,
    /// The `obs` columns.
    pub obs: Vec<Column>,
    /// `var_names`.
    pub var_index: Vec<String>,
    /// The `var` columns.
    pub var: Vec<Column>,
    /// `uns["value_kind"]` when it names a value kind (mechpert's `to_anndata` writes it).
    pub value_kind: Option<ValueKind>,
}

/// Reads a screen from an AnnData object in memory.
pub(in crate::data::io) fn read(
    builder: &Builder<'_>,
    adata: AnnData,
) -> Result<(Screen, MatrixSource), ReadError> {
    let object = match &builder.layer {
        Some(layer) => format!("/layers/{layer}"),
        None => "/X".to_string(),
    };
    let Some(values) = adata.matrix else {
        return Err(ReadError::InMemory {
            object,
            message: missing_matrix(builder.layer.as_deref(), &adata.layers),
        });
    };
    let parts = Parts {
        x: Matrix::in_memory(values, adata.dtype, object),
        obs: Frame::in_memory("obs", adata.obs_index, adata.obs),
        var: Frame::in_memory("var", adata.var_index, adata.var),
        layers: adata.layers,
        stored: adata.value_kind,
        origin: "matrix",
    };
    read_parts(builder, Path::new(NAME), parts).map_err(|e| match e {
        ReadError::Hdf5 {
            object, message, ..
        } => ReadError::InMemory { object, message },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::GeneSymbols;
    use crate::data::io::h5ad::writer::{CsrRows, H5adCellWriter};
    use ndarray::array;

    const GENES: [&str; 3] = ["TP53", "MYC", "GATA1"];
    const LABELS: [&str; 6] = [
        "non-targeting",
        "MYC",
        "non-targeting",
        "MYC",
        "GATA1",
        "GATA1",
    ];

    fn cells() -> ndarray::Array2<f32> {
        array![
            [1.0, 0.0, 2.0],
            [0.0, 0.0, 4.0],
            [3.0, 1.0, 0.0],
            [2.0, 0.0, 1.0],
            [0.0, 5.0, 0.0],
            [1.0, 3.0, 0.5],
        ]
    }

    /// The cells as compressed rows (`by_rows`) or columns.
    fn compressed(by_rows: bool) -> MatrixValues {
        let x = cells();
        let major = if by_rows { x.view() } else { x.t() };
        let (mut indptr, mut indices, mut data) = (vec![0i64], vec![], vec![]);
        for line in major.outer_iter() {
            for (i, &v) in line.iter().enumerate() {
                if v != 0.0 {
                    indices.push(i as i64);
                    data.push(v);
                }
            }
            indptr.push(indices.len() as i64);
        }
        MatrixValues::Sparse {
            by_rows,
            shape: x.dim(),
            indptr,
            indices,
            data,
        }
    }

    fn adata(matrix: Option<MatrixValues>) -> AnnData {
        let labels: Vec<String> = LABELS.iter().map(|s| s.to_string()).collect();
        let categories: Vec<String> = ["non-targeting", "MYC", "GATA1"].map(String::from).into();
        let codes = labels
            .iter()
            .map(|l| categories.iter().position(|c| c == l).unwrap() as i64)
            .collect();
        AnnData {
            matrix,
            dtype: "float32".into(),
            layers: vec!["counts".into()],
            obs_index: (0..LABELS.len()).map(|i| format!("cell{i}")).collect(),
            obs: vec![Column {
                name: "perturbation".into(),
                categories,
                codes,
            }],
            var_index: GENES.map(String::from).into(),
            var: Vec::new(),
            value_kind: None,
        }
    }

    #[test]
    fn dense_csr_and_csc_in_memory_read_as_the_same_cells_in_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cells.h5ad");
        let genes: Vec<String> = GENES.map(String::from).into();
        let mut w = H5adCellWriter::create(&path, &genes, &["perturbation"]).unwrap();
        let MatrixValues::Sparse {
            indptr,
            indices,
            data,
            ..
        } = compressed(true)
        else {
            unreachable!()
        };
        let indptr: Vec<usize> = indptr.iter().map(|&p| p as usize).collect();
        let indices: Vec<u32> = indices.iter().map(|&i| i as u32).collect();
        w.append(
            &[&LABELS],
            CsrRows {
                indptr: &indptr,
                indices: &indices,
                data: &data,
            },
        )
        .unwrap();
        w.finish().unwrap();
        let builder = Builder::new(GeneSymbols::embedded());
        let file = builder.build_from_path(&path).unwrap().screen;
        for matrix in [
            MatrixValues::Dense(cells()),
            compressed(true),
            compressed(false),
        ] {
            let memory = builder.build_from_anndata(adata(Some(matrix))).unwrap();
            assert_eq!(memory.screen.perturbations(), file.perturbations());
            assert_eq!(memory.screen.response(), file.response());
            assert_eq!(memory.screen.control(), file.control());
            assert_eq!(memory.screen.cells(), file.cells());
            assert_eq!(memory.screen.top_de(), file.top_de());
        }
    }

    #[test]
    fn errors_name_the_anndata_part() {
        let builder = Builder::new(GeneSymbols::embedded());
        let err = |b: &Builder, a: AnnData| b.build_from_anndata(a).unwrap_err().to_string();
        let mut nan = cells();
        nan[[4, 1]] = f32::NAN;
        let message = err(&builder, adata(Some(MatrixValues::Dense(nan))));
        assert!(
            message.starts_with("AnnData `/X`: row 4 (obs `cell4`), column 1 (gene `MYC`)"),
            "{message}"
        );
        let layer = builder.clone().layer(Some("lognorm".into()));
        assert_eq!(
            err(&layer, adata(None)),
            "AnnData `/layers/lognorm`: no such layer: the layers are `counts`; without --layer, X is read"
        );
        let keyed = builder.perturbation_key(Some("guide".into()));
        let message = err(&keyed, adata(Some(compressed(false))));
        assert!(
            message.contains("no obs column `guide`: the obs columns are `perturbation`"),
            "{message}"
        );
    }
}

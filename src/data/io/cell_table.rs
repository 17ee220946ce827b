//! A table of single cells with its labels in a separate file (`--labels FILE`), the way the
//! Renge data ship and a common export from scanpy (`adata.to_df().to_csv()` plus
//! `adata.obs[[key]].to_csv()`).
//!
//! In: a CSV/TSV whose first column is the cell id and whose header names the genes, one row
//! per cell, and the [`CellLabels`](super::cell_labels::CellLabels) of the labels file. Cells are joined to labels on cell id
//! (by position when the labels file holds only labels); cells without a label and labels
//! without a cell are counted, logged and reported. Out: a [`Screen`] of per-perturbation mean
//! profiles as for an h5ad of single cells (control cells required, raw counts refused without
//! `--normalize`), and the [`MatrixSource`] with the join's counts.

use std::io::BufRead;

use super::cell_labels::{self, UNLABELLED};
use super::cells::{CellGroups, log1p_cp10k, screen_from_cells};
use super::csv::{Names, Table};
use super::error::{FieldError, ReadError};
use super::reader::Builder;
use super::source::{LabelJoin, MatrixSource, ValueStats};
use crate::data::pseudobulk::Accumulator;
use crate::data::{Screen, ValueKind};

/// Reads the table of cells `cells`, labelled by the labels file `labels`.
pub(super) fn read<C: BufRead, L: BufRead>(
    builder: &Builder<'_>,
    mut cells: Table<C>,
    labels: Table<L>,
) -> Result<(Screen, MatrixSource), ReadError> {
    let labels_path = labels.path().to_path_buf();
    let labels = cell_labels::read(builder, labels)?;
    let mut genes = Names::new("gene");
    for (c, name) in cells.header().iter().enumerate().skip(1) {
        if name.is_empty() {
            return Err(ReadError::Field {
                path: cells.path().to_path_buf(),
                line: 1,
                column: format!("#{}", c + 1),
                source: FieldError::EmptyName,
            });
        }
        genes.insert_unique(builder, name, format!("column {}", c + 1), cells.path(), 1)?;
    }
    let n_genes = genes.order.len();
    let mut acc = Accumulator::new(labels.perturbations.order.len() + 1, n_genes);
    let mut stats = ValueStats::default();
    let normalize = builder.normalize.is_some();
    // The line each labels row was first joined at, to refuse a cell listed twice.
    let mut joined_at = vec![0u64; labels.group.len()];
    let mut first_cells: Vec<String> = Vec::new();
    let (mut labelled, mut without_label, mut position) = (0u64, 0u64, 0usize);
    let mut values = vec![0f32; n_genes];
    while let Some(line) = cells.next()? {
        let id = cells.name(line, 0)?;
        if first_cells.len() < 3 {
            first_cells.push(id.to_string());
        }
        let row = match &labels.rows_by_id {
            Some(rows) => rows.get(id).copied(),
            None => Some(position).filter(|&p| p < labels.group.len()),
        };
        position += 1;
        if let Some(row) = row {
            if joined_at[row] > 0 {
                return Err(ReadError::Duplicate {
                    path: cells.path().to_path_buf(),
                    line,
                    what: "cell",
                    name: format!("`{id}`"),
                    first: format!("line {}", joined_at[row]),
                });
            }
            joined_at[row] = line;
        }
        for (g, v) in values.iter_mut().enumerate() {
            *v = cells.number(line, g + 1)?;
        }
        stats.look(&values);
        match row.map(|r| labels.group[r]) {
            Some(group) if group != UNLABELLED => {
                labelled += 1;
                if normalize {
                    acc.add_dense(group, &log1p_cp10k(&values));
                } else {
                    acc.add_dense(group, &values);
                }
            }
            _ => without_label += 1,
        }
    }
    let matched = joined_at.iter().filter(|&&l| l > 0).count();
    if matched == 0 {
        return Err(ReadError::NoCellMatched {
            labels: labels_path,
            cells: cells.path().to_path_buf(),
            labels_start: quoted(&labels.first_ids),
            cells_start: quoted(&first_cells),
        });
    }
    let labels_without_cell = (labels.group.len() - matched) as u64;
    if without_label > 0 || labels_without_cell > 0 {
        tracing::warn!(
            cells_without_label = without_label,
            labels_without_cell,
            "the table of cells and its labels do not cover each other: unlabelled cells are left out"
        );
    }
    if !normalize && stats.is_counts() {
        return Err(ReadError::RawCounts {
            path: cells.path().to_path_buf(),
            matrix: "the table of cells".into(),
            max: stats.max(),
        });
    }
    if acc.cells()[0] == 0 {
        let where_ = if labels.label_column == "one-hot" {
            format!(
                "a cell with 0 in every one-hot column of {} (a control), or a cell",
                labels_path.display()
            )
        } else {
            format!(
                "cells whose `{}` in {} is",
                labels.label_column,
                labels_path.display()
            )
        };
        return Err(ReadError::NoControl {
            path: cells.path().to_path_buf(),
            where_,
            tried: builder.control_labels.clone(),
        });
    }
    let groups = CellGroups {
        perturbations: labels.perturbations.order,
        genes: genes.order,
        unmapped_genes: genes.unmapped,
        unmapped_perturbations: labels.perturbations.unmapped,
    };
    let kind = builder.values.unwrap_or(ValueKind::Expression);
    let screen = screen_from_cells(&acc, groups, kind).map_err(|source| ReadError::Screen {
        path: cells.path().to_path_buf(),
        source,
    })?;
    let join = LabelJoin {
        file: labels_path.display().to_string(),
        on: if labels.rows_by_id.is_some() {
            "cell id"
        } else {
            "position"
        },
        label_column: labels.label_column,
        cells_labelled: labelled,
        cells_without_label: without_label,
        labels_without_cell,
    };
    Ok((
        screen,
        MatrixSource {
            values: stats.summary(),
            labels: Some(join),
            ..MatrixSource::table()
        },
    ))
}

fn quoted(ids: &[String]) -> String {
    if ids.is_empty() {
        return "with no rows".into();
    }
    let shown: Vec<String> = ids.iter().map(|i| format!("`{i}`")).collect();
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use crate::data::GeneSymbols;
    use crate::data::io::Builder;

    fn read(cells: &str, labels: &str, key: Option<&str>) -> Result<crate::data::Screen, String> {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("cells.csv");
        let l = dir.path().join("labels.csv");
        std::fs::write(&c, cells).unwrap();
        std::fs::write(&l, labels).unwrap();
        Builder::new(GeneSymbols::embedded())
            .perturbation_key(key.map(str::to_string))
            .labels(Some(l))
            .build_from_path(&c)
            .map(|loaded| loaded.screen)
            .map_err(|e| e.to_string())
    }

    const CELLS: &str = "cell,TP53,MYC\nc1,1,2\nc2,3,4\nc3,5,0\nc4,7,2\n";

    #[test]
    fn labels_join_on_id_not_position() {
        // Labels in another order than the cells, with one label for no cell.
        let labels = "cell,perturbation\nc4,GATA1\nc2,control\nc9,MYC\nc1,control\nc3,GATA1\n";
        let s = read(CELLS, labels, None).unwrap();
        assert_eq!(s.perturbations(), ["GATA1"]);
        // Control mean (1,2),(3,4) → (2,3); GATA1 mean (5,0),(7,2) → (6,1); response (4,−2).
        assert_eq!(s.control().to_vec(), vec![2.0, 3.0]);
        assert_eq!(s.response().row(0).to_vec(), vec![4.0, -2.0]);
        assert_eq!(s.cells(), Some(&[2u32][..]));
    }

    #[test]
    fn one_hot_columns_label_cells_and_other_numbers_are_ignored() {
        let labels = ",GATA1,MYC,day\nc1,0,0,2\nc2,0,0,3\nc3,1,0,2\nc4,1,1,5\n";
        let s = read(CELLS, labels, None).unwrap();
        assert_eq!(s.perturbations(), ["GATA1"]);
        assert_eq!(s.response().row(0).to_vec(), vec![3.0, -3.0]);
        assert_eq!(s.cells(), Some(&[1u32][..]));
    }

    #[test]
    fn bad_joins_say_what_went_wrong() {
        let err = read(CELLS, "cell,perturbation\nx1,MYC\nx2,control\n", None).unwrap_err();
        assert!(
            err.contains("labels.csv: no cell id of the labels matches a cell of")
                && err.contains("the labels start `x1`, `x2`, the table starts `c1`, `c2`, `c3`"),
            "{err}"
        );
        let err = read(CELLS, "cell,perturbation\nc1,MYC\nc1,control\n", None).unwrap_err();
        assert!(
            err.contains("labels.csv:3: cell `c1` appears twice (first at line 2)"),
            "{err}"
        );
        let err = read(CELLS, "cell,perturbation\nc1,MYC\nc2,MYC\n", None).unwrap_err();
        assert!(err.contains("no control found"), "{err}");
        let err = read(CELLS, "cell,perturbation\nc1,MYC\n", Some("guide")).unwrap_err();
        assert!(err.contains("no column `guide`"), "{err}");
        let err = read(CELLS, "cell,day\nc1,2\n", None).unwrap_err();
        assert!(err.contains("no one-hot column"), "{err}");
    }

    #[test]
    fn labels_without_ids_match_by_position() {
        let s = read(CELLS, "perturbation\ncontrol\ncontrol\nMYC\n", None).unwrap();
        // c4 has no label; MYC is c3 alone.
        assert_eq!(s.response().row(0).to_vec(), vec![3.0, -3.0]);
    }
}

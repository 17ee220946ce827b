//! The labels file of a table of cells (`--labels FILE`): which perturbation each cell carries.
//!
//! In: a CSV/TSV with one row per cell. Its label is the `--perturbation-key` column (default:
//! the first of perturbation, condition, gene, target_gene present), and its id the first other
//! column; a file holding only the label column is matched to the cells by position. Without a
//! label column, every column other than the first (the id) that holds only 0 and 1 is a one-hot
//! indicator, as the Renge data ship: a cell with one 1 carries that column's perturbation, a
//! cell with none is a control, a cell with several is left out. Out: [`CellLabels`], each row
//! as its group (0 control, `g ≥ 1` perturbation `g − 1`).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::BufRead;

use super::csv::{Names, Table, abbreviate};
use super::error::ReadError;
use super::reader::{Builder, DEFAULT_PERTURBATION_KEYS};

/// The group of a row with no usable label (empty, or several one-hot perturbations).
pub(super) const UNLABELLED: usize = usize::MAX;

/// Every labelled cell of a labels file.
pub(super) struct CellLabels {
    /// Cell id → row; `None` when the rows are matched by position.
    pub(super) rows_by_id: Option<HashMap<String, usize>>,
    /// The first ids, for messages.
    pub(super) first_ids: Vec<String>,
    /// Per row: 0 control, `g ≥ 1` perturbation `g − 1`, or [`UNLABELLED`].
    pub(super) group: Vec<usize>,
    /// Perturbation names (alias-resolved), in order of first appearance.
    pub(super) perturbations: Names,
    /// The label column's name, or `one-hot`.
    pub(super) label_column: String,
    /// Rows whose one-hot columns mark several perturbations.
    pub(super) several: usize,
}

/// How the label of a row is found.
enum LabelSource {
    Column(usize),
    /// The indicator candidates: every column but the id.
    OneHot,
}

/// Reads a labels file.
pub(super) fn read<R: BufRead>(
    builder: &Builder<'_>,
    mut t: Table<R>,
) -> Result<CellLabels, ReadError> {
    let source = match &builder.perturbation_key {
        Some(key) => LabelSource::Column(t.column(&[key.as_str()])?),
        None => DEFAULT_PERTURBATION_KEYS
            .iter()
            .find_map(|k| t.header().iter().position(|h| h.eq_ignore_ascii_case(k)))
            .map_or(LabelSource::OneHot, LabelSource::Column),
    };
    let id_column = match source {
        LabelSource::Column(label) => (0..t.header().len()).find(|&c| c != label),
        LabelSource::OneHot => Some(0),
    };
    let mut labels = CellLabels {
        rows_by_id: id_column.map(|_| HashMap::new()),
        first_ids: Vec::new(),
        group: Vec::new(),
        perturbations: Names::new("perturbation"),
        label_column: match source {
            LabelSource::Column(c) => t.header()[c].clone(),
            LabelSource::OneHot => "one-hot".into(),
        },
        several: 0,
    };
    // One-hot: per row, per candidate column (1..), 0 / 1 / anything else (2).
    let mut codes: Vec<u8> = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    while let Some(line) = t.next()? {
        let row = labels.group.len();
        if let (Some(c), Some(rows)) = (id_column, labels.rows_by_id.as_mut()) {
            let id = t.name(line, c)?;
            match first_line.entry(id.to_string()) {
                Entry::Occupied(e) => {
                    return Err(ReadError::Duplicate {
                        path: t.path().to_path_buf(),
                        line,
                        what: "cell",
                        name: format!("`{id}`"),
                        first: format!("line {}", e.get()),
                    });
                }
                Entry::Vacant(v) => {
                    v.insert(line);
                }
            }
            if labels.first_ids.len() < 3 {
                labels.first_ids.push(id.to_string());
            }
            rows.insert(id.to_string(), row);
        }
        let group = match source {
            LabelSource::Column(c) => match t.text(c) {
                "" => UNLABELLED,
                label if builder.is_control(label) => 0,
                label => labels.perturbations.intern(builder, label) + 1,
            },
            LabelSource::OneHot => {
                codes.extend(
                    (1..t.header().len()).map(|c| match t.text(c).parse::<f32>() {
                        Ok(0.0) => 0,
                        Ok(1.0) => 1,
                        _ => 2,
                    }),
                );
                UNLABELLED
            }
        };
        labels.group.push(group);
    }
    if let LabelSource::OneHot = source {
        assign_one_hot(builder, &t, &codes, &mut labels)?;
    }
    Ok(labels)
}

/// Groups of one-hot rows: the indicator columns are those holding only 0 and 1.
fn assign_one_hot<R: BufRead>(
    builder: &Builder<'_>,
    t: &Table<R>,
    codes: &[u8],
    labels: &mut CellLabels,
) -> Result<(), ReadError> {
    let width = t.header().len() - 1;
    let indicator: Vec<bool> = (0..width)
        .map(|c| codes.iter().skip(c).step_by(width.max(1)).all(|&v| v < 2))
        .collect();
    if !indicator.contains(&true) {
        return Err(ReadError::NotAScreen {
            path: t.path().to_path_buf(),
            message: format!(
                "no label column `{}` and no one-hot column (only 0 and 1) after the cell id: the header has {}; name the label column with --perturbation-key",
                DEFAULT_PERTURBATION_KEYS.join("` or `"),
                abbreviate(t.header(), "columns")
            ),
        });
    }
    for (row, values) in codes.chunks(width).enumerate() {
        let mut ones = (0..width).filter(|&c| indicator[c] && values[c] == 1);
        labels.group[row] = match (ones.next(), ones.next()) {
            (None, _) => 0,
            (Some(c), None) => labels.perturbations.intern(builder, &t.header()[c + 1]) + 1,
            (Some(_), Some(_)) => {
                labels.several += 1;
                UNLABELLED
            }
        };
    }
    if labels.several > 0 {
        tracing::warn!(
            cells = labels.several,
            file = %t.path().display(),
            "cells marked with several one-hot perturbations are left out"
        );
    }
    Ok(())
}

//! Missing values of text tables and the `--missing` policy that decides what they become.
//!
//! The table readers mark a missing value (an NA or empty cell, a pair a long table leaves out)
//! as NaN in the matrix and the control profile; `resolve` turns the marks into an error,
//! zeros or fewer genes. Every [`Screen`](crate::data::Screen) thus stays finite, so no
//! predictor or metric has to learn to skip NaN.

use std::fmt;
use std::path::Path;

use ndarray::{Array1, Array2};

use super::error::ReadError;
use crate::data::ValueKind;

/// What a missing value in a CSV/TSV table becomes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Missing {
    /// Stop at the first missing value, saying where it is and how to fix the table.
    #[default]
    Refuse,
    /// Read a missing value as 0, "no change against control": only for values relative to
    /// control (responses, z-scores).
    Zero,
    /// Leave out every gene with a missing value, so the metrics do not see those genes.
    DropGenes,
}

/// Where the first missing value of a table is.
#[derive(Debug, Clone, PartialEq)]
pub enum MissingAt {
    /// A cell holding a missing-value token.
    Cell {
        /// 1-based line.
        line: u64,
        /// Column name.
        column: String,
        /// The cell's text, trimmed.
        text: String,
    },
    /// A perturbation/gene pair a long table has no row for.
    Pair {
        /// The perturbation; `None` for the control rows.
        perturbation: Option<String>,
        /// The gene.
        gene: String,
    },
}

impl fmt::Display for MissingAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MissingAt::Cell { line, column, text } if text.is_empty() => {
                write!(
                    f,
                    ":{line}: column `{column}`: an empty cell is a missing value"
                )
            }
            MissingAt::Cell { line, column, text } => {
                write!(f, ":{line}: column `{column}`: {text:?} is a missing value")
            }
            MissingAt::Pair {
                perturbation: Some(p),
                gene,
            } => write!(f, ": perturbation `{p}` has no value for gene `{gene}`"),
            MissingAt::Pair {
                perturbation: None,
                gene,
            } => write!(f, ": the control rows have no value for gene `{gene}`"),
        }
    }
}

impl MissingAt {
    /// The pandas line that writes a table without this kind of gap.
    pub fn pandas_fix(&self) -> &'static str {
        match self {
            MissingAt::Cell { .. } => "pandas: df.fillna(0) or df.dropna(axis=1)",
            MissingAt::Pair { .. } => {
                "pandas: df.pivot(index=\"perturbation\", columns=\"gene\", values=\"value\").fillna(0) writes a complete wide table"
            }
        }
    }
}

/// Refuses `--missing zero` for values read as expression, before the table is read: a zero
/// there would be a gene switched off, not a gene that did not respond.
pub(super) fn check(policy: Missing, kind: ValueKind, path: &Path) -> Result<(), ReadError> {
    if policy == Missing::Zero && kind == ValueKind::Expression {
        return Err(ReadError::ZeroForExpression {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// A screen's parts with no missing value left.
pub(super) struct Resolved {
    /// The genes kept.
    pub genes: Vec<String>,
    /// The control profile over the genes kept.
    pub control: Option<Array1<f32>>,
    /// Perturbations × genes kept.
    pub matrix: Array2<f32>,
    /// What was done to missing values, for the logs and `inspect`; `None` when there were none.
    pub note: Option<String>,
}

/// Applies the policy to the NaN marks of `matrix` and `control`; `first` is the first missing
/// cell the reader met (absent long-table pairs are found here).
pub(super) fn resolve(
    policy: Missing,
    path: &Path,
    first: Option<MissingAt>,
    perturbations: &[String],
    genes: Vec<String>,
    mut control: Option<Array1<f32>>,
    mut matrix: Array2<f32>,
) -> Result<Resolved, ReadError> {
    let missing_in_gene: Vec<usize> = (0..genes.len())
        .map(|g| {
            let in_control = control.as_ref().is_some_and(|c| c[g].is_nan());
            matrix.column(g).iter().filter(|v| v.is_nan()).count() + usize::from(in_control)
        })
        .collect();
    let missing: usize = missing_in_gene.iter().sum();
    let genes_with = missing_in_gene.iter().filter(|&&n| n > 0).count();
    let note = match policy {
        _ if missing == 0 => None,
        Missing::Refuse => {
            let at =
                first.unwrap_or_else(|| first_absent(perturbations, &genes, &control, &matrix));
            return Err(ReadError::Missing {
                path: path.to_path_buf(),
                at,
                missing,
                values: matrix.len() + control.as_ref().map_or(0, Array1::len),
                genes_with,
                genes: genes.len(),
            });
        }
        Missing::Zero => {
            let zero = |v: f32| if v.is_nan() { 0.0 } else { v };
            matrix.mapv_inplace(zero);
            if let Some(c) = control.as_mut() {
                c.mapv_inplace(zero);
            }
            Some(format!(
                "read {missing} missing value{} as 0 (--missing zero)",
                if missing == 1 { "" } else { "s" }
            ))
        }
        Missing::DropGenes => {
            let keep: Vec<usize> = (0..genes.len())
                .filter(|&g| missing_in_gene[g] == 0)
                .collect();
            if keep.is_empty() {
                let (worst, worst_missing) = most_missing(perturbations, &control, &matrix);
                return Err(ReadError::NoCompleteGene {
                    path: path.to_path_buf(),
                    genes: genes.len(),
                    worst,
                    worst_missing,
                });
            }
            let dropped: Vec<String> = (0..genes.len())
                .filter(|&g| missing_in_gene[g] > 0)
                .map(|g| genes[g].clone())
                .collect();
            let note = format!(
                "dropped {genes_with} of {} genes with missing values (--missing drop-genes): {}",
                genes.len(),
                super::csv::abbreviate(&dropped, "genes")
            );
            // Row-major like a table read without those columns (`select` along the columns
            // would give column-major order, and sums in another order differ in the last bits).
            matrix =
                Array2::from_shape_fn((matrix.nrows(), keep.len()), |(p, k)| matrix[[p, keep[k]]]);
            control = control.map(|c| keep.iter().map(|&g| c[g]).collect());
            return Ok(Resolved {
                genes: keep.iter().map(|&g| genes[g].clone()).collect(),
                control,
                matrix,
                note: Some(note),
            });
        }
    };
    Ok(Resolved {
        genes,
        control,
        matrix,
        note,
    })
}

/// The first NaN mark, the control's before the perturbations', row by row.
fn first_absent(
    perturbations: &[String],
    genes: &[String],
    control: &Option<Array1<f32>>,
    matrix: &Array2<f32>,
) -> MissingAt {
    let in_control = control
        .as_ref()
        .and_then(|c| c.iter().position(|v| v.is_nan()))
        .map(|g| (None, g));
    let (perturbation, g) = in_control
        .or_else(|| {
            matrix
                .indexed_iter()
                .find(|(_, v)| v.is_nan())
                .map(|((p, g), _)| (Some(perturbations[p].clone()), g))
        })
        .expect("resolve found a missing value");
    MissingAt::Pair {
        perturbation,
        gene: genes[g].clone(),
    }
}

/// The row with most missing values (the control counts as a row) and how many it misses.
fn most_missing(
    perturbations: &[String],
    control: &Option<Array1<f32>>,
    matrix: &Array2<f32>,
) -> (String, usize) {
    let nan_count = |row: ndarray::ArrayView1<'_, f32>| row.iter().filter(|v| v.is_nan()).count();
    let control = control
        .as_ref()
        .map(|c| ("the control".to_string(), nan_count(c.view())));
    control
        .into_iter()
        .chain(
            matrix
                .rows()
                .into_iter()
                .zip(perturbations)
                .map(|(row, p)| (format!("perturbation `{p}`"), nan_count(row))),
        )
        .fold(None::<(String, usize)>, |best, (name, n)| match best {
            Some(b) if b.1 >= n => Some(b),
            _ => Some((name, n)),
        })
        .expect("a table with missing values has a row")
}

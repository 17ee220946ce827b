//! The `obs` and `var` dataframes of an h5ad file.
//!
//! In: an HDF5 group written by anndata (`_index` attribute naming the index dataset,
//! `column-order`, one member per column). Out: the index and any column as [`Labels`]:
//! distinct values plus one code per row, whether the column is categorical (`categories` +
//! `codes`, or the pre-0.8 layout with `__categories/<column>`), a string array, a nullable array
//! (`values` + `mask`) or numbers (written as text).

use std::collections::HashMap;

use hdf5::types::TypeDescriptor;
use hdf5::{Container, Dataset, File, Group};

use super::encoding::{encoding_type, read_strings, str_array_attr, str_attr};

/// A column as distinct values and one code per row (`-1`: missing).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Labels {
    /// Distinct values.
    pub(super) values: Vec<String>,
    /// Per row, an index into `values`, or −1 when the row has no value.
    pub(super) codes: Vec<i64>,
}

impl Labels {
    fn from_strings(strings: Vec<String>) -> Labels {
        let mut index: HashMap<String, i64> = HashMap::new();
        let mut values = Vec::new();
        let codes = strings
            .into_iter()
            .map(|s| {
                *index.entry(s).or_insert_with_key(|k| {
                    values.push(k.clone());
                    values.len() as i64 - 1
                })
            })
            .collect();
        Labels { values, codes }
    }

    /// The value of row `r`, if any.
    pub(super) fn get(&self, r: usize) -> Option<&str> {
        let c = *self.codes.get(r)?;
        (c >= 0).then(|| self.values[c as usize].as_str())
    }

    /// All rows as strings (missing → empty).
    pub(super) fn to_strings(&self) -> Vec<String> {
        (0..self.codes.len())
            .map(|r| self.get(r).unwrap_or_default().to_string())
            .collect()
    }
}

/// An `obs` or `var` dataframe: an HDF5 group, or columns handed over in memory.
#[derive(Debug)]
pub(super) struct Frame {
    source: FrameSource,
    /// `/obs` or `/var`.
    pub(super) object: String,
}

#[derive(Debug)]
enum FrameSource {
    Hdf5 {
        group: Group,
        index_name: String,
    },
    InMemory {
        index: Vec<String>,
        columns: Vec<Column>,
    },
}

/// One column of an in-memory `obs` or `var` dataframe, as pandas holds a categorical:
/// distinct values and one code per row (−1: missing).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The column name.
    pub name: String,
    /// Distinct values (numbers written as text).
    pub categories: Vec<String>,
    /// Per row, an index into `categories`, or −1 when the row has no value.
    pub codes: Vec<i64>,
}

impl Frame {
    /// Opens the dataframe group `name`; `Err` carries the HDF5 object and what was expected.
    pub(super) fn open(file: &File, name: &str) -> Result<Frame, (String, String)> {
        let object = format!("/{name}");
        let group = file.group(name).map_err(|_| {
            (
                object.clone(),
                format!("missing or not a group: expected the {name} dataframe (anndata ≥ 0.7)"),
            )
        })?;
        let index_name = str_attr(&group, "_index")
            .or_else(|| group.link_exists("index").then(|| "index".to_string()))
            .unwrap_or_else(|| "_index".to_string());
        Ok(Frame {
            source: FrameSource::Hdf5 { group, index_name },
            object,
        })
    }

    /// The dataframe `name` (`obs` or `var`) handed over in memory.
    pub(super) fn in_memory(name: &str, index: Vec<String>, columns: Vec<Column>) -> Frame {
        Frame {
            source: FrameSource::InMemory { index, columns },
            object: format!("/{name}"),
        }
    }

    /// Column names: `column-order` when present, else every member but the index.
    pub(super) fn columns(&self) -> Vec<String> {
        let (group, index_name) = match &self.source {
            FrameSource::Hdf5 { group, index_name } => (group, index_name),
            FrameSource::InMemory { columns, .. } => {
                return columns.iter().map(|c| c.name.clone()).collect();
            }
        };
        let order = str_array_attr(group, "column-order").unwrap_or_default();
        if !order.is_empty() {
            return order;
        }
        let mut names = group.member_names().unwrap_or_default();
        names.retain(|n| n != index_name && n != "__categories");
        names
    }

    /// Whether the frame has column `name`.
    pub(super) fn has(&self, name: &str) -> bool {
        match &self.source {
            FrameSource::Hdf5 { group, index_name } => {
                name != index_name && group.link_exists(name)
            }
            FrameSource::InMemory { columns, .. } => columns.iter().any(|c| c.name == name),
        }
    }

    /// The row names.
    pub(super) fn index(&self) -> Result<Vec<String>, (String, String)> {
        let (group, index_name) = match &self.source {
            FrameSource::Hdf5 { group, index_name } => (group, index_name),
            FrameSource::InMemory { index, .. } => return Ok(index.clone()),
        };
        let object = format!("{}/{index_name}", self.object);
        let ds = group.dataset(index_name).map_err(|_| {
            (
                object.clone(),
                "missing: expected the row names".to_string(),
            )
        })?;
        column_strings(&ds).map_err(|e| (object, e.to_string()))
    }

    /// Column `name` as labels.
    pub(super) fn column(&self, name: &str) -> Result<Labels, (String, String)> {
        let object = format!("{}/{name}", self.object);
        let group = match &self.source {
            FrameSource::Hdf5 { group, .. } => group,
            FrameSource::InMemory { columns, .. } => {
                let Some(c) = columns.iter().find(|c| c.name == name) else {
                    return Err((object, "missing".into()));
                };
                return categorical(c.categories.clone(), c.codes.clone(), &object);
            }
        };
        let fail = |e: hdf5::Error| (object.clone(), e.to_string());
        if let Ok(g) = group.group(name) {
            return match encoding_type(&g).as_deref() {
                Some("categorical") => {
                    let values = g.dataset("categories").and_then(|d| column_strings(&d));
                    let values =
                        values.map_err(|e| (format!("{object}/categories"), e.to_string()));
                    let codes = g.dataset("codes").and_then(|d| d.read_raw::<i64>());
                    categorical(values?, codes.map_err(fail)?, &object)
                }
                _ if g.link_exists("values") => {
                    let values = g.dataset("values").and_then(|d| column_strings(&d));
                    let mut values = values.map_err(fail)?;
                    if let Ok(mask) = g.dataset("mask").and_then(|d| d.read_raw::<u8>()) {
                        for (v, m) in values.iter_mut().zip(mask) {
                            if m != 0 {
                                v.clear();
                            }
                        }
                    }
                    Ok(Labels::from_strings(values))
                }
                other => Err((
                    object.clone(),
                    format!(
                        "a group with encoding-type {other:?}: expected a categorical or string column"
                    ),
                )),
            };
        }
        let ds = group.dataset(name).map_err(fail)?;
        // anndata < 0.8 stored categories beside the frame, the codes in the column itself.
        let legacy = format!("__categories/{name}");
        if group.link_exists("__categories")
            && let Ok(cats) = group.dataset(&legacy)
        {
            let values = column_strings(&cats).map_err(fail)?;
            let codes = ds.read_raw::<i64>().map_err(fail)?;
            return categorical(values, codes, &object);
        }
        column_strings(&ds).map(Labels::from_strings).map_err(fail)
    }
}

fn categorical(
    values: Vec<String>,
    codes: Vec<i64>,
    object: &str,
) -> Result<Labels, (String, String)> {
    if let Some((r, &c)) = codes
        .iter()
        .enumerate()
        .find(|&(_, &c)| c < -1 || c >= values.len() as i64)
    {
        return Err((
            format!("{object}/codes"),
            format!(
                "row {r} has code {c}: expected −1 (missing) or a category in 0..{}",
                values.len()
            ),
        ));
    }
    Ok(Labels { values, codes })
}

/// A 1-D dataset of strings or numbers, as text (whole numbers without a decimal point).
fn column_strings(ds: &Dataset) -> hdf5::Result<Vec<String>> {
    let c: &Container = ds;
    match c.dtype()?.to_descriptor()? {
        TypeDescriptor::Integer(_) | TypeDescriptor::Unsigned(_) | TypeDescriptor::Enum(_) => {
            Ok(ds.read_raw::<i64>()?.iter().map(i64::to_string).collect())
        }
        TypeDescriptor::Boolean => Ok(ds
            .read_raw::<bool>()?
            .iter()
            .map(|b| if *b { "True" } else { "False" }.to_string())
            .collect()),
        TypeDescriptor::Float(_) => Ok(ds
            .read_raw::<f64>()?
            .iter()
            .map(|v| {
                if v.fract() == 0.0 && v.abs() < 1e15 {
                    format!("{}", *v as i64)
                } else {
                    v.to_string()
                }
            })
            .collect()),
        _ => read_strings(ds),
    }
}

//! The AnnData on-disk encoding shared by the h5ad reader and writer: `encoding-type` /
//! `encoding-version` attributes and string arrays.
//!
//! In: HDF5 objects (attributes and datasets); out: Rust strings, and the reverse. Strings are
//! written as variable-length UTF-8 (what h5py writes for `str`); reading also accepts
//! variable-length ASCII and fixed-length strings, which older anndata and other tools wrote.

use hdf5::types::{FixedAscii, FixedUnicode, TypeDescriptor, VarLenAscii, VarLenUnicode};
use hdf5::{Dataset, Group, Location};

/// Longest fixed-length string read (bytes); longer fixed-length string types are refused.
const MAX_FIXED: usize = 1024;

/// Writes a scalar variable-length UTF-8 string attribute.
pub(super) fn set_str_attr(loc: &Location, name: &str, value: &str) -> hdf5::Result<()> {
    let value = to_varlen(value)?;
    loc.new_attr::<VarLenUnicode>()
        .shape(())
        .create(name)?
        .as_writer()
        .write_scalar(&value)
}

/// Writes the `encoding-type` and `encoding-version` attributes anndata dispatches on.
pub(super) fn set_encoding(loc: &Location, kind: &str, version: &str) -> hdf5::Result<()> {
    set_str_attr(loc, "encoding-type", kind)?;
    set_str_attr(loc, "encoding-version", version)
}

/// Writes a one-dimensional attribute of strings (for example `column-order`).
pub(super) fn set_str_array_attr(loc: &Location, name: &str, values: &[&str]) -> hdf5::Result<()> {
    let values = values
        .iter()
        .map(|v| to_varlen(v))
        .collect::<hdf5::Result<Vec<_>>>()?;
    loc.new_attr::<VarLenUnicode>()
        .shape(values.len())
        .create(name)?
        .as_writer()
        .write_raw(&values)
}

fn to_varlen(value: &str) -> hdf5::Result<VarLenUnicode> {
    value
        .parse::<VarLenUnicode>()
        .map_err(|e| hdf5::Error::from(format!("string {value:?}: {e}")))
}

/// Writes a string-array dataset (variable-length UTF-8, `encoding-type` = `string-array`).
pub(super) fn write_strings<S: AsRef<str>>(
    group: &Group,
    name: &str,
    values: &[S],
) -> hdf5::Result<Dataset> {
    let values = values
        .iter()
        .map(|v| to_varlen(v.as_ref()))
        .collect::<hdf5::Result<Vec<_>>>()?;
    let ds = group
        .new_dataset::<VarLenUnicode>()
        .shape(values.len())
        .create(name)?;
    ds.as_writer().write_raw(&values)?;
    set_encoding(&ds, "string-array", "0.2.0")?;
    Ok(ds)
}

/// A string attribute, whatever its string type; `None` when absent or not a string.
pub(super) fn str_attr(loc: &Location, name: &str) -> Option<String> {
    if !loc.attr_names().ok()?.iter().any(|n| n == name) {
        return None;
    }
    let attr = loc.attr(name).ok()?;
    if attr.is_scalar() {
        let r = attr.as_reader();
        return match attr.dtype().ok()?.to_descriptor().ok()? {
            TypeDescriptor::VarLenUnicode => {
                r.read_scalar::<VarLenUnicode>().ok().map(|s| s.to_string())
            }
            TypeDescriptor::VarLenAscii => {
                r.read_scalar::<VarLenAscii>().ok().map(|s| s.to_string())
            }
            TypeDescriptor::FixedAscii(n) | TypeDescriptor::FixedUnicode(n) if n <= MAX_FIXED => r
                .read_scalar::<FixedUnicode<MAX_FIXED>>()
                .ok()
                .map(|s| s.as_str().to_string()),
            _ => None,
        };
    }
    // A one-element array (some writers store attributes that way).
    let values = strings_of(&attr).ok()?;
    (values.len() == 1).then(|| values.into_iter().next().unwrap_or_default())
}

/// The `encoding-type` attribute of an object, if any.
pub(super) fn encoding_type(loc: &Location) -> Option<String> {
    str_attr(loc, "encoding-type")
}

/// An attribute holding a list of strings (`column-order`); empty when absent or numeric-empty
/// (h5py writes an empty list as an empty float array).
pub(super) fn str_array_attr(loc: &Location, name: &str) -> hdf5::Result<Vec<String>> {
    if !loc.attr_names()?.iter().any(|n| n == name) {
        return Ok(Vec::new());
    }
    let attr = loc.attr(name)?;
    if attr.size() == 0 {
        return Ok(Vec::new());
    }
    if attr.is_scalar() {
        return Ok(str_attr(loc, name).into_iter().collect());
    }
    strings_of(&attr)
}

/// Reads a one-dimensional dataset of strings of any string type.
pub(super) fn read_strings(ds: &Dataset) -> hdf5::Result<Vec<String>> {
    strings_of(ds)
}

fn strings_of(c: &hdf5::Container) -> hdf5::Result<Vec<String>> {
    let r = c.as_reader();
    Ok(match c.dtype()?.to_descriptor()? {
        TypeDescriptor::VarLenUnicode => r
            .read_raw::<VarLenUnicode>()?
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
        TypeDescriptor::VarLenAscii => r
            .read_raw::<VarLenAscii>()?
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
        TypeDescriptor::FixedAscii(n) if n <= MAX_FIXED => r
            .read_raw::<FixedAscii<MAX_FIXED>>()?
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
        TypeDescriptor::FixedUnicode(n) if n <= MAX_FIXED => r
            .read_raw::<FixedUnicode<MAX_FIXED>>()?
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
        other => {
            return Err(hdf5::Error::from(format!("expected strings, got {other}")));
        }
    })
}

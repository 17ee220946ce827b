//! The AnnData on-disk encoding shared by the h5ad reader and writer: `encoding-type` /
//! `encoding-version` attributes and string arrays.
//!
//! In: HDF5 objects (attributes and datasets); out: Rust strings, and the reverse. Strings are
//! written as variable-length UTF-8 (what h5py writes for `str`); reading also accepts
//! variable-length ASCII and fixed-length strings, which older anndata and other tools wrote.
//!
//! Every string is decoded from its bytes with a UTF-8 check (the hdf5 crate's `as_str` skips
//! it, and an invalid `str` is undefined behaviour). The policy is anndata's: h5py decodes
//! stored strings as UTF-8 whatever the HDF5 character set says, so UTF-8 bytes in an "ASCII"
//! string are accepted as the text they encode, and bytes that are not UTF-8 (`GATA\xff1`, a
//! Latin-1 `é`) are an error naming the row and the bytes — never guessed at.

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
            TypeDescriptor::VarLenUnicode => r
                .read_scalar::<VarLenUnicode>()
                .ok()
                .and_then(|s| decode(s.as_bytes(), 0).ok()),
            TypeDescriptor::VarLenAscii => r
                .read_scalar::<VarLenAscii>()
                .ok()
                .and_then(|s| decode(s.as_bytes(), 0).ok()),
            TypeDescriptor::FixedAscii(n) | TypeDescriptor::FixedUnicode(n) if n <= MAX_FIXED => r
                .read_scalar::<FixedUnicode<MAX_FIXED>>()
                .ok()
                .and_then(|s| decode(s.as_bytes(), 0).ok()),
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
    match c.dtype()?.to_descriptor()? {
        TypeDescriptor::VarLenUnicode => {
            decode_all(&r.read_raw::<VarLenUnicode>()?, |s| s.as_bytes())
        }
        TypeDescriptor::VarLenAscii => decode_all(&r.read_raw::<VarLenAscii>()?, |s| s.as_bytes()),
        TypeDescriptor::FixedAscii(n) if n <= MAX_FIXED => {
            decode_all(&r.read_raw::<FixedAscii<MAX_FIXED>>()?, |s| s.as_bytes())
        }
        TypeDescriptor::FixedUnicode(n) if n <= MAX_FIXED => {
            decode_all(&r.read_raw::<FixedUnicode<MAX_FIXED>>()?, |s| s.as_bytes())
        }
        other => Err(hdf5::Error::from(format!("expected strings, got {other}"))),
    }
}

/// Decodes every stored string through [`decode`], naming the first bad row.
fn decode_all<T>(values: &[T], bytes: impl Fn(&T) -> &[u8]) -> hdf5::Result<Vec<String>> {
    values
        .iter()
        .enumerate()
        .map(|(row, v)| decode(bytes(v), row))
        .collect()
}

/// One stored string as text: its bytes must be UTF-8 (see the module docs for why).
fn decode(bytes: &[u8], row: usize) -> hdf5::Result<String> {
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| {
        hdf5::Error::from(format!(
            "row {row}: the bytes \"{}\" are not UTF-8 (invalid byte at offset {}): expected UTF-8 text",
            bytes.escape_ascii(),
            e.valid_up_to()
        ))
    })
}

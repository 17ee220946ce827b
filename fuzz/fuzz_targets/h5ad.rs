//! The h5ad reader on generated files: the input describes an AnnData file (gene and label
//! strings as raw bytes in any of the string types anndata and older tools wrote; X dense or
//! CSR/CSC with any values, index and pointer arrays, dtypes and shape; categorical or plain
//! string labels with any codes), the target writes it with the hdf5 crate and reads it back.
//! HDF5 itself is not fuzzed (a byte-flipped file tests the C library, not mechpert); what is
//! fuzzed is everything mechpert decodes from well-formed HDF5: strings, sparse structure,
//! codes, shapes and values.
#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

use arbitrary::Arbitrary;
use hdf5::types::{FixedAscii, VarLenAscii, VarLenUnicode};
use hdf5::{File, Group, H5Type};
use libfuzzer_sys::fuzz_target;
use mechpert::data::GeneSymbols;
use mechpert::data::io::Builder;

/// The file every run writes and reads (tmpfs when there is one).
static PATH: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = ["/dev/shm", "/tmp"]
        .into_iter()
        .map(PathBuf::from)
        .find(|d| d.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    dir.join(format!("mechpert-fuzz-{}.h5ad", std::process::id()))
});

/// Names the fuzzer picks by number, so valid screens are easy to reach.
const KNOWN: &[&str] = &[
    "non-targeting",
    "MYC",
    "GATA1",
    "TP53",
    "p53",
    "KLF1",
    "control",
    "",
    "TAL1",
];

#[derive(Arbitrary, Debug)]
enum Name {
    Known(u8),
    Raw(Vec<u8>),
}

impl Name {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Name::Known(i) => KNOWN[usize::from(*i) % KNOWN.len()].as_bytes().to_vec(),
            Name::Raw(b) => b.iter().copied().filter(|&c| c != 0).take(64).collect(),
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum StrType {
    Utf8,
    Ascii,
    Fixed,
}

#[derive(Arbitrary, Debug)]
enum Values {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I32(Vec<i32>),
    U8(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Index {
    Small(Vec<u8>),
    I32(Vec<i32>),
    I64(Vec<i64>),
}

#[derive(Arbitrary, Debug)]
enum Matrix {
    Dense {
        values: Values,
        /// Rows and columns as written; `None` is the shape the names imply.
        shape: Option<(u8, u8)>,
    },
    Sparse {
        csc: bool,
        data: Values,
        indices: Index,
        indptr: Index,
        shape: Option<(i64, i64)>,
    },
}

#[derive(Arbitrary, Debug)]
enum Labels {
    Categorical {
        categories: Vec<Name>,
        codes: Vec<i16>,
    },
    Strings(Vec<Name>),
}

#[derive(Arbitrary, Debug)]
struct Spec {
    genes: Vec<Name>,
    strings: StrType,
    labels: Labels,
    label_strings: StrType,
    x: Matrix,
    value_kind: Option<Name>,
}

fn write_strings(g: &Group, name: &str, values: &[Vec<u8>], kind: StrType) -> hdf5::Result<()> {
    match kind {
        StrType::Utf8 => {
            // Bytes that are not UTF-8 cannot be a `str`; they go in as ASCII-typed instead.
            let v: Option<Vec<VarLenUnicode>> = values
                .iter()
                .map(|b| std::str::from_utf8(b).ok()?.parse().ok())
                .collect();
            match v {
                Some(v) => write(g, name, &v),
                None => write_strings(g, name, values, StrType::Ascii),
            }
        }
        // SAFETY: the bytes (no NUL, see `Name::bytes`) are only handed to HDF5 to store; nothing
        // in this process reads them back through these values' `as_str`.
        StrType::Ascii => write(
            g,
            name,
            &values
                .iter()
                .map(|b| unsafe { VarLenAscii::from_ascii_unchecked(b) })
                .collect::<Vec<_>>(),
        ),
        StrType::Fixed => write(
            g,
            name,
            &values
                .iter()
                .map(|b| unsafe { FixedAscii::<64>::from_ascii_unchecked(b) })
                .collect::<Vec<_>>(),
        ),
    }
}

fn write<T: H5Type>(g: &Group, name: &str, values: &[T]) -> hdf5::Result<()> {
    g.new_dataset_builder().with_data(values).create(name)?;
    Ok(())
}

fn write_values(
    g: &Group,
    name: &str,
    values: &Values,
    shape: Option<(usize, usize)>,
) -> hdf5::Result<()> {
    fn shaped<T: H5Type + Clone>(
        g: &Group,
        name: &str,
        v: &[T],
        shape: Option<(usize, usize)>,
    ) -> hdf5::Result<()> {
        match shape {
            Some((r, c)) if r * c <= v.len() => {
                let a = ndarray::Array2::from_shape_vec((r, c), v[..r * c].to_vec())
                    .expect("the length was checked");
                g.new_dataset_builder().with_data(&a).create(name)?;
                Ok(())
            }
            Some(_) => write(g, name, &v[..0]),
            None => write(g, name, v),
        }
    }
    match values {
        Values::F32(v) => shaped(g, name, v, shape),
        Values::F64(v) => shaped(g, name, v, shape),
        Values::I32(v) => shaped(g, name, v, shape),
        Values::U8(v) => shaped(g, name, v, shape),
    }
}

fn write_index(g: &Group, name: &str, index: &Index) -> hdf5::Result<()> {
    match index {
        Index::Small(v) => write(g, name, v),
        Index::I32(v) => write(g, name, v),
        Index::I64(v) => write(g, name, v),
    }
}

fn str_attr(loc: &hdf5::Location, name: &str, value: &str) -> hdf5::Result<()> {
    let value: VarLenUnicode = value.parse().expect("attribute texts are plain ASCII");
    loc.new_attr::<VarLenUnicode>()
        .shape(())
        .create(name)?
        .as_writer()
        .write_scalar(&value)
}

fn frame(file: &File, name: &str, index: &[Vec<u8>], kind: StrType) -> hdf5::Result<Group> {
    let g = file.create_group(name)?;
    str_attr(&g, "encoding-type", "dataframe")?;
    str_attr(&g, "encoding-version", "0.2.0")?;
    str_attr(&g, "_index", "_index")?;
    write_strings(&g, "_index", index, kind)?;
    Ok(g)
}

/// Writes the file `spec` describes (an error when HDF5 cannot store it as described).
fn write_file(spec: &Spec) -> hdf5::Result<()> {
    let file = File::with_options()
        .with_fapl(|fapl| fapl.file_locking(false))
        .create(&*PATH)?;
    let genes: Vec<Vec<u8>> = spec.genes.iter().take(12).map(Name::bytes).collect();
    frame(&file, "var", &genes, spec.strings)?;
    let cells = match &spec.labels {
        Labels::Categorical { codes, .. } => codes.len(),
        Labels::Strings(v) => v.len(),
    }
    .min(24);
    let names: Vec<Vec<u8>> = (0..cells)
        .map(|i| format!("cell{i}").into_bytes())
        .collect();
    let obs = frame(&file, "obs", &names, StrType::Utf8)?;
    match &spec.labels {
        Labels::Categorical { categories, codes } => {
            let g = obs.create_group("perturbation")?;
            str_attr(&g, "encoding-type", "categorical")?;
            str_attr(&g, "encoding-version", "0.2.0")?;
            let cats: Vec<Vec<u8>> = categories.iter().take(12).map(Name::bytes).collect();
            write_strings(&g, "categories", &cats, spec.label_strings)?;
            write(&g, "codes", &codes[..cells])?;
        }
        Labels::Strings(labels) => {
            let labels: Vec<Vec<u8>> = labels.iter().take(cells).map(Name::bytes).collect();
            write_strings(&obs, "perturbation", &labels, spec.label_strings)?;
        }
    }
    match &spec.x {
        Matrix::Dense { values, shape } => {
            let shape = shape.map_or((cells, genes.len()), |(r, c)| (r.into(), c.into()));
            write_values(&file, "X", values, Some(shape))?;
        }
        Matrix::Sparse {
            csc,
            data,
            indices,
            indptr,
            shape,
        } => {
            let g = file.create_group("X")?;
            str_attr(
                &g,
                "encoding-type",
                if *csc { "csc_matrix" } else { "csr_matrix" },
            )?;
            str_attr(&g, "encoding-version", "0.1.0")?;
            let shape = shape.map_or([cells as i64, genes.len() as i64], |(r, c)| [r, c]);
            g.new_attr::<i64>()
                .shape(2)
                .create("shape")?
                .as_writer()
                .write_raw(&shape)?;
            write_values(&g, "data", data, None)?;
            write_index(&g, "indices", indices)?;
            write_index(&g, "indptr", indptr)?;
        }
    }
    if let Some(kind) = &spec.value_kind {
        let uns = file.create_group("uns")?;
        write_strings(&uns, "value_kind", &[kind.bytes()], StrType::Ascii)?;
    }
    file.close()
}

fuzz_target!(
    // The symbol table loads once, before the first input (not inside its time limit).
    init: {
        GeneSymbols::embedded();
    },
    |spec: Spec| {
    if write_file(&spec).is_err() {
        return;
    }
    match Builder::new(GeneSymbols::embedded()).build_from_path(&PATH) {
        Ok(loaded) => mechpert_fuzz::check_screen(&loaded.screen),
        Err(e) => {
            let message = mechpert_fuzz::render_chain(&e);
            assert!(
                message.contains("mechpert-fuzz-"),
                "error names no file: {message}"
            );
        }
    }
});

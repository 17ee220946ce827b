//! `mechpert._mechpert`: the Rust half of the Python package. It converts between Python's
//! objects and the library's, and calls the library exactly as the `mechpert` binary does: a
//! command is the binary's argument list handed to [`mechpert::run::run`], a screen is read by
//! the same [`mechpert::data::io::Builder`] the screen flags configure. The Python half
//! (`mechpert/`) turns keyword arguments into those flags and files into pandas and AnnData
//! objects.
//!
//! Errors keep the binary's messages and become `mechpert.ConfigError` (what the binary exits 2
//! for: fix the arguments), `mechpert.DataError` (exit 1) or `KeyboardInterrupt` (exit 130: a
//! plan stopped at a round boundary); a panic becomes `mechpert.InternalError`, never a crash.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{FromArgMatches, Parser};
use ndarray::Array2;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyKeyboardInterrupt};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use mechpert::cli::{Cli, Command, ScreenArgs};
use mechpert::data::Screen;
use mechpert::data::io::h5ad::writer::{value_kind_from_name, value_kind_name};
use mechpert::data::io::h5ad::{AnnData, Column, MatrixValues, write_pseudobulk};
use mechpert::data::io::reader::Loaded;
use mechpert::plan::config::PlanFile;

create_exception!(
    _mechpert,
    MechpertError,
    PyException,
    "Every error mechpert raises."
);
create_exception!(
    _mechpert,
    DataError,
    MechpertError,
    "The data cannot be used as given: a file, a matrix, a label or a value (the CLI's exit code 1)."
);
create_exception!(
    _mechpert,
    ConfigError,
    MechpertError,
    "The arguments or the configuration ask for something impossible (the CLI's exit code 2)."
);
create_exception!(
    _mechpert,
    InternalError,
    MechpertError,
    "A bug in mechpert (a Rust panic): please report it with the message."
);

/// Runs `work` without the GIL, turning its error into the exception the binary's exit code
/// stands for and a panic into `InternalError`.
fn call<T: Send>(py: Python<'_>, work: impl FnOnce() -> anyhow::Result<T> + Send) -> PyResult<T> {
    match py.allow_threads(|| catch_unwind(AssertUnwindSafe(work))) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(match mechpert::run::exit_code(&err) {
            130 => PyKeyboardInterrupt::new_err(format!("{err:#}")),
            2 => ConfigError::new_err(format!("{err:#}")),
            _ => DataError::new_err(format!("{err:#}")),
        }),
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("a panic without a message");
            Err(InternalError::new_err(format!(
                "mechpert panicked: {what}; please report this with the call that caused it"
            )))
        }
    }
}

/// The screen flags (`--perturbation-key`, `--control`, `--layer`, …) parsed as the binary
/// parses them; a bad value is a usage error with clap's message.
fn screen_args(flags: &[String]) -> anyhow::Result<ScreenArgs> {
    let command = <ScreenArgs as clap::Args>::augment_args(clap::Command::new("mechpert"));
    let matches = command
        .try_get_matches_from(std::iter::once("mechpert".to_string()).chain(flags.iter().cloned()))
        .map_err(|e| mechpert::run::UsageError(e.render().to_string().trim().to_string()))?;
    Ok(ScreenArgs::from_arg_matches(&matches)?)
}

/// A screen: one response profile per perturbation over the measured genes.
#[pyclass(module = "mechpert._mechpert", name = "RustScreen", frozen)]
struct RustScreen {
    loaded: Arc<Loaded>,
}

impl RustScreen {
    fn new(loaded: Loaded) -> RustScreen {
        RustScreen {
            loaded: Arc::new(loaded),
        }
    }

    fn screen(&self) -> &Screen {
        &self.loaded.screen
    }
}

#[pymethods]
impl RustScreen {
    /// The perturbations, in row order.
    #[getter]
    fn perturbations(&self) -> Vec<String> {
        self.screen().perturbations().to_vec()
    }

    /// The measured genes, in column order.
    #[getter]
    fn genes(&self) -> Vec<String> {
        self.screen().genes().to_vec()
    }

    /// The responses (profile − control), row-major `float32` bytes.
    fn response_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        f32_bytes(py, self.screen().response().iter().copied())
    }

    /// The control profile, `float32` bytes.
    fn control_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        f32_bytes(py, self.screen().control().iter().copied())
    }

    /// Whether the control profile was measured (else it is 0 by construction).
    #[getter]
    fn control_measured(&self) -> bool {
        self.screen().control_measured()
    }

    /// What the values mean: `expression`, `z-score`, `rank-score` or `response`.
    #[getter]
    fn value_kind(&self) -> &'static str {
        value_kind_name(self.screen().value_kind())
    }

    /// Cells per perturbation, when the screen was read from single cells.
    #[getter]
    fn cells(&self) -> Option<Vec<u32>> {
        self.screen().cells().map(<[u32]>::to_vec)
    }

    /// Control cells, when the screen was read from single cells.
    #[getter]
    fn control_cells(&self) -> Option<u32> {
        self.screen().control_cells()
    }

    /// Writes the screen as a pseudo-bulk h5ad (as `mechpert simulate` and `evaluate` do).
    fn write_h5ad(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        call(py, || Ok(write_pseudobulk(self.screen(), &path)?))
    }
}

fn f32_bytes(py: Python<'_>, values: impl Iterator<Item = f32>) -> Bound<'_, PyBytes> {
    let bytes: Vec<u8> = values.flat_map(f32::to_ne_bytes).collect();
    PyBytes::new(py, &bytes)
}

fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_ne_bytes(c.try_into().expect("4 bytes")))
        .collect()
}

fn i64s(bytes: &[u8]) -> Vec<i64> {
    bytes
        .chunks_exact(8)
        .map(|c| i64::from_ne_bytes(c.try_into().expect("8 bytes")))
        .collect()
}

/// Reads a screen file as `mechpert` does with these screen flags.
#[pyfunction]
fn read_screen(py: Python<'_>, path: PathBuf, flags: Vec<String>) -> PyResult<RustScreen> {
    let screen = call(py, || {
        let args = screen_args(&flags)?;
        let symbols = mechpert::run::resolve_symbols(&args)?;
        mechpert::run::read_screen(&path, &args, &symbols)
    })?;
    Ok(RustScreen::new(screen))
}

/// One matrix as the Python half hands it over: its layout (`dense`, `csr`, `csc`), shape,
/// number type before the conversion, and `float32` values, `int64` offsets and indices as bytes
/// (empty for a dense matrix).
type MatrixParts<'py> = (
    String,
    (usize, usize),
    String,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
);

/// The matrix's values and its number type.
fn matrix_values(parts: MatrixParts<'_>) -> PyResult<(MatrixValues, String)> {
    let (layout, shape, dtype, data, indptr, indices) = parts;
    let data = f32s(data.as_bytes());
    let values = match layout.as_str() {
        "dense" => MatrixValues::Dense(
            Array2::from_shape_vec(shape, data)
                .map_err(|e| DataError::new_err(format!("AnnData `/X`: {e}")))?,
        ),
        sparse => MatrixValues::Sparse {
            by_rows: sparse == "csr",
            shape,
            indptr: i64s(indptr.as_bytes()),
            indices: i64s(indices.as_bytes()),
            data,
        },
    };
    Ok((values, dtype))
}

/// An obs or var dataframe: its index, and per column a name, categories and `int64` codes as
/// bytes.
type FrameParts<'py> = (Vec<String>, Vec<(String, Vec<String>, Bound<'py, PyBytes>)>);

fn frame(parts: FrameParts<'_>) -> (Vec<String>, Vec<Column>) {
    let (index, columns) = parts;
    let columns = columns
        .into_iter()
        .map(|(name, categories, codes)| Column {
            name,
            categories,
            codes: i64s(codes.as_bytes()),
        })
        .collect();
    (index, columns)
}

/// Reads a screen from an AnnData object's parts with these screen flags, as `mechpert` reads
/// the same object from an h5ad file.
#[pyfunction]
fn screen_from_anndata(
    py: Python<'_>,
    flags: Vec<String>,
    matrix: Option<MatrixParts<'_>>,
    layers: Vec<String>,
    obs: FrameParts<'_>,
    var: FrameParts<'_>,
    value_kind: Option<String>,
) -> PyResult<RustScreen> {
    let (obs_index, obs) = frame(obs);
    let (var_index, var) = frame(var);
    let (matrix, dtype) = match matrix.map(matrix_values).transpose()? {
        Some((values, dtype)) => (Some(values), dtype),
        None => (None, String::new()),
    };
    let adata = AnnData {
        matrix,
        dtype,
        layers,
        obs_index,
        obs,
        var_index,
        var,
        value_kind: value_kind.as_deref().and_then(value_kind_from_name),
    };
    let screen = call(py, move || {
        let args = screen_args(&flags)?;
        let symbols = mechpert::run::resolve_symbols(&args)?;
        let builder = mechpert::run::screen_builder(&args, &symbols);
        Ok(builder.build_from_anndata(adata)?)
    })?;
    Ok(RustScreen::new(screen))
}

/// Runs the binary's command line `argv` (without the program name) in this process, without
/// the GIL, and returns what it printed on stdout. `screen`, when given, stands for the screen
/// file the command names (`--data`), read already.
#[pyfunction]
#[pyo3(signature = (argv, screen=None))]
fn run(
    py: Python<'_>,
    argv: Vec<String>,
    screen: Option<PyRef<'_, RustScreen>>,
) -> PyResult<String> {
    let preloaded = screen.map(|s| Arc::clone(&s.loaded));
    call(py, move || {
        let mut cli = Cli::try_parse_from(std::iter::once("mechpert".to_string()).chain(argv))
            .map_err(|e| mechpert::run::UsageError(e.render().to_string().trim().to_string()))?;
        if let Some(loaded) = preloaded {
            let args = match &mut cli.command {
                Command::Inspect(a) => &mut a.screen,
                Command::Consensus(a) => &mut a.screen,
                Command::Evaluate(a) => &mut a.screen,
                Command::Plan(a) => &mut a.screen,
                Command::Design(a) => &mut a.screen,
                _ => anyhow::bail!("this command reads no single screen to hand over"),
            };
            args.preloaded = Some(mechpert::cli::Preloaded(loaded));
        }
        let mut out = Vec::new();
        mechpert::run::run(cli, &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    })
}

/// A plan config dict (JSON text, keys as in the TOML file) as a TOML file's text whose
/// relative paths start from `base`: checked and rebased exactly as a `--config` file is.
#[pyfunction]
fn plan_config(py: Python<'_>, json: String, base: PathBuf) -> PyResult<String> {
    call(py, move || {
        let value: toml::Value = serde_json::from_str(&json)
            .map_err(|e| mechpert::run::UsageError(format!("config: {e}")))?;
        let text = toml::to_string(&value)
            .map_err(|e| mechpert::run::UsageError(format!("config: {e}")))?;
        let mut file = PlanFile::parse(&text, std::path::Path::new("config"))
            .map_err(|e| mechpert::run::UsageError(e.to_string()))?;
        file.rebase(&base);
        Ok(toml::to_string(&file)?)
    })
}

/// Panics inside the boundary, for the test that no panic crosses it.
#[pyfunction]
fn _panic(py: Python<'_>, message: String) -> PyResult<()> {
    call(py, || -> anyhow::Result<()> { panic!("{message}") })
}

/// The Rust half of the `mechpert` package.
#[pymodule]
fn _mechpert(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("MechpertError", py.get_type::<MechpertError>())?;
    m.add("DataError", py.get_type::<DataError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    m.add_class::<RustScreen>()?;
    m.add_function(wrap_pyfunction!(read_screen, m)?)?;
    m.add_function(wrap_pyfunction!(screen_from_anndata, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(plan_config, m)?)?;
    m.add_function(wrap_pyfunction!(_panic, m)?)?;
    Ok(())
}

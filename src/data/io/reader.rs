//! [`Builder`]: reader options, format detection and dispatch to the format readers.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::error::ReadError;
use super::format::{self, Format, GZIP_MAGIC, HDF5_MAGIC, KNOWN_EXTENSIONS};
use super::missing::Missing;
use super::source::MatrixSource;
use super::{cell_table, csv, h5ad};
use crate::data::{GeneSymbols, Screen, ValueKind};

/// obs columns tried, in order, for the perturbation label when none is given.
pub const DEFAULT_PERTURBATION_KEYS: &[&str] =
    &["perturbation", "condition", "gene", "target_gene"];
/// Labels tried, case-insensitively, for control cells or rows when none are given.
pub const DEFAULT_CONTROL_LABELS: &[&str] = &["non-targeting", "control", "ctrl", "NT"];

/// Single cells whose values are all whole numbers and reach above this are taken for raw
/// counts (log1p of counts per 10⁴ stays below ln(1 + 10⁴) ≈ 9.2).
pub const COUNTS_ABOVE: f32 = 30.0;

/// A screen read from a file, with the format it was read as.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The screen.
    pub screen: Screen,
    /// The format it was read as (detected or forced).
    pub format: Format,
    /// Why that format (and, for text, which delimiter), for `inspect` and the logs.
    pub reason: String,
    /// Which matrix was read and what its values look like.
    pub matrix: MatrixSource,
}

/// Options for reading a screen; [`Builder::build_from_path`] reads one.
///
/// ```
/// use mechpert::data::{GeneSymbols, io::{Builder, Format}};
/// let text = "perturbation,HBG1,TAL1\nnon-targeting,1,2\nmyc,0.5,2.5\n";
/// let loaded = Builder::new(GeneSymbols::embedded())
///     .build_from_reader(text.as_bytes(), "toy.csv".as_ref(), Some(Format::Wide))
///     .unwrap();
/// assert_eq!(loaded.screen.perturbations(), ["MYC"]);
/// assert_eq!(loaded.screen.response().row(0).to_vec(), vec![-0.5, 0.5]);
/// ```
#[derive(Debug, Clone)]
pub struct Builder<'s> {
    pub(super) format: Option<Format>,
    pub(super) perturbation_key: Option<String>,
    pub(super) control_labels: Vec<String>,
    pub(super) values: Option<ValueKind>,
    pub(super) normalize: Option<Normalize>,
    pub(super) symbols: &'s GeneSymbols,
    // Which matrix of an h5ad, or which file labels a table of cells.
    pub(super) layer: Option<String>,
    pub(super) labels: Option<PathBuf>,
    pub(super) missing: Missing,
}

/// A per-cell normalisation applied to single cells before they are averaged.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Normalize {
    /// ln(1 + 10⁴ x / Σ x) per cell: scanpy's `normalize_total(target_sum=1e4)` then `log1p`.
    Log1pCp10k,
}

impl<'s> Builder<'s> {
    /// Default options: format detected, default perturbation keys and control labels.
    pub fn new(symbols: &'s GeneSymbols) -> Builder<'s> {
        Builder {
            format: None,
            perturbation_key: None,
            control_labels: DEFAULT_CONTROL_LABELS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            values: None,
            normalize: None,
            symbols,
            layer: None,
            labels: None,
            missing: Missing::Refuse,
        }
    }

    /// Reads the h5ad layer `layers/NAME` instead of `X` (refused for other formats).
    pub fn layer(mut self, layer: Option<String>) -> Self {
        self.layer = layer;
        self
    }

    /// Reads the screen as a table of cells (first column the cell id, one column per gene)
    /// whose labels are in this separate file (one row per cell: a cell-id column and the
    /// perturbation-key column, or one-hot 0/1 columns), joined on cell id.
    pub fn labels(mut self, labels: Option<PathBuf>) -> Self {
        self.labels = labels;
        self
    }

    /// Forces the format instead of detecting it.
    pub fn format(mut self, format: Option<Format>) -> Self {
        self.format = format;
        self
    }

    /// The obs column (h5ad) or header column holding the perturbation label.
    pub fn perturbation_key(mut self, key: Option<String>) -> Self {
        self.perturbation_key = key;
        self
    }

    /// Labels that mark control cells or rows (replaces the defaults when non-empty).
    pub fn control_labels(mut self, labels: Vec<String>) -> Self {
        if !labels.is_empty() {
            self.control_labels = labels;
        }
        self
    }

    /// What the values are; `None` lets the format decide (expression for wide/long tables and
    /// single cells).
    pub fn values(mut self, values: Option<ValueKind>) -> Self {
        self.values = values;
        self
    }

    /// Normalises single cells (raw counts) before averaging them; without it, an h5ad of
    /// single cells whose values are all whole numbers above [`COUNTS_ABOVE`] is refused.
    pub fn normalize(mut self, normalize: Option<Normalize>) -> Self {
        self.normalize = normalize;
        self
    }

    /// What a missing value in a CSV/TSV table (an NA or empty cell, a pair a long table
    /// leaves out) becomes; refused by default.
    ///
    /// ```
    /// use mechpert::data::{GeneSymbols, io::{Builder, missing::Missing}};
    /// use mechpert::data::ValueKind;
    /// let text = "perturbation,HBG1,TAL1\nMYC,0.5,NA\nGATA1,1,2\n";
    /// let builder = Builder::new(GeneSymbols::embedded()).values(Some(ValueKind::Response));
    /// let read = |b: &Builder| b.build_from_reader(text.as_bytes(), "t.csv".as_ref(), None);
    /// assert!(read(&builder).is_err());
    /// let zero = read(&builder.clone().missing(Missing::Zero)).unwrap().screen;
    /// assert_eq!(zero.response().row(0).to_vec(), vec![0.5, 0.0]);
    /// let dropped = read(&builder.missing(Missing::DropGenes)).unwrap().screen;
    /// assert_eq!(dropped.genes(), ["HBG1"]);
    /// ```
    pub fn missing(mut self, missing: Missing) -> Self {
        self.missing = missing;
        self
    }

    /// Whether a label names a control (case-insensitive).
    pub(super) fn is_control(&self, label: &str) -> bool {
        let label = label.trim();
        self.control_labels
            .iter()
            .any(|c| c.eq_ignore_ascii_case(label))
    }

    /// Reads a screen from a file, detecting the format from its first bytes and extension.
    pub fn build_from_path(&self, path: &Path) -> Result<Loaded, ReadError> {
        let magic = read_magic(path)?;
        if let Some(labels) = &self.labels {
            return self.read_labelled_cells(path, &magic, labels);
        }
        let ext = format::base_extension(path);
        let (format, reason) = match self.format {
            Some(f) => (Some(f), "named with --format"),
            None if magic == HDF5_MAGIC => (Some(Format::H5ad), "the file has the HDF5 signature"),
            None if matches!(ext.as_deref(), Some("h5ad" | "h5")) => {
                (Some(Format::H5ad), "the extension is .h5ad")
            }
            None => match ext.as_deref() {
                Some(e) if KNOWN_EXTENSIONS.contains(&e) => (None, ""),
                _ => {
                    return Err(ReadError::UnknownFormat {
                        path: path.to_path_buf(),
                        ext: ext.map(|e| format!(".{e}")).unwrap_or_default(),
                    });
                }
            },
        };
        if format != Some(Format::H5ad)
            && let Some(layer) = &self.layer
        {
            return Err(ReadError::Inapplicable {
                path: path.to_path_buf(),
                message: format!(
                    "--layer {layer} names a layer of an AnnData .h5ad file, but this file is a text table, which has one matrix: drop --layer"
                ),
            });
        }
        if format == Some(Format::H5ad) {
            if magic != HDF5_MAGIC {
                return Err(ReadError::Hdf5 {
                    path: path.to_path_buf(),
                    object: "/".into(),
                    message: "not an HDF5 file (no HDF5 signature): expected an AnnData .h5ad file"
                        .into(),
                });
            }
            return h5ad::read(self, path).map(|(screen, matrix)| Loaded {
                screen,
                format: Format::H5ad,
                reason: reason.to_string(),
                matrix,
            });
        }
        self.read_text(open_text(path, &magic)?, path, format, ext.as_deref())
    }

    /// Reads a screen from an AnnData object in memory, exactly as from an h5ad file holding
    /// it (the builder's layer, key, controls, values and normalisation apply).
    pub fn build_from_anndata(&self, adata: h5ad::AnnData) -> Result<Loaded, ReadError> {
        h5ad::read_in_memory(self, adata).map(|(screen, matrix)| Loaded {
            screen,
            format: Format::H5ad,
            reason: "an AnnData object in memory".to_string(),
            matrix,
        })
    }

    /// A table of cells joined with the labels in `labels` (see [`Builder::labels`]).
    fn read_labelled_cells(
        &self,
        path: &Path,
        magic: &[u8],
        labels: &Path,
    ) -> Result<Loaded, ReadError> {
        let refuse = |why: &str| {
            Err(ReadError::Inapplicable {
                path: path.to_path_buf(),
                message: format!(
                    "--labels {} goes with a table of cells (first column the cell id, one column per gene), but {why}",
                    labels.display()
                ),
            })
        };
        if magic == HDF5_MAGIC || self.format == Some(Format::H5ad) {
            return refuse(
                "this is an h5ad file, whose labels are obs columns: drop --labels and name the column with --perturbation-key",
            );
        }
        if let Some(f @ (Format::Long | Format::Ranked)) = self.format {
            return refuse(&format!("--format {f} names another layout"));
        }
        if self.layer.is_some() {
            return refuse("--layer names a layer of an h5ad file: drop --layer");
        }
        let (label_table, _) = text_table(
            open_text(labels, &read_magic(labels)?)?,
            labels,
            format::base_extension(labels).as_deref(),
        )?;
        let (cells, _) = text_table(
            open_text(path, magic)?,
            path,
            format::base_extension(path).as_deref(),
        )?;
        let (screen, matrix) = cell_table::read(self, cells, label_table)?;
        Ok(Loaded {
            screen,
            format: Format::Wide,
            reason: format!(
                "--labels {} names the labels of a table of cells",
                labels.display()
            ),
            matrix,
        })
    }

    /// Reads a text screen from memory or any reader; `name` is used in errors.
    pub fn build_from_reader(
        &self,
        reader: impl BufRead,
        name: &Path,
        format: Option<Format>,
    ) -> Result<Loaded, ReadError> {
        let ext = format::base_extension(name);
        self.read_text(reader, name, format.or(self.format), ext.as_deref())
    }

    fn read_text(
        &self,
        reader: impl BufRead,
        path: &Path,
        format: Option<Format>,
        ext: Option<&str>,
    ) -> Result<Loaded, ReadError> {
        let (mut table, delimiter) = text_table(reader, path, ext)?;
        let (format, reason) = match format {
            Some(Format::H5ad) => {
                return Err(ReadError::Hdf5 {
                    path: path.to_path_buf(),
                    object: "/".into(),
                    message: "not an HDF5 file (no HDF5 signature)".into(),
                });
            }
            Some(f) => (f, "named with --format"),
            None => format::sniff_text(table.header()),
        };
        let screen = match format {
            Format::Wide => csv::read_wide(self, &mut table)?,
            Format::Long => csv::read_long(self, &mut table)?,
            Format::Ranked => csv::read_ranked(self, &mut table)?,
            Format::H5ad => unreachable!("handled above"),
        };
        let mut reason = format!("{reason}; {}", format::delimiter_name(delimiter));
        if table.uses_decimal_comma() {
            reason.push_str(", decimal commas");
        }
        for note in table.notes() {
            reason.push_str("; ");
            reason.push_str(note);
        }
        Ok(Loaded {
            screen,
            format,
            reason,
            matrix: MatrixSource::table(),
        })
    }
}

/// The first bytes of a file (up to 8: enough for the HDF5 and gzip signatures); an empty file
/// is an error.
fn read_magic(path: &Path) -> Result<Vec<u8>, ReadError> {
    let io_err = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let mut magic = vec![0u8; 8];
    let n = read_up_to(&mut file, &mut magic).map_err(io_err)?;
    if n == 0 {
        return Err(ReadError::Empty {
            path: path.to_path_buf(),
        });
    }
    magic.truncate(n);
    Ok(magic)
}

/// A text file opened for reading, decompressed when its first bytes are the gzip signature.
fn open_text(path: &Path, magic: &[u8]) -> Result<BufReader<Box<dyn Read>>, ReadError> {
    let file = File::open(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let reader: Box<dyn Read> = if magic.starts_with(GZIP_MAGIC) {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    Ok(BufReader::with_capacity(1 << 16, reader))
}

/// A delimited table with its header read, and its delimiter (sniffed from the extension and
/// the header line); a file without a header is empty.
fn text_table<R: BufRead>(
    mut reader: R,
    path: &Path,
    ext: Option<&str>,
) -> Result<(csv::Table<R>, u8), ReadError> {
    let first_line = peek_line(&mut reader).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if first_line.trim().is_empty() {
        return Err(ReadError::Empty {
            path: path.to_path_buf(),
        });
    }
    let delimiter = format::sniff_delimiter(ext, &first_line);
    let table = csv::Table::new(reader, path.to_path_buf(), delimiter)?;
    Ok((table, delimiter))
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// The first line of a buffered reader, without consuming it (up to the buffer's capacity).
fn peek_line(reader: &mut impl BufRead) -> std::io::Result<String> {
    let buf = reader.fill_buf()?;
    let end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
    Ok(String::from_utf8_lossy(&buf[..end]).into_owned())
}

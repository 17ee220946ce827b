//! CSV/TSV screens: wide, long and ranked-signature tables.
//!
//! Numbers may use a decimal comma where the delimiter is not a comma; missing values (NA or
//! empty cells, pairs a long table leaves out) become what [`Builder::missing`] says.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::BufRead;
use std::path::PathBuf;

use ndarray::{Array1, Array2};

use super::error::{FieldError, ReadError};
use super::missing::{self, MissingAt};
use super::number::{Cell, DecimalMark};
use super::reader::{Builder, DEFAULT_PERTURBATION_KEYS};
use crate::data::{Screen, ValueKind};

/// A delimited table with its header read and a reusable record buffer.
pub(super) struct Table<R> {
    reader: ::csv::Reader<R>,
    header: Vec<String>,
    path: PathBuf,
    record: ::csv::StringRecord,
    numbers: DecimalMark,
    first_missing: Option<MissingAt>,
    notes: Vec<String>,
}

impl<R: BufRead> Table<R> {
    pub(super) fn new(reader: R, path: PathBuf, delimiter: u8) -> Result<Self, ReadError> {
        // Records end at `\n` only: with the default CRLF-aware terminator the csv crate
        // reports each record after a `\r\n` one line early (BurntSushi/rust-csv#395). The `\r`
        // left at the end of a line's last field is trimmed like all other whitespace.
        let mut reader = ::csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .terminator(::csv::Terminator::Any(b'\n'))
            .flexible(true)
            .has_headers(true)
            .from_reader(reader);
        let header = reader
            .headers()
            .map_err(|e| csv_error(&path, e))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        Ok(Table {
            reader,
            header,
            path,
            record: ::csv::StringRecord::new(),
            numbers: DecimalMark::new(delimiter),
            first_missing: None,
            notes: Vec::new(),
        })
    }

    pub(super) fn header(&self) -> &[String] {
        &self.header
    }

    /// The file, for messages.
    pub(super) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// A field of the current record, trimmed (possibly empty).
    pub(super) fn text(&self, column: usize) -> &str {
        self.record[column].trim()
    }

    /// Whether the numbers read use a decimal comma.
    pub(super) fn uses_decimal_comma(&self) -> bool {
        self.numbers.uses_comma()
    }

    /// What the reader did beyond reading (missing values zeroed or genes dropped).
    pub(super) fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Advances to the next record, checking its width; returns its 1-based line.
    pub(super) fn next(&mut self) -> Result<Option<u64>, ReadError> {
        loop {
            if !self
                .reader
                .read_record(&mut self.record)
                .map_err(|e| csv_error(&self.path, e))?
            {
                return Ok(None);
            }
            // A blank CRLF line (`\r` alone) is blank like an empty one.
            if !(self.record.len() == 1 && self.record[0].trim().is_empty()) {
                break;
            }
        }
        let line = self.record.position().map_or(0, |p| p.line());
        if self.record.len() != self.header.len() {
            return Err(ReadError::Ragged {
                path: self.path.clone(),
                line,
                expected: self.header.len(),
                got: self.record.len(),
            });
        }
        Ok(Some(line))
    }

    fn field_error(&self, line: u64, column: usize, source: FieldError) -> ReadError {
        ReadError::Field {
            path: self.path.clone(),
            line,
            column: self.header[column].clone(),
            source,
        }
    }

    /// The number in a cell, or [`Cell::Missing`] for a missing-value token.
    fn cell(&mut self, line: u64, column: usize) -> Result<Cell, ReadError> {
        let header = &self.header;
        let at = || format!("line {line}, column `{}`", header[column]);
        self.numbers
            .parse(&self.record[column], at)
            .map_err(|e| self.field_error(line, column, e))
    }

    /// The number in a cell of a table of single cells, where a missing value is an error:
    /// `--missing` applies to per-perturbation tables, not to cells about to be averaged.
    pub(super) fn number(&mut self, line: u64, column: usize) -> Result<f32, ReadError> {
        match self.cell(line, column)? {
            Cell::Number(v) => Ok(v),
            Cell::Missing => {
                let text = self.text(column).to_string();
                Err(self.field_error(line, column, FieldError::MissingInCells(text)))
            }
        }
    }

    /// The number in a cell; NaN marks a missing value, the first of which is remembered.
    fn value(&mut self, line: u64, column: usize) -> Result<f32, ReadError> {
        match self.cell(line, column)? {
            Cell::Number(v) => Ok(v),
            Cell::Missing => {
                if self.first_missing.is_none() {
                    self.first_missing = Some(MissingAt::Cell {
                        line,
                        column: self.header[column].clone(),
                        text: self.text(column).to_string(),
                    });
                }
                Ok(f32::NAN)
            }
        }
    }

    pub(super) fn name(&self, line: u64, column: usize) -> Result<&str, ReadError> {
        let name = self.record[column].trim();
        if name.is_empty() {
            return Err(self.field_error(line, column, FieldError::EmptyName));
        }
        Ok(name)
    }

    pub(super) fn column(&self, wanted: &[&str]) -> Result<usize, ReadError> {
        wanted
            .iter()
            .find_map(|w| self.header.iter().position(|h| h.eq_ignore_ascii_case(w)))
            .ok_or_else(|| ReadError::MissingColumn {
                path: self.path.clone(),
                column: wanted.join("` or `"),
                available: abbreviate(&self.header, "columns"),
            })
    }

    /// The perturbation label column: the one named by the user, else the first default key
    /// present, else the first column.
    fn label_column(&self, builder: &Builder<'_>) -> Result<usize, ReadError> {
        match &builder.perturbation_key {
            Some(key) => self.column(&[key.as_str()]),
            None => Ok(DEFAULT_PERTURBATION_KEYS
                .iter()
                .filter(|k| **k != "gene")
                .find_map(|k| self.header.iter().position(|h| h.eq_ignore_ascii_case(k)))
                .unwrap_or(0)),
        }
    }
}

fn csv_error(path: &std::path::Path, e: ::csv::Error) -> ReadError {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        ::csv::ErrorKind::Io(source) => ReadError::Io {
            path: path.to_path_buf(),
            source,
        },
        ::csv::ErrorKind::Utf8 { err, .. } => ReadError::Field {
            path: path.to_path_buf(),
            line,
            column: format!("#{}", err.field() + 1),
            source: FieldError::NotUtf8(err.valid_up_to()),
        },
        other => ReadError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(format!("{other:?}")),
        },
    }
}

/// The first six names, quoted, and how many there are when more.
pub(super) fn abbreviate(names: &[String], noun: &str) -> String {
    let shown: Vec<String> = names.iter().take(6).map(|n| format!("`{n}`")).collect();
    if names.len() > 6 {
        format!("{}, … ({} {noun})", shown.join(", "), names.len())
    } else {
        shown.join(", ")
    }
}

/// Assigns each normalised name a dense index, refusing duplicates with both locations.
pub(super) struct Names {
    what: &'static str,
    index: HashMap<String, (usize, String)>,
    /// Spellings already seen → index, so each distinct name is resolved (and counted) once.
    spelled: HashMap<String, usize>,
    pub(super) order: Vec<String>,
    pub(super) unmapped: usize,
}

impl Names {
    pub(super) fn new(what: &'static str) -> Self {
        Names {
            what,
            index: HashMap::new(),
            spelled: HashMap::new(),
            order: Vec::new(),
            unmapped: 0,
        }
    }

    /// Adds a name that must be new; `at` says where it is (for example `line 3`).
    pub(super) fn insert_unique(
        &mut self,
        builder: &Builder<'_>,
        raw: &str,
        at: String,
        path: &std::path::Path,
        line: u64,
    ) -> Result<usize, ReadError> {
        let symbol = builder.symbols.normalise(raw, &mut self.unmapped);
        match self.index.entry(symbol) {
            Entry::Occupied(e) => Err(ReadError::Duplicate {
                path: path.to_path_buf(),
                line,
                what: self.what,
                name: spelled(e.key(), raw),
                first: e.get().1.clone(),
            }),
            Entry::Vacant(v) => {
                let i = self.order.len();
                self.order.push(v.key().clone());
                v.insert((i, at));
                Ok(i)
            }
        }
    }

    /// Index of a name, adding it on first sight.
    pub(super) fn intern(&mut self, builder: &Builder<'_>, raw: &str) -> usize {
        if let Some(&i) = self.spelled.get(raw) {
            return i;
        }
        let symbol = builder.symbols.normalise(raw, &mut self.unmapped);
        let next = self.order.len();
        let i = match self.index.entry(symbol) {
            Entry::Occupied(e) => e.get().0,
            Entry::Vacant(v) => {
                self.order.push(v.key().clone());
                v.insert((next, String::new()));
                next
            }
        };
        self.spelled.insert(raw.to_string(), i);
        i
    }
}

fn spelled(symbol: &str, raw: &str) -> String {
    if symbol == raw {
        format!("`{symbol}`")
    } else {
        format!("`{symbol}` (spelled `{raw}`)")
    }
}

/// Wide: first column the perturbation, one column per gene, control rows averaged.
pub(super) fn read_wide<R: BufRead>(
    builder: &Builder<'_>,
    t: &mut Table<R>,
) -> Result<Screen, ReadError> {
    missing::check(builder.missing, value_kind(builder), &t.path)?;
    let label = t.label_column(builder)?;
    let mut genes = Names::new("gene");
    let mut gene_cols = Vec::with_capacity(t.header.len());
    for (c, name) in t.header.clone().iter().enumerate() {
        if c != label {
            if name.trim().is_empty() {
                return Err(ReadError::Field {
                    path: t.path.clone(),
                    line: 1,
                    column: format!("#{}", c + 1),
                    source: FieldError::EmptyName,
                });
            }
            genes.insert_unique(builder, name, format!("column {}", c + 1), &t.path, 1)?;
            gene_cols.push(c);
        }
    }
    let n_genes = gene_cols.len();
    let mut perts = Names::new("perturbation");
    let mut values: Vec<f32> = Vec::new();
    let mut control = vec![0f64; n_genes];
    let mut control_rows = 0usize;
    while let Some(line) = t.next()? {
        let name = t.name(line, label)?.to_string();
        if builder.is_control(&name) {
            for (g, &c) in gene_cols.iter().enumerate() {
                control[g] += f64::from(t.value(line, c)?);
            }
            control_rows += 1;
            continue;
        }
        perts.insert_unique(builder, &name, format!("line {line}"), &t.path, line)?;
        for &c in &gene_cols {
            values.push(t.value(line, c)?);
        }
    }
    let n_perts = perts.order.len();
    let matrix = Array2::from_shape_vec((n_perts, n_genes), values).expect("rows × genes values");
    let control = (control_rows > 0)
        .then(|| Array1::from_iter(control.iter().map(|v| (v / control_rows as f64) as f32)));
    finish(
        builder,
        t,
        perts,
        genes,
        control,
        matrix,
        "a row whose first column is",
    )
}

/// The line of every perturbation/gene pair read so far, so that a repeated pair is refused
/// with both lines.
#[derive(Default)]
struct SeenPairs(HashMap<(u32, u32), u64>);

impl SeenPairs {
    fn insert(
        &mut self,
        path: &std::path::Path,
        pair: (u32, u32),
        line: u64,
        perturbation: &str,
        gene: &str,
    ) -> Result<(), ReadError> {
        match self.0.insert(pair, line) {
            None => Ok(()),
            Some(first) => Err(ReadError::Duplicate {
                path: path.to_path_buf(),
                line,
                what: "perturbation/gene pair",
                name: format!("`{perturbation}/{gene}`"),
                first: format!("line {first}"),
            }),
        }
    }
}

/// Long: `perturbation, gene, value`, one row per pair; an absent pair is a missing value.
pub(super) fn read_long<R: BufRead>(
    builder: &Builder<'_>,
    t: &mut Table<R>,
) -> Result<Screen, ReadError> {
    missing::check(builder.missing, value_kind(builder), &t.path)?;
    let label = t.label_column(builder)?;
    let gene_col = t.column(&["gene"])?;
    let value_col = t.column(&["value"])?;
    let mut perts = Names::new("perturbation");
    let mut genes = Names::new("gene");
    let mut is_control_row: Vec<bool> = Vec::new();
    let mut triplets: Vec<(u32, u32, f32)> = Vec::new();
    let mut seen = SeenPairs::default();
    while let Some(line) = t.next()? {
        let p_name = t.name(line, label)?.to_string();
        let g_name = t.name(line, gene_col)?.to_string();
        let value = t.value(line, value_col)?;
        let p = perts.intern(builder, &p_name) as u32;
        if p as usize == is_control_row.len() {
            is_control_row.push(builder.is_control(&p_name));
        }
        let g = genes.intern(builder, &g_name) as u32;
        seen.insert(&t.path, (p, g), line, &p_name, &g_name)?;
        triplets.push((p, g, value));
    }
    // Control labels occupy rows of their own; map every label to a perturbation or control row.
    let n_genes = genes.order.len();
    let mut row_of = vec![usize::MAX; perts.order.len()];
    let mut kept = Names::new("perturbation");
    kept.unmapped = perts.unmapped;
    for (p, name) in perts.order.into_iter().enumerate() {
        if !is_control_row[p] {
            row_of[p] = kept.order.len();
            kept.order.push(name);
        }
    }
    let n_perts = kept.order.len();
    // NaN marks the pairs no row gives (and the genes no control row gives).
    let mut matrix = Array2::<f32>::from_elem((n_perts, n_genes), f32::NAN);
    let mut control_sum = vec![0f64; n_genes];
    let mut control_n = vec![0u32; n_genes];
    for (p, g, v) in triplets {
        let (p, g) = (p as usize, g as usize);
        if row_of[p] == usize::MAX {
            control_sum[g] += f64::from(v);
            control_n[g] += 1;
        } else {
            matrix[[row_of[p], g]] = v;
        }
    }
    let has_control = control_n.iter().any(|&n| n > 0);
    let control = has_control.then(|| {
        Array1::from_iter(control_sum.iter().zip(&control_n).map(|(s, &n)| {
            if n == 0 {
                f32::NAN
            } else {
                (s / f64::from(n)) as f32
            }
        }))
    });
    finish(
        builder,
        t,
        kept,
        genes,
        control,
        matrix,
        "rows whose perturbation is",
    )
}

/// Ranked signatures: `perturbation, rank, gene[, in_up]`; gene g scores 1 − (rank − 1)/R in a
/// perturbation that ranks it (R the largest rank in the file), else 0. `in_up` is not used.
pub(super) fn read_ranked<R: BufRead>(
    builder: &Builder<'_>,
    t: &mut Table<R>,
) -> Result<Screen, ReadError> {
    // Without a perturbation column the first column would be taken for one, and a single
    // ranking (`rank,gene,score`, a PageRank table) would pass for a screen of "perturbations"
    // named 1, 2, 3, …
    let has_label = builder.perturbation_key.is_some()
        || DEFAULT_PERTURBATION_KEYS
            .iter()
            .filter(|k| **k != "gene")
            .any(|k| t.header.iter().any(|h| h.eq_ignore_ascii_case(k)));
    if !has_label {
        return Err(ReadError::NotAScreen {
            path: t.path.clone(),
            message: format!(
                "columns {} hold `rank` and `gene` but no perturbation column: a ranked-signature screen needs `perturbation` (or condition, target_gene, or --perturbation-key COLUMN) beside `rank` and `gene`; a single gene ranking is not a screen",
                abbreviate(&t.header, "columns")
            ),
        });
    }
    let label = t.label_column(builder)?;
    let rank_col = t.column(&["rank"])?;
    let gene_col = t.column(&["gene"])?;
    let mut perts = Names::new("perturbation");
    let mut genes = Names::new("gene");
    let mut entries: Vec<(u32, u32, u32)> = Vec::new();
    let mut seen = SeenPairs::default();
    let mut max_rank = 0u32;
    while let Some(line) = t.next()? {
        let p_name = t.name(line, label)?.to_string();
        let g_name = t.name(line, gene_col)?.to_string();
        let rank_text = &t.record[rank_col];
        let rank = match rank_text.trim().parse::<u32>() {
            Ok(r) if r >= 1 => r,
            _ => {
                return Err(t.field_error(
                    line,
                    rank_col,
                    FieldError::BadRank(rank_text.to_string()),
                ));
            }
        };
        let p = perts.intern(builder, &p_name) as u32;
        let g = genes.intern(builder, &g_name) as u32;
        seen.insert(&t.path, (p, g), line, &p_name, &g_name)?;
        max_rank = max_rank.max(rank);
        entries.push((p, g, rank));
    }
    if entries.is_empty() {
        return Err(ReadError::Empty {
            path: t.path.clone(),
        });
    }
    let mut matrix = Array2::<f32>::zeros((perts.order.len(), genes.order.len()));
    let r = max_rank as f32;
    for (p, g, rank) in entries {
        matrix[[p as usize, g as usize]] = 1.0 - (rank - 1) as f32 / r;
    }
    let unmapped = (genes.unmapped, perts.unmapped);
    Screen::from_responses(perts.order, genes.order, matrix, ValueKind::RankScore)
        .map(|s| s.with_unmapped(unmapped.0, unmapped.1))
        .map_err(|source| ReadError::Screen {
            path: t.path.clone(),
            source,
        })
}

/// What the values are: as the builder says, else expression (wide and long tables).
fn value_kind(builder: &Builder<'_>) -> ValueKind {
    builder.values.unwrap_or(ValueKind::Expression)
}

fn finish<R>(
    builder: &Builder<'_>,
    t: &mut Table<R>,
    perts: Names,
    genes: Names,
    control: Option<Array1<f32>>,
    matrix: Array2<f32>,
    where_: &str,
) -> Result<Screen, ReadError> {
    let path = t.path.clone();
    if perts.order.is_empty() && genes.order.is_empty() {
        return Err(ReadError::Empty { path });
    }
    let kind = value_kind(builder);
    // Values relative to control ignore any control rows, and so do their missing values.
    let control = match (kind, control) {
        (ValueKind::Expression, Some(control)) => Some(control),
        (ValueKind::Expression, None) => {
            return Err(ReadError::NoControl {
                path,
                where_: where_.to_string(),
                tried: builder.control_labels.clone(),
            });
        }
        (_, _) => None,
    };
    let resolved = missing::resolve(
        builder.missing,
        &path,
        t.first_missing.take(),
        &perts.order,
        genes.order,
        control,
        matrix,
    )?;
    if let Some(note) = resolved.note {
        tracing::warn!(path = %path.display(), "{note}");
        t.notes.push(note);
    }
    let unmapped = (genes.unmapped, perts.unmapped);
    let screen = match resolved.control {
        Some(control) => Screen::from_profiles(
            perts.order,
            resolved.genes,
            control,
            resolved.matrix,
            ValueKind::Expression,
        ),
        None => Screen::from_responses(perts.order, resolved.genes, resolved.matrix, kind),
    };
    screen
        .map(|s| s.with_unmapped(unmapped.0, unmapped.1))
        .map_err(|source| ReadError::Screen { path, source })
}

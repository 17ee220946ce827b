//! The `mechpert inspect` summary.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use crate::data::ValueKind;
use crate::data::io::source::{Encoding, MatrixSource};
use crate::data::io::{Format, reader::Loaded};

/// What `inspect` reports about a screen; serialised as the `--json` object.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The file.
    pub path: String,
    /// The format it was read as.
    pub format: Format,
    /// Number of perturbations (controls excluded).
    pub perturbations: usize,
    /// Number of measured genes.
    pub genes: usize,
    /// Whether a control profile was measured (false: values are relative to control already).
    pub control: bool,
    /// Total cells (perturbed + control) for single-cell sources; null for pseudo-bulk.
    pub cells: Option<u64>,
    /// Control cells for single-cell sources.
    pub control_cells: Option<u32>,
    /// Gene names the alias table did not know (kept as written).
    pub unmapped_genes: usize,
    /// Perturbation names the alias table did not know (kept as written).
    pub unmapped_perturbations: usize,
    /// What the values mean.
    pub value_kind: ValueKind,
    /// Smallest and largest cell count of a perturbation, for single-cell sources.
    pub cells_per_perturbation: Option<[u32; 2]>,
    /// Mean |response| over all perturbations and genes.
    pub mean_abs_response: f64,
    /// The first perturbation names, for a glance.
    pub first_perturbations: Vec<String>,
    /// Which matrix was read (`X`, `layers/NAME`, `table`), how it is stored, its values'
    /// range, the file's layers and, with `--labels`, how cells and labels joined.
    pub matrix: MatrixSource,
}

impl Summary {
    /// Summarises a loaded screen.
    pub fn of(path: &Path, loaded: &Loaded) -> Summary {
        let s = &loaded.screen;
        let cells = s.cells().map(|c| {
            c.iter().map(|&n| u64::from(n)).sum::<u64>() + u64::from(s.control_cells().unwrap_or(0))
        });
        let range = s.cells().map(|c| {
            [
                c.iter().copied().min().unwrap_or(0),
                c.iter().copied().max().unwrap_or(0),
            ]
        });
        let response = s.response();
        let mean_abs =
            response.iter().map(|v| f64::from(v.abs())).sum::<f64>() / response.len() as f64;
        Summary {
            path: path.display().to_string(),
            format: loaded.format,
            perturbations: s.n_perturbations(),
            genes: s.n_genes(),
            control: s.control_measured(),
            cells,
            control_cells: s.control_cells(),
            unmapped_genes: s.unmapped_genes(),
            unmapped_perturbations: s.unmapped_perturbations(),
            value_kind: s.value_kind(),
            cells_per_perturbation: range,
            mean_abs_response: mean_abs,
            first_perturbations: s.perturbations().iter().take(5).cloned().collect(),
            matrix: loaded.matrix.clone(),
        }
    }

    /// Writes the summary for people.
    pub fn write_human(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{}", self.path)?;
        writeln!(out, "  format            {}", self.format)?;
        writeln!(out, "  values            {}", serde_plain(&self.value_kind))?;
        writeln!(out, "  perturbations     {}", self.perturbations)?;
        writeln!(out, "  genes measured    {}", self.genes)?;
        match (self.cells, self.control_cells, self.cells_per_perturbation) {
            (Some(total), Some(control), Some([lo, hi])) => writeln!(
                out,
                "  cells             {total} ({control} control; {lo}–{hi} per perturbation)"
            )?,
            _ => writeln!(out, "  cells             none (pseudo-bulk)")?,
        }
        let control = if self.control {
            "measured"
        } else {
            "0 by construction (values relative to control)"
        };
        writeln!(out, "  control profile   {control}")?;
        writeln!(
            out,
            "  unmapped names    {} genes, {} perturbations (kept as written)",
            self.unmapped_genes, self.unmapped_perturbations
        )?;
        writeln!(out, "  mean |response|   {:.4}", self.mean_abs_response)?;
        self.write_matrix(out)?;
        writeln!(
            out,
            "  first             {}",
            self.first_perturbations.join(", ")
        )
    }
}

impl Summary {
    /// The matrix lines: what was read, its values, the layers, the label join.
    fn write_matrix(&self, out: &mut dyn Write) -> io::Result<()> {
        let m = &self.matrix;
        let stored = match (&m.encoding, &m.dtype) {
            (Encoding::Table, _) => "a text table".to_string(),
            (encoding, Some(dtype)) => format!("{encoding} {dtype}"),
            (encoding, None) => encoding.to_string(),
        };
        let values = match &m.values {
            Some(v) => format!(
                "; values {} to {}, {}, {:.1} % zeros",
                v.min,
                v.max,
                if v.whole_numbers {
                    "all whole numbers (counts?)"
                } else {
                    "not all whole numbers"
                },
                100.0 * v.zero_fraction
            ),
            None => String::new(),
        };
        writeln!(out, "  matrix            {} ({stored}){values}", m.name)?;
        if m.encoding != Encoding::Table {
            let layers = if m.layers.is_empty() {
                "none".to_string()
            } else {
                m.layers.join(", ")
            };
            writeln!(
                out,
                "  layers            {layers} (read one with --layer NAME)"
            )?;
        }
        if let Some(j) = &m.labels {
            writeln!(
                out,
                "  labels            {} joined on {} (label: {}): {} cells labelled, {} without a label, {} labels without a cell",
                j.file,
                j.on,
                j.label_column,
                j.cells_labelled,
                j.cells_without_label,
                j.labels_without_cell
            )?;
        }
        Ok(())
    }
}

fn serde_plain(kind: &ValueKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

//! The [`Screen`] model: what a perturbation screen measured, independent of any file format.

use std::collections::HashMap;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde::Serialize;

/// How many top differentially expressed genes are kept per perturbation (metrics use the top 20
/// and overlap@100).
pub const DE_DEPTH: usize = 100;

/// What the numbers of a screen mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueKind {
    /// Mean (log-normalised) expression per perturbation; the response is profile − control.
    Expression,
    /// Values already normalised against controls (for example Replogle's z-scored bulk); the
    /// control profile is 0 by construction.
    ZScore,
    /// Ranked-signature scores: gene g in perturbation p scores 1 − (rank − 1)/R when ranked among
    /// the top R, else 0; the control profile is 0.
    RankScore,
    /// Responses supplied directly (profile − control already taken); the control profile is 0.
    Response,
}

/// An inconsistency in the parts a screen is built from.
#[derive(Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ScreenError {
    /// Two perturbations share a name (after symbol normalisation).
    #[error("perturbation `{0}` appears twice")]
    DuplicatePerturbation(String),
    /// Two measured genes share a name (after symbol normalisation).
    #[error("gene `{0}` appears twice")]
    DuplicateGene(String),
    /// A matrix does not have the shape its names announce.
    #[error("{what} has shape {got:?}, expected {expected:?}")]
    Shape {
        /// Which matrix or vector.
        what: &'static str,
        /// Its shape.
        got: Vec<usize>,
        /// The shape the names imply.
        expected: Vec<usize>,
    },
    /// A value is NaN or infinite.
    #[error("perturbation `{perturbation}`, gene `{gene}`: expected a finite number, got {value}")]
    NotFinite {
        /// Perturbation (or `control`).
        perturbation: String,
        /// Gene.
        gene: String,
        /// The value.
        value: f32,
    },
    /// A screen with no perturbations or no genes.
    #[error("the screen is empty ({perturbations} perturbations, {genes} genes)")]
    Empty {
        /// Number of perturbations.
        perturbations: usize,
        /// Number of genes.
        genes: usize,
    },
}

/// A perturbation screen: one response row per perturbation over the measured genes.
///
/// Only the response matrix (profile − control) is stored; a profile is response + control.
#[derive(Debug, Clone)]
pub struct Screen {
    layout: Layout,
    control: Array1<f32>,
    control_measured: bool,
    response: Array2<f32>,
    cells: Option<Vec<u32>>,
    control_cells: Option<u32>,
    top_de: Array2<u32>,
    value_kind: ValueKind,
    unmapped_genes: usize,
    unmapped_perturbations: usize,
}

impl Screen {
    /// Builds a screen from mean profiles and a measured control profile; the top DE genes are
    /// those of largest |response|.
    pub fn from_profiles(
        perturbations: Vec<String>,
        genes: Vec<String>,
        control: Array1<f32>,
        mut profiles: Array2<f32>,
        value_kind: ValueKind,
    ) -> Result<Screen, ScreenError> {
        check_shape("control", &[control.len()], &[genes.len()])?;
        check_shape(
            "profiles",
            profiles.shape(),
            &[perturbations.len(), genes.len()],
        )?;
        check_finite(
            &["control".to_string()],
            &genes,
            control.view().insert_axis(Axis(0)),
        )?;
        check_finite(&perturbations, &genes, profiles.view())?;
        profiles -= &control;
        let mut screen = Self::assemble(perturbations, genes, control, profiles, value_kind)?;
        screen.control_measured = true;
        Ok(screen)
    }

    /// Builds a screen whose values are already relative to control (z-scores, rank scores or
    /// responses); the control profile is 0.
    pub fn from_responses(
        perturbations: Vec<String>,
        genes: Vec<String>,
        response: Array2<f32>,
        value_kind: ValueKind,
    ) -> Result<Screen, ScreenError> {
        check_shape(
            "responses",
            response.shape(),
            &[perturbations.len(), genes.len()],
        )?;
        check_finite(&perturbations, &genes, response.view())?;
        let control = Array1::zeros(genes.len());
        Self::assemble(perturbations, genes, control, response, value_kind)
    }

    fn assemble(
        perturbations: Vec<String>,
        genes: Vec<String>,
        control: Array1<f32>,
        response: Array2<f32>,
        value_kind: ValueKind,
    ) -> Result<Screen, ScreenError> {
        if perturbations.is_empty() || genes.is_empty() {
            return Err(ScreenError::Empty {
                perturbations: perturbations.len(),
                genes: genes.len(),
            });
        }
        if let Some(dup) = first_duplicate(&perturbations) {
            return Err(ScreenError::DuplicatePerturbation(dup.to_string()));
        }
        if let Some(dup) = first_duplicate(&genes) {
            return Err(ScreenError::DuplicateGene(dup.to_string()));
        }
        let top_de = top_by_magnitude(response.view(), DE_DEPTH.min(genes.len()));
        Ok(Screen {
            layout: Layout {
                perturbations,
                genes,
            },
            control,
            control_measured: false,
            response,
            cells: None,
            control_cells: None,
            top_de,
            value_kind,
            unmapped_genes: 0,
            unmapped_perturbations: 0,
        })
    }

    /// Records cell counts per perturbation and in the control (single-cell sources).
    pub fn with_cells(mut self, cells: Vec<u32>, control_cells: u32) -> Screen {
        assert_eq!(
            cells.len(),
            self.layout.perturbations.len(),
            "one cell count per perturbation"
        );
        self.cells = Some(cells);
        self.control_cells = Some(control_cells);
        self
    }

    /// Replaces the top DE genes (for example by a Welch t-test ranking from single cells).
    /// Each row lists gene indices, most differentially expressed first.
    pub fn with_top_de(mut self, top_de: Array2<u32>) -> Screen {
        assert_eq!(
            top_de.nrows(),
            self.layout.perturbations.len(),
            "one DE row per perturbation"
        );
        assert!(
            top_de
                .iter()
                .all(|&g| (g as usize) < self.layout.genes.len()),
            "DE gene out of range"
        );
        self.top_de = top_de;
        self
    }

    /// Records how many gene and perturbation names the alias table did not know.
    pub fn with_unmapped(mut self, genes: usize, perturbations: usize) -> Screen {
        self.unmapped_genes = genes;
        self.unmapped_perturbations = perturbations;
        self
    }

    /// The public part of the screen: perturbation and gene names, no responses.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
    /// Perturbation names (official symbols where known), one per response row.
    pub fn perturbations(&self) -> &[String] {
        self.layout.perturbations()
    }
    /// Measured gene names, one per response column.
    pub fn genes(&self) -> &[String] {
        self.layout.genes()
    }
    /// The control profile (zeros when the values are already relative to control).
    pub fn control(&self) -> ArrayView1<'_, f32> {
        self.control.view()
    }
    /// Whether the control profile was measured (false when it is 0 by construction).
    pub fn control_measured(&self) -> bool {
        self.control_measured
    }
    /// Responses, perturbation × gene: profile − control.
    pub fn response(&self) -> ArrayView2<'_, f32> {
        self.response.view()
    }
    /// The profile of perturbation `p` (response + control), allocated.
    pub fn profile(&self, p: usize) -> Array1<f32> {
        &self.response.row(p) + &self.control
    }
    /// Cells per perturbation, when the screen came from single cells.
    pub fn cells(&self) -> Option<&[u32]> {
        self.cells.as_deref()
    }
    /// Control cells, when the screen came from single cells.
    pub fn control_cells(&self) -> Option<u32> {
        self.control_cells
    }
    /// Top DE gene indices per perturbation (rows), most DE first; up to [`DE_DEPTH`] columns.
    pub fn top_de(&self) -> ArrayView2<'_, u32> {
        self.top_de.view()
    }
    /// What the values mean.
    pub fn value_kind(&self) -> ValueKind {
        self.value_kind
    }
    /// Gene names the alias table did not know.
    pub fn unmapped_genes(&self) -> usize {
        self.unmapped_genes
    }
    /// Perturbation names the alias table did not know.
    pub fn unmapped_perturbations(&self) -> usize {
        self.unmapped_perturbations
    }
    /// Number of perturbations.
    pub fn n_perturbations(&self) -> usize {
        self.layout.n_perturbations()
    }
    /// Number of measured genes.
    pub fn n_genes(&self) -> usize {
        self.layout.n_genes()
    }
    /// Row index of each perturbation name.
    pub fn perturbation_index(&self) -> HashMap<&str, usize> {
        self.layout.perturbation_index()
    }
    /// Column index of each gene name.
    pub fn gene_index(&self) -> HashMap<&str, usize> {
        index_of(&self.layout.genes)
    }
}

/// What anyone may know about a screen whichever perturbations were measured: the names of its
/// perturbations (rows) and of its measured genes (columns). It holds no response, so a
/// predictor or design strategy handed a [`Layout`] learns nothing about unmeasured rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    perturbations: Vec<String>,
    genes: Vec<String>,
}

impl Layout {
    /// A layout naming `perturbations` (rows; distinct) and measured `genes` (columns): for a
    /// design, the screen's rows followed by genes not perturbed yet.
    ///
    /// # Panics
    /// When a perturbation is repeated (a caller bug).
    pub fn new(perturbations: Vec<String>, genes: Vec<String>) -> Layout {
        if let Some(dup) = first_duplicate(&perturbations) {
            panic!("perturbation `{dup}` repeated in a layout");
        }
        Layout {
            perturbations,
            genes,
        }
    }
    /// Perturbation names, one per screen row.
    pub fn perturbations(&self) -> &[String] {
        &self.perturbations
    }
    /// Measured gene names, one per response column.
    pub fn genes(&self) -> &[String] {
        &self.genes
    }
    /// Number of perturbations.
    pub fn n_perturbations(&self) -> usize {
        self.perturbations.len()
    }
    /// Number of measured genes.
    pub fn n_genes(&self) -> usize {
        self.genes.len()
    }
    /// Row index of each perturbation name.
    pub fn perturbation_index(&self) -> HashMap<&str, usize> {
        index_of(&self.perturbations)
    }
}

fn index_of(names: &[String]) -> HashMap<&str, usize> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect()
}

fn first_duplicate(names: &[String]) -> Option<&str> {
    let mut seen = std::collections::HashSet::with_capacity(names.len());
    names
        .iter()
        .find(|n| !seen.insert(n.as_str()))
        .map(String::as_str)
}

fn check_shape(what: &'static str, got: &[usize], expected: &[usize]) -> Result<(), ScreenError> {
    if got == expected {
        Ok(())
    } else {
        Err(ScreenError::Shape {
            what,
            got: got.to_vec(),
            expected: expected.to_vec(),
        })
    }
}

fn check_finite(
    rows: &[String],
    genes: &[String],
    m: ArrayView2<'_, f32>,
) -> Result<(), ScreenError> {
    for ((r, g), &value) in m.indexed_iter() {
        if !value.is_finite() {
            return Err(ScreenError::NotFinite {
                perturbation: rows[r].clone(),
                gene: genes[g].clone(),
                value,
            });
        }
    }
    Ok(())
}

/// Per row, the indices of the `k` entries with the largest score, by descending score and then
/// ascending index (so ties are deterministic).
pub fn top_k_per_row(scores: ArrayView2<'_, f32>, k: usize) -> Array2<u32> {
    let mut out = Array2::zeros((scores.nrows(), k));
    let mut order: Vec<u32> = Vec::with_capacity(scores.ncols());
    for (row, mut dst) in scores.outer_iter().zip(out.outer_iter_mut()) {
        order.clear();
        order.extend(0..scores.ncols() as u32);
        let by_score =
            |a: &u32, b: &u32| row[*b as usize].total_cmp(&row[*a as usize]).then(a.cmp(b));
        if k < order.len() {
            order.select_nth_unstable_by(k, by_score);
            order.truncate(k);
        }
        order.sort_unstable_by(by_score);
        for (d, &g) in dst.iter_mut().zip(&order) {
            *d = g;
        }
    }
    out
}

fn top_by_magnitude(response: ArrayView2<'_, f32>, k: usize) -> Array2<u32> {
    top_k_per_row(response.mapv(f32::abs).view(), k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn response_is_profile_minus_control_and_de_orders_by_magnitude() {
        let s = Screen::from_profiles(
            names(&["A", "B"]),
            names(&["x", "y", "z"]),
            array![1.0, 1.0, 1.0],
            array![[1.5, -2.0, 1.0], [0.0, 1.0, 4.0]],
            ValueKind::Expression,
        )
        .unwrap();
        assert_eq!(s.response(), array![[0.5, -3.0, 0.0], [-1.0, 0.0, 3.0]]);
        assert_eq!(s.top_de().row(0).to_vec(), vec![1, 0, 2]);
        // |−1| < |3|; the tie at 0 is broken by index.
        assert_eq!(s.top_de().row(1).to_vec(), vec![2, 0, 1]);
        assert_eq!(s.profile(1), array![0.0, 1.0, 4.0]);
        assert!(s.control_measured());
    }

    #[test]
    fn inconsistent_parts_are_refused() {
        let dup = Screen::from_responses(
            names(&["A", "A"]),
            names(&["x"]),
            array![[1.0], [2.0]],
            ValueKind::Response,
        );
        assert_eq!(
            dup.unwrap_err(),
            ScreenError::DuplicatePerturbation("A".into())
        );
        let dup = Screen::from_responses(
            names(&["A"]),
            names(&["x", "x"]),
            array![[1.0, 2.0]],
            ValueKind::Response,
        );
        assert_eq!(dup.unwrap_err(), ScreenError::DuplicateGene("x".into()));
        let nan = Screen::from_responses(
            names(&["A"]),
            names(&["x"]),
            array![[f32::NAN]],
            ValueKind::Response,
        );
        assert!(matches!(nan.unwrap_err(), ScreenError::NotFinite { .. }));
        let shape = Screen::from_responses(
            names(&["A"]),
            names(&["x"]),
            array![[1.0, 2.0]],
            ValueKind::Response,
        );
        assert!(matches!(shape.unwrap_err(), ScreenError::Shape { .. }));
        let empty = Screen::from_responses(
            vec![],
            names(&["x"]),
            Array2::zeros((0, 1)),
            ValueKind::Response,
        );
        assert!(matches!(empty.unwrap_err(), ScreenError::Empty { .. }));
    }

    #[test]
    fn top_k_handles_k_smaller_than_width() {
        let top = top_k_per_row(array![[0.1, 0.9, 0.5, 0.9]].view(), 2);
        assert_eq!(top.row(0).to_vec(), vec![1, 3]);
    }
}

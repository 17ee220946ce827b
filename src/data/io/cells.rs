//! What every single-cell source shares once its cells are grouped: the per-cell
//! normalisation, and the step from summed groups to a [`Screen`].
//!
//! In: an [`Accumulator`] whose group 0 holds the control cells and group `g ≥ 1` the cells of
//! `perturbations[g − 1]`. Out: a [`Screen`] of mean profiles with cell counts and top-DE genes,
//! leaving out perturbations no cell carries (categories left over after subsetting).

use ndarray::Axis;

use crate::data::pseudobulk::Accumulator;
use crate::data::{Screen, ScreenError, ValueKind};

/// ln(1 + 10⁴ x / Σ x) of one cell's values (a cell with no counts stays 0): scanpy's
/// `normalize_total(target_sum=1e4)` then `log1p`.
pub(super) fn log1p_cp10k(values: &[f32]) -> Vec<f32> {
    let total: f64 = values.iter().map(|&v| f64::from(v)).sum();
    let factor = if total > 0.0 { 1e4 / total } else { 0.0 };
    values
        .iter()
        .map(|&v| (f64::from(v) * factor).ln_1p() as f32)
        .collect()
}

/// Names and alias-table misses of the grouped cells, for [`screen_from_cells`].
pub(super) struct CellGroups {
    /// Group `g ≥ 1` is `perturbations[g − 1]`; group 0 is the control.
    pub(super) perturbations: Vec<String>,
    /// The measured genes, one per accumulator column.
    pub(super) genes: Vec<String>,
    /// Gene names the alias table did not know.
    pub(super) unmapped_genes: usize,
    /// Perturbation names the alias table did not know.
    pub(super) unmapped_perturbations: usize,
}

/// Mean profiles, cell counts and top-DE genes of the grouped cells.
pub(super) fn screen_from_cells(
    acc: &Accumulator,
    groups: CellGroups,
    kind: ValueKind,
) -> Result<Screen, ScreenError> {
    let pb = acc.finish(0);
    let kept: Vec<usize> = (1..=groups.perturbations.len())
        .filter(|&g| pb.cells[g] > 0)
        .collect();
    let names = kept
        .iter()
        .map(|&g| groups.perturbations[g - 1].clone())
        .collect();
    let profiles = pb.means.select(Axis(0), &kept);
    let top_de = pb.top_de.select(Axis(0), &kept);
    let cells = kept.iter().map(|&g| pb.cells[g]).collect();
    let control = pb.means.row(0).to_owned();
    Screen::from_profiles(names, groups.genes, control, profiles, kind).map(|s| {
        s.with_cells(cells, pb.cells[0])
            .with_top_de(top_de)
            .with_unmapped(groups.unmapped_genes, groups.unmapped_perturbations)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log1p_cp10k_matches_the_formula() {
        let got = log1p_cp10k(&[1.0, 3.0, 0.0]);
        let want = [(2500f64).ln_1p(), (7500f64).ln_1p(), 0.0];
        for (g, w) in got.iter().zip(want) {
            assert!((f64::from(*g) - w).abs() < 1e-5, "{g} vs {w}");
        }
        assert_eq!(log1p_cp10k(&[0.0, 0.0]), vec![0.0, 0.0]);
    }

    #[test]
    fn groups_without_cells_are_left_out() {
        let mut acc = Accumulator::new(3, 2);
        acc.add_dense(0, &[1.0, 1.0]);
        acc.add_dense(2, &[3.0, 0.0]);
        acc.add_dense(2, &[5.0, 2.0]);
        let groups = CellGroups {
            perturbations: vec!["A".into(), "B".into()],
            genes: vec!["G1".into(), "G2".into()],
            unmapped_genes: 0,
            unmapped_perturbations: 0,
        };
        let s = screen_from_cells(&acc, groups, ValueKind::Expression).unwrap();
        assert_eq!(s.perturbations(), ["B"]);
        assert_eq!(s.response().row(0).to_vec(), vec![3.0, 0.0]);
        assert_eq!(s.cells(), Some(&[2u32][..]));
        assert_eq!(s.control_cells(), Some(1));
    }
}

//! Modules: members of a complex or pathway whose knockdowns share one module response, so that
//! similar genes respond alike, as in Replogle et al. (2022) where subunits of one complex give
//! near-identical signatures.
//!
//! Synthetic membership: each perturbed gene joins a module with probability
//! `module_fraction`; there are M = max(1, round(joined / `module_size`)) modules and each
//! joining gene picks one uniformly, so sizes are Binomial around `module_size` (a module left
//! with a single member is dissolved: one gene shares a response with no one). Module m has a
//! response R_m over all genes, R_mg ~ N(0, `module_sd`²); member p adds κ_p R_m to its
//! expected log-fold change (a weaker knockdown disturbs its complex less). Membership and
//! responses are drawn from one stream of the caller's seed, so the draw does not depend on
//! the thread count.
//!
//! Every ordered pair of members is one `module` edge of the truth file ([`super::write`]).

use ndarray::{Array2, ArrayViewMut1};
use rand::Rng;
use rand_distr::{Distribution, Normal};

use super::{Checked, rng};

/// Module membership of the perturbed genes and the module responses.
#[derive(Debug, Clone)]
pub struct Modules {
    /// Module of each perturbed gene, if any.
    membership: Vec<Option<u32>>,
    /// Members of each module, in perturbation order.
    members: Vec<Vec<u32>>,
    /// Module responses, modules × genes.
    responses: Array2<f64>,
}

impl Modules {
    /// Draws membership and responses for `perturbations` perturbed genes over `genes` measured
    /// genes from a stream of `seed`.
    pub fn draw(params: &Checked, genes: usize, seed: u64) -> Modules {
        let n = params.perturbations;
        let mut rng = rng::stream(seed, 0);
        let joins: Vec<bool> = (0..n)
            .map(|_| params.module_fraction > 0.0 && rng.random_bool(params.module_fraction))
            .collect();
        let joined = joins.iter().filter(|&&j| j).count();
        let count = if joined == 0 {
            0
        } else {
            ((joined as f64 / params.module_size).round() as usize).max(1)
        };
        let mut membership: Vec<Option<u32>> = joins
            .iter()
            .map(|&j| j.then(|| rng.random_range(0..count) as u32))
            .collect();
        let mut members = vec![Vec::new(); count];
        for (p, m) in membership.iter().enumerate() {
            if let Some(m) = m {
                members[*m as usize].push(p as u32);
            }
        }
        for list in &mut members {
            if list.len() == 1 {
                membership[list[0] as usize] = None;
                list.clear();
            }
        }
        let effect = Normal::new(0.0, params.module_sd).expect("sd ≥ 0 checked");
        let responses = Array2::from_shape_simple_fn((count, genes), || effect.sample(&mut rng));
        Modules {
            membership,
            members,
            responses,
        }
    }

    /// The module of perturbation `p`, if it belongs to one.
    pub fn of(&self, p: usize) -> Option<u32> {
        self.membership[p]
    }

    /// Members of every module (perturbation indices; empty for a dissolved module).
    pub fn members(&self) -> &[Vec<u32>] {
        &self.members
    }

    /// Adds κ R_m(p) to `row` when `p` belongs to module m.
    pub fn add_to(&self, p: usize, efficiency: f64, mut row: ArrayViewMut1<'_, f64>) {
        if let Some(m) = self.membership[p] {
            row.scaled_add(efficiency, &self.responses.row(m as usize));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::params::small_with;

    fn params(fraction: f64, size: f64) -> Checked {
        small_with(|p| {
            p.module_fraction = fraction;
            p.module_size = size;
        })
    }

    #[test]
    fn membership_follows_fraction_and_size() {
        let m = Modules::draw(&params(0.5, 10.0), 300, 5);
        let joined = (0..200).filter(|&p| m.of(p).is_some()).count();
        // Binomial(200, 0.5): within 4 SD of 100 (a dissolved singleton moves it by one).
        assert!((70..=130).contains(&joined), "{joined}");
        assert_eq!(m.members().len(), (joined as f64 / 10.0).round() as usize);
        for (i, list) in m.members().iter().enumerate() {
            assert_ne!(list.len(), 1, "singletons are dissolved");
            assert!(list.iter().all(|&p| m.of(p as usize) == Some(i as u32)));
        }
        let again = Modules::draw(&params(0.5, 10.0), 300, 5);
        assert_eq!(m.members(), again.members());
    }

    #[test]
    fn members_share_the_response_scaled_by_efficiency() {
        let m = Modules::draw(&params(1.0, 5.0), 50, 9);
        let list = m.members().iter().find(|l| l.len() >= 2).unwrap();
        let (a, b) = (list[0] as usize, list[1] as usize);
        let (mut ra, mut rb) = (ndarray::Array1::zeros(50), ndarray::Array1::zeros(50));
        m.add_to(a, 1.0, ra.view_mut());
        m.add_to(b, 0.5, rb.view_mut());
        assert!(ra.iter().any(|&v| v != 0.0));
        for (x, y) in ra.iter().zip(&rb) {
            assert!((x * 0.5 - y).abs() < 1e-12);
        }
    }

    #[test]
    fn fraction_zero_turns_modules_off() {
        let m = Modules::draw(&params(0.0, 10.0), 100, 1);
        assert!(m.members().is_empty());
        let mut row = ndarray::Array1::zeros(100);
        m.add_to(3, 1.0, row.view_mut());
        assert!(row.iter().all(|&v| v == 0.0));
    }
}

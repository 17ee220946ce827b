//! Modules: members of a complex or pathway whose knockdowns share one module response, so that
//! similar genes respond alike, as in Replogle et al. (2022) where subunits of one complex give
//! near-identical signatures.
//!
//! Synthetic membership: each perturbed gene joins a module with probability
//! `module_fraction`; there are M = max(1, round(joined / `module_size`)) modules and each
//! joining gene picks one uniformly, so sizes are Binomial around `module_size` (a module left
//! with a single member is dissolved: one gene shares a response with no one). Module m has a
//! response R_m over all genes, R_mg ~ N(0, `module_sd`²). Membership and responses are drawn
//! from one stream of the caller's seed, so the draw does not depend on the thread count.
//!
//! The module response follows the loss of its members' expression: with Δ_p the network
//! steady state of perturbation p and λ = `knockdown_scale`,
//! M_p = Σ_m R_m Σ_{g ∈ m} (−Δ_pg / λ). A member's own knockdown (Δ_pp ≈ −λ κ_p) gives about
//! κ_p R_m; a regulator of a member g gives R_m scaled by how much it moves g (about κ w_g,reg,
//! signed), so regulation carries part of the module signal upstream.
//!
//! Every ordered pair of members is one `module` edge of the truth file ([`super::write`]).

use ndarray::{Array2, ArrayView1, ArrayViewMut1};
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

    /// Adds M_p = Σ_m R_m Σ_{g ∈ m} (−Δ_pg / λ) to `row`, given the steady state `delta` = Δ_p
    /// of the perturbation and λ = `knockdown_scale` (λ = 0: no knockdown, no module response).
    pub fn add_to(&self, delta: ArrayView1<'_, f64>, scale: f64, mut row: ArrayViewMut1<'_, f64>) {
        if scale == 0.0 {
            return;
        }
        for (members, response) in self.members.iter().zip(self.responses.outer_iter()) {
            let loss: f64 = members.iter().map(|&g| -delta[g as usize]).sum::<f64>() / scale;
            if loss != 0.0 {
                row.scaled_add(loss, &response);
            }
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
    fn the_response_follows_the_loss_of_member_expression() {
        // 200 perturbed among 300 measured genes; gene 250 is measured only, never a member.
        let m = Modules::draw(&params(1.0, 5.0), 300, 9);
        let list = m.members().iter().find(|l| l.len() >= 2).unwrap();
        let (a, b) = (list[0] as usize, list[1] as usize);
        let outsider = 250;
        let respond = |delta: &[(usize, f64)], scale: f64| {
            let mut d = ndarray::Array1::zeros(300);
            for &(g, v) in delta {
                d[g] = v;
            }
            let mut row = ndarray::Array1::zeros(300);
            m.add_to(d.view(), scale, row.view_mut());
            row
        };
        // Member a knocked down to −λ·0.8 (λ = 2): 0.8 R_m.
        let own = respond(&[(a, -1.6)], 2.0);
        assert!(own.iter().any(|&v| v != 0.0));
        // A regulator lowering member b by 0.2 (and a non-member by 5): 0.1 R_m, the same
        // direction; raising b (a repressor's knockdown) flips it.
        let upstream = respond(&[(b, -0.2), (outsider, -5.0)], 2.0);
        let repressor = respond(&[(b, 0.2)], 2.0);
        for ((o, u), r) in own.iter().zip(&upstream).zip(&repressor) {
            assert!((o * 0.125 - u).abs() < 1e-12 && (u + r).abs() < 1e-12);
        }
        assert!(respond(&[(a, -1.6)], 0.0).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn fraction_zero_turns_modules_off() {
        let m = Modules::draw(&params(0.0, 10.0), 300, 1);
        assert!(m.members().is_empty());
        let mut row = ndarray::Array1::zeros(300);
        let delta = ndarray::Array1::from_elem(300, -1.0);
        m.add_to(delta.view(), 2.0, row.view_mut());
        assert!(row.iter().all(|&v| v == 0.0));
    }
}

//! The value of a pick as the predictor will use it: greedy maximisation of a monotone
//! submodular coverage objective over a neighbourhood kernel, with lazy evaluations.
//!
//! The consensus predictor answers a target t from its measured neighbours a, weighted by
//! K(t, a) (the consensus weight of a as a regulator of t). A measured gene is therefore worth
//! what it adds to the neighbourhoods of the genes still to be predicted. Two objectives say how
//! much that is:
//!
//! - **saturating coverage** (the default): F(S) = Σ_t 1 − exp(−Σ_{a ∈ S} K(t, a) / θ). A target
//!   gains from every measured neighbour, with diminishing returns: the predictor averages its
//!   neighbours, so a second strong one still sharpens the average, a tenth adds little. θ is
//!   the kernel's own scale (the median over targets of the strongest neighbour weight), so
//!   multiplying every weight by a constant changes no pick.
//! - **facility location**: F(S) = Σ_t max_{a ∈ S} K(t, a): only the strongest measured neighbour
//!   of a target counts.
//!
//! In both, a measured gene needs no prediction, so it leaves the targets; with the facility
//! objective it counts as its own neighbour of weight 1 (K(t, t) = 1), as the formula is usually
//! written. Both are monotone and submodular, so the lazy greedy ([`greedy`]) re-evaluates a
//! candidate's gain only when its stale bound reaches the top of the queue and still picks what
//! the plain greedy picks, ties included.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Which coverage objective the greedy maximises.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Objective {
    /// Σ_t 1 − exp(−Σ_a K(t, a) / θ).
    Saturating {
        /// The weight at which a target is covered to 1 − 1/e.
        theta: f64,
    },
    /// Σ_t max_a K(t, a), with K(t, t) = 1.
    FacilityLocation,
}

/// A sparse neighbourhood kernel over the rows of a screen: for each gene a, the targets t whose
/// prediction a would inform and the weight K(t, a) > 0 it would carry.
#[derive(Debug, Clone)]
pub struct Kernel {
    informs: Vec<Vec<(u32, f64)>>,
}

impl Kernel {
    /// From (target, neighbour, weight) triples over `n` rows; non-positive, non-finite and
    /// self weights are dropped, repeated pairs keep their largest weight.
    pub fn from_triples(
        n: usize,
        triples: impl IntoIterator<Item = (usize, usize, f64)>,
    ) -> Kernel {
        let mut informs: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
        for (t, a, w) in triples {
            if t != a && w > 0.0 && w.is_finite() {
                informs[a].push((t as u32, w));
            }
        }
        for list in &mut informs {
            list.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.total_cmp(&x.1)));
            list.dedup_by_key(|x| x.0);
        }
        Kernel { informs }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.informs.len()
    }

    /// Whether the kernel has no rows.
    pub fn is_empty(&self) -> bool {
        self.informs.is_empty()
    }

    /// The targets gene `a` informs, with their weights, by ascending target.
    pub fn informs(&self, a: usize) -> &[(u32, f64)] {
        &self.informs[a]
    }

    /// Whether gene `a` informs any target.
    pub fn knows(&self, a: usize) -> bool {
        !self.informs[a].is_empty()
    }

    /// Each weight divided by its target's largest weight, so that every target's strongest
    /// neighbour weighs 1 (a target's neighbourhood matters, not its degree of curation).
    pub fn per_target(&self) -> Kernel {
        let mut top = vec![0.0f64; self.len()];
        for list in &self.informs {
            for &(t, w) in list {
                top[t as usize] = top[t as usize].max(w);
            }
        }
        let informs = self
            .informs
            .iter()
            .map(|l| l.iter().map(|&(t, w)| (t, w / top[t as usize])).collect())
            .collect();
        Kernel { informs }
    }

    /// K(t, a) = max(K(t, a), K(a, t)): a gene informs the genes it regulates and those that
    /// regulate it alike.
    pub fn symmetric(&self) -> Kernel {
        let triples = self.informs.iter().enumerate().flat_map(|(a, l)| {
            l.iter()
                .flat_map(move |&(t, w)| [(t as usize, a, w), (a, t as usize, w)])
        });
        Kernel::from_triples(self.len(), triples)
    }

    /// The median over targets (with any neighbour) of their strongest neighbour's weight: the
    /// θ of [`Objective::Saturating`]. `None` for an empty kernel.
    pub fn typical_best(&self) -> Option<f64> {
        let mut top = vec![0.0f64; self.len()];
        for list in &self.informs {
            for &(t, w) in list {
                top[t as usize] = top[t as usize].max(w);
            }
        }
        let mut best: Vec<f64> = top.into_iter().filter(|&w| w > 0.0).collect();
        if best.is_empty() {
            return None;
        }
        best.sort_by(f64::total_cmp);
        let m = best.len() / 2;
        Some(if best.len() % 2 == 1 {
            best[m]
        } else {
            0.5 * (best[m - 1] + best[m])
        })
    }
}

/// One greedy pick: the row, its gain when picked, and the targets it raised with by how much
/// (largest first).
#[derive(Debug, Clone, PartialEq)]
pub struct Gain {
    /// The picked row.
    pub row: usize,
    /// F(S ∪ {row}) − F(S) when it was picked.
    pub gain: f64,
    /// (target, its share of the gain), largest share first; the pick itself excluded.
    pub raised: Vec<(usize, f64)>,
}

/// Per-target state of the objective: Σ K (saturating) or max K (facility location), and
/// whether the target is measured (then it needs no prediction).
struct Coverage<'k> {
    kernel: &'k Kernel,
    objective: Objective,
    level: Vec<f64>,
    measured: Vec<bool>,
}

impl<'k> Coverage<'k> {
    fn new(kernel: &'k Kernel, objective: Objective, measured_rows: &[usize]) -> Coverage<'k> {
        let mut c = Coverage {
            kernel,
            objective,
            level: vec![0.0; kernel.len()],
            measured: vec![false; kernel.len()],
        };
        for &r in measured_rows {
            c.commit(r);
        }
        c
    }

    /// What target `t` gains from a neighbour of weight `w`.
    fn share(&self, t: usize, w: f64) -> f64 {
        match self.objective {
            Objective::Saturating { theta } => {
                (-self.level[t] / theta).exp() * -(-w / theta).exp_m1()
            }
            Objective::FacilityLocation => (w - self.level[t]).max(0.0),
        }
    }

    /// What measuring `a` itself is worth: it leaves the targets (facility location: as its
    /// own neighbour of weight 1).
    fn own(&self, a: usize) -> f64 {
        match self.objective {
            Objective::Saturating { .. } => 0.0,
            Objective::FacilityLocation => (1.0 - self.level[a]).max(0.0),
        }
    }

    fn gain(&self, a: usize) -> f64 {
        let mut g = self.own(a);
        for &(t, w) in self.kernel.informs(a) {
            let t = t as usize;
            if !self.measured[t] {
                g += self.share(t, w);
            }
        }
        g
    }

    fn raised(&self, a: usize) -> Vec<(usize, f64)> {
        let mut r: Vec<(usize, f64)> = self
            .kernel
            .informs(a)
            .iter()
            .map(|&(t, w)| (t as usize, w))
            .filter(|&(t, _)| !self.measured[t])
            .map(|(t, w)| (t, self.share(t, w)))
            .filter(|&(_, s)| s > 0.0)
            .collect();
        r.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        r
    }

    fn commit(&mut self, a: usize) {
        for &(t, w) in self.kernel.informs(a) {
            let t = t as usize;
            self.level[t] = match self.objective {
                Objective::Saturating { .. } => self.level[t] + w,
                Objective::FacilityLocation => self.level[t].max(w),
            };
        }
        if self.objective == Objective::FacilityLocation {
            self.level[a] = 1.0;
        }
        self.measured[a] = true;
    }
}

/// A candidate in the lazy queue: its last computed gain (an upper bound on its gain now) and
/// its place in the tie-breaking order (earlier wins).
#[derive(Debug, PartialEq)]
struct Bound {
    gain: f64,
    rank: usize,
}

impl Eq for Bound {}

impl PartialOrd for Bound {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Bound {
    fn cmp(&self, other: &Self) -> Ordering {
        self.gain
            .total_cmp(&other.gain)
            .then(other.rank.cmp(&self.rank))
    }
}

/// Lazy greedy: `k` picks among `order` (candidate rows in tie-breaking order: on equal gains
/// the earlier one wins), given the rows already `measured`. Every non-measured row is a target.
pub fn greedy(
    kernel: &Kernel,
    objective: Objective,
    measured: &[usize],
    order: &[usize],
    k: usize,
) -> Vec<Gain> {
    let mut state = Coverage::new(kernel, objective, measured);
    let mut queue: BinaryHeap<Bound> = order
        .iter()
        .enumerate()
        .map(|(rank, &row)| Bound {
            gain: state.gain(row),
            rank,
        })
        .collect();
    let mut out = Vec::with_capacity(k.min(order.len()));
    while out.len() < k {
        let Some(top) = queue.pop() else { break };
        let row = order[top.rank];
        let fresh = Bound {
            gain: state.gain(row),
            rank: top.rank,
        };
        // Submodularity: no other candidate's gain can exceed its stale bound, so a fresh gain
        // that still beats the next bound (ties by rank) is the greedy choice.
        if queue.peek().is_some_and(|next| *next > fresh) {
            queue.push(fresh);
            continue;
        }
        let raised = state.raised(row);
        state.commit(row);
        out.push(Gain {
            row,
            gain: fresh.gain,
            raised,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain greedy: every gain recomputed every step, first in `order` wins a tie.
    fn plain_greedy(
        kernel: &Kernel,
        objective: Objective,
        measured: &[usize],
        order: &[usize],
        k: usize,
    ) -> Vec<(usize, f64)> {
        let mut state = Coverage::new(kernel, objective, measured);
        let mut left: Vec<usize> = order.to_vec();
        let mut out = Vec::new();
        while out.len() < k && !left.is_empty() {
            let mut best = 0;
            for i in 1..left.len() {
                if state.gain(left[i]) > state.gain(left[best]) {
                    best = i;
                }
            }
            let row = left.remove(best);
            out.push((row, state.gain(row)));
            state.commit(row);
        }
        out
    }

    /// Five genes: A (0) regulates C (2) with weight 0.8 and D (3) with 0.2; B (1) regulates C
    /// with 0.4, D with 0.6 and E (4) with 0.5.
    fn five() -> Kernel {
        Kernel::from_triples(
            5,
            [
                (2, 0, 0.8),
                (3, 0, 0.2),
                (2, 1, 0.4),
                (3, 1, 0.6),
                (4, 1, 0.5),
            ],
        )
    }

    #[test]
    fn facility_gains_by_hand() {
        let k = five();
        let picks = greedy(&k, Objective::FacilityLocation, &[], &[0, 1, 2, 3, 4], 3);
        // Nothing measured: A gains 1 (itself) + 0.8 + 0.2 = 2.0; B gains 1 + 0.4 + 0.6 + 0.5
        // = 2.5; C, D, E gain 1 each (themselves). B first.
        assert_eq!(picks[0].row, 1);
        assert!((picks[0].gain - 2.5).abs() < 1e-12);
        // Then A: itself 1 + C raised from 0.4 to 0.8 (0.4) + D stays at 0.6 (0) = 1.4, against
        // 1 − 0.4 = 0.6 for C, 0.4 for D, 0.5 for E.
        assert_eq!(picks[1].row, 0);
        assert!((picks[1].gain - 1.4).abs() < 1e-12);
        assert_eq!(picks[1].raised.len(), 1);
        assert_eq!(picks[1].raised[0].0, 2);
        assert!((picks[1].raised[0].1 - 0.4).abs() < 1e-12);
        // Then E (1 − 0.5) beats D (1 − 0.6) and C (1 − 0.8).
        assert_eq!(picks[2].row, 4);
        assert!((picks[2].gain - 0.5).abs() < 1e-12);
    }

    #[test]
    fn saturating_gains_by_hand() {
        let k = five();
        let theta = k.typical_best().unwrap();
        // Strongest neighbours: C 0.8, D 0.6, E 0.5 → median 0.6.
        assert_eq!(theta, 0.6);
        let s = |w: f64| 1.0 - (-w / theta).exp();
        let picks = greedy(
            &k,
            Objective::Saturating { theta },
            &[],
            &[0, 1, 2, 3, 4],
            2,
        );
        let b = s(0.4) + s(0.6) + s(0.5);
        let a = s(0.8) + s(0.2);
        assert!(b > a);
        assert_eq!(picks[0].row, 1);
        assert!((picks[0].gain - b).abs() < 1e-12);
        // A after B: C goes from Σ 0.4 to 1.2, D from 0.6 to 0.8.
        let a_after = (s(1.2) - s(0.4)) + (s(0.8) - s(0.6));
        assert_eq!(picks[1].row, 0);
        assert!((picks[1].gain - a_after).abs() < 1e-12, "{}", picks[1].gain);
    }

    #[test]
    fn a_measured_target_needs_no_prediction() {
        let k = five();
        // C and D measured: A informs nothing left, B only E.
        let picks = greedy(
            &k,
            Objective::Saturating { theta: 0.6 },
            &[2, 3],
            &[0, 1, 4],
            3,
        );
        assert_eq!(picks[0].row, 1);
        assert_eq!(picks[0].raised.len(), 1);
        assert_eq!(picks[0].raised[0].0, 4);
        assert_eq!(picks[1].gain, 0.0);
    }

    #[test]
    fn ties_go_to_the_earlier_candidate() {
        let k = Kernel::from_triples(4, [(2, 0, 1.0), (3, 1, 1.0)]);
        for order in [[0, 1], [1, 0]] {
            let picks = greedy(&k, Objective::FacilityLocation, &[], &order, 1);
            assert_eq!(picks[0].row, order[0]);
        }
    }

    #[test]
    fn rescaling_the_kernel_changes_no_pick() {
        let k = five();
        let scaled = Kernel::from_triples(
            5,
            (0..5).flat_map(|a| {
                k.informs(a)
                    .iter()
                    .map(move |&(t, w)| (t as usize, a, 7.0 * w))
            }),
        );
        let pick = |k: &Kernel| {
            let theta = k.typical_best().unwrap();
            greedy(k, Objective::Saturating { theta }, &[], &[4, 3, 2, 1, 0], 5)
                .iter()
                .map(|g| g.row)
                .collect::<Vec<_>>()
        };
        assert_eq!(pick(&k), pick(&scaled));
    }

    #[test]
    fn per_target_and_symmetric_kernels() {
        let k = five();
        let p = k.per_target();
        // C's strongest neighbour is A (0.8): A → C becomes 1, B → C 0.5.
        assert_eq!(p.informs(0), &[(2, 1.0), (3, 0.2 / 0.6)]);
        assert_eq!(p.informs(1)[0], (2, 0.5));
        let s = k.symmetric();
        // C now informs A and B with the weights they had towards C.
        assert_eq!(s.informs(2), &[(0, 0.8), (1, 0.4)]);
    }

    fn kernels() -> impl Strategy<Value = (Kernel, Vec<usize>, Vec<usize>)> {
        (3usize..14).prop_flat_map(|n| {
            (
                proptest::collection::vec((0..n, 0..n, 1u8..6), 0..40),
                proptest::sample::subsequence((0..n).collect::<Vec<_>>(), 0..n),
                Just(n),
            )
                .prop_flat_map(|(edges, measured, n)| {
                    let rest: Vec<usize> = (0..n).filter(|r| !measured.contains(r)).collect();
                    let kernel = Kernel::from_triples(
                        n,
                        edges
                            .into_iter()
                            .map(|(t, a, w)| (t, a, f64::from(w) / 4.0)),
                    );
                    (Just(kernel), Just(measured), Just(rest).prop_shuffle())
                })
        })
    }

    proptest! {
        #[test]
        fn the_lazy_greedy_picks_what_the_plain_greedy_picks(
            (kernel, measured, order) in kernels(), k in 1usize..8, facility in any::<bool>()
        ) {
            let objective = if facility {
                Objective::FacilityLocation
            } else {
                Objective::Saturating { theta: kernel.typical_best().unwrap_or(1.0) }
            };
            let lazy: Vec<(usize, f64)> = greedy(&kernel, objective, &measured, &order, k)
                .into_iter().map(|g| (g.row, g.gain)).collect();
            prop_assert_eq!(lazy, plain_greedy(&kernel, objective, &measured, &order, k));
        }
    }
}

//! [`Stack`]: a convex combination of several predictors, ŷ = Σ_k β_k ŷ_k, with the weights
//! β (β_k ≥ 0, Σ β_k = 1) fitted by leave-one-out on the observed set.
//!
//! For each observed perturbation i every member is refitted without i and predicts i; with those
//! leave-one-out rows P_k (n × genes) and the observed rows Y, β minimises
//! ‖Σ_k β_k P_k − Y‖² on the simplex. The problem is a K × K quadratic programme (K = members,
//! at most [`MAX_MEMBERS`]), solved exactly: for every non-empty subset S of members the
//! equality-constrained minimiser on S comes from its KKT system
//! `[A_S 1; 1ᵀ 0] [β_S; λ] = [b_S; 1]` (A = Gram matrix of the P_k, b_k = ⟨P_k, Y⟩); the best
//! subset whose β_S is non-negative wins (a single member, β = 1, is always feasible). With the
//! training mean among the members this generalises [`Shrunk`](super::Shrunk): the weight on the
//! mean is the shrinkage, and the weights on the others say which prior the observed set trusts.
//!
//! Only observed rows enter the fit, so the weights never see a held-out perturbation.

use ndarray::{Array1, Array2, ArrayViewMut2};

use super::linalg::solve_small;
use super::{
    Fitted, Observed, PredictError, Predictor, Support, check_shape, predict, require_observed,
};

/// Most members a stack takes (2^K subsets are searched).
pub const MAX_MEMBERS: usize = 8;

/// Unchecked parameters of [`Stack`]: the members, each with the static label its fitted weight
/// is reported under (for example `w_ridge`).
pub struct StackParams {
    name: String,
    members: Vec<(&'static str, Box<dyn Predictor>)>,
}

/// The checked stacking predictor.
///
/// ```
/// use mechpert::data::{Screen, ValueKind};
/// use mechpert::predict::{Observed, Predictor, Stack, TrainingMean, predict};
/// use ndarray::array;
/// let s = Screen::from_responses(
///     vec!["A".into(), "B".into(), "C".into()], vec!["x".into()],
///     array![[1.0], [3.0], [8.0]], ValueKind::Response).unwrap();
/// let model = Stack::params(vec![("w_mean", Box::new(TrainingMean) as Box<dyn Predictor>)])
///     .check().unwrap()
///     .fit(&Observed::reveal(&s, vec![0, 1])).unwrap();
/// // One member: weight 1, the training mean (1 + 3) / 2.
/// assert_eq!(predict(&*model, &[2]).0[[0, 0]], 2.0);
/// assert_eq!(model.fitted_parameters(), [("w_mean", 1.0)]);
/// ```
pub struct Stack {
    params: StackParams,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let members: Vec<&str> = self.params.members.iter().map(|m| m.1.name()).collect();
        f.debug_struct("Stack")
            .field("name", &self.params.name)
            .field("members", &members)
            .finish()
    }
}

impl Stack {
    /// A stack of `members` named `stack`.
    pub fn params(members: Vec<(&'static str, Box<dyn Predictor>)>) -> StackParams {
        StackParams {
            name: "stack".into(),
            members,
        }
    }
}

impl StackParams {
    /// The name in tables.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
    /// Checks the parameters: 1 to [`MAX_MEMBERS`] members with distinct labels.
    pub fn check(self) -> Result<Stack, PredictError> {
        let n = self.members.len();
        if n == 0 || n > MAX_MEMBERS {
            return Err(PredictError::InvalidParameter {
                predictor: self.name,
                parameter: "members",
                value: n.to_string(),
                expected: "between 1 and 8 member predictors",
            });
        }
        for (i, (label, _)) in self.members.iter().enumerate() {
            if self.members[..i].iter().any(|(l, _)| l == label) {
                return Err(PredictError::InvalidParameter {
                    predictor: self.name,
                    parameter: "member label",
                    value: (*label).to_string(),
                    expected: "a label used by one member only",
                });
            }
        }
        Ok(Stack { params: self })
    }
}

/// The fitted stack: every member fitted on the whole observed set, and the weights.
pub struct FittedStack<'s> {
    members: Vec<(&'static str, Box<dyn Fitted + 's>)>,
    /// The fitted weights, one per member, in member order.
    pub weights: Vec<f64>,
    n_genes: usize,
}

impl Predictor for Stack {
    fn name(&self) -> &str {
        &self.params.name
    }
    fn fit<'s>(&self, train: &Observed<'s>) -> Result<Box<dyn Fitted + 's>, PredictError> {
        Ok(Box::new(self.fit_stack(train)?))
    }
}

impl Stack {
    /// Fits, keeping the concrete type (to read the weights).
    pub fn fit_stack<'s>(&self, train: &Observed<'s>) -> Result<FittedStack<'s>, PredictError> {
        require_observed(&self.params.name, train, 2)?;
        let loo: Vec<Array2<f32>> = self
            .params
            .members
            .iter()
            .map(|(_, m)| loo_predictions(&**m, train))
            .collect::<Result<_, _>>()?;
        let y = train.matrix();
        let k = loo.len();
        let gram = Array2::from_shape_fn((k, k), |(a, b)| dot(&loo[a], &loo[b]));
        let rhs = Array1::from_shape_fn(k, |a| dot(&loo[a], &y));
        let weights = simplex_least_squares(&gram, &rhs);
        tracing::debug!(predictor = %self.params.name, ?weights, "leave-one-out stacking weights");
        let members = self
            .params
            .members
            .iter()
            .map(|(label, m)| Ok((*label, m.fit(train)?)))
            .collect::<Result<_, PredictError>>()?;
        Ok(FittedStack {
            members,
            weights,
            n_genes: train.n_genes(),
        })
    }
}

/// Row i: `model` fitted without observed row i, predicting it.
fn loo_predictions(
    model: &dyn Predictor,
    train: &Observed<'_>,
) -> Result<Array2<f32>, PredictError> {
    let mut out = Array2::zeros((train.len(), train.n_genes()));
    for (i, &row) in train.rows().iter().enumerate() {
        let fitted = model.fit(&train.without(i))?;
        fitted.predict_into(&[row], out.slice_mut(ndarray::s![i..=i, ..]));
    }
    Ok(out)
}

fn dot(a: &Array2<f32>, b: &Array2<f32>) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| f64::from(x) * f64::from(y))
        .sum()
}

/// argmin over the simplex of βᵀAβ − 2bᵀβ, by enumerating supports (see the module docs). Ties
/// in cost keep the subset met first (subsets in increasing bit order), so the result is
/// deterministic.
fn simplex_least_squares(gram: &Array2<f64>, rhs: &Array1<f64>) -> Vec<f64> {
    let k = rhs.len();
    let cost = |beta: &[f64]| -> f64 {
        let mut c = 0.0;
        for a in 0..k {
            c -= 2.0 * rhs[a] * beta[a];
            for b in 0..k {
                c += beta[a] * gram[[a, b]] * beta[b];
            }
        }
        c
    };
    let mut best: Option<(f64, Vec<f64>)> = None;
    for subset in 1u32..(1 << k) {
        let members: Vec<usize> = (0..k).filter(|&a| subset & (1 << a) != 0).collect();
        let s = members.len();
        let mut kkt = Array2::zeros((s + 1, s + 1));
        let mut v = Array1::zeros(s + 1);
        for (i, &a) in members.iter().enumerate() {
            for (j, &b) in members.iter().enumerate() {
                kkt[[i, j]] = gram[[a, b]];
            }
            kkt[[i, s]] = 1.0;
            kkt[[s, i]] = 1.0;
            v[i] = rhs[a];
        }
        v[s] = 1.0;
        let Ok(solution) = solve_small(kkt, v) else {
            continue; // collinear members: a smaller subset covers the same fit
        };
        if solution.iter().take(s).any(|&w| w < -1e-12) {
            continue;
        }
        let mut beta = vec![0.0; k];
        for (i, &a) in members.iter().enumerate() {
            beta[a] = solution[i].max(0.0);
        }
        let c = cost(&beta);
        if best
            .as_ref()
            .is_none_or(|(bc, _)| c < *bc - 1e-12 * bc.abs())
        {
            best = Some((c, beta));
        }
    }
    best.map(|(_, beta)| beta)
        .expect("a single member (weight 1) always solves its 2 × 2 system")
}

impl Fitted for FittedStack<'_> {
    fn n_genes(&self) -> usize {
        self.n_genes
    }
    /// Fallbacks are those of the member with the largest weight (the first one on ties).
    fn predict_into(&self, queries: &[usize], mut out: ArrayViewMut2<'_, f32>) -> Support {
        check_shape(&out, queries, self.n_genes);
        out.fill(0.0);
        let heaviest = (0..self.weights.len())
            .reduce(|a, b| {
                if self.weights[b] > self.weights[a] {
                    b
                } else {
                    a
                }
            })
            .expect("a checked stack has members");
        let mut support = Support::default();
        for (i, ((_, member), &w)) in self.members.iter().zip(&self.weights).enumerate() {
            if w == 0.0 {
                continue;
            }
            let (p, s) = predict(&**member, queries);
            if i == heaviest {
                support = s;
            }
            out.scaled_add(w as f32, &p);
        }
        support
    }
    fn fitted_parameters(&self) -> Vec<(&'static str, f64)> {
        self.members
            .iter()
            .zip(&self.weights)
            .map(|((label, _), &w)| (*label, w))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Screen, ValueKind};
    use crate::predict::suite::planted;
    use crate::predict::{Neighbours, TrainingMean};
    use crate::priors::Graph;
    use ndarray::array;
    use std::sync::Arc;

    predictor_suite!(
        |_s: &crate::data::Screen, g: &crate::priors::Graph| {
            let members: Vec<(&'static str, Box<dyn Predictor>)> = vec![
                ("w_mean", Box::new(TrainingMean)),
                (
                    "w_graph",
                    Box::new(Neighbours::params(Arc::new(g.clone())).check().unwrap()),
                ),
            ];
            Box::new(Stack::params(members).check().unwrap()) as Box<dyn Predictor>
        },
        planted = true
    );

    #[test]
    fn simplex_least_squares_by_hand() {
        // Two members with orthogonal unit predictions, target (0.3, 0.7): β = (0.3, 0.7).
        let gram = array![[1.0, 0.0], [0.0, 1.0]];
        let beta = simplex_least_squares(&gram, &array![0.3, 0.7]);
        assert!((beta[0] - 0.3).abs() < 1e-12 && (beta[1] - 0.7).abs() < 1e-12);
        // Target (2, −1): the free solution on Σβ = 1, (1.5, −0.5), is infeasible; β = (1, 0).
        let beta = simplex_least_squares(&gram, &array![2.0, -1.0]);
        assert_eq!(beta, [1.0, 0.0]);
        // Identical members (singular Gram): one of them gets everything.
        let beta = simplex_least_squares(&array![[1.0, 1.0], [1.0, 1.0]], &array![1.0, 1.0]);
        assert_eq!(beta.iter().sum::<f64>(), 1.0);
    }

    fn screen() -> Screen {
        // One gene. Mean of the other two observed rows vs the graph neighbour.
        Screen::from_responses(
            ["A", "B", "C", "D"].map(String::from).to_vec(),
            vec!["x".into()],
            array![[0.0], [2.0], [4.0], [10.0]],
            ValueKind::Response,
        )
        .unwrap()
    }

    /// A stack of the training mean and an undirected unit-weight neighbour graph of `edges`.
    fn mean_and_graph(edges: &[(&str, &str)]) -> Stack {
        let mut b = Graph::builder(false);
        for (x, y) in edges {
            b.add_edge(x, y, 1.0, 0);
        }
        let members: Vec<(&'static str, Box<dyn Predictor>)> = vec![
            ("w_mean", Box::new(TrainingMean)),
            (
                "w_graph",
                Box::new(Neighbours::params(Arc::new(b.build())).check().unwrap()),
            ),
        ];
        Stack::params(members).check().unwrap()
    }

    #[test]
    fn weights_follow_leave_one_out_by_hand() {
        // Observed A, B, C (0, 2, 4). Leave-one-out means: A → 3, B → 2, C → 1.
        // Graph A—B, B—C (undirected), weights 1: leave-one-out neighbour means A → 2 (B),
        // B → 2 ((0 + 4)/2), C → 2 (B). Gram: mean·mean = 14, mean·graph = 12, graph·graph = 12;
        // b: mean·y = 0·3 + 2·2 + 4·1 = 8, graph·y = 2·6 = 12.
        // On the simplex β_m = t: cost(t) = 14t² + 24t(1−t) + 12(1−t)² − 16t − 24(1−t)
        // = 2t² + 8t − 12, minimised on [0, 1] at t = 0: all weight on the graph (cost −12;
        // the mean alone costs −2).
        let s = screen();
        let fitted = mean_and_graph(&[("A", "B"), ("B", "C"), ("C", "D")])
            .fit_stack(&Observed::reveal(&s, vec![0, 1, 2]))
            .unwrap();
        assert_eq!(fitted.weights, [0.0, 1.0]);
        // D's only observed neighbour is C (4).
        assert_eq!(predict(&fitted, &[3]).0[[0, 0]], 4.0);
        assert_eq!(
            fitted.fitted_parameters(),
            [("w_mean", 0.0), ("w_graph", 1.0)]
        );
    }

    #[test]
    fn a_misleading_graph_gets_no_weight_by_hand() {
        // Observed A, B, C, D = 0, 2, 4, 10. A misleading graph links A—D and B—C only:
        // leave-one-out graph predictions A → 10, B → 4, C → 2, D → 0;
        // leave-one-out means A → 16/3, B → 14/3, C → 4, D → 2.
        // With P_m, P_g the two columns: A_mm = (256 + 196 + 144 + 36)/9 = 632/9,
        // A_mg = (160 + 56 + 24 + 0)/3 = 80, A_gg = 120, b_m = (0 + 28 + 48 + 60)/3 = 136/3,
        // b_g = 0 + 8 + 8 + 0 = 16. On the simplex β_m = t, β_g = 1 − t:
        // cost(t) = A_mm t² + 2A_mg t(1−t) + A_gg(1−t)² − 2b_m t − 2b_g(1−t)
        // dcost/dt = 2t(A_mm − 2A_mg + A_gg) + 2A_mg − 2A_gg − 2b_m + 2b_g = 0
        // → t = (A_gg − A_mg + b_m − b_g) / (A_mm − 2A_mg + A_gg)
        //     = (40 + 136/3 − 16) / (632/9 − 40) = (208/3) / (272/9) = 624/272 > 1, so t = 1:
        // the mean alone.
        let s = screen();
        let fitted = mean_and_graph(&[("A", "D"), ("B", "C")])
            .fit_stack(&Observed::reveal(&s, vec![0, 1, 2, 3]))
            .unwrap();
        assert_eq!(fitted.weights, [1.0, 0.0]);
    }

    #[test]
    fn bad_member_lists_are_refused() {
        let err = Stack::params(vec![]).check().unwrap_err();
        assert_eq!(
            err.to_string(),
            "stack: invalid members 0: expected between 1 and 8 member predictors"
        );
        let twice: Vec<(&'static str, Box<dyn Predictor>)> =
            vec![("w", Box::new(TrainingMean)), ("w", Box::new(TrainingMean))];
        let err = Stack::params(twice).check().unwrap_err();
        assert_eq!(
            err.to_string(),
            "stack: invalid member label w: expected a label used by one member only"
        );
        let (s, _) = planted(1, 3, 2, 0.1);
        let one: Vec<(&'static str, Box<dyn Predictor>)> = vec![("w", Box::new(TrainingMean))];
        let err = Stack::params(one)
            .check()
            .unwrap()
            .fit(&Observed::reveal(&s, vec![0]))
            .err()
            .unwrap();
        assert!(
            err.to_string().starts_with("stack: needs at least 2"),
            "{err}"
        );
    }
}

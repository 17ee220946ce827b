//! [`Neighbours`]: a query's response is the weighted mean of its observed graph neighbours.
//!
//! One implementation serves three methods, told apart only by the graph and the weighting:
//!
//! - **consensus-weighted kNN** (MechPert): the graph is the agents' consensus, regulator →
//!   target, weights are vote-weighted confidences; the neighbours of target g are its observed
//!   regulators n and ŷ_g = Σ_n w_gn δ_n / Σ_n w_gn;
//! - **similarity kNN** (LangPert): the same neighbour sets with weights ignored (power 0), an
//!   unweighted mean of the observed genes an agent calls similar;
//! - **graph-smoothed kNN**: any prior graph (STRING, …), weighted by edge weight.
//!
//! Weights are raised to `power` (0: unweighted, 1: as given, larger: sharper), optionally only
//! the `max_neighbours` heaviest observed neighbours count. A query with no observed neighbour
//! (or only zero weights) is predicted as the training mean and counted in
//! [`Support::fallbacks`].

use std::num::NonZeroUsize;
use std::sync::Arc;

use ndarray::{Array1, ArrayViewMut1, ArrayViewMut2};

use super::{
    Fitted, Knob, LinearForm, Observed, PredictError, Predictor, Support, check_shape,
    require_observed,
};
use crate::priors::Graph;

/// Which graph neighbours of a query count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sources of edges into the query (its regulators in a regulator → target graph). For an
    /// undirected graph: all neighbours.
    Regulators,
    /// Targets of edges out of the query.
    Targets,
    /// Both.
    Both,
}

/// Unchecked parameters of [`Neighbours`].
#[derive(Debug, Clone)]
pub struct NeighbourParams {
    name: String,
    graph: Arc<Graph>,
    direction: Direction,
    power: f64,
    max_neighbours: Option<NonZeroUsize>,
}

/// The checked neighbour-mean predictor.
///
/// ```
/// use std::sync::Arc;
/// use mechpert::data::{Screen, ValueKind};
/// use mechpert::predict::{Neighbours, Observed, Predictor, predict};
/// use mechpert::priors::Graph;
/// use ndarray::array;
/// let s = Screen::from_responses(
///     vec!["A".into(), "B".into(), "C".into()], vec!["x".into()],
///     array![[1.0], [3.0], [8.0]], ValueKind::Response).unwrap();
/// let mut b = Graph::builder(true);
/// b.add_edge("A", "C", 1.0, 0); // A regulates C
/// b.add_edge("B", "C", 3.0, 0);
/// let model = Neighbours::params(Arc::new(b.build())).check().unwrap()
///     .fit(&Observed::reveal(&s, vec![0, 1])).unwrap();
/// // (1·1 + 3·3) / (1 + 3)
/// assert_eq!(predict(&*model, &[2]).0[[0, 0]], 2.5);
/// ```
#[derive(Debug, Clone)]
pub struct Neighbours {
    params: NeighbourParams,
}

impl Neighbours {
    /// Parameters over `graph`: regulators, weighted (power 1), all neighbours, named `graph`.
    pub fn params(graph: Arc<Graph>) -> NeighbourParams {
        NeighbourParams {
            name: "graph".into(),
            graph,
            direction: Direction::Regulators,
            power: 1.0,
            max_neighbours: None,
        }
    }
}

impl NeighbourParams {
    /// The name in tables.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
    /// Which neighbours count.
    pub fn direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }
    /// Exponent applied to edge weights: 0 ignores them, 1 uses them as given.
    pub fn power(mut self, power: f64) -> Self {
        self.power = power;
        self
    }
    /// Ignore weights (power 0): an unweighted mean, as in similarity kNN.
    pub fn unweighted(self) -> Self {
        self.power(0.0)
    }
    /// Keep only the heaviest `k` observed neighbours (ties: lower graph node id first).
    pub fn max_neighbours(mut self, k: Option<NonZeroUsize>) -> Self {
        self.max_neighbours = k;
        self
    }
    /// Checks the parameters.
    pub fn check(self) -> Result<Neighbours, PredictError> {
        if !(self.power.is_finite() && (0.0..=MAX_POWER).contains(&self.power)) {
            return Err(PredictError::InvalidParameter {
                predictor: self.name,
                parameter: "power",
                value: self.power.to_string(),
                expected: "a number in [0, 8]",
            });
        }
        if let Some(e) = self
            .graph
            .edges()
            .iter()
            .find(|e| e.weight.is_nan() || e.weight < 0.0)
        {
            return Err(PredictError::InvalidParameter {
                parameter: "edge weight",
                value: format!(
                    "{} ({} → {})",
                    e.weight,
                    self.graph.name(e.source),
                    self.graph.name(e.target)
                ),
                predictor: self.name,
                expected: "a non-negative number",
            });
        }
        Ok(Neighbours { params: self })
    }
}

const MAX_POWER: f64 = 8.0;

/// A graph node no observed perturbation stands for.
const NOT_OBSERVED: u32 = u32::MAX;

/// A fitted neighbour mean: the observed rows by graph node, and the training mean.
#[derive(Debug, Clone)]
pub struct FittedNeighbours<'s> {
    params: NeighbourParams,
    train: Observed<'s>,
    /// The observed screen row of each graph node, or [`NOT_OBSERVED`].
    observed_node: Vec<u32>,
    mean: Array1<f32>,
}

impl Predictor for Neighbours {
    fn name(&self) -> &str {
        &self.params.name
    }
    fn fit<'s>(&self, train: &Observed<'s>) -> Result<Box<dyn Fitted + 's>, PredictError> {
        require_observed(self.name(), train, 1)?;
        Ok(Box::new(self.fit_neighbours(train)))
    }
    fn knob(&self) -> Option<Knob> {
        Some(Knob {
            name: "power",
            value: self.params.power,
            min: 0.0,
            max: 4.0,
        })
    }
    fn with_knob(&self, value: f64) -> Option<Box<dyn Predictor>> {
        let mut params = self.params.clone();
        params.power = value.clamp(0.0, MAX_POWER);
        Some(Box::new(Neighbours { params }))
    }
    fn linear_smoother(&self) -> bool {
        true
    }
}

impl Neighbours {
    /// Fits, keeping the concrete type (for [`FittedNeighbours::support`]).
    pub fn fit_neighbours<'s>(&self, train: &Observed<'s>) -> FittedNeighbours<'s> {
        let names = train.perturbations();
        let mut observed_node = vec![NOT_OBSERVED; self.params.graph.node_count()];
        for &r in train.rows() {
            if let Some(n) = self.params.graph.node(&names[r]) {
                observed_node[n as usize] = r as u32;
            }
        }
        FittedNeighbours {
            params: self.params.clone(),
            train: train.clone(),
            observed_node,
            mean: train.mean(),
        }
    }
}

// The fitted model borrows the screen; `Fitted` is `'static`-free through this impl.
impl Fitted for FittedNeighbours<'_> {
    fn n_genes(&self) -> usize {
        self.mean.len()
    }
    fn predict_into(&self, queries: &[usize], mut out: ArrayViewMut2<'_, f32>) -> Support {
        check_shape(&out, queries, self.mean.len());
        let mut support = Support::default();
        let mut picked = Vec::new();
        let mut acc = Vec::new();
        for (&q, row) in queries.iter().zip(out.rows_mut()) {
            self.neighbours_of(q, &mut picked);
            if !self.weighted_mean(&picked, &mut acc, row) {
                support.fallbacks += 1;
            }
        }
        support
    }
    fn linear_form(&self, q: usize) -> Option<LinearForm> {
        let mut picked = Vec::new();
        self.neighbours_of(q, &mut picked);
        let total: f64 = picked.iter().map(|p| p.2).sum();
        if total.is_nan() || total <= 0.0 {
            return Some(LinearForm::fallback());
        }
        Some(LinearForm {
            terms: picked.iter().map(|&(r, _, w)| (r, w / total)).collect(),
            mean_weight: 0.0,
            fallback: false,
        })
    }
}

/// How well a query is backed by observed neighbours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NeighbourSupport {
    /// Observed neighbours that count (after `max_neighbours`).
    pub count: usize,
    /// Their summed weight (after `power`).
    pub weight: f64,
}

impl FittedNeighbours<'_> {
    /// Observed neighbours (screen row, weight after `power`) of query row `q`, heaviest first
    /// when `max_neighbours` is set, else in graph order. The query itself never counts.
    fn neighbours_of(&self, q: usize, picked: &mut Vec<(usize, u32, f64)>) {
        picked.clear();
        let graph = &self.params.graph;
        let Some(node) = graph.node(&self.train.perturbations()[q]) else {
            return;
        };
        let mut take = |(n, w): (u32, f32)| {
            if n == node {
                return;
            }
            let r = self.observed_node[n as usize];
            if r != NOT_OBSERVED {
                picked.push((r as usize, n, f64::from(w).powf(self.params.power)));
            }
        };
        match self.params.direction {
            Direction::Regulators => graph.in_neighbours(node).for_each(&mut take),
            Direction::Targets => graph.out_neighbours(node).for_each(&mut take),
            Direction::Both => {
                graph.in_neighbours(node).for_each(&mut take);
                if graph.is_directed() {
                    graph.out_neighbours(node).for_each(&mut take);
                }
            }
        }
        if let Some(k) = self.params.max_neighbours {
            picked.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.1.cmp(&b.1)));
            picked.truncate(k.get());
        }
    }

    /// Writes Σ w δ / Σ w into `row`; the mean (and `false`) when there is no positive weight.
    /// Sums in f64 over `acc`, a caller-owned buffer reused across queries.
    fn weighted_mean(
        &self,
        picked: &[(usize, u32, f64)],
        acc: &mut Vec<f64>,
        mut row: ArrayViewMut1<'_, f32>,
    ) -> bool {
        let total: f64 = picked.iter().map(|p| p.2).sum();
        if total.is_nan() || total <= 0.0 {
            row.assign(&self.mean);
            return false;
        }
        acc.clear();
        acc.resize(self.mean.len(), 0.0);
        for &(r, _, w) in picked {
            let share = w / total;
            let response = self.train.response(r);
            match response.as_slice() {
                Some(v) => {
                    for (a, &x) in acc.iter_mut().zip(v) {
                        *a += share * f64::from(x);
                    }
                }
                None => {
                    for (a, &x) in acc.iter_mut().zip(response.iter()) {
                        *a += share * f64::from(x);
                    }
                }
            }
        }
        for (o, &a) in row.iter_mut().zip(acc.iter()) {
            *o = a as f32;
        }
        true
    }

    /// The observed neighbour set backing query row `q` (for acquisition).
    pub fn support(&self, q: usize) -> NeighbourSupport {
        let mut picked = Vec::new();
        self.neighbours_of(q, &mut picked);
        NeighbourSupport {
            count: picked.len(),
            weight: picked.iter().map(|p| p.2).sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Screen;
    use crate::data::ValueKind;
    use crate::predict::predict;
    use ndarray::array;

    predictor_suite!(
        |_s: &crate::data::Screen, g: &crate::priors::Graph| {
            Box::new(
                Neighbours::params(std::sync::Arc::new(g.clone()))
                    .check()
                    .unwrap(),
            ) as Box<dyn Predictor>
        },
        planted = true
    );

    fn screen() -> Screen {
        Screen::from_responses(
            ["A", "B", "C", "D"].map(String::from).to_vec(),
            vec!["x".into(), "y".into()],
            array![[1.0, 0.0], [3.0, 2.0], [8.0, 8.0], [0.0, -4.0]],
            ValueKind::Response,
        )
        .unwrap()
    }

    fn consensus() -> Arc<Graph> {
        let mut b = Graph::builder(true);
        b.add_edge("A", "C", 1.0, 0);
        b.add_edge("B", "C", 3.0, 0);
        b.add_edge("C", "D", 2.0, 0); // C is not observed below
        b.add_edge("C", "C", 9.0, 0); // a self-loop never counts
        Arc::new(b.build())
    }

    #[test]
    fn weighted_unweighted_and_capped_means_by_hand() {
        let s = screen();
        let obs = Observed::reveal(&s, vec![0, 1]);
        let run = |p: NeighbourParams| predict(&*p.check().unwrap().fit(&obs).unwrap(), &[2, 3]);
        // C: (1·(1,0) + 3·(3,2)) / 4 = (2.5, 1.5); D: only C, unobserved → mean (2, 1).
        let (p, support) = run(Neighbours::params(consensus()));
        assert_eq!(p, array![[2.5, 1.5], [2.0, 1.0]]);
        assert_eq!(support.fallbacks, 1);
        // Unweighted: ((1,0) + (3,2)) / 2 = (2, 1).
        let (p, _) = run(Neighbours::params(consensus()).unweighted());
        assert_eq!(p.row(0).to_vec(), vec![2.0, 1.0]);
        // Power 2: (1·(1,0) + 9·(3,2)) / 10 = (2.8, 1.8).
        let (p, _) = run(Neighbours::params(consensus()).power(2.0));
        assert!((p[[0, 0]] - 2.8).abs() < 1e-6 && (p[[0, 1]] - 1.8).abs() < 1e-6);
        // Only the heaviest neighbour: B.
        let (p, _) = run(Neighbours::params(consensus()).max_neighbours(NonZeroUsize::new(1)));
        assert_eq!(p.row(0).to_vec(), vec![3.0, 2.0]);
        // Targets of A: C (unobserved) → fallback.
        let (_, support) = run(Neighbours::params(consensus()).direction(Direction::Targets));
        assert_eq!(support.fallbacks, 2);
    }

    #[test]
    fn support_counts_observed_neighbours() {
        let s = screen();
        let model = Neighbours::params(consensus())
            .check()
            .unwrap()
            .fit_neighbours(&Observed::reveal(&s, vec![0, 1, 2]));
        assert_eq!(
            model.support(2),
            NeighbourSupport {
                count: 2,
                weight: 4.0
            }
        );
        assert_eq!(
            model.support(3),
            NeighbourSupport {
                count: 1,
                weight: 2.0
            }
        );
        assert_eq!(model.support(0).count, 0);
    }

    #[test]
    fn bad_parameters_are_refused_with_the_value() {
        let err = Neighbours::params(consensus())
            .power(-1.0)
            .check()
            .unwrap_err();
        assert!(err.to_string().contains("invalid power -1"), "{err}");
        let mut b = Graph::builder(true);
        b.add_edge("A", "B", f32::NAN, 0);
        let err = Neighbours::params(Arc::new(b.build())).check().unwrap_err();
        assert!(err.to_string().contains("edge weight NaN (A → B)"), "{err}");
    }
}

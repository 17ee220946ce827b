//! [`Oracle`]: owns the held-out screen and is the only door to its unrevealed rows.
//!
//! In flow a complete [`Screen`] (a simulated screen or a real one replayed as if it were
//! being measured); out come sealed [`Observed`] views of the rows revealed so far and scores of
//! predictions against the measured truth. Predictors and strategies never see the oracle: they
//! get the views, which hold no unrevealed row. The `oracle` reference strategy, an upper bound
//! in every table, reads held-out rows through the one explicitly named method
//! [`Oracle::held_out_response_for_upper_bound`].
//!
//! Under [`Feedback::Permuted`] (the permuted-feedback control) the oracle shows each revealed
//! perturbation another revealed perturbation's measured response, to the strategy and to the
//! scored predictors alike, while it still scores predictions against the true responses. Under
//! [`Feedback::PermutedToStrategy`] only the strategy (its view and the model it reads) is
//! shown the reassigned responses; the scored predictors train on the true ones, so a strategy
//! that learns from feedback loses its gain while the predictor is left as it was.

use std::str::FromStr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::{ArrayView1, ArrayView2};
use rand::Rng;

use super::jobs::stream;
use crate::data::{Layout, Screen};
use crate::eval::{Metric, MetricInput, Moments, QuerySummary};
use crate::predict::linear::{Coefficients, dot, dot_mixed};
use crate::predict::{Fitted, Observed, Span};

/// What a design loop is shown for the perturbations it picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Feedback {
    /// Their measured responses.
    #[default]
    True,
    /// The control: each revealed perturbation is shown the measured response of the next
    /// revealed one along a cycle through the whole pool, drawn once per seed (the same for
    /// every strategy of that seed). The shown responses are the revealed ones, reassigned, so
    /// no held-out response enters a view and the training mean is unchanged; a lone revealed
    /// perturbation has no other to take from and keeps its own.
    Permuted,
    /// The same reassignment shown to the strategy only: its view and the model it reads are
    /// fitted on the reassigned responses, the scored predictors on the measured ones. This
    /// isolates what a strategy takes from feedback from what the predictor does.
    PermutedToStrategy,
}

impl Feedback {
    /// The name in the TOML file, on the command line and in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Feedback::True => "true",
            Feedback::Permuted => "permuted",
            Feedback::PermutedToStrategy => "permuted-to-strategy",
        }
    }

    /// Whether the strategy is shown reassigned responses (either control).
    pub fn misleads_strategy(self) -> bool {
        self != Feedback::True
    }
}

impl FromStr for Feedback {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        use clap::ValueEnum;
        <Feedback as ValueEnum>::from_str(s, false).map_err(|_| {
            let names: Vec<&str> = Feedback::value_variants()
                .iter()
                .map(|f| f.as_str())
                .collect();
            let (last, rest) = names.split_last().expect("Feedback has variants");
            format!("feedback `{s}`: expected {} or {last}", rest.join(", "))
        })
    }
}

/// The held-out screen of a design loop or benchmark.
#[derive(Debug)]
pub struct Oracle<'s> {
    screen: &'s Screen,
    feedback: Feedback,
    truth: TruthProducts,
}

/// Inner products of measured responses that scoring has needed, kept for every later round
/// and job: ⟨y_a, y_b⟩ in `pairs[a][b]` (a revealed row, b a scored one; the bits of an f64,
/// [`UNKNOWN`] until computed), and each row's sum and squared norm over genes. Lock-free: two
/// jobs that need the same product at once both compute it and store the same bits. Only the
/// oracle reads them.
#[derive(Debug, Default)]
struct TruthProducts {
    pairs: Vec<OnceLock<Box<[AtomicU64]>>>,
    rows: OnceLock<Vec<(f64, f64)>>,
}

/// The bits of a product not computed yet (a NaN no inner product of finite rows gives).
const UNKNOWN: u64 = u64::MAX;

impl<'s> Oracle<'s> {
    /// An oracle over `screen`, which it treats as measured but unrevealed, showing true
    /// feedback.
    pub fn new(screen: &'s Screen) -> Oracle<'s> {
        Oracle::with_feedback(screen, Feedback::True)
    }

    /// An oracle over `screen` whose design-loop views follow `feedback`.
    pub fn with_feedback(screen: &'s Screen, feedback: Feedback) -> Oracle<'s> {
        Oracle {
            screen,
            feedback,
            truth: TruthProducts {
                pairs: (0..screen.n_perturbations())
                    .map(|_| OnceLock::new())
                    .collect(),
                rows: OnceLock::new(),
            },
        }
    }

    /// What it shows a design loop.
    pub fn feedback(&self) -> Feedback {
        self.feedback
    }

    /// The public facts: perturbation and gene names.
    pub fn layout(&self) -> &'s Layout {
        self.screen.layout()
    }

    /// Reveals screen rows `rows`: a sealed view holding a copy of their responses only.
    pub fn reveal(&self, rows: Vec<usize>) -> Observed<'s> {
        Observed::reveal(self.screen, rows)
    }

    /// Reveals screen rows `rows` to the strategy of the design-loop job of `seed`: a sealed
    /// view of their measured responses, or under either permuted control of the responses of
    /// [`Oracle::feedback_sources`].
    pub fn reveal_to_strategy(&self, seed: u64, rows: Vec<usize>) -> Observed<'s> {
        if self.feedback.misleads_strategy() {
            let sources = self.feedback_sources(seed, &rows);
            Observed::reveal_mislabelled(self.screen, rows, &sources)
        } else {
            self.reveal(rows)
        }
    }

    /// Reveals screen rows `rows` to the scored predictors of the job of `seed`: reassigned
    /// only under [`Feedback::Permuted`].
    pub fn reveal_to_predictors(&self, seed: u64, rows: Vec<usize>) -> Observed<'s> {
        match self.feedback {
            Feedback::Permuted => self.reveal_to_strategy(seed, rows),
            Feedback::True | Feedback::PermutedToStrategy => self.reveal(rows),
        }
    }

    /// Under permuted feedback, whose response each of `rows` is shown in the job of `seed`:
    /// the first other member of `rows` met walking from it along the seed's cycle through
    /// the pool (a cyclic permutation by Sattolo's algorithm, so every walk comes back round).
    /// Restricted to `rows` that cycle is itself one cycle, so each shown response is a
    /// revealed one and none is shown twice.
    pub fn feedback_sources(&self, seed: u64, rows: &[usize]) -> Vec<usize> {
        let n = self.screen.n_perturbations();
        let mut next: Vec<usize> = (0..n).collect();
        let mut rng = stream(seed, "permuted feedback", 0);
        for i in (1..n).rev() {
            let j = rng.random_range(0..i);
            next.swap(i, j);
        }
        let mut revealed = vec![false; n];
        for &r in rows {
            revealed[r] = true;
        }
        rows.iter()
            .map(|&r| {
                let mut x = next[r];
                while !revealed[x] {
                    x = next[x];
                }
                x
            })
            .collect()
    }

    /// Scores `predicted` (one row per query) against the measured responses of `queries`
    /// with each metric: one value per metric and query. `reference` is the training mean (the
    /// Systema reference). Metrics get the truth here and only here.
    pub fn score(
        &self,
        metrics: &[Box<dyn Metric>],
        queries: &[usize],
        predicted: ArrayView2<'_, f32>,
        reference: ArrayView1<'_, f32>,
    ) -> Vec<Vec<f64>> {
        let input = MetricInput {
            screen: self.screen,
            queries,
            predicted,
            reference,
        };
        metrics.iter().map(|m| m.per_perturbation(&input)).collect()
    }

    /// A scorer of the models fitted on `train` this round, for predictions linear in its
    /// responses: see [`LinearScorer`]. `None` when `train` shows reassigned responses (permuted
    /// feedback, so its responses are not the rows the oracle measures) or either set is empty.
    pub fn linear_scorer<'o>(
        &'o self,
        train: &'o Observed<'s>,
        queries: &'o [usize],
    ) -> Option<LinearScorer<'o, 's>> {
        if self.feedback == Feedback::Permuted || train.is_empty() || queries.is_empty() {
            return None;
        }
        let span = Span::new(train);
        let n = train.len() as f64;
        let mut mean = vec![0f64; train.n_genes()];
        for &r in train.rows() {
            for (m, &v) in mean.iter_mut().zip(train.response(r)) {
                *m += f64::from(v);
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let to_mean = Coefficients {
            sparse: Vec::new(),
            uniform: 1.0 / n,
        };
        let with_mean = span.apply(&to_mean);
        Some(LinearScorer {
            oracle: self,
            train,
            queries,
            mean_sum: span.sum(&to_mean),
            mean_norm: Span::weigh(&to_mean, &with_mean),
            span,
            mean,
            with_mean,
            measured_with_mean: OnceLock::new(),
        })
    }

    /// ⟨y_r, y_q⟩ for every term row r of query `q`, in term order, into `out`: from the
    /// shared cache, computing (and keeping) the ones no round has needed yet.
    fn truth_products(&self, q: usize, terms: &[(usize, f64)], out: &mut Vec<f64>) {
        out.clear();
        let n = self.screen.n_perturbations();
        out.extend(terms.iter().map(|&(r, _)| {
            let row = self.truth.pairs[r]
                .get_or_init(|| (0..n).map(|_| AtomicU64::new(UNKNOWN)).collect());
            match row[q].load(Ordering::Relaxed) {
                UNKNOWN => {
                    let v = dot(self.measured(r), self.measured(q));
                    row[q].store(v.to_bits(), Ordering::Relaxed);
                    v
                }
                bits => f64::from_bits(bits),
            }
        }));
    }

    /// The measured response of screen row `row`, for scoring.
    fn measured(&self, row: usize) -> &'s [f32] {
        self.screen
            .response()
            .index_axis_move(ndarray::Axis(0), row)
            .to_slice()
            .expect("screen rows are contiguous")
    }

    /// The measured response of any row, revealed or not. Only the `oracle` reference strategy
    /// calls this, to give an upper bound no real design can reach.
    pub fn held_out_response_for_upper_bound(&self, row: usize) -> ArrayView1<'s, f32> {
        self.screen
            .response()
            .index_axis_move(ndarray::Axis(0), row)
    }
}

/// Scores, in one round, models whose predictions are linear in the observed responses
/// ([`LinearForm`](crate::predict::LinearForm)) from inner products instead of formed
/// predictions: O(observed × terms) per query rather than O(genes), plus one pass over each
/// scored row for ⟨y, μ⟩, shared by every model of the round. The values equal those of the
/// formed predictions ([`Oracle::score`]) up to floating-point rounding: the formed ones are
/// rounded to f32, and a prediction that is exactly the training mean (a fallback) is exactly
/// zero after the Systema correction here.
pub struct LinearScorer<'o, 's> {
    oracle: &'o Oracle<'s>,
    train: &'o Observed<'s>,
    queries: &'o [usize],
    span: Span,
    /// The training mean μ, exact in f64.
    mean: Vec<f64>,
    /// ⟨x_p, μ⟩ of every observed position.
    with_mean: Vec<f64>,
    mean_sum: f64,
    mean_norm: f64,
    /// ⟨y_q, μ⟩ of every query, on first use.
    measured_with_mean: OnceLock<Vec<f64>>,
}

impl LinearScorer<'_, '_> {
    /// The values per metric and query of `model` (fitted on the round's view), and its number
    /// of fallbacks; `None` (then score its formed predictions) when the model has no linear
    /// form or a metric needs whole vectors.
    pub fn score(
        &self,
        metrics: &[Box<dyn Metric>],
        model: &dyn Fitted,
    ) -> Option<(Vec<Vec<f64>>, usize)> {
        let (oracle, span, train) = (self.oracle, &self.span, self.train);
        let genes = train.n_genes();
        let n = train.len() as f64;
        let row_stats = oracle.truth.rows.get_or_init(|| {
            oracle
                .screen
                .response()
                .rows()
                .into_iter()
                .map(|y| {
                    let y = y.to_slice().expect("screen rows are contiguous");
                    (y.iter().map(|&v| f64::from(v)).sum(), dot(y, y))
                })
                .collect()
        });
        let top_de = oracle.screen.top_de();
        let depth = metrics
            .iter()
            .map(|m| m.summary_top_de())
            .max()
            .unwrap_or(0)
            .min(top_de.ncols());
        let mut out: Vec<Vec<f64>> = vec![Vec::with_capacity(self.queries.len()); metrics.len()];
        let mut fallbacks = 0;
        let mut pairs = Vec::new();
        let mut top = Vec::with_capacity(depth);
        let mut term_rows = Vec::new();
        for (i, &q) in self.queries.iter().enumerate() {
            let form = model.linear_form(q)?;
            fallbacks += usize::from(form.fallback);
            let y = oracle.measured(q);
            let (y_sum, y_norm) = row_stats[q];
            let y_mean = self.measured_with_mean.get_or_init(|| {
                self.queries
                    .iter()
                    .map(|&q| dot_mixed(&self.mean, oracle.measured(q)))
                    .collect()
            })[i];
            oracle.truth_products(q, &form.terms, &mut pairs);
            let c = span.coefficients(&form);
            let gc = span.apply(&c);
            let (p_sum, p_norm) = (span.sum(&c), Span::weigh(&c, &gc));
            let p_mean = Span::weigh(&c, &self.with_mean);
            let p_y = form
                .terms
                .iter()
                .zip(&pairs)
                .map(|(t, g)| t.1 * g)
                .sum::<f64>()
                + form.mean_weight * y_mean;
            // ŷ − μ directly, so that the training mean (and a fallback) is exactly zero.
            let mut u = c;
            u.uniform -= 1.0 / n;
            let u_norm = span.inner(&u, &u);
            top.clear();
            if depth > 0 {
                term_rows.clear();
                term_rows.extend(form.terms.iter().map(|&(r, a)| (train.response(r), a)));
                top.extend(top_de.row(q).iter().take(depth).map(|&g| {
                    let g = g as usize;
                    let p = term_rows
                        .iter()
                        .map(|(x, a)| a * f64::from(x[g]))
                        .sum::<f64>()
                        + form.mean_weight * self.mean[g];
                    (p, f64::from(y[g]))
                }));
            }
            let summary = QuerySummary {
                raw: Moments {
                    n: genes,
                    sx: p_sum,
                    sy: y_sum,
                    sxx: p_norm,
                    syy: y_norm,
                    sxy: p_y,
                },
                centred: Moments {
                    n: genes,
                    sx: p_sum - self.mean_sum,
                    sy: y_sum - self.mean_sum,
                    sxx: u_norm,
                    syy: y_norm - 2.0 * y_mean + self.mean_norm,
                    sxy: p_y - y_mean - p_mean + self.mean_norm,
                },
                top_de: &top,
            };
            for (values, metric) in out.iter_mut().zip(metrics) {
                values.push(metric.of_summary(&summary)?);
            }
        }
        Some((out, fallbacks))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValueKind;
    use ndarray::Array2;

    /// Twelve perturbations whose one-gene response is their row number.
    fn numbered() -> Screen {
        let names = (0..12).map(|i| format!("G{i}")).collect();
        let response = Array2::from_shape_fn((12, 1), |(r, _)| r as f32);
        Screen::from_responses(names, vec!["x".into()], response, ValueKind::Response).unwrap()
    }

    #[test]
    fn permuted_feedback_reassigns_the_revealed_responses_within_the_revealed_rows() {
        let s = numbered();
        let oracle = Oracle::with_feedback(&s, Feedback::Permuted);
        let rows = vec![3, 7, 0, 11, 5];
        let sources = oracle.feedback_sources(2, &rows);
        // Every row is shown another revealed row's response, each response once.
        let mut sorted = sources.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 3, 5, 7, 11]);
        assert!(
            rows.iter().zip(&sources).all(|(r, s)| r != s),
            "{sources:?}"
        );
        let view = oracle.reveal_to_strategy(2, rows.clone());
        for (&r, &src) in rows.iter().zip(&sources) {
            assert_eq!(view.response(r).to_vec(), vec![src as f32]);
        }
        // The training mean is that of the true revealed rows.
        assert_eq!(view.mean().to_vec(), vec![26.0 / 5.0]);
        // Fixed per seed, different across seeds (seeds 1–4 give 4 distinct maps here).
        assert_eq!(oracle.feedback_sources(2, &rows), sources);
        let maps: std::collections::HashSet<Vec<usize>> = (1..=4)
            .map(|seed| oracle.feedback_sources(seed, &rows))
            .collect();
        assert!(maps.len() > 1, "{maps:?}");
        // Two revealed rows can only swap; a lone one keeps its own response.
        assert_eq!(oracle.feedback_sources(9, &[4, 8]), [8, 4]);
        assert_eq!(oracle.feedback_sources(9, &[4]), [4]);
    }

    #[test]
    fn true_feedback_reveals_the_measured_rows_and_names_parse() {
        let s = numbered();
        let view = Oracle::new(&s).reveal_to_strategy(2, vec![3, 7]);
        assert_eq!(view.response(3).to_vec(), vec![3.0]);
        assert_eq!(view.response(7).to_vec(), vec![7.0]);
        assert_eq!("permuted".parse::<Feedback>(), Ok(Feedback::Permuted));
        assert_eq!("true".parse::<Feedback>(), Ok(Feedback::True));
        assert_eq!(
            "shuffled".parse::<Feedback>(),
            Err("feedback `shuffled`: expected true, permuted or permuted-to-strategy".to_string())
        );
        assert_eq!(Feedback::Permuted.as_str(), "permuted");
    }

    #[test]
    fn linear_scores_equal_the_formed_ones_up_to_rounding() {
        use crate::eval::{Mse, Overlap, PearsonDelta, SystemaPearson};
        use crate::predict::suite::planted;
        use crate::predict::{Neighbours, Predictor, Shrunk, TrainingMean, predict};
        let (s, g) = planted(4, 8, 40, 0.3);
        let oracle = Oracle::new(&s);
        let train = oracle.reveal(vec![0, 3, 5, 8, 11, 13, 16, 19, 21, 24]);
        let queries = train.unobserved();
        let metrics: Vec<Box<dyn Metric>> = vec![
            Box::new(PearsonDelta::all()),
            Box::new(PearsonDelta::top_de(5)),
            Box::new(SystemaPearson),
            Box::new(Mse::all()),
            Box::new(Mse::top_de(5)),
        ];
        let knn = Neighbours::params(std::sync::Arc::new(g)).check().unwrap();
        let predictors: Vec<Box<dyn Predictor>> = vec![
            Box::new(Shrunk::params(Box::new(knn)).check().unwrap()),
            Box::new(TrainingMean),
        ];
        let scorer = oracle.linear_scorer(&train, &queries).unwrap();
        for predictor in &predictors {
            let model = predictor.fit(&train).unwrap();
            let (formed, support) = predict(&*model, &queries);
            let formed = oracle.score(&metrics, &queries, formed.view(), train.mean().view());
            let (linear, fallbacks) = scorer.score(&metrics, &*model).unwrap();
            assert_eq!(fallbacks, support.fallbacks);
            for (m, (a, b)) in formed.iter().zip(&linear).enumerate() {
                for ((x, y), &q) in a.iter().zip(b).zip(&queries) {
                    if m == 2 && model.linear_form(q).unwrap().fallback {
                        // The formed blend α·μ + (1 − α)·μ is μ only up to f32 rounding, and
                        // Systema correlates that noise; here a fallback is μ exactly.
                        assert_eq!(*y, 0.0);
                        continue;
                    }
                    assert!(
                        (x - y).abs() < 1e-5,
                        "{} metric {m}: {x} vs {y}",
                        predictor.name()
                    );
                }
            }
        }
        // A metric that needs whole vectors, and permuted feedback, take the formed path.
        let model = predictors[1].fit(&train).unwrap();
        let overlap: Vec<Box<dyn Metric>> = vec![Box::new(Overlap { k: 5 })];
        assert!(scorer.score(&overlap, &*model).is_none());
        let permuted = Oracle::with_feedback(&s, Feedback::Permuted);
        assert!(permuted.linear_scorer(&train, &queries).is_none());
    }
}

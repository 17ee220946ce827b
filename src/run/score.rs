//! `mechpert score`: read predictions and a measured screen (each relative to its own
//! control), align them by perturbation and gene name, score every aligned perturbation with
//! evaluate's metrics and say what did not align.
//!
//! The Systema reference μ is the mean measured response of the aligned perturbations (there is
//! no training set here); the top DE genes are those of largest measured |Δ| over the aligned
//! genes.

use std::collections::HashMap;
use std::io::Write;

use anyhow::Context;
use ndarray::{Array2, Axis};

use super::{UsageError, create_parent, refuse_to_replace};
use crate::cli::ScoreArgs;
use crate::data::Screen;
use crate::data::io::writer::write_atomically;
use crate::eval::{Metric, MetricInput, standard_metrics};

/// Names shown per list of unaligned names.
const SHOWN: usize = 10;

pub(super) fn run(args: ScoreArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let metrics = chosen_metrics(&args.metrics)?;
    if let Some(path) = &args.out {
        refuse_to_replace(path, args.force)?;
    }
    let symbols = super::resolve_symbols(&args.screen)?;
    let pred = super::read_screen(&args.pred, &args.screen, &symbols)
        .with_context(|| format!("reading --pred {}", args.pred.display()))?
        .screen;
    let real = super::read_screen(&args.real, &args.screen, &symbols)
        .with_context(|| format!("reading --real {}", args.real.display()))?
        .screen;
    let aligned = Aligned::of(&pred, &real)?;
    let queries: Vec<usize> = (0..aligned.truth.n_perturbations()).collect();
    let reference = aligned
        .truth
        .response()
        .mean_axis(Axis(0))
        .expect("≥ 1 row");
    let input = MetricInput {
        screen: &aligned.truth,
        queries: &queries,
        predicted: aligned.predicted.view(),
        reference: reference.view(),
    };
    let values: Vec<Vec<f64>> = metrics.iter().map(|m| m.per_perturbation(&input)).collect();

    if let Some(path) = &args.out {
        create_parent(path)?;
        write_atomically(path, |f| {
            writeln!(f, "perturbation,metric,value")?;
            for (m, v) in metrics.iter().zip(&values) {
                for (p, value) in aligned.truth.perturbations().iter().zip(v) {
                    writeln!(f, "{p},{},{value}", m.name())?;
                }
            }
            Ok(())
        })
        .with_context(|| format!("writing --out {}", path.display()))?;
    }
    writeln!(
        out,
        "# Scores of `{}` against `{}`\n",
        args.pred.display(),
        args.real.display()
    )?;
    writeln!(
        out,
        "- aligned: {} perturbations × {} genes",
        aligned.truth.n_perturbations(),
        aligned.truth.n_genes()
    )?;
    writeln!(
        out,
        "- Systema reference μ: the mean measured response of the aligned perturbations"
    )?;
    for (what, names) in [
        (
            "predicted but not measured (not scored)",
            &aligned.only_pred,
        ),
        (
            "measured but not predicted (not scored)",
            &aligned.only_real,
        ),
        (
            "genes only in the predictions (ignored)",
            &aligned.genes_only_pred,
        ),
        (
            "genes only in the measured screen (ignored)",
            &aligned.genes_only_real,
        ),
    ] {
        if !names.is_empty() {
            tracing::warn!("{what}: {}", listing(names));
            writeln!(out, "- {what}: {}", listing(names))?;
        }
    }
    writeln!(out, "\n| metric | mean | definition |\n|---|---|---|")?;
    for (m, v) in metrics.iter().zip(&values) {
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        writeln!(out, "| {} | {mean:.4} | {} |", m.name(), m.definition())?;
    }
    Ok(())
}

/// The metrics `--metrics` names (all when empty), in table order.
fn chosen_metrics(names: &[String]) -> Result<Vec<Box<dyn Metric>>, UsageError> {
    let all = standard_metrics();
    if names.is_empty() {
        return Ok(all);
    }
    for name in names {
        if !all.iter().any(|m| m.name() == name.trim()) {
            return Err(UsageError(format!(
                "unknown metric `{name}` in --metrics: expected {}",
                all.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    Ok(all
        .into_iter()
        .filter(|m| names.iter().any(|n| n.trim() == m.name()))
        .collect())
}

/// `n: a, b, c, …` with at most [`SHOWN`] names.
fn listing(names: &[String]) -> String {
    let shown = names[..names.len().min(SHOWN)].join(", ");
    if names.len() > SHOWN {
        format!("{}: {shown}, …", names.len())
    } else {
        format!("{}: {shown}", names.len())
    }
}

/// Predictions and truth over the perturbations and genes both have, in the measured order.
struct Aligned {
    truth: Screen,
    predicted: Array2<f32>,
    only_pred: Vec<String>,
    only_real: Vec<String>,
    genes_only_pred: Vec<String>,
    genes_only_real: Vec<String>,
}

impl Aligned {
    fn of(pred: &Screen, real: &Screen) -> anyhow::Result<Aligned> {
        let (rows, only_real, only_pred) = matched(real.perturbations(), pred.perturbations());
        let (cols, genes_only_real, genes_only_pred) = matched(real.genes(), pred.genes());
        if rows.is_empty() || cols.is_empty() {
            anyhow::bail!(
                "nothing to score: the predictions and the measured screen share {} perturbations and {} genes (predicted perturbations: {}; measured: {})",
                rows.len(),
                cols.len(),
                listing(pred.perturbations()),
                listing(real.perturbations())
            );
        }
        let (real_rows, pred_rows): (Vec<usize>, Vec<usize>) = rows.iter().copied().unzip();
        let (real_cols, pred_cols): (Vec<usize>, Vec<usize>) = cols.iter().copied().unzip();
        let truth = real
            .response()
            .select(Axis(0), &real_rows)
            .select(Axis(1), &real_cols);
        let predicted = pred
            .response()
            .select(Axis(0), &pred_rows)
            .select(Axis(1), &pred_cols);
        let names = |all: &[String], idx: &[usize]| idx.iter().map(|&i| all[i].clone()).collect();
        let truth = Screen::from_responses(
            names(real.perturbations(), &real_rows),
            names(real.genes(), &real_cols),
            truth,
            real.value_kind(),
        )?;
        Ok(Aligned {
            truth,
            predicted,
            only_pred,
            only_real,
            genes_only_pred,
            genes_only_real,
        })
    }
}

/// Pairs `(index in a, index in b)` of the names both hold, in `a`'s order, then the names
/// only `a` has and those only `b` has.
fn matched(a: &[String], b: &[String]) -> (Vec<(usize, usize)>, Vec<String>, Vec<String>) {
    let in_b: HashMap<&str, usize> = b.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let in_a: HashMap<&str, usize> = a.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let pairs = a
        .iter()
        .enumerate()
        .filter_map(|(i, n)| in_b.get(n.as_str()).map(|&j| (i, j)))
        .collect();
    let only = |xs: &[String], other: &HashMap<&str, usize>| {
        xs.iter()
            .filter(|n| !other.contains_key(n.as_str()))
            .cloned()
            .collect()
    };
    (pairs, only(a, &in_b), only(b, &in_a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_pair_up_in_the_first_order() {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (pairs, only_a, only_b) = matched(&v(&["A", "B", "C"]), &v(&["C", "X", "A"]));
        assert_eq!(pairs, [(0, 2), (2, 0)]);
        assert_eq!(only_a, ["B"]);
        assert_eq!(only_b, ["X"]);
        let names: Vec<String> = (0..12).map(|i| format!("g{i}")).collect();
        assert_eq!(listing(&names[..2]), "2: g0, g1");
        assert!(listing(&names).starts_with("12: g0, g1,") && listing(&names).ends_with("g9, …"));
    }

    #[test]
    fn metrics_are_chosen_by_name() {
        let m = chosen_metrics(&["mse".into(), "pearson_delta".into()]).unwrap();
        let names: Vec<&str> = m.iter().map(|m| m.name()).collect();
        assert_eq!(names, ["pearson_delta", "mse"]);
        let err = chosen_metrics(&["r2".into()]).err().unwrap().to_string();
        assert!(
            err.starts_with("unknown metric `r2` in --metrics: expected pearson_delta,"),
            "{err}"
        );
    }
}

//! mechpert's metrics and Wilcoxon test against cell-eval 0.8.2 and scipy 1.17.1, whose values
//! `experiments/reference/cell_eval_reference.sh` computed on the committed fixtures.

use std::collections::HashMap;

use mechpert::data::GeneSymbols;
use mechpert::data::io::{Builder, Format};
use mechpert::eval::{MetricInput, standard_metrics, wilcoxon::wilcoxon_with};

fn fixture(name: &str) -> std::path::PathBuf {
    crate::util::repo()
        .join("tests/fixtures/metrics")
        .join(name)
}

fn screen(name: &str) -> mechpert::data::Screen {
    Builder::new(&GeneSymbols::identity())
        .format(Some(Format::Wide))
        .build_from_path(&fixture(name))
        .unwrap()
        .screen
}

#[test]
fn eval_matches_cell_eval_and_scipy() {
    let truth = screen("truth.csv");
    let pred = screen("predicted.csv");
    assert_eq!(truth.perturbations(), pred.perturbations());
    let queries: Vec<usize> = (0..truth.n_perturbations()).collect();
    let reference = truth.response().mean_axis(ndarray::Axis(0)).unwrap();
    let input = MetricInput {
        screen: &truth,
        queries: &queries,
        predicted: pred.response(),
        reference: reference.view(),
    };
    let ours: HashMap<String, Vec<f64>> = standard_metrics()
        .iter()
        .map(|m| (m.name().to_string(), m.per_perturbation(&input)))
        .collect();
    let text = std::fs::read_to_string(fixture("cell_eval_reference.tsv")).unwrap();
    let mut compared = 0;
    let mut metrics_seen = std::collections::HashSet::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let p = truth
            .perturbations()
            .iter()
            .position(|n| n == f[0])
            .unwrap();
        let expected: f64 = f[2].parse().unwrap();
        let got = ours[f[1]][p];
        if expected.is_nan() {
            // scipy's Pearson of a constant vector; mechpert's metrics score it 0 (documented).
            assert_eq!(got, 0.0, "{line}");
            let raw = mechpert::eval::pearson(
                pred.response().row(p).iter().map(|&v| f64::from(v)),
                truth.response().row(p).iter().map(|&v| f64::from(v)),
            );
            assert!(raw.is_nan(), "{line}: raw pearson {raw}");
        } else {
            assert!((got - expected).abs() < 1e-6, "{line}: mechpert {got}");
        }
        metrics_seen.insert(f[1].to_string());
        compared += 1;
    }
    assert_eq!(compared, 6 * 8);
    assert_eq!(metrics_seen.len(), 8);
}

#[test]
fn wilcoxon_matches_scipy() {
    let cases = std::fs::read_to_string(fixture("wilcoxon_cases.tsv")).unwrap();
    let reference = std::fs::read_to_string(fixture("wilcoxon_reference.tsv")).unwrap();
    let parse = |s: &str| -> Vec<f64> { s.split(',').map(|v| v.parse().unwrap()).collect() };
    let data: HashMap<&str, (Vec<f64>, Vec<f64>)> = cases
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0], (parse(f[1]), parse(f[2])))
        })
        .collect();
    let mut n = 0;
    for line in reference.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (x, y) = &data[f[0]];
        let w = wilcoxon_with(x, y, f[1] == "true");
        let (stat, p): (f64, f64) = (f[2].parse().unwrap(), f[3].parse().unwrap());
        assert!(
            (w.statistic - stat).abs() < 1e-9,
            "{line}: statistic {}",
            w.statistic
        );
        assert!(
            (w.pvalue - p).abs() < 1e-9,
            "{line}: p {} ({:?})",
            w.pvalue,
            w.method
        );
        n += 1;
    }
    assert_eq!(n, 12);
}

//! The committed experiment results (results/fewshot_k562, results/ablations_k562 with its
//! leave-one-resource-out panels) reproduce.

use std::path::Path;

/// The K562 signatures, or `None` (after `util::skip`) when ../shared/data is absent.
fn k562(test: &str) -> Option<std::path::PathBuf> {
    crate::util::shared_data(test).map(|shared| {
        shared
            .join("perturbseq/replogle2022_k562_signatures/k562_essential_up_ranked_top1000.csv.gz")
    })
}

/// Reruns the fast `consensus` predictor of a committed few-shot run at N = 50 (10 draws, seed
/// 1) over its committed consensus table; every line must be in the committed metrics.csv.
fn reproduces(test: &str, neighbours: &str, committed: &str) {
    let Some(data) = k562(test) else {
        return;
    };
    let dir = crate::util::Dir::new();
    reproduces_over(
        &dir,
        &data,
        &crate::util::repo().join(neighbours),
        committed,
    );
}

/// [`reproduces`] over the consensus table `neighbours`, in `dir`.
fn reproduces_over(dir: &crate::util::Dir, data: &Path, neighbours: &Path, committed: &str) {
    let repo = crate::util::repo();
    dir.command()
        .args(["evaluate", "--data"])
        .args([data])
        .args(["--observed", "50", "--draws", "10", "--seed", "1"])
        .args(["--predictors", "consensus", "--neighbours"])
        .args([neighbours])
        .args(["--out", "out", "-q"])
        .stdout();
    let fresh = std::fs::read_to_string(dir.path().join("out/metrics.csv")).unwrap();
    let committed = std::fs::read_to_string(repo.join(committed)).unwrap();
    let committed: std::collections::HashSet<&str> = committed.lines().collect();
    let mut compared = 0;
    for line in fresh.lines().skip(1) {
        assert!(
            committed.contains(line),
            "not in the committed {} run: {line}",
            neighbours.display()
        );
        compared += 1;
    }
    assert_eq!(
        compared,
        10 * 2 * 10,
        "10 draws × (mean, consensus) × 10 values"
    );
}

#[test]
fn the_committed_dense_panel_few_shot_numbers_reproduce() {
    reproduces(
        "the_committed_dense_panel_few_shot_numbers_reproduce",
        "results/fewshot_k562/consensus_dense.tsv",
        "results/fewshot_k562/n50/dense/metrics.csv",
    );
}

#[test]
fn the_committed_shuffled_label_control_reproduces() {
    reproduces(
        "the_committed_shuffled_label_control_reproduces",
        "results/ablations_k562/shuffled-1.tsv",
        "results/ablations_k562/shuffled-1/metrics.csv",
    );
}

#[test]
fn a_committed_leave_one_resource_out_panel_reproduces() {
    // The panel file is committed, its consensus table is not (.gitignored): rebuild it first.
    let test = "a_committed_leave_one_resource_out_panel_reproduces";
    let Some(data) = k562(test) else {
        return;
    };
    let dir = crate::util::Dir::new();
    let panel = crate::util::repo().join("results/ablations_k562/panels/without-string.toml");
    dir.command()
        .args(["consensus", "--data"])
        .args([&data, Path::new("--agents"), &panel])
        .args(["--out", "panel.tsv", "-q"])
        .stdout();
    reproduces_over(
        &dir,
        &data,
        &dir.path().join("panel.tsv"),
        "results/ablations_k562/panels/without-string/metrics.csv",
    );
}

//! `mechpert evaluate` end to end on small screens, and its usage and data errors.

use crate::util::Dir;

/// Eight perturbations in two modules over six genes; the graph links module members.
pub(crate) fn setup(dir: &Dir) {
    let mut csv = String::from("perturbation,g1,g2,g3,g4,g5,g6\n");
    let a = [3.0, 2.0, 1.0, 0.0, -1.0, -2.0];
    let b = [-2.0, 0.0, 1.0, 3.0, -1.0, 2.0];
    for p in 0..8 {
        let base = if p < 4 { a } else { b };
        let row: Vec<String> = base
            .iter()
            .enumerate()
            .map(|(g, v)| format!("{}", v + 0.1 * ((p * 7 + g * 3) % 5) as f64))
            .collect();
        csv.push_str(&format!("P{p},{}\n", row.join(",")));
    }
    dir.create("screen.csv", csv);
    let mut graph = String::from("source\ttarget\tweight\n");
    let mut consensus = String::from("target\tneighbour\tweight\tvotes\tagents\n");
    for p in 0..8 {
        let m = p / 4 * 4;
        let q = m + (p + 1) % 4;
        graph.push_str(&format!("P{p}\tP{q}\t1\n"));
        consensus.push_str(&format!("P{p}\tP{q}\t0.8\t2\ta,b\n"));
    }
    dir.create("graph.tsv", graph);
    dir.create("consensus.tsv", consensus);
}

/// `evaluate` on the setup's response screen, names as written.
pub(crate) const EVALUATE_RESPONSES: [&str; 6] = [
    "evaluate",
    "--data",
    "screen.csv",
    "--values",
    "response",
    "--no-aliases",
];

/// Every predictor over both graphs, 3 draws of 4 observed.
pub(crate) const FULL_RUN: [&str; 19] = [
    "evaluate",
    "--data",
    "screen.csv",
    "--values",
    "response",
    "--no-aliases",
    "--observed",
    "4",
    "--draws",
    "3",
    "--seed",
    "2",
    "--predictors",
    "graph,consensus,similarity,ridge,graph:shrunk",
    "--graph",
    "undirected-edges:graph.tsv",
    "--neighbours",
    "consensus.tsv",
    "-q",
];

mptest!(evaluate_writes_tidy_metrics_and_a_summary, |dir| {
    setup(&dir);
    let stdout = dir.command().args(FULL_RUN).args(["--out", "out"]).stdout();
    let csv = std::fs::read_to_string(dir.path().join("out/metrics.csv")).unwrap();
    let md = std::fs::read_to_string(dir.path().join("out/summary.md")).unwrap();
    assert_eq!(stdout, md, "stdout repeats summary.md");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "draw,predictor,metric,value");
    // 3 draws × 6 predictors (mean added first) × (9 metrics + n_fallback), plus alpha and
    // knob of graph:shrunk per draw.
    assert_eq!(lines.len(), 1 + 3 * 6 * 10 + 3 * 2, "{csv}");
    let alphas: Vec<f64> = lines
        .iter()
        .filter(|l| l.contains(",graph:shrunk,alpha,"))
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(alphas.len(), 3);
    assert!(alphas.iter().all(|a| (0.0..=1.0).contains(a)), "{alphas:?}");
    assert!(md.contains("| alpha | – | – | – | – | – | "), "{md}");
    assert!(
        lines[1].starts_with("0,mean,pearson_delta,"),
        "{}",
        lines[1]
    );
    assert!(csv.contains("2,graph:shrunk,n_fallback,"));
    assert!(
        md.contains("| metric | mean | graph | consensus | similarity | ridge | graph:shrunk |"),
        "{md}"
    );
    assert!(md.contains("8 perturbations × 6 genes"), "{md}");
    assert!(
        md.contains(
            "N = 4 observed perturbations per draw, 4 queries predicted per draw; 3 draws, seed 2"
        ),
        "{md}"
    );
    assert!(
        md.contains("consensus neighbours `consensus.tsv`: 8 regulator → target edges"),
        "{md}"
    );
    // The module graph beats the mean on every draw: the exact Wilcoxon p for 3 draws is 0.25.
    let graph_mse: Vec<f64> = lines
        .iter()
        .filter(|l| l.contains(",graph,mse,"))
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    let mean_mse: Vec<f64> = lines
        .iter()
        .filter(|l| l.contains(",mean,mse,"))
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert!(
        graph_mse.iter().zip(&mean_mse).all(|(g, m)| g < m),
        "{graph_mse:?} {mean_mse:?}"
    );
    // Same seed, same files.
    dir.command()
        .args(FULL_RUN)
        .args(["--out", "again"])
        .stdout();
    assert_eq!(
        csv,
        std::fs::read_to_string(dir.path().join("again/metrics.csv")).unwrap()
    );
});

mptest!(evaluate_usage_errors_exit_2, |dir| {
    setup(&dir);
    let run = |extra: &[&str]| {
        dir.command()
            .args(EVALUATE_RESPONSES)
            .args(["--out", "o"])
            .args(extra)
            .assert_exit(2)
    };
    let err = run(&["--predictors", "consensus"]);
    assert!(
        err.contains(
            "predictors consensus and similarity need --agents agents.toml or --neighbours TSV"
        ),
        "{err}"
    );
    let err = run(&["--predictors", "graph"]);
    assert!(err.contains("predictor graph needs --graph SPEC"), "{err}");
    let err = run(&["--predictors", "ridge"]);
    assert!(
        err.contains(
            "predictor ridge needs --graph SPEC or --neighbours TSV for a perturbation embedding"
        ),
        "{err}"
    );
    let err = run(&["--predictors", "knn"]);
    assert!(err.contains("unknown predictor `knn`"), "{err}");
    let err = run(&["--predictors", "mean", "--observed", "8"]);
    assert!(
        err.contains("--observed 8 leaves nothing to predict: screen.csv has 8 perturbations"),
        "{err}"
    );
    assert!(
        !dir.path().join("o").exists(),
        "nothing written on a usage error"
    );
});

mptest!(evaluate_data_errors_exit_1_and_name_the_file, |dir| {
    setup(&dir);
    dir.create("bad.tsv", "target\tneighbour\tweight\nP1\tP2\tlots\n");
    let err = dir
        .command()
        .args(EVALUATE_RESPONSES)
        .args([
            "--observed",
            "4",
            "--predictors",
            "consensus",
            "--neighbours",
            "bad.tsv",
            "--out",
            "o",
        ])
        .assert_failure();
    assert!(err.contains("loading --neighbours: bad.tsv:2: column `weight`: expected a finite number ≥ 0, got \"lots\""), "{err}");
    let err = dir
        .command()
        .args(EVALUATE_RESPONSES)
        .args([
            "--observed",
            "4",
            "--predictors",
            "graph",
            "--graph",
            "undirected-edges:missing.tsv",
            "--out",
            "o",
        ])
        .assert_failure();
    assert!(
        err.contains("loading --graph undirected-edges:missing.tsv"),
        "{err}"
    );
});

/// The shared K562 signatures and the `--graph` spec of STRING v12, or `None` (test skipped)
/// without ../shared/data.
fn k562_and_string(test: &str) -> Option<(std::path::PathBuf, String)> {
    let shared = crate::util::shared_data(test)?;
    let data = shared
        .join("perturbseq/replogle2022_k562_signatures/k562_essential_up_ranked_top1000.csv.gz");
    let string = format!(
        "string:{}",
        shared.join("priors/string_v12_edges.tsv.gz").display()
    );
    Some((data, string))
}

mptest!(evaluate_on_shared_k562_signatures, |dir| {
    let Some((data, string)) = k562_and_string("evaluate_on_shared_k562_signatures") else {
        return;
    };
    let md = dir
        .command()
        .args([
            "evaluate",
            "--data",
            data.to_str().unwrap(),
            "--observed",
            "50",
            "--draws",
            "2",
            "--predictors",
            "mean,graph",
            "--graph",
            &string,
            "--out",
            "o",
            "-q",
        ])
        .stdout();
    assert!(
        md.contains("585 perturbations × 7225 genes, values: rank-score"),
        "{md}"
    );
    // PROVENANCE.md measured training mean 0.310 and STRING neighbours 0.352 (5 draws).
    let row = md
        .lines()
        .find(|l| l.starts_with("| pearson_delta ↑"))
        .unwrap();
    let means: Vec<f64> = row
        .split('|')
        .skip(2)
        .take(2)
        .map(|c| c.trim().split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert!((means[0] - 0.31).abs() < 0.01, "{row}");
    assert!(means[1] > means[0] + 0.02, "{row}");
});

mptest!(ridge_does_not_depend_on_the_openblas_thread_count, |dir| {
    // Ridge over STRING's embedding on K562 is large enough for OpenBLAS to split its work;
    // before mechpert pinned OpenBLAS to one thread, its values moved in the 8th digit between
    // OPENBLAS_NUM_THREADS=1 and 2.
    let Some((data, string)) =
        k562_and_string("ridge_does_not_depend_on_the_openblas_thread_count")
    else {
        return;
    };
    let metrics = |threads: &str| {
        let out = format!("t{threads}");
        dir.command()
            .env("OPENBLAS_NUM_THREADS", threads)
            .args(["evaluate", "--data"])
            .args([&data])
            .args(["--observed", "50", "--draws", "1", "--predictors", "ridge"])
            .args(["--graph", &string, "--out", &out, "-q"])
            .stdout();
        std::fs::read_to_string(dir.path().join(out).join("metrics.csv")).unwrap()
    };
    let one = metrics("1");
    assert!(one.contains(",ridge,pearson_delta,"), "{one}");
    assert_eq!(one, metrics("2"));
});

mptest!(evaluate_reads_the_table_mechpert_consensus_writes, |dir| {
    setup(&dir);
    dir.create(
        "agents.toml",
        "[consensus]\ntau = 1\n[[agent]]\nbackend = \"knowledge\"\nname = \"ring\"\ngraph = \"edges:graph.tsv\"\n",
    );
    dir.command()
        .args([
            "consensus",
            "--data",
            "screen.csv",
            "--values",
            "response",
            "--no-aliases",
            "--agents",
            "agents.toml",
            "--out",
            "ring.tsv",
            "-q",
        ])
        .stdout();
    let md = dir
        .command()
        .args(EVALUATE_RESPONSES)
        .args([
            "--observed",
            "4",
            "--draws",
            "3",
            "--predictors",
            "consensus",
            "--neighbours",
            "ring.tsv",
            "--out",
            "o",
            "-q",
        ])
        .stdout();
    // The ring P0 → P1 → P2 → P3 → P0 (and P4 … P7): every gene has one regulator.
    assert!(
        md.contains("`ring.tsv`: 8 regulator → target edges over 8 genes"),
        "{md}"
    );
    let fallbacks = md.lines().find(|l| l.starts_with("| n_fallback")).unwrap();
    let consensus: f64 = fallbacks
        .split('|')
        .nth(3)
        .unwrap()
        .trim()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        consensus < 4.0,
        "some queries have an observed regulator: {fallbacks}"
    );
});

mptest!(
    evaluate_agents_gives_the_metrics_of_consensus_then_neighbours,
    |dir| {
        setup(&dir);
        dir.create(
        "agents.toml",
        "[consensus]\ntau = 1\n[[agent]]\nbackend = \"knowledge\"\nname = \"ring\"\ngraph = \"edges:graph.tsv\"\n",
    );
        let common = [
            "--data",
            "screen.csv",
            "--values",
            "response",
            "--no-aliases",
            "-q",
        ];
        dir.command()
            .args(["consensus"])
            .args(common)
            .args(["--agents", "agents.toml", "--out", "ring.tsv"])
            .stdout();
        let evaluate = [
            "evaluate",
            "--observed",
            "4",
            "--draws",
            "3",
            "--predictors",
            "consensus",
        ];
        dir.command()
            .args(evaluate)
            .args(common)
            .args(["--neighbours", "ring.tsv", "--out", "two_step"])
            .stdout();
        let md = dir
            .command()
            .args(evaluate)
            .args(common)
            .args(["--agents", "agents.toml", "--out", "one_step"])
            .stdout();
        assert!(
            md.contains("from agents `agents.toml` (1 agents, τ 1, weighting sum-over-agents): 8 regulator → target edges over 8 genes"),
            "{md}"
        );
        let read =
            |d: &str| std::fs::read_to_string(dir.path().join(d).join("metrics.csv")).unwrap();
        assert_eq!(read("one_step"), read("two_step"));
        // --agents and --neighbours are alternatives.
        let err = dir
            .command()
            .args(evaluate)
            .args(common)
            .args([
                "--agents",
                "agents.toml",
                "--neighbours",
                "ring.tsv",
                "--out",
                "x",
            ])
            .assert_exit(2);
        assert!(err.contains("cannot be used with"), "{err}");
    }
);

mptest!(the_committed_k562_benchmark_reproduces_exactly, |dir| {
    let Some(shared) = crate::util::shared_data("the_committed_k562_benchmark_reproduces_exactly")
    else {
        return;
    };
    // The committed results/k562/metrics.csv, recomputed for the fast predictors with the same
    // draws: every value must be identical to the last digit.
    let data = shared
        .join("perturbseq/replogle2022_k562_signatures/k562_essential_up_ranked_top1000.csv.gz");
    let string = shared.join("priors/string_v12_edges.tsv.gz");
    dir.command()
        .args(["evaluate", "--data"])
        .args([&data])
        .args([
            "--observed",
            "50",
            "--draws",
            "10",
            "--seed",
            "1",
            "--predictors",
            "mean,graph,consensus",
        ])
        .args(["--neighbours"])
        .args([crate::util::repo().join("results/k562/knowledge_consensus.tsv")])
        .args([format!("--graph=string:{}", string.display())])
        .args(["--out", "k562", "-q"])
        .stdout();
    let fresh = std::fs::read_to_string(dir.path().join("k562/metrics.csv")).unwrap();
    let committed =
        std::fs::read_to_string(crate::util::repo().join("results/k562/metrics.csv")).unwrap();
    let committed: std::collections::HashSet<&str> = committed.lines().collect();
    let mut compared = 0;
    for line in fresh.lines().skip(1) {
        assert!(
            committed.contains(line),
            "not in the committed results/k562/metrics.csv: {line}"
        );
        compared += 1;
    }
    assert_eq!(
        compared,
        10 * 3 * 10,
        "10 draws × 3 predictors × (9 metrics + n_fallback)"
    );
});

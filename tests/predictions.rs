//! `mechpert evaluate` outputs a user takes elsewhere: per_perturbation.csv, the splits
//! (--write-split, --split) and the predictions as AnnData (--predictions), read back with
//! Python's anndata; and the manners around them (--force, missing folders, defaults).

use crate::util::Dir;

/// A wide expression screen with a control row: eight perturbations in two modules over six
/// genes, and a graph linking module members.
fn setup(dir: &Dir) {
    let a = [3.0, 2.0, 1.0, 0.0, -1.0, -2.0];
    let b = [-2.0, 0.0, 1.0, 3.0, -1.0, 2.0];
    let mut csv = String::from("perturbation,g1,g2,g3,g4,g5,g6\nnon-targeting,1,1.5,1,2,1,1\n");
    for p in 0..8 {
        let base = if p < 4 { a } else { b };
        let row: Vec<String> = base
            .iter()
            .enumerate()
            .map(|(g, v)| format!("{}", 4.0 + v + 0.25 * ((p * 7 + g * 3) % 5) as f64))
            .collect();
        csv.push_str(&format!("P{p},{}\n", row.join(",")));
    }
    dir.create("screen.csv", csv);
    let mut graph = String::from("source\ttarget\tweight\n");
    for p in 0..8 {
        let q = p / 4 * 4 + (p + 1) % 4;
        graph.push_str(&format!("P{p}\tP{q}\t1\n"));
    }
    dir.create("graph.tsv", graph);
}

const RUN: [&str; 9] = [
    "evaluate",
    "--data",
    "screen.csv",
    "--no-aliases",
    "--graph",
    "undirected-edges:graph.tsv",
    "--predictors",
    "graph,ridge,graph:shrunk",
    "-q",
];

/// `evaluate` on the screen, names as written.
const EVALUATE: [&str; 4] = ["evaluate", "--data", "screen.csv", "--no-aliases"];

/// Three observed perturbations, two draws.
const DRAWS: [&str; 4] = ["--observed", "3", "--draws", "2"];

/// Rows of a CSV after its header, split at commas.
fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

mptest!(
    per_perturbation_rows_average_to_metrics_and_splits_replay,
    |dir| {
        setup(&dir);
        dir.command()
            .args(RUN)
            .args(DRAWS)
            .args(["--out", "results/new/a", "--write-split", "splits/a.csv"])
            .stdout();
        let per =
            std::fs::read_to_string(dir.path().join("results/new/a/per_perturbation.csv")).unwrap();
        assert!(
            per.starts_with("draw,predictor,perturbation,metric,value\n"),
            "{per}"
        );
        let metrics =
            std::fs::read_to_string(dir.path().join("results/new/a/metrics.csv")).unwrap();
        let per = rows(&per);
        // 2 draws × 4 predictors × 5 queries × 9 metrics.
        assert_eq!(per.len(), 2 * 4 * 5 * 9);
        let mut compared = 0;
        for m in rows(&metrics)
            .iter()
            .filter(|r| r[2] != "n_fallback" && r[2] != "alpha" && r[2] != "knob")
        {
            let values: Vec<f64> = per
                .iter()
                .filter(|r| r[0] == m[0] && r[1] == m[1] && r[3] == m[2])
                .map(|r| r[4].parse().unwrap())
                .collect();
            assert_eq!(values.len(), 5, "{m:?}");
            let mean = values.iter().sum::<f64>() / 5.0;
            let expected: f64 = m[3].parse().unwrap();
            assert!(
                (mean - expected).abs() <= 1e-12 * expected.abs().max(1.0),
                "{m:?}: {mean}"
            );
            compared += 1;
        }
        assert_eq!(compared, 2 * 4 * 9);
        // Each draw: 3 train and 5 test perturbations, all of the screen, none twice.
        let split = std::fs::read_to_string(dir.path().join("splits/a.csv")).unwrap();
        assert!(split.starts_with("draw,perturbation,split\n"), "{split}");
        for draw in ["0", "1"] {
            let of = |role: &str| {
                rows(&split)
                    .into_iter()
                    .filter(|r| r[0] == draw && r[2] == role)
                    .map(|r| r[1].clone())
                    .collect::<Vec<_>>()
            };
            let (train, test) = (of("train"), of("test"));
            assert_eq!((train.len(), test.len()), (3, 5), "{split}");
            let mut all: Vec<String> = train.into_iter().chain(test).collect();
            all.sort();
            assert_eq!(all, (0..8).map(|p| format!("P{p}")).collect::<Vec<_>>());
        }
        // The same splits read back give the same numbers, whatever --seed says.
        dir.command()
            .args(RUN)
            .args(["--split", "splits/a.csv", "--seed", "99", "--out", "b"])
            .stdout();
        let again = std::fs::read_to_string(dir.path().join("b/metrics.csv")).unwrap();
        let strip = |t: &str| -> Vec<String> {
            // ridge's embedding follows --seed; compare the predictors that have no randomness.
            t.lines()
                .filter(|l| !l.contains(",ridge,"))
                .map(String::from)
                .collect()
        };
        assert_eq!(strip(&again), strip(&metrics));
        let summary = std::fs::read_to_string(dir.path().join("b/summary.md")).unwrap();
        assert!(
            summary.contains("splits: 2 draws read from `splits/a.csv`"),
            "{summary}"
        );
    }
);

mptest!(labels_with_commas_stay_one_field_in_every_table, |dir| {
    // A combination label `A,B` (quoted in the screen) must stay one CSV field in
    // per_perturbation.csv and the split file, and the split must read back.
    dir.create(
        "screen.csv",
        "perturbation,g1,g2,g3\nnon-targeting,1,1,1\n\"A,B\",2,0,1\nC,0,2,1\nD,1,3,0\nE,2,2,2\n",
    );
    dir.command()
        .args(EVALUATE)
        .args(["--observed", "2", "--draws", "1", "--predictors", "mean"])
        .args(["--out", "a", "--write-split", "split.csv", "-q"])
        .stdout();
    for (file, fields) in [("a/per_perturbation.csv", 5), ("split.csv", 3)] {
        let mut table = csv::Reader::from_path(dir.path().join(file)).unwrap();
        let labels: Vec<String> = table
            .records()
            .map(|r| {
                let r = r.unwrap();
                assert_eq!(r.len(), fields, "{file}: {r:?}");
                r[if fields == 5 { 2 } else { 1 }].to_string()
            })
            .collect();
        assert!(labels.iter().any(|l| l == "A,B"), "{file}: {labels:?}");
    }
    dir.command()
        .args(EVALUATE)
        .args([
            "--predictors",
            "mean",
            "--split",
            "split.csv",
            "--out",
            "b",
            "-q",
        ])
        .stdout();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("b/metrics.csv")).unwrap(),
        std::fs::read_to_string(dir.path().join("a/metrics.csv")).unwrap()
    );
});

mptest!(predictions_are_anndata_that_python_reads_back, |dir| {
    let Some(python) = crate::util::python("predictions_are_anndata_that_python_reads_back") else {
        return;
    };
    setup(&dir);
    dir.command()
        .args(RUN)
        .args(DRAWS)
        .args([
            "--out",
            "out",
            "--write-split",
            "split.csv",
            "--predictions",
            "pred",
        ])
        .stdout();
    let mut files: Vec<String> = dir
        .listing()
        .into_iter()
        .filter(|f| f.starts_with("pred/"))
        .collect();
    files.sort();
    let mut expected = Vec::new();
    for d in 0..2 {
        for p in ["graph", "graph_shrunk", "mean", "real", "ridge"] {
            expected.push(format!("pred/draw{d}/{p}.h5ad"));
        }
    }
    assert_eq!(files, expected);
    let said = crate::util::run_python(
        &python,
        "read_predictions.py",
        &["screen.csv", "split.csv", "pred"],
        dir.path(),
    );
    assert_eq!(said.trim(), "ok 10");
    // mechpert reads its own predictions back as a screen: five perturbations and the control.
    let json = dir
        .command()
        .args(["inspect", "pred/draw1/graph.h5ad", "--no-aliases", "--json"])
        .stdout();
    assert!(json.contains("\"perturbations\":5"), "{json}");
});

mptest!(existing_results_are_kept_unless_forced, |dir| {
    setup(&dir);
    let run = |extra: &[&str]| {
        let mut cmd = dir.command();
        cmd.args(RUN).args(DRAWS).args(extra);
        if !extra.contains(&"--out") {
            cmd.args(["--out", "out"]);
        }
        cmd
    };
    run(&[]).stdout();
    let before = std::fs::read_to_string(dir.path().join("out/metrics.csv")).unwrap();
    let stderr = run(&["--seed", "5"]).assert_exit(2);
    assert!(
        stderr.contains("out/metrics.csv already exists: pass --force to replace it"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/metrics.csv")).unwrap(),
        before
    );
    run(&["--seed", "5", "--force"]).stdout();
    assert_ne!(
        std::fs::read_to_string(dir.path().join("out/metrics.csv")).unwrap(),
        before
    );
    // A --predictions file that exists is refused before any work, too.
    dir.create("p/draw0/mean.h5ad", "old");
    let stderr = run(&["--predictions", "p", "--out", "other"]).assert_exit(2);
    assert!(
        stderr.contains("p/draw0/mean.h5ad already exists"),
        "{stderr}"
    );
});

mptest!(observed_mistakes_name_the_flag_and_the_limit, |dir| {
    setup(&dir);
    let mut cmd = dir.command();
    let stderr = cmd
        .args([
            "evaluate",
            "--data",
            "screen.csv",
            "--observed",
            "0",
            "--out",
            "o",
        ])
        .assert_exit(2);
    assert!(
        stderr.contains(
            "--observed <N>': expected a whole number of observed perturbations ≥ 1, got \"0\""
        ),
        "{stderr}"
    );
    let stderr = dir
        .command()
        .args(EVALUATE)
        .args(["--observed", "8", "--out", "o"])
        .assert_exit(2);
    assert!(
        stderr.contains("--observed 8 leaves nothing to predict: screen.csv has 8 perturbations, so --observed can be at most 7"),
        "{stderr}"
    );
    dir.create("bad_split.csv", "perturbation,split\nP1,train\nP9,test\n");
    let stderr = dir
        .command()
        .args(EVALUATE)
        .args(["--split", "bad_split.csv", "--out", "o"])
        .assert_exit(1);
    assert!(
        stderr.contains("reading --split bad_split.csv: bad_split.csv:3: column `perturbation`: \"P9\" is not a perturbation of the screen"),
        "{stderr}"
    );
});

mptest!(
    default_predictors_fit_what_was_given_and_logs_carry_no_colour,
    |dir| {
        setup(&dir);
        let (stdout, stderr) = dir
            .command()
            .args([
                "evaluate",
                "--data",
                "screen.csv",
                "--no-aliases",
                "--observed",
                "3",
                "--draws",
                "2",
            ])
            .args(["--graph", "undirected-edges:graph.tsv", "--out", "o"])
            .both(0);
        assert!(
        stderr.contains("skipping predictors consensus, similarity: consensus and similarity need --neighbours or --agents"),
        "{stderr}"
    );
        assert!(
            !stderr.contains('\x1b'),
            "escape codes in a log that is not a terminal: {stderr:?}"
        );
        let metrics = std::fs::read_to_string(dir.path().join("o/metrics.csv")).unwrap();
        let mut predictors: Vec<&str> = metrics
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap())
            .collect();
        predictors.dedup();
        assert_eq!(predictors[..3], ["mean", "graph", "ridge"], "{stdout}");
    }
);

mptest!(evaluate_with_agents_equals_consensus_then_evaluate, |dir| {
    // The pool's six regulators as perturbations of a response table over six genes.
    let mut csv = String::from("perturbation,g1,g2,g3,g4,g5,g6\n");
    for (i, p) in crate::util::POOL.iter().enumerate() {
        let row: Vec<String> = (0..6)
            .map(|g| {
                format!(
                    "{}",
                    ((i * 5 + g * 3) % 7) as f64 - 3.0 + 0.5 * (i % 2) as f64
                )
            })
            .collect();
        csv.push_str(&format!("{p},{}\n", row.join(",")));
    }
    dir.create("screen.csv", csv);
    crate::consensus::knowledge(&dir, "");
    let common = [
        "--data",
        "screen.csv",
        "--values",
        "response",
        "--predictors",
        "consensus,similarity",
        "--observed",
        "3",
        "--draws",
        "4",
        "-q",
    ];
    let settings = ["--tau", "1", "--weighting", "borda"];
    dir.command()
        .args(["consensus", "--data", "screen.csv", "--values", "response"])
        .args(["--agents", "agents.toml", "--out", "two_step.tsv"])
        .args(settings)
        .stdout();
    dir.command()
        .args(["evaluate", "--neighbours", "two_step.tsv", "--out", "a"])
        .args(common)
        .stdout();
    let one_step = dir
        .command()
        .args(["evaluate", "--agents", "agents.toml", "--out", "b"])
        .args(common)
        .args(settings)
        .stdout();
    // τ 1 with Borda keeps five edges (hand-counted in consensus.rs), majority three.
    assert!(
        one_step.contains("τ 1, weighting borda): 5 regulator → target edges"),
        "{one_step}"
    );
    let read = |d: &str| std::fs::read_to_string(dir.path().join(d).join("metrics.csv")).unwrap();
    let (a, b) = (read("a"), read("b"));
    assert_eq!(a.lines().count(), b.lines().count());
    for (x, y) in a.lines().zip(b.lines()).skip(1) {
        let (xs, ys): (Vec<&str>, Vec<&str>) = (x.split(',').collect(), y.split(',').collect());
        assert_eq!(xs[..3], ys[..3]);
        let (u, v): (f64, f64) = (xs[3].parse().unwrap(), ys[3].parse().unwrap());
        // The table stores weights to 4 decimals; the one-step run keeps them exact.
        assert!((u - v).abs() < 1e-3, "{x} vs {y}");
    }
    let default = dir
        .command()
        .args(["evaluate", "--agents", "agents.toml", "--out", "c"])
        .args(common)
        .stdout();
    assert!(
        default.contains("τ majority, weighting sum-over-agents): 3 regulator → target edges"),
        "{default}"
    );
});

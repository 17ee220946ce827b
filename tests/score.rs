//! `mechpert score`: predictions made anywhere, scored against a measured screen, checked
//! against cell-eval 0.8.2 on the same AnnData files.

use std::collections::HashMap;

mptest!(
    score_matches_cell_eval_and_names_what_did_not_align,
    |dir| {
        let Some(python) =
            crate::util::python("score_matches_cell_eval_and_names_what_did_not_align")
        else {
            return;
        };
        let reference = crate::util::run_python(&python, "score_reference.py", &["."], dir.path());
        let (stdout, stderr) = dir
            .command()
            .args([
                "score",
                "--pred",
                "pred.h5ad",
                "--real",
                "real.h5ad",
                "--no-aliases",
            ])
            .args([
                "--out",
                "scores/s.csv",
                "--metrics",
                "pearson_delta,mse,discrimination_l1",
            ])
            .both(0);
        for line in [
            "- aligned: 5 perturbations × 30 genes",
            "- predicted but not measured (not scored): 1: XYZ",
            "- measured but not predicted (not scored): 1: G06",
            "- genes only in the predictions (ignored): 1: EXTRA",
        ] {
            assert!(stdout.contains(line), "{line}\n{stdout}");
        }
        assert!(
            stderr.contains("WARN") && stderr.contains("XYZ"),
            "{stderr}"
        );
        let ours: HashMap<(String, String), f64> =
            std::fs::read_to_string(dir.path().join("scores/s.csv"))
                .unwrap()
                .lines()
                .skip(1)
                .map(|l| {
                    let f: Vec<&str> = l.split(',').collect();
                    ((f[0].to_string(), f[1].to_string()), f[2].parse().unwrap())
                })
                .collect();
        assert_eq!(ours.len(), 5 * 3);
        let mut discrimination = Vec::new();
        for line in reference.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let expected: f64 = f[2].parse().unwrap();
            let got = ours[&(f[0].to_string(), f[1].to_string())];
            // f32 data on mechpert's side, f64 in cell-eval.
            assert!((got - expected).abs() < 1e-5, "{line}: mechpert {got}");
            if f[1] == "discrimination_l1" {
                discrimination.push(expected);
            }
        }
        assert_eq!(reference.lines().count(), 15);
        assert!(
            discrimination.iter().any(|&d| d < 1.0),
            "a case that discriminates: {discrimination:?}"
        );
    }
);

/// `score` of pred.csv against real.csv.
const SCORE: [&str; 5] = ["score", "--pred", "pred.csv", "--real", "real.csv"];

mptest!(score_refuses_what_it_cannot_score, |dir| {
    dir.create(
        "real.csv",
        "perturbation,a,b,c\nnon-targeting,1,1,1\nA,2,0,1\nB,0,2,3\n",
    );
    dir.create(
        "pred.csv",
        "perturbation,a,b,c\nnon-targeting,1,1,1\nX,2,0,1\n",
    );
    let stderr = dir
        .command()
        .args(SCORE)
        .args(["--no-aliases"])
        .assert_exit(1);
    assert!(
        stderr.contains("nothing to score: the predictions and the measured screen share 0 perturbations and 3 genes"),
        "{stderr}"
    );
    let stderr = dir
        .command()
        .args(SCORE)
        .args(["--metrics", "r2"])
        .assert_exit(2);
    assert!(
        stderr.contains("unknown metric `r2` in --metrics: expected pearson_delta,"),
        "{stderr}"
    );
    dir.create(
        "pred2.csv",
        "perturbation,c,a\nnon-targeting,1,1\nB,3,0\nA,1,2\n",
    );
    let stdout = dir
        .command()
        .args([
            "score",
            "--pred",
            "pred2.csv",
            "--real",
            "real.csv",
            "--no-aliases",
            "--metrics",
            "mse",
        ])
        .stdout();
    // A and B predicted exactly on the genes both files have (a, c): mse 0.
    assert!(stdout.contains("| mse | 0.0000 |"), "{stdout}");
    assert!(
        stdout.contains("genes only in the measured screen (ignored): 1: b"),
        "{stdout}"
    );
    dir.create("s.csv", "x");
    let stderr = dir
        .command()
        .args([
            "score",
            "--pred",
            "pred2.csv",
            "--real",
            "real.csv",
            "--no-aliases",
            "--out",
            "s.csv",
        ])
        .assert_exit(2);
    assert!(
        stderr.contains("s.csv already exists: pass --force"),
        "{stderr}"
    );
});

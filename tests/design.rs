//! `mechpert design`: the same picks as `plan`'s first round from the same state (one code
//! path), aliases in candidate lists, and bad input refused with nothing written.

use crate::util::Dir;

/// A small simulated screen split in two: `half.csv` (control and the first 100
/// perturbations, the screen so far), `first.txt` (their names) and `rest.txt` (the other 100),
/// beside `tests/plan.rs`'s full screen and noisy-truth agent panel.
fn halves(dir: &Dir) {
    crate::plan::screen(dir);
    let text = std::fs::read_to_string(dir.path().join("screen.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 202, "header, control, 200 perturbations");
    assert!(lines[1].starts_with("non-targeting,"));
    let name = |l: &&str| l.split(',').next().unwrap().to_string() + "\n";
    dir.create("half.csv", lines[..102].join("\n") + "\n");
    dir.create(
        "first.txt",
        lines[2..102].iter().map(name).collect::<String>(),
    );
    dir.create(
        "rest.txt",
        lines[102..].iter().map(name).collect::<String>(),
    );
}

const STRATEGIES: &str = "consensus,hubs,degree,pagerank,random,uncertainty,hybrid,diversity";

mptest!(
    design_picks_what_plan_round_one_picks_from_the_same_state,
    |dir| {
        halves(&dir);
        for seed in ["1", "3"] {
            let summary = dir
                .command()
                .args([
                    "design",
                    "--data",
                    "half.csv",
                    "--candidates",
                    "rest.txt",
                    "--targets",
                    "rest.txt",
                    "--agents",
                    "agents.toml",
                    "--graph",
                    "collectri",
                    "--strategy",
                    STRATEGIES,
                    "--budget",
                    "6",
                    "--seed",
                    seed,
                    "--out",
                    "next.csv",
                    "--predictions",
                    "pred.csv",
                ])
                .stdout();
            assert!(
                summary.contains("screen so far: half.csv (100 perturbations)"),
                "{summary}"
            );
            assert!(
                summary.contains("candidates: 100 named, 0 already in the screen"),
                "{summary}"
            );
            dir.command()
                .args([
                    "plan",
                    "--data",
                    "screen.csv",
                    "--agents",
                    "agents.toml",
                    "--graph",
                    "collectri",
                    "--initial",
                    "first.txt",
                    "--rounds",
                    "1",
                    "--batch",
                    "6",
                    "--seeds",
                    seed,
                    "--strategies",
                    STRATEGIES,
                    "--metrics",
                    "mse",
                    // design offers every unobserved gene: plan without a held-out test set.
                    "--test-fraction",
                    "0",
                    "--out",
                    "p",
                    "--force",
                    "-q",
                ])
                .stdout();
            let design = read_csv(&dir, "next.csv");
            let plan = read_csv(&dir, "p/picks.csv");
            // plan's seeds 1..=N: compare the last seed's round-1 picks.
            let from_plan: Vec<(String, String, String)> = plan
                .iter()
                .filter(|r| r["round"] == "1" && r["seed"] == seed)
                .map(|r| (r["strategy"].clone(), r["rank"].clone(), r["gene"].clone()))
                .collect();
            let from_design: Vec<(String, String, String)> = design
                .iter()
                .map(|r| (r["strategy"].clone(), r["rank"].clone(), r["gene"].clone()))
                .collect();
            assert_eq!(from_design.len(), 8 * 6);
            assert_eq!(from_design, from_plan, "seed {seed}");
            // The scores and rationales agree too, and cumulative coverage never decreases.
            for (d, p) in design.iter().zip(
                plan.iter()
                    .filter(|r| r["round"] == "1" && r["seed"] == seed),
            ) {
                assert_eq!(d["rationale"], p["rationale"]);
                assert_eq!(d["score"], p["score"]);
            }
            for w in design
                .windows(2)
                .filter(|w| w[0]["strategy"] == w[1]["strategy"])
            {
                let c = |r: &std::collections::HashMap<String, String>| {
                    r["cumulative_coverage"].parse::<f64>().unwrap()
                };
                assert!(c(&w[1]) >= c(&w[0]));
            }
            // Predictions: one row per unobserved candidate, the predictor named.
            let pred = read_csv(&dir, "pred.csv");
            assert_eq!(pred.len(), 100);
            assert!(pred.iter().all(|r| r["predictor"] == "consensus:shrunk"));
        }
    }
);

mptest!(design_maps_aliases_and_works_without_data, |dir| {
    dir.create("c.txt", "AML1\nE2F-1  # an alias with a comment\n\nFOXO3\n");
    let summary = dir
        .command()
        .args([
            "design",
            "--candidates",
            "c.txt",
            "--graph",
            "collectri",
            "--strategy",
            "degree",
            "--budget",
            "3",
            "--out",
            "next.csv",
        ])
        .stdout();
    assert!(summary.contains("screen so far: none"), "{summary}");
    let mut genes: Vec<String> = read_csv(&dir, "next.csv")
        .into_iter()
        .map(|r| r["gene"].clone())
        .collect();
    genes.sort();
    assert_eq!(genes, ["E2F1", "FOXO3", "RUNX1"]);
});

mptest!(design_refuses_bad_input_and_writes_nothing, |dir| {
    halves(&dir);
    dir.create("bad.txt", "AML1\nNOTAGENE1\nE2F-1\nXYZQ9\n");
    let base = [
        "design",
        "--data",
        "half.csv",
        "--agents",
        "agents.toml",
        "--out",
        "next.csv",
    ];
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["--candidates", "bad.txt", "--budget", "1"],
            1,
            "--candidates bad.txt: 2 name(s) are neither gene symbols or aliases known to the symbol table nor names in the screen: NOTAGENE1 (line 2), XYZQ9 (line 4)",
        ),
        (
            &["--candidates", "rest.txt", "--budget", "101"],
            2,
            "--budget 101 is larger than the 100 candidates left",
        ),
        (
            &[
                "--candidates",
                "rest.txt",
                "--exclude",
                "rest.txt",
                "--budget",
                "1",
            ],
            1,
            "no candidates left to pick: 100 candidate(s), 0 already in the screen, 100 in --exclude",
        ),
        (
            &["--candidates", "first.txt", "--budget", "1"],
            1,
            "100 candidate(s), 100 already in the screen, 0 in --exclude",
        ),
        (
            &["--strategy", "oracle", "--budget", "1"],
            2,
            "it is an upper bound for `plan`, not a design",
        ),
        (
            &["--strategy", "katz", "--budget", "1"],
            2,
            "unknown strategy `katz`: expected auto or one of anchors, anchors:per-target,",
        ),
    ];
    for (extra, code, message) in cases {
        let stderr = dir.command().args(base).args(*extra).assert_exit(*code);
        assert!(stderr.contains(message), "{extra:?}: {stderr}");
        assert!(
            !dir.path().join("next.csv").exists(),
            "{extra:?} wrote next.csv"
        );
    }
    let stderr = dir
        .command()
        .args([
            "design",
            "--candidates",
            "rest.txt",
            "--agents",
            "agents.toml",
            "--strategy",
        ])
        .args([
            "consensus,uncertainty",
            "--budget",
            "1",
            "--out",
            "next.csv",
        ])
        .assert_exit(2);
    assert!(
        stderr.contains("strategy `uncertainty` needs observed responses (--data SCREEN_SO_FAR); without data use anchors, anchors:per-target, anchors:symmetric, anchors:graph, anchors:facility, consensus, hubs, degree, pagerank, betweenness, eigenvector, closeness, random, diversity"),
        "{stderr}"
    );
    assert!(!dir.path().join("next.csv").exists());
});

fn read_csv(dir: &Dir, path: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(dir.path().join(path)).unwrap();
    let header = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            header
                .iter()
                .map(String::from)
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

/// A screen whose answer is known: 50 modules of 4 genes (the simulated screen's names), every
/// member of a module responding with the module's pattern (plus 1 % noise), and a consensus
/// that is exactly the modules. The first 30 modules are measured (`modules.csv`); the other 20
/// are the candidates. A pick informs its whole module, so covering modules (anchors) must beat
/// random picks and bootstrap uncertainty, which knows nothing about uncovered modules.
fn modules(dir: &Dir) {
    crate::plan::screen(dir);
    let text = std::fs::read_to_string(dir.path().join("screen.csv")).unwrap();
    let names: Vec<&str> = text
        .lines()
        .skip(2)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(names.len(), 200);
    let mut state = 12345u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let readouts = 30;
    let patterns: Vec<Vec<f64>> = (0..50)
        .map(|_| (0..readouts).map(|_| 2.0 * uniform()).collect())
        .collect();
    let mut screen = String::from("perturbation");
    for g in 0..readouts {
        screen.push_str(&format!(",R{g}"));
    }
    screen.push('\n');
    for (i, name) in names.iter().take(120).enumerate() {
        screen.push_str(name);
        for v in &patterns[i / 4] {
            screen.push_str(&format!(",{:.4}", v + 0.02 * uniform()));
        }
        screen.push('\n');
    }
    dir.create("modules.csv", screen);
    let mut tsv = String::from("target\tneighbour\tweight\tvotes\tagents\n");
    for m in 0..50 {
        for a in 0..4 {
            for b in 0..4 {
                if a != b {
                    tsv.push_str(&format!(
                        "{}\t{}\t1\t1\ttruth\n",
                        names[4 * m + a],
                        names[4 * m + b]
                    ));
                }
            }
        }
    }
    dir.create("modules.tsv", tsv);
}

mptest!(
    auto_backtests_and_picks_the_strategy_that_covers_the_modules,
    |dir| {
        modules(&dir);
        let summary = dir
            .command()
            .args([
                "design",
                "--data",
                "modules.csv",
                "--values",
                "response",
                "--neighbours",
                "modules.tsv",
                "--budget",
                "5",
                "--out",
                "next.csv",
            ])
            .stdout();
        assert!(
            summary.starts_with("strategy auto chose anchors: PearsonΔ"),
            "{summary}"
        );
        assert!(
        summary.contains("10 design rounds replayed inside the screen so far; each starts from 48 measured perturbations, picks 5 of 48 more"),
        "{summary}"
    );
        let scores = read_csv(&dir, "next.backtest.csv");
        // anchors, the three centralities (on the default CollecTRI), uncertainty and random.
        assert_eq!(scores.len(), 60, "6 strategies × 10 repeats");
        let mean = |s: &str| {
            let v: Vec<f64> = scores
                .iter()
                .filter(|r| r["strategy"] == s)
                .map(|r| r["pearson_delta"].parse().unwrap())
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!(mean("anchors") > mean("random") + 0.02, "{summary}");
        assert!(mean("anchors") > mean("uncertainty") + 0.02, "{summary}");
        // The picks are the winner's: five genes of five different unmeasured modules.
        let picks = read_csv(&dir, "next.csv");
        assert_eq!(picks.len(), 5);
        assert!(picks.iter().all(|r| r["strategy"] == "anchors"));
    }
);

mptest!(auto_without_data_is_anchors_and_stands_alone, |dir| {
    modules(&dir);
    dir.command()
        .args([
            "design",
            "--neighbours",
            "modules.tsv",
            "--budget",
            "3",
            "--out",
            "next.csv",
        ])
        .stdout();
    let picks = read_csv(&dir, "next.csv");
    assert!(picks.iter().all(|r| r["strategy"] == "anchors"));
    let stderr = dir
        .command()
        .args([
            "design",
            "--neighbours",
            "modules.tsv",
            "--strategy",
            "auto,random",
            "--budget",
            "3",
            "--out",
            "other.csv",
        ])
        .assert_exit(2);
    assert!(
        stderr.contains("strategy `auto` chooses one strategy by itself"),
        "{stderr}"
    );
    assert!(!dir.path().join("other.csv").exists());
});

mptest!(
    design_and_plan_work_with_only_a_screen_and_say_which_knowledge_they_used,
    |dir| {
        let renge = crate::util::repo().join("experiments/data/embedded/renge_ipsc.h5ad");
        let renge = renge.to_str().unwrap();
        let (summary, stderr) = dir
            .command()
            .args(["design", "--data", renge, "--budget", "5"])
            .both(0);
        assert!(
            stderr
                .contains("the consensus comes from the bundled knowledge panel (--agents bundled"),
            "{stderr}"
        );
        assert!(
            summary.contains("consensus neighbours from the bundled"),
            "{summary}"
        );
        assert!(summary.starts_with("strategy auto chose "), "{summary}");
        let picks = read_csv(&dir, "next_screen.csv");
        assert_eq!(picks.len(), 5, "{summary}");
        assert!(picks.iter().all(|r| r["strategy"] == picks[0]["strategy"]));

        let (headline, stderr) = dir.command().args(["plan", "--data", renge]).both(0);
        for said in [
            "the consensus comes from the bundled knowledge panel",
            "rank genes on the bundled CollecTRI graph (--graph collectri)",
            // 23 perturbations: 2 to start, 5 rounds of 2 keeps 11 to score on.
            "2 random perturbations to start (a different set per seed), then 5 rounds of 2; 12 of the screen's 23",
        ] {
            assert!(stderr.contains(said), "{said} not in\n{stderr}");
        }
        assert!(headline.contains("final budget 12"), "{headline}");
        let config = std::fs::read_to_string(dir.path().join("results/plan/config.toml")).unwrap();
        assert!(config.contains("agents = \"bundled\""), "{config}");
        assert!(config.contains("graph = \"collectri\""), "{config}");
        assert!(config.contains("initial = \"random:2\""), "{config}");
        let run: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("results/plan/run.json")).unwrap(),
        )
        .unwrap();
        assert!(
            run["knowledge"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l.as_str().unwrap().contains("bundled knowledge panel")),
            "{run}"
        );
        // The rerun from the written config needs no other file either.
        dir.command()
            .args([
                "plan",
                "--config",
                "results/plan/config.toml",
                "--out",
                "again",
                "-q",
            ])
            .stdout();
        assert_eq!(
            std::fs::read(dir.path().join("results/plan/rounds.csv")).unwrap(),
            std::fs::read(dir.path().join("again/rounds.csv")).unwrap()
        );

        // What is still missing is named for the strategy asked for only.
        dir.create("n.tsv", "target\tneighbour\tweight\tvotes\tagents\n");
        let stderr = dir
            .command()
            .args([
                "design",
                "--data",
                renge,
                "--budget",
                "2",
                "--neighbours",
                "n.tsv",
            ])
            .args(["--strategy", "hubs,degree", "--out", "h.csv"])
            .assert_exit(2);
        assert!(
            stderr.contains("strategy hubs needs --agents TOML"),
            "{stderr}"
        );
        assert!(stderr.contains("experiments/agents/"), "{stderr}");
        assert!(!stderr.contains("degree"), "{stderr}");
    }
);

//! Reading screens as people have them: semicolon CSV, stricter sniffing that says what it
//! assumed, and `inspect` listing the names the alias table did not know.

mptest!(semicolon_csv_is_read_and_inspect_says_why, |dir| {
    dir.create(
        "semi.csv",
        "perturbation;MYC;TP53;FOOBAR1\nnon-targeting;1;2;3\nGATA1;2;2;2.5\nNOTAGENE9;1;1;1\n",
    );
    let stdout = dir
        .command()
        .args(["inspect", "semi.csv", "--unmapped"])
        .stdout();
    for want in [
        "perturbations     2",
        "genes measured    3",
        "control profile   measured",
        "read as           wide because the header has no `rank`/`gene` pair",
        "semicolon-separated",
        "unmapped genes (1):\n  FOOBAR1\n",
        "unmapped perturbations (1):\n  NOTAGENE9\n",
    ] {
        assert!(stdout.contains(want), "{want}\n{stdout}");
    }
    let json = dir
        .command()
        .args(["inspect", "semi.csv", "--json"])
        .stdout();
    assert!(
        json.contains(r#""unmapped":{"genes":["FOOBAR1"],"perturbations":["NOTAGENE9"]}"#),
        "{json}"
    );
    // The semicolon table scores perfectly against itself.
    let score = dir
        .command()
        .args([
            "score",
            "--pred",
            "semi.csv",
            "--real",
            "semi.csv",
            "--metrics",
            "mse",
        ])
        .stdout();
    assert!(score.contains("| mse | 0.0000 |"), "{score}");
});

mptest!(a_single_ranking_is_not_taken_for_a_screen, |dir| {
    dir.create("pagerank.csv", "rank,gene,score\n1,MYC,0.5\n2,TP53,0.3\n");
    let stderr = dir
        .command()
        .args(["inspect", "pagerank.csv"])
        .assert_failure();
    assert!(
        stderr.contains("pagerank.csv: columns `rank`, `gene`, `score` hold `rank` and `gene` but no perturbation column"),
        "{stderr}"
    );
    assert!(
        stderr.contains("a single gene ranking is not a screen"),
        "{stderr}"
    );
    // Named explicitly, the same columns are read.
    dir.create(
        "ranked.csv",
        "target_gene,rank,gene\nMYC,1,TP53\nMYC,2,GATA1\n",
    );
    let stdout = dir.command().args(["inspect", "ranked.csv"]).stdout();
    assert!(stdout.contains("read as           ranked because the header has `rank` and `gene` columns; comma-separated"), "{stdout}");
});

mptest!(raw_counts_are_refused_or_normalised_like_scanpy, |dir| {
    let Some(python) = crate::util::python("raw_counts_are_refused_or_normalised_like_scanpy")
    else {
        return;
    };
    crate::util::run_python(&python, "write_counts.py", &["."], dir.path());
    let stderr = dir
        .command()
        .args(["inspect", "counts.h5ad", "--no-aliases"])
        .assert_failure();
    assert!(
        stderr.contains(
            "counts.h5ad: HDF5 `/X`: holds raw counts (every value a whole number, the largest"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("or pass --normalize log1p-cp10k"),
        "{stderr}"
    );
    // Normalised per cell, then averaged: numpy's log1p(10⁴ x / Σx) group means, to f32.
    dir.command()
        .args([
            "score",
            "--pred",
            "counts.h5ad",
            "--real",
            "expected.csv",
            "--no-aliases",
        ])
        .args([
            "--normalize",
            "log1p-cp10k",
            "--metrics",
            "mse",
            "--out",
            "s.csv",
        ])
        .stdout();
    let scores = std::fs::read_to_string(dir.path().join("s.csv")).unwrap();
    let values: Vec<f64> = scores
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(values.len(), 2, "{scores}");
    assert!(values.iter().all(|&v| v < 1e-10), "{scores}");
});

mptest!(a_bare_graph_path_names_the_kinds_that_read_it, |dir| {
    crate::evaluate::setup(&dir);
    dir.create("links.txt", "P0 P1\nP1 P2\n");
    let eval = [
        "evaluate",
        "--data",
        "screen.csv",
        "--values",
        "response",
        "--no-aliases",
        "--observed",
        "4",
        "--predictors",
        "graph",
        "--out",
        "o",
    ];
    let commands: [&[&str]; 3] = [
        &["priors", "stats"],
        &eval,
        &["simulate", "--out", "s.csv", "--network"],
    ];
    for command in commands {
        let flag = if command[0] == "simulate" {
            &[][..]
        } else {
            &["--graph"][..]
        };
        let run = |path: &str| {
            let mut args: Vec<&str> = command.to_vec();
            args.extend_from_slice(flag);
            args.push(path);
            dir.command().args(&args).assert_exit(2)
        };
        // graph.tsv has a `source, target, weight` header: only the parsers that read a header
        // with those names fit, never the headerless TRRUST or GMT ones.
        let err = run("graph.tsv");
        assert!(
            err.contains("graph \"graph.tsv\" is a file but not a graph spec"),
            "{command:?}: {err}"
        );
        assert!(
            err.contains("KIND:graph.tsv with KIND one of collectri,"),
            "{err}"
        );
        assert!(err.contains(", edges, undirected-edges"), "{err}");
        assert!(!err.contains("trrust") && !err.contains("gmt"), "{err}");
        let err = run("links.txt");
        assert!(
            err.contains("no kind reads edges from its first lines: write KIND:links.txt"),
            "{command:?}: {err}"
        );
    }
});

mptest!(
    an_unreadable_agents_file_names_the_flag_and_what_it_expects,
    |dir| {
        crate::evaluate::setup(&dir);
        std::fs::create_dir(dir.path().join("agents")).unwrap();
        for command in [
            &["consensus", "--values", "response", "--out", "o.tsv"][..],
            &[
                "evaluate",
                "--values",
                "response",
                "--observed",
                "4",
                "--out",
                "o",
            ][..],
        ] {
            for path in ["agents", "none.toml"] {
                let mut args = command.to_vec();
                args.extend(["--data", "screen.csv", "--no-aliases", "--agents", path]);
                let err = dir.command().args(&args).assert_exit(2);
                let why = if path == "agents" {
                    "directory"
                } else {
                    "No such file"
                };
                assert!(
                    err.contains(&format!("--agents {path}: cannot read (")),
                    "{command:?}: {err}"
                );
                assert!(err.contains(why), "{err}");
                assert!(
                    err.contains("expected a TOML file of [[agent]] tables"),
                    "{err}"
                );
            }
        }
    }
);

mptest!(
    evaluate_help_lists_every_metric_it_writes_with_units,
    |dir| {
        crate::evaluate::setup(&dir);
        let mut args = crate::evaluate::FULL_RUN.to_vec();
        args.extend(["--predictors", "mean", "--out", "out"]);
        dir.command().args(&args).stdout();
        let csv = std::fs::read_to_string(dir.path().join("out/metrics.csv")).unwrap();
        let help = dir.command().args(["evaluate", "--help"]).stdout();
        // Every quality metric of the mean predictor's rows has its own help line with a range.
        let metrics: std::collections::BTreeSet<&str> = csv
            .lines()
            .skip(1)
            .filter(|l| l.split(',').nth(1) == Some("mean"))
            .map(|l| l.split(',').nth(2).unwrap())
            .filter(|m| *m != "n_fallback")
            .collect();
        assert!(metrics.len() >= 8, "{metrics:?}");
        for m in metrics {
            let line = help
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{m} ")))
                .unwrap_or_else(|| panic!("{m} missing from evaluate --help:\n{help}"));
            assert!(
                line.contains("[-1, 1]") || line.contains("[0, 1]") || line.contains("squared"),
                "{line}"
            );
        }
    }
);

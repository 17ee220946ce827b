//! Reading screens as people have them: semicolon CSV, decimal commas, NA cells and sparse long
//! tables (`--missing`), stricter sniffing that says what it assumed, and `inspect` listing the
//! names the alias table did not know.

use std::collections::BTreeMap;

use crate::util::Dir;

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
    let eval: Vec<&str> = crate::evaluate::EVALUATE_RESPONSES
        .into_iter()
        .chain(["--observed", "4", "--predictors", "graph", "--out", "o"])
        .collect();
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

/// `score --metrics mse --no-aliases` of `pred` against `real` with extra reading flags:
/// perturbation → mse.
fn mse_per_perturbation(
    dir: &Dir,
    pred: &str,
    real: &str,
    flags: &[&str],
) -> BTreeMap<String, f64> {
    let out = format!("{pred}.scores.csv");
    dir.command()
        .args(["score", "--pred", pred, "--real", real, "--no-aliases"])
        .args(["--metrics", "mse", "--force", "--out", &out])
        .args(flags)
        .stdout();
    let text = std::fs::read_to_string(dir.path().join(&out)).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f[1], "mse", "{text}");
            (f[0].to_string(), f[2].parse().unwrap())
        })
        .collect()
}

fn assert_mse(got: &BTreeMap<String, f64>, want: &[(&str, f64)]) {
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (p, v) in want {
        assert!((got[*p] - v).abs() < 1e-6, "{p}: want {v}, got {got:?}");
    }
}

/// Writes `name`, runs `inspect name --no-aliases FLAGS`, expects exit `code` and every `want`
/// in stderr.
fn inspect_refuses(
    dir: &Dir,
    name: &str,
    contents: &str,
    flags: &[&str],
    code: i32,
    want: &[&str],
) {
    dir.create(name, contents);
    let err = dir
        .command()
        .args(["inspect", name, "--no-aliases"])
        .args(flags)
        .assert_exit(code);
    for w in want {
        assert!(err.contains(w), "{w}\n{err}");
    }
}

/// `inspect --json --no-aliases` of a file: its gene count and mean |response|, checked.
fn assert_inspected(
    dir: &Dir,
    name: &str,
    flags: &[&str],
    genes: u64,
    mean_abs: f64,
) -> serde_json::Value {
    let stdout = dir
        .command()
        .args(["inspect", name, "--json", "--no-aliases"])
        .args(flags)
        .stdout();
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["genes"], genes, "{v}");
    let got = v["mean_abs_response"].as_f64().unwrap();
    assert!(
        (got - mean_abs).abs() < 1e-6,
        "mean |response| {mean_abs}: {v}"
    );
    v
}

/// metrics.csv of `evaluate` (the small two-module screen's run) on `data`.
fn evaluate_metrics(dir: &Dir, data: &str, flags: &[&str]) -> String {
    let mut args = crate::evaluate::FULL_RUN.to_vec();
    args[2] = data;
    let out = format!("out_{}", data.replace('.', "_"));
    dir.command()
        .args(&args)
        .args(flags)
        .args(["--out", &out])
        .stdout();
    std::fs::read_to_string(dir.path().join(out).join("metrics.csv")).unwrap()
}

/// The evaluate suite's screen with each line's fields rewritten by `edit(line, fields)`.
fn edited_screen(dir: &Dir, name: &str, edit: &dyn Fn(usize, Vec<&str>) -> Vec<String>) {
    let screen = std::fs::read_to_string(dir.path().join("screen.csv")).unwrap();
    let text: String = screen
        .lines()
        .enumerate()
        .map(|(i, l)| edit(i, l.split(',').collect()).join(",") + "\n")
        .collect();
    dir.create(name, text);
}

/// `edited_screen` that replaces single cells: (line, field, text).
fn screen_with_cells(dir: &Dir, name: &str, cells: &'static [(usize, usize, &'static str)]) {
    edited_screen(dir, name, &|i, mut row| {
        for &(line, field, text) in cells {
            if line == i {
                row[field] = text;
            }
        }
        row.into_iter().map(String::from).collect()
    });
}

mptest!(
    na_cells_are_refused_naming_the_cell_the_count_and_the_fix,
    |dir| {
        inspect_refuses(
            &dir,
            "na.csv",
            "perturbation,MYC,GATA1,TP53\nctrl,1,1,1\nKLF1,0.5,NA,2\nSPI1,,3,1\n",
            &[],
            1,
            &[
                "loading screen: na.csv:3: column `GATA1`: \"NA\" is a missing value; 2 of 9 values missing, in 2 of 3 genes",
                "pass --missing drop-genes to leave those genes out, or --missing zero",
                "(pandas: df.fillna(0) or df.dropna(axis=1))",
            ],
        );
        // Every missing token counts, in any case; the first one met is named, here an empty cell
        // in a control row.
        inspect_refuses(
            &dir,
            "tokens.csv",
            "perturbation,g1,g2,g3,g4,g5,g6\nctrl,,1,1,1,1,1\nA,na,NaN,n/a,#N/A,NULL,1\n",
            &[],
            1,
            &[
                "tokens.csv:2: column `g1`: an empty cell is a missing value; 6 of 12 values missing, in 5 of 6 genes",
            ],
        );
        // Anything else that is not a number is still an error naming the cell.
        inspect_refuses(
            &dir,
            "dash.csv",
            "perturbation,g1\nctrl,1\nA,-\n",
            &["--missing", "drop-genes"],
            1,
            &["dash.csv:3: column `g1`: expected a number, got \"-\""],
        );
    }
);

mptest!(
    missing_zero_is_no_change_and_refused_for_expression,
    |dir| {
        let na = "perturbation,g1,g2,g3\nA,1,NA,2\nB,,1,-1\n";
        dir.create("na.csv", na);
        dir.create("real.csv", "perturbation,g1,g2,g3\nA,1,1,1\nB,1,1,1\n");
        // A = (1, 0, 2), B = (0, 1, −1) against (1, 1, 1): mse (0 + 1 + 1)/3 and (1 + 0 + 4)/3.
        let zero = ["--values", "response", "--missing", "zero"];
        assert_mse(
            &mse_per_perturbation(&dir, "na.csv", "real.csv", &zero),
            &[("A", 2.0 / 3.0), ("B", 5.0 / 3.0)],
        );
        // Expression is the default for a wide table, and a 0 there is not "no change": a usage
        // error before anything is read.
        let expr = format!("{na}ctrl,1,1,1\n");
        for values in [&[][..], &["--values", "expression"][..]] {
            let flags = [values, &["--missing", "zero"][..]].concat();
            inspect_refuses(
                &dir,
                "expr.csv",
                &expr,
                &flags,
                2,
                &[
                    "expr.csv: --missing zero reads a missing value as 0, which means \"no change\" only for values relative to control, but these are read as expression",
                    "pass --values response or --values z-score",
                ],
            );
        }
        // End to end: evaluate on an NA cell read as 0 is evaluate on the table with 0 written in.
        crate::evaluate::setup(&dir);
        screen_with_cells(&dir, "screen_na.csv", &[(3, 4, "NA")]);
        screen_with_cells(&dir, "screen_0.csv", &[(3, 4, "0")]);
        let zeroed = evaluate_metrics(&dir, "screen_na.csv", &["--missing", "zero"]);
        assert_eq!(zeroed, evaluate_metrics(&dir, "screen_0.csv", &[]));
        assert_ne!(zeroed, evaluate_metrics(&dir, "screen.csv", &[]));
    }
);

mptest!(missing_drop_genes_leaves_those_genes_out, |dir| {
    dir.create("na.csv", "perturbation,g1,g2,g3\nA,1,NA,2\nB,,1,-1\n");
    dir.create("real.csv", "perturbation,g1,g2,g3\nA,1,1,1\nB,1,1,1\n");
    // Only g3 is complete: A (2 − 1)², B (−1 − 1)².
    let flags = ["--values", "response", "--missing", "drop-genes"];
    assert_mse(
        &mse_per_perturbation(&dir, "na.csv", "real.csv", &flags),
        &[("A", 1.0), ("B", 4.0)],
    );
    let v = assert_inspected(&dir, "na.csv", &flags, 1, 1.5);
    assert!(
        v["format_reason"].as_str().unwrap().ends_with(
            "; dropped 2 of 3 genes with missing values (--missing drop-genes): `g1`, `g2`"
        ),
        "{v}"
    );
    // Expression: a gene missing in the control row goes too; responses are profile − control:
    // A = (2, −1), B = (−1, 3), mean |response| 7/4.
    dir.create(
        "expr.csv",
        "perturbation,g1,g2,g3\nctrl,1,,2\nA,3,1,1\nB,0,1,5\n",
    );
    assert_inspected(&dir, "expr.csv", &["--missing", "drop-genes"], 2, 1.75);
    // When every gene has a gap none is left: say which row to remove.
    inspect_refuses(
        &dir,
        "holes.csv",
        "perturbation,g1,g2\nA,1,2\nB,NA,\nC,3,NA\n",
        &flags,
        1,
        &[
            "holes.csv: all 2 genes have a missing value, so --missing drop-genes leaves none; perturbation `B` misses the most (2 of 2): remove it from the table",
        ],
    );
    // End to end: evaluate with drop-genes is evaluate on the table without those columns:
    // g2 (field 2) has an empty cell in P1's row (line 2), g5 (field 5) NaN in P6's (line 7).
    crate::evaluate::setup(&dir);
    screen_with_cells(&dir, "screen_na.csv", &[(2, 2, ""), (7, 5, "NaN")]);
    edited_screen(&dir, "screen_cut.csv", &|_, row| {
        row.into_iter()
            .enumerate()
            .filter(|(c, _)| *c != 2 && *c != 5)
            .map(|(_, v)| v.to_string())
            .collect()
    });
    assert_eq!(
        evaluate_metrics(&dir, "screen_na.csv", &["--missing", "drop-genes"]),
        evaluate_metrics(&dir, "screen_cut.csv", &[])
    );
});

mptest!(
    sparse_long_tables_need_missing_to_say_what_an_absent_pair_is,
    |dir| {
        let sparse = "perturbation,gene,value\nA,g1,1\nA,g2,3\nA,g3,2\nB,g1,-1\n";
        inspect_refuses(
            &dir,
            "sparse.csv",
            sparse,
            &["--values", "response"],
            1,
            &[
                "sparse.csv: perturbation `B` has no value for gene `g2`; 2 of 6 values missing, in 2 of 3 genes",
                "--missing drop-genes",
                "df.pivot(index=\"perturbation\", columns=\"gene\", values=\"value\").fillna(0)",
            ],
        );
        dir.create("real.csv", "perturbation,g1,g2,g3\nA,1,1,1\nB,1,1,1\n");
        // zero: B = (−1, 0, 0); A = (1, 3, 2) against (1, 1, 1): (0 + 4 + 1)/3, B (4 + 1 + 1)/3.
        let zero = ["--values", "response", "--missing", "zero"];
        assert_mse(
            &mse_per_perturbation(&dir, "sparse.csv", "real.csv", &zero),
            &[("A", 5.0 / 3.0), ("B", 2.0)],
        );
        // drop-genes: only g1 is in every perturbation.
        let drop = ["--values", "response", "--missing", "drop-genes"];
        assert_mse(
            &mse_per_perturbation(&dir, "sparse.csv", "real.csv", &drop),
            &[("A", 0.0), ("B", 4.0)],
        );
        // An NA value is missing like an absent pair, and is named with its line.
        let na_long = format!("{sparse}B,g3,NA\n");
        inspect_refuses(
            &dir,
            "na_long.csv",
            &na_long,
            &["--values", "response"],
            1,
            &["na_long.csv:6: column `value`: \"NA\" is a missing value; 2 of 6 values missing"],
        );
        assert_mse(
            &mse_per_perturbation(&dir, "na_long.csv", "real.csv", &zero),
            &[("A", 5.0 / 3.0), ("B", 2.0)],
        );
        // Control rows without a gene: the control is named; drop-genes leaves that gene out, and
        // A = (2 − 1, 0 − 1) over g1 and g3.
        let expr_long = "perturbation,gene,value\nctrl,g1,1\nctrl,g3,1\nA,g1,2\nA,g2,5\nA,g3,0\n";
        inspect_refuses(
            &dir,
            "expr_long.csv",
            expr_long,
            &[],
            1,
            &[
                "expr_long.csv: the control rows have no value for gene `g2`; 1 of 6 values missing, in 1 of 3 genes",
            ],
        );
        assert_inspected(&dir, "expr_long.csv", &["--missing", "drop-genes"], 2, 1.0);
    }
);

mptest!(decimal_commas_read_as_the_same_table_with_points, |dir| {
    let point =
        "perturbation,MYC,GATA1,TP53\nctrl,1.5,0.25,2\nKLF1,-0.25,1.75,2\nSPI1,3,0.5,1e-1\n";
    dir.create("point.csv", point);
    let comma = point.replace(',', ";").replace('.', ",");
    dir.create("comma.csv", &comma);
    dir.create("comma.tsv", comma.replace(';', "\t"));
    for file in ["comma.csv", "comma.tsv"] {
        // KLF1 = (−1.75, 1.5, 0), SPI1 = (1.5, 0.25, −1.9): mean |response| 6.9/6.
        let v = assert_inspected(&dir, file, &[], 3, 6.9 / 6.0);
        assert!(
            v["format_reason"]
                .as_str()
                .unwrap()
                .ends_with("-separated, decimal commas"),
            "{v}"
        );
        assert_mse(
            &mse_per_perturbation(&dir, file, "point.csv", &[]),
            &[("KLF1", 0.0), ("SPI1", 0.0)],
        );
    }
    // End to end: evaluate reads the semicolon, decimal-comma export of its screen as the
    // original.
    crate::evaluate::setup(&dir);
    let screen = std::fs::read_to_string(dir.path().join("screen.csv")).unwrap();
    dir.create(
        "screen_comma.csv",
        screen.replace(',', ";").replace('.', ","),
    );
    assert_eq!(
        evaluate_metrics(&dir, "screen_comma.csv", &[]),
        evaluate_metrics(&dir, "screen.csv", &[])
    );
});

mptest!(mixed_decimal_marks_are_refused_naming_both_cells, |dir| {
    inspect_refuses(
        &dir,
        "mixed.csv",
        "perturbation;MYC;GATA1\nctrl;1;1\nKLF1;1,5;-0,25\nSPI1;2;1.5\n",
        &[],
        1,
        &[
            "mixed.csv:4: column `GATA1`: expected a decimal comma like the first number with a fraction (line 3, column `MYC`: \"1,5\"), got \"1.5\"",
        ],
    );
    // A comma-separated table has no decimal commas: a quoted "1,5" is not a number.
    inspect_refuses(
        &dir,
        "quoted.csv",
        "perturbation,MYC\nctrl,1\nKLF1,\"1,5\"\n",
        &[],
        1,
        &["quoted.csv:3: column `MYC`: expected a number, got \"1,5\""],
    );
});

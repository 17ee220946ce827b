//! `mechpert simulate`: the physics of the model (through the library), determinism and the
//! command's outputs and errors (through the binary).

use std::collections::VecDeque;

use mechpert::priors::Graph;
use mechpert::progress::Silent;
use mechpert::sim::{self, Model, Preset, SimParams};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// A small-preset model over a synthetic network, with `tweak` applied to the knobs.
fn model(seed: u64, tweak: impl FnOnce(&mut SimParams)) -> Model {
    let mut p = SimParams::preset(Preset::Small);
    tweak(&mut p);
    let p = p.check().unwrap();
    let background = sim::background::official_symbols();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let graph: Graph = sim::synthetic::network(&p, &background, &mut rng);
    Model::build(&p, &graph, &background, &mut rng, &Silent).unwrap()
}

/// Genes reachable from gene `k` along network edges (k included).
fn reachable(model: &Model, k: usize) -> Vec<bool> {
    let n = model.network().genes().len();
    let mut seen = vec![false; n];
    let mut queue = VecDeque::from([k]);
    seen[k] = true;
    while let Some(g) = queue.pop_front() {
        for e in model.network().edges() {
            if e.regulator as usize == g && !seen[e.target as usize] {
                seen[e.target as usize] = true;
                queue.push_back(e.target as usize);
            }
        }
    }
    seen
}

/// Only the network: no cell noise, systematic shift, modules or off-network effects.
fn quiet(p: &mut SimParams) {
    p.noise = false;
    p.systematic_sd = 0.0;
    p.module_fraction = 0.0;
    p.off_network_fraction = 0.0;
}

#[test]
fn the_knocked_down_gene_responds_strongly_negatively() {
    // Modules off: the small preset's module responses (SD 0.3 per gene) are another term, and
    // with them 179 of 200 targets stay among their row's 10 most negative genes.
    let m = model(1, |p| p.module_fraction = 0.0);
    let screen = m.pseudobulk(&Silent).unwrap();
    let r = screen.response();
    let own: Vec<f32> = (0..r.nrows()).map(|p| r[[p, p]]).collect();
    let mean = own.iter().sum::<f32>() / own.len() as f32;
    // Direct effect −2κ with κ ~ Beta(8, 2): about −1.6 before feedback and noise.
    assert!(mean < -1.0, "mean own response {mean}");
    // Downstream genes can move as much (feedback, single-input targets), but the target stays
    // among the 1 % most negative genes of its row in almost every perturbation…
    let near_top = (0..r.nrows())
        .filter(|&p| r.row(p).iter().filter(|&&v| v < r[[p, p]]).count() < 10)
        .count();
    assert!(
        near_top as f64 >= 0.9 * r.nrows() as f64,
        "own gene among the 10 most negative in only {near_top} of {}",
        r.nrows()
    );
    // …and far below the spread of its row in almost all (a few have only a handful of cells).
    let far_below = (0..r.nrows())
        .filter(|&p| {
            let row = r.row(p);
            let sd = (row.iter().map(|v| v * v).sum::<f32>() / row.len() as f32).sqrt();
            r[[p, p]] < -3.0 * sd
        })
        .count();
    assert!(far_below as f64 >= 0.9 * r.nrows() as f64, "{far_below}");
    assert!(own.iter().all(|&v| v < 0.0));
}

#[test]
fn genes_without_a_path_from_the_target_move_only_by_the_shift() {
    // Everything but the network off: unreachable genes do not move at all.
    let m = model(2, quiet);
    let screen = m.pseudobulk(&Silent).unwrap();
    let mut unreachable = 0;
    let mut reached_and_moved = 0;
    for p in 0..screen.n_perturbations() {
        let reach = reachable(&m, p);
        for (g, &v) in screen.response().row(p).iter().enumerate() {
            if !reach[g] {
                assert_eq!(v, 0.0, "perturbation {p}, gene {g}");
                unreachable += 1;
            } else if g != p && v != 0.0 {
                reached_and_moved += 1;
            }
        }
    }
    assert!(unreachable > 100_000, "{unreachable}");
    assert!(
        reached_and_moved > 100,
        "the network propagates: {reached_and_moved}"
    );

    // With the systematic shift on, unreachable genes move by exactly the shift.
    let m = model(2, |p| {
        quiet(p);
        p.systematic_sd = 0.1;
    });
    let screen = m.pseudobulk(&Silent).unwrap();
    let mut shifted = 0;
    for p in 0..screen.n_perturbations() {
        let reach = reachable(&m, p);
        let shift = m.systematic().shift(p);
        for (g, &v) in screen.response().row(p).iter().enumerate() {
            if !reach[g] {
                assert!(
                    (f64::from(v) - shift[g]).abs() < 1e-5,
                    "perturbation {p}, gene {g}: {v} vs shift {}",
                    shift[g]
                );
                shifted += usize::from(shift[g] != 0.0);
            }
        }
    }
    assert!(shifted > 50_000, "the shift is on: {shifted}");
}

#[test]
fn responses_scale_linearly_with_knockdown_strength() {
    let one = model(3, |p| {
        quiet(p);
        p.knockdown_scale = 1.0;
    });
    let two = model(3, |p| {
        quiet(p);
        p.knockdown_scale = 2.0;
    });
    assert_eq!(one.efficiency(), two.efficiency());
    let (a, b) = (one.steady_state(), two.steady_state());
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (2.0 * x - y).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-12, "{worst}");
    // Responses are κ_p times the response to a full knockdown (κ = 1) through the same network.
    let full = vec![-1.0; one.efficiency().len()];
    let unit = sim::propagate::steady_state(one.network(), &full, &Silent).unwrap();
    let worst = (0..a.nrows())
        .flat_map(|p| {
            let k = one.efficiency()[p];
            a.row(p)
                .iter()
                .zip(unit.row(p))
                .map(move |(x, u)| (x - k * u).abs())
                .collect::<Vec<_>>()
        })
        .fold(0.0, f64::max);
    // Both series stop within 1e-10 (relative) of their limits.
    assert!(worst < 1e-8, "{worst}");
    // And the screen's responses double too (up to f32 rounding).
    let (sa, sb) = (
        one.pseudobulk(&Silent).unwrap(),
        two.pseudobulk(&Silent).unwrap(),
    );
    let worst = sa
        .response()
        .iter()
        .zip(sb.response())
        .map(|(x, y)| (2.0 * x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-5, "{worst}");
}

#[test]
fn pseudobulk_noise_shrinks_as_one_over_root_cells() {
    let m = model(4, |p| {
        p.systematic_sd = 0.0;
        p.module_fraction = 0.0;
        p.off_network_fraction = 0.0;
        p.baseline_log_sd = 0.0;
        p.cells_dispersion = 1.0;
        p.control_cells_mean = 1e7;
    });
    let screen = m.pseudobulk(&Silent).unwrap();
    let cells = screen.cells().unwrap();
    let sigma = m.baseline().cell_sd[0];
    let mut points = Vec::new();
    for (p, &n_cells) in cells.iter().enumerate() {
        let reach = reachable(&m, p);
        let noise: Vec<f64> = screen
            .response()
            .row(p)
            .iter()
            .zip(&reach)
            .filter(|(_, r)| !**r)
            .map(|(&v, _)| f64::from(v))
            .collect();
        let sd = (noise.iter().map(|v| v * v).sum::<f64>() / noise.len() as f64).sqrt();
        points.push((f64::from(n_cells).ln(), sd.ln()));
    }
    let n = points.len() as f64;
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let slope = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>()
        / points.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
    let intercept = my - slope * mx;
    assert!((slope + 0.5).abs() < 0.03, "slope {slope}");
    // At one cell the SD is the cell-level σ.
    assert!(
        (intercept - sigma.ln()).abs() < 0.1,
        "{intercept} vs ln σ {}",
        sigma.ln()
    );
}

#[test]
fn single_cells_average_to_the_expected_profile() {
    let m = model(5, |p| {
        p.perturbations = 20;
        p.genes = 300;
        p.cells_mean = 400.0;
        p.baseline_log_mean = 1.0;
        p.baseline_log_sd = 0.5;
    });
    let mut acc = mechpert::data::pseudobulk::Accumulator::new(21, 300);
    let mut labels = Vec::new();
    m.cells(&Silent, |batch| {
        labels.push(batch.label.clone());
        for c in 0..batch.n_cells() {
            let range = batch.indptr[c]..batch.indptr[c + 1];
            // Normalisation: ln(1 + 10⁴ y / Σ y) over the cell's counts.
            let total: u32 = batch.counts[range.clone()].iter().sum();
            for (&y, &z) in batch.counts[range.clone()]
                .iter()
                .zip(&batch.normalised[range.clone()])
            {
                let want = (1e4 * f64::from(y) / f64::from(total)).ln_1p() as f32;
                assert!((z - want).abs() <= 1e-6 * want, "{z} vs {want}");
            }
            assert!(batch.indices[range.clone()].windows(2).all(|w| w[0] < w[1]));
            let entries = batch.indices[range.clone()]
                .iter()
                .map(|&g| g as usize)
                .zip(batch.normalised[range].iter().copied());
            acc.add_sparse(labels.len() - 1, entries);
        }
        Ok::<(), ()>(())
    })
    .unwrap()
    .unwrap();
    assert_eq!(labels[0], sim::CONTROL_LABEL);
    assert_eq!(&labels[1..], m.perturbations());
    let bulk = acc.finish(0);
    assert_eq!(bulk.cells[1..], m.cell_counts().perturbed[..]);
    // The knocked-down gene falls in its own perturbation's cells, relative to control.
    let fell = (0..20)
        .filter(|&p| bulk.means[[p + 1, p]] < bulk.means[[0, p]])
        .count();
    assert!(fell >= 18, "{fell} of 20");
}

#[test]
fn the_same_seed_gives_the_same_model_and_another_seed_does_not() {
    let (a, b, c) = (model(6, |_| {}), model(6, |_| {}), model(7, |_| {}));
    assert_eq!(a.network().genes(), b.network().genes());
    assert_eq!(a.steady_state(), b.steady_state());
    assert_ne!(a.network().genes(), c.network().genes());
}

// ---- the binary ----

fn run(dir: &crate::util::Dir, args: &[&str], threads: &str) -> String {
    let mut cmd = dir.command();
    cmd.args(["simulate", "--network", "synthetic"]).args(args);
    cmd.env("RAYON_NUM_THREADS", threads);
    cmd.stdout()
}

mptest!(
    outputs_are_byte_identical_for_a_seed_at_any_thread_count,
    |dir| {
        for (name, threads, seed) in [("a", "1", "3"), ("b", "2", "3"), ("c", "2", "4")] {
            for ext in ["csv", "csv.gz", "h5ad"] {
                let out = format!("{name}.{ext}");
                let truth = format!("{name}.{}.truth.tsv", ext.replace('.', "_"));
                run(
                    &dir,
                    &["--seed", seed, "--out", &out, "--truth", &truth],
                    threads,
                );
            }
            run(
                &dir,
                &[
                    "--seed",
                    seed,
                    "--cells",
                    "--cells-mean",
                    "5",
                    "--out",
                    &format!("{name}.cells.h5ad"),
                ],
                threads,
            );
        }
        let read = |f: &str| std::fs::read(dir.path().join(f)).unwrap();
        for f in [
            "csv",
            "csv.gz",
            "h5ad",
            "cells.h5ad",
            "csv.truth.tsv",
            "csv.truth.knockdown.tsv",
        ] {
            let (a, b, c) = (
                read(&format!("a.{f}")),
                read(&format!("b.{f}")),
                read(&format!("c.{f}")),
            );
            assert!(a == b, "{f}: seed 3 differs between 1 and 2 threads");
            assert!(a != c, "{f}: seeds 3 and 4 give the same bytes");
        }
    }
);

mptest!(inspect_reads_every_output_with_the_expected_shapes, |dir| {
    let summary = run(
        &dir,
        &["--seed", "1", "--out", "s.csv", "--truth", "t.tsv"],
        "2",
    );
    assert!(summary.contains("perturbations     200"), "{summary}");
    assert!(
        summary.contains("wrote             t.knockdown.tsv"),
        "{summary}"
    );
    run(&dir, &["--seed", "1", "--out", "s.csv.gz"], "2");
    run(&dir, &["--seed", "1", "--out", "s.h5ad"], "2");
    run(&dir, &["--seed", "1", "--out", "c.h5ad", "--cells"], "2");
    let c: serde_json::Value =
        serde_json::from_str(&dir.command().args(["inspect", "--json", "c.h5ad"]).stdout())
            .unwrap();
    // "cells   N perturbed (…), M control" in the simulate summary.
    let perturbed_cells: u64 = summary
        .lines()
        .find(|l| l.trim_start().starts_with("cells"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(c["perturbations"], 200, "{c}");
    assert_eq!(c["genes"], 1000, "{c}");
    let control = c["control_cells"].as_u64().unwrap();
    assert!(
        summary.contains(&format!(", {control} control")),
        "{summary}"
    );
    assert_eq!(
        c["cells"].as_u64().unwrap(),
        perturbed_cells + control,
        "{c}"
    );
    for file in ["s.csv", "s.csv.gz", "s.h5ad"] {
        let v: serde_json::Value =
            serde_json::from_str(&dir.command().args(["inspect", "--json", file]).stdout())
                .unwrap();
        assert_eq!(v["perturbations"], 200, "{file}");
        assert_eq!(v["genes"], 1000, "{file}");
        assert_eq!(v["control"], true, "{file}");
        assert_eq!(v["unmapped_genes"], 0, "{file}");
    }
    let truth = std::fs::read_to_string(dir.path().join("t.tsv")).unwrap();
    let mut lines = truth.lines();
    assert_eq!(lines.next(), Some("regulator\ttarget\tweight\tmechanism"));
    let edges: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    assert!(edges.len() > 500, "{}", edges.len());
    assert!(
        edges
            .iter()
            .all(|e| e.len() == 4 && e[2].parse::<f64>().unwrap() != 0.0)
    );
    // Regulation edges first, then the module pairs (weight 1), both present in the small preset.
    let first_module = edges.iter().position(|e| e[3] == "module").unwrap();
    assert!(edges[..first_module].iter().all(|e| e[3] == "regulation"));
    assert!(
        edges[first_module..]
            .iter()
            .all(|e| e[3] == "module" && e[2] == "1")
    );
    let kd = std::fs::read_to_string(dir.path().join("t.knockdown.tsv")).unwrap();
    assert!(kd.starts_with("perturbation\tefficiency\n"));
    assert_eq!(kd.lines().count(), 201);
    assert!(kd.lines().skip(1).all(|l| {
        let k: f64 = l.split('\t').nth(1).unwrap().parse().unwrap();
        (0.0..=1.0).contains(&k)
    }));
});

mptest!(toml_and_flags_layer_over_the_preset, |dir| {
    dir.create(
        "sim.toml",
        "perturbations = 30\ngenes = 120\ncells_mean = 10.0\n",
    );
    let out = run(
        &dir,
        &["--config", "sim.toml", "--genes", "150", "--out", "s.csv"],
        "2",
    );
    assert!(out.contains("perturbations     30"), "{out}");
    assert!(out.contains("genes measured    150"), "{out}");
});

mptest!(usage_errors_name_what_was_expected, |dir| {
    dir.create("bad.toml", "genez = 3\n");
    let cases: &[(&[&str], &str)] = &[
        (&["--out", "s.tsv"], "expected .h5ad, .csv or .csv.gz"),
        (
            &["--out", "s.csv", "--cells"],
            "--cells writes single cells to .h5ad only",
        ),
        (
            &["--out", "s.h5ad", "--cells", "--noise", "false"],
            "single cells need noise = true",
        ),
        (
            &["--out", "s.csv", "--config", "bad.toml"],
            "unknown field `genez`",
        ),
        (
            &["--out", "s.csv", "--spectral-radius", "1.5"],
            "invalid spectral_radius = 1.5",
        ),
        (&["--out", "s.csv", "--genes", "10"], "invalid genes = 10"),
    ];
    for (args, expected) in cases {
        let mut cmd = dir.command();
        cmd.args(["simulate", "--network", "synthetic"]).args(*args);
        let err = cmd.assert_exit(2);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    assert!(
        dir.listing().iter().all(|f| f.ends_with(".toml")),
        "{:?}",
        dir.listing()
    );
});

/// Runs `mechpert simulate ARGS…` expecting exit `code`; checks stderr names `expected`.
fn fails(dir: &crate::util::Dir, args: &[&str], code: i32, expected: &str) {
    let err = dir
        .command()
        .args(["simulate"])
        .args(args)
        .assert_exit(code);
    assert!(err.contains(expected), "{args:?}: {err}");
}

mptest!(data_errors_name_the_file_or_the_shortfall, |dir| {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--out", "s.csv", "--config", "nope.toml"],
            "nope.toml: cannot read the configuration",
        ),
        (&["--out", "missing/s.csv"], "missing/s.csv: cannot write"),
        (
            &[
                "--out",
                "s.csv",
                "--genes",
                "30000",
                "--perturbations",
                "10",
            ],
            "cannot pick 30000 measured genes",
        ),
    ];
    for (args, expected) in cases {
        fails(
            &dir,
            &[&["--network", "synthetic"], *args].concat(),
            1,
            expected,
        );
    }
});

mptest!(
    the_default_network_is_collectri_and_perturbs_regulators_and_their_targets,
    |dir| {
        let out = dir
            .command()
            .args(["simulate", "--out", "s.csv", "--truth", "t.tsv"])
            .stdout();
        assert!(out.contains("network collectri"), "{out}");
        let truth = std::fs::read_to_string(dir.path().join("t.tsv")).unwrap();
        let regulation: Vec<(&str, &str)> = truth
            .lines()
            .skip(1)
            .filter(|l| l.ends_with("\tregulation"))
            .map(|l| {
                let mut f = l.split('\t');
                (f.next().unwrap(), f.next().unwrap())
            })
            .collect();
        assert!(regulation.len() > 1000, "{}", regulation.len());
        // pool_regulators = 0.3: the first 60 of the 200 perturbed genes are CollecTRI
        // regulators, every other one is a target of one of those 60.
        let kd = std::fs::read_to_string(dir.path().join("t.knockdown.tsv")).unwrap();
        let perturbed: Vec<&str> = kd
            .lines()
            .skip(1)
            .map(|l| l.split('\t').next().unwrap())
            .collect();
        assert_eq!(perturbed.len(), 200);
        let first: std::collections::HashSet<&str> = perturbed[..60].iter().copied().collect();
        for p in &perturbed[..60] {
            assert!(
                regulation.iter().any(|e| e.0 == *p),
                "{p} regulates nothing"
            );
        }
        for p in &perturbed[60..] {
            assert!(
                regulation.iter().any(|e| e.1 == *p && first.contains(e.0)),
                "{p} has no perturbed regulator"
            );
        }
    }
);

mptest!(a_user_edge_list_is_the_truth, |dir| {
    dir.create(
        "net.tsv",
        "source\ttarget\tsign\nGATA1\tKLF1\t1\nKLF1\tGATA1\t-1\nTAL1\tHBG1\t1\n",
    );
    dir.command()
        .args([
            "simulate",
            "--network",
            "edges:net.tsv",
            "--perturbations",
            "3",
            "--genes",
            "6",
            "--out",
            "s.csv",
            "--truth",
            "t.tsv",
        ])
        .stdout();
    let truth = std::fs::read_to_string(dir.path().join("t.tsv")).unwrap();
    let mut edges: Vec<(String, String, f64)> = truth
        .lines()
        .skip(1)
        .filter(|l| l.ends_with("\tregulation"))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].into(), f[1].into(), f[2].parse().unwrap())
        })
        .collect();
    edges.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let names: Vec<(&str, &str)> = edges.iter().map(|e| (e.0.as_str(), e.1.as_str())).collect();
    assert_eq!(
        names,
        [("GATA1", "KLF1"), ("KLF1", "GATA1"), ("TAL1", "HBG1")]
    );
    // Signs follow the file; every target has one input, so each weight is ±0.8 (the
    // GATA1 ⇄ KLF1 loop has ρ = 1 before rescaling to 0.8).
    let w: Vec<f64> = edges.iter().map(|e| e.2).collect();
    for (got, want) in w.iter().zip([0.8, -0.8, 0.8]) {
        assert!((got - want).abs() < 1e-9, "{w:?}");
    }
    let inspect = dir.command().args(["inspect", "--json", "s.csv"]).stdout();
    assert!(inspect.contains("\"perturbations\":3"), "{inspect}");
});

mptest!(network_errors_are_named, |dir| {
    fails(
        &dir,
        &["--network", "nope", "--out", "s.csv"],
        2,
        "unknown graph \"nope\"",
    );
    fails(
        &dir,
        &["--network", "nope", "--out", "s.csv"],
        2,
        "or `synthetic`",
    );
    dir.create("u.tsv", "source\ttarget\nA1BG\tTP53\n");
    let undirected = ["--network", "undirected-edges:u.tsv", "--out", "s.csv"];
    fails(&dir, &undirected, 1, "must be directed");
    let missing = ["--network", "edges:missing.tsv", "--out", "s.csv"];
    fails(&dir, &missing, 1, "missing.tsv");
});

mptest!(the_params_file_reproduces_the_run, |dir| {
    run(
        &dir,
        &[
            "--seed",
            "9",
            "--genes",
            "400",
            "--cells-mean",
            "12",
            "--out",
            "a.csv",
            "--truth",
            "t.tsv",
        ],
        "2",
    );
    let knobs = std::fs::read_to_string(dir.path().join("t.params.toml")).unwrap();
    assert!(
        knobs.contains("genes = 400") && knobs.contains("cells_mean = 12.0"),
        "{knobs}"
    );
    assert!(knobs.contains("--seed 9 --network synthetic"), "{knobs}");
    // Another preset underneath: the file sets every knob, so it does not matter.
    run(
        &dir,
        &[
            "--preset",
            "k562-like",
            "--config",
            "t.params.toml",
            "--seed",
            "9",
            "--out",
            "b.csv",
        ],
        "2",
    );
    let read = |f: &str| std::fs::read(dir.path().join(f)).unwrap();
    assert!(read("a.csv") == read("b.csv"));
});

/// Per-draw PearsonΔ of `predictor` in an evaluate `metrics.csv`.
fn per_draw(metrics: &str, predictor: &str) -> Vec<f64> {
    metrics
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[1] == predictor && f[2] == "pearson_delta").then(|| f[3].parse().unwrap())
        })
        .collect()
}

mptest!(
    truth_consensus_beats_the_mean_and_a_noisy_one_lies_between,
    |dir| {
        // Issue 10: on the calibrated small preset, a perfect truth agent's consensus (regulation
        // and module edges) beats the training mean over 8 paired draws, and three noisy-truth
        // agents (recall 0.6, fpr 0.005, majority) land between the two.
        dir.command()
            .args([
                "simulate", "--seed", "3", "--out", "s.csv", "--truth", "t.tsv",
            ])
            .stdout();
        let agent = |name: &str, extra: &str| {
            format!(
                "[[agent]]\nbackend = \"truth\"\nname = \"{name}\"\ntruth = \"t.tsv\"\nseed = 7\n{extra}"
            )
        };
        dir.create(
            "perfect.toml",
            agent("perfect", "recall = 1.0\nfpr = 0.0\n"),
        );
        dir.create(
            "noisy.toml",
            agent("noisy", "instances = 3\nrecall = 0.6\nfpr = 0.005\n"),
        );
        let mut scores = Vec::new();
        for name in ["perfect", "noisy"] {
            let (toml, table, out) = (
                format!("{name}.toml"),
                format!("{name}.tsv"),
                format!("eval_{name}"),
            );
            dir.command()
                .args([
                    "consensus",
                    "--data",
                    "s.csv",
                    "--agents",
                    &toml,
                    "--out",
                    &table,
                ])
                .stdout();
            dir.command()
                .args([
                    "evaluate",
                    "--data",
                    "s.csv",
                    "--observed",
                    "50",
                    "--draws",
                    "8",
                ])
                .args([
                    "--seed",
                    "1",
                    "--predictors",
                    "mean,consensus",
                    "--neighbours",
                    &table,
                ])
                .args(["--out", &out])
                .stdout();
            let metrics =
                std::fs::read_to_string(dir.path().join(out).join("metrics.csv")).unwrap();
            scores.push((per_draw(&metrics, "mean"), per_draw(&metrics, "consensus")));
        }
        let (mean, perfect) = &scores[0];
        let (same_mean, noisy) = &scores[1];
        assert_eq!(mean, same_mean, "both runs see the same draws");
        assert_eq!(mean.len(), 8);
        let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let test = mechpert::eval::wilcoxon::wilcoxon;
        // Exact two-sided test over 8 draws: p = 2/256 when every draw improves.
        for (better, worse, what) in [
            (perfect, mean, "perfect vs mean"),
            (noisy, mean, "noisy vs mean"),
            (perfect, noisy, "perfect vs noisy"),
        ] {
            let w = test(better, worse);
            assert!(
                w.pvalue < 0.05 && avg(better) > avg(worse),
                "{what}: {:.3} vs {:.3}, p = {}",
                avg(better),
                avg(worse),
                w.pvalue
            );
        }
        // The gain is not marginal: at least +10 % over the mean.
        assert!(avg(perfect) > 1.1 * avg(mean), "{perfect:?} vs {mean:?}");
    }
);

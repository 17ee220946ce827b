//! `mechpert plan`: the design loop on the real binary — outputs and their columns, sealed
//! held-out rows, thread-count determinism, SIGKILL and SIGINT with resume, configuration
//! errors named before any work, and the permuted-feedback control.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::Dir;

/// A small simulated screen (`screen.csv`, wide) with its truth and a noisy-truth panel.
pub(crate) fn screen(dir: &Dir) {
    dir.command()
        .args([
            "simulate",
            "--preset",
            "small",
            "--seed",
            "1",
            "--out",
            "screen.csv",
            "--truth",
            "truth.tsv",
        ])
        .stdout();
    dir.create(
        "agents.toml",
        "cell_context = \"simulated\"\nk = 20\n[[agent]]\nbackend = \"truth\"\nname = \"noisy\"\ntruth = \"truth.tsv\"\ninstances = 3\nrecall = 0.6\nfpr = 0.005\nseed = 7\n",
    );
}

const ALL: &str =
    "consensus,hubs,degree,pagerank,betweenness,random,uncertainty,diversity,hybrid,oracle";

pub(crate) fn plan_args<'a>(out: &'a str, strategies: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "plan",
        "--data",
        "screen.csv",
        "--agents",
        "agents.toml",
        "--graph",
        "collectri",
        "--strategies",
        strategies,
        "--seeds",
        "2",
        "--rounds",
        "3",
        "--batch",
        "4",
        "--out",
        out,
        "-q",
    ];
    // A flag in `extra` replaces the default above (list flags would otherwise add up).
    for pair in extra.chunks(2) {
        match a.iter().position(|x| *x == pair[0]) {
            Some(i)
                if pair.len() == 2 && pair[0].starts_with("--") && !pair[1].starts_with("--") =>
            {
                a[i + 1] = pair[1]
            }
            _ => a.extend_from_slice(pair),
        }
    }
    a
}

fn read(dir: &Dir, path: &str) -> String {
    std::fs::read_to_string(dir.path().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

mptest!(plan_writes_every_file_with_the_documented_columns, |dir| {
    screen(&dir);
    let stdout = dir.command().args(plan_args("run", ALL, &[])).stdout();
    assert!(
        stdout.contains("pearson_delta with consensus:shrunk over 2 seeds"),
        "{stdout}"
    );
    for f in [
        "rounds.csv",
        "picks.csv",
        "summary.md",
        "config.toml",
        "run.json",
    ] {
        assert!(dir.path().join("run").join(f).is_file(), "{f} missing");
    }
    assert!(
        !dir.path().join("run/.checkpoint").exists(),
        "checkpoint left behind"
    );
    let rounds = read(&dir, "run/rounds.csv");
    let mut lines = rounds.lines();
    assert_eq!(
        lines.next(),
        Some("strategy,seed,round,n_observed,predictor,metric,value")
    );
    // 10 strategies × 2 seeds × 3 rounds × 2 predictors × (4 metrics + n_fallback) + the
    // shrinkage's two fitted parameters for the consensus predictor.
    assert_eq!(lines.count(), 10 * 2 * 3 * (2 * 5 + 2));
    assert!(
        rounds.contains("consensus,1,3,12,consensus:shrunk,pearson_delta,"),
        "{rounds}"
    );
    assert!(
        rounds.contains("oracle,2,1,4,mean,n_fallback,0"),
        "{rounds}"
    );
    let picks = read(&dir, "run/picks.csv");
    assert_eq!(
        picks.lines().next(),
        Some(
            "strategy,seed,round,rank,gene,score,votes,confidence,coverage_gain,centrality,uncertainty,rationale"
        )
    );
    assert_eq!(picks.lines().count(), 1 + 10 * 2 * 3 * 4);
    // Picks within a job never repeat.
    let mut seen = std::collections::HashSet::new();
    for l in picks.lines().skip(1) {
        let f: Vec<&str> = l.splitn(6, ',').collect();
        assert!(
            seen.insert((f[0].to_string(), f[1].to_string(), f[4].to_string())),
            "{l}"
        );
    }
    assert!(picks.contains("uncertainty,1,1,1,"), "{picks}");
    assert!(
        picks.contains("nothing observed yet, so no model to be uncertain about"),
        "{picks}"
    );
    assert!(picks.contains("ORACLE (upper bound"), "{picks}");
    let summary = read(&dir, "run/summary.md");
    for needle in [
        "- dataset: `screen.csv` (200 perturbations × 1000 genes",
        "- seeds: 2 (1, 2)",
        "exact paired Wilcoxon",
        "| oracle (upper bound, reads held-out data) |",
        "## mse (lower is better)",
        "vs best centrality (",
    ] {
        assert!(summary.contains(needle), "{needle}\n{summary}");
    }
    let run: serde_json::Value = serde_json::from_str(&read(&dir, "run/run.json")).unwrap();
    assert_eq!(run["inputs"][0]["path"], "screen.csv");
    assert_eq!(run["inputs"][0]["sha256"].as_str().unwrap().len(), 64);
    assert!(run["stages"]["loop"]["wall_s"].as_f64().unwrap() > 0.0);
    // The resolved config reruns as it is and gives the same tables.
    dir.command()
        .args([
            "plan",
            "--config",
            "run/config.toml",
            "--out",
            "again",
            "-q",
        ])
        .stdout();
    assert_eq!(read(&dir, "again/rounds.csv"), rounds);
    assert_eq!(read(&dir, "again/picks.csv"), picks);
});

mptest!(the_thread_count_changes_no_byte, |dir| {
    screen(&dir);
    dir.command()
        .args(plan_args("t1", ALL, &["--threads", "1"]))
        .stdout();
    dir.command()
        .args(plan_args("t2", ALL, &["--threads", "2"]))
        .stdout();
    for f in ["rounds.csv", "picks.csv", "summary.md"] {
        assert_eq!(
            read(&dir, &format!("t1/{f}")),
            read(&dir, &format!("t2/{f}")),
            "{f}"
        );
    }
});

mptest!(
    held_out_rows_cannot_reach_any_strategy_but_the_oracle,
    |dir| {
        screen(&dir);
        let sealed =
            "consensus,hubs,degree,pagerank,betweenness,random,uncertainty,diversity,hybrid";
        dir.command().args(plan_args("real", sealed, &[])).stdout();
        // Every perturbation any job ever revealed keeps its row; every other row becomes noise.
        let picks = read(&dir, "real/picks.csv");
        let revealed: std::collections::HashSet<&str> = picks
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(4).unwrap())
            .collect();
        let original = read(&dir, "screen.csv");
        let mut corrupted = String::new();
        let mut state = 12345u64;
        let mut replaced = 0;
        for (i, line) in original.lines().enumerate() {
            let name = line.split(',').next().unwrap();
            if i == 0 || name == "non-targeting" || revealed.contains(name) {
                corrupted.push_str(line);
            } else {
                replaced += 1;
                corrupted.push_str(name);
                for _ in line.split(',').skip(1) {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    corrupted.push_str(&format!(
                        ",{:.4}",
                        (state >> 40) as f64 / (1u64 << 24) as f64 * 4.0 - 2.0
                    ));
                }
            }
            corrupted.push('\n');
        }
        assert!(replaced > 100, "only {replaced} rows replaced");
        dir.create("noise.csv", corrupted);
        let mut args = plan_args("noise", sealed, &[]);
        args[2] = "noise.csv";
        dir.command().args(args).stdout();
        assert_eq!(
            read(&dir, "noise/picks.csv"),
            picks,
            "a strategy read a held-out row"
        );
        // What the fitted models report depends on revealed rows only: fallbacks and the
        // shrinkage's α and knob are identical; the scores (against the noise) are not.
        let fitted = |path: &str| -> Vec<String> {
            read(&dir, path)
                .lines()
                .filter(|l| {
                    l.contains(",n_fallback,") || l.contains(",alpha,") || l.contains(",knob,")
                })
                .map(String::from)
                .collect()
        };
        assert_eq!(fitted("real/rounds.csv"), fitted("noise/rounds.csv"));
        assert_ne!(
            read(&dir, "real/rounds.csv"),
            read(&dir, "noise/rounds.csv")
        );
        // The oracle, which reads held-out rows, does see the difference.
        dir.command()
            .args(plan_args("o-real", "oracle", &[]))
            .stdout();
        let mut args = plan_args("o-noise", "oracle", &[]);
        args[2] = "noise.csv";
        dir.command().args(args).stdout();
        assert_ne!(
            read(&dir, "o-real/picks.csv"),
            read(&dir, "o-noise/picks.csv")
        );
    }
);

/// Waits until `path` exists (at most `limit`).
fn wait_for(path: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

mptest!(killed_runs_resume_to_identical_outputs, |dir| {
    screen(&dir);
    let strategies = "consensus,degree,random,uncertainty,hybrid";
    let longer = ["--rounds", "5", "--seeds", "3"];
    dir.command()
        .args(plan_args("whole", strategies, &longer))
        .stdout();
    for (attempt, delay_ms) in [40u64, 120, 300].into_iter().enumerate() {
        let out = format!("killed{attempt}");
        let mut child = dir
            .command()
            .args(plan_args(&out, strategies, &longer))
            .spawn();
        wait_for(
            &dir.path().join(&out).join(".checkpoint/config.toml"),
            Duration::from_secs(20),
        );
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let checkpoint = dir.path().join(&out).join(".checkpoint/config.toml");
        if checkpoint.exists() {
            dir.command()
                .args(["plan", "--resume", &out, "-q"])
                .stdout();
        } else {
            assert!(
                dir.path().join(&out).join("rounds.csv").exists(),
                "neither finished nor checkpointed"
            );
        }
        for f in ["rounds.csv", "picks.csv", "summary.md"] {
            assert_eq!(
                read(&dir, &format!("{out}/{f}")),
                read(&dir, &format!("whole/{f}")),
                "{out}/{f}"
            );
        }
    }
});

mptest!(sigint_checkpoints_says_how_to_resume_and_exits_130, |dir| {
    screen(&dir);
    let strategies = "consensus,degree,random,uncertainty,hybrid";
    let longer = ["--rounds", "6", "--seeds", "4", "--threads", "1"];
    dir.command()
        .args(plan_args("whole", strategies, &longer))
        .stdout();
    let mut args = plan_args("int", strategies, &longer);
    args.retain(|a| *a != "-q");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mechpert"));
    cmd.current_dir(dir.path())
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let first_job = dir.path().join("int/.checkpoint/consensus-seed1.json");
    assert!(
        wait_for(&first_job, Duration::from_secs(30)),
        "no checkpoint appeared"
    );
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(0) {
        eprintln!("SKIP sigint: the run finished before the signal arrived");
        return;
    }
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("continue with `mechpert plan --resume int`"),
        "{stderr}"
    );
    dir.command()
        .args(["plan", "--resume", "int", "-q"])
        .stdout();
    for f in ["rounds.csv", "picks.csv", "summary.md"] {
        assert_eq!(
            read(&dir, &format!("int/{f}")),
            read(&dir, &format!("whole/{f}")),
            "{f}"
        );
    }
});

mptest!(bad_settings_are_refused_before_any_work, |dir| {
    screen(&dir);
    let fails = |args: Vec<&str>, code: i32, expected: &str| {
        let stderr = dir.command().args(&args).assert_exit(code);
        assert!(
            stderr.contains(expected),
            "expected {expected:?} in\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    };
    fails(
        plan_args("o1", "consensus,central", &[]),
        2,
        "unknown strategy `central`: expected one of consensus, hubs, degree,",
    );
    fails(
        plan_args("o2", "random", &["--predictor", "knn"]),
        2,
        "unknown predictor `knn` in predictor: expected mean, consensus,",
    );
    fails(
        plan_args("o3", "random", &["--rounds", "3", "--batch", "70"]),
        2,
        "the budget of 210 perturbations (initial 0 + rounds [70, 70, 70]) leaves nothing to predict in a screen of 200: at most 199 can be observed",
    );
    fails(
        plan_args("o4", "degree", &["--graph", "nosuch:x.tsv"]),
        2,
        "nosuch",
    );
    fails(
        plan_args("o5", "random", &["--metrics", "r2"]),
        2,
        "unknown metric `r2`: expected one of pearson_delta,",
    );
    dir.create("bad.toml", "rounds = 2\nstrategy = [\"random\"]\n");
    fails(
        vec!["plan", "--config", "bad.toml", "--data", "screen.csv"],
        2,
        "unknown field `strategy`",
    );
    let stderr = dir
        .command()
        .args(["plan", "--config", "bad.toml", "--data", "screen.csv"])
        .assert_exit(2);
    assert!(
        stderr.contains("bad.toml") && stderr.contains("line 2"),
        "{stderr}"
    );
    dir.create("not-a-dir", "x");
    fails(
        plan_args("not-a-dir/out", "random", &[]),
        1,
        "--out not-a-dir/out: cannot create the folder",
    );
    // An existing, different run is kept unless --force.
    dir.command()
        .args(plan_args("kept", "random", &[]))
        .stdout();
    fails(
        plan_args("kept", "degree", &[]),
        2,
        "--out kept holds a different run",
    );
    dir.command()
        .args(plan_args("kept", "degree", &["--force"]))
        .stdout();
    assert!(read(&dir, "kept/picks.csv").contains("\ndegree,1,1,1,"));
    fails(
        vec!["plan", "--resume", "kept"],
        2,
        "--resume kept: no checkpoint there",
    );
    // Nothing was written for the refused runs.
    for out in ["o1", "o2", "o3", "o5"] {
        assert!(!dir.path().join(out).join("rounds.csv").exists(), "{out}");
    }
});

/// The value of `metric` for `predictor` in round `round` of every row of a `rounds.csv`.
fn round_values(rounds: &str, round: &str, predictor: &str, metric: &str) -> Vec<f64> {
    rounds
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[2] == round && f[4] == predictor && f[5] == metric).then(|| f[6].parse().unwrap())
        })
        .collect()
}

mptest!(
    permuted_feedback_trains_on_the_other_picks_truth_and_scores_the_truth,
    |dir| {
        // Two initial picks A and B can only swap responses. C's one consensus neighbour is A and
        // D's is B, so the raw consensus kNN predicts C with what A shows and D with what B shows;
        // E has none and gets the training mean (0.5, 0.5), which the swap leaves unchanged.
        dir.create(
            "tiny.csv",
            "gene,x,y\nA,1,0\nB,0,1\nC,1,0\nD,0,1\nE,0.5,0.5\n",
        );
        dir.create(
            "n.tsv",
            "target\tneighbour\tweight\tvotes\tagents\nC\tA\t1\t1\tk\nD\tB\t1\t1\tk\n",
        );
        dir.create("initial.txt", "A\nB\n");
        let run = |out: &str, feedback: &str| {
            dir.command()
                .args(["plan", "--data", "tiny.csv", "--values", "response"])
                .args(["--neighbours", "n.tsv"])
                .args(["--predictor", "consensus", "--strategies", "random"])
                .args(["--initial", "initial.txt", "--rounds", "1", "--batch", "1"])
                .args(["--seeds", "1", "--metrics", "mse", "--feedback", feedback])
                .args(["--out", out, "-q"])
                .stdout();
            read(&dir, &format!("{out}/rounds.csv"))
        };
        let truth = run("true", "true");
        let permuted = run("permuted", "permuted");
        // True feedback: C and D predicted exactly, E by the mean: MSE 0.
        assert_eq!(round_values(&truth, "0", "consensus", "mse"), [0.0]);
        // Permuted: C gets B's (0, 1) against its (1, 0), D the reverse: MSE (1 + 1 + 0) / 3.
        let got = round_values(&permuted, "0", "consensus", "mse");
        assert!((got[0] - 2.0 / 3.0).abs() < 1e-6, "{got:?}");
        // The training mean sees the same responses, reassigned: (0.5, 0.5) against C, D and E
        // gives MSE (0.25 + 0.25 + 0) / 3 either way.
        let mean = round_values(&permuted, "0", "mean", "mse");
        assert!((mean[0] - 1.0 / 6.0).abs() < 1e-6, "{mean:?}");
        assert_eq!(
            round_values(&truth, "0", "mean", "mse"),
            round_values(&permuted, "0", "mean", "mse")
        );
    }
);

/// random, degree and uncertainty planned twice on the shared screen: with true feedback into
/// `true/`, and with `--feedback FEEDBACK` into `out/`.
fn true_and_controlled_runs(dir: &crate::util::Dir, out: &str, feedback: &str) {
    screen(dir);
    let strategies = "random,degree,uncertainty";
    dir.command()
        .args(plan_args("true", strategies, &[]))
        .stdout();
    dir.command()
        .args(plan_args(out, strategies, &["--feedback", feedback]))
        .stdout();
}

/// The `strategy,seed,round,rank,gene` of every pick of `strategy` in `out/picks.csv`.
fn picked(dir: &crate::util::Dir, out: &str, strategy: &str) -> Vec<String> {
    read(dir, &format!("{out}/picks.csv"))
        .lines()
        .filter(|l| l.starts_with(&format!("{strategy},")))
        .map(|l| l.split(',').take(5).collect::<Vec<_>>().join(","))
        .collect()
}

mptest!(
    permuted_feedback_says_so_everywhere_reruns_and_leaves_blind_strategies_alone,
    |dir| {
        true_and_controlled_runs(&dir, "perm", "permuted");
        // Strategies that do not read feedback pick the same genes in the same order.
        let picked = |out: &str, strategy: &str| picked(&dir, out, strategy);
        for s in ["random", "degree"] {
            assert_eq!(picked("true", s).len(), 2 * 3 * 4, "{s}");
            assert_eq!(picked("true", s), picked("perm", s), "{s}");
        }
        // The predictor learns from what it is shown, so its scores move.
        let scores = |out: &str| {
            round_values(
                &read(&dir, &format!("{out}/rounds.csv")),
                "3",
                "consensus:shrunk",
                "pearson_delta",
            )
        };
        assert_ne!(scores("true"), scores("perm"));
        // Every output of the control says so; the default run's files are as before.
        assert!(read(&dir, "perm/summary.md").contains("- **feedback: permuted (control)"));
        assert!(read(&dir, "perm/run.json").contains("\"feedback\": \"permuted\""));
        assert!(read(&dir, "perm/config.toml").contains("feedback = \"permuted\""));
        let picks = read(&dir, "perm/picks.csv");
        assert!(
            picks
                .lines()
                .skip(1)
                .all(|l| l.contains("permuted feedback: shown another revealed gene's response")),
            "{picks}"
        );
        assert!(!read(&dir, "true/summary.md").contains("feedback"));
        assert!(!read(&dir, "true/config.toml").contains("feedback"));
        assert!(read(&dir, "true/run.json").contains("\"feedback\": \"true\""));
        // The control's config.toml reruns as is, to the same numbers.
        dir.command()
            .args([
                "plan",
                "--config",
                "perm/config.toml",
                "--out",
                "again",
                "-q",
            ])
            .stdout();
        assert_eq!(
            read(&dir, "perm/rounds.csv"),
            read(&dir, "again/rounds.csv")
        );
        assert_eq!(read(&dir, "perm/picks.csv"), read(&dir, "again/picks.csv"));
    }
);

mptest!(
    feedback_permuted_to_strategy_misleads_the_strategy_and_not_the_scored_predictor,
    |dir| {
        true_and_controlled_runs(&dir, "strat", "permuted-to-strategy");
        let rows = |out: &str, strategy: &str| -> Vec<String> {
            read(&dir, &format!("{out}/rounds.csv"))
                .lines()
                .filter(|l| l.starts_with(&format!("{strategy},")))
                .map(String::from)
                .collect()
        };
        let picked = |out: &str, strategy: &str| picked(&dir, out, strategy);
        // Strategies blind to feedback pick the same genes, and the scored predictors, trained
        // on the true responses, give exactly the numbers of the true run.
        for s in ["random", "degree"] {
            assert_eq!(picked("true", s), picked("strat", s), "{s}");
            // 2 seeds × 3 rounds × (run predictor, training mean) × 6 default metrics.
            assert_eq!(rows("true", s).len(), 2 * 3 * 2 * 6, "{s}");
            assert_eq!(rows("true", s), rows("strat", s), "{s}");
        }
        // The uncertainty strategy reads a model of the reassigned responses: it picks others.
        assert_ne!(
            picked("true", "uncertainty"),
            picked("strat", "uncertainty")
        );
        assert!(
            read(&dir, "strat/summary.md").contains("- **feedback: permuted-to-strategy (control)")
        );
        assert!(read(&dir, "strat/run.json").contains("\"feedback\": \"permuted-to-strategy\""));
        assert!(read(&dir, "strat/config.toml").contains("feedback = \"permuted-to-strategy\""));
    }
);

mptest!(a_bad_feedback_is_named_with_the_accepted_values, |dir| {
    screen(&dir);
    dir.create("fb.toml", "feedback = \"shuffled\"\n");
    let stderr = dir
        .command()
        .args([
            "plan",
            "--config",
            "fb.toml",
            "--data",
            "screen.csv",
            "--out",
            "o",
            "-q",
        ])
        .assert_exit(2);
    assert!(
        stderr.contains(
            "fb.toml: feedback `shuffled`: expected true, permuted or permuted-to-strategy"
        ),
        "{stderr}"
    );
    let stderr = dir
        .command()
        .args(plan_args("o", "random", &["--feedback", "shuffled"]))
        .assert_exit(2);
    assert!(
        stderr.contains("--feedback")
            && stderr.contains("[possible values: true, permuted, permuted-to-strategy]"),
        "{stderr}"
    );
    assert!(!dir.path().join("o").exists());
});

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

/// Asserts that `files` of the run folder `run` are those of `reference`, byte for byte.
fn assert_same_files(dir: &Dir, run: &str, reference: &str, files: &[&str]) {
    for f in files {
        assert_eq!(
            read(dir, &format!("{run}/{f}")),
            read(dir, &format!("{reference}/{f}")),
            "{run}/{f}"
        );
    }
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
    assert_same_files(&dir, "t1", "t2", &["rounds.csv", "picks.csv", "summary.md"]);
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
        let replaced = noisy_copy(&dir, "noise.csv", |name| !revealed.contains(name));
        assert!(replaced > 100, "only {replaced} rows replaced");
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

/// Writes `screen.csv` into `out` with the row of every perturbation `replace` names (never the
/// header or the control) replaced by seeded noise; returns how many rows it replaced.
fn noisy_copy(dir: &Dir, out: &str, replace: impl Fn(&str) -> bool) -> usize {
    let original = read(dir, "screen.csv");
    let mut corrupted = String::new();
    let mut state = 12345u64;
    let mut replaced = 0;
    for (i, line) in original.lines().enumerate() {
        let name = line.split(',').next().unwrap();
        if i == 0 || name == "non-targeting" || !replace(name) {
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
    dir.create(out, corrupted);
    replaced
}

/// The rows of a `rounds.csv` or `picks.csv` of seed `seed` (second column), header dropped.
fn of_seed<'t>(table: &'t str, seed: &str) -> Vec<&'t str> {
    table
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(1) == Some(seed))
        .collect()
}

mptest!(
    test_rows_are_never_picked_nor_seen_and_score_every_strategy_of_a_seed,
    |dir| {
        screen(&dir);
        let initial = ["--initial", "random:10"];
        let stdout = dir
            .command()
            .args(plan_args("real", ALL, &initial))
            .stdout();
        assert!(stdout.contains("test_set.csv"), "{stdout}");
        // One test set per seed: 20 % of 200, drawn per seed.
        let tests = read(&dir, "real/test_set.csv");
        assert_eq!(tests.lines().next(), Some("seed,gene"));
        let test_of = |seed: &str| -> std::collections::HashSet<String> {
            tests
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(','))
                .filter(|(s, _)| *s == seed)
                .map(|(_, gene)| gene.to_string())
                .collect()
        };
        let (t1, t2) = (test_of("1"), test_of("2"));
        assert_eq!((t1.len(), t2.len()), (40, 40));
        assert_ne!(t1, t2);
        // No strategy, the oracle and the initial set included, ever picks a test gene.
        let picks = read(&dir, "real/picks.csv");
        for l in picks.lines().skip(1) {
            let f: Vec<&str> = l.splitn(6, ',').collect();
            let test = if f[1] == "1" { &t1 } else { &t2 };
            assert!(!test.contains(f[4]), "a test gene was picked: {l}");
        }
        assert_eq!(picks.lines().count(), 1 + 10 * 2 * (10 + 3 * 4));
        let summary = read(&dir, "real/summary.md");
        assert!(
            summary.contains(
                "- scored after each round on a fixed test set of 40 perturbations per seed (20 %)"
            ),
            "{summary}"
        );
        let run: serde_json::Value = serde_json::from_str(&read(&dir, "real/run.json")).unwrap();
        assert_eq!(run["test_fraction"], 0.2);
        assert!(
            run["scored_on"]
                .as_str()
                .unwrap()
                .starts_with("a fixed test set of 40 perturbations per seed (20 %)")
        );
        assert!(read(&dir, "real/config.toml").contains("test_fraction = 0.2"));

        // Seed 1's test rows turned into noise: every strategy of seed 1, the oracle included,
        // picks the same genes and its refitted models report the same fallbacks and
        // shrinkage, so no test response reached a strategy or a predictor; every score of
        // seed 1 moves, so each is computed on the test rows.
        noisy_copy(&dir, "test-noise.csv", |name| t1.contains(name));
        let mut args = plan_args("test-noise", ALL, &initial);
        args[2] = "test-noise.csv";
        dir.command().args(args).stdout();
        let noisy_picks = read(&dir, "test-noise/picks.csv");
        assert_eq!(of_seed(&noisy_picks, "1"), of_seed(&picks, "1"));
        let rounds = read(&dir, "real/rounds.csv");
        let noisy_rounds = read(&dir, "test-noise/rounds.csv");
        let (real_1, noisy_1) = (of_seed(&rounds, "1"), of_seed(&noisy_rounds, "1"));
        assert_eq!(real_1.len(), noisy_1.len());
        for (a, b) in real_1.iter().zip(&noisy_1) {
            let fitted = [",n_fallback,", ",alpha,", ",knob,"]
                .iter()
                .any(|m| a.contains(m));
            if fitted {
                assert_eq!(a, b, "a fitted model saw a test row");
            } else if !a.contains(",mean,systema_pearson,") {
                // (The training mean is its own Systema reference: 0 whatever the truth.)
                assert_ne!(a, b, "a score did not read the test rows");
            }
        }

        // Every other row of seed 1 that no job of seed 1 revealed turned into noise: the
        // scores of every sealed strategy of seed 1 stay put, so the test rows are all that is
        // scored, for every strategy alike.
        let revealed_1: std::collections::HashSet<&str> = of_seed(&picks, "1")
            .iter()
            .map(|l| l.split(',').nth(4).unwrap())
            .collect();
        let replaced = noisy_copy(&dir, "rest-noise.csv", |name| {
            !t1.contains(name) && !revealed_1.contains(name)
        });
        assert!(replaced > 20, "only {replaced} rows replaced");
        let sealed = ALL.trim_end_matches(",oracle");
        let mut args = plan_args("rest-noise", sealed, &initial);
        args[2] = "rest-noise.csv";
        dir.command().args(args).stdout();
        let sealed_rows = |table: &str| -> Vec<String> {
            of_seed(table, "1")
                .into_iter()
                .filter(|l| !l.starts_with("oracle,"))
                .map(String::from)
                .collect()
        };
        assert_eq!(
            sealed_rows(&read(&dir, "rest-noise/rounds.csv")),
            sealed_rows(&rounds)
        );

        // Test fraction 0: today's protocol, said so, and no test set.
        dir.command()
            .args(plan_args(
                "remainder",
                "random",
                &["--test-fraction", "0", "--seeds", "1"],
            ))
            .stdout();
        assert!(
            read(&dir, "remainder/summary.md")
                .contains("- scored after each round on the perturbations not yet picked\n")
        );
        assert_eq!(read(&dir, "remainder/test_set.csv"), "seed,gene\n");
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
    use std::os::unix::process::ExitStatusExt;
    screen(&dir);
    let strategies = "consensus,degree,random,uncertainty,hybrid";
    let longer = ["--rounds", "5", "--seeds", "3"];
    dir.command()
        .args(plan_args("whole", strategies, &longer))
        .stdout();
    // SIGKILL once this many of the 15 jobs have checkpointed a round: early, midway, late.
    // The jobs without a checkpoint are still to run, so the kill always lands mid-run.
    for (attempt, started) in [1usize, 6, 12].into_iter().enumerate() {
        let out = format!("killed{attempt}");
        let checkpoint = dir.path().join(&out).join(".checkpoint");
        let mut child = dir
            .command()
            .args(plan_args(&out, strategies, &longer))
            .spawn();
        let start = Instant::now();
        let saved_jobs = || {
            std::fs::read_dir(&checkpoint).map_or(0, |d| {
                d.filter(|e| {
                    e.as_ref().is_ok_and(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        name.ends_with(".json") && !name.starts_with('.')
                    })
                })
                .count()
            })
        };
        while saved_jobs() < started && child.try_wait().unwrap().is_none() {
            assert!(start.elapsed() < Duration::from_secs(60), "no progress");
            std::thread::sleep(Duration::from_millis(2));
        }
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(9),
            "{out}: the run ended ({status}) before the kill, after {} checkpointed jobs",
            saved_jobs()
        );
        assert!(
            checkpoint.join("config.toml").exists(),
            "{out}: no checkpoint"
        );
        dir.command()
            .args(["plan", "--resume", &out, "-q"])
            .stdout();
        assert_same_files(
            &dir,
            &out,
            "whole",
            &["rounds.csv", "picks.csv", "summary.md"],
        );
    }
});

mptest!(stack_is_a_plan_predictor_that_scores_and_resumes, |dir| {
    screen(&dir);
    // uncertainty reads the model too: bootstrap refits of the stack.
    let strategies = "random,uncertainty";
    let stack = ["--predictor", "stack", "--rounds", "4", "--threads", "1"];
    let stdout = dir
        .command()
        .args(plan_args("whole", strategies, &stack))
        .stdout();
    assert!(
        stdout.contains("pearson_delta with stack over 2 seeds"),
        "{stdout}"
    );
    let rounds = read(&dir, "whole/rounds.csv");
    for round in ["1", "4"] {
        let scores = round_values(&rounds, round, "stack", "pearson_delta");
        assert_eq!(scores.len(), 2 * 2, "{round}");
        assert!(scores.iter().all(|v| v.is_finite()), "{scores:?}");
    }
    // The stack reports the blend it fitted: a weight per member, on the simplex.
    let weights: f64 = ["w_mean", "w_consensus", "w_graph", "w_ridge"]
        .iter()
        .map(|w| round_values(&rounds, "4", "stack", w)[0])
        .sum();
    assert!((weights - 1.0).abs() < 1e-6, "{weights}");
    let mut child = dir
        .command()
        .args(plan_args("killed", strategies, &stack))
        .spawn();
    wait_for(
        &dir.path().join("killed/.checkpoint/random-seed1.json"),
        Duration::from_secs(30),
    );
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    if dir.path().join("killed/.checkpoint/config.toml").exists() {
        dir.command()
            .args(["plan", "--resume", "killed", "-q"])
            .stdout();
    }
    for f in ["rounds.csv", "picks.csv", "test_set.csv", "summary.md"] {
        assert_eq!(
            read(&dir, &format!("killed/{f}")),
            read(&dir, &format!("whole/{f}")),
            "{f}"
        );
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
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("continue with `mechpert plan --resume int`"),
        "{stderr}"
    );
    dir.command()
        .args(["plan", "--resume", "int", "-q"])
        .stdout();
    assert_same_files(
        &dir,
        "int",
        "whole",
        &["rounds.csv", "picks.csv", "summary.md"],
    );
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
        "unknown strategy `central`: expected one of anchors, anchors:per-target,",
    );
    fails(
        plan_args("o2", "random", &["--predictor", "knn"]),
        2,
        "unknown predictor `knn` in predictor: expected mean, consensus,",
    );
    fails(
        plan_args(
            "o3",
            "random",
            &["--rounds", "3", "--batch", "70", "--test-fraction", "0"],
        ),
        2,
        "the budget of 210 perturbations (initial 0 + rounds [70, 70, 70]) leaves nothing to predict in a screen of 200: at most 199 can be observed",
    );
    fails(
        plan_args("o3", "random", &["--rounds", "3", "--batch", "55"]),
        2,
        "the budget of 165 perturbations (initial 0 + rounds [55, 55, 55]) does not fit in the 160 perturbations of a screen of 200 outside its test set of 40 (test_fraction 0.2): at most 160 can be observed",
    );
    fails(
        plan_args("o3", "random", &["--test-fraction", "0.95"]),
        2,
        "test_fraction 0.95: expected a number in [0, 0.9]",
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
    // Every number has a range, checked before anything is allocated or started.
    fails(
        plan_args("o6", "random", &["--rounds", "1000000000000"]),
        2,
        "1000000000000 rounds: expected at most 100000",
    );
    fails(
        plan_args("o7", "random", &["--threads", "100000000"]),
        2,
        "threads 100000000: expected 1 to 1024",
    );
    // Nothing, not even the folder, is left by a refused run: o3's budget is refused only
    // once its screen is read.
    for out in ["o1", "o2", "o3", "o4", "o5", "o6", "o7"] {
        assert!(!dir.path().join(out).exists(), "{out} was left behind");
    }
});

mptest!(every_screen_is_checked_before_any_screen_is_run, |dir| {
    screen(&dir);
    dir.create(
        "two.toml",
        "strategies = [\"random\"]\nseeds = 1\nrounds = 2\nbatch = 4\nagents = \"agents.toml\"\ngraph = \"collectri\"\nout = \"two\"\n[[screen]]\nfile = \"screen.csv\"\n[[screen]]\nname = \"second\"\nfile = \"absent.csv\"\n",
    );
    let stderr = dir
        .command()
        .args(["plan", "--config", "two.toml", "-q"])
        .assert_exit(2);
    assert!(
        stderr.contains("screen `second`: screen file")
            && stderr.contains("absent.csv: cannot read"),
        "{stderr}"
    );
    assert!(!dir.path().join("two").exists(), "the first screen was run");
    // A bad graph spec is found before the screen is simulated.
    dir.create(
        "sim.toml",
        "strategies = [\"degree\"]\nseeds = 1\nrounds = 2\nbatch = 4\ngraph = \"nosuch:x.tsv\"\nout = \"sim\"\n[[screen]]\nsimulate = { preset = \"small\" }\n",
    );
    let stderr = dir
        .command()
        .args(["plan", "--config", "sim.toml", "-q"])
        .assert_exit(2);
    assert!(stderr.contains("graph `nosuch:x.tsv`"), "{stderr}");
    assert!(!dir.path().join("sim").exists(), "a folder was left behind");
});

/// Puts `config` where a checkpoint keeps its settings, in the run folder `to`: a run that
/// `--resume to` continues.
fn checkpoint_from(dir: &Dir, config: &str, to: &str) {
    dir.create(&format!("{to}/.checkpoint/config.toml"), read(dir, config));
}

mptest!(a_resume_refuses_every_changed_setting_by_name, |dir| {
    screen(&dir);
    dir.command()
        .args(plan_args("whole", "consensus,random", &[]))
        .stdout();
    checkpoint_from(&dir, "whole/config.toml", "again");
    for (flags, named) in [
        (
            &["--predictor", "mean"][..],
            "predictor: \"consensus:shrunk\" → \"mean\"",
        ),
        (&["--seeds", "3"], "seeds: 2 → 3"),
        (
            &["--strategies", "random"],
            "strategies: [\"consensus\", \"random\"] → [\"random\"]",
        ),
        (
            &["--graph", "dorothea"],
            "graph: \"collectri\" → \"dorothea\"",
        ),
        (&["--batch", "3"], "batch: [4, 4, 4] → [3, 3, 3]"),
        (
            &["--perturbation-key", "gene"],
            "screen.perturbation_key: (unset) → \"gene\"",
        ),
    ] {
        let mut args = vec!["plan", "--resume", "again", "-q"];
        args.extend_from_slice(flags);
        let stderr = dir.command().args(&args).assert_exit(2);
        assert!(stderr.contains(named), "{flags:?}: {stderr}");
        assert!(
            stderr.contains("a resume continues it as it was"),
            "{stderr}"
        );
        assert!(!dir.path().join("again/rounds.csv").exists());
    }
    // The thread count cannot change a byte: a resume may change it.
    dir.command()
        .args(["plan", "--resume", "again", "--threads", "1", "-q"])
        .stdout();
    assert_same_files(&dir, "again", "whole", &["rounds.csv", "picks.csv"]);
});

mptest!(edited_checkpoints_are_named_and_recomputed, |dir| {
    screen(&dir);
    let strategies = "consensus,random";
    dir.command()
        .args(plan_args("whole", strategies, &[]))
        .stdout();
    // A shard of one keeps every finished job: with its config.toml they make a checkpoint.
    dir.command()
        .args(plan_args("shard", strategies, &["--shard", "1/1"]))
        .stdout();
    checkpoint_from(&dir, "shard/config.toml", "edited");
    let jobs = dir.path().join("shard/jobs");
    for entry in std::fs::read_dir(&jobs).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            dir.path()
                .join("edited/.checkpoint")
                .join(entry.file_name()),
        )
        .unwrap();
    }
    let edit = |job: &str, change: &dyn Fn(&mut serde_json::Value)| {
        let path = dir.path().join("edited/.checkpoint").join(job);
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        change(&mut v);
        std::fs::write(&path, v.to_string()).unwrap();
    };
    // A revealed row out of range, a bumped round counter, valid JSON of another shape.
    edit("consensus-seed1.json", &|v| {
        v["state"]["revealed"][0] = 100_000.into()
    });
    edit("random-seed2.json", &|v| {
        v["state"]["rounds_done"] = 7.into()
    });
    edit("random-seed1.json", &|v| {
        *v = serde_json::json!({"rounds_done": 1})
    });
    let (_, stderr) = dir.command().args(["plan", "--resume", "edited"]).both(0);
    for job in ["consensus-seed1", "random-seed2", "random-seed1"] {
        assert!(
            stderr.contains(&format!("{job}.json: "))
                && stderr.contains(&format!("recomputing job {job} from its start")),
            "{job}: {stderr}"
        );
    }
    assert!(!stderr.contains("consensus-seed2"), "{stderr}");
    assert_same_files(&dir, "edited", "whole", &["rounds.csv", "picks.csv"]);
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
                .args(["--test-fraction", "0"])
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

mptest!(
    a_run_on_a_users_h5ad_reruns_and_resumes_from_its_own_folder,
    |dir| {
        let Some(python) =
            crate::util::python("a_run_on_a_users_h5ad_reruns_and_resumes_from_its_own_folder")
        else {
            return;
        };
        crate::util::run_python(&python, "write_plan_screen.py", &["."], dir.path());
        let reading = [
            "--perturbation-key",
            "guide_target",
            "--control",
            "NTC",
            "--layer",
            "counts",
            "--normalize",
            "log1p-cp10k",
            "--no-aliases",
        ];
        let mut args = vec![
            "plan",
            "--data",
            "cells.h5ad",
            "--predictor",
            "mean",
            "--strategies",
            "random",
            "--seeds",
            "2",
            "--rounds",
            "2",
            "--batch",
            "2",
            "--out",
            "run",
            "-q",
        ];
        args.extend_from_slice(&reading);
        dir.command().args(&args).stdout();
        let config = read(&dir, "run/config.toml");
        for field in [
            "perturbation_key = \"guide_target\"",
            "control = [\"NTC\"]",
            "layer = \"counts\"",
            "normalize = \"log1p-cp10k\"",
            "no_aliases = true",
        ] {
            assert!(config.contains(field), "{field} not recorded:\n{config}");
        }
        // The folder's own config.toml reruns it, and its checkpoint resumes it, as it was read.
        dir.command()
            .args([
                "plan",
                "--config",
                "run/config.toml",
                "--out",
                "rerun",
                "-q",
            ])
            .stdout();
        checkpoint_from(&dir, "run/config.toml", "resumed");
        dir.command()
            .args(["plan", "--resume", "resumed", "-q"])
            .stdout();
        for again in ["rerun", "resumed"] {
            assert_same_files(&dir, again, "run", &["rounds.csv", "picks.csv"]);
        }
        // The layer matters: X read instead gives other rounds.
        args.truncate(args.len() - reading.len());
        args.extend_from_slice(&[
            "--perturbation-key",
            "guide_target",
            "--control",
            "NTC",
            "--no-aliases",
        ]);
        let out = args.iter().position(|a| *a == "run").unwrap();
        args[out] = "x";
        dir.command().args(&args).stdout();
        assert_ne!(read(&dir, "x/rounds.csv"), read(&dir, "run/rounds.csv"));
    }
);

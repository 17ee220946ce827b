//! `workflow/Snakefile` on a tiny sweep, through both shipped profiles: locally (`--cores 2`)
//! and as SLURM jobs on a throwaway one-node cluster without accounting
//! (`workflow/local-slurm.sh`). Either way its merged output equals the unsharded
//! `mechpert plan` byte for byte; on SLURM a failing job fails the sweep naming its log, and a
//! sweep rerun after a lost shard redoes that shard only.
//!
//! Snakemake comes from `target/snakemake-venv` (made by `make snakemake-deps`, which
//! `make test` runs) or PATH. Without it, or where the cluster cannot start (not root, no
//! apt), the tests say SKIP and why, and fail instead under `MECHPERT_REQUIRE_ALL=1` (CI).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

use crate::plan::screen;
use crate::util::{Dir, repo, skip};

/// The snakemake executable, or `None` after a SKIP note naming the reason.
fn snakemake(test: &str) -> Option<PathBuf> {
    let venv = repo().join("target/snakemake-venv/bin/snakemake");
    if venv.is_file() {
        return Some(venv);
    }
    let on_path = Command::new("snakemake")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if on_path {
        return Some(PathBuf::from("snakemake"));
    }
    let why = if repo().join("target/snakemake-venv.unreachable").exists() {
        "`make snakemake-deps` could not reach PyPI to install Snakemake"
    } else {
        "Snakemake is not installed: run `make snakemake-deps` (or `make test`)"
    };
    skip(test, why);
    None
}

const STRATEGIES: &str = "consensus,hubs,degree,betweenness,random,uncertainty";

/// Writes the screen, its agents and `sweep.yaml`: 6 strategies × 2 seeds in 3 shards, plus
/// `extra` flags for every `mechpert plan`.
fn sweep_config(dir: &Dir, extra: &str) {
    screen(dir);
    let bin = env!("CARGO_BIN_EXE_mechpert");
    dir.create(
        "sweep.yaml",
        format!(
            "mechpert: {bin}\nout: sweep\nscreens:\n  s1:\n    data: screen.csv\n    agents: agents.toml\n\
             graph: collectri\nstrategies: [{STRATEGIES}]\n\
             seeds: 2\nrounds: 2\nbatch: 3\ninitial: none\nextra: \"{extra}\"\nshards: 3\nthreads: 1\n"
        ),
    );
}

/// Runs the workflow in `dir` with `args` after the Snakefile and config.
fn run_snakemake(snakemake: &Path, dir: &Dir, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(snakemake);
    cmd.current_dir(dir.path())
        .arg("-s")
        .arg(repo().join("workflow/Snakefile"))
        .args(["--configfile", "sweep.yaml"])
        .args(args);
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.output().expect("running snakemake")
}

/// Panics with snakemake's output unless it succeeded.
fn assert_succeeded(out: &Output, dir: &Dir) {
    assert!(
        out.status.success(),
        "snakemake failed\nstdout:\n{}\nstderr:\n{}\nfiles: {:?}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        dir.listing()
    );
}

/// The sweep's report and shards exist, and its merged tables equal the same plan run
/// unsharded from the consensus the workflow built once.
fn assert_matches_unsharded(dir: &Dir) {
    assert!(dir.path().join("sweep/report.html").is_file());
    for i in 1..=3 {
        assert!(shard_json(dir, i).is_file());
    }
    dir.command()
        .args([
            "plan",
            "--data",
            "screen.csv",
            "--neighbours",
            "sweep/consensus/s1/consensus.tsv",
            "--hubs",
            "sweep/consensus/s1/hubs.tsv",
            "--graph",
            "collectri",
            "--strategies",
            STRATEGIES,
            "--seeds",
            "2",
            "--rounds",
            "2",
            "--batch",
            "3",
            "--initial",
            "none",
            "--out",
            "full",
            "-q",
        ])
        .stdout();
    // (config.toml differs only in its relative paths: the folders sit at different depths.)
    for f in ["rounds.csv", "picks.csv", "summary.md"] {
        let a = std::fs::read(dir.path().join("full").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("sweep/merged/s1").join(f)).unwrap();
        assert!(
            a == b,
            "{f} differs between the workflow and the unsharded run"
        );
    }
}

fn shard_json(dir: &Dir, shard: usize) -> PathBuf {
    dir.path()
        .join(format!("sweep/shards/s1/{shard}/shard.json"))
}

fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

mptest!(the_snakemake_workflow_merges_to_the_unsharded_run, |dir| {
    let Some(snakemake) = snakemake("the_snakemake_workflow_merges_to_the_unsharded_run") else {
        return;
    };
    sweep_config(&dir, "");
    let local = repo().join("workflow/profiles/local");
    let local = local.to_str().unwrap();
    let out = run_snakemake(
        &snakemake,
        &dir,
        &["--profile", local, "--cores", "2", "--quiet"],
        &[],
    );
    assert_succeeded(&out, &dir);
    assert_matches_unsharded(&dir);
    // A second run finds every output in place and runs nothing.
    let again = run_snakemake(&snakemake, &dir, &["--cores", "2", "--dry-run"], &[]);
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(text.contains("Nothing to be done"), "{text}");
});

/// A cluster started by `workflow/local-slurm.sh start`, stopped (daemons by PID) on drop,
/// so also when the test fails.
struct LocalSlurm {
    state: PathBuf,
}

impl LocalSlurm {
    /// Starts it, or says SKIP (fails under `MECHPERT_REQUIRE_ALL=1`) with the script's words.
    fn start(test: &str) -> Option<LocalSlurm> {
        let state = repo().join(format!("target/local-slurm-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&state);
        let out = Command::new("bash")
            .arg(repo().join("workflow/local-slurm.sh"))
            .arg("start")
            .arg(&state)
            .output()
            .expect("running workflow/local-slurm.sh");
        let cluster = LocalSlurm { state };
        if out.status.success() {
            return Some(cluster);
        }
        skip(
            test,
            &format!(
                "workflow/local-slurm.sh could not start a SLURM cluster:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ),
        );
        None
    }

    fn conf(&self) -> PathBuf {
        self.state.join("slurm.conf")
    }
}

impl Drop for LocalSlurm {
    fn drop(&mut self) {
        let stopped = Command::new("bash")
            .arg(repo().join("workflow/local-slurm.sh"))
            .arg("stop")
            .arg(&self.state)
            .status();
        if stopped.as_ref().is_ok_and(|s| s.success()) {
            let _ = std::fs::remove_dir_all(&self.state);
        } else {
            eprintln!(
                "workflow/local-slurm.sh stop {} failed: {stopped:?}",
                self.state.display()
            );
        }
    }
}

mptest!(
    the_slurm_profile_runs_the_workflow_on_a_cluster_without_accounting,
    |dir| {
        let test = "the_slurm_profile_runs_the_workflow_on_a_cluster_without_accounting";
        let Some(snakemake) = snakemake(test) else {
            return;
        };
        let Some(cluster) = LocalSlurm::start(test) else {
            return;
        };
        let conf = cluster.conf();
        let env = [("SLURM_CONF", conf.as_path())];
        let slurm = repo().join("workflow/profiles/slurm");
        // The profile as shipped; only the first status check comes sooner than its 40 s.
        let profile = [
            "--profile",
            slurm.to_str().unwrap(),
            "--slurm-init-seconds-before-status-checks",
            "2",
            "--latency-wait",
            "5",
        ];
        let sacct = Command::new("sacct")
            .env("SLURM_CONF", &conf)
            .output()
            .unwrap();
        assert!(
            !sacct.status.success(),
            "the test cluster should have no accounting, as the clusters this profile must serve"
        );

        sweep_config(&dir, "");
        let out = run_snakemake(&snakemake, &dir, &profile, &env);
        assert_succeeded(&out, &dir);
        assert_matches_unsharded(&dir);

        // What a sweep leaves when SLURM kills shard 2 (a shard writes shard.json last) and so
        // never merges: rerun, it submits that shard again, then merge and report, nothing else.
        let kept = [
            modified(&shard_json(&dir, 1)),
            modified(&shard_json(&dir, 3)),
        ];
        std::fs::remove_file(shard_json(&dir, 2)).unwrap();
        std::fs::remove_dir_all(dir.path().join("sweep/merged")).unwrap();
        std::fs::remove_file(dir.path().join("sweep/report.html")).unwrap();
        let rerun = run_snakemake(&snakemake, &dir, &profile, &env);
        assert_succeeded(&rerun, &dir);
        let log = String::from_utf8_lossy(&rerun.stderr);
        let submitted: Vec<&str> = log
            .lines()
            .filter_map(|l| l.trim().strip_prefix("rule "))
            .collect();
        assert_eq!(
            submitted,
            ["plan_shard:", "merge:", "report:"],
            "the rerun should redo the lost shard only\n{log}"
        );
        assert_eq!(
            [
                modified(&shard_json(&dir, 1)),
                modified(&shard_json(&dir, 3))
            ],
            kept
        );
        assert!(shard_json(&dir, 2).is_file());
        assert_matches_unsharded(&dir);

        // A job that fails (the consensus, on agents that do not parse; the profile's one retry
        // off to save time) fails the sweep, and the message leads to both its logs.
        let failing = Dir::new();
        sweep_config(&failing, "");
        failing.create("agents.toml", "[[agents]\n");
        let out = run_snakemake(
            &snakemake,
            &failing,
            &[&profile[..], &["--retries", "0"]].concat(),
            &env,
        );
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{text}");
        assert!(text.contains("Error in rule consensus"), "{text}");
        assert!(text.contains("log: sweep/logs/consensus/s1.log"), "{text}");
        assert!(
            text.contains(".snakemake/slurm_logs/rule_consensus/"),
            "{text}"
        );
        assert!(
            std::fs::read_to_string(failing.path().join("sweep/logs/consensus/s1.log"))
                .unwrap()
                .contains("agents.toml"),
            "the rule's log should hold mechpert's error naming the file"
        );
        drop(cluster);
    }
);

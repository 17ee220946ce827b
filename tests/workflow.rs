//! `workflow/Snakefile` run locally by Snakemake (`--cores 2`, the local profile) on a tiny
//! sweep: its merged output equals the unsharded `mechpert plan` byte for byte.
//!
//! Snakemake comes from `target/snakemake-venv` (made by `make snakemake-deps`, which
//! `make test` runs) or PATH; without it the test says SKIP and why.

use std::path::PathBuf;

use crate::plan::screen;
use crate::util::repo;

/// The snakemake executable, or `None` after a SKIP note naming the reason.
fn snakemake(test: &str) -> Option<PathBuf> {
    let venv = repo().join("target/snakemake-venv/bin/snakemake");
    if venv.is_file() {
        return Some(venv);
    }
    let on_path = std::process::Command::new("snakemake")
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
    eprintln!("SKIP {test}: {why}");
    None
}

mptest!(the_snakemake_workflow_merges_to_the_unsharded_run, |dir| {
    let Some(snakemake) = snakemake("the_snakemake_workflow_merges_to_the_unsharded_run") else {
        return;
    };
    screen(&dir);
    let bin = env!("CARGO_BIN_EXE_mechpert");
    dir.create(
        "sweep.yaml",
        format!(
            "mechpert: {bin}\nout: sweep\nscreens:\n  s1:\n    data: screen.csv\n    agents: agents.toml\n\
             graph: collectri\nstrategies: [consensus, hubs, degree, betweenness, random, uncertainty]\n\
             seeds: 2\nrounds: 2\nbatch: 3\ninitial: none\nextra: \"\"\nshards: 3\nthreads: 1\n"
        ),
    );
    let out = std::process::Command::new(&snakemake)
        .current_dir(dir.path())
        .args(["-s"])
        .arg(repo().join("workflow/Snakefile"))
        .arg("--profile")
        .arg(repo().join("workflow/profiles/local"))
        .args(["--configfile", "sweep.yaml", "--cores", "2", "--quiet"])
        .output()
        .expect("running snakemake");
    assert!(
        out.status.success(),
        "snakemake failed\nstdout:\n{}\nstderr:\n{}\nfiles: {:?}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        dir.listing()
    );
    assert!(dir.path().join("sweep/report.html").is_file());
    for i in 1..=3 {
        assert!(
            dir.path()
                .join(format!("sweep/shards/s1/{i}/shard.json"))
                .is_file()
        );
    }
    // The same plan unsharded, from the consensus the workflow built once.
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
            "consensus,hubs,degree,betweenness,random,uncertainty",
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
    // A second run finds every output in place and runs nothing.
    let again = std::process::Command::new(&snakemake)
        .current_dir(dir.path())
        .args(["-s"])
        .arg(repo().join("workflow/Snakefile"))
        .args(["--configfile", "sweep.yaml", "--cores", "2", "--dry-run"])
        .output()
        .expect("running snakemake");
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(text.contains("Nothing to be done"), "{text}");
});

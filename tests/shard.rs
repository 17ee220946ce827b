//! `mechpert plan --shard I/N` and `mechpert merge`: a run split into shards and merged again
//! is the unsharded run byte for byte; merge refuses shards that do not make up one run.

use crate::plan::{plan_args, screen};
use crate::util::Dir;

const STRATEGIES: &str = "consensus,hubs,degree,pagerank,betweenness,random,uncertainty";

/// `plan` on the small screen of `tests/plan.rs` (2 seeds, 3 rounds of 4) into `out`.
fn plan<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    plan_args(out, STRATEGIES, extra)
}

fn bytes(dir: &Dir, path: &str) -> Vec<u8> {
    std::fs::read(dir.path().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every file of a finished run folder but run.json (timestamps), by name.
fn run_files(dir: &Dir, run: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join(run))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "run.json")
        .collect();
    names.sort();
    names
}

fn shard_three_ways(dir: &Dir) {
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let out = format!("s{i}");
        let stdout = dir
            .command()
            .args(plan(&out, &["--shard", &shard, "--centrality-cache", "cc"]))
            .stdout();
        assert!(
            stdout.contains(&format!("shard {i}/3 of screen `screen`")),
            "{stdout}"
        );
    }
}

mptest!(
    three_shards_merge_into_the_unsharded_run_byte_for_byte,
    |dir| {
        screen(&dir);
        dir.command().args(plan("full", &[])).stdout();
        shard_three_ways(&dir);
        // A shard writes its jobs and manifest, not the run's tables.
        assert!(dir.path().join("s1/shard.json").is_file());
        assert!(!dir.path().join("s1/rounds.csv").exists());
        assert!(!dir.path().join("s1/.checkpoint").exists());
        // betweenness, degree and pagerank ranked once, by the first shard that needed each.
        assert_eq!(std::fs::read_dir(dir.path().join("cc")).unwrap().count(), 3);
        let stdout = dir
            .command()
            .args(["merge", "s1", "s2", "s3", "--out", "merged", "-q"])
            .stdout();
        assert!(
            stdout.contains("pearson_delta with consensus:shrunk"),
            "{stdout}"
        );
        let files = run_files(&dir, "full");
        assert_eq!(files, run_files(&dir, "merged"));
        // The merged run carries each seed's test set (compared byte for byte below).
        assert_eq!(
            String::from_utf8(bytes(&dir, "merged/test_set.csv"))
                .unwrap()
                .lines()
                .count(),
            1 + 2 * 40
        );
        assert!(files.iter().any(|f| f.ends_with(".svg")), "{files:?}");
        for f in &files {
            assert!(
                bytes(&dir, &format!("full/{f}")) == bytes(&dir, &format!("merged/{f}")),
                "{f} differs between the unsharded and the merged run"
            );
        }
        // run.json records the shards, whose jobs are the run's 14, each once.
        let run: serde_json::Value =
            serde_json::from_slice(&bytes(&dir, "merged/run.json")).unwrap();
        let shards = run["shards"].as_array().unwrap();
        assert_eq!(shards.len(), 3);
        let mut jobs: Vec<&str> = shards
            .iter()
            .flat_map(|s| s["jobs"].as_array().unwrap().iter())
            .map(|j| j.as_str().unwrap())
            .collect();
        jobs.sort();
        assert_eq!(jobs.len(), 14);
        jobs.dedup();
        assert_eq!(jobs.len(), 14);
        assert_eq!(shards[1]["shard"], "2/3");
        // Balanced by cost: the two uncertainty jobs (3× a centrality job) go to different shards.
        let with_uncertainty = shards
            .iter()
            .filter(|s| s["jobs"].to_string().contains("uncertainty"))
            .count();
        assert_eq!(with_uncertainty, 2, "{shards:?}");
        // Rerun against the now-filled centrality cache, the shard's jobs are the same bytes.
        dir.command()
            .args(plan(
                "again",
                &["--shard", "1/3", "--centrality-cache", "cc"],
            ))
            .stdout();
        let jobs = std::fs::read_dir(dir.path().join("s1/jobs")).unwrap();
        for job in jobs {
            let name = format!("jobs/{}", job.unwrap().file_name().to_string_lossy());
            assert!(
                bytes(&dir, &format!("s1/{name}")) == bytes(&dir, &format!("again/{name}")),
                "{name}"
            );
        }
    }
);

mptest!(merge_refuses_missing_doubled_and_foreign_shards, |dir| {
    screen(&dir);
    shard_three_ways(&dir);
    let merge = |shards: &[&str]| {
        let mut args = vec!["merge"];
        args.extend_from_slice(shards);
        args.extend_from_slice(&["--out", "merged", "-q"]);
        dir.command().args(args).assert_failure()
    };
    let err = merge(&["s1", "s3"]);
    assert!(err.contains("missing shard(s) 2 of 3"), "{err}");
    let err = merge(&["s1", "s2", "s2", "s3"]);
    assert!(err.contains("shard 2/3 is given twice: s2 and s2"), "{err}");
    // A shard of another run (three seeds instead of two).
    dir.command()
        .args(plan("other", &["--seeds", "3", "--shard", "2/3"]))
        .stdout();
    let err = merge(&["s1", "other", "s3"]);
    assert!(
        err.contains("are shards of different runs (config hash"),
        "{err}"
    );
    // A shard whose manifest lost a job: merge names it.
    let manifest: serde_json::Value =
        serde_json::from_slice(&bytes(&dir, "s2/shard.json")).unwrap();
    let first = manifest["jobs"][0].clone();
    let name = format!(
        "{}-seed{}",
        first["strategy"].as_str().unwrap(),
        first["seed"]
    );
    let mut fewer = manifest.clone();
    fewer["jobs"].as_array_mut().unwrap().remove(0);
    dir.create("s2/shard.json", serde_json::to_vec(&fewer).unwrap());
    let err = merge(&["s1", "s2", "s3"]);
    assert!(
        err.contains(&format!("missing job(s) {name}: no shard ran them")),
        "{err}"
    );
    // …or claims a job another shard ran.
    let mut twice = manifest.clone();
    let stolen = serde_json::from_slice::<serde_json::Value>(&bytes(&dir, "s1/shard.json"))
        .unwrap()["jobs"][0]
        .clone();
    twice["jobs"].as_array_mut().unwrap().push(stolen);
    dir.create("s2/shard.json", serde_json::to_vec(&twice).unwrap());
    let err = merge(&["s1", "s2", "s3"]);
    assert!(err.contains("is in both s1 and s2"), "{err}");
    // A job file gone: named with its path.
    dir.create("s2/shard.json", serde_json::to_vec(&manifest).unwrap());
    std::fs::remove_file(dir.path().join(format!("s2/jobs/{name}.json"))).unwrap();
    let err = merge(&["s1", "s2", "s3"]);
    assert!(
        err.contains(&format!("s2/jobs/{name}.json: cannot read")),
        "{err}"
    );
    // A config.toml edited after its shard ran: the shard and the setting are named.
    let config = String::from_utf8(bytes(&dir, "s3/config.toml")).unwrap();
    dir.create("s3/config.toml", config.replace("seeds = 2", "seeds = 3"));
    let err = merge(&["s1", "s2", "s3"]);
    assert!(
        err.contains("shard 3/3 (s3): config.toml was edited after the shard ran"),
        "{err}"
    );
    assert!(
        err.contains("against shard 1/3 (s1): seeds: 2 → 3"),
        "{err}"
    );
    dir.create("s3/config.toml", config);
    // A job file edited by hand: its hash no longer matches.
    let job =
        serde_json::from_slice::<serde_json::Value>(&bytes(&dir, "s1/shard.json")).unwrap()["jobs"]
            [0]
        .clone();
    let job = format!(
        "s1/jobs/{}-seed{}.json",
        job["strategy"].as_str().unwrap(),
        job["seed"]
    );
    let mut saved: serde_json::Value = serde_json::from_slice(&bytes(&dir, &job)).unwrap();
    saved["state"]["rounds"][0]["value"] = 0.5.into();
    dir.create(&job, saved.to_string());
    let err = merge(&["s1", "s2", "s3"]);
    assert!(
        err.contains(&format!("{job}: its content does not match its hash")),
        "{err}"
    );
    // Not a shard folder at all.
    let err = merge(&["s1", "nowhere"]);
    assert!(
        err.contains("nowhere: cannot read the shard folder"),
        "{err}"
    );
    assert!(!dir.path().join("merged/rounds.csv").exists());
});

mptest!(shards_of_a_two_screen_run_merge_per_screen, |dir| {
    dir.create(
        "two.toml",
        "predictor = \"mean\"\nstrategies = [\"degree\", \"random\"]\ngraph = \"collectri\"\nseeds = 1\nrounds = 2\nbatch = 3\n\
         [[screen]]\nname = \"a\"\nsimulate = { preset = \"small\", seed = 1 }\n\
         [[screen]]\nname = \"b\"\nsimulate = { preset = \"small\", seed = 2 }\n",
    );
    dir.command()
        .args(["plan", "--config", "two.toml", "--out", "full", "-q"])
        .stdout();
    // Four jobs over five shards: one shard runs nothing, and says so for both screens.
    for i in 1..=5 {
        dir.command()
            .args([
                "plan",
                "--config",
                "two.toml",
                "--shard",
                &format!("{i}/5"),
                "--out",
                &format!("s{i}"),
                "-q",
            ])
            .stdout();
    }
    let empty = (1..=5)
        .filter(|i| !dir.path().join(format!("s{i}/a/jobs")).exists())
        .filter(|i| !dir.path().join(format!("s{i}/b/jobs")).exists())
        .count();
    assert_eq!(empty, 1);
    dir.command()
        .args([
            "merge", "s1", "s2", "s3", "s4", "s5", "--out", "merged", "-q",
        ])
        .stdout();
    for screen in ["a", "b"] {
        for f in ["rounds.csv", "picks.csv", "summary.md"] {
            let path = format!("{screen}/{f}");
            assert!(
                bytes(&dir, &format!("full/{path}")) == bytes(&dir, &format!("merged/{path}")),
                "{path} differs"
            );
        }
    }
});

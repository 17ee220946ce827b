//! `mechpert consensus` with knowledge and noisy-truth agents (no network): hand-computed
//! consensus tables, option errors, and the knowledge-only run on the shared K562 screen.

use crate::util::{Dir, TestCommand, pool_screen as screen};

/// Three directed edge lists a, b, c and agents.toml naming them.
pub(crate) fn knowledge(dir: &Dir, top: &str) {
    let h = "source\ttarget\tweight\n";
    dir.create(
        "g/a.tsv",
        format!("{h}GATA1\tKLF1\t0.8\nTAL1\tKLF1\t0.4\nMYB\tGATA1\t1.0\n"),
    );
    dir.create(
        "g/b.tsv",
        format!("{h}GATA1\tKLF1\t0.6\nSPI1\tKLF1\t0.9\nMYB\tGATA1\t0.5\n"),
    );
    dir.create(
        "g/c.tsv",
        format!("{h}TAL1\tKLF1\t1.0\nGATA1\tKLF1\t0.2\nLMO2\tTAL1\t0.7\n"),
    );
    let mut toml = format!("{top}\n");
    for n in ["a", "b", "c"] {
        toml.push_str(&format!(
            "[[agent]]\nbackend = \"knowledge\"\nname = \"{n}\"\ngraph = \"edges:g/{n}.tsv\"\n"
        ));
    }
    dir.create("agents.toml", toml);
}

/// `mechpert consensus --data screen.csv --agents AGENTS --out OUT`, more flags to follow.
pub(crate) fn consensus<'d>(dir: &'d Dir, agents: &str, out: &str) -> TestCommand<'d> {
    let mut cmd = dir.command();
    cmd.args([
        "consensus",
        "--data",
        "screen.csv",
        "--agents",
        agents,
        "--out",
        out,
    ]);
    cmd
}

fn run(dir: &Dir, extra: &[&str]) -> String {
    consensus(dir, "agents.toml", "out.tsv")
        .args(extra)
        .stdout()
}

fn out(dir: &Dir) -> String {
    std::fs::read_to_string(dir.path().join("out.tsv")).unwrap()
}

mptest!(majority_sum_over_agents_by_hand, |dir| {
    screen(&dir);
    knowledge(&dir, "");
    let stdout = run(&dir, &[]);
    // A = 3, τ = 2. KLF1: GATA1 (0.8+0.6+0.2)/3, TAL1 (0.4+1.0)/3, SPI1 one vote (dropped).
    // GATA1: MYB (1.0+0.5)/3. TAL1: LMO2 one vote (dropped).
    assert_eq!(
        out(&dir),
        "target\tneighbour\tweight\tvotes\tagents\n\
         GATA1\tMYB\t0.5000\t2\ta,b\n\
         KLF1\tGATA1\t0.5333\t3\ta,b,c\n\
         KLF1\tTAL1\t0.4667\t2\ta,c\n"
    );
    assert!(
        stdout.contains("tau majority, weighting sum-over-agents: 3 edges, 2 targets"),
        "{stdout}"
    );
});

mptest!(borda_with_tau_one_by_hand, |dir| {
    screen(&dir);
    knowledge(&dir, "");
    run(&dir, &["--tau", "1", "--weighting", "borda"]);
    // Borda per agent: a KLF1 {GATA1 1, TAL1 ½}, GATA1 {MYB 1}; b KLF1 {SPI1 1, GATA1 ½},
    // GATA1 {MYB 1}; c KLF1 {TAL1 1, GATA1 ½}, TAL1 {LMO2 1}; each sum over A = 3.
    assert_eq!(
        out(&dir),
        "target\tneighbour\tweight\tvotes\tagents\n\
         GATA1\tMYB\t0.6667\t2\ta,b\n\
         TAL1\tLMO2\t0.3333\t1\tc\n\
         KLF1\tGATA1\t0.6667\t3\ta,b,c\n\
         KLF1\tTAL1\t0.5000\t2\ta,c\n\
         KLF1\tSPI1\t0.3333\t1\tb\n"
    );
});

mptest!(toml_consensus_section_and_fraction_tau, |dir| {
    screen(&dir);
    knowledge(
        &dir,
        "[consensus]\ntau = 1.0\nweighting = \"mean-confidence\"\n",
    );
    run(&dir, &[]);
    // τ = 1.0 is the fraction "all three agents": only KLF1 ← GATA1 stays.
    assert_eq!(
        out(&dir),
        "target\tneighbour\tweight\tvotes\tagents\nKLF1\tGATA1\t0.5333\t3\ta,b,c\n"
    );
});

mptest!(bad_tau_is_a_usage_error_saying_what_is_accepted, |dir| {
    screen(&dir);
    knowledge(&dir, "");
    let err = consensus(&dir, "agents.toml", "o.tsv")
        .args(["--tau", "1.4"])
        .assert_exit(2);
    assert!(
        err.contains("invalid value '1.4' for '--tau <TAU>': expected a vote count (a whole number ≥ 1, e.g. 2), a vote fraction in (0, 1]"),
        "{err}"
    );
    knowledge(&dir, "[consensus]\ntau = 0\n");
    let err = consensus(&dir, "agents.toml", "o.tsv").assert_exit(2);
    assert!(
        err.contains("agents.toml:") && err.contains("invalid tau 0"),
        "{err}"
    );
});

mptest!(unknown_keys_name_key_and_file, |dir| {
    screen(&dir);
    knowledge(&dir, "colour = \"blue\"\n");
    let err = consensus(&dir, "agents.toml", "o.tsv").assert_exit(2);
    assert!(
        err.contains("agents.toml:1:1: key `colour`: unknown field"),
        "{err}"
    );
    assert!(err.contains("unknown field `colour`"), "{err}");
    let err = consensus(&dir, "none.toml", "o.tsv").assert_exit(2);
    assert!(err.contains("none.toml: cannot read"), "{err}");
});

mptest!(missing_graph_names_agent_and_spec, |dir| {
    screen(&dir);
    dir.create(
        "agents.toml",
        "[[agent]]\nbackend = \"knowledge\"\nname = \"k\"\ngraph = \"edges:nope.tsv\"\n",
    );
    let err = consensus(&dir, "agents.toml", "o.tsv").assert_failure();
    assert!(err.contains("agent `k`: graph `edges:nope.tsv`"), "{err}");
    assert!(err.contains("nope.tsv: cannot open"), "{err}");
});

mptest!(
    noisy_truth_agents_recover_the_truth_and_repeat_exactly,
    |dir| {
        screen(&dir);
        dir.create(
        "truth.tsv",
        "regulator\ttarget\tweight\nGATA1\tKLF1\t1.2\nTAL1\tKLF1\t-0.4\nMYB\tGATA1\t0.3\nNOTINPOOL\tGATA1\t1\n",
    );
        dir.create(
        "agents.toml",
        "[[agent]]\nbackend = \"truth\"\nname = \"truth\"\ntruth = \"truth.tsv\"\ninstances = 3\nrecall = 1.0\nfpr = 0.0\nseed = 5\n",
    );
        let stdout = run(&dir, &["--hubs", "hubs.tsv"]);
        assert!(
            stdout.contains("consensus of 3 agents (truth#1, truth#2, truth#3)"),
            "{stdout}"
        );
        let tsv = out(&dir);
        let edges: Vec<(String, String, String)> = tsv
            .lines()
            .skip(1)
            .map(|l| {
                let c: Vec<&str> = l.split('\t').collect();
                (c[0].to_string(), c[1].to_string(), c[3].to_string())
            })
            .collect();
        let mut edges = edges;
        edges.sort();
        let want = |t: &str, n: &str| (t.to_string(), n.to_string(), "3".to_string());
        assert_eq!(
            edges,
            [
                want("GATA1", "MYB"),
                want("KLF1", "GATA1"),
                want("KLF1", "TAL1")
            ]
        );
        // Same seed, same output.
        consensus(&dir, "agents.toml", "again.tsv").stdout();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("again.tsv")).unwrap(),
            tsv
        );
        let hubs = std::fs::read_to_string(dir.path().join("hubs.tsv")).unwrap();
        let lines: Vec<&str> = hubs.lines().collect();
        assert_eq!(lines[0], "rank\tgene\tvotes\tconfidence\tagents");
        // Out-degree into the pool: GATA1 1, TAL1 1, MYB 1 → three hubs, three votes each.
        assert_eq!(lines.len(), 4, "{hubs}");
        assert!(
            lines[1..].iter().all(|l| l.split('\t').nth(2) == Some("3")),
            "{hubs}"
        );
    }
);

mptest!(k562_knowledge_only_consensus, |dir| {
    let Some(shared) = crate::util::shared_data("k562_knowledge_only_consensus") else {
        return;
    };
    let p = |f: &str| shared.join("priors").join(f).display().to_string();
    dir.create(
        "agents.toml",
        format!(
            "k = 50\n[[agent]]\nbackend = \"knowledge\"\nname = \"collectri\"\ngraph = \"collectri:{}\"\n\
             [[agent]]\nbackend = \"knowledge\"\nname = \"dorothea\"\ngraph = \"dorothea:{}\"\n\
             [[agent]]\nbackend = \"knowledge\"\nname = \"trrust\"\ngraph = \"trrust:{}\"\n",
            p("collectri_edges.tsv.gz"),
            p("dorothea_edges.tsv.gz"),
            p("trrust_v2_human.tsv")
        ),
    );
    let data = shared
        .join("perturbseq/replogle2022_k562_signatures/k562_essential_up_ranked_top1000.csv.gz");
    let stdout = dir
        .command()
        .args([
            "consensus",
            "--data",
            data.to_str().unwrap(),
            "--agents",
            "agents.toml",
        ])
        .args(["--out", "k562.tsv", "--tau", "1"])
        .stdout();
    assert!(
        stdout.contains("on 585 targets, pool of 585 genes"),
        "{stdout}"
    );
    let tsv = std::fs::read_to_string(dir.path().join("k562.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = tsv
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    assert!(rows.len() >= 10, "{tsv}");
    // CDK1 ← TFDP1 is in all three resources.
    assert!(
        rows.iter()
            .any(|r| r[0] == "CDK1" && r[1] == "TFDP1" && r[3] == "3"),
        "{tsv}"
    );
    for r in &rows {
        let w: f32 = r[2].parse().unwrap();
        assert!((0.0..=1.0).contains(&w) && r[0] != r[1], "{r:?}");
    }
});

mptest!(truth_majority_recall_is_binomial, |dir| {
    // 200 genes, each G_i regulated by G_{i+1} and G_{i+7} (mod 200): 400 true edges.
    let n = 200;
    let name = |i: usize| format!("SYNTH{:03}", i % n);
    let mut screen = String::from("perturbation,rank,gene\n");
    let mut truth = String::from("regulator\ttarget\tweight\n");
    for i in 0..n {
        screen.push_str(&format!("{},1,HBB\n", name(i)));
        truth.push_str(&format!("{}\t{}\t0.5\n", name(i + 1), name(i)));
        truth.push_str(&format!("{}\t{}\t-0.5\n", name(i + 7), name(i)));
    }
    dir.create("screen.csv", screen);
    dir.create("truth.tsv", truth);
    dir.create(
        "agents.toml",
        "k = 50\n[[agent]]\nbackend = \"truth\"\nname = \"noisy\"\ntruth = \"truth.tsv\"\ninstances = 5\nrecall = 0.6\nfpr = 0.005\nseed = 11\n",
    );
    run(&dir, &[]);
    let tsv = out(&dir);
    let edges: Vec<(usize, usize)> = tsv
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let idx = |s: &str| s.trim_start_matches("SYNTH").parse::<usize>().unwrap();
            (idx(c[1]), idx(c[0]))
        })
        .collect();
    let true_hits = edges
        .iter()
        .filter(|(r, t)| *r == (t + 1) % n || *r == (t + 7) % n)
        .count();
    // An edge survives a 3-of-5 majority with P(Bin(5, 0.6) ≥ 3) = 0.68256; sd over 400 edges
    // is 0.023. A false gene needs 3 of 5 agents to pick it among ~198 at rate 0.005: rare.
    let recall = true_hits as f64 / 400.0;
    assert!((recall - 0.68256).abs() < 0.08, "recall {recall}");
    let precision = true_hits as f64 / edges.len() as f64;
    assert!(precision > 0.97, "precision {precision}");
});

//! `mechpert priors centrality` and `mechpert priors stats` on the real binary.

use serde_json::Value;

/// A → B, A → C, C → A (weights 1, 3, 1), a duplicate A → B and a self-loop D → D.
const EDGES: &str =
    "regulator,target,weight,sign\nA,B,1,1\nA,C,3,-1\nC,A,1,1\nA,B,0.5,1\nD,D,1,1\n";

mptest!(centrality_ranks_and_writes_csv, |dir| {
    dir.create("g.csv", EDGES);
    let out = dir
        .command()
        .args([
            "priors",
            "centrality",
            "--graph",
            "edges:g.csv",
            "--measure",
            "out-degree",
        ])
        .args(["--out", "rank.csv", "--no-aliases"])
        .stdout();
    assert!(out.contains("# edges:g.csv: 5 rows read, 2 dropped (duplicate edge (merged, max weight): 1, self-loop: 1)"), "{out}");
    let table: Vec<&str> = out.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        table[0].split_whitespace().collect::<Vec<_>>(),
        ["rank", "gene", "score"]
    );
    // A has 2 targets, C 1, B 0; D was only a self-loop and is no node.
    let rows: Vec<Vec<&str>> = table[1..]
        .iter()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows, [["1", "A", "2"], ["2", "C", "1"], ["3", "B", "0"]]);
    let csv = std::fs::read_to_string(dir.path().join("rank.csv")).unwrap();
    assert_eq!(csv, "rank,gene,score\n1,A,2\n2,C,1\n3,B,0\n");
});

mptest!(pagerank_candidates_absent_rank_last_by_seed, |dir| {
    dir.create("g.csv", EDGES);
    dir.create(
        "screen.csv",
        "perturbation,rank,gene\nB,1,X\nNOPE1,1,X\nA,1,X\nNOPE2,1,X\nNOPE3,1,X\n",
    );
    let run = |seed: &str| {
        dir.command()
            .args([
                "priors",
                "centrality",
                "--graph",
                "edges:g.csv",
                "--candidates",
                "screen.csv",
            ])
            .args(["--seed", seed, "--no-aliases", "--out", "r.csv"])
            .stdout();
        std::fs::read_to_string(dir.path().join("r.csv")).unwrap()
    };
    let csv = run("1");
    let genes: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    // PageRank: B receives from A (weight 1 of 4) and is dangling; A receives all of C.
    // Both are in the graph and come first; the three absent names follow with empty scores.
    assert_eq!(genes.len(), 5);
    assert!(
        genes[..2].contains(&"A") && genes[..2].contains(&"B"),
        "{csv}"
    );
    assert!(csv.lines().skip(3).all(|l| l.ends_with(',')), "{csv}");
    assert_eq!(run("1"), csv, "same seed, same order");
    let orders: std::collections::HashSet<String> = (0..8).map(|s| run(&s.to_string())).collect();
    assert!(
        orders.len() > 1,
        "the seed changes the order of absent genes"
    );
});

mptest!(stats_reports_structure_and_screen_overlap, |dir| {
    dir.create(
        "g.tsv",
        "gene_a\tgene_b\tweight\nA\tB\t0.5\nB\tC\t1\nD\tE\t0.25\nB\tA\t0.7\n",
    );
    dir.create("screen.csv", "perturbation,rank,gene\nA,1,C\nZ,1,Q\n");
    let v: Value = serde_json::from_str(
        &dir.command()
            .args([
                "priors",
                "stats",
                "--graph",
                "undirected-edges:g.tsv",
                "--screen",
                "screen.csv",
            ])
            .args(["--json", "--no-aliases"])
            .stdout(),
    )
    .unwrap();
    assert_eq!(v["nodes"], 5);
    assert_eq!(v["edges"], 3);
    assert_eq!(v["components"], 2);
    assert_eq!(v["largest_component"], 3);
    assert_eq!(v["degree"]["max"], 2.0);
    assert_eq!(v["weight"]["max"], 1.0);
    assert_eq!(v["rows_dropped"], 1);
    assert_eq!(v["overlap"]["perturbations"], 2);
    assert_eq!(v["overlap"]["perturbations_in_graph"], 1);
    assert_eq!(v["overlap"]["genes_in_graph"], 1);
    let human = dir
        .command()
        .args([
            "priors",
            "stats",
            "--graph",
            "undirected-edges:g.tsv",
            "--no-aliases",
        ])
        .stdout();
    assert!(
        human.contains("components        2 (largest 3 nodes)"),
        "{human}"
    );
});

mptest!(bundled_collectri_ranks_known_hubs, |dir| {
    let out = dir
        .command()
        .args([
            "priors",
            "centrality",
            "--graph",
            "collectri",
            "--measure",
            "out-degree",
            "--top",
            "30",
        ])
        .stdout();
    // CollecTRI's best-connected regulators include these textbook hubs.
    for tf in ["MYC", "TP53", "SP1"] {
        assert!(out.contains(&format!(" {tf} ")), "{tf} missing:\n{out}");
    }
    let stats = dir
        .command()
        .args(["priors", "stats", "--graph", "collectri"])
        .stdout();
    assert!(stats.contains("directed (regulator → target)"), "{stats}");
});

mptest!(bad_specs_are_usage_errors, |dir| {
    let err = dir
        .command()
        .args(["priors", "stats", "--graph", "stringdb:x.tsv"])
        .assert_exit(2);
    assert!(err.contains("unknown graph \"stringdb:x.tsv\""), "{err}");
    let err = dir
        .command()
        .args([
            "priors",
            "centrality",
            "--graph",
            "collectri",
            "--damping",
            "1.5",
        ])
        .assert_exit(2);
    assert!(err.contains("invalid damping 1.5"), "{err}");
});

mptest!(bad_files_are_data_errors_naming_the_cell, |dir| {
    dir.create("nocol.csv", "source,weight\nA,1\n");
    let err = dir
        .command()
        .args(["priors", "stats", "--graph", "edges:nocol.csv"])
        .assert_failure();
    assert!(
        err.contains("nocol.csv:1: missing column `target`"),
        "{err}"
    );
    dir.create("bad.csv", "source,target,weight\nA,B,1\nB,C,heavy\n");
    let err = dir
        .command()
        .args(["priors", "centrality", "--graph", "edges:bad.csv"])
        .assert_failure();
    assert!(
        err.contains(
            "bad.csv:3:3: column `weight`: expected a finite non-negative number, got \"heavy\""
        ),
        "{err}"
    );
    let err = dir
        .command()
        .args(["priors", "stats", "--graph", "trrust:missing.tsv"])
        .assert_failure();
    assert!(err.contains("missing.tsv: cannot open"), "{err}");
});

mptest!(shared_string_and_collectri_read_completely, |dir| {
    let Some(data) = crate::util::shared_data("shared_string_and_collectri_read_completely") else {
        return;
    };
    let string = format!(
        "string:{}",
        data.join("priors/string_v12_edges.tsv.gz").display()
    );
    let v: Value = serde_json::from_str(
        &dir.command()
            .args(["priors", "stats", "--json", "--graph", &string])
            .stdout(),
    )
    .unwrap();
    // PROVENANCE.md: 174,962 edges over 17,288 genes; two pairs of names meet under one symbol.
    assert_eq!(v["edges"], 174_962);
    assert!(
        (17_280..=17_288).contains(&v["nodes"].as_u64().unwrap()),
        "{v}"
    );
    assert_eq!(v["components"], 1);
    let collectri = format!(
        "collectri:{}",
        data.join("priors/collectri_edges.tsv.gz").display()
    );
    let shared: Value = serde_json::from_str(
        &dir.command()
            .args(["priors", "stats", "--json", "--graph", &collectri])
            .stdout(),
    )
    .unwrap();
    let bundled: Value = serde_json::from_str(
        &dir.command()
            .args(["priors", "stats", "--json", "--graph", "collectri"])
            .stdout(),
    )
    .unwrap();
    assert_eq!(shared["rows_read"], 64_186);
    // The embedded bundle is derived from the same parquet: the same graph.
    assert_eq!(shared["nodes"], bundled["nodes"]);
    assert_eq!(shared["edges"], bundled["edges"]);
});

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

mptest!(reverse_turns_in_degree_into_out_degree, |dir| {
    dir.create("g.csv", EDGES);
    let ranked = |extra: &[&str]| {
        dir.command()
            .args([
                "priors",
                "centrality",
                "--graph",
                "edges:g.csv",
                "--no-aliases",
            ])
            .args(["--out", "r.csv"])
            .args(extra)
            .stdout();
        std::fs::read_to_string(dir.path().join("r.csv")).unwrap()
    };
    let forward_in = ranked(&["--measure", "in-degree"]);
    let reversed_out = ranked(&["--measure", "out-degree", "--reverse"]);
    assert_eq!(forward_in, reversed_out);
    assert_eq!(forward_in, "rank,gene,score\n1,A,1\n2,B,1\n3,C,1\n");
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

fn stats_json(dir: &crate::util::Dir, spec: &str) -> Value {
    let out = dir
        .command()
        .args(["priors", "stats", "--json", "--graph", spec])
        .stdout();
    serde_json::from_str(&out).unwrap()
}

mptest!(shared_string_and_collectri_read_completely, |dir| {
    let Some(data) = crate::util::shared_data("shared_string_and_collectri_read_completely") else {
        return;
    };
    let string = format!(
        "string:{}",
        data.join("priors/string_v12_edges.tsv.gz").display()
    );
    let v = stats_json(&dir, &string);
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
    let shared = stats_json(&dir, &collectri);
    let bundled = stats_json(&dir, "collectri");
    assert_eq!(shared["rows_read"], 64_186);
    // The embedded bundle is derived from the same parquet: the same graph.
    assert_eq!(shared["nodes"], bundled["nodes"]);
    assert_eq!(shared["edges"], bundled["edges"]);
});

/// Average ranks (ties share their mean rank).
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        for &k in &idx[i..=j] {
            r[k] = (i + j) as f64 / 2.0;
        }
        i = j + 1;
    }
    r
}

fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

#[test]
fn spearman_by_hand() {
    assert!((spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]) - 1.0).abs() < 1e-12);
    assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
    // Ranks (0, 1, 2, 3) vs (0.5, 0.5, 2, 3): r = 4.5 / √(5 · 4.5).
    let r = spearman(&[1.0, 2.0, 3.0, 4.0], &[5.0, 5.0, 6.0, 7.0]);
    assert!((r - 4.5 / (5.0f64 * 4.5).sqrt()).abs() < 1e-12);
}

fn reference_measure(name: &str) -> mechpert::priors::centrality::Measure {
    use mechpert::priors::centrality::{Direction, Iteration, Measure, katz, pagerank};
    let deg = |direction, weighted| Measure::Degree {
        direction,
        weighted,
    };
    match name {
        "in-degree" => deg(Direction::In, false),
        "out-degree" => deg(Direction::Out, false),
        "degree" => deg(Direction::Total, false),
        "weighted-in-degree" => deg(Direction::In, true),
        "weighted-out-degree" => deg(Direction::Out, true),
        "weighted-degree" => deg(Direction::Total, true),
        "pagerank" => Measure::PageRank(pagerank::Params::default()),
        "eigenvector" => Measure::Eigenvector(Iteration::default()),
        "katz" => Measure::Katz(katz::Params::default()),
        "closeness" => Measure::Closeness,
        "betweenness" => Measure::Betweenness,
        other => panic!("unknown measure {other} in the reference file"),
    }
}

/// Compares mechpert's centralities with the committed networkx/igraph reference
/// (`experiments/reference/centrality_networkx.py`): Spearman ≥ 0.99 over the reference genes
/// and the same top 50 up to ties.
fn check_reference(graph: &str, spec: &str, slow: &[&str]) {
    use std::io::Read;
    let path = crate::util::repo().join(format!(
        "tests/fixtures/reference/centrality_{graph}.tsv.gz"
    ));
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let meta: std::collections::HashMap<&str, &str> = text
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("# ")
        .split(' ')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();

    let loaded = mechpert::priors::open(spec, mechpert::data::GeneSymbols::embedded()).unwrap();
    let g = &loaded.graph;
    assert_eq!(
        g.node_count().to_string(),
        meta["nodes"],
        "{graph}: nodes differ from the reference read"
    );
    assert_eq!(
        g.edge_count().to_string(),
        meta["edges"],
        "{graph}: edges differ from the reference read"
    );
    let alpha: f64 = meta["katz_alpha"].parse().unwrap();
    let ours = mechpert::priors::centrality::katz::alpha_for(g);
    assert!(
        (ours - alpha).abs() < 1e-6 * alpha,
        "{graph}: katz alpha {ours} vs {alpha}"
    );

    let slow_ok = std::env::var_os("MECHPERT_SLOW_TESTS").is_some();
    for (col, name) in header.iter().enumerate().skip(1) {
        if slow.contains(name) && !slow_ok {
            eprintln!("SKIP {graph} {name}: takes minutes; set MECHPERT_SLOW_TESTS=1 to compare");
            continue;
        }
        let scores = reference_measure(name).scores(g).unwrap();
        let reference: Vec<f64> = rows.iter().map(|r| r[col].parse().unwrap()).collect();
        let mine: Vec<f64> = rows
            .iter()
            .map(|r| {
                scores[g
                    .node(r[0])
                    .unwrap_or_else(|| panic!("{} not in graph", r[0]))
                    as usize]
            })
            .collect();
        let rho = spearman(&mine, &reference);
        assert!(rho >= 0.99, "{graph} {name}: Spearman {rho}");
        // Top 50 up to ties: the reference holds every measure's top 200.
        let mut by_ref: Vec<(f64, &str)> = reference
            .iter()
            .copied()
            .zip(rows.iter().map(|r| r[0]))
            .collect();
        by_ref.sort_by(|a, b| b.0.total_cmp(&a.0));
        let cut = by_ref[49].0;
        let tol = 1e-6 * cut.abs().max(1e-12);
        let ranked = mechpert::priors::centrality::rank(g, &scores, None, 0);
        let ref_of: std::collections::HashMap<&str, f64> =
            by_ref.iter().map(|&(s, n)| (n, s)).collect();
        for r in &ranked[..50] {
            let s = ref_of
                .get(r.gene.as_str())
                .copied()
                .unwrap_or(f64::NEG_INFINITY);
            assert!(
                s >= cut - tol,
                "{graph} {name}: {} in our top 50 has reference score {s} < {cut}",
                r.gene
            );
        }
        let top: std::collections::HashSet<&str> =
            ranked[..50].iter().map(|r| r.gene.as_str()).collect();
        for &(s, n) in by_ref.iter().take_while(|(s, _)| *s > cut + tol) {
            assert!(
                top.contains(n),
                "{graph} {name}: {n} (reference {s}) missing from our top 50"
            );
        }
        let scale = reference
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()))
            .max(1e-300);
        let worst = mine
            .iter()
            .zip(&reference)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs() / scale));
        eprintln!(
            "{graph} {name}: Spearman {rho:.6} over {} genes, largest difference {worst:.1e} of the top score; top 50 agree",
            rows.len()
        );
    }
}

#[test]
fn centralities_match_networkx_on_shared_collectri() {
    let Some(data) = crate::util::shared_data("centralities_match_networkx_on_shared_collectri")
    else {
        return;
    };
    let spec = format!(
        "collectri:{}",
        data.join("priors/collectri_edges.tsv.gz").display()
    );
    check_reference("collectri", &spec, &[]);
}

#[test]
fn centralities_match_networkx_on_shared_string() {
    let Some(data) = crate::util::shared_data("centralities_match_networkx_on_shared_string")
    else {
        return;
    };
    let spec = format!(
        "string:{}",
        data.join("priors/string_v12_edges.tsv.gz").display()
    );
    check_reference("string", &spec, &["closeness", "betweenness"]);
}

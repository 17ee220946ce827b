//! The `text` agent (TF-IDF similarity of gene summaries), the `text` predictor and the
//! `embedding` agent (cosine of gene vectors), through the real binary: proposals on a toy pool,
//! what a gene without a summary, a missing file and vectors of the wrong length do, and the
//! stack's text member.

use crate::evaluate::{EVALUATE_RESPONSES, setup};
use crate::util::{Dir, pool_screen};

/// Summaries of five of the six pool genes (LMO2 has none): GATA1, KLF1 and TAL1 share
/// erythroid words, MYB and SPI1 share myeloid ones.
const SUMMARIES: &str = r#"{
  "GATA1": "Gene Symbol GATA1 erythroid transcription factor binding GATA motifs in haemoglobin genes",
  "KLF1": "Gene Symbol KLF1 erythroid transcription factor activating haemoglobin genes",
  "TAL1": "Gene Symbol TAL1 bHLH factor of erythroid and megakaryocyte development",
  "MYB": "Gene Symbol MYB myeloid progenitor proliferation proto-oncogene",
  "SPI1": "Gene Symbol SPI1 myeloid lineage ETS factor driving myeloid progenitor fate"
}"#;

fn text_agents(dir: &Dir, summaries: &str) {
    dir.create(
        "agents.toml",
        format!(
            "question = \"similar\"\nk = 2\n[consensus]\ntau = 1\n[[agent]]\nbackend = \"text\"\nname = \"summaries\"\nsummaries = \"{summaries}\"\n"
        ),
    );
}

mptest!(
    text_agent_proposes_the_genes_whose_summaries_read_alike,
    |dir| {
        pool_screen(&dir);
        dir.create("summaries.json", SUMMARIES);
        text_agents(&dir, "summaries.json");
        let (_, stderr) = crate::consensus::consensus(&dir, "agents.toml", "out.tsv").both(0);
        // LMO2 has no summary: counted and reported, not fatal.
        assert!(
            stderr.contains("1 of 6 pool genes have no summary"),
            "{stderr}"
        );
        let out = std::fs::read_to_string(dir.path().join("out.tsv")).unwrap();
        let neighbours = |target: &str| -> Vec<String> {
            out.lines()
                .filter(|l| l.starts_with(&format!("{target}\t")))
                .map(|l| l.split('\t').nth(1).unwrap().to_string())
                .collect()
        };
        assert_eq!(neighbours("KLF1"), ["GATA1", "TAL1"], "{out}");
        // Every summary says "Gene Symbol", so weak similarities fill k; the myeloid one leads.
        assert_eq!(neighbours("MYB")[0], "SPI1", "{out}");
        assert!(neighbours("LMO2").is_empty(), "{out}");
        // The best neighbour has confidence 1 (similarity / the target's best).
        let klf1_gata1 = out
            .lines()
            .find(|l| l.starts_with("KLF1\tGATA1\t"))
            .unwrap();
        assert_eq!(klf1_gata1.split('\t').nth(2).unwrap(), "1.0000", "{out}");
    }
);

mptest!(a_missing_summaries_file_is_named, |dir| {
    pool_screen(&dir);
    text_agents(&dir, "nowhere/summaries.json");
    let stderr = crate::consensus::consensus(&dir, "agents.toml", "out.tsv").assert_failure();
    assert!(stderr.contains("agent `summaries`"), "{stderr}");
    assert!(
        stderr.contains("nowhere/summaries.json: cannot read gene summaries"),
        "{stderr}"
    );
    assert!(!dir.path().join("out.tsv").exists());
});

/// Summaries of the evaluate setup's perturbations: P0–P3 and P4–P7 each share a vocabulary.
fn setup_summaries(dir: &Dir) {
    let mut tsv = String::from("gene\tsummary\n");
    for p in 0..8 {
        let words = if p < 4 {
            "ribosome translation elongation"
        } else {
            "mitochondrial respiration complex"
        };
        tsv.push_str(&format!("P{p}\tgene P{p} {words} variant{p}\n"));
    }
    dir.create("summaries.tsv", tsv);
}

mptest!(evaluate_text_and_the_stack_member, |dir| {
    setup(&dir);
    setup_summaries(&dir);
    let mut cmd = dir.command();
    cmd.args(EVALUATE_RESPONSES).args([
        "--observed",
        "4",
        "--draws",
        "3",
        "--predictors",
        "text,stack",
        "--neighbours",
        "consensus.tsv",
        "--summaries",
        "summaries.tsv",
        "--out",
        "out",
    ]);
    let stdout = cmd.stdout();
    assert!(
        stdout.contains("summaries `summaries.tsv`: 8 genes with a summary"),
        "{stdout}"
    );
    let metrics = std::fs::read_to_string(dir.path().join("out/metrics.csv")).unwrap();
    let value = |predictor: &str, metric: &str| -> Vec<f64> {
        metrics
            .lines()
            .filter(|l| l.contains(&format!(",{predictor},{metric},")))
            .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
            .collect()
    };
    // Summaries follow the two modules, so text kNN beats the mean on every draw.
    let text = value("text", "pearson_delta");
    let mean = value("mean", "pearson_delta");
    assert_eq!(text.len(), 3, "{metrics}");
    assert!(text.iter().zip(&mean).all(|(t, m)| t > m), "{metrics}");
    assert_eq!(value("stack", "w_text").len(), 3, "{metrics}");
});

mptest!(text_needs_summaries, |dir| {
    setup(&dir);
    let mut cmd = dir.command();
    cmd.args(EVALUATE_RESPONSES)
        .args(["--predictors", "text", "--out", "out"]);
    let stderr = cmd.assert_exit(2);
    assert!(
        stderr.contains("predictor text needs --summaries PATH"),
        "{stderr}"
    );
});

fn embedding_agents(dir: &Dir, vectors: &str) {
    dir.create(
        "agents.toml",
        "question = \"similar\"\nk = 1\n[consensus]\ntau = 1\n[[agent]]\nbackend = \"embedding\"\nname = \"genept\"\nvectors = \"vectors.tsv\"\n",
    );
    dir.create("vectors.tsv", vectors);
}

mptest!(embedding_agent_proposes_the_nearest_vectors, |dir| {
    pool_screen(&dir);
    embedding_agents(
        &dir,
        "gene\tv1\tv2\nGATA1\t1\t0.1\nKLF1\t1\t0\nTAL1\t0.8\t0.6\nMYB\t0\t1\nSPI1\t0.1\t1\n",
    );
    crate::consensus::consensus(&dir, "agents.toml", "out.tsv").both(0);
    let out = std::fs::read_to_string(dir.path().join("out.tsv")).unwrap();
    for (target, nearest) in [("KLF1", "GATA1"), ("MYB", "SPI1"), ("TAL1", "GATA1")] {
        assert!(
            out.contains(&format!("{target}\t{nearest}\t1.0000\t")),
            "{target}: {out}"
        );
    }
});

mptest!(vectors_of_the_wrong_length_are_refused, |dir| {
    pool_screen(&dir);
    embedding_agents(&dir, "gene,v1,v2,v3\nGATA1,1,0,0\nKLF1,1,0\n");
    let stderr = crate::consensus::consensus(&dir, "agents.toml", "out.tsv").assert_failure();
    assert!(stderr.contains("agent `genept`"), "{stderr}");
    assert!(
        stderr.contains(
            "vectors.tsv:3: gene KLF1 has 2 values, expected 3 (the header's dimensions)"
        ),
        "{stderr}"
    );
    assert!(!dir.path().join("out.tsv").exists());
});

//! `mechpert inspect` on every input format and every kind of bad input.

use serde_json::Value;

fn json(dir: &crate::util::Dir, args: &[&str]) -> Value {
    let mut all = vec!["inspect", "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&dir.command().args(&all).stdout()).unwrap()
}

mptest!(wide_csv_with_control_row_and_aliases, |dir| {
    dir.create(
        "screen.csv",
        "perturbation,c-k-ras,tp53,NOTAGENE1\nnon-targeting,1,2,3\nMYC,1.5,2,3\nGATA1,1,0,3\n",
    );
    let v = json(&dir, &["screen.csv"]);
    assert_eq!(v["format"], "wide");
    assert_eq!(v["perturbations"], 2);
    assert_eq!(v["genes"], 3);
    assert_eq!(v["control"], true);
    assert_eq!(v["cells"], Value::Null);
    assert_eq!(v["unmapped_genes"], 1);
    assert_eq!(v["value_kind"], "expression");
    // |0.5| + |−2| over 2 × 3 entries.
    assert!((v["mean_abs_response"].as_f64().unwrap() - 2.5 / 6.0).abs() < 1e-6);
});

mptest!(long_tsv_gz_reads_like_wide, |dir| {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(
        b"perturbation\tgene\tvalue\nctrl\tA1BG\t1\nctrl\tTP53\t2\nMYC\tA1BG\t0\nMYC\tTP53\t4\n",
    )
    .unwrap();
    dir.create("screen.tsv.gz", gz.finish().unwrap());
    let v = json(&dir, &["screen.tsv.gz"]);
    assert_eq!(v["format"], "long");
    assert_eq!(v["perturbations"], 1);
    assert_eq!(v["genes"], 2);
    assert!((v["mean_abs_response"].as_f64().unwrap() - 1.5).abs() < 1e-6);
});

mptest!(human_summary_names_the_counts, |dir| {
    dir.create(
        "s.csv",
        "perturbation,rank,gene\nMYC,1,TP53\nMYC,2,A1BG\nGATA1,1,A1BG\n",
    );
    let out = dir.command().args(["inspect", "s.csv"]).stdout();
    assert!(out.contains("format            ranked"), "{out}");
    assert!(out.contains("perturbations     2"), "{out}");
    assert!(out.contains("genes measured    2"), "{out}");
});

mptest!(missing_file_is_a_data_error, |dir| {
    let err = dir.command().args(["inspect", "nope.csv"]).assert_failure();
    assert!(err.contains("nope.csv: cannot read"), "{err}");
});

mptest!(unknown_extension_names_the_accepted_ones, |dir| {
    dir.create("s.xlsx", "a,b\n");
    let err = dir.command().args(["inspect", "s.xlsx"]).assert_failure();
    assert!(
        err.contains("s.xlsx: unknown extension \".xlsx\": expected .h5ad, .csv"),
        "{err}"
    );
    // --format overrides the extension.
    dir.create("t.dat", "perturbation,A1BG\nctrl,1\nMYC,2\n");
    let v = json(&dir, &["t.dat", "--format", "wide"]);
    assert_eq!(v["perturbations"], 1);
});

mptest!(empty_file_is_refused, |dir| {
    dir.create("empty.csv", "");
    let err = dir
        .command()
        .args(["inspect", "empty.csv"])
        .assert_failure();
    assert!(err.contains("empty.csv: the file is empty"), "{err}");
    dir.create("header_only.csv", "perturbation,A1BG\n");
    let err = dir
        .command()
        .args(["inspect", "header_only.csv"])
        .assert_failure();
    assert!(err.contains("header_only.csv"), "{err}");
});

mptest!(ragged_row_names_the_line, |dir| {
    dir.create("s.csv", "perturbation,A1BG,TP53\nctrl,1,2\nMYC,1\n");
    let err = dir.command().args(["inspect", "s.csv"]).assert_failure();
    assert!(
        err.contains("s.csv:3: expected 3 fields like the header, got 2"),
        "{err}"
    );
});

mptest!(non_numeric_and_nan_cells_name_line_and_column, |dir| {
    dir.create("s.csv", "perturbation,MYC,GATA1\nctrl,1,1\nKLF1,0.2,oops\n");
    let err = dir.command().args(["inspect", "s.csv"]).assert_failure();
    assert!(
        err.contains("s.csv:3: column `GATA1`: expected a number, got \"oops\""),
        "{err}"
    );
    dir.create("n.csv", "perturbation,MYC,GATA1\nctrl,1,1\nKLF1,NaN,1\n");
    let err = dir.command().args(["inspect", "n.csv"]).assert_failure();
    assert!(
        err.contains("n.csv:3: column `MYC`: \"NaN\" is a missing value"),
        "{err}"
    );
    dir.create("i.csv", "perturbation,MYC\nctrl,1\nKLF1,-inf\n");
    let err = dir.command().args(["inspect", "i.csv"]).assert_failure();
    assert!(
        err.contains("expected a finite number, got \"-inf\""),
        "{err}"
    );
});

mptest!(duplicate_names_point_at_both_places, |dir| {
    dir.create("p.csv", "perturbation,A1BG\nctrl,1\nMYC,1\nmyc,2\n");
    let err = dir.command().args(["inspect", "p.csv"]).assert_failure();
    assert!(
        err.contains("p.csv:4: perturbation `MYC` (spelled `myc`) appears twice (first at line 3)"),
        "{err}"
    );
    dir.create("g.csv", "perturbation,TP53,tp53\nctrl,1,1\nMYC,1,2\n");
    let err = dir.command().args(["inspect", "g.csv"]).assert_failure();
    assert!(
        err.contains("g.csv:1: gene `TP53` (spelled `tp53`) appears twice (first at column 2)"),
        "{err}"
    );
});

mptest!(no_control_says_which_labels_were_tried, |dir| {
    dir.create("s.csv", "perturbation,A1BG\nMYC,1\nGATA1,2\n");
    let err = dir.command().args(["inspect", "s.csv"]).assert_failure();
    assert!(err.contains("s.csv: no control found"), "{err}");
    assert!(err.contains("\"non-targeting\""), "{err}");
    // Values declared relative to control need no control row.
    let v = json(&dir, &["s.csv", "--values", "response"]);
    assert_eq!(v["control"], false);
    // A custom control label is honoured.
    let v = json(&dir, &["s.csv", "--control", "gata1"]);
    assert_eq!(v["perturbations"], 1);
});

mptest!(missing_perturbation_column_is_named, |dir| {
    dir.create("s.csv", "perturbation,gene,value\nctrl,A1BG,1\n");
    let err = dir
        .command()
        .args(["inspect", "s.csv", "--perturbation-key", "guide"])
        .assert_failure();
    assert!(
        err.contains("s.csv: no column `guide`: the header has `perturbation`, `gene`, `value`"),
        "{err}"
    );
});

mptest!(bad_rank_and_missing_long_pair, |dir| {
    dir.create("r.csv", "perturbation,rank,gene\nMYC,0,TP53\n");
    let err = dir.command().args(["inspect", "r.csv"]).assert_failure();
    assert!(
        err.contains("r.csv:2: column `rank`: expected a whole rank ≥ 1, got \"0\""),
        "{err}"
    );
    dir.create(
        "l.csv",
        "perturbation,gene,value\nctrl,A1BG,1\nctrl,TP53,1\nMYC,A1BG,2\n",
    );
    let err = dir.command().args(["inspect", "l.csv"]).assert_failure();
    assert!(
        err.contains("perturbation `MYC` has no value for gene `TP53`"),
        "{err}"
    );
});

mptest!(k562_signatures_inspect, |dir| {
    let Some(shared) = crate::util::shared_data("k562_signatures_inspect") else {
        return;
    };
    let path = shared
        .join("perturbseq/replogle2022_k562_signatures/k562_essential_up_ranked_top1000.csv.gz");
    let v = json(&dir, &[path.to_str().unwrap()]);
    assert_eq!(v["format"], "ranked");
    assert_eq!(v["perturbations"], 585);
    assert_eq!(v["genes"], 7225);
    assert_eq!(v["value_kind"], "rank-score");
    assert_eq!(v["control"], false);
});

mptest!(
    repeated_pairs_in_long_and_ranked_tables_name_both_lines,
    |dir| {
        dir.create(
            "l.csv",
            "perturbation,gene,value\nctrl,TP53,1\nMYC,TP53,2\nMYC,tp53,3\n",
        );
        let err = dir.command().args(["inspect", "l.csv"]).assert_failure();
        assert!(
            err.contains(
                "l.csv:4: perturbation/gene pair `MYC/tp53` appears twice (first at line 3)"
            ),
            "{err}"
        );
        dir.create("r.csv", "perturbation,rank,gene\nMYC,1,TP53\nMYC,2,TP53\n");
        let err = dir.command().args(["inspect", "r.csv"]).assert_failure();
        assert!(
            err.contains(
                "r.csv:3: perturbation/gene pair `MYC/TP53` appears twice (first at line 2)"
            ),
            "{err}"
        );
    }
);

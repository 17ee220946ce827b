//! Issue 11 leftovers: `--layer NAME` for h5ad layers, `inspect` saying which matrix it read and
//! what it looks like, and a table of cells with its labels in a second file (`--labels`).

use std::path::Path;

use mechpert::data::io::Builder;
use mechpert::data::io::reader::Normalize;
use mechpert::data::{GeneSymbols, Screen};
use serde_json::Value;

use crate::h5ad::inspect;
use crate::util::{python, repo, run_python, shared_data};

fn read(path: &Path, layer: Option<&str>, normalize: Option<Normalize>) -> Screen {
    Builder::new(GeneSymbols::embedded())
        .layer(layer.map(str::to_string))
        .normalize(normalize)
        .build_from_path(path)
        .unwrap()
        .screen
}

fn max_abs_diff(a: &Screen, b: &Screen) -> f32 {
    assert_eq!(a.perturbations(), b.perturbations());
    assert_eq!(a.genes(), b.genes());
    let profiles = |s: &Screen| -> Vec<f32> {
        (0..s.n_perturbations())
            .flat_map(|p| s.profile(p).to_vec())
            .chain(s.control().iter().copied())
            .collect()
    };
    profiles(a)
        .iter()
        .zip(&profiles(b))
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn close(got: &Value, want: &Value) -> bool {
    (got.as_f64().unwrap() - want.as_f64().unwrap()).abs() < 1e-6
}

mptest!(anndata_layers_are_read_by_name_and_described, |dir| {
    let Some(python) = python("anndata_layers_are_read_by_name_and_described") else {
        return;
    };
    run_python(&python, "write_layers.py", &["."], dir.path());
    let numpy: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("layers.json")).unwrap())
            .unwrap();
    // X holds log1p values: read, not refused, and described as numpy sees it.
    let v = inspect(&dir, &["layers.h5ad", "--no-aliases"]);
    let m = &v["matrix"];
    assert_eq!(m["name"], "X", "{v}");
    assert_eq!(m["encoding"], "csr");
    assert_eq!(m["dtype"], "float32");
    assert_eq!(
        m["layers"],
        serde_json::json!(["counts", "log1p_csc", "log1p_dense"])
    );
    for key in ["min", "max", "zero_fraction"] {
        assert!(close(&m["values"][key], &numpy["X"][key]), "{key}: {m}");
    }
    assert_eq!(m["values"]["whole_numbers"], false);
    // layers['counts'] holds the raw counts: refused, naming the layer.
    let stderr = dir
        .command()
        .args(["inspect", "layers.h5ad", "--layer", "counts"])
        .assert_failure();
    assert!(
        stderr.contains(
            "layers.h5ad: HDF5 `/layers/counts`: holds raw counts (every value a whole number, the largest"
        ) && stderr.contains("or pass --normalize log1p-cp10k"),
        "{stderr}"
    );
    // With --normalize it is the scanpy user's path, and gives what reading X gives.
    let v = inspect(
        &dir,
        &[
            "layers.h5ad",
            "--layer",
            "counts",
            "--normalize",
            "log1p-cp10k",
        ],
    );
    let m = &v["matrix"];
    assert_eq!(m["name"], "layers/counts", "{v}");
    assert_eq!(m["values"]["whole_numbers"], true);
    for key in ["min", "max", "zero_fraction"] {
        assert!(
            close(&m["values"][key], &numpy["counts"][key]),
            "{key}: {m}"
        );
    }
    let path = dir.path().join("layers.h5ad");
    let x = read(&path, None, None);
    assert_eq!(x.n_perturbations(), 2);
    let normalised = read(&path, Some("counts"), Some(Normalize::Log1pCp10k));
    let diff = max_abs_diff(&x, &normalised);
    assert!(diff < 1e-5, "layers/counts normalised vs X: {diff}");
    // Dense and CSC layers read as X does.
    for layer in ["log1p_dense", "log1p_csc"] {
        let diff = max_abs_diff(&x, &read(&path, Some(layer), None));
        assert!(diff < 1e-6, "{layer} vs X: {diff}");
        let v = inspect(&dir, &["layers.h5ad", "--layer", layer]);
        let want = if layer == "log1p_csc" { "csc" } else { "dense" };
        assert_eq!(v["matrix"]["encoding"], want, "{v}");
    }
    // An unknown layer names the file, the layer asked for and the layers present.
    let stderr = dir
        .command()
        .args(["inspect", "layers.h5ad", "--layer", "spliced"])
        .assert_failure();
    assert!(
        stderr.contains(
            "layers.h5ad: HDF5 `/layers/spliced`: no such layer: the layers are `counts`, `log1p_csc`, `log1p_dense`; without --layer, X is read"
        ),
        "{stderr}"
    );
});

/// Seven cells over three genes, X = log values written by mechpert, `layers/counts` a dense
/// int32 matrix of counts; returns the counts and labels.
fn write_layered(path: &Path) -> (Vec<[i32; 3]>, Vec<&'static str>) {
    let labels = vec!["ctrl", "MYC", "ctrl", "MYC", "GATA1", "GATA1", "MYC"];
    let counts: Vec<[i32; 3]> = vec![
        [40, 10, 50],
        [20, 0, 80],
        [60, 20, 20],
        [35, 5, 60],
        [10, 90, 0],
        [12, 70, 18],
        [50, 0, 50],
    ];
    let logs: Vec<[f32; 3]> = counts
        .iter()
        .map(|c| c.map(|v| (v as f32).ln_1p()))
        .collect();
    crate::catalogue::cells_h5ad_of(path, ["TP53", "MYC", "GATA1"], &labels, &logs);
    let f = hdf5::File::open_rw(path).unwrap();
    let flat: Vec<i32> = counts.iter().flatten().copied().collect();
    f.group("layers")
        .unwrap()
        .new_dataset_builder()
        .with_data(&ndarray::Array2::from_shape_vec((7, 3), flat).unwrap())
        .create("counts")
        .unwrap();
    f.close().unwrap();
    (counts, labels)
}

mptest!(
    a_dense_integer_layer_is_refused_as_counts_and_normalised,
    |dir| {
        let path = dir.path().join("cells.h5ad");
        let (counts, labels) = write_layered(&path);
        let v = inspect(&dir, &["cells.h5ad", "--control", "ctrl"]);
        assert_eq!(v["matrix"]["name"], "X");
        assert_eq!(v["matrix"]["layers"], serde_json::json!(["counts"]));
        let stderr = dir
            .command()
            .args([
                "inspect",
                "cells.h5ad",
                "--control",
                "ctrl",
                "--layer",
                "counts",
            ])
            .assert_failure();
        assert!(
        stderr.contains("HDF5 `/layers/counts`: holds raw counts (every value a whole number, the largest 90)"),
        "{stderr}"
    );
        let v = inspect(
            &dir,
            &[
                "cells.h5ad",
                "--control",
                "ctrl",
                "--layer",
                "counts",
                "--normalize",
                "log1p-cp10k",
            ],
        );
        let m = &v["matrix"];
        assert_eq!(
            (&m["encoding"], &m["dtype"]),
            (&"dense".into(), &"int32".into()),
            "{m}"
        );
        assert_eq!(m["values"]["min"], 0.0);
        assert_eq!(m["values"]["max"], 90.0);
        // 3 zeros of 21 values.
        assert!(
            close(&m["values"]["zero_fraction"], &(3.0 / 21.0).into()),
            "{m}"
        );
        // Every cell sums to 100 counts: ln(1 + 100 x) per value, averaged per label, minus the
        // control mean; mean |response| over 2 perturbations × 3 genes.
        let mean = |label: &str, g: usize| {
            let rows: Vec<f64> = counts
                .iter()
                .zip(&labels)
                .filter(|(_, l)| **l == label)
                .map(|(c, _)| (100.0 * f64::from(c[g])).ln_1p())
                .collect();
            rows.iter().sum::<f64>() / rows.len() as f64
        };
        let want: f64 = ["MYC", "GATA1"]
            .iter()
            .flat_map(|p| (0..3).map(move |g| (mean(p, g) - mean("ctrl", g)).abs()))
            .sum::<f64>()
            / 6.0;
        let got = v["mean_abs_response"].as_f64().unwrap();
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
        assert_eq!(
            v["first_perturbations"],
            serde_json::json!(["MYC", "GATA1"])
        );
        // --layer on a text table is refused.
        dir.create("screen.csv", "perturbation,TP53\nctrl,1\nMYC,2\n");
        let stderr = dir
            .command()
            .args(["inspect", "screen.csv", "--layer", "counts"])
            .assert_failure();
        assert!(
        stderr.contains("screen.csv: --layer counts names a layer of an AnnData .h5ad file, but this file is a text table"),
        "{stderr}"
    );
    }
);

mptest!(inspect_describes_a_text_table, |dir| {
    dir.create("screen.csv", "perturbation,TP53\nctrl,1\nMYC,2\n");
    let v = inspect(&dir, &["screen.csv", "--control", "ctrl"]);
    assert_eq!(v["matrix"]["name"], "table");
    assert_eq!(v["matrix"]["encoding"], "table");
    assert_eq!(v["matrix"]["values"], Value::Null);
    let out = dir
        .command()
        .args(["inspect", "screen.csv", "--control", "ctrl"])
        .stdout();
    assert!(
        out.contains("  matrix            table (a text table)"),
        "{out}"
    );
});

mptest!(a_table_of_cells_reads_with_a_labels_file, |dir| {
    // Cells in one order, labels in another (gzip, tab-separated), one label for no cell and
    // one cell with no label.
    dir.create(
        "cells.csv",
        "cell,TP53,MYC\nc1,1,2\nc2,3,4\nc3,5,0\nc4,7,2\nc5,2,2\nc6,9,9\n",
    );
    let labels = "cell\tguide\nc5\tMYC\nc4\tGATA1\nc2\tnon-targeting\nc1\tnon-targeting\nc3\tGATA1\nc7\tMYC\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, labels.as_bytes()).unwrap();
    dir.create("labels.tsv.gz", gz.finish().unwrap());
    let args = [
        "cells.csv",
        "--labels",
        "labels.tsv.gz",
        "--perturbation-key",
        "guide",
    ];
    let v = inspect(&dir, &args);
    // Control (1,2),(3,4) → (2,3); GATA1 (5,0),(7,2) → (6,1), response (4,−2); MYC (2,2),
    // response (0,−1): mean |response| (4 + 2 + 0 + 1)/4.
    assert_eq!(v["perturbations"], 2, "{v}");
    assert_eq!(
        v["first_perturbations"],
        serde_json::json!(["MYC", "GATA1"])
    );
    assert_eq!(v["cells"], 5);
    assert_eq!(v["control_cells"], 2);
    assert_eq!(v["cells_per_perturbation"], serde_json::json!([1, 2]));
    assert!(close(&v["mean_abs_response"], &1.75.into()), "{v}");
    let join = &v["matrix"]["labels"];
    assert_eq!(join["on"], "cell id");
    assert_eq!(join["label_column"], "guide");
    assert_eq!(join["cells_labelled"], 5);
    assert_eq!(join["cells_without_label"], 1);
    assert_eq!(join["labels_without_cell"], 1);
    let m = &v["matrix"]["values"];
    assert_eq!(
        (m["min"].as_f64(), m["max"].as_f64()),
        (Some(0.0), Some(9.0))
    );
    let (out, err) = dir.command().args(["inspect"]).args(args).both(0);
    assert!(
        out.contains("labels.tsv.gz joined on cell id (label: guide): 5 cells labelled, 1 without a label, 1 labels without a cell"),
        "{out}"
    );
    assert!(
        err.contains("cells_without_label=1") && err.contains("labels_without_cell=1"),
        "{err}"
    );
    // No shared id: an error naming both files and their first ids.
    dir.create("other.csv", "cell,guide\nx1,MYC\nx2,non-targeting\n");
    let stderr = dir
        .command()
        .args([
            "inspect",
            "cells.csv",
            "--labels",
            "other.csv",
            "--perturbation-key",
            "guide",
        ])
        .assert_failure();
    assert!(
        stderr.contains("other.csv: no cell id of the labels matches a cell of cells.csv: the labels start `x1`, `x2`, the table starts `c1`, `c2`, `c3`"),
        "{stderr}"
    );
    // A missing value among cells is refused naming the cell (--missing is for perturbation
    // tables; cells are averaged as read).
    dir.create(
        "holes.csv",
        "cell,TP53,MYC\nc1,1,2\nc2,NA,4\nc3,5,0\nc4,7,2\nc5,2,2\n",
    );
    let stderr = dir
        .command()
        .args(["inspect", "holes.csv", "--labels", "labels.tsv.gz"])
        .args(["--perturbation-key", "guide", "--missing", "zero"])
        .assert_failure();
    assert!(
        stderr.contains("holes.csv:3: column `TP53`: expected a number, got the missing value \"NA\": a table of cells must be complete"),
        "{stderr}"
    );
    // --labels with an h5ad is refused: its labels are obs columns.
    let h5ad = repo().join("experiments/data/embedded/renge_ipsc.h5ad");
    let stderr = dir
        .command()
        .args(["inspect", h5ad.to_str().unwrap(), "--labels", "other.csv"])
        .assert_failure();
    assert!(
        stderr.contains("this is an h5ad file, whose labels are obs columns"),
        "{stderr}"
    );
});

mptest!(
    the_renge_csvs_read_as_a_table_of_cells_with_one_hot_labels,
    |dir| {
        let Some(shared) =
            shared_data("the_renge_csvs_read_as_a_table_of_cells_with_one_hot_labels")
        else {
            return;
        };
        let renge = shared.join("perturbseq/renge_ipsc");
        let cells = renge.join("expression_log1p_cells_x_genes.csv.gz");
        let labels = renge.join("knockout_labels_cells.csv.gz");
        let v = inspect(
            &dir,
            &[
                cells.to_str().unwrap(),
                "--labels",
                labels.to_str().unwrap(),
            ],
        );
        // The published counts, as the embedded h5ad derived from the same files has them.
        assert_eq!(v["perturbations"], 23, "{v}");
        assert_eq!(v["genes"], 103);
        assert_eq!(v["cells"], 14945);
        assert_eq!(v["control_cells"], 1182);
        assert_eq!(v["cells_per_perturbation"], serde_json::json!([149, 1545]));
        let join = &v["matrix"]["labels"];
        assert_eq!(join["label_column"], "one-hot");
        assert_eq!(join["cells_labelled"], 14945);
        assert_eq!(join["cells_without_label"], 0);
        assert_eq!(join["labels_without_cell"], 0);
        assert_eq!(v["matrix"]["values"]["whole_numbers"], false);
        let two_files = Builder::new(GeneSymbols::embedded())
            .labels(Some(labels))
            .build_from_path(&cells)
            .unwrap()
            .screen;
        let embedded = read(
            &repo().join("experiments/data/embedded/renge_ipsc.h5ad"),
            None,
            None,
        );
        let mut perts = two_files.perturbations().to_vec();
        perts.sort();
        let mut want = embedded.perturbations().to_vec();
        want.sort();
        assert_eq!(perts, want);
        let gene_index = embedded.gene_index();
        let pert_index = embedded.perturbation_index();
        for (p, name) in two_files.perturbations().iter().enumerate() {
            let q = pert_index[name.as_str()];
            for (g, gene) in two_files.genes().iter().enumerate() {
                let (a, b) = (
                    two_files.response()[[p, g]],
                    embedded.response()[[q, gene_index[gene.as_str()]]],
                );
                assert!((a - b).abs() < 1e-4, "{name} {gene}: {a} vs {b}");
            }
        }
    }
);

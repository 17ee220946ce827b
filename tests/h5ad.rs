//! h5ad input: files written by Python's anndata and by mechpert (tests/fixtures/h5ad, made by
//! experiments/data/make_h5ad_fixtures.sh with the numbers numpy computed in expected.json) and
//! every kind of bad h5ad.

use std::path::PathBuf;

use mechpert::data::GeneSymbols;
use mechpert::data::io::Builder;
use serde_json::Value;

use crate::util::{Dir, repo};

pub(crate) const TOL: f64 = 1e-5;

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/h5ad").join(name)
}

pub(crate) fn inspect(dir: &Dir, args: &[&str]) -> Value {
    let mut all = vec!["inspect", "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&dir.command().args(&all).stdout()).unwrap()
}

fn inspect_err(dir: &Dir, args: &[&str]) -> String {
    let mut all = vec!["inspect"];
    all.extend_from_slice(args);
    dir.command().args(&all).assert_failure()
}

pub(crate) fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOL * (1.0 + b.abs())
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

mptest!(h5ad_files_read_as_numpy_computed_them, |dir| {
    let text = std::fs::read_to_string(fixture("expected.json")).unwrap();
    let expected: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    for name in [
        "sc_dense_f32.h5ad",
        "sc_csr_f32.h5ad",
        "sc_csr_f64_gzip.h5ad",
        "sc_csc_f64.h5ad",
        "gears.h5ad",
        "replogle_bulk.h5ad",
        "bulk_expression.h5ad",
        "legacy_csr.h5ad",
        "mechpert_cells.h5ad",
        "mechpert_pseudobulk.h5ad",
    ] {
        assert!(
            expected.contains_key(name),
            "expected.json describes {name}"
        );
    }
    for (name, exp) in &expected {
        let path = fixture(name);
        let path_str = path.to_str().unwrap();
        let v = inspect(&dir, &[path_str]);
        for key in [
            "perturbations",
            "genes",
            "cells",
            "control_cells",
            "control",
            "value_kind",
        ] {
            assert_eq!(v[key], exp[key], "{name}: {key}");
        }
        assert_eq!(v["format"], "h5ad", "{name}");
        let mar = v["mean_abs_response"].as_f64().unwrap();
        let want = exp["mean_abs_response"].as_f64().unwrap();
        assert!(close(mar, want), "{name}: mean |response| {mar} vs {want}");

        let screen = Builder::new(GeneSymbols::embedded())
            .build_from_path(&path)
            .unwrap()
            .screen;
        let index = screen.perturbation_index();
        let profiles = exp["profiles"].as_object().unwrap();
        assert_eq!(screen.n_perturbations(), profiles.len(), "{name}");
        for (p, want) in profiles {
            let row = *index
                .get(p.as_str())
                .unwrap_or_else(|| panic!("{name}: no perturbation {p}"));
            let got = screen.profile(row);
            for (g, (a, b)) in got.iter().zip(floats(want)).enumerate() {
                assert!(close(f64::from(*a), b), "{name}: {p} gene {g}: {a} vs {b}");
            }
            if let Some(cells) = exp["cells_per_perturbation"].as_object() {
                assert_eq!(
                    u64::from(screen.cells().unwrap()[row]),
                    cells[p].as_u64().unwrap(),
                    "{name}: cells of {p}"
                );
            }
        }
        for (g, (a, b)) in screen
            .control()
            .iter()
            .zip(floats(&exp["control_profile"]))
            .enumerate()
        {
            assert!(
                close(f64::from(*a), b),
                "{name}: control gene {g}: {a} vs {b}"
            );
        }
    }
});

mptest!(gears_names_and_symbol_columns_are_understood, |dir| {
    let v = inspect(&dir, &[fixture("gears.h5ad").to_str().unwrap()]);
    // `MYC+ctrl` is MYC, `ctrl` the control, `GATA1+KLF1` a combination; var symbols come from
    // `gene_name`, not the `g0…` index.
    let mut first: Vec<String> = v["first_perturbations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    first.sort();
    assert_eq!(first, ["GATA1", "GATA1+KLF1", "MYC"]);
    assert_eq!(v["unmapped_genes"], 0);
});

mptest!(h5ad_without_x_is_refused, |dir| {
    let err = inspect_err(&dir, &[fixture("bad_no_x.h5ad").to_str().unwrap()]);
    assert!(
        err.contains("bad_no_x.h5ad: HDF5 `/X`: missing: expected the expression matrix X"),
        "{err}"
    );
});

mptest!(missing_perturbation_column_lists_the_obs_columns, |dir| {
    let path = fixture("bad_no_perturbation_column.h5ad");
    let path = path.to_str().unwrap();
    let err = inspect_err(&dir, &[path]);
    assert!(
        err.contains(
            "HDF5 `/obs`: no obs column `perturbation` or `condition` or `gene` or `target_gene`: the obs columns are `guide`, `batch`"
        ),
        "{err}"
    );
    let err = inspect_err(&dir, &[path, "--perturbation-key", "sgRNA"]);
    assert!(err.contains("no obs column `sgRNA`"), "{err}");
    // Naming the right column reads the file.
    let v = inspect(&dir, &[path, "--perturbation-key", "guide"]);
    assert_eq!(v["perturbations"], 3);
});

mptest!(single_cells_without_control_are_refused, |dir| {
    let path = fixture("bad_no_control.h5ad");
    let path = path.to_str().unwrap();
    let err = inspect_err(&dir, &[path]);
    assert!(
        err.contains("bad_no_control.h5ad: no control found: expected cells whose obs `perturbation` is labelled one of"),
        "{err}"
    );
    // --control names other labels as control.
    let v = inspect(&dir, &[path, "--control", "MYC"]);
    assert_eq!(v["perturbations"], 2);
    assert_eq!(v["control_cells"], 7);
});

mptest!(pseudo_bulk_without_control_needs_relative_values, |dir| {
    let path = fixture("replogle_bulk.h5ad");
    let path = path.to_str().unwrap();
    let err = inspect_err(&dir, &[path, "--values", "expression"]);
    assert!(
        err.contains("no control found: expected an obs row whose `gene` is"),
        "{err}"
    );
    let v = inspect(&dir, &[path, "--values", "response"]);
    assert_eq!(v["value_kind"], "response");
    assert_eq!(v["control"], false);
});

mptest!(non_finite_values_name_row_and_gene, |dir| {
    let err = inspect_err(&dir, &[fixture("bad_nan.h5ad").to_str().unwrap()]);
    assert!(
        err.contains(
            "HDF5 `/X`: row 7 (obs `cell7`), column 2 (gene `GATA1`): expected a finite number, got NaN"
        ),
        "{err}"
    );
    // --missing is for text tables: the message says so and how to fill the matrix instead.
    let err = inspect_err(
        &dir,
        &[
            fixture("bad_nan.h5ad").to_str().unwrap(),
            "--missing",
            "zero",
        ],
    );
    assert!(
        err.contains("--missing applies to CSV/TSV tables only; fill or drop in Python first, e.g. adata.X = np.nan_to_num(adata.X)"),
        "{err}"
    );
});

mptest!(duplicate_pseudo_bulk_rows_are_refused, |dir| {
    let err = inspect_err(
        &dir,
        &[fixture("bad_duplicate_bulk.h5ad").to_str().unwrap()],
    );
    assert!(
        err.contains(
            "HDF5 `/obs/perturbation`: perturbation `MYC` labels rows 0 (`r0`) and 2 (`r2`): a pseudo-bulk file has one row per perturbation"
        ),
        "{err}"
    );
});

mptest!(h5ad_extension_on_a_text_file_is_refused, |dir| {
    dir.create("fake.h5ad", "perturbation,TP53\nctrl,1\nMYC,2\n");
    let err = inspect_err(&dir, &["fake.h5ad"]);
    assert!(
        err.contains("fake.h5ad: HDF5 `/`: not an HDF5 file (no HDF5 signature)"),
        "{err}"
    );
    // Forcing --format h5ad on a CSV says the same.
    dir.create("t.csv", "perturbation,TP53\nctrl,1\nMYC,2\n");
    let err = inspect_err(&dir, &["t.csv", "--format", "h5ad"]);
    assert!(err.contains("t.csv: HDF5 `/`: not an HDF5 file"), "{err}");
});

/// A copy of fixture `name` in `dir` with dataset `object` replaced by `values` of `shape` (of
/// another type).
fn retyped<T: hdf5::H5Type>(
    dir: &Dir,
    name: &str,
    object: &str,
    shape: &[usize],
    values: &[T],
) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::copy(fixture(name), &path).unwrap();
    let file = hdf5::File::open_rw(&path).unwrap();
    file.unlink(object).unwrap();
    file.new_dataset::<T>()
        .shape(shape)
        .create(object)
        .unwrap()
        .write_raw(values)
        .unwrap();
    path
}

mptest!(
    matrices_of_the_wrong_type_are_refused_naming_dataset_and_type,
    |dir| {
        // A boolean X: HDF5 would read it as 0/1 expression.
        let shape = hdf5::File::open(fixture("sc_dense_f32.h5ad"))
            .unwrap()
            .dataset("X")
            .unwrap()
            .shape();
        let flags = vec![true; shape.iter().product()];
        let path = retyped(&dir, "sc_dense_f32.h5ad", "X", &shape, &flags);
        let err = inspect_err(&dir, &[path.to_str().unwrap()]);
        assert!(
            err.contains("HDF5 `/X`: holds bool, expected integers or floats (expression values)"),
            "{err}"
        );
        // Float positions in indptr.
        let ptr: Vec<i64> = hdf5::File::open(fixture("sc_csr_f32.h5ad"))
            .unwrap()
            .dataset("X/indptr")
            .unwrap()
            .read_raw()
            .unwrap();
        let ptr: Vec<f64> = ptr.iter().map(|&p| p as f64).collect();
        let path = retyped(&dir, "sc_csr_f32.h5ad", "X/indptr", &[ptr.len()], &ptr);
        let err = inspect_err(&dir, &[path.to_str().unwrap()]);
        assert!(
            err.contains(
                "HDF5 `/X/indptr`: holds float64, expected integers (positions in the matrix)"
            ),
            "{err}"
        );
    }
);

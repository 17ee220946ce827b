//! The embedded default dataset, experiments/data/embedded/renge_ipsc.h5ad (derived by
//! experiments/data/derive_renge.sh): its published counts, and a Python-free cross-check of its
//! per-perturbation means against the shared CSVs.

use std::collections::HashMap;
use std::io::BufRead;

use mechpert::data::GeneSymbols;
use mechpert::data::io::Builder;

use crate::h5ad::{close, inspect};
use crate::util::{repo, shared_data};

mptest!(embedded_renge_dataset_has_the_published_counts, |dir| {
    let path = repo().join("experiments/data/embedded/renge_ipsc.h5ad");
    let v = inspect(&dir, &[path.to_str().unwrap()]);
    assert_eq!(v["perturbations"], 23);
    assert_eq!(v["genes"], 103);
    assert_eq!(v["cells"], 14945);
    assert_eq!(v["control_cells"], 1182);
    assert_eq!(v["cells_per_perturbation"], serde_json::json!([149, 1545]));
    assert_eq!(v["unmapped_genes"], 0);
});

/// Reads a gzip CSV whose first column is the cell barcode: header names and rows.
fn read_gz_csv(path: &std::path::Path) -> (Vec<String>, Vec<(String, Vec<f64>)>) {
    let file = std::fs::File::open(path).unwrap();
    let reader = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file));
    let mut lines = reader.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .unwrap()
        .split(',')
        .skip(1)
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|l| {
            let l = l.unwrap();
            let mut fields = l.split(',');
            let cell = fields.next().unwrap().to_string();
            (cell, fields.map(|f| f.parse().unwrap()).collect())
        })
        .collect();
    (header, rows)
}

mptest!(embedded_renge_matches_the_shared_csvs, |_dir| {
    let Some(shared) = shared_data("embedded_renge_matches_the_shared_csvs") else {
        return;
    };
    let renge = shared.join("perturbseq/renge_ipsc");
    let (genes, expr) = read_gz_csv(&renge.join("expression_log1p_cells_x_genes.csv.gz"));
    let (ko_cols, ko) = read_gz_csv(&renge.join("knockout_labels_cells.csv.gz"));
    assert_eq!(expr.len(), ko.len());
    // Per perturbation (the one-hot column set, none → control): cells and summed expression.
    let mut sums: HashMap<String, (u32, Vec<f64>)> = HashMap::new();
    for ((cell, values), (ko_cell, onehot)) in expr.iter().zip(&ko) {
        assert_eq!(cell, ko_cell);
        let label = ko_cols
            .iter()
            .zip(onehot)
            .find(|(c, v)| c.as_str() != "t" && **v == 1.0)
            .map_or("control".to_string(), |(c, _)| c.clone());
        let e = sums
            .entry(label)
            .or_insert_with(|| (0, vec![0.0; genes.len()]));
        e.0 += 1;
        for (s, v) in e.1.iter_mut().zip(values) {
            *s += v;
        }
    }
    let screen = Builder::new(GeneSymbols::embedded())
        .build_from_path(&repo().join("experiments/data/embedded/renge_ipsc.h5ad"))
        .unwrap()
        .screen;
    let gene_index = screen.gene_index();
    let symbol = |name: &str| GeneSymbols::embedded().normalise(name, &mut 0);
    assert_eq!(screen.n_perturbations() + 1, sums.len());
    for (label, (n, sum)) in &sums {
        let (cells, profile) = if label == "control" {
            (screen.control_cells().unwrap(), screen.control().to_owned())
        } else {
            let p = screen.perturbation_index()[symbol(label).as_str()];
            (screen.cells().unwrap()[p], screen.profile(p))
        };
        assert_eq!(cells, *n, "cells of {label}");
        for (g, s) in genes.iter().zip(sum) {
            let got = f64::from(profile[gene_index[symbol(g).as_str()]]);
            let want = s / f64::from(*n);
            assert!(close(got, want), "{label} {g}: {got} vs {want}");
        }
    }
});

//! Writes a small synthetic single-cell `.h5ad` through the streaming writer, in batches, so
//! `experiments/data/make_h5ad_fixtures.sh` can check that Python's anndata reads mechpert's
//! files the way mechpert does.
//!
//! Usage: `cargo run --release --example write_cells -- OUT.h5ad [CELLS_PER_GROUP SEED]`
//! (defaults 5 and 7). Groups: `non-targeting`, `MYC`, `GATA1` over six genes; obs columns
//! `perturbation` and `day`; cells go out in batches of four.

use std::path::PathBuf;

use mechpert::data::io::h5ad::{CsrRows, H5adCellWriter};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const GENES: [&str; 6] = ["TP53", "MYC", "GATA1", "TAL1", "KLF1", "SPI1"];
const GROUPS: [&str; 3] = ["non-targeting", "MYC", "GATA1"];
const DAYS: [&str; 2] = ["2", "3"];

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = PathBuf::from(args.first().map_or("cells.h5ad", String::as_str));
    let per_group: usize = args.get(1).map_or(Ok(5), |a| a.parse())?;
    let seed: u64 = args.get(2).map_or(Ok(7), |a| a.parse())?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let genes: Vec<String> = GENES.iter().map(|g| g.to_string()).collect();
    let mut writer = H5adCellWriter::create(&out, &genes, &["perturbation", "day"])?;
    let labels: Vec<(usize, usize)> = (0..GROUPS.len() * per_group)
        .map(|c| (c % GROUPS.len(), c % DAYS.len()))
        .collect();
    for batch in labels.chunks(4) {
        let (mut indptr, mut indices, mut data) = (vec![0usize], Vec::new(), Vec::new());
        for &(group, _) in batch {
            for g in 0..GENES.len() {
                // Sparse: about half the entries are zero; the perturbed gene is lower.
                if rng.random_bool(0.5) {
                    let shift = if g == group { -1.0 } else { 0.0 };
                    indices.push(g as u32);
                    data.push((rng.random_range(1.0f32..3.0) + shift).max(0.1));
                }
            }
            indptr.push(indices.len());
        }
        let perts: Vec<&str> = batch.iter().map(|&(g, _)| GROUPS[g]).collect();
        let days: Vec<&str> = batch.iter().map(|&(_, d)| DAYS[d]).collect();
        writer.append(
            &[&perts, &days],
            CsrRows {
                indptr: &indptr,
                indices: &indices,
                data: &data,
            },
        )?;
    }
    writer.finish()?;
    Ok(())
}

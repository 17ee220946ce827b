//! Writes a synthetic pseudo-bulk screen as `.h5ad` (and optionally as wide CSV) for the read
//! benchmark `experiments/perf/read_h5ad.sh`.
//!
//! Usage: `cargo run --release --example write_pseudobulk -- OUT.h5ad [PERTURBATIONS GENES SEED [OUT.csv]]`
//! (defaults 2000 8000 1). Values are log-normal-ish expression drawn from a seeded RNG, so the
//! same arguments give the same files.

use std::io::Write;
use std::path::PathBuf;

use mechpert::data::io::h5ad::write_pseudobulk;
use mechpert::data::io::writer::write_atomically;
use mechpert::data::{Screen, ValueKind};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = PathBuf::from(args.first().map_or("pseudobulk.h5ad", String::as_str));
    let n_perts: usize = args.get(1).map_or(Ok(2000), |a| a.parse())?;
    let n_genes: usize = args.get(2).map_or(Ok(8000), |a| a.parse())?;
    let seed: u64 = args.get(3).map_or(Ok(1), |a| a.parse())?;
    let csv = args.get(4).map(PathBuf::from);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let genes: Vec<String> = (0..n_genes).map(|g| format!("GENE{g}")).collect();
    let perts: Vec<String> = (0..n_perts).map(|p| format!("PERT{p}")).collect();
    let control = Array1::from_shape_fn(n_genes, |_| rng.random_range(0.0f32..3.0));
    let profiles = Array2::from_shape_fn((n_perts, n_genes), |(_, g)| {
        control[g] + rng.random_range(-0.5f32..0.5)
    });
    let screen = Screen::from_profiles(perts, genes, control, profiles, ValueKind::Expression)?;
    write_pseudobulk(&screen, &out)?;
    if let Some(csv) = csv {
        write_atomically(&csv, |f| {
            write!(f, "perturbation")?;
            for g in screen.genes() {
                write!(f, ",{g}")?;
            }
            writeln!(f)?;
            let mut row = |name: &str, values: &mut dyn Iterator<Item = f32>| {
                write!(f, "{name}")?;
                for v in values {
                    write!(f, ",{v}")?;
                }
                writeln!(f)
            };
            row("non-targeting", &mut screen.control().iter().copied())?;
            for (p, name) in screen.perturbations().iter().enumerate() {
                row(name, &mut screen.profile(p).into_iter())?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

//! The `mechpert simulate` summary: what was simulated and where it went.

use std::io::{self, Write};

use crate::sim::Model;

/// Writes a few lines describing a simulated screen.
pub fn write_summary(
    model: &Model,
    network: &str,
    seed: u64,
    outputs: &[String],
    out: &mut dyn Write,
) -> io::Result<()> {
    let net = model.network();
    let counts = model.cell_counts();
    let cells: u64 = counts.perturbed.iter().map(|&n| u64::from(n)).sum();
    let k = model.efficiency();
    let mean_k = k.iter().sum::<f64>() / k.len().max(1) as f64;
    writeln!(out, "simulated screen (seed {seed}, network {network})")?;
    writeln!(out, "  perturbations     {}", net.n_perturbed())?;
    writeln!(out, "  genes measured    {}", net.genes().len())?;
    writeln!(
        out,
        "  network edges     {} (weights × {:.4}, ρ(|W|) ≤ {:.3}, estimate {:.3})",
        net.edges().len(),
        net.scale(),
        net.radius().bound,
        net.radius().estimate
    )?;
    writeln!(out, "  knockdown κ       mean {mean_k:.3}")?;
    let modules = model.modules().members();
    let in_modules: usize = modules.iter().map(Vec::len).sum();
    writeln!(
        out,
        "  modules           {} with members, {} perturbed genes in them",
        modules.iter().filter(|m| !m.is_empty()).count(),
        in_modules
    )?;
    let v = model.variance_shares();
    writeln!(
        out,
        "  variance of μ     network {:.3}, knocked-down genes {:.3}, systematic {:.3}, \
         modules {:.3}, off-network {:.3}",
        v.network, v.knockdown, v.systematic, v.modules, v.off_network
    )?;
    writeln!(
        out,
        "  cells             {} perturbed ({}–{} per perturbation), {} control",
        cells,
        counts.perturbed.iter().min().unwrap_or(&0),
        counts.perturbed.iter().max().unwrap_or(&0),
        counts.control
    )?;
    for o in outputs {
        writeln!(out, "  wrote             {o}")?;
    }
    Ok(())
}

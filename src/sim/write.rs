//! Plain-text outputs of a simulation, each written to a `Write` the caller gives (the binary
//! wraps files in [`crate::data::io::writer::AtomicFile`]).
//!
//! - [`truth_edges`]: `regulator\ttarget\tweight\tmechanism`, with that header line: first one
//!   line per network edge (signed weight W[target, regulator] after rescaling, mechanism
//!   `regulation`) in resource order, then one line per ordered pair of members of a module
//!   (weight 1, mechanism `module`: the two knockdowns share the module response), module by
//!   module, members in perturbation order;
//! - [`knockdown`]: `perturbation\tefficiency`, one line per perturbation in row order;
//! - [`params_toml`]: every knob as TOML, readable by `--config`;
//! - [`wide_csv`]: the pseudo-bulk screen as a wide CSV, `perturbation,<genes…>`, the control
//!   profile first under [`super::CONTROL_LABEL`], then one profile per perturbation; values
//!   in Rust's shortest round-trip `f32` form.

use std::io::{self, Write};

use super::{CONTROL_LABEL, Model};
use crate::data::Screen;

/// Writes the true edges and the mechanism that made each.
pub fn truth_edges(model: &Model, out: &mut dyn Write) -> io::Result<()> {
    let genes = model.network().genes();
    writeln!(out, "regulator\ttarget\tweight\tmechanism")?;
    for e in model.network().edges() {
        writeln!(
            out,
            "{}\t{}\t{}\tregulation",
            genes[e.regulator as usize], genes[e.target as usize], e.weight
        )?;
    }
    for members in model.modules().members() {
        for &a in members {
            for &b in members.iter().filter(|&&b| b != a) {
                writeln!(
                    out,
                    "{}\t{}\t1\tmodule",
                    genes[a as usize], genes[b as usize]
                )?;
            }
        }
    }
    Ok(())
}

/// Writes the knobs a model was built with as TOML (readable by `--config`), after comment lines
/// naming the seed and network, so `mechpert simulate --config FILE --seed S --network N`
/// reproduces the run.
pub fn params_toml(model: &Model, seed: u64, network: &str, out: &mut dyn Write) -> io::Result<()> {
    let text = toml::to_string(model.params()).map_err(io::Error::other)?;
    writeln!(out, "# mechpert simulate knobs; reproduce with:")?;
    writeln!(
        out,
        "#   mechpert simulate --config THIS_FILE --seed {seed} --network {network} --out …"
    )?;
    out.write_all(text.as_bytes())
}

/// Writes the knockdown efficiency of every perturbation.
pub fn knockdown(model: &Model, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "perturbation\tefficiency")?;
    for (p, k) in model.perturbations().iter().zip(model.efficiency()) {
        writeln!(out, "{p}\t{k}")?;
    }
    Ok(())
}

/// Writes a screen with a measured control as a wide CSV (control row first).
pub fn wide_csv(screen: &Screen, out: &mut dyn Write) -> io::Result<()> {
    write!(out, "perturbation")?;
    for g in screen.genes() {
        write!(out, ",{g}")?;
    }
    writeln!(out)?;
    let control = screen.control();
    write!(out, "{CONTROL_LABEL}")?;
    for v in control {
        write!(out, ",{v}")?;
    }
    writeln!(out)?;
    for (name, response) in screen
        .perturbations()
        .iter()
        .zip(screen.response().outer_iter())
    {
        write!(out, "{name}")?;
        for (r, c) in response.iter().zip(control) {
            write!(out, ",{}", r + c)?;
        }
        writeln!(out)?;
    }
    Ok(())
}

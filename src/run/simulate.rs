//! `mechpert simulate`: resolve the knobs (preset → TOML → flags), load the network, build the
//! model, write the screen (and the truth) through temporary files.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::UsageError;
use crate::cli::SimulateArgs;
use crate::data::io::h5ad::writer::PERTURBATION_COLUMN;
use crate::data::io::h5ad::{CsrRows, H5adCellWriter, write_pseudobulk};
use crate::data::io::writer::{Outputs, write_atomically};
use crate::priors::Graph;
use crate::progress::Progress;
use crate::sim::{self, Model, SimError, SimOverrides, SimParams};

/// What the output file's name asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutKind {
    H5ad,
    Csv,
    CsvGz,
}

fn out_kind(path: &Path) -> Result<OutKind, UsageError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if name.ends_with(".h5ad") {
        Ok(OutKind::H5ad)
    } else if name.ends_with(".csv.gz") {
        Ok(OutKind::CsvGz)
    } else if name.ends_with(".csv") {
        Ok(OutKind::Csv)
    } else {
        Err(UsageError(format!(
            "--out {}: unknown extension: expected .h5ad, .csv or .csv.gz",
            path.display()
        )))
    }
}

/// The knobs: preset, then the TOML file, then the flags; checked.
fn resolve_params(args: &SimulateArgs) -> anyhow::Result<sim::Checked> {
    let file = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read the configuration", path.display()))?;
            sim::params::overrides_from_toml(&text, &path.display().to_string())
                .map_err(|e| UsageError(e.to_string()))?
        }
        None => SimOverrides::default(),
    };
    let mut params = SimParams::preset(args.preset);
    params.apply(&args.knobs.over(&file));
    params.check().map_err(|e| UsageError(e.to_string()).into())
}

/// The `<stem><suffix>` path beside the truth file (`.knockdown.tsv`, `.params.toml`).
fn beside_truth(truth: &Path, suffix: &str) -> PathBuf {
    let stem = truth
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    truth.with_file_name(format!("{stem}{suffix}"))
}

fn load_network(
    spec: &str,
    params: &sim::Checked,
    background: &[String],
    rng: &mut Xoshiro256PlusPlus,
) -> anyhow::Result<Graph> {
    if spec == "synthetic" {
        return Ok(sim::synthetic::network(params, background, rng));
    }
    match crate::priors::open(spec, crate::data::GeneSymbols::embedded()) {
        Ok(loaded) => Ok(loaded.graph),
        Err(e) if e.is_usage() => Err(UsageError(format!("--network: {e}; or `synthetic`")).into()),
        Err(e) => Err(anyhow::Error::new(e).context(format!("loading network `{spec}`"))),
    }
}

pub(super) fn run(
    args: SimulateArgs,
    bar: indicatif::ProgressBar,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let kind = out_kind(&args.out)?;
    if args.cells && kind != OutKind::H5ad {
        return Err(UsageError(format!(
            "--cells writes single cells to .h5ad only, got --out {}",
            args.out.display()
        ))
        .into());
    }
    let params = resolve_params(&args)?;
    tracing::info!(preset = ?args.preset, seed = args.seed, params = ?*params, "simulation knobs");
    if args.cells && !params.noise {
        return Err(UsageError(SimError::CellsWithoutNoise.to_string()).into());
    }
    // Every output is checked now, before the simulation, and staged: they are renamed into
    // place together at the end, so a failure leaves none of them.
    let mut outputs = Outputs::new();
    let cannot = |p: &Path| format!("{}: cannot write", p.display());
    let screen_path = outputs
        .stage(&args.out)
        .with_context(|| cannot(&args.out))?;
    let mut written = vec![args.out.display().to_string()];
    let mut extra = Vec::new();
    if let Some(truth) = &args.truth {
        for path in [
            truth.clone(),
            beside_truth(truth, ".knockdown.tsv"),
            beside_truth(truth, ".params.toml"),
        ] {
            extra.push((outputs.stage(&path).with_context(|| cannot(&path))?, path));
        }
    }
    let progress: &dyn Progress = &bar;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(args.seed);
    let background = sim::background::official_symbols();
    let graph = load_network(&args.network, &params, &background, &mut rng)?;
    tracing::info!(
        network = %args.network,
        nodes = graph.node_count(),
        edges = graph.edge_count(),
        "loaded network"
    );
    let model = Model::build(&params, &graph, &background, &mut rng, progress)
        .context("simulating the screen")?;
    if args.cells {
        write_cells(&model, &screen_path, progress)
            .with_context(|| format!("writing {}", args.out.display()))?;
    } else {
        let screen = model
            .pseudobulk(progress)
            .context("drawing pseudo-bulk profiles")?;
        match kind {
            OutKind::H5ad => write_pseudobulk(&screen, &screen_path)
                .with_context(|| format!("writing {}", args.out.display()))?,
            OutKind::Csv => write_atomically(&screen_path, |f| sim::write::wide_csv(&screen, f))
                .with_context(|| cannot(&args.out))?,
            OutKind::CsvGz => write_atomically(&screen_path, |f| {
                let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::new(6));
                sim::write::wide_csv(&screen, &mut gz)?;
                gz.finish().map(|_| ())
            })
            .with_context(|| cannot(&args.out))?,
        }
    }
    if let [(truth, truth_path), (kd, kd_path), (knobs, knobs_path)] = &extra[..] {
        write_atomically(truth, |f| sim::write::truth_edges(&model, f))
            .with_context(|| cannot(truth_path))?;
        write_atomically(kd, |f| sim::write::knockdown(&model, f))
            .with_context(|| cannot(kd_path))?;
        write_atomically(knobs, |f| {
            sim::write::params_toml(&model, args.seed, &args.network, f)
        })
        .with_context(|| cannot(knobs_path))?;
        written.extend([truth_path, kd_path, knobs_path].map(|p| p.display().to_string()));
    }
    outputs.commit().context("moving the outputs into place")?;
    crate::report::simulate::write_summary(&model, &args.network, args.seed, &written, out)?;
    Ok(())
}

fn write_cells(model: &Model, path: &Path, progress: &dyn Progress) -> anyhow::Result<()> {
    let mut writer = H5adCellWriter::create(path, model.network().genes(), &[PERTURBATION_COLUMN])?;
    let written = model
        .cells(progress, |batch| {
            let labels: Vec<&str> = vec![batch.label.as_str(); batch.n_cells()];
            writer.append(
                &[&labels],
                CsrRows {
                    indptr: &batch.indptr,
                    indices: &batch.indices,
                    data: &batch.normalised,
                },
            )
        })
        .context("drawing single cells")?;
    written?;
    writer.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_kinds_follow_the_extension() {
        assert_eq!(out_kind(Path::new("a/b.H5AD")).unwrap(), OutKind::H5ad);
        assert_eq!(out_kind(Path::new("s.csv")).unwrap(), OutKind::Csv);
        assert_eq!(out_kind(Path::new("s.csv.gz")).unwrap(), OutKind::CsvGz);
        let err = out_kind(Path::new("s.tsv")).unwrap_err();
        assert!(err.0.contains("expected .h5ad, .csv or .csv.gz"), "{err}");
    }

    #[test]
    fn the_knockdown_file_sits_beside_the_truth() {
        assert_eq!(
            beside_truth(Path::new("out/truth.tsv"), ".knockdown.tsv"),
            PathBuf::from("out/truth.knockdown.tsv")
        );
    }
}

//! Simulation knobs: [`SimParams`] (every knob, filled from a [`Preset`]), [`SimOverrides`]
//! (the same knobs, each optional: a TOML file or command-line flags) and [`SimParams::check`],
//! which refuses impossible values before any work and returns [`Checked`] parameters.
//!
//! Layering: preset → TOML file → flags, each later layer overriding the earlier one
//! ([`SimParams::apply`]). Unknown TOML keys are an error naming the key.

use serde::{Deserialize, Serialize};

use super::SimError;

/// A named starting point for the knobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// 200 perturbations × 1,000 measured genes, 50 cells per perturbation: fast, for tests.
    Small,
    /// 2,000 perturbed × 8,000 measured genes, ~150 cells per perturbation and essential-screen
    /// effect sizes (strong knockdown, a growth programme shared by most perturbations).
    #[value(name = "k562-like")]
    K562Like,
    /// 600 perturbed × 5,000 measured genes in another regime: few regulators in the pool
    /// (10 %), ~30 cells per perturbation, weaker knockdown, fewer and stronger modules.
    SparseNoisy,
}

/// Defines [`SimParams`] (every knob, required) and [`SimOverrides`] (every knob optional, a
/// clap flag and a TOML key) from one list, so the two can never disagree.
macro_rules! knobs {
    ($( $(#[doc = $doc:literal])* $name:ident : $ty:ty ),+ $(,)?) => {
        /// Every knob of the simulator. Build with [`SimParams::preset`], adjust with
        /// [`SimParams::apply`], then [`SimParams::check`].
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct SimParams {
            $( $(#[doc = $doc])* pub $name: $ty, )+
        }

        /// Knobs to change, each optional: the top-level keys of the TOML file given by
        /// `--config` and the command-line flags of `mechpert simulate`. Unknown TOML keys are
        /// refused.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, clap::Args)]
        #[serde(deny_unknown_fields)]
        pub struct SimOverrides {
            $(
                $(#[doc = $doc])*
                #[arg(long, help_heading = "Model knobs (override the preset and --config)")]
                pub $name: Option<$ty>,
            )+
        }

        impl SimParams {
            /// Replaces every knob that `overrides` sets.
            pub fn apply(&mut self, overrides: &SimOverrides) {
                $( if let Some(v) = &overrides.$name { self.$name = v.clone(); } )+
            }
        }

        impl SimOverrides {
            /// Overrides set here win over those set in `base` (flags over a TOML file).
            pub fn over(&self, base: &SimOverrides) -> SimOverrides {
                SimOverrides {
                    $( $name: self.$name.clone().or_else(|| base.$name.clone()), )+
                }
            }
        }
    };
}

knobs! {
    /// Number of perturbed genes (perturbations besides the control). Example: 200.
    perturbations: usize,
    /// Number of measured genes (the gene universe; includes the perturbed genes). Example: 1000.
    genes: usize,
    /// |edge weight| ~ LogNormal(weight_log_mean, weight_log_sd) before rescaling; the sign is
    /// the resource's. Natural-log units.
    weight_log_mean: f64,
    /// Standard deviation of ln |edge weight| before rescaling (0: all edges equally strong).
    weight_log_sd: f64,
    /// Probability that an edge without a sign in the resource (sign 0) activates; it represses
    /// otherwise. Example: 0.5.
    unknown_sign_positive: f64,
    /// Fraction of the perturbations that are resource regulators, in [0, 1]; the others are
    /// drawn from the targets of those regulators (then other genes), so that regulators and
    /// their targets are perturbed together as in screens of essential or expressed genes.
    /// 1: regulators first (the pool of a TF screen). Example: 0.3.
    pool_regulators: f64,
    /// Input normalisation α in [0, 1]: each edge's |w| is divided by (Σ |w| of its target's
    /// inputs)^α before rescaling. 1: a target's regulators share its regulation (resource
    /// hubs do not dominate); 0: raw draws. Example: 1.0.
    input_normalisation: f64,
    /// Target spectral radius of |W| after rescaling, in (0, 1): how far knockdowns propagate.
    /// Example: 0.8.
    spectral_radius: f64,
    /// Power iterations used to bound the spectral radius of |W|. Example: 500.
    power_iterations: usize,
    /// Knockdown efficiency κ ~ Beta(a, b): the a parameter. Example: 8 (mean a/(a+b) = 0.8).
    knockdown_a: f64,
    /// Knockdown efficiency κ ~ Beta(a, b): the b parameter. Example: 2.
    knockdown_b: f64,
    /// Log-expression change of the targeted gene per unit efficiency before propagation
    /// (natural-log units): the direct effect is −knockdown_scale · κ. Example: 2.0.
    knockdown_scale: f64,
    /// Rank of the systematic shift shared across perturbations (0 turns it off). Example: 2.
    systematic_rank: usize,
    /// Fraction of perturbations that carry the systematic shift, in [0, 1]. Example: 0.7.
    systematic_fraction: f64,
    /// SD of a carrying perturbation's loading on each programme; loadings ~ N(1, sd²).
    systematic_loading_sd: f64,
    /// SD of each programme's per-gene effect (log-expression units; 0 turns the shift off).
    systematic_sd: f64,
    /// Fraction of perturbed genes that belong to a module (complex, pathway) whose knockdowns
    /// share one module response, in [0, 1] (0 turns modules off). Example: 0.8.
    module_fraction: f64,
    /// Mean number of perturbed genes per module (at least 2). Example: 40.
    module_size: f64,
    /// SD of a module response's per-gene effect (log-expression units), added to a member's
    /// response times its knockdown efficiency. Example: 0.1.
    module_sd: f64,
    /// Fraction of genes that get a perturbation-specific off-network effect, in [0, 1].
    off_network_fraction: f64,
    /// SD of an off-network effect (log-expression units). Example: 0.1.
    off_network_sd: f64,
    /// Baseline mean UMI count of a gene per cell ~ LogNormal(baseline_log_mean, baseline_log_sd).
    baseline_log_mean: f64,
    /// SD of ln(baseline mean count) across genes.
    baseline_log_sd: f64,
    /// Negative-binomial dispersion θ of a gene's counts in one cell (variance m + m²/θ).
    gene_dispersion: f64,
    /// SD of ln(library size factor) across cells (single-cell output only).
    library_log_sd: f64,
    /// Mean cells per perturbation; cell counts ~ NegBin(mean, cells_dispersion), at least 1.
    cells_mean: f64,
    /// Dispersion of the cells-per-perturbation negative binomial (larger: less spread).
    cells_dispersion: f64,
    /// Mean number of control (non-targeting) cells, same dispersion.
    control_cells_mean: f64,
    /// Cell-level noise on (true) or off (false: pseudo-bulk profiles equal their expectation,
    /// single cells are not supported).
    noise: bool,
}

impl SimParams {
    /// The knobs of a preset.
    pub fn preset(preset: Preset) -> SimParams {
        let small = SimParams {
            perturbations: 200,
            genes: 1000,
            weight_log_mean: 0.0,
            weight_log_sd: 0.5,
            unknown_sign_positive: 0.5,
            pool_regulators: 0.3,
            input_normalisation: 1.0,
            spectral_radius: 0.8,
            power_iterations: 500,
            knockdown_a: 8.0,
            knockdown_b: 2.0,
            knockdown_scale: 2.0,
            systematic_rank: 2,
            systematic_fraction: 0.7,
            systematic_loading_sd: 0.5,
            systematic_sd: 0.15,
            module_fraction: 0.8,
            module_size: 10.0,
            module_sd: 0.3,
            off_network_fraction: 0.01,
            off_network_sd: 0.1,
            baseline_log_mean: -1.0,
            baseline_log_sd: 1.5,
            gene_dispersion: 5.0,
            library_log_sd: 0.3,
            cells_mean: 50.0,
            cells_dispersion: 5.0,
            control_cells_mean: 1000.0,
            noise: true,
        };
        match preset {
            Preset::Small => small,
            // Replogle et al. 2022 K562 essential screen: median ~150 cells per perturbation,
            // >10,000 non-targeting cells, CRISPRi knockdown ~80–90 %, a strong shared growth
            // programme in most essential-gene knockdowns.
            Preset::K562Like => SimParams {
                perturbations: 2000,
                genes: 8000,
                knockdown_a: 9.0,
                knockdown_b: 1.5,
                knockdown_scale: 2.5,
                systematic_rank: 3,
                systematic_fraction: 0.8,
                systematic_sd: 0.032,
                module_size: 60.0,
                module_sd: 0.1,
                off_network_fraction: 0.01,
                cells_mean: 150.0,
                cells_dispersion: 3.0,
                control_cells_mean: 10_000.0,
                ..small
            },
            Preset::SparseNoisy => SimParams {
                perturbations: 600,
                genes: 5000,
                pool_regulators: 0.1,
                knockdown_a: 4.0,
                knockdown_b: 2.0,
                systematic_sd: 0.13,
                module_size: 20.0,
                module_sd: 0.35,
                cells_mean: 30.0,
                cells_dispersion: 2.0,
                control_cells_mean: 5000.0,
                ..small
            },
        }
    }

    /// Checks every knob; the error names the knob, its value and what is accepted.
    pub fn check(self) -> Result<Checked, SimError> {
        const MAX_GENES: usize = 100_000;
        const MAX_VALUES: usize = 500_000_000;
        let bad = |knob: &'static str, value: String, expected: &'static str| {
            Err(SimError::Knob {
                knob,
                value,
                expected,
            })
        };
        let p = &self;
        if p.perturbations == 0 {
            return bad("perturbations", "0".into(), "at least 1");
        }
        if p.genes > MAX_GENES {
            return bad(
                "genes",
                p.genes.to_string(),
                "at most 100000 measured genes",
            );
        }
        if p.perturbations.saturating_mul(p.genes) > MAX_VALUES {
            return bad(
                "perturbations",
                p.perturbations.to_string(),
                "perturbations × genes of at most 500000000 (2 GB of responses)",
            );
        }
        if p.genes < p.perturbations {
            return bad(
                "genes",
                p.genes.to_string(),
                "at least as many measured genes as perturbations",
            );
        }
        for (knob, v) in [
            ("unknown_sign_positive", p.unknown_sign_positive),
            ("input_normalisation", p.input_normalisation),
            ("pool_regulators", p.pool_regulators),
            ("module_fraction", p.module_fraction),
            ("systematic_fraction", p.systematic_fraction),
            ("off_network_fraction", p.off_network_fraction),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(knob, v.to_string(), "a probability in [0, 1]");
            }
        }
        if !(p.spectral_radius > 0.0 && p.spectral_radius < 1.0) {
            return bad(
                "spectral_radius",
                p.spectral_radius.to_string(),
                "a number in (0, 1) so that propagation converges",
            );
        }
        for (knob, v) in [
            ("knockdown_a", p.knockdown_a),
            ("knockdown_b", p.knockdown_b),
            ("gene_dispersion", p.gene_dispersion),
            ("cells_mean", p.cells_mean),
            ("cells_dispersion", p.cells_dispersion),
            ("control_cells_mean", p.control_cells_mean),
        ] {
            if !(v > 0.0 && v.is_finite()) {
                return bad(knob, v.to_string(), "a finite number > 0");
            }
        }
        for (knob, v) in [
            ("weight_log_sd", p.weight_log_sd),
            ("systematic_loading_sd", p.systematic_loading_sd),
            ("systematic_sd", p.systematic_sd),
            ("off_network_sd", p.off_network_sd),
            ("module_sd", p.module_sd),
            ("baseline_log_sd", p.baseline_log_sd),
            ("library_log_sd", p.library_log_sd),
            ("knockdown_scale", p.knockdown_scale),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return bad(knob, v.to_string(), "a finite number ≥ 0");
            }
        }
        for (knob, v) in [
            ("weight_log_mean", p.weight_log_mean),
            ("baseline_log_mean", p.baseline_log_mean),
        ] {
            if !v.is_finite() {
                return bad(knob, v.to_string(), "a finite number");
            }
        }
        if !(p.module_size >= 2.0 && p.module_size.is_finite()) {
            return bad(
                "module_size",
                p.module_size.to_string(),
                "a finite mean of at least 2 members",
            );
        }
        if !(10..=100_000).contains(&p.power_iterations) {
            return bad(
                "power_iterations",
                p.power_iterations.to_string(),
                "10 to 100000",
            );
        }
        for (knob, v, max, expected) in [
            ("cells_mean", p.cells_mean, 1e8, "at most 100000000 cells"),
            (
                "control_cells_mean",
                p.control_cells_mean,
                1e8,
                "at most 100000000 cells",
            ),
        ] {
            if v > max {
                return bad(knob, v.to_string(), expected);
            }
        }
        Ok(Checked(self))
    }
}

/// Parameters that passed [`SimParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct Checked(SimParams);

impl std::ops::Deref for Checked {
    type Target = SimParams;
    fn deref(&self) -> &SimParams {
        &self.0
    }
}

/// The `small` preset with `tweak` applied, checked: the starting point of the unit tests.
#[cfg(test)]
pub(crate) fn small_with(tweak: impl FnOnce(&mut SimParams)) -> Checked {
    let mut p = SimParams::preset(Preset::Small);
    tweak(&mut p);
    p.check().unwrap()
}

/// Reads overrides from TOML text (`name` is the file, for messages). Unknown keys and values
/// of the wrong type are errors naming the key.
pub fn overrides_from_toml(text: &str, name: &str) -> Result<SimOverrides, SimError> {
    toml::from_str(text).map_err(|e| SimError::Config {
        path: name.to_string(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_pass_their_own_check() {
        for preset in [Preset::Small, Preset::K562Like, Preset::SparseNoisy] {
            SimParams::preset(preset).check().unwrap();
        }
        let k = SimParams::preset(Preset::K562Like);
        assert_eq!((k.perturbations, k.genes), (2000, 8000));
    }

    #[test]
    fn flags_override_toml_which_overrides_the_preset() {
        let toml = overrides_from_toml("genes = 500\ncells_mean = 7.5\n", "sim.toml").unwrap();
        let flags = SimOverrides {
            genes: Some(600),
            ..Default::default()
        };
        let mut p = SimParams::preset(Preset::Small);
        p.apply(&flags.over(&toml));
        assert_eq!(p.genes, 600);
        assert_eq!(p.cells_mean, 7.5);
        assert_eq!(p.perturbations, 200);
    }

    #[test]
    fn unknown_and_mistyped_toml_keys_are_named() {
        let err = overrides_from_toml("genez = 5\n", "sim.toml").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("sim.toml") && text.contains("genez"),
            "{text}"
        );
        let err = overrides_from_toml("genes = \"many\"\n", "sim.toml").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("genes"), "{text}");
    }

    #[test]
    fn every_bad_knob_is_refused_with_its_name() {
        type Break = fn(&mut SimParams);
        let cases: Vec<(Break, &str)> = vec![
            (|p| p.perturbations = 0, "perturbations"),
            (|p| p.genes = 10, "genes"),
            (|p| p.off_network_fraction = 1.5, "off_network_fraction"),
            (|p| p.input_normalisation = -0.5, "input_normalisation"),
            (|p| p.spectral_radius = 1.0, "spectral_radius"),
            (|p| p.knockdown_a = 0.0, "knockdown_a"),
            (|p| p.cells_mean = f64::NAN, "cells_mean"),
            (|p| p.systematic_sd = -1.0, "systematic_sd"),
            (|p| p.baseline_log_mean = f64::INFINITY, "baseline_log_mean"),
            (|p| p.power_iterations = 1, "power_iterations"),
            (|p| p.pool_regulators = 2.0, "pool_regulators"),
            (|p| p.module_fraction = -0.1, "module_fraction"),
            (|p| p.module_size = 1.0, "module_size"),
            (|p| p.module_sd = f64::NAN, "module_sd"),
        ];
        for (break_it, knob) in cases {
            let mut p = SimParams::preset(Preset::Small);
            break_it(&mut p);
            let err = p.check().unwrap_err();
            assert!(
                matches!(&err, SimError::Knob { knob: k, .. } if *k == knob),
                "{knob}: {err}"
            );
            assert!(err.to_string().contains(knob), "{err}");
        }
    }
}

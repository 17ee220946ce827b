//! Simulated Perturb-seq screens over a known regulatory network.
//!
//! In flows a directed, signed resource [`Graph`] (CollecTRI by default), a list of background
//! gene symbols (to fill the measured genes beyond the graph), checked [`SimParams`] and a seeded
//! RNG; out comes a [`Model`] holding the ground truth (the weighted network, knockdown
//! efficiencies, expected responses) from which [`Model::pseudobulk`] draws a pseudo-bulk
//! [`Screen`] and [`Model::cells`] draws single cells. Every step is one file:
//!
//! ```text
//! network   resource graph → gene universe, signed weights W, ρ(|W|) rescaled   (network.rs, spectral.rs)
//! knockdown κ_p ~ Beta(a, b)                                                     (knockdown.rs)
//! propagate Δ_p = −λ κ_p (I − W)⁻¹ e_k(p), solved as a Neumann series            (propagate.rs)
//! pool      regulators, then their targets, as screens are designed              (pool.rs)
//! systematic S = L F, rank r, shared by a fraction of perturbations              (systematic.rs)
//! modules   module m responds to its members' loss: M_p = Σ_m R_m Σ_{g∈m} −Δ_pg/λ (modules.rs)
//! offnetwork O_p: N(0, σ_o²) on a random fraction of genes                       (offnetwork.rs)
//! baseline  m_g ~ LogNormal, per-gene log-normalised level b_g and cell SD σ_g   (baseline.rs)
//! cells     n_p ~ NegBin; single cells y ~ NB(ℓ m_g e^μ, θ)                       (cells.rs)
//! pseudobulk profile_pg = b_g + μ_pg + σ_g/√n_p · ξ                               (pseudobulk.rs)
//! ```
//!
//! with μ_p = Δ_p + S_p + M_p + O_p the expected log-fold change of perturbation p. The README's
//! `mechpert simulate` section writes the model out in full.
//!
//! Randomness: the caller's RNG draws the network, efficiencies and programmes in a fixed order,
//! then one base seed from which every perturbation gets its own stream ([`rng::stream`]), so
//! the output is the same for any number of threads.

use ndarray::{Array1, Array2};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::data::{Screen, ScreenError};
use crate::priors::Graph;
use crate::progress::Progress;

pub mod background;
pub mod baseline;
pub mod cells;
pub mod knockdown;
pub mod modules;
pub mod network;
pub mod offnetwork;
pub mod params;
pub mod pool;
pub mod propagate;
pub mod pseudobulk;
pub mod rng;
pub mod spectral;
pub mod synthetic;
pub mod systematic;
pub mod write;

pub use baseline::Baseline;
pub use cells::{CellBatch, CellCounts};
pub use modules::Modules;
pub use network::Network;
pub use offnetwork::OffNetwork;
pub use params::{Checked, Preset, SimOverrides, SimParams};
pub use spectral::RadiusBound;
pub use systematic::Systematic;

/// The label of the control row or control cells in simulated screens.
pub const CONTROL_LABEL: &str = "non-targeting";

/// What can go wrong while simulating.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A knob has a value the model cannot use.
    #[error("invalid {knob} = {value}: expected {expected}")]
    Knob {
        /// The knob (TOML key; the flag is `--` + the key).
        knob: &'static str,
        /// The value given.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// A configuration file could not be parsed.
    #[error("{path}: {message}")]
    Config {
        /// The file.
        path: String,
        /// The parser's message (names the key and line).
        message: String,
    },
    /// The resource graph is undirected; regulation needs a direction.
    #[error("the network must be directed (regulator → target), got an undirected graph")]
    Undirected,
    /// Not enough distinct genes to fill the requested universe.
    #[error(
        "cannot pick {wanted} {what}: the network and background gene list offer only {available}"
    )]
    TooFewGenes {
        /// Perturbed or measured genes.
        what: &'static str,
        /// How many were requested.
        wanted: usize,
        /// How many distinct names were available.
        available: usize,
    },
    /// The spectral radius of |W| could not be brought to the target.
    #[error(
        "cannot reach spectral radius {target}: after {iterations} power iterations the estimate \
         of ρ(|W|) is {estimate:.4} but the bound is {bound:.4}; raise power_iterations"
    )]
    SpectralRadius {
        /// The target radius.
        target: f64,
        /// Power iterations used.
        iterations: usize,
        /// Power-iteration estimate after rescaling.
        estimate: f64,
        /// Collatz–Wielandt upper bound after rescaling.
        bound: f64,
    },
    /// The Neumann series did not converge (ρ(W) ≥ 1 despite the bound: a bug).
    #[error("steady state did not converge after {iterations} iterations (change {change:e})")]
    NotConverged {
        /// Iterations run.
        iterations: usize,
        /// Largest change in the last iteration.
        change: f64,
    },
    /// Single cells were requested with cell noise switched off.
    #[error("single cells need noise = true (counts are random by nature)")]
    CellsWithoutNoise,
    /// The simulated screen is inconsistent (a bug).
    #[error("building the screen")]
    Screen(#[from] ScreenError),
}

/// The ground truth of one simulated screen, before cell-level noise.
///
/// Perturbation `p` knocks down measured gene `p` (the first `perturbations` genes of the
/// network are the perturbed ones).
#[derive(Debug, Clone)]
pub struct Model {
    params: SimParams,
    network: Network,
    efficiency: Vec<f64>,
    steady_state: Array2<f64>,
    systematic: Systematic,
    modules: Modules,
    off_network: OffNetwork,
    baseline: Baseline,
    cells: CellCounts,
    noise_seed: u64,
}

/// How the expected log-fold changes μ split between the model's terms: each term's sum of
/// squares over all perturbations and genes, as a fraction of the terms' total (cross terms
/// left out; the terms are drawn independently, so they are small).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VarianceShares {
    /// Network propagation Δ, the knocked-down gene itself excluded.
    pub network: f64,
    /// The knocked-down genes' own direct change (on the diagonal).
    pub knockdown: f64,
    /// The systematic shift S.
    pub systematic: f64,
    /// Module responses M.
    pub modules: f64,
    /// Off-network effects O.
    pub off_network: f64,
}

impl Model {
    /// Builds the ground truth: network, efficiencies, steady-state responses, systematic and
    /// off-network effects, baselines and cell counts.
    pub fn build(
        params: &Checked,
        graph: &Graph,
        background: &[String],
        rng: &mut Xoshiro256PlusPlus,
        progress: &dyn Progress,
    ) -> Result<Model, SimError> {
        use rand::Rng;
        let network = Network::build(params, graph, background, rng)?;
        let efficiency = knockdown::efficiencies(params, rng);
        let direct: Vec<f64> = efficiency
            .iter()
            .map(|k| -params.knockdown_scale * k)
            .collect();
        let steady_state = propagate::steady_state(&network, &direct, progress)?;
        let systematic = Systematic::draw(params, network.genes().len(), rng);
        let baseline = Baseline::draw(params, network.genes().len(), rng);
        let cells = CellCounts::draw(params, rng);
        let off_seed: u64 = rng.random();
        let off_network = OffNetwork::draw(params, network.genes().len(), off_seed);
        let noise_seed = rng.random();
        let modules = Modules::draw(params, network.genes().len(), rng.random());
        Ok(Model {
            params: (**params).clone(),
            network,
            efficiency,
            steady_state,
            systematic,
            modules,
            off_network,
            baseline,
            cells,
            noise_seed,
        })
    }

    /// The knobs this model was built with.
    pub fn params(&self) -> &SimParams {
        &self.params
    }
    /// The weighted network over the measured genes.
    pub fn network(&self) -> &Network {
        &self.network
    }
    /// Perturbation names: the perturbed genes, in row order.
    pub fn perturbations(&self) -> &[String] {
        &self.network.genes()[..self.network.n_perturbed()]
    }
    /// Knockdown efficiency κ_p of every perturbation.
    pub fn efficiency(&self) -> &[f64] {
        &self.efficiency
    }
    /// Steady-state network responses Δ (perturbation × gene), before the systematic shift and
    /// off-network effects.
    pub fn steady_state(&self) -> &Array2<f64> {
        &self.steady_state
    }
    /// The low-rank systematic shift.
    pub fn systematic(&self) -> &Systematic {
        &self.systematic
    }
    /// The modules and their responses.
    pub fn modules(&self) -> &Modules {
        &self.modules
    }
    /// The off-network effects.
    pub fn off_network(&self) -> &OffNetwork {
        &self.off_network
    }
    /// Per-gene baselines.
    pub fn baseline(&self) -> &Baseline {
        &self.baseline
    }
    /// Cells per perturbation and control cells.
    pub fn cell_counts(&self) -> &CellCounts {
        &self.cells
    }

    /// The expected log-fold change μ_p = Δ_p + S_p + M_p + O_p of perturbation `p` over all
    /// genes.
    pub fn mean_log_fold(&self, p: usize) -> Array1<f64> {
        let mut mu = self.steady_state.row(p).to_owned();
        self.systematic.add_to(p, mu.view_mut());
        let delta = self.steady_state.row(p);
        self.modules
            .add_to(delta, self.params.knockdown_scale, mu.view_mut());
        self.off_network.add_to(p, mu.view_mut());
        mu
    }

    /// The share of each model term in the expected responses (see [`VarianceShares`]).
    pub fn variance_shares(&self) -> VarianceShares {
        let n = self.network.n_perturbed();
        let genes = self.network.genes().len();
        let (mut net, mut own, mut sys, mut module, mut off) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let ss = |v: &Array1<f64>| v.iter().map(|x| x * x).sum::<f64>();
        for p in 0..n {
            let delta = self.steady_state.row(p);
            own += delta[p] * delta[p];
            net += delta.iter().map(|x| x * x).sum::<f64>() - delta[p] * delta[p];
            sys += ss(&self.systematic.shift(p));
            let mut m = Array1::zeros(genes);
            self.modules
                .add_to(delta, self.params.knockdown_scale, m.view_mut());
            module += ss(&m);
            off += self
                .off_network
                .of(p)
                .iter()
                .map(|(_, v)| v * v)
                .sum::<f64>();
        }
        let total = (net + own + sys + module + off).max(f64::MIN_POSITIVE);
        VarianceShares {
            network: net / total,
            knockdown: own / total,
            systematic: sys / total,
            modules: module / total,
            off_network: off / total,
        }
    }

    /// Draws the pseudo-bulk screen: one profile per perturbation and the control profile.
    pub fn pseudobulk(&self, progress: &dyn Progress) -> Result<Screen, SimError> {
        pseudobulk::draw(self, progress)
    }

    /// Draws single cells, perturbation by perturbation (controls first), handing each batch to
    /// `sink` in a fixed order.
    pub fn cells<E>(
        &self,
        progress: &dyn Progress,
        sink: impl FnMut(CellBatch) -> Result<(), E>,
    ) -> Result<Result<(), E>, SimError> {
        cells::draw(self, progress, sink)
    }

    fn noise_seed(&self) -> u64 {
        self.noise_seed
    }
}

//! `mechpert consensus` arguments.

use std::path::PathBuf;

use clap::Args;

use super::ScreenArgs;
use crate::consensus::{Tau, Weighting};

/// `mechpert consensus`.
#[derive(Debug, Args)]
pub struct ConsensusArgs {
    /// The screen whose perturbations form the candidate pool (and, without --targets, the
    /// targets). Example: --data k562_essential_up_ranked_top1000.csv.gz
    #[arg(long, value_name = "SCREEN")]
    pub data: PathBuf,
    /// Agents, limits and consensus options (TOML; see README "agents.toml").
    /// Example: --agents experiments/agents/knowledge_k562.toml
    #[arg(long, value_name = "TOML")]
    pub agents: PathBuf,
    /// Where to write the consensus TSV `target, neighbour, weight, votes, agents`.
    #[arg(long, value_name = "TSV")]
    pub out: PathBuf,
    /// Reply cache folder (created when missing; shareable between users). Without it, LLM
    /// replies are not kept. Example: --cache cache/llm
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Serve every LLM reply from --cache and fail on a miss, naming the target and the key.
    #[arg(long, requires = "cache")]
    pub offline: bool,
    /// Ask again the requests whose cached reply held no answer (prose without JSON, an echo of
    /// the prompt); their new replies replace the old ones in --cache.
    #[arg(long, requires = "cache", conflicts_with = "offline")]
    pub retry_unusable: bool,
    /// Only these targets: a file with one gene per line (`#` starts a comment).
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// Vote threshold, overriding agents.toml: a count (2), a fraction of the agents that
    /// answered (0.5, rounded up) or `majority` (⌈A/2⌉, the default).
    #[arg(long, value_name = "TAU", value_parser = parse_tau)]
    pub tau: Option<Tau>,
    /// Edge weighting, overriding agents.toml.
    #[arg(long, value_enum, value_name = "SCHEME")]
    pub weighting: Option<Weighting>,
    /// Also ask every agent for the pool's hub genes and write their ranking (TSV
    /// `rank, gene, votes, confidence, agents`) here.
    #[arg(long, value_name = "TSV")]
    pub hubs: Option<PathBuf>,
    /// Also write every validated proposal before the vote (TSV `target, agent, gene,
    /// confidence, rationale`), e.g. to audit LLM rationales. Example: --proposals proposals.tsv
    #[arg(long, value_name = "TSV")]
    pub proposals: Option<PathBuf>,
    /// Fraction of targets (0 to 1) that may get no answer from any agent (every query about
    /// them failed after retries) before the run fails with exit 1 and writes nothing. The
    /// default 0 fails on the first such target. Example: --allow-failures 0.1
    #[arg(long, value_name = "FRACTION", default_value = "0", value_parser = parse_fraction)]
    pub allow_failures: f64,
    /// How to read the screen.
    #[command(flatten)]
    pub screen: ScreenArgs,
}

/// A fraction in [0, 1] (for --allow-failures).
pub(crate) fn parse_fraction(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("expected a fraction from 0 to 1, got {s:?}")),
    }
}

pub(crate) fn parse_tau(s: &str) -> Result<Tau, String> {
    // clap prefixes "invalid value '1.4' for '--tau <TAU>'"; keep only what is accepted.
    s.parse::<Tau>().map_err(|e| {
        let text = e.to_string();
        text.split_once(": ")
            .map_or(text.clone(), |(_, rest)| rest.to_string())
    })
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn parses_all_flags() {
        let cli = Cli::try_parse_from([
            "mechpert",
            "consensus",
            "--data",
            "s.csv",
            "--agents",
            "a.toml",
            "--out",
            "o.tsv",
            "--cache",
            "c",
            "--offline",
            "--tau",
            "0.5",
            "--weighting",
            "borda",
        ])
        .unwrap();
        let Command::Consensus(a) = cli.command else {
            panic!("not consensus")
        };
        assert!(a.offline);
        assert_eq!(a.tau, Some(crate::consensus::Tau::Fraction(0.5)));
        assert_eq!(a.weighting, Some(crate::consensus::Weighting::Borda));
        assert_eq!(a.allow_failures, 0.0);
    }

    #[test]
    fn allow_failures_is_a_fraction() {
        assert_eq!(super::parse_fraction("0.25"), Ok(0.25));
        assert_eq!(super::parse_fraction("1"), Ok(1.0));
        for bad in ["-0.1", "1.5", "NaN", "half"] {
            let err = super::parse_fraction(bad).unwrap_err();
            assert!(err.starts_with("expected a fraction from 0 to 1"), "{err}");
        }
    }

    #[test]
    fn bad_tau_and_offline_without_cache_are_usage_errors() {
        let err = Cli::try_parse_from([
            "mechpert",
            "consensus",
            "--data",
            "s",
            "--agents",
            "a",
            "--out",
            "o",
            "--tau",
            "1.4",
        ])
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let text = err.to_string();
        assert!(
            text.contains("invalid value '1.4' for '--tau <TAU>'"),
            "{text}"
        );
        assert!(text.contains("expected a vote count"), "{text}");
        let err = Cli::try_parse_from([
            "mechpert",
            "consensus",
            "--data",
            "s",
            "--agents",
            "a",
            "--out",
            "o",
            "--offline",
        ])
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}

//! `mechpert plan` arguments: every setting of the TOML file as a flag; a flag overrides the file.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::Args;

use super::ScreenArgs;

/// `mechpert plan`: the budgeted design loop.
#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub struct PlanArgs {
    /// The run's settings (TOML; fields in README "mechpert plan"). Flags override it.
    /// Example: --config experiments/default.toml
    #[arg(long, value_name = "TOML")]
    pub config: Option<PathBuf>,
    /// The held-out screen (.h5ad, .csv, .tsv, optionally .gz): replaces the file's screens.
    #[arg(long, value_name = "SCREEN")]
    pub data: Option<PathBuf>,
    /// Where the consensus, hubs and prior graph come from.
    #[command(flatten)]
    pub knowledge: super::KnowledgeArgs,
    /// The predictor fitted every round, scored and read by the strategies (the training mean
    /// is always scored beside it): mean, consensus, similarity, graph, ridge, additive, stack
    /// (a leave-one-out blend of the mean and every predictor the knowledge supports),
    /// optionally :shrunk. [default: consensus:shrunk]
    #[arg(long, value_name = "NAME")]
    pub predictor: Option<String>,
    /// Strategies, comma-separated: anchors (MechPert; ablation variants anchors:per-target,
    /// anchors:symmetric, anchors:graph, anchors:facility), consensus (the set cover), hubs,
    /// degree, pagerank, betweenness, eigenvector, closeness, random, uncertainty, diversity,
    /// hybrid, oracle (an upper bound that reads held-out data). Example: --strategies
    /// anchors,degree,pagerank,random [default: anchors,degree,pagerank,betweenness,random]
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub strategies: Option<Vec<String>>,
    /// Perturbations observed before round 1: none, random:N (drawn per seed, the same for every
    /// strategy) or a file with one gene per line. With none, deterministic strategies repeat
    /// one run on every seed. [default: random:B, B the batch, when no schedule is given;
    /// otherwise none]
    #[arg(long, value_name = "SET")]
    pub initial: Option<String>,
    /// Rounds of pick → observe → refit → score. [default: 5]
    #[arg(long, value_name = "N")]
    pub rounds: Option<NonZeroUsize>,
    /// Perturbations picked per round: one number, or one per round (10,10,20). [default: 10,
    /// or fewer when neither rounds, batch nor initial is given and the screen is small: the
    /// default budget observes at most half the screen]
    #[arg(long, value_delimiter = ',', value_name = "N")]
    pub batch: Option<Vec<NonZeroUsize>>,
    /// Seeds: a count N (seeds 1…N) in the TOML, here the count. [default: 5]
    #[arg(long, value_name = "N")]
    pub seeds: Option<NonZeroUsize>,
    /// Metrics, comma-separated; discrimination_l1 on request (it costs O(queries² × genes) per
    /// round). [default: pearson_delta,pearson_delta_de20,systema_pearson,mse]
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub metrics: Option<Vec<String>>,
    /// What picked perturbations reveal: true (their measured responses); permuted (the
    /// control: each is shown another revealed perturbation's response, by the strategy and the
    /// scored predictors; scores still use the true ones); permuted-to-strategy (only the
    /// strategy and the model it reads are shown the reassigned responses: isolates what a
    /// strategy takes from feedback). [default: true]
    #[arg(long, value_name = "KIND")]
    pub feedback: Option<crate::plan::oracle::Feedback>,
    /// Share of the perturbations held out per seed as a fixed test set, in [0, 0.9]: drawn
    /// before anything else (the initial set comes from the rest), the same for every strategy
    /// of a seed, never offered to a strategy, and what every round is scored on; its genes are
    /// written to test_set.csv. 0 scores each round on the perturbations not yet picked (each
    /// strategy on its own remainder). [default: 0.2]
    #[arg(long, value_name = "F")]
    pub test_fraction: Option<f64>,
    /// Worker threads for the jobs (strategy × seed); results do not depend on it.
    /// [default: the number of cores]
    #[arg(long, value_name = "N")]
    pub threads: Option<NonZeroUsize>,
    /// Output folder (created). A different run already there is refused unless --force.
    /// [default: results/NAME, NAME the config file's name, or plan]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue the interrupted run in DIR from its checkpoint (same settings, byte-identical
    /// results).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["config", "data", "out"])]
    pub resume: Option<PathBuf>,
    /// Replace a different run found in --out.
    #[arg(long)]
    pub force: bool,
    /// Run only shard I of N of the (screen, strategy, seed) jobs, balanced by expected cost;
    /// writes per-job results and a manifest into --out for `mechpert merge`. Example: --shard 2/3
    #[arg(long, value_name = "I/N")]
    pub shard: Option<crate::plan::shard::Shard>,
    /// Folder of cached centrality scores (keyed by graph checksum and measure), shared by the
    /// shards of a sweep so each graph is ranked once; results do not depend on it.
    #[arg(long, value_name = "DIR")]
    pub centrality_cache: Option<PathBuf>,
    /// How to read --data.
    #[command(flatten)]
    pub screen: ScreenArgs,
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::{CommandFactory, Parser};

    #[test]
    fn help_states_the_default_of_every_setting() {
        use crate::plan::config::{DEFAULT_METRICS, DEFAULT_PREDICTOR, DEFAULT_STRATEGIES};
        use crate::run::plan::{DEFAULT_BATCH, DEFAULT_ROUNDS, DEFAULT_SEEDS};
        let mut cmd = Cli::command();
        let plan = cmd.find_subcommand_mut("plan").unwrap();
        let help = plan.render_long_help().to_string();
        let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [
            format!("[default: {DEFAULT_PREDICTOR}]"),
            format!("[default: {}]", DEFAULT_STRATEGIES.join(",")),
            format!("[default: {}]", DEFAULT_METRICS.join(",")),
            format!("[default: {DEFAULT_ROUNDS}]"),
            format!("[default: {DEFAULT_BATCH},"),
            "[default: random:B".to_string(),
            format!("[default: {DEFAULT_SEEDS}]"),
            "[default: true]".to_string(),
        ] {
            assert!(flat.contains(&expected), "{expected} missing from:\n{help}");
        }
    }

    #[test]
    fn plan_parses_the_documented_flags_and_refuses_zero_budgets() {
        let cli = Cli::try_parse_from([
            "mechpert",
            "plan",
            "--data",
            "s.csv",
            "--neighbours",
            "n.tsv",
            "--graph",
            "collectri",
            "--strategies",
            "consensus,degree,pagerank,random",
            "--seeds",
            "5",
            "--rounds",
            "5",
            "--batch",
            "10",
            "--out",
            "o",
        ])
        .unwrap();
        let Command::Plan(a) = cli.command else {
            panic!("not plan")
        };
        assert_eq!(
            a.strategies.unwrap(),
            ["consensus", "degree", "pagerank", "random"]
        );
        assert_eq!(a.batch.unwrap()[0].get(), 10);
        for bad in [["--batch", "0"], ["--rounds", "0"], ["--seeds", "0"]] {
            let err = Cli::try_parse_from(["mechpert", "plan", bad[0], bad[1]]).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
        let err =
            Cli::try_parse_from(["mechpert", "plan", "--resume", "d", "--out", "o"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let cli = Cli::try_parse_from(["mechpert", "plan", "--shard", "2/3"]).unwrap();
        let Command::Plan(a) = cli.command else {
            panic!("not plan")
        };
        assert_eq!(a.shard.unwrap().to_string(), "2/3");
        for bad in ["0/3", "4/3", "two"] {
            let err = Cli::try_parse_from(["mechpert", "plan", "--shard", bad]).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad}");
            assert!(err.to_string().contains("expected I/N"), "{err}");
        }
    }
}

//! `mechpert design`: the next screen of a real experiment. The screen so far (or nothing) is
//! the observed set, the candidates are genes with no response yet; every strategy of `plan`
//! ranks them from one sealed [`View`], built as `plan` builds its first round, so the same
//! strategy and seed give the same picks (`jobs::stream(seed, strategy, 1)`).
//!
//! Layout: the screen's perturbations, then the candidates, then the other targets; only the
//! screen's rows are revealed.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use anyhow::Context as _;

use super::UsageError;
use super::resolve::{
    Choice, Knowledge, build_choosers, check_strategy_needs, consensus_source,
    fill_default_knowledge,
};
use crate::cli::DesignArgs;
use crate::data::io::writer::write_atomically;
use crate::data::{GeneSymbols, Layout, Resolution, Screen, ValueKind};
use crate::plan::backtest::{MIN_MEASURED, backtest as backtest_strategies};
use crate::plan::config::{KnowledgeFile, STRATEGIES};
use crate::plan::jobs::{Chooser, stream};
use crate::plan::strategy::View;
use crate::predict::{Fitted, Observed, Predictor, TrainingMean, predict};
use crate::priors::Graph;
use crate::report::design::{
    Coverage, DesignRow, Summary, write_backtest_csv, write_design_csv, write_predictions_csv,
};

/// Strategies that need observed responses (a fitted predictor).
const NEEDS_DATA: &[&str] = &["uncertainty", "hybrid"];

/// Runs the command.
pub fn run(args: DesignArgs, quiet: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let named = check_strategies(&args)?;
    let choice = Choice::parse(&args.predictor, "--predictor")?;
    let mut k = KnowledgeFile {
        agents: args.knowledge.agents.clone(),
        neighbours: args.knowledge.neighbours.clone(),
        hubs: args.knowledge.hubs.clone(),
        cache: args.knowledge.cache.clone(),
        offline: Some(args.knowledge.offline),
        tau: args.knowledge.tau.as_ref().map(ToString::to_string),
        weighting: args.knowledge.weighting.map(|w| w.as_str().to_string()),
        graph: args.knowledge.graph.clone(),
    };
    let auto = named.is_empty();
    let mut strategies = if auto {
        auto_candidates(args.data.is_some())
    } else {
        named
    };
    let fitted: &[Choice] = if args.data.is_some() {
        std::slice::from_ref(&choice)
    } else {
        &[]
    };
    for default in fill_default_knowledge(&mut k, &strategies, fitted) {
        tracing::warn!("{default}");
    }
    check_strategy_needs(&strategies, &k)?;
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("--out {}: cannot create its folder", args.out.display()))?;
    }

    let symbols = super::resolve_symbols(&args.screen)?;
    let screen = match &args.data {
        Some(path) => Some(super::read_screen(path, &args.screen, &symbols)?.screen),
        None => None,
    };
    let measured: Vec<String> = screen
        .as_ref()
        .map_or_else(Vec::new, |s| s.perturbations().to_vec());
    let genes: Vec<String> = screen
        .as_ref()
        .map_or_else(Vec::new, |s| s.genes().to_vec());
    // Names the screen itself uses count as known even when the symbol table does not list them
    // (readers keep such names as written).
    let in_screen: HashSet<&str> = measured.iter().chain(&genes).map(String::as_str).collect();
    let listed = match args.candidates.as_str() {
        "all" => None,
        file => Some(read_genes(
            Path::new(file),
            "--candidates",
            &symbols,
            &in_screen,
        )?),
    };
    let excluded = match &args.exclude {
        Some(p) => read_genes(p, "--exclude", &symbols, &in_screen)?,
        None => Vec::new(),
    };
    let target_file = match &args.targets {
        Some(p) => Some(read_genes(p, "--targets", &symbols, &in_screen)?),
        None => None,
    };

    // Knowledge, asked about every gene named so far: the screen's, the listed candidates and
    // the targets (by default the screen's measured genes); the candidates of `all` come from it.
    let named = union(&[
        &measured,
        listed.as_deref().unwrap_or_default(),
        target_file.as_deref().unwrap_or(&genes),
    ]);
    let asked = Layout::new(named, genes.clone());
    let mut knowledge = Knowledge::default();
    let graph_is_consensus = k.graph.as_deref() == Some("consensus");
    if let Some(spec) = k.graph.as_deref().filter(|_| !graph_is_consensus) {
        knowledge.open_graph(spec, &symbols, &asked)?;
    }
    let wants_hubs = strategies.iter().any(|s| s == "hubs");
    if let Some(source) = consensus_source(&k, wants_hubs, None)? {
        knowledge.open_consensus(&source, &symbols, &asked, &super::progress_bar(quiet))?;
    }
    if graph_is_consensus {
        knowledge.consensus_as_graph()?;
    }
    let candidates = match listed {
        Some(l) => l,
        None => every_known_gene(&knowledge),
    };

    // `auto`: the strategy that wins design rounds replayed inside the screen so far.
    let mut notes = Vec::new();
    let mut backtest = None;
    if let (true, Some(s)) = (auto, &screen) {
        if s.n_perturbations() < MIN_MEASURED {
            strategies = vec!["anchors".into()];
            notes.push(format!(
                "strategy auto: the screen so far has {} perturbations, too few to backtest (at least {MIN_MEASURED}), so anchors",
                s.n_perturbations()
            ));
        } else {
            Knowledge::check_needs(
                std::slice::from_ref(&choice),
                knowledge.consensus.is_some(),
                knowledge.graph.is_some(),
            )?;
            let choosers = build_choosers(&strategies, 4, 1.0, &knowledge, s.layout(), None)?;
            let predictor = knowledge
                .predictors(std::slice::from_ref(&choice), s.layout(), 1)?
                .remove(0);
            let b = backtest_strategies(
                s,
                &choosers,
                &*predictor,
                args.budget.get(),
                args.backtest_repeats.get(),
                args.seed,
            )?;
            let csv = backtest_path(&args.out);
            write_atomically(&csv, |f| write_backtest_csv(&b, f))
                .with_context(|| format!("writing {}", csv.display()))?;
            strategies = vec![b.strategies[b.winner()].clone()];
            backtest = Some((b, predictor.name().to_string(), csv.display().to_string()));
        }
    }

    // The layout: screen rows, candidates, then targets that are neither.
    let in_screen: HashSet<&str> = measured.iter().map(String::as_str).collect();
    let excluded_set: HashSet<&str> = excluded.iter().map(String::as_str).collect();
    let fresh: Vec<String> = candidates
        .iter()
        .filter(|c| !in_screen.contains(c.as_str()))
        .cloned()
        .collect();
    let already = candidates.len() - fresh.len();
    let targets = target_file.unwrap_or_else(|| union(&[&genes, &fresh]));
    let layout = Layout::new(union(&[&measured, &fresh, &targets]), genes);
    let pickable: Vec<usize> = (measured.len()..measured.len() + fresh.len())
        .filter(|&r| !excluded_set.contains(layout.perturbations()[r].as_str()))
        .collect();
    let left_out = fresh.len() - pickable.len();
    if pickable.is_empty() {
        anyhow::bail!(
            "no candidates left to pick: {} candidate(s), {already} already in the screen, {left_out} in --exclude",
            candidates.len()
        );
    }
    if args.budget.get() > pickable.len() {
        return Err(UsageError(format!(
            "--budget {} is larger than the {} candidates left ({} candidate(s), {already} already in the screen, {left_out} in --exclude)",
            args.budget,
            pickable.len(),
            candidates.len()
        ))
        .into());
    }

    // One sealed view, as `plan` builds its first round.
    let choosers = build_choosers(&strategies, 4, 1.0, &knowledge, &layout, None)?;
    let observed = match &screen {
        Some(s) => Observed::within(&layout, s),
        None => Observed::nothing(&layout),
    };
    let uses_model = screen.is_some()
        && (args.predictions.is_some()
            || choosers
                .iter()
                .any(|c| matches!(c, Chooser::Sealed(s) if s.needs_model())));
    let predictor: Box<dyn Predictor> = if uses_model {
        Knowledge::check_needs(
            std::slice::from_ref(&choice),
            knowledge.consensus.is_some(),
            knowledge.graph.is_some(),
        )?;
        knowledge
            .predictors(std::slice::from_ref(&choice), &layout, 1)?
            .remove(0)
    } else {
        Box::new(TrainingMean)
    };
    let model: Option<Box<dyn Fitted + '_>> = if uses_model {
        Some(
            predictor
                .fit(&observed)
                .with_context(|| format!("fitting {} on --data", predictor.name()))?,
        )
    } else {
        None
    };
    let view = View {
        observed: &observed,
        candidates: &pickable,
        model: model.as_deref(),
        predictor: &*predictor,
    };
    let is_target: Vec<bool> = {
        let t: HashSet<&str> = targets.iter().map(String::as_str).collect();
        layout
            .perturbations()
            .iter()
            .map(|p| t.contains(p.as_str()))
            .collect()
    };
    let hub_agents: HashMap<&str, String> = knowledge
        .hubs
        .iter()
        .flat_map(|(h, _)| h.iter().map(|h| (h.gene.as_str(), h.agents.join(";"))))
        .collect();
    let mut rows = Vec::new();
    let mut after = Vec::new();
    let mut before = None;
    for chooser in &choosers {
        let Chooser::Sealed(s) = chooser else {
            unreachable!("oracle refused by check_strategies")
        };
        let picks = s
            .select(
                &view,
                args.budget.get(),
                &mut stream(args.seed, s.name(), 1),
            )
            .map_err(anyhow::Error::new)?;
        let mut cover = knowledge
            .consensus
            .as_deref()
            .map(|g| Covered::new(g, &layout, &is_target, observed.rows()));
        before = cover.as_ref().map(Covered::fraction);
        for (i, pick) in picks.into_iter().enumerate() {
            let gene = layout.perturbations()[pick.row].clone();
            let gain = cover.as_mut().map(|c| c.add(pick.row));
            rows.push(DesignRow {
                rank: i + 1,
                strategy: s.name().to_string(),
                agents: if s.name() == "hubs" {
                    hub_agents.get(gene.as_str()).cloned().unwrap_or_default()
                } else {
                    String::new()
                },
                gene,
                coverage_gain: gain,
                cumulative_coverage: cover.as_ref().map(Covered::fraction),
                pick,
            });
        }
        after.push((s.name().to_string(), cover.as_ref().map(Covered::fraction)));
    }
    write_atomically(&args.out, |f| write_design_csv(&rows, f))
        .with_context(|| format!("writing {}", args.out.display()))?;
    let predicted = match (&args.predictions, &model) {
        (Some(path), Some(m)) => Some(write_predictions(
            path,
            &**m,
            predictor.name(),
            &layout,
            &pickable,
        )?),
        _ => None,
    };
    Summary {
        screen: args
            .data
            .as_ref()
            .map(|p| (p.display().to_string(), measured.len())),
        knowledge: &knowledge.lines,
        candidates: candidates.len(),
        already_measured: already,
        excluded: left_out,
        pickable: pickable.len(),
        targets: targets.len(),
        coverage: Coverage { before, after },
        rows: &rows,
        predictions: predicted,
        out: args.out.display().to_string(),
        notes: &notes,
        backtest: backtest.as_ref().map(|(b, p, c)| (b, p.clone(), c.clone())),
    }
    .write(out)?;
    Ok(())
}

/// What `auto` chooses among: with data, anchors, the centralities, uncertainty and random,
/// backtested (the knowledge they need defaults to the bundled panel and CollecTRI); without
/// data, anchors.
fn auto_candidates(with_data: bool) -> Vec<String> {
    let names: &[&str] = if with_data {
        &[
            "anchors",
            "degree",
            "pagerank",
            "betweenness",
            "uncertainty",
            "random",
        ]
    } else {
        &["anchors"]
    };
    names.iter().map(|s| s.to_string()).collect()
}

/// `picks.csv` → `picks.backtest.csv`, beside it.
fn backtest_path(out: &Path) -> std::path::PathBuf {
    let stem = out.file_stem().map_or_else(
        || "next_screen".into(),
        |s| s.to_string_lossy().into_owned(),
    );
    out.with_file_name(format!("{stem}.backtest.csv"))
}

/// The strategy names, checked: known, not `oracle`, not repeated, data-needing ones only with
/// --data; empty for `auto`.
fn check_strategies(args: &DesignArgs) -> Result<Vec<String>, UsageError> {
    if args.strategy.iter().any(|s| s.trim() == "auto") {
        if args.strategy.len() > 1 {
            return Err(UsageError(
                "strategy `auto` chooses one strategy by itself: give it alone, or name the strategies".into(),
            ));
        }
        return Ok(Vec::new());
    }
    let usable: Vec<&str> = STRATEGIES
        .iter()
        .copied()
        .filter(|s| *s != "oracle")
        .collect();
    let without_data: Vec<&str> = usable
        .iter()
        .copied()
        .filter(|s| !NEEDS_DATA.contains(s))
        .collect();
    let mut out: Vec<String> = Vec::new();
    for s in args.strategy.iter().map(|s| s.trim()) {
        if s == "oracle" {
            return Err(UsageError(format!(
                "strategy `oracle` reads responses nobody has measured yet: it is an upper bound for `plan`, not a design; expected one of {}",
                usable.join(", ")
            )));
        }
        if !usable.contains(&s) {
            return Err(UsageError(format!(
                "unknown strategy `{s}`: expected auto or one of {}",
                usable.join(", ")
            )));
        }
        if out.iter().any(|o| o == s) {
            return Err(UsageError(format!("strategy `{s}` is listed twice")));
        }
        if args.data.is_none() && NEEDS_DATA.contains(&s) {
            return Err(UsageError(format!(
                "strategy `{s}` needs observed responses (--data SCREEN_SO_FAR); without data use {}",
                without_data.join(", ")
            )));
        }
        out.push(s.to_string());
    }
    Ok(out)
}

/// Genes of a one-per-line file (`#` starts a comment), mapped to official symbols; names
/// neither the symbol table nor the screen (`in_screen`) knows are an error listing them.
fn read_genes(
    path: &Path,
    flag: &str,
    symbols: &GeneSymbols,
    in_screen: &HashSet<&str>,
) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{flag} {}: cannot read", path.display()))?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut unknown = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let name = line.split('#').next().unwrap_or("").trim();
        if name.is_empty() {
            continue;
        }
        let (symbol, how) = symbols.resolve(name);
        if how == Resolution::Unmapped && !in_screen.contains(name) {
            unknown.push(format!("{name} (line {})", i + 1));
        } else if seen.insert(symbol.to_string()) {
            out.push(symbol.to_string());
        }
    }
    if !unknown.is_empty() {
        anyhow::bail!(
            "{flag} {}: {} name(s) are neither gene symbols or aliases known to the symbol table nor names in the screen: {}{}",
            path.display(),
            unknown.len(),
            unknown
                .iter()
                .take(20)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            if unknown.len() > 20 { ", …" } else { "" }
        );
    }
    Ok(out)
}

/// Distinct names of the lists, in order of first appearance.
fn union(lists: &[&[String]]) -> Vec<String> {
    let mut seen = HashSet::new();
    lists
        .iter()
        .flat_map(|l| l.iter())
        .filter(|n| seen.insert(n.as_str()))
        .cloned()
        .collect()
}

/// `--candidates all`: every gene of the prior graph, consensus graph and hub answers, sorted.
fn every_known_gene(knowledge: &Knowledge) -> Vec<String> {
    let mut all: Vec<String> = knowledge
        .graph
        .iter()
        .flat_map(|(_, g)| g.names().iter())
        .chain(knowledge.consensus.iter().flat_map(|g| g.names().iter()))
        .chain(
            knowledge
                .hubs
                .iter()
                .flat_map(|(h, _)| h.iter().map(|h| &h.gene)),
        )
        .filter(|n| !n.contains(':'))
        .cloned()
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// Targets covered on the consensus graph: measured, or regulated by a measured gene.
struct Covered<'a> {
    graph: &'a Graph,
    layout: &'a Layout,
    row_of: HashMap<&'a str, usize>,
    is_target: &'a [bool],
    covered: Vec<bool>,
    n_targets: usize,
    n_covered: usize,
}

impl<'a> Covered<'a> {
    fn new(
        graph: &'a Graph,
        layout: &'a Layout,
        is_target: &'a [bool],
        measured: &[usize],
    ) -> Self {
        let mut c = Covered {
            graph,
            layout,
            row_of: layout.perturbation_index(),
            is_target,
            covered: vec![false; is_target.len()],
            n_targets: is_target.iter().filter(|&&t| t).count(),
            n_covered: 0,
        };
        for &r in measured {
            c.add(r);
        }
        c
    }

    /// Measures `row`; returns how many targets it newly covers.
    fn add(&mut self, row: usize) -> usize {
        let mut newly = 0;
        let mut mark = |t: usize, c: &mut Vec<bool>| {
            if self.is_target[t] && !c[t] {
                c[t] = true;
                newly += 1;
            }
        };
        mark(row, &mut self.covered);
        if let Some(node) = self.graph.node(&self.layout.perturbations()[row]) {
            let mut out: Vec<(u32, f32)> = self.graph.out_neighbours(node).collect();
            if !self.graph.is_directed() {
                out.extend(self.graph.in_neighbours(node));
            }
            for (t, w) in out {
                if w > 0.0 {
                    if let Some(&tr) = self.row_of.get(self.graph.name(t)) {
                        mark(tr, &mut self.covered);
                    }
                }
            }
        }
        self.n_covered += newly;
        newly
    }

    fn fraction(&self) -> f64 {
        self.n_covered as f64 / self.n_targets.max(1) as f64
    }
}

/// Writes the predicted response of every pickable candidate (CSV or h5ad); returns
/// (path, rows, fallbacks).
fn write_predictions(
    path: &Path,
    model: &dyn Fitted,
    name: &str,
    layout: &Layout,
    rows: &[usize],
) -> anyhow::Result<(String, usize, usize)> {
    let (values, support) = predict(model, rows);
    let fallback: Vec<bool> = rows
        .iter()
        .map(|&r| predict(model, &[r]).1.fallbacks > 0)
        .collect();
    let names: Vec<String> = rows
        .iter()
        .map(|&r| layout.perturbations()[r].clone())
        .collect();
    let p = path.display().to_string();
    if p.ends_with(".h5ad") {
        let screen =
            Screen::from_responses(names, layout.genes().to_vec(), values, ValueKind::Response)
                .context("assembling the predictions")?;
        crate::data::io::h5ad::write_pseudobulk(&screen, path)
            .with_context(|| format!("writing --predictions {p}"))?;
    } else {
        write_atomically(path, |f| {
            write_predictions_csv(&names, name, &fallback, layout.genes(), values.view(), f)
        })
        .with_context(|| format!("writing --predictions {p}"))?;
    }
    Ok((p, rows.len(), support.fallbacks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_counts_measured_targets_and_their_regulated_targets_once() {
        let mut b = Graph::builder(true);
        b.add_edge("A", "B", 1.0, 0);
        b.add_edge("A", "C", 0.5, 0);
        b.add_edge("D", "C", 1.0, 0);
        b.add_edge("D", "E", 1.0, 0);
        let g = b.build();
        let names = ["A", "B", "C", "D", "E"].map(String::from).to_vec();
        let layout = Layout::new(names, Vec::new());
        // Targets B, C, E; B measured already.
        let is_target = [false, true, true, false, true];
        let mut c = Covered::new(&g, &layout, &is_target, &[1]);
        assert_eq!(c.fraction(), 1.0 / 3.0);
        assert_eq!(c.add(0), 1, "A covers C (B is measured)");
        assert_eq!(c.add(3), 1, "D covers E, C already covered");
        assert_eq!(c.add(2), 0, "measuring a covered target adds nothing");
        assert_eq!(c.fraction(), 1.0);
    }

    #[test]
    fn union_keeps_first_appearances_in_order() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            union(&[&l(&["B", "A"]), &l(&["A", "C", "B"])]),
            l(&["B", "A", "C"])
        );
    }
}

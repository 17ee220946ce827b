//! `mechpert priors` output: ranking tables (text and CSV) and graph summaries.

use std::io::{self, Write};

use serde::Serialize;

use crate::data::Screen;
use crate::priors::centrality::Ranked;
use crate::priors::{Graph, LoadReport};

/// Writes the first `top` rows of a ranking as an aligned table `rank gene score`.
pub fn write_ranking(out: &mut dyn Write, ranking: &[Ranked], top: usize) -> io::Result<()> {
    let rows = &ranking[..top.min(ranking.len())];
    let width = rows.iter().map(|r| r.gene.len()).max().unwrap_or(4).max(4);
    writeln!(out, "{:>5}  {:<width$}  score", "rank", "gene")?;
    for r in rows {
        match r.score {
            Some(s) => writeln!(out, "{:>5}  {:<width$}  {}", r.rank, r.gene, fmt_score(s))?,
            None => writeln!(out, "{:>5}  {:<width$}  (not in graph)", r.rank, r.gene)?,
        }
    }
    Ok(())
}

/// Writes a whole ranking as CSV `rank,gene,score` (empty score for genes absent from the graph).
pub fn write_ranking_csv(out: &mut dyn Write, ranking: &[Ranked]) -> io::Result<()> {
    writeln!(out, "rank,gene,score")?;
    for r in ranking {
        match r.score {
            Some(s) => writeln!(out, "{},{},{}", r.rank, r.gene, s)?,
            None => writeln!(out, "{},{},", r.rank, r.gene)?,
        }
    }
    Ok(())
}

fn fmt_score(s: f64) -> String {
    if s.fract() == 0.0 && s.abs() < 1e15 {
        format!("{s:.0}")
    } else if s != 0.0 && (s.abs() < 1e-3 || s.abs() >= 1e6) {
        format!("{s:.4e}")
    } else {
        format!("{s:.6}")
    }
}

/// Writes what a loader did: `rows read, dropped (reasons)` and notes, one line each, `#`-prefixed.
pub fn write_load_report(out: &mut dyn Write, spec: &str, r: &LoadReport) -> io::Result<()> {
    writeln!(
        out,
        "# {spec}: {} rows read, {} dropped ({})",
        r.rows_read,
        r.rows_dropped,
        r.reasons_text()
    )?;
    for (note, n) in &r.notes {
        writeln!(out, "#   {note}: {n}")?;
    }
    Ok(())
}

/// Five-number summary of a distribution.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Distribution {
    /// Smallest value.
    pub min: f64,
    /// Median.
    pub median: f64,
    /// Mean.
    pub mean: f64,
    /// 90th percentile (nearest rank).
    pub p90: f64,
    /// 99th percentile (nearest rank).
    pub p99: f64,
    /// Largest value.
    pub max: f64,
}

impl Distribution {
    /// Summarises values (all zero when empty).
    pub fn of(mut v: Vec<f64>) -> Distribution {
        if v.is_empty() {
            v.push(0.0);
        }
        v.sort_by(f64::total_cmp);
        let q = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        let mid = v.len() / 2;
        let median = if v.len() % 2 == 1 {
            v[mid]
        } else {
            (v[mid - 1] + v[mid]) / 2.0
        };
        Distribution {
            min: v[0],
            median,
            mean: v.iter().sum::<f64>() / v.len() as f64,
            p90: q(0.9),
            p99: q(0.99),
            max: v[v.len() - 1],
        }
    }

    fn line(&self) -> String {
        format!(
            "min {}  median {}  mean {:.2}  p90 {}  p99 {}  max {}",
            trim(self.min),
            trim(self.median),
            self.mean,
            trim(self.p90),
            trim(self.p99),
            trim(self.max)
        )
    }
}

fn trim(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// Overlap of a graph with a screen's genes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Overlap {
    /// The screen file.
    pub screen: String,
    /// Perturbations of the screen.
    pub perturbations: usize,
    /// Perturbations that are graph nodes.
    pub perturbations_in_graph: usize,
    /// Measured genes of the screen.
    pub genes: usize,
    /// Measured genes that are graph nodes.
    pub genes_in_graph: usize,
}

/// What `priors stats` reports; serialised as the `--json` object.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GraphStats {
    /// The spec read.
    pub graph: String,
    /// Whether edges are directed.
    pub directed: bool,
    /// Nodes.
    pub nodes: usize,
    /// Edges (undirected edges once).
    pub edges: usize,
    /// Weakly connected components.
    pub components: usize,
    /// Nodes in the largest component.
    pub largest_component: usize,
    /// Distribution of total degree (in + out when directed).
    pub degree: Distribution,
    /// Distribution of in-degree (directed only).
    pub in_degree: Option<Distribution>,
    /// Distribution of out-degree (directed only).
    pub out_degree: Option<Distribution>,
    /// Distribution of edge weights.
    pub weight: Distribution,
    /// Edges with sign +1, −1 and 0.
    pub signs: [usize; 3],
    /// Rows read by the loader.
    pub rows_read: usize,
    /// Rows dropped by the loader.
    pub rows_dropped: usize,
    /// Why rows were dropped.
    pub reasons: Vec<(String, usize)>,
    /// Overlap with a screen, when one was given.
    pub overlap: Option<Overlap>,
}

impl GraphStats {
    /// Summarises a graph (and its overlap with `screen`, named `screen_name`).
    pub fn of(
        spec: &str,
        g: &Graph,
        report: &LoadReport,
        screen: Option<(&str, &Screen)>,
    ) -> GraphStats {
        let n = g.node_count() as u32;
        let deg = |f: &dyn Fn(u32) -> usize| (0..n).map(|u| f(u) as f64).collect::<Vec<_>>();
        let comps = g.components();
        let mut sizes = vec![0usize; comps.iter().map(|&c| c as usize + 1).max().unwrap_or(0)];
        for &c in &comps {
            sizes[c as usize] += 1;
        }
        let (total, inn, out) = if g.is_directed() {
            (
                deg(&|u| g.in_degree(u) + g.out_degree(u)),
                Some(Distribution::of(deg(&|u| g.in_degree(u)))),
                Some(Distribution::of(deg(&|u| g.out_degree(u)))),
            )
        } else {
            (deg(&|u| g.out_degree(u)), None, None)
        };
        let mut signs = [0; 3];
        for e in g.edges() {
            signs[match e.sign {
                1 => 0,
                -1 => 1,
                _ => 2,
            }] += 1;
        }
        let overlap = screen.map(|(name, s)| Overlap {
            screen: name.to_string(),
            perturbations: s.n_perturbations(),
            perturbations_in_graph: s
                .perturbations()
                .iter()
                .filter(|p| g.node(p).is_some())
                .count(),
            genes: s.n_genes(),
            genes_in_graph: s.genes().iter().filter(|p| g.node(p).is_some()).count(),
        });
        GraphStats {
            graph: spec.to_string(),
            directed: g.is_directed(),
            nodes: g.node_count(),
            edges: g.edge_count(),
            components: sizes.len(),
            largest_component: sizes.iter().copied().max().unwrap_or(0),
            degree: Distribution::of(total),
            in_degree: inn,
            out_degree: out,
            weight: Distribution::of(g.edges().iter().map(|e| f64::from(e.weight)).collect()),
            signs,
            rows_read: report.rows_read,
            rows_dropped: report.rows_dropped,
            reasons: report.reasons.clone(),
            overlap,
        }
    }

    /// Writes the summary for people.
    pub fn write_human(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{}", self.graph)?;
        let kind = if self.directed {
            "directed (regulator → target)"
        } else {
            "undirected"
        };
        writeln!(out, "  kind              {kind}")?;
        writeln!(out, "  nodes             {}", self.nodes)?;
        writeln!(out, "  edges             {}", self.edges)?;
        writeln!(
            out,
            "  components        {} (largest {} nodes)",
            self.components, self.largest_component
        )?;
        writeln!(out, "  degree            {}", self.degree.line())?;
        if let (Some(i), Some(o)) = (&self.in_degree, &self.out_degree) {
            writeln!(out, "  in-degree         {}", i.line())?;
            writeln!(out, "  out-degree        {}", o.line())?;
        }
        writeln!(out, "  weight            {}", self.weight.line())?;
        writeln!(
            out,
            "  signs             {} activating, {} repressing, {} unknown",
            self.signs[0], self.signs[1], self.signs[2]
        )?;
        let reasons = if self.reasons.is_empty() {
            "none".to_string()
        } else {
            self.reasons
                .iter()
                .map(|(r, n)| format!("{r}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(
            out,
            "  rows              {} read, {} dropped ({reasons})",
            self.rows_read, self.rows_dropped
        )?;
        if let Some(o) = &self.overlap {
            writeln!(out, "  screen            {}", o.screen)?;
            writeln!(
                out,
                "  perturbations     {} of {} in the graph ({:.1}%)",
                o.perturbations_in_graph,
                o.perturbations,
                pct(o.perturbations_in_graph, o.perturbations)
            )?;
            writeln!(
                out,
                "  measured genes    {} of {} in the graph ({:.1}%)",
                o.genes_in_graph,
                o.genes,
                pct(o.genes_in_graph, o.genes)
            )?;
        }
        Ok(())
    }
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distribution_by_hand() {
        let d = Distribution::of(vec![4.0, 1.0, 3.0, 2.0]);
        assert_eq!((d.min, d.median, d.mean, d.max), (1.0, 2.5, 2.5, 4.0));
        assert_eq!(d.p90, 4.0);
        let d = Distribution::of((1..=100).map(f64::from).collect());
        assert_eq!((d.p90, d.p99), (90.0, 99.0));
    }

    #[test]
    fn ranking_table_and_csv() {
        let r = vec![
            Ranked {
                gene: "MYC".into(),
                score: Some(0.5),
                rank: 1,
            },
            Ranked {
                gene: "NOTAGENE".into(),
                score: None,
                rank: 2,
            },
        ];
        let mut out = Vec::new();
        write_ranking(&mut out, &r, 5).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            " rank  gene      score\n    1  MYC       0.500000\n    2  NOTAGENE  (not in graph)\n"
        );
        let mut out = Vec::new();
        write_ranking_csv(&mut out, &r).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "rank,gene,score\n1,MYC,0.5\n2,NOTAGENE,\n"
        );
    }
}

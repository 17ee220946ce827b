//! Output of `mechpert consensus`: the proposals TSV and the run summary. The neighbour and hubs
//! tables are written by [`crate::consensus::io`], beside their readers.

use std::io::{self, Write};

use crate::agents::{AgentOutcome, Collected, Failure, TallySnapshot};

/// Writes every validated proposal, before any threshold: `target, agent, gene, confidence,
/// rationale` (tabs and newlines in rationales become spaces), targets and agents in the order
/// asked, each answer best first.
pub fn write_proposals(collected: &Collected, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "target\tagent\tgene\tconfidence\trationale")?;
    for (t, answers) in collected.answers.iter().enumerate() {
        for (a, answer) in answers.iter().enumerate() {
            for p in answer.iter().flat_map(|x| &x.proposals) {
                let rationale: String = p
                    .rationale
                    .chars()
                    .map(|c| {
                        if c == '\t' || c == '\n' || c == '\r' {
                            ' '
                        } else {
                            c
                        }
                    })
                    .collect();
                writeln!(
                    out,
                    "{}\t{}\t{}\t{:.4}\t{}",
                    collected.targets[t], collected.agents[a], p.gene, p.confidence, rationale
                )?;
            }
        }
    }
    Ok(())
}

/// What a consensus run did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    /// Targets asked about.
    pub targets: usize,
    /// Candidate pool size.
    pub pool: usize,
    /// Agent names (runs and instances expanded).
    pub agents: Vec<String>,
    /// Question asked.
    pub question: String,
    /// τ as configured.
    pub tau: String,
    /// Weighting.
    pub weighting: String,
    /// Consensus edges written.
    pub edges: usize,
    /// Targets with at least one edge.
    pub targets_with_edges: usize,
    /// Counters.
    pub tally: TallySnapshot,
    /// Failed queries.
    pub failures: Vec<Failure>,
    /// Answers and failures per agent.
    pub outcomes: Vec<AgentOutcome>,
    /// Where the TSV went.
    pub out: String,
}

impl Summary {
    /// The human summary.
    pub fn write_human(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "consensus of {} agents ({}) on {} targets, pool of {} genes, question {}",
            self.agents.len(),
            self.agents.join(", "),
            self.targets,
            self.pool,
            self.question
        )?;
        writeln!(
            out,
            "  tau {}, weighting {}: {} edges, {} targets with at least one",
            self.tau, self.weighting, self.edges, self.targets_with_edges
        )?;
        let t = &self.tally;
        writeln!(
            out,
            "  {} requests ({} retries), {} cache hits, {} failures, {} tokens",
            t.requests, t.retries, t.cache_hits, t.failures, t.tokens
        )?;
        writeln!(
            out,
            "  dropped proposals: {} invented genes, {} placeholders, {} the target itself, {} duplicates, {} outside the pool",
            t.invented, t.placeholder, t.target, t.duplicate, t.out_of_pool
        )?;
        for o in &self.outcomes {
            writeln!(
                out,
                "  agent {}: {} answered, {} failed",
                o.agent, o.answered, o.failed
            )?;
        }
        for f in self.failures.iter().take(10) {
            writeln!(
                out,
                "  failed: {} (agent {}): {}",
                f.target, f.agent, f.message
            )?;
        }
        if self.failures.len() > 10 {
            writeln!(out, "  … and {} more failures", self.failures.len() - 10)?;
        }
        writeln!(out, "  wrote {}", self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{Answer, Proposal};

    #[test]
    fn proposals_keep_rationales_on_one_line() {
        let c = Collected {
            targets: vec!["KLF1".into()],
            agents: vec!["a".into(), "b".into()],
            answers: vec![vec![
                Some(Answer {
                    proposals: vec![Proposal {
                        gene: "GATA1".into(),
                        confidence: 0.9,
                        rationale: "binds\tthe\npromoter".into(),
                    }],
                    ..Default::default()
                }),
                None,
            ]],
            failures: vec![],
        };
        let mut out = Vec::new();
        write_proposals(&c, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "target\tagent\tgene\tconfidence\trationale\nKLF1\ta\tGATA1\t0.9000\tbinds the promoter\n"
        );
    }
}

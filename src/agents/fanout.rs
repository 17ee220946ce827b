//! Asking every agent about every target at once.
//!
//! In flow agents, targets, a question and a context; out comes a [`Collected`]: one optional
//! [`Answer`] per (target, agent) and the per-query [`Failure`]s. Queries run concurrently as
//! tokio tasks (LLM agents share the [`Limits`](super::limits::Limits) that cap what is in
//! flight). A failed query is logged with gene and endpoint, counted, and skipped; a fatal error
//! (offline cache miss, budget spent, cache I/O) stops the run: queries not yet started are not
//! asked, queries in flight finish (and are cached), and the first fatal error is returned.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::task::JoinSet;

use super::{Agent, AgentError, Answer, Context, Query, QueryKind, Tally};
use crate::progress::Progress;

/// One query that failed after retries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    /// Target gene (`hubs` for the hubs question).
    pub target: String,
    /// Agent name.
    pub agent: String,
    /// Endpoint or source.
    pub endpoint: String,
    /// The error.
    pub message: String,
}

/// Everything the agents answered.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    /// Targets, in the order asked.
    pub targets: Vec<String>,
    /// Agent names, in the order given.
    pub agents: Vec<String>,
    /// `answers[t][a]`: agent a's answer about target t (`None` when it failed).
    pub answers: Vec<Vec<Option<Answer>>>,
    /// Failed queries.
    pub failures: Vec<Failure>,
}

/// How one agent fared over a run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgentOutcome {
    /// Agent name.
    pub agent: String,
    /// Queries it answered.
    pub answered: usize,
    /// Queries that failed after retries.
    pub failed: usize,
    /// The first failure (by target name) as `TARGET: message`, if any.
    pub first_failure: Option<String>,
}

impl Collected {
    /// Targets that no agent answered (in the order asked).
    pub fn unanswered(&self) -> Vec<&str> {
        self.targets
            .iter()
            .zip(&self.answers)
            .filter(|(_, answers)| answers.iter().all(Option::is_none))
            .map(|(t, _)| t.as_str())
            .collect()
    }

    /// Answers and failures per agent, in the order the agents were given.
    pub fn outcomes(&self) -> Vec<AgentOutcome> {
        self.agents
            .iter()
            .enumerate()
            .map(|(a, name)| {
                let failed: Vec<&Failure> =
                    self.failures.iter().filter(|f| &f.agent == name).collect();
                AgentOutcome {
                    agent: name.clone(),
                    answered: self.answers.iter().filter(|row| row[a].is_some()).count(),
                    failed: failed.len(),
                    first_failure: failed
                        .first()
                        .map(|f| format!("{}: {}", f.target, f.message)),
                }
            })
            .collect()
    }
}

fn query(kind: QueryKind, target: &str) -> Query<'_> {
    match kind {
        QueryKind::Regulators => Query::Regulators(target),
        QueryKind::Similar => Query::Similar(target),
        QueryKind::Hubs => Query::Hubs,
    }
}

/// Asks each agent `kind` about each target (for [`QueryKind::Hubs`] pass one target, e.g.
/// `"hubs"`; it only labels the answers).
pub async fn ask_all(
    agents: &[Arc<dyn Agent>],
    targets: &[String],
    kind: QueryKind,
    ctx: Arc<Context>,
    tally: Arc<Tally>,
    progress: &dyn Progress,
) -> Result<Collected, AgentError> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut set = JoinSet::new();
    progress.start((targets.len() * agents.len()) as u64, "agents");
    for (t, target) in targets.iter().enumerate() {
        for (a, agent) in agents.iter().enumerate() {
            let (agent, target) = (Arc::clone(agent), target.clone());
            let (ctx, tally, stop) = (Arc::clone(&ctx), Arc::clone(&tally), Arc::clone(&stop));
            set.spawn(async move {
                if stop.load(Ordering::Relaxed) {
                    return (t, a, Err(AgentError::Stopped));
                }
                let result = agent.ask(query(kind, &target), &ctx, &tally).await;
                if result.as_ref().is_err_and(AgentError::is_fatal) {
                    stop.store(true, Ordering::Relaxed);
                    tally.stopping.store(true, Ordering::Relaxed);
                }
                (t, a, result)
            });
        }
    }
    let mut collected = Collected {
        targets: targets.to_vec(),
        agents: agents.iter().map(|a| a.name().to_string()).collect(),
        answers: vec![vec![None; agents.len()]; targets.len()],
        failures: Vec::new(),
    };
    let mut fatal: Option<AgentError> = None;
    while let Some(joined) = set.join_next().await {
        let (t, a, result) = joined.expect("agent tasks do not panic");
        match result {
            Ok(answer) => {
                tally.add_dropped(answer.dropped);
                collected.answers[t][a] = Some(answer);
            }
            Err(AgentError::Stopped) => {}
            Err(e) if e.is_fatal() => {
                if fatal.is_none() {
                    fatal = Some(e);
                }
            }
            Err(e) => {
                let endpoint = agents[a].endpoint();
                // The error names the endpoint (an LLM's base URL) itself.
                tracing::warn!(gene = %targets[t], agent = agents[a].name(), error = %e, "query failed");
                Tally::bump(&tally.failures, 1);
                collected.failures.push(Failure {
                    target: targets[t].clone(),
                    agent: agents[a].name().to_string(),
                    endpoint,
                    message: e.to_string(),
                });
            }
        }
        progress.advance(1);
        progress.status(tally.snapshot().to_string());
    }
    progress.finish();
    for (agent, outcome) in agents.iter().zip(collected.outcomes()) {
        match agent.usage() {
            Some(u) => tracing::info!(
                agent = %outcome.agent,
                answered = outcome.answered,
                failed = outcome.failed,
                requests = u.requests,
                mean_latency_ms = u.mean_latency().as_millis() as u64,
                tokens = u.tokens,
                "agent"
            ),
            None => tracing::info!(
                agent = %outcome.agent,
                answered = outcome.answered,
                failed = outcome.failed,
                "agent"
            ),
        }
    }
    match fatal {
        Some(e) => Err(e),
        None => {
            collected
                .failures
                .sort_by(|x, y| (&x.target, &x.agent).cmp(&(&y.target, &y.agent)));
            Ok(collected)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{AgentFuture, Pool, Proposal};

    /// Proposes the gene after the target in the pool; fails on `BAD`; fatal on `STOP`.
    struct Next(&'static str);

    impl Agent for Next {
        fn name(&self) -> &str {
            self.0
        }
        fn endpoint(&self) -> String {
            "test:next".into()
        }
        fn ask<'a>(&'a self, q: Query<'a>, ctx: &'a Context, _: &'a Tally) -> AgentFuture<'a> {
            let t = q.target().unwrap_or("");
            let result = match t {
                "BAD" => Err(AgentError::Reply {
                    endpoint: "test".into(),
                    reason: "bad".into(),
                }),
                "STOP" => Err(AgentError::Budget {
                    what: "requests",
                    limit: 0,
                    spent: 0,
                }),
                _ => {
                    let g = ctx.pool.genes();
                    let i = g.iter().position(|x| x == t).unwrap();
                    Ok(Answer {
                        proposals: vec![Proposal {
                            gene: g[(i + 1) % g.len()].clone(),
                            confidence: 1.0,
                            rationale: String::new(),
                        }],
                        dropped: Default::default(),
                    })
                }
            };
            Box::pin(std::future::ready(result))
        }
    }

    fn run(targets: &[&str]) -> Result<Collected, AgentError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let agents: Vec<Arc<dyn Agent>> = vec![Arc::new(Next("x")), Arc::new(Next("y"))];
        let pool = Pool::new(["A", "B", "BAD", "STOP"].map(String::from));
        let ctx = Arc::new(Context {
            cell: String::new(),
            pool,
            k: 5,
        });
        let targets: Vec<String> = targets.iter().map(|s| s.to_string()).collect();
        rt.block_on(ask_all(
            &agents,
            &targets,
            QueryKind::Regulators,
            ctx,
            Arc::new(Tally::default()),
            &crate::progress::Silent,
        ))
    }

    #[test]
    fn failures_are_counted_and_others_answered() {
        let c = run(&["A", "BAD", "B"]).unwrap();
        assert_eq!(c.answers[0][1].as_ref().unwrap().proposals[0].gene, "B");
        assert!(c.answers[1].iter().all(Option::is_none));
        assert_eq!(c.failures.len(), 2);
        assert_eq!(
            (c.failures[0].target.as_str(), c.failures[0].agent.as_str()),
            ("BAD", "x")
        );
        assert_eq!(c.answers[2][0].as_ref().unwrap().proposals[0].gene, "BAD");
        assert_eq!(c.unanswered(), vec!["BAD"]);
        let o = c.outcomes();
        assert_eq!(o.len(), 2);
        assert_eq!(
            (o[1].agent.as_str(), o[1].answered, o[1].failed),
            ("y", 2, 1)
        );
        assert_eq!(
            o[0].first_failure.as_deref(),
            Some("BAD: test: unusable reply: bad")
        );
    }

    #[test]
    fn a_fatal_error_stops_the_run() {
        let err = run(&["A", "STOP", "B"]).unwrap_err();
        assert!(matches!(err, AgentError::Budget { .. }), "{err}");
    }
}

//! Limits shared by every LLM agent of a run: in flow requests about to be sent; out come
//! permits (a concurrency slot and a requests-per-minute slot) or a [`AgentError::Budget`] stop.
//!
//! - `concurrency`: at most this many HTTP requests in flight (a semaphore);
//! - `rpm`: requests start at least `60 s / rpm` apart (a pacing limiter, no bursts);
//! - `max_requests`, `max_tokens`: the total budget. Every HTTP attempt (retries included)
//!   counts as a request; tokens are the endpoints' `usage.total_tokens`. Once either is spent,
//!   no further request is sent and the run stops with a clear error; cache hits are free.

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

use super::AgentError;

/// Limit settings (the `[limits]` table of `agents.toml`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitParams {
    /// Requests in flight at once (default 16).
    #[serde(default = "default_concurrency")]
    pub concurrency: NonZeroUsize,
    /// Requests per minute (default: unlimited).
    #[serde(default)]
    pub rpm: Option<f64>,
    /// Total HTTP requests allowed (default: unlimited).
    #[serde(default)]
    pub max_requests: Option<u64>,
    /// Total tokens allowed (default: unlimited).
    #[serde(default)]
    pub max_tokens: Option<u64>,
}

fn default_concurrency() -> NonZeroUsize {
    NonZeroUsize::new(16).expect("non-zero")
}

impl Default for LimitParams {
    fn default() -> Self {
        LimitParams {
            concurrency: default_concurrency(),
            rpm: None,
            max_requests: None,
            max_tokens: None,
        }
    }
}

/// A bad limit setting.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("invalid [limits] {key} = {value}: expected {expected}")]
pub struct LimitError {
    /// The key.
    pub key: &'static str,
    /// Its value, as written.
    pub value: String,
    /// What is accepted.
    pub expected: &'static str,
}

/// Most requests in flight accepted.
const MAX_CONCURRENCY: usize = 1024;
/// Accepted requests per minute: one per ten minutes up to a million.
const RPM: std::ops::RangeInclusive<f64> = 0.1..=1e6;

impl LimitParams {
    /// Checks the settings and builds the shared limiter.
    pub fn check(self) -> Result<Limits, LimitError> {
        if self.concurrency.get() > MAX_CONCURRENCY {
            return Err(LimitError {
                key: "concurrency",
                value: self.concurrency.to_string(),
                expected: "1 to 1024 requests in flight",
            });
        }
        let interval = match self.rpm {
            Some(r) if !(r.is_finite() && RPM.contains(&r)) => {
                return Err(LimitError {
                    key: "rpm",
                    value: format!("{r:?}"),
                    expected: "requests per minute from 0.1 to 1000000",
                });
            }
            Some(r) => Some(Duration::from_secs_f64(60.0 / r)),
            None => None,
        };
        for (key, value) in [
            ("max_requests", self.max_requests),
            ("max_tokens", self.max_tokens),
        ] {
            if value == Some(0) {
                return Err(LimitError {
                    key,
                    value: "0".into(),
                    expected: "a positive budget (leave it out for no limit)",
                });
            }
        }
        Ok(Limits {
            semaphore: Semaphore::new(self.concurrency.get()),
            interval,
            next_slot: Mutex::new(None),
            max_requests: self.max_requests,
            max_tokens: self.max_tokens,
            requests: AtomicU64::new(0),
            tokens: AtomicU64::new(0),
        })
    }
}

/// The shared limiter.
#[derive(Debug)]
pub struct Limits {
    semaphore: Semaphore,
    interval: Option<Duration>,
    next_slot: Mutex<Option<Instant>>,
    max_requests: Option<u64>,
    max_tokens: Option<u64>,
    requests: AtomicU64,
    tokens: AtomicU64,
}

impl Limits {
    /// Waits for a concurrency slot and a rate slot, and charges one request to the budget.
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AgentError> {
        let permit = self
            .semaphore
            .acquire()
            .await
            .expect("semaphore never closed");
        if let Some(limit) = self.max_tokens {
            let spent = self.tokens.load(Ordering::Relaxed);
            if spent >= limit {
                return Err(AgentError::Budget {
                    what: "tokens",
                    limit,
                    spent,
                });
            }
        }
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        if let Some(limit) = self.max_requests
            && n >= limit
        {
            self.requests.fetch_sub(1, Ordering::Relaxed);
            return Err(AgentError::Budget {
                what: "requests",
                limit,
                spent: n,
            });
        }
        if let Some(interval) = self.interval {
            let slot = {
                let mut next = self.next_slot.lock().expect("rate lock");
                let now = Instant::now();
                let slot = next.map_or(now, |n| n.max(now));
                *next = Some(slot + interval);
                slot
            };
            tokio::time::sleep_until(slot).await;
        }
        Ok(permit)
    }

    /// Records tokens used by a reply.
    pub fn charge_tokens(&self, n: u64) {
        super::saturating_add(&self.tokens, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn request_budget_stops_at_the_limit() {
        let limits = LimitParams {
            max_requests: Some(2),
            ..LimitParams::default()
        }
        .check()
        .unwrap();
        drop(limits.acquire().await.unwrap());
        drop(limits.acquire().await.unwrap());
        let err = limits.acquire().await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "budget exhausted: 2 requests used of max_requests = 2; raise the limit in [limits] or rerun (answered requests are cached)"
        );
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn token_budget_stops_once_spent() {
        let limits = LimitParams {
            max_tokens: Some(100),
            ..LimitParams::default()
        }
        .check()
        .unwrap();
        drop(limits.acquire().await.unwrap());
        limits.charge_tokens(100);
        assert!(matches!(
            limits.acquire().await.unwrap_err(),
            AgentError::Budget { what: "tokens", .. }
        ));
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn rpm_paces_requests() {
        let limits = LimitParams {
            rpm: Some(120.0),
            ..LimitParams::default()
        }
        .check()
        .unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            drop(limits.acquire().await.unwrap());
        }
        // 120 rpm: 0.5 s apart, so the third starts at 1.0 s.
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
    }

    #[test]
    fn bad_limits_are_refused_with_the_key_and_the_range() {
        let cases = [
            (
                Some(0.0),
                None,
                "invalid [limits] rpm = 0.0: expected requests per minute from 0.1 to 1000000",
            ),
            (
                Some(1e-15),
                None,
                "invalid [limits] rpm = 1e-15: expected requests per minute",
            ),
            (
                Some(1e-300),
                None,
                "invalid [limits] rpm = 1e-300: expected",
            ),
            (
                Some(f64::INFINITY),
                None,
                "invalid [limits] rpm = inf: expected",
            ),
            (
                None,
                Some(0),
                "invalid [limits] max_requests = 0: expected a positive budget",
            ),
        ];
        for (rpm, max_requests, want) in cases {
            let p = LimitParams {
                rpm,
                max_requests,
                ..LimitParams::default()
            };
            let err = p.check().unwrap_err().to_string();
            assert!(err.starts_with(want), "{err}");
        }
        let p = LimitParams {
            concurrency: NonZeroUsize::new(5000).unwrap(),
            ..LimitParams::default()
        };
        assert!(
            p.check()
                .unwrap_err()
                .to_string()
                .contains("concurrency = 5000")
        );
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn the_token_count_saturates_instead_of_wrapping() {
        let limits = LimitParams {
            max_tokens: Some(u64::MAX),
            ..LimitParams::default()
        }
        .check()
        .unwrap();
        limits.charge_tokens(u64::MAX - 1);
        limits.charge_tokens(u64::MAX - 1);
        assert!(matches!(
            limits.acquire().await.unwrap_err(),
            AgentError::Budget {
                what: "tokens",
                spent: u64::MAX,
                ..
            }
        ));
    }
}

//! The load run (`infra/load.sh`): a whole team of agents and a crowd of customers on the local
//! API at once, optionally with DynamoDB Local paused, stopped and restarted mid-run, and then a
//! read-back of every session from the table that checks nothing was lost, duplicated,
//! double-assigned or left in an illegal state.
//!
//! Customers chat through `POST /api/v1/chat` with the service key; each simulated agent signs in
//! with its own token from the local issuer, so the ownership rules are exercised. Every write
//! carries an `Idempotency-Key` and is retried with the same key after a 503, as the README's
//! "Retries" tells clients to. Every message carries a marker (`[c0012-007]`, `[a007-0012]`) so
//! the read-back can find it.

pub mod agent;
pub mod check;
pub mod client;
pub mod customer;
pub mod faults;
pub mod journal;
pub mod rng;

use crate::latency::{ms, percentile};
use client::Api;
use journal::Journal;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one run does.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    pub agents: usize,
    pub customers: usize,
    /// New actions start only within this time.
    pub duration: Duration,
    /// Retries of requests begun within `duration` may go on this much longer.
    pub drain: Duration,
    /// No simulated user starts a new action once this many requests were sent.
    pub max_requests: usize,
    /// A customer's pause between two messages, uniform in this range.
    pub customer_think: (Duration, Duration),
    /// An agent's pause between two actions on a session, and between two looks at an empty queue.
    pub agent_think: (Duration, Duration),
    pub agent_idle: (Duration, Duration),
    /// What any request may take before the run calls it hung (API Gateway cuts at 30 s).
    pub client_timeout: Duration,
    /// What a request may take: the store's budget per call, and room for the calls around it.
    pub request_budget: Duration,
    pub seed: u64,
}

impl LoadConfig {
    pub fn deadline(&self, started: Instant) -> Instant {
        started + self.duration
    }
}

/// Everything the simulated users share.
pub struct Shared {
    pub api: Api,
    pub journal: Journal,
    pub config: LoadConfig,
    pub started: Instant,
    /// Markers run-wide unique, so two runs on one table never mix.
    pub run_id: String,
}

impl Shared {
    /// True while new actions may start.
    pub fn open(&self) -> bool {
        Instant::now() < self.config.deadline(self.started) && self.journal.requests() < self.config.max_requests
    }

    /// Sleep `d`, or until new actions stop if that comes first.
    pub async fn pause(&self, d: Duration) {
        let deadline = self.config.deadline(self.started);
        tokio::time::sleep_until((Instant::now() + d).min(deadline).into()).await;
    }

    /// True while a retry of an action already begun may still be sent.
    pub fn may_retry(&self) -> bool {
        Instant::now() < self.config.deadline(self.started) + self.config.drain
    }
}

/// Run the simulated users until the deadline and their retries are done.
pub async fn simulate(shared: Arc<Shared>) {
    let mut tasks = Vec::new();
    for n in 0..shared.config.agents {
        let shared = shared.clone();
        tasks.push(tokio::spawn(async move { agent::run(shared, n).await }));
    }
    for n in 0..shared.config.customers {
        let shared = shared.clone();
        tasks.push(tokio::spawn(async move { customer::run(shared, n).await }));
    }
    for task in tasks {
        if let Err(err) = task.await {
            shared.journal.note_failure(format!("a simulated user panicked: {err}"));
        }
    }
}

/// Markdown: throughput and latency per route.
pub fn report_routes(journal: &Journal, started: Instant, window: Duration, faults: &[faults::FaultWindow]) -> String {
    let samples = journal.samples();
    let mut out = String::new();
    let total = samples.len();
    let in_window: Vec<_> = samples.iter().filter(|s| s.started < started + window).collect();
    let ok = in_window.iter().filter(|s| s.status.is_some_and(|c| (200..300).contains(&c))).count();
    out.push_str(&format!(
        "{total} requests in all; in the {:.0} s of new actions {} requests, {:.0} requests/s, {:.0} answered 2xx/s.\n\n",
        window.as_secs_f64(),
        in_window.len(),
        in_window.len() as f64 / window.as_secs_f64(),
        ok as f64 / window.as_secs_f64()
    ));
    out.push_str("| route | requests | 2xx | 409 | 503 | other | p50 ms | p99 ms | max ms | p50 ms outside faults | p99 ms outside faults |\n");
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    let mut routes: Vec<&'static str> = samples.iter().map(|s| s.route).collect();
    routes.sort();
    routes.dedup();
    for route in routes {
        let of_route: Vec<_> = samples.iter().filter(|s| s.route == route).collect();
        let count = |f: &dyn Fn(Option<u16>) -> bool| of_route.iter().filter(|s| f(s.status)).count();
        let mut all: Vec<Duration> = of_route.iter().map(|s| s.elapsed).collect();
        let mut calm: Vec<Duration> = of_route
            .iter()
            .filter(|s| !faults.iter().any(|w| w.overlaps(s.started, s.started + s.elapsed)))
            .map(|s| s.elapsed)
            .collect();
        all.sort();
        calm.sort();
        let pct = |v: &[Duration], q: f64| if v.is_empty() { "-".to_string() } else { ms(percentile(v, q)) };
        out.push_str(&format!(
            "| {route} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            of_route.len(),
            count(&|c| c.is_some_and(|c| (200..300).contains(&c))),
            count(&|c| c == Some(409)),
            count(&|c| c == Some(503)),
            count(&|c| !c.is_some_and(|c| (200..300).contains(&c) || c == 409 || c == 503)),
            pct(&all, 0.5),
            pct(&all, 0.99),
            pct(&all, 1.0),
            pct(&calm, 0.5),
            pct(&calm, 0.99),
        ));
    }
    out
}

/// Markdown: the answers by the second their request started, in `step` buckets, so a reader
/// sees where the 503s fall against the faults (and how long a recovery takes).
pub fn report_timeline(journal: &Journal, started: Instant, step: Duration) -> String {
    let samples = journal.samples();
    let Some(last) = samples.iter().map(|s| s.started).max() else { return String::new() };
    let buckets = ((last - started).as_secs_f64() / step.as_secs_f64()).floor() as usize + 1;
    // requests, 2xx, 409, 503, other or none
    let mut rows = vec![[0usize; 5]; buckets];
    for s in &samples {
        let b = (((s.started - started).as_secs_f64()) / step.as_secs_f64()).floor() as usize;
        let row = &mut rows[b.min(buckets - 1)];
        row[0] += 1;
        match s.status {
            Some(c) if (200..300).contains(&c) => row[1] += 1,
            Some(409) => row[2] += 1,
            Some(503) => row[3] += 1,
            _ => row[4] += 1,
        }
    }
    let mut out = String::from("| started at s | requests | 2xx | 409 | 503 | other or none |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (b, row) in rows.iter().enumerate() {
        let from = b as f64 * step.as_secs_f64();
        out.push_str(&format!(
            "| {from:.0}-{:.0} | {} | {} | {} | {} | {} |\n",
            from + step.as_secs_f64(),
            row[0],
            row[1],
            row[2],
            row[3],
            row[4]
        ));
    }
    out
}


//! Benchmarks of the team transitions against DynamoDB Local (issue 12), Markdown on stdout:
//! round trips (by DynamoDB operation) and latency of accept with capacity, release, transfer,
//! resolve and next; an aging run over 10,000 pending sessions with 1,000 due; the metrics
//! summary at 100 and 10,000 pending sessions. `infra/bench.sh` runs it.

use chrono::{Duration as ChronoDuration, Utc};
use std::collections::BTreeMap;
use std::time::Instant;
use workbench::domain::EscalationPriority;
use workbench::{routes, App, Endpoint};
use workbench_local::bench::{escalate, fresh_app, pending_session, request};
use workbench_local::latency::{ms, stats};
use workbench_local::round_trips::RoundTrips;

async fn call(app: &App, endpoint: Endpoint, req: lambda_http::Request) -> u16 {
    routes::handle(app, endpoint, req).await.status().as_u16()
}

/// `1 Query + 1 TransactWriteItems`
fn operations(by_op: &BTreeMap<String, usize>) -> String {
    by_op.iter().map(|(op, n)| format!("{n} {op}")).collect::<Vec<_>>().join(" + ")
}

/// The calls of each request: the most common set of operations (with how many requests made
/// exactly those calls), and the most round trips any request took (SDK retries of a slow
/// attempt count: every attempt is a round trip).
#[derive(Default)]
struct Calls(BTreeMap<BTreeMap<String, usize>, usize>);

impl Calls {
    fn add(&mut self, ops: BTreeMap<String, usize>) {
        *self.0.entry(ops).or_default() += 1;
    }

    fn typical(&self) -> (usize, String) {
        let (ops, _) = self.0.iter().max_by_key(|(_, n)| **n).expect("at least one request");
        (ops.values().sum(), operations(ops))
    }

    fn worst(&self) -> usize {
        self.0.keys().map(|ops| ops.values().sum()).max().unwrap_or(0)
    }
}

#[tokio::main]
async fn main() {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").expect("DYNAMODB_ENDPOINT (infra/bench.sh sets it)");
    let iterations: usize = std::env::var("BENCH_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let counter = RoundTrips::default();
    let app = fresh_app(&endpoint, &counter, "bench-team").await;

    // Agents with capacity set, so the accept pays the capacity check.
    for agent in ["agent-001", "agent-002"] {
        let body = r#"{"max_sessions": 1000}"#;
        let status = call(&app, Endpoint::SetAgentCapacity, request("PUT", &[("agent_id", agent)], &[], Some(body))).await;
        assert_eq!(status, 200);
    }
    let ids: Vec<String> = (0..iterations).map(|n| format!("sess-team-{n:05}")).collect();
    for id in &ids {
        escalate(&app, id).await;
    }
    counter.take();

    println!("### Team transitions: round trips and latency\n");
    println!("{iterations} requests each, handler called in-process against DynamoDB Local; agents have a capacity set.\n");
    println!("| request | round trips | DynamoDB operations | worst round trips | p50 ms | p99 ms |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let steps: [(&str, Endpoint, &str); 6] = [
        ("POST accept (capacity checked)", Endpoint::AcceptSession, r#"{"agent_id":"agent-001"}"#),
        ("POST release", Endpoint::ReleaseSession, r#"{"reason":"benchmark","agent_id":"agent-001"}"#),
        ("POST accept again", Endpoint::AcceptSession, r#"{"agent_id":"agent-001"}"#),
        ("POST transfer", Endpoint::TransferSession, r#"{"to_agent_id":"agent-002","agent_id":"agent-001"}"#),
        ("POST resolve", Endpoint::ResolveSession, r#"{"note":"done"}"#),
        ("GET events", Endpoint::SessionEvents, ""),
    ];
    for (name, endpoint, body) in steps {
        let (mut samples, mut calls) = (Vec::new(), Calls::default());
        for id in &ids {
            let method = if body.is_empty() { "GET" } else { "POST" };
            let req = request(method, &[("session_id", id)], &[], (!body.is_empty()).then_some(body));
            counter.take();
            let started = Instant::now();
            let status = call(&app, endpoint, req).await;
            samples.push(started.elapsed());
            calls.add(counter.take_by_operation());
            assert_eq!(status, 200, "{name}");
        }
        let s = stats(samples);
        let (trips, ops) = calls.typical();
        println!("| {name} | {trips} | {ops} | {} | {} | {} |", calls.worst(), ms(s.p50), ms(s.p99));
    }

    // Next in queue over a fresh queue of the same size.
    for id in &ids {
        escalate(&app, &format!("{id}-n")).await;
    }
    let (mut samples, mut calls) = (Vec::new(), Calls::default());
    for _ in &ids {
        counter.take();
        let started = Instant::now();
        let status = call(&app, Endpoint::NextSession, request("POST", &[], &[], Some(r#"{"agent_id":"agent-001"}"#))).await;
        samples.push(started.elapsed());
        calls.add(counter.take_by_operation());
        assert_eq!(status, 200, "next");
    }
    let s = stats(samples);
    let (trips, ops) = calls.typical();
    println!("| POST next | {trips} | {ops} | {} | {} | {} |", calls.worst(), ms(s.p50), ms(s.p99));

    // Aging: 10,000 pending, 1,000 of them medium for 11 to 20 minutes (due), the rest not due
    // (highest, which never ages, or escalated within the last minute).
    println!("\n### Aging run: 10,000 pending sessions, 1,000 due\n");
    let aging_counter = RoundTrips::default();
    let aging = fresh_app(&endpoint, &aging_counter, "bench-team").await;
    let mut sessions = Vec::new();
    for n in 0..10_000usize {
        let (priority, waited) = if n < 1_000 {
            (EscalationPriority::Medium, ChronoDuration::seconds(660 + (n as i64 % 540)))
        } else if n < 4_000 {
            (EscalationPriority::Highest, ChronoDuration::minutes(30))
        } else {
            let level = [EscalationPriority::High, EscalationPriority::Medium, EscalationPriority::Low][n % 3];
            (level, ChronoDuration::seconds((n % 50) as i64))
        };
        sessions.push(pending_session(format!("sess-age-{n:06}"), n, priority, Utc::now() - waited));
    }
    aging.store.import_sessions(&sessions).await.unwrap();
    aging_counter.take();
    let started = Instant::now();
    let report = workbench::maintenance::run(&aging).await.unwrap();
    let elapsed = started.elapsed();
    let ops = aging_counter.take_by_operation();
    let trips: usize = ops.values().sum();
    println!("| found | raised | skipped | failed | round trips | DynamoDB operations | wall time s |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    println!(
        "| {} | {} | {} | {} | {trips} | {} | {:.2} |",
        report.aged.found,
        report.aged.done,
        report.aged.skipped,
        report.aged.failed,
        operations(&ops),
        elapsed.as_secs_f64()
    );
    let again_started = Instant::now();
    let again = workbench::maintenance::run(&aging).await.unwrap();
    let again_ops = aging_counter.take_by_operation();
    println!(
        "\nA second run right after: {} raised, {} round trips ({}), {:.2} s.",
        again.aged.done,
        again_ops.values().sum::<usize>(),
        operations(&again_ops),
        again_started.elapsed().as_secs_f64()
    );

    // The summary reads the same three things whatever the volume.
    println!("\n### Metrics summary vs queue length\n");
    println!("| pending sessions | round trips | DynamoDB operations | worst round trips | p50 ms | p99 ms |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for (size, app, counter) in [(100usize, None, None), (10_000, Some(&aging), Some(&aging_counter))] {
        let small;
        let small_counter = RoundTrips::default();
        let (app, counter) = match (app, counter) {
            (Some(app), Some(counter)) => (app, counter),
            _ => {
                small = fresh_app(&endpoint, &small_counter, "bench-team").await;
                small.store.import_sessions(&sessions[..size]).await.unwrap();
                (&small, &small_counter)
            }
        };
        let (mut samples, mut calls) = (Vec::new(), Calls::default());
        for _ in 0..iterations {
            counter.take();
            let started = Instant::now();
            let status = call(app, Endpoint::MetricsSummary, request("GET", &[], &[], None)).await;
            samples.push(started.elapsed());
            calls.add(counter.take_by_operation());
            assert_eq!(status, 200);
        }
        let s: workbench_local::latency::Stats = stats(samples);
        let (trips, ops) = calls.typical();
        println!("| {size} | {trips} | {ops} | {} | {} | {} |", calls.worst(), ms(s.p50), ms(s.p99));
    }
}

//! Benchmarks of the API against DynamoDB Local: `infra/bench.sh` runs it and prints a Markdown
//! report for docs/BENCHMARKS.md.
//!
//! Measures DynamoDB round trips per request (counted by an SDK interceptor on every attempt),
//! handler latency p50/p99 per endpoint beside a bare GetItem from the same run, the pending list
//! with 100 vs 10,000 pending sessions, and a function's process start to first served
//! invocation (against a minimal Lambda Runtime API on loopback).

use chrono::{Duration as ChronoDuration, Utc};
use lambda_http::{Body, RequestExt};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use workbench::auth::ApiKeys;
use workbench::config::Config;
use workbench::domain::{AgentStatus, EscalationPriority, MemberLevel, Session};
use workbench::store::Store;
use workbench_local::latency::{ms, stats, Stats};
use workbench_local::round_trips::RoundTrips;
use workbench::{routes, App, Endpoint};

const KEY: &str = "bench-key";

async fn fresh_app(endpoint: &str, counter: &RoundTrips) -> App {
    let conf = workbench::app::local_dynamodb_config(endpoint).interceptor(counter.clone()).build();
    let table = format!("bench-{}", uuid::Uuid::new_v4().simple());
    let store = Store::new(aws_sdk_dynamodb::Client::from_conf(conf), table);
    store.create_table_if_missing().await.expect("create the bench table");
    App::new(store.clone(), Config::new(store.table(), ApiKeys::parse(KEY)))
}

fn request(method: &str, path_params: &[(&str, &str)], query: &[(&str, &str)], body: Option<&str>) -> lambda_http::Request {
    let params: HashMap<String, String> = path_params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let query: HashMap<String, String> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    lambda_http::http::Request::builder()
        .method(method)
        .header("x-api-key", KEY)
        .header("content-type", "application/json")
        .body(body.map(|b| Body::Text(b.to_string())).unwrap_or(Body::Empty))
        .unwrap()
        .with_path_parameters(params)
        .with_query_string_parameters(query)
}

async fn call(app: &App, endpoint: Endpoint, req: lambda_http::Request) -> u16 {
    routes::handle(app, endpoint, req).await.status().as_u16()
}

fn pending_session(n: usize, priority: EscalationPriority) -> Session {
    let now = Utc::now() - ChronoDuration::seconds(n as i64);
    let mut s = Session::new(format!("sess-bench-{n:06}"), format!("u_{}", n % 500), MemberLevel::Regular, now);
    s.agent_status = AgentStatus::Pending;
    s.priority = Some(priority);
    s.escalate_reason = Some("Benchmark escalation".into());
    s.escalated_at = Some(now);
    s.turn_count = 4;
    s
}

async fn escalate(app: &App, id: &str) {
    let event = serde_json::json!({
        "event_id": format!("evt-{id}"), "session_id": id, "user_id": "u_bench", "reason": "Benchmark",
        "priority": "high", "history": [{"role": "user", "content": "Where is ORD-001?"}]
    });
    let event = workbench::ingest::parse_event(&event.to_string()).unwrap();
    workbench::ingest::ingest(app, event).await.unwrap();
}

#[tokio::main]
async fn main() {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").expect("DYNAMODB_ENDPOINT (infra/bench.sh sets it)");
    let iterations: usize = std::env::var("BENCH_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let counter = RoundTrips::default();
    let app = fresh_app(&endpoint, &counter).await;

    // Bare GetItem: the floor every endpoint is compared with.
    let mut bare = Vec::new();
    for _ in 0..iterations {
        let started = Instant::now();
        app.store.get_session("sess-none").await.unwrap();
        bare.push(started.elapsed());
    }
    let bare = stats(bare);
    counter.take();

    // Sessions in every state the endpoints need, made before timing.
    let ids: Vec<String> = (0..iterations).map(|n| format!("sess-ep-{n:05}")).collect();
    for id in &ids {
        escalate(&app, id).await;
    }
    counter.take();

    let mut rows: Vec<(String, usize, Stats)> = Vec::new();
    let mut measure = |name: &str, trips: Vec<usize>, samples: Vec<Duration>| {
        let max_trips = trips.iter().copied().max().unwrap_or(0);
        rows.push((name.to_string(), max_trips, stats(samples)));
    };

    macro_rules! bench_endpoint {
        ($name:expr, $endpoint:expr, $make:expr) => {{
            let (mut trips, mut samples) = (Vec::new(), Vec::new());
            for id in &ids {
                let req = $make(id.as_str());
                counter.take();
                let started = Instant::now();
                let status = call(&app, $endpoint, req).await;
                samples.push(started.elapsed());
                trips.push(counter.take());
                assert_eq!(status, 200, "{} failed", $name);
            }
            measure($name, trips, samples);
        }};
    }

    bench_endpoint!("GET pending (page of 50)", Endpoint::PendingList, |_id: &str| request("GET", &[], &[("limit", "50")], None));
    bench_endpoint!("GET session details", Endpoint::SessionDetails, |id: &str| request("GET", &[("session_id", id)], &[], None));
    bench_endpoint!("POST accept", Endpoint::AcceptSession, |id: &str| request("POST", &[("session_id", id)], &[], Some(r#"{"agent_id":"agent-001"}"#)));
    bench_endpoint!("POST messages", Endpoint::SendMessage, |id: &str| request("POST", &[("session_id", id)], &[], Some(r#"{"content":"Hello, I am checking ORD-001 for you"}"#)));
    bench_endpoint!("POST resolve", Endpoint::ResolveSession, |id: &str| request("POST", &[("session_id", id)], &[], Some(r#"{"note":"done"}"#)));
    bench_endpoint!("POST solution", Endpoint::SubmitSolution, |id: &str| request("POST", &[("session_id", id)], &[], Some(r#"{"question":"Where is ORD-001?","solution":"Shipped.","intent":"shipping"}"#)));
    bench_endpoint!("POST chat (bot turn)", Endpoint::Chat, |_id: &str| request("POST", &[], &[], Some(r#"{"user_id":"u_chat","message":"How do I change my address?"}"#)));

    println!("### Round trips and latency per endpoint\n");
    println!("{iterations} requests per endpoint, handler called in-process against DynamoDB Local.\n");
    println!("| endpoint | DynamoDB round trips | p50 ms | p99 ms | p50 / bare GetItem p50 |");
    println!("| --- | --- | --- | --- | --- |");
    println!("| bare GetItem | 1 | {} | {} | 1.0 |", ms(bare.p50), ms(bare.p99));
    for (name, trips, s) in &rows {
        println!(
            "| {name} | {trips} | {} | {} | {:.1} |",
            ms(s.p50),
            ms(s.p99),
            s.p50.as_secs_f64() / bare.p50.as_secs_f64()
        );
    }

    // Pending list: flat from 100 to 10,000 pending sessions, because a page is one Query
    // on the sparse index that reads only the page.
    println!("\n### Pending list vs queue length\n");
    println!("| pending sessions | round trips per page | p50 ms | p99 ms |");
    println!("| --- | --- | --- | --- |");
    for size in [100usize, 10_000] {
        let app = fresh_app(&endpoint, &counter).await;
        let sessions: Vec<Session> = (0..size)
            .map(|n| pending_session(n, EscalationPriority::ALL[n % EscalationPriority::ALL.len()]))
            .collect();
        app.store.import_sessions(&sessions).await.unwrap();
        counter.take();
        let (mut samples, mut trips) = (Vec::new(), 0);
        for _ in 0..iterations {
            let started = Instant::now();
            let status = call(&app, Endpoint::PendingList, request("GET", &[], &[("limit", "50")], None)).await;
            samples.push(started.elapsed());
            trips = trips.max(counter.take());
            assert_eq!(status, 200);
        }
        let s = stats(samples);
        println!("| {size} | {trips} | {} | {} |", ms(s.p50), ms(s.p99));
    }
}

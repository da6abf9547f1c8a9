//! What `Idempotency-Key` costs a POST: the same requests with and without the header,
//! alternating in one run against DynamoDB Local, with their DynamoDB round trips. An agent
//! message (one transaction) and a customer chat turn. `infra/bench.sh` runs it.

use lambda_http::{Body, RequestExt};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use workbench::{routes, Endpoint};
use workbench_local::bench::{fresh_app, KEY};
use workbench_local::latency::{ms, stats};
use workbench_local::round_trips::RoundTrips;


fn post(session_id: Option<&str>, body: String, idempotency_key: Option<String>) -> lambda_http::Request {
    let mut builder = lambda_http::http::Request::builder()
        .method("POST")
        .uri(match session_id {
            Some(id) => format!("/api/v1/agent/sessions/{id}/messages"),
            None => "/api/v1/chat".to_string(),
        })
        .header("x-api-key", KEY)
        .header("content-type", "application/json");
    if let Some(key) = idempotency_key {
        builder = builder.header("idempotency-key", key);
    }
    let params: HashMap<String, String> =
        session_id.map(|id| HashMap::from([("session_id".to_string(), id.to_string())])).unwrap_or_default();
    builder.body(Body::Text(body)).unwrap().with_path_parameters(params)
}

#[tokio::main]
async fn main() {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").expect("DYNAMODB_ENDPOINT (infra/bench.sh sets it)");
    let iterations: usize = std::env::var("BENCH_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let counter = RoundTrips::default();
    let app = fresh_app(&endpoint, &counter, "bench-idem").await;

    // One assigned session to write messages into.
    let event = serde_json::json!({"event_id": "evt-idem", "session_id": "sess-idem", "user_id": "u_idem",
        "reason": "Benchmark", "priority": "high", "history": [{"role": "user", "content": "Hello"}]});
    workbench::ingest::ingest(&app, workbench::ingest::parse_event(&event.to_string()).unwrap()).await.unwrap();
    let accept = post(Some("sess-idem"), r#"{"agent_id": "agent-001"}"#.into(), None);
    routes::handle(&app, Endpoint::AcceptSession, accept.with_path_parameters(HashMap::from([("session_id".to_string(), "sess-idem".to_string())]))).await;

    println!("| request | header | runs | round trips | p50 ms | p99 ms |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for (name, endpoint) in [("agent message", Endpoint::SendMessage), ("chat turn", Endpoint::Chat)] {
        let mut without: Vec<Duration> = Vec::new();
        let mut with: Vec<Duration> = Vec::new();
        let (mut trips_without, mut trips_with) = (0, 0);
        for n in 0..iterations {
            for keyed in [false, true] {
                let key = keyed.then(|| format!("bench-{}-{n}", name.replace(' ', "-")));
                let req = match endpoint {
                    Endpoint::SendMessage => {
                        post(Some("sess-idem"), format!(r#"{{"content": "reply {n}", "agent_id": "agent-001"}}"#), key)
                    }
                    _ => post(None, format!(r#"{{"user_id": "u_b{n}_{keyed}", "message": "What is the return window?"}}"#), key),
                };
                counter.take();
                let started = Instant::now();
                let response = routes::handle(&app, endpoint, req).await;
                let elapsed = started.elapsed();
                assert!(response.status().is_success(), "{name}: {} {:?}", response.status(), response.body());
                let trips = counter.take();
                if keyed {
                    with.push(elapsed);
                    trips_with = trips_with.max(trips);
                } else {
                    without.push(elapsed);
                    trips_without = trips_without.max(trips);
                }
            }
        }
        for (label, samples, trips) in [("none", without, trips_without), ("Idempotency-Key", with, trips_with)] {
            let s = stats(samples);
            println!("| {name} | {label} | {iterations} | {trips} | {} | {} |", ms(s.p50), ms(s.p99));
        }
    }
}

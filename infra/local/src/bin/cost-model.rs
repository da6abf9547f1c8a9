//! Cost model: the DynamoDB capacity each workflow consumes, as DynamoDB itself reports it
//! (`ReturnConsumedCapacity` on every call), turned into DynamoDB, Lambda and API Gateway cost
//! per 1,000 escalations at on-demand prices. `infra/bench.sh` runs it; Markdown on stdout.
//!
//! Workflows, run in-process through the same `routes::handle` the Lambdas run, against
//! DynamoDB Local (which reports capacity units as DynamoDB does for the item sizes it stores):
//! - one bot turn: a customer's message on a bot session, answered from a FAQ;
//! - one escalation handled end to end: the customer's first turn and request for a person, the
//!   agent's queue, accept, details, knowledge, business assist, two replies, the customer's
//!   answer, resolve and solution; and the review that approves the solution into a FAQ.

use lambda_http::{Body, RequestExt};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use workbench::auth::ApiKeys;
use workbench::config::Config;
use workbench::store::Store;
use workbench::{routes, App, Endpoint};
use workbench_local::capacity::{CapacityMeter, Units};
use workbench_local::round_trips::RoundTrips;

const KEY: &str = "cost-key";
/// The reviewer's key: four eyes hold for keys, so the key that submitted a solution cannot
/// approve it.
const REVIEW_KEY: &str = "cost-review-key";
/// us-east-1 list prices, on-demand (DynamoDB Standard table class; Lambda on arm64; HTTP API).
const USD_PER_MILLION_WRITE_UNITS: f64 = 0.625;
const USD_PER_MILLION_READ_UNITS: f64 = 0.125;
const USD_PER_GB_SECOND_ARM64: f64 = 0.000_013_333_4;
const USD_PER_MILLION_LAMBDA_REQUESTS: f64 = 0.20;
const USD_PER_MILLION_HTTP_API_REQUESTS: f64 = 1.00;
/// template.yaml's `MemorySize` for every HTTP function.
const LAMBDA_GB: f64 = 0.25;

struct Step {
    who: &'static str,
    what: &'static str,
    endpoint: Endpoint,
    path: Vec<(&'static str, String)>,
    query: Vec<(&'static str, &'static str)>,
    body: Option<serde_json::Value>,
}

#[derive(Default, Clone)]
struct Measured {
    units: Units,
    trips: usize,
    durations: Vec<Duration>,
}

fn request(step: &Step, idempotency_key: Option<String>) -> lambda_http::Request {
    let params: HashMap<String, String> = step.path.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let query: HashMap<String, String> = step.query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let method = if step.body.is_some() { "POST" } else { "GET" };
    let key = if step.who == "reviewer" { REVIEW_KEY } else { KEY };
    let mut builder = lambda_http::http::Request::builder().method(method).header("x-api-key", key).header("content-type", "application/json");
    if let (Some(key), "POST") = (idempotency_key, method) {
        builder = builder.header("idempotency-key", key);
    }
    builder
        .body(step.body.as_ref().map(|b| Body::Text(b.to_string())).unwrap_or(Body::Empty))
        .unwrap()
        .with_path_parameters(params)
        .with_query_string_parameters(query)
}

async fn run(app: &App, meter: &CapacityMeter, trips: &RoundTrips, step: &Step, keyed: bool) -> (serde_json::Value, Units, usize, Duration) {
    meter.take();
    trips.take();
    let key = keyed.then(|| uuid::Uuid::new_v4().simple().to_string());
    let started = Instant::now();
    let response = routes::handle(app, step.endpoint, request(step, key)).await;
    let elapsed = started.elapsed();
    let status = response.status();
    let body: serde_json::Value = match response.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap_or_default(),
        _ => serde_json::Value::Null,
    };
    assert_eq!(status, 200, "{} {}: {body}", step.who, step.what);
    (body, meter.take(), trips.take(), elapsed)
}

fn chat(what: &'static str, session: Option<&str>, message: &str) -> Step {
    let mut body = serde_json::json!({"user_id": "u_10086", "message": message});
    if let Some(id) = session {
        body["session_id"] = serde_json::json!(id);
    }
    Step { who: "customer", what, endpoint: Endpoint::Chat, path: vec![], query: vec![], body: Some(body) }
}

fn agent(what: &'static str, endpoint: Endpoint, session: &str, body: Option<serde_json::Value>) -> Step {
    Step { who: "agent", what, endpoint, path: vec![("session_id", session.to_string())], query: vec![], body }
}

/// One escalation from the customer's first message to the approved FAQ; returns its steps'
/// measurements in order.
async fn escalation(app: &App, meter: &CapacityMeter, trips: &RoundTrips, keyed: bool) -> Vec<(String, Measured)> {
    let mut out = Vec::new();
    let mut record = |name: String, units: Units, t: usize, d: Duration| {
        out.push((name, Measured { units, trips: t, durations: vec![d] }));
    };
    // The previous run's approval changed the knowledge: the container reloads its index on its
    // next chat turn. That reload is counted on its own (see `reload`), not in this turn.
    app.knowledge.retriever(&app.store).await.expect("the knowledge index loads");
    let first = chat("first message, answered from a FAQ (bot turn, new session)", None, "How long does delivery take?");
    let (body, u, t, d) = run(app, meter, trips, &first, keyed).await;
    record(format!("{}: {}", first.who, first.what), u, t, d);
    let session = body["session_id"].as_str().unwrap().to_string();
    let ask = chat("asks for a person (escalating turn)", Some(&session), "I want to talk to a human");
    let (_, u, t, d) = run(app, meter, trips, &ask, keyed).await;
    record(format!("{}: {}", ask.who, ask.what), u, t, d);

    let steps = vec![
        Step { who: "agent", what: "opens the queue (page of 50)", endpoint: Endpoint::PendingList, path: vec![], query: vec![("limit", "50")], body: None },
        agent("accepts", Endpoint::AcceptSession, &session, Some(serde_json::json!({"agent_id": "agent-001"}))),
        agent("opens the session", Endpoint::SessionDetails, &session, None),
        agent("asks knowledge", Endpoint::KnowledgeRecommend, &session, Some(serde_json::json!({"query": "delivery time", "top_k": 5}))),
        agent(
            "asks business assist (order status)",
            Endpoint::BusinessAssist,
            &session,
            Some(serde_json::json!({"query": "Check the status of order ORD-001", "agent_id": "agent-001"})),
        ),
        agent("replies", Endpoint::SendMessage, &session, Some(serde_json::json!({"content": "Your parcel ORD-001 has shipped.", "agent_id": "agent-001"}))),
        chat("answers the agent (forwarded turn)", Some(&session), "Thank you, when will it arrive?"),
        agent("replies again", Endpoint::SendMessage, &session, Some(serde_json::json!({"content": "Estimated delivery is July 5.", "agent_id": "agent-001"}))),
        agent("resolves", Endpoint::ResolveSession, &session, Some(serde_json::json!({"note": "delivery date given"}))),
        agent(
            "submits the solution",
            Endpoint::SubmitSolution,
            &session,
            Some(serde_json::json!({"question": "When will my order arrive?", "solution": "Check the tracking page; estimated delivery is shown there.", "agent_id": "agent-001"})),
        ),
    ];
    let mut solution = String::new();
    for step in &steps {
        let (body, u, t, d) = run(app, meter, trips, step, keyed).await;
        if step.endpoint == Endpoint::SubmitSolution {
            solution = body["solution_id"].as_str().unwrap().to_string();
        }
        record(format!("{}: {}", step.who, step.what), u, t, d);
    }
    let approve = Step {
        who: "reviewer",
        what: "approves the solution into a FAQ",
        endpoint: Endpoint::ApproveSolution,
        path: vec![("solution_id", solution)],
        query: vec![],
        body: Some(serde_json::json!({})),
    };
    let (_, u, t, d) = run(app, meter, trips, &approve, keyed).await;
    record(format!("{}: {}", approve.who, approve.what), u, t, d);
    out
}

async fn bot_turn(app: &App, meter: &CapacityMeter, trips: &RoundTrips, keyed: bool) -> Measured {
    let first = chat("", None, "How long does delivery take?");
    let (body, ..) = run(app, meter, trips, &first, keyed).await;
    let session = body["session_id"].as_str().unwrap().to_string();
    let turn = chat("", Some(&session), "Do you ship internationally?");
    let (_, units, t, d) = run(app, meter, trips, &turn, keyed).await;
    Measured { units, trips: t, durations: vec![d] }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Lambda bills each invocation's duration rounded up to the millisecond.
fn billed_ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).ceil()
}

/// An item's size as DynamoDB bills it: attribute names plus values (strings in UTF-8 bytes,
/// numbers about one byte per two digits plus one, lists and maps 3 bytes plus their elements).
fn item_size(item: &HashMap<String, aws_sdk_dynamodb::types::AttributeValue>) -> usize {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    fn value(v: &A) -> usize {
        match v {
            A::S(s) => s.len(),
            A::N(n) => n.len().div_ceil(2) + 1,
            A::B(b) => b.as_ref().len(),
            A::Bool(_) | A::Null(_) => 1,
            A::L(l) => 3 + l.iter().map(|e| 1 + value(e)).sum::<usize>(),
            A::M(m) => 3 + m.iter().map(|(k, e)| 1 + k.len() + value(e)).sum::<usize>(),
            A::Ss(v) => v.iter().map(String::len).sum(),
            A::Ns(v) => v.iter().map(|n| n.len().div_ceil(2) + 1).sum(),
            _ => 0,
        }
    }
    item.iter().map(|(k, v)| k.len() + value(v)).sum()
}

/// The largest item of each kind in the table, in bytes: what one write or read of it costs
/// (a write unit per KB, a read unit per 4 KB).
async fn item_sizes(store: &Store) -> Vec<(String, usize, usize)> {
    let mut sizes: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut start = None;
    loop {
        let out = store.client().scan().table_name(store.table()).set_exclusive_start_key(start.take()).send().await.unwrap();
        for item in out.items.unwrap_or_default() {
            let kind = item.get("entity").and_then(|v| v.as_s().ok()).cloned().unwrap_or_else(|| "other".into());
            let entry = sizes.entry(kind).or_default();
            entry.0 += 1;
            entry.1 = entry.1.max(item_size(&item));
        }
        match out.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => break,
        }
    }
    sizes.into_iter().map(|(k, (n, max))| (k, n, max)).collect()
}

#[tokio::main]
async fn main() {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").expect("DYNAMODB_ENDPOINT (infra/bench.sh sets it)");
    let runs: usize = std::env::var("COST_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let meter = CapacityMeter::default();
    let trips = RoundTrips::default();
    let conf = workbench::app::local_dynamodb_config(&endpoint).interceptor(meter.clone()).interceptor(trips.clone()).build();
    let table = format!("cost-{}", uuid::Uuid::new_v4().simple());
    let store = Store::new(aws_sdk_dynamodb::Client::from_conf(conf), table);
    store.create_table_if_missing().await.expect("create the table");
    let app = App::new(store.clone(), Config::new(store.table(), ApiKeys::parse(&format!("{KEY},{REVIEW_KEY}")))).with_embedder(workbench_local::production_embedder());
    workbench_local::seed::seed_knowledge(&app, std::path::Path::new("infra/seed")).await.expect("seed knowledge");
    workbench::business::seed(&store, "infra/seed/business/dataset.json").await.expect("seed business data");

    for keyed in [false, true] {
        // Warm-up (index built, connections open), then `runs` workflows; units are the same
        // every run, durations are medians.
        escalation(&app, &meter, &trips, keyed).await;
        let mut steps: Vec<(String, Measured)> = Vec::new();
        let mut turn = Measured::default();
        for _ in 0..runs {
            for (i, (name, m)) in escalation(&app, &meter, &trips, keyed).await.into_iter().enumerate() {
                match steps.get_mut(i) {
                    Some((_, total)) => total.durations.extend(m.durations),
                    None => steps.push((name, m)),
                }
            }
            let t = bot_turn(&app, &meter, &trips, keyed).await;
            turn.units = t.units;
            turn.trips = t.trips;
            turn.durations.extend(t.durations);
        }

        // What one container pays to reload its index after a knowledge change (any write, an
        // approval, an invalidate): once per warm container that serves a chat or a
        // recommendation afterwards.
        app.store.bump_knowledge_version().await.unwrap();
        meter.take();
        app.knowledge.retriever(&app.store).await.unwrap();
        let reload = meter.take();

        let label = if keyed { "every POST with an Idempotency-Key" } else { "no Idempotency-Key" };
        println!("### One escalation handled end to end ({label})\n");
        println!("| step | round trips | read units | write units | of which index writes | handler ms p50 (local) |");
        println!("| --- | ---: | ---: | ---: | ---: | ---: |");
        let mut total = Units::default();
        let (mut total_trips, mut total_billed_ms) = (0, 0.0);
        let invocations = steps.len();
        for (name, m) in &steps {
            let d = median(m.durations.clone());
            println!(
                "| {name} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
                m.trips,
                m.units.read,
                m.units.write,
                m.units.index_write,
                d.as_secs_f64() * 1000.0
            );
            total += m.units;
            total_trips += m.trips;
            total_billed_ms += billed_ms(d);
        }
        println!(
            "| **total ({invocations} requests)** | {total_trips} | {:.1} | {:.1} | {:.1} | {:.0} billed |",
            total.read, total.write, total.index_write, total_billed_ms
        );
        let turn_d = median(turn.durations.clone());
        println!(
            "\nOne bot turn ({label}): {} round trips, {:.1} read units, {:.1} write units, handler {:.1} ms p50.\n",
            turn.trips,
            turn.units.read,
            turn.units.write,
            turn_d.as_secs_f64() * 1000.0
        );

        if !keyed {
            println!(
                "Reloading the knowledge index after a change (an approval, any knowledge write): {:.1} read units per warm container that serves chat or recommendations afterwards (this knowledge base: {} entries).\n",
                reload.read,
                app.knowledge.retriever(&app.store).await.unwrap().len()
            );
        }
        let per_thousand = |units: Units, requests: usize, billed_ms: f64| {
            let dynamo = 1000.0 * (units.read * USD_PER_MILLION_READ_UNITS + units.write * USD_PER_MILLION_WRITE_UNITS) / 1e6;
            let lambda = 1000.0
                * (requests as f64 * USD_PER_MILLION_LAMBDA_REQUESTS / 1e6 + billed_ms / 1000.0 * LAMBDA_GB * USD_PER_GB_SECOND_ARM64);
            let api = 1000.0 * requests as f64 * USD_PER_MILLION_HTTP_API_REQUESTS / 1e6;
            (dynamo, lambda, api)
        };
        let (dynamo, lambda, api) = per_thousand(total, invocations, total_billed_ms);
        let (turn_dynamo, turn_lambda, turn_api) = per_thousand(turn.units, 1, billed_ms(turn_d));
        println!("| per 1,000 | DynamoDB USD | Lambda USD (256 MB arm64, local durations) | HTTP API USD | total USD |");
        println!("| --- | ---: | ---: | ---: | ---: |");
        println!("| escalations, end to end | {dynamo:.4} | {lambda:.4} | {api:.4} | {:.4} |", dynamo + lambda + api);
        println!("| bot turns | {turn_dynamo:.5} | {turn_lambda:.5} | {turn_api:.5} | {:.5} |\n", turn_dynamo + turn_lambda + turn_api);
    }
    println!("Largest item of each kind after the runs (a write unit per KB, a read unit per 4 KB):\n");
    println!("| item | count | largest bytes |");
    println!("| --- | ---: | ---: |");
    for (kind, count, max) in item_sizes(&store).await {
        println!("| {kind} | {count} | {max} |");
    }
}

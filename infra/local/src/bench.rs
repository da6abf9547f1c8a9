//! What the benchmarks share: a fresh table per run whose round trips are counted, requests as
//! API Gateway would hand them to a handler (signed with the bench's service key), escalations
//! through the ingestion path, and pending sessions to seed the queue with.

use crate::round_trips::RoundTrips;
use chrono::{DateTime, Utc};
use lambda_http::{Body, RequestExt};
use std::collections::HashMap;
use workbench::auth::ApiKeys;
use workbench::config::Config;
use workbench::domain::{AgentStatus, EscalationPriority, MemberLevel, Session};
use workbench::store::Store;
use workbench::App;

/// The service key every bench request carries.
pub const KEY: &str = "bench-key";

/// A store on a table of its own, `{prefix}-{uuid}`, its calls counted by `counter`.
pub async fn fresh_store(endpoint: &str, counter: &RoundTrips, prefix: &str) -> Store {
    let conf = workbench::app::local_dynamodb_config(endpoint).interceptor(counter.clone()).build();
    let table = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    let store = Store::new(aws_sdk_dynamodb::Client::from_conf(conf), table);
    store.create_table_if_missing().await.expect("create the bench table");
    store
}

/// The app over [`fresh_store`], taking [`KEY`].
pub async fn fresh_app(endpoint: &str, counter: &RoundTrips, prefix: &str) -> App {
    let store = fresh_store(endpoint, counter, prefix).await;
    App::new(store.clone(), Config::new(store.table(), ApiKeys::parse(KEY)))
}

/// A JSON request with the bench's key, path and query parameters set as API Gateway sets them.
pub fn request(method: &str, path_params: &[(&str, &str)], query: &[(&str, &str)], body: Option<&str>) -> lambda_http::Request {
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

/// Session `id` escalated through the ingestion path, high priority.
pub async fn escalate(app: &App, id: &str) {
    let event = serde_json::json!({
        "event_id": format!("evt-{id}"), "session_id": id, "user_id": "u_bench", "reason": "Benchmark",
        "priority": "high", "history": [{"role": "user", "content": "Where is ORD-001?"}]
    });
    let event = workbench::ingest::parse_event(&event.to_string()).unwrap();
    workbench::ingest::ingest(app, event).await.unwrap();
}

/// A pending session escalated at `at`: the `n`th of a seeded queue (one user in 500 repeats).
pub fn pending_session(session_id: String, n: usize, priority: EscalationPriority, at: DateTime<Utc>) -> Session {
    let mut s = Session::new(session_id, format!("u_{}", n % 500), MemberLevel::Regular, at);
    s.agent_status = AgentStatus::Pending;
    s.priority = Some(priority);
    s.escalate_reason = Some("Benchmark escalation".into());
    s.escalated_at = Some(at);
    s.turn_count = 4;
    s
}

//! An outage of the store is a 503 `store_unavailable` with `Retry-After`, answered within the
//! call's time budget: never a 500, never a hang.

use crate::helpers::{spawn_with, API_KEY};
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use workbench::app::{local_dynamodb_config, store_timeouts};
use workbench::auth::ApiKeys;
use workbench::config::Config;
use workbench::store::Store;
use workbench::App;

/// An app whose DynamoDB is at `endpoint`, with a one-second budget per call.
fn app_against(endpoint: &str) -> App {
    let config = local_dynamodb_config(endpoint).timeout_config(store_timeouts(1_000)).build();
    let store = Store::new(aws_sdk_dynamodb::Client::from_conf(config), "unreachable");
    App::new(store, Config::new("unreachable", ApiKeys::parse(API_KEY)))
}

async fn assert_unavailable_in_time(app: App) {
    let t = spawn_with(app).await;
    for path in ["/api/v1/agent/sessions/pending", "/api/v1/agent/sessions/sess-1"] {
        let started = Instant::now();
        let reply = t.get(path).await;
        // A generous bound: the point is that the request ends, not how fast.
        assert!(started.elapsed() < Duration::from_secs(10), "{path} hung for {:?}", started.elapsed());
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {}", reply.body);
        assert_eq!(reply.body["error"], "store_unavailable");
        assert!(reply.headers.contains_key("retry-after"), "{path}");
    }
}

#[tokio::test]
async fn a_store_that_accepts_connections_but_never_answers_is_a_503_not_a_hang() {
    // What a paused DynamoDB looks like from outside: the connection opens, nothing comes back.
    let stalled = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = stalled.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = stalled.accept().await {
            held.push(socket);
        }
    });
    assert_unavailable_in_time(app_against(&format!("http://{address}"))).await;
}

#[tokio::test]
async fn a_store_that_refuses_connections_is_a_503() {
    // A port that was just free: nothing listens there.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    assert_unavailable_in_time(app_against(&format!("http://127.0.0.1:{port}"))).await;
}

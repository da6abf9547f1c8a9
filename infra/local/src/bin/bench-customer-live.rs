//! Agent write → the customer's socket, on the local stack (issue 21's goal: p50 ≤ 500 ms, p99 ≤
//! 2 s): an agent's `POST /api/v1/agent/sessions/{id}/messages` through the local server, until
//! the `conversation.message.created` frame with that message is on the customer's socket
//! (`/ws?customer_token=`), over the table's stream, the stream reader's polling and the customer
//! fan-out. Also checks that every agent message arrived once and in order. Prints Markdown for
//! docs/BENCHMARKS.md.
//!
//! `DYNAMODB_ENDPOINT=http://127.0.0.1:8012 cargo run -p workbench-local --bin bench-customer-live`
//! (`BENCH_WRITES`, default 200; `BENCH_CUSTOMERS`, sessions each with its customer's socket,
//! default 3). Writes are one at a time, to the sessions in turn, each after a random pause of up
//! to two polling intervals so they land anywhere in the reader's cycle.

use chrono::Utc;
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use workbench::auth::ApiKeys;
use workbench::config::Config;
use workbench::store::Store;
use workbench::App;
use workbench_local::identity::{LocalIdentity, TokenRequest};
use workbench_local::latency::{ms, stats};
use workbench_local::{live, router::Router, server, template};

const KEY: &str = "bench-key";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").map_err(|_| "DYNAMODB_ENDPOINT (DynamoDB Local) is needed")?;
    let writes = env_number("BENCH_WRITES", 200);
    let customers = env_number("BENCH_CUSTOMERS", 3).max(1);

    let store = Store::new(workbench::app::local_dynamodb_client(&endpoint), format!("bench-customer-{}", uuid::Uuid::new_v4().simple()));
    store.create_table_if_missing().await?;
    let app = App::new(store.clone(), Config::new(store.table(), ApiKeys::parse(KEY)));
    let functions = template::load(std::path::Path::new("template.yaml"))?;
    let identity = Arc::new(LocalIdentity::ephemeral()?);
    let api = server::LocalApi::new(app.clone(), Router::from_routes(&functions.routes)?, identity.clone());
    let mut ready = live::spawn_stream_reader(store.clone(), live::streams_client(Some(&endpoint)).await, api.live.clone());
    tokio::time::timeout(Duration::from_secs(20), ready.wait_for(|r| *r)).await??;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(server::serve(listener, Arc::new(api)));
    let base = format!("http://{address}");
    let http = reqwest::Client::new();

    let request = TokenRequest { sub: "agent-001".into(), name: Some("Dana".into()), groups: vec!["agent".into()], expires_in: None };
    let agent = identity.issue(&request, Utc::now().timestamp() as u64)?.access_token;

    // Each customer escalates through the chat, the agent accepts, and the customer's socket
    // forwards every agent line it receives: (session, message id, instant).
    let (arrivals_tx, mut arrivals) = mpsc::unbounded_channel::<(String, String, Instant)>();
    let mut sessions = Vec::new();
    for n in 0..customers {
        let chat: serde_json::Value = http
            .post(format!("{base}/api/v1/chat"))
            .header("x-api-key", KEY)
            .json(&serde_json::json!({"user_id": format!("u_bench_{n}"), "message": "A person, please", "escalate_to_human": true}))
            .send()
            .await?
            .json()
            .await?;
        let session_id = chat["session_id"].as_str().ok_or("the chat answer has no session")?.to_string();
        let token = chat["customer_token"].as_str().ok_or("an escalated chat answer carries a customer token")?.to_string();
        let accepted = http.post(format!("{base}/api/v1/agent/sessions/{session_id}/accept")).bearer_auth(&agent).json(&serde_json::json!({})).send().await?;
        if !accepted.status().is_success() {
            return Err(format!("accept {session_id}: {}", accepted.text().await?).into());
        }
        let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{address}/ws?customer_token={token}")).await?;
        let arrivals_tx = arrivals_tx.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                let at = Instant::now();
                if let Message::Text(text) = frame {
                    let event: serde_json::Value = serde_json::from_str(text.as_str()).unwrap_or_default();
                    if event["message"]["author"] == "agent" {
                        let session = event["session_id"].as_str().unwrap_or_default().to_string();
                        let id = event["message"]["message_id"].as_str().unwrap_or_default().to_string();
                        let _ = arrivals_tx.send((session, id, at));
                    }
                }
            }
        });
        sessions.push(session_id);
    }

    let mut from_write = Vec::with_capacity(writes);
    let mut from_ack = Vec::with_capacity(writes);
    let mut write_times = Vec::with_capacity(writes);
    let mut sent: HashMap<String, Vec<String>> = HashMap::new();
    let mut received: HashMap<String, Vec<String>> = HashMap::new();
    for n in 0..writes {
        let pause = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) * 2 * live::POLL_INTERVAL.as_millis() as u64 / 255;
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let session_id = &sessions[n % sessions.len()];
        let started = Instant::now();
        let answer = http
            .post(format!("{base}/api/v1/agent/sessions/{session_id}/messages"))
            .bearer_auth(&agent)
            .json(&serde_json::json!({"content": format!("Agent line {n}")}))
            .send()
            .await?;
        let acknowledged = Instant::now();
        let answer: serde_json::Value = answer.json().await?;
        let message_id = answer["message_id"].as_str().ok_or_else(|| format!("write {n}: {answer}"))?.to_string();
        sent.entry(session_id.clone()).or_default().push(message_id.clone());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let (session, id, at) = tokio::time::timeout_at(deadline, arrivals.recv())
                .await
                .map_err(|_| format!("write {n}: the agent's line did not reach the customer within 10 s"))?
                .ok_or("the sockets closed")?;
            received.entry(session).or_default().push(id.clone());
            if id == message_id {
                from_write.push(at - started);
                from_ack.push(at.saturating_duration_since(acknowledged));
                break;
            }
        }
        write_times.push(acknowledged - started);
    }
    // Late duplicates would arrive within a polling cycle or two.
    tokio::time::sleep(live::POLL_INTERVAL * 5).await;
    while let Ok((session, id, _)) = arrivals.try_recv() {
        received.entry(session).or_default().push(id);
    }
    let (mut lost, mut duplicated, mut reordered) = (0, 0, 0);
    for (session, ids) in &sent {
        let got = received.get(session).cloned().unwrap_or_default();
        lost += ids.iter().filter(|id| !got.contains(id)).count();
        let mut unique = got.clone();
        unique.dedup();
        duplicated += got.len() - unique.len();
        let order: Vec<&String> = unique.iter().filter(|id| ids.contains(id)).collect();
        reordered += order.windows(2).filter(|w| ids.iter().position(|i| i == w[0]) > ids.iter().position(|i| i == w[1])).count();
    }

    let (w, a, p) = (stats(from_write), stats(from_ack), stats(write_times));
    println!(
        "| measure ({writes} agent messages, {customers} customer sockets, poll every {} ms) | p50 ms | p99 ms |",
        live::POLL_INTERVAL.as_millis()
    );
    println!("| --- | ---: | ---: |");
    println!("| agent's POST …/messages answered | {} | {} |", ms(p.p50), ms(p.p99));
    println!("| agent's write start → line on the customer's socket | {} | {} |", ms(w.p50), ms(w.p99));
    println!("| agent's write answered → line on the customer's socket | {} | {} |", ms(a.p50), ms(a.p99));
    println!();
    println!("lost: {lost}, duplicated: {duplicated}, reordered: {reordered} (of {writes})");
    store.delete_table().await?;
    if lost + duplicated + reordered > 0 {
        return Err("the customer's socket missed, repeated or reordered agent messages".into());
    }
    Ok(())
}

//! Live-update latency on the local stack: a write to DynamoDB (through the store) until the
//! `session.changed` frame is on every open socket, over the table's stream (DynamoDB Local), the
//! stream reader's polling and the fan-out. Prints Markdown for docs/BENCHMARKS.md.
//!
//! `DYNAMODB_ENDPOINT=http://127.0.0.1:8012 cargo run --release -p workbench-local --bin bench-live`
//! (`BENCH_WRITES`, default 200; `BENCH_SOCKETS`, default 3). Writes are one at a time, each after
//! a random pause of up to two polling intervals.

use chrono::Utc;
use futures::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use workbench::auth::ApiKeys;
use workbench::config::Config;
use workbench::domain::{AgentStatus, EscalationPriority, MemberLevel, Session};
use workbench::store::Store;
use workbench::App;
use workbench_local::identity::{LocalIdentity, TokenRequest};
use workbench_local::latency::{ms, stats};
use workbench_local::{live, router::Router, server, template};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").map_err(|_| "DYNAMODB_ENDPOINT (DynamoDB Local) is needed")?;
    let writes = env_number("BENCH_WRITES", 200);
    let sockets = env_number("BENCH_SOCKETS", 3).max(1);

    let store = Store::new(workbench::app::local_dynamodb_client(&endpoint), format!("bench-live-{}", uuid::Uuid::new_v4().simple()));
    store.create_table_if_missing().await?;
    let app = App::new(store.clone(), Config::new(store.table(), ApiKeys::parse("bench-key")));
    let functions = template::load(std::path::Path::new("template.yaml"))?;
    let identity = Arc::new(LocalIdentity::ephemeral()?);
    let api = server::LocalApi::new(app.clone(), Router::from_routes(&functions.routes)?, identity.clone());
    let mut ready = live::spawn_stream_reader(store.clone(), live::streams_client(Some(&endpoint)).await, api.live.clone());
    tokio::time::timeout(Duration::from_secs(20), ready.wait_for(|r| *r)).await??;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(server::serve(listener, Arc::new(api)));

    // Every socket forwards the session id of each `session.changed` it receives, with the instant.
    let (arrivals_tx, mut arrivals) = mpsc::unbounded_channel::<(String, Instant)>();
    for n in 0..sockets {
        let request = TokenRequest { sub: format!("agent-{n:03}"), name: None, groups: vec!["agent".into()], expires_in: None };
        let token = identity.issue(&request, Utc::now().timestamp() as u64)?.access_token;
        let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{address}/ws?token={token}")).await?;
        let arrivals_tx = arrivals_tx.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                let at = Instant::now();
                if let Message::Text(text) = frame {
                    let event: serde_json::Value = serde_json::from_str(text.as_str()).unwrap_or_default();
                    if event["type"] == "session.changed" {
                        let _ = arrivals_tx.send((event["session_id"].as_str().unwrap_or_default().to_string(), at));
                    }
                }
            }
        });
    }

    let mut from_write = Vec::with_capacity(writes);
    let mut from_ack = Vec::with_capacity(writes);
    let mut write_times = Vec::with_capacity(writes);
    for n in 0..writes {
        // A random pause first, so writes land anywhere in the reader's polling cycle, as real
        // ones do, rather than in step with it.
        let pause = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) * 2 * live::POLL_INTERVAL.as_millis() as u64 / 255;
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let now = Utc::now();
        let mut session = Session::new(format!("sess-live-{n:05}"), "u_bench".into(), MemberLevel::Regular, now);
        session.agent_status = AgentStatus::Pending;
        session.priority = Some(EscalationPriority::High);
        session.escalated_at = Some(now);
        let started = Instant::now();
        store.create_session(&session).await?;
        let acknowledged = Instant::now();
        let mut seen = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while seen < sockets {
            let (id, at) = tokio::time::timeout_at(deadline, arrivals.recv())
                .await
                .map_err(|_| format!("write {n}: the event did not reach every socket within 10 s"))?
                .ok_or("the sockets closed")?;
            if id == session.session_id {
                seen += 1;
                if seen == sockets {
                    from_write.push(at - started);
                    from_ack.push(at.saturating_duration_since(acknowledged));
                }
            }
        }
        write_times.push(acknowledged - started);
    }

    let (w, a, p) = (stats(from_write), stats(from_ack), stats(write_times));
    println!("| measure ({writes} writes, {sockets} sockets, poll every {} ms) | p50 ms | p99 ms |", live::POLL_INTERVAL.as_millis());
    println!("| --- | ---: | ---: |");
    println!("| PutItem alone | {} | {} |", ms(p.p50), ms(p.p99));
    println!("| write start → frame on every socket | {} | {} |", ms(w.p50), ms(w.p99));
    println!("| write acknowledged → frame on every socket | {} | {} |", ms(a.p50), ms(a.p99));
    store.delete_table().await?;
    Ok(())
}

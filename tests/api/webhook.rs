//! Outbound events to the customer's channel (issue 21): derived from the table's stream, posted
//! signed to a webhook at least once, and handled exactly once per event id by a receiver that
//! verifies signatures, refuses stale ones, dedups by id, and fails its first calls.

use crate::helpers::{enrol, spawn_live_app_with, token, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use workbench::live::outbound::{audit_events, message_event, verify_signature, OutboundEvent, SIGNATURE_HEADER, SIGNATURE_TOLERANCE_SECONDS};
use workbench_local::webhook::{spawn_deliverer, WebhookTarget};

const SECRET: &[u8] = b"whsec-test";

/// What the reference receiver saw.
#[derive(Default)]
struct Received {
    calls: usize,
    /// Event ids handled, in the order they were handled (each once).
    handled: Vec<OutboundEvent>,
    seen: HashSet<String>,
    duplicates: usize,
    refused_signatures: usize,
}

/// A receiver on a loopback port: answers 503 to its first `fail_first` calls; handles but then
/// "loses" the answer (500) of call `lose_answer_of`, so the sender retries an event already
/// handled; verifies every signature and dedups by event id.
async fn spawn_receiver(fail_first: usize, lose_answer_of: usize) -> (String, Arc<Mutex<Received>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/workbench", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Received::default()));
    let state = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let state = state.clone();
            tokio::spawn(async move {
                let Some((headers, body)) = read_request(&mut socket).await else { return };
                let status = {
                    let mut r = state.lock().unwrap();
                    r.calls += 1;
                    let call = r.calls;
                    if call <= fail_first {
                        503
                    } else {
                        let signature = headers.get(SIGNATURE_HEADER).cloned().unwrap_or_default();
                        let now = chrono::Utc::now().timestamp();
                        if verify_signature(SECRET, &signature, &body, now, SIGNATURE_TOLERANCE_SECONDS).is_err() {
                            r.refused_signatures += 1;
                            401
                        } else {
                            let event: OutboundEvent = serde_json::from_str(&body).unwrap();
                            if r.seen.insert(event.event_id.clone()) {
                                r.handled.push(event);
                            } else {
                                r.duplicates += 1;
                            }
                            if call == lose_answer_of { 500 } else { 200 }
                        }
                    }
                };
                let answer = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (url, received)
}

/// One HTTP/1.1 request: lower-cased headers and the body (by its content-length).
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<(HashMap<String, String>, String)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())))
        .collect();
    let length: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((headers, String::from_utf8(body).ok()?))
}

async fn say(t: &TestApp, session_id: Option<&str>, message: &str, escalate: bool) -> Value {
    let mut body = json!({"user_id": "u_hook", "message": message, "escalate_to_human": escalate});
    if let Some(id) = session_id {
        body["session_id"] = json!(id);
    }
    let reply = t.post("/api/v1/chat", body).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body
}

fn agent_path(session_id: &str, action: &str) -> String {
    format!("/api/v1/agent/sessions/{session_id}/{action}")
}

#[tokio::test]
async fn every_event_reaches_the_receiver_signed_and_is_handled_once_in_order_despite_failures() {
    let (url, received) = spawn_receiver(3, 6).await;
    let mut target = WebhookTarget::new(url, SECRET.to_vec());
    target.first_wait = Duration::from_millis(50);
    let t = spawn_live_app_with(Some(spawn_deliverer(target))).await;
    enrol(&t, &[("agent-001", &["agent"])]).await;

    let first = say(&t, None, "I want a refund for ORD-001, a person please", true).await;
    let id = first["session_id"].as_str().unwrap().to_string();
    let agent = token("agent-001", &["agent"]);
    assert_eq!(t.post_as(&agent, &agent_path(&id, "accept"), json!({})).await.status, StatusCode::OK);
    for text in ["I have refunded your order", "It shows in 3 days"] {
        assert_eq!(t.post_as(&agent, &agent_path(&id, "messages"), json!({"content": text})).await.status, StatusCode::OK);
    }
    say(&t, Some(&id), "thank you", false).await;
    assert_eq!(t.post_as(&agent, &agent_path(&id, "resolve"), json!({"note": "refunded"})).await.status, StatusCode::OK);

    // What the stream must have given: the session's visible messages, its status moves, its notices.
    let history = t.app.store.history(&id).await.unwrap();
    let (_, audit) = t.app.store.session_events(&id).await.unwrap().unwrap();
    let mut expected: HashSet<String> = history.iter().filter_map(|m| message_event(&id, m)).map(|e| e.event_id).collect();
    expected.extend(audit.iter().flat_map(|e| audit_events(&id, e)).map(|e| e.event_id));
    // 3 lines of the customer and the bot, 2 of the agent, 3 status moves, 2 notices (joined, resolved).
    assert_eq!(expected.len(), 10, "{expected:?}");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let done = received.lock().unwrap().seen.len() >= expected.len();
        if done || tokio::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Late duplicates, if any, would show in the next moments.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = received.lock().unwrap();
    assert_eq!(r.seen, expected, "every event id handled");
    assert_eq!(r.handled.len(), expected.len(), "each handled once");
    assert!(r.duplicates >= 1, "the lost answer made the sender deliver one event again; the receiver dropped it");
    assert_eq!(r.refused_signatures, 0);
    assert!(r.calls >= expected.len() + 4, "3 refused calls and one lost answer were retried: {} calls", r.calls);
    // In order per session: never an event older than one handled before it.
    let times: Vec<&str> = r.handled.iter().map(|e| e.occurred_at.as_str()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "handled out of order");
    let statuses: Vec<&str> =
        r.handled.iter().filter_map(|e| e.agent_status.map(|s| s.as_str())).collect();
    assert_eq!(statuses, vec!["pending", "assigned", "resolved"]);
    let bodies = serde_json::to_string(&r.handled.iter().map(|e| serde_json::to_value(e).unwrap()).collect::<Vec<_>>()).unwrap();
    for internal in ["agent_id", "refunded\"", "escalation_card"] {
        assert!(!bodies.contains(internal), "a webhook carried {internal}");
    }
}

/// The README's receiver, run as it is (its port made free): the local deliverer's signed events
/// are taken and printed once each; a forged signature and a stale one are refused.
#[tokio::test]
async fn the_readmes_receiver_takes_signed_events_and_refuses_forged_and_stale_ones() {
    let Ok(python) = which_python() else {
        eprintln!("no python3 on PATH: the README receiver is not run");
        return;
    };
    let readme = std::fs::read_to_string(crate::helpers::repo_root().join("README.md")).unwrap();
    let code = readme.split("<!-- webhook-receiver -->\n```python\n").nth(1).unwrap().split("```").next().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let code = code.replace("9000", &port.to_string());
    let mut child = std::process::Command::new(python)
        .args(["-u", "-c", &code])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/");
    let http = reqwest::Client::new();
    let event = OutboundEvent {
        event_id: "msg.msg-1".into(),
        kind: workbench::live::outbound::MESSAGE_CREATED.into(),
        session_id: "sess-1".into(),
        occurred_at: "2026-07-03T10:00:00.000000Z".into(),
        message: None,
        previous_status: None,
        agent_status: None,
    };
    let body = event.to_body();
    let post = |signature: String| {
        let http = http.clone();
        let (url, body) = (url.clone(), body.clone());
        async move {
            for _ in 0..50 {
                match http.post(&url).header(SIGNATURE_HEADER, &signature).body(body.clone()).send().await {
                    Ok(r) => return r.status(),
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
            panic!("the README receiver did not start");
        }
    };
    let now = chrono::Utc::now().timestamp();
    let signed = workbench::live::outbound::signature_header(b"dev-secret", now, &body);
    assert_eq!(post(signed.clone()).await, StatusCode::OK);
    assert_eq!(post(signed).await, StatusCode::OK, "a redelivery is taken (and not handled again)");
    assert_eq!(post(workbench::live::outbound::signature_header(b"wrong", now, &body)).await, StatusCode::UNAUTHORIZED);
    assert_eq!(post(workbench::live::outbound::signature_header(b"dev-secret", now - 600, &body)).await, StatusCode::UNAUTHORIZED);
    assert_eq!(post("garbage".into()).await, StatusCode::UNAUTHORIZED);
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert_eq!(printed.matches(workbench::live::outbound::MESSAGE_CREATED).count(), 1, "handled once: {printed}");
}

fn which_python() -> Result<&'static str, ()> {
    std::process::Command::new("python3").arg("--version").output().map(|_| "python3").map_err(|_| ())
}

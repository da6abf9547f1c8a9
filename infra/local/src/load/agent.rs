//! A simulated agent: signs in with its own token, watches the queue, races the others to
//! accept, reads the session, asks knowledge and business assist, writes to the customer,
//! resolves and submits the solution.

use super::client::{send, send_until_answered, Auth, Reply};
use super::journal::SentMessage;
use super::rng::Rng;
use super::Shared;
use reqwest::Method;
use serde_json::json;
use std::sync::Arc;

const REPLIES: &[&str] = &[
    "Hello, I am looking into this for you now.",
    "I have checked the order: it left our warehouse yesterday.",
    "I have asked the courier to call you before delivery.",
    "Is there anything else I can help you with?",
];
const KNOWLEDGE_QUERIES: &[&str] =
    &["change delivery address", "refund for a damaged item", "how long does delivery take", "cancel an order"];
const BUSINESS_QUERIES: &[&str] =
    &["Check the status of order ORD-001", "物流到哪了 ORD-002", "Check the user's order status", "我的会员等级"];

pub fn agent_id(n: usize) -> String {
    format!("load-agent-{n:03}")
}

pub async fn run(shared: Arc<Shared>, n: usize) {
    let config = &shared.config;
    let mut rng = Rng::new(config.seed ^ ((n as u64) << 32) ^ 0xA6E7);
    let me = agent_id(n);
    let token = match sign_in(&shared, &me).await {
        Some(token) => token,
        None => {
            shared.journal.note_failure(format!("{me} could not get a token"));
            return;
        }
    };
    let auth = Auth::Bearer(&token);
    let mut seq = 0usize;
    shared.pause(rng.between(config.agent_idle)).await;
    while shared.open() {
        let page = send_until_answered(
            &shared,
            "GET /api/v1/agent/sessions/pending",
            Method::GET,
            "/api/v1/agent/sessions/pending?limit=10",
            auth,
            None,
            None,
        )
        .await;
        let ids: Vec<String> = page
            .body
            .as_array()
            .map(|a| a.iter().filter_map(|s| s["session_id"].as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        if !page.ok() || ids.is_empty() {
            shared.pause(rng.between(config.agent_idle)).await;
            continue;
        }
        // Everyone looks at the top of the same queue: the race the accept must settle.
        let session_id = ids[rng.below(ids.len().min(5))].clone();
        // No Idempotency-Key: an accept is guarded by the session's status, so a retry after a
        // lost answer gets a 409 and the agent reads the session to learn whether it won (as the
        // workbench does); a key would add two writes to every losing attempt of the race.
        let path = format!("/api/v1/agent/sessions/{session_id}/accept");
        let reply = send_until_answered(
            &shared,
            "POST /api/v1/agent/sessions/{id}/accept",
            Method::POST,
            &path,
            auth,
            Some(&json!({})),
            None,
        )
        .await;
        let won = match reply.status {
            Some(200) => {
                shared.journal.accepts_won.lock().unwrap().push((session_id.clone(), me.clone()));
                true
            }
            // A 409 names the holder: if it is us, an earlier try of ours won and its answer was
            // lost (a timeout, a 503, or an attempt the SDK retried inside one request).
            Some(409) if reply.body["assigned_agent_id"].as_str() == Some(me.as_str()) => {
                shared.journal.accepts_won.lock().unwrap().push((session_id.clone(), me.clone()));
                true
            }
            Some(409) => false,
            _ => {
                shared.journal.accepts_unsure.lock().unwrap().push((session_id.clone(), me.clone()));
                false
            }
        };
        if won {
            work_on(&shared, &mut rng, auth, &me, n, &session_id, &mut seq).await;
        } else {
            // "Accepted by another agent": the queue refreshes, the agent looks again.
            shared.pause(rng.between(config.agent_think)).await;
        }
    }
}

async fn sign_in(shared: &Shared, me: &str) -> Option<String> {
    let body = json!({"sub": me, "name": format!("Load agent {me}"), "groups": ["agent"]});
    for _ in 0..5 {
        let reply = send(shared, "POST /dev/token", Method::POST, "/dev/token", Auth::Key, Some(&body), None).await;
        if let Some(token) = reply.body["access_token"].as_str() {
            return Some(token.to_string());
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    None
}

async fn details(shared: &Shared, auth: Auth<'_>, session_id: &str) -> Reply {
    send_until_answered(
        shared,
        "GET /api/v1/agent/sessions/{id}",
        Method::GET,
        &format!("/api/v1/agent/sessions/{session_id}"),
        auth,
        None,
        None,
    )
    .await
}

async fn work_on(shared: &Shared, rng: &mut Rng, auth: Auth<'_>, me: &str, n: usize, session_id: &str, seq: &mut usize) {
    let think = shared.config.agent_think;
    let base = format!("/api/v1/agent/sessions/{session_id}");
    details(shared, auth, session_id).await;
    shared.pause(rng.between(think)).await;

    let query = json!({"query": rng.pick(KNOWLEDGE_QUERIES), "top_k": 3});
    let route = "POST /api/v1/agent/sessions/{id}/knowledge-recommend";
    send_until_answered(shared, route, Method::POST, &format!("{base}/knowledge-recommend"), auth, Some(&query), None).await;
    shared.pause(rng.between(think)).await;

    let query = json!({"query": rng.pick(BUSINESS_QUERIES)});
    let route = "POST /api/v1/agent/sessions/{id}/business-assist";
    send_until_answered(shared, route, Method::POST, &format!("{base}/business-assist"), auth, Some(&query), None).await;
    shared.pause(rng.between(think)).await;

    for _ in 0..1 + rng.below(3) {
        *seq += 1;
        let marker = format!("[a{n:03}-{seq:04}]");
        let body = json!({"content": format!("{marker} {}", rng.pick(REPLIES))});
        let key = format!("{}-a{n}-msg-{seq}", shared.run_id);
        let route = "POST /api/v1/agent/sessions/{id}/messages";
        let reply = send_until_answered(shared, route, Method::POST, &format!("{base}/messages"), auth, Some(&body), Some(&key)).await;
        let sent = SentMessage { marker, session_id: Some(session_id.to_string()) };
        if reply.ok() {
            shared.journal.messages_acked.lock().unwrap().push(sent);
        } else {
            shared.journal.messages_unsure.lock().unwrap().push(sent);
        }
        shared.pause(rng.between(think)).await;
    }

    *seq += 1;
    let key = format!("{}-a{n}-resolve-{seq}", shared.run_id);
    let route = "POST /api/v1/agent/sessions/{id}/resolve";
    let body = json!({"note": "handled in the load run"});
    let reply = send_until_answered(shared, route, Method::POST, &format!("{base}/resolve"), auth, Some(&body), Some(&key)).await;
    // A 409 that names us as the holder of a resolved session: our earlier try resolved it.
    let ours = reply.body["assigned_agent_id"].as_str() == Some(me);
    let resolved = reply.ok() || (reply.status == Some(409) && reply.body["agent_status"] == "resolved" && ours);
    if reply.ok() {
        shared.journal.resolves_acked.lock().unwrap().push((session_id.to_string(), me.to_string()));
    }
    if !resolved {
        return;
    }
    shared.pause(rng.between(think)).await;

    *seq += 1;
    let key = format!("{}-a{n}-solution-{seq}", shared.run_id);
    let route = "POST /api/v1/agent/sessions/{id}/solution";
    let body = json!({
        "question": "Where is my parcel?",
        "solution": format!("Checked the courier's tracking and confirmed the delivery window ({session_id})."),
    });
    let reply = send_until_answered(shared, route, Method::POST, &format!("{base}/solution"), auth, Some(&body), Some(&key)).await;
    if reply.ok() {
        match reply.body["solution_id"].as_str() {
            Some(id) => shared.journal.solutions_acked.lock().unwrap().push((id.to_string(), session_id.to_string())),
            None => shared.journal.note_failure(format!("solution 2xx without a solution_id: {}", reply.body)),
        }
    }
}

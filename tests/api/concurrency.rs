//! Concurrent writers never lose or duplicate data.

use crate::helpers::spawn_app;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

const ROUNDS: usize = 10;
const AGENTS: usize = 50;

#[tokio::test]
async fn fifty_concurrent_accepts_have_exactly_one_winner_every_time() {
    let t = spawn_app().await;
    for round in 0..ROUNDS {
        let id = t.escalate("high").await;
        let path = format!("/api/v1/agent/sessions/{id}/accept");
        let attempts = (0..AGENTS).map(|n| {
            let t = &t;
            let path = path.clone();
            async move { (n, t.post(&path, json!({"agent_id": format!("agent-{n:03}")})).await) }
        });
        let replies = join_all(attempts).await;
        let winners: Vec<usize> = replies.iter().filter(|(_, r)| r.status == StatusCode::OK).map(|(n, _)| *n).collect();
        assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
        for (_, reply) in replies.iter().filter(|(_, r)| r.status != StatusCode::OK) {
            assert_eq!(reply.status, StatusCode::CONFLICT, "round {round}: {:?}", reply.body);
            assert_eq!(reply.body["agent_status"], "assigned");
        }
        let stored = t.stored(&id).await;
        assert_eq!(stored.assigned_agent_id, Some(format!("agent-{:03}", winners[0])), "round {round}");
    }
}

#[tokio::test]
async fn fifty_concurrent_messages_are_all_stored_and_counted_exactly() {
    let t = spawn_app().await;
    let id = t.escalate("high").await;
    t.accept(&id).await;
    let before = t.stored(&id).await.turn_count;
    let path = format!("/api/v1/agent/sessions/{id}/messages");
    let sends = (0..AGENTS).map(|n| {
        let t = &t;
        let path = path.clone();
        async move { t.post(&path, json!({"content": format!("message {n}")})).await }
    });
    let replies = join_all(sends).await;
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    }
    let mut ids: Vec<&str> = replies.iter().map(|r| r.body["message_id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), AGENTS);

    let stored = t.stored(&id).await;
    assert_eq!(stored.turn_count, before + AGENTS as u32);
    let history = t.app.store.history(&id).await.unwrap();
    let mut contents: Vec<String> =
        history.iter().filter(|m| m.content.starts_with("message ")).map(|m| m.content.clone()).collect();
    contents.sort();
    let mut expected: Vec<String> = (0..AGENTS).map(|n| format!("message {n}")).collect();
    expected.sort();
    assert_eq!(contents, expected);
}

#[tokio::test]
async fn concurrent_resolves_succeed_once() {
    let t = spawn_app().await;
    let id = t.escalate("high").await;
    t.accept(&id).await;
    let replies = join_all((0..20).map(|_| t.resolve(&id))).await;
    let ok = replies.iter().filter(|r| r.status == StatusCode::OK).count();
    assert_eq!(ok, 1);
    assert!(replies.iter().all(|r| r.status == StatusCode::OK || r.status == StatusCode::CONFLICT));
}

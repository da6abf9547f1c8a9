//! Issue 13, strict input: a request the API does not understand is refused, naming what is
//! wrong in the client's words, and changes nothing.

use crate::helpers::{spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn session_path(id: &str, action: &str) -> String {
    format!("/api/v1/agent/sessions/{id}/{action}")
}

/// Rust type names and serde jargon a client cannot act on.
fn assert_client_words(reply: &Value) {
    let message = reply["message"].as_str().unwrap_or_default();
    for jargon in ["struct", "Request", "elements", "i64", "u32", "usize", "f32", "f64", "sequence", "map,", "line 1 column"] {
        assert!(!message.contains(jargon), "message {message:?} contains {jargon:?}");
    }
}

async fn assigned(t: &TestApp) -> String {
    let id = t.escalate("medium").await;
    assert_eq!(t.accept(&id).await.status, StatusCode::OK);
    id
}

#[tokio::test]
async fn an_unknown_field_in_accept_is_a_400_naming_it_and_assigns_nobody() {
    let t = spawn_app().await;
    let id = t.escalate("medium").await;
    let reply = t.post(&session_path(&id, "accept"), json!({"agentId": "agent-7"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
    assert_eq!(reply.body["error"], "invalid_field");
    assert!(reply.body["message"].as_str().unwrap().contains("agentId"), "{:?}", reply.body);
    assert_client_words(&reply.body);
    let stored = t.stored(&id).await;
    assert_eq!(stored.agent_status.as_str(), "pending");
    assert_eq!(stored.assigned_agent_id, None);
}

#[tokio::test]
async fn an_array_where_an_object_belongs_is_a_400() {
    let t = spawn_app().await;
    let id = t.escalate("medium").await;
    let reply = t.post_raw(&session_path(&id, "accept"), r#"["agent-X"]"#).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
    assert_eq!(reply.body["error"], "invalid_field");
    assert_client_words(&reply.body);
    assert_eq!(t.stored(&id).await.assigned_agent_id, None);
    for body in ["[]", "5", "\"hello\"", "null", "true"] {
        let reply = t.post_raw("/api/v1/chat", body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {:?}", reply.body);
        assert_eq!(reply.body["error"], "invalid_field", "{body}");
        assert_client_words(&reply.body);
    }
}

#[tokio::test]
async fn an_unknown_field_in_resolve_is_a_400_and_the_session_stays_assigned() {
    let t = spawn_app().await;
    let id = assigned(&t).await;
    let reply = t.post(&session_path(&id, "resolve"), json!({"notes": "checked the parcel"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
    assert!(reply.body["message"].as_str().unwrap().contains("notes"), "{:?}", reply.body);
    assert_eq!(t.stored(&id).await.agent_status.as_str(), "assigned");
}

#[tokio::test]
async fn every_request_body_refuses_unknown_fields() {
    let t = spawn_app().await;
    let pending = t.escalate("medium").await;
    let cases: Vec<(String, Value)> = vec![
        ("/api/v1/chat".into(), json!({"user_id": "u_1", "message": "hi", "userId": "u_2"})),
        (session_path(&pending, "accept"), json!({"agent_id": "agent-1", "extra": 1})),
        (session_path(&pending, "messages"), json!({"content": "hi", "contents": "hi"})),
        (session_path(&pending, "resolve"), json!({"note": "x", "status": "resolved"})),
        (session_path(&pending, "solution"), json!({"question": "q", "solution": "s", "answer": "a"})),
        (session_path(&pending, "knowledge-recommend"), json!({"query": "refund", "topK": 3})),
        (session_path(&pending, "business-assist"), json!({"query": "status", "token": "x"})),
        ("/api/v1/knowledge/documents".into(), json!({"source": "a.md", "content": "# A", "title": "A"})),
        ("/api/v1/knowledge/faqs".into(), json!({"question": "q", "answer": "a", "tags": []})),
        ("/api/v1/escalation/solutions/sol-x/approve".into(), json!({"answer": "a"})),
        ("/api/v1/escalation/solutions/sol-x/reject".into(), json!({"reason": "dup", "why": "dup"})),
        ("/api/v1/performance/cache/invalidate".into(), json!({"all": true})),
    ];
    for (path, body) in cases {
        let reply = t.post(&path, body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path} {body}: {:?}", reply.body);
        assert_eq!(reply.body["error"], "invalid_field", "{path}");
        assert!(reply.body["message"].as_str().unwrap().contains("unknown field"), "{path}: {:?}", reply.body);
        assert_client_words(&reply.body);
    }
    assert_eq!(t.stored(&pending).await.agent_status.as_str(), "pending");
}

#[tokio::test]
async fn the_tutorials_agent_id_is_still_accepted_where_it_sends_it() {
    let t = spawn_app().await;
    let id = t.escalate("medium").await;
    let reply = t.post(&session_path(&id, "accept"), json!({"agent_id": "agent-001"})).await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = t.post(&session_path(&id, "messages"), json!({"content": "hello", "agent_id": "agent-001"})).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let reply = t.post(&session_path(&id, "business-assist"), json!({"query": "help", "agent_id": "agent-001"})).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(t.resolve(&id).await.status, StatusCode::OK);
    let reply = t
        .post(&session_path(&id, "solution"), json!({"question": "q?", "solution": "s.", "agent_id": "agent-001"}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
}

#[tokio::test]
async fn messages_of_invisible_characters_are_refused_like_blank_ones() {
    let t = spawn_app().await;
    let id = assigned(&t).await;
    let blank = t.post(&session_path(&id, "messages"), json!({"content": "   "})).await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    for invisible in ["\u{200b}", "\u{200b}\u{200c}\u{200d}", " \u{2060}\u{feff} ", "\u{00ad}", "\u{180e}\u{200e}\u{200f}", "\u{3164}", "\u{2800}"] {
        let reply = t.post(&session_path(&id, "messages"), json!({"content": invisible})).await;
        assert_eq!(reply.status, blank.status, "{invisible:?}: {:?}", reply.body);
        assert_eq!(reply.body["error"], blank.body["error"], "{invisible:?}");
        let reply = t.post("/api/v1/chat", json!({"user_id": "u_1", "message": invisible})).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "chat {invisible:?}: {:?}", reply.body);
    }
    let turns = t.stored(&id).await.turn_count;
    // Only the two messages of the escalation itself.
    assert_eq!(turns, 2);
    // Visible text around a zero-width character is a message.
    let reply = t.post(&session_path(&id, "messages"), json!({"content": "ok\u{200b}"})).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn invalidate_validates_its_body_and_changes_nothing_on_a_bad_one() {
    let t = spawn_app().await;
    let before = t.app.store.knowledge_version().await.unwrap();
    for (body, code) in [("{", "invalid_json"), ("[]", "invalid_field"), (r#"{"x": 1}"#, "invalid_field")] {
        let reply = t.post_raw("/api/v1/performance/cache/invalidate", body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {:?}", reply.body);
        assert_eq!(reply.body["error"], code, "{body}");
    }
    assert_eq!(t.app.store.knowledge_version().await.unwrap(), before);
    for body in ["", "{}"] {
        let reply = t.post_raw("/api/v1/performance/cache/invalidate", body).await;
        assert_eq!(reply.status, StatusCode::OK, "{body:?}: {:?}", reply.body);
    }
}

#[tokio::test]
async fn wrong_types_are_named_in_client_words() {
    let t = spawn_app().await;
    let id = assigned(&t).await;
    let cases = [
        (session_path(&id, "messages"), json!({"content": 7}), "content"),
        (session_path(&id, "knowledge-recommend"), json!({"query": "x", "top_k": "five"}), "top_k"),
        (session_path(&id, "knowledge-recommend"), json!({"query": "x", "top_k": 2.5}), "top_k"),
        ("/api/v1/chat".to_string(), json!({"user_id": "u_1", "message": "hi", "escalate_to_human": "yes"}), "escalate_to_human"),
        ("/api/v1/chat".to_string(), json!({"user_id": ["u_1"], "message": "hi"}), "user_id"),
    ];
    for (path, body, field) in cases {
        let reply = t.post(&path, body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.body["error"], "invalid_field");
        let message = reply.body["message"].as_str().unwrap();
        assert!(message.contains(field), "{body}: {message}");
        assert_client_words(&reply.body);
    }
}

//! The customer hears the agent (issue 21): the customer-visible thread over HTTP, its paging,
//! who may read it, and the `messages` every chat answer carries.

use crate::helpers::{enrol, fresh_app, spawn_app, spawn_with, token, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use workbench::auth::ApiKeys;
use workbench::config::Config;
use workbench::App;

const CHAT: &str = "/api/v1/chat";
const AGENT: &[&str] = &["agent"];

fn thread(session_id: &str, query: &str) -> String {
    format!("/api/v1/chat/sessions/{session_id}/messages?{query}")
}

fn agent_path(session_id: &str, action: &str) -> String {
    format!("/api/v1/agent/sessions/{session_id}/{action}")
}

async fn say(t: &TestApp, session_id: Option<&str>, user: &str, message: &str, escalate: bool) -> Value {
    let mut body = json!({"user_id": user, "message": message, "escalate_to_human": escalate});
    if let Some(id) = session_id {
        body["session_id"] = json!(id);
    }
    let reply = t.post(CHAT, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body
}

fn contents(lines: &Value) -> Vec<String> {
    lines.as_array().unwrap().iter().map(|l| l["content"].as_str().unwrap().to_string()).collect()
}

/// A session escalated by the customer, accepted by agent-001 (signed in, so with a name).
async fn escalated_and_accepted(t: &TestApp, user: &str) -> String {
    enrol(t, &[("agent-001", AGENT), ("agent-002", AGENT)]).await;
    let first = say(t, None, user, "I want a refund for ORD-001, a person please", true).await;
    let id = first["session_id"].as_str().unwrap().to_string();
    let accepted = t.post_as(&token("agent-001", AGENT), &agent_path(&id, "accept"), json!({})).await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.body);
    id
}

async fn agent_says(t: &TestApp, agent: &str, session_id: &str, text: &str) {
    let sent = t.post_as(&token(agent, AGENT), &agent_path(session_id, "messages"), json!({"content": text})).await;
    assert_eq!(sent.status, StatusCode::OK, "{:?}", sent.body);
}

#[tokio::test]
async fn the_customer_reads_every_visible_line_in_order_and_nothing_internal() {
    let t = spawn_app().await;
    let id = escalated_and_accepted(&t, "u_thread_1").await;
    agent_says(&t, "agent-001", &id, "I have refunded your order").await;
    let moved = t
        .post_as(&token("agent-001", AGENT), &agent_path(&id, "transfer"), json!({"to_agent_id": "agent-002", "note": "internal: VIP, be careful"}))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    agent_says(&t, "agent-002", &id, "Anything else I can do?").await;
    let resolved = t.post_as(&token("agent-002", AGENT), &agent_path(&id, "resolve"), json!({"note": "refund issued"})).await;
    assert_eq!(resolved.status, StatusCode::OK, "{:?}", resolved.body);

    let read = t.get(&thread(&id, "user_id=u_thread_1")).await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    assert_eq!(read.body["agent_status"], "resolved");
    assert_eq!(read.body["has_more"], false);
    let lines = &read.body["messages"];
    assert_eq!(
        contents(lines),
        vec![
            "I want a refund for ORD-001, a person please".to_string(),
            workbench::handlers::chat::TRANSFER_NOTICE.to_string(),
            "agent-001 (test) joined the conversation.".to_string(),
            "I have refunded your order".to_string(),
            workbench::thread::TRANSFERRED_NOTICE.to_string(),
            "Anything else I can do?".to_string(),
            workbench::thread::RESOLVED_NOTICE.to_string(),
        ]
    );
    let authors: Vec<&str> = lines.as_array().unwrap().iter().map(|l| l["author"].as_str().unwrap()).collect();
    assert_eq!(authors, vec!["customer", "bot", "system", "agent", "system", "agent", "system"]);
    assert_eq!(lines[3]["agent_name"], "agent-001 (test)");
    assert_eq!(lines[5]["agent_name"], "agent-002 (test)");
    let notices: Vec<&str> = lines.as_array().unwrap().iter().filter_map(|l| l["notice"].as_str()).collect();
    assert_eq!(notices, vec!["agent_joined", "transferred", "resolved"]);
    let text = read.body.to_string();
    for internal in ["agent_id", "internal: VIP", "Transferred from", "escalation_card", "refund issued", "priority"] {
        assert!(!text.contains(internal), "the customer's thread shows {internal}: {text}");
    }
    // The agent's view keeps the whole history, the system record included.
    let history = t.app.store.history(&id).await.unwrap();
    assert!(history.iter().any(|m| m.content.starts_with("Transferred from")));
}

#[tokio::test]
async fn paging_by_cursor_returns_every_line_once_oldest_first_and_then_what_comes_next() {
    let t = spawn_app().await;
    let id = escalated_and_accepted(&t, "u_thread_2").await;
    for n in 0..4 {
        agent_says(&t, "agent-001", &id, &format!("agent line {n}")).await;
        say(&t, Some(&id), "u_thread_2", &format!("customer line {n}"), false).await;
    }
    let whole = t.get(&thread(&id, "user_id=u_thread_2&limit=100")).await.body;
    let all = contents(&whole["messages"]);
    assert_eq!(all.len(), 11, "{all:?}");

    let mut paged = Vec::new();
    let mut after = String::new();
    let mut pages = 0;
    loop {
        let page = t.get(&thread(&id, &format!("user_id=u_thread_2&limit=3&after={after}"))).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        assert!(page.body["messages"].as_array().unwrap().len() <= 3);
        paged.extend(contents(&page.body["messages"]));
        after = page.body["next_cursor"].as_str().unwrap().to_string();
        pages += 1;
        if page.body["has_more"] == false {
            break;
        }
        assert!(pages < 20, "paging does not end");
    }
    assert_eq!(paged, all);

    // At the end, the cursor reads what is written after it, and only that.
    let empty = t.get(&thread(&id, &format!("user_id=u_thread_2&after={after}"))).await.body;
    assert_eq!(empty["messages"], json!([]));
    assert_eq!(empty["has_more"], false);
    agent_says(&t, "agent-001", &id, "one more thing").await;
    let next = t.get(&thread(&id, &format!("user_id=u_thread_2&after={after}"))).await.body;
    assert_eq!(contents(&next["messages"]), vec!["one more thing"]);
}

#[tokio::test]
async fn another_users_session_is_a_404_and_bad_input_a_stable_4xx() {
    let t = spawn_app().await;
    let first = say(&t, None, "u_owner", "How do I change my delivery address?", false).await;
    let id = first["session_id"].as_str().unwrap();

    let stranger = t.get(&thread(id, "user_id=u_stranger")).await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.body["error"], "session_not_found");
    let missing = t.get(&thread("sess-nope", "user_id=u_owner")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error"], "session_not_found");
    assert_eq!(stranger.body["message"].as_str().unwrap().replace(id, "X"), missing.body["message"].as_str().unwrap().replace("sess-nope", "X"));

    for (query, status, code) in [
        ("", StatusCode::BAD_REQUEST, "invalid_field"),
        ("user_id=bad/id", StatusCode::BAD_REQUEST, "invalid_field"),
        ("user_id=u_owner&after=not-a-cursor", StatusCode::BAD_REQUEST, "invalid_field"),
        ("user_id=u_owner&limit=0", StatusCode::UNPROCESSABLE_ENTITY, "value_out_of_range"),
        ("user_id=u_owner&limit=many", StatusCode::BAD_REQUEST, "invalid_field"),
    ] {
        let reply = t.get(&thread(id, query)).await;
        assert_eq!(reply.status, status, "{query}: {:?}", reply.body);
        assert_eq!(reply.body["error"], code, "{query}");
    }
    let own = t.get(&thread(id, "user_id=u_owner")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.body["agent_status"], "none");
    assert_eq!(contents(&own.body["messages"]).len(), 2);
}

#[tokio::test]
async fn only_a_chat_key_reads_the_thread() {
    let keys = ApiKeys::parse_secret(
        r#"{"keys": [{"id": "bot", "key": "k-bot", "scopes": ["chat"]},
                     {"id": "desk", "key": "k-desk", "scopes": ["agent-proxy"]},
                     {"id": "ops", "key": "k-ops", "scopes": ["admin"]}]}"#,
    )
    .unwrap();
    let base = fresh_app().await;
    let t = spawn_with(App::new(base.store.clone(), Config::new(base.store.table(), keys))).await;
    let started = t.call(Method::POST, CHAT, Some(r#"{"user_id":"u_keys","message":"hi"}"#), Some("k-bot")).await;
    assert_eq!(started.status, StatusCode::OK);
    let id = started.body["session_id"].as_str().unwrap().to_string();
    let path = thread(&id, "user_id=u_keys");

    let anonymous = t.call(Method::GET, &path, None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.body["error"], "unauthorized");
    for key in ["k-desk", "k-ops"] {
        let refused = t.call(Method::GET, &path, None, Some(key)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{key}");
        assert_eq!(refused.body["error"], "forbidden");
    }
    let agent = t.get_as(&token("agent-001", &["agent", "supervisor", "reviewer"]), &path).await;
    assert_eq!(agent.status, StatusCode::FORBIDDEN);
    assert_eq!(t.call(Method::GET, &path, None, Some("k-bot")).await.status, StatusCode::OK);
    // Reading changed nothing.
    assert_eq!(t.app.store.history(&id).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_chat_answer_carries_what_became_visible_since_the_previous_turn() {
    let t = spawn_app().await;
    let first = say(&t, None, "u_thread_3", "How do I change my delivery address?", false).await;
    let first_lines = first["messages"].as_array().unwrap();
    assert_eq!(first_lines.len(), 2, "the customer's words and the bot's reply: {first}");
    assert_eq!(first_lines[0]["author"], "customer");
    assert_eq!(first_lines[1]["author"], "bot");
    assert_eq!(first_lines[1]["content"], first["reply"]);

    let id = first["session_id"].as_str().unwrap().to_string();
    let escalated = say(&t, Some(&id), "u_thread_3", "a person please", true).await;
    assert_eq!(contents(&escalated["messages"]), vec!["a person please".to_string(), workbench::handlers::chat::TRANSFER_NOTICE.to_string()]);

    enrol(&t, &[("agent-001", AGENT)]).await;
    let accepted = t.post_as(&token("agent-001", AGENT), &agent_path(&id, "accept"), json!({})).await;
    assert_eq!(accepted.status, StatusCode::OK);
    agent_says(&t, "agent-001", &id, "I have refunded your order").await;
    agent_says(&t, "agent-001", &id, "It shows in 3 days").await;

    let thanks = say(&t, Some(&id), "u_thread_3", "thank you", false).await;
    assert_eq!(thanks["reply"], Value::Null);
    assert_eq!(
        contents(&thanks["messages"]),
        vec!["agent-001 (test) joined the conversation.", "I have refunded your order", "It shows in 3 days", "thank you"]
    );
    // The next turn starts after this one.
    let again = say(&t, Some(&id), "u_thread_3", "bye", false).await;
    assert_eq!(contents(&again["messages"]), vec!["bye"]);
}

//! "My sessions" (issue 27): the agent's own list from the assignee index, with the thread's
//! latest words, unread customer messages and how long the customer has waited; who may read
//! whose list (401/403).

use crate::helpers::{escalate, spawn_app, token, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const MINE: &str = "/api/v1/agent/sessions/mine";
const AGENT: &[&str] = &["agent"];
const LEAD: &[&str] = &["agent", "supervisor"];

fn path(session_id: &str, action: &str) -> String {
    format!("/api/v1/agent/sessions/{session_id}/{action}")
}

async fn app() -> TestApp {
    let t = spawn_app().await;
    crate::helpers::enrol(&t, &[("agent-001", AGENT), ("agent-002", AGENT), ("lead-001", LEAD)]).await;
    t
}

async fn mine(t: &TestApp, agent: &str) -> Vec<Value> {
    let reply = t.get_as(&token(agent, AGENT), MINE).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["sessions"].as_array().unwrap().clone()
}

fn ids(rows: &[Value]) -> Vec<&str> {
    rows.iter().map(|r| r["session_id"].as_str().unwrap()).collect()
}

async fn customer_says(t: &TestApp, session_id: &str, user_id: &str, message: &str) {
    let reply = t.post("/api/v1/chat", json!({"user_id": user_id, "session_id": session_id, "message": message})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn an_accepted_session_is_in_my_list_until_released_transferred_or_resolved() {
    let t = app().await;
    let a = token("agent-001", AGENT);
    let first = escalate(&t.app, "high", "u_mine_1").await;
    let second = escalate(&t.app, "medium", "u_mine_2").await;
    assert!(mine(&t, "agent-001").await.is_empty(), "nothing accepted yet");
    for id in [&first, &second] {
        assert_eq!(t.post_as(&a, &path(id, "accept"), json!({})).await.status, StatusCode::OK);
    }
    let rows = mine(&t, "agent-001").await;
    // The idlest first: the first accepted has waited longest for the agent.
    assert_eq!(ids(&rows), vec![first.as_str(), second.as_str()]);
    assert_eq!(rows[0]["agent_status"], "assigned");
    assert_eq!(rows[0]["assigned_agent_id"], "agent-001");
    assert_eq!(rows[0]["priority"], "high");
    assert_eq!(rows[0]["user_id"], "u_mine_1");
    assert_eq!(rows[0]["unread_count"], 0);

    // Transferred: off A's list, on B's.
    let moved = t.post_as(&a, &path(&first, "transfer"), json!({"to_agent_id": "agent-002"})).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(ids(&mine(&t, "agent-001").await), vec![second.as_str()]);
    assert_eq!(ids(&mine(&t, "agent-002").await), vec![first.as_str()]);
    // Released: off the list. Resolved: off the list.
    assert_eq!(t.post_as(&a, &path(&second, "release"), json!({})).await.status, StatusCode::OK);
    assert!(mine(&t, "agent-001").await.is_empty());
    let b = token("agent-002", AGENT);
    assert_eq!(t.post_as(&b, &path(&first, "resolve"), json!({"note": "done"})).await.status, StatusCode::OK);
    assert!(mine(&t, "agent-002").await.is_empty());
}

#[tokio::test]
async fn a_row_has_the_latest_words_the_unread_count_and_the_customers_wait() {
    let t = app().await;
    let a = token("agent-001", AGENT);
    let id = escalate(&t.app, "high", "u_mine_3").await;
    assert_eq!(t.post_as(&a, &path(&id, "accept"), json!({})).await.status, StatusCode::OK);
    let sent = t.post_as(&a, &path(&id, "messages"), json!({"content": "Hello, I am checking your order now.\nOne moment."})).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let row = &mine(&t, "agent-001").await[0];
    assert_eq!(row["last_message_preview"], "Hello, I am checking your order now.…");
    assert_eq!(row["last_message_author"], "agent");
    assert_eq!(row["unread_count"], 0);
    assert_eq!(row["waiting_since"], Value::Null, "the agent spoke last");

    customer_says(&t, &id, "u_mine_3", "Any news?").await;
    customer_says(&t, &id, "u_mine_3", "It was due yesterday, my order ORD-001").await;
    let row = &mine(&t, "agent-001").await[0];
    assert_eq!(row["last_message_preview"], "It was due yesterday, my order ORD-001");
    assert_eq!(row["last_message_author"], "customer");
    assert_eq!(row["unread_count"], 2);
    assert!(row["waiting_since"].is_string(), "{row}");
    assert!(row["waiting_seconds"].as_i64().unwrap() >= 0);

    // Someone else reading the session is not the assignee looking.
    assert_eq!(t.get_as(&token("lead-001", LEAD), &format!("/api/v1/agent/sessions/{id}")).await.status, StatusCode::OK);
    assert_eq!(mine(&t, "agent-001").await[0]["unread_count"], 2);
    // The assignee reading it is.
    assert_eq!(t.get_as(&a, &format!("/api/v1/agent/sessions/{id}")).await.status, StatusCode::OK);
    assert_eq!(mine(&t, "agent-001").await[0]["unread_count"], 0);
    customer_says(&t, &id, "u_mine_3", "Hello?").await;
    assert_eq!(mine(&t, "agent-001").await[0]["unread_count"], 1);
    assert_eq!(t.post_as(&a, &path(&id, "messages"), json!({"content": "It ships today."})).await.status, StatusCode::OK);
    assert_eq!(mine(&t, "agent-001").await[0]["unread_count"], 0, "writing to the customer is looking");
}

#[tokio::test]
async fn the_list_is_paged_with_a_cursor_that_cannot_be_forged() {
    let t = app().await;
    let a = token("agent-001", AGENT);
    let mut accepted = Vec::new();
    for n in 0..3 {
        let id = escalate(&t.app, "medium", &format!("u_page_{n}")).await;
        assert_eq!(t.post_as(&a, &path(&id, "accept"), json!({})).await.status, StatusCode::OK);
        accepted.push(id);
    }
    let first = t.get_as(&a, &format!("{MINE}?limit=2")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let cursor = first.body["next_cursor"].as_str().expect("a next page").to_string();
    let second = t.get_as(&a, &format!("{MINE}?limit=2&cursor={cursor}")).await;
    let mut seen: Vec<String> = [&first, &second]
        .iter()
        .flat_map(|r| r.body["sessions"].as_array().unwrap().iter().map(|s| s["session_id"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(second.body["next_cursor"], Value::Null);
    seen.sort();
    accepted.sort();
    assert_eq!(seen, accepted);
    let forged = t.get_as(&a, &format!("{MINE}?cursor=zz")).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert_eq!(forged.body["error"], "invalid_field");
}

#[tokio::test]
async fn an_agent_lists_only_their_own_a_supervisor_anyones_and_a_key_names_the_agent() {
    let t = app().await;
    let id = escalate(&t.app, "high", "u_mine_4").await;
    assert_eq!(t.post_as(&token("agent-002", AGENT), &path(&id, "accept"), json!({})).await.status, StatusCode::OK);

    let nobody = t.call(Method::GET, MINE, None, None).await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    let other = t.get_as(&token("agent-001", AGENT), &format!("{MINE}?agent_id=agent-002")).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(other.body["error"], "forbidden");
    let no_role = t.get_as(&token("agent-009", &[]), MINE).await;
    assert_eq!(no_role.status, StatusCode::FORBIDDEN);

    let lead = t.get_as(&token("lead-001", LEAD), &format!("{MINE}?agent_id=agent-002")).await;
    assert_eq!(lead.status, StatusCode::OK, "{}", lead.body);
    assert_eq!(ids(lead.body["sessions"].as_array().unwrap()), vec![id.as_str()]);

    // The local proxy key (agent-proxy scope) is no agent: it names whose list it reads.
    let key_alone = t.get(MINE).await;
    assert_eq!(key_alone.status, StatusCode::FORBIDDEN);
    let key_named = t.get(&format!("{MINE}?agent_id=agent-002")).await;
    assert_eq!(key_named.status, StatusCode::OK, "{}", key_named.body);
    assert_eq!(ids(key_named.body["sessions"].as_array().unwrap()), vec![id.as_str()]);
}

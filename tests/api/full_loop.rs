//! The spec's loop over HTTP: chat escalates → pending → details → accept → message → resolve → solution.

use crate::helpers::spawn_app;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_tutorial_workflow_runs_end_to_end() {
    let t = spawn_app().await;
    let chat = t
        .post(
            "/api/v1/chat",
            json!({"user_id": "u_10086", "message": "Where is the shipment of ORD-001? I want a human", "member_level": "gold"}),
        )
        .await;
    assert_eq!(chat.status, StatusCode::OK);
    assert_eq!(chat.body["escalate_to_human"], true);

    let pending = t.get("/api/v1/agent/sessions/pending").await;
    let session = &pending.body[0];
    let id = session["session_id"].as_str().unwrap().to_string();
    assert_eq!(session["priority"], "highest");

    let detail = t.get(&format!("/api/v1/agent/sessions/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    let card = &detail.body["escalation_card"];
    assert_eq!(card["member_level"], "gold");
    assert!(card["conversation_summary"].as_str().unwrap().contains("ORD-001"));

    let accept = t.post(&format!("/api/v1/agent/sessions/{id}/accept"), json!({"agent_id": "agent-001"})).await;
    assert_eq!(accept.body["agent_status"], "assigned");

    let message = t
        .post(&format!("/api/v1/agent/sessions/{id}/messages"), json!({"content": "Hello, I will help you handle this issue"}))
        .await;
    assert_eq!(message.status, StatusCode::OK);

    let resolve =
        t.post(&format!("/api/v1/agent/sessions/{id}/resolve"), json!({"note": "Checked and informed the user"})).await;
    assert_eq!(resolve.body["agent_status"], "resolved");

    let solution = t
        .post(
            &format!("/api/v1/agent/sessions/{id}/solution"),
            json!({"question": card["conversation_summary"], "solution": "The order has shipped.", "intent": "business_query"}),
        )
        .await;
    assert_eq!(solution.status, StatusCode::OK);
    assert_eq!(solution.body["status"], "pending");

    // The customer, still in the same thread, sees the agent's reply in history.
    let history = t.get(&format!("/api/v1/agent/sessions/{id}")).await.body["history"].clone();
    assert!(history.as_array().unwrap().iter().any(|m| m["content"] == "Hello, I will help you handle this issue"));
}

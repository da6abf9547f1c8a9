//! The chat endpoint: every turn stored, escalation rules, and the bot's behaviour per status.

use crate::helpers::{spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const CHAT: &str = "/api/v1/chat";

async fn say(t: &TestApp, session_id: Option<&str>, user: &str, message: &str) -> Value {
    let mut body = json!({"user_id": user, "message": message});
    if let Some(id) = session_id {
        body["session_id"] = json!(id);
    }
    let reply = t.post(CHAT, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body
}

#[tokio::test]
async fn a_first_message_starts_a_session_and_every_turn_is_stored() {
    let t = spawn_app().await;
    let first = say(&t, None, "u_1", "How do I change my delivery address?").await;
    let id = first["session_id"].as_str().unwrap().to_string();
    assert_eq!(first["agent_status"], "none");
    assert_eq!(first["escalate_to_human"], false);
    assert_eq!(first["intent"], "shipping");
    assert!(first["reply"].as_str().unwrap().len() > 10);

    say(&t, Some(&id), "u_1", "hmm").await;
    let history = t.app.store.history(&id).await.unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(t.stored(&id).await.turn_count, 4);
}

#[tokio::test]
async fn the_escalate_flag_escalates_at_highest_priority() {
    let t = spawn_app().await;
    let reply = t
        .post(CHAT, json!({"user_id": "u_2", "message": "Where is ORD-001?", "escalate_to_human": true}))
        .await
        .body;
    assert_eq!(reply["escalate_to_human"], true);
    assert_eq!(reply["agent_status"], "pending");
    assert_eq!(reply["priority"], "highest");
    let pending = t.get("/api/v1/agent/sessions/pending").await.body;
    assert_eq!(pending[0]["session_id"], reply["session_id"]);
    assert_eq!(pending[0]["escalate_reason"], "User explicitly requested transfer to a human");
}

#[tokio::test]
async fn declining_a_human_does_not_escalate() {
    let t = spawn_app().await;
    for text in ["No need for a human, thanks", "I don't want to talk to a real person", "不需要人工客服，谢谢", "I am a representative of my company"] {
        let reply = say(&t, None, "u_4", text).await;
        assert_eq!(reply["agent_status"], "none", "{text}: {reply}");
        assert_eq!(reply["escalate_to_human"], false, "{text}");
    }
}

#[tokio::test]
async fn asking_for_a_human_in_chinese_or_english_escalates() {
    let t = spawn_app().await;
    for text in ["转人工", "I want to talk to a human"] {
        let reply = say(&t, None, "u_3", text).await;
        assert_eq!(reply["agent_status"], "pending", "{text}");
        assert_eq!(reply["priority"], "highest", "{text}");
    }
}

#[tokio::test]
async fn three_failed_turns_escalate_with_high_priority_and_a_full_card() {
    let t = spawn_app().await;
    let first = say(&t, None, "u_4", "Where is my order ORD-042?").await;
    let id = first["session_id"].as_str().unwrap().to_string();
    let second = say(&t, Some(&id), "u_4", "It was supposed to arrive on Monday").await;
    assert_eq!(second["agent_status"], "none");
    let third = say(&t, Some(&id), "u_4", "Can you check the delivery please").await;
    assert_eq!(third["agent_status"], "pending");
    assert_eq!(third["priority"], "high");

    let details = t.get(&format!("/api/v1/agent/sessions/{id}")).await.body;
    let card = &details["escalation_card"];
    assert_eq!(card["escalate_reason"], "The bot failed to answer 3 consecutive turns");
    assert_eq!(card["turn_count"], 6);
    assert_eq!(card["history_ticket_count"], 0);
    let summary = card["conversation_summary"].as_str().unwrap();
    assert!(summary.contains("Where is my order ORD-042?"), "{summary}");
    assert!(summary.contains("Mentioned: ORD-042"), "{summary}");
    assert!(!card["attempted_solutions"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn an_agitated_vip_customer_is_escalated_at_highest() {
    let t = spawn_app().await;
    let reply = t
        .post(CHAT, json!({"user_id": "u_5", "message": "This is ridiculous, 气死我了", "member_level": "gold"}))
        .await
        .body;
    assert_eq!(reply["agent_status"], "pending");
    assert_eq!(reply["priority"], "highest");
}

#[tokio::test]
async fn the_bot_waits_while_pending_stays_silent_while_assigned_and_starts_over_after_resolve() {
    let t = spawn_app().await;
    let escalated = say(&t, None, "u_6", "转人工").await;
    let id = escalated["session_id"].as_str().unwrap().to_string();

    let waiting = say(&t, Some(&id), "u_6", "hello? anyone?").await;
    assert_eq!(waiting["agent_status"], "pending");
    assert!(waiting["reply"].as_str().unwrap().contains("agent"));

    t.accept(&id).await;
    let forwarded = say(&t, Some(&id), "u_6", "My order ORD-001 has not arrived").await;
    assert_eq!(forwarded["agent_status"], "assigned");
    assert!(forwarded["reply"].is_null());
    let details = t.get(&format!("/api/v1/agent/sessions/{id}")).await.body;
    let last = details["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["content"], "My order ORD-001 has not arrived");
    assert_eq!(last["author"], "customer");

    t.resolve(&id).await;
    let fresh = say(&t, Some(&id), "u_6", "another question about invoices").await;
    assert_ne!(fresh["session_id"], json!(id));
    assert_eq!(fresh["agent_status"], "none");
}

#[tokio::test]
async fn the_ticket_count_shows_the_users_earlier_escalations() {
    let t = spawn_app().await;
    for _ in 0..2 {
        say(&t, None, "u_7", "转人工").await;
    }
    let third = say(&t, None, "u_7", "转人工").await;
    let id = third["session_id"].as_str().unwrap();
    let details = t.get(&format!("/api/v1/agent/sessions/{id}")).await.body;
    assert_eq!(details["escalation_card"]["history_ticket_count"], 2);
}

#[tokio::test]
async fn another_customers_session_is_not_found() {
    let t = spawn_app().await;
    let mine = say(&t, None, "u_8", "hello").await;
    let reply = t.post(CHAT, json!({"user_id": "u_9", "message": "hi", "session_id": mine["session_id"]})).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(t.app.store.history(mine["session_id"].as_str().unwrap()).await.unwrap().len(), 2);
}

#[tokio::test]
async fn invalid_chat_requests_are_client_errors() {
    let t = spawn_app().await;
    let cases = [
        (json!({"message": "hi"}), StatusCode::BAD_REQUEST),
        (json!({"user_id": "u_1"}), StatusCode::BAD_REQUEST),
        (json!({"user_id": "u_1", "message": ""}), StatusCode::BAD_REQUEST),
        (json!({"user_id": "u 1", "message": "hi"}), StatusCode::BAD_REQUEST),
        (json!({"user_id": "u_1", "message": "hi", "member_level": "wood"}), StatusCode::BAD_REQUEST),
        (json!({"user_id": "u_1", "message": "hi", "escalate_to_human": "yes"}), StatusCode::BAD_REQUEST),
        (json!({"user_id": "u_1", "message": "x".repeat(2001)}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"user_id": "u_1", "message": "hi", "session_id": "sess-unknown"}), StatusCode::NOT_FOUND),
    ];
    for (body, status) in cases {
        let reply = t.post(CHAT, body.clone()).await;
        assert_eq!(reply.status, status, "{body}");
        assert!(reply.body["error"].is_string());
    }
    assert_eq!(t.post_raw(CHAT, "[1,2").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_bot_answers_a_customer_about_their_own_order_and_never_about_anyone_elses() {
    let t = spawn_app().await;
    workbench::business::seed(&t.app.store, crate::helpers::repo_root().join("infra/seed/business/dataset.json"))
        .await
        .unwrap();
    let own = say(&t, None, "u_10086", "Where is my order ORD-001?").await;
    assert_eq!(own["agent_status"], "none");
    let reply = own["reply"].as_str().unwrap();
    assert!(reply.contains("ORD-001") && reply.to_lowercase().contains("shipped"), "{reply}");
    assert!(!reply.contains("13812341234"), "raw phone in {reply}");

    let chinese = say(&t, None, "u_10086", "我的订单ORD-001到哪了").await;
    assert!(chinese["reply"].as_str().unwrap().contains("ORD-001"), "{}", chinese["reply"]);

    let other = say(&t, None, "u_10087", "Where is my order ORD-001?").await;
    let unknown = say(&t, None, "u_10087", "Where is my order ORD-999?").await;
    assert!(!other["reply"].as_str().unwrap().to_lowercase().contains("shipped"), "{}", other["reply"]);
    assert_eq!(other["reply"].as_str().unwrap().replace("ORD-001", "ORD-X"), unknown["reply"].as_str().unwrap().replace("ORD-999", "ORD-X"));
}

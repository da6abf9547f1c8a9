//! Endpoints 1, 2, 3, 4, 7 and 8: success and every client error.

use crate::helpers::{spawn_app, API_KEY};
use reqwest::{Method, StatusCode};
use serde_json::json;

const PENDING: &str = "/api/v1/agent/sessions/pending";

fn session_path(id: &str, action: &str) -> String {
    if action.is_empty() {
        format!("/api/v1/agent/sessions/{id}")
    } else {
        format!("/api/v1/agent/sessions/{id}/{action}")
    }
}

#[tokio::test]
async fn the_pending_list_is_ordered_by_priority_then_oldest_first_with_summary_fields_only() {
    let t = spawn_app().await;
    let low = t.escalate("low").await;
    let high_old = t.escalate("high").await;
    let highest = t.escalate("highest").await;
    let high_new = t.escalate("high").await;

    let reply = t.get(PENDING).await;
    assert_eq!(reply.status, StatusCode::OK);
    let list = reply.body.as_array().expect("a JSON array");
    let ids: Vec<&str> = list.iter().map(|s| s["session_id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![highest.as_str(), high_old.as_str(), high_new.as_str(), low.as_str()]);
    let first = list[0].as_object().unwrap();
    let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            "agent_status", "assigned_agent_id", "created_at", "customer_words", "escalate_reason", "escalated_at",
            "language", "member_level", "order_id", "priority", "session_id", "sla_breached", "sla_due_at", "turn_count",
            "user_id", "waiting_seconds",
        ]
    );
    assert_eq!(first["agent_status"], "pending");
    assert!(first["assigned_agent_id"].is_null());
    assert_eq!(first["turn_count"], 2);
}

#[tokio::test]
async fn a_pending_row_shows_the_customers_latest_words_their_language_and_order() {
    let t = spawn_app().await;
    let chat = t.post("/api/v1/chat", serde_json::json!({"user_id": "u_glance", "message": "订单ORD-007还没到，转人工"})).await;
    assert_eq!(chat.body["agent_status"], "pending", "{}", chat.body);
    let session_id = chat.body["session_id"].as_str().unwrap().to_string();
    let row = |list: &serde_json::Value| list.as_array().unwrap().iter().find(|r| r["session_id"] == session_id.as_str()).cloned().unwrap();

    let first = row(&t.get(PENDING).await.body);
    assert_eq!(first["customer_words"], "订单ORD-007还没到，转人工");
    assert_eq!((first["language"].as_str(), first["order_id"].as_str()), (Some("zh"), Some("ORD-007")));
    assert!(first["member_level"].is_string(), "{first}");

    // A later turn while waiting shows its words; the order named before stays, as no other is named.
    let again = t.post("/api/v1/chat", serde_json::json!({"user_id": "u_glance", "session_id": session_id, "message": "Hello?? still waiting\nanyone"})).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let later = row(&t.get(PENDING).await.body);
    assert_eq!(later["customer_words"], "Hello?? still waiting…");
    assert_eq!((later["language"].as_str(), later["order_id"].as_str()), (Some("en"), Some("ORD-007")));
}

#[tokio::test]
async fn the_pending_list_pages_with_limit_and_cursor_without_gaps_or_repeats() {
    let t = spawn_app().await;
    let mut expected = Vec::new();
    for priority in ["medium", "high", "info", "highest", "medium", "low", "high"] {
        expected.push((priority, t.escalate(priority).await));
    }
    let mut seen = Vec::new();
    let mut path = format!("{PENDING}?limit=3");
    loop {
        let reply = t.get(&path).await;
        assert_eq!(reply.status, StatusCode::OK);
        let page = reply.body.as_array().unwrap();
        assert!(page.len() <= 3);
        seen.extend(page.iter().map(|s| s["session_id"].as_str().unwrap().to_string()));
        match reply.headers.get("x-next-cursor") {
            Some(cursor) => path = format!("{PENDING}?limit=3&cursor={}", cursor.to_str().unwrap()),
            None => break,
        }
    }
    let rank = |p: &str| ["highest", "high", "medium", "low", "info"].iter().position(|x| *x == p).unwrap();
    expected.sort_by_key(|(p, _)| rank(p));
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn bad_paging_parameters_are_client_errors() {
    let t = spawn_app().await;
    assert_eq!(t.get(&format!("{PENDING}?limit=abc")).await.status, StatusCode::BAD_REQUEST);
    let reply = t.get(&format!("{PENDING}?limit=0")).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["error"], "value_out_of_range");
    assert_eq!(t.get(&format!("{PENDING}?limit=101")).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reply = t.get(&format!("{PENDING}?cursor=not-a-cursor")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["error"], "invalid_field");
}

#[tokio::test]
async fn details_return_the_card_and_the_full_history() {
    let t = spawn_app().await;
    let id = t.escalate("high").await;
    let reply = t.get(&session_path(&id, "")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let card = &reply.body["escalation_card"];
    assert_eq!(card["session_id"], id.as_str());
    assert_eq!(card["priority"], "high");
    assert_eq!(card["turn_count"], 2);
    assert_eq!(card["attempted_solutions"], json!(["Suggested checking My Orders"]));
    assert!(card["conversation_summary"].as_str().unwrap().contains("ORD-001"));
    let history = reply.body["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["role"], "user");
    assert_eq!(history[1]["role"], "assistant");
}

#[tokio::test]
async fn a_missing_card_is_rebuilt_and_written_back() {
    let t = spawn_app().await;
    let id = t.escalate("medium").await;
    t.app
        .store
        .client()
        .update_item()
        .table_name(t.app.store.table())
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("SESSION#{id}")))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("META".into()))
        .update_expression("REMOVE escalation_card")
        .send()
        .await
        .unwrap();
    assert!(t.stored(&id).await.escalation_card.is_none());

    let reply = t.get(&session_path(&id, "")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["escalation_card"]["priority"], "medium");
    assert!(reply.body["escalation_card"]["conversation_summary"].as_str().unwrap().contains("ORD-001"));
    let stored = t.stored(&id).await.escalation_card.expect("the rebuilt card was written back");
    assert_eq!(stored.session_id, id);
}

#[tokio::test]
async fn unknown_and_malformed_session_ids_are_404() {
    let t = spawn_app().await;
    let bodies = [
        ("", json!(null)),
        ("accept", json!({})),
        ("messages", json!({"content": "x"})),
        ("resolve", json!({})),
        ("solution", json!({"question": "q", "solution": "s"})),
    ];
    for (action, body) in bodies {
        let path = session_path("sess-does-not-exist", action);
        let reply = if action.is_empty() { t.get(&path).await } else { t.post(&path, body).await };
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.body["error"], "session_not_found", "{path}");
    }
    let reply = t.get("/api/v1/agent/sessions/bad%20id!").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn accept_assigns_the_session_and_returns_card_and_history() {
    let t = spawn_app().await;
    let id = t.escalate("high").await;
    let reply = t.accept(&id).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["session_id"], id.as_str());
    assert_eq!(reply.body["agent_status"], "assigned");
    assert_eq!(reply.body["assigned_agent_id"], "agent-001");
    assert_eq!(reply.body["turn_count"], 2);
    assert_eq!(reply.body["escalation_card"]["priority"], "high");
    assert_eq!(reply.body["history"].as_array().unwrap().len(), 2);
    // Accepted sessions leave the queue.
    assert_eq!(t.get(PENDING).await.body, json!([]));
}

#[tokio::test]
async fn accept_without_an_agent_id_uses_the_default_agent() {
    let t = spawn_app().await;
    let id = t.escalate("low").await;
    let reply = t.call(Method::POST, &session_path(&id, "accept"), None, Some(API_KEY)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["assigned_agent_id"], "agent-default");
}

#[tokio::test]
async fn a_second_accept_gets_409_naming_the_current_status_and_holder() {
    let t = spawn_app().await;
    let id = t.escalate("high").await;
    assert_eq!(t.accept(&id).await.status, StatusCode::OK);
    let reply = t.post(&session_path(&id, "accept"), json!({"agent_id": "agent-002"})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.body["error"], "invalid_state");
    assert_eq!(reply.body["agent_status"], "assigned");
    assert_eq!(reply.body["assigned_agent_id"], "agent-001", "the loser is told who won");
    assert_eq!(t.stored(&id).await.assigned_agent_id.as_deref(), Some("agent-001"));
    // The winner trying again (its first answer lost to a timeout) learns that it holds it.
    let again = t.accept(&id).await;
    assert_eq!((again.status, again.body["assigned_agent_id"].as_str()), (StatusCode::CONFLICT, Some("agent-001")));
}

#[tokio::test]
async fn invalid_accept_bodies_are_400_and_change_nothing() {
    let t = spawn_app().await;
    let id = t.escalate("high").await;
    for body in [r#"{"agent_id": 42}"#, r#"{"agent_id": "has spaces"}"#, "{oops"] {
        let reply = t.post_raw(&session_path(&id, "accept"), body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
    }
    assert_eq!(t.stored(&id).await.agent_status.as_str(), "pending");
}

#[tokio::test]
async fn messages_are_accepted_only_while_assigned() {
    let t = spawn_app().await;
    let id = t.escalate("high").await;
    let path = session_path(&id, "messages");
    let reply = t.post(&path, json!({"content": "Hello"})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.body["agent_status"], "pending");

    t.accept(&id).await;
    let reply = t.post(&path, json!({"content": "Hello, I am agent Li. I will check ORD-001"})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["role"], "assistant");
    assert!(reply.body["message_id"].as_str().unwrap().starts_with("msg-"));
    assert!(chrono::DateTime::parse_from_rfc3339(reply.body["timestamp"].as_str().unwrap()).is_ok());
    let details = t.get(&session_path(&id, "")).await;
    let history = details.body["history"].as_array().unwrap();
    assert_eq!(history.last().unwrap()["content"], "Hello, I am agent Li. I will check ORD-001");
    assert_eq!(history.last().unwrap()["author"], "agent");
    assert_eq!(details.body["turn_count"], 3);

    t.resolve(&id).await;
    let reply = t.post(&path, json!({"content": "one more thing"})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.body["agent_status"], "resolved");
}

#[tokio::test]
async fn invalid_messages_are_rejected_and_not_stored() {
    let t = spawn_app().await;
    let id = t.escalate("high").await;
    t.accept(&id).await;
    let path = session_path(&id, "messages");
    let cases = [
        ("{}".to_string(), StatusCode::BAD_REQUEST, "invalid_field"),
        (r#"{"content": "   "}"#.to_string(), StatusCode::BAD_REQUEST, "invalid_field"),
        (r#"{"content": 7}"#.to_string(), StatusCode::BAD_REQUEST, "invalid_field"),
        ("not json".to_string(), StatusCode::BAD_REQUEST, "invalid_json"),
        (json!({"content": "x".repeat(4001)}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "value_out_of_range"),
        (json!({"content": "x".repeat(70_000)}).to_string(), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
    ];
    for (body, status, code) in cases {
        let reply = t.post_raw(&path, &body).await;
        assert_eq!(reply.status, status, "{}", &body[..body.len().min(40)]);
        assert_eq!(reply.body["error"], code);
    }
    assert_eq!(t.stored(&id).await.turn_count, 2);
}

#[tokio::test]
async fn resolve_needs_an_assigned_session_and_keeps_the_note() {
    let t = spawn_app().await;
    let id = t.escalate("high").await;
    let reply = t.resolve(&id).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "pending cannot resolve directly");
    assert_eq!(reply.body["agent_status"], "pending");

    t.accept(&id).await;
    let reply = t
        .post(&session_path(&id, "resolve"), json!({"note": "Checked the shipment and informed the user"}))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["agent_status"], "resolved");
    assert!(chrono::DateTime::parse_from_rfc3339(reply.body["resolved_at"].as_str().unwrap()).is_ok());
    let details = t.get(&session_path(&id, "")).await;
    assert_eq!(details.body["resolve_note"], "Checked the shipment and informed the user");

    let again = t.resolve(&id).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.body["agent_status"], "resolved");
}

#[tokio::test]
async fn a_note_of_the_wrong_type_or_size_is_rejected() {
    let t = spawn_app().await;
    let id = t.escalate("high").await;
    t.accept(&id).await;
    let path = session_path(&id, "resolve");
    assert_eq!(t.post(&path, json!({"note": 12})).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(t.post(&path, json!({"note": "n".repeat(2001)})).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.stored(&id).await.agent_status.as_str(), "assigned");
}

#[tokio::test]
async fn a_solution_is_stored_as_a_pending_faq_candidate_only_after_resolving() {
    let t = spawn_app().await;
    let id = t.escalate("high").await;
    let path = session_path(&id, "solution");
    let body = json!({
        "question": "Where is the shipment of order ORD-001?",
        "solution": "The order has shipped. Tracking number SF1234567890, estimated delivery July 5.",
        "intent": "business_query"
    });
    assert_eq!(t.post(&path, body.clone()).await.status, StatusCode::CONFLICT);
    t.accept(&id).await;
    let reply = t.post(&path, body.clone()).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.body["agent_status"], "assigned");

    t.resolve(&id).await;
    let reply = t.post(&path, body).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body["solution_id"].as_str().unwrap().starts_with("sol-"));
    assert_eq!(reply.body["session_id"], id.as_str());
    assert_eq!(reply.body["question"], "Where is the shipment of order ORD-001?");
    assert_eq!(reply.body["intent"], "business_query");
    assert_eq!(reply.body["status"], "pending");
    let stored = t.app.store.get_solution(reply.body["solution_id"].as_str().unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.status.as_str(), "pending");
}

#[tokio::test]
async fn an_omitted_intent_is_recognised() {
    let t = spawn_app().await;
    let id = t.escalate("high").await;
    t.accept(&id).await;
    t.resolve(&id).await;
    let reply = t
        .post(&session_path(&id, "solution"), json!({"question": "How long does a refund take?", "solution": "3-5 days."}))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["intent"], "returns_refunds");
}

#[tokio::test]
async fn invalid_solutions_are_rejected() {
    let t = spawn_app().await;
    let id = t.escalate("high").await;
    t.accept(&id).await;
    t.resolve(&id).await;
    let path = session_path(&id, "solution");
    let cases = [
        (json!({"solution": "s"}), StatusCode::BAD_REQUEST),
        (json!({"question": "q"}), StatusCode::BAD_REQUEST),
        (json!({"question": "q", "solution": "s", "intent": "Not A Label"}), StatusCode::BAD_REQUEST),
        (json!({"question": ["q"], "solution": "s"}), StatusCode::BAD_REQUEST),
        (json!({"question": "q".repeat(1001), "solution": "s"}), StatusCode::UNPROCESSABLE_ENTITY),
    ];
    for (body, status) in cases {
        assert_eq!(t.post(&path, body.clone()).await.status, status, "{body}");
    }
}

#[tokio::test]
async fn every_route_refuses_a_missing_or_wrong_key_and_changes_nothing() {
    let t = spawn_app().await;
    let id = t.escalate("high").await;
    let functions = workbench_local::template::load(&crate::helpers::repo_root().join("template.yaml")).unwrap();
    assert!(!functions.routes.is_empty());
    for route in &functions.routes {
        let path = route
            .path
            .replace("{session_id}", &id)
            .replace("{solution_id}", "sol-x")
            .replace("{source}", "doc.md")
            .replace("{faq_id}", "faq-x");
        let method = Method::from_bytes(route.method.as_bytes()).unwrap();
        for key in [None, Some("wrong-key"), Some("")] {
            let reply = t.call(method.clone(), &path, Some(r#"{"agent_id":"intruder"}"#), key).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{} {path} key={key:?}", route.method);
            assert_eq!(reply.body["error"], "unauthorized");
        }
    }
    assert_eq!(t.stored(&id).await.agent_status.as_str(), "pending");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    let t = spawn_app().await;
    let reply = t.get("/api/v1/nothing-here").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body["error"], "route_not_found");
    let reply = t.call(Method::DELETE, PENDING, None, Some(API_KEY)).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.body["error"], "method_not_allowed");
}

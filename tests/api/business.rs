//! Endpoint 6, business assist, over the demo dataset (`infra/seed/business/dataset.json`):
//! reads with masking, the confirmed write flow, isolation between customers, and business
//! failures answered as `result.error` with a 200.

use crate::helpers::{escalate, repo_root, spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use workbench::business::{self, Dataset};

fn assist_path(session_id: &str) -> String {
    format!("/api/v1/agent/sessions/{session_id}/business-assist")
}

fn dataset() -> Dataset {
    let path = repo_root().join("infra/seed/business/dataset.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("dataset.json is a business dataset")
}

async fn seed(t: &TestApp) -> Dataset {
    business::seed(&t.app.store, repo_root().join("infra/seed/business/dataset.json")).await.expect("seed");
    dataset()
}

/// A session of `user_id`, accepted by agent-001.
async fn assigned_session(t: &TestApp, user_id: &str) -> String {
    let session_id = escalate(&t.app, "high", user_id).await;
    assert_eq!(t.accept(&session_id).await.status, StatusCode::OK);
    session_id
}

/// Raw personal values of a customer and their orders: none may appear in a response.
fn raw_values(data: &Dataset, user_id: &str) -> Vec<String> {
    let mut raw = Vec::new();
    for c in data.customers.iter().filter(|c| c.user_id == user_id) {
        raw.extend([c.phone.clone(), c.email.clone(), c.national_id.clone(), c.bank_card.clone(), c.address.clone()]);
    }
    for o in data.orders.iter().filter(|o| o.user_id == user_id) {
        raw.extend([o.contact_phone.clone(), o.shipping_address.clone()]);
    }
    raw.retain(|v| v.len() >= 6);
    raw
}

#[tokio::test]
async fn an_order_status_query_answers_with_masked_personal_data() {
    let t = spawn_app().await;
    let data = seed(&t).await;
    let order = data.orders.first().expect("the dataset has orders").clone();
    let session_id = assigned_session(&t, &order.user_id).await;

    let reply = t.post(&assist_path(&session_id), json!({"query": format!("Check the status of order {}", order.order_id)})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let result = &reply.body["result"];
    assert_eq!(result["scene"], "order");
    assert_eq!(result["error"], Value::Null);
    assert_eq!(result["need_confirmation"], false);
    assert_eq!(result["data"]["order_id"], order.order_id.as_str());
    assert_eq!(result["data"]["status"], order.status.as_str());
    assert!(result["reply"].as_str().unwrap().starts_with(&format!("Order {} current status:", order.order_id)));
    let masked: Vec<&str> = reply.body["masked_fields"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(masked.contains(&"contact_phone_masked"), "{masked:?}");
    let body = reply.body.to_string();
    for raw in raw_values(&data, &order.user_id) {
        assert!(!body.contains(&raw), "a raw value leaked: {body}");
    }
}

#[tokio::test]
async fn a_chinese_account_query_is_answered_in_chinese() {
    let t = spawn_app().await;
    let data = seed(&t).await;
    let customer = data.customers.first().unwrap().clone();
    let session_id = assigned_session(&t, &customer.user_id).await;
    let reply = t.post(&assist_path(&session_id), json!({"query": "我的会员等级"})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["result"]["scene"], "account");
    assert_eq!(reply.body["result"]["data"]["member_level"], customer.member_level.as_str());
    assert!(reply.body["result"]["reply"].as_str().unwrap().contains("积分"));
}

#[tokio::test]
async fn a_write_is_confirmed_once_and_a_replay_changes_nothing() {
    let t = spawn_app().await;
    let data = seed(&t).await;
    let Some(order) = data.orders.iter().find(|o| matches!(o.status.as_str(), "pending_payment" | "paid" | "processing"))
    else {
        panic!("the dataset needs a cancellable order");
    };
    let session_id = assigned_session(&t, &order.user_id).await;
    let query = format!("Cancel order {}", order.order_id);

    let proposal = t.post(&assist_path(&session_id), json!({"query": query})).await;
    assert_eq!(proposal.status, StatusCode::OK, "{}", proposal.body);
    assert_eq!(proposal.body["result"]["need_confirmation"], true, "{}", proposal.body);
    assert_eq!(proposal.body["result"]["scene"], "cancel_order");
    let token = proposal.body["result"]["data"]["confirmation_token"].as_str().unwrap().to_string();

    let done = t.post(&assist_path(&session_id), json!({"query": query, "confirmation_token": token})).await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(done.body["result"]["error"], Value::Null, "{}", done.body);
    assert_eq!(done.body["result"]["need_confirmation"], false);

    let replay = t.post(&assist_path(&session_id), json!({"query": query, "confirmation_token": token})).await;
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(replay.body["result"]["error"], "confirmation_replayed");

    // The same token in another session is not a confirmation at all.
    let other = assigned_session(&t, &order.user_id).await;
    let elsewhere = t.post(&assist_path(&other), json!({"query": query, "confirmation_token": token})).await;
    assert_eq!(elsewhere.body["result"]["error"], "confirmation_invalid");
}

#[tokio::test]
async fn another_customers_order_and_an_unknown_order_are_errors_in_a_200() {
    let t = spawn_app().await;
    let data = seed(&t).await;
    let mine = data.orders.first().unwrap().clone();
    let Some(theirs) = data.orders.iter().find(|o| o.user_id != mine.user_id) else {
        panic!("the dataset needs orders of two customers");
    };
    let session_id = assigned_session(&t, &mine.user_id).await;

    let reply = t.post(&assist_path(&session_id), json!({"query": format!("Check the status of order {}", theirs.order_id)})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["result"]["error"], "order_not_owned");
    assert_eq!(reply.body["result"]["data"], Value::Null);

    let reply = t.post(&assist_path(&session_id), json!({"query": "Check the status of order ORD-999999999"})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["result"]["error"], "order_not_found");
}

#[tokio::test]
async fn business_assist_needs_an_assigned_session() {
    let t = spawn_app().await;
    seed(&t).await;
    let session_id = escalate(&t.app, "high", "u_any").await;
    let reply = t.post(&assist_path(&session_id), json!({"query": "Check the status of order ORD-001"})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.body["agent_status"], "pending");
}

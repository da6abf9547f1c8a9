//! Issue 13, the review queue: approval cannot collide with a manual FAQ, edits follow one
//! rule, and a solution knows when its FAQ was deleted.

use crate::helpers::{TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A pending solution of a resolved session; returns its id.
async fn pending_solution(t: &TestApp, intent: &str) -> String {
    let id = t.escalate("medium").await;
    assert_eq!(t.accept(&id).await.status, StatusCode::OK);
    assert_eq!(t.resolve(&id).await.status, StatusCode::OK);
    let reply = t
        .post(
            &format!("/api/v1/agent/sessions/{id}/solution"),
            json!({"question": "Can parcels go to a pickup locker?", "solution": "Yes, choose a locker at checkout.", "intent": intent}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body["solution_id"].as_str().unwrap().to_string()
}

async fn approved_solutions(t: &TestApp) -> Vec<Value> {
    t.get("/api/v1/escalation/solutions?status=approved").await.body["solutions"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_manual_faq_cannot_take_the_id_an_approval_will_use() {
    let t = spawn_app().await;
    let solution_id = pending_solution(&t, "shipping").await;
    for faq_id in [format!("faq-{solution_id}"), "faq-sol-anything".to_string(), "FAQ-SOL-upper".to_string()] {
        let reply = t
            .post("/api/v1/knowledge/faqs", json!({"faq_id": faq_id, "question": "q?", "answer": "a.", "intent": "general"}))
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{faq_id}: {:?}", reply.body);
        assert_eq!(reply.body["error"], "invalid_field");
    }
    let approved = t.post_as(&reviewer_token(), &format!("/api/v1/escalation/solutions/{solution_id}/approve"), json!({})).await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    assert_eq!(approved.body["faq_id"], format!("faq-{solution_id}"));
}

#[tokio::test]
async fn an_approval_that_meets_an_existing_faq_says_so_and_leaves_the_solution_pending() {
    let t = spawn_app().await;
    let solution_id = pending_solution(&t, "shipping").await;
    // A FAQ written under the id before the namespace was reserved (straight to the store).
    let entry = workbench::knowledge::KnowledgeEntry {
        id: format!("faq-{solution_id}"),
        kind: workbench::knowledge::EntryKind::Faq,
        source: "faq:manual".into(),
        title: Some("old".into()),
        alternative_questions: Vec::new(),
        content: "old answer".into(),
        intent: Some("general".into()),
        embedding: vec![0.0; 8],
        embedding_space: String::new(),
    };
    t.app.store.create_faq(&entry, chrono::Utc::now()).await.unwrap();
    let reply = t.post_as(&reviewer_token(), &format!("/api/v1/escalation/solutions/{solution_id}/approve"), json!({})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{:?}", reply.body);
    assert_eq!(reply.body["error"], "faq_exists", "{:?}", reply.body);
    let pending = t.get("/api/v1/escalation/solutions?status=pending").await.body;
    assert!(pending["solutions"].as_array().unwrap().iter().any(|s| s["solution_id"] == solution_id.as_str()));
}

#[tokio::test]
async fn blank_edits_on_approve_keep_the_original_for_every_field() {
    let t = spawn_app().await;
    let solution_id = pending_solution(&t, "shipping").await;
    let reply = t
        .post_as(
            &reviewer_token(),
            &format!("/api/v1/escalation/solutions/{solution_id}/approve"),
            json!({"question": "  ", "solution": "", "intent": ""}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["question"], "Can parcels go to a pickup locker?");
    assert_eq!(reply.body["solution"], "Yes, choose a locker at checkout.");
    assert_eq!(reply.body["intent"], "shipping");
}

#[tokio::test]
async fn deleting_an_approved_solutions_faq_is_recorded_on_the_solution() {
    let t = spawn_app().await;
    let solution_id = pending_solution(&t, "shipping").await;
    let approved = t.post_as(&reviewer_token(), &format!("/api/v1/escalation/solutions/{solution_id}/approve"), json!({})).await;
    let faq_id = approved.body["faq_id"].as_str().unwrap().to_string();
    assert!(approved.body.get("faq_deleted_at").is_none());
    let deleted = t.call(Method::DELETE, &format!("/api/v1/knowledge/faqs/{faq_id}"), None, Some(crate::helpers::API_KEY)).await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.body);
    let listed = approved_solutions(&t).await;
    let solution = listed.iter().find(|s| s["solution_id"] == solution_id.as_str()).expect("still approved");
    assert_eq!(solution["faq_id"], faq_id.as_str());
    assert!(solution["faq_deleted_at"].is_string(), "{solution}");
    let stored = t.app.store.get_solution(&solution_id).await.unwrap().unwrap();
    assert!(stored.faq_deleted_at.is_some());
    // A manual FAQ deletes as before.
    let manual = t.post("/api/v1/knowledge/faqs", json!({"question": "q?", "answer": "a.", "intent": "general"})).await.body;
    let reply =
        t.call(Method::DELETE, &format!("/api/v1/knowledge/faqs/{}", manual["faq_id"].as_str().unwrap()), None, Some(crate::helpers::API_KEY)).await;
    assert_eq!(reply.status, StatusCode::OK);
}

/// Someone other than the key that submitted the solution: four eyes hold for keys too.
fn reviewer_token() -> String {
    crate::helpers::token("rev-001", &["reviewer"])
}

//! The SQS ingestion: idempotent, and a malformed record fails alone.

use crate::helpers::{fresh_app, repo_root};
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use serde_json::json;
use workbench::ingest::handle_batch;

fn record(id: &str, body: &str) -> SqsMessage {
    let mut message = SqsMessage::default();
    message.message_id = Some(id.to_string());
    message.body = Some(body.to_string());
    message
}

fn batch(records: Vec<SqsMessage>) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = records;
    event
}

fn escalation(event_id: &str, session_id: &str, user_id: &str) -> String {
    json!({
        "event_id": event_id, "session_id": session_id, "user_id": user_id, "member_level": "platinum",
        "reason": "The customer is angry about a late parcel",
        "history": [{"role": "user", "content": "Where is ORD-007? This is unacceptable!"}]
    })
    .to_string()
}

#[tokio::test]
async fn the_same_event_twice_makes_one_session_and_one_ticket() {
    let app = fresh_app().await;
    let body = escalation("evt-1", "sess-ingest-1", "u_20");
    let first = handle_batch(&app, batch(vec![record("m1", &body)])).await;
    let second = handle_batch(&app, batch(vec![record("m2", &body), record("m3", &body)])).await;
    assert!(first.batch_item_failures.is_empty());
    assert!(second.batch_item_failures.is_empty());
    assert_eq!(app.store.user_ticket_count("u_20").await.unwrap(), 1);
    let (session, history) = app.store.session_with_history("sess-ingest-1").await.unwrap().unwrap();
    assert_eq!(session.agent_status.as_str(), "pending");
    // Agitation is high; platinum raises it one step.
    assert_eq!(session.priority.unwrap().as_str(), "highest");
    assert_eq!(history.len(), 1);
    let page = app.store.list_pending(10, None).await.unwrap();
    assert_eq!(page.sessions.len(), 1);
}

#[tokio::test]
async fn a_malformed_record_is_reported_without_blocking_the_rest() {
    let app = fresh_app().await;
    let response = handle_batch(
        &app,
        batch(vec![
            record("good-1", &escalation("evt-a", "sess-a", "u_21")),
            record("bad", "{this is not json"),
            record("bad-field", r#"{"session_id": "sess-c"}"#),
            record("good-2", &escalation("evt-b", "sess-b", "u_21")),
        ]),
    )
    .await;
    let failed: Vec<&str> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    assert_eq!(failed, vec!["bad", "bad-field"]);
    assert!(app.store.get_session("sess-a").await.unwrap().is_some());
    assert!(app.store.get_session("sess-b").await.unwrap().is_some());
    assert!(app.store.get_session("sess-c").await.unwrap().is_none());
    assert_eq!(app.store.user_ticket_count("u_21").await.unwrap(), 2);
}

#[tokio::test]
async fn the_sample_event_files_ingest_as_documented() {
    let app = fresh_app().await;
    let good: SqsEvent =
        serde_json::from_str(&std::fs::read_to_string(repo_root().join("infra/events/ingest-escalation.json")).unwrap())
            .unwrap();
    let count = good.records.len();
    assert!(handle_batch(&app, good).await.batch_item_failures.is_empty());
    assert_eq!(app.store.list_pending(50, None).await.unwrap().sessions.len(), count);

    let mixed: SqsEvent = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("infra/events/ingest-escalation-malformed.json")).unwrap(),
    )
    .unwrap();
    let response = handle_batch(&app, mixed).await;
    assert_eq!(response.batch_item_failures.len(), 1);
}

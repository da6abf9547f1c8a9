use super::*;
use crate::domain::{MemberLevel, Message, Role, Session};
use crate::store::items::{MessageItem, SessionItem};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn session_item(status: AgentStatus, assignee: Option<&str>, updated: &str) -> Item {
    let mut session = Session::new("sess-1".into(), "u_1".into(), MemberLevel::Gold, at("2026-11-25T08:00:00Z"));
    session.agent_status = status;
    session.assigned_agent_id = assignee.map(str::to_string);
    session.priority = Some(EscalationPriority::High);
    session.updated_at = at(updated);
    serde_dynamo::to_item(SessionItem::from_session(&session)).unwrap()
}

fn message_item(author: Author) -> Item {
    let message = Message {
        message_id: "msg-1".into(),
        role: Role::User,
        author,
        content: "Where is my parcel?".into(),
        timestamp: at("2026-11-25T08:01:02.345678Z"),
        agent_id: None,
        agent_name: None,
    };
    serde_dynamo::to_item(MessageItem::new("sess-1", 0, &message)).unwrap()
}

#[test]
fn a_session_created_pending_is_announced() {
    let new = session_item(AgentStatus::Pending, None, "2026-11-25T08:00:00Z");
    assert_eq!(
        events_from_change(None, Some(&new)),
        vec![LiveEvent::SessionChanged {
            session_id: "sess-1".into(),
            agent_status: AgentStatus::Pending,
            assigned_agent_id: None,
            priority: Some(EscalationPriority::High),
            at: "2026-11-25T08:00:00.000Z".into(),
        }]
    );
}

#[test]
fn a_bot_session_created_is_not_announced() {
    let new = session_item(AgentStatus::None, None, "2026-11-25T08:00:00Z");
    assert!(events_from_change(None, Some(&new)).is_empty());
}

#[test]
fn a_bot_session_escalating_is_announced() {
    let old = session_item(AgentStatus::None, None, "2026-11-25T08:00:00Z");
    let new = session_item(AgentStatus::Pending, None, "2026-11-25T08:00:05Z");
    let events = events_from_change(Some(&old), Some(&new));
    assert!(matches!(&events[..], [LiveEvent::SessionChanged { agent_status: AgentStatus::Pending, .. }]));
}

#[test]
fn an_accept_names_the_new_assignee() {
    let old = session_item(AgentStatus::Pending, None, "2026-11-25T08:00:00Z");
    let new = session_item(AgentStatus::Assigned, Some("agent-007"), "2026-11-25T08:03:00.5Z");
    assert_eq!(
        events_from_change(Some(&old), Some(&new)),
        vec![LiveEvent::SessionChanged {
            session_id: "sess-1".into(),
            agent_status: AgentStatus::Assigned,
            assigned_agent_id: Some("agent-007".into()),
            priority: Some(EscalationPriority::High),
            at: "2026-11-25T08:03:00.500Z".into(),
        }]
    );
}

#[test]
fn a_resolve_is_announced() {
    let old = session_item(AgentStatus::Assigned, Some("agent-007"), "2026-11-25T08:03:00Z");
    let new = session_item(AgentStatus::Resolved, Some("agent-007"), "2026-11-25T08:09:00Z");
    let events = events_from_change(Some(&old), Some(&new));
    assert!(matches!(&events[..], [LiveEvent::SessionChanged { agent_status: AgentStatus::Resolved, .. }]));
}

#[test]
fn a_session_update_that_keeps_status_and_assignee_says_nothing() {
    // An agent message bumps turn_count and updated_at only.
    let old = session_item(AgentStatus::Assigned, Some("agent-007"), "2026-11-25T08:03:00Z");
    let mut new = session_item(AgentStatus::Assigned, Some("agent-007"), "2026-11-25T08:04:00Z");
    new.insert("turn_count".into(), AttributeValue::N("9".into()));
    assert!(events_from_change(Some(&old), Some(&new)).is_empty());
}

#[test]
fn a_new_message_is_announced_without_its_content() {
    let new = message_item(Author::Customer);
    let events = events_from_change(None, Some(&new));
    assert_eq!(
        events,
        vec![LiveEvent::MessageCreated {
            session_id: "sess-1".into(),
            message_id: "msg-1".into(),
            author: Author::Customer,
            at: "2026-11-25T08:01:02.345Z".into(),
        }]
    );
    assert!(!events[0].to_frame().contains("parcel"));
}

#[test]
fn a_rewritten_message_is_not_new() {
    let item = message_item(Author::Agent);
    assert!(events_from_change(Some(&item), Some(&item)).is_empty());
}

#[test]
fn removals_and_other_items_are_ignored() {
    let session = session_item(AgentStatus::Pending, None, "2026-11-25T08:00:00Z");
    assert!(events_from_change(Some(&session), None).is_empty());
    let others = [
        json!({"pk": "USER#u_1", "sk": "PROFILE", "history_ticket_count": 3}),
        json!({"pk": "KB", "sk": "VERSION", "version": 4}),
        json!({"pk": "SOLUTION#sol-1", "sk": "META", "agent_status": "pending", "session_id": "x", "updated_at": "2026-11-25T08:00:00Z"}),
        json!({"pk": "LIVE", "sk": "CONN#abc=", "connection_id": "abc=", "agent_id": "agent-001", "expires_at": 1}),
        json!({"pk": "EVENT#evt-1", "sk": "EVENT", "session_id": "sess-1"}),
        json!({"pk": "SESSION#sess-1", "sk": "CONFIRM#x"}),
    ];
    for other in others {
        let item: Item = serde_dynamo::to_item(other.clone()).unwrap();
        assert!(events_from_change(None, Some(&item)).is_empty(), "{other}");
    }
}

#[test]
fn an_unreadable_session_item_is_skipped_not_fatal() {
    let mut new = session_item(AgentStatus::Pending, None, "2026-11-25T08:00:00Z");
    new.insert("agent_status".into(), AttributeValue::S("on-holiday".into()));
    assert!(events_from_change(None, Some(&new)).is_empty());
}

#[test]
fn frames_have_the_shape_the_workbench_reads() {
    let changed = LiveEvent::SessionChanged {
        session_id: "sess-1".into(),
        agent_status: AgentStatus::Pending,
        assigned_agent_id: None,
        priority: None,
        at: "2026-11-25T08:00:00.000Z".into(),
    };
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&changed.to_frame()).unwrap(),
        json!({"type": "session.changed", "session_id": "sess-1", "agent_status": "pending",
               "assigned_agent_id": null, "priority": null, "at": "2026-11-25T08:00:00.000Z"})
    );
    let created = LiveEvent::MessageCreated {
        session_id: "sess-1".into(),
        message_id: "m".into(),
        author: Author::Bot,
        at: "2026-11-25T08:00:00.000Z".into(),
    };
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&created.to_frame()).unwrap(),
        json!({"type": "message.created", "session_id": "sess-1", "message_id": "m", "author": "bot", "at": "2026-11-25T08:00:00.000Z"})
    );
    assert_eq!(serde_json::from_str::<serde_json::Value>(PONG).unwrap(), json!({"type": "pong"}));
}

#[test]
fn the_action_of_a_client_frame_is_read_from_its_body() {
    assert_eq!(action_of(r#"{"action":"ping"}"#).as_deref(), Some("ping"));
    assert_eq!(action_of(r#"{"action":5}"#), None);
    assert_eq!(action_of("ping"), None);
}

#[test]
fn the_sample_stream_batch_gives_its_events_in_order() {
    let batch: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_str(include_str!("../../../infra/events/live-fanout.json")).unwrap();
    let events = events_from_stream(&batch);
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|e| match e {
            LiveEvent::SessionChanged { agent_status, .. } => ("session.changed", agent_status.as_str()),
            LiveEvent::MessageCreated { .. } => ("message.created", ""),
        })
        .collect();
    assert_eq!(
        kinds,
        vec![("session.changed", "pending"), ("message.created", ""), ("session.changed", "assigned"), ("message.created", "")]
    );
    assert!(events.iter().all(|e| e.session_id() == "sess-demo-0002"));
}

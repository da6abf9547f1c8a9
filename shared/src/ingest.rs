//! Escalations from an upstream bot, delivered by SQS (directly or through an EventBridge rule).

use crate::app::App;
use crate::domain::{new_id, AgentStatus, Author, EscalationPriority, MemberLevel, Message, Role, Session};
use crate::error::StoreError;
use crate::escalation::{assess_turn, build_card, raise_for_member, remember_attempt};
use crate::http::is_valid_id;
use crate::store::IngestOutcome;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use chrono::{DateTime, Utc};
use serde::Deserialize;

const MAX_HISTORY: usize = 500;
const MAX_CONTENT_CHARS: usize = 4000;
/// Messages stored with the session; the summary is built from the whole history.
const STORED_HISTORY: usize = crate::store::sessions_max_messages();

#[derive(Debug, Deserialize)]
pub struct EscalationEvent {
    pub event_id: Option<String>,
    pub session_id: String,
    pub user_id: String,
    pub member_level: Option<String>,
    pub reason: String,
    pub priority: Option<String>,
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
    #[serde(default)]
    pub attempted_solutions: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct HistoryEntry {
    pub role: String,
    pub content: String,
    pub timestamp: Option<DateTime<Utc>>,
}

/// An EventBridge event forwarded to SQS keeps the escalation under `detail`.
#[derive(Deserialize)]
struct EventBridgeEnvelope {
    detail: EscalationEvent,
    id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("malformed escalation event: {0}")]
    Malformed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub fn parse_event(body: &str) -> Result<EscalationEvent, IngestError> {
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| IngestError::Malformed(format!("not JSON: {e}")))?;
    let event = if value.get("detail").is_some() {
        let envelope: EventBridgeEnvelope =
            serde_json::from_value(value).map_err(|e| IngestError::Malformed(e.to_string()))?;
        let mut event = envelope.detail;
        if event.event_id.is_none() {
            event.event_id = envelope.id;
        }
        event
    } else {
        serde_json::from_value(value).map_err(|e| IngestError::Malformed(e.to_string()))?
    };
    validate(&event)?;
    Ok(event)
}

fn validate(event: &EscalationEvent) -> Result<(), IngestError> {
    let bad = |what: &str| Err(IngestError::Malformed(what.to_string()));
    if !is_valid_id(&event.session_id) {
        return bad("session_id is not a valid id");
    }
    if !is_valid_id(&event.user_id) {
        return bad("user_id is not a valid id");
    }
    if event.event_id.as_deref().is_some_and(|id| !is_valid_id(id)) {
        return bad("event_id is not a valid id");
    }
    if event.reason.trim().is_empty() || event.reason.chars().count() > 500 {
        return bad("reason must be 1-500 characters");
    }
    if event.priority.as_deref().is_some_and(|p| EscalationPriority::parse(p).is_none()) {
        return bad("priority must be highest, high, medium, low or info");
    }
    if event.member_level.as_deref().is_some_and(|l| MemberLevel::parse(l).is_none()) {
        return bad("member_level is not a known tier");
    }
    if event.history.len() > MAX_HISTORY {
        return bad("history is longer than 500 messages");
    }
    for entry in &event.history {
        if role_of(&entry.role).is_none() {
            return bad("history role must be user or assistant");
        }
        if entry.content.chars().count() > MAX_CONTENT_CHARS {
            return bad("a history message is longer than 4000 characters");
        }
    }
    Ok(())
}

fn role_of(role: &str) -> Option<(Role, Author)> {
    match role {
        "user" | "customer" => Some((Role::User, Author::Customer)),
        "assistant" | "bot" => Some((Role::Assistant, Author::Bot)),
        "system" => Some((Role::System, Author::System)),
        _ => None,
    }
}

/// Priority of an upstream escalation: the event's own, else the reason read by the same rules
/// as the chat endpoint, raised for VIP members.
fn priority_of(event: &EscalationEvent, member_level: MemberLevel) -> EscalationPriority {
    if let Some(p) = event.priority.as_deref().and_then(EscalationPriority::parse) {
        return p;
    }
    let customer_words: Vec<&str> =
        event.history.iter().filter(|h| h.role == "user" || h.role == "customer").map(|h| h.content.as_str()).collect();
    let text = format!("{} {}", event.reason, customer_words.join(" "));
    let decision = assess_turn(false, &text, 0, 0);
    if decision.should_escalate() {
        decision.priority(member_level)
    } else {
        raise_for_member(EscalationPriority::Medium, member_level)
    }
}

pub async fn ingest(app: &App, event: EscalationEvent) -> Result<IngestOutcome, IngestError> {
    let now = app.now();
    let member_level = event.member_level.as_deref().and_then(MemberLevel::parse).unwrap_or_default();
    let priority = priority_of(&event, member_level);
    let history: Vec<Message> = event
        .history
        .iter()
        .map(|h| {
            let (role, author) = role_of(&h.role).expect("validated");
            Message {
                message_id: new_id("msg"),
                role,
                author,
                content: h.content.clone(),
                timestamp: h.timestamp.unwrap_or(now),
                agent_id: None,
                agent_name: None,
            }
        })
        .collect();
    let mut session = Session::new(event.session_id.clone(), event.user_id.clone(), member_level, now);
    session.created_at = history.first().map(|m| m.timestamp).unwrap_or(now).min(now);
    session.agent_status = AgentStatus::Pending;
    session.priority = Some(priority);
    session.escalate_reason = Some(event.reason.trim().to_string());
    session.escalated_at = Some(now);
    session.priority_since = Some(now);
    session.queued_at = Some(now);
    session.turn_count = history.len() as u32;
    for attempt in &event.attempted_solutions {
        remember_attempt(&mut session.attempted_solutions, attempt);
    }
    let earlier_tickets = app.store.user_ticket_count(&event.user_id).await?;
    session.escalation_card = Some(build_card(&session, &history, earlier_tickets));
    let stored = &history[history.len().saturating_sub(STORED_HISTORY)..];
    let event_id = event.event_id.clone().unwrap_or_else(|| format!("session-{}", event.session_id));
    let outcome = app.store.ingest_escalation(&event_id, &session, stored, now).await?;
    tracing::info!(session_id = %event.session_id, event_id = %event_id, outcome = ?outcome, "escalation ingested");
    Ok(outcome)
}

/// A partial batch response: only the records that failed are retried (and reach the DLQ).
pub async fn handle_batch(app: &App, batch: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for record in batch.records {
        let id = record.message_id.clone().unwrap_or_default();
        let result = match parse_event(record.body.as_deref().unwrap_or("")) {
            Ok(event) => ingest(app, event).await.map(|_| ()),
            Err(err) => Err(err),
        };
        if let Err(err) = result {
            tracing::warn!(message_id = %id, error = %err, "escalation record failed");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"event_id":"evt-1","session_id":"sess-1","user_id":"u_1","member_level":"gold",
        "reason":"Customer asked for a human","history":[{"role":"user","content":"转人工"}]}"#;

    #[test]
    fn a_direct_event_and_an_eventbridge_envelope_both_parse() {
        let direct = parse_event(EVENT).unwrap();
        assert_eq!(direct.session_id, "sess-1");
        let wrapped = format!(r#"{{"id":"eb-1","detail-type":"Escalation","detail":{EVENT}}}"#);
        assert_eq!(parse_event(&wrapped).unwrap().event_id.as_deref(), Some("evt-1"));
    }

    #[test]
    fn malformed_events_are_rejected_with_a_reason() {
        assert!(matches!(parse_event("{nope"), Err(IngestError::Malformed(_))));
        assert!(matches!(parse_event(r#"{"session_id":"s"}"#), Err(IngestError::Malformed(_))));
        let bad_priority = EVENT.replace(r#""member_level":"gold""#, r#""priority":"urgent""#);
        assert!(matches!(parse_event(&bad_priority), Err(IngestError::Malformed(_))));
        let bad_role = EVENT.replace(r#""role":"user""#, r#""role":"robot""#);
        assert!(matches!(parse_event(&bad_role), Err(IngestError::Malformed(_))));
    }

    #[test]
    fn priority_follows_the_chat_rules_unless_the_event_sets_one() {
        let event = parse_event(EVENT).unwrap();
        assert_eq!(priority_of(&event, MemberLevel::Gold), EscalationPriority::Highest);
        let calm = parse_event(&EVENT.replace("Customer asked for a human", "Bot handoff").replace("转人工", "hi")).unwrap();
        assert_eq!(priority_of(&calm, MemberLevel::Regular), EscalationPriority::Medium);
        assert_eq!(priority_of(&calm, MemberLevel::Gold), EscalationPriority::High);
        let explicit = parse_event(&EVENT.replace(r#""member_level":"gold""#, r#""priority":"low""#)).unwrap();
        assert_eq!(priority_of(&explicit, MemberLevel::Regular), EscalationPriority::Low);
    }
}

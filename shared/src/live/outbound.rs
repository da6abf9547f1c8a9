//! Outbound events for the customer's channel: `conversation.message.created` and
//! `conversation.status.changed`, derived from the table's stream (the one source of truth, as the
//! agents' live updates are) and only from inserts of a session's messages and audit events, which
//! are immutable: a record read twice gives the same event with the same id, so a receiver that
//! remembers ids handles each once. What an event shows is what the customer may see
//! ([`crate::thread`], audience `Webhook`).
//!
//! Webhooks are signed: `X-Workbench-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
//! "<t>.<body>")>`; a receiver recomputes it over the raw body and refuses a stale `t`.

use crate::domain::{AgentStatus, AuditEvent, Message};
use crate::store::items::{AuditItem, MessageItem};
use crate::store::{keys, Item};
use crate::thread::{visible_event, visible_message, Audience, ThreadMessage};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub const MESSAGE_CREATED: &str = "conversation.message.created";
pub const STATUS_CHANGED: &str = "conversation.status.changed";
/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-workbench-signature";
/// The header that carries the event id (also in the body), for receivers that dedup early.
pub const EVENT_ID_HEADER: &str = "x-workbench-event-id";
/// A receiver refuses a signature older (or newer) than this.
pub const SIGNATURE_TOLERANCE_SECONDS: i64 = 300;

/// One event for the customer's channel: the body of a webhook, the `detail` of an EventBridge event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundEvent {
    /// Stable: `msg.<message id>`, `notice.<audit event id>` or `status.<audit event id>`.
    pub event_id: String,
    /// [`MESSAGE_CREATED`] or [`STATUS_CHANGED`].
    #[serde(rename = "type")]
    pub kind: String,
    pub session_id: String,
    /// RFC 3339, microseconds: a receiver orders a session's events by it (then by arrival).
    pub occurred_at: String,
    /// `conversation.message.created`: the line as the customer's thread shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<ThreadMessage>,
    /// `conversation.status.changed`: from and to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<AgentStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_status: Option<AgentStatus>,
}

impl OutboundEvent {
    fn message(session_id: &str, event_id: String, line: ThreadMessage) -> Self {
        OutboundEvent {
            event_id,
            kind: MESSAGE_CREATED.to_string(),
            session_id: session_id.to_string(),
            occurred_at: line.timestamp.clone(),
            message: Some(line),
            previous_status: None,
            agent_status: None,
        }
    }

    /// The body posted to a webhook: compact JSON, signed as it is sent.
    pub fn to_body(&self) -> String {
        serde_json::to_string(self).expect("an event is plain data")
    }
}

fn string_attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

/// A message's event, if the customer may see it.
pub fn message_event(session_id: &str, message: &Message) -> Option<OutboundEvent> {
    message_event_for(Audience::Webhook, session_id, message)
}

fn message_event_for(audience: Audience, session_id: &str, message: &Message) -> Option<OutboundEvent> {
    let line = visible_message(message, audience)?;
    Some(OutboundEvent::message(session_id, format!("msg.{}", message.message_id), line))
}

/// An audit event's outbound events: the status change first (when the status moved), then the
/// notice the customer reads (when there is one).
pub fn audit_events(session_id: &str, event: &AuditEvent) -> Vec<OutboundEvent> {
    audit_events_for(Audience::Webhook, session_id, event)
}

fn audit_events_for(audience: Audience, session_id: &str, event: &AuditEvent) -> Vec<OutboundEvent> {
    let mut out = Vec::new();
    if let (Some(from), Some(to)) = (event.from_status, event.to_status) {
        if from != to {
            out.push(OutboundEvent {
                event_id: format!("status.{}", event.event_id),
                kind: STATUS_CHANGED.to_string(),
                session_id: session_id.to_string(),
                occurred_at: event.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                message: None,
                previous_status: Some(from),
                agent_status: Some(to),
            });
        }
    }
    if let Some(line) = visible_event(event, audience) {
        out.push(OutboundEvent::message(session_id, format!("notice.{}", event.event_id), line));
    }
    out
}

/// The outbound events of one item change of the stream: only inserts of a session's message or
/// audit items (both are written once and never changed), never anything else.
pub fn outbound_from_change(old: Option<&Item>, new: Option<&Item>) -> Vec<OutboundEvent> {
    outbound_from_change_for(Audience::Webhook, old, new)
}

/// As [`outbound_from_change`], as `audience` reads the thread: the customer socket's frames are
/// these events with [`Audience::Customer`] (the same lines the webhook carries, by the one rule).
pub fn outbound_from_change_for(audience: Audience, old: Option<&Item>, new: Option<&Item>) -> Vec<OutboundEvent> {
    let (None, Some(new)) = (old, new) else { return Vec::new() };
    let (Some(pk), Some(sk)) = (string_attr(new, keys::PK), string_attr(new, keys::SK)) else { return Vec::new() };
    let Some(session_id) = pk.strip_prefix("SESSION#") else { return Vec::new() };
    let read = |what: &str, err: serde_dynamo::Error| {
        tracing::warn!(error = %err, what, "an item in the stream could not be read; no outbound event");
    };
    if sk.starts_with(keys::MESSAGE_PREFIX) {
        return match serde_dynamo::from_item::<_, MessageItem>(new.clone()) {
            Ok(item) => message_event_for(audience, session_id, &item.into_message()).into_iter().collect(),
            Err(err) => {
                read("message", err);
                Vec::new()
            }
        };
    }
    if sk.starts_with(keys::AUDIT_PREFIX) {
        return match serde_dynamo::from_item::<_, AuditItem>(new.clone()) {
            Ok(item) => audit_events_for(audience, session_id, &item.into_event()),
            Err(err) => {
                read("audit event", err);
                Vec::new()
            }
        };
    }
    Vec::new()
}

/// The outbound events of a batch of the table's stream records, in stream order (as
/// EventBridge Pipes hands a DynamoDB stream batch to its enrichment function).
pub fn outbound_from_records(records: &[aws_lambda_events::event::dynamodb::EventRecord]) -> Vec<OutboundEvent> {
    outbound_from_records_for(Audience::Webhook, records)
}

/// As [`outbound_from_records`], as `audience` reads the thread.
pub fn outbound_from_records_for(audience: Audience, records: &[aws_lambda_events::event::dynamodb::EventRecord]) -> Vec<OutboundEvent> {
    records
        .iter()
        .flat_map(|record| {
            let image = |item: &serde_dynamo::Item| -> Option<Item> {
                let item: Item = item.clone().into();
                (!item.is_empty()).then_some(item)
            };
            outbound_from_change_for(audience, image(&record.change.old_image).as_ref(), image(&record.change.new_image).as_ref())
        })
        .collect()
}

/// What the bus carries for one event, as its `detail`: the event, its id and its signature.
/// The webhook rule sends `detail.event` as the body (compact JSON, the bytes signed) with the
/// other two as headers.
pub fn bus_detail(event: &OutboundEvent, secret: &[u8], now: i64) -> serde_json::Value {
    serde_json::json!({
        "event": event,
        "event_id": event.event_id,
        "signature": signature_header(secret, now, &event.to_body()),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn mac(secret: &[u8], timestamp: i64, body: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac
}

/// The signature header's value for `body` sent at `timestamp` (unix seconds).
pub fn signature_header(secret: &[u8], timestamp: i64, body: &str) -> String {
    format!("t={timestamp},v1={}", hex(&mac(secret, timestamp, body).finalize().into_bytes()))
}

/// Why a receiver refuses a delivery.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureRejected {
    #[error("the signature header is malformed")]
    Malformed,
    #[error("the signature's timestamp is outside the tolerance")]
    Stale,
    #[error("the signature does not match the body")]
    Mismatch,
}

/// A receiver's check, as the README's reference receiver makes it: the header's timestamp within
/// `tolerance_seconds` of `now`, and the HMAC over `t.body` equal (compared in constant time).
pub fn verify_signature(secret: &[u8], header: &str, body: &str, now: i64, tolerance_seconds: i64) -> Result<(), SignatureRejected> {
    let mut timestamp = None;
    let mut signature = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signature = Some(v.to_string()),
            _ => {}
        }
    }
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else { return Err(SignatureRejected::Malformed) };
    if (now - timestamp).abs() > tolerance_seconds {
        return Err(SignatureRejected::Stale);
    }
    let bytes: Option<Vec<u8>> = (0..signature.len())
        .step_by(2)
        .map(|i| signature.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect();
    let bytes = bytes.filter(|b| b.len() == 32).ok_or(SignatureRejected::Malformed)?;
    mac(secret, timestamp, body).verify_slice(&bytes).map_err(|_| SignatureRejected::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Author, EventKind, Role};
    use crate::store::items::{AuditItem, MessageItem};
    use chrono::{DateTime, Utc};

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn message(author: Author) -> Message {
        Message {
            message_id: "msg-1".into(),
            role: if author == Author::Customer { Role::User } else { Role::Assistant },
            author,
            content: "I have refunded your order".into(),
            timestamp: at(),
            agent_id: Some("agent-001".into()),
            agent_name: Some("Dana".into()),
        }
    }

    fn item<T: Serialize>(value: &T) -> Item {
        serde_dynamo::to_item(value).unwrap()
    }

    #[test]
    fn an_inserted_agent_message_is_one_event_with_a_stable_id_and_no_internal_field() {
        let new = item(&MessageItem::new("sess-1", 0, &message(Author::Agent)));
        let events = outbound_from_change(None, Some(&new));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].event_id, "msg.msg-1");
        assert_eq!(events[0].kind, MESSAGE_CREATED);
        assert_eq!(events, outbound_from_change(None, Some(&new)), "a record read twice is the same event");
        let body = events[0].to_body();
        assert!(body.contains("\"agent_name\":\"Dana\"") && !body.contains("agent-001"), "{body}");
        // An update of a message (a business write's record completed) says nothing new.
        assert!(outbound_from_change(Some(&new), Some(&new)).is_empty());
        let mut record = message(Author::System);
        record.role = Role::System;
        assert!(outbound_from_change(None, Some(&item(&MessageItem::new("sess-1", 0, &record)))).is_empty());
    }

    #[test]
    fn a_status_move_is_a_status_event_then_its_notice() {
        let accepted = AuditEvent::new(EventKind::Accepted, at(), "agent-001")
            .status(AgentStatus::Pending, AgentStatus::Assigned)
            .detail("agent_name", "Dana");
        let events = outbound_from_change(None, Some(&item(&AuditItem::new("sess-1", &accepted))));
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, vec![STATUS_CHANGED, MESSAGE_CREATED]);
        assert_eq!(events[0].event_id, format!("status.{}", accepted.event_id));
        assert_eq!(events[0].previous_status, Some(AgentStatus::Pending));
        assert_eq!(events[0].agent_status, Some(AgentStatus::Assigned));
        assert_eq!(events[1].message.as_ref().unwrap().content, "Dana joined the conversation.");
        let aged = AuditEvent::new(EventKind::Aged, at(), "system").status(AgentStatus::Pending, AgentStatus::Pending);
        assert!(outbound_from_change(None, Some(&item(&AuditItem::new("sess-1", &aged)))).is_empty());
    }

    #[test]
    fn a_signature_verifies_and_a_changed_body_a_stale_time_or_a_bad_header_do_not() {
        let body = r#"{"event_id":"msg.1"}"#;
        let header = signature_header(b"secret", 1_000, body);
        assert_eq!(verify_signature(b"secret", &header, body, 1_010, 300), Ok(()));
        assert_eq!(verify_signature(b"secret", &header, "{}", 1_010, 300), Err(SignatureRejected::Mismatch));
        assert_eq!(verify_signature(b"other", &header, body, 1_010, 300), Err(SignatureRejected::Mismatch));
        assert_eq!(verify_signature(b"secret", &header, body, 1_400, 300), Err(SignatureRejected::Stale));
        assert_eq!(verify_signature(b"secret", "v1=00", body, 1_000, 300), Err(SignatureRejected::Malformed));
        assert_eq!(verify_signature(b"secret", "t=1000,v1=zz", body, 1_000, 300), Err(SignatureRejected::Malformed));
    }
}

//! Live updates for the workbench: every change of a session's status or assignee, and every new
//! message, reaches the agents' open sockets within a second or two.
//!
//! The table's stream is the one source of truth: whatever path writes a session (an API call, the
//! SQS ingestion, a script) shows up in the stream, and [`events_from_change`] turns a change of
//! one item into events. [`fan_out`] posts them to every recorded socket through a [`Poster`]: in
//! AWS API Gateway's management API ([`apigw::ApiGatewayPoster`], in the stream-triggered
//! function), locally the server's in-process sockets. Events carry ids and states only, which
//! every agent may read through the API anyway; the client refetches what it shows.

pub mod apigw;
pub mod customer;
pub mod outbound;
pub mod socket;
pub mod token;

use crate::domain::{AgentStatus, Author, EscalationPriority};
use crate::error::StoreError;
pub use crate::store::LiveConnection;
use crate::store::{keys, Item, Store};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::future::BoxFuture;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

/// What the server tells the workbench. One JSON text frame per event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum LiveEvent {
    /// A session was escalated (created pending), or its status or assignee changed.
    #[serde(rename = "session.changed")]
    SessionChanged {
        session_id: String,
        agent_status: AgentStatus,
        assigned_agent_id: Option<String>,
        priority: Option<EscalationPriority>,
        /// The session's `updated_at`, RFC 3339 with milliseconds: clients drop an event older
        /// than one they already handled for the same session.
        at: String,
    },
    /// A message was added to a session's thread.
    #[serde(rename = "message.created")]
    MessageCreated { session_id: String, message_id: String, author: Author, at: String },
}

impl LiveEvent {
    pub fn session_id(&self) -> &str {
        match self {
            LiveEvent::SessionChanged { session_id, .. } | LiveEvent::MessageCreated { session_id, .. } => session_id,
        }
    }

    /// The text frame sent to a socket.
    pub fn to_frame(&self) -> String {
        serde_json::to_string(self).expect("an event is plain data")
    }
}

/// The answer to a client's `{"action":"ping"}`.
pub const PONG: &str = r#"{"type":"pong"}"#;

/// The route API Gateway selects for a client frame (`$request.body.action`).
pub fn action_of(frame: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(frame).ok()?;
    value.get("action")?.as_str().map(str::to_string)
}

/// The expiry of a verified token's claims (`exp`, epoch seconds), as the socket records it.
pub fn token_expiry(claims: &std::collections::HashMap<String, String>) -> Option<i64> {
    claims.get("exp").and_then(|exp| exp.parse().ok())
}

/// The fields of a session item that events are made of.
#[derive(Deserialize)]
struct SessionFields {
    session_id: String,
    agent_status: AgentStatus,
    #[serde(default)]
    assigned_agent_id: Option<String>,
    #[serde(default)]
    priority: Option<EscalationPriority>,
    updated_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct MessageFields {
    message_id: String,
    author: Author,
    timestamp: DateTime<Utc>,
}

const SESSION_FIELDS: [&str; 5] = ["session_id", "agent_status", "assigned_agent_id", "priority", "updated_at"];
const MESSAGE_FIELDS: [&str; 3] = ["message_id", "author", "timestamp"];

/// Only the named attributes, so a large item (a session with its card) is not copied whole.
fn read<T: serde::de::DeserializeOwned>(item: &Item, fields: &[&str]) -> Option<T> {
    let picked: Item = item.iter().filter(|(k, _)| fields.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    match serde_dynamo::from_item(picked) {
        Ok(value) => Some(value),
        Err(err) => {
            tracing::warn!(error = %err, "a session or message item in the stream could not be read; no event");
            None
        }
    }
}

fn string_attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The events one item change means, from the item's old and new images (as the table's stream
/// gives them; `None` for an insert's old image or a removal's new one):
///
/// - a session created pending, or whose `agent_status` or `assigned_agent_id` changed:
///   `session.changed` (other session updates, such as a turn counter, say nothing);
/// - a message item inserted: `message.created`;
/// - anything else (users, knowledge, solutions, sockets, removals): nothing.
pub fn events_from_change(old: Option<&Item>, new: Option<&Item>) -> Vec<LiveEvent> {
    let Some(new) = new else { return Vec::new() };
    let (Some(pk), Some(sk)) = (string_attr(new, keys::PK), string_attr(new, keys::SK)) else { return Vec::new() };
    let Some(session_id) = pk.strip_prefix("SESSION#") else { return Vec::new() };
    if sk == keys::META {
        let Some(now) = read::<SessionFields>(new, &SESSION_FIELDS) else { return Vec::new() };
        let before = old.and_then(|old| read::<SessionFields>(old, &SESSION_FIELDS));
        let changed = match &before {
            None => now.agent_status == AgentStatus::Pending,
            // A priority moving alone (waiting-time aging) reorders the queue too.
            Some(before) => {
                before.agent_status != now.agent_status
                    || before.assigned_agent_id != now.assigned_agent_id
                    || before.priority != now.priority
            }
        };
        if !changed {
            return Vec::new();
        }
        return vec![LiveEvent::SessionChanged {
            session_id: now.session_id,
            agent_status: now.agent_status,
            assigned_agent_id: now.assigned_agent_id,
            priority: now.priority,
            at: rfc3339(now.updated_at),
        }];
    }
    if sk.starts_with(keys::MESSAGE_PREFIX) && old.is_none() {
        if let Some(message) = read::<MessageFields>(new, &MESSAGE_FIELDS) {
            return vec![LiveEvent::MessageCreated {
                session_id: session_id.to_string(),
                message_id: message.message_id,
                author: message.author,
                at: rfc3339(message.timestamp),
            }];
        }
    }
    Vec::new()
}

/// The events of a batch of the table's stream as Lambda delivers it, in stream order.
pub fn events_from_stream(event: &aws_lambda_events::event::dynamodb::Event) -> Vec<LiveEvent> {
    event
        .records
        .iter()
        .flat_map(|record| {
            let image = |item: &serde_dynamo::Item| -> Option<Item> {
                let item: Item = item.clone().into();
                (!item.is_empty()).then_some(item)
            };
            let old = image(&record.change.old_image);
            let new = image(&record.change.new_image);
            events_from_change(old.as_ref(), new.as_ref())
        })
        .collect()
}

/// Why a frame did not reach a socket.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// The socket is closed (API Gateway's 410 Gone): forget it.
    #[error("the connection is gone")]
    Gone,
    #[error("posting to the connection failed: {0}")]
    Failed(String),
}

/// Sends a text frame to one open socket.
pub trait Poster: Send + Sync {
    fn post<'a>(&'a self, connection_id: &'a str, frame: &'a str) -> BoxFuture<'a, Result<(), PostError>>;
    /// Close a socket whose token has expired (API Gateway's `DELETE @connections/{id}`).
    fn close<'a>(&'a self, connection_id: &'a str) -> BoxFuture<'a, Result<(), PostError>>;
}

/// How many sockets are posted to at once.
const FAN_OUT_CONCURRENCY: usize = 32;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FanOutReport {
    pub events: usize,
    pub connections: usize,
    /// Frames that reached a socket.
    pub delivered: usize,
    /// Sockets found closed and forgotten.
    pub gone: usize,
    /// Sockets whose token had expired: sent nothing, closed and forgotten.
    pub expired: usize,
    /// Frames that failed otherwise (logged; not retried: the client refetches on reconnect).
    pub failed: usize,
}

/// Post every event, in order, to every recorded socket whose token is still valid; close and
/// forget the sockets whose token expired, and forget the ones that are gone. A message event
/// goes only where its session can be read: an agent may not read a bot-only session (409
/// `invalid_state`), so its messages are nobody's business until it is escalated. Fails only
/// when the sockets cannot be listed: a failure of one socket never holds back the others (or,
/// in AWS, the stream).
pub async fn fan_out(
    store: &Store,
    poster: &dyn Poster,
    events: &[LiveEvent],
    now: DateTime<Utc>,
) -> Result<FanOutReport, StoreError> {
    if events.is_empty() {
        return Ok(FanOutReport::default());
    }
    let connections = store.list_connections().await?;
    let (expired, live): (Vec<&LiveConnection>, Vec<&LiveConnection>) =
        connections.iter().partition(|c| c.token_expired(now));
    // With no one listening, the sessions' statuses are not worth reading.
    let events = if live.is_empty() { Vec::new() } else { readable_by_agents(store, events).await? };
    let frames: Vec<String> = events.iter().map(LiveEvent::to_frame).collect();
    let mut report = FanOutReport { events: events.len(), connections: connections.len(), ..Default::default() };
    for connection in expired {
        report.expired += 1;
        if let Err(err) = poster.close(&connection.connection_id).await {
            tracing::debug!(error = %err, connection = %connection.connection_id, "closing an expired socket failed");
        }
        if let Err(err) = store.delete_connection(&connection.connection_id).await {
            tracing::warn!(error = %err, connection = %connection.connection_id, "could not forget an expired socket");
        }
    }
    if frames.is_empty() {
        return Ok(report);
    }
    let posts: Vec<_> = live.iter().map(|c| post_all(store, poster, &c.connection_id, &frames)).collect();
    let per_connection: Vec<FanOutReport> =
        futures::stream::iter(posts).buffer_unordered(FAN_OUT_CONCURRENCY).collect().await;
    for part in per_connection {
        report.delivered += part.delivered;
        report.gone += part.gone;
        report.failed += part.failed;
    }
    Ok(report)
}

/// The events agents may see: a `message.created` of a session that is bot-only now (never
/// escalated, or handed back) is dropped. One read per distinct session with messages in the
/// batch, made at once.
async fn readable_by_agents(store: &Store, events: &[LiveEvent]) -> Result<Vec<LiveEvent>, StoreError> {
    let mut sessions: Vec<&str> = events
        .iter()
        .filter(|e| matches!(e, LiveEvent::MessageCreated { .. }))
        .map(LiveEvent::session_id)
        .collect();
    sessions.sort_unstable();
    sessions.dedup();
    let statuses = futures::future::join_all(sessions.iter().map(|id| store.get_session(id))).await;
    let mut bot_only = std::collections::HashSet::new();
    for (id, status) in sessions.iter().zip(statuses) {
        match status? {
            Some(session) if session.agent_status != AgentStatus::None => {}
            _ => {
                bot_only.insert(*id);
            }
        }
    }
    Ok(events
        .iter()
        .filter(|e| !matches!(e, LiveEvent::MessageCreated { session_id, .. } if bot_only.contains(session_id.as_str())))
        .cloned()
        .collect())
}

/// The frames to one socket, in order; a socket found gone is forgotten and gets no more.
async fn post_all(store: &Store, poster: &dyn Poster, connection_id: &str, frames: &[String]) -> FanOutReport {
    let mut report = FanOutReport::default();
    for frame in frames {
        match poster.post(connection_id, frame).await {
            Ok(()) => report.delivered += 1,
            Err(PostError::Gone) => {
                report.gone += 1;
                if let Err(err) = store.delete_connection(connection_id).await {
                    tracing::warn!(error = %err, connection = connection_id, "could not forget a closed socket");
                }
                break;
            }
            Err(PostError::Failed(why)) => {
                report.failed += 1;
                tracing::warn!(error = %why, connection = connection_id, "a live event was not delivered");
            }
        }
    }
    report
}

#[cfg(test)]
mod tests;

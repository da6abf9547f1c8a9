//! Storage items: the shapes written to DynamoDB, with their keys. Domain types never carry keys.

use super::keys;
use crate::domain::{
    AgentStatus, AuditEvent, Author, CardNote, EscalationCard, EscalationPriority, EventKind, MemberLevel, Message,
    ReviewStatus, Role, Session, Solution,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub session_id: String,
    pub user_id: String,
    pub member_level: MemberLevel,
    pub agent_status: AgentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_agent_name: Option<String>,
    #[serde(default)]
    pub turn_count: u32,
    #[serde(default)]
    pub consecutive_failures: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<EscalationPriority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalate_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation_card: Option<EscalationCard>,
    #[serde(default)]
    pub attempted_solutions: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolve_note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_since: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_agent_activity_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub capacity_counted: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub card_notes: Vec<CardNote>,
    /// Present only while pending or assigned: the wait index is sparse too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_since: Option<String>,
    /// Present only while pending: this is what makes the queue index sparse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_order: Option<String>,
}

impl SessionItem {
    pub fn from_session(s: &Session) -> Self {
        let pending = s.agent_status == AgentStatus::Pending;
        let (wait_status, wait_since) = wait_keys(s);
        SessionItem {
            pk: keys::session_pk(&s.session_id),
            sk: keys::META.to_string(),
            entity: "session".to_string(),
            session_id: s.session_id.clone(),
            user_id: s.user_id.clone(),
            member_level: s.member_level,
            agent_status: s.agent_status,
            assigned_agent_id: s.assigned_agent_id.clone(),
            assigned_agent_name: s.assigned_agent_name.clone(),
            turn_count: s.turn_count,
            consecutive_failures: s.consecutive_failures,
            priority: s.priority,
            escalate_reason: s.escalate_reason.clone(),
            escalation_card: s.escalation_card.clone(),
            attempted_solutions: s.attempted_solutions.clone(),
            created_at: s.created_at,
            updated_at: s.updated_at,
            escalated_at: s.escalated_at,
            accepted_at: s.accepted_at,
            resolved_at: s.resolved_at,
            resolve_note: s.resolve_note.clone(),
            priority_since: s.priority_since,
            queued_at: s.queued_at,
            first_response_at: s.first_response_at,
            last_agent_activity_at: s.last_agent_activity_at,
            capacity_counted: s.capacity_counted,
            card_notes: s.card_notes.clone(),
            wait_status,
            wait_since,
            pending_status: pending.then(|| keys::PENDING_PARTITION.to_string()),
            pending_order: if pending {
                Some(keys::pending_order(
                    s.priority.unwrap_or(EscalationPriority::Medium),
                    s.escalated_at.unwrap_or(s.updated_at),
                    &s.session_id,
                ))
            } else {
                None
            },
        }
    }

    pub fn into_session(self) -> Session {
        Session {
            session_id: self.session_id,
            user_id: self.user_id,
            member_level: self.member_level,
            agent_status: self.agent_status,
            assigned_agent_id: self.assigned_agent_id,
            assigned_agent_name: self.assigned_agent_name,
            turn_count: self.turn_count,
            consecutive_failures: self.consecutive_failures,
            priority: self.priority,
            escalate_reason: self.escalate_reason,
            escalation_card: self.escalation_card,
            attempted_solutions: self.attempted_solutions,
            created_at: self.created_at,
            updated_at: self.updated_at,
            escalated_at: self.escalated_at,
            accepted_at: self.accepted_at,
            resolved_at: self.resolved_at,
            resolve_note: self.resolve_note,
            priority_since: self.priority_since,
            queued_at: self.queued_at,
            first_response_at: self.first_response_at,
            last_agent_activity_at: self.last_agent_activity_at,
            capacity_counted: self.capacity_counted,
            card_notes: self.card_notes,
        }
    }
}

/// The wait index's keys of a session: pending by escalation time, assigned by the assignee's
/// last activity; none otherwise.
pub fn wait_keys(s: &Session) -> (Option<String>, Option<String>) {
    match s.agent_status {
        AgentStatus::Pending => (
            Some(keys::WAIT_PENDING.to_string()),
            Some(keys::wait_since(s.escalated_at.unwrap_or(s.updated_at), &s.session_id)),
        ),
        AgentStatus::Assigned => (
            Some(keys::WAIT_ASSIGNED.to_string()),
            Some(keys::wait_since(
                s.last_agent_activity_at.or(s.accepted_at).unwrap_or(s.updated_at),
                &s.session_id,
            )),
        ),
        AgentStatus::None | AgentStatus::Resolved => (None, None),
    }
}

/// One entry of a session's audit trail, in the session's partition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    pub actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_status: Option<AgentStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_status: Option<AgentStatus>,
    #[serde(default)]
    pub detail: serde_json::Map<String, serde_json::Value>,
}

impl AuditItem {
    pub fn new(session_id: &str, event: &AuditEvent) -> Self {
        AuditItem {
            pk: keys::session_pk(session_id),
            sk: keys::audit_sk(event.at, &event.event_id),
            entity: "audit".to_string(),
            event_id: event.event_id.clone(),
            kind: event.kind,
            at: event.at,
            actor: event.actor.clone(),
            from_status: event.from_status,
            to_status: event.to_status,
            detail: event.detail.clone(),
        }
    }

    pub fn into_event(self) -> AuditEvent {
        AuditEvent {
            event_id: self.event_id,
            kind: self.kind,
            at: self.at,
            actor: self.actor,
            from_status: self.from_status,
            to_status: self.to_status,
            detail: self.detail,
        }
    }
}

/// An agent's capacity and load, in the team partition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgentItem {
    pub agent_id: String,
    /// Sessions assigned to the agent now, counted in the transactions that assign and unassign.
    #[serde(default)]
    pub active_sessions: i64,
    /// The agent's own limit; absent means the team's default.
    #[serde(default)]
    pub max_sessions: Option<u32>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

/// What the wait index carries about a session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WaitItem {
    pub session_id: String,
    #[serde(default)]
    pub priority: Option<EscalationPriority>,
    #[serde(default)]
    pub escalated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub assigned_agent_id: Option<String>,
    #[serde(default)]
    pub accepted_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub capacity_counted: bool,
    /// While pending: the place in the pending queue, which an aging write must still find.
    #[serde(default)]
    pub pending_order: Option<String>,
    pub wait_since: String,
}

/// What the assignee index carries about a session: a row of the agent's own list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssignedItem {
    pub session_id: String,
    pub user_id: String,
    #[serde(default)]
    pub member_level: MemberLevel,
    #[serde(default)]
    pub priority: Option<EscalationPriority>,
    pub agent_status: AgentStatus,
    #[serde(default)]
    pub escalated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub accepted_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_agent_activity_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub unread_customer_messages: u32,
    #[serde(default)]
    pub last_message_preview: Option<String>,
    #[serde(default)]
    pub last_message_author: Option<Author>,
    #[serde(default)]
    pub last_customer_message_at: Option<DateTime<Utc>>,
    pub wait_since: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessageItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub message_id: String,
    pub role: Role,
    pub author: Author,
    pub content: String,
    pub timestamp: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
}

impl MessageItem {
    pub fn new(session_id: &str, seq: usize, m: &Message) -> Self {
        MessageItem {
            pk: keys::session_pk(session_id),
            sk: keys::message_sk(m.timestamp, seq, &m.message_id),
            entity: "message".to_string(),
            message_id: m.message_id.clone(),
            role: m.role,
            author: m.author,
            content: m.content.clone(),
            timestamp: m.timestamp,
            agent_id: m.agent_id.clone(),
            agent_name: m.agent_name.clone(),
        }
    }

    pub fn into_message(self) -> Message {
        Message {
            message_id: self.message_id,
            role: self.role,
            author: self.author,
            content: self.content,
            timestamp: self.timestamp,
            agent_id: self.agent_id,
            agent_name: self.agent_name,
        }
    }
}

/// The summary projection the pending queue index carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingItem {
    pub session_id: String,
    pub user_id: String,
    #[serde(default)]
    pub priority: Option<EscalationPriority>,
    #[serde(default)]
    pub escalate_reason: Option<String>,
    #[serde(default)]
    pub turn_count: u32,
    pub created_at: DateTime<Utc>,
    pub agent_status: AgentStatus,
    #[serde(default)]
    pub assigned_agent_id: Option<String>,
    #[serde(default)]
    pub escalated_at: Option<DateTime<Utc>>,
    pub pending_order: String,
    #[serde(default)]
    pub customer_words: Option<String>,
    #[serde(default)]
    pub customer_language: Option<String>,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub member_level: Option<MemberLevel>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SolutionItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    #[serde(flatten)]
    pub solution: Solution,
    pub review_status: String,
    pub review_order: String,
}

impl SolutionItem {
    pub fn new(solution: &Solution) -> Self {
        SolutionItem {
            pk: keys::solution_pk(&solution.solution_id),
            sk: keys::META.to_string(),
            entity: "solution".to_string(),
            solution: solution.clone(),
            review_status: review_status_name(solution.status).to_string(),
            review_order: keys::review_order(solution.created_at, &solution.solution_id),
        }
    }
}

pub fn review_status_name(status: ReviewStatus) -> &'static str {
    status.as_str()
}

/// An open live-update socket: who holds it and since when. `expires_at` lets the table's TTL
/// remove items whose `$disconnect` never ran; API Gateway closes every socket within two hours.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConnectionItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub connection_id: String,
    pub agent_id: String,
    pub connected_at: DateTime<Utc>,
    /// Epoch seconds.
    pub expires_at: i64,
    /// When the token the socket was opened (or last re-authenticated) with expires, epoch
    /// seconds: the fan-out sends nothing after it and closes the socket.
    #[serde(default)]
    pub token_expires_at: Option<i64>,
}

/// A customer socket, bound to one session. Written twice in one transaction: in the session's
/// topic (`LIVE#SESSION#<id>` / `CONN#<connection>`), which the customer fan-out queries, and in
/// the `LIVE` partition (`CUST#<connection>`), which `$disconnect` finds by connection id alone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CustomerConnectionItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub connection_id: String,
    pub session_id: String,
    pub user_id: String,
    pub connected_at: DateTime<Utc>,
    /// Epoch seconds (the table's TTL).
    pub expires_at: i64,
    /// Epoch seconds: the customer token's expiry; past it the socket gets nothing more.
    pub token_expires_at: i64,
}

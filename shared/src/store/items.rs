//! Storage items: the shapes written to DynamoDB, with their keys. Domain types never carry keys.

use super::keys;
use crate::domain::{
    AgentStatus, Author, EscalationCard, EscalationPriority, MemberLevel, Message, ReviewStatus, Role, Session,
    Solution,
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
    /// Present only while pending: this is what makes the queue index sparse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_order: Option<String>,
}

impl SessionItem {
    pub fn from_session(s: &Session) -> Self {
        let pending = s.agent_status == AgentStatus::Pending;
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
        }
    }
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
    pub pending_order: String,
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
}

//! Domain types shared by every function. They carry no storage keys and no SDK types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a session stands on the agent side. `None` is a pure bot session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum AgentStatus {
    #[serde(rename = "none")]
    None,
    #[serde(rename = "pending")]
    Pending,
    #[serde(rename = "assigned")]
    Assigned,
    #[serde(rename = "resolved")]
    Resolved,
}

impl AgentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AgentStatus::None => "none",
            AgentStatus::Pending => "pending",
            AgentStatus::Assigned => "assigned",
            AgentStatus::Resolved => "resolved",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "none" => Some(AgentStatus::None),
            "pending" => Some(AgentStatus::Pending),
            "assigned" => Some(AgentStatus::Assigned),
            "resolved" => Some(AgentStatus::Resolved),
            _ => None,
        }
    }
}

impl fmt::Display for AgentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Escalation priority, ordered so that `Highest > High > Medium > Low > Info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EscalationPriority {
    Info,
    Low,
    Medium,
    High,
    Highest,
}

impl EscalationPriority {
    pub const ALL: [EscalationPriority; 5] = [
        EscalationPriority::Highest,
        EscalationPriority::High,
        EscalationPriority::Medium,
        EscalationPriority::Low,
        EscalationPriority::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EscalationPriority::Highest => "highest",
            EscalationPriority::High => "high",
            EscalationPriority::Medium => "medium",
            EscalationPriority::Low => "low",
            EscalationPriority::Info => "info",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == value)
    }

    /// Position in the pending queue: 0 is served first. Used as the leading part of the
    /// queue's sort key so that an ascending index Query yields priority descending.
    pub fn queue_rank(self) -> u8 {
        match self {
            EscalationPriority::Highest => 0,
            EscalationPriority::High => 1,
            EscalationPriority::Medium => 2,
            EscalationPriority::Low => 3,
            EscalationPriority::Info => 4,
        }
    }

    /// One step up, saturating at `Highest`.
    pub fn raised(self) -> Self {
        match self {
            EscalationPriority::Info => EscalationPriority::Low,
            EscalationPriority::Low => EscalationPriority::Medium,
            EscalationPriority::Medium => EscalationPriority::High,
            EscalationPriority::High | EscalationPriority::Highest => EscalationPriority::Highest,
        }
    }
}

/// Membership tier of the customer. Unknown tiers from upstream are kept as `Regular`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemberLevel {
    #[default]
    Regular,
    Silver,
    Gold,
    Platinum,
    Diamond,
}

impl MemberLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberLevel::Regular => "regular",
            MemberLevel::Silver => "silver",
            MemberLevel::Gold => "gold",
            MemberLevel::Platinum => "platinum",
            MemberLevel::Diamond => "diamond",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "regular" | "normal" | "standard" | "basic" | "none" => Some(MemberLevel::Regular),
            "silver" => Some(MemberLevel::Silver),
            "gold" => Some(MemberLevel::Gold),
            "platinum" => Some(MemberLevel::Platinum),
            "diamond" | "vip" | "svip" => Some(MemberLevel::Diamond),
            _ => None,
        }
    }

    /// Gold and above are the VIP tiers that jump the queue.
    pub fn is_vip(self) -> bool {
        self >= MemberLevel::Gold
    }
}

/// Who wrote a message. The agent writes as `assistant` in the customer's thread, like the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
    System,
}

/// Who, behind the role, produced a message: the bot, a human agent, or the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Author {
    Customer,
    Bot,
    Agent,
    System,
}

impl Author {
    pub fn as_str(self) -> &'static str {
        match self {
            Author::Customer => "customer",
            Author::Bot => "bot",
            Author::Agent => "agent",
            Author::System => "system",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub message_id: String,
    pub role: Role,
    pub author: Author,
    pub content: String,
    pub timestamp: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The agent's display name when an agent wrote it: attribution survives renames of ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
}

/// The context card an agent reads before accepting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EscalationCard {
    pub session_id: String,
    pub user_id: String,
    pub member_level: MemberLevel,
    pub history_ticket_count: u32,
    pub turn_count: u32,
    pub conversation_summary: String,
    pub attempted_solutions: Vec<String>,
    pub escalate_reason: String,
    pub priority: EscalationPriority,
}

/// A session as the domain sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub session_id: String,
    pub user_id: String,
    pub member_level: MemberLevel,
    pub agent_status: AgentStatus,
    pub assigned_agent_id: Option<String>,
    /// The assignee's display name, as their token gave it at accept.
    pub assigned_agent_name: Option<String>,
    pub turn_count: u32,
    /// Consecutive bot turns that found no answer; reset by an answered turn.
    pub consecutive_failures: u32,
    pub priority: Option<EscalationPriority>,
    pub escalate_reason: Option<String>,
    pub escalation_card: Option<EscalationCard>,
    /// What the bot offered the customer before escalation, newest last.
    pub attempted_solutions: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolve_note: Option<String>,
    /// When the session reached its current priority (escalation, a release, or aging): the
    /// aging clock runs from here.
    pub priority_since: Option<DateTime<Utc>>,
    /// When the session last entered the queue (escalation or a release).
    pub queued_at: Option<DateTime<Utc>>,
    /// The first agent message after escalation.
    pub first_response_at: Option<DateTime<Utc>>,
    /// The assignee's last accept, transfer, message or business write: auto-release measures
    /// inactivity from here.
    pub last_agent_activity_at: Option<DateTime<Utc>>,
    /// The assignment is counted in the assignee's `active_sessions` (every assignment made
    /// since capacity existed), so taking it away gives the count back.
    pub capacity_counted: bool,
    /// Releases and transfers, noted on the card for whoever takes the session next.
    pub card_notes: Vec<CardNote>,
}

/// A line the card carries about the session's hand-overs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CardNote {
    pub at: DateTime<Utc>,
    /// Who handed it over: an agent id, `key:<id>`, or `system`.
    pub by: String,
    pub text: String,
}

impl Session {
    pub fn new(session_id: String, user_id: String, member_level: MemberLevel, now: DateTime<Utc>) -> Self {
        Session {
            session_id,
            user_id,
            member_level,
            agent_status: AgentStatus::None,
            assigned_agent_id: None,
            assigned_agent_name: None,
            turn_count: 0,
            consecutive_failures: 0,
            priority: None,
            escalate_reason: None,
            escalation_card: None,
            attempted_solutions: Vec::new(),
            created_at: now,
            updated_at: now,
            escalated_at: None,
            accepted_at: None,
            resolved_at: None,
            resolve_note: None,
            priority_since: None,
            queued_at: None,
            first_response_at: None,
            last_agent_activity_at: None,
            capacity_counted: false,
            card_notes: Vec::new(),
        }
    }
}

/// What happened to a session, as its audit trail records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Escalated,
    Accepted,
    Released,
    Transferred,
    Aged,
    AutoReleased,
    AgentMessage,
    BusinessWriteExecuted,
    Resolved,
    SolutionSubmitted,
    SolutionApproved,
    SolutionRejected,
}

impl EventKind {
    pub const ALL: [EventKind; 12] = [
        EventKind::Escalated,
        EventKind::Accepted,
        EventKind::Released,
        EventKind::Transferred,
        EventKind::Aged,
        EventKind::AutoReleased,
        EventKind::AgentMessage,
        EventKind::BusinessWriteExecuted,
        EventKind::Resolved,
        EventKind::SolutionSubmitted,
        EventKind::SolutionApproved,
        EventKind::SolutionRejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Escalated => "escalated",
            EventKind::Accepted => "accepted",
            EventKind::Released => "released",
            EventKind::Transferred => "transferred",
            EventKind::Aged => "aged",
            EventKind::AutoReleased => "auto_released",
            EventKind::AgentMessage => "agent_message",
            EventKind::BusinessWriteExecuted => "business_write_executed",
            EventKind::Resolved => "resolved",
            EventKind::SolutionSubmitted => "solution_submitted",
            EventKind::SolutionApproved => "solution_approved",
            EventKind::SolutionRejected => "solution_rejected",
        }
    }
}

/// One immutable entry of a session's audit trail, written in the same transaction as the
/// change it records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    /// An agent id, `key:<id>` for a service key, `bot` for the bot or an upstream escalation,
    /// `system` for the scheduled queue maintenance.
    pub actor: String,
    pub from_status: Option<AgentStatus>,
    pub to_status: Option<AgentStatus>,
    /// What else is worth knowing: who to whom, from which priority, the note.
    #[schema(value_type = Object)]
    pub detail: serde_json::Map<String, serde_json::Value>,
}

impl AuditEvent {
    pub fn new(kind: EventKind, at: DateTime<Utc>, actor: impl Into<String>) -> Self {
        AuditEvent {
            event_id: new_id("evt"),
            kind,
            at,
            actor: actor.into(),
            from_status: None,
            to_status: None,
            detail: serde_json::Map::new(),
        }
    }

    pub fn status(mut self, from: AgentStatus, to: AgentStatus) -> Self {
        self.from_status = Some(from);
        self.to_status = Some(to);
        self
    }

    pub fn detail(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.detail.insert(key.to_string(), value.into());
        self
    }
}

/// A solution an agent consolidated, waiting for review before it becomes a FAQ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Solution {
    pub solution_id: String,
    pub session_id: String,
    pub question: String,
    pub solution: String,
    pub intent: String,
    pub status: ReviewStatus,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The principal that submitted it: the agent's id, or `key:<id>` for a proxy key. Four
    /// eyes hold for both: neither the agent it names nor the key that sent it may decide it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The reviewer's agent id, or `key:<id>` for an admin key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faq_id: Option<String>,
    /// When the FAQ this approval created was deleted: the solution stays approved, and says
    /// its FAQ is gone rather than pointing at nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faq_deleted_at: Option<DateTime<Utc>>,
}

/// The FAQ an approved solution becomes: `faq-{solution_id}`. Ids starting `faq-sol-` belong to
/// approvals; a manual FAQ may not take one.
pub fn solution_faq_id(solution_id: &str) -> String {
    format!("faq-{solution_id}")
}

/// The FAQ id namespace of approved solutions, compared without regard to case.
pub fn is_solution_faq_id(faq_id: &str) -> bool {
    faq_id.get(..8).is_some_and(|p| p.eq_ignore_ascii_case("faq-sol-"))
}

/// The solution whose approval made this FAQ, if the id is in that namespace.
pub fn solution_of_faq_id(faq_id: &str) -> Option<&str> {
    faq_id.strip_prefix("faq-").filter(|rest| rest.starts_with("sol-"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReviewStatus {
    Pending,
    Approved,
    Rejected,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Rejected => "rejected",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "pending" => Some(ReviewStatus::Pending),
            "approved" => Some(ReviewStatus::Approved),
            "rejected" => Some(ReviewStatus::Rejected),
            _ => None,
        }
    }
}

/// New opaque ids, prefixed so a stray id in a log says what it is.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_order_highest_first() {
        let mut all = EscalationPriority::ALL.to_vec();
        all.sort();
        all.reverse();
        assert_eq!(all, EscalationPriority::ALL.to_vec());
        let ranks: Vec<u8> = EscalationPriority::ALL.iter().map(|p| p.queue_rank()).collect();
        assert_eq!(ranks, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn priority_and_status_round_trip_through_their_names() {
        for p in EscalationPriority::ALL {
            assert_eq!(EscalationPriority::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        for s in [AgentStatus::None, AgentStatus::Pending, AgentStatus::Assigned, AgentStatus::Resolved] {
            assert_eq!(AgentStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn raising_a_priority_saturates_at_highest() {
        assert_eq!(EscalationPriority::Info.raised(), EscalationPriority::Low);
        assert_eq!(EscalationPriority::High.raised(), EscalationPriority::Highest);
        assert_eq!(EscalationPriority::Highest.raised(), EscalationPriority::Highest);
    }

    #[test]
    fn vip_tiers_are_gold_and_above() {
        assert!(!MemberLevel::Regular.is_vip());
        assert!(!MemberLevel::Silver.is_vip());
        assert!(MemberLevel::Gold.is_vip());
        assert!(MemberLevel::Diamond.is_vip());
        assert_eq!(MemberLevel::parse("VIP"), Some(MemberLevel::Diamond));
        assert_eq!(MemberLevel::parse("wood"), None);
    }
}

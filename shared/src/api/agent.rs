//! The agent side of the workbench (endpoints 1 to 4, 7 and 8): the pending list, a session's
//! details, accept, messages, resolve, solutions and `me`, with the limits their text is held to.

use crate::domain::{AgentStatus, Author, CardNote, EscalationCard, EscalationPriority, MemberLevel, Message, ReviewStatus, Role, Session, Solution};
use crate::queue::QueuePolicy;
use crate::store::{AssignedItem, PendingItem};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const MAX_MESSAGE_CHARS: usize = 4000;

pub const MAX_NOTE_CHARS: usize = 2000;

pub const MAX_QUESTION_CHARS: usize = 1000;

pub const MAX_SOLUTION_CHARS: usize = 4000;

#[derive(Serialize, utoipa::ToSchema)]
pub struct PendingSummary {
    pub session_id: String,
    pub user_id: String,
    #[schema(value_type = EscalationPriority)]
    pub priority: String,
    pub escalate_reason: Option<String>,
    pub turn_count: u32,
    pub created_at: DateTime<Utc>,
    pub agent_status: AgentStatus,
    pub assigned_agent_id: Option<String>,
    /// The queue is ordered by priority, then by this.
    pub escalated_at: Option<DateTime<Utc>>,
    /// Seconds since escalation.
    pub waiting_seconds: Option<i64>,
    /// Escalation plus the first-response target of the priority; `null` when it has none.
    pub sla_due_at: Option<DateTime<Utc>>,
    /// Past `sla_due_at`.
    pub sla_breached: bool,
    /// The first line of the customer's latest message (≤ 120 characters, `…` when cut), so rows
    /// with the same escalation reason tell apart; `null` before the customer wrote.
    pub customer_words: Option<String>,
    /// `zh` or `en`: the language of that message.
    pub language: Option<String>,
    /// The latest order id a customer message named.
    pub order_id: Option<String>,
    pub member_level: Option<MemberLevel>,
}

impl PendingSummary {
    pub fn new(item: PendingItem, policy: &QueuePolicy, now: DateTime<Utc>) -> Self {
        let priority = item.priority.unwrap_or(EscalationPriority::Medium);
        let sla = item.escalated_at.map(|at| policy.sla(priority, at, None, now));
        PendingSummary {
            waiting_seconds: sla.map(|s| s.waiting_seconds),
            sla_due_at: sla.and_then(|s| s.sla_due_at),
            sla_breached: sla.is_some_and(|s| s.sla_breached),
            escalated_at: item.escalated_at,
            session_id: item.session_id,
            user_id: item.user_id,
            priority: priority.as_str().to_string(),
            escalate_reason: item.escalate_reason,
            turn_count: item.turn_count,
            created_at: item.created_at,
            agent_status: item.agent_status,
            assigned_agent_id: item.assigned_agent_id,
            customer_words: item.customer_words,
            language: item.customer_language,
            order_id: item.order_id,
            member_level: item.member_level,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub message_id: String,
    pub role: Role,
    pub author: Author,
    pub content: String,
    pub timestamp: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
}

impl From<Message> for HistoryEntry {
    fn from(m: Message) -> Self {
        HistoryEntry {
            message_id: m.message_id,
            role: m.role,
            author: m.author,
            content: m.content,
            timestamp: m.timestamp,
            agent_id: m.agent_id,
            agent_name: m.agent_name,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SessionDetails {
    pub session_id: String,
    pub user_id: String,
    #[schema(value_type = crate::domain::MemberLevel)]
    pub member_level: &'static str,
    pub agent_status: AgentStatus,
    pub assigned_agent_id: Option<String>,
    pub assigned_agent_name: Option<String>,
    pub turn_count: u32,
    #[schema(value_type = Option<EscalationPriority>)]
    pub priority: Option<&'static str>,
    pub escalate_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolve_note: Option<String>,
    pub first_response_at: Option<DateTime<Utc>>,
    /// Seconds from escalation until the first agent response (or now, while there is none).
    pub waiting_seconds: Option<i64>,
    /// Escalation plus the first-response target of the priority.
    pub sla_due_at: Option<DateTime<Utc>>,
    /// The first response came (or is still coming) after `sla_due_at`.
    pub sla_breached: bool,
    pub escalation_card: CardView,
    pub history: Vec<HistoryEntry>,
}

/// The card as agents see it: what the bot gathered at escalation, and the hand-overs since.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CardView {
    #[serde(flatten)]
    pub card: EscalationCard,
    pub notes: Vec<CardNote>,
}

impl CardView {
    pub fn new(card: EscalationCard, session: &Session) -> Self {
        CardView { card, notes: session.card_notes.clone() }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AcceptRequest {
    #[schema(pattern = r"^[A-Za-z0-9._:-]{1,128}$")]
    pub agent_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AcceptResponse {
    pub session_id: String,
    pub agent_status: AgentStatus,
    pub assigned_agent_id: Option<String>,
    pub turn_count: u32,
    pub escalation_card: CardView,
    pub history: Vec<HistoryEntry>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SendMessageRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 4000)]
    pub content: Option<String>,
    #[schema(pattern = r"^[A-Za-z0-9._:-]{1,128}$")]
    pub agent_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SendMessageResponse {
    pub message_id: String,
    pub timestamp: DateTime<Utc>,
    pub role: Role,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResolveRequest {
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// With a proxy key: the agent it acts for (must be the assignee); absent acts for the assignee.
    #[schema(pattern = r"^[A-Za-z0-9._:-]{1,128}$")]
    pub agent_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ResolveResponse {
    pub session_id: String,
    pub agent_status: AgentStatus,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SolutionRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 1000)]
    pub question: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 4000)]
    pub solution: Option<String>,
    #[schema(pattern = r"^[a-z0-9_]{1,64}$")]
    pub intent: Option<String>,
    #[schema(pattern = r"^[A-Za-z0-9._:-]{1,128}$")]
    pub agent_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SolutionView {
    pub solution_id: String,
    pub session_id: String,
    pub question: String,
    pub solution: String,
    pub intent: String,
    pub status: ReviewStatus,
}

impl From<&Solution> for SolutionView {
    fn from(s: &Solution) -> Self {
        SolutionView {
            solution_id: s.solution_id.clone(),
            session_id: s.session_id.clone(),
            question: s.question.clone(),
            solution: s.solution.clone(),
            intent: s.intent.clone(),
            status: s.status,
        }
    }
}

/// A row of the agent's own list (`GET /api/v1/agent/sessions/mine`): enough to pick the
/// session that needs them, without opening each.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AssignedSummary {
    pub session_id: String,
    pub user_id: String,
    pub member_level: MemberLevel,
    #[schema(value_type = EscalationPriority)]
    pub priority: String,
    pub agent_status: AgentStatus,
    /// Whose list this row is on.
    pub assigned_agent_id: String,
    pub escalated_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// The thread's latest message: its first line, at most 140 characters (`…` when cut).
    pub last_message_preview: Option<String>,
    pub last_message_author: Option<Author>,
    /// Customer messages since the assignee last read the session or wrote to the customer.
    pub unread_count: u32,
    /// Since when the customer has been waiting for the agent: their latest message, when the
    /// agent has not acted since; `null` when the agent spoke last.
    pub waiting_since: Option<DateTime<Utc>>,
    /// Seconds from `waiting_since` to now.
    pub waiting_seconds: Option<i64>,
}

impl AssignedSummary {
    pub fn new(item: AssignedItem, agent_id: &str, now: DateTime<Utc>) -> Self {
        let last_agent = item.last_agent_activity_at.or(item.accepted_at);
        let waiting_since = match (item.last_customer_message_at, last_agent) {
            (Some(customer), Some(agent)) if customer > agent => Some(customer),
            (Some(customer), None) => Some(customer),
            _ => None,
        };
        AssignedSummary {
            waiting_seconds: waiting_since.map(|at| (now - at).num_seconds().max(0)),
            waiting_since,
            session_id: item.session_id,
            user_id: item.user_id,
            member_level: item.member_level,
            priority: item.priority.unwrap_or(EscalationPriority::Medium).as_str().to_string(),
            agent_status: item.agent_status,
            assigned_agent_id: agent_id.to_string(),
            escalated_at: item.escalated_at,
            accepted_at: item.accepted_at,
            last_message_preview: item.last_message_preview,
            last_message_author: item.last_message_author,
            unread_count: item.unread_customer_messages,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssignedPage {
    /// The sessions the agent holds, the longest without their attention first.
    pub sessions: Vec<AssignedSummary>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct WhoAmI<'a> {
    pub agent_id: &'a str,
    pub name: &'a str,
    #[schema(value_type = Vec<AgentRole>)]
    pub roles: &'a [crate::auth::Role],
}

/// A human agent's role, as `GET /api/v1/agent/me` lists them.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AgentRole {
    Agent,
    Supervisor,
    Reviewer,
}
